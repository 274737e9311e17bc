package service

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"seminareval/model"
	"seminareval/service/definition"
	"seminareval/templates"
)

// ErrSeminarSlugTaken is returned when another seminar has the slug.
var ErrSeminarSlugTaken = fmt.Errorf("seminar slug already in use: %w", model.ErrDuplicate)

var seminarSlugRe = regexp.MustCompile(`^[a-z0-9-]{3,64}$`)

// Seminars manages seminars and the organisers assigned to them.
type Seminars struct {
	db  *gorm.DB
	now func() time.Time
}

// NewSeminars returns the seminar service.
func NewSeminars(db *gorm.DB, now func() time.Time) *Seminars {
	if now == nil {
		now = time.Now
	}
	return &Seminars{db: db, now: now}
}

// SeminarInput is what a person may set on a seminar: the request struct of
// the console form, kept apart from the model so that id, timestamps and
// the roster cannot be set through it.
type SeminarInput struct {
	Slug     string
	Title    model.Text
	Location model.Text
	StartsOn string
	EndsOn   string
	Timezone string
	// RetentionDays is how many days after the seminar its personal data is
	// kept, as typed ("" for privacy.retention_days).
	RetentionDays string
}

// retention is RetentionDays as stored: nil for the default.
func (in *SeminarInput) retention() *int {
	n, err := strconv.Atoi(strings.TrimSpace(in.RetentionDays))
	if err != nil || n <= 0 {
		return nil
	}
	return &n
}

// seminarProblem is a problem of field path, its message from the catalogue.
func seminarProblem(path, code, key string) model.Problem {
	p := templates.Problem(code, key)
	p.Path = path
	return p
}

// Validate returns the problems of the input, each naming its field.
func (in *SeminarInput) Validate() []model.Problem {
	var ps []model.Problem
	in.Slug = strings.TrimSpace(in.Slug)
	if !seminarSlugRe.MatchString(in.Slug) {
		ps = append(ps, seminarProblem("slug", "bad_slug", "seminar.err_slug"))
	}
	if strings.TrimSpace(in.Title.In("en")) == "" {
		ps = append(ps, seminarProblem("title", "required", "seminar.err_title"))
	}
	for field, v := range map[string]string{"starts_on": in.StartsOn, "ends_on": in.EndsOn} {
		if v == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			ps = append(ps, seminarProblem(field, "bad_date", "seminar.err_date"))
		}
	}
	if in.StartsOn != "" && in.EndsOn != "" && in.EndsOn < in.StartsOn {
		ps = append(ps, seminarProblem("ends_on", "bad_date", "seminar.err_order"))
	}
	if in.RetentionDays = strings.TrimSpace(in.RetentionDays); in.RetentionDays != "" {
		if n, err := strconv.Atoi(in.RetentionDays); err != nil || n < 1 || n > 36500 {
			ps = append(ps, seminarProblem("retention_days", "bad_retention", "seminar.err_retention"))
		}
	}
	if in.Timezone == "" {
		in.Timezone = model.DefaultTimezone
	}
	if _, err := time.LoadLocation(in.Timezone); err != nil {
		ps = append(ps, seminarProblem("timezone", "bad_timezone", "seminar.err_timezone"))
	}
	return ps
}

// Create adds a seminar.
func (s *Seminars) Create(ctx context.Context, in SeminarInput) (*model.Seminar, error) {
	if ps := in.Validate(); len(ps) > 0 {
		return nil, &definition.InvalidError{Problems: ps}
	}
	m := model.Seminar{Slug: in.Slug, Title: in.Title, Location: in.Location, StartsOn: in.StartsOn, EndsOn: in.EndsOn, Timezone: in.Timezone, RetentionDays: in.retention()}
	if err := s.db.WithContext(ctx).Create(&m).Error; err != nil {
		if model.IsDuplicate(err) {
			return nil, ErrSeminarSlugTaken
		}
		return nil, fmt.Errorf("create seminar: %w", err)
	}
	return &m, nil
}

