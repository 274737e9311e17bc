package handler

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"seminareval/cmd/wechatsim/sim"
	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service"
	"seminareval/service/definition"
)

// wechatApp is the service with WeChat on, pointed at an in-process
// wechatsim. Each app id has a random suffix so that the token keys of
// tests sharing one Redis never collide.
type wechatApp struct {
	*testApp
	sim    *sim.Simulator
	simURL string
}

func newWeChatApp(t *testing.T, db *gorm.DB, opts ...appOption) *wechatApp {
	t.Helper()
	s, simURL := newSim(t, sim.Config{AppID: "wxtest" + strings.ToLower(rand.Text()[:10])})
	return &wechatApp{testApp: newTestApp(t, db, append([]appOption{withSim(s, simURL)}, opts...)...), sim: s, simURL: simURL}
}

func newSim(t *testing.T, cfg sim.Config) (*sim.Simulator, string) {
	t.Helper()
	s := sim.New(cfg)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ts.URL
}

func withSim(s *sim.Simulator, simURL string) appOption {
	return func(c *service.Config) {
		sc := s.Config()
		c.WeChat = service.WeChatConfig{Enabled: true, AppID: sc.AppID, AppSecret: sc.AppSecret, Token: sc.Token,
			EncodingAESKey: sc.EncodingAESKey, APIBaseURL: simURL, OpenBaseURL: simURL, MPBaseURL: simURL, ReminderTemplateID: "tpl_reminder"}
	}
}

func (w *wechatApp) callbackURL() string { return w.ts.URL + "/wechat/callback" }

func (w *wechatApp) events() int64 { return w.count(&model.WeChatEvent{}) }

var allModes = []sim.Mode{sim.ModePlain, sim.ModeCompatible, sim.ModeAES}

// withoutAESKey is an account in plain mode: no EncodingAESKey, so pushes
// come unencrypted.
func withoutAESKey(c *service.Config) { c.WeChat.EncodingAESKey = "" }

func TestWeChatScanAnswersWithNewsCardInEveryMode(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWeChatApp(t, db)
		q := w.demo()
		plain := newWeChatApp(t, db, withoutAESKey) // the same database: another account, in plain mode
		ctx := context.Background()
		// With an EncodingAESKey configured, a plaintext push is refused: a
		// captured callback URL replayed with any body within 5 minutes.
		if rep, err := w.sim.Push(ctx, w.callbackURL(), w.sim.ScanEvent(w.sim.OpenID("replayed"), "q_"+q.Slug, true), sim.ModePlain); err == nil || rep.Status != http.StatusForbidden {
			t.Fatalf("plaintext push with a key configured: %+v %v, want 403", rep, err)
		}
		if n := w.events(); n != 0 {
			t.Fatalf("a refused plaintext push stored %d events", n)
		}
		for i, mode := range allModes {
			for _, follower := range []bool{false, true} {
				a := w
				if mode == sim.ModePlain {
					a = plain
				}
				openid := a.sim.OpenID(fmt.Sprintf("scan-%d-%v", i, follower))
				rep, err := a.sim.Push(ctx, a.callbackURL(), a.sim.ScanEvent(openid, "q_"+q.Slug, follower), mode)
				if err != nil {
					t.Fatalf("%s follower=%v: %v (status %d, body %s)", mode, follower, err, rep.Status, rep.Body)
				}
				if rep.Message == nil || rep.Message.MsgType != "news" || len(rep.Message.Articles) != 1 {
					t.Fatalf("%s: reply %+v, want one news article", mode, rep.Message)
				}
				if mode == sim.ModeAES && !rep.Encrypted {
					t.Errorf("safe mode reply was not encrypted")
				}
				art := rep.Message.Articles[0]
				if want := a.ts.URL + "/s/" + q.Slug + "?lang=zh"; art.URL != want {
					t.Errorf("%s: article URL %q, want %q", mode, art.URL, want)
				}
				if art.Title != q.Def.Title.In("zh") || !strings.Contains(art.Description, "点击填写问卷") {
					t.Errorf("%s: article %+v, want the Chinese title and a call to answer", mode, art)
				}
			}
		}
		if n := w.events(); n != 6 {
			t.Fatalf("wechat_events rows = %d, want 6 (one per push)", n)
		}
	})
}

