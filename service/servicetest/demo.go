// Package servicetest holds the fixtures that the tests of several service
// packages share. It is imported by tests only.
package servicetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/service"
	"seminareval/service/definition"
)

// Demo is the demo questionnaire (templates/definitions/sanya-2018-evaluation.yaml)
// with a roster of 20 (10 "China", 10 "Europe") and, after Fill, 18
// hand-designed responses from the first 18 participants through their
// invite links. Its clock (Clock) reads Now, which Submit moves on by a
// minute per response.
type Demo struct {
	DB             *gorm.DB
	Questionnaires *service.Questionnaires
	Responses      *service.Responses
	L              *service.Loaded
	Participants   []model.Participant
	Now            time.Time
}

// Secret is the server secret the demo's Responses hash respondents with.
var Secret = []byte("test-secret-test-secret-test-sec")

// NewDemo imports the demo questionnaire, after the edits, into db.
func NewDemo(t testing.TB, db *gorm.DB, edit ...func(*definition.Definition)) *Demo {
	t.Helper()
	def := Embedded(t, "sanya-2018-evaluation", edit...)
	d := &Demo{DB: db, Now: time.Date(2018, 1, 17, 7, 30, 0, 0, time.UTC)}
	d.Questionnaires = service.NewQuestionnaires(db, d.Clock)
	d.Responses = service.NewResponses(db, Secret, d.Clock)
	q, err := d.Questionnaires.Import(context.Background(), def)
	if err != nil {
		t.Fatal(err)
	}
	if d.L, err = d.Questionnaires.Load(context.Background(), q.ID); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if q.SeminarID == nil {
			break // no seminar, no roster
		}
		group := "China"
		if i >= 10 {
			group = "Europe"
		}
		p := model.Participant{SeminarID: *q.SeminarID, Name: fmt.Sprintf("Participant %02d", i), Organisation: "Org", Country: "CN",
			Group: group, InviteToken: fmt.Sprintf("invite-token-%02d", i)}
		if i == 19 {
			p.Name = "=cmd|' /C calc'!A0" // a hostile roster entry
			p.Organisation = "公安部 🚓"
		}
		if err := db.Create(&p).Error; err != nil {
			t.Fatal(err)
		}
		d.Participants = append(d.Participants, p)
	}
	return d
}

// Clock is the demo's time, for the services it builds.
func (d *Demo) Clock() time.Time { return d.Now }

// Submit records one response through the real submission path: from
// participant's invite link, or from a cookie when participant is negative.
// Answers may be ints and string lists as a test writes them.
func (d *Demo) Submit(t testing.TB, participant int, answers map[string]any) {
	t.Helper()
	norm := map[string]any{}
	for k, v := range answers {
		switch x := v.(type) {
		case int:
			norm[k] = float64(x)
		case []string:
			l := make([]any, len(x))
			for i, s := range x {
				l[i] = s
			}
			norm[k] = l
		default:
			norm[k] = v
		}
	}
	r := service.Respondent{CookieID: fmt.Sprintf("cookie-%d", participant)}
	if participant >= 0 {
		r = service.Respondent{InviteToken: d.Participants[participant].InviteToken}
	}
	d.Now = d.Now.Add(time.Minute)
	_, err := d.Responses.Submit(context.Background(), d.L, r, service.Submission{SubmissionID: fmt.Sprintf("submission-%04d", participant+1000), Lang: "en", Answers: norm})
	if err != nil {
		t.Fatalf("submit %d: %v", participant, err)
	}
}

// Fill submits the 18 responses whose statistics the tests check by hand.
func (d *Demo) Fill(t testing.TB) {
	t.Helper()
	for i := range 18 {
		a := map[string]any{
			"knowledge_improved":       map[bool]int{true: 4, false: 5}[i == 0],
			"participation_encouraged": 5,
			"useful_relevant":          map[bool]int{true: 4, false: 2}[i < 9],
			"cooperation_facilitated":  []int{5, 4, 3}[i%3],
			"speakers_quality":         1,
			"organisation_good":        "na",
			"apply_learning":           5,
			"workplace":                "ngo",
			"overall":                  map[bool]int{true: 5, false: 4}[i%2 == 0],
			"recommend":                3,
		}
		if i < 2 {
			a["apply_learning"] = "na"
		}
		switch {
		case i < 12:
			a["workplace"] = "police"
		case i < 16:
			a["workplace"] = "justice"
		}
		switch {
		case i < 10:
			a["topics_useful"] = []string{"identification", "legal"}
		case i < 15:
			a["topics_useful"] = []string{"legal"}
		}
		switch {
		case i < 12:
			a["recommend"] = 9 + i%2
		case i < 17:
			a["recommend"] = 7 + i%2
		}
		switch i {
		case 0:
			a["comments"] = `=HYPERLINK("http://evil.example","click")`
		case 1:
			a["comments"] = "很好的研讨会 👍"
		case 2:
			a["comments"] = "+Great, -well organised @all"
		}
		d.Submit(t, i, a)
	}
}
