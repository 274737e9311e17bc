package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/service/definition"
)

// Errors of questionnaire administration.
var (
	ErrBadSchedule = errors.New("closes_at must be after opens_at")
)

// FromTemplate turns a built-in definition into a new draft for slug, in
// the seminar with seminarSlug when given (an existing seminar, or a new one
// with just that slug).
func FromTemplate(data []byte, slug, seminarSlug string) (*definition.Definition, error) {
	def, err := definition.ParseDefinition(data)
	if err != nil {
		return nil, fmt.Errorf("built-in template: %w", err)
	}
	def.Slug = slug
	def.Status = model.StatusDraft
	def.Seminar = nil
	if seminarSlug != "" {
		def.Seminar = &definition.SeminarDef{Slug: seminarSlug}
	}
	def.Normalize()
	if ps := def.Validate(); len(ps) > 0 {
		return nil, &definition.InvalidError{Problems: ps}
	}
	return def, nil
}

// HasResponses reports whether questionnaire id has any response, which
// freezes its structure.
func (s *Questionnaires) HasResponses(ctx context.Context, id uint64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&model.Response{}).Where("questionnaire_id = ?", id).Limit(1).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("responses of questionnaire %d: %w", id, err)
	}
	return n > 0, nil
}

// Duplicate copies questionnaire id under a new slug as a draft with no
// schedule, for the next seminar (seminarSlug; empty keeps the original's).
func (s *Questionnaires) Duplicate(ctx context.Context, id uint64, slug, seminarSlug string) (*model.Questionnaire, error) {
	l, err := s.Load(ctx, id)
	if err != nil {
		return nil, err
	}
	def := cloneDefinition(l.Def)
	def.Slug = slug
	def.Status = model.StatusDraft
	def.OpensAt, def.ClosesAt = nil, nil
	switch {
	case seminarSlug != "":
		def.Seminar = &definition.SeminarDef{Slug: seminarSlug}
	case l.Seminar != nil:
		def.Seminar = &definition.SeminarDef{Slug: l.Seminar.Slug, Timezone: l.Seminar.Timezone}
	}
	def.Normalize()
	if ps := def.Validate(); len(ps) > 0 {
		return nil, &definition.InvalidError{Problems: ps}
	}
	return s.Import(ctx, def)
}

// Schedule sets when questionnaire id opens and closes (nil: no limit). It
// changes no structure, so it is allowed after responses.
func (s *Questionnaires) Schedule(ctx context.Context, id uint64, opensAt, closesAt *time.Time) (*model.Questionnaire, error) {
	if opensAt != nil && closesAt != nil && !closesAt.After(*opensAt) {
		return nil, ErrBadSchedule
	}
	l, err := s.Load(ctx, id)
	if err != nil {
		return nil, err
	}
	def := cloneDefinition(l.Def)
	def.OpensAt, def.ClosesAt = utcPtr(opensAt), utcPtr(closesAt)
	err = s.db.WithContext(ctx).Model(&model.Questionnaire{}).Where("id = ?", id).Updates(map[string]any{
		"opens_at": def.OpensAt, "closes_at": def.ClosesAt, "definition": string(def.JSON()), "updated_at": s.now().UTC(),
	}).Error
	if err != nil {
		return nil, fmt.Errorf("schedule questionnaire %d: %w", id, err)
	}
	return s.ByID(ctx, id)
}

// Seminar returns the seminar a questionnaire belongs to, or nil.
func (s *Questionnaires) Seminar(ctx context.Context, q *model.Questionnaire) (*model.Seminar, error) {
	if q.SeminarID == nil {
		return nil, nil
	}
	var sem model.Seminar
	if err := s.db.WithContext(ctx).First(&sem, *q.SeminarID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, nil
		}
		return nil, fmt.Errorf("seminar %d: %w", *q.SeminarID, err)
	}
	return &sem, nil
}

// LocalTimeLayout is how the console's datetime-local inputs write a time.
const LocalTimeLayout = "2006-01-02T15:04"

// ParseLocalTime reads a wall-clock time typed in the seminar's time zone
// ("2026-11-27T15:00"); empty means none.
func ParseLocalTime(v string, loc *time.Location) (*time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	for _, layout := range []string{LocalTimeLayout, "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			u := t.UTC()
			return &u, nil
		}
	}
	return nil, fmt.Errorf("%q is not a date and time like 2026-11-27T15:00", v)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// cloneDefinition deep-copies a definition through its JSON, so that edits
// never reach the cached copy other requests are reading.
func cloneDefinition(d *definition.Definition) *definition.Definition {
	c, err := definition.DecodeStoredDefinition(string(d.JSON()))
	if err != nil {
		panic(err) // JSON we just wrote: cannot fail
	}
	return c
}

// ResponseCounts returns the number of responses of every questionnaire
// that has any, in one GROUP BY (the console list shows them).
func (s *Questionnaires) ResponseCounts(ctx context.Context) (map[uint64]int64, error) {
	var rows []struct {
		QuestionnaireID uint64
		N               int64
	}
	err := s.db.WithContext(ctx).Model(&model.Response{}).Select("questionnaire_id, COUNT(*) AS n").Group("questionnaire_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count responses: %w", err)
	}
	out := make(map[uint64]int64, len(rows))
	for _, r := range rows {
		out[r.QuestionnaireID] = r.N
	}
	return out, nil
}
