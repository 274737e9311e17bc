package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/officialaccount/config"
	wcctx "github.com/silenceper/wechat/v2/officialaccount/context"
	"github.com/silenceper/wechat/v2/officialaccount/message"
	"github.com/silenceper/wechat/v2/officialaccount/server"
	"github.com/silenceper/wechat/v2/util"
)

// ---- published vectors (WECHAT.md) -------------------------------------------

const vectorKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

func TestSignatureVectors(t *testing.T) {
	cases := []struct {
		name  string
		parts []string
		want  string
	}{
		{"wechatpy", []string{"test", "1410685589", "test"}, "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"},
		{"pywe-sign", []string{"789", "456", "123"}, "f7c3bc1d808e04732adf679965ccc34ca7ae3441"},
		{"vector C plain", []string{"spamtest", "1409735669", "1320562132"}, "16120ec1b8dbb870f510d87ce6bc2463eae6ca1a"},
		{"vector C msg_signature", []string{"spamtest", "1409735669", "1320562132", vectorCEncrypt},
			"5d197aaffba7e9b25a30732f161a50dee96bd5fa"},
	}
	for _, c := range cases {
		in := append([]string(nil), c.parts...)
		if got := Signature(c.parts...); got != c.want {
			t.Errorf("%s: Signature = %s, want %s", c.name, got, c.want)
		}
		if strings.Join(in, ",") != strings.Join(c.parts, ",") {
			t.Errorf("%s: Signature reordered its argument slice", c.name)
		}
	}
}

func TestEncryptVectorA(t *testing.T) {
	const want = "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
	got, err := Encrypt(vectorKey, "wxb11529c136998cb6", []byte("aaaabbbbccccdddd"), []byte("我是中文abcd123"))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("Encrypt = %s\nwant      %s", got, want)
	}
	random, msg, err := Decrypt(vectorKey, "wxb11529c136998cb6", got)
	if err != nil || string(random) != "aaaabbbbccccdddd" || string(msg) != "我是中文abcd123" {
		t.Fatalf("Decrypt(vector A) = %q, %q, %v", random, msg, err)
	}
}

const vectorCEncrypt = "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="

func TestDecryptVectorC(t *testing.T) {
	const want = "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n" +
		"<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n" +
		"<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n" +
		"<Content><![CDATA[abcdteT]]></Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>"
	if sig := Signature("spamtest", "1409735669", "1320562132", vectorCEncrypt); sig != "5d197aaffba7e9b25a30732f161a50dee96bd5fa" {
		t.Fatalf("msg_signature = %s", sig)
	}
	_, msg, err := Decrypt(vectorKey, "wx2c2769f8efd9abc2", vectorCEncrypt)
	if err != nil {
		t.Fatal(err)
	}
	if string(msg) != want {
		t.Fatalf("Decrypt = %q\nwant      %q", msg, want)
	}
	// The appid check is what stops a message for another account.
	if _, _, err := Decrypt(vectorKey, "wxSOMEONEELSE", vectorCEncrypt); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("Decrypt with wrong appid: err = %v, want ErrDecrypt", err)
	}
	other := "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg"
	if _, _, err := Decrypt(other, "wx2c2769f8efd9abc2", vectorCEncrypt); err == nil {
		t.Fatal("Decrypt with the wrong key succeeded")
	}
}

func TestJSSignatureVector(t *testing.T) {
	got := JSSignature("sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
		"Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value")
	if got != "0f9de62fce790f9a083d5c99e95740ceb90c27ed" {
		t.Fatalf("JSSignature = %s", got)
	}
}

// The service uses the SDK's helpers; ours must interoperate with them in
// both directions, not just agree with the vectors.
func TestCryptoInteropWithSDKUtil(t *testing.T) {
	msg := []byte("<xml><Content><![CDATA[问卷 survey]]></Content></xml>")
	for n := range 70 { // every padding length
		m := bytes.Repeat(msg, 1)[:len(msg)-n%len(msg)]
		enc, err := Encrypt(DefaultEncodingAESKey, DefaultAppID, nil, m)
		if err != nil {
			t.Fatal(err)
		}
		_, got, err := util.DecryptMsg(DefaultAppID, enc, DefaultEncodingAESKey)
		if err != nil || !bytes.Equal(got, m) {
			t.Fatalf("SDK cannot decrypt ours (len %d): %q, %v", len(m), got, err)
		}
		sdkEnc, err := util.EncryptMsg([]byte("0123456789abcdef"), m, DefaultAppID, DefaultEncodingAESKey)
		if err != nil {
			t.Fatal(err)
		}
		_, got, err = Decrypt(DefaultEncodingAESKey, DefaultAppID, string(sdkEnc))
		if err != nil || !bytes.Equal(got, m) {
			t.Fatalf("we cannot decrypt the SDK's (len %d): %q, %v", len(m), got, err)
		}
	}
	if a, b := Signature("b", "a", "c"), util.Signature("b", "a", "c"); a != b {
		t.Fatalf("Signature %s != SDK %s", a, b)
	}
}

// ---- harness ------------------------------------------------------------------

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newSim starts a simulator on an httptest server with a movable clock
// (set to the real time so that pushed timestamps look current).
func newSim(t *testing.T, cfg Config) (*Simulator, *httptest.Server, *fakeClock) {
	t.Helper()
	clock := &fakeClock{t: time.Now()}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	s := New(cfg)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ts, clock
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func getJSON(t *testing.T, u string) map[string]any {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return decodeJSON(t, resp)
}

func postJSON(t *testing.T, u string, body any) map[string]any {
	t.Helper()
	var b []byte
	if s, ok := body.(string); ok {
		b = []byte(s)
	} else {
		b, _ = json.Marshal(body)
	}
	resp, err := http.Post(u, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return decodeJSON(t, resp)
}

func decodeJSON(t *testing.T, resp *http.Response) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("%s: body is not JSON: %v", resp.Request.URL.Path, err)
	}
	return m
}

func errcode(m map[string]any) int {
	if v, ok := m["errcode"].(float64); ok {
		return int(v)
	}
	return 0
}

func fetchToken(t *testing.T, base string) string {
	t.Helper()
	m := getJSON(t, base+"/cgi-bin/token?grant_type=client_credential&appid="+DefaultAppID+"&secret="+DefaultAppSecret)
	tok, _ := m["access_token"].(string)
	if tok == "" || m["expires_in"] != float64(7200) {
		t.Fatalf("token response %v", m)
	}
	return tok
}

// ---- access token ---------------------------------------------------------------