// Update changes a seminar's fields.
func (s *Seminars) Update(ctx context.Context, id uint64, in SeminarInput) (*model.Seminar, error) {
	if ps := in.Validate(); len(ps) > 0 {
		return nil, &definition.InvalidError{Problems: ps}
	}
	res := s.db.WithContext(ctx).Model(&model.Seminar{}).Where("id = ?", id).Updates(map[string]any{
		"slug": in.Slug, "title": in.Title, "location": in.Location, "starts_on": in.StartsOn,
		"ends_on": in.EndsOn, "timezone": in.Timezone, "retention_days": in.retention(), "updated_at": s.now().UTC(),
	})
	if res.Error != nil {
		if model.IsDuplicate(res.Error) {
			return nil, ErrSeminarSlugTaken
		}
		return nil, fmt.Errorf("update seminar %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, fmt.Errorf("seminar %d: %w", id, model.ErrNotFound)
	}
	return s.ByID(ctx, id)
}

// ByID returns one seminar.
// Delete erases a seminar: its roster (participants, their reminders), its
// organisers' assignments and the seminar itself. Its questionnaires and
// their responses stay, without the seminar (their revision moves on, so no
// replica answers with a cached copy that still has it) and without the
// links to the erased participants.
func (s *Seminars) Delete(ctx context.Context, id uint64) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		roster := tx.Model(&model.Participant{}).Select("id").Where("seminar_id = ?", id)
		steps := []func() error{
			func() error {
				return tx.Model(&model.Questionnaire{}).Where("seminar_id = ?", id).Update("seminar_id", nil).Error
			},
			func() error {
				return tx.Model(&model.Response{}).Where("participant_id IN (?)", roster).UpdateColumn("participant_id", nil).Error
			},
			func() error { return tx.Where("participant_id IN (?)", roster).Delete(&model.Reminder{}).Error },
			func() error { return tx.Where("seminar_id = ?", id).Delete(&model.Participant{}).Error },
			func() error { return tx.Where("seminar_id = ?", id).Delete(&model.SeminarOrganiser{}).Error },
			func() error { return tx.Delete(&model.Seminar{}, id).Error },
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return fmt.Errorf("delete seminar %d: %w", id, err)
			}
		}
		return nil
	})
}

func (s *Seminars) ByID(ctx context.Context, id uint64) (*model.Seminar, error) {
	var m model.Seminar
	if err := s.db.WithContext(ctx).First(&m, id).Error; err != nil {
		return nil, fmt.Errorf("seminar %d: %w", id, model.Translate(err))
	}
	return &m, nil
}

// BySlug returns one seminar.
func (s *Seminars) BySlug(ctx context.Context, slug string) (*model.Seminar, error) {
	var m model.Seminar
	if err := s.db.WithContext(ctx).Where("slug = ?", slug).First(&m).Error; err != nil {
		return nil, fmt.Errorf("seminar %q: %w", slug, model.Translate(err))
	}
	return &m, nil
}

// SeminarRow is a seminar with what the console lists next to it.
type SeminarRow struct {
	model.Seminar
	Participants   int64
	Questionnaires []model.Questionnaire
}

