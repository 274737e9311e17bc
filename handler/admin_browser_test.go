package handler

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service/servicetest"
)

func consoleDo(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func consoleEval[T any](t *testing.T, ctx context.Context, js string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// assertFitsLaptop fails when the page scrolls sideways at 1280 px.
func assertFitsLaptop(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	if w := consoleEval[int](t, ctx, `document.documentElement.scrollWidth`); w > 1280 {
		t.Errorf("%s is %d px wide at 1280: it scrolls sideways", page, w)
	}
}

// TestBrowserConsoleLoginAndRosterImport: staff sign in, upload an Excel
// roster, read the preview, confirm, and find the participants with their
// invitation links; a bad file shows its problems by row.
func TestBrowserConsoleLoginAndRosterImport(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db)
	q := a.demo()
	a.fastPasswords()
	if _, err := a.srv.users.Create(context.Background(), "wang.staff", model.RoleStaff, "staff password 2026"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "参会名单.xlsx")
	rows := [][]any{{"姓名", "单位", "国家", "组别", "邮箱", "电话"}}
	people := [][]any{
		{"王伟", "公安部刑事侦查局", "中国", "China", "wang.wei@example.cn", "+86 138 0000 0001"},
		{"李娜", "海南省公安厅", "中国", "China", "li.na@example.cn", "+86 138 0000 0002"},
		{"张强", "广东省公安厅", "中国", "China", "", "+86 138 0000 0003"},
		{"Anna Müller", "Bundeskriminalamt", "Germany", "Europe", "anna.mueller@example.de", ""},
		{"Pierre Dubois", "Police nationale", "France", "Europe", "pierre.dubois@example.fr", ""},
		{"Marta Kowalska", "Komenda Główna Policji", "Poland", "Europe", "marta.kowalska@example.pl", "+48 600 000 000"},
	}
	rows = append(rows, people...)
	if err := os.WriteFile(good, servicetest.Workbook(t, rows), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "roster-with-mistakes.xlsx")
	if err := os.WriteFile(bad, servicetest.Workbook(t, [][]any{
		{"name", "organisation", "email"},
		{"Jan de Vries", "Politie", "jan@example.nl"},
		{"", "Politie", "someone@example.nl"},
		{"Jan de Vries", "Politie", "JAN@example.nl"},
		{"Eva", "Polisen", "eva-at-example"},
	}), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx := newLaptopBrowser(t)
	consoleDo(t, ctx, "open the console",
		chromedp.Navigate(a.ts.URL+"/admin/?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="name"]`)),
	)
	screenshot(t, ctx, "admin-login-en")
	consoleDo(t, ctx, "sign in",
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "wang.staff"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "staff password 2026"),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.seminar-card`)),
	)
	assertFitsLaptop(t, ctx, "the seminar list")
	screenshot(t, ctx, "admin-home-en")
	if who := consoleEval[string](t, ctx, `document.querySelector(".who .user").textContent`); !strings.Contains(who, "wang.staff") {
		t.Fatalf("top bar shows %q", who)
	}

	// A file with mistakes: every problem by row, nothing imported.
	consoleDo(t, ctx, "upload a bad roster",
		chromedp.Navigate(a.ts.URL+"/admin/seminars/1/roster"),
		chromedp.WaitVisible(chromedp.CSS(`input[type="file"]`)),
		chromedp.SetUploadFiles(chromedp.CSS(`input[type="file"]`), []string{bad}),
		chromedp.Submit(chromedp.CSS(`input[type="file"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.problems`)),
	)
	problems := consoleEval[[]string](t, ctx, `Array.from(document.querySelectorAll(".problems tbody tr")).map(r => r.innerText.replace(/\s+/g, " ").trim())`)
	wantProblems := []string{"3 Name required", `4 Email duplicate person: same email "JAN@example.nl" as row 2 (Jan de Vries)`, `5 Email "eva-at-example" is not an email address`}
	if strings.Join(problems, "\n") != strings.Join(wantProblems, "\n") {
		t.Errorf("problems shown:\n%s\nwant:\n%s", strings.Join(problems, "\n"), strings.Join(wantProblems, "\n"))
	}
	if n := consoleEval[int](t, ctx, `document.querySelectorAll("#confirm-import").length`); n != 0 {
		t.Error("a file with problems offers to import")
	}
	assertFitsLaptop(t, ctx, "the problems page")
	screenshot(t, ctx, "admin-roster-problems-en")

	// The good file: preview, then confirm.
	consoleDo(t, ctx, "upload the roster",
		chromedp.SetUploadFiles(chromedp.CSS(`input[type="file"]`), []string{good}),
		chromedp.Submit(chromedp.CSS(`input[type="file"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#preview`)),
	)
	names := consoleEval[[]string](t, ctx, `Array.from(document.querySelectorAll("#preview tbody tr td:nth-child(2)")).map(td => td.textContent)`)
	if len(names) != len(people) || names[0] != "王伟" || names[3] != "Anna Müller" {
		t.Fatalf("preview names %q", names)
	}
	if n := a.count(&model.Participant{}); n != 0 {
		t.Fatalf("the preview stored %d participants", n)
	}
	assertFitsLaptop(t, ctx, "the preview")
	screenshot(t, ctx, "admin-roster-preview-en")
	consoleDo(t, ctx, "confirm",
		chromedp.Click(chromedp.CSS(`#confirm-import`)),
		chromedp.WaitVisible(chromedp.CSS(`#roster`)),
	)
	if n := a.count(&model.Participant{}, "seminar_id = ?", *q.SeminarID); n != int64(len(people)) {
		t.Fatalf("participants after confirm = %d", n)
	}
	flash := consoleEval[string](t, ctx, `document.querySelector(".flash") ? document.querySelector(".flash").textContent : ""`)
	if flash != "Roster imported." {
		t.Errorf("flash %q", flash)
	}
	links := consoleEval[[]string](t, ctx, `Array.from(document.querySelectorAll("#roster a.invite")).map(a => a.href)`)
	if len(links) != len(people) || !strings.Contains(links[0], "/s/"+q.Slug+"?t=") {
		t.Fatalf("invite links %q", links)
	}
	assertFitsLaptop(t, ctx, "the roster")
	screenshot(t, ctx, "admin-roster-en")

	// The same page in Chinese, and the printable invitation cards.
	consoleDo(t, ctx, "roster in Chinese",
		chromedp.Navigate(a.ts.URL+"/admin/seminars/1/roster?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS(`#roster`)),
	)
	if h := consoleEval[string](t, ctx, `document.querySelector("h1").textContent`); !strings.HasPrefix(h, "名单：") {
		t.Errorf("Chinese heading %q", h)
	}
	screenshot(t, ctx, "admin-roster-zh")
	consoleDo(t, ctx, "invitations",
		chromedp.Navigate(a.ts.URL+"/admin/seminars/1/invites?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`.invite-card`)),
	)
	loaded := consoleEval[int](t, ctx, `(async () => { const imgs = Array.from(document.querySelectorAll(".invite-card img.qr")); await Promise.all(imgs.map(i => i.complete ? 0 : new Promise(r => { i.onload = r; i.onerror = r; }))); return imgs.filter(i => i.naturalWidth > 0).length; })()`, chromedp.EvalAwaitPromise)
	if loaded != len(people) {
		t.Errorf("%d of %d QR codes drawn", loaded, len(people))
	}
	screenshot(t, ctx, "admin-invites-en")
}

// TestBrowserConsoleAdminPages: an admin adds a user (the generated password
// shown once), assigns an organiser, creates an API token (shown once), makes
// a mistake in the seminar form, and reads the audit log.
func TestBrowserConsoleAdminPages(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db)
	a.demo()
	a.fastPasswords()
	if _, err := a.srv.users.Create(context.Background(), "chief", model.RoleAdmin, "admin password 2026"); err != nil {
		t.Fatal(err)
	}
	ctx := newLaptopBrowser(t)
	consoleDo(t, ctx, "sign in",
		chromedp.Navigate(a.ts.URL+"/admin/login?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="name"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "chief"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "admin password 2026"),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.seminar-card`)),
		chromedp.Navigate(a.ts.URL+"/admin/users"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/users"]`)),
		chromedp.SendKeys(chromedp.CSS(`form[action="/admin/users"] input[name="name"]`), "hainan.organiser"),
		chromedp.SetValue(chromedp.CSS(`form[action="/admin/users"] select[name="role"]`), "organiser"),
		chromedp.Submit(chromedp.CSS(`form[action="/admin/users"] input[name="name"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#new-password`)),
	)
	pw := consoleEval[string](t, ctx, `document.querySelector("#new-password").textContent`)
	if len(pw) < 20 {
		t.Fatalf("generated password %q", pw)
	}
	assertFitsLaptop(t, ctx, "the users page")
	screenshot(t, ctx, "admin-users-en")

	consoleDo(t, ctx, "assign the organiser",
		chromedp.Navigate(a.ts.URL+"/admin/seminars/1"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="organiser"]`)),
		chromedp.Click(chromedp.CSS(`input[name="organiser"]`)),
		chromedp.Submit(chromedp.CSS(`input[name="organiser"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)
	if n := a.count(&model.SeminarOrganiser{}); n != 1 {
		t.Fatalf("organisers = %d", n)
	}
	screenshot(t, ctx, "admin-seminar-en")

	consoleDo(t, ctx, "create a token",
		chromedp.Navigate(a.ts.URL+"/admin/tokens"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="name"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "roster sync from the CRM"),
		chromedp.Submit(chromedp.CSS(`input[name="name"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#new-token`)),
	)
	token := consoleEval[string](t, ctx, `document.querySelector("#new-token").textContent`)
	if !strings.HasPrefix(token, "sev_") {
		t.Fatalf("token %q", token)
	}
	screenshot(t, ctx, "admin-tokens-en")

	consoleDo(t, ctx, "a seminar form with mistakes",
		chromedp.Navigate(a.ts.URL+"/admin/seminars/new?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="slug"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="title_zh"]`), "2027年春季研讨会"),
		chromedp.SendKeys(chromedp.CSS(`input[name="slug"]`), "sanya-2018"),
		chromedp.SetValue(chromedp.CSS(`input[name="starts_on"]`), "2027-04-02"),
		chromedp.SetValue(chromedp.CSS(`input[name="ends_on"]`), "2027-04-01"),
		chromedp.Submit(chromedp.CSS(`input[name="slug"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.field-error`)),
	)
	errs := consoleEval[[]string](t, ctx, `Array.from(document.querySelectorAll(".field-error")).map(e => e.textContent)`)
	if len(errs) != 1 || errs[0] != "结束日期早于开始日期" {
		t.Errorf("field errors %q", errs)
	}
	screenshot(t, ctx, "admin-seminar-form-errors-zh")

	consoleDo(t, ctx, "audit log",
		chromedp.Navigate(a.ts.URL+"/admin/audit?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`table`)),
	)
	actions := consoleEval[[]string](t, ctx, `Array.from(document.querySelectorAll("tbody tr td:nth-child(3)")).map(td => td.textContent)`)
	if strings.Join(actions, ",") != "token.create,seminar.organisers,user.create,session.login" {
		t.Errorf("audit actions %q", actions)
	}
	assertFitsLaptop(t, ctx, "the audit log")
	screenshot(t, ctx, "admin-audit-en")
}
