package report

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service/definition"
	"seminareval/service/servicetest"
)

// The demo's pre-test and post-test (7 points: t_indicators 2, the others
// 1), taken by the roster through invite links. Points earned:
//
//	participant  0  1  2  3  4  5  6  cookie
//	pre          1  2  3  4  0  7  –  –
//	post         4  5  3  6  2  7  7  1
//
// Paired: participants 0–5. Differences in points +3 +3 0 +2 +2 0: the
// zeros dropped, n = 4, |d| 2 2 3 3 ranked 1.5 1.5 3.5 3.5, W+ = 10, W− = 0;
// tied, so the normal approximation: var = 4·5·9/24 − (6+6)/48 = 7.25,
// z = (10 − 5)/√7.25 = 1.857 → 1.86, p = 2(1 − Φ(1.857)) = 0.0633.
// Means over the paired: pre 17/42 = 40.48% → 40.5, post 27/42 = 64.29% →
// 64.3; gain (27−17)/(42−17) = 0.40. Mastery (80%): pre 1 of 6 (100%) →
// 17, post 2 of 6 (85.7%, 100%) → 33. The post-test's own mean over all 8:
// 35/56 = 62.5%. t_elements right: pre 4 of 6 → 67, post 7 of 8 → 88.
func TestPostTestSummaryPairsPreAndPostPerParticipant(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newReportFixture(t, db)
		tests := fillTests(t, f)

		var hashed int64
		db.Model(&model.Response{}).Where("questionnaire_id IN ? AND pair_hash IS NOT NULL", []uint64{tests.Pre.ID, tests.Post.ID}).Count(&hashed)
		if hashed != 14 {
			t.Errorf("%d test responses carry a pair hash, want all 14", hashed)
		}

		s, err := f.reports.Summary(context.Background(), tests.Post.ID, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		ts := s.Test
		if ts == nil || ts.PairedScoresSummary == nil {
			t.Fatalf("no test block: %+v", ts)
		}
		if ts.MaxPoints != 7 || *ts.NPre != 6 || *ts.NPost != 8 || ts.NPaired != 6 || *ts.MeanPercent != 62.5 {
			t.Errorf("max %d, n_pre %d, n_post %d, n_paired %d, mean %v; want 7, 6, 8, 6, 62.5", ts.MaxPoints, *ts.NPre, *ts.NPost, ts.NPaired, *ts.MeanPercent)
		}
		if *ts.PreMeanPercent != 40.5 || *ts.PostMeanPercent != 64.3 || *ts.NormalizedGain != 0.4 {
			t.Errorf("pre %v, post %v, gain %v; want 40.5, 64.3, 0.4", *ts.PreMeanPercent, *ts.PostMeanPercent, *ts.NormalizedGain)
		}
		w := ts.Wilcoxon
		if w.N != 4 || w.WPlus != 10 || w.WMinus != 0 || w.Method != "normal" || *w.Z != 1.86 || *w.P != 0.0633 {
			t.Errorf("wilcoxon %+v (z %v p %v), want n 4, W+ 10, W− 0, normal, z 1.86, p 0.0633", w, deref(w.Z), deref(w.P))
		}
		if *ts.MasteryPrePercent != 17 || *ts.MasteryPostPercent != 33 || ts.MasteryPercent != 80 {
			t.Errorf("mastery pre %d post %d at %v, want 17, 33 at 80", *ts.MasteryPrePercent, *ts.MasteryPostPercent, ts.MasteryPercent)
		}
		if it := ts.Items[0]; it.Key != "t_elements" || *it.PreCorrectPercent != 67 || *it.PostCorrectPercent != 88 {
			t.Errorf("item %+v, want t_elements 67 → 88", it)
		}
		if len(ts.Pairs()) != 6 || ts.Pairs()[0][0] != 0 || math.Abs(ts.Pairs()[0][1]-200.0/7) > 1e-9 {
			t.Errorf("pairs %v, want 6, lowest pre first (0 → 28.6)", ts.Pairs())
		}
		wantEn := "The average test score rose from 40% before the seminar to 64% after it (6 participants took both tests; Wilcoxon signed-rank p = 0.0633)."
		if len(s.Narrative.En) == 0 || s.Narrative.En[0] != wantEn {
			t.Errorf("narrative %q, want first %q", s.Narrative.En, wantEn)
		}
		if !strings.HasPrefix(s.Narrative.Zh[0], "测试平均得分从研讨会前的40%提高到研讨会后的64%（6名参与者参加了两次测试") {
			t.Errorf("Chinese narrative %q", s.Narrative.Zh[0])
		}
		// The contract's names, in its order.
		b, _ := json.Marshal(s.Test)
		for _, k := range []string{`"max_points":7`, `"n_pre":6`, `"n_post":8`, `"n_paired":6`, `"pre_mean_percent":40.5`, `"post_mean_percent":64.3`,
			`"normalized_gain":0.4`, `"wilcoxon":{"n":4,"w_plus":10,"w_minus":0,"z":1.86,"p":0.0633,"method":"normal"}`,
			`"mastery_percent":80`, `"mastery_pre_percent":17`, `"mastery_post_percent":33`, `"pre_correct_percent":67`, `"post_correct_percent":88`} {
			if !strings.Contains(string(b), k) {
				t.Errorf("test JSON lacks %s: %s", k, b)
			}
		}

		// The pre-test's own block.
		ps, err := f.reports.Summary(context.Background(), tests.Pre.ID, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if pt := ps.Test; pt == nil || *pt.N != 6 || *pt.MeanPercent != 40.5 || *pt.Items[0].CorrectPercent != 67 || pt.PairedScoresSummary != nil {
			t.Errorf("pre-test block %+v, want n 6, mean 40.5, t_elements 67", pt)
		}
		if ps.Narrative.En[0] != "The average score on the test before the seminar was 40% (6 participants)." {
			t.Errorf("pre-test narrative %q", ps.Narrative.En)
		}
	})
}

