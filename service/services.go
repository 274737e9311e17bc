package service

import (
	"log/slog"
	"time"

	"gorm.io/gorm"
)

// Services are the domain services, built once — by cmd, or a test's set-up
// — and shared by the HTTP layer and the background jobs (the tally warmer,
// the janitor), so that every part works on the same caches.
type Services struct {
	Questionnaires *Questionnaires // the one cache, the one Submit trusts
	Responses      *Responses
	Users          *Users
	Tokens         *Tokens
	Audit          *Audit
	Seminars       *Seminars
	Rosters        *Rosters
	Reports        *Reports
	WeChat         *WeChat
	Janitor        *Janitor
}

// ServicesDeps are what the services are built from.
type ServicesDeps struct {
	DB     *gorm.DB
	Config Config
	Secret []byte  // from EnsureSecret
	Sealer *Sealer // nil (tests only): settings stored as they are
	Log    *slog.Logger
	Now    func() time.Time // nil: time.Now
}

// NewServices builds every service once. Close releases what they hold.
func NewServices(d ServicesDeps) *Services {
	if d.Now == nil {
		d.Now = time.Now
	}
	responses := NewResponses(d.DB, d.Secret, d.Now)
	qs := responses.Questionnaires()
	audit := NewAudit(d.DB, d.Now)
	return &Services{
		Questionnaires: qs,
		Responses:      responses,
		Users:          NewUsers(d.DB, d.Now),
		Tokens:         NewTokens(d.DB, d.Now),
		Audit:          audit,
		Seminars:       NewSeminars(d.DB, d.Now),
		Rosters:        NewRosters(d.DB, d.Now),
		Reports:        NewReports(d.DB, qs, d.Now),
		WeChat:         NewWeChat(d.DB, d.Config, d.Sealer, qs, responses, d.Log, d.Now),
		Janitor:        NewJanitor(d.DB, audit, d.Config.Privacy.RetentionDays, d.Now),
	}
}

// Close releases the services' connections (the WeChat service's Redis).
func (s *Services) Close() {
	if s != nil && s.WeChat != nil {
		s.WeChat.Close()
	}
}