func TestAccessTokenCountsAndValidation(t *testing.T) {
	s, ts, clock := newSim(t, Config{})
	t1 := fetchToken(t, ts.URL)
	if s.TokenFetches() != 1 {
		t.Fatalf("TokenFetches = %d, want 1", s.TokenFetches())
	}
	bad := getJSON(t, ts.URL+"/cgi-bin/token?grant_type=client_credential&appid="+DefaultAppID+"&secret=nope")
	if errcode(bad) != 40001 || bad["access_token"] != nil {
		t.Fatalf("wrong secret: %v", bad)
	}
	if m := getJSON(t, ts.URL+"/cgi-bin/token?grant_type=client_credential&appid=wxother&secret="+DefaultAppSecret); errcode(m) != 40013 {
		t.Fatalf("wrong appid: %v", m)
	}
	if s.TokenFetches() != 1 {
		t.Fatalf("refused fetches counted: %d", s.TokenFetches())
	}

	// A protected endpoint accepts the token and refuses anything else.
	menuGet := func(tok string) int {
		return errcode(getJSON(t, ts.URL+"/cgi-bin/menu/get?access_token="+url.QueryEscape(tok)))
	}
	if c := menuGet(t1); c != 46003 { // valid token, no menu yet
		t.Fatalf("menu/get with valid token: errcode %d", c)
	}
	if c := menuGet("forged"); c != 40001 {
		t.Fatalf("forged token: errcode %d, want 40001", c)
	}
	if c := errcode(getJSON(t, ts.URL+"/cgi-bin/menu/get")); c != 41001 {
		t.Fatalf("missing token: errcode %d, want 41001", c)
	}

	// A second fetch leaves the first valid for the 5-minute grace only:
	// two replicas fetching separately break each other.
	t2 := fetchToken(t, ts.URL)
	if t2 == t1 || s.TokenFetches() != 2 {
		t.Fatalf("second fetch: same token or count %d", s.TokenFetches())
	}
	if c := menuGet(t1); c != 46003 {
		t.Fatalf("old token inside grace: errcode %d", c)
	}
	clock.Advance(5*time.Minute + time.Second)
	if c := menuGet(t1); c != 42001 {
		t.Fatalf("old token after grace: errcode %d, want 42001", c)
	}
	if c := menuGet(t2); c != 46003 {
		t.Fatalf("new token: errcode %d", c)
	}
	clock.Advance(AccessTokenTTL)
	if c := menuGet(t2); c != 42001 {
		t.Fatalf("token after 7200 s: errcode %d, want 42001", c)
	}

	st := getJSON(t, ts.URL+"/sim/stats")
	if st["token_fetches"] != float64(2) || st["token_errors"] != float64(2) || st["rejected_token_calls"] != float64(4) {
		t.Fatalf("/sim/stats = %v", st)
	}
}

func TestExpireAccessTokensAndNegativeGrace(t *testing.T) {
	s, ts, _ := newSim(t, Config{OldTokenGrace: -1})
	t1 := fetchToken(t, ts.URL)
	fetchToken(t, ts.URL)
	if c := errcode(getJSON(t, ts.URL+"/cgi-bin/menu/get?access_token="+t1)); c != 42001 {
		t.Fatalf("old token with negative grace: %d, want 42001", c)
	}
	t3 := s.AccessToken()
	s.ExpireAccessTokens()
	if c := errcode(getJSON(t, ts.URL+"/cgi-bin/menu/get?access_token="+t3)); c != 42001 {
		t.Fatalf("after ExpireAccessTokens: %d", c)
	}
	if s.AccessToken() != "" {
		t.Fatal("AccessToken returns an expired token")
	}
}

func TestStableToken(t *testing.T) {
	s, ts, _ := newSim(t, Config{})
	body := map[string]any{"grant_type": "client_credential", "appid": DefaultAppID, "secret": DefaultAppSecret}
	a := postJSON(t, ts.URL+"/cgi-bin/stable_token", body)
	b := postJSON(t, ts.URL+"/cgi-bin/stable_token", body)
	if a["access_token"] == nil || a["access_token"] != b["access_token"] {
		t.Fatalf("stable tokens differ: %v %v", a, b)
	}
	body["force_refresh"] = true
	c := postJSON(t, ts.URL+"/cgi-bin/stable_token", body)
	if c["access_token"] == a["access_token"] {
		t.Fatal("force_refresh returned the same token")
	}
	if st := s.Stats(); st.StableTokenFetches != 3 || st.TokenFetches != 3 || st.ClassicTokenFetches != 0 {
		t.Fatalf("stats %+v", st)
	}
	body["secret"] = "wrong"
	if m := postJSON(t, ts.URL+"/cgi-bin/stable_token", body); errcode(m) != 40001 {
		t.Fatalf("wrong secret: %v", m)
	}
	if m := getJSON(t, ts.URL+"/cgi-bin/stable_token"); errcode(m) != 43002 {
		t.Fatalf("GET stable_token: %v", m)
	}
}

// ---- OAuth ----------------------------------------------------------------------

func authorizeURL(base, redirect, state string) string {
	return base + "/connect/oauth2/authorize?appid=" + DefaultAppID + "&redirect_uri=" + url.QueryEscape(redirect) +
		"&response_type=code&scope=snsapi_base&state=" + state + "#wechat_redirect"
}

// authorize follows the authorize step with client and returns the code
// from the redirect, checking the redirect goes back where it should.
func authorize(t *testing.T, client *http.Client, req *http.Request, redirectPrefix, state string) string {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: status %d (errcode %s)", resp.StatusCode, resp.Header.Get("X-Wechatsim-Errcode"))
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, redirectPrefix+"&code=") && !strings.HasPrefix(loc, redirectPrefix+"?code=") {
		t.Fatalf("redirect %q does not start with %q + code", loc, redirectPrefix)
	}
	u, _ := url.Parse(loc)
	if u.Query().Get("state") != state {
		t.Fatalf("state %q, want %q", u.Query().Get("state"), state)
	}
	return u.Query().Get("code")
}

func exchange(t *testing.T, base, code string) map[string]any {
	t.Helper()
	return getJSON(t, base+"/sns/oauth2/access_token?appid="+DefaultAppID+"&secret="+DefaultAppSecret+
		"&code="+url.QueryEscape(code)+"&grant_type=authorization_code")
}

