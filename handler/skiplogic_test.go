package handler

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service/report"
	"seminareval/templates"
)

const skipLogicDef = "../testdata/definitions/skip-logic.yaml"

// The page carries each condition twice: as a tree for participant.js and
// in words for a phone without JavaScript; number and date inputs and the
// "other" text are there.
func TestSkipLogicPageShowsConditionsAndNewInputs(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db)
	q := a.importDefinition(skipLogicDef)
	for lang, wants := range map[string][]string{
		"en": {`Answer if your answer to “The seminar was useful for my work.” was “Disagree” or “Strongly disagree”.`,
			`Answer this section if you chose “Police” for “Where do you work?”.`, "A few questions about you.",
			`Other (please specify)`, `name="q.workplace_other"`, `inputmode="numeric"`, `0 – 50, a whole number`,
			`type="date"`, `min="2018-01-10"`, `max="2018-01-20"`},
		"zh": {`如果您对“研讨会对我的工作有用。”的回答为“不同意”或“非常不同意”，请回答此题。`,
			`如果您在“您在哪里工作？”中选择了“公安机关”，请回答本部分。`, "其他（请注明）", `年-月-日，如 2018-01-16`},
	} {
		page := a.get("/s/" + q.Slug + "?lang=" + lang)
		if page.Code != http.StatusOK {
			t.Fatalf("%s page: %d", lang, page.Code)
		}
		for _, w := range wants {
			if !strings.Contains(page.Body, w) {
				t.Errorf("%s page lacks %q", lang, w)
			}
		}
		if !strings.Contains(page.Body, `data-relevant="[&#34;\u003c=&#34;,[&#34;ref&#34;,&#34;useful&#34;],[&#34;num&#34;,2]]"`) &&
			!strings.Contains(page.Body, `data-relevant="[&#34;&lt;=&#34;,[&#34;ref&#34;,&#34;useful&#34;],[&#34;num&#34;,2]]"`) {
			t.Errorf("%s page: no condition tree for why_not_useful:\n%s", lang, between(page.Body, `id="q-why_not_useful"`, `>`))
		}
	}
}

// JSON: answers to questions not shown are named in the 201 and not stored.
func TestSkipLogicJSONSubmitIgnoresWhatWasNotShown(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		q := a.importDefinition(skipLogicDef)
		path := "/s/" + q.Slug
		r := a.postJSON(path, submission("skip-0001", map[string]any{
			"useful": 4, "why_not_useful": "nothing", "workplace": "court", "unit": "Traffic", "years": 7, "arrival": "2018-01-15",
		}))
		if r.Code != http.StatusCreated {
			t.Fatalf("submit: %d %s", r.Code, r.Body)
		}
		var ignored []string
		for _, x := range r.JSON(t)["ignored"].([]any) {
			ignored = append(ignored, x.(string))
		}
		if !slices.Equal(ignored, []string{"unit", "why_not_useful"}) {
			t.Errorf("ignored %v", ignored)
		}
		if n := a.count(&model.Answer{}); n != 4 {
			t.Errorf("%d answers stored, want 4 (useful, workplace, years, arrival)", n)
		}
		bad := a.postJSON(path, submission("skip-0002", map[string]any{"useful": 1, "workplace": "other", "years": 51, "arrival": "2018-02-30"}))
		if bad.Code != http.StatusUnprocessableEntity {
			t.Fatalf("bad submit: %d %s", bad.Code, bad.Body)
		}
		var refusal struct {
			Fields, Codes map[string]string
		}
		if err := json.Unmarshal([]byte(bad.Body), &refusal); err != nil {
			t.Fatal(err)
		}
		for k, code := range map[string]string{"why_not_useful": "required", "workplace_other": "other_required", "years": "above_max", "arrival": "bad_date"} {
			if refusal.Codes[k] != code || refusal.Fields[k] != templates.Messages().T("en", "field."+code) {
				t.Errorf("422 for %s: code %q reason %q, want %s in English", k, refusal.Codes[k], refusal.Fields[k], code)
			}
		}
		// The page's script posts with ?lang=zh: the reasons come in Chinese.
		zh := a.postJSON(path+"?lang=zh", submission("skip-0003", map[string]any{"useful": 4, "workplace": "court", "years": 2.5}))
		if zh.Code != http.StatusUnprocessableEntity || !strings.Contains(zh.Body, `"years":"必须是整数"`) || !strings.Contains(zh.Body, `"codes":{"years":"not_a_number"}`) {
			t.Errorf("zh 422: %d %s", zh.Code, zh.Body)
		}
		if n := a.count(&model.Response{}); n != 1 {
			t.Errorf("%d responses, want 1", n)
		}
	})
}

