package service

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service/definition"
)

// parseLogic is testdata/definitions/logic.yaml.
func parseLogic(t *testing.T) *definition.Definition {
	t.Helper()
	data, err := os.ReadFile("../testdata/definitions/logic.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := definition.ParseDefinition(data)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRelevantParsesAndEvaluates(t *testing.T) {
	vals := map[string]definition.Value{
		"n":     definition.NumValue(2),
		"s":     definition.StrValue("police"),
		"m":     definition.ListValue([]string{"law", "other"}),
		"opt":   definition.StrValue("3"),
		"d":     definition.StrValue("2018-01-16"),
		"empty": {},
	}
	for _, c := range []struct {
		src  string
		want bool
	}{
		{"${n} <= 2", true},
		{"${n} < 2", false},
		{"${n}=2", true},
		{"${n} != 2", false},
		{"${n} >= -1", true},
		{"${n} > 1.5", true},
		{"${s} = 'police'", true},
		{`${s} = "police"`, true},
		{"${s} != 'police'", false},
		{"selected(${m}, 'law')", true},
		{"selected(${m}, 'cases')", false},
		{"selected(${s}, 'police')", true},
		{"count-selected(${m}) = 2", true},
		{"count-selected(${empty}) = 0", true},
		{"not(selected(${m}, 'other'))", false},
		{"${n} = 2 and ${s} = 'court'", false},
		{"${n} = 2 or ${s} = 'court'", true},
		{"${n} = 3 or ${s} = 'court' and ${n} = 2", false},
		{"(${n} = 3 or ${s} = 'police') and ${n} = 2", true},
		{"${opt} > 2", true}, // an option value that reads as a number compares as one
		{"${d} >= '2018-01-10' and ${d} <= '2018-01-20'", true},
		// An unanswered reference makes a comparison false, except = ''.
		{"${empty} < 3", false},
		{"${empty} != 3", false},
		{"${empty} = ''", true},
		{"${empty} != ''", false},
		{"${s} != ''", true},
		{"${s} = ''", false},
		{"not(${empty} = 3)", true},
		{"selected(${empty}, 'x')", false},
	} {
		e, err := definition.ParseRelevant(c.src)
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		if got := e.Eval(vals); got != c.want {
			t.Errorf("%s = %v, want %v", c.src, got, c.want)
		}
		// The written-back form parses to the same tree.
		again, err := definition.ParseRelevant(e.String())
		if err != nil || again.String() != e.String() {
			t.Errorf("%s: written back as %q, which reads as %v (%v)", c.src, e.String(), again, err)
		}
	}
}

func TestRelevantRefusesWhatItCannotRead(t *testing.T) {
	for _, c := range []struct{ src, code string }{
		{"", "bad_expression"},
		{"${n} <=", "bad_expression"},
		{"${n} = 'x", "bad_expression"},
		{"${n", "bad_expression"},
		{"$n = 1", "bad_expression"},
		{"(${n} = 1", "bad_expression"},
		{"${n} = 1)", "bad_expression"},
		{"${n} ! 1", "bad_expression"},
		{"n = 1", "bad_expression"},
		{"string-length(${n}) > 3", "unsupported_function"},
		{"jr:choice-name(${n}, '${n}') = 'x'", "unsupported_function"},
		{"${n}", "not_a_condition"},
		{"${n} and ${m} = 1", "not_a_condition"},
		{"(${n} = 1) = 2", "not_a_condition"},
		{"not(${n})", "not_a_condition"},
		{"selected(${m})", "bad_expression"},
		{strings.Repeat("(", 100) + "${n} = 1" + strings.Repeat(")", 100), "bad_expression"},
	} {
		_, err := definition.ParseRelevant(c.src)
		var ee *definition.ExprError
		if !errors.As(err, &ee) || ee.Code != c.code {
			t.Errorf("%q: %v, want code %s", c.src, err, c.code)
		}
	}
}

func TestDefinitionConditionsAreChecked(t *testing.T) {
	base := parseLogic(t)
	for _, c := range []struct {
		name       string
		edit       func(d *definition.Definition)
		path, code string
	}{
		{"later question", func(d *definition.Definition) { d.Sections[0].Questions[0].Relevant = "${years} > 2" },
			"sections[0].questions[0].relevant", "later_reference"},
		{"itself", func(d *definition.Definition) { d.Sections[0].Questions[1].Relevant = "${why_not_useful} = 'x'" },
			"sections[0].questions[1].relevant", "relevant_cycle"},
		{"unknown", func(d *definition.Definition) { d.Sections[0].Questions[1].Relevant = "${usefull} <= 2" },
			"sections[0].questions[1].relevant", "unknown_reference"},
		{"note", func(d *definition.Definition) { d.Sections[0].Questions[5].Relevant = "${about} = 'x'" },
			"sections[0].questions[5].relevant", "not_answerable_reference"},
		{"section refers to its own question", func(d *definition.Definition) { d.Sections[1].Relevant = "${unit} = 'x'" },
			"sections[1].relevant", "later_reference"},
		{"unknown option", func(d *definition.Definition) { d.Sections[1].Relevant = "${workplace} = 'polic'" },
			"sections[1].relevant", "unknown_option"},
		{"unknown option in selected", func(d *definition.Definition) { d.Sections[0].Questions[3].Relevant = "selected(${topics}, 'lawz')" },
			"sections[0].questions[3].relevant", "unknown_option"},
		{"number against text", func(d *definition.Definition) { d.Sections[0].Questions[1].Relevant = "${useful} <= 'low'" },
			"sections[0].questions[1].relevant", "bad_comparison"},
		{"count-selected of a single", func(d *definition.Definition) { d.Sections[1].Relevant = "count-selected(${workplace}) > 1" },
			"sections[1].relevant", "bad_comparison"},
		{"syntax", func(d *definition.Definition) { d.Sections[0].Questions[1].Relevant = "${useful} <= " },
			"sections[0].questions[1].relevant", "bad_expression"},
		{"required note", func(d *definition.Definition) { d.Sections[0].Questions[4].Required = true },
			"sections[0].questions[4].required", "required_not_allowed"},
		{"min above max", func(d *definition.Definition) { d.Sections[0].Questions[6].Min = definition.NewLimit(60) },
			"sections[0].questions[6].max", "bad_limit"},
		{"date limit not a date", func(d *definition.Definition) { d.Sections[0].Questions[8].Min = definition.NewDateLimit("2018-02-30") },
			"sections[0].questions[8].min", "bad_date"},
		{"limit on text", func(d *definition.Definition) { d.Sections[1].Questions[0].Max = definition.NewLimit(3) },
			"sections[1].questions[0].max", "limit_not_allowed"},
		{"decimals on text", func(d *definition.Definition) { d.Sections[1].Questions[0].Decimals = 2 },
			"sections[1].questions[0].decimals", "decimals_not_allowed"},
		{"too many decimals", func(d *definition.Definition) { d.Sections[0].Questions[7].Decimals = 9 },
			"sections[0].questions[7].decimals", "bad_decimals"},
		{"other on likert", func(d *definition.Definition) { d.Sections[0].Questions[0].Other = true },
			"sections[0].questions[0].other", "other_not_allowed"},
		{"other twice", func(d *definition.Definition) {
			q := &d.Sections[0].Questions[5]
			q.Options = append(q.Options, definition.Option{Value: "other", Label: model.Text{"en": "O", "zh": "O"}})
		}, "sections[0].questions[5].other", "other_conflict"},
		{"other key taken", func(d *definition.Definition) { d.Sections[1].Questions[0].Key = "workplace_other" },
			"sections[0].questions[5].other", "duplicate_key"},
	} {
		var d definition.Definition
		if err := json.Unmarshal(base.JSON(), &d); err != nil {
			t.Fatal(err)
		}
		c.edit(&d)
		ps := d.Validate()
		if !slices.ContainsFunc(ps, func(p model.Problem) bool { return p.Path == c.path && p.Code == c.code }) {
			t.Errorf("%s: problems %v, want %s at %s", c.name, ps, c.code, c.path)
		}
	}
}

func TestLogicDefinitionRoundTrips(t *testing.T) {
	d := parseLogic(t)
	if d.Sections[0].Questions[8].Min.String() != "2018-01-10" || d.Sections[0].Questions[7].Min.String() != "0.5" {
		t.Fatalf("limits read as %q and %q", d.Sections[0].Questions[8].Min, d.Sections[0].Questions[7].Min)
	}
	if !strings.Contains(string(d.JSON()), `"min":0.5`) || !strings.Contains(string(d.JSON()), `"min":"2018-01-10"`) {
		t.Errorf("JSON limits: %s", d.JSON())
	}
	y, err := d.YAML()
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range [][]byte{d.JSON(), y, d.IndentedJSON()} {
		again, err := definition.ParseDefinition(doc)
		if err != nil {
			t.Fatalf("export does not read back: %v\n%s", err, doc)
		}
		if string(again.JSON()) != string(d.JSON()) || again.StructureKey() != d.StructureKey() {
			t.Errorf("round trip changed the definition:\n%s\n%s", again.JSON(), d.JSON())
		}
	}
	changed := parseLogic(t)
	changed.Sections[0].Questions[1].Relevant = "${useful} <= 3"
	if changed.StructureKey() == d.StructureKey() {
		t.Error("a changed condition keeps the structure key: answers already given would be judged by the new rule")
	}
}

func TestBuildAnswersAppliesSkipLogicAndNewTypes(t *testing.T) {
	d := parseLogic(t)
	var notShown []string
	build := func(answers map[string]any, form bool) ([]pendingAnswer, []string, FieldErrors) {
		b, errs := BuildAnswers(d, Submission{Answers: answers, FromForm: form})
		notShown = b.NotShown
		return b.Rows, b.Ignored, errs
	}
	// Agreeing: the follow-up is not shown, so not required; an answer sent
	// for it is ignored, and so are the note, and the other text of an
	// unchosen "other"; the police section is hidden for a court worker.
	rows, ignored, errs := build(map[string]any{
		"useful": 4.0, "why_not_useful": "nothing", "about": "x",
		"topics": []any{"law"}, "topics_other": "trafficking", "more_topics": "because",
		"workplace": "court", "years": 12.0, "unit": "Traffic police",
	}, false)
	if errs != nil {
		t.Fatalf("errors %v", errs)
	}
	if want := []string{"about", "more_topics", "topics_other", "unit", "why_not_useful"}; !slices.Equal(ignored, want) {
		t.Errorf("ignored %v, want %v", ignored, want)
	}
	var keys []string
	for _, r := range rows {
		keys = append(keys, r.key)
	}
	if want := []string{"useful", "topics", "workplace", "years"}; !slices.Equal(keys, want) {
		t.Errorf("stored %v, want %v", keys, want)
	}
	// Hidden questions are recorded for the summary's not_shown; the note
	// (never answerable) is not.
	if want := []string{"why_not_useful", "more_topics", "unit"}; !slices.Equal(notShown, want) {
		t.Errorf("not shown %v, want %v", notShown, want)
	}

	// Disagreeing: the follow-up is required; police: the section is shown
	// and its question required; "other" needs its text.
	_, _, errs = build(map[string]any{"useful": 2.0, "workplace": "police", "topics": []any{"law", "other"}}, false)
	want := FieldErrors{"why_not_useful": "required", "unit": "required", "topics_other": "other_required"}
	if len(errs) != len(want) {
		t.Errorf("errors %v, want %v", errs, want)
	}
	for k, v := range want {
		if errs[k] != v {
			t.Errorf("%s: %q, want %q (all: %v)", k, errs[k], v, errs)
		}
	}

	// A number over 30 opens the police section too (or).
	_, _, errs = build(map[string]any{"useful": 5.0, "workplace": "court", "years": 31.0}, false)
	if errs["unit"] != "required" {
		t.Errorf("years 31: %v, want unit required", errs)
	}

	// The "other" text is stored on the row that chose it.
	rows, _, errs = build(map[string]any{"useful": 5.0, "workplace": "other", "workplace_other": " Customs ", "topics": []any{"other", "law"}, "topics_other": "Labour law"}, false)
	if errs != nil {
		t.Fatal(errs)
	}
	texts := map[string]string{}
	for _, r := range rows {
		if r.Option != nil && *r.Option == "other" {
			texts[r.key] = *r.Text
		}
	}
	if texts["workplace"] != "Customs" || texts["topics"] != "Labour law" {
		t.Errorf("other texts %v", texts)
	}

	for _, c := range []struct {
		key  string
		v    any
		form bool
		code string
		text string // stored text when accepted
	}{
		{"years", 12.0, false, "", "12"},
		{"years", "12", false, "bad_number", ""},
		{"years", "１２", true, "", "12"},
		{"years", 12.5, false, "not_a_number", ""},
		{"years", -1.0, false, "below_min", ""},
		{"years", 51.0, false, "above_max", ""},
		{"years", "abc", true, "bad_number", ""},
		{"years", "1e3", true, "bad_number", ""},
		{"years", "NaN", true, "bad_number", ""},
		{"hours", "2,5", true, "", "2.5"},
		{"hours", "2.50", true, "", "2.5"},
		{"hours", 2.25, false, "too_many_decimals", ""},
		{"hours", 0.4, false, "below_min", ""},
		{"hours", 1e13, false, "above_max", ""},
		{"arrival", "2018-01-16", false, "", "2018-01-16"},
		{"arrival", "2018/1/16", true, "", "2018-01-16"},
		{"arrival", "2018年1月16日", true, "", "2018-01-16"},
		{"arrival", "2018/1/16", false, "bad_date", ""},
		{"arrival", "2018-02-30", false, "bad_date", ""},
		{"arrival", "2018-01-09", false, "too_early", ""},
		{"arrival", "2018-01-21", false, "too_late", ""},
		{"arrival", 20180116.0, false, "bad_date", ""},
	} {
		ans := map[string]any{"useful": 5.0, "workplace": "court", c.key: c.v}
		if c.form {
			ans = map[string]any{"useful": "5", "workplace": "court", c.key: c.v}
		}
		rows, _, errs := build(ans, c.form)
		if errs[c.key] != c.code {
			t.Errorf("%s = %#v: error %q, want %q", c.key, c.v, errs[c.key], c.code)
			continue
		}
		if c.code != "" {
			continue
		}
		i := slices.IndexFunc(rows, func(r pendingAnswer) bool { return r.key == c.key })
		if i < 0 || rows[i].Text == nil || *rows[i].Text != c.text {
			t.Errorf("%s = %#v: stored %v, want %q", c.key, c.v, rows, c.text)
		}
	}
}

// Submit on both databases: the 201's ignored keys, nothing stored for them,
// the new types' rows as the report will read them.
func TestSubmitWithSkipLogicStoresOnlyWhatWasShown(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		now := time.Date(2018, 1, 17, 7, 30, 0, 0, time.UTC)
		qs := NewQuestionnaires(db, func() time.Time { return now })
		rs := NewResponses(db, []byte("test-secret-test-secret-test-sec"), func() time.Time { return now })
		q, err := qs.Import(ctx, parseLogic(t))
		if err != nil {
			t.Fatal(err)
		}
		l, err := qs.Load(ctx, q.ID)
		if err != nil {
			t.Fatal(err)
		}
		res, err := rs.Submit(ctx, l, Respondent{CookieID: "c1"}, Submission{SubmissionID: "logic-sub-1", Answers: map[string]any{
			"useful": 5.0, "why_not_useful": "n/a", "workplace": "other", "workplace_other": "Customs",
			"years": 3.0, "hours": 1.5, "arrival": "2018-01-16", "unit": "x",
		}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Ignored, []string{"unit", "why_not_useful"}) {
			t.Errorf("ignored %v", res.Ignored)
		}
		var got []struct {
			Key  string
			Opt  *string
			Text *string
		}
		if err := db.Table("answers").Select("questions.key, answers.opt, answers.text").
			Joins("JOIN questions ON questions.id = answers.question_id").
			Where("answers.response_id = ?", res.ResponseID).Order("questions.position").Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, g := range got {
			line := g.Key
			if g.Opt != nil {
				line += " opt=" + *g.Opt
			}
			if g.Text != nil {
				line += " text=" + *g.Text
			}
			lines = append(lines, line)
		}
		want := []string{"useful", "workplace opt=other text=Customs", "years text=3", "hours text=1.5", "arrival text=2018-01-16"}
		if !slices.Equal(lines, want) {
			t.Errorf("stored rows %q, want %q", lines, want)
		}
		// The stored rows give back the values the conditions saw.
		if shown := l.Def.Shown(map[string]definition.Value{"useful": definition.NumValue(5), "workplace": definition.StrValue("other"), "years": definition.NumValue(3)}); shown["why_not_useful"] || shown["unit"] || !shown["years"] {
			t.Errorf("shown %v", shown)
		}
	})
}

