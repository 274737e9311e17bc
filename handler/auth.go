package handler

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"seminareval/model"
	"seminareval/service/account"
)

// The console session: a signed cookie holding the user id, the time the
// session began and a fingerprint of the password hash. Nothing is kept in
// process, so any replica can serve any request; a password change or a
// disabled account ends the session at the next request because the user is
// re-read every time.
const (
	cookieSession  = "sev_session"
	sessionMaxAge  = 12 * time.Hour
	ctxUserKey     = "seminareval.user"
	ctxTokenKey    = "seminareval.token"
	loginPath      = "/admin/login"
	consoleHome    = "/admin/"
	sessionVersion = "1"
)

// startSession sets the session cookie after a successful login.
func (s *Server) startSession(c *gin.Context, u *model.User) error {
	v := strings.Join([]string{sessionVersion, strconv.FormatUint(u.ID, 10),
		strconv.FormatInt(s.now().Unix(), 10), account.SessionFingerprint(u)}, "|")
	return s.SetSignedCookie(c, cookieSession, v, int(sessionMaxAge/time.Second))
}

// endSession clears the session cookie.
func (s *Server) endSession(c *gin.Context) { s.setCookie(c, cookieSession, "", -1) }

// sessionUser returns the user of a valid session cookie, or nil.
func (s *Server) sessionUser(c *gin.Context) *model.User {
	u, _ := s.sessionUserOrErr(c)
	return u
}

// sessionUserOrErr is sessionUser that tells a database failure (err set)
// from no valid session (nil, nil): a console user whose session cannot be
// checked is not signed out.
func (s *Server) sessionUserOrErr(c *gin.Context) (*model.User, error) {
	parts := strings.Split(s.SignedCookie(c, cookieSession), "|")
	if len(parts) != 4 || parts[0] != sessionVersion {
		return nil, nil
	}
	id, err1 := strconv.ParseUint(parts[1], 10, 64)
	began, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || s.now().Sub(time.Unix(began, 0)) > sessionMaxAge {
		return nil, nil
	}
	u, err := s.users.SessionUser(c.Request.Context(), id, parts[3])
	switch {
	case err == nil:
		return u, nil
	case errors.Is(err, account.ErrBadCredentials), model.IsNotFound(err):
		return nil, nil
	}
	return nil, err
}

// retryAfterSeconds is what a 503 for an unreachable database asks clients
// to wait.
const retryAfterSeconds = "30"

// unavailable answers 503 with Retry-After: JSON for scripts, the console's
// page otherwise.
func (s *Server) unavailable(c *gin.Context, err error, asJSON bool) {
	s.log.Error("database unavailable", "path", c.Request.URL.Path, "err", err)
	c.Abort()
	c.Header("Retry-After", retryAfterSeconds)
	if asJSON {
		c.JSON(http.StatusServiceUnavailable, gin.H{"error": "unavailable"})
		return
	}
	s.consoleMessage(c, http.StatusServiceUnavailable, "err.unavailable_title", "err.unavailable_body")
}

// checkCrossOrigin refuses cross-site state-changing requests (CSRF) with Go's
// CrossOriginProtection, which reads Sec-Fetch-Site and Origin. Safe methods
// and non-browser clients (no Sec-Fetch-Site, no Origin) pass. It answers and
// returns false when the request is refused.
func (s *Server) checkCrossOrigin(c *gin.Context, asJSON bool) bool {
	if err := s.crossOrigin.Check(c.Request); err != nil {
		s.log.Warn("cross-origin request refused", "path", c.Request.URL.Path, "origin", c.GetHeader("Origin"), "sec_fetch_site", c.GetHeader("Sec-Fetch-Site"))
		if asJSON {
			c.AbortWithStatusJSON(http.StatusForbidden, gin.H{"error": "cross_origin"})
		} else {
			c.Abort()
			s.consoleMessage(c, http.StatusForbidden, "err.cross_origin_title", "err.cross_origin_body")
		}
		return false
	}
	return true
}

// crossOriginGuard is the cross-origin check as middleware, for route groups
// that are reachable without a session (the login form).
func (s *Server) crossOriginGuard() gin.HandlerFunc {
	return func(c *gin.Context) {
		if s.checkCrossOrigin(c, false) {
			c.Next()
		}
	}
}

