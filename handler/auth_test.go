package handler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service"
	"seminareval/service/account"
)

// consoleUser is a console account signed in with its own cookie jar, and
// an API token of its own.
type consoleUser struct {
	*model.User
	Password string
	Client   *http.Client // signed in; keeps cookies; does not follow redirects
	Token    string       // "Authorization: Bearer " + Token
}

// fastPasswords lowers the bcrypt cost of the app's account service: under
// the race detector one hash at the default cost takes seconds.
func (a *testApp) fastPasswords() {
	a.srv.users.WithCost(bcrypt.MinCost)
}

// signIn creates a user with role and signs them in (other console tests use
// this: app.signIn(model.RoleStaff) gives a client for /admin pages and a
// token for /api).
func (a *testApp) signIn(role string, name ...string) consoleUser {
	a.t.Helper()
	a.fastPasswords()
	n := role + "-user"
	if len(name) > 0 {
		n = name[0]
	}
	pw := "pw-" + n + "-long-enough"
	u, err := a.srv.users.Create(context.Background(), n, role, pw)
	if err != nil {
		a.t.Fatalf("create %s: %v", n, err)
	}
	cu := consoleUser{User: u, Password: pw, Client: a.newClient()}
	if res := a.consoleLogin(cu.Client, n, pw); res.Code != http.StatusSeeOther {
		a.t.Fatalf("login %s: %d %s", n, res.Code, res.Body)
	}
	cu.Token, _, err = a.srv.tokens.Create(context.Background(), u.ID, "test")
	if err != nil {
		a.t.Fatal(err)
	}
	return cu
}

func (a *testApp) consoleLogin(c *http.Client, name, password string, headers ...string) response {
	a.t.Helper()
	return a.postForm(c, "/admin/login", url.Values{"name": {name}, "password": {password}, "next": {"/admin/"}}, headers...)
}

// getAs fetches a page with a signed-in client.
func (a *testApp) consoleGet(u consoleUser, path string, headers ...string) response {
	a.t.Helper()
	return a.do(u.Client, http.MethodGet, path, "", nil, headers...)
}

func cookieNamed(res response, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestConsoleRedirectsAnonymousToLoginAndBack(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		res := a.get("/admin/seminars?x=1")
		if res.Code != http.StatusFound || res.Header.Get("Location") != "/admin/login?next=%2Fadmin%2Fseminars%3Fx%3D1" {
			t.Fatalf("anonymous GET: %d %q", res.Code, res.Header.Get("Location"))
		}
		res = a.postForm(nil, "/admin/seminars", url.Values{"slug": {"x-y-z"}})
		if res.Code != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login?next=") {
			t.Fatalf("anonymous POST: %d %q", res.Code, res.Header.Get("Location"))
		}
		if n := a.count(&model.Seminar{}); n != 0 {
			t.Fatalf("anonymous POST created %d seminars", n)
		}
		login := a.get("/admin/login?next=%2Fadmin%2Fseminars")
		if login.Code != http.StatusOK || !strings.Contains(login.Body, `name="password"`) || !strings.Contains(login.Body, `value="/admin/seminars"`) {
			t.Fatalf("login page: %d %s", login.Code, login.Body)
		}

		a.fastPasswords()
		if _, err := a.srv.users.Create(context.Background(), "liu", model.RoleStaff, "liu's password"); err != nil {
			t.Fatal(err)
		}
		res = a.postForm(nil, "/admin/login", url.Values{"name": {"liu"}, "password": {"liu's password"}, "next": {"/admin/seminars"}})
		if res.Code != http.StatusSeeOther || res.Header.Get("Location") != "/admin/seminars" {
			t.Fatalf("login: %d %q", res.Code, res.Header.Get("Location"))
		}
		if page := a.get("/admin/seminars"); page.Code != http.StatusOK || !strings.Contains(page.Body, "liu") {
			t.Fatalf("after login: %d", page.Code)
		}
		// An open redirect through ?next is not possible.
		for _, next := range []string{"//evil.example/admin/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
			res = a.postForm(a.newClient(), "/admin/login", url.Values{"name": {"liu"}, "password": {"liu's password"}, "next": {next}})
			if res.Header.Get("Location") != "/admin/" {
				t.Errorf("next=%q redirected to %q", next, res.Header.Get("Location"))
			}
		}
		// Logging out ends the session.
		if res := a.postForm(nil, "/admin/logout", nil); res.Code != http.StatusSeeOther {
			t.Fatalf("logout: %d", res.Code)
		}
		if res := a.get("/admin/"); res.Code != http.StatusFound {
			t.Fatalf("after logout: %d", res.Code)
		}
		if n := a.count(&model.AuditEvent{}, "action = ? AND user_name = ?", "session.login", "liu"); n < 1 {
			t.Fatalf("login not audited")
		}
	})
}