func TestOAuthRoundTrip(t *testing.T) {
	s, ts, clock := newSim(t, Config{})
	// The service's own query must come back intact, then code and state.
	redirect := "http://svc.example/wechat/oauth/callback?next=%2Fs%2Fsanya"
	req, _ := http.NewRequest("GET", authorizeURL(ts.URL, redirect, "St4te"), nil)
	code := authorize(t, noRedirect, req, redirect, "St4te")

	got := exchange(t, ts.URL, code)
	if got["openid"] != s.DefaultOpenID() || got["scope"] != "snsapi_base" || got["access_token"] == nil {
		t.Fatalf("exchange = %v", got)
	}
	if _, ok := got["is_snapshotuser"]; ok {
		t.Fatalf("is_snapshotuser present for a real user: %v", got)
	}
	if m := exchange(t, ts.URL, code); errcode(m) != 40163 || m["errmsg"] != "code been used" {
		t.Fatalf("reused code: %v", m)
	}
	if m := exchange(t, ts.URL, "nosuchcode"); errcode(m) != 40029 {
		t.Fatalf("unknown code: %v", m)
	}

	// Header identity, and expiry after five minutes.
	req, _ = http.NewRequest("GET", authorizeURL(ts.URL, redirect, ""), nil)
	req.Header.Set(IdentityHeader, "o_header")
	code = authorize(t, noRedirect, req, redirect, "")
	clock.Advance(OAuthCodeTTL + time.Second)
	if m := exchange(t, ts.URL, code); errcode(m) != 40029 {
		t.Fatalf("expired code: %v", m)
	}
	req.Header.Set(IdentityHeader, "o_header")
	code = authorize(t, noRedirect, req, redirect, "")
	if m := exchange(t, ts.URL, code); m["openid"] != "o_header" {
		t.Fatalf("header identity: %v", m)
	}

	// Wrong secret is refused and the code stays usable.
	req, _ = http.NewRequest("GET", authorizeURL(ts.URL, redirect, "x"), nil)
	code = authorize(t, noRedirect, req, redirect, "x")
	if m := getJSON(t, ts.URL+"/sns/oauth2/access_token?appid="+DefaultAppID+"&secret=bad&code="+code+"&grant_type=authorization_code"); errcode(m) != 40125 {
		t.Fatalf("wrong secret: %v", m)
	}
	if m := exchange(t, ts.URL, code); m["openid"] == nil {
		t.Fatalf("code burnt by a refused exchange: %v", m)
	}
	if st := s.Stats(); st.CodeExchanges != 3 || st.CodeExchangeErrors != 4 || st.OAuthAuthorizes != 4 {
		t.Fatalf("stats %+v", st)
	}
}

// A browser test picks its identity with /sim/login; the cookie lives on
// the simulator's origin, so the service never sees it.
func TestOAuthBrowserIdentityAndSnapshot(t *testing.T) {
	_, ts, _ := newSim(t, Config{})
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}

	resp, err := browser.Get(ts.URL + "/sim/login?openid=o1&next=" + url.QueryEscape("/sim/whoami"))
	if err != nil {
		t.Fatal(err)
	}
	who := decodeJSON(t, resp)
	resp.Body.Close()
	if who["openid"] != "o1" || who["snapshot"] != false {
		t.Fatalf("whoami after login: %v", who)
	}
	noFollow := &http.Client{Jar: jar, CheckRedirect: noRedirect.CheckRedirect}
	redirect := "https://svc.example/cb"
	req, _ := http.NewRequest("GET", authorizeURL(ts.URL, redirect, "s"), nil)
	if m := exchange(t, ts.URL, authorize(t, noFollow, req, redirect, "s")); m["openid"] != "o1" {
		t.Fatalf("cookie identity: %v", m)
	}

	resp, err = browser.Get(ts.URL + "/sim/login?openid=snap1&snapshot=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	req, _ = http.NewRequest("GET", authorizeURL(ts.URL, redirect, "s"), nil)
	m := exchange(t, ts.URL, authorize(t, noFollow, req, redirect, "s"))
	if m["openid"] != "snap1" || m["is_snapshotuser"] != float64(1) {
		t.Fatalf("snapshot user: %v", m)
	}
}

func TestOAuthAuthorizeRefusals(t *testing.T) {
	_, ts, _ := newSim(t, Config{OAuthDomains: []string{"svc.example"}, RequireWeChatUA: false})
	cases := []struct {
		name, query, errcode string
	}{
		{"wrong appid", "appid=wxother&redirect_uri=http%3A%2F%2Fsvc.example%2Fcb&response_type=code&scope=snsapi_base", "10016"},
		{"no redirect", "appid=" + DefaultAppID + "&response_type=code&scope=snsapi_base", "10011"},
		{"bad scope", "appid=" + DefaultAppID + "&redirect_uri=http%3A%2F%2Fsvc.example%2Fcb&response_type=code&scope=snsapi_x", "10005"},
		{"state with url", "appid=" + DefaultAppID + "&redirect_uri=http%3A%2F%2Fsvc.example%2Fcb&response_type=code&scope=snsapi_base&state=%2Fs%2Fx", "40097"},
		{"foreign domain", "appid=" + DefaultAppID + "&redirect_uri=http%3A%2F%2Fevil.example%2Fcb&response_type=code&scope=snsapi_base", "10003"},
		{"relative redirect", "appid=" + DefaultAppID + "&redirect_uri=%2Fcb&response_type=code&scope=snsapi_base", "10003"},
	}
	for _, c := range cases {
		resp, err := noRedirect.Get(ts.URL + "/connect/oauth2/authorize?" + c.query)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 || resp.Header.Get("X-Wechatsim-Errcode") != c.errcode {
			t.Errorf("%s: status %d errcode %q, want 400 %s", c.name, resp.StatusCode, resp.Header.Get("X-Wechatsim-Errcode"), c.errcode)
		}
	}

	_, ts2, _ := newSim(t, Config{RequireWeChatUA: true})
	req, _ := http.NewRequest("GET", authorizeURL(ts2.URL, "http://svc.example/cb", "s"), nil)
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("non-WeChat browser: status %d, want 403", resp.StatusCode)
	}
	req.Header.Set("User-Agent", "Mozilla/5.0 (Linux; Android 10) MicroMessenger/8.0.40")
	authorize(t, noRedirect, req, "http://svc.example/cb", "s")
}

// ---- QR codes -------------------------------------------------------------------

