// Package handler is the HTTP layer: the gin router, middleware and handlers.
// Handlers parse the request, call one service method and render; no SQL and
// no business rules live here.
package handler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/securecookie"
	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/service"
	"seminareval/service/account"
	"seminareval/service/report"
	"seminareval/service/roster"
	"seminareval/service/wechat"
	"seminareval/service/wire"
	"seminareval/templates"
)

// Deps are what the HTTP layer is built from.
type Deps struct {
	Config service.Config
	DB     *gorm.DB
	Log    *slog.Logger
	Secret []byte // from service.EnsureSecret (cookies, form tokens)
	// Services are built once by the caller (wire.New) and
	// shared with its background jobs; the handlers build none.
	Services *wire.Services
	Now      func() time.Time // nil: time.Now
}

// Server holds the router and the services behind it.
type Server struct {
	cfg     service.Config
	db      *gorm.DB
	log     *slog.Logger
	now     func() time.Time
	baseURL *url.URL
	cookies *securecookie.SecureCookie
	formKey []byte // signs the participant page's form token (submit_budget.go)
	// assetVersion is in every static URL: a hash of the embedded assets,
	// so it changes with them and is the same on every replica.
	assetVersion string
	// replyDeadline bounds the work of one WeChat push, below the
	// platform's 5 seconds, so that a slow database still yields "success".
	replyDeadline time.Duration
	budget        *submitBudget // new responses per client address
	pages         *template.Template
	metrics       *metrics
	engine        *gin.Engine

	questionnaires *service.Questionnaires
	responses      *service.Responses
	users          *account.Users
	tokens         *account.Tokens
	auditLog       *service.Audit
	seminars       *service.Seminars
	rosters        *roster.Service
	reports        *report.Reports
	crossOrigin    *http.CrossOriginProtection

	// wechatEntry, when set by the WeChat handlers, may answer a
	// participant page request itself (an OAuth redirect inside WeChat) and
	// return true. It is nil while WeChat is off.
	wechatEntry func(c *gin.Context, slug string) bool
	// wechatSvc is the WeChat service.
	wechatSvc *wechat.Service
}

// New builds the server and its routes.
func New(ctx context.Context, d Deps) (*Server, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	base, err := url.Parse(strings.TrimRight(d.Config.Server.BaseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("server.base_url: %w", err)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	if d.Services == nil {
		return nil, errors.New("handler: Deps.Services is required (wire.New)")
	}
	cookies := securecookie.New(deriveKey(d.Secret, "cookie-hash"), nil)
	cookies.MaxAge(365 * 24 * 3600)
	svc := d.Services
	s := &Server{
		cfg:            d.Config,
		db:             d.DB,
		log:            d.Log,
		now:            d.Now,
		baseURL:        base,
		cookies:        cookies,
		formKey:        deriveKey(d.Secret, "form-token"),
		assetVersion:   assetVersion(),
		replyDeadline:  4 * time.Second,
		budget:         newSubmitBudget(d.Config.Server.SubmitBudgetWindow),
		pages:          pages,
		metrics:        newMetrics(),
		responses:      svc.Responses,
		questionnaires: svc.Questionnaires,
		users:          svc.Users,
		tokens:         svc.Tokens,
		auditLog:       svc.Audit,
		seminars:       svc.Seminars,
		rosters:        svc.Rosters,
		reports:        svc.Reports,
		wechatSvc:      svc.WeChat,
		crossOrigin:    http.NewCrossOriginProtection(),
	}
	if err := s.routes(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Handler returns the http.Handler to serve.
func (s *Server) Handler() http.Handler { return s.engine }

// Questionnaires exposes the questionnaire service (the CLI and tests use it).
func (s *Server) Questionnaires() *service.Questionnaires { return s.questionnaires }

// requiredPages are every page the handlers render, checked at start so
// that a missing page fails the start and not a request
// (TestEveryRenderedPageIsCheckedAtStart keeps the list whole).
var requiredPages = []string{
	"questionnaire.html", "message.html",
	"admin_account.html", "admin_audit.html", "admin_board.html", "admin_home.html", "admin_invites.html",
	"admin_login.html", "admin_message.html", "admin_poster.html", "admin_questionnaire_edit.html",
	"admin_questionnaire_new.html", "admin_questionnaires.html", "admin_report.html", "admin_roster.html",
	"admin_roster_preview.html", "admin_seminar.html", "admin_seminar_form.html", "admin_tokens.html",
	"admin_user_edit.html", "admin_users.html", "admin_wechat.html",
}

func parsePages() (*template.Template, error) {
	t := template.New("").Funcs(template.FuncMap{
		"lower": strings.ToLower,
	})
	t, err := t.ParseFS(templates.Pages, "*.html")
	if err != nil {
		return nil, fmt.Errorf("parse templates: %w", err)
	}
	for _, name := range requiredPages {
		if t.Lookup(name) == nil {
			return nil, fmt.Errorf("template %s is missing", name)
		}
	}
	if problems := templates.Messages().Check(); len(problems) > 0 {
		return nil, fmt.Errorf("message catalogue: %s", strings.Join(problems, "; "))
	}
	return t, nil
}

// uploadRoutes take a file or a whole definition: they set their own body
// limit (server.max_upload_bytes). multipartRoutes are the forms with a
// file input.
var (
	uploadRoutes = map[string]bool{
		"POST /admin/questionnaires": true, "POST /admin/questionnaires/:id": true,
		"POST /admin/seminars/:id/roster/preview": true, "POST /admin/seminars/:id/roster/import": true,
		"POST /api/v1/questionnaires": true, "PUT /api/v1/questionnaires/:id": true,
		"POST /api/v1/seminars/:slug/participants": true,
	}
	multipartRoutes = map[string]bool{"POST /admin/questionnaires": true, "POST /admin/seminars/:id/roster/preview": true, "POST /admin/wechat/account-qr": true}
)

// bodyLimits bounds every request body by server.max_body_bytes, except on
// the upload routes, and refuses multipart bodies (413) where no form has a
// file input: gin would otherwise spool a 300 MB file part posted to the
// login page or a questionnaire to a temporary file before any check.
func (s *Server) bodyLimits() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Body == nil || c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
			c.Next()
			return
		}
		route := c.Request.Method + " " + c.FullPath()
		if strings.HasPrefix(c.ContentType(), "multipart/") && !multipartRoutes[route] {
			c.Header("Connection", "close") // do not read the rest of it
			if strings.HasPrefix(c.Request.URL.Path, "/api/") {
				c.AbortWithStatusJSON(http.StatusRequestEntityTooLarge, gin.H{"error": "too_large"})
			} else {
				c.Data(http.StatusRequestEntityTooLarge, "text/plain; charset=utf-8", []byte("This form does not take files.\n此表单不接受文件。\n"))
				c.Abort()
			}
			return
		}
		if !uploadRoutes[route] {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.Server.MaxBodyBytes)
		}
		c.Next()
	}
}

