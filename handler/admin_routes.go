package handler

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"seminareval/model"
	"seminareval/service"
)

// Console roles, for the route groups.
var (
	consoleAnyRole    = []string{model.RoleAdmin, model.RoleStaff, model.RoleOrganiser}
	consoleStaffRoles = []string{model.RoleAdmin, model.RoleStaff}
	consoleAdminOnly  = []string{model.RoleAdmin}
)

// registerAdmin adds the console: login, the seminar list, seminars and
// rosters, users, API tokens and the audit log. Other console pages
// (questionnaires, reports, WeChat) register their own routes with
// requireConsole.
func (s *Server) registerAdmin(ctx context.Context, r *gin.Engine) error {
	public := r.Group("/admin", s.crossOriginGuard(), consoleNoStore)
	public.GET("/login", s.loginForm)
	public.POST("/login", s.login)

	all := r.Group("/admin", s.requireConsole(consoleAnyRole...), consoleNoStore)
	all.POST("/logout", s.logout)
	all.GET("/", s.consoleHomePage)
	all.GET("/seminars", s.consoleHomePage)
	all.GET("/seminars/:id", s.seminarShow)
	all.GET("/account", s.accountForm)
	all.POST("/account/password", s.accountPassword)
	all.GET("/tokens", s.tokenList)
	all.POST("/tokens", s.tokenCreate)
	all.POST("/tokens/:id/revoke", s.tokenRevoke)

	staff := r.Group("/admin", s.requireConsole(consoleStaffRoles...), consoleNoStore)
	staff.GET("/seminars/new", s.seminarNew)
	staff.POST("/seminars", s.seminarCreate)
	staff.GET("/seminars/:id/edit", s.seminarEdit)
	staff.POST("/seminars/:id", s.seminarUpdate)
	staff.POST("/seminars/:id/organisers", s.seminarOrganisers)
	staff.GET("/seminars/:id/roster", s.rosterShow)
	staff.POST("/seminars/:id/roster/preview", s.rosterPreview)
	staff.POST("/seminars/:id/roster/import", s.rosterImport)
	staff.GET("/seminars/:id/roster.csv", s.rosterExportCSV)
	staff.GET("/seminars/:id/roster.xlsx", s.rosterExportXLSX)
	staff.GET("/seminars/:id/invites", s.rosterInvites)
	staff.POST("/seminars/:id/participants/:pid/unbind", s.rosterUnbind)
	staff.POST("/seminars/:id/participants/:pid/delete", s.rosterDelete)
	staff.GET("/seminars/:id/participants/:pid/qr.png", s.participantQR)

	admin := r.Group("/admin", s.requireConsole(consoleAdminOnly...), consoleNoStore)
	admin.GET("/users", s.userList)
	admin.POST("/users", s.userCreate)
	admin.POST("/seminars/:id/delete", s.seminarDelete)
	admin.GET("/users/:id", s.userEdit)
	admin.POST("/users/:id", s.userUpdate)
	admin.POST("/users/:id/password", s.userResetPassword)
	admin.GET("/audit", s.auditList)
	return nil
}

// consoleNoStore keeps console pages (passwords shown once, personal data) out of
// shared and back-button caches.
func consoleNoStore(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Next()
}

// consoleFail renders the console page for an error: the one place where
// service errors become HTTP statuses for the console.
func (s *Server) consoleFail(c *gin.Context, err error) {
	s.consoleRefuse(c, "", err)
}

// consoleRefuse is consoleFail under a title of the page's own (titleKey)
// instead of the status's: a domain error shows its sentence (errorText)
// with its status.
func (s *Server) consoleRefuse(c *gin.Context, titleKey string, err error) {
	lang := s.consoleLang(c)
	status, text, ok := errorText(lang, err)
	switch {
	case ok:
		if titleKey == "" {
			titleKey = errorTitle(status)
		}
		p := consoleMessagePage{consolePage: s.consoleBase(c, titleKey, "")}
		p.Body = text
		s.render(c, status, "admin_message.html", p)
	case model.IsNotFound(err):
		s.consoleMessage(c, http.StatusNotFound, "err.not_found_title", "err.not_found_body")
	default:
		s.log.Error("console", "path", c.FullPath(), "err", err)
		s.consoleMessage(c, http.StatusInternalServerError, "err.internal_title", "err.internal_body")
	}
}

