package handler

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"seminareval/model"
	"seminareval/model/modeltest"
)

// With JavaScript, on a 360-px phone in WeChat's browser: the follow-up
// appears when the participant disagrees and disappears (its text cleared,
// not sent, not in the draft) when they change their mind; the police
// section appears only for the police; the words of the conditions are not
// shown, since the page follows them itself.
func TestBrowserSkipLogicShowsAndHidesAsTheParticipantAnswers(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db)
	q := a.importDefinition(skipLogicDef)
	ctx := newBrowser(t)
	browserDo(t, ctx, chromedp.Navigate(a.ts.URL+"/s/"+q.Slug+"?lang=en"), chromedp.WaitVisible(chromedp.CSS(`#qform`)))
	visible := func(id string) bool {
		return browserEval[bool](t, ctx, `(function(){var e=document.getElementById("`+id+`");return !!e && e.offsetParent !== null})()`)
	}
	if visible("q-why_not_useful") || visible("q-unit") {
		t.Fatal("conditional questions are shown before anything is answered")
	}
	if n := browserEval[int](t, ctx, `Array.from(document.querySelectorAll(".cond")).filter(e => e.offsetParent !== null).length`); n != 0 {
		t.Errorf("%d conditions in words are shown although the page applies them", n)
	}
	browserDo(t, ctx, chromedp.Tap(chromedp.CSS(choiceSelector("useful", "2"))), chromedp.WaitVisible(chromedp.CSS(`#q-why_not_useful textarea`)))
	browserDo(t, ctx, chromedp.SendKeys(chromedp.CSS(`#q-why_not_useful textarea`), "More cases"))
	assertFitsPhone(t, ctx)
	screenshot(t, ctx, "skiplogic-followup-en")
	// A change of mind: the follow-up goes, and its text with it.
	browserDo(t, ctx, chromedp.Tap(chromedp.CSS(choiceSelector("useful", "4"))))
	if visible("q-why_not_useful") {
		t.Fatal("the follow-up stays after agreeing")
	}
	if v := browserEval[string](t, ctx, `document.querySelector("#q-why_not_useful textarea").value`); v != "" {
		t.Errorf("hidden follow-up keeps %q", v)
	}
	if d := browserEval[string](t, ctx, `JSON.stringify(Object.values(localStorage))`); d == "" || slices.Contains([]string{"More cases"}, d) {
		t.Errorf("draft %s", d)
	}
	browserDo(t, ctx, chromedp.Tap(chromedp.CSS(choiceSelector("workplace", "police"))), chromedp.WaitVisible(chromedp.CSS(`input[name="q.unit"]`)))
	browserDo(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`input[name="q.unit"]`), "Border police"),
		chromedp.SendKeys(chromedp.CSS(`input[name="q.years"]`), "１２"), // a Chinese keyboard's full-width digits
		// A WebView without a date picker shows a text box: the date typed
		// the Chinese way is sent as YYYY-MM-DD.
		chromedp.Evaluate[chromedp.Void](`document.querySelector('input[name="q.arrival"]').type = "text"`),
		chromedp.SendKeys(chromedp.CSS(`input[name="q.arrival"]`), "2018年1月15日"),
	)
	if mode := browserEval[string](t, ctx, `document.querySelector('input[name="q.years"]').inputMode`); mode != "numeric" {
		t.Errorf("years input mode %q, want numeric (the phone's number pad)", mode)
	}
	assertFitsPhone(t, ctx)
	screenshot(t, ctx, "skiplogic-police-en")
	browserDo(t, ctx, chromedp.Tap(chromedp.CSS(`button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.message.ok`)))

	var r model.Response
	if err := db.Where("questionnaire_id = ?", q.ID).Take(&r).Error; err != nil {
		t.Fatalf("no response stored: %v", err)
	}
	got := storedAnswers(t, db, q, r.ID)
	if _, ok := got["why_not_useful"]; ok {
		t.Errorf("the cleared follow-up was stored: %v", got)
	}
	if u := got["unit"]; len(u) != 1 || u[0] != "Border police" {
		t.Errorf("stored %v, want unit Border police", got)
	}
	if y := got["years"]; len(y) != 1 || y[0] != "12" {
		t.Errorf("stored %v, want years 12 (from １２)", got)
	}
	if d := got["arrival"]; len(d) != 1 || d[0] != "2018-01-15" {
		t.Errorf("stored %v, want arrival 2018-01-15 (from 2018年1月15日)", got)
	}
}