func TestSessionCookieIsHttpOnlyLaxAndSecureOnHTTPS(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		for _, tc := range []struct {
			base   string
			secure bool
		}{{"", false}, {"https://eval.example.org", true}} {
			a := newTestApp(t, db, func(c *service.Config) {
				if tc.base != "" {
					c.Server.BaseURL = tc.base
				}
			})
			a.fastPasswords()
			name := "cookie" + map[bool]string{true: "s", false: "h"}[tc.secure]
			if _, err := a.srv.users.Create(context.Background(), name, model.RoleStaff, "a long password"); err != nil {
				t.Fatal(err)
			}
			res := a.consoleLogin(a.newClient(), name, "a long password")
			c := cookieNamed(res, cookieSession)
			if res.Code != http.StatusSeeOther || c == nil {
				t.Fatalf("%s: login %d, cookie %v", tc.base, res.Code, c)
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != tc.secure || c.Path != "/" {
				t.Errorf("%s: cookie HttpOnly=%v SameSite=%v Secure=%v Path=%q", tc.base, c.HttpOnly, c.SameSite, c.Secure, c.Path)
			}
			if c.MaxAge <= 0 || c.MaxAge > 24*3600 {
				t.Errorf("session cookie Max-Age %d: want at most a day", c.MaxAge)
			}
			if strings.Contains(c.Value, name) {
				t.Errorf("cookie carries the user name in clear: %q", c.Value)
			}
		}
	})
}

func TestForgedOrStaleSessionIsRefused(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		staff := a.signIn(model.RoleStaff)
		if res := a.consoleGet(staff, "/admin/"); res.Code != http.StatusOK {
			t.Fatalf("signed in: %d", res.Code)
		}
		// A cookie made up by hand (not signed with the server secret).
		forged := a.newClient()
		u, _ := url.Parse(a.ts.URL)
		forged.Jar.SetCookies(u, []*http.Cookie{{Name: cookieSession, Value: "1|" + staff.Name + "|admin"}})
		if res := a.do(forged, http.MethodGet, "/admin/", "", nil); res.Code != http.StatusFound {
			t.Fatalf("forged cookie: %d", res.Code)
		}
		// A password reset ends existing sessions.
		if err := a.srv.users.SetPassword(context.Background(), staff.ID, "a brand new password"); err != nil {
			t.Fatal(err)
		}
		if res := a.consoleGet(staff, "/admin/"); res.Code != http.StatusFound {
			t.Fatalf("session after password reset: %d", res.Code)
		}
		// A disabled user's session ends too.
		other := a.signIn(model.RoleStaff, "other-staff")
		if err := a.srv.users.Disable(context.Background(), other.ID); err != nil {
			t.Fatal(err)
		}
		if res := a.consoleGet(other, "/admin/"); res.Code != http.StatusFound {
			t.Fatalf("session of a disabled user: %d", res.Code)
		}
	})
}

func TestLoginThrottledAfterRepeatedFailures(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		u := a.signIn(model.RoleStaff, "zhou")
		for i := range account.UserFailureLimit {
			res := a.consoleLogin(a.newClient(), "zhou", "not the password")
			if res.Code != http.StatusUnauthorized || !strings.Contains(res.Body, "Wrong user name or password") {
				t.Fatalf("failure %d: %d", i+1, res.Code)
			}
		}
		res := a.consoleLogin(a.newClient(), "zhou", u.Password)
		if res.Code != http.StatusTooManyRequests || !strings.Contains(res.Body, "Too many failed attempts") || cookieNamed(res, cookieSession) != nil {
			t.Fatalf("right password after %d failures: %d (cookie %v)", account.UserFailureLimit, res.Code, cookieNamed(res, cookieSession))
		}
		if res.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
		// In Chinese too.
		res = a.consoleLogin(a.newClient(), "zhou", u.Password, "Accept-Language", "zh-CN,zh;q=0.9")
		if !strings.Contains(res.Body, "失败次数过多") {
			t.Errorf("Chinese throttle message missing: %s", res.Body)
		}
		if n := a.count(&model.LoginFailure{}, "`key` LIKE ?", "user:zhou|%"); n != int64(account.UserFailureLimit) {
			t.Fatalf("login_failures for zhou = %d", n)
		}
	})
}

