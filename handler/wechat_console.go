package handler

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"seminareval/model"
	"seminareval/service"
	"seminareval/service/wechat"
)

// The organisers' WeChat pages: the account settings (admin), and per
// questionnaire the poster, the QR code, the live board and reminders.

func wechatNoStore(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Next()
}

// registerConsole adds the organisers' WeChat pages.
func (h *wechatHandler) registerConsole(r *gin.Engine) {
	admin := r.Group("/admin", h.requireConsole(model.RoleAdmin), wechatNoStore)
	admin.GET("/wechat", h.settingsPage)
	admin.POST("/wechat", h.settingsSave)
	admin.POST("/wechat/account-qr", h.accountQRUpload)

	// Organisers see the poster and the board of their own seminars (the
	// handlers check canSeeSeminar); only staff send reminders.
	all := r.Group("/admin/questionnaires", h.requireConsole(model.RoleAdmin, model.RoleStaff, model.RoleOrganiser), wechatNoStore)
	all.GET("/:id/poster", h.poster)
	all.GET("/:id/poster.json", h.posterCount)
	all.GET("/:id/qr.png", h.qrPNG)
	all.GET("/:id/board", h.board)
	r.GET("/admin/wechat/account-qr", h.requireConsole(model.RoleAdmin, model.RoleStaff, model.RoleOrganiser), wechatNoStore, h.accountQR)
	staff := r.Group("/admin/questionnaires", h.requireConsole(model.RoleAdmin, model.RoleStaff), wechatNoStore)
	staff.POST("/:id/reminders", h.reminders)
}

// ---- settings -----------------------------------------------------------------

type wechatSettingsPage struct {
	consolePage
	Cfg                            service.WeChatConfig
	SecretSet, TokenSet, AESKeySet bool
	CallbackURL, OAuthDomain       string
	Verification                   *wechat.Verification
	VerifiedAt                     string
	Failed                         *wechat.Verification // a failed attempt after the last success
	FailedAt                       string
	FieldErrors                    map[string]string
	Secrets                        []secretField
	Usable                         bool
	RedisShared                    bool
	Types                          []typeChoice    // the account types, for the select
	Caps                           []capabilityRow // what the chosen type may do
	Refusal                        *wechat.Refusal
	RefusedAt                      string
	AccountQRSet                   bool // an image of the account's QR code is uploaded or configured
}

// capabilityRow is one line of the capability table on /admin/wechat: what
// the platform lets the configured type do, and what the service does.
type capabilityRow struct {
	Name, Effect string
	Yes          bool
}

// secretField is a secret on the settings form: whether it is set, never
// its value.
type secretField struct {
	Name, Label string
	Set         bool
	Error       string
}

func (h *wechatHandler) settingsPage(c *gin.Context) {
	h.renderSettings(c, http.StatusOK, nil)
}

