package service

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"seminareval/model"
)

// Retention. Personal data is kept only as long as it is needed: a seminar's
// contact fields (e-mail, phone), WeChat openids (on the roster, on responses
// and reminders) and invite tokens are purged RetentionDays after the seminar
// ends (the seminar's own number, else privacy.retention_days); the roster's
// names, organisations, countries and groups stay, so do the responses and
// every report figure. WeChat push records are kept only for their dedupe
// window and followers' last-message hours only for the customer-service
// window. The janitor runs every ten minutes in serve; `seminareval purge`
// runs it once. Every seminar purge is audited.

// EventDedupeWindow is how long a platform push is remembered: the platform
// retries within seconds, so ten minutes is ample.
const EventDedupeWindow = 10 * time.Minute

// purgedTokenPrefix starts the invite token a purge leaves: random, so the
// link stops working, and recognisable, so the row is not purged again.
const purgedTokenPrefix = "purged-"

// DefaultRetentionDays is privacy.retention_days by default: about thirteen
// months after the seminar, room for a follow-up evaluation 6–12 months on.
const DefaultRetentionDays = 400

// Janitor purges what is kept no longer than needed.
type Janitor struct {
	db          *gorm.DB
	audit       *Audit
	now         func() time.Time
	defaultDays int
}

// NewJanitor builds the janitor; defaultDays is privacy.retention_days.
func NewJanitor(db *gorm.DB, audit *Audit, defaultDays int, now func() time.Time) *Janitor {
	if now == nil {
		now = time.Now
	}
	if defaultDays <= 0 {
		defaultDays = DefaultRetentionDays
	}
	return &Janitor{db: db, audit: audit, now: now, defaultDays: defaultDays}
}

// Purged is what one run removed.
type Purged struct {
	Seminars     []string // slugs whose personal data was purged
	Participants int      // roster rows stripped of contact fields, openid and invite
	Responses    int      // responses stripped of their openid
	Events       int      // platform push records past their window
	Followers    int      // followers' last-message hours past the window
}

// RetentionDays is the number of days after its end that seminar's personal
// data is kept.
func (j *Janitor) RetentionDays(sem *model.Seminar) int {
	return SeminarRetentionDays(sem, j.defaultDays)
}

// SeminarRetentionDays is sem's own retention, else defaultDays.
func SeminarRetentionDays(sem *model.Seminar, defaultDays int) int {
	if sem != nil && sem.RetentionDays != nil && *sem.RetentionDays > 0 {
		return *sem.RetentionDays
	}
	if defaultDays <= 0 {
		return DefaultRetentionDays
	}
	return defaultDays
}

// PurgeOn is the first day (in the seminar's time zone) on which sem's
// personal data is purged, or "" when the seminar has no end date.
func PurgeOn(sem *model.Seminar, defaultDays int) string {
	end := cmp.Or(sem.EndsOn, sem.StartsOn)
	day, err := time.ParseInLocation(time.DateOnly, end, sem.Zone())
	if err != nil {
		return ""
	}
	return day.AddDate(0, 0, SeminarRetentionDays(sem, defaultDays)+1).Format(time.DateOnly)
}

// PurgeDue returns PurgeOn and whether that day has come at now (in the
// seminar's time zone): the janitor's rule and what the privacy notice says.
func PurgeDue(sem *model.Seminar, defaultDays int, now time.Time) (on string, due bool) {
	on = PurgeOn(sem, defaultDays)
	return on, on != "" && now.In(sem.Zone()).Format(time.DateOnly) >= on
}

