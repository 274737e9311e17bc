package handler

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"seminareval/service/wechat"
	"seminareval/templates"

	"github.com/gin-gonic/gin"
)

// wechatHandler serves the platform's callback, the OAuth round trip of
// participants inside WeChat, and the organisers' WeChat pages.
type wechatHandler struct {
	*Server
	wx *wechat.Service
}

// Limits of the callback: the platform's pushes are a few hundred bytes,
// and it waits 5 seconds for a reply before retrying.
const (
	wechatMaxBody    = 1 << 20
	cookieOAuth      = "sev_wxo"
	maxOAuthAttempts = 2
)

// registerWeChat adds the WeChat routes and hooks the OAuth redirect into
// the participant page.
func (s *Server) registerWeChat(ctx context.Context, r *gin.Engine) error {
	h := &wechatHandler{Server: s, wx: s.wechatSvc}
	s.wechatEntry = h.entry

	r.GET("/wechat/callback", h.verify)
	r.POST("/wechat/callback", h.callback)
	r.GET("/wechat/oauth/callback", h.oauthCallback)
	h.registerConsole(r)
	return nil
}

// wechat returns the WeChat service (tests and the CLI use it).
func (s *Server) wechat() *wechat.Service { return s.wechatSvc }

// verify answers the platform's URL check with the echostr.
func (h *wechatHandler) verify(c *gin.Context) {
	echo, err := h.wx.VerifyURL(c.Request.Context(), c.Query("signature"), c.Query("timestamp"), c.Query("nonce"), c.Query("echostr"))
	if err != nil {
		h.callbackFail(c, err)
		return
	}
	c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(echo))
}

// callback answers a push. The signature is checked before the body is
// read; every reply comes within the platform's deadline, "success" when
// there is nothing to say.
func (h *wechatHandler) callback(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), h.replyDeadline)
	defer cancel()
	req := wechat.CallbackRequest{
		Signature: c.Query("signature"), MsgSignature: c.Query("msg_signature"),
		Timestamp: c.Query("timestamp"), Nonce: c.Query("nonce"), EncryptType: c.Query("encrypt_type"),
	}
	if err := h.wx.CheckSignature(ctx, req.Signature, req.Timestamp, req.Nonce); err != nil {
		h.callbackFail(c, err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, wechatMaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			c.Data(http.StatusRequestEntityTooLarge, "text/plain; charset=utf-8", []byte("success"))
			return
		}
		c.Data(http.StatusBadRequest, "text/plain; charset=utf-8", []byte("success"))
		return
	}
	req.Body = body
	out, err := h.wx.HandleCallback(ctx, req)
	if err != nil {
		h.callbackFail(c, err)
		return
	}
	ct := "application/xml; charset=utf-8"
	if string(out) == "success" {
		ct = "text/plain; charset=utf-8"
	}
	c.Data(http.StatusOK, ct, out)
}

// callbackFail maps callback errors to statuses: forged or stale requests
// are refused, malformed ones are a 400, anything else is logged and gets
// "success" so that the platform does not retry into the same failure.
func (h *wechatHandler) callbackFail(c *gin.Context, err error) {
	status, code, ok := statusOf(err)
	switch code {
	case "bad_signature", "stale_timestamp", "plaintext_refused", "malformed_message", "undecryptable", "wechat_off":
	default:
		ok = false // anything else is ours, whatever it wraps
	}
	if !ok {
		// Ours, not the platform's: "success", so that it does not retry
		// into the same failure.
		status = http.StatusOK
		h.log.Error("wechat callback", "err", err)
	}
	if status != http.StatusOK {
		h.log.Warn("wechat callback refused", "status", status, "err", err, "ip", c.ClientIP())
	}
	c.Data(status, "text/plain; charset=utf-8", []byte("success"))
}

// ---- OAuth ------------------------------------------------------------------

// oauthState is kept in a signed cookie during the round trip: WeChat's
// state parameter only carries [a-zA-Z0-9]{0,128}, so it holds a random
// reference and the cookie holds where to come back to.
type oauthState struct {
	State, Slug, Token, Lang string
	Attempts                 int
}

func (h *wechatHandler) readOAuthState(c *gin.Context) (oauthState, bool) {
	parts := strings.Split(h.SignedCookie(c, cookieOAuth), "|")
	if len(parts) != 5 {
		return oauthState{}, false
	}
	n, err := strconv.Atoi(parts[4])
	if err != nil {
		return oauthState{}, false
	}
	return oauthState{State: parts[0], Slug: parts[1], Token: parts[2], Lang: parts[3], Attempts: n}, true
}

func (h *wechatHandler) writeOAuthState(c *gin.Context, st oauthState) {
	v := strings.Join([]string{st.State, st.Slug, st.Token, st.Lang, strconv.Itoa(st.Attempts)}, "|")
	if err := h.SetSignedCookie(c, cookieOAuth, v, 600); err != nil {
		h.log.Error("wechat oauth cookie", "err", err)
	}
}

// pageURL is the participant page to come back to.
func (st oauthState) pageURL() string {
	v := url.Values{}
	if st.Token != "" {
		v.Set("t", st.Token)
	}
	if st.Lang != "" {
		v.Set("lang", st.Lang)
	}
	u := "/s/" + st.Slug
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	return u
}