func TestWeChatMenuKeywordsAndUnknownScene(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWeChatApp(t, db)
		q := w.demo()
		ctx := context.Background()
		o := w.sim.OpenID("kw")
		cases := []struct {
			name   string
			ev     sim.Event
			check  func(*sim.Reply) string
			events int64
		}{
			{"menu click", w.sim.ClickEvent(o, "EVALUATE"), wantArticle(w.ts.URL+"/s/"+q.Slug+"?lang=zh", q.Def.Title.In("zh")), 1},
			{"keyword 问卷", w.sim.TextMessage(o, "我想填问卷"), wantArticle(w.ts.URL+"/s/"+q.Slug+"?lang=zh", q.Def.Title.In("zh")), 1},
			{"keyword Survey (any case) in English", w.sim.TextMessage(o, "Survey please"), wantArticle(w.ts.URL+"/s/"+q.Slug+"?lang=en", q.Def.Title.In("en")), 1},
			{"keyword EVALUATION", w.sim.TextMessage(o, "EVALUATION"), wantArticle(w.ts.URL+"/s/"+q.Slug+"?lang=en", q.Def.Title.In("en")), 1},
			{"keyword 评估", w.sim.TextMessage(o, "评估"), wantArticle(w.ts.URL+"/s/"+q.Slug+"?lang=zh", q.Def.Title.In("zh")), 1},
			{"other text: nothing to say", w.sim.TextMessage(o, "hello"), wantEmpty, 1},
			{"other click: nothing to say", w.sim.ClickEvent(o, "OTHER"), wantEmpty, 1},
			{"unsubscribe: nothing to say", w.sim.UnsubscribeEvent(o), wantEmpty, 1},
			{"unknown scene: a polite text", w.sim.ScanEvent(o, "q_no-such-questionnaire", true), wantText("未找到"), 1},
			{"foreign scene: a polite text", w.sim.ScanEvent(o, "campaign42", false), wantText("未找到"), 1},
		}
		for _, tc := range cases {
			before := w.events()
			rep, err := w.sim.Push(ctx, w.callbackURL(), tc.ev, sim.ModeAES)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if msg := tc.check(rep); msg != "" {
				t.Errorf("%s: %s", tc.name, msg)
			}
			if got := w.events() - before; got != tc.events {
				t.Errorf("%s: %d event rows stored, want %d", tc.name, got, tc.events)
			}
		}
		// Nothing open: the menu says so instead of a dead link.
		if _, err := w.srv.questionnaires.SetStatus(ctx, q.ID, model.StatusClosed); err != nil {
			t.Fatal(err)
		}
		// (Another follower: the same click by o within the same second
		// would be a retry of the first and get the first reply.)
		rep, err := w.sim.Push(ctx, w.callbackURL(), w.sim.ClickEvent(w.sim.OpenID("kw2"), "EVALUATE"), sim.ModeAES)
		if err != nil {
			t.Fatal(err)
		}
		if msg := wantText("没有正在进行的问卷")(rep); msg != "" {
			t.Errorf("menu with nothing open: %s", msg)
		}
	})
}

func wantArticle(url, title string) func(*sim.Reply) string {
	return func(r *sim.Reply) string {
		if r.Message == nil || r.Message.MsgType != "news" || len(r.Message.Articles) != 1 {
			return fmt.Sprintf("reply %+v, want one news article", r.Message)
		}
		if a := r.Message.Articles[0]; a.URL != url || a.Title != title {
			return fmt.Sprintf("article %q %q, want %q %q", a.Title, a.URL, title, url)
		}
		return ""
	}
}

func wantText(contains string) func(*sim.Reply) string {
	return func(r *sim.Reply) string {
		if r.Message == nil || r.Message.MsgType != "text" || !strings.Contains(r.Message.Content, contains) {
			return fmt.Sprintf("reply %+v, want a text containing %q", r.Message, contains)
		}
		return ""
	}
}