func TestQRTicketEscaping(t *testing.T) {
	s, ts, clock := newSim(t, Config{})
	tok := fetchToken(t, ts.URL)
	create := func(body string) map[string]any {
		return postJSON(t, ts.URL+"/cgi-bin/qrcode/create?access_token="+tok, body)
	}
	m := create(`{"expire_seconds":604800,"action_name":"QR_STR_SCENE","action_info":{"scene":{"scene_str":"q_sanya-2018-evaluation"}}}`)
	ticket, _ := m["ticket"].(string)
	if !strings.ContainsAny(ticket, "+") || !strings.Contains(ticket, "/") || !strings.HasSuffix(ticket, "=") {
		t.Fatalf("ticket %q lacks '+', '/' or '='", ticket)
	}
	if m["expire_seconds"] != float64(604800) || !strings.HasPrefix(m["url"].(string), "http://weixin.qq.com/q/") {
		t.Fatalf("create = %v", m)
	}
	if _, ok := m["errmsg"]; ok {
		t.Fatalf("success carries errmsg (the SDK would report an error): %v", m)
	}
	// Every ticket, not just most (a random base64 string of this length
	// lacks a '+' about one time in four).
	for i := range 30 {
		m := create(fmt.Sprintf(`{"action_name":"QR_STR_SCENE","action_info":{"scene":{"scene_str":"q_%d"}}}`, i))
		if tk, _ := m["ticket"].(string); !strings.Contains(tk, "+") || !strings.Contains(tk, "/") || !strings.HasSuffix(tk, "=") {
			t.Fatalf("ticket %q lacks '+', '/' or '='", tk)
		}
	}
	if q, ok := s.QRCodeForScene("q_sanya-2018-evaluation"); !ok || q.Ticket != ticket {
		t.Fatalf("QRCodeForScene = %+v, %v", q, ok)
	}

	// Escaped: a 430x430 PNG.
	resp, err := http.Get(ts.URL + "/cgi-bin/showqrcode?ticket=" + url.QueryEscape(ticket))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || err != nil {
		t.Fatalf("escaped showqrcode: %d %s %v", resp.StatusCode, resp.Header.Get("Content-Type"), err)
	}
	if b := img.Bounds(); b.Dx() != 430 || b.Dy() != 430 {
		t.Fatalf("QR image %v", b)
	}
	// Unescaped, as basic.ShowQRCode builds it: '+' arrives as a space.
	resp, err = http.Get(ts.URL + "/cgi-bin/showqrcode?ticket=" + ticket)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("unescaped ticket: status %d, want 404", resp.StatusCode)
	}
	if st := s.Stats(); st.QRShows != 1 || st.QRShowMisses != 1 || st.QRCreates != 31 {
		t.Fatalf("stats %+v", st)
	}

	// Permanent codes have no expiry; temporary ones lapse.
	p := create(`{"action_name":"QR_LIMIT_STR_SCENE","action_info":{"scene":{"scene_str":"q_x"}}}`)
	if _, ok := p["expire_seconds"]; ok || p["ticket"] == nil {
		t.Fatalf("permanent code: %v", p)
	}
	clock.Advance(604801 * time.Second)
	fetchToken(t, ts.URL) // the first one expired meanwhile
	resp, _ = http.Get(ts.URL + "/cgi-bin/showqrcode?ticket=" + url.QueryEscape(ticket))
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("expired ticket: status %d", resp.StatusCode)
	}
	resp, _ = http.Get(ts.URL + "/cgi-bin/showqrcode?ticket=" + url.QueryEscape(p["ticket"].(string)))
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("permanent ticket: status %d", resp.StatusCode)
	}

	tok = s.AccessToken()
	for body, want := range map[string]int{
		`{"action_name":"QR_FOO","action_info":{"scene":{"scene_str":"x"}}}`:           40052,
		`{"action_name":"QR_STR_SCENE","action_info":{"scene":{"scene_str":""}}}`:      40053,
		`{"action_name":"QR_LIMIT_SCENE","action_info":{"scene":{"scene_id":100001}}}`: 40053,
		`not json`: 47001,
	} {
		if m := postJSON(t, ts.URL+"/cgi-bin/qrcode/create?access_token="+tok, body); errcode(m) != want {
			t.Errorf("%s: %v, want %d", body, m, want)
		}
	}
	if m := postJSON(t, ts.URL+"/cgi-bin/qrcode/create?access_token=bad", `{}`); errcode(m) != 40001 {
		t.Fatalf("bad token: %v", m)
	}
}

// ---- menu, templates, JS ticket ---------------------------------------------------

func TestMenu(t *testing.T) {
	s, ts, _ := newSim(t, Config{})
	tok := fetchToken(t, ts.URL)
	// As the SDK marshals it: HTML-escaped '&' in URLs.
	menu := `{"button":[{"type":"click","name":"问卷 Survey","key":"EVALUATE"},` +
		`{"name":"More","sub_button":[{"type":"view","name":"Site","url":"https://svc.example/s/x?a=1\u0026b=2"}]}]}`
	if m := postJSON(t, ts.URL+"/cgi-bin/menu/create?access_token="+tok, menu); errcode(m) != 0 || m["errmsg"] != "ok" {
		t.Fatalf("create: %v", m)
	}
	got := s.Menu()
	if got == nil || got.ButtonByKey("EVALUATE") == nil || got.Buttons[1].SubButtons[0].URL != "https://svc.example/s/x?a=1&b=2" {
		t.Fatalf("Menu() = %+v", got)
	}
	m := getJSON(t, ts.URL+"/cgi-bin/menu/get?access_token="+tok)
	if b, _ := json.Marshal(m["menu"]); !strings.Contains(string(b), `"key":"EVALUATE"`) {
		t.Fatalf("menu/get = %v", m)
	}
	for body, want := range map[string]int{
		`{"button":[]}`: 40016,
		`{"button":[{"type":"click","name":"a","key":"k"},{"type":"click","name":"b","key":"k"},{"type":"click","name":"c","key":"k"},{"type":"click","name":"d","key":"k"}]}`: 40016,
		`{"button":[{"type":"click","name":"a"}]}`:                             40019,
		`{"button":[{"type":"click","name":"12345678901234567","key":"k"}]}`:   40018,
		`{"button":[{"type":"view","name":"a","url":"/s/x"}]}`:                 40020,
		`{"button":[{"name":"a","sub_button":[{"type":"click","name":"b"}]}]}`: 40026,
		`{"button":[{"type":"bogus","name":"a","key":"k"}]}`:                   40017,
	} {
		if m := postJSON(t, ts.URL+"/cgi-bin/menu/create?access_token="+tok, body); errcode(m) != want {
			t.Errorf("%s: %v, want %d", body, m, want)
		}
	}
	if s.Menu().ButtonByKey("EVALUATE") == nil {
		t.Fatal("a refused create replaced the menu")
	}
	if m := getJSON(t, ts.URL+"/cgi-bin/menu/create?access_token="+tok); errcode(m) != 43002 {
		t.Fatalf("GET menu/create: %v", m)
	}
}

func TestTemplateSend(t *testing.T) {
	s, ts, _ := newSim(t, Config{TemplateIDs: []string{"tpl_remind"}})
	tok := fetchToken(t, ts.URL)
	send := func(to, tpl, link, clientID string) map[string]any {
		return postJSON(t, ts.URL+"/cgi-bin/message/template/send?access_token="+tok, map[string]any{
			"touser": to, "template_id": tpl, "url": link, "client_msg_id": clientID,
			"data":        map[string]any{"first": map[string]string{"value": "请填写问卷", "color": "#173177"}},
			"miniprogram": map[string]string{"appid": "", "pagepath": ""},
		})
	}
	ok := send("o1", "tpl_remind", "https://svc.example/s/sanya", "")
	if errcode(ok) != 0 || ok["errmsg"] != "ok" || ok["msgid"] == nil {
		t.Fatalf("send: %v", ok)
	}
	s.FailTemplateFor("o2", 43004)
	if m := send("o2", "tpl_remind", "", ""); errcode(m) != 43004 || m["errmsg"] != "require subscribe hint" {
		t.Fatalf("failing openid: %v", m)
	}
	if m := send("o1", "tpl_other", "", ""); errcode(m) != 40037 {
		t.Fatalf("unknown template: %v", m)
	}
	if m := send("o1", "tpl_remind", "/s/sanya", ""); errcode(m) != 47001 {
		t.Fatalf("relative url: %v", m)
	}
	a, b := send("o3", "tpl_remind", "", "run1-o3"), send("o3", "tpl_remind", "", "run1-o3")
	if a["msgid"] != b["msgid"] {
		t.Fatalf("client_msg_id not deduplicated: %v %v", a, b)
	}
	sent := s.SentTemplates()
	if len(sent) != 2 || sent[0].ToUser != "o1" || sent[0].Data["first"].Value != "请填写问卷" ||
		sent[0].URL != "https://svc.example/s/sanya" || sent[0].MiniProgram != nil || sent[1].ToUser != "o3" {
		t.Fatalf("SentTemplates = %+v", sent)
	}
	if st := s.Stats(); st.TemplatesSent != 2 || st.TemplateFailures != 3 {
		t.Fatalf("stats %+v", st)
	}
	list := getJSON(t, ts.URL+"/sim/templates")
	if arr, _ := list["templates"].([]any); len(arr) != 2 {
		t.Fatalf("/sim/templates = %v", list)
	}
	s.FailTemplateFor("o2", 0)
	if m := send("o2", "tpl_remind", "", ""); errcode(m) != 0 {
		t.Fatalf("cleared failure: %v", m)
	}
}