// Without JavaScript: every question is on the page; the server applies the
// conditions, shows errors next to the questions and keeps every answer.
func TestSkipLogicFormPostWithoutJavaScript(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		q := a.importDefinition(skipLogicDef)
		path := "/s/" + q.Slug
		page := a.get(path + "?lang=zh")
		subID := between(page.Body, `name="submission_id" value="`, `"`)
		form := url.Values{"submission_id": {subID}, "lang": {"zh"}, "q.useful": {"2"}, "q.workplace": {"other"},
			"q.years": {"十二"}, "q.arrival": {"2018-01-16"}, "q.unit": {"should be ignored"}}
		bad := a.postForm(nil, path, form)
		if bad.Code != http.StatusUnprocessableEntity {
			t.Fatalf("form: %d", bad.Code)
		}
		for _, w := range []string{`id="err-why_not_useful"`, `id="err-workplace_other"`, `id="err-years"`, "必须是数字",
			`请注明“其他”的具体内容。`, `value="十二"`, `value="other" checked`} {
			if !strings.Contains(bad.Body, w) {
				t.Errorf("re-rendered form lacks %q", w)
			}
		}
		if strings.Contains(bad.Body, `id="err-unit"`) {
			t.Error("the police section's question is required of someone who does not work for the police")
		}
		form.Set("q.why_not_useful", "More cases")
		form.Set("q.workplace_other", "Customs")
		form.Set("q.years", "１２")
		ok := a.postForm(nil, path, form)
		if ok.Code != http.StatusSeeOther {
			t.Fatalf("corrected form: %d %s", ok.Code, ok.Body)
		}
		var texts []string
		if err := db.Model(&model.Answer{}).Where("text IS NOT NULL").Order("id").Pluck("text", &texts).Error; err != nil {
			t.Fatal(err)
		}
		if want := []string{"More cases", "Customs", "12", "2018-01-16"}; !slices.Equal(texts, want) {
			t.Errorf("stored texts %q, want %q (unit must not be stored)", texts, want)
		}
	})
}