func wantEmpty(r *sim.Reply) string {
	if !r.Empty {
		return fmt.Sprintf("reply %+v, want \"success\" (nothing to say)", r.Message)
	}
	return ""
}

// signedURL is the callback URL with a valid plain-mode signature, for
// bodies the simulator would never send.
func (w *wechatApp) signedURL(at time.Time) string {
	ts, nonce := strconv.FormatInt(at.Unix(), 10), "12345"
	return w.callbackURL() + "?signature=" + sim.Signature(w.sim.Config().Token, ts, nonce) + "&timestamp=" + ts + "&nonce=" + nonce
}

func rawPost(t *testing.T, u string, body io.Reader) (int, string) {
	t.Helper()
	resp, err := http.Post(u, "text/xml", body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestWeChatCallbackRefusesBadRequestsAndStaysUp(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWeChatApp(t, db)
		q := w.demo()
		ctx := context.Background()
		ev := w.sim.ScanEvent(w.sim.OpenID("attacker"), "q_"+q.Slug, true)

		for _, tc := range []struct {
			name string
			opts sim.PushOptions
		}{
			{"forged signature", sim.PushOptions{Mode: sim.ModePlain, BadSignature: true}},
			{"forged msg_signature", sim.PushOptions{Mode: sim.ModeAES, BadMsgSignature: true}},
			{"stale timestamp", sim.PushOptions{Mode: sim.ModePlain, Time: time.Now().Add(-10 * time.Minute)}},
			{"future timestamp", sim.PushOptions{Mode: sim.ModeAES, Time: time.Now().Add(10 * time.Minute)}},
		} {
			rep, err := w.sim.PushWith(ctx, w.callbackURL(), ev, tc.opts)
			if err == nil || rep == nil || rep.Status != http.StatusForbidden {
				t.Errorf("%s: %+v %v, want 403", tc.name, rep, err)
			}
		}
		// The account has an EncodingAESKey: a signed plaintext push is refused
		// unread; an "encrypted" one that is no XML is a 400.
		status, _ := rawPost(t, w.signedURL(time.Now()), strings.NewReader("<xml><FromUserName>o</FromUserName><MsgType>text</MsgType><Content>问卷</Content></xml>"))
		if status != http.StatusForbidden {
			t.Errorf("signed plaintext push: status %d, want 403", status)
		}
		status, _ = rawPost(t, w.signedURL(time.Now())+"&encrypt_type=aes", strings.NewReader("<xml><FromUserName>unterminated"))
		if status != http.StatusBadRequest {
			t.Errorf("malformed XML: status %d, want 400", status)
		}
		status, _ = rawPost(t, w.signedURL(time.Now())+"&encrypt_type=aes", strings.NewReader("not xml at all"))
		if status != http.StatusBadRequest {
			t.Errorf("not XML: status %d, want 400", status)
		}
		big := "<xml><Content><![CDATA[" + strings.Repeat("问", 400_000) + "]]></Content></xml>"
		status, _ = rawPost(t, w.signedURL(time.Now()), strings.NewReader(big))
		if status != http.StatusRequestEntityTooLarge {
			t.Errorf("1 MB body: status %d, want 413", status)
		}
		// A forged request with a big body is refused before it is read.
		status, _ = rawPost(t, w.callbackURL()+"?signature=0000&timestamp=1&nonce=1", strings.NewReader(big))
		if status != http.StatusForbidden {
			t.Errorf("forged 1 MB body: status %d, want 403", status)
		}
		if n := w.events(); n != 0 {
			t.Fatalf("%d event rows stored by refused requests, want 0", n)
		}
		// Still up, still answering.
		rep, err := w.sim.Push(ctx, w.callbackURL(), ev, sim.ModeAES)
		if err != nil || rep.ArticleURL() == "" {
			t.Fatalf("after the bad requests: %v %+v", err, rep)
		}
		if w.get("/healthz").Code != http.StatusOK {
			t.Fatal("healthz failed after the bad requests")
		}
	})
}

