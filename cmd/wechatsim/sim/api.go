package sim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"
)

// This file serves the platform API the service calls. Paths, parameter
// names, JSON field names and error codes are the real platform's; where
// the SDK relies on a quirk (a successful qrcode/create answer has no
// errmsg at all, or the SDK reports an error), the simulator reproduces it.

// Error codes used by the simulated API, as documented by the platform.
const (
	ErrCodeInvalidCredential  = 40001 // invalid access_token or wrong appsecret
	ErrCodeInvalidGrantType   = 40002
	ErrCodeInvalidOpenID      = 40003
	ErrCodeInvalidAppID       = 40013
	ErrCodeInvalidCode        = 40029 // unknown or expired OAuth code
	ErrCodeInvalidRefresh     = 40030
	ErrCodeInvalidTemplateID  = 40037
	ErrCodeInvalidActionName  = 40052
	ErrCodeInvalidActionInfo  = 40053
	ErrCodeInvalidArgs        = 40097
	ErrCodeInvalidAppSecret   = 40125
	ErrCodeCodeUsed           = 40163 // OAuth code exchanged twice
	ErrCodeTokenMissing       = 41001
	ErrCodeCodeMissing        = 41008
	ErrCodeTokenExpired       = 42001
	ErrCodeRequireGet         = 43001
	ErrCodeRequirePost        = 43002
	ErrCodeRequireSubscribe   = 43004
	ErrCodeUserRefused        = 43101
	ErrCodeMenuNotExist       = 46003
	ErrCodeDataFormat         = 47001
	ErrCodeAPIUnauthorized    = 48001
	ErrCodeOutOfTimeLimit     = 45015 // customer-service message outside the 48-hour window
	ErrCodeNotSimulated       = -1    // not a platform code: the simulator lacks the endpoint
	errCodeOAuthRedirectHost  = 10003
	errCodeOAuthScope         = 10005
	errCodeOAuthScopeEmpty    = 10010
	errCodeOAuthRedirectEmpty = 10011
	errCodeOAuthAppIDEmpty    = 10012
	errCodeOAuthAppID         = 10016
)

// QRCode is a parametric QR code created through /cgi-bin/qrcode/create.
type QRCode struct {
	Ticket     string `json:"ticket"`
	URL        string `json:"url"`         // what the QR image encodes
	ActionName string `json:"action_name"` // QR_SCENE, QR_STR_SCENE, QR_LIMIT_SCENE, QR_LIMIT_STR_SCENE
	// Scene is the scene_str, or the decimal scene_id for numeric codes;
	// it is what a scan event carries in EventKey.
	Scene   string    `json:"scene"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires,omitzero"` // zero for permanent codes
}

// ImagePath is the showqrcode path for the code, with the ticket escaped
// as it must be (tickets contain '+', '/' and '=').
func (q QRCode) ImagePath() string {
	return "/cgi-bin/showqrcode?ticket=" + url.QueryEscape(q.Ticket)
}

// Menu is the custom menu as the platform stores it.
type Menu struct {
	Buttons []*Button `json:"button"`
}

// Button is one menu button; top-level buttons with SubButtons have no
// type of their own.
type Button struct {
	Type       string    `json:"type,omitempty"` // click, view, miniprogram, scancode_push, ...
	Name       string    `json:"name"`
	Key        string    `json:"key,omitempty"` // click and the other event types
	URL        string    `json:"url,omitempty"` // view, miniprogram fallback
	MediaID    string    `json:"media_id,omitempty"`
	ArticleID  string    `json:"article_id,omitempty"`
	AppID      string    `json:"appid,omitempty"`
	PagePath   string    `json:"pagepath,omitempty"`
	SubButtons []*Button `json:"sub_button,omitempty"`
}

// Leaves returns the buttons a user can actually press (top-level buttons
// without sub-buttons, and all sub-buttons), in menu order.
func (m *Menu) Leaves() []*Button {
	var out []*Button
	for _, b := range m.Buttons {
		if len(b.SubButtons) == 0 {
			out = append(out, b)
		}
		out = append(out, b.SubButtons...)
	}
	return out
}

// ButtonByKey returns the leaf button with the given key (a CLICK button's
// EventKey), or nil.
func (m *Menu) ButtonByKey(key string) *Button {
	for _, b := range m.Leaves() {
		if b.Key == key {
			return b
		}
	}
	return nil
}

// TemplateMessage is one delivered template message.
type TemplateMessage struct {
	MsgID       int64                       `json:"msgid"`
	ToUser      string                      `json:"touser"`
	TemplateID  string                      `json:"template_id"`
	URL         string                      `json:"url,omitempty"`
	Data        map[string]TemplateDataItem `json:"data"`
	ClientMsgID string                      `json:"client_msg_id,omitempty"`
	MiniProgram *TemplateMiniProgram        `json:"miniprogram,omitempty"`
	SentAt      time.Time                   `json:"sent_at"`
}