// The summary, the annex and the CSV take the new types: "Other" is counted
// as a choice, a note is neither answered nor missing, numbers and dates are
// listed as given.
func TestSkipLogicReportsTakeTheNewTypes(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		q := a.importDefinition(skipLogicDef)
		for i, ans := range []map[string]any{
			{"useful": 5, "workplace": "police", "unit": "Border", "years": 12, "arrival": "2018-01-15"},
			{"useful": 2, "why_not_useful": "More cases", "workplace": "other", "workplace_other": "Customs", "years": 3},
			{"useful": 4, "workplace": "court"},
		} {
			if r := a.postJSON("/s/"+q.Slug, submission("skip-rep-"+strconv.Itoa(i)+"aaaa", ans)); r.Code != http.StatusCreated {
				t.Fatalf("submit %d: %d %s", i, r.Code, r.Body)
			}
		}
		_, token := a.reportUser("chief", model.RoleAdmin)
		base := fmt.Sprintf("/api/v1/questionnaires/%d", q.ID)
		r := a.get(base+"/summary", bearer(token)...)
		if r.Code != http.StatusOK {
			t.Fatalf("summary: %d %s", r.Code, r.Body)
		}
		var sum struct {
			Questions []struct {
				Key      string
				N        int
				Missing  int
				NotShown int `json:"not_shown"`
				Options  []struct {
					Value string
					Count int
				}
				Mean, Median, Min, Max *float64
				Earliest, Latest       *string
				Answers                []string
			}
		}
		if err := json.Unmarshal([]byte(r.Body), &sum); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		show := func(p *float64) string {
			if p == nil {
				return "-"
			}
			return strconv.FormatFloat(*p, 'f', -1, 64)
		}
		for _, qs := range sum.Questions {
			got[qs.Key] = fmt.Sprintf("n=%d missing=%d not_shown=%d %v", qs.N, qs.Missing, qs.NotShown, qs.Options)
			switch {
			case qs.Mean != nil:
				got[qs.Key] += fmt.Sprintf(" mean=%s median=%s min=%s max=%s", show(qs.Mean), show(qs.Median), show(qs.Min), show(qs.Max))
			case qs.Earliest != nil:
				got[qs.Key] += fmt.Sprintf(" %s..%s", *qs.Earliest, *qs.Latest)
			}
			if qs.Answers != nil {
				got[qs.Key] += fmt.Sprintf(" %q", qs.Answers)
			}
		}
		// Respondent 1 was not asked why_not_useful, 2 not the police section,
		// 3 neither: two "not shown" each, and nobody missing.
		for key, want := range map[string]string{
			"workplace":      `n=3 missing=0 not_shown=0 [{police 1} {court 1} {other 1}] ["Customs"]`,
			"why_not_useful": `n=1 missing=0 not_shown=2 [] ["More cases"]`,
			"unit":           `n=1 missing=0 not_shown=2 [] ["Border"]`,
			"about":          "n=0 missing=0 not_shown=0 []",
			"years":          "n=2 missing=1 not_shown=0 [] mean=7.5 median=7.5 min=3 max=12",
			"arrival":        "n=1 missing=2 not_shown=0 [] 2018-01-15..2018-01-15",
		} {
			if got[key] != want {
				t.Errorf("%s: %s, want %s", key, got[key], want)
			}
		}

		// The exports: "Other" texts in a column of their own, listed in the
		// annex's Comments; no column for the note.
		r = a.get(base+"/responses.csv", bearer(token)...)
		if r.Code != http.StatusOK {
			t.Fatalf("responses.csv: %d", r.Code)
		}
		records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\ufeff"))).ReadAll()
		if err != nil || len(records) != 4 {
			t.Fatalf("responses.csv: %v\n%s", err, r.Body)
		}
		col := map[string]int{}
		for i, h := range records[0] {
			col[h] = i
		}
		if _, ok := col["about"]; ok {
			t.Errorf("a note has a CSV column: %v", records[0])
		}
		if i, ok := col["workplace_other"]; !ok || i != col["workplace"]+1 || records[2][i] != "Customs" || records[2][col["workplace"]] != "other" || records[1][i] != "" {
			t.Errorf("workplace_other column: %v / %v", records[0], records[2])
		}
		if records[1][col["years"]] != "12" || records[1][col["arrival"]] != "2018-01-15" {
			t.Errorf("number and date: %v", records[1])
		}

		r = a.get(base+"/report.xlsx", bearer(token)...)
		if r.Code != http.StatusOK {
			t.Fatalf("annex: %d", r.Code)
		}
		x, err := excelize.OpenReader(strings.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		rows, err := x.GetRows(report.SheetResponses)
		if err != nil || !slices.Contains(rows[0], "workplace_other") || slices.Contains(rows[0], "about") {
			t.Errorf("Responses header %v (%v)", rows, err)
		}
		// Summary: the numbers-and-dates table, the date as a date.
		summary, err := x.GetRows(report.SheetSummary)
		if err != nil {
			t.Fatal(err)
		}
		var figures []string
		for i, row := range summary {
			if len(row) > 0 && row[0] == "Numbers and dates" {
				figures = []string{strings.Join(summary[i+1], "|"), strings.Join(summary[i+2], "|")}
			}
		}
		if !slices.Equal(figures, []string{"Years in service|2|7.50|7.5|3|12|6.36", "Date of arrival|1|||2018-01-15|2018-01-15"}) {
			t.Errorf("Summary's numbers and dates: %q", figures)
		}
		comments, err := x.GetRows(report.SheetComments)
		if err != nil || !slices.ContainsFunc(comments, func(row []string) bool { return len(row) > 3 && row[0] == "workplace_other" && row[3] == "Customs" }) {
			t.Errorf("Comments sheet %v (%v)", comments, err)
		}

		// The dashboard, in both languages: who was asked, numbers and dates,
		// the "Other" texts; no block for the note.
		a.reportUser("organiser", model.RoleAdmin)
		c := a.reportLogin("organiser")
		path := fmt.Sprintf("/admin/questionnaires/%d/report", q.ID)
		for lang, wants := range map[string][]string{
			"en": {
				"Asked only if they chose “Police” for “Where do you work?”: 1 of 3 respondents were asked.",
				"Asked only if their answer to “The seminar was useful for my work.” was “Disagree” or “Strongly disagree”: 1 of 3 respondents were asked.",
				`id="number-years"`, "<dt>Median</dt><dd>7.5</dd>", "<dt>Range</dt><dd>3 – 12</dd>", "n = 2 answered (base), 1 did not answer",
				`id="number-arrival"`, "<dt>Earliest</dt><dd>2018-01-15</dd>",
				`<ul class="comment-list other-list" id="other-workplace"><li>Customs</li></ul>`, `id="comments-unit"`,
			},
			"zh": {
				"仅当答卷人在“您在哪里工作？”中选择了“公安机关”时提问：3名答卷人中1人被问到。",
				"<dt>中位数</dt><dd>7.5</dd>", "“其他”的具体内容：",
			},
		} {
			r := a.do(c, http.MethodGet, path+"?lang="+lang, "", nil)
			if r.Code != http.StatusOK {
				t.Fatalf("dashboard %s: %d %s", lang, r.Code, r.Body)
			}
			for _, w := range wants {
				if !strings.Contains(r.Body, w) {
					t.Errorf("dashboard (%s) lacks %q", lang, w)
				}
			}
			if strings.Contains(r.Body, "A few questions about you.") || strings.Contains(r.Body, "下面是几个关于您的问题。") {
				t.Errorf("dashboard (%s) shows the note as a question", lang)
			}
		}
	})
}

