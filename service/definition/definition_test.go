package definition

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"seminareval/model"
	"seminareval/templates"
)

func TestParseDemoDefinition(t *testing.T) {
	src, err := os.ReadFile("../../templates/definitions/sanya-2018-evaluation.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParseDefinition(src)
	if err != nil {
		t.Fatal(err)
	}
	if d.Slug != "sanya-2018-evaluation" || d.Status != model.StatusOpen || d.Lang("") != "zh" || d.Format != FormatV1 {
		t.Errorf("header: slug %q status %q default language %q format %q", d.Slug, d.Status, d.Lang(""), d.Format)
	}
	if d.Seminar == nil || d.Seminar.Slug != "sanya-2018" || d.Seminar.Timezone != "Asia/Shanghai" || d.Seminar.Location.In("zh") != "三亚" {
		t.Errorf("seminar: %+v", d.Seminar)
	}
	types := map[string]int{}
	for _, q := range d.Questions() {
		types[q.Type]++
	}
	want := map[string]int{model.TypeLikert: 7, model.TypeSingle: 1, model.TypeMulti: 1, model.TypeRating: 1, model.TypeNPS: 1, model.TypeLongText: 1}
	if !reflect.DeepEqual(types, want) {
		t.Errorf("question types %v, want %v", types, want)
	}
	q, ok := d.Question("knowledge_improved")
	if !ok || !q.Required || q.Report.In("en") != "their knowledge was improved on the specific topics covered" || q.Text.In("zh") == "" {
		t.Errorf("knowledge_improved: %+v", q)
	}
	if c, _ := d.Question("comments"); c.MaxLength != 2000 || c.Required {
		t.Errorf("comments: max_length %d required %v", c.MaxLength, c.Required)
	}
	if o, _ := d.Question("organisation_good"); !o.NA {
		t.Error("organisation_good should offer not applicable")
	}
	if w, _ := d.Question("workplace"); len(w.Options) != 5 || w.Options[0].Value != "police" || w.Options[0].Label.In("zh") != "公安机关" {
		t.Errorf("workplace options: %+v", w.Options)
	}

	// Its canonical JSON parses back into the same definition.
	again, err := ParseDefinition(d.JSON())
	if err != nil {
		t.Fatalf("re-parse canonical JSON: %v", err)
	}
	if !reflect.DeepEqual(again, d) {
		t.Errorf("JSON round trip changed the definition:\n%s\n%s", d.JSON(), again.JSON())
	}
}

func TestParseJSONDefinitionFillsDefaults(t *testing.T) {
	src := `{
	  "slug": "workshop-2026",
	  "title": {"en": "Workshop evaluation", "zh": "研讨班评估"},
	  "opens_at": "2026-05-01T09:00:00+08:00",
	  "closes_at": "2026-05-08T18:00:00+08:00",
	  "sections": [{"questions": [
	    {"key": "useful", "type": "likert", "required": true, "na": true,
	     "text": {"en": "Useful", "zh": "有用"},
	     "scale": [{"en": "Fully", "zh": "完全"}, {"en": "Mostly", "zh": "大部分"}, {"en": "Partly", "zh": "部分"}, {"en": "Little", "zh": "很少"}, {"en": "Not at all", "zh": "完全没有"}]},
	    {"key": "notes", "type": "text", "text": {"en": "Notes", "zh": "备注"}}
	  ]}]
	}`
	d, err := ParseDefinition([]byte("\xef\xbb\xbf" + src)) // a BOM from a Windows editor is fine
	if err != nil {
		t.Fatal(err)
	}
	if d.Format != FormatV1 || d.Status != model.StatusDraft || d.Access != model.AccessOpen || strings.Join(d.Languages, ",") != "zh,en" {
		t.Errorf("defaults: format %q status %q access %q languages %v", d.Format, d.Status, d.Access, d.Languages)
	}
	if d.OpensAt == nil || !d.OpensAt.Equal(time.Date(2026, 5, 1, 1, 0, 0, 0, time.UTC)) || d.OpensAt.Location() != time.UTC {
		t.Errorf("opens_at %v, want 2026-05-01 01:00 UTC", d.OpensAt)
	}
	if n, _ := d.Question("notes"); n.MaxLength != DefaultMaxLength {
		t.Errorf("text max_length default %d", n.MaxLength)
	}
	if u, _ := d.Question("useful"); u.ScaleLabels()[4].In("en") != "Not at all" || !reflect.DeepEqual(u.Levels(), []int{5, 4, 3, 2, 1}) {
		t.Errorf("custom scale: %v", u.ScaleLabels())
	}
}

// validDefinition is a small definition that passes; each bad case changes
// one thing in it.
const validDefinition = `
slug: bad-cases
title: {en: Evaluation, zh: 评估}
languages: [zh, en]
sections:
  - title: {en: Views, zh: 看法}
    questions:
      - key: useful
        type: likert
        text: {en: Useful, zh: 有用}
        required: true
      - key: overall
        type: rating
        text: {en: Overall, zh: 总体}
      - key: role
        type: single
        text: {en: Role, zh: 角色}
        options:
          - {value: police, label: {en: Police, zh: 警察}}
          - {value: other, label: {en: Other, zh: 其他}}
`

func TestParseDefinitionNamesThePathOfEachProblem(t *testing.T) {
	if _, err := ParseDefinition([]byte(validDefinition)); err != nil {
		t.Fatalf("the base of the bad cases must be valid: %v", err)
	}
	cases := []struct {
		name     string
		old, new string // replace old by new in validDefinition
		doc      string // or a whole document
		path     string
		message  string
	}{
		{name: "single without options", old: "          - {value: police, label: {en: Police, zh: 警察}}\n          - {value: other, label: {en: Other, zh: 其他}}\n", new: "",
			path: "sections[0].questions[2].options", message: "at least two options are required for single"},
		{name: "single with one option", old: "          - {value: other, label: {en: Other, zh: 其他}}\n", new: "",
			path: "sections[0].questions[2].options", message: "at least two options"},
		{name: "unknown field (a typo)", old: "required: true", new: "requried: true",
			path: "line 10", message: "unknown field requried"},
		{name: "duplicate question key", old: "key: overall", new: "key: useful",
			path: "sections[0].questions[1].key", message: `"useful" is already used at sections[0].questions[0]`},
		{name: "duplicate option value", old: "{value: other,", new: "{value: police,",
			path: "sections[0].questions[2].options[1].value", message: `"police" is listed twice`},
		{name: "bad slug", old: "slug: bad-cases", new: "slug: Bad Cases!",
			path: "slug", message: "a-z, 0-9 and -"},
		{name: "slug too short", old: "slug: bad-cases", new: "slug: ab",
			path: "slug", message: "3 to 64"},
		{name: "closes before opens", old: "languages: [zh, en]", new: "languages: [zh, en]\nopens_at: 2026-05-02T09:00:00+08:00\ncloses_at: 2026-05-01T09:00:00+08:00",
			path: "closes_at", message: "must be after opens_at"},
		{name: "missing zh text", old: "text: {en: Overall, zh: 总体}", new: "text: {en: Overall}",
			path: "sections[0].questions[1].text.zh", message: "required"},
		{name: "blank zh title", old: "title: {en: Evaluation, zh: 评估}", new: "title: {en: Evaluation, zh: \"  \"}",
			path: "title.zh", message: "required"},
		{name: "text in a language not offered", old: "text: {en: Overall, zh: 总体}", new: "text: {en: Overall, zh: 总体, fr: Global}",
			path: "sections[0].questions[1].text.fr", message: `language "fr" is not in languages`},
		{name: "unsupported language", old: "languages: [zh, en]", new: "languages: [zh, fr]",
			path: "languages[1]", message: `unsupported language "fr"`},
		{name: "language listed twice", old: "languages: [zh, en]", new: "languages: [zh, en, zh]",
			path: "languages[2]", message: "listed twice"},
		{name: "unknown type", old: "type: rating", new: "type: slider",
			path: "sections[0].questions[1].type", message: "must be one of likert"},
		{name: "bad key", old: "key: overall", new: "key: Overall-Rating",
			path: "sections[0].questions[1].key", message: "a-z, 0-9 and _"},
		{name: "options on a likert", old: "        required: true\n", new: "        required: true\n        options: [{value: a, label: {en: A, zh: 甲}}, {value: b, label: {en: B, zh: 乙}}]\n",
			path: "sections[0].questions[0].options", message: "only single and multi questions have options"},
		{name: "not applicable on a rating", old: "text: {en: Overall, zh: 总体}", new: "text: {en: Overall, zh: 总体}\n        na: true",
			path: "sections[0].questions[1].na", message: "only likert"},
		{name: "scale of four labels", old: "        required: true\n", new: "        required: true\n        scale: [{en: a, zh: 甲}, {en: b, zh: 乙}, {en: c, zh: 丙}, {en: d, zh: 丁}]\n",
			path: "sections[0].questions[0].scale", message: "must have 5 labels"},
		{name: "report on a rating", old: "text: {en: Overall, zh: 总体}", new: "text: {en: Overall, zh: 总体}\n        report: {en: rated, zh: 评价}",
			path: "sections[0].questions[1].report", message: "only likert"},
		{name: "max_length on a likert", old: "        required: true\n", new: "        required: true\n        max_length: 10\n",
			path: "sections[0].questions[0].max_length", message: "only text and longtext"},
		{name: "option label missing en", old: "{value: other, label: {en: Other, zh: 其他}}", new: "{value: other, label: {zh: 其他}}",
			path: "sections[0].questions[2].options[1].label.en", message: "required"},
		{name: "bad status", old: "languages: [zh, en]", new: "languages: [zh, en]\nstatus: published",
			path: "status", message: "draft, open or closed"},
		{name: "bad access", old: "languages: [zh, en]", new: "languages: [zh, en]\naccess: private",
			path: "access", message: "open or roster"},
		{name: "wrong format version", old: "slug: bad-cases", new: "format: seminareval/v9\nslug: bad-cases",
			path: "format", message: "seminareval/v1"},
		{name: "seminar with a bad date and zone", old: "languages: [zh, en]", new: "languages: [zh, en]\nseminar: {slug: s-2026, starts_on: 2026-13-01, timezone: Mars/Olympus}",
			path: "seminar.starts_on", message: "YYYY-MM-DD"},
		{name: "seminar ends before it starts", old: "languages: [zh, en]", new: "languages: [zh, en]\nseminar: {slug: s-2026, starts_on: 2026-05-02, ends_on: 2026-05-01}",
			path: "seminar.ends_on", message: "before starts_on"},
		{name: "section without questions", doc: "slug: empty-section\ntitle: {en: E, zh: 评}\nsections: [{questions: []}]\n",
			path: "sections[0].questions", message: "at least one question"},
		{name: "no sections", doc: "slug: no-sections\ntitle: {en: E, zh: 评}\n",
			path: "sections", message: "at least one section"},
		{name: "JSON unknown field", doc: `{"slug": "json-case", "title": {"en": "E", "zh": "评"}, "sections": [], "colour": "red"}`,
			message: `unknown field "colour"`},
		{name: "JSON wrong type", doc: `{"slug": "json-case", "title": {"en": "E", "zh": "评"}, "sections": [{"questions": [{"key": "a", "required": "yes"}]}]}`,
			path: "sections.questions.required", message: "expected bool"},
		{name: "JSON syntax", doc: `{"slug": "json-case",}`, message: "not valid JSON"},
		{name: "YAML duplicate mapping key", doc: "slug: a-b-c\nslug: d-e-f\n", message: "already defined"},
		{name: "empty document", doc: "  \n", message: "document is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := tc.doc
			if doc == "" {
				if !strings.Contains(validDefinition, tc.old) {
					t.Fatalf("the base definition has no %q", tc.old)
				}
				doc = strings.Replace(validDefinition, tc.old, tc.new, 1)
			}
			_, err := ParseDefinition([]byte(doc))
			problems, ok := AsInvalid(err)
			if !ok {
				t.Fatalf("error %v is not an InvalidError", err)
			}
			for _, p := range problems {
				if p.Path == tc.path && strings.Contains(p.Message, tc.message) {
					return
				}
			}
			t.Errorf("problems %v do not include %s: …%s…", problems, tc.path, tc.message)
		})
	}
}

