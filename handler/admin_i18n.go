package handler

import (
	"net/url"

	"github.com/gin-gonic/gin"

	"seminareval/model"
	"seminareval/templates"
)

// The console speaks English and Chinese. Every string a console page shows
// is a key of the message catalogue (templates/messages/<lang>.yaml);
// pages call {{.T "key"}} (or {{$.T "key"}} inside range), with fmt
// arguments when the text has verbs: {{.T "roster.imported" .N}}. Keys are
// prefixed by their page's area ("q.", "report.", "wechat.").

const cookieConsoleLang = "sev_clang"

var consoleLangs = []string{"en", "zh"}

// consoleT translates key into lang; a missing key shows itself, so it is
// visible on the page and in tests rather than silently blank.
func consoleT(lang, key string, args ...any) string {
	return templates.Messages().T(lang, key, args...)
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
