package handler

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service/definition"
)

// The editor is used on a laptop: these tests drive it at 1366×900.

func edDo(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// edSubmit clicks a button that posts the page and waits for the new page.
// The button is scrolled to the middle of the window first, as a person
// would, so that the sticky save bar does not cover it.
func edSubmit(t *testing.T, ctx context.Context, selector string) {
	t.Helper()
	// Mark the document, so that a new one can be told from it afterwards.
	edDo(t, ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`window.__edBefore = true; document.querySelector(%q).scrollIntoView({block: "center"})`, selector)))
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	_, err := chromedp.Run(cctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(selector))))
	cancel()
	if err == nil {
		return
	}
	// The load event can be missed on a loaded machine; what matters is that
	// the post produced a new, fully loaded document.
	for range 50 {
		fresh, ferr := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__edBefore === undefined && document.readyState === "complete"`))
		if ferr == nil && fresh {
			return
		}
		time.Sleep(200 * time.Millisecond) // polling the browser, not timing the service
	}
	t.Fatalf("click %s: no new page (%v)", selector, err)
}

// edWaitFor polls a JavaScript condition (10 s at most).
func edWaitFor(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// edScreenshot saves what a person sees in the laptop window, with the
// element at selector scrolled to the top (a full-page capture would draw
// the sticky save bar and preview where no window ever shows them).
func edScreenshot(t *testing.T, ctx context.Context, name, selector string) {
	t.Helper()
	edDo(t, ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: "start"})`, selector)))
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join("..", "testdata", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

func field(name string) chromedp.CSS { return chromedp.CSS(fmt.Sprintf(`[name=%q]`, name)) }

const previewText = `(document.getElementById("preview-frame").contentDocument || {body: null}).body`

func TestEditorBuildsAQuestionnaireInTheBrowser(t *testing.T) {
	// One database is enough here: the browser test needs one database; the HTTP tests cover MySQL.
	func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		a.fastPasswords()
		if _, err := a.srv.users.Create(context.Background(), "editor", model.RoleStaff, "correct horse battery staple"); err != nil {
			t.Fatal(err)
		}
		def, err := definition.ParseDefinition([]byte(`
slug: workshop-2027
title: {en: Workshop feedback, zh: 研讨班反馈}
intro: {en: Three questions about the workshop., zh: 关于研讨班的三个问题。}
sections:
  - title: {en: Your views, zh: 您的看法}
    questions:
      - {key: comments, type: longtext, text: {en: "Any comments?", zh: 您有什么意见？}}
`))
		if err != nil {
			t.Fatal(err)
		}
		q, err := a.srv.questionnaires.Import(context.Background(), def)
		if err != nil {
			t.Fatal(err)
		}
		editURL := fmt.Sprintf("%s/admin/questionnaires/%d", a.ts.URL, q.ID)

		ctx := newBrowser(t)
		edDo(t, ctx, chromedp.EmulateViewport(1366, 900), chromedp.Navigate(a.ts.URL+"/admin/login?next="+url.QueryEscape("/admin/questionnaires/")+fmt.Sprint(q.ID)))
		edDo(t, ctx, chromedp.SendKeys(field("name"), "editor"), chromedp.SendKeys(field("password"), "correct horse battery staple"))
		edSubmit(t, ctx, `form button[type=submit]`)
		if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc != editURL {
			t.Fatalf("after login at %s, want the editor %s", loc, editURL)
		}

		// A Likert statement, in both languages.
		edDo(t, ctx, chromedp.SetValue(field("addtype0"), "likert"))
		edSubmit(t, ctx, `button[value="add:0"]`)
		edDo(t, ctx,
			chromedp.SetValue(field("q1.key"), "useful"),
			chromedp.SendKeys(field("q1.text.en"), "The workshop was useful for my work."),
			chromedp.SendKeys(field("q1.text.zh"), "研讨班对我的工作有用。"),
			chromedp.SendKeys(field("q1.report.en"), "the workshop was useful for their work"),
			chromedp.SendKeys(field("q1.report.zh"), "研讨班对他们的工作有用"),
			chromedp.Click(field("q1.required")),
		)
		// The live preview (in the first language, Chinese) follows the typing.
		edWaitFor(t, ctx, "the live preview", previewText+`?.innerText.includes("研讨班对我的工作有用。")`)

		// A single choice with three options in both languages.
		edDo(t, ctx, chromedp.SetValue(field("addtype0"), "single"))
		edSubmit(t, ctx, `button[value="add:0"]`)
		edSubmit(t, ctx, `button[value="addopt:2"]`)
		edDo(t, ctx,
			chromedp.SetValue(field("q2.key"), "role"),
			chromedp.SendKeys(field("q2.text.en"), "What is your role?"),
			chromedp.SendKeys(field("q2.text.zh"), "您的角色是什么？"),
		)
		for i, o := range [][3]string{{"police", "Police officer", "警务人员"}, {"prosecutor", "Prosecutor", "检察官"}, {"other", "Other", "其他"}} {
			edDo(t, ctx,
				chromedp.SetValue(field(fmt.Sprintf("q2.o%d.value", i)), o[0]),
				chromedp.SendKeys(field(fmt.Sprintf("q2.o%d.label.en", i)), o[1]),
				chromedp.SendKeys(field(fmt.Sprintf("q2.o%d.label.zh", i)), o[2]),
			)
		}
		// Reorder the options (prosecutor first), then the questions: role
		// first, then the statement, comments last.
		edSubmit(t, ctx, `button[value="optup:2:1"]`)
		edSubmit(t, ctx, `button[value="up:2"]`)
		edSubmit(t, ctx, `button[value="down:0"]`)
		edSubmit(t, ctx, `button[value="down:1"]`)
		order, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".qcard input[name$='.key']")].map(e => e.value)`))
		if err != nil || strings.Join(order, ",") != "role,useful,comments" {
			t.Fatalf("order after moving: %v %v", order, err)
		}
		// The English preview of the unsaved state.
		edDo(t, ctx, chromedp.SetValue(chromedp.ID("preview-lang"), "en"), chromedp.Click(chromedp.ID("preview-button")))
		edWaitFor(t, ctx, "the English preview", previewText+`?.innerText.includes("What is your role?") && `+previewText+`.innerText.includes("Prosecutor") && `+previewText+`.innerText.includes("Strongly agree")`)
		edScreenshot(t, ctx, "editor-built-laptop", "#section-0")

		edSubmit(t, ctx, `#save-button`)
		edWaitFor(t, ctx, "the saved notice", `document.querySelector(".flash")?.innerText.includes("Saved.")`)
		edScreenshot(t, ctx, "editor-saved-laptop", "body")

		var rows []model.Question
		db.Where("questionnaire_id = ?", q.ID).Order("position").Find(&rows)
		var got []string
		for _, r := range rows {
			got = append(got, fmt.Sprintf("%s:%s:%d:%t", r.Key, r.Type, r.Position, r.Required))
		}
		if strings.Join(got, " ") != "role:single:0:false useful:likert:1:true comments:longtext:2:false" {
			t.Fatalf("question rows: %v", got)
		}
		l, err := a.srv.questionnaires.Load(context.Background(), q.ID)
		if err != nil {
			t.Fatal(err)
		}
		role, _ := l.Def.Question("role")
		useful, _ := l.Def.Question("useful")
		if len(role.Options) != 3 || role.Options[0].Value != "prosecutor" || role.Options[0].Label["zh"] != "检察官" || role.Options[1].Value != "police" || useful.Report["zh"] != "研讨班对他们的工作有用" || useful.Scale != nil {
			t.Fatalf("saved definition: role %+v useful %+v", role, useful)
		}

		// After a response the editor says the structure is frozen.
		if _, err := a.srv.questionnaires.SetStatus(context.Background(), q.ID, model.StatusOpen); err != nil {
			t.Fatal(err)
		}
		if w := a.postJSON("/s/workshop-2027", submission("browser-editor-1", map[string]any{"role": "police", "useful": 5})); w.Code != 201 {
			t.Fatalf("submit: %d %s", w.Code, w.Body)
		}
		edDo(t, ctx, chromedp.Navigate(editURL))
		edWaitFor(t, ctx, "the frozen notice", `!!document.getElementById("frozen-notice") && !document.querySelector('button[value^="up:"]') && document.querySelector('[name="q0.key"]').readOnly`)
		edScreenshot(t, ctx, "editor-frozen-laptop", "body")

		// The participant page as the preview shows it, on a phone.
		edDo(t, ctx, chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile), chromedp.Navigate(editURL+"/preview?lang=zh"))
		edWaitFor(t, ctx, "the preview page", `document.body.innerText.includes("研讨班对我的工作有用。")`)
		screenshot(t, ctx, "editor-preview-phone-zh")

		// The list and the "new" page, in Chinese.
		edDo(t, ctx, chromedp.EmulateViewport(1366, 900), chromedp.Navigate(a.ts.URL+"/admin/questionnaires?lang=zh"))
		edWaitFor(t, ctx, "the list", `document.body.innerText.includes("workshop-2027") && document.body.innerText.includes("新建问卷")`)
		edScreenshot(t, ctx, "questionnaires-list-zh", "body")
		edDo(t, ctx, chromedp.Navigate(a.ts.URL+"/admin/questionnaires/new"))
		edWaitFor(t, ctx, "the new page", `document.body.innerText.includes("使用标准模板") && document.body.innerText.includes("XLSForm")`)
		edScreenshot(t, ctx, "questionnaire-new-zh", "body")
	}(t, modeltest.Open(t, modeltest.Targets(t)[0]))
}