func TestRequireFollowForTemplates(t *testing.T) {
	s, ts, _ := newSim(t, Config{RequireFollowForTemplates: true})
	tok := fetchToken(t, ts.URL)
	body := map[string]any{"touser": "o1", "template_id": "t", "data": map[string]any{}}
	if m := postJSON(t, ts.URL+"/cgi-bin/message/template/send?access_token="+tok, body); errcode(m) != 43004 {
		t.Fatalf("non-follower: %v", m)
	}
	s.SetFollower("o1", true)
	if m := postJSON(t, ts.URL+"/cgi-bin/message/template/send?access_token="+tok, body); errcode(m) != 0 {
		t.Fatalf("follower: %v", m)
	}
}

func TestJSAPITicket(t *testing.T) {
	s, ts, _ := newSim(t, Config{})
	tok := fetchToken(t, ts.URL)
	a := getJSON(t, ts.URL+"/cgi-bin/ticket/getticket?access_token="+tok+"&type=jsapi")
	b := getJSON(t, ts.URL+"/cgi-bin/ticket/getticket?access_token="+tok+"&type=jsapi")
	if errcode(a) != 0 || a["errmsg"] != "ok" || a["ticket"] == nil || a["ticket"] != b["ticket"] || a["expires_in"] != float64(7200) {
		t.Fatalf("getticket: %v %v", a, b)
	}
	if s.JSAPITicket() != a["ticket"] || s.Stats().JSTicketFetches != 2 {
		t.Fatalf("JSAPITicket %q stats %+v", s.JSAPITicket(), s.Stats())
	}
	if m := getJSON(t, ts.URL+"/cgi-bin/ticket/getticket?access_token=bad&type=jsapi"); errcode(m) != 40001 {
		t.Fatalf("bad token: %v", m)
	}
}

func TestNotSimulatedIsReported(t *testing.T) {
	s, ts, _ := newSim(t, Config{})
	resp, err := http.Get(ts.URL + "/cgi-bin/user/info?access_token=x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 || len(s.Stats().Unsimulated) != 1 {
		t.Fatalf("status %d, unsimulated %v", resp.StatusCode, s.Stats().Unsimulated)
	}
}

// ---- pushing events ------------------------------------------------------------------

// sdkCallback serves a callback with the SDK's own server, as the service
// does, so that pushes are proven against the code that will receive them.
func sdkCallback(t *testing.T, cfg Config, handle func(*message.MixMessage) *message.Reply) *httptest.Server {
	t.Helper()
	cfg = cfg.withDefaults()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv := server.NewServer(&wcctx.Context{Config: &config.Config{AppID: cfg.AppID, AppSecret: cfg.AppSecret,
			Token: cfg.Token, EncodingAESKey: cfg.EncodingAESKey}})
		srv.Request, srv.Writer = r, w
		srv.SetMessageHandler(handle)
		if err := srv.Serve(); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		if err := srv.Send(); err != nil {
			t.Errorf("SDK Send: %v", err)
		}
	}))
	t.Cleanup(ts.Close)
	return ts
}

// newsFor replies to a scan with the questionnaire link, the way the
// service will.
func newsFor(base string) func(*message.MixMessage) *message.Reply {
	return func(m *message.MixMessage) *message.Reply {
		scene := strings.TrimPrefix(m.EventKey, QRScenePrefix)
		var link string
		switch {
		case m.Event == message.EventSubscribe || m.Event == message.EventScan:
			link = base + "/s/" + strings.TrimPrefix(scene, "q_")
		case m.Event == message.EventClick:
			link = base + "/click/" + m.EventKey
		case m.MsgType == message.MsgTypeText:
			link = base + "/text/" + url.PathEscape(m.Content) + fmt.Sprintf("?msgid=%d", m.MsgID)
		default:
			return nil
		}
		return &message.Reply{MsgType: message.MsgTypeNews, MsgData: message.NewNews([]*message.Article{
			message.NewArticle("研讨会评估 Seminar evaluation", "请填写问卷", "", link+"?openid="+string(m.FromUserName))})}
	}
}

func TestPushAgainstSDKServerAllModes(t *testing.T) {
	s, _, _ := newSim(t, Config{})
	cb := sdkCallback(t, Config{}, newsFor("http://svc.example"))
	ctx := context.Background()
	for _, mode := range []Mode{ModePlain, ModeCompatible, ModeAES} {
		t.Run(string(mode), func(t *testing.T) {
			rep, err := s.Push(ctx, cb.URL+"/wechat/callback", s.ScanEvent("o1", "q_sanya-2018-evaluation", false), mode)
			if err != nil {
				t.Fatalf("Push: %v (body %q)", err, rep.Body)
			}
			if want := "http://svc.example/s/sanya-2018-evaluation?openid=o1"; rep.ArticleURL() != want {
				t.Fatalf("article URL %q, want %q", rep.ArticleURL(), want)
			}
			if rep.Encrypted != (mode != ModePlain) || rep.Message.MsgType != "news" ||
				rep.Message.Articles[0].Title != "研讨会评估 Seminar evaluation" {
				t.Fatalf("reply %+v (encrypted %v)", rep.Message, rep.Encrypted)
			}
			if mode == ModeAES && strings.Contains(rep.Sent.Body, "FromUserName") {
				t.Fatalf("safe-mode body leaks plaintext: %s", rep.Sent.Body)
			}
			if mode == ModeCompatible && !(strings.Contains(rep.Sent.Body, "<Event><![CDATA[subscribe]]>") && strings.Contains(rep.Sent.Body, "<Encrypt>")) {
				t.Fatalf("compatible body lacks plaintext or Encrypt: %s", rep.Sent.Body)
			}

			rep, err = s.Push(ctx, cb.URL, s.ClickEvent("o2", "EVALUATE"), mode)
			if err != nil || rep.ArticleURL() != "http://svc.example/click/EVALUATE?openid=o2" {
				t.Fatalf("click: %v %q", err, rep.ArticleURL())
			}
			rep, err = s.Push(ctx, cb.URL, s.TextMessage("o3", "问卷"), mode)
			if err != nil || !strings.HasPrefix(rep.ArticleURL(), "http://svc.example/text/%E9%97%AE%E5%8D%B7?msgid=") {
				t.Fatalf("text: %v %q", err, rep.ArticleURL())
			}
		})
	}
	if !s.IsFollower("o1") {
		t.Fatal("subscribe did not make o1 a follower")
	}
}

