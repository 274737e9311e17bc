package handler

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
	"gorm.io/gorm"

	"seminareval/cmd/wechatsim/sim"
	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service"
	"seminareval/service/definition"
	"seminareval/service/servicetest"
)

// The tests SECURITY.md names that no other file had. Each states the
// protection it proves.

// Every HTML page, participant or console, carries a Content-Security-Policy
// without 'unsafe-inline' and nosniff, so that an injected script would not
// run even if escaping failed.
func TestSecurityHeadersOnParticipantAndConsolePages(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	w := newWeChatApp(t, db)
	q := w.demo()
	staff := qmConsole(t, w.testApp, model.RoleStaff)
	w.postJSON("/s/"+q.Slug, submission("sec-headers-1", fullDemoAnswers()))
	base := "/admin/questionnaires/" + itoa(q.ID)
	pages := []struct {
		path   string
		client *http.Client
		status int
	}{
		{"/s/" + q.Slug, nil, http.StatusOK},
		{"/s/" + q.Slug + "/thanks", nil, http.StatusOK},
		{"/s/no-such-questionnaire", nil, http.StatusNotFound},
		{"/admin/login", w.newClient(), http.StatusOK},
		{"/admin/", staff, http.StatusOK},
		{base + "/report", staff, http.StatusOK},
		{base + "/board", staff, http.StatusOK},
		{"/admin/wechat", staff, http.StatusForbidden},
	}
	for _, p := range pages {
		r := w.do(p.client, http.MethodGet, p.path, "", nil)
		if r.Code != p.status {
			t.Errorf("%s: %d, want %d", p.path, r.Code, p.status)
			continue
		}
		csp := r.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'self'", "form-action 'self'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: Content-Security-Policy %q lacks %q", p.path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: Content-Security-Policy allows inline code: %q", p.path, csp)
		}
		if r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q, want nosniff", p.path, r.Header.Get("X-Content-Type-Options"))
		}
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: Content-Type %q", p.path, r.Header.Get("Content-Type"))
		}
	}
	if r := w.get("/static/app.js"); r.Code == http.StatusOK && r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("static asset without nosniff")
	}
}

// wantCookieAttrs checks that a Set-Cookie header is HttpOnly, SameSite=Lax
// and Secure.
func wantCookieAttrs(t *testing.T, where string, c *http.Cookie) {
	t.Helper()
	if c == nil {
		t.Fatalf("%s: cookie not set", where)
	}
	if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
		t.Errorf("%s: cookie %s HttpOnly=%v Secure=%v SameSite=%v Path=%q, want HttpOnly, Secure, Lax, /", where, c.Name, c.HttpOnly, c.Secure, c.SameSite, c.Path)
	}
}

