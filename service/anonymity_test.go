package service_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service"
	"seminareval/service/definition"
	"seminareval/service/servicetest"
)

// The attacker of an anonymous questionnaire has a full dump: every table,
// the settings with the server secret. They recompute the respondent hash
// of every participant and openid, as the service would, and look for it
// on the responses: no answer may be tied to anyone. Who answered is
// recorded apart (Answered), with nothing that points at a response, and
// not in the order of the responses.
func TestAnonymousAnswersCannotBeLinkedFromADump(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := servicetest.NewDemo(t, db, func(d *definition.Definition) { d.Anonymous = true })
		f.Fill(t)
		ctx := context.Background()

		// The attacker's view: the server secret (in production it is in the
		// settings table; the fixture's service uses this one), the roster,
		// the responses.
		attacker := service.NewResponses(db, servicetest.Secret, nil)
		var people []model.Participant
		db.Order("id").Find(&people)
		var responses []model.Response
		db.Where("questionnaire_id = ?", f.L.ID).Order("id").Find(&responses)
		if len(responses) != 18 {
			t.Fatalf("%d responses", len(responses))
		}
		onResponses := map[string]bool{}
		for _, r := range responses {
			onResponses[r.RespondentHash] = true
			if r.ParticipantID != nil || r.OpenID != nil {
				t.Fatalf("anonymous response %d names participant %v, openid %v", r.ID, r.ParticipantID, r.OpenID)
			}
		}
		var insertion []string // who answered, in the order they answered
		for i, p := range people {
			keys := []string{fmt.Sprintf("p:%d", p.ID)}
			if p.OpenID != nil {
				keys = append(keys, "wx:"+*p.OpenID)
			}
			for _, k := range keys {
				if onResponses[attacker.RespondentHash(f.L.ID, k)] {
					t.Errorf("participant %d's answer is recognisable from the dump", p.ID)
				}
			}
			if i < 18 {
				insertion = append(insertion, attacker.RespondentHash(f.L.ID, keys[0]))
			}
		}

		// Who answered: all 18, apart from the answers, not in answer order.
		var stored []string
		if err := db.Raw("SELECT who FROM answered WHERE questionnaire_id = ?", f.L.ID).Scan(&stored).Error; err != nil {
			t.Fatal(err)
		}
		if len(stored) != 18 || !slices.Equal(slices.Sorted(slices.Values(stored)), slices.Sorted(slices.Values(insertion))) {
			t.Fatalf("answered rows %d, want the 18 who answered", len(stored))
		}
		if slices.Equal(stored, insertion) {
			t.Error("the answered rows are stored in the order of the responses: the k-th points at the k-th answer")
		}
		cols, err := db.Migrator().ColumnTypes(&model.Answered{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range cols {
			names = append(names, c.Name())
		}
		if slices.Sort(names); !slices.Equal(names, []string{"questionnaire_id", "who"}) {
			t.Errorf("answered has columns %v: nothing but the questionnaire and who", names)
		}
		if db.Dialector.Name() == "sqlite" {
			var ddl string
			db.Raw("SELECT sql FROM sqlite_master WHERE name = 'answered'").Scan(&ddl)
			if !strings.Contains(ddl, "WITHOUT ROWID") {
				t.Errorf("answered is kept in insertion order on SQLite: %s", ddl)
			}
		}

		// Still one answer per participant: the second try is refused.
		_, err = f.Responses.Submit(ctx, f.L, service.Respondent{InviteToken: f.Participants[0].InviteToken}, service.Submission{SubmissionID: "anonymous-again-0001", Answers: map[string]any{
			"knowledge_improved": 5.0, "participation_encouraged": 4.0, "useful_relevant": 3.0, "cooperation_facilitated": 5.0,
			"speakers_quality": 5.0, "organisation_good": 5.0, "apply_learning": 2.0, "workplace": "police", "overall": 3.0,
		}})
		if err != service.ErrAlreadyAnswered {
			t.Errorf("a second answer by participant 0: %v, want ErrAlreadyAnswered", err)
		}
		if _, done := f.Responses.Answered(ctx, f.L, service.Respondent{InviteToken: f.Participants[0].InviteToken}); !done {
			t.Error("participant 0 is not recognised as having answered")
		}
	})
}

// A database from before kept the keyed hash on anonymous responses: the
// migration moves it to Answered, once, and gives the responses random hashes.
func TestMigrationSeparatesOldAnonymousAnswers(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := servicetest.NewDemo(t, db, func(d *definition.Definition) { d.Anonymous = true })
		f.Fill(t)
		// As it was: the keyed hash on the response, nothing in Answered.
		old := f.Responses.RespondentHash(f.L.ID, fmt.Sprintf("p:%d", f.Participants[0].ID))
		var r model.Response
		db.Where("questionnaire_id = ?", f.L.ID).Order("id").First(&r)
		db.Exec("DELETE FROM answered")
		db.Model(&model.Response{}).Where("id = ?", r.ID).UpdateColumn("respondent_hash", old)
		db.Where("`key` = ?", "migration.anonymous_answered").Delete(&model.Setting{})

		for range 2 { // the second run changes nothing
			if err := model.Migrate(context.Background(), db); err != nil {
				t.Fatal(err)
			}
		}
		var whos []string
		db.Model(&model.Answered{}).Where("questionnaire_id = ?", f.L.ID).Pluck("who", &whos)
		if len(whos) != 18 || !slices.Contains(whos, old) {
			t.Fatalf("answered after the migration: %d rows, the old hash there: %v", len(whos), slices.Contains(whos, old))
		}
		var after model.Response
		db.First(&after, r.ID)
		if after.RespondentHash == old || len(after.RespondentHash) != 64 {
			t.Errorf("the old response keeps hash %q", after.RespondentHash)
		}
		if _, err := f.Responses.Submit(context.Background(), f.L, service.Respondent{InviteToken: f.Participants[0].InviteToken}, service.Submission{SubmissionID: "after-migration-1", Answers: map[string]any{
			"knowledge_improved": 5.0, "participation_encouraged": 4.0, "useful_relevant": 3.0, "cooperation_facilitated": 5.0,
			"speakers_quality": 5.0, "organisation_good": 5.0, "apply_learning": 2.0, "workplace": "police", "overall": 3.0,
		}}); err != service.ErrAlreadyAnswered {
			t.Errorf("participant 0 after the migration: %v, want ErrAlreadyAnswered", err)
		}
	})
}