// TemplateDataItem is one field of a template message.
type TemplateDataItem struct {
	Value string `json:"value"`
	Color string `json:"color,omitempty"`
}

// TemplateMiniProgram is a template message's mini-program jump target.
type TemplateMiniProgram struct {
	AppID    string `json:"appid"`
	PagePath string `json:"pagepath"`
}

// Handler returns the simulator's HTTP handler: the platform's API paths
// plus /sim/… helpers for tests and demos.
func (s *Simulator) Handler() http.Handler {
	mux := http.NewServeMux()
	// api.weixin.qq.com
	mux.HandleFunc("/cgi-bin/token", s.handleToken)
	mux.HandleFunc("/cgi-bin/stable_token", s.handleStableToken)
	mux.HandleFunc("/cgi-bin/ticket/getticket", s.handleGetTicket)
	mux.HandleFunc("/cgi-bin/qrcode/create", s.handleQRCreate)
	mux.HandleFunc("/cgi-bin/menu/create", s.handleMenuCreate)
	mux.HandleFunc("/cgi-bin/menu/get", s.handleMenuGet)
	mux.HandleFunc("/cgi-bin/menu/delete", s.handleMenuDelete)
	mux.HandleFunc("/cgi-bin/message/template/send", s.handleTemplateSend)
	mux.HandleFunc("/cgi-bin/message/custom/send", s.handleCustomSend)
	mux.HandleFunc("/sns/oauth2/access_token", s.handleCodeExchange)
	mux.HandleFunc("/sns/oauth2/refresh_token", s.handleRefreshToken)
	mux.HandleFunc("/sns/userinfo", s.handleUserInfo)
	mux.HandleFunc("/sns/auth", s.handleSNSAuth)
	// open.weixin.qq.com
	mux.HandleFunc("/connect/oauth2/authorize", s.handleAuthorize)
	// mp.weixin.qq.com
	mux.HandleFunc("/cgi-bin/showqrcode", s.handleShowQR)
	// simulator helpers
	s.registerSimRoutes(mux)
	mux.HandleFunc("/", s.handleNotSimulated)

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.stats.Calls[r.Method+" "+r.URL.Path]++
		s.mu.Unlock()
		s.cfg.Logger.Debug("wechatsim request", "method", r.Method, "path", r.URL.Path)
		mux.ServeHTTP(w, r)
	})
}

// apiError is the platform's error body.
type apiError struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

func writeJSON(w http.ResponseWriter, v any) {
	// The platform labels JSON this way; keep it so content-type sniffing
	// in the service is exercised as in production.
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeErr answers with HTTP 200 and an errcode body, as the platform does
// for every API error: a service that only checks the HTTP status misses
// all of them.
func writeErr(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, apiError{ErrCode: code, ErrMsg: msg})
}

func (s *Simulator) handleNotSimulated(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if len(s.stats.Unsimulated) < 100 {
		s.stats.Unsimulated = append(s.stats.Unsimulated, r.Method+" "+r.URL.Path)
	}
	s.mu.Unlock()
	s.cfg.Logger.Warn("wechatsim: endpoint not simulated", "method", r.Method, "path", r.URL.Path)
	w.WriteHeader(http.StatusNotFound)
	writeErr(w, ErrCodeNotSimulated, "wechatsim: endpoint not simulated: "+r.Method+" "+r.URL.Path)
}

// method checks the HTTP method with the platform's error codes.
func method(w http.ResponseWriter, r *http.Request, want string) bool {
	if r.Method == want || want == http.MethodGet && r.Method == http.MethodHead {
		return true
	}
	if want == http.MethodPost {
		writeErr(w, ErrCodeRequirePost, "require POST method")
	} else {
		writeErr(w, ErrCodeRequireGet, "require GET method")
	}
	return false
}

// ---- access token ---------------------------------------------------------