func setCookie(h http.Header, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// With an https base_url every cookie the service sets — the respondent id,
// the language, the console session, the OAuth state and the WeChat
// identity — is Secure, HttpOnly and SameSite=Lax.
func TestEveryCookieIsSecureHttpOnlyLaxOnHTTPS(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	const public = "https://eval.example.org"
	w := newWeChatApp(t, db, func(c *service.Config) { c.Server.BaseURL = public })
	q := w.demo()

	page := w.get("/s/" + q.Slug + "?lang=en")
	wantCookieAttrs(t, "participant page", setCookie(page.Header, cookieRespondent))
	if c := setCookie(page.Header, cookieLang); c != nil {
		wantCookieAttrs(t, "participant page", c)
	}
	w.fastPasswords()
	if _, err := w.srv.users.Create(context.Background(), "sec-staff", model.RoleStaff, "correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	login := w.consoleLogin(w.newClient(), "sec-staff", "correct horse battery staple")
	wantCookieAttrs(t, "console login", cookieNamed(login, cookieSession))

	// WeChat OAuth: cookies are carried by hand, as the jar would not send
	// Secure cookies to the plain-http test server.
	plain := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string, cookies ...*http.Cookie) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("User-Agent", wechatUserAgent)
		for _, c := range cookies {
			req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
		res, err := plain.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	first := get(w.ts.URL + "/s/" + q.Slug)
	state := setCookie(first.Header, cookieOAuth)
	wantCookieAttrs(t, "OAuth redirect", state)
	auth := get(strings.TrimSuffix(first.Header.Get("Location"), "#wechat_redirect"), &http.Cookie{Name: sim.IdentityCookie, Value: w.sim.OpenID("sec-phone")})
	back := mustURL(t, auth.Header.Get("Location"))
	if !strings.HasPrefix(back.String(), public+"/wechat/oauth/callback?") {
		t.Fatalf("OAuth returns to %s, want the https base_url", back)
	}
	cb := get(w.ts.URL+back.RequestURI(), state)
	if cb.StatusCode != http.StatusFound {
		t.Fatalf("OAuth callback: %d", cb.StatusCode)
	}
	wantCookieAttrs(t, "OAuth callback", setCookie(cb.Header, cookieWeChat))
}

// The openid comes only from the server-side OAuth exchange: a sev_wx cookie
// made up by hand, signed with another secret or tampered with is ignored,
// and the answer is stored without an openid; only the server's own
// signature binds one.
func TestForgedWeChatCookieBindsNoOpenID(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWeChatApp(t, db)
		q := w.demo()
		victim := w.sim.OpenID("victim")
		genuine, err := w.srv.cookies.Encode(cookieWeChat, victim)
		if err != nil {
			t.Fatal(err)
		}
		otherSecret := securecookie.New(deriveKey([]byte("an attacker's own secret, 32+ chars long"), "cookie-hash"), nil)
		foreign, err := otherSecret.Encode(cookieWeChat, victim)
		if err != nil {
			t.Fatal(err)
		}
		tampered := []byte(genuine)
		tampered[len(tampered)/2] ^= 1
		for i, forged := range []string{victim, foreign, string(tampered), genuine[:len(genuine)-4]} {
			id := "sec-forged-" + itoa(uint64(i))
			r := w.do(w.newClient(), http.MethodPost, "/s/"+q.Slug, "application/json", strings.NewReader(mustJSON(submission(id, fullDemoAnswers()))),
				"Cookie", cookieWeChat+"="+forged)
			if r.Code != http.StatusCreated {
				t.Fatalf("forged cookie %d: %d %s", i, r.Code, r.Body)
			}
			var resp model.Response
			if err := db.Where("submission_id = ?", id).Take(&resp).Error; err != nil {
				t.Fatal(err)
			}
			if resp.OpenID != nil || resp.Channel == model.ChannelWeChat {
				t.Errorf("forged cookie %d bound openid %v channel %s", i, resp.OpenID, resp.Channel)
			}
		}
		// The control: the server's own signature does bind the openid.
		r := w.do(w.newClient(), http.MethodPost, "/s/"+q.Slug, "application/json", strings.NewReader(mustJSON(submission("sec-genuine", fullDemoAnswers()))),
			"Cookie", cookieWeChat+"="+genuine)
		if r.Code != http.StatusCreated {
			t.Fatalf("genuine cookie: %d %s", r.Code, r.Body)
		}
		if n := w.count(&model.Response{}, "openid = ?", victim); n != 1 {
			t.Fatalf("responses bound to the openid = %d, want 1 (the genuine cookie only)", n)
		}
	})
}

// A comment or a roster name holding HTML is shown escaped on the report
// dashboard and the board (html/template), never as markup.
func TestStoredHTMLIsEscapedOnDashboardAndBoard(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWeChatApp(t, db)
		q := w.demo()
		p := model.Participant{SeminarID: *q.SeminarID, Name: `<script>alert("name")</script>`, Group: "China", InviteToken: "sec-xss-invite-0001"}
		if err := db.Create(&p).Error; err != nil {
			t.Fatal(err)
		}
		ans := fullDemoAnswers()
		ans["comments"] = `<script>alert("comment")</script><img src=x onerror=alert(1)>`
		if r := w.postJSON("/s/"+q.Slug+"?t="+p.InviteToken, submission("sec-xss-0001", ans)); r.Code != http.StatusCreated {
			t.Fatalf("submit: %d %s", r.Code, r.Body)
		}
		staff := qmConsole(t, w.testApp, model.RoleStaff)
		base := "/admin/questionnaires/" + itoa(q.ID)
		for _, c := range []struct{ path, shown string }{
			{base + "/report", `&lt;script&gt;alert(&#34;comment&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;`},
			{base + "/board", `&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;`},
		} {
			r := w.getAs(staff, c.path)
			if r.Code != http.StatusOK {
				t.Fatalf("%s: %d", c.path, r.Code)
			}
			if !strings.Contains(r.Body, c.shown) {
				t.Errorf("%s does not show the stored text escaped (%s)", c.path, c.shown)
			}
			if strings.Contains(r.Body, "<script>alert(") || strings.Contains(r.Body, "<img src=x") {
				t.Errorf("%s renders stored HTML as markup", c.path)
			}
		}
	})
}

// Logs never hold answers, passwords, tokens or names: request lines carry
// the path without the query, and SQL is logged with placeholders
// (ParameterizedQueries). The slow-query threshold is set to 1 ns so that
// every statement is logged, the worst case.
func TestLogsHoldNoAnswersPasswordsOrTokens(t *testing.T) {
	for _, target := range modeltest.Targets(t) {
		t.Run(target.Name, func(t *testing.T) { logsHoldNoSecrets(t, target) })
	}
}