func (h *wechatHandler) renderSettings(c *gin.Context, status int, fe service.FieldErrors) {
	errs := fe.In(h.consoleLang(c))
	ctx := c.Request.Context()
	cfg, err := h.wx.Settings(ctx)
	if err != nil {
		h.consoleFail(c, err)
		return
	}
	v, err := h.wx.LastVerification(ctx)
	if err != nil {
		h.consoleFail(c, err)
		return
	}
	failed, err := h.wx.LastFailedVerification(ctx)
	if err != nil {
		h.consoleFail(c, err)
		return
	}
	p := wechatSettingsPage{
		consolePage: h.consoleBase(c, "wechat.title", "wechat"),
		Cfg:         cfg, SecretSet: cfg.AppSecret != "", TokenSet: cfg.Token != "", AESKeySet: cfg.EncodingAESKey != "",
		CallbackURL: h.AbsoluteURL("/wechat/callback"), OAuthDomain: h.baseURL.Host,
		Verification: v, FieldErrors: errs, Usable: h.wx.Enabled(ctx), RedisShared: h.cfg.Redis.Addr != "",
	}
	for _, f := range []secretField{{"app_secret", "wechat.app_secret", p.SecretSet, ""}, {"token", "wechat.token", p.TokenSet, ""}, {"encoding_aes_key", "wechat.aes_key", p.AESKeySet, ""}} {
		f.Error = errs[f.Name]
		p.Secrets = append(p.Secrets, f)
	}
	if v != nil {
		p.VerifiedAt = v.At.In(model.DefaultZone()).Format("2006-01-02 15:04:05 MST")
	}
	// A failed attempt after the last success (the platform signing with
	// another token, or someone probing) is shown beside it, not instead.
	if failed != nil && (v == nil || failed.At.After(v.At)) {
		p.Failed, p.FailedAt = failed, failed.At.In(model.DefaultZone()).Format("2006-01-02 15:04:05 MST")
	}
	for _, t := range service.AccountTypes {
		p.Types = append(p.Types, typeChoice{Value: t, Label: p.T("wechat.account_type." + t)})
	}
	caps := service.CapabilitiesOf(cfg.AccountType)
	for _, row := range []struct {
		key string
		yes bool
	}{{"oauth", caps.OAuth}, {"qrcodes", caps.QRCodes}, {"templates", caps.Templates}, {"custom", caps.CustomerService}, {"menu", caps.Menu}} {
		effect := "wechat.cap_" + row.key + "_no"
		if row.yes {
			effect = "wechat.cap_" + row.key + "_yes"
		}
		text := p.T(effect)
		if effect == "wechat.cap_qrcodes_no" {
			text = p.T(effect, cfg.Keyword)
		}
		p.Caps = append(p.Caps, capabilityRow{Name: p.T("wechat.cap_" + row.key), Yes: row.yes, Effect: text})
	}
	p.AccountQRSet = cfg.AccountQRURL != "" || h.wx.HasUploadedAccountQR(ctx)
	if p.Refusal, err = h.wx.LastRefusal(ctx); err != nil {
		h.consoleFail(c, err)
		return
	}
	if p.Refusal != nil {
		p.RefusedAt = p.Refusal.At.In(model.DefaultZone()).Format("2006-01-02 15:04:05 MST")
	}
	if len(errs) > 0 {
		p.Error = p.T("wechat.fix_errors")
	}
	h.render(c, status, "admin_wechat.html", p)
}

// settingsSave stores what was entered. Blank secret fields keep the
// stored value; the "clear" boxes remove it.
func (h *wechatHandler) settingsSave(c *gin.Context) {
	enabled := c.PostForm("enabled") == "on"
	ch := wechat.SettingsChange{Enabled: &enabled}
	appID := strings.TrimSpace(c.PostForm("app_id"))
	ch.AppID = &appID
	if t, ok := c.GetPostForm("account_type"); ok {
		ch.AccountType = &t
	}
	for field, dst := range map[string]**string{"app_secret": &ch.AppSecret, "token": &ch.Token, "encoding_aes_key": &ch.EncodingAESK} {
		v := strings.TrimSpace(c.PostForm(field))
		switch {
		case c.PostForm("clear_"+field) == "on":
			empty := ""
			*dst = &empty
		case v != "":
			*dst = &v
		}
	}
	if err := h.wx.UpdateSettings(c.Request.Context(), ch); err != nil {
		h.settingsFail(c, err)
		return
	}
	// The audit names what changed, never a secret's value.
	var changed []string
	if ch.AppSecret != nil {
		changed = append(changed, "app_secret")
	}
	if ch.Token != nil {
		changed = append(changed, "token")
	}
	if ch.EncodingAESK != nil {
		changed = append(changed, "encoding_aes_key")
	}
	detail := "enabled=" + strconv.FormatBool(enabled) + " app_id=" + appID + " changed=" + strings.Join(changed, ",")
	if ch.AccountType != nil {
		detail += " account_type=" + *ch.AccountType
	}
	h.audit(c, "wechat.settings", "wechat", detail)
	h.setFlash(c, "wechat.saved")
	c.Redirect(http.StatusSeeOther, "/admin/wechat")
}

// ---- per questionnaire --------------------------------------------------------

// loadVisible loads questionnaire :id if the user may see its seminar.
func (h *wechatHandler) loadVisible(c *gin.Context) (*service.Loaded, bool) {
	id, ok := h.consoleID(c, "id")
	if !ok {
		return nil, false
	}
	q, err := h.questionnaires.Load(c.Request.Context(), id)
	if err != nil {
		h.consoleFail(c, err)
		return nil, false
	}
	if !h.canSeeSeminar(c, q.SeminarID) {
		h.consoleMessage(c, http.StatusForbidden, "err.forbidden_title", "err.forbidden_body")
		return nil, false
	}
	return q, true
}

