package handler

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service"
)

// The browser tests answer the demo the way a participant does: in WeChat's
// browser on a 360-px phone, by tapping. They need one database only (the
// contract tests cover MySQL), so they run on SQLite.

// demoTaps are the choices a participant taps for the demo, as question key
// and option value; comments is typed.
var demoTaps = [][2]string{
	{"knowledge_improved", "5"}, {"participation_encouraged", "5"}, {"useful_relevant", "4"},
	{"cooperation_facilitated", "5"}, {"speakers_quality", "4"}, {"organisation_good", "na"},
	{"apply_learning", "3"}, {"workplace", "police"}, {"topics_useful", "identification"},
	{"topics_useful", "legal"}, {"overall", "5"}, {"recommend", "9"},
}

const demoComment = "很好的研讨会, thank you"

// wantDemoRows is what the database must hold after demoTaps and demoComment.
func wantDemoRows() map[string][]string {
	want := map[string][]string{"comments": {demoComment}}
	for _, tap := range demoTaps {
		want[tap[0]] = append(want[tap[0]], tap[1])
	}
	return want
}

func choiceSelector(key, value string) string {
	return fmt.Sprintf(`label.choice:has(input[name="q.%s"][value="%s"])`, key, value)
}

func browserDo(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func browserEval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// acceptLanguage makes the browser send the Accept-Language of a phone set
// to that language (WeChat passes the phone's language on).
func acceptLanguage(t *testing.T, ctx context.Context, value string) {
	t.Helper()
	_, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": value}})
	if err != nil {
		t.Fatal(err)
	}
}

// assertFitsPhone fails when the page scrolls sideways at 360 px or a tap
// target on show is smaller than 44 px (a hidden question's are not on show).
func assertFitsPhone(t *testing.T, ctx context.Context) {
	t.Helper()
	if w := browserEval[int](t, ctx, `document.documentElement.scrollWidth`); w > 360 {
		t.Errorf("page is %d px wide at a 360-px viewport: it scrolls sideways", w)
	}
	small := browserEval[[]string](t, ctx, `Array.from(document.querySelectorAll("label.choice, button, .lang a, input[type=text], input[type=date], textarea"))
		.filter(e => e.offsetParent !== null)
		.filter(e => { const r = e.getBoundingClientRect(); return r.height < 44 || r.width < 44; })
		.map(e => e.outerHTML.slice(0, 80) + " " + Math.round(e.getBoundingClientRect().width) + "x" + Math.round(e.getBoundingClientRect().height))`)
	if len(small) > 0 {
		t.Errorf("tap targets smaller than 44x44 px: %v", small)
	}
}

func fillDemo(t *testing.T, ctx context.Context) {
	t.Helper()
	for _, tap := range demoTaps {
		browserDo(t, ctx, chromedp.Tap(chromedp.CSS(choiceSelector(tap[0], tap[1]))))
	}
	browserDo(t, ctx,
		chromedp.Tap(chromedp.CSS(`textarea[name="q.comments"]`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name="q.comments"]`), demoComment),
	)
}

// storedAnswers reads one response's answers back as text, per question key.
func storedAnswers(t *testing.T, db *gorm.DB, q *service.Loaded, responseID uint64) map[string][]string {
	t.Helper()
	keyOf := map[uint64]string{}
	for k, id := range q.QuestionIDs {
		keyOf[id] = k
	}
	var rows []model.Answer
	if err := db.Where("response_id = ?", responseID).Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, r := range rows {
		var v string
		switch {
		case r.NA:
			v = "na"
		case r.Num != nil:
			v = strconv.Itoa(*r.Num)
		case r.Option != nil:
			v = *r.Option
		case r.Text != nil:
			v = *r.Text
		}
		got[keyOf[r.QuestionID]] = append(got[keyOf[r.QuestionID]], v)
	}
	for k := range got {
		slices.Sort(got[k])
	}
	return got
}

func assertSameAnswers(t *testing.T, got, want map[string][]string) {
	t.Helper()
	for k := range want {
		slices.Sort(want[k])
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("stored answers\n got %v\nwant %v", got, want)
	}
}

func TestBrowserAnswersDemoInBothLanguages(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db)
	q := a.demo()
	cases := []struct {
		lang, acceptLanguage, submit, thanks string
	}{
		// A phone set to Chinese gets the questionnaire's default, Chinese.
		{"zh", "zh-CN,zh;q=0.9", "提交", "您的评估已记录"},
		// A European expert switches to English with the toggle.
		{"en", "zh-CN,zh;q=0.9", "Submit", "Your evaluation has been recorded"},
	}
	for _, tc := range cases {
		t.Run(tc.lang, func(t *testing.T) {
			ctx := newBrowser(t)
			acceptLanguage(t, ctx, tc.acceptLanguage)
			browserDo(t, ctx, chromedp.Navigate(a.ts.URL+"/s/"+q.Slug))
			if tc.lang == "en" {
				browserDo(t, ctx, chromedp.Tap(chromedp.CSS(`nav.lang a[hreflang="en"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #qform`)))
			}
			if got := browserEval[string](t, ctx, `document.documentElement.lang`); !strings.HasPrefix(got, tc.lang) {
				t.Fatalf("page language %q, want %s", got, tc.lang)
			}
			if got := browserEval[string](t, ctx, `document.querySelector("button[type=submit]").textContent`); got != tc.submit {
				t.Errorf("submit button says %q, want %q", got, tc.submit)
			}
			assertFitsPhone(t, ctx)
			assertLoadedWithinBudget(t, ctx)
			screenshot(t, ctx, "participant-"+tc.lang)
			fillDemo(t, ctx)
			assertFitsPhone(t, ctx)
			screenshot(t, ctx, "participant-filled-"+tc.lang)

			browserDo(t, ctx,
				chromedp.Tap(chromedp.CSS(`button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`.message.ok`)),
			)
			loc := browserEval[string](t, ctx, `location.pathname + location.search`)
			if loc != "/s/"+q.Slug+"/thanks?lang="+tc.lang {
				t.Errorf("after submitting the browser is at %s", loc)
			}
			if body := browserEval[string](t, ctx, `document.body.innerText`); !strings.Contains(body, tc.thanks) {
				t.Errorf("thanks page says %q, want %q", body, tc.thanks)
			}
			if n := browserEval[int](t, ctx, `localStorage.length`); n != 0 {
				t.Errorf("%d drafts left in localStorage after a confirmed submission", n)
			}
			screenshot(t, ctx, "participant-thanks-"+tc.lang)

			var r model.Response
			if err := db.Where("questionnaire_id = ? AND lang = ?", q.ID, tc.lang).Take(&r).Error; err != nil {
				t.Fatalf("no %s response stored: %v", tc.lang, err)
			}
			if r.Channel != model.ChannelWeb {
				t.Errorf("channel %q, want web", r.Channel)
			}
			assertSameAnswers(t, storedAnswers(t, db, q, r.ID), wantDemoRows())

			// Coming back shows that the answer is recorded, not the form.
			browserDo(t, ctx, chromedp.Navigate(a.ts.URL+"/s/"+q.Slug+"?lang="+tc.lang))
			if n := browserEval[int](t, ctx, `document.querySelectorAll("form").length`); n != 0 {
				t.Errorf("coming back shows the form again")
			}
		})
	}
	if n := a.count(&model.Response{}); n != 2 {
		t.Fatalf("responses = %d, want 2", n)
	}
}

func TestBrowserPointsAtMissingAnswers(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db)
	q := a.demo()
	ctx := newBrowser(t)
	acceptLanguage(t, ctx, "zh-CN,zh;q=0.9")
	browserDo(t, ctx,
		chromedp.Navigate(a.ts.URL+"/s/"+q.Slug),
		chromedp.Tap(chromedp.CSS(choiceSelector("knowledge_improved", "5"))),
		chromedp.Tap(chromedp.CSS(choiceSelector("participation_encouraged", "4"))),
		chromedp.Tap(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("js-alert")),
	)
	if got := browserEval[string](t, ctx, `document.getElementById("js-alert").textContent`); got != "请回答标为红色的问题。" {
		t.Errorf("alert says %q", got)
	}
	missing := browserEval[[]string](t, ctx, `Array.from(document.querySelectorAll("fieldset.has-error")).map(f => f.dataset.key)`)
	want := []string{"useful_relevant", "cooperation_facilitated", "speakers_quality", "organisation_good", "apply_learning", "workplace", "overall"}
	if !slices.Equal(missing, want) {
		t.Errorf("questions marked missing %v, want %v", missing, want)
	}
	if got := browserEval[string](t, ctx, `document.getElementById("err-useful_relevant").textContent`); got != "此题为必答题。" {
		t.Errorf("message next to the first missing question: %q", got)
	}
	// The first missing question is scrolled into view (smooth scrolling
	// ends when it reaches the top of the viewport).
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const r = document.getElementById("q-useful_relevant").getBoundingClientRect(); return r.top >= -1 && r.top < 200; })()`)); err != nil {
		t.Errorf("the first missing question is not scrolled into view: %v", err)
	}
	if got := browserEval[string](t, ctx, `document.activeElement.name || ""`); got != "q.useful_relevant" {
		t.Errorf("focus is on %q, want the first missing question", got)
	}
	if screen, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		saveScreenshot(t, "participant-errors-viewport", screen)
	}
	screenshot(t, ctx, "participant-errors")
	assertFitsPhone(t, ctx)
	if n := a.count(&model.Response{}); n != 0 {
		t.Fatalf("an incomplete answer was sent: %d responses", n)
	}
	// Answering a marked question clears its mark.
	browserDo(t, ctx, chromedp.Tap(chromedp.CSS(choiceSelector("useful_relevant", "3"))))
	if n := browserEval[int](t, ctx, `document.querySelectorAll("#q-useful_relevant.has-error, #err-useful_relevant").length`); n != 0 {
		t.Errorf("the answered question is still marked")
	}
}

func TestBrowserDraftSurvivesReloadAndNetworkFailure(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db)
	q := a.demo()
	ctx := newBrowser(t)
	acceptLanguage(t, ctx, "en-GB,en;q=0.9")
	browserDo(t, ctx, chromedp.Navigate(a.ts.URL+"/s/"+q.Slug))
	fillDemo(t, ctx)
	browserDo(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("draft-note")))
	checked := browserEval[[]string](t, ctx, `Array.from(document.querySelectorAll("#qform input:checked")).map(i => i.name.slice(2) + "=" + i.value)`)
	var want []string
	for _, tap := range demoTaps {
		want = append(want, tap[0]+"="+tap[1])
	}
	if !slices.Equal(checked, want) {
		t.Errorf("after a reload checked %v, want %v", checked, want)
	}
	if got := browserEval[string](t, ctx, `document.querySelector("textarea[name='q.comments']").value`); got != demoComment {
		t.Errorf("comment after a reload %q", got)
	}
	screenshot(t, ctx, "participant-draft-restored")

	// The network drops: the answers stay and the participant is told.
	setOffline(t, ctx, true)
	browserDo(t, ctx,
		chromedp.Tap(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("net-error")),
	)
	if disabled := browserEval[bool](t, ctx, `document.querySelector("button[type=submit]").disabled`); disabled {
		t.Error("the submit button stays disabled after the network error")
	}
	if n := browserEval[int](t, ctx, `localStorage.length`); n != 1 {
		t.Errorf("drafts kept after a network error = %d, want 1", n)
	}
	screenshot(t, ctx, "participant-network-error")
	setOffline(t, ctx, false)
	browserDo(t, ctx,
		chromedp.Tap(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.message.ok`)),
	)
	var r model.Response
	if err := db.Take(&r).Error; err != nil {
		t.Fatal(err)
	}
	if r.Lang != "en" {
		t.Errorf("lang %q, want en", r.Lang)
	}
	assertSameAnswers(t, storedAnswers(t, db, q, r.ID), wantDemoRows())
}

func setOffline(t *testing.T, ctx context.Context, offline bool) {
	t.Helper()
	var rules []*network.Conditions
	if offline {
		rules = append(rules, &network.Conditions{Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
	}
	_, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: rules})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBrowserWithoutJavaScriptShowsServerErrors(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db)
	q := a.demo()
	ctx := newBrowser(t)
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	acceptLanguage(t, ctx, "en-US,en;q=0.9")
	browserDo(t, ctx,
		chromedp.Navigate(a.ts.URL+"/s/"+q.Slug),
		chromedp.Tap(chromedp.CSS(choiceSelector("knowledge_improved", "5"))),
		chromedp.Tap(chromedp.CSS(choiceSelector("topics_useful", "legal"))),
		chromedp.SendKeys(chromedp.CSS(`textarea[name="q.comments"]`), demoComment),
		chromedp.Tap(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("form-errors")),
	)
	if got := browserEval[bool](t, ctx, `document.getElementById("js-alert").hidden && document.querySelectorAll("#qform").length === 1`); !got {
		t.Error("the script ran although JavaScript is off")
	}
	for _, key := range []string{"participation_encouraged", "workplace", "overall"} {
		if got := browserEval[string](t, ctx, `(document.getElementById("err-`+key+`") || {}).textContent || ""`); got != "This question requires an answer." {
			t.Errorf("server error next to %s: %q", key, got)
		}
	}
	checked := browserEval[[]string](t, ctx, `Array.from(document.querySelectorAll("#qform input:checked")).map(i => i.name.slice(2) + "=" + i.value)`)
	if !slices.Equal(checked, []string{"knowledge_improved=5", "topics_useful=legal"}) {
		t.Errorf("answers kept after the server's errors: %v", checked)
	}
	if got := browserEval[string](t, ctx, `document.querySelector("textarea[name='q.comments']").value`); got != demoComment {
		t.Errorf("comment kept after the server's errors: %q", got)
	}
	assertFitsPhone(t, ctx)
	screenshot(t, ctx, "participant-nojs-errors")
	if n := a.count(&model.Response{}); n != 0 {
		t.Fatalf("responses after an incomplete form = %d", n)
	}

	for _, tap := range demoTaps {
		if tap == [2]string{"knowledge_improved", "5"} || tap == [2]string{"topics_useful", "legal"} {
			continue
		}
		browserDo(t, ctx, chromedp.Tap(chromedp.CSS(choiceSelector(tap[0], tap[1]))))
	}
	browserDo(t, ctx,
		chromedp.Tap(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.message.ok`)),
	)
	screenshot(t, ctx, "participant-thanks-nojs")
	var r model.Response
	if err := db.Take(&r).Error; err != nil {
		t.Fatal(err)
	}
	if r.Lang != "en" {
		t.Errorf("lang %q, want en", r.Lang)
	}
	assertSameAnswers(t, storedAnswers(t, db, q, r.ID), wantDemoRows())
}