func TestPushSignatureRefusedBySDK(t *testing.T) {
	s, _, _ := newSim(t, Config{})
	cb := sdkCallback(t, Config{}, newsFor("http://svc.example"))
	ev := s.ScanEvent("o1", "q_x", true)
	if rep, err := s.PushWith(context.Background(), cb.URL, ev, PushOptions{Mode: ModePlain, BadSignature: true}); !errors.Is(err, ErrBadReply) || rep.Status != 403 {
		t.Fatalf("bad signature: %v", err)
	}
	if rep, err := s.PushWith(context.Background(), cb.URL, ev, PushOptions{Mode: ModeAES, BadMsgSignature: true}); !errors.Is(err, ErrBadReply) || rep.Status != 403 {
		t.Fatalf("bad msg_signature: %v", err)
	}
	// A simulator with another token signs differently: refused.
	other := New(Config{Token: "othertoken"})
	if _, err := other.Push(context.Background(), cb.URL, ev, ModePlain); !errors.Is(err, ErrBadReply) {
		t.Fatalf("foreign token accepted: %v", err)
	}
}

// The SDK trap from WECHAT.md: a nil reply in safe mode is sent as an
// encrypted empty payload, which the simulator rejects.
func TestPushRejectsSDKEmptyEncryptedReply(t *testing.T) {
	s, _, _ := newSim(t, Config{})
	cb := sdkCallback(t, Config{}, func(*message.MixMessage) *message.Reply { return nil })
	if rep, err := s.Push(context.Background(), cb.URL, s.UnsubscribeEvent("o1"), ModePlain); err != nil || !rep.Empty {
		t.Fatalf("plain nil reply: %v %+v", err, rep)
	}
	if _, err := s.Push(context.Background(), cb.URL, s.UnsubscribeEvent("o1"), ModeAES); !errors.Is(err, ErrBadReply) ||
		!strings.Contains(err.Error(), "empty payload") {
		t.Fatalf("aes nil reply: err = %v, want empty-payload ErrBadReply", err)
	}
}

// recorder is a hand-written callback: it checks every request with the
// SDK's util helpers (not ours) and answers with a scripted reply.
type recorder struct {
	t     *testing.T
	cfg   Config
	mu    sync.Mutex
	reqs  []recorded
	reply func(n int, plain []byte, q url.Values) (status int, body string)
}

type recorded struct {
	query url.Values
	raw   string // raw query
	body  string
	plain string
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	body, _ := io.ReadAll(r.Body)
	if util.Signature(rc.cfg.Token, q.Get("timestamp"), q.Get("nonce")) != q.Get("signature") {
		http.Error(w, "bad signature", 403)
		return
	}
	plain := body
	if q.Get("encrypt_type") == "aes" {
		var env struct {
			ToUserName string `xml:"ToUserName"`
			Encrypt    string `xml:"Encrypt"`
		}
		if err := xml.Unmarshal(body, &env); err != nil {
			http.Error(w, "bad xml", 400)
			return
		}
		if util.Signature(rc.cfg.Token, q.Get("timestamp"), q.Get("nonce"), env.Encrypt) != q.Get("msg_signature") {
			http.Error(w, "bad msg_signature", 403)
			return
		}
		var err error
		if _, plain, err = util.DecryptMsg(rc.cfg.AppID, env.Encrypt, rc.cfg.EncodingAESKey); err != nil {
			http.Error(w, "decrypt: "+err.Error(), 400)
			return
		}
		if env.ToUserName != rc.cfg.OriginalID {
			http.Error(w, "envelope ToUserName "+env.ToUserName, 400)
			return
		}
	}
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, recorded{query: q, raw: r.URL.RawQuery, body: string(body), plain: string(plain)})
	n := len(rc.reqs)
	rc.mu.Unlock()
	status, out := rc.reply(n, plain, q)
	w.WriteHeader(status)
	io.WriteString(w, out)
}

func (rc *recorder) requests() []recorded {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]recorded(nil), rc.reqs...)
}

func newRecorder(t *testing.T, reply func(n int, plain []byte, q url.Values) (int, string)) (*recorder, *httptest.Server) {
	rc := &recorder{t: t, cfg: Config{}.withDefaults(), reply: reply}
	ts := httptest.NewServer(rc)
	t.Cleanup(ts.Close)
	return rc, ts
}

// newsXML is a news reply to the default account from openid.
func newsXML(openid, link string) string {
	return "<xml><ToUserName><![CDATA[" + openid + "]]></ToUserName><FromUserName><![CDATA[" + DefaultOriginalID +
		"]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[news]]></MsgType><ArticleCount>1</ArticleCount>" +
		"<Articles><item><Title><![CDATA[T]]></Title><Description><![CDATA[D]]></Description><PicUrl><![CDATA[]]></PicUrl>" +
		"<Url><![CDATA[" + link + "]]></Url></item></Articles></xml>"
}

// sealed encrypts and signs a reply with the SDK's util, as the SDK does.
func sealed(t *testing.T, plain string, sigOK bool) string {
	cfg := Config{}.withDefaults()
	enc, err := util.EncryptMsg([]byte("abcdefghijklmnop"), []byte(plain), cfg.AppID, cfg.EncodingAESKey)
	if err != nil {
		t.Error(err)
	}
	sig := util.Signature(cfg.Token, "1700000001", "42", string(enc))
	if !sigOK {
		sig = corrupt(sig)
	}
	return "<xml><Encrypt><![CDATA[" + string(enc) + "]]></Encrypt><MsgSignature><![CDATA[" + sig +
		"]]></MsgSignature><TimeStamp>1700000001</TimeStamp><Nonce><![CDATA[42]]></Nonce></xml>"
}