func TestParseDefinitionReportsEveryProblemAtOnce(t *testing.T) {
	doc := strings.NewReplacer("slug: bad-cases", "slug: X", "text: {en: Overall, zh: 总体}", "text: {en: Overall}", "type: single", "type: multi\n        na: true").Replace(validDefinition)
	_, err := ParseDefinition([]byte(doc))
	problems, _ := AsInvalid(err)
	var paths []string
	for _, p := range problems {
		paths = append(paths, p.Path)
	}
	want := []string{"slug", "sections[0].questions[1].text.zh", "sections[0].questions[2].na"}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("problem paths %v, want %v", paths, want)
	}
	// The problems travel as JSON in the API's 422 body.
	b, _ := json.Marshal(problems[0])
	if string(b) != `{"code":"bad_slug","path":"slug","message":"must be 3 to 64 characters of a-z, 0-9 and -"}` {
		t.Errorf("problem as JSON: %s", b)
	}
}

func TestParseDefinitionRejectsAnOversizedDocument(t *testing.T) {
	big := validDefinition + "# " + strings.Repeat("x", MaxDefinitionBytes) + "\n"
	_, err := ParseDefinition([]byte(big))
	if problems, ok := AsInvalid(err); !ok || !strings.Contains(problems[0].Message, "larger than") {
		t.Fatalf("oversized document: %v", err)
	}
}