// saveScreenshot writes a viewport capture beside the full-page ones.
func saveScreenshot(t *testing.T, name string, png []byte) {
	t.Helper()
	dir := filepath.Join("..", "testdata", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// assertLoadedWithinBudget checks what the browser itself loaded: nothing
// from another origin, and no more than the page budget on the wire.
func assertLoadedWithinBudget(t *testing.T, ctx context.Context) {
	t.Helper()
	type loaded struct {
		Total   int      `json:"total"`
		Count   int      `json:"count"`
		Foreign []string `json:"foreign"`
	}
	got := browserEval[loaded](t, ctx, `(() => {
		const es = [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")];
		return {total: es.reduce((s, e) => s + e.transferSize, 0), count: es.length,
			foreign: es.filter(e => !e.name.startsWith(location.origin + "/")).map(e => e.name)};
	})()`)
	if len(got.Foreign) > 0 {
		t.Errorf("the page loaded from other origins: %v", got.Foreign)
	}
	if got.Count < 3 || got.Total == 0 {
		t.Errorf("the browser reports %d loads of %d bytes: expected the page, its CSS and its script", got.Count, got.Total)
	}
	if got.Total > participantPageBudget {
		t.Errorf("the browser transferred %d bytes, over the budget of %d", got.Total, participantPageBudget)
	}
}

// TestBrowserRetriesALostAnswerWithTheSameSubmission loses the server's
// answer to the first post (the response is stored, the phone never hears
// back): the page retries with the same submission_id, the server answers
// 200 already_recorded, and one response is stored.
func TestBrowserRetriesALostAnswerWithTheSameSubmission(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db)
	q := a.demo()
	ctx := newBrowser(t)
	acceptLanguage(t, ctx, "zh-CN,zh;q=0.9")
	browserDo(t, ctx, chromedp.Navigate(a.ts.URL+"/s/"+q.Slug))
	fillDemo(t, ctx)

	paused := chromedp.Events(ctx, fetch.RequestPaused) // subscribe before enabling
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{
		URLPattern: "*/s/" + q.Slug + "?*", ResourceType: network.ResourceTypeFetch, RequestStage: fetch.RequestStageResponse,
	}}}); err != nil {
		t.Fatal(err)
	}
	posted := make(chan string, 10)
	go func() {
		n := 0
		for ev, err := range paused {
			if err != nil {
				return
			}
			var body strings.Builder
			for _, e := range ev.Request.PostDataEntries {
				body.Write(e.Bytes)
			}
			posted <- body.String()
			if n++; n == 1 {
				_, _ = chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonConnectionReset})
				continue
			}
			_, _ = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
		}
	}()
	browserDo(t, ctx,
		chromedp.Tap(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.message.ok`)),
	)
	var ids []string
	for len(posted) > 0 {
		var sub struct {
			SubmissionID string         `json:"submission_id"`
			Lang         string         `json:"lang"`
			Answers      map[string]any `json:"answers"`
		}
		body := <-posted
		if err := json.Unmarshal([]byte(body), &sub); err != nil {
			t.Fatalf("posted %q: %v", body, err)
		}
		ids = append(ids, sub.SubmissionID)
		// The JSON types of the contract.
		if _, ok := sub.Answers["knowledge_improved"].(float64); !ok || sub.Answers["organisation_good"] != "na" || sub.Lang != "zh" {
			t.Errorf("posted answers %v", sub.Answers)
		}
		if topics, ok := sub.Answers["topics_useful"].([]any); !ok || len(topics) != 2 {
			t.Errorf("multi answer posted as %#v, want a list", sub.Answers["topics_useful"])
		}
	}
	if len(ids) != 2 || ids[0] != ids[1] {
		t.Fatalf("posts seen %v: want the lost one and one retry with the same submission_id", ids)
	}
	var rs []model.Response
	db.Find(&rs)
	if len(rs) != 1 || rs[0].SubmissionID != ids[0] {
		t.Fatalf("responses %+v, want one with submission_id %s", rs, ids[0])
	}
}

// TestBrowserFollowsTheServerWhenItRefuses: the questionnaire closes while a
// participant answers (403: the page reloads and says it is closed), and a
// server-side validation error (422) is shown next to its question.
func TestBrowserFollowsTheServerWhenItRefuses(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db)
	q := a.demo()
	ctx := newBrowser(t)
	acceptLanguage(t, ctx, "en-GB,en;q=0.9")
	browserDo(t, ctx, chromedp.Navigate(a.ts.URL+"/s/"+q.Slug))
	fillDemo(t, ctx)

	// A text longer than allowed gets past the browser (maxlength removed,
	// as an old browser might) and is refused by the server.
	browserDo(t, ctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const c = document.querySelector("textarea[name='q.comments']");
		c.removeAttribute("maxlength");
		c.value = "x".repeat(2001);
	})()`),
		chromedp.Tap(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("err-comments")),
	)
	if got := browserEval[string](t, ctx, `document.getElementById("err-comments").textContent`); got != "This answer is too long." {
		t.Errorf("422 shown as %q", got)
	}
	if got := browserEval[bool](t, ctx, `!document.querySelector("button[type=submit]").disabled && !document.getElementById("js-alert").hidden`); !got {
		t.Error("after a 422 the button must be usable again and the alert shown")
	}
	if n := a.count(&model.Response{}); n != 0 {
		t.Fatalf("responses after a 422: %d", n)
	}

	if err := db.Model(&model.Questionnaire{}).Where("id = ?", q.ID).Update("status", model.StatusClosed).Error; err != nil {
		t.Fatal(err)
	}
	browserDo(t, ctx,
		chromedp.SetValue(chromedp.CSS(`textarea[name="q.comments"]`), demoComment),
		chromedp.Tap(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.message.closed`)),
	)
	if body := browserEval[string](t, ctx, `document.body.innerText`); !strings.Contains(body, "This questionnaire is closed") {
		t.Errorf("after a 403 the page says %q", body)
	}
	if n := browserEval[int](t, ctx, `localStorage.length`); n != 1 {
		t.Errorf("drafts kept after the questionnaire closed: %d, want 1 (nothing typed is thrown away)", n)
	}
	screenshot(t, ctx, "participant-closed-en")
	if n := a.count(&model.Response{}); n != 0 {
		t.Fatalf("responses stored after closing: %d", n)
	}
}

// TestBrowserLaptopLayout: organisers and European experts open the link on
// a laptop too; the agreement scale then reads as one row.
func TestBrowserLaptopLayout(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db)
	q := a.demo()
	ctx := newBrowser(t)
	browserDo(t, ctx,
		chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(a.ts.URL+"/s/"+q.Slug+"?lang=en"),
	)
	if w := browserEval[int](t, ctx, `document.documentElement.scrollWidth`); w > 1280 {
		t.Errorf("page is %d px wide on a 1280-px laptop", w)
	}
	rows := browserEval[int](t, ctx, `new Set(Array.from(document.querySelectorAll("#q-organisation_good label.choice")).map(l => Math.round(l.getBoundingClientRect().top))).size`)
	if rows != 1 {
		t.Errorf("the agreement scale takes %d rows on a laptop, want 1", rows)
	}
	nps := browserEval[int](t, ctx, `new Set(Array.from(document.querySelectorAll("#q-recommend label.choice")).map(l => Math.round(l.getBoundingClientRect().top))).size`)
	if nps != 1 {
		t.Errorf("the 0-10 scale takes %d rows on a laptop, want 1", nps)
	}
	screenshot(t, ctx, "participant-laptop-en")
}

// The privacy notice opens on a tap, inside the phone's width; and when the
// network's budget is spent (here one answer per window with the form token,
// already used by another phone on the same address) the page says so and
// keeps the answers instead of going to the thank-you page.
func TestBrowserPrivacyNoticeAndSpentBudget(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db, func(c *service.Config) { c.Server.SubmitBudget = 1 })
	q := a.demo()
	ctx := newBrowser(t)
	browserDo(t, ctx, chromedp.Navigate(a.ts.URL+"/s/"+q.Slug+"?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS(`#privacy summary`)),
		chromedp.Tap(chromedp.CSS(`#privacy summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#privacy p`)),
	)
	if !browserEval[bool](t, ctx, `document.getElementById("privacy").open`) {
		t.Fatal("the privacy notice did not open")
	}
	if w := browserEval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
		t.Errorf("the page is %d px wider than the phone with the notice open", w)
	}
	if txt := browserEval[string](t, ctx, `document.getElementById("privacy").innerText`); !strings.Contains(txt, "主办方收集这些答复") {
		t.Errorf("notice reads %q", txt)
	}
	screenshot(t, ctx, "privacy-notice-zh")

	// Another phone behind the same address has used the budget.
	token := a.srv.formToken(q.ID, a.now)
	body := map[string]any{"submission_id": "budget-other-phone-0000-000000000000", "lang": "zh", "answers": fullDemoAnswers(), "form_token": token}
	if r := a.do(&http.Client{}, http.MethodPost, "/s/"+q.Slug, "application/json", strings.NewReader(mustJSON(body))); r.Code != http.StatusCreated {
		t.Fatalf("the other phone: %d %s", r.Code, r.Body)
	}
	fillDemo(t, ctx)
	browserDo(t, ctx,
		chromedp.Tap(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("js-alert")),
	)
	if txt := browserEval[string](t, ctx, `document.getElementById("js-alert").textContent`); !strings.Contains(txt, "来自您所在网络的答卷过多") {
		t.Errorf("over the budget the page says %q", txt)
	}
	if n := a.count(&model.Response{}); n != 1 {
		t.Errorf("%d responses, want only the other phone's", n)
	}
	if !browserEval[bool](t, ctx, `!document.querySelector("button[type=submit]").disabled && localStorage.length === 1`) {
		t.Error("over the budget the button must be usable again and the draft kept")
	}
	screenshot(t, ctx, "participant-over-budget-zh")
}