// requireConsole admits console users with one of roles (any role when none
// is given). Anonymous GET/HEAD requests are sent to the login page with a
// return address; other anonymous requests get 303 to the login page (forms)
// or 401 (scripts asking for JSON). A user without the role gets a 403 page.
// Cross-site state-changing requests are refused first.
func (s *Server) requireConsole(roles ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !s.checkCrossOrigin(c, false) {
			return
		}
		u, err := s.sessionUserOrErr(c)
		if err != nil {
			s.unavailable(c, err, wantsJSON(c))
			return
		}
		if u == nil {
			c.Abort()
			if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead && wantsJSON(c) {
				c.JSON(http.StatusUnauthorized, gin.H{"error": "unauthorized"})
				return
			}
			next := c.Request.URL.RequestURI()
			if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
				// A form post cannot be replayed after login; come back to
				// the page it was posted from (the path itself, as a GET).
				next = c.Request.URL.Path
			}
			status := http.StatusFound
			if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
				status = http.StatusSeeOther
			}
			c.Redirect(status, loginPath+"?next="+url.QueryEscape(next))
			return
		}
		c.Set(ctxUserKey, u)
		if len(roles) > 0 && !slices.Contains(roles, u.Role) {
			c.Abort()
			s.consoleMessage(c, http.StatusForbidden, "err.forbidden_title", "err.forbidden_body")
			return
		}
		c.Next()
	}
}

// requireAPI admits requests with a valid bearer token whose user has one
// of roles (any role when none is given): 401 {"error":"unauthorized"}
// without a token or with an invalid or revoked one, 403 {"error":"forbidden"}
// for another role.
func (s *Server) requireAPI(roles ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !s.checkCrossOrigin(c, true) {
			return
		}
		scheme, plain, ok := strings.Cut(c.GetHeader("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(plain) == "" {
			c.Header("WWW-Authenticate", `Bearer realm="seminareval"`)
			c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "unauthorized"})
			return
		}
		u, tok, err := s.tokens.Verify(c.Request.Context(), strings.TrimSpace(plain))
		if err != nil && !errors.Is(err, account.ErrBadToken) {
			s.unavailable(c, err, true) // the token may be fine: never 401 for a database failure
			return
		}
		if err != nil {
			c.Header("WWW-Authenticate", `Bearer realm="seminareval", error="invalid_token"`)
			c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "unauthorized"})
			return
		}
		c.Set(ctxUserKey, u)
		c.Set(ctxTokenKey, tok)
		if len(roles) > 0 && !slices.Contains(roles, u.Role) {
			c.AbortWithStatusJSON(http.StatusForbidden, gin.H{"error": "forbidden"})
			return
		}
		c.Next()
	}
}

// currentUser is the user established by requireConsole or requireAPI (nil
// outside them).
func currentUser(c *gin.Context) *model.User {
	if v, ok := c.Get(ctxUserKey); ok {
		if u, ok := v.(*model.User); ok {
			return u
		}
	}
	return nil
}

// canSeeSeminar reports whether the current user may see a seminar's data:
// admin and staff see everything; an organiser only the seminars assigned to
// them (so never a questionnaire without a seminar, seminarID nil).
func (s *Server) canSeeSeminar(c *gin.Context, seminarID *uint64) bool {
	u := currentUser(c)
	if u == nil {
		return false
	}
	switch u.Role {
	case model.RoleAdmin, model.RoleStaff:
		return true
	case model.RoleOrganiser:
		if seminarID == nil {
			return false
		}
		ok, err := s.seminars.IsOrganiserOf(c.Request.Context(), u.ID, *seminarID)
		if err != nil {
			s.log.Error("check organiser", "err", err)
			return false
		}
		return ok
	}
	return false
}

// audit records an action of the current user. A failure to record is logged
// rather than failing the request that already happened.
func (s *Server) audit(c *gin.Context, action, object, detail string) {
	if err := s.auditLog.Record(c.Request.Context(), currentUser(c), action, object, detail); err != nil {
		s.log.Error("audit", "action", action, "object", object, "err", err)
	}
}

// wantsJSON is true for clients that ask for or send JSON.
func wantsJSON(c *gin.Context) bool {
	return strings.Contains(c.GetHeader("Accept"), "application/json") || c.ContentType() == "application/json"
}

// safeNext keeps a post-login redirect on this site's console: a local path
// under /admin/, never "//host" or a full URL (an open redirect).
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/admin/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return consoleHome
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return consoleHome
	}
	return next
}
