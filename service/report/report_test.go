package report

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"seminareval/model/modeltest"
	"seminareval/service/definition"
	"seminareval/service/servicetest"
)

// reportFixture is the shared demo (servicetest.Demo) with its Reports.
type reportFixture struct {
	*servicetest.Demo
	reports *Reports
}

func newReportFixture(t *testing.T, db *gorm.DB, edit ...func(*definition.Definition)) *reportFixture {
	t.Helper()
	d := servicetest.NewDemo(t, db, edit...)
	return &reportFixture{Demo: d, reports: NewReports(db, d.Questionnaires, d.Clock)}
}

func questionByKey(t *testing.T, s *Summary, key string) QuestionSummary {
	t.Helper()
	for _, q := range s.Questions {
		if q.Key == key {
			return q
		}
	}
	t.Fatalf("question %s not in summary", key)
	return QuestionSummary{}
}

func percents(q QuestionSummary) []int {
	var out []int
	for _, l := range q.Levels {
		out = append(out, l.Percent)
	}
	for _, o := range q.Options {
		out = append(out, o.Percent)
	}
	return out
}

func intp(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func floatp(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestSummaryMatchesHandComputedStatistics(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newReportFixture(t, db)
		f.Fill(t)
		s, err := f.reports.Summary(context.Background(), f.L.ID, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if *s.Respondents != 18 || s.Invited != 20 || s.ResponseRate == nil || *s.ResponseRate != 0.9 {
			t.Fatalf("respondents %v invited %d rate %v", *s.Respondents, s.Invited, floatp(s.ResponseRate))
		}

		// 17 × strongly agree, 1 × agree: the contract's example row.
		k := questionByKey(t, s, "knowledge_improved")
		if k.N != 18 || k.Missing != 0 || k.NA != 0 || !slices.Equal(percents(k), []int{94, 6, 0, 0, 0}) ||
			intp(k.AgreePercent) != 100 || intp(k.StronglyAgreePercent) != 94 || intp(k.DisagreePercent) != 0 ||
			floatp(k.Mean) != 4.94 || floatp(k.SD) != 0.24 {
			t.Fatalf("knowledge_improved = %+v", k)
		}
		if k.Levels[0].Count != 17 || k.Levels[0].Label["zh"] != "非常同意" {
			t.Fatalf("levels = %+v", k.Levels)
		}
		// Everyone strongly agrees: SD 0.
		p := questionByKey(t, s, "participation_encouraged")
		if !slices.Equal(percents(p), []int{100, 0, 0, 0, 0}) || floatp(p.SD) != 0.0 || floatp(p.Mean) != 5.0 {
			t.Fatalf("participation_encouraged = %+v", p)
		}
		// 9 agree, 9 disagree.
		u := questionByKey(t, s, "useful_relevant")
		if intp(u.AgreePercent) != 50 || intp(u.DisagreePercent) != 50 || intp(u.StronglyAgreePercent) != 0 {
			t.Fatalf("useful_relevant = %+v", u)
		}
		// 6/6/6 over 5,4,3: a three-way largest-remainder tie.
		c := questionByKey(t, s, "cooperation_facilitated")
		if !slices.Equal(percents(c), []int{34, 33, 33, 0, 0}) || intp(c.AgreePercent) != 67 || floatp(c.Mean) != 4.0 {
			t.Fatalf("cooperation_facilitated = %+v", c)
		}
		// Everyone "not applicable": n = 0, no percentages, no mean.
		o := questionByKey(t, s, "organisation_good")
		if o.N != 0 || o.NA != 18 || o.Missing != 0 || o.AgreePercent != nil || o.Mean != nil || !slices.Equal(percents(o), []int{0, 0, 0, 0, 0}) {
			t.Fatalf("organisation_good = %+v", o)
		}
		// Two "not applicable" leave a base of 16.
		a := questionByKey(t, s, "apply_learning")
		if a.N != 16 || a.NA != 2 || intp(a.StronglyAgreePercent) != 100 {
			t.Fatalf("apply_learning = %+v", a)
		}
		// 12/4/2 of 18 = 66.67/22.22/11.11: the point goes to police (remainder 12/18).
		w := questionByKey(t, s, "workplace")
		if w.N != 18 || !slices.Equal(percents(w), []int{67, 22, 0, 0, 11}) {
			t.Fatalf("workplace = %+v", w)
		}
		// Multi: percent of the 15 who answered the item.
		m := questionByKey(t, s, "topics_useful")
		if m.N != 15 || m.Missing != 3 || m.Options[0].Count != 10 || m.Options[0].Percent != 67 || m.Options[2].Percent != 100 || m.Options[1].Percent != 0 {
			t.Fatalf("topics_useful = %+v", m)
		}
		// Rating 9 × 5 and 9 × 4: mean 4.5, sample SD √(18·0.25/17) = 0.5145.
		r := questionByKey(t, s, "overall")
		if floatp(r.Mean) != 4.5 || floatp(r.SD) != 0.51 || len(r.Levels) != 5 {
			t.Fatalf("overall = %+v", r)
		}
		n := questionByKey(t, s, "recommend")
		if intp(n.NPS) != 61 || intp(n.Promoters) != 12 || intp(n.Passives) != 5 || intp(n.Detractors) != 1 {
			t.Fatalf("recommend = %+v", n)
		}
		cm := questionByKey(t, s, "comments")
		if cm.N != 3 || cm.Missing != 15 || len(cm.Answers) != 3 || cm.Answers[1] != "很好的研讨会 👍" {
			t.Fatalf("comments = %+v", cm)
		}

		wantEn := []string{
			// Everyone agreed (17 strongly, 1 agree): that is the claim, with the 94% beside it.
			"All 18 respondents agreed or strongly agreed that their knowledge was improved on the specific topics covered (94% strongly agreed).",
			"All 18 respondents strongly agreed that the seminar encouraged participation and the exchange of experience.",
			"Of the 18 respondents, 50% agreed or strongly agreed that the seminar was useful and relevant to their work.",
			"Of the 18 respondents, 67% agreed or strongly agreed that the seminar will facilitate cooperation between EU member states and China.",
			"Of the 18 respondents, none agreed or strongly agreed that the presentations by the speakers were of high quality.",
			"All 16 respondents (excluding 2 “not applicable”) strongly agreed that they will be able to apply what they learned in their daily work.",
		}
		wantZh := []string{
			"18名答卷人全部同意或非常同意他们对所涉及具体议题的了解得到了提高（其中94%非常同意）。",
			"18名答卷人全部非常同意研讨会鼓励参与和经验交流。",
			"在18名答卷人中，50%同意或非常同意研讨会对他们的工作有用且相关。",
			"在18名答卷人中，67%同意或非常同意研讨会将促进欧盟成员国与中国之间的合作。",
			"在18名答卷人中，没有人同意或非常同意发言人的报告质量很高。",
			"16名答卷人（不含2个“不适用”回答）全部非常同意他们能够在日常工作中运用所学内容。",
		}
		if !slices.Equal(s.Narrative.En, wantEn) {
			t.Fatalf("narrative en:\n%s", strings.Join(s.Narrative.En, "\n"))
		}
		if !slices.Equal(s.Narrative.Zh, wantZh) {
			t.Fatalf("narrative zh:\n%s", strings.Join(s.Narrative.Zh, "\n"))
		}
		// Counts instead of percentages, for an organiser who prefers them.
		counts := BuildNarrative(s.Questions, NarrativeOptions{Counts: true})
		wantCounts := []string{
			"All 18 respondents agreed or strongly agreed that their knowledge was improved on the specific topics covered (17 strongly agreed).",
			"All 18 respondents strongly agreed that the seminar encouraged participation and the exchange of experience.",
			"9 of the 18 respondents agreed or strongly agreed that the seminar was useful and relevant to their work.",
			"12 of the 18 respondents agreed or strongly agreed that the seminar will facilitate cooperation between EU member states and China.",
			"Of the 18 respondents, none agreed or strongly agreed that the presentations by the speakers were of high quality.",
		}
		if !slices.Equal(counts.En[:5], wantCounts) || counts.Zh[2] != "在18名答卷人中，有9人同意或非常同意研讨会对他们的工作有用且相关。" || counts.Zh[0] != "18名答卷人全部同意或非常同意他们对所涉及具体议题的了解得到了提高（其中17人非常同意）。" {
			t.Fatalf("narrative with counts:\n%s\n%s", strings.Join(counts.En, "\n"), strings.Join(counts.Zh, "\n"))
		}

		// The JSON shape of the contract.
		raw, _ := json.Marshal(s)
		var doc map[string]any
		_ = json.Unmarshal(raw, &doc)
		if doc["respondents"] != 18.0 || doc["invited"] != 20.0 || doc["response_rate"] != 0.9 {
			t.Fatalf("json head: %s", raw[:200])
		}
	})
}

func TestSummaryWithoutResponsesOrRoster(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newReportFixture(t, db)
		s, err := f.reports.Summary(context.Background(), f.L.ID, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if *s.Respondents != 0 || s.Invited != 20 || floatp(s.ResponseRate) != 0.0 || len(s.Narrative.En) != 0 || s.FirstResponse != nil {
			t.Fatalf("empty summary: %+v", s)
		}
		k := questionByKey(t, s, "knowledge_improved")
		if k.N != 0 || k.Missing != 0 || k.AgreePercent != nil || k.Mean != nil || !slices.Equal(percents(k), []int{0, 0, 0, 0, 0}) {
			t.Fatalf("knowledge_improved with no answers = %+v", k)
		}
		raw, _ := json.Marshal(s)
		if !strings.Contains(string(raw), `"narrative":{"en":[],"zh":[]}`) {
			t.Fatalf("json: %s", raw)
		}

		// No roster at all: invited 0 and response_rate null.
		g := newReportFixture(t, db, func(d *definition.Definition) { d.Slug = "no-roster-here"; d.Seminar = nil })
		s, err = g.reports.Summary(context.Background(), g.L.ID, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ = json.Marshal(s)
		if s.Invited != 0 || !strings.Contains(string(raw), `"invited":0,"response_rate":null`) {
			t.Fatalf("no roster: %s", raw)
		}
	})
}

func TestSummaryOfASingleRespondent(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newReportFixture(t, db)
		f.Submit(t, -1, map[string]any{
			"knowledge_improved": 5, "participation_encouraged": 4, "useful_relevant": 3, "cooperation_facilitated": 5,
			"speakers_quality": 5, "organisation_good": 5, "apply_learning": 2, "workplace": "police", "overall": 3,
		})
		s, err := f.reports.Summary(context.Background(), f.L.ID, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		k := questionByKey(t, s, "knowledge_improved")
		if k.N != 1 || floatp(k.Mean) != 5.0 || k.SD != nil || !slices.Equal(percents(k), []int{100, 0, 0, 0, 0}) {
			t.Fatalf("single respondent: %+v", k)
		}
		if s.Narrative.En[0] != "The only respondent strongly agreed that their knowledge was improved on the specific topics covered." ||
			s.Narrative.Zh[0] != "唯一的答卷人非常同意他们对所涉及具体议题的了解得到了提高。" {
			t.Fatalf("narrative: %q %q", s.Narrative.En[0], s.Narrative.Zh[0])
		}
		if s.Narrative.En[1] != "The only respondent agreed or strongly agreed that the seminar encouraged participation and the exchange of experience." {
			t.Fatalf("narrative: %q", s.Narrative.En[1])
		}
		if s.Narrative.En[2] != "Of the 1 respondent, none agreed or strongly agreed that the seminar was useful and relevant to their work." {
			t.Fatalf("narrative: %q", s.Narrative.En[2])
		}
		if n := questionByKey(t, s, "recommend"); n.N != 0 || n.Missing != 1 || n.NPS != nil {
			t.Fatalf("unanswered nps: %+v", n)
		}
	})
}