// A document refused before it is read (not JSON, not YAML, a wrong type, an
// unknown field) names its problem in the catalogue, so a Chinese reader
// reads it in Chinese with the same code.
func TestParseProblemsAreTranslatable(t *testing.T) {
	cases := []struct {
		doc, code, zh string
	}{
		{"", "empty", "文档是空的"},
		{`{"format": }`, "bad_json", "不是有效的 JSON（第 12 字节）"},
		{`{"format": "seminareval/v1"`, "bad_json", "JSON 有误：unexpected EOF"},
		{`{"slug": 3}`, "wrong_type", "应为 string，实际是 number"},
		{`{"slugg": "x"}`, "unknown_field", `未知字段 "slugg"`},
		{`{} {}`, "bad_json", "JSON 对象之后还有多余的内容"},
		{"slug: [", "not_yaml_or_json", "不是有效的 YAML 或 JSON"},
		{"slug: abc\nrequried: true\n", "unknown_field", "未知字段 requried"},
		{"sections: 3\n", "wrong_type", "类型不符"},
	}
	for _, c := range cases {
		_, err := ParseDefinition([]byte(c.doc))
		problems, ok := AsInvalid(err)
		if !ok {
			t.Fatalf("%q: %v, want problems", c.doc, err)
		}
		zh := templates.Localize("zh", problems)
		if zh[0].Code != c.code || !strings.Contains(zh[0].Message, c.zh) {
			t.Errorf("%q in Chinese: %+v, want code %s and %q", c.doc, zh[0], c.code, c.zh)
		}
		if en := templates.Localize("en", problems); en[0].Message != problems[0].Message || strings.ContainsAny(en[0].Message, "文档应未类不") {
			t.Errorf("%q in English: %q, want %q", c.doc, en[0].Message, problems[0].Message)
		}
	}
}