// The editor shows (and so posts back) conditions, limits, decimals and
// "other": saving a questionnaire in the editor must not drop them.
func TestSkipLogicEditorKeepsConditionsAndLimits(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db)
	q := a.importDefinition(skipLogicDef)
	c := qmConsole(t, a, model.RoleAdmin)
	r := a.do(c, http.MethodGet, fmt.Sprintf("/admin/questionnaires/%d", q.ID), "", nil)
	if r.Code != http.StatusOK {
		t.Fatalf("editor: %d", r.Code)
	}
	for _, w := range []string{`name="q1.relevant" value="${useful} &lt;= 2"`, `name="s1.relevant" value="${workplace} = &#39;police&#39;"`,
		`name="q4.min" value="0"`, `name="q4.max" value="50"`, `name="q5.min" value="2018-01-10"`, `name="q3.other" value="1" checked`} {
		if !strings.Contains(r.Body, w) {
			t.Errorf("editor lacks %s", w)
		}
	}
}

// The editor's condition builder: pick an earlier question, an operator and
// a value (an option's label will do), and the expression is written, shown
// in words, joined to a present one with and/or, refused with a message
// when the value is not an answer of that question, and saved.
func TestSkipLogicEditorBuildsConditions(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		q := a.importDefinition(skipLogicDef)
		c := qmConsole(t, a, model.RoleAdmin)
		path := fmt.Sprintf("/admin/questionnaires/%d", q.ID)
		r := a.do(c, http.MethodGet, path+"?lang=en", "", nil)
		if r.Code != http.StatusOK {
			t.Fatalf("editor: %d", r.Code)
		}
		if strings.Contains(r.Body, `name="q0.cond_key"`) {
			t.Error("the first question offers a condition on earlier questions: there are none")
		}
		for _, w := range []string{
			"Shown only if their answer to “The seminar was useful for my work.” was “Disagree” or “Strongly disagree”.",
			"Shown only if they chose “Police” for “Where do you work?”.",
			`<select name="q4.cond_key" data-cond-key><option value="useful">1. The seminar was useful for my work.</option><option value="why_not_useful">2. What was missing?</option><option value="workplace">4. Where do you work?</option></select>`,
			`<datalist id="cond-vals-workplace"><option value="police">Police</option><option value="court">Court</option><option value="other">Other (please specify)</option></datalist>`,
		} {
			if !strings.Contains(r.Body, w) {
				t.Errorf("editor lacks %s", w)
			}
		}

		form := formValues(t, r.Body, "editor")
		form.Set("q5.cond_key", "workplace")
		form.Set("q5.cond_op", "is")
		form.Set("q5.cond_value", "Court")
		form.Set("op", "cond:5")
		r = a.postForm(c, path, form)
		form = formValues(t, r.Body, "editor")
		if r.Code != http.StatusOK || form.Get("q5.relevant") != "${workplace} = 'court'" || !strings.Contains(r.Body, "Shown only if they chose “Court” for “Where do you work?”.") {
			t.Fatalf("first condition: %d q5.relevant=%q", r.Code, form.Get("q5.relevant"))
		}
		form.Set("q5.cond_join", "or")
		form.Set("q5.cond_key", "years")
		form.Set("q5.cond_op", "gt")
		form.Set("q5.cond_value", "30")
		form.Set("op", "cond:5")
		r = a.postForm(c, path, form)
		form = formValues(t, r.Body, "editor")
		if form.Get("q5.relevant") != "${workplace} = 'court' or ${years} > 30" {
			t.Fatalf("joined with or: %q", form.Get("q5.relevant"))
		}
		form.Set("q5.cond_key", "workplace")
		form.Set("q5.cond_op", "is")
		form.Set("q5.cond_value", "Customs")
		form.Set("op", "cond:5")
		r = a.postForm(c, path, form)
		form = formValues(t, r.Body, "editor")
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "“Where do you work?”: “Customs” is not one of its answers.") || form.Get("q5.relevant") != "${workplace} = 'court' or ${years} > 30" {
			t.Fatalf("a value that is no answer: %d q5.relevant=%q", r.Code, form.Get("q5.relevant"))
		}
		// The police section: also only for those who found it useful.
		form.Set("s1.cond_join", "and")
		form.Set("s1.cond_key", "useful")
		form.Set("s1.cond_op", "ge")
		form.Set("s1.cond_value", "Agree")
		form.Set("op", "scond:1")
		r = a.postForm(c, path, form)
		form = formValues(t, r.Body, "editor")
		if form.Get("s1.relevant") != "${workplace} = 'police' and ${useful} >= 4" {
			t.Fatalf("section condition: %q", form.Get("s1.relevant"))
		}
		form.Set("op", "save")
		if r = a.postForm(c, path, form); r.Code != http.StatusSeeOther {
			t.Fatalf("save: %d %s", r.Code, r.Body)
		}
		l, err := a.srv.questionnaires.Load(context.Background(), q.ID)
		if err != nil {
			t.Fatal(err)
		}
		arrival, _ := l.Def.Question("arrival")
		if arrival.Relevant != "${workplace} = 'court' or ${years} > 30" || l.Def.Sections[1].Relevant != "${workplace} = 'police' and ${useful} >= 4" {
			t.Errorf("stored: arrival %q, section %q", arrival.Relevant, l.Def.Sections[1].Relevant)
		}

		// In Chinese.
		r = a.do(c, http.MethodGet, path+"?lang=zh", "", nil)
		for _, w := range []string{"添加条件", "前面的问题", "仅当答卷人在“您在哪里工作？”中选择了“法院”，或者答卷人对“工作年限”的回答大于30时显示。"} {
			if !strings.Contains(r.Body, w) {
				t.Errorf("Chinese editor lacks %s", w)
			}
		}
	})
}
