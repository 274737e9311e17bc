package xlsform

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"seminareval/model"
	"seminareval/service"
	"seminareval/service/definition"
	"seminareval/service/servicetest"
	"seminareval/service/spreadsheet"
)

// workbook builds an .xlsx from sheets of rows (the first row is the header).
func workbook(t testing.TB, sheets map[string][][]any, order ...string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if len(order) == 0 {
		order = []string{"survey", "choices", "settings"}
	}
	first := true
	for _, name := range order {
		rows, ok := sheets[name]
		if !ok {
			continue
		}
		if first {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
			first = false
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for i, row := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// koboSurvey is an evaluation as a KoboToolbox user writes it: language
// columns "label::English (en)", groups, a Likert list running from
// disagree to agree, a select_multiple and an integer 0..10.
func koboSurvey() map[string][][]any {
	return map[string][][]any{
		"survey": {
			{"type", "name", "label::English (en)", "label::Chinese (zh)", "hint::English (en)", "hint::Chinese (zh)", "required", "appearance", "constraint"},
			{"start", "start"},
			{"begin_group", "views", "Your views", "您的看法"},
			{"select_one agree5", "knowledge_improved", "My knowledge improved.", "我的知识得到了提高。", "", "", "yes", "likert"},
			{"select_one agree5na", "organised", "Well organised.", "组织良好。", "", "", "true", "likert"},
			{"end_group"},
			{"begin group", "about", "About you", "关于您"},
			{"select_one role", "role", "Where do you work?", "您在哪里工作？", "Pick one", "选一个", "yes"},
			{"select_multiple topics", "topics", "Useful sessions?", "哪些环节有用？"},
			{"end group"},
			{"integer", "recommend", "Recommend? (0-10)", "推荐？(0-10)", "", "", "no", "", ". >= 0 and . <= 10"},
			{"integer", "overall", "Overall (1-5)", "总体 (1-5)", "", "", "", "", ". >= 1 and . <= 5"},
			{"text", "comments", "Comments", "意见", "", "", "", "multiline"},
		},
		"choices": {
			{"list_name", "name", "label::English (en)", "label::Chinese (zh)"},
			{"agree5", "sd", "Strongly disagree", "非常不同意"},
			{"agree5", "d", "Disagree", "不同意"},
			{"agree5", "n", "Neutral", "一般"},
			{"agree5", "a", "Agree", "同意"},
			{"agree5", "sa", "Strongly agree", "非常同意"},
			{"agree5na", "5", "Fully", "完全"},
			{"agree5na", "4", "Mostly", "大部分"},
			{"agree5na", "3", "Partly", "部分"},
			{"agree5na", "2", "Little", "很少"},
			{"agree5na", "1", "Not at all", "完全没有"},
			{"agree5na", "na", "Not applicable", "不适用"},
			{"role", "police", "Police", "公安"},
			{"role", "other", "Other", "其他"},
			{"topics", "legal", "Legal", "法律"},
			{"topics", "victims", "Victims", "受害人"},
		},
		"settings": {
			{"form_title::English (en)", "form_title::Chinese (zh)", "form_id", "default_language"},
			{"Seminar evaluation", "研讨会评估", "kobo_eval_2026", "Chinese (zh)"},
		},
	}
}

func TestXLSFormBecomesDefinition(t *testing.T) {
	d, _, err := Parse(workbook(t, koboSurvey()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Slug != "kobo-eval-2026" || d.Title["zh"] != "研讨会评估" || !reflect.DeepEqual(d.Languages, []string{"zh", "en"}) {
		t.Fatalf("header: slug %q title %v languages %v", d.Slug, d.Title, d.Languages)
	}
	if len(d.Sections) != 3 || d.Sections[0].Title["en"] != "Your views" || d.Sections[1].Title["zh"] != "关于您" || len(d.Sections[2].Title) != 0 {
		t.Fatalf("sections: %+v", d.Sections)
	}
	ki, _ := d.Question("knowledge_improved")
	if ki.Type != model.TypeLikert || !ki.Required || ki.Scale != nil || ki.NA {
		t.Errorf("knowledge_improved = %+v; want likert, required, default labels (the list is the default scale reversed)", ki)
	}
	org, _ := d.Question("organised")
	if org.Type != model.TypeLikert || !org.NA || len(org.Scale) != 5 || org.Scale[0]["en"] != "Fully" || org.Scale[4]["zh"] != "完全没有" {
		t.Errorf("organised = %+v; want likert with na and custom scale Fully..Not at all", org)
	}
	role, _ := d.Question("role")
	if role.Type != model.TypeSingle || len(role.Options) != 2 || role.Options[0].Label["zh"] != "公安" || role.Help["en"] != "Pick one" {
		t.Errorf("role = %+v", role)
	}
	if q, _ := d.Question("topics"); q.Type != model.TypeMulti || q.Required {
		t.Errorf("topics = %+v", q)
	}
	if q, _ := d.Question("recommend"); q.Type != model.TypeNPS {
		t.Errorf("recommend = %+v, want nps", q)
	}
	if q, _ := d.Question("overall"); q.Type != model.TypeRating {
		t.Errorf("overall = %+v, want rating", q)
	}
	if q, _ := d.Question("comments"); q.Type != model.TypeLongText || q.MaxLength != definition.DefaultMaxLength {
		t.Errorf("comments = %+v, want longtext", q)
	}
	if _, ok := d.Question("start"); ok {
		t.Error("the metadata row start became a question")
	}
}

func TestXLSFormShortLanguageColumnsAndSlugOption(t *testing.T) {
	wb := workbook(t, map[string][][]any{
		"survey": {
			{"type", "name", "label::en", "label::zh", "required"},
			{"select_one yn", "ok", "OK?", "好吗？", "yes"},
		},
		"choices": {
			{"list name", "name", "label::en", "label::zh"},
			{"yn", "yes", "Yes", "是"},
			{"yn", "no", "No", "否"},
		},
		"settings": {{"form_title::en", "form_title::zh"}, {"Check", "检查"}},
	})
	d, _, err := Parse(wb, Options{Slug: "from-query"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Slug != "from-query" || !reflect.DeepEqual(d.Languages, []string{"en", "zh"}) || d.Sections[0].Questions[0].Options[1].Label["zh"] != "否" {
		t.Fatalf("got %+v", d)
	}
}

func TestBadXLSFormsNameSheetAndRow(t *testing.T) {
	edit := func(f func(m map[string][][]any)) []byte {
		m := koboSurvey()
		f(m)
		return workbook(t, m)
	}
	cases := []struct {
		name             string
		data             []byte
		code, path, text string
	}{
		{"not a spreadsheet", []byte("type,name\ntext,x\n"), "not_xlsx", "", "not an .xlsx workbook"},
		{"a zip that is not a workbook", []byte("PK\x03\x04garbage"), "unreadable_workbook", "", "not a readable .xlsx workbook"},
		{"an OpenDocument spreadsheet", append([]byte("PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x08\x00\x00\x00"), "mimetypeapplication/vnd.oasis.opendocument.spreadsheet"...), "ods_workbook", "", "an OpenDocument spreadsheet (.ods): save it as .xlsx"},
		{"an Excel 97-2003 workbook", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00"), "xls_workbook", "", "(.xls)"},
		{"missing survey sheet", workbook(t, map[string][][]any{"Sheet1": {{"type", "name"}}}, "Sheet1"), "no_survey_sheet", "survey", "no sheet named survey (it has: Sheet1)"},
		{"unknown language column", edit(func(m map[string][][]any) { m["survey"][0][3] = "label::French (fr)" }), "unknown_language", "survey row 1, column D", `unknown language "fr"`},
		{"wrong type", edit(func(m map[string][][]any) { m["survey"][8][0] = "geopoint" }), "unsupported_type", "survey row 9, type", "type geopoint (a location) is not supported"},
		{"unknown type", edit(func(m map[string][][]any) { m["survey"][8][0] = "hologram" }), "unsupported_type", "survey row 9, type", `question type "hologram" is not an XLSForm type`},
		{"missing list", edit(func(m map[string][][]any) { m["survey"][7][0] = "select_one nosuch" }), "unknown_list", "survey row 8, type", `list "nosuch" is not in the choices sheet`},
		{"or_other with a choice named other", edit(func(m map[string][][]any) { m["survey"][7][0] = "select_one role or_other" }), "other_conflict", "survey row 8, type", "list role already has a choice named other (choices row 14)"},
		{"or_other on a Likert question", edit(func(m map[string][][]any) { m["survey"][3][0] = "select_one agree5 or_other" }), "unsupported_or_other", "survey row 4, type", "agreement scale"},
		{"one option only", edit(func(m map[string][][]any) { m["choices"] = m["choices"][:15] }), "too_few_options", "survey row 9, choices", "at least two options"},
		{"duplicate key", edit(func(m map[string][][]any) { m["survey"][11][1] = "recommend" }), "duplicate_key", "survey row 12, name", `"recommend" is already used at survey row 11`},
		{"missing chinese label", edit(func(m map[string][][]any) { m["survey"][7][3] = "" }), "required", "survey row 8, label::zh", "required"},
		{"missing option label", edit(func(m map[string][][]any) { m["choices"][13][3] = "" }), "required", "choices row 14, label::zh", "required"},
		{"likert of 4", edit(func(m map[string][][]any) { m["choices"] = append(m["choices"][:1], m["choices"][2:]...) }), "likert_size", "survey row 4, appearance", "5 choices"},
		{"bad required", edit(func(m map[string][][]any) { m["survey"][3][6] = "maybe" }), "unsupported_required", "survey row 4, required", `"maybe"`},
		{"relevant beyond the supported expressions", edit(func(m map[string][][]any) {
			m["survey"][0] = append(m["survey"][0], "relevant")
			m["survey"][11] = append(m["survey"][11], "string-length(${comments}) > 3")
		}), "unsupported_function", "survey row 12, relevant", "string-length() is not supported"},
		{"relevant on a later question", edit(func(m map[string][][]any) {
			m["survey"][0] = append(m["survey"][0], "relevant")
			m["survey"][11] = append(m["survey"][11], "${comments} = 'x'")
		}), "later_reference", "survey row 12, relevant", "comments"},
		{"integer bounds and more", edit(func(m map[string][][]any) { m["survey"][11][8] = ". >= 1 and . <= 5 and . != 3" }), "unsupported_constraint", "survey row 12, constraint", "(a rule on the answer)"},
		{"date without its day", edit(func(m map[string][][]any) { m["survey"][12][0], m["survey"][12][7] = "date", "month-year" }), "unsupported_appearance", "survey row 13, appearance", "a date without its day"},
		{"decimal with a strict bound", edit(func(m map[string][][]any) {
			m["survey"][12][0] = "decimal"
			m["survey"][12] = append(m["survey"][12], ". > 0")
		}), "unsupported_constraint", "survey row 13, constraint", ". > 0"},
		{"regex", edit(func(m map[string][][]any) { m["survey"][12] = append(m["survey"][12], "regex(., '^[A-Z]+$')") }), "unsupported_constraint", "survey row 13, constraint", "(a pattern the answer must match) is not supported"},
		{"count-selected", edit(func(m map[string][][]any) {
			m["survey"][8] = append(m["survey"][8], "", "", "", "", "count-selected(.) <= 2")
		}), "unsupported_constraint", "survey row 9, constraint", "(a limit on the number of choices) is not supported"},
		{"minimum length", edit(func(m map[string][][]any) { m["survey"][12] = append(m["survey"][12], "string-length(.) >= 3") }), "unsupported_constraint", "survey row 13, constraint", "(a length other than a maximum)"},
		{"label quoting an answer", edit(func(m map[string][][]any) { m["survey"][12][2] = "Anything else, ${role}?" }), "unsupported_piping", "survey row 13, label", "${role}"},
		{"unclosed group", edit(func(m map[string][][]any) { m["survey"][5][0] = "" }), "nested_group", "survey row 7, type", "a group inside the group of row 3"},
		{"end without begin", edit(func(m map[string][][]any) { m["survey"][2][0] = "text" }), "unbalanced_group", "survey row 6, type", "end group without begin group"},
		{"two label columns", edit(func(m map[string][][]any) { m["survey"][0][8] = "label::English (en)" }), "duplicate_column", "survey row 1, column I", `column "label::English (en)" is also column C`},
		{"encrypted submissions", edit(func(m map[string][][]any) {
			m["settings"][0] = append(m["settings"][0], "public_key")
			m["settings"][1] = append(m["settings"][1], "MIIB")
		}), "unsupported_setting", "settings row 2, public_key", "encrypted"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, _, err := Parse(tc.data, Options{})
			ps, ok := definition.AsInvalid(err)
			if !ok {
				t.Fatalf("err = %v (definition %v), want *definition.InvalidError", err, d)
			}
			for _, p := range ps {
				if p.Code == tc.code && p.Path == tc.path && strings.Contains(p.Message, tc.text) {
					return
				}
			}
			t.Fatalf("problems %v: none %s at %q containing %q", ps, tc.code, tc.path, tc.text)
		})
	}
}

func TestLikertListNeedsAnAgreementDirection(t *testing.T) {
	m := koboSurvey()
	for i := 1; i <= 5; i++ {
		m["choices"][i][1] = []string{"x1", "x2", "x3", "x4", "x5"}[i-1]
		m["choices"][i][2] = []string{"Bad", "Poor", "OK", "Good", "Great"}[i-1]
		m["choices"][i][3] = []string{"差", "较差", "一般", "好", "很好"}[i-1]
	}
	_, _, err := Parse(workbook(t, m), Options{})
	ps, _ := definition.AsInvalid(err)
	if len(ps) != 1 || ps[0].Path != "survey row 4, appearance" || !strings.Contains(ps[0].Message, "which end") {
		t.Fatalf("problems = %v", ps)
	}
}

// TestXLSFormWarnsAboutWhatItIgnores: a workbook as KoboToolbox writes it,
// with metadata rows, a calculate, a default, a layout appearance and a
// constraint message, imports; each thing left out comes back as a warning
// naming its row, and metadata rows are not questions.
func TestXLSFormWarnsAboutWhatItIgnores(t *testing.T) {
	m := koboSurvey()
	m["survey"][0] = append(m["survey"][0], "constraint_message::English (en)", "default", "media::image")
	m["survey"] = append(m["survey"][:2], append([][]any{
		{"end", "end"},
		{"deviceid", "deviceid"},
		{"calculate", "score", "", "", "", "", "", "", "", "", "", ""},
	}, m["survey"][2:]...)...)
	// rows shift by 3: comments is row 16, role row 11
	m["survey"][15] = []any{"text", "comments", "Comments", "意见", "", "", "", "multiline", "string-length(.) <= 500", "Too long", "none", "pic.png"}
	m["survey"][10] = append(m["survey"][10], "minimal")
	d, warnings, err := Parse(workbook(t, m), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if q, _ := d.Question("comments"); q.MaxLength != 500 || q.Type != model.TypeLongText {
		t.Errorf("comments = %+v, want longtext of at most 500 characters", q)
	}
	for _, k := range []string{"end", "deviceid", "score"} {
		if _, ok := d.Question(k); ok {
			t.Errorf("%s became a question", k)
		}
	}
	want := []string{
		"survey: ignored_metadata",
		"survey row 5, type: ignored_calculate",
		"survey row 11, appearance: ignored_appearance",
		"survey row 16, constraint_message: ignored_constraint_message",
		"survey row 16, default: ignored_default",
		"survey column L: ignored_column",
	}
	var got []string
	for _, w := range warnings {
		got = append(got, w.Path+": "+w.Code)
		if w.Message == "" {
			t.Errorf("warning without a message: %+v", w)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if msg := warnings[0].Message; !strings.Contains(msg, "start (row 2)") || !strings.Contains(msg, "deviceid (row 4)") {
		t.Errorf("metadata warning %q does not name the rows", msg)
	}
	if msg := warnings[3].Message; !strings.Contains(msg, "at most 500 characters") {
		t.Errorf("constraint_message warning %q does not say what the participant is told", msg)
	}
}

// TestXLSFormPlainColumnsServeEveryLanguage: XLSForm has no translated
// form_title, and a plain label or hint next to label::Chinese is the text
// of every language without its own; id_string (form_id's older name) gives
// the link name.
func TestXLSFormPlainColumnsServeEveryLanguage(t *testing.T) {
	wb := workbook(t, map[string][][]any{
		"survey": {
			{"type", "name", "label::English (en)", "label::Chinese (zh)", "hint"},
			{"start", "start"},
			{"select_one yn", "ok", "OK?", "好吗？", "Yes or no / 是或否"},
			{"end", "end"},
		},
		"choices": {
			{"list_name", "name", "label"},
			{"yn", "yes", "Yes / 是"},
			{"yn", "no", "No / 否"},
		},
		"settings": {{"form_title", "id_string", "version"}, {"Workshop 研讨会", "Workshop_2026", "3"}},
	})
	d, warnings, err := Parse(wb, Options{})
	if err != nil {
		t.Fatal(err)
	}
	q := d.Sections[0].Questions[0]
	if d.Slug != "workshop-2026" || d.Title["zh"] != "Workshop 研讨会" || d.Title["en"] != "Workshop 研讨会" ||
		q.Help["zh"] != "Yes or no / 是或否" || q.Help["en"] != q.Help["zh"] || q.Options[1].Label["zh"] != "No / 否" {
		t.Fatalf("slug %q title %v question %+v", d.Slug, d.Title, q)
	}
	if len(warnings) != 2 || warnings[1].Code != "ignored_setting" || warnings[1].Path != "settings row 2, version" {
		t.Errorf("warnings = %v, want the metadata and the version", warnings)
	}
}

// TestXLSFormReportsEveryProblemInOnePass: skip logic, a calculation, an
// unsupported type and a missing translation are all reported at once,
// ordered by sheet and row, whatever the order they were found in.
func TestXLSFormReportsEveryProblemInOnePass(t *testing.T) {
	m := koboSurvey()
	m["survey"][0] = append(m["survey"][0], "relevant", "calculation")
	m["survey"][12] = append(m["survey"][12], "", "string-length(${role}) < 3") // comments: relevant
	m["survey"][11] = append(m["survey"][11][:9], "", "1 + 1")                  // overall: calculation
	m["survey"][8][0] = "geopoint"                                              // topics
	m["choices"][13][3] = ""                                                    // role/police: no Chinese
	m["settings"][1][1] = ""                                                    // no Chinese title
	_, _, err := Parse(workbook(t, m), Options{})
	ps, _ := definition.AsInvalid(err)
	var got []string
	for _, p := range ps {
		got = append(got, p.Path+": "+p.Code)
	}
	want := []string{
		"survey row 9, type: unsupported_type",
		"survey row 12, calculation: unsupported_column",
		"survey row 13, relevant: unsupported_function",
		"choices row 14, label::zh: required",
		"settings row 2, form_title::zh: required",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestSpreadsheetKindIsReadFromContent(t *testing.T) {
	cases := map[string]string{
		spreadsheet.KindXLSX: string(workbook(t, koboSurvey())),
		spreadsheet.KindODS:  "PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x08\x00\x00\x00mimetypeapplication/vnd.oasis.opendocument.spreadsheet",
		spreadsheet.KindXLS:  "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest",
		"":                   "format: seminareval/v1\n",
	}
	for want, data := range cases {
		if got := spreadsheet.Kind([]byte(data)); got != want {
			t.Errorf("spreadsheet.Kind(%.12q) = %q, want %q", data, got, want)
		}
	}
	// An upload of either is named by ParseUpload too, not read as YAML.
	_, _, err := ParseUpload([]byte(cases[spreadsheet.KindXLS]), Options{})
	if ps, _ := definition.AsInvalid(err); len(ps) != 1 || ps[0].Code != "xls_workbook" {
		t.Errorf("ParseUpload(.xls) = %v", err)
	}
}

// TestXLSFormWithoutTitleOrIDSaysSoOnce: no settings sheet and no file name:
// the title and the link name are each asked for once.
func TestXLSFormWithoutTitleOrIDSaysSoOnce(t *testing.T) {
	wb := workbook(t, map[string][][]any{"survey": {{"type", "name", "label"}, {"text", "a", "A"}}})
	_, _, err := Parse(wb, Options{})
	ps, _ := definition.AsInvalid(err)
	if len(ps) != 2 || ps[0].Code != "no_title" || ps[1].Code != "no_slug" {
		t.Fatalf("problems = %v, want no_title and no_slug", ps)
	}
	d, _, err := Parse(wb, Options{FileName: "My Form.xlsx"})
	if err != nil || d.Slug != "my-form" || d.Title["en"] != "My Form" {
		t.Fatalf("with a file name: %v %+v", err, d)
	}
}

// A workbook within the upload limit whose questionnaire would exceed the
// definition limit is refused: its export could not be posted back.
func TestXLSFormRefusesADefinitionOverTheLimit(t *testing.T) {
	rows := [][]any{{"type", "name", "label::English (en)", "label::Chinese (zh)"}}
	for i := range 400 {
		long := fmt.Sprintf("%04d ", i) + strings.Repeat("How useful was this part of the seminar for your daily work? ", 25)
		rows = append(rows, []any{"text", fmt.Sprintf("q%d", i), long, long})
	}
	data := workbook(t, map[string][][]any{"survey": rows, "settings": {{"form_title", "form_id"}, {"Big", "big-form"}}}, "survey", "settings")
	if len(data) > definition.MaxDefinitionBytes*4 {
		t.Fatalf("the workbook itself is over the upload limit: %d bytes", len(data))
	}
	_, _, err := Parse(data, Options{})
	problems, ok := definition.AsInvalid(err)
	if !ok || len(problems) != 1 || problems[0].Code != "too_large" || !strings.Contains(problems[0].Message, "as a definition") {
		t.Fatalf("err = %v", err)
	}
}

// TestXLSFormMapsSkipLogicAndTheNewTypes: relevant on a question and on a
// group, note, integer and decimal with their bounds, date with date()
// bounds, or_other, and a range that is neither a rating nor an NPS.
func TestXLSFormMapsSkipLogicAndTheNewTypes(t *testing.T) {
	m := koboSurvey()
	m["survey"][0] = append(m["survey"][0], "relevant", "parameters")
	m["survey"][1] = []any{"note", "intro", "A few questions about you.", "几个关于您的问题。"}
	m["survey"][6] = []any{"begin group", "about", "About you", "关于您", "", "", "", "", "", "${knowledge_improved} != 'sd'"}
	m["survey"][8][0] = "select_multiple topics or_other"
	m["survey"] = append(m["survey"][:12],
		[]any{"integer", "years", "Years in service", "工作年限", "", "", "", "", ". >= 0 and . <= 50", "selected(${topics}, 'legal') or selected(${topics}, 'other')"},
		[]any{"integer", "sessions", "Sessions attended", "参加场次", "", "", "", "", ". > 0"},
		[]any{"decimal", "hours", "Hours of training", "培训小时数", "", "", "", "", "0.5 <= ."},
		[]any{"date", "arrival", "Date of arrival", "到达日期", "", "", "", "", ". >= date('2018-01-10') and . < '2018-01-21'"},
		[]any{"range", "score", "Score", "评分", "", "", "", "", "", "", "start=1 end=7"},
		m["survey"][12])
	d, warnings, err := Parse(workbook(t, m), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ps := d.Validate(); len(ps) > 0 {
		t.Fatalf("invalid: %v", ps)
	}
	// The Likert list's choice sd became level 1 (the note made an untitled
	// first section).
	if d.Sections[2].Relevant != "${knowledge_improved} != 1" {
		t.Errorf("group relevant %q", d.Sections[2].Relevant)
	}
	if !slices.ContainsFunc(warnings, func(w model.Problem) bool {
		return w.Code == "likert_condition" && w.Path == "survey row 7, relevant"
	}) {
		t.Errorf("warnings %v: no likert_condition", warnings)
	}
	intro, _ := d.Question("intro")
	topics, _ := d.Question("topics")
	years, _ := d.Question("years")
	sessions, _ := d.Question("sessions")
	hours, _ := d.Question("hours")
	arrival, _ := d.Question("arrival")
	score, _ := d.Question("score")
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"intro is a note", intro.Type == model.TypeNote},
		{"topics offers other", topics.Type == model.TypeMulti && topics.Other},
		{"years 0..50 with its condition", years.Type == model.TypeNumber && years.Min.String() == "0" && years.Max.String() == "50" && years.Decimals == 0 &&
			years.Relevant == "selected(${topics}, 'legal') or selected(${topics}, 'other')"},
		{"sessions: > 0 is a minimum of 1", sessions.Type == model.TypeNumber && sessions.Min.String() == "1" && sessions.Max == nil},
		{"hours: a decimal from 0.5", hours.Type == model.TypeNumber && hours.Min.String() == "0.5" && hours.Decimals == definition.MaxDecimals},
		{"arrival 2018-01-10..2018-01-20", arrival.Type == model.TypeDate && arrival.Min.String() == "2018-01-10" && arrival.Max.String() == "2018-01-20"},
		{"score: a range 1..7 is a number", score.Type == model.TypeNumber && score.Min.String() == "1" && score.Max.String() == "7"},
	} {
		if !c.ok {
			t.Errorf("%s: intro %+v topics %+v years %+v sessions %+v hours %+v arrival %+v score %+v", c.name, intro, topics, years, sessions, hours, arrival, score)
		}
	}
	if !slices.ContainsFunc(warnings, func(w model.Problem) bool { return w.Code == "range_as_number" && w.Path == "survey row 17, type" }) {
		t.Errorf("warnings %v: no range_as_number for the slider", warnings)
	}

	// The conditions work as the form meant: strongly disagreeing hides
	// "About you"; "Other" opens years.
	b, errs := service.BuildAnswers(d, service.Submission{Answers: map[string]any{"knowledge_improved": 1.0, "organised": 3.0, "role": "police", "topics": []any{"other"}, "topics_other": "Labour law"}})
	if errs != nil || !slices.Equal(b.Ignored, []string{"role", "topics", "topics_other"}) {
		t.Errorf("strongly disagree: ignored %v, errors %v", b.Ignored, errs)
	}
	b, errs = service.BuildAnswers(d, service.Submission{Answers: map[string]any{"knowledge_improved": 4.0, "organised": 3.0, "role": "police", "topics": []any{"other"}, "topics_other": "Labour law", "years": 51.0}})
	if errs["years"] != "above_max" {
		t.Errorf("years 51 after other: %v (%v)", errs, b)
	}
}

// An XLSForm upload is opened under the same limits.
func TestXLSFormRefusesAZipBomb(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(realWorldDir(t), "xlsform", "yes_or_no_question.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = Parse(servicetest.ZipWithExtra(t, data, 256<<20), Options{})
	problems, ok := definition.AsInvalid(err)
	if !ok || len(problems) != 1 || problems[0].Code != "zip_bomb" {
		t.Fatalf("err = %v", err)
	}
}
