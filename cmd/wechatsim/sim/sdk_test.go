package sim

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/officialaccount"
	"github.com/silenceper/wechat/v2/officialaccount/basic"
	"github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/silenceper/wechat/v2/officialaccount/menu"
	"github.com/silenceper/wechat/v2/officialaccount/message"
	"github.com/silenceper/wechat/v2/util"
)

// This test drives the SDK the service uses (never its root package)
// against the simulator, to prove the simulator speaks what the SDK
// expects, quirks included, and to show the wiring a service test needs.

// lockedCache is a race-free cache.Cache; the SDK's cache.NewMemory races.
type lockedCache struct {
	mu sync.Mutex
	m  map[string]any
}

func (c *lockedCache) Get(k string) any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[k]
}

func (c *lockedCache) Set(k string, v any, _ time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]any{}
	}
	c.m[k] = v
	return nil
}

func (c *lockedCache) IsExist(k string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.m[k]
	return ok
}

func (c *lockedCache) Delete(k string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, k)
	return nil
}

func TestSDKClientAgainstSimulator(t *testing.T) {
	s, ts, _ := newSim(t, Config{})
	// A process-wide SDK setting: fine here, no other test in this
	// package makes SDK API calls.
	util.SetURIModifier(Rewriter(ts.URL))
	defer util.SetURIModifier(nil)

	oa := officialaccount.NewOfficialAccount(&config.Config{AppID: DefaultAppID, AppSecret: DefaultAppSecret,
		Token: DefaultToken, EncodingAESKey: DefaultEncodingAESKey, Cache: &lockedCache{}})

	// Token: fetched once, then cached by the SDK.
	for range 3 {
		if _, err := oa.GetAccessToken(); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.TokenFetches(); n != 1 {
		t.Fatalf("TokenFetches = %d, want 1", n)
	}

	// QR: the SDK's ticket works, its ShowQRCode URL (unescaped) does not.
	tk, err := oa.GetBasic().GetQRTicket(basic.NewTmpQrRequest(24*time.Hour, "q_sanya-2018-evaluation"))
	if err != nil {
		t.Fatalf("GetQRTicket: %v", err)
	}
	status := func(u string) int {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := status(Rewriter(ts.URL)(basic.ShowQRCode(tk))); c != 404 {
		t.Fatalf("SDK ShowQRCode (unescaped) URL: status %d, want 404", c)
	}
	if c := status(ts.URL + "/cgi-bin/showqrcode?ticket=" + url.QueryEscape(tk.Ticket)); c != 200 {
		t.Fatalf("escaped showqrcode: status %d", c)
	}

	// OAuth: redirect URL from the SDK, code exchange through the SDK.
	redirect, err := oa.GetOauth().GetRedirectURL("http://svc.example/wechat/oauth/callback?next=%2Fs%2Fx", "snsapi_base", "abc")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", Rewriter(ts.URL)(redirect), nil)
	req.Header.Set(IdentityHeader, "o_sdk")
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc == nil || loc.Query().Get("next") != "/s/x" || loc.Query().Get("state") != "abc" {
		t.Fatalf("redirect back: %s", resp.Header.Get("Location"))
	}
	at, err := oa.GetOauth().GetUserAccessToken(loc.Query().Get("code"))
	if err != nil || at.OpenID != "o_sdk" || at.IsSnapShotUser != 0 {
		t.Fatalf("GetUserAccessToken: %+v %v", at, err)
	}
	if _, err := oa.GetOauth().GetUserAccessToken(loc.Query().Get("code")); err == nil || !strings.Contains(err.Error(), "40163") {
		t.Fatalf("reused code through the SDK: %v", err)
	}

	// Menu.
	if err := oa.GetMenu().SetMenu([]*menu.Button{menu.NewClickButton("问卷", "EVALUATE"),
		menu.NewViewButton("Site", "https://svc.example/?a=1&b=2")}); err != nil {
		t.Fatalf("SetMenu: %v", err)
	}
	if m := s.Menu(); m.ButtonByKey("EVALUATE") == nil || m.Buttons[1].URL != "https://svc.example/?a=1&b=2" {
		t.Fatalf("menu %+v", m)
	}

	// Template messages, including a configured failure.
	tpl := &message.TemplateMessage{ToUser: "o1", TemplateID: "tpl", URL: "https://svc.example/s/x",
		Data: map[string]*message.TemplateDataItem{"first": {Value: "请填写问卷"}}}
	if id, err := oa.GetTemplate().Send(tpl); err != nil || id == 0 {
		t.Fatalf("template Send: %d %v", id, err)
	}
	s.FailTemplateFor("o2", ErrCodeRequireSubscribe)
	tpl.ToUser = "o2"
	if _, err := oa.GetTemplate().Send(tpl); err == nil || !strings.Contains(err.Error(), "43004") {
		t.Fatalf("failing template Send: %v", err)
	}
	if sent := s.SentTemplates(); len(sent) != 1 || sent[0].Data["first"].Value != "请填写问卷" {
		t.Fatalf("SentTemplates %+v", sent)
	}

	// JS-SDK: the SDK's signature is reproducible from the simulator's ticket.
	page := "http://svc.example/s/x?lang=en"
	jc, err := oa.GetJs().GetConfig(page)
	if err != nil {
		t.Fatal(err)
	}
	if want := JSSignature(s.JSAPITicket(), jc.NonceStr, jc.Timestamp, page); jc.Signature != want {
		t.Fatalf("JS signature %s, want %s", jc.Signature, want)
	}

	// An expired token is refused with 42001; the SDK surfaces it.
	s.ExpireAccessTokens()
	if _, err := oa.GetTemplate().Send(tpl); err == nil || !strings.Contains(err.Error(), "42001") {
		t.Fatalf("send with expired token: %v", err)
	}

	// The stable-token flavour.
	stable := officialaccount.NewOfficialAccount(&config.Config{AppID: DefaultAppID, AppSecret: DefaultAppSecret,
		Token: DefaultToken, Cache: &lockedCache{}, UseStableAK: true})
	if _, err := stable.GetAccessToken(); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.StableTokenFetches != 1 {
		t.Fatalf("stable fetches %d", st.StableTokenFetches)
	}
}