func logsHoldNoSecrets(t *testing.T, target modeltest.Target) {
	{
		var sink servicetest.SyncBuffer
		log := slog.New(slog.NewTextHandler(&sink, &slog.HandlerOptions{Level: slog.LevelDebug}))
		dbCfg := modeltest.NewDBConfig(t, target)
		dbCfg.SlowThreshold = time.Nanosecond
		db, err := model.Open(dbCfg, log)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if sqlDB, err := db.DB(); err == nil {
				sqlDB.Close()
			}
		})
		if err := model.Migrate(context.Background(), db); err != nil {
			t.Fatal(err)
		}
		a := &testApp{t: t, db: db, cfg: service.DefaultConfig(), now: time.Now().UTC()}
		a.cfg.Demo.Enabled = false
		a.ts = httptest.NewUnstartedServer(nil)
		a.cfg.Server.BaseURL = "http://" + a.ts.Listener.Addr().String()
		secret, err := service.EnsureSecret(context.Background(), db, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		a.srv, err = New(context.Background(), withServices(t, Deps{Config: a.cfg, DB: db, Log: log, Secret: secret, Now: func() time.Time { return a.now }}, nil))
		if err != nil {
			t.Fatal(err)
		}
		a.ts.Config.Handler = a.srv.Handler()
		a.ts.Start()
		t.Cleanup(a.ts.Close)
		a.client = a.newClient()

		q := a.demo()
		const (
			comment  = "SECRET-COMMENT-4f1c 我的意见"
			formText = "SECRET-FORM-9b2e"
			name     = "Secret Name Qx"
			invite   = "sec-log-invite-0001"
			password = "SECRET-PASSWORD-77aa"
		)
		if err := db.Create(&model.Participant{SeminarID: *q.SeminarID, Name: name, Group: "China", InviteToken: invite}).Error; err != nil {
			t.Fatal(err)
		}
		ans := fullDemoAnswers()
		ans["comments"] = comment
		if r := a.postJSON("/s/"+q.Slug+"?t="+invite, submission("sec-log-0001", ans)); r.Code != http.StatusCreated {
			t.Fatalf("JSON submit: %d %s", r.Code, r.Body)
		}
		form := demoForm("sec-log-0002")
		form.Set("q.comments", formText)
		if r := a.postForm(a.newClient(), "/s/"+q.Slug, form); r.Code != http.StatusSeeOther {
			t.Fatalf("form submit: %d %s", r.Code, r.Body)
		}
		a.fastPasswords()
		u, err := a.srv.users.Create(context.Background(), "sec-logger", model.RoleAdmin, password)
		if err != nil {
			t.Fatal(err)
		}
		if r := a.consoleLogin(a.newClient(), "sec-logger", password); r.Code != http.StatusSeeOther {
			t.Fatalf("login: %d", r.Code)
		}
		a.consoleLogin(a.newClient(), "sec-logger", password+"-wrong")
		token, _, err := a.srv.tokens.Create(context.Background(), u.ID, "log test")
		if err != nil {
			t.Fatal(err)
		}
		if r := a.get("/api/v1/questionnaires/"+itoa(q.ID)+"/summary", bearer(token)...); r.Code != http.StatusOK {
			t.Fatalf("summary: %d", r.Code)
		}
		a.get("/api/v1/questionnaires/"+itoa(q.ID)+"/summary", bearer(token+"x")...)

		logged := sink.String()
		// The capture works: requests and SQL statements are there.
		for _, want := range []string{"msg=request", "INSERT INTO", "/api/v1/questionnaires/"} {
			if !strings.Contains(logged, want) {
				t.Fatalf("log lacks %q: the capture does not see what it should\n%s", want, logged)
			}
		}
		// A participant's request is logged without their address: its time
		// beside an address would tie the answer stored then to a person.
		for _, line := range strings.Split(logged, "\n") {
			if strings.Contains(line, "msg=request") && strings.Contains(line, "path=/s/") && strings.Contains(line, "ip=") {
				t.Errorf("a participant's request is logged with an address: %s", line)
			}
			if strings.Contains(line, "msg=request") && strings.Contains(line, "path=/admin/login") && !strings.Contains(line, "ip=") {
				t.Errorf("a console request is logged without its address: %s", line)
			}
		}
		for _, secret := range []string{comment, "SECRET-COMMENT", formText, name, invite, password, token, token[len(token)-12:]} {
			if strings.Contains(logged, secret) {
				t.Errorf("log contains %q: %s", secret, logged[max(0, strings.Index(logged, secret)-300):][:400])
			}
		}
	}
}

