package handler

import (
	"bytes"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service"
	"seminareval/service/account"
	"seminareval/service/report"
	"seminareval/service/wechat"
	"seminareval/templates"
)

// A page whose template fails halfway answers 500 with a short text in both
// languages, not the first half of the page with the status the handler
// meant.
func TestRenderAnswers500WhenATemplateFails(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
		// message.html reads fields that a plain map lacks: execution fails after
		// the head of the page has been written.
		a.srv.render(c, http.StatusOK, "message.html", struct{ Lang string }{"en"})
		body := w.Body.String()
		if w.Code != http.StatusInternalServerError || strings.Contains(body, "<html") || !strings.Contains(body, "页面无法显示") ||
			!strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
			t.Fatalf("%d %q %q", w.Code, w.Header().Get("Content-Type"), body)
		}
		// The same page with its data renders whole.
		w = httptest.NewRecorder()
		c, _ = gin.CreateTestContext(w)
		c.Request = httptest.NewRequest(http.MethodGet, "/nowhere", nil)
		a.srv.notFound(c)
		if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "</html>") {
			t.Fatalf("not found page: %d %q", w.Code, w.Body.String())
		}
	})
}

// Forms without a file input refuse multipart bodies before reading them,
// and every other body is bounded by server.max_body_bytes.
func TestMultipartIsRefusedWhereNoFormTakesAFile(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		q := a.demo()
		for _, path := range []string{"/admin/login", "/s/" + q.Slug, "/api/v1/questionnaires/1/publish"} {
			var buf bytes.Buffer
			w := multipart.NewWriter(&buf)
			fw, _ := w.CreateFormFile("file", "big.bin")
			fw.Write(bytes.Repeat([]byte("x"), 3<<20))
			w.Close()
			res := a.do(nil, http.MethodPost, path, w.FormDataContentType(), &buf)
			if res.Code != http.StatusRequestEntityTooLarge {
				t.Fatalf("%s: %d %s", path, res.Code, res.Body[:min(len(res.Body), 200)])
			}
		}
		// A urlencoded body over max_body_bytes (1 MB) is not read either.
		big := "username=" + strings.Repeat("a", 2<<20)
		if res := a.do(nil, http.MethodPost, "/admin/login", "application/x-www-form-urlencoded", strings.NewReader(big)); res.Code == http.StatusOK || res.Code == http.StatusSeeOther {
			t.Fatalf("a 2 MB login form was accepted: %d", res.Code)
		}
	})
}

// With the database unreachable, a signed-in console user and an API token
// get 503 with Retry-After, never the login page or 401: nothing about them
// is wrong.
func TestDatabaseDownAnswers503NotUnauthorized(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		staff := a.signIn(model.RoleStaff)
		sqlDB, err := db.DB()
		if err != nil {
			t.Fatal(err)
		}
		sqlDB.Close()
		res := a.consoleGet(staff, "/admin/seminars")
		if res.Code != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" || !strings.Contains(res.Body, "The database cannot be reached") {
			t.Fatalf("console: %d %q %s", res.Code, res.Header.Get("Location"), res.Body[:min(len(res.Body), 300)])
		}
		res = a.get("/api/v1/questionnaires/1", bearer(staff.Token)...)
		if res.Code != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" || !strings.Contains(res.Body, `"unavailable"`) {
			t.Fatalf("api: %d %s", res.Code, res.Body)
		}
	})
}

// Downloads beyond server.max_exports at once get 429 with Retry-After, and
// a slot is free again when a download ends.
func TestExportsBeyondTheLimitGet429(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		h := &reportHandler{Server: a.srv, exports: make(chan struct{}, 2)}
		try := func(path string) (*httptest.ResponseRecorder, func(), bool) {
			w := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(w)
			c.Request = httptest.NewRequest(http.MethodGet, path, nil)
			release, ok := h.exportSlot(c)
			return w, release, ok
		}
		_, r1, ok1 := try("/admin/questionnaires/1/report.xlsx")
		_, _, ok2 := try("/admin/questionnaires/1/report.xlsx")
		w, _, ok3 := try("/admin/questionnaires/1/report.xlsx")
		if !ok1 || !ok2 || ok3 || w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), "Several reports are being prepared") {
			t.Fatalf("third download: ok %v %v %v, %d %q", ok1, ok2, ok3, w.Code, w.Header().Get("Retry-After"))
		}
		r1()
		if _, _, ok := try("/admin/questionnaires/1/responses.csv"); !ok {
			t.Fatal("a released slot was not free again")
		}
	})
}