// List returns seminars, newest first, with their questionnaires and roster
// sizes. onlyFor restricts the list to the seminars assigned to that
// organiser (0: all).
func (s *Seminars) List(ctx context.Context, onlyFor uint64) ([]SeminarRow, error) {
	db := s.db.WithContext(ctx)
	q := db.Model(&model.Seminar{}).Order("starts_on DESC, id DESC")
	if onlyFor != 0 {
		q = q.Where("id IN (?)", db.Model(&model.SeminarOrganiser{}).Select("seminar_id").Where("user_id = ?", onlyFor))
	}
	var sems []model.Seminar
	if err := q.Find(&sems).Error; err != nil {
		return nil, fmt.Errorf("list seminars: %w", err)
	}
	rows := make([]SeminarRow, len(sems))
	if len(sems) == 0 {
		return rows, nil
	}
	ids := make([]uint64, len(sems))
	index := map[uint64]int{}
	for i, m := range sems {
		rows[i].Seminar = m
		ids[i] = m.ID
		index[m.ID] = i
	}
	var counts []struct {
		SeminarID uint64
		N         int64
	}
	if err := db.Model(&model.Participant{}).Select("seminar_id, COUNT(*) AS n").Where("seminar_id IN ?", ids).Group("seminar_id").Scan(&counts).Error; err != nil {
		return nil, fmt.Errorf("count participants: %w", err)
	}
	for _, c := range counts {
		rows[index[c.SeminarID]].Participants = c.N
	}
	var qs []model.Questionnaire
	if err := db.Omit("definition").Where("seminar_id IN ?", ids).Order("id").Find(&qs).Error; err != nil {
		return nil, fmt.Errorf("list questionnaires: %w", err)
	}
	for _, q := range qs {
		i := index[*q.SeminarID]
		rows[i].Questionnaires = append(rows[i].Questionnaires, q)
	}
	return rows, nil
}

// UnassignedQuestionnaires returns questionnaires without a seminar (the
// console lists them apart so none is out of reach).
func (s *Seminars) UnassignedQuestionnaires(ctx context.Context) ([]model.Questionnaire, error) {
	var qs []model.Questionnaire
	if err := s.db.WithContext(ctx).Omit("definition").Where("seminar_id IS NULL").Order("id").Find(&qs).Error; err != nil {
		return nil, fmt.Errorf("list questionnaires: %w", err)
	}
	return qs, nil
}

// Organisers returns the users assigned to a seminar.
func (s *Seminars) Organisers(ctx context.Context, seminarID uint64) ([]model.User, error) {
	var us []model.User
	err := s.db.WithContext(ctx).Where("id IN (?)",
		s.db.Model(&model.SeminarOrganiser{}).Select("user_id").Where("seminar_id = ?", seminarID)).
		Order("name").Find(&us).Error
	if err != nil {
		return nil, fmt.Errorf("organisers of seminar %d: %w", seminarID, err)
	}
	return us, nil
}

// ErrNotOrganiser is returned when assigning a user whose role is not organiser.
var ErrNotOrganiser = errors.New("only users with the organiser role can be assigned to a seminar")

// SetOrganisers replaces the organisers of a seminar.
func (s *Seminars) SetOrganisers(ctx context.Context, seminarID uint64, userIDs []uint64) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.First(&model.Seminar{}, seminarID).Error; err != nil {
			return fmt.Errorf("seminar %d: %w", seminarID, model.Translate(err))
		}
		if len(userIDs) > 0 {
			var n int64
			if err := tx.Model(&model.User{}).Where("id IN ? AND role = ?", userIDs, model.RoleOrganiser).Count(&n).Error; err != nil {
				return err
			}
			if int(n) != len(dedupeIDs(userIDs)) {
				return ErrNotOrganiser
			}
		}
		if err := tx.Where("seminar_id = ?", seminarID).Delete(&model.SeminarOrganiser{}).Error; err != nil {
			return err
		}
		rows := make([]model.SeminarOrganiser, 0, len(userIDs))
		for _, id := range dedupeIDs(userIDs) {
			rows = append(rows, model.SeminarOrganiser{UserID: id, SeminarID: seminarID})
		}
		if len(rows) == 0 {
			return nil
		}
		return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error
	})
}

// IsOrganiserOf reports whether user is assigned to the seminar.
func (s *Seminars) IsOrganiserOf(ctx context.Context, userID, seminarID uint64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&model.SeminarOrganiser{}).Where("user_id = ? AND seminar_id = ?", userID, seminarID).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("check organiser: %w", err)
	}
	return n > 0, nil
}

func dedupeIDs(ids []uint64) []uint64 {
	seen := map[uint64]bool{}
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
