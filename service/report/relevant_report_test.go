package report

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service"
	"seminareval/service/definition"
	"seminareval/service/servicetest"
)

// logicRespondents are five answer sets to logicYAML, worked out by hand:
//
//	#  useful  topics        workplace  years  shown (besides the unconditional)
//	1  5       law           police     10     unit
//	2  2       law, cases    court      31     why_not_useful, more_topics, unit (years > 30)
//	3  1       other         other      3      why_not_useful
//	4  n/a     –             court      –      –
//	5  4       –             police     20     unit
var logicRespondents = []map[string]any{
	{"useful": 5.0, "topics": []any{"law"}, "workplace": "police", "years": 10.0, "hours": 2.5, "arrival": "2018-01-15", "unit": "Crime"},
	{"useful": 2.0, "why_not_useful": "Too short", "topics": []any{"law", "cases"}, "more_topics": "Both matter", "workplace": "court",
		"years": 31.0, "hours": 1.5, "arrival": "2018-01-11", "unit": "Appeals"},
	{"useful": 1.0, "why_not_useful": "Nothing on labour", "topics": []any{"other"}, "topics_other": "Labour law", "workplace": "other",
		"workplace_other": "Customs", "years": 3.0, "arrival": "2018-01-19"},
	{"useful": "na", "workplace": "court"},
	{"useful": 4.0, "workplace": "police", "years": 20.0, "unit": "Border"},
}

// parseLogic is testdata/definitions/logic.yaml.
func parseLogic(t *testing.T) *definition.Definition {
	return servicetest.ParseFile(t, "testdata/definitions/logic.yaml")
}

func TestSummaryCountsNotShownNumbersDatesAndOtherTexts(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		now := time.Date(2018, 1, 17, 7, 30, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		qs := service.NewQuestionnaires(db, clock)
		responses := service.NewResponses(db, []byte("test-secret-test-secret-test-sec"), clock)
		reports := NewReports(db, qs, clock)
		q, err := qs.Import(ctx, parseLogic(t))
		if err != nil {
			t.Fatal(err)
		}
		l, err := qs.Load(ctx, q.ID)
		if err != nil {
			t.Fatal(err)
		}
		for round := range 3 {
			for i, a := range logicRespondents {
				id := fmt.Sprintf("logic-%d-%d", round, i)
				if _, err := responses.Submit(ctx, l, service.Respondent{CookieID: id + "-cookie"}, service.Submission{SubmissionID: id + "-submission", Answers: a}); err != nil {
					t.Fatalf("respondent %d: %v", i+1, err)
				}
			}
		}
		// Per set: #1 why_not_useful and more_topics hidden, #3 more_topics and
		// unit, #4 those three, #5 why_not_useful and more_topics.
		var hidden int64
		if err := db.Model(&model.NotShown{}).Where("questionnaire_id = ?", q.ID).Count(&hidden).Error; err != nil || hidden != 27 {
			t.Fatalf("not_shown rows %d (%v), want 27", hidden, err)
		}

		s, err := reports.Summary(ctx, q.ID, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			key                  string
			n, missing, notShown int
		}{
			{"useful", 12, 0, 0},
			{"why_not_useful", 6, 0, 9},
			{"topics", 9, 6, 0},
			{"more_topics", 3, 0, 12},
			{"about", 0, 0, 0},
			{"workplace", 15, 0, 0},
			{"years", 12, 3, 0},
			{"arrival", 9, 6, 0},
			{"unit", 9, 0, 6},
		} {
			got := questionByKey(t, s, c.key)
			if got.N != c.n || got.Missing != c.missing || got.NotShown != c.notShown {
				t.Errorf("%s: n %d missing %d not_shown %d, want %d %d %d", c.key, got.N, got.Missing, got.NotShown, c.n, c.missing, c.notShown)
			}
		}
		years := questionByKey(t, s, "years")
		if floatp(years.Mean) != 16.0 || floatp(years.Median) != 15.0 || floatp(years.Min) != 3.0 || floatp(years.Max) != 31.0 || floatp(years.SD) != 11.03 {
			t.Errorf("years: mean %v median %v min %v max %v sd %v, want 16 15 3 31 11.03",
				floatp(years.Mean), floatp(years.Median), floatp(years.Min), floatp(years.Max), floatp(years.SD))
		}
		if h := questionByKey(t, s, "hours"); floatp(h.Mean) != 2.0 || floatp(h.Median) != 2.0 || floatp(h.SD) != 0.55 || h.N != 6 {
			t.Errorf("hours: %+v", h)
		}
		if a := questionByKey(t, s, "arrival"); a.Earliest == nil || *a.Earliest != "2018-01-11" || a.Latest == nil || *a.Latest != "2018-01-19" {
			t.Errorf("arrival: earliest %v latest %v", a.Earliest, a.Latest)
		}
		topics := questionByKey(t, s, "topics")
		if !slices.Equal(topics.Answers, []string{"Labour law", "Labour law", "Labour law"}) || topics.AnswersTruncated {
			t.Errorf("topics other texts %q (truncated %v)", topics.Answers, topics.AnswersTruncated)
		}
		if other := topics.Options[len(topics.Options)-1]; other.Value != "other" || other.Count != 3 || other.Label["en"] != "Other (please specify)" {
			t.Errorf("topics other option %+v", other)
		}
		if w := questionByKey(t, s, "workplace"); !slices.Equal(w.Answers, []string{"Customs", "Customs", "Customs"}) {
			t.Errorf("workplace other texts %q", w.Answers)
		}

		// A filtered view counts the not-shown among the responses in view:
		// court workers are #2 and #4 (six respondents).
		s, err = reports.Summary(ctx, q.ID, Filter{Answers: []AnswerFilter{{Key: "workplace", Value: "court"}}})
		if err != nil {
			t.Fatal(err)
		}
		if *s.Respondents != 6 {
			t.Fatalf("court respondents %d", *s.Respondents)
		}
		for _, c := range []struct {
			key                  string
			n, missing, notShown int
		}{
			{"why_not_useful", 3, 0, 3},
			{"unit", 3, 0, 3},
			{"years", 3, 3, 0},
		} {
			got := questionByKey(t, s, c.key)
			if got.N != c.n || got.Missing != c.missing || got.NotShown != c.notShown {
				t.Errorf("court %s: n %d missing %d not_shown %d, want %d %d %d", c.key, got.N, got.Missing, got.NotShown, c.n, c.missing, c.notShown)
			}
		}
		if y := questionByKey(t, s, "years"); floatp(y.Median) != 31.0 || y.SD == nil || *y.SD != 0 {
			t.Errorf("court years: median %v sd %v", floatp(y.Median), floatp(y.SD))
		}
		if w := questionByKey(t, s, "workplace"); len(w.Answers) != 0 {
			t.Errorf("court view lists other texts %q", w.Answers)
		}

		// "Other" is a choice to filter by too (#3, three respondents: fewer
		// than five, so suppressed, but not a bad filter).
		s, err = reports.Summary(ctx, q.ID, Filter{Answers: []AnswerFilter{{Key: "workplace", Value: "other"}}})
		if err != nil || !s.Suppressed {
			t.Errorf("filter by other: %v (suppressed %v)", err, s != nil && s.Suppressed)
		}
	})
}