// fillTests imports the demo tests and answers them as the table of
// TestPostTestSummaryPairsPreAndPostPerParticipant says.
func fillTests(t *testing.T, f *reportFixture) servicetest.Tests {
	t.Helper()
	tests := f.ImportTests(t)
	pre := [][]string{{"t_elements"}, {"t_indicators"}, {"t_elements", "t_indicators"}, {"t_elements", "t_children", "t_indicators"}, {},
		{"t_elements", "t_children", "t_indicators", "t_nonpunish", "t_cooperation", "t_referral"}}
	post := [][]string{{"t_elements", "t_children", "t_indicators"}, {"t_elements", "t_children", "t_indicators", "t_nonpunish"},
		{"t_elements", "t_indicators"}, {"t_elements", "t_children", "t_indicators", "t_nonpunish", "t_cooperation"}, {"t_indicators"},
		{"t_elements", "t_children", "t_indicators", "t_nonpunish", "t_cooperation", "t_referral"},
		{"t_elements", "t_children", "t_indicators", "t_nonpunish", "t_cooperation", "t_referral"}}
	for i, right := range pre {
		f.SubmitTo(t, tests.Pre, i, servicetest.TestAnswers(right...))
	}
	for i, right := range post {
		f.SubmitTo(t, tests.Post, i, servicetest.TestAnswers(right...))
	}
	f.SubmitTo(t, tests.Post, -1, servicetest.TestAnswers("t_elements")) // an open-link respondent, no pre-test
	return tests
}

// The annex of a post-test has its Learning sheet: the figures, the
// questions before and after with a native chart, each pair numbered.
func TestPostTestAnnexHasItsLearningSheet(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newReportFixture(t, db)
		tests := fillTests(t, f)
		f.L = tests.Post
		data, x := writeAnnex(t, f, AnnexOptions{Lang: "en"})
		if got := x.GetSheetList(); !slices.Equal(got, []string{SheetSummary, SheetNarrative, SheetLearning, SheetResponses, SheetComments, SheetParticipants}) {
			t.Fatalf("sheets %v", got)
		}
		cells := map[string]string{"A1": "Knowledge test: Knowledge test after the seminar", "A6": "Took both tests", "B6": "6",
			"B7": "40.5%", "B8": "64.3%", "B9": "0.40", "B10": "W+ = 10, W− = 0, n = 4, p = 0.0633 (normal approximation)", "B11": "17% → 33%",
			"C14": "67%", "D14": "88%"}
		for cell, want := range cells {
			if got, _ := x.GetCellValue(SheetLearning, cell); got != want {
				t.Errorf("Learning!%s = %q, want %q", cell, got, want)
			}
		}
		// The pairs, after the chart: lowest before first, 0% → 28.6%.
		rows, _ := x.GetRows(SheetLearning)
		head := slices.IndexFunc(rows, func(r []string) bool { return len(r) > 0 && r[0] == "Participant (numbered, not named)" })
		if head < 0 || len(rows) != head+7 || !slices.Equal(rows[head+1], []string{"1", "0%", "29%", "29%"}) || !slices.Equal(rows[head+6], []string{"6", "100%", "100%", "0%"}) {
			t.Errorf("pairs table at %d of %d rows: %v", head, len(rows), rows[max(head, 0):])
		}
		if charts := zipParts(t, data, `^xl/charts/chart\d+\.xml$`); len(charts) < 2 {
			t.Errorf("%d charts, want the choice charts and the learning chart", len(charts))
		}
		_, zx := writeAnnex(t, f, AnnexOptions{Lang: "zh"})
		if got, _ := zx.GetCellValue(SheetLearning, "A6"); got != "参加两次测试" {
			t.Errorf("Chinese Learning!A6 = %q", got)
		}
	})
}