// entry sends a WeChat browser without an identity to silent OAuth. It
// gives up after maxOAuthAttempts within a few minutes (a spent code, a
// platform hiccup) and lets the page show without a WeChat identity.
func (h *wechatHandler) entry(c *gin.Context, slug string) bool {
	if c.Request.Method != http.MethodGet {
		return false
	}
	if token := c.Query("w"); token != "" {
		return h.personalLink(c, slug, token)
	}
	if !strings.Contains(c.GetHeader("User-Agent"), "MicroMessenger") || h.WeChatOpenID(c) != "" {
		return false
	}
	ctx := c.Request.Context()
	// An account without web OAuth never sends anyone to the authorize
	// page (the platform would show its own error): its replies carry
	// personal links instead.
	if !h.wx.Enabled(ctx) || !h.wx.Capabilities(ctx).OAuth {
		return false
	}
	st, ok := h.readOAuthState(c)
	if !ok || st.Slug != slug {
		st = oauthState{Slug: slug}
	}
	if st.Attempts >= maxOAuthAttempts {
		return false
	}
	st.Attempts++
	st.State = rand.Text()[:16]
	st.Token, st.Lang = safeField(c.Query("t")), safeField(c.Query("lang"))
	target, err := h.wx.AuthorizeURL(ctx, h.AbsoluteURL("/wechat/oauth/callback"), st.State)
	if err != nil {
		h.log.Warn("wechat oauth: cannot start", "err", err)
		return false
	}
	h.writeOAuthState(c, st)
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusFound, target)
	return true
}

// ctxLinkNotice carries, from entry to the page, why a personal link was not
// taken (the page then says how to get a fresh one).
const ctxLinkNotice = "wechat.link_notice"

// personalLink takes the signed ?w= token of a reply's link: a genuine one
// binds its openid to this browser, as OAuth would, unless the browser
// already has a WeChat identity of its own, and comes back without the
// token; a tampered or expired one leaves the page as it is, with a line
// telling how to get a fresh link.
func (h *wechatHandler) personalLink(c *gin.Context, slug, token string) bool {
	ctx := c.Request.Context()
	q, err := h.questionnaires.LoadBySlug(ctx, slug)
	if err != nil {
		return false
	}
	openid, err := h.wx.CheckPersonalToken(token, q.ID)
	if err != nil {
		cfg, _ := h.wx.Settings(ctx)
		c.Set(ctxLinkNotice, cfg.Keyword)
		return false
	}
	if h.WeChatOpenID(c) == "" {
		if err := h.SetWeChatOpenID(c, openid); err != nil {
			h.log.Error("wechat personal link: set identity", "err", err)
		}
	}
	v := c.Request.URL.Query()
	v.Del("w")
	target := "/s/" + url.PathEscape(slug)
	if len(v) > 0 {
		target += "?" + v.Encode()
	}
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusFound, target)
	return true
}

// safeField keeps a value that travels in the "|"-separated cookie intact.
func safeField(v string) string {
	if len(v) > 128 || strings.ContainsAny(v, "|;, \t\r\n") {
		return ""
	}
	return v
}

// oauthCallback exchanges the code and returns to the questionnaire.
func (h *wechatHandler) oauthCallback(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	st, ok := h.readOAuthState(c)
	if !ok {
		// No cookie: cookies are off, or the link was shared. Nothing to
		// come back to; the page itself works without WeChat.
		h.notFound(c)
		return
	}
	if c.Query("state") != st.State || c.Query("code") == "" {
		c.Redirect(http.StatusFound, st.pageURL())
		return
	}
	id, err := h.wx.ExchangeCode(c.Request.Context(), c.Query("code"))
	if err != nil {
		// A refreshed page re-sends a spent code (40163): going back to
		// the page starts OAuth again, at most maxOAuthAttempts times.
		if !errors.Is(err, wechat.ErrOAuthCodeSpent) {
			h.log.Warn("wechat oauth exchange", "err", err)
		}
		c.Redirect(http.StatusFound, st.pageURL())
		return
	}
	if id.Snapshot {
		h.snapshotNote(c, st)
		return
	}
	if err := h.SetWeChatOpenID(c, id.OpenID); err != nil {
		h.log.Error("wechat oauth: set identity", "err", err)
	}
	h.setCookie(c, cookieOAuth, "", -1)
	c.Redirect(http.StatusFound, st.pageURL())
}

// snapshotNote answers WeChat's "snapshot page" virtual user: no identity
// is set and no form is shown, so it can never become a respondent.
func (h *wechatHandler) snapshotNote(c *gin.Context, st oauthState) {
	p := &participantHandler{Server: h.Server}
	q, err := h.questionnaires.LoadBySlug(c.Request.Context(), st.Slug)
	if err != nil {
		h.notFound(c)
		return
	}
	lang := q.Def.Lang(st.Lang)
	if st.Lang == "" {
		lang = pickLang(c, q.Def)
	}
	m := templates.Messages()
	p.message(c, http.StatusOK, q, lang, "closed", m.T(lang, "page.snapshot_heading"), m.T(lang, "page.snapshot_body"))
}