// The dashboard of a questionnaire with skip logic at 1280 px: who was
// asked each conditional item, the number and date cards, the "Other"
// texts under their choice (testdata/screenshots/report-skiplogic.png).
func TestBrowserSkipLogicDashboard(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db)
	q := a.importDefinition(skipLogicDef)
	for i, ans := range []map[string]any{
		{"useful": 5, "workplace": "police", "unit": "Border", "years": 12, "arrival": "2018-01-15"},
		{"useful": 2, "why_not_useful": "More cases from the region, and time for the joint investigation exercise", "workplace": "other", "workplace_other": "Customs", "years": 3},
		{"useful": 4, "workplace": "court", "years": 25, "arrival": "2018-01-12"},
		{"useful": 1, "why_not_useful": "翻译不够", "workplace": "other", "workplace_other": "海关缉私局", "years": 8},
		{"useful": 5, "workplace": "police", "unit": "Criminal investigation", "years": 17, "arrival": "2018-01-14"},
	} {
		if r := a.postJSON("/s/"+q.Slug, submission("skip-dash-"+strconv.Itoa(i)+"aaaa", ans)); r.Code != http.StatusCreated {
			t.Fatalf("submit %d: %d %s", i, r.Code, r.Body)
		}
	}
	a.reportUser("dash-admin", model.RoleAdmin)
	ctx := newBrowser(t)
	browserDo(t, ctx, chromedp.EmulateViewport(1280, 900))
	browserDo(t, ctx, consoleSignInActions(a.ts.URL, "dash-admin", "correct horse battery staple")...)
	browserDo(t, ctx,
		chromedp.Navigate(fmt.Sprintf("%s/admin/questionnaires/%d/report?lang=en", a.ts.URL, q.ID)),
		chromedp.WaitVisible(chromedp.CSS(`#number-years`)),
	)
	if w := browserEval[int](t, ctx, `document.documentElement.scrollWidth`); w > 1280 {
		t.Errorf("the dashboard is %d px wide at 1280", w)
	}
	if got := browserEval[string](t, ctx, `document.querySelector("#number-years dl").innerText.replace(/\s+/g, " ")`); got != "Mean 13.00 Median 12 Range 3 – 25 SD 8.46" {
		t.Errorf("years card reads %q", got)
	}
	if n := browserEval[int](t, ctx, `document.querySelectorAll("#other-workplace li").length`); n != 2 {
		t.Errorf("%d other texts under workplace, want 2", n)
	}
	if n := browserEval[int](t, ctx, `document.querySelectorAll(".asked").length`); n != 2 {
		t.Errorf("%d 'asked only if' lines, want 2 (why_not_useful, unit)", n)
	}
	screenshot(t, ctx, "report-skiplogic")
}

// The editor's condition builder in the browser at 1366 px: the chosen
// question's answers are offered as values, the condition is added and
// shown in words, and the live preview applies it (the question appears
// once the condition holds) — testdata/screenshots/editor-conditions-laptop.png.
func TestBrowserEditorConditionBuilder(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db)
	q := a.importDefinition(skipLogicDef)
	a.reportUser("cond-editor", model.RoleStaff)
	ctx := newBrowser(t)
	browserDo(t, ctx, chromedp.EmulateViewport(1366, 900))
	browserDo(t, ctx, consoleSignInActions(a.ts.URL, "cond-editor", "correct horse battery staple")...)
	browserDo(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/admin/questionnaires/%d?lang=en", a.ts.URL, q.ID)), chromedp.WaitVisible(field("q5.cond_key")))
	if got := browserEval[string](t, ctx, `(function(){var s=document.querySelector('[name="q5.cond_key"]'); s.value="workplace"; s.dispatchEvent(new Event("change", {bubbles: true})); return document.querySelector('[name="q5.cond_value"]').getAttribute("list")})()`); got != "cond-vals-workplace" {
		t.Errorf("value field offers %q, want the answers of workplace", got)
	}
	browserDo(t, ctx, chromedp.SetValue(field("q5.cond_op"), "is"), chromedp.SendKeys(field("q5.cond_value"), "court"))
	edSubmit(t, ctx, `button[value="cond:5"]`)
	if got := browserEval[string](t, ctx, `document.querySelector('[name="q5.relevant"]').value`); got != "${workplace} = 'court'" {
		t.Fatalf("condition %q", got)
	}
	if !browserEval[bool](t, ctx, `document.querySelector("#q-arrival .cond-words").innerText.includes("Shown only if they chose “Court” for “Where do you work?”.")`) {
		t.Error("the condition is not shown in words")
	}
	// The live preview (the unsaved state, in English) hides the date until
	// "Court" is chosen there.
	// The frame holds the saved state's preview until the new one loads:
	// mark the old document and wait for a new one, whole.
	browserDo(t, ctx, chromedp.Evaluate[chromedp.Void](previewText+`?.setAttribute("data-stale", "1")`))
	browserDo(t, ctx, chromedp.SetValue(chromedp.ID("preview-lang"), "en"), chromedp.Click(chromedp.ID("preview-button")))
	edWaitFor(t, ctx, "the preview", `(function(){var d=document.getElementById("preview-frame").contentDocument; return !!d && d.readyState==="complete" && !!d.body && !d.body.hasAttribute("data-stale") && d.body.innerText.includes("Where do you work?") && !!d.querySelector('input[name="q.workplace"][value="court"]')})()`)
	shown := `(function(){var e=document.getElementById("preview-frame").contentDocument.getElementById("q-arrival"); return !!e && e.offsetParent !== null})()`
	if browserEval[bool](t, ctx, shown) {
		t.Error("the preview shows the date before Court is chosen")
	}
	// The live preview may post again while typing settles (editor.js): the
	// choice is clicked on whichever document the frame holds until the date shows.
	edWaitFor(t, ctx, "the date in the preview", `(function(){var d=document.getElementById("preview-frame").contentDocument; var e=d && d.querySelector('input[name="q.workplace"][value="court"]'); if (!e) return false; if (!e.checked) e.click(); return `+shown+`})()`)
	edScreenshot(t, ctx, "editor-conditions-laptop", "#q-arrival")
}