func TestWeChatRetriesAreAnsweredOnceAcrossReplicas(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWeChatApp(t, db)
		q := w.demo()
		// A second replica on the same database.
		replica := newTestApp(t, db, withSim(w.sim, w.simURL))
		ctx := context.Background()

		// The platform's three tries of one scan, all delivered.
		reps, err := w.sim.PushWithRetries(ctx, w.callbackURL(), w.sim.ScanEvent(w.sim.OpenID("r1"), "q_"+q.Slug, false), sim.ModeAES, sim.RetryOptions{Always: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range reps[1:] {
			if string(r.Plaintext) != string(reps[0].Plaintext) {
				t.Errorf("retry %d answered %s, first answered %s", r.Attempt, r.Plaintext, reps[0].Plaintext)
			}
		}
		if n := w.events(); n != 1 {
			t.Fatalf("event rows after 3 tries = %d, want 1", n)
		}

		// The same message (same MsgId) to two replicas, and the same event
		// (same sender, time, event and key) to two replicas.
		for _, ev := range []sim.Event{
			{FromUserName: w.sim.OpenID("r2"), MsgType: "text", Content: "问卷", MsgID: 987654321012345, CreateTime: time.Now().Unix()},
			{FromUserName: w.sim.OpenID("r3"), MsgType: "event", Event: "SCAN", EventKey: "q_" + q.Slug, CreateTime: time.Now().Unix()},
		} {
			before := w.events()
			first, err := w.sim.Push(ctx, w.callbackURL(), ev, sim.ModeAES)
			if err != nil {
				t.Fatal(err)
			}
			second, err := w.sim.Push(ctx, replica.ts.URL+"/wechat/callback", ev, sim.ModeAES)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(first.Message) != fmt.Sprint(second.Message) || first.ArticleURL() == "" { // encrypted bodies differ by nonce
				t.Errorf("replicas answered differently:\n%s\n%s", first.Body, second.Body)
			}
			if got := w.events() - before; got != 1 {
				t.Errorf("%s: %d event rows for one message on two replicas, want 1", ev.MsgType, got)
			}
		}

		// Concurrent retries on the two replicas at once.
		ev := sim.Event{FromUserName: w.sim.OpenID("r4"), MsgType: "event", Event: "CLICK", EventKey: "EVALUATE", CreateTime: time.Now().Unix()}
		before := w.events()
		type result struct {
			rep *sim.Reply
			err error
		}
		results := make(chan result, 6)
		for i := range 6 {
			u := w.callbackURL()
			if i%2 == 1 {
				u = replica.ts.URL + "/wechat/callback"
			}
			go func() {
				r, err := w.sim.Push(ctx, u, ev, sim.ModeCompatible)
				results <- result{r, err}
			}()
		}
		var bodies []string
		for range 6 {
			r := <-results
			if r.err != nil {
				t.Fatal(r.err)
			}
			bodies = append(bodies, string(r.rep.Plaintext))
		}
		for _, b := range bodies[1:] {
			if b != bodies[0] {
				t.Errorf("concurrent retries answered differently:\n%s\n%s", b, bodies[0])
			}
		}
		if got := w.events() - before; got != 1 {
			t.Errorf("concurrent retries stored %d rows, want 1", got)
		}
	})
}

func TestWeChatURLVerification(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWeChatApp(t, db)
		if _, err := w.sim.Verify(context.Background(), w.callbackURL()); err != nil {
			t.Fatalf("verification: %v", err)
		}
		v, err := w.srv.wechat().LastVerification(context.Background())
		if err != nil || v == nil || !v.OK {
			t.Fatalf("last verification %+v %v, want recorded as ok", v, err)
		}
		r := w.get("/wechat/callback?signature=bad&timestamp=" + strconv.FormatInt(time.Now().Unix(), 10) + "&nonce=1&echostr=42")
		if r.Code != http.StatusForbidden || r.Body == "42" {
			t.Fatalf("forged verification: %d %q, want 403 without the echostr", r.Code, r.Body)
		}
		// A forged attempt is recorded beside the last success, not over it;
		// an unsigned probe is not recorded at all.
		v, _ = w.srv.wechat().LastVerification(context.Background())
		failed, _ := w.srv.wechat().LastFailedVerification(context.Background())
		if v == nil || !v.OK || failed == nil || failed.OK || !strings.Contains(failed.Reason, "signature") {
			t.Fatalf("after a forged verification: last %+v, failed %+v; want the success kept and the failure beside it", v, failed)
		}
		w.now = w.now.Add(time.Minute)
		if r := w.get("/wechat/callback?echostr=42"); r.Code != http.StatusForbidden {
			t.Fatalf("unsigned probe: %d", r.Code)
		}
		if again, _ := w.srv.wechat().LastFailedVerification(context.Background()); again == nil || !again.At.Equal(failed.At) {
			t.Errorf("an unsigned probe was recorded: %+v", again)
		}
	})
}