func TestFilteredSummarySuppressesGroupsBelowFive(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newReportFixture(t, db)
		f.Fill(t)
		ctx := context.Background()

		// Europe: participants 10..17 answered (8 of 10).
		s, err := f.reports.Summary(ctx, f.L.ID, FilterFromQuery(map[string][]string{"group": {"Europe"}}))
		if err != nil {
			t.Fatal(err)
		}
		if s.Suppressed || *s.Respondents != 8 || s.Invited != 10 || floatp(s.ResponseRate) != 0.8 {
			t.Fatalf("Europe: suppressed %v respondents %v invited %d", s.Suppressed, intp(s.Respondents), s.Invited)
		}
		// Respondents 10..17 all answered useful_relevant 2 (disagree).
		if u := questionByKey(t, s, "useful_relevant"); u.N != 8 || intp(u.DisagreePercent) != 100 {
			t.Fatalf("Europe useful_relevant: %+v", u)
		}

		// Police: respondents 0..11, a filter on an answer (no roster base).
		s, err = f.reports.Summary(ctx, f.L.ID, FilterFromQuery(map[string][]string{"q.workplace": {"police"}}))
		if err != nil {
			t.Fatal(err)
		}
		if *s.Respondents != 12 || s.Invited != 0 || s.ResponseRate != nil || questionByKey(t, s, "workplace").Options[0].Percent != 100 {
			t.Fatalf("police: %+v", s)
		}
		// Both conditions: China (0..9) and police (0..11) = 10.
		s, _ = f.reports.Summary(ctx, f.L.ID, FilterFromQuery(map[string][]string{"group": {"China"}, "q.workplace": {"police"}}))
		if *s.Respondents != 10 {
			t.Fatalf("China ∧ police = %d", *s.Respondents)
		}

		// NGO: 2 respondents, shown as "<5": no figures at all.
		for _, q := range []map[string][]string{{"q.workplace": {"ngo"}}, {"group": {"Nobody"}}} {
			s, err = f.reports.Summary(ctx, f.L.ID, FilterFromQuery(q))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := json.Marshal(s)
			if !s.Suppressed || s.Respondents != nil || len(s.Questions) != 0 || len(s.Narrative.En) != 0 ||
				!strings.Contains(string(raw), `"suppressed":true,"threshold":5,"respondents":null,"roster_respondents":null,"other_respondents":null,"invited":0,"response_rate":null`) {
				t.Fatalf("%v not suppressed: %s", q, raw)
			}
		}

		// Filters naming something that does not exist are errors, not empty views.
		for _, q := range []map[string][]string{{"q.recommend": {"9"}}, {"q.workplace": {"bogus"}}, {"q.nope": {"x"}}} {
			if _, err := f.reports.Summary(ctx, f.L.ID, FilterFromQuery(q)); !errors.Is(err, ErrBadFilter) {
				t.Fatalf("%v: err = %v, want ErrBadFilter", q, err)
			}
		}
	})
}