func TestCrossSitePostsAreRefused(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		staff := a.signIn(model.RoleStaff)
		form := url.Values{"slug": {"csrf-test"}, "title_en": {"CSRF"}, "timezone": {"Asia/Shanghai"}}

		for _, h := range [][]string{
			{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"},
			{"Sec-Fetch-Site", "cross-site"},
			{"Origin", "https://evil.example"},
		} {
			res := a.postForm(staff.Client, "/admin/seminars", form, h...)
			if res.Code != http.StatusForbidden || !strings.Contains(res.Body, "another site") {
				t.Fatalf("cross-site post %v: %d", h, res.Code)
			}
		}
		if n := a.count(&model.Seminar{}); n != 0 {
			t.Fatalf("a cross-site post created %d seminars", n)
		}
		// Login CSRF: a cross-site login form is refused as well.
		res := a.consoleLogin(a.newClient(), staff.Name, staff.Password, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
		if res.Code != http.StatusForbidden || cookieNamed(res, cookieSession) != nil {
			t.Fatalf("cross-site login: %d", res.Code)
		}
		// The API refuses browsers' cross-site requests even with a token.
		res = a.postJSON("/api/v1/seminars/x/participants", []any{}, "Authorization", "Bearer "+staff.Token, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
		if res.Code != http.StatusForbidden {
			t.Fatalf("cross-site API call: %d", res.Code)
		}
		// Same-origin browser posts and non-browser clients pass.
		res = a.postForm(staff.Client, "/admin/seminars", form, "Sec-Fetch-Site", "same-origin", "Origin", a.ts.URL)
		if res.Code != http.StatusSeeOther {
			t.Fatalf("same-origin post: %d %s", res.Code, res.Body)
		}
		if n := a.count(&model.Seminar{}); n != 1 {
			t.Fatalf("seminars = %d", n)
		}
	})
}

func TestAPITokenShownOnceStoredHashedAndRevocable(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		staff := a.signIn(model.RoleStaff)
		res := a.postForm(staff.Client, "/admin/tokens", url.Values{"name": {"nightly roster sync"}})
		if res.Code != http.StatusCreated {
			t.Fatalf("create token: %d", res.Code)
		}
		m := regexp.MustCompile(`id="new-token">(sev_[A-Za-z0-9_-]+)<`).FindStringSubmatch(res.Body)
		if m == nil {
			t.Fatalf("token not shown:\n%s", res.Body)
		}
		token := m[1]
		var row model.APIToken
		if err := db.Where("name = ?", "nightly roster sync").Take(&row).Error; err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(token))
		if row.Hash != hex.EncodeToString(sum[:]) || row.UserID != staff.ID {
			t.Fatalf("stored %+v: want the SHA-256 of the token, owned by staff", row)
		}
		var clear int64
		db.Model(&model.APIToken{}).Where("hash = ? OR prefix = ? OR name = ?", token, token, token).Count(&clear)
		if clear != 0 {
			t.Fatal("the token is stored in clear")
		}
		list := a.consoleGet(staff, "/admin/tokens")
		if strings.Contains(list.Body, token) || !strings.Contains(list.Body, token[:12]+"…") {
			t.Fatalf("token list shows the token again or not its prefix")
		}
		sem, _ := a.srv.seminars.Create(context.Background(), service.SeminarInput{Slug: "tok-sem", Title: model.Text{"en": "T"}})
		ok := a.postJSON("/api/v1/seminars/"+sem.Slug+"/participants", []map[string]string{{"name": "A"}}, "Authorization", "Bearer "+token)
		if ok.Code != http.StatusCreated {
			t.Fatalf("API with the new token: %d %s", ok.Code, ok.Body)
		}
		if res := a.postForm(staff.Client, "/admin/tokens/"+strconv.FormatUint(row.ID, 10)+"/revoke", nil); res.Code != http.StatusSeeOther {
			t.Fatalf("revoke: %d", res.Code)
		}
		res = a.postJSON("/api/v1/seminars/"+sem.Slug+"/participants", []map[string]string{{"name": "B"}}, "Authorization", "Bearer "+token)
		if res.Code != http.StatusUnauthorized || res.JSON(t)["error"] != "unauthorized" {
			t.Fatalf("revoked token: %d %s", res.Code, res.Body)
		}
		// Someone else cannot revoke staff's other token; an admin can.
		other := a.signIn(model.RoleStaff, "other")
		var staffTok model.APIToken
		db.Where("user_id = ? AND revoked_at IS NULL", staff.ID).Take(&staffTok)
		if res := a.postForm(other.Client, "/admin/tokens/"+strconv.FormatUint(staffTok.ID, 10)+"/revoke", nil); res.Code != http.StatusNotFound {
			t.Fatalf("revoke someone else's token: %d", res.Code)
		}
		if n := a.count(&model.AuditEvent{}, "action IN ?", []string{"token.create", "token.revoke"}); n != 2 {
			t.Fatalf("token audit events = %d", n)
		}
	})
}

func TestAPIRequiresAValidTokenAndRole(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		org := a.signIn(model.RoleOrganiser)
		for _, h := range [][]string{nil, {"Authorization", "Bearer sev_nonsense"}, {"Authorization", "Basic YTpi"}, {"Authorization", "Bearer "}} {
			res := a.postJSON("/api/v1/seminars/x/participants", []any{}, h...)
			if res.Code != http.StatusUnauthorized || res.JSON(t)["error"] != "unauthorized" {
				t.Errorf("%v: %d %s", h, res.Code, res.Body)
			}
		}
		res := a.postJSON("/api/v1/seminars/x/participants", []any{}, "Authorization", "Bearer "+org.Token)
		if res.Code != http.StatusForbidden || res.JSON(t)["error"] != "forbidden" {
			t.Fatalf("organiser on the roster API: %d %s", res.Code, res.Body)
		}
	})
}
