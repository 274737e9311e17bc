package report

import (
	"context"
	"encoding/json"
	"testing"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
)

// summaryJSON is the summary as the API sends it, for comparing two of them.
func summaryJSON(t *testing.T, f *reportFixture) string {
	t.Helper()
	s, err := f.reports.Summary(context.Background(), f.L.ID, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// coldSummaryJSON computes the summary without a stored tally.
func coldSummaryJSON(t *testing.T, f *reportFixture) string {
	t.Helper()
	if err := f.DB.Where("questionnaire_id = ?", f.L.ID).Delete(&model.ReportTally{}).Error; err != nil {
		t.Fatal(err)
	}
	return summaryJSON(t, f)
}

func TestTallyAddsNewResponsesToSettledCounts(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newReportFixture(t, db)
		f.Fill(t) // 18 responses a minute apart; the clock stands at the last one

		first := summaryJSON(t, f)
		var tl model.ReportTally
		if err := db.Where("questionnaire_id = ?", f.L.ID).Take(&tl).Error; err != nil {
			t.Fatalf("no tally stored: %v", err)
		}
		// The newest response is younger than TallySettle: counted live, not tallied.
		if tl.Responses != 17 {
			t.Fatalf("tally counts %d responses, want the 17 settled ones", tl.Responses)
		}

		// Two more responses, then the clock moves on: the warm summary adds
		// them (and settles the older ones) and equals a cold computation.
		f.Submit(t, 18, map[string]any{"knowledge_improved": 1, "participation_encouraged": 2, "useful_relevant": 3, "cooperation_facilitated": 4,
			"speakers_quality": 5, "organisation_good": 4, "apply_learning": "na", "workplace": "ngo", "topics_useful": []string{"networking", "legal"},
			"overall": 1, "recommend": 0, "comments": "late but here"})
		f.Submit(t, 19, map[string]any{"knowledge_improved": 5, "participation_encouraged": 5, "useful_relevant": 5, "cooperation_facilitated": 5,
			"speakers_quality": 5, "organisation_good": 5, "apply_learning": 5, "workplace": "police", "overall": 5})
		warm := summaryJSON(t, f)
		if warm == first {
			t.Fatal("the summary did not change with two new responses")
		}
		if err := db.Where("questionnaire_id = ?", f.L.ID).Take(&tl).Error; err != nil || tl.Responses != 19 {
			t.Fatalf("tally after: %d responses (%v), want 19", tl.Responses, err)
		}
		if cold := coldSummaryJSON(t, f); warm != cold {
			t.Fatalf("warm summary differs from a cold one:\nwarm %s\ncold %s", warm, cold)
		}
		if again := summaryJSON(t, f); again != warm {
			t.Fatal("a second warm summary differs")
		}

		// If a response ever disappears, the tally no longer matches and is rebuilt.
		var last model.Response
		db.Where("questionnaire_id = ?", f.L.ID).Order("id").First(&last)
		db.Where("response_id = ?", last.ID).Delete(&model.Answer{})
		db.Delete(&last)
		afterDelete := summaryJSON(t, f)
		if cold := coldSummaryJSON(t, f); afterDelete != cold {
			t.Fatalf("after a deletion the summary used a stale tally:\n%s\n%s", afterDelete, cold)
		}
	})
}

// TestWarmTalliesPreparesTheFirstSummary: the background warmer tallies the
// settled responses of every questionnaire, so the first summary an
// organiser asks for is warm, and equals a cold computation.
func TestWarmTalliesPreparesTheFirstSummary(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newReportFixture(t, db)
		f.Fill(t) // 18 responses a minute apart; the newest is not settled yet
		n, err := f.reports.WarmTallies(context.Background())
		if err != nil || n != 1 {
			t.Fatalf("WarmTallies = %d, %v; want 1 questionnaire warmed", n, err)
		}
		var tl model.ReportTally
		if err := db.Where("questionnaire_id = ?", f.L.ID).Take(&tl).Error; err != nil || tl.Responses != 17 {
			t.Fatalf("tally after warming: %+v (%v), want the 17 settled responses", tl, err)
		}
		if n, err := f.reports.WarmTallies(context.Background()); err != nil || n != 0 {
			t.Fatalf("second WarmTallies = %d, %v; want nothing left to warm", n, err)
		}
		if warm, cold := summaryJSON(t, f), coldSummaryJSON(t, f); warm != cold {
			t.Fatalf("warm summary after warming differs from a cold one:\n%s\n%s", warm, cold)
		}
	})
}
