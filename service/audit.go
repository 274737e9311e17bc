package service

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"seminareval/model"
)

// Audit records who created, changed, published, closed or downloaded what.
type Audit struct {
	db  *gorm.DB
	now func() time.Time
}

// NewAudit returns the audit log service.
func NewAudit(db *gorm.DB, now func() time.Time) *Audit {
	if now == nil {
		now = time.Now
	}
	return &Audit{db: db, now: now}
}

// Record appends an event. actor may be nil for the system itself (the CLI,
// the first start). action is "<object type>.<verb>" (questionnaire.publish),
// object is "<type>:<id or slug>".
func (a *Audit) Record(ctx context.Context, actor *model.User, action, object, detail string) error {
	e := model.AuditEvent{At: a.now().UTC(), Action: auditClip(action, 64), Object: auditClip(object, 200), Detail: detail}
	if actor != nil {
		id := actor.ID
		e.UserID, e.UserName = &id, actor.Name
	} else {
		e.UserName = "system"
	}
	if err := a.db.WithContext(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("record audit event %s: %w", action, err)
	}
	return nil
}

// AuditFilter narrows List. Zero values mean "any".
type AuditFilter struct {
	BeforeID uint64 // keyset paging: events older than this id
	UserID   uint64
	Action   string // prefix match: "questionnaire." matches every questionnaire action
	Limit    int    // default 100, at most 1000
}

// List returns events newest first.
func (a *Audit) List(ctx context.Context, f AuditFilter) ([]model.AuditEvent, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	q := a.db.WithContext(ctx).Order("id DESC").Limit(f.Limit)
	if f.BeforeID != 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	if f.UserID != 0 {
		q = q.Where("user_id = ?", f.UserID)
	}
	if f.Action != "" {
		q = q.Where("action LIKE ?", auditEscapeLike(f.Action)+"%")
	}
	var out []model.AuditEvent
	if err := q.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	return out, nil
}

func auditClip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

func auditEscapeLike(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '%' || r == '_' || r == '\\' {
			out = append(out, '\\')
		}
		out = append(out, r)
	}
	return string(out)
}
