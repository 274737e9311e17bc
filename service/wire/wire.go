// Package wire builds every domain service once, for cmd (serve, the
// command-line tools, the load generator) and for tests' set-up.
package wire

import (
	"log/slog"
	"time"

	"gorm.io/gorm"

	"seminareval/service"
	"seminareval/service/account"
	"seminareval/service/report"
	"seminareval/service/roster"
	"seminareval/service/wechat"
)

// Services are the domain services, built once — by cmd, or a test's set-up
// — and shared by the HTTP layer and the background jobs (the tally warmer,
// the janitor), so that every part works on the same caches.
type Services struct {
	Questionnaires *service.Questionnaires // the one cache, the one Submit trusts
	Responses      *service.Responses
	Users          *account.Users
	Tokens         *account.Tokens
	Audit          *service.Audit
	Seminars       *service.Seminars
	Rosters        *roster.Service
	Reports        *report.Reports
	WeChat         *wechat.Service
	Janitor        *service.Janitor
}

// Deps are what the services are built from.
type Deps struct {
	DB     *gorm.DB
	Config service.Config
	Secret []byte          // from EnsureSecret
	Sealer *service.Sealer // nil (tests only): settings stored as they are
	Log    *slog.Logger
	Now    func() time.Time // nil: time.Now
}

// New builds every service once. Close releases what they hold.
func New(d Deps) *Services {
	if d.Now == nil {
		d.Now = time.Now
	}
	responses := service.NewResponses(d.DB, d.Secret, d.Now)
	qs := responses.Questionnaires()
	audit := service.NewAudit(d.DB, d.Now)
	return &Services{
		Questionnaires: qs,
		Responses:      responses,
		Users:          account.NewUsers(d.DB, d.Now),
		Tokens:         account.NewTokens(d.DB, d.Now),
		Audit:          audit,
		Seminars:       service.NewSeminars(d.DB, d.Now),
		Rosters:        roster.New(d.DB, d.Now),
		Reports:        report.NewReports(d.DB, qs, d.Now),
		WeChat:         wechat.New(d.DB, d.Config, d.Sealer, qs, responses, d.Log, d.Now),
		Janitor:        service.NewJanitor(d.DB, audit, d.Config.Privacy.RetentionDays, d.Now),
	}
}

// Close releases the services' connections (the WeChat service's Redis).
func (s *Services) Close() {
	if s != nil && s.WeChat != nil {
		s.WeChat.Close()
	}
}