func TestConditionsInWords(t *testing.T) {
	d := parseLogic(t)
	for _, c := range []struct{ src, en, zh string }{
		{"${useful} <= 2", `Answer if your answer to “Useful” was “Disagree” or “Strongly disagree”.`, `如果您对“有用”的回答为“不同意”或“非常不同意”，请回答此题。`},
		{"${workplace} = 'police' or ${years} > 30", `Answer if you chose “Police” for “Workplace” or your answer to “Years in service” is more than 30.`, `如果您在“工作单位”中选择了“公安”，或者您对“工作年限”的回答大于30，请回答此题。`},
		{"selected(${topics}, 'other')", `Answer if you chose “Other (please specify)” for “Topics”.`, `如果您在“议题”中选择了“其他（请注明）”，请回答此题。`},
		{"count-selected(${topics}) >= 2", `Answer if the number of options you chose for “Topics” is 2 or more.`, `如果您在“议题”中选择的选项数不少于2，请回答此题。`},
		{"${years} != ''", `Answer if you answered “Years in service”.`, `如果您回答了“工作年限”，请回答此题。`},
		{"not(${workplace} = 'court')", `Answer if it is not the case that you chose “Court” for “Workplace”.`, ``},
		{"${useful} >= 4 and (${workplace} = 'police' or ${workplace} = 'court')", `Answer if your answer to “Useful” was “Strongly agree” or “Agree” and (you chose “Police” for “Workplace” or you chose “Court” for “Workplace”).`, ``},
	} {
		e, err := definition.ParseRelevant(c.src)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.ConditionSentence(e, "en", false); got != c.en {
			t.Errorf("%s:\n got %s\nwant %s", c.src, got, c.en)
		}
		if got := d.ConditionSentence(e, "zh", false); c.zh != "" && got != c.zh {
			t.Errorf("%s:\n got %s\nwant %s", c.src, got, c.zh)
		}
	}
}