// A corrected answer key corrects every score: scores are marked when read.
func TestACorrectedAnswerKeyRescores(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newReportFixture(t, db)
		tests := f.ImportTests(t)
		for i := range 5 {
			f.SubmitTo(t, tests.Pre, i, servicetest.TestAnswers())
			f.SubmitTo(t, tests.Post, i, servicetest.TestAnswers())
		}
		before, err := f.reports.Summary(context.Background(), tests.Post.ID, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if *before.Test.PostMeanPercent != 0 || *before.Test.Items[0].PostCorrectPercent != 0 {
			t.Fatalf("all wrong should score 0: %+v", before.Test)
		}
		def := *tests.Post.Def
		def.Sections = append([]definition.Section(nil), def.Sections...)
		qs := append([]definition.QuestionDef(nil), def.Sections[0].Questions...)
		qs[0].Correct = []string{"a"} // "a border crossing" was the key's mistake…
		def.Sections[0].Questions = qs
		if _, err := f.Questionnaires.Replace(context.Background(), tests.Post.ID, &def); err != nil {
			t.Fatalf("a test with responses refused its corrected key: %v", err)
		}
		after, err := f.reports.Summary(context.Background(), tests.Post.ID, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if *after.Test.Items[0].PostCorrectPercent != 100 || *after.Test.PostMeanPercent != 14.3 {
			t.Errorf("after the correction: t_elements %d%%, post mean %v; want 100, 14.3", *after.Test.Items[0].PostCorrectPercent, *after.Test.PostMeanPercent)
		}
	})
}

// Anonymous tests pair too (same browser here), and show no paired figures
// for fewer than five.
func TestAnonymousTestsPairWithoutNamesAndWithholdSmallGroups(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newReportFixture(t, db)
		tests := f.ImportTests(t, func(d *definition.Definition) { d.Anonymous = true })
		for i := range 4 {
			f.SubmitTo(t, tests.Pre, -i-1, servicetest.TestAnswers())
			f.SubmitTo(t, tests.Post, -i-1, servicetest.TestAnswers("t_elements"))
		}
		var linked int64
		db.Model(&model.Response{}).Where("questionnaire_id IN ? AND (participant_id IS NOT NULL OR openid IS NOT NULL)", []uint64{tests.Pre.ID, tests.Post.ID}).Count(&linked)
		if linked != 0 {
			t.Errorf("%d anonymous test responses name their author", linked)
		}
		s, err := f.reports.Summary(context.Background(), tests.Post.ID, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if !s.Test.Withheld || s.Test.PairedScoresSummary != nil || len(s.Test.Pairs()) != 0 {
			t.Errorf("4 anonymous pairs shown: %+v", s.Test)
		}
		f.SubmitTo(t, tests.Pre, -5-1, servicetest.TestAnswers())
		f.SubmitTo(t, tests.Post, -5-1, servicetest.TestAnswers("t_elements"))
		s, err = f.reports.Summary(context.Background(), tests.Post.ID, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Test.Withheld || s.Test.PairedScoresSummary == nil || s.Test.NPaired != 5 || *s.Test.PostMeanPercent != 14.3 {
			t.Errorf("5 anonymous pairs: %+v", s.Test)
		}
	})
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
