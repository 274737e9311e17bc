package handler

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"seminareval/model"
	"seminareval/service"
	"seminareval/service/account"
)

// userForm is what the user pages may set. Handlers read these fields by
// name and nothing else, so a posted "disabled" or "role" reaches the
// database only through the page meant for it (the mass-assignment tests
// post them everywhere else).
type userForm struct {
	Name     string
	Role     string
	Password string
}

type userListPage struct {
	consolePage
	Users       []model.User
	Roles       []string
	Form        userForm
	NewPassword string // shown once after creating a user or resetting a password
	NewFor      string
}

func (s *Server) userListPage(c *gin.Context) (userListPage, error) {
	us, err := s.users.List(c.Request.Context())
	if err != nil {
		return userListPage{}, err
	}
	return userListPage{consolePage: s.consoleBase(c, "users.title", "users"), Users: us, Roles: account.Roles, Form: userForm{Role: model.RoleStaff}}, nil
}

func (s *Server) userList(c *gin.Context) {
	p, err := s.userListPage(c)
	if err != nil {
		s.consoleFail(c, err)
		return
	}
	s.render(c, http.StatusOK, "admin_users.html", p)
}

// userCreate adds a user; without a password one is generated and shown once.
func (s *Server) userCreate(c *gin.Context) {
	f := userForm{Name: c.PostForm("name"), Role: c.PostForm("role"), Password: c.PostForm("password")}
	generated := f.Password == ""
	if generated {
		f.Password = account.GeneratePassword()
	}
	u, err := s.users.Create(c.Request.Context(), f.Name, f.Role, f.Password)
	if err != nil {
		p, lerr := s.userListPage(c)
		if lerr != nil {
			s.consoleFail(c, lerr)
			return
		}
		f.Password = ""
		p.Form = f
		status, text, ok := errorText(p.Lang, err, f.Name)
		if !ok {
			s.consoleFail(c, err)
			return
		}
		p.Error = text
		s.render(c, status, "admin_users.html", p)
		return
	}
	s.audit(c, "user.create", "user:"+u.Name, "role "+u.Role)
	p, err := s.userListPage(c)
	if err != nil {
		s.consoleFail(c, err)
		return
	}
	p.Flash = p.T("users.created", u.Name)
	if generated {
		p.NewPassword, p.NewFor = f.Password, u.Name
	}
	s.render(c, http.StatusCreated, "admin_users.html", p)
}

type userEditPage struct {
	consolePage
	Edit        *model.User
	Roles       []string
	Self        bool
	NewPassword string
}

func (s *Server) userEditPage(c *gin.Context, id uint64) (userEditPage, error) {
	u, err := s.users.ByID(c.Request.Context(), id)
	if err != nil {
		return userEditPage{}, err
	}
	return userEditPage{consolePage: s.consoleBase(c, "users.edit_title", "users"), Edit: u, Roles: account.Roles, Self: u.ID == currentUser(c).ID}, nil
}

func (s *Server) userEdit(c *gin.Context) {
	id, ok := s.consoleID(c, "id")
	if !ok {
		return
	}
	p, err := s.userEditPage(c, id)
	if err != nil {
		s.consoleFail(c, err)
		return
	}
	s.render(c, http.StatusOK, "admin_user_edit.html", p)
}

// userUpdate changes role and enabled state (admin only).
func (s *Server) userUpdate(c *gin.Context) {
	id, ok := s.consoleID(c, "id")
	if !ok {
		return
	}
	ctx := c.Request.Context()
	before, err := s.users.ByID(ctx, id)
	if err != nil {
		s.consoleFail(c, err)
		return
	}
	role, disabled := c.PostForm("role"), c.PostForm("disabled") == "1"
	err = nil
	if role != before.Role {
		if err = s.users.SetRole(ctx, id, role); err == nil {
			s.audit(c, "user.role", "user:"+before.Name, before.Role+" → "+role)
		}
	}
	if err == nil && disabled != before.Disabled {
		if err = s.users.SetDisabled(ctx, id, disabled); err == nil {
			s.audit(c, map[bool]string{true: "user.disable", false: "user.enable"}[disabled], "user:"+before.Name, "")
		}
	}
	if err != nil {
		p, perr := s.userEditPage(c, id)
		if perr != nil {
			s.consoleFail(c, perr)
			return
		}
		status, text, ok := errorText(p.Lang, err)
		if !ok {
			s.consoleFail(c, err)
			return
		}
		p.Error = text
		s.render(c, status, "admin_user_edit.html", p)
		return
	}
	s.setFlash(c, "common.saved")
	c.Redirect(http.StatusSeeOther, "/admin/users/"+strconv.FormatUint(id, 10))
}

// userResetPassword sets a new generated password, shown once; the user's
// sessions end because the session fingerprint changes.
func (s *Server) userResetPassword(c *gin.Context) {
	id, ok := s.consoleID(c, "id")
	if !ok {
		return
	}
	pw := account.GeneratePassword()
	if err := s.users.SetPassword(c.Request.Context(), id, pw); err != nil {
		s.consoleFail(c, err)
		return
	}
	p, err := s.userEditPage(c, id)
	if err != nil {
		s.consoleFail(c, err)
		return
	}
	s.audit(c, "user.password_reset", "user:"+p.Edit.Name, "")
	p.NewPassword = pw
	if p.Self {
		// The admin reset their own password: keep them signed in.
		if err := s.startSession(c, p.Edit); err != nil {
			s.consoleFail(c, err)
			return
		}
	}
	s.render(c, http.StatusOK, "admin_user_edit.html", p)
}