// Spreadsheets' autocorrect turns quotes typographic: ‘yes’ and “yes” are
// strings too (a real XLSForm, UCL_Biomass_Plot_Form.xlsx, has them).
func TestRelevantReadsTypographicQuotes(t *testing.T) {
	for _, src := range []string{"${a} = ‘yes’", "${a} = “yes”", "${a} = ’yes’", "selected(${a}, ‘yes’)"} {
		e, err := definition.ParseRelevant(src)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if !e.Eval(map[string]definition.Value{"a": definition.StrValue("yes")}) || e.Eval(map[string]definition.Value{"a": definition.StrValue("no")}) {
			t.Errorf("%s: evaluates wrongly (%s)", src, e)
		}
	}
	if _, err := definition.ParseRelevant("${a} = ‘yes"); err == nil {
		t.Error("an unterminated typographic string parses")
	}
}

// A browser posts every text, number and date field, empty or not: an empty
// field is an unanswered question, not a bad number or date.
func TestFormPostOfEmptyFieldsIsUnanswered(t *testing.T) {
	d := parseLogic(t)
	empty := []string{""}
	b, errs := BuildAnswers(d, Submission{FromForm: true, Answers: map[string]any{
		"useful": []string{"2"}, "why_not_useful": []string{"  "}, "workplace": []string{"court"}, "workplace_other": empty,
		"topics_other": empty, "more_topics": empty, "years": empty, "hours": empty, "arrival": empty, "unit": empty,
	}})
	if len(errs) != 1 || errs["why_not_useful"] != "required" {
		t.Errorf("errors %v, want only why_not_useful required", errs)
	}
	b, errs = BuildAnswers(d, Submission{FromForm: true, Answers: map[string]any{
		"useful": []string{"4"}, "why_not_useful": empty, "workplace": []string{"court"}, "years": empty, "arrival": empty, "unit": empty,
	}})
	if errs != nil || len(b.Ignored) != 0 || len(b.Rows) != 2 {
		t.Errorf("agreeing court worker: rows %v ignored %v errors %v", b.Rows, b.Ignored, errs)
	}
}