// ---- OAuth (HTTP level; the browser test walks the same flow) ------------

// phone is a WeChat browser: it keeps cookies for both sites and follows
// no redirects on its own, so each hop can be checked.
type phone struct {
	t      *testing.T
	client *http.Client
}

func newPhone(t *testing.T, w *wechatApp, openid string) *phone {
	p := &phone{t: t, client: w.newClient()}
	// Pick the simulated phone's identity on the simulator's origin.
	u, _ := url.Parse(w.simURL)
	p.client.Jar.SetCookies(u, []*http.Cookie{{Name: sim.IdentityCookie, Value: openid, Path: "/"}})
	return p
}

func (p *phone) get(u string) *http.Response {
	p.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("User-Agent", wechatUserAgent)
	resp, err := p.client.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// follow goes from u through every redirect (resolving relative ones)
// and returns the final response and the URLs visited.
func (p *phone) follow(u string) (*http.Response, []string) {
	p.t.Helper()
	var hops []string
	for range 10 {
		hops = append(hops, u)
		resp := p.get(u)
		if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
			return resp, hops
		}
		next, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
		if err != nil {
			p.t.Fatal(err)
		}
		next.Fragment = ""
		u = next.String()
	}
	p.t.Fatalf("redirect loop: %v", hops)
	return nil, nil
}

func (p *phone) body(u string) (int, string) {
	p.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("User-Agent", wechatUserAgent)
	resp, err := p.client.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestWeChatOAuthIdentifiesAndRecoversFromSpentCode(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWeChatApp(t, db)
		q := w.demo()
		openid := w.sim.OpenID("oauth-user")
		ph := newPhone(t, w, openid)

		// Outside WeChat the same link is the page itself.
		if r := w.get("/s/" + q.Slug); r.Code != http.StatusOK || !strings.Contains(r.Body, `name="submission_id"`) {
			t.Fatalf("outside WeChat: %d, want the form without a redirect", r.Code)
		}
		// First hop: the page sends WeChat's browser to snsapi_base OAuth.
		first := ph.get(w.ts.URL + "/s/" + q.Slug + "?lang=en")
		loc := first.Header.Get("Location")
		if first.StatusCode != http.StatusFound || !strings.HasPrefix(loc, w.simURL+"/connect/oauth2/authorize?appid=") ||
			!strings.Contains(loc, "scope=snsapi_base") || !strings.HasSuffix(loc, "#wechat_redirect") {
			t.Fatalf("first visit: %d %s, want a redirect to snsapi_base OAuth", first.StatusCode, loc)
		}
		// The simulator answers with a code; spend it behind the
		// service's back, as a refreshed page would.
		auth := ph.get(strings.TrimSuffix(loc, "#wechat_redirect"))
		back, _ := url.Parse(auth.Header.Get("Location"))
		code := back.Query().Get("code")
		if back.Path != "/wechat/oauth/callback" || code == "" {
			t.Fatalf("authorize sent the phone to %s", back)
		}
		sc := w.sim.Config()
		spend, _ := http.Get(w.simURL + "/sns/oauth2/access_token?appid=" + sc.AppID + "&secret=" + sc.AppSecret + "&code=" + code + "&grant_type=authorization_code")
		spend.Body.Close()

		final, hops := ph.follow(back.String())
		if final.StatusCode != http.StatusOK {
			t.Fatalf("after a spent code: status %d via %v", final.StatusCode, hops)
		}
		if n := strings.Count(strings.Join(hops, " "), "/connect/oauth2/authorize"); n != 1 {
			t.Errorf("OAuth restarted %d times after the spent code, want 1: %v", n, hops)
		}
		if got := final.Request.URL.RequestURI(); got != "/s/"+q.Slug+"?lang=en" {
			t.Errorf("came back to %s, want the page with its lang", got)
		}
		// Identified: answering stores the openid and the channel.
		status, page := ph.body(w.ts.URL + "/s/" + q.Slug + "?lang=en")
		if status != http.StatusOK || !strings.Contains(page, `name="submission_id"`) {
			t.Fatalf("page after OAuth: %d", status)
		}
		res := w.postFormAs(ph, "/s/"+q.Slug+"?lang=en", demoForm("aaaaaaaa-oauth-1"))
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("submit: %d", res.StatusCode)
		}
		var r model.Response
		if err := db.Where("questionnaire_id = ?", q.ID).Take(&r).Error; err != nil {
			t.Fatal(err)
		}
		if r.OpenID == nil || *r.OpenID != openid || r.Channel != model.ChannelWeChat {
			t.Fatalf("stored response openid %v channel %s, want %s and wechat", r.OpenID, r.Channel, openid)
		}
	})
}