type posterPage struct {
	Lang, TitleZH, TitleEN, SeminarZH, SeminarEN, Link, QRURL, CountURL, AssetVersion string
	WeChatQR                                                                          bool
	// AccountQR: the account has no parametric QR codes, so the poster shows
	// its own QR code and what to send (Keyword, and Code when several
	// questionnaires are open).
	AccountQR     bool
	Keyword, Code string
	Respondents   int64
	Invited       int
}

// loadBoard is the questionnaire of the path, if the user may see it, with
// its board (respondents, invited, reminders); false when it has answered.
func (h *wechatHandler) loadBoard(c *gin.Context) (*service.Loaded, *wechat.Board, bool) {
	q, ok := h.loadVisible(c)
	if !ok {
		return nil, nil, false
	}
	b, err := h.wx.Board(c.Request.Context(), q)
	if err != nil {
		h.consoleFail(c, err)
		return nil, nil, false
	}
	return q, b, true
}

func (h *wechatHandler) poster(c *gin.Context) {
	q, b, ok := h.loadBoard(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	base := "/admin/questionnaires/" + strconv.FormatUint(q.ID, 10)
	p := posterPage{
		Lang: h.consoleLang(c), TitleZH: q.Def.Title.In("zh"), TitleEN: q.Def.Title.In("en"),
		Link: h.AbsoluteURL("/s/" + q.Slug), QRURL: base + "/qr.png", CountURL: base + "/poster.json",
		AssetVersion: h.assetVersion, WeChatQR: h.wx.Enabled(ctx), Respondents: b.Respondents, Invited: b.Invited,
	}
	if p.WeChatQR && !h.wx.Capabilities(ctx).QRCodes {
		// No parametric QR: the account's own QR code and the keyword, when
		// there is an image of it; otherwise a QR of the link (any browser).
		cfg, _ := h.wx.Settings(ctx)
		p.WeChatQR = false
		if cfg.AccountQRURL != "" || h.wx.HasUploadedAccountQR(ctx) {
			p.AccountQR, p.QRURL, p.Keyword = true, "/admin/wechat/account-qr", cfg.Keyword
			if open, err := h.questionnaires.OpenNow(ctx); err == nil && len(open) > 1 {
				p.Code = wechat.ShortCode(&q.Questionnaire)
			}
		}
	}
	if q.Seminar != nil {
		p.SeminarZH, p.SeminarEN = q.Seminar.Title.In("zh"), q.Seminar.Title.In("en")
	}
	h.render(c, http.StatusOK, "admin_poster.html", p)
}

// settingsFail shows the settings page again with the fields named, or the
// console's error page for anything else.
func (h *wechatHandler) settingsFail(c *gin.Context, err error) {
	var fe service.FieldErrors
	if errors.As(err, &fe) {
		h.renderSettings(c, http.StatusUnprocessableEntity, fe)
		return
	}
	h.consoleFail(c, err)
}

// accountQR serves the image of the account's own QR code for the poster.
func (h *wechatHandler) accountQR(c *gin.Context) {
	data, ct, err := h.wx.AccountQR(c.Request.Context())
	if err != nil {
		if errors.Is(err, wechat.ErrNoAccountQR) {
			c.Data(http.StatusNotFound, "text/plain; charset=utf-8", []byte(err.Error()))
			return
		}
		h.log.Warn("account QR", "err", err)
		c.Data(http.StatusBadGateway, "text/plain; charset=utf-8", []byte("The image of the account's QR code could not be fetched.\n"))
		return
	}
	c.Data(http.StatusOK, ct, data)
}

// accountQRUpload stores (or, with "clear", removes) the image of the
// account's own QR code (audited).
func (h *wechatHandler) accountQRUpload(c *gin.Context) {
	ctx := c.Request.Context()
	if c.PostForm("clear") == "on" {
		if err := h.wx.ClearAccountQR(ctx); err != nil {
			h.consoleFail(c, err)
			return
		}
		h.audit(c, "wechat.account_qr", "wechat", "cleared")
		h.setFlash(c, "wechat.saved")
		c.Redirect(http.StatusSeeOther, "/admin/wechat")
		return
	}
	fh, err := c.FormFile("file")
	if err != nil {
		h.renderSettings(c, http.StatusUnprocessableEntity, service.FieldErrors{"account_qr": "no_image"})
		return
	}
	f, err := fh.Open()
	if err != nil {
		h.consoleFail(c, err)
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, wechat.MaxAccountQRBytes+1))
	if err != nil {
		h.consoleFail(c, err)
		return
	}
	if err := h.wx.SetAccountQR(ctx, data); err != nil {
		h.settingsFail(c, err)
		return
	}
	h.audit(c, "wechat.account_qr", "wechat", fmt.Sprintf("uploaded %d bytes", len(data)))
	h.setFlash(c, "wechat.saved")
	c.Redirect(http.StatusSeeOther, "/admin/wechat")
}