// The signing secret is generated once and kept in the database, so every
// replica reads the same one; a configured secret must be long enough.
func TestSecretIsGeneratedOnceAndSharedThroughTheDatabase(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		var secrets [][]byte
		for range 3 {
			s, err := service.EnsureSecret(ctx, db, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			secrets = append(secrets, s)
		}
		if len(secrets[0]) != 32 || !bytes.Equal(secrets[0], secrets[1]) || !bytes.Equal(secrets[0], secrets[2]) {
			t.Fatalf("secrets %x %x %x, want one 32-byte secret", secrets[0], secrets[1], secrets[2])
		}
		if n := (&testApp{t: t, db: db}).count(&model.Setting{}, "`key` = ?", "secret"); n != 1 {
			t.Fatalf("%d secret rows, want 1", n)
		}
		if _, err := service.EnsureSecret(ctx, db, "too short", nil); err == nil {
			t.Fatal("a configured secret under 32 characters was accepted")
		}
		long := strings.Repeat("k", 40)
		if s, err := service.EnsureSecret(ctx, db, long, nil); err != nil || string(s) != long {
			t.Fatalf("configured secret: %q %v", s, err)
		}
	})
}

// The OAuth return binds an openid only in the browser that started the
// round trip: an attacker's callback link (their code and state) opened by
// someone else binds nothing, so a victim cannot be made to answer as the
// attacker (login CSRF), with or without an OAuth of their own under way.
func TestOAuthCallbackBindsOnlyTheBrowserThatStartedIt(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWeChatApp(t, db)
		q := w.demo()
		attacker := newPhone(t, w, w.sim.OpenID("attacker"))
		start := attacker.get(w.ts.URL + "/s/" + q.Slug)
		link := attacker.get(strings.TrimSuffix(start.Header.Get("Location"), "#wechat_redirect")).Header.Get("Location")
		if !strings.Contains(link, "/wechat/oauth/callback?code=") {
			t.Fatalf("attacker's callback link: %q", link)
		}

		fresh := newPhone(t, w, w.sim.OpenID("victim"))
		if r := fresh.get(link); r.StatusCode != http.StatusNotFound || setCookie(r.Header, cookieWeChat) != nil {
			t.Errorf("attacker's link in a fresh browser: %d (sets identity: %v), want 404 and no identity", r.StatusCode, setCookie(r.Header, cookieWeChat) != nil)
		}
		midway := newPhone(t, w, w.sim.OpenID("victim2"))
		if r := midway.get(w.ts.URL + "/s/" + q.Slug); r.StatusCode != http.StatusFound {
			t.Fatalf("victim's own OAuth start: %d", r.StatusCode)
		}
		if r := midway.get(link); r.StatusCode != http.StatusFound || setCookie(r.Header, cookieWeChat) != nil {
			t.Errorf("attacker's link during the victim's own OAuth: %d (sets identity: %v), want back to the page without identity", r.StatusCode, setCookie(r.Header, cookieWeChat) != nil)
		}
		for _, ph := range []*phone{fresh, midway} {
			for _, c := range ph.client.Jar.Cookies(mustURL(t, w.ts.URL)) {
				if c.Name == cookieWeChat {
					t.Errorf("a browser that did not start the OAuth got a WeChat identity")
				}
			}
		}
		// The control: the attacker's own browser is identified by it.
		if r := attacker.get(link); r.StatusCode != http.StatusFound || setCookie(r.Header, cookieWeChat) == nil {
			t.Fatalf("the link in the browser that started it: %d, want the identity set", r.StatusCode)
		}
	})
}

// Uploads over their limit get 413 and store nothing: a roster over
// server.max_upload_bytes, a definition over four times the definition limit.
func TestOversizedUploadsAre413(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db, func(c *service.Config) { c.Server.MaxUploadBytes = 64 << 10 })
	q := a.demo()
	staff := a.signIn(model.RoleStaff)
	roster := "name,group\n" + strings.Repeat("Zhang San,China\n", 8000) // 128 KB
	r := a.do(nil, http.MethodPost, "/api/v1/seminars/"+q.Seminar.Slug+"/participants", "text/csv", strings.NewReader(roster), bearer(staff.Token)...)
	if r.Code != http.StatusRequestEntityTooLarge || !strings.Contains(r.Body, `"too_large"`) {
		t.Fatalf("128 KB roster over a 64 KB limit: %d %s, want 413 too_large", r.Code, r.Body)
	}
	if n := a.count(&model.Participant{}); n != 0 {
		t.Fatalf("%d participants stored from a refused upload", n)
	}
	def := "title: {en: x}\n# " + strings.Repeat("x", 4*definition.MaxDefinitionBytes+1) + "\n"
	r = a.do(nil, http.MethodPost, "/api/v1/questionnaires", "application/yaml", strings.NewReader(def), bearer(staff.Token)...)
	if r.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("4 MB definition: %d, want 413", r.Code)
	}
	if n := a.count(&model.Questionnaire{}); n != 1 {
		t.Fatalf("%d questionnaires, want only the demo", n)
	}
}
