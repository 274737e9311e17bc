package handler

import (
	"fmt"
	"net/url"

	"github.com/gin-gonic/gin"

	"seminareval/model"
)

// The console speaks English and Chinese. Every string a console page shows
// is a key in consoleStrings with both translations; pages call
// {{.T "key"}} (or {{$.T "key"}} inside range), with fmt arguments when the
// text has verbs: {{.T "roster.imported" .N}}.
//
// Other console pages add their strings from an init function in their own
// file, with keys prefixed by their area ("q.", "report.", "wechat."):
//
//	func init() { addConsoleStrings(map[string][2]string{"q.publish": {"Publish", "发布"}}) }
//
// TestConsoleStringsHaveBothLanguages fails when a translation is missing.

const cookieConsoleLang = "sev_clang"

var consoleLangs = []string{"en", "zh"}

// consoleStrings maps a key to its English [0] and Chinese [1] text.
var consoleStrings = map[string][2]string{}

// addConsoleStrings registers console strings. A key registered twice is a
// programming error caught at start (and by every test).
func addConsoleStrings(m map[string][2]string) {
	for k, v := range m {
		if _, dup := consoleStrings[k]; dup {
			panic("console string registered twice: " + k)
		}
		consoleStrings[k] = v
	}
}

// consoleT translates key into lang; a missing key shows itself, so it is
// visible on the page and in tests rather than silently blank.
func consoleT(lang, key string, args ...any) string {
	v, ok := consoleStrings[key]
	if !ok {
		return key
	}
	s := v[0]
	if lang == "zh" && v[1] != "" {
		s = v[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// consoleLang picks the console language: ?lang (remembered in a cookie),
// then the cookie, then Accept-Language, then English.
func (s *Server) consoleLang(c *gin.Context) string {
	if l := c.Query("lang"); l == "en" || l == "zh" {
		s.setCookie(c, cookieConsoleLang, l, 365*24*3600)
		return l
	}
	if l, err := c.Cookie(cookieConsoleLang); err == nil && (l == "en" || l == "zh") {
		return l
	}
	if l := acceptedLang(c, func(l string) bool { return l == "en" || l == "zh" }); l != "" {
		return l
	}
	return "en"
}

// consoleNavLink is a link of the top bar.
type consoleNavLink struct {
	Label  string
	URL    string
	Active bool
}

// consolePage is embedded in the data of every console page: the layout
// ("admin_head"/"admin_foot" in templates/admin_layout.html) reads it.
type consolePage struct {
	Lang         string
	Title        string
	User         *model.User
	AssetVersion string
	Nav          []consoleNavLink
	LangToggle   consoleNavLink // the link to the other language
	Flash        string         // a one-time confirmation ("Saved.")
	Error        string         // an error shown above the content
}

// T translates a console string into the page's language.
func (p consolePage) T(key string, args ...any) string { return consoleT(p.Lang, key, args...) }

// navItems lists the top bar: label key, URL, section name, and the roles
// that see it.
var navItems = []struct {
	key, url, section string
	roles             []string
}{
	{"nav.seminars", "/admin/", "seminars", nil},
	{"nav.questionnaires", "/admin/questionnaires", "questionnaires", []string{model.RoleAdmin, model.RoleStaff}},
	{"nav.users", "/admin/users", "users", []string{model.RoleAdmin}},
	{"nav.tokens", "/admin/tokens", "tokens", nil},
	{"nav.audit", "/admin/audit", "audit", []string{model.RoleAdmin}},
	{"nav.wechat", "/admin/wechat", "wechat", []string{model.RoleAdmin}},
}

// consoleBase fills the common part of a console page. titleKey is a
// console string key (or a literal title when it is not a key); section
// marks the active top-bar link ("seminars", "questionnaires", "users",
// "tokens", "audit", "wechat").
func (s *Server) consoleBase(c *gin.Context, titleKey, section string) consolePage {
	lang := s.consoleLang(c)
	p := consolePage{Lang: lang, Title: consoleT(lang, titleKey), User: currentUser(c), AssetVersion: s.assetVersion}
	if p.User != nil {
		for _, n := range navItems {
			if n.roles != nil && !containsRole(n.roles, p.User.Role) {
				continue
			}
			p.Nav = append(p.Nav, consoleNavLink{Label: consoleT(lang, n.key), URL: n.url, Active: n.section == section})
		}
	}
	other := "zh"
	if lang == "zh" {
		other = "en"
	}
	q := c.Request.URL.Query()
	q.Set("lang", other)
	p.LangToggle = consoleNavLink{Label: map[string]string{"zh": "中文", "en": "English"}[other], URL: c.Request.URL.Path + "?" + q.Encode()}
	p.Flash = s.takeFlash(c)
	return p
}

func containsRole(roles []string, role string) bool {
	for _, r := range roles {
		if r == role {
			return true
		}
	}
	return false
}

const cookieFlash = "sev_flash"

// setFlash shows a console string once on the next page (after a redirect).
func (s *Server) setFlash(c *gin.Context, key string) {
	_ = s.SetSignedCookie(c, cookieFlash, key, 60)
}

func (s *Server) takeFlash(c *gin.Context) string {
	key := s.SignedCookie(c, cookieFlash)
	if key == "" {
		return ""
	}
	s.setCookie(c, cookieFlash, "", -1)
	return consoleT(s.consoleLang(c), key)
}

// consoleMessagePage is a console page with a heading and a paragraph.
type consoleMessagePage struct {
	consolePage
	Body string
}

// consoleMessage renders a simple console page (403, 404, errors).
func (s *Server) consoleMessage(c *gin.Context, status int, titleKey, bodyKey string, args ...any) {
	p := consoleMessagePage{consolePage: s.consoleBase(c, titleKey, "")}
	p.Body = consoleT(p.Lang, bodyKey, args...)
	s.render(c, status, "admin_message.html", p)
}

// consoleURL builds a console link with query parameters.
func consoleURL(path string, kv ...string) string {
	if len(kv) == 0 {
		return path
	}
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return path + "?" + v.Encode()
}

func init() {
	addConsoleStrings(map[string][2]string{
		"app.name":                  {"Seminar evaluation", "研讨会评估"},
		"nav.seminars":              {"Seminars", "研讨会"},
		"nav.questionnaires":        {"Questionnaires", "问卷"},
		"nav.users":                 {"Users", "用户"},
		"nav.tokens":                {"API tokens", "API 令牌"},
		"nav.audit":                 {"Audit log", "审计日志"},
		"nav.wechat":                {"WeChat", "微信"},
		"nav.logout":                {"Log out", "退出"},
		"nav.home":                  {"Back to the console", "返回控制台"},
		"nav.signed_in_as":          {"Signed in as %s (%s)", "当前用户：%s（%s）"},
		"role.admin":                {"admin", "管理员"},
		"role.staff":                {"staff", "工作人员"},
		"role.organiser":            {"organiser", "组织方"},
		"err.forbidden_title":       {"Not allowed", "无权访问"},
		"err.forbidden_body":        {"Your account does not have access to this page. Ask an administrator if you need it.", "您的账户无权访问此页面。如有需要，请联系管理员。"},
		"err.cross_origin_title":    {"Request refused", "请求被拒绝"},
		"err.cross_origin_body":     {"This form was sent from another site, so it was refused. Open the console and try again.", "该表单来自其他网站，已被拒绝。请打开控制台后重试。"},
		"err.not_found_title":       {"Not found", "未找到"},
		"err.not_found_body":        {"This page or item does not exist (any more).", "该页面或条目不存在（或已删除）。"},
		"err.internal_title":        {"Something went wrong", "出错了"},
		"err.busy_title":            {"Busy", "系统繁忙"},
		"err.busy_body":             {"Several reports are being prepared right now. Try the download again in a few seconds.", "目前正在生成多份报告。请几秒钟后再次下载。"},
		"err.unavailable_title":     {"Temporarily unavailable", "暂时无法使用"},
		"err.unavailable_body":      {"The database cannot be reached. Nothing is lost: try again in a minute.", "暂时无法连接数据库。数据不会丢失：请一分钟后重试。"},
		"err.internal_body":         {"The server could not complete the request. Try again; if it persists, tell the administrator.", "服务器无法完成请求。请重试；如果问题持续，请联系管理员。"},
		"err.bad_request_title":     {"Bad request", "请求有误"},
		"common.save":               {"Save", "保存"},
		"common.cancel":             {"Cancel", "取消"},
		"common.saved":              {"Saved.", "已保存。"},
		"common.yes":                {"yes", "是"},
		"common.no":                 {"no", "否"},
		"common.none":               {"None yet.", "暂无。"},
		"common.actions":            {"Actions", "操作"},
		"common.created":            {"Created", "创建时间"},
		"common.name":               {"Name", "名称"},
		"common.language_switch":    {"Language", "语言"},
		"common.required":           {"required", "必填"},
		"common.problems":           {"Please correct the following:", "请更正以下问题："},
		"common.download":           {"Download", "下载"},
		"common.print":              {"Print", "打印"},
		"common.back":               {"Back", "返回"},
		"common.edit":               {"Edit", "编辑"},
		"common.status":             {"Status", "状态"},
		"common.open":               {"open", "进行中"},
		"common.draft":              {"draft", "草稿"},
		"common.closed":             {"closed", "已关闭"},
		"common.skip_to_content":    {"Skip to content", "跳到正文"},
		"common.main_navigation":    {"Main navigation", "主导航"},
		"common.confirm":            {"Confirm", "确认"},
		"common.disabled":           {"disabled", "已停用"},
		"common.enabled":            {"active", "正常"},
		"common.when":               {"When", "时间"},
		"common.who":                {"Who", "用户"},
		"common.role":               {"Role", "角色"},
		"common.password":           {"Password", "密码"},
		"common.user_name":          {"User name", "用户名"},
		"common.more":               {"Older", "更早"},
		"common.field_error":        {"%s: %s", "%s：%s"},
		"common.row_error":          {"Row %d, %s: %s", "第 %d 行，%s：%s"},
		"common.row_error_no_field": {"Row %d: %s", "第 %d 行：%s"},
	})
}