// A form post while the database is unreachable comes back as the form with
// the answers still in it and a bilingual notice, 503 with Retry-After.
func TestFormPostWithTheDatabaseDownKeepsTheAnswers(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		q := a.demo()
		path := "/s/" + q.Slug
		page := a.get(path + "?lang=zh")
		subID := between(page.Body, `name="submission_id" value="`, `"`)
		form := demoForm(subID) // the existing helper in wechat_test.go
		form.Set("lang", "zh")
		form.Set("q.comments", "很好的研讨会，谢谢")
		sqlDB, _ := db.DB()
		sqlDB.Close()
		res := a.postForm(nil, path, form)
		if res.Code != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
			t.Fatalf("form post with the database down: %d %s", res.Code, res.Body[:min(len(res.Body), 300)])
		}
		for _, want := range []string{"尚未记录：系统暂时无法连接数据库", "很好的研讨会，谢谢", `value="` + subID + `"`} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
	})
}

// A participant opening the link or posting JSON while the database is
// unreachable gets 503 with Retry-After (a bilingual page, JSON "unavailable"),
// never a bare 500: nothing is wrong with them, and the page's script resends.
func TestParticipantPagesWithTheDatabaseDown(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		q := a.demo()
		path := "/s/" + q.Slug
		sqlDB, _ := db.DB()
		sqlDB.Close()
		res := a.get(path, "Accept-Language", "zh-CN")
		if res.Code != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" ||
			!strings.Contains(res.Body, "请一分钟后再试") || !strings.Contains(res.Body, "Please open the link again in a minute.") {
			t.Fatalf("page with the database down: %d %q\n%s", res.Code, res.Header.Get("Retry-After"), res.Body[:min(len(res.Body), 400)])
		}
		res = a.postJSON(path, submission("down-0001", fullDemoAnswers()))
		if res.Code != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" || !strings.Contains(res.Body, `"unavailable"`) {
			t.Fatalf("JSON submit with the database down: %d %s", res.Code, res.Body)
		}
	})
}