func TestPushRequestShapeAndReplyJudgement(t *testing.T) {
	s, _, _ := newSim(t, Config{})
	var script func(plain []byte) (int, string)
	rc, cb := newRecorder(t, func(_ int, plain []byte, _ url.Values) (int, string) { return script(plain) })
	ctx := context.Background()
	ev := s.ScanEvent("o1", "q_sanya", false)

	script = func([]byte) (int, string) { return 200, newsXML("o1", "https://svc.example/s/sanya") }
	rep, err := s.Push(ctx, cb.URL+"/wechat/callback?tenant=a", ev, ModeCompatible)
	if err != nil || rep.ArticleURL() != "https://svc.example/s/sanya" || rep.Encrypted {
		t.Fatalf("compatible with plaintext reply: %v %+v", err, rep)
	}
	got := rc.requests()[0]
	if got.query.Get("tenant") != "a" || got.query.Get("openid") != "o1" || got.query.Get("encrypt_type") != "aes" {
		t.Fatalf("query %v", got.query)
	}
	var msg message.MixMessage
	if err := xml.Unmarshal([]byte(got.plain), &msg); err != nil || msg.EventKey != "qrscene_q_sanya" ||
		msg.Event != message.EventSubscribe || string(msg.FromUserName) != "o1" || msg.Ticket == "" ||
		string(msg.ToUserName) != DefaultOriginalID || msg.CreateTime == 0 {
		t.Fatalf("decrypted message %+v (%v)", msg, err)
	}

	cases := []struct {
		name   string
		mode   Mode
		status int
		body   string
		want   error // nil: accepted
		empty  bool
	}{
		{"success", ModeAES, 200, "success", nil, true},
		{"empty", ModePlain, 200, "", nil, true},
		{"encrypted ok", ModeAES, 200, sealed(t, newsXML("o1", "https://svc.example/s/x"), true), nil, false},
		{"encrypted bad signature", ModeAES, 200, sealed(t, newsXML("o1", "https://svc.example/s/x"), false), ErrBadReply, false},
		{"encrypted success", ModeAES, 200, sealed(t, "success", true), nil, true},
		{"plaintext in aes", ModeAES, 200, newsXML("o1", "https://svc.example/s/x"), ErrBadReply, false},
		{"encrypted in plain", ModePlain, 200, sealed(t, newsXML("o1", "https://svc.example/s/x"), true), ErrBadReply, false},
		{"status 500", ModePlain, 500, "oops", ErrBadReply, false},
		{"relative link", ModePlain, 200, newsXML("o1", "/s/x"), ErrBadReply, false},
		{"wrong addressee", ModePlain, 200, newsXML("o2", "https://svc.example/s/x"), ErrBadReply, false},
		{"not xml", ModePlain, 200, "{\"ok\":true}", ErrBadReply, false},
		{"wrong root", ModeAES, 200, sealed(t, strings.ReplaceAll(newsXML("o1", "https://svc.example/s/x"), "xml>", "reply>"), true), ErrBadReply, false},
	}
	for _, c := range cases {
		script = func([]byte) (int, string) { return c.status, c.body }
		rep, err := s.Push(ctx, cb.URL, ev, c.mode)
		if !errors.Is(err, c.want) || (err == nil && c.want != nil) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
			continue
		}
		if rep == nil || rep.Empty != c.empty {
			t.Errorf("%s: reply %+v, want Empty=%v", c.name, rep, c.empty)
		}
	}

	// A user's own text message allows one article only.
	script = func([]byte) (int, string) {
		two := strings.Replace(newsXML("o1", "https://a.example/"), "<ArticleCount>1</ArticleCount>", "<ArticleCount>2</ArticleCount>", 1)
		two = strings.Replace(two, "</Articles>", "<item><Title>B</Title><Url>https://b.example/</Url></item></Articles>", 1)
		return 200, two
	}
	if _, err := s.Push(ctx, cb.URL, s.TextMessage("o1", "survey"), ModePlain); !errors.Is(err, ErrBadReply) {
		t.Fatalf("two articles to a text message: %v", err)
	}
	if _, err := s.Push(ctx, cb.URL, ev, ModePlain); err != nil {
		t.Fatalf("two articles to an event: %v", err)
	}
}

func TestPushTimeout(t *testing.T) {
	s, _, _ := newSim(t, Config{})
	release := make(chan struct{})
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer cb.Close()
	defer close(release)
	rep, err := s.PushWith(context.Background(), cb.URL, s.ClickEvent("o1", "EVALUATE"), PushOptions{Timeout: 50 * time.Millisecond})
	if !errors.Is(err, ErrTimeout) || rep == nil || !rep.TimedOut {
		t.Fatalf("slow callback: %v %+v", err, rep)
	}
}

func TestPushWithRetries(t *testing.T) {
	s, _, _ := newSim(t, Config{})
	ctx := context.Background()
	rc, cb := newRecorder(t, func(n int, plain []byte, q url.Values) (int, string) {
		return 200, "success"
	})

	// Identical: byte-for-byte the same request three times.
	reps, err := s.PushWithRetries(ctx, cb.URL, s.TextMessage("o1", "问卷"), ModeAES, RetryOptions{Always: true, Identical: true})
	if err != nil || len(reps) != 3 {
		t.Fatalf("identical: %v, %d replies", err, len(reps))
	}
	got := rc.requests()
	if len(got) != 3 || got[0].raw != got[1].raw || got[1].raw != got[2].raw || got[0].body != got[2].body {
		t.Fatalf("identical retries differ: %+v", got)
	}

	// Fresh signatures, same message (CreateTime and MsgId).
	reps, err = s.PushWithRetries(ctx, cb.URL, s.TextMessage("o1", "问卷"), ModeAES, RetryOptions{Always: true})
	if err != nil || len(reps) != 3 {
		t.Fatalf("re-signed: %v", err)
	}
	got = rc.requests()[3:]
	if got[0].query.Get("nonce") == got[1].query.Get("nonce") || got[0].body == got[1].body {
		t.Fatal("re-signed retries reuse nonce or ciphertext")
	}
	var m0, m2 message.MixMessage
	xml.Unmarshal([]byte(got[0].plain), &m0)
	xml.Unmarshal([]byte(got[2].plain), &m2)
	if m0.MsgID == 0 || m0.MsgID != m2.MsgID || m0.CreateTime != m2.CreateTime {
		t.Fatalf("retries carry different messages: %d/%d %d/%d", m0.MsgID, m2.MsgID, m0.CreateTime, m2.CreateTime)
	}

	// Platform-like: stop at the first acceptable reply.
	reps, err = s.PushWithRetries(ctx, cb.URL, s.ClickEvent("o1", "EVALUATE"), ModePlain, RetryOptions{})
	if err != nil || len(reps) != 1 {
		t.Fatalf("platform-like: %v, %d replies", err, len(reps))
	}

	// Concurrent: all three in flight at once.
	before := len(rc.requests())
	reps, err = s.PushWithRetries(ctx, cb.URL, s.ClickEvent("o1", "EVALUATE"), ModePlain, RetryOptions{Concurrent: true, Identical: true})
	if err != nil || len(reps) != 3 || len(rc.requests())-before != 3 {
		t.Fatalf("concurrent: %v, %d replies", err, len(reps))
	}
}

func TestPushRetriesAfterSlowFirstAttempt(t *testing.T) {
	s, _, _ := newSim(t, Config{})
	var mu sync.Mutex
	calls := 0
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 1 {
			// The first attempt never answers in time. (The body must be
			// read first: only then does net/http notice the client
			// hanging up and cancel the context.)
			io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
			return
		}
		io.WriteString(w, "success")
	}))
	defer cb.Close()
	reps, err := s.PushWithRetries(context.Background(), cb.URL, s.ClickEvent("o1", "K"), ModePlain,
		RetryOptions{Timeout: 100 * time.Millisecond})
	if err != nil || len(reps) != 2 || !reps[0].TimedOut || reps[1].Err != nil {
		t.Fatalf("retry after timeout: %v, %d replies", err, len(reps))
	}
}