func TestWeChatOAuthGivesUpAfterTwoAttempts(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	w := newWeChatApp(t, db)
	q := w.demo()
	ph := newPhone(t, w, w.sim.OpenID("unlucky"))
	page := w.ts.URL + "/s/" + q.Slug
	for attempt := 1; attempt <= 2; attempt++ {
		resp := ph.get(page)
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("attempt %d: status %d, want a redirect to OAuth", attempt, resp.StatusCode)
		}
		state := mustURL(t, resp.Header.Get("Location")).Query().Get("state")
		// Every code the service gets is bad (40029).
		back := ph.get(w.ts.URL + "/wechat/oauth/callback?code=bogus&state=" + state)
		if back.StatusCode != http.StatusFound || back.Header.Get("Location") != "/s/"+q.Slug {
			t.Fatalf("attempt %d: bad code answered %d %s, want back to the page", attempt, back.StatusCode, back.Header.Get("Location"))
		}
	}
	status, body := ph.body(page)
	if status != http.StatusOK || !strings.Contains(body, `name="submission_id"`) {
		t.Fatalf("after two failed attempts: %d, want the form without a WeChat identity", status)
	}
}

func TestWeChatSnapshotUserIsNotARespondent(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	w := newWeChatApp(t, db)
	q := w.demo()
	openid := w.sim.OpenID("snapshot")
	w.sim.SetSnapshotUser(openid, true)
	ph := newPhone(t, w, openid)
	first := ph.get(w.ts.URL + "/s/" + q.Slug + "?lang=zh")
	auth := ph.get(strings.TrimSuffix(first.Header.Get("Location"), "#wechat_redirect"))
	status, body := ph.body(auth.Header.Get("Location"))
	if status != http.StatusOK || !strings.Contains(body, "预览") || strings.Contains(body, `name="submission_id"`) {
		t.Fatalf("snapshot user: %d %s, want the preview note and no form", status, body)
	}
	for _, c := range ph.client.Jar.Cookies(mustURL(t, w.ts.URL)) {
		if c.Name == cookieWeChat {
			t.Fatalf("snapshot user got a WeChat identity cookie")
		}
	}
	if n := w.count(&model.Response{}); n != 0 {
		t.Fatalf("%d responses, want 0", n)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// demoForm is a complete form post of the demo questionnaire.
func demoForm(submissionID string) url.Values {
	v := url.Values{"submission_id": {submissionID}}
	for k, val := range fullDemoAnswers() {
		switch x := val.(type) {
		case []string:
			v["q."+k] = x
		default:
			v.Set("q."+k, fmt.Sprint(x))
		}
	}
	return v
}

func (w *wechatApp) postFormAs(p *phone, path string, form url.Values) *http.Response {
	w.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, w.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", wechatUserAgent)
	resp, err := p.client.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// A token the platform has expired early (42001) is dropped and fetched
// again, and the call retried, instead of failing until the cache expires.
func TestWeChatRenewsATokenThePlatformExpired(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	w := newWeChatApp(t, db)
	ctx := context.Background()
	if _, err := w.srv.wechat().AccessToken(ctx); err != nil {
		t.Fatal(err)
	}
	w.sim.ExpireAccessTokens()
	if err := w.srv.wechat().SetMenu(ctx); err != nil {
		t.Fatalf("menu after the platform expired the token: %v", err)
	}
	if n := w.sim.TokenFetches(); n != 2 {
		t.Fatalf("token fetches = %d, want 2 (the first, and one after expiry)", n)
	}
	if w.sim.Menu() == nil {
		t.Fatal("menu not set")
	}
}

// A database that does not answer still gets the platform "success" within
// the deadline, and the service answers the next push normally.
func TestWeChatCallbackAnswersWithinTheDeadline(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	w := newWeChatApp(t, db)
	q := w.demo()
	w.srv.replyDeadline = 300 * time.Millisecond
	var stuck atomic.Bool
	stuck.Store(true)
	err := db.Callback().Query().Before("gorm:query").Register("test:stuck_events", func(tx *gorm.DB) {
		if _, events := tx.Statement.Dest.(*model.WeChatEvent); stuck.Load() && events {
			<-tx.Statement.Context.Done() // a lock that is never released
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rep, err := w.sim.PushWith(ctx, w.callbackURL(), w.sim.ScanEvent(w.sim.OpenID("slow"), "q_"+q.Slug, false), sim.PushOptions{Mode: sim.ModeAES, Timeout: 5 * time.Second})
	if err != nil || !rep.Empty || rep.Status != http.StatusOK {
		t.Fatalf("stuck database: %+v %v, want \"success\"", rep, err)
	}
	if rep.Duration > 2*time.Second {
		t.Errorf("answered after %s, want within the deadline", rep.Duration)
	}
	stuck.Store(false)
	rep, err = w.sim.Push(ctx, w.callbackURL(), w.sim.ScanEvent(w.sim.OpenID("after"), "q_"+q.Slug, false), sim.ModeAES)
	if err != nil || rep.ArticleURL() == "" {
		t.Fatalf("after the database recovered: %+v %v", rep, err)
	}
}

// A follower who answered in English before gets the card in English.
func TestWeChatCardSpeaksTheFollowersLanguage(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	w := newWeChatApp(t, db)
	q := w.demo()
	other := w.importDefinition("definitions/sanya-2018-evaluation.yaml", func(d *definition.Definition) { d.Slug = "second-evaluation" })
	o := w.sim.OpenID("english-speaker")
	if _, err := w.srv.responses.Submit(context.Background(), q, service.Respondent{OpenID: o},
		service.Submission{SubmissionID: "lang-en-0001", Lang: "en", Answers: decodedDemoAnswers(t)}); err != nil {
		t.Fatal(err)
	}
	rep, err := w.sim.Push(context.Background(), w.callbackURL(), w.sim.ScanEvent(o, "q_"+other.Slug, true), sim.ModeCompatible)
	if err != nil {
		t.Fatal(err)
	}
	if msg := wantArticle(w.ts.URL+"/s/"+other.Slug+"?lang=en", other.Def.Title.In("en"))(rep); msg != "" {
		t.Fatal(msg)
	}
	// Two open questionnaires: the menu gets two cards; a keyword (a reply
	// to a user's message carries one card at most) a list of both links.
	rep, err = w.sim.Push(context.Background(), w.callbackURL(), w.sim.ClickEvent(o, "EVALUATE"), sim.ModeAES)
	if err != nil || rep.Message == nil || len(rep.Message.Articles) != 2 {
		t.Fatalf("menu with two open questionnaires: %+v %v", rep.Message, err)
	}
	rep, err = w.sim.Push(context.Background(), w.callbackURL(), w.sim.TextMessage(o, "survey"), sim.ModeAES)
	if err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{q.Slug, other.Slug} {
		if msg := wantText(w.ts.URL + "/s/" + slug + "?lang=en")(rep); msg != "" {
			t.Error(msg)
		}
	}
}