// Without JavaScript, in Chinese, on a 360-px phone: every question is
// shown with its condition in words; the server applies the rules (the
// follow-up a disagreeing participant left empty is named next to it, the
// answer to the police question of a court worker is not stored).
func TestBrowserSkipLogicWithoutJavaScriptInChinese(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db)
	q := a.importDefinition(skipLogicDef)
	ctx := newBrowser(t)
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	acceptLanguage(t, ctx, "zh-CN,zh;q=0.9")
	browserDo(t, ctx, chromedp.Navigate(a.ts.URL+"/s/"+q.Slug), chromedp.WaitVisible(chromedp.CSS(`#qform`)))
	words := browserEval[[]string](t, ctx, `Array.from(document.querySelectorAll(".cond")).filter(e => e.offsetParent !== null).map(e => e.innerText)`)
	if !slices.Contains(words, "如果您对“研讨会对我的工作有用。”的回答为“不同意”或“非常不同意”，请回答此题。") ||
		!slices.Contains(words, "如果您在“您在哪里工作？”中选择了“公安机关”，请回答本部分。") {
		t.Errorf("conditions in words: %q", words)
	}
	if !browserEval[bool](t, ctx, `document.getElementById("q-unit").offsetParent !== null && document.getElementById("q-why_not_useful").offsetParent !== null`) {
		t.Fatal("without JavaScript a conditional question is hidden")
	}
	assertFitsPhone(t, ctx)
	screenshot(t, ctx, "skiplogic-nojs-zh")
	browserDo(t, ctx,
		chromedp.Tap(chromedp.CSS(choiceSelector("useful", "2"))),
		chromedp.Tap(chromedp.CSS(choiceSelector("workplace", "court"))),
		chromedp.SendKeys(chromedp.CSS(`input[name="q.unit"]`), "刑侦"),
		chromedp.Tap(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("form-errors")),
	)
	if got := browserEval[string](t, ctx, `(document.getElementById("err-why_not_useful") || {}).textContent || ""`); got != "此题为必答题。" {
		t.Errorf("error next to the follow-up: %q", got)
	}
	if n := a.count(&model.Response{}); n != 0 {
		t.Fatalf("%d responses after a refused form", n)
	}
	screenshot(t, ctx, "skiplogic-nojs-errors-zh")
	browserDo(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`textarea[name="q.why_not_useful"]`), "案例太少"),
		chromedp.Tap(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.message.ok`)),
	)
	var r model.Response
	if err := db.Where("questionnaire_id = ?", q.ID).Take(&r).Error; err != nil {
		t.Fatal(err)
	}
	got := storedAnswers(t, db, q, r.ID)
	if _, ok := got["unit"]; ok {
		t.Errorf("the police question of a court worker was stored: %v", got)
	}
	if w := got["why_not_useful"]; len(w) != 1 || w[0] != "案例太少" || r.Lang != "zh" {
		t.Errorf("stored %v (lang %s)", got, r.Lang)
	}
}

// With JavaScript, in Chinese: a number the server refuses (a decimal where
// a whole number is asked) is named next to its question in Chinese.
func TestBrowserSkipLogicServerReasonInChinese(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db)
	q := a.importDefinition(skipLogicDef)
	ctx := newBrowser(t)
	browserDo(t, ctx, chromedp.Navigate(a.ts.URL+"/s/"+q.Slug+"?lang=zh"), chromedp.WaitVisible(chromedp.CSS(`#qform`)))
	browserDo(t, ctx,
		chromedp.Tap(chromedp.CSS(choiceSelector("useful", "4"))),
		chromedp.Tap(chromedp.CSS(choiceSelector("workplace", "court"))),
		chromedp.SendKeys(chromedp.CSS(`input[name="q.years"]`), "3.5"),
		chromedp.Tap(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("err-years")),
	)
	if got := browserEval[string](t, ctx, `document.getElementById("err-years").textContent`); !strings.Contains(got, "必须是整数") {
		t.Errorf("error next to years: %q", got)
	}
	if n := a.count(&model.Response{}); n != 0 {
		t.Errorf("%d responses stored", n)
	}
	screenshot(t, ctx, "skiplogic-server-reason-zh")
}