// Every page a handler renders (each "….html" named in handler/*.go) is in
// requiredPages, checked at start, and every page in templates/ but the two
// layouts is one of them.
func TestEveryRenderedPageIsCheckedAtStart(t *testing.T) {
	required := map[string]bool{}
	for _, p := range requiredPages {
		required[p] = true
	}
	files, _ := filepath.Glob("*.go")
	lit := regexp.MustCompile(`"([a-z_]+\.html)"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range lit.FindAllStringSubmatch(string(src), -1) {
			if !required[m[1]] {
				t.Errorf("%s renders %s, which requiredPages does not check at start", f, m[1])
			}
		}
	}
	pages, _ := filepath.Glob("../templates/*.html")
	for _, p := range pages {
		name := filepath.Base(p)
		if !required[name] && !strings.HasSuffix(name, "_layout.html") {
			t.Errorf("templates/%s is neither rendered nor a layout", name)
		}
	}
	if _, err := parsePages(); err != nil {
		t.Fatal(err)
	}
}

// The one table of domain errors: each error, wrapped as services wrap them,
// gets its status and wire code; the codes the contract names (README, the
// JSON answers) are the ones promised; an unknown error is a 500.
func TestDomainErrorsMapToOneStatusAndCode(t *testing.T) {
	cases := []struct {
		err    error
		status int
		code   string
	}{
		{service.ErrAlreadyAnswered, 409, "already_answered"},
		{service.ErrNotOpen, 403, "not_open"},
		{service.ErrClosed, 403, "closed"},
		{service.ErrNotInvited, 403, "not_invited"},
		{service.ErrInviteElsewhere, 403, "invite_bound_elsewhere"},
		{service.ErrStructureFrozen, 409, "structure_frozen"},
		{service.ErrSlugTaken, 409, "slug_taken"},
		{service.ErrSeminarSlugTaken, 409, "slug_taken"},
		{account.ErrUserExists, 409, "user_exists"}, // before the duplicate it wraps
		{report.ErrBadFilter, 400, "bad_filter"},
		{account.ErrThrottled, 429, "throttled"},
		{wechat.ErrBadSignature, 403, "bad_signature"},
		{wechat.ErrDecrypt, 400, "undecryptable"},
		{wechat.ErrOff, 404, "wechat_off"},
		{model.ErrNotFound, 404, "not_found"},
		{errors.New("disk on fire"), 500, "internal"},
	}
	for _, c := range cases {
		status, code, ok := statusOf(fmt.Errorf("doing something: %w", c.err))
		if status != c.status || code != c.code || ok != (c.status != 500) {
			t.Errorf("%v → %d %q %v, want %d %q", c.err, status, code, ok, c.status, c.code)
		}
	}
	seen := map[error]bool{}
	for _, d := range domainErrors {
		if seen[d.err] {
			t.Errorf("%v is in the table twice", d.err)
		}
		seen[d.err] = true
		if d.code == "" || d.status < 400 {
			t.Errorf("%v → %d %q: every entry needs a client status and a code", d.err, d.status, d.code)
		}
	}
}

// Every text of the participant pages' chrome is a key of the catalogue in
// every language: a field whose key is missing would show "page.…".
func TestParticipantChromeIsInTheCatalogue(t *testing.T) {
	for _, lang := range templates.Messages().Langs() {
		v := reflect.ValueOf(uiFor(lang))
		for i := range v.NumField() {
			key := "page." + snakeCase(v.Type().Field(i).Name)
			if !templates.Messages().Has(key) || v.Field(i).String() == key {
				t.Errorf("%s: uiText.%s has no catalogue key %q", lang, v.Type().Field(i).Name, key)
			}
		}
	}
	for in, want := range map[string]string{"NPSLow": "nps_low", "NotOpenHeading": "not_open_heading", "NA": "na", "OpensAt": "opens_at"} {
		if got := snakeCase(in); got != want {
			t.Errorf("snakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}

// A domain error the console shows has its sentence in both languages, by
// its wire code, with the status of the one table.
func TestErrorTextIsTheCodesSentenceInEachLanguage(t *testing.T) {
	cases := []struct {
		err    error
		args   []any
		status int
		en, zh string
	}{
		{service.ErrStructureFrozen, nil, 409, "only wording may change", "只能修改文字"},
		{service.ErrSeminarSlugTaken, nil, 409, "This short name is already used", "该简称已被使用"},
		{account.ErrUserExists, []any{"wang.li"}, 409, "A user called wang.li already exists", "用户 wang.li 已存在"},
		{account.ErrWeakPassword, []any{"ignored"}, 422, fmt.Sprintf("at least %d characters", account.MinPasswordLen), fmt.Sprintf("至少需要 %d 个字符", account.MinPasswordLen)},
		{account.ErrLastAdmin, nil, 409, "last active admin", "最后一个有效的管理员"},
		{wechat.ErrNoReminderChannel, nil, 409, "cannot send reminders", "无法发送提醒"},
		{wechat.ErrOff, nil, 404, "WeChat is off", "微信功能未开启"},
	}
	for _, c := range cases {
		err := fmt.Errorf("saving: %w", c.err)
		status, en, ok := errorText("en", err, c.args...)
		_, zh, _ := errorText("zh", err, c.args...)
		if !ok || status != c.status || !strings.Contains(en, c.en) || !strings.Contains(zh, c.zh) {
			t.Errorf("%v → %d %q / %q %v, want %d %q / %q", c.err, status, en, zh, ok, c.status, c.en, c.zh)
		}
	}
	if status, text, ok := errorText("en", errors.New("disk on fire")); ok || status != 500 || text != "" {
		t.Errorf("an internal error has a sentence: %d %q %v", status, text, ok)
	}
}