// idParam parses a numeric path parameter; a bad one is a 404.
func (s *Server) consoleID(c *gin.Context, name string) (uint64, bool) {
	id, err := strconv.ParseUint(c.Param(name), 10, 64)
	if err != nil || id == 0 {
		s.consoleMessage(c, http.StatusNotFound, "err.not_found_title", "err.not_found_body")
		return 0, false
	}
	return id, true
}

type loginPage struct {
	consolePage
	Name string
	Next string
}

func (s *Server) loginForm(c *gin.Context) {
	if u := s.sessionUser(c); u != nil {
		c.Redirect(http.StatusFound, safeNext(c.Query("next")))
		return
	}
	s.render(c, http.StatusOK, "admin_login.html", loginPage{consolePage: s.consoleBase(c, "login.title", ""), Next: safeNext(c.Query("next"))})
}

func (s *Server) login(c *gin.Context) {
	name, password := c.PostForm("name"), c.PostForm("password")
	next := safeNext(c.PostForm("next"))
	u, err := s.users.Authenticate(c.Request.Context(), name, password, c.ClientIP())
	if err != nil {
		page := loginPage{consolePage: s.consoleBase(c, "login.title", ""), Name: name, Next: next}
		status, text, ok := errorText(page.Lang, err)
		if !ok {
			s.consoleFail(c, err)
			return
		}
		if status == http.StatusTooManyRequests {
			c.Header("Retry-After", strconv.Itoa(int(service.FailureWindow.Seconds())))
		}
		page.Error = text
		s.render(c, status, "admin_login.html", page)
		return
	}
	if err := s.startSession(c, u); err != nil {
		s.consoleFail(c, err)
		return
	}
	c.Set(ctxUserKey, u)
	s.audit(c, "session.login", "user:"+u.Name, "ip "+c.ClientIP())
	c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) logout(c *gin.Context) {
	s.endSession(c)
	c.Redirect(http.StatusSeeOther, loginPath)
}

// questionnaireLink is a questionnaire on the home page with the console
// pages that exist for it (the questionnaire and report pages are other
// files' routes; a link appears once its route is registered).
type questionnaireLink struct {
	model.Questionnaire
	EditURL   string
	ReportURL string
	PublicURL string
}

type seminarCard struct {
	service.SeminarRow
	Questionnaires []questionnaireLink
}

type homePage struct {
	consolePage
	Seminars   []seminarCard
	Unassigned []questionnaireLink
	CanManage  bool
}

func (s *Server) consoleHomePage(c *gin.Context) {
	u := currentUser(c)
	only := uint64(0)
	if u.Role == model.RoleOrganiser {
		only = u.ID
	}
	rows, err := s.seminars.List(c.Request.Context(), only)
	if err != nil {
		s.consoleFail(c, err)
		return
	}
	p := homePage{consolePage: s.consoleBase(c, "home.title", "seminars"), CanManage: u.Role != model.RoleOrganiser}
	for _, r := range rows {
		card := seminarCard{SeminarRow: r}
		for _, q := range r.Questionnaires {
			card.Questionnaires = append(card.Questionnaires, s.questionnaireLinks(q))
		}
		p.Seminars = append(p.Seminars, card)
	}
	if p.CanManage {
		qs, err := s.seminars.UnassignedQuestionnaires(c.Request.Context())
		if err != nil {
			s.consoleFail(c, err)
			return
		}
		for _, q := range qs {
			p.Unassigned = append(p.Unassigned, s.questionnaireLinks(q))
		}
	}
	s.render(c, http.StatusOK, "admin_home.html", p)
}

func (s *Server) questionnaireLinks(q model.Questionnaire) questionnaireLink {
	id := strconv.FormatUint(q.ID, 10)
	l := questionnaireLink{Questionnaire: q, PublicURL: s.AbsoluteURL("/s/" + q.Slug)}
	if s.hasRoute(http.MethodGet, "/admin/questionnaires/:id") {
		l.EditURL = "/admin/questionnaires/" + id
	}
	for _, p := range []string{"/admin/questionnaires/:id/report", "/admin/reports/:id"} {
		if s.hasRoute(http.MethodGet, p) {
			l.ReportURL = strings.Replace(p, ":id", id, 1)
			break
		}
	}
	return l
}

// hasRoute reports whether the router has a route, so that links to pages
// other parts of the console provide appear only when they exist.
func (s *Server) hasRoute(method, path string) bool {
	for _, r := range s.engine.Routes() {
		if r.Method == method && r.Path == path {
			return true
		}
	}
	return false
}
