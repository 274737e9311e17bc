package report

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
)

// rateAnswers is a complete, valid set of answers to the seed questionnaire.
func rateAnswers() map[string]any {
	return map[string]any{
		"knowledge_improved": 5, "participation_encouraged": 5, "useful_relevant": 4, "cooperation_facilitated": 5,
		"speakers_quality": 4, "organisation_good": 4, "apply_learning": 5, "workplace": "police", "overall": 5, "recommend": 9,
	}
}

// The response rate never exceeds 100%: it counts roster respondents when
// answers are linked to the roster, all respondents when they are no more
// than the invited, and is null otherwise, with the two counts shown.
func TestResponseRateNeverExceedsTheRoster(t *testing.T) {
	cases := []struct {
		name             string
		roster           int // participants kept on the roster of 20
		linked, open     int
		rate             any // float64 or nil
		onRoster, others int
		sheet            string // the Summary's rate cell as displayed
	}{
		{"10 open-link answers, a roster of 7", 7, 0, 10, nil, 0, 10, "no rate: 10 responses, 0 on the roster"},
		{"the seed: 18 unlinked answers, 20 invited", 20, 0, 18, 0.9, 0, 18, "90%"},
		{"5 of 7 through invite links and 5 open", 7, 5, 5, 0.714, 5, 5, "71%"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
				f := newReportFixture(t, db)
				if err := db.Where("seminar_id = ? AND id > ?", *f.L.SeminarID, f.Participants[tc.roster-1].ID).Delete(&model.Participant{}).Error; err != nil {
					t.Fatal(err)
				}
				for i := range tc.linked {
					f.Submit(t, i, rateAnswers())
				}
				for i := range tc.open {
					f.Submit(t, -1-i, rateAnswers())
				}
				s, err := f.reports.Summary(context.Background(), f.L.ID, Filter{})
				if err != nil {
					t.Fatal(err)
				}
				raw, _ := json.Marshal(s)
				var got map[string]any
				json.Unmarshal(raw, &got)
				if got["invited"] != float64(tc.roster) || got["roster_respondents"] != float64(tc.onRoster) || got["other_respondents"] != float64(tc.others) || got["response_rate"] != tc.rate {
					t.Fatalf("summary: invited %v, roster_respondents %v, other_respondents %v, response_rate %v; want %d %d %d %v",
						got["invited"], got["roster_respondents"], got["other_respondents"], got["response_rate"], tc.roster, tc.onRoster, tc.others, tc.rate)
				}
				var buf bytes.Buffer
				if err := f.reports.WriteAnnex(context.Background(), f.L.ID, &buf, AnnexOptions{}); err != nil {
					t.Fatal(err)
				}
				x, err := excelize.OpenReader(&buf)
				if err != nil {
					t.Fatal(err)
				}
				defer x.Close()
				rows, _ := x.GetRows(SheetSummary)
				found := ""
				for _, r := range rows {
					if len(r) > 1 && r[0] == "Response rate" {
						found = r[1]
					}
				}
				if found != tc.sheet {
					t.Fatalf("Summary sheet: response rate %q, want %q", found, tc.sheet)
				}
			})
		})
	}
}
