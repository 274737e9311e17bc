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

func (h *wechatHandler) renderSettings(c *gin.Context, status int, errs map[string]string) {
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
		p.Types = append(p.Types, typeChoice{Value: t, Label: service.AccountTypeName[t].In(p.Lang)})
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

func (h *wechatHandler) poster(c *gin.Context) {
	q, ok := h.loadVisible(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	b, err := h.wx.Board(ctx, q)
	if err != nil {
		h.consoleFail(c, err)
		return
	}
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
		h.renderSettings(c, http.StatusUnprocessableEntity, map[string]string{"account_qr": consoleT(h.consoleLang(c), "wechat.account_qr_missing")})
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
	q, ok := h.loadVisible(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	b, err := h.wx.Board(ctx, q)
	if err != nil {
		h.consoleFail(c, err)
		return
	}
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
		switch {
		case errors.Is(err, wechat.ErrNoReminderChannel):
			h.consoleMessage(c, http.StatusConflict, "wechat.reminders_unavailable", "wechat.reach_by_none")
		case errors.Is(err, wechat.ErrOff), errors.Is(err, wechat.ErrRemindersOff), errors.Is(err, service.ErrNotOpen):
			h.consoleMessage(c, http.StatusConflict, "wechat.reminders_unavailable", "wechat.reminders_unavailable_body")
		default:
			h.consoleFail(c, err)
		}
		return
	}
	h.audit(c, "questionnaire.remind", "questionnaire:"+strconv.FormatUint(q.ID, 10), "sent="+strconv.Itoa(res.Sent)+" failed="+strconv.Itoa(res.Failed)+" already_sent="+strconv.Itoa(res.AlreadySent)+" unreachable="+strconv.Itoa(res.Unreachable))
	c.Redirect(http.StatusSeeOther, consoleURL("/admin/questionnaires/"+strconv.FormatUint(q.ID, 10)+"/board", "sent", strconv.Itoa(res.Sent), "failed", strconv.Itoa(res.Failed), "unreachable", strconv.Itoa(res.Unreachable)))
}

func init() {
	addConsoleStrings(map[string][2]string{
		"wechat.title":                      {"WeChat official account", "微信公众号"},
		"wechat.account_type":               {"Kind of official account", "公众号类型"},
		"wechat.account_type_hint":          {"What the platform lets this account do decides how participants are identified, what the poster shows and how reminders go.", "平台为该类型开放的接口，决定了如何识别参与者、海报显示什么以及如何发送提醒。"},
		"wechat.capabilities":               {"What this kind of account can do", "此类公众号可以做什么"},
		"wechat.cap_oauth":                  {"Web authorisation (OAuth)", "网页授权（OAuth）"},
		"wechat.cap_oauth_yes":              {"Participants opening a questionnaire in WeChat are identified silently.", "在微信中打开问卷的参与者会被静默识别。"},
		"wechat.cap_oauth_no":               {"No redirect to WeChat's authorisation page: replies carry a personal link, signed for the follower and valid 24 hours.", "不会跳转到微信授权页：回复中附带为该关注者签发的个人链接，24 小时内有效。"},
		"wechat.cap_qrcodes":                {"Parametric QR codes", "带参数二维码"},
		"wechat.cap_qrcodes_yes":            {"The poster shows a QR code per questionnaire: scanning follows the account and answers with its link.", "海报为每份问卷显示专属二维码：扫码关注后即收到问卷链接。"},
		"wechat.cap_qrcodes_no":             {"The poster shows the account's own QR code and the keyword to send (%s).", "海报显示公众号本身的二维码和要发送的关键词（%s）。"},
		"wechat.cap_templates":              {"Template messages", "模板消息"},
		"wechat.cap_templates_yes":          {"Reminders go as template messages, at any time.", "提醒以模板消息发送，不受时间限制。"},
		"wechat.cap_templates_no":           {"No template messages.", "不能发送模板消息。"},
		"wechat.cap_custom":                 {"Customer-service messages", "客服消息"},
		"wechat.cap_custom_yes":             {"Reminders may go as customer-service messages within 48 hours of the follower's last message.", "可在关注者最后一次互动后 48 小时内以客服消息发送提醒。"},
		"wechat.cap_custom_no":              {"No customer-service messages: no reminders through WeChat (use the invite links).", "不能发送客服消息：无法通过微信提醒（请使用邀请链接）。"},
		"wechat.cap_menu":                   {"Custom menu API", "自定义菜单接口"},
		"wechat.cap_menu_yes":               {"The service can set the “Evaluate” menu button.", "系统可设置“评估”菜单按钮。"},
		"wechat.cap_menu_no":                {"No menu API: followers send the keyword.", "没有菜单接口：关注者发送关键词即可。"},
		"wechat.last_refusal":               {"Last refusal by the platform", "平台最近一次拒绝"},
		"wechat.reach":                      {"Reminder by", "提醒方式"},
		"wechat.reach_template":             {"template message", "模板消息"},
		"wechat.reach_custom":               {"customer message until %s", "客服消息（%s 前）"},
		"wechat.reach_none":                 {"not through WeChat", "无法通过微信"},
		"wechat.reach_by_template":          {"Reminders go as template messages.", "提醒以模板消息发送。"},
		"wechat.reach_by_custom":            {"Reminders go as customer-service messages, to those who wrote to the account within the last 48 hours; the others cannot be reached through WeChat (send them their invite link).", "提醒以客服消息发送，仅限最近 48 小时内给公众号发过消息的人；其他人无法通过微信提醒（请发送邀请链接）。"},
		"wechat.reach_by_none":              {"This account type cannot send reminders: send the invite links by e-mail or chat instead.", "此类公众号无法发送提醒：请通过邮件或聊天工具发送邀请链接。"},
		"wechat.unreachable":                {"%s could not be reached through WeChat.", "%s 人无法通过微信提醒。"},
		"wechat.account_qr":                 {"The account's own QR code (for the poster of an account without parametric QR codes)", "公众号本身的二维码（无带参数二维码的公众号用于海报）"},
		"wechat.account_qr_hint":            {"Download it from mp.weixin.qq.com › Settings › Account info (PNG or JPEG, at most 512 KB). It takes the place of wechat.account_qr_url.", "可在公众号后台 › 设置 › 公众号设置中下载（PNG 或 JPEG，不超过 512 KB），优先于 wechat.account_qr_url。"},
		"wechat.account_qr_upload":          {"Upload", "上传"},
		"wechat.account_qr_clear":           {"Remove the uploaded image", "删除已上传的图片"},
		"wechat.account_qr_missing":         {"Choose an image file.", "请选择图片文件。"},
		"wechat.account_qr_none":            {"No image yet: the poster shows a QR code of the link.", "尚无图片：海报将显示问卷链接的二维码。"},
		"wechat.refusal":                    {"%s: %s refused with errcode %d.", "%s：%s 被拒绝，错误码 %d。"},
		"wechat.refusal_48001":              {"This account type cannot use this interface (48001): check the kind of account above.", "此类公众号无权使用该接口（48001）：请核对上面的公众号类型。"},
		"wechat.no_refusal":                 {"None recorded.", "暂无记录。"},
		"wechat.intro":                      {"Values entered here override config.yaml. Secrets are never shown again: leave a field blank to keep it.", "此处填写的值优先于 config.yaml。密钥保存后不再显示：留空即保持不变。"},
		"wechat.enabled":                    {"Use the official account (callback, silent sign-in, QR codes, reminders)", "启用公众号（消息回调、静默授权、二维码、提醒）"},
		"wechat.app_id":                     {"AppID", "AppID（开发者ID）"},
		"wechat.app_secret":                 {"AppSecret", "AppSecret（开发者密码）"},
		"wechat.token":                      {"Token (server configuration)", "Token（服务器配置令牌）"},
		"wechat.aes_key":                    {"EncodingAESKey (43 characters)", "EncodingAESKey（消息加解密密钥，43 位）"},
		"wechat.set":                        {"set", "已设置"},
		"wechat.not_set":                    {"not set", "未设置"},
		"wechat.replace_hint":               {"Type a new value to replace it.", "输入新值即可替换。"},
		"wechat.clear":                      {"Clear", "清除"},
		"wechat.save":                       {"Save", "保存"},
		"wechat.saved":                      {"WeChat settings saved.", "微信设置已保存。"},
		"wechat.fix_errors":                 {"Some values need fixing.", "部分内容需要修改。"},
		"wechat.callback":                   {"Server address (URL) to paste into the official account", "在公众号后台填写的服务器地址（URL）"},
		"wechat.callback_hint":              {"mp.weixin.qq.com › Settings and development › Basic configuration › Server configuration. Also add this web authorisation domain:", "公众号后台 › 设置与开发 › 基本配置 › 服务器配置。另请在“网页授权域名”中填写："},
		"wechat.verification":               {"Last verification by WeChat", "微信最近一次验证"},
		"wechat.verified_ok":                {"Succeeded on %s.", "%s 验证成功。"},
		"wechat.verified_fail":              {"Failed on %s: %s", "%s 验证失败：%s"},
		"wechat.never_verified":             {"WeChat has not verified this address yet. Save the URL and token in the official account's settings.", "微信尚未验证此地址。请在公众号后台保存 URL 和 Token。"},
		"wechat.status":                     {"Status", "状态"},
		"wechat.status_on":                  {"On: participants inside WeChat are identified silently.", "已启用：在微信内打开问卷的参与者将被静默识别。"},
		"wechat.status_off":                 {"Off: questionnaires work in any browser, without WeChat identity.", "未启用：问卷可在任何浏览器中填写，不识别微信身份。"},
		"wechat.redis":                      {"Access token shared through Redis (several replicas).", "access_token 通过 Redis 在多个实例间共享。"},
		"wechat.no_redis":                   {"Access token kept in this process: run one replica, or set redis.addr.", "access_token 保存在本进程中：只运行一个实例，或设置 redis.addr。"},
		"wechat.endpoints":                  {"Platform endpoints (config.yaml)", "平台接口地址（config.yaml）"},
		"wechat.template":                   {"Reminder template id", "提醒模板 ID"},
		"wechat.board_title":                {"Live board", "实时进度"},
		"wechat.respondents":                {"Responses", "回答数"},
		"wechat.invited":                    {"On the roster", "名单人数"},
		"wechat.answered_roster":            {"Roster participants who answered", "已回答的名单人员"},
		"wechat.rate":                       {"Response rate", "回答率"},
		"wechat.groups":                     {"By group", "按组"},
		"wechat.group":                      {"Group", "组别"},
		"wechat.no_group":                   {"(no group)", "（未分组）"},
		"wechat.small_groups":               {"Smaller groups (fewer than 5 each), together", "较小的组（每组不足5人）合计"},
		"wechat.suppressed":                 {"Fewer than 5 together: not shown, so that nobody can be singled out", "合计不足5人：不显示，以免识别出个人"},
		"wechat.anonymous_note":             {"This questionnaire is anonymous: only counts per group are shown.", "本问卷为匿名问卷：仅显示各组人数。"},
		"wechat.participant":                {"Participant", "参与者"},
		"wechat.participants":               {"Roster", "参与者名单"},
		"wechat.organisation":               {"Organisation", "单位"},
		"wechat.answered":                   {"Answered", "已回答"},
		"wechat.not_answered":               {"Not yet", "尚未回答"},
		"wechat.bound":                      {"WeChat", "微信"},
		"wechat.bound_yes":                  {"bound", "已绑定"},
		"wechat.bound_no":                   {"—", "—"},
		"wechat.last_reminder":              {"Last reminder", "最近提醒"},
		"wechat.reminder_ok":                {"sent %s", "%s 已发送"},
		"wechat.reminder_failed":            {"failed %s", "%s 发送失败"},
		"wechat.remind":                     {"Send reminders (%d)", "发送提醒（%d 人）"},
		"wechat.remind_hint":                {"A WeChat template message to roster participants with a bound WeChat account who have not answered.", "向已绑定微信且尚未回答的名单人员发送模板消息。"},
		"wechat.remind_unavailable_hint":    {"Reminders need WeChat on, a reminder template id (wechat.reminder_template_id) and an open questionnaire.", "发送提醒需要：启用微信、设置提醒模板 ID（wechat.reminder_template_id），且问卷处于开放状态。"},
		"wechat.reminders_result":           {"Reminders sent: %s, failed: %s.", "提醒已发送：%s，失败：%s。"},
		"wechat.reminders":                  {"Reminders", "提醒记录"},
		"wechat.when":                       {"When", "时间"},
		"wechat.result":                     {"Result", "结果"},
		"wechat.sent_by":                    {"Sent by", "发送人"},
		"wechat.ok":                         {"delivered", "已送达"},
		"wechat.poster":                     {"Poster to project", "投影海报"},
		"wechat.reminders_unavailable":      {"Reminders are not available", "无法发送提醒"},
		"wechat.reminders_unavailable_body": {"Reminders need WeChat on, a reminder template id and an open questionnaire.", "发送提醒需要启用微信、设置提醒模板 ID，且问卷处于开放状态。"},
		"wechat.auto_refresh":               {"This page refreshes every 15 seconds.", "本页每 15 秒自动刷新。"},
	})
}