// RunOnce purges every seminar whose retention has passed (once each) and
// the WeChat records past their windows.
func (j *Janitor) RunOnce(ctx context.Context) (Purged, error) {
	var p Purged
	db := j.db.WithContext(ctx)
	now := j.now()
	res := db.Where("received_at < ?", now.UTC().Add(-EventDedupeWindow)).Delete(&model.WeChatEvent{})
	if res.Error != nil {
		return p, fmt.Errorf("purge wechat events: %w", res.Error)
	}
	p.Events = int(res.RowsAffected)
	res = db.Where("wrote_hour < ?", now.UTC().Add(-CustomerServiceWindow)).Delete(&model.WeChatFollower{})
	if res.Error != nil {
		return p, fmt.Errorf("purge wechat followers: %w", res.Error)
	}
	p.Followers = int(res.RowsAffected)
	// Failed sign-ins carry the address they came from: kept for the
	// throttle's window only (a new failure prunes them too).
	if err := db.Where("at < ?", now.UTC().Add(-FailureWindow)).Delete(&model.LoginFailure{}).Error; err != nil {
		return p, fmt.Errorf("purge login failures: %w", err)
	}

	// Every seminar past its day, purged before or not: participants added
	// to a purged seminar (a late roster import) are purged in turn.
	var seminars []model.Seminar
	if err := db.Find(&seminars).Error; err != nil {
		return p, fmt.Errorf("seminars to purge: %w", err)
	}
	for i := range seminars {
		sem := &seminars[i]
		if _, due := PurgeDue(sem, j.defaultDays, now); !due {
			continue
		}
		parts, resps, err := j.purgeSeminar(ctx, sem)
		if err != nil {
			return p, err
		}
		if sem.PurgedAt != nil && parts == 0 && resps == 0 {
			continue // purged before, nothing new since
		}
		p.Seminars = append(p.Seminars, sem.Slug)
		p.Participants += parts
		p.Responses += resps
	}
	return p, nil
}

// purgeSeminar strips the personal data sem still holds in one transaction
// and audits it (the first time, and whenever there was something to strip).
func (j *Janitor) purgeSeminar(ctx context.Context, sem *model.Seminar) (participants, responses int, err error) {
	err = j.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var ids []uint64
		if err := tx.Model(&model.Participant{}).Where("seminar_id = ?", sem.ID).
			Where("email <> '' OR phone <> '' OR openid IS NOT NULL OR invite_token NOT LIKE ?", purgedTokenPrefix+"%").
			Pluck("id", &ids).Error; err != nil {
			return err
		}
		for _, id := range ids {
			// The invite token becomes one nobody knows: the link stops working.
			if err := tx.Model(&model.Participant{}).Where("id = ?", id).UpdateColumns(map[string]any{
				"email": "", "phone": "", "openid": nil, "invite_token": purgedTokenPrefix + RandomToken(24),
			}).Error; err != nil {
				return err
			}
		}
		participants = len(ids)
		qids := tx.Model(&model.Questionnaire{}).Select("id").Where("seminar_id = ?", sem.ID)
		res := tx.Model(&model.Response{}).Where("questionnaire_id IN (?) AND openid IS NOT NULL", qids).UpdateColumn("openid", nil)
		if res.Error != nil {
			return res.Error
		}
		responses = int(res.RowsAffected)
		if err := tx.Model(&model.Reminder{}).Where("questionnaire_id IN (?) AND openid <> ''", qids).UpdateColumn("openid", "").Error; err != nil {
			return err
		}
		if sem.PurgedAt != nil {
			return nil
		}
		return tx.Model(&model.Seminar{}).Where("id = ?", sem.ID).UpdateColumn("purged_at", j.now().UTC()).Error
	})
	if err != nil {
		return 0, 0, fmt.Errorf("purge seminar %s: %w", sem.Slug, err)
	}
	if j.audit != nil && (sem.PurgedAt == nil || participants > 0 || responses > 0) {
		if err := j.audit.Record(ctx, nil, "seminar.purge", "seminar:"+sem.Slug,
			fmt.Sprintf("personal data purged %d days after the seminar: %d participants, %d responses' openids", j.RetentionDays(sem), participants, responses)); err != nil {
			return participants, responses, err
		}
	}
	return participants, responses, nil
}

// Run calls RunOnce every interval until ctx ends, logging what it purged.
func (j *Janitor) Run(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		p, err := j.RunOnce(ctx)
		switch {
		case errors.Is(err, context.Canceled):
			return
		case err != nil:
			log.Warn("janitor", "err", err)
		case len(p.Seminars) > 0:
			log.Info("purged personal data", "seminars", p.Seminars, "participants", p.Participants, "responses", p.Responses)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// CustomerServiceWindow is how long after a follower's last message the
// account may send them customer-service messages
// (the WeChat board and reminders; the janitor forgets followers after it).
const CustomerServiceWindow = 48 * time.Hour

// FailureWindow is how long a failed sign-in counts towards the throttling
// of its name and address (service/account), and then how long the janitor
// keeps its row.
const FailureWindow = 15 * time.Minute