func (s *Server) routes(ctx context.Context) error {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	if err := r.SetTrustedProxies(s.cfg.Server.TrustedProxies); err != nil {
		return fmt.Errorf("server.trusted_proxies: %w", err)
	}
	r.Use(s.recovery(), s.requestLog(), s.metrics.middleware(), s.bodyLimits())
	r.NoRoute(s.notFound)

	static, _ := fs.Sub(templates.Static, "static")
	r.GET("/static/*path", s.staticFiles(static))
	r.GET("/favicon.ico", func(c *gin.Context) { c.Status(http.StatusNoContent) })

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", gin.WrapH(s.metrics.handler()))
	r.GET("/", s.home)

	p := &participantHandler{Server: s}
	r.GET("/s/:slug", p.show)
	r.POST("/s/:slug", p.submit)
	r.GET("/s/:slug/thanks", p.thanks)

	s.engine = r
	for _, register := range []func(context.Context, *gin.Engine) error{s.registerAdmin, s.registerQuestionnaireAdmin, s.registerAPI, s.registerWeChat, s.registerReports} {
		if err := register(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// home sends visitors of the bare host somewhere useful.
func (s *Server) home(c *gin.Context) {
	qs, err := s.questionnaires.OpenNow(c.Request.Context())
	if err == nil && len(qs) == 1 {
		c.Redirect(http.StatusFound, "/s/"+qs[0].Slug)
		return
	}
	c.Redirect(http.StatusFound, "/admin/")
}

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := model.Ping(ctx, s.db); err != nil {
		s.log.Warn("readiness: database unreachable", "err", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "database": "unreachable"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// AbsoluteURL turns a path into a URL under server.base_url.
func (s *Server) AbsoluteURL(path string) string {
	return s.baseURL.String() + path
}

// secureCookies is true when the service is reached over https.
func (s *Server) secureCookies() bool { return s.baseURL.Scheme == "https" }

// assetVersion hashes the embedded static files.
func assetVersion() string {
	h := sha256.New()
	_ = fs.WalkDir(templates.Static, ".", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := templates.Static.ReadFile(path)
		if err != nil {
			return err
		}
		h.Write([]byte(path))
		h.Write(data)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:10]
}
