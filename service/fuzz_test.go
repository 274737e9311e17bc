package service

// Fuzz targets for everything that reads untrusted input in this package:
// answers (JSON and form values); definitions, XLSForm, rosters and
// WeChat's messages have theirs in service/definition, service/xlsform,
// service/roster and service/wechat. `go test` replays
// the seeds and the corpus kept under testdata/fuzz/<FuzzName>/; to search
// for new inputs, e.g.
//
//	go test -run XXX -fuzz FuzzBuildAnswersJSON -fuzztime 60s ./service/
//
// Each target checks more than "does not panic": what is accepted must also
// be valid by the package's own rules.

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"seminareval/model"
	"seminareval/service/definition"
	"seminareval/templates"
)

func demoYAML(t testing.TB) []byte {
	t.Helper()
	data, err := templates.Definitions.ReadFile("definitions/sanya-2018-evaluation.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func demoDef(t testing.TB) *definition.Definition {
	t.Helper()
	d, err := definition.ParseDefinition(demoYAML(t))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// checkAnswerRows asserts what BuildAnswers returns is storable: every row
// belongs to a question of def that was answered, within its range, an
// offered option, or valid text within the limit.
func checkAnswerRows(t *testing.T, def *definition.Definition, sub Submission, rows []pendingAnswer, errs FieldErrors) {
	t.Helper()
	if (rows != nil) && (errs != nil) {
		t.Fatalf("both rows and errors: %v", errs)
	}
	for k, code := range errs {
		if !templates.Messages().Has("field." + code) {
			t.Fatalf("field %q: unknown error code %q", k, code)
		}
	}
	for _, r := range rows {
		q, ok := def.Question(r.key)
		if !ok {
			t.Fatalf("row for unknown question %q", r.key)
		}
		if _, answered := sub.Answers[r.key]; !answered {
			t.Fatalf("row for unanswered question %q", r.key)
		}
		set := 0
		for _, b := range []bool{r.Num != nil, r.Option != nil, r.Text != nil, r.NA} {
			if b {
				set++
			}
		}
		if set != 1 {
			t.Fatalf("row for %q holds %d values, want exactly one: %+v", r.key, set, r.Answer)
		}
		switch {
		case r.Num != nil:
			if !slices.Contains(q.Levels(), *r.Num) {
				t.Fatalf("%q: %d is not a level of %s", r.key, *r.Num, q.Type)
			}
		case r.NA:
			if q.Type != model.TypeLikert || !q.NA {
				t.Fatalf("%q: not applicable stored for a question that does not offer it", r.key)
			}
		case r.Option != nil:
			if !q.HasOption(*r.Option) {
				t.Fatalf("%q: option %q is not offered", r.key, *r.Option)
			}
		case r.Text != nil:
			limit := q.MaxLength
			if limit == 0 {
				limit = definition.DefaultMaxLength
			}
			if !utf8.ValidString(*r.Text) || utf8.RuneCountInString(*r.Text) > limit || *r.Text == "" {
				t.Fatalf("%q: text not storable (valid UTF-8, 1..%d characters): %q", r.key, limit, *r.Text)
			}
		}
	}
	if errs == nil {
		for _, q := range def.Questions() {
			if q.Required && !slices.ContainsFunc(rows, func(r pendingAnswer) bool { return r.key == q.Key }) {
				t.Fatalf("required question %q accepted without an answer row", q.Key)
			}
		}
	}
}

func FuzzBuildAnswersJSON(f *testing.F) {
	def := demoDef(f)
	f.Add([]byte(`{"knowledge_improved":5,"participation_encouraged":4,"useful_relevant":3,"cooperation_facilitated":2,"speakers_quality":1,"organisation_good":"na","apply_learning":5,"workplace":"police","topics_useful":["identification","legal"],"overall":5,"recommend":10,"comments":"很好 👍 <b>x</b>"}`))
	f.Add([]byte(`{"knowledge_improved":5.5,"workplace":["police"],"topics_useful":"legal","overall":"5","recommend":-1}`))
	f.Add([]byte(`{"knowledge_improved":1e308,"organisation_good":"NA","topics_useful":["legal","legal"],"comments":"\ud800"}`))
	f.Add([]byte(`{"unknown":null,"comments":"   ","overall":[],"recommend":{}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var answers map[string]any
		if json.Unmarshal(body, &answers) != nil {
			return
		}
		sub := Submission{SubmissionID: "fuzz-submission", Answers: answers}
		built, errs := BuildAnswers(def, sub)
		rows := built.Rows
		checkAnswerRows(t, def, sub, rows, errs)
	})
}

func FuzzBuildAnswersForm(f *testing.F) {
	def := demoDef(f)
	f.Add("q.knowledge_improved=5&q.participation_encouraged=4&q.useful_relevant=3&q.cooperation_facilitated=2&q.speakers_quality=1&q.organisation_good=na&q.apply_learning=5&q.workplace=police&q.topics_useful=legal&q.topics_useful=networking&q.overall=5&q.recommend=0&q.comments=%E5%BE%88%E5%A5%BD")
	f.Add("q.knowledge_improved=5&q.knowledge_improved=4&q.overall=+5+&q.recommend=0x10&q.topics_useful=legal&q.topics_useful=legal")
	f.Add("q.comments=%ff%fe&q.workplace=&q.organisation_good=na&q.overall=99999999999999999999")
	f.Fuzz(func(t *testing.T, query string) {
		values, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		answers := map[string]any{}
		for k, v := range values {
			if key, ok := strings.CutPrefix(k, "q."); ok {
				answers[key] = v
			}
		}
		sub := Submission{SubmissionID: "fuzz-submission", Answers: answers, FromForm: true}
		built, errs := BuildAnswers(def, sub)
		rows := built.Rows
		checkAnswerRows(t, def, sub, rows, errs)
	})
}