func (s *Simulator) handleToken(w http.ResponseWriter, r *http.Request) {
	if !method(w, r, http.MethodGet) {
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	if code, msg := s.checkAppCredentialsLocked(q.Get("grant_type"), q.Get("appid"), q.Get("secret")); code != 0 {
		s.stats.TokenErrors++
		writeErr(w, code, msg)
		return
	}
	tok := s.issueClassicLocked()
	writeJSON(w, map[string]any{"access_token": tok, "expires_in": int(AccessTokenTTL.Seconds())})
}

func (s *Simulator) checkAppCredentialsLocked(grantType, appID, secret string) (int, string) {
	switch {
	case grantType != "client_credential":
		return ErrCodeInvalidGrantType, "invalid grant_type"
	case appID != s.cfg.AppID:
		return ErrCodeInvalidAppID, "invalid appid"
	case secret != s.cfg.AppSecret:
		// The platform answers a wrong secret with 40001 too.
		return ErrCodeInvalidCredential, "invalid credential, access_token is invalid or not latest (wrong appsecret)"
	}
	return 0, ""
}

// issueClassicLocked issues a /cgi-bin/token token. Like the platform, a
// new token shortens the previous one's life to the grace period: replicas
// that each fetch their own token keep invalidating each other's.
func (s *Simulator) issueClassicLocked() string {
	now := s.now()
	if old := s.tokens[s.classicToken]; old != nil {
		old.expires = minTime(old.expires, now.Add(max(s.cfg.OldTokenGrace, 0)))
	}
	s.pruneTokensLocked(now)
	tok := randomString(136, tokenAlphabet)
	s.tokens[tok] = &accessToken{kind: "classic", expires: now.Add(AccessTokenTTL)}
	s.classicToken = tok
	s.stats.TokenFetches++
	s.stats.ClassicTokenFetches++
	return tok
}

func (s *Simulator) pruneTokensLocked(now time.Time) {
	for tok, t := range s.tokens {
		// Keep expired tokens for a while so their use answers 42001
		// (expired) rather than 40001 (unknown).
		if now.Sub(t.expires) > 24*time.Hour {
			delete(s.tokens, tok)
		}
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func (s *Simulator) handleStableToken(w http.ResponseWriter, r *http.Request) {
	if !method(w, r, http.MethodPost) {
		return
	}
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil {
		writeErr(w, ErrCodeDataFormat, "data format error")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if code, msg := s.checkAppCredentialsLocked(req.GrantType, req.AppID, req.Secret); code != 0 {
		s.stats.TokenErrors++
		writeErr(w, code, msg)
		return
	}
	now := s.now()
	// The stable endpoint returns the same token while it is valid, unless
	// force_refresh is set; it is independent of /cgi-bin/token.
	cur := s.tokens[s.stableToken]
	if cur == nil || !now.Before(cur.expires) || req.ForceRefresh {
		if cur != nil {
			cur.expires = minTime(cur.expires, now.Add(max(s.cfg.OldTokenGrace, 0)))
		}
		s.pruneTokensLocked(now)
		s.stableToken = randomString(136, tokenAlphabet)
		cur = &accessToken{kind: "stable", expires: now.Add(AccessTokenTTL)}
		s.tokens[s.stableToken] = cur
	}
	s.stats.TokenFetches++
	s.stats.StableTokenFetches++
	writeJSON(w, map[string]any{"access_token": s.stableToken, "expires_in": int(cur.expires.Sub(now).Seconds())})
}

// checkToken validates ?access_token= on a protected endpoint and writes
// the platform's error when it is not acceptable.
func (s *Simulator) checkToken(w http.ResponseWriter, r *http.Request) bool {
	tok := r.URL.Query().Get("access_token")
	s.mu.Lock()
	defer s.mu.Unlock()
	code, msg := 0, ""
	switch t := s.tokens[tok]; {
	case tok == "":
		code, msg = ErrCodeTokenMissing, "access_token missing"
	case t == nil:
		code, msg = ErrCodeInvalidCredential, "invalid credential, access_token is invalid or not latest"
	case !s.now().Before(t.expires):
		code, msg = ErrCodeTokenExpired, "access_token expired"
	}
	if code != 0 {
		s.stats.RejectedTokenCalls++
		s.cfg.Logger.Info("wechatsim: access_token refused", "path", r.URL.Path, "errcode", code)
		writeErr(w, code, msg)
		return false
	}
	return true
}

// ---- JS-SDK ticket --------------------------------------------------------

func (s *Simulator) handleGetTicket(w http.ResponseWriter, r *http.Request) {
	if !method(w, r, http.MethodGet) || !s.checkToken(w, r) {
		return
	}
	if t := r.URL.Query().Get("type"); t != "jsapi" {
		writeErr(w, ErrCodeInvalidArgs, "invalid args: wechatsim only simulates type=jsapi, got "+strconv.Quote(t))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.jsTicket == "" || !now.Before(s.jsTicketExp) {
		s.jsTicket = randomString(86, tokenAlphabet)
		s.jsTicketExp = now.Add(AccessTokenTTL)
	}
	s.stats.JSTicketFetches++
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "ticket": s.jsTicket,
		"expires_in": int(s.jsTicketExp.Sub(now).Seconds())})
}

// ---- OAuth ----------------------------------------------------------------

// Identity selection for the simulated phone. The real platform knows who
// holds the phone; the simulator lets a test choose with a header (for
// HTTP clients) or a cookie on the simulator's own origin (for browsers,
// set by /sim/login), falling back to DefaultOpenID.
const (
	IdentityHeader = "X-Wechatsim-Openid"
	IdentityCookie = "wechatsim_openid"
)

// currentOpenID returns the openid of the "phone" making request r.
func (s *Simulator) currentOpenID(r *http.Request) string {
	if v := r.Header.Get(IdentityHeader); validOpenID(v) {
		return v
	}
	if c, err := r.Cookie(IdentityCookie); err == nil && validOpenID(c.Value) {
		return c.Value
	}
	return s.DefaultOpenID()
}

// validOpenID accepts what can safely travel in a cookie and a URL; real
// openids are 28 characters of [A-Za-z0-9_-].
func validOpenID(v string) bool {
	if v == "" || len(v) > 64 {
		return false
	}
	for _, c := range v {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func (s *Simulator) oauthError(w http.ResponseWriter, code int, msg string) {
	s.mu.Lock()
	s.stats.OAuthErrors++
	s.mu.Unlock()
	s.cfg.Logger.Info("wechatsim: oauth authorize refused", "errcode", code, "msg", msg)
	// The real page is an HTML error page; tests read the code from the
	// header rather than scraping HTML.
	w.Header().Set("X-Wechatsim-Errcode", strconv.Itoa(code))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, "<!doctype html><meta charset=utf-8><title>wechatsim OAuth error</title>"+
		"<h1>Oops! Something went wrong :(</h1><p>errcode %d: %s</p>", code, html.EscapeString(msg))
}

// handleAuthorize is the page a WeChat browser is sent to. The platform
// shows nothing for snsapi_base and redirects at once, so the simulator
// redirects straight back with a fresh code for the current identity.
func (s *Simulator) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	if !s.capabilities().oauth {
		// The platform's own error page: the account has no web OAuth.
		s.oauthError(w, errCodeOAuthScope, "此公众号并没有这些scope的权限 (this account type has no web authorisation: "+s.cfg.AccountType+")")
		return
	}
	q := r.URL.Query()
	appID, redirect, scope, state := q.Get("appid"), q.Get("redirect_uri"), q.Get("scope"), q.Get("state")
	switch {
	case appID == "":
		s.oauthError(w, errCodeOAuthAppIDEmpty, "appid不能为空 (appid is empty)")
		return
	case appID != s.cfg.AppID:
		s.oauthError(w, errCodeOAuthAppID, "appid参数错误 (unknown appid "+appID+")")
		return
	case redirect == "":
		s.oauthError(w, errCodeOAuthRedirectEmpty, "redirect_uri不能为空 (redirect_uri is empty; was it URL-encoded?)")
		return
	case scope == "":
		s.oauthError(w, errCodeOAuthScopeEmpty, "scope不能为空 (scope is empty)")
		return
	case scope != "snsapi_base" && scope != "snsapi_userinfo":
		s.oauthError(w, errCodeOAuthScope, "此公众号并没有这些scope的权限 (scope "+scope+")")
		return
	case q.Get("response_type") != "code":
		s.oauthError(w, ErrCodeInvalidArgs, "response_type must be code")
		return
	case !validState(state):
		// The platform documents state as [a-zA-Z0-9]{0,128}; a service
		// that stuffs a return URL into it breaks on real phones.
		s.oauthError(w, ErrCodeInvalidArgs, "state must match [a-zA-Z0-9]{0,128}, got "+strconv.Quote(state))
		return
	}
	ru, err := url.Parse(redirect)
	if err != nil || (ru.Scheme != "http" && ru.Scheme != "https") || ru.Host == "" {
		s.oauthError(w, errCodeOAuthRedirectHost, "redirect_uri参数错误 (not an absolute http(s) URL: "+redirect+")")
		return
	}
	if len(s.cfg.OAuthDomains) > 0 && !hostAllowed(ru, s.cfg.OAuthDomains) {
		s.oauthError(w, errCodeOAuthRedirectHost, "redirect_uri域名与后台配置不一致 ("+ru.Host+")")
		return
	}
	if s.cfg.RequireWeChatUA && !strings.Contains(r.UserAgent(), "MicroMessenger") {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("X-Wechatsim-Errcode", "not-wechat")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, "<!doctype html><meta charset=utf-8><p>请在微信客户端打开链接 (open this link in WeChat)</p>")
		return
	}

	openid := s.currentOpenID(r)
	code := randomString(32, alnum)
	s.mu.Lock()
	s.codes[code] = &oauthCode{openid: openid, scope: scope, snapshot: s.snapshot[openid],
		expires: s.now().Add(OAuthCodeTTL)}
	s.stats.OAuthAuthorizes++
	for c, oc := range s.codes { // codes are dead after 5 minutes; drop old ones
		if s.now().Sub(oc.expires) > time.Hour {
			delete(s.codes, c)
		}
	}
	s.mu.Unlock()

	// Append rather than re-encode the query: the service's own
	// parameters must come back byte for byte.
	extra := "code=" + url.QueryEscape(code) + "&state=" + url.QueryEscape(state)
	if ru.RawQuery == "" {
		ru.RawQuery = extra
	} else {
		ru.RawQuery += "&" + extra
	}
	s.cfg.Logger.Info("wechatsim: oauth authorize", "openid", openid, "scope", scope, "redirect", ru.String())
	http.Redirect(w, r, ru.String(), http.StatusFound)
}

func validState(s string) bool {
	if len(s) > 128 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func hostAllowed(u *url.URL, domains []string) bool {
	for _, d := range domains {
		if strings.EqualFold(d, u.Host) || strings.EqualFold(d, u.Hostname()) {
			return true
		}
	}
	return false
}

func (s *Simulator) handleCodeExchange(w http.ResponseWriter, r *http.Request) {
	if !method(w, r, http.MethodGet) || !s.may(w, "oauth") {
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	fail := func(code int, msg string) {
		s.stats.CodeExchangeErrors++
		s.cfg.Logger.Info("wechatsim: oauth code exchange refused", "errcode", code, "msg", msg)
		writeErr(w, code, msg)
	}
	code := q.Get("code")
	c := s.codes[code]
	switch {
	case q.Get("appid") != s.cfg.AppID:
		fail(ErrCodeInvalidAppID, "invalid appid")
	case q.Get("secret") != s.cfg.AppSecret:
		fail(ErrCodeInvalidAppSecret, "invalid appsecret")
	case q.Get("grant_type") != "authorization_code":
		fail(ErrCodeInvalidGrantType, "invalid grant_type")
	case code == "":
		fail(ErrCodeCodeMissing, "missing code")
	case c == nil:
		fail(ErrCodeInvalidCode, "invalid code")
	case c.used:
		// A refreshed callback page re-sends its spent code: the service
		// must restart OAuth rather than show an error.
		fail(ErrCodeCodeUsed, "code been used")
	case !s.now().Before(c.expires):
		fail(ErrCodeInvalidCode, "invalid code (expired)")
	default:
		c.used = true
		s.stats.CodeExchanges++
		resp := s.grantLocked(&userToken{openid: c.openid, scope: c.scope, snapshot: c.snapshot})
		writeJSON(w, resp)
	}
}

// grantLocked issues an sns access/refresh token pair and returns the
// platform's response body for it.
func (s *Simulator) grantLocked(g *userToken) map[string]any {
	g.expires = s.now().Add(AccessTokenTTL)
	at := randomString(110, tokenAlphabet)
	rt := randomString(110, tokenAlphabet)
	s.userTokens[at] = g
	s.refreshTokens[rt] = g
	resp := map[string]any{
		"access_token":  at,
		"expires_in":    int(AccessTokenTTL.Seconds()),
		"refresh_token": rt,
		"openid":        g.openid,
		"scope":         g.scope,
	}
	// The field is present only for snapshot users, as on the platform:
	// a service must treat its absence as "real user".
	if g.snapshot {
		resp["is_snapshotuser"] = 1
	}
	return resp
}

func (s *Simulator) handleRefreshToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.refreshTokens[q.Get("refresh_token")]
	switch {
	case q.Get("appid") != s.cfg.AppID:
		writeErr(w, ErrCodeInvalidAppID, "invalid appid")
	case q.Get("grant_type") != "refresh_token":
		writeErr(w, ErrCodeInvalidGrantType, "invalid grant_type")
	case g == nil:
		writeErr(w, ErrCodeInvalidRefresh, "invalid refresh_token")
	default:
		ng := *g
		writeJSON(w, s.grantLocked(&ng))
	}
}

// userGrant validates an sns access token for openid.
func (s *Simulator) userGrant(w http.ResponseWriter, r *http.Request) *userToken {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.userTokens[q.Get("access_token")]
	switch {
	case g == nil:
		writeErr(w, ErrCodeInvalidCredential, "invalid credential, access_token is invalid or not latest")
	case !s.now().Before(g.expires):
		writeErr(w, ErrCodeTokenExpired, "access_token expired")
	case q.Get("openid") != g.openid:
		writeErr(w, ErrCodeInvalidOpenID, "invalid openid")
	default:
		return g
	}
	return nil
}

func (s *Simulator) handleUserInfo(w http.ResponseWriter, r *http.Request) {
	g := s.userGrant(w, r)
	if g == nil {
		return
	}
	if g.scope != "snsapi_userinfo" {
		writeErr(w, ErrCodeAPIUnauthorized, "api unauthorized (scope is "+g.scope+")")
		return
	}
	writeJSON(w, map[string]any{"openid": g.openid, "nickname": "Sim " + g.openid[:min(len(g.openid), 6)],
		"sex": 0, "province": "", "city": "", "country": "", "headimgurl": "", "privilege": []string{}})
}

func (s *Simulator) handleSNSAuth(w http.ResponseWriter, r *http.Request) {
	if s.userGrant(w, r) != nil {
		writeErr(w, 0, "ok")
	}
}

// ---- QR codes -------------------------------------------------------------

func (s *Simulator) handleQRCreate(w http.ResponseWriter, r *http.Request) {
	if !method(w, r, http.MethodPost) || !s.checkToken(w, r) || !s.may(w, "qrcodes") {
		return
	}
	var req struct {
		ExpireSeconds int64  `json:"expire_seconds"`
		ActionName    string `json:"action_name"`
		ActionInfo    struct {
			Scene struct {
				SceneStr string `json:"scene_str"`
				SceneID  int64  `json:"scene_id"`
			} `json:"scene"`
		} `json:"action_info"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil {
		writeErr(w, ErrCodeDataFormat, "data format error: "+err.Error())
		return
	}
	sc := req.ActionInfo.Scene
	var scene string
	temporary := false
	switch req.ActionName {
	case "QR_SCENE", "QR_LIMIT_SCENE":
		temporary = req.ActionName == "QR_SCENE"
		limit := int64(1<<32 - 1)
		if !temporary {
			limit = 100000 // permanent numeric scenes are 1..100000
		}
		if sc.SceneID < 1 || sc.SceneID > limit {
			writeErr(w, ErrCodeInvalidActionInfo, fmt.Sprintf("invalid action info: scene_id must be 1..%d", limit))
			return
		}
		scene = strconv.FormatInt(sc.SceneID, 10)
	case "QR_STR_SCENE", "QR_LIMIT_STR_SCENE":
		temporary = req.ActionName == "QR_STR_SCENE"
		if n := len(sc.SceneStr); n < 1 || n > 64 {
			writeErr(w, ErrCodeInvalidActionInfo, "invalid action info: scene_str must be 1..64 bytes")
			return
		}
		scene = sc.SceneStr
	default:
		writeErr(w, ErrCodeInvalidActionName, "invalid action name")
		return
	}

	now := s.now()
	q := &QRCode{Ticket: newTicket(), URL: "http://weixin.qq.com/q/" + randomString(22, alnum),
		ActionName: req.ActionName, Scene: scene, Created: now}
	resp := map[string]any{"ticket": q.Ticket, "url": q.URL}
	if temporary {
		// Platform rules: default 60 s, at most 30 days.
		exp := req.ExpireSeconds
		if exp <= 0 {
			exp = 60
		}
		exp = min(exp, 2592000)
		q.Expires = now.Add(time.Duration(exp) * time.Second)
		resp["expire_seconds"] = exp
	}
	s.mu.Lock()
	s.qrs[q.Ticket] = q
	s.qrOrder = append(s.qrOrder, q.Ticket)
	s.stats.QRCreates++
	s.mu.Unlock()
	// No errcode/errmsg on success: the SDK treats any errmsg as failure.
	writeJSON(w, resp)
}

// newTicket returns a ticket shaped like the platform's (base64, ~96
// characters) that always contains '+', '/' and '=', so that a service
// which puts it in a URL without escaping fails here: '+' turns into a
// space and the ticket is not found.
func newTicket() string {
	for {
		b := make([]byte, 70) // 70 % 3 == 1: base64 ends in "=="
		rand.Read(b)
		t := "gQ" + base64.StdEncoding.EncodeToString(b)
		if strings.Contains(t, "+") && strings.Contains(t, "/") {
			return t
		}
	}
}

func (s *Simulator) handleShowQR(w http.ResponseWriter, r *http.Request) {
	if !method(w, r, http.MethodGet) {
		return
	}
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	q := s.qrs[ticket]
	expired := q != nil && !q.Expires.IsZero() && !s.now().Before(q.Expires)
	if q == nil || expired {
		s.stats.QRShowMisses++
	} else {
		s.stats.QRShows++
	}
	s.mu.Unlock()
	if q == nil || expired {
		msg := "wechatsim: unknown ticket"
		if expired {
			msg = "wechatsim: ticket expired"
		} else if strings.Contains(ticket, " ") {
			msg += " (it contains a space: was '+' sent without URL-escaping?)"
		}
		s.cfg.Logger.Info("wechatsim: showqrcode miss", "ticket", ticket, "reason", msg)
		http.Error(w, msg, http.StatusNotFound)
		return
	}
	png, err := qrcode.Encode(q.URL, qrcode.Medium, 430)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(png)))
	w.Write(png)
}

// ---- menu -----------------------------------------------------------------

func (s *Simulator) handleMenuCreate(w http.ResponseWriter, r *http.Request) {
	if !method(w, r, http.MethodPost) || !s.checkToken(w, r) || !s.may(w, "menu") {
		return
	}
	var m Menu
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&m); err != nil {
		writeErr(w, ErrCodeDataFormat, "data format error: "+err.Error())
		return
	}
	if code, msg := validateMenu(&m); code != 0 {
		writeErr(w, code, msg)
		return
	}
	s.mu.Lock()
	s.menu = &m
	s.stats.MenuCreates++
	s.mu.Unlock()
	writeErr(w, 0, "ok")
}

// validateMenu applies the platform's menu rules with its error codes: at
// most 3 buttons of at most 16 bytes, at most 5 sub-buttons of at most 60
// bytes, click keys of at most 128 bytes, view URLs absolute and at most
// 1024 bytes.
func validateMenu(m *Menu) (int, string) {
	if n := len(m.Buttons); n < 1 || n > 3 {
		return 40016, fmt.Sprintf("invalid button size (%d, want 1..3)", n)
	}
	for i, b := range m.Buttons {
		if b == nil || b.Name == "" || len(b.Name) > 16 {
			return 40018, fmt.Sprintf("invalid button name size (button %d: 1..16 bytes)", i)
		}
		if len(b.SubButtons) > 0 {
			if len(b.SubButtons) > 5 {
				return 40023, fmt.Sprintf("invalid sub button size (button %d: at most 5)", i)
			}
			for j, sb := range b.SubButtons {
				if sb == nil || sb.Name == "" || len(sb.Name) > 60 {
					return 40025, fmt.Sprintf("invalid sub button name size (button %d.%d: 1..60 bytes)", i, j)
				}
				if len(sb.SubButtons) > 0 {
					return 40022, "invalid sub menu level"
				}
				if code, msg := validateLeaf(sb, true); code != 0 {
					return code, fmt.Sprintf("%s (button %d.%d)", msg, i, j)
				}
			}
			continue
		}
		if code, msg := validateLeaf(b, false); code != 0 {
			return code, fmt.Sprintf("%s (button %d)", msg, i)
		}
	}
	return 0, ""
}

func validateLeaf(b *Button, sub bool) (int, string) {
	// Sub-button errors are the top-level codes shifted by 7 (40017 ->
	// 40024, ...), as in the platform's table.
	off := 0
	if sub {
		off = 7
	}
	switch b.Type {
	case "click", "scancode_push", "scancode_waitmsg", "pic_sysphoto", "pic_photo_or_album", "pic_weixin", "location_select":
		if b.Key == "" || len(b.Key) > 128 {
			return 40019 + off, "invalid button key size (1..128 bytes)"
		}
	case "view":
		u, err := url.Parse(b.URL)
		if b.URL == "" || len(b.URL) > 1024 || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return 40020 + off, "invalid button url (absolute http(s), at most 1024 bytes): " + strconv.Quote(b.URL)
		}
	case "miniprogram":
		if b.AppID == "" || b.PagePath == "" || b.URL == "" {
			return 40017 + off, "invalid button type: miniprogram needs appid, pagepath and url"
		}
	case "media_id", "view_limited":
		if b.MediaID == "" {
			return 40017 + off, "invalid button type: media_id missing"
		}
	case "article_id", "article_view_limited":
		if b.ArticleID == "" {
			return 40017 + off, "invalid button type: article_id missing"
		}
	default:
		return 40017 + off, "invalid button type " + strconv.Quote(b.Type)
	}
	return 0, ""
}

func (s *Simulator) handleMenuGet(w http.ResponseWriter, r *http.Request) {
	if !method(w, r, http.MethodGet) || !s.checkToken(w, r) || !s.may(w, "menu") {
		return
	}
	m := s.Menu()
	if m == nil {
		writeErr(w, ErrCodeMenuNotExist, "menu no exist")
		return
	}
	writeJSON(w, map[string]any{"menu": m})
}

func (s *Simulator) handleMenuDelete(w http.ResponseWriter, r *http.Request) {
	if !method(w, r, http.MethodGet) || !s.checkToken(w, r) || !s.may(w, "menu") {
		return
	}
	s.mu.Lock()
	s.menu = nil
	s.mu.Unlock()
	writeErr(w, 0, "ok")
}

// ---- template messages ----------------------------------------------------

var templateErrMsgs = map[int]string{
	ErrCodeRequireSubscribe: "require subscribe hint",
	ErrCodeUserRefused:      "user refuse to accept the msg hint",
	ErrCodeInvalidOpenID:    "invalid openid hint",
	45009:                   "reach max api daily quota limit hint",
	45047:                   "out of response count limit hint",
}

func (s *Simulator) handleTemplateSend(w http.ResponseWriter, r *http.Request) {
	if !method(w, r, http.MethodPost) || !s.checkToken(w, r) || !s.may(w, "templates") {
		return
	}
	var req struct {
		ToUser      string                      `json:"touser"`
		TemplateID  string                      `json:"template_id"`
		URL         string                      `json:"url"`
		Data        map[string]TemplateDataItem `json:"data"`
		ClientMsgID string                      `json:"client_msg_id"`
		MiniProgram *TemplateMiniProgram        `json:"miniprogram"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil {
		writeErr(w, ErrCodeDataFormat, "data format error: "+err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fail := func(code int, msg string) {
		s.stats.TemplateFailures++
		s.cfg.Logger.Info("wechatsim: template send refused", "touser", req.ToUser, "errcode", code, "msg", msg)
		writeErr(w, code, msg)
	}
	if req.ToUser == "" {
		fail(ErrCodeInvalidOpenID, "invalid openid hint: touser is empty")
		return
	}
	if req.TemplateID == "" || len(s.cfg.TemplateIDs) > 0 && !slices.Contains(s.cfg.TemplateIDs, req.TemplateID) {
		fail(ErrCodeInvalidTemplateID, "invalid template_id hint")
		return
	}
	if req.Data == nil {
		fail(ErrCodeDataFormat, "data format error: data is missing")
		return
	}
	if req.URL != "" {
		// Not a platform check, but a relative or schemeless link in a
		// reminder is always a bug: the phone cannot open it.
		if u, err := url.Parse(req.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			fail(ErrCodeDataFormat, "data format error: wechatsim: url must be an absolute http(s) URL, got "+strconv.Quote(req.URL))
			return
		}
	}
	if code := s.templateFail[req.ToUser]; code != 0 {
		msg := templateErrMsgs[code]
		if msg == "" {
			msg = "wechatsim: simulated failure"
		}
		fail(code, msg)
		return
	}
	if s.cfg.RequireFollowForTemplates && !s.followers[req.ToUser] {
		fail(ErrCodeRequireSubscribe, templateErrMsgs[ErrCodeRequireSubscribe])
		return
	}
	// client_msg_id is the platform's idempotency key: a repeat for the
	// same user is not delivered again (assumption: it answers the first
	// msgid; the platform documents dedupe, not the exact answer).
	dedupeKey := req.ToUser + "\x00" + req.ClientMsgID
	if req.ClientMsgID != "" {
		if id, ok := s.clientMsgIDs[dedupeKey]; ok {
			writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": id})
			return
		}
	}
	s.nextMsgID++
	id := s.nextMsgID
	if req.ClientMsgID != "" {
		s.clientMsgIDs[dedupeKey] = id
	}
	if req.MiniProgram != nil && req.MiniProgram.AppID == "" && req.MiniProgram.PagePath == "" {
		req.MiniProgram = nil // the SDK always sends an empty object
	}
	s.templates = append(s.templates, TemplateMessage{MsgID: id, ToUser: req.ToUser, TemplateID: req.TemplateID,
		URL: req.URL, Data: req.Data, ClientMsgID: req.ClientMsgID, MiniProgram: req.MiniProgram, SentAt: s.now()})
	s.stats.TemplatesSent++
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": id})
}

// Account types, as the service's wechat.account_type names them.
const (
	AccountServiceVerified      = "service_verified"
	AccountService              = "service"
	AccountSubscriptionVerified = "subscription_verified"
	AccountSubscription         = "subscription"
)

// CustomerServiceWindow is how long after a follower's last message the
// account may send them customer-service messages.
const CustomerServiceWindow = 48 * time.Hour

type simCapabilities struct{ oauth, qrcodes, templates, custom, menu bool }

// capabilities are what the simulated account type may do (the platform's
// interface-permission table; WECHAT.md).
func (s *Simulator) capabilities() simCapabilities {
	switch s.cfg.AccountType {
	case AccountService:
		return simCapabilities{menu: true}
	case AccountSubscriptionVerified:
		return simCapabilities{custom: true, menu: true}
	case AccountSubscription:
		return simCapabilities{}
	}
	return simCapabilities{oauth: true, qrcodes: true, templates: true, custom: true, menu: true}
}

// may answers 48001 "api unauthorized", as the platform does, when the
// account type lacks the interface.
func (s *Simulator) may(w http.ResponseWriter, capability string) bool {
	c := s.capabilities()
	ok := map[string]bool{"oauth": c.oauth, "qrcodes": c.qrcodes, "templates": c.templates, "custom": c.custom, "menu": c.menu}[capability]
	if !ok {
		s.mu.Lock()
		s.stats.Unauthorized++
		s.mu.Unlock()
		writeErr(w, ErrCodeAPIUnauthorized, "api unauthorized rid: wechatsim ("+s.cfg.AccountType+" has no "+capability+")")
	}
	return ok
}

// CustomMessage is a customer-service message the service sent.
type CustomMessage struct {
	ToUser  string    `json:"touser"`
	MsgType string    `json:"msgtype"`
	Text    string    `json:"text,omitempty"`
	SentAt  time.Time `json:"sent_at"`
}

// handleCustomSend takes a customer-service message: only within 48 hours
// of the follower's last message (45015 otherwise), only text here.
func (s *Simulator) handleCustomSend(w http.ResponseWriter, r *http.Request) {
	if !method(w, r, http.MethodPost) || !s.checkToken(w, r) || !s.may(w, "custom") {
		return
	}
	var req struct {
		ToUser  string `json:"touser"`
		MsgType string `json:"msgtype"`
		Text    *struct {
			Content string `json:"content"`
		} `json:"text"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil || req.MsgType != "text" || req.Text == nil {
		writeErr(w, ErrCodeDataFormat, "data format error: wechatsim takes text customer messages")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	last, ok := s.lastMessage[req.ToUser]
	if !ok || s.now().Sub(last) > CustomerServiceWindow {
		writeErr(w, ErrCodeOutOfTimeLimit, "response out of time limit or subscription is canceled")
		return
	}
	s.customs = append(s.customs, CustomMessage{ToUser: req.ToUser, MsgType: req.MsgType, Text: req.Text.Content, SentAt: s.now()})
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
}