func TestVerify(t *testing.T) {
	s, _, _ := newSim(t, Config{})
	cb := sdkCallback(t, Config{}, newsFor("http://svc.example"))
	if rep, err := s.Verify(context.Background(), cb.URL); err != nil || rep.Status != 200 {
		t.Fatalf("verify against SDK: %v", err)
	}
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, r.URL.Query().Get("echostr")) // trailing newline: refused by the platform
	}))
	defer bad.Close()
	if _, err := s.Verify(context.Background(), bad.URL); !errors.Is(err, ErrBadReply) {
		t.Fatalf("verify with trailing newline: %v", err)
	}
}

func TestSimPushEndpoint(t *testing.T) {
	s, ts, _ := newSim(t, Config{})
	cb := sdkCallback(t, Config{}, newsFor("http://svc.example"))
	out := postJSON(t, ts.URL+"/sim/push", map[string]any{"callback": cb.URL, "mode": "aes", "scene": "q_sanya",
		"event": map[string]any{"FromUserName": "o9"}})
	reps, _ := out["replies"].([]any)
	if len(reps) != 1 || out["error"] != nil {
		t.Fatalf("/sim/push = %v", out)
	}
	if r0 := reps[0].(map[string]any); r0["article_url"] != "http://svc.example/s/sanya?openid=o9" || r0["encrypted"] != true {
		t.Fatalf("/sim/push reply %v", r0)
	}
	if s.Stats().Pushes != 1 {
		t.Fatalf("pushes %d", s.Stats().Pushes)
	}
}

func TestEventXMLEscapesCDATA(t *testing.T) {
	ev := Event{ToUserName: "gh", FromUserName: "o1", CreateTime: 1, MsgType: "text", Content: "a]]>b<c>", MsgID: 7}
	var m message.MixMessage
	if err := xml.Unmarshal([]byte(ev.XML()), &m); err != nil || m.Content != "a]]>b<c>" || m.MsgID != 7 {
		t.Fatalf("round trip: %+v %v", m, err)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := (Config{}).Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	if err := (Config{EncodingAESKey: "short"}).Validate(); err == nil {
		t.Fatal("short AES key accepted")
	}
	if err := (Config{Token: "has space"}).Validate(); err == nil {
		t.Fatal("token with a space accepted")
	}
	if DeriveOpenID(DefaultAppID, "x") != New(Config{}).OpenID("x") || len(New(Config{}).DefaultOpenID()) != 28 {
		t.Fatal("openid derivation unstable")
	}
}

func TestRewriter(t *testing.T) {
	rw := Rewriter("http://127.0.0.1:9100/")
	for in, want := range map[string]string{
		"https://api.weixin.qq.com/cgi-bin/token?x=1":                "http://127.0.0.1:9100/cgi-bin/token?x=1",
		"https://open.weixin.qq.com/connect/oauth2/authorize?a=b#wx": "http://127.0.0.1:9100/connect/oauth2/authorize?a=b#wx",
		"https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=a%2B":    "http://127.0.0.1:9100/cgi-bin/showqrcode?ticket=a%2B",
		"https://api.weixin.qq.com.example/x":                        "https://api.weixin.qq.com.example/x",
		"https://svc.example/s/x":                                    "https://svc.example/s/x",
	} {
		if got := rw(in); got != want {
			t.Errorf("Rewriter(%q) = %q, want %q", in, got, want)
		}
	}
}

// Each account type is refused, with 48001, what the platform does not let
// it do; customer-service messages go only within 48 hours of the
// follower's last message (45015 otherwise).
func TestAccountTypesAreRefusedWhatTheyMayNotDo(t *testing.T) {
	for _, c := range []struct {
		typ                               string
		qr, template, menu, custom, oauth bool
	}{
		{AccountServiceVerified, true, true, true, true, true},
		{AccountService, false, false, true, false, false},
		{AccountSubscriptionVerified, false, false, true, true, false},
		{AccountSubscription, false, false, false, false, false},
	} {
		t.Run(c.typ, func(t *testing.T) {
			now := time.Date(2018, 1, 17, 9, 0, 0, 0, time.UTC)
			s := New(Config{AccountType: c.typ, Now: func() time.Time { return now }})
			ts := httptest.NewServer(s.Handler())
			defer ts.Close()
			tok := fetchToken(t, ts.URL)
			allowed := func(m map[string]any) bool { return errcode(m) != ErrCodeAPIUnauthorized }
			if got := allowed(postJSON(t, ts.URL+"/cgi-bin/qrcode/create?access_token="+tok, map[string]any{"action_name": "QR_LIMIT_STR_SCENE", "action_info": map[string]any{"scene": map[string]any{"scene_str": "q_x"}}})); got != c.qr {
				t.Errorf("QR code allowed %v, want %v", got, c.qr)
			}
			if got := allowed(postJSON(t, ts.URL+"/cgi-bin/message/template/send?access_token="+tok, map[string]any{"touser": "o1", "template_id": "t", "data": map[string]any{}})); got != c.template {
				t.Errorf("template allowed %v, want %v", got, c.template)
			}
			if got := allowed(postJSON(t, ts.URL+"/cgi-bin/menu/create?access_token="+tok, map[string]any{"button": []any{map[string]any{"type": "click", "name": "评估", "key": "EVALUATE"}}})); got != c.menu {
				t.Errorf("menu allowed %v, want %v", got, c.menu)
			}
			custom := map[string]any{"touser": "o1", "msgtype": "text", "text": map[string]any{"content": "hi"}}
			m := postJSON(t, ts.URL+"/cgi-bin/message/custom/send?access_token="+tok, custom)
			if got := allowed(m); got != c.custom {
				t.Errorf("customer message allowed %v, want %v", got, c.custom)
			}
			if c.custom {
				if errcode(m) != ErrCodeOutOfTimeLimit {
					t.Errorf("customer message with no message from the follower: %v, want 45015", m)
				}
				s.mu.Lock()
				s.lastMessage["o1"] = now.Add(-47 * time.Hour)
				s.mu.Unlock()
				if m := postJSON(t, ts.URL+"/cgi-bin/message/custom/send?access_token="+tok, custom); errcode(m) != 0 || len(s.SentCustomMessages()) != 1 {
					t.Errorf("within 48 h: %v", m)
				}
			}
			noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			res, err := noFollow.Get(ts.URL + "/connect/oauth2/authorize?appid=" + s.Config().AppID + "&redirect_uri=http%3A%2F%2Fexample.com%2Fcb&response_type=code&scope=snsapi_base&state=s#wechat_redirect")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if got := !strings.Contains(string(body), "10005"); got != c.oauth {
				t.Errorf("OAuth allowed %v, want %v (%d %s)", got, c.oauth, res.StatusCode, body)
			}
		})
	}
	if err := (Config{AccountType: "personal"}).Validate(); err == nil {
		t.Error("an unknown account type validates")
	}
}
