package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"seminareval/model"
)

// Errors of questionnaire administration.
var (
	ErrBadSchedule = errors.New("closes_at must be after opens_at")
)

// ParseUpload reads an uploaded questionnaire: an XLSForm workbook (found by
// its content, not its name) or a YAML/JSON definition. slug, when not
// empty, replaces the document's own.
func ParseUpload(data []byte, slug string) (*Definition, error) {
	if IsXLSX(data) {
		return ParseXLSForm(data, XLSFormOptions{Slug: slug})
	}
	def, err := ParseDefinition(data)
	if err != nil || slug == "" {
		return def, err
	}
	def.Slug = slug
	if ps := def.Validate(); len(ps) > 0 {
		return nil, &InvalidError{ps}
	}
	return def, nil
}

// FromTemplate turns a built-in definition into a new draft for slug, in
// the seminar with seminarSlug when given (an existing seminar, or a new one
// with just that slug).
func FromTemplate(data []byte, slug, seminarSlug string) (*Definition, error) {
	def, err := ParseDefinition(data)
	if err != nil {
		return nil, fmt.Errorf("built-in template: %w", err)
	}
	def.Slug = slug
	def.Status = model.StatusDraft
	def.Seminar = nil
	if seminarSlug != "" {
		def.Seminar = &SeminarDef{Slug: seminarSlug}
	}
	def.Normalize()
	if ps := def.Validate(); len(ps) > 0 {
		return nil, &InvalidError{ps}
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
		def.Seminar = &SeminarDef{Slug: seminarSlug}
	case l.Seminar != nil:
		def.Seminar = &SeminarDef{Slug: l.Seminar.Slug, Timezone: l.Seminar.Timezone}
	}
	def.Normalize()
	if ps := def.Validate(); len(ps) > 0 {
		return nil, &InvalidError{ps}
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

// Location returns the time zone in which the questionnaire's times are
// entered and shown: its seminar's, Asia/Shanghai when it has none.
func Location(sem *model.Seminar) *time.Location {
	tz := "Asia/Shanghai"
	if sem != nil && sem.Timezone != "" {
		tz = sem.Timezone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.UTC
	}
	return loc
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
func cloneDefinition(d *Definition) *Definition {
	c, err := DecodeStoredDefinition(string(d.JSON()))
	if err != nil {
		panic(err) // JSON we just wrote: cannot fail
	}
	return c
}
