package servicetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"seminareval/service"
	"seminareval/service/definition"
	"seminareval/templates"
)

// Tests are the demo's knowledge tests (sanya-2018-pretest.yaml and
// sanya-2018-posttest.yaml), imported into the demo's seminar so that the
// same roster takes both.
type Tests struct {
	Pre, Post *service.Loaded
}

// ImportTests imports the demo's pre-test and post-test, after the edits
// (applied to both definitions).
func (d *Demo) ImportTests(t testing.TB, edit ...func(*definition.Definition)) Tests {
	t.Helper()
	return Tests{Pre: d.Import(t, "sanya-2018-pretest", edit...), Post: d.Import(t, "sanya-2018-posttest", edit...)}
}

// Embedded parses templates/definitions/<name>.yaml and applies the edits.
func Embedded(t testing.TB, name string, edit ...func(*definition.Definition)) *definition.Definition {
	t.Helper()
	data, err := templates.Definitions.ReadFile("definitions/" + name + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	def, err := definition.ParseDefinition(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, e := range edit {
		e(def)
	}
	return def
}

// Import imports templates/definitions/<name>.yaml, after the edits.
func (d *Demo) Import(t testing.TB, name string, edit ...func(*definition.Definition)) *service.Loaded {
	t.Helper()
	q, err := d.Questionnaires.Import(context.Background(), Embedded(t, name, edit...))
	if err != nil {
		t.Fatal(err)
	}
	l, err := d.Questionnaires.Load(context.Background(), q.ID)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestRight are the right answers of the demo tests' questions, and
// TestWrong a wrong answer to each.
var (
	TestRight = map[string]any{"t_elements": "b", "t_children": "b", "t_indicators": []any{"docs", "debt", "movement"},
		"t_nonpunish": "a", "t_cooperation": "eurojust", "t_referral": "a"}
	TestWrong = map[string]any{"t_elements": "a", "t_children": "a", "t_indicators": []any{"docs"},
		"t_nonpunish": "b", "t_cooperation": "frontex", "t_referral": "b"}
)

// TestAnswers answers every demo test question, right for the keys given
// and wrong for the others.
func TestAnswers(right ...string) map[string]any {
	a := map[string]any{}
	for k, v := range TestWrong {
		a[k] = v
	}
	for _, k := range right {
		a[k] = TestRight[k]
	}
	return a
}

// SubmitTo records answers to l as participant (its invite link), or from
// cookie "cookie-<n>" when participant is negative (-n-1), and returns the
// result.
func (d *Demo) SubmitTo(t testing.TB, l *service.Loaded, participant int, answers map[string]any) service.SubmitResult {
	t.Helper()
	r := service.Respondent{CookieID: fmt.Sprintf("cookie-%d", -participant-1)}
	if participant >= 0 {
		r = service.Respondent{InviteToken: d.Participants[participant].InviteToken}
	}
	d.Now = d.Now.Add(time.Minute)
	res, err := d.Responses.Submit(context.Background(), l, r, service.Submission{
		SubmissionID: fmt.Sprintf("%s-%d", l.Slug, participant), Lang: "en", Answers: answers})
	if err != nil {
		t.Fatalf("submit %d to %s: %v", participant, l.Slug, err)
	}
	return res
}