type accountPage struct {
	consolePage
}

func (s *Server) accountForm(c *gin.Context) {
	s.render(c, http.StatusOK, "admin_account.html", accountPage{s.consoleBase(c, "account.title", "")})
}

// accountPassword lets any user change their own password, given the
// current one. Only "current", "password" and "confirm" are read.
func (s *Server) accountPassword(c *gin.Context) {
	u := currentUser(c)
	ctx := c.Request.Context()
	p := accountPage{s.consoleBase(c, "account.title", "")}
	if _, err := s.users.Authenticate(ctx, u.Name, c.PostForm("current"), c.ClientIP()); err != nil {
		p.Error = p.T("account.bad_current")
		if errors.Is(err, account.ErrThrottled) {
			_, p.Error, _ = errorText(p.Lang, err)
		}
		s.render(c, http.StatusUnprocessableEntity, "admin_account.html", p)
		return
	}
	if c.PostForm("password") != c.PostForm("confirm") {
		p.Error = p.T("account.mismatch")
		s.render(c, http.StatusUnprocessableEntity, "admin_account.html", p)
		return
	}
	if err := s.users.SetPassword(ctx, u.ID, c.PostForm("password")); err != nil {
		if status, text, ok := errorText(p.Lang, err); ok {
			p.Error = text
			s.render(c, status, "admin_account.html", p)
			return
		}
		s.consoleFail(c, err)
		return
	}
	s.audit(c, "user.password_change", "user:"+u.Name, "")
	fresh, err := s.users.ByID(ctx, u.ID)
	if err == nil {
		err = s.startSession(c, fresh)
	}
	if err != nil {
		s.consoleFail(c, err)
		return
	}
	s.setFlash(c, "account.changed")
	c.Redirect(http.StatusSeeOther, "/admin/account")
}

type tokenPage struct {
	consolePage
	Tokens   []account.TokenRow
	AllUsers bool
	NewToken string // shown once
}

func (s *Server) tokenPage(c *gin.Context) (tokenPage, error) {
	u := currentUser(c)
	owner := u.ID
	if u.Role == model.RoleAdmin {
		owner = 0
	}
	ts, err := s.tokens.List(c.Request.Context(), owner)
	if err != nil {
		return tokenPage{}, err
	}
	return tokenPage{consolePage: s.consoleBase(c, "tokens.title", "tokens"), Tokens: ts, AllUsers: owner == 0}, nil
}

func (s *Server) tokenList(c *gin.Context) {
	p, err := s.tokenPage(c)
	if err != nil {
		s.consoleFail(c, err)
		return
	}
	s.render(c, http.StatusOK, "admin_tokens.html", p)
}

// tokenCreate makes a token for the current user and shows it once.
func (s *Server) tokenCreate(c *gin.Context) {
	u := currentUser(c)
	plain, t, err := s.tokens.Create(c.Request.Context(), u.ID, c.PostForm("name"))
	if err != nil {
		s.consoleFail(c, err)
		return
	}
	s.audit(c, "token.create", "token:"+strconv.FormatUint(t.ID, 10), t.Prefix+"… "+t.Name)
	p, err := s.tokenPage(c)
	if err != nil {
		s.consoleFail(c, err)
		return
	}
	p.NewToken = plain
	s.render(c, http.StatusCreated, "admin_tokens.html", p)
}

// tokenRevoke ends a token: the owner's own, or any for an admin.
func (s *Server) tokenRevoke(c *gin.Context) {
	id, ok := s.consoleID(c, "id")
	if !ok {
		return
	}
	u := currentUser(c)
	owner := u.ID
	if u.Role == model.RoleAdmin {
		owner = 0
	}
	if err := s.tokens.Revoke(c.Request.Context(), id, owner); err != nil {
		s.consoleFail(c, err)
		return
	}
	s.audit(c, "token.revoke", "token:"+strconv.FormatUint(id, 10), "")
	s.setFlash(c, "tokens.revoked")
	c.Redirect(http.StatusSeeOther, "/admin/tokens")
}

type auditPage struct {
	consolePage
	Events []model.AuditEvent
	Action string // the filter
	Older  string
}

func (s *Server) auditList(c *gin.Context) {
	before, _ := strconv.ParseUint(c.Query("before"), 10, 64)
	const pageSize = 100
	evs, err := s.auditLog.List(c.Request.Context(), service.AuditFilter{BeforeID: before, Action: c.Query("action"), Limit: pageSize})
	if err != nil {
		s.consoleFail(c, err)
		return
	}
	p := auditPage{consolePage: s.consoleBase(c, "audit.title", "audit"), Events: evs, Action: c.Query("action")}
	if len(evs) == pageSize {
		p.Older = consoleURL("/admin/audit", "before", strconv.FormatUint(evs[len(evs)-1].ID, 10), "action", c.Query("action"))
	}
	s.render(c, http.StatusOK, "admin_audit.html", p)
}
