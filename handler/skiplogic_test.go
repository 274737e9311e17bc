package handler

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
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
		for _, k := range []string{"why_not_useful", "workplace_other", "years", "arrival"} {
			if !strings.Contains(bad.Body, `"`+k+`"`) {
				t.Errorf("422 does not name %s: %s", k, bad.Body)
			}
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
				Key     string
				N       int
				Missing int
				Options []struct {
					Value string
					Count int
				}
			}
		}
		if err := json.Unmarshal([]byte(r.Body), &sum); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, qs := range sum.Questions {
			got[qs.Key] = fmt.Sprintf("n=%d missing=%d %v", qs.N, qs.Missing, qs.Options)
		}
		for key, want := range map[string]string{
			"workplace": "n=3 missing=0 [{police 1} {court 1} {other 1}]",
			"about":     "n=0 missing=0 []",
			"years":     "n=2 missing=1 []",
		} {
			if got[key] != want {
				t.Errorf("%s: %s, want %s", key, got[key], want)
			}
		}
		if r := a.get(base+"/report.xlsx", bearer(token)...); r.Code != http.StatusOK || !strings.HasPrefix(r.Body, "PK") {
			t.Errorf("annex: %d", r.Code)
		}
		r = a.get(base+"/responses.csv", bearer(token)...)
		if r.Code != http.StatusOK || !strings.Contains(r.Body, `"2018-01-15"`) && !strings.Contains(r.Body, "2018-01-15") {
			t.Errorf("responses.csv: %d\n%s", r.Code, r.Body)
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