// posterCount is what the poster polls.
func (h *wechatHandler) posterCount(c *gin.Context) {
	q, ok := h.loadVisible(c)
	if !ok {
		return
	}
	b, err := h.wx.Board(c.Request.Context(), q)
	if err != nil {
		h.log.Error("poster count", "err", err)
		c.JSON(http.StatusInternalServerError, gin.H{"error": "internal"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"respondents": b.Respondents, "invited": b.Invited, "answered_on_roster": b.Answered})
}

func (h *wechatHandler) qrPNG(c *gin.Context) {
	q, ok := h.loadVisible(c)
	if !ok {
		return
	}
	png, kind, err := h.wx.QRCode(c.Request.Context(), &q.Questionnaire, 640)
	if err != nil {
		h.consoleFail(c, err)
		return
	}
	c.Header("X-QR-Kind", kind)
	c.Data(http.StatusOK, "image/png", png)
}

type boardPage struct {
	consolePage
	Q                         *service.Loaded
	Board                     *wechat.Board
	Rate                      string
	CanRemind, RemindersReady bool
	Sent, Failed, Unreachable string
	ReminderChannel           string // how this account type reminds
	PosterURL, ReminderURL    string
}

func (h *wechatHandler) board(c *gin.Context) {
	q, b, ok := h.loadBoard(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	cfg, err := h.wx.Settings(ctx)
	if err != nil {
		h.consoleFail(c, err)
		return
	}
	p := boardPage{consolePage: h.consoleBase(c, "wechat.board_title", "questionnaires"), Q: q, Board: b,
		Sent: c.Query("sent"), Failed: c.Query("failed"), Unreachable: c.Query("unreachable"),
		PosterURL:   "/admin/questionnaires/" + strconv.FormatUint(q.ID, 10) + "/poster",
		ReminderURL: "/admin/questionnaires/" + strconv.FormatUint(q.ID, 10) + "/reminders"}
	p.Title = p.T("wechat.board_title") + " · " + q.Def.Title.In(p.Lang)
	if b.Invited > 0 {
		p.Rate = strconv.Itoa(b.Answered*100/b.Invited) + "%"
	}
	if u := currentUser(c); u != nil && (u.Role == model.RoleAdmin || u.Role == model.RoleStaff) {
		p.CanRemind = true
	}
	channel := wechat.ReminderChannel(cfg)
	p.ReminderChannel = p.T(map[string]string{wechat.ReachTemplate: "wechat.reach_by_template", wechat.ReachCustom: "wechat.reach_by_custom", "": "wechat.reach_by_none"}[channel])
	p.RemindersReady = h.wx.Enabled(ctx) && q.Status == model.StatusOpen && channel != ""
	h.render(c, http.StatusOK, "admin_board.html", p)
}

func (h *wechatHandler) reminders(c *gin.Context) {
	q, ok := h.loadVisible(c)
	if !ok {
		return
	}
	by := ""
	if u := currentUser(c); u != nil {
		by = u.Name
	}
	res, err := h.wx.SendReminders(c.Request.Context(), q, by)
	if err != nil {
		h.consoleRefuse(c, "wechat.reminders_unavailable", err)
		return
	}
	h.audit(c, "questionnaire.remind", "questionnaire:"+strconv.FormatUint(q.ID, 10), "sent="+strconv.Itoa(res.Sent)+" failed="+strconv.Itoa(res.Failed)+" already_sent="+strconv.Itoa(res.AlreadySent)+" unreachable="+strconv.Itoa(res.Unreachable))
	c.Redirect(http.StatusSeeOther, consoleURL("/admin/questionnaires/"+strconv.FormatUint(q.ID, 10)+"/board", "sent", strconv.Itoa(res.Sent), "failed", strconv.Itoa(res.Failed), "unreachable", strconv.Itoa(res.Unreachable)))
}
