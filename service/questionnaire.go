package service

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/service/definition"
)

// Errors of questionnaire management.
var (
	ErrSlugTaken       = fmt.Errorf("questionnaire slug already in use: %w", model.ErrDuplicate)
	ErrStructureFrozen = errors.New("structure_frozen: the questionnaire has responses; only wording may change")
)

// Loaded is a questionnaire with its parsed definition and the database ids
// of its questions, as the submit path and the pages need it.
type Loaded struct {
	model.Questionnaire
	Def         *definition.Definition
	QuestionIDs map[string]uint64
	Seminar     *model.Seminar
}

// Questionnaires manages questionnaire definitions.
type Questionnaires struct {
	db  *gorm.DB
	now func() time.Time

	mu     sync.RWMutex
	cache  map[uint64]*Loaded // parsed definitions, keyed by id, valid while Revision matches
	bySlug map[string]uint64  // slug → id of questionnaires in cache
}

// NewQuestionnaires returns the questionnaire service.
func NewQuestionnaires(db *gorm.DB, now func() time.Time) *Questionnaires {
	if now == nil {
		now = time.Now
	}
	return &Questionnaires{db: db, now: now, cache: map[uint64]*Loaded{}, bySlug: map[string]uint64{}}
}

// Import creates a questionnaire (and its seminar when the definition names a
// new one) from a validated definition.
func (s *Questionnaires) Import(ctx context.Context, def *definition.Definition) (*model.Questionnaire, error) {
	var q model.Questionnaire
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		seminarID, err := upsertSeminar(tx, def.Seminar)
		if err != nil {
			return err
		}
		q = model.Questionnaire{
			SeminarID: seminarID,
			Slug:      def.Slug,
			Title:     def.Title,
			Status:    def.Status,
			Access:    def.Access,
			Anonymous: def.Anonymous,
			OpensAt:   def.OpensAt,
			ClosesAt:  def.ClosesAt,
		}
		q.Definition = string(def.JSON())
		if err := tx.Create(&q).Error; err != nil {
			if model.IsDuplicate(err) {
				return ErrSlugTaken
			}
			return fmt.Errorf("create questionnaire: %w", err)
		}
		return createQuestions(tx, q.ID, def)
	})
	if err != nil {
		return nil, err
	}
	return &q, nil
}

// Replace swaps the definition of questionnaire id. Once it has responses,
// only wording may change (ErrStructureFrozen otherwise). The slug may change
// only while there are no responses either, since links are out there.
func (s *Questionnaires) Replace(ctx context.Context, id uint64, def *definition.Definition) (*model.Questionnaire, error) {
	var q model.Questionnaire
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.First(&q, id).Error; err != nil {
			return fmt.Errorf("questionnaire %d: %w", id, model.Translate(err))
		}
		old, err := definition.DecodeStoredDefinition(q.Definition)
		if err != nil {
			return err
		}
		var responses int64
		if err := tx.Model(&model.Response{}).Where("questionnaire_id = ?", id).Count(&responses).Error; err != nil {
			return err
		}
		if responses > 0 && (old.StructureKey() != def.StructureKey() || old.Slug != def.Slug) {
			return ErrStructureFrozen
		}
		seminarID, err := upsertSeminar(tx, def.Seminar)
		if err != nil {
			return err
		}
		updates := map[string]any{
			"seminar_id": seminarID, "slug": def.Slug, "title": def.Title, "status": def.Status,
			"access": def.Access, "anonymous": def.Anonymous, "opens_at": def.OpensAt, "closes_at": def.ClosesAt,
			"definition": string(def.JSON()), "updated_at": s.now().UTC(),
		}
		if err := tx.Model(&q).Updates(updates).Error; err != nil {
			if model.IsDuplicate(err) {
				return ErrSlugTaken
			}
			return fmt.Errorf("update questionnaire %d: %w", id, err)
		}
		if responses > 0 {
			return nil // same structure: the question rows stay as they are
		}
		if err := tx.Where("questionnaire_id = ?", id).Delete(&model.Question{}).Error; err != nil {
			return err
		}
		return createQuestions(tx, id, def)
	})
	if err != nil {
		return nil, err
	}
	return s.ByID(ctx, id)
}

// SetStatus changes the status (publish, close, reopen) and keeps the stored
// definition in step.
func (s *Questionnaires) SetStatus(ctx context.Context, id uint64, status string) (*model.Questionnaire, error) {
	l, err := s.Load(ctx, id)
	if err != nil {
		return nil, err
	}
	def := *l.Def
	def.Status = status
	err = s.db.WithContext(ctx).Model(&model.Questionnaire{}).Where("id = ?", id).
		Updates(map[string]any{"status": status, "definition": string(def.JSON()), "updated_at": s.now().UTC()}).Error
	if err != nil {
		return nil, fmt.Errorf("set status of questionnaire %d: %w", id, err)
	}
	return s.ByID(ctx, id)
}

// ByID returns the questionnaire row.
func (s *Questionnaires) ByID(ctx context.Context, id uint64) (*model.Questionnaire, error) {
	var q model.Questionnaire
	if err := s.db.WithContext(ctx).First(&q, id).Error; err != nil {
		return nil, fmt.Errorf("questionnaire %d: %w", id, model.Translate(err))
	}
	return &q, nil
}

// Load returns questionnaire id with its definition.
func (s *Questionnaires) Load(ctx context.Context, id uint64) (*Loaded, error) {
	q, err := s.ByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.loaded(ctx, q)
}

// LoadBySlug returns the questionnaire behind a public link.
func (s *Questionnaires) LoadBySlug(ctx context.Context, slug string) (*Loaded, error) {
	var q model.Questionnaire
	if err := s.db.WithContext(ctx).Where("slug = ?", slug).First(&q).Error; err != nil {
		return nil, fmt.Errorf("questionnaire %q: %w", slug, model.Translate(err))
	}
	return s.loaded(ctx, &q)
}

// LoadBySlugCached returns the questionnaire behind a public link from this
// process's cache when it has it, without asking the database. Only the
// submit path uses it, and only because Responses.Submit checks inside its
// INSERT that the cached revision is still the stored one (and reloads when
// it is not); anything that shows a questionnaire uses LoadBySlug.
func (s *Questionnaires) LoadBySlugCached(ctx context.Context, slug string) (*Loaded, error) {
	s.mu.RLock()
	c := s.cache[s.bySlug[slug]]
	s.mu.RUnlock()
	if c != nil && c.Slug == slug {
		out := *c
		return &out, nil
	}
	return s.LoadBySlug(ctx, slug)
}

// loaded parses the definition and reads the question ids, reusing the
// previous parse while the row has not changed: the submit path would
// otherwise parse JSON and query questions on every request.
func (s *Questionnaires) loaded(ctx context.Context, q *model.Questionnaire) (*Loaded, error) {
	s.mu.RLock()
	c := s.cache[q.ID]
	s.mu.RUnlock()
	if c != nil && c.Revision == q.Revision && c.Definition == q.Definition {
		out := *c
		out.Questionnaire = *q
		return &out, nil
	}
	def, err := definition.DecodeStoredDefinition(q.Definition)
	if err != nil {
		return nil, err
	}
	var rows []model.Question
	if err := s.db.WithContext(ctx).Where("questionnaire_id = ?", q.ID).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("questions of %d: %w", q.ID, err)
	}
	ids := make(map[string]uint64, len(rows))
	for _, r := range rows {
		ids[r.Key] = r.ID
	}
	l := &Loaded{Questionnaire: *q, Def: def, QuestionIDs: ids}
	if q.SeminarID != nil {
		var sem model.Seminar
		if err := s.db.WithContext(ctx).First(&sem, *q.SeminarID).Error; err == nil {
			l.Seminar = &sem
		}
	}
	s.mu.Lock()
	if prev := s.cache[q.ID]; prev != nil && prev.Slug != q.Slug {
		delete(s.bySlug, prev.Slug)
	}
	s.cache[q.ID] = l
	s.bySlug[q.Slug] = q.ID
	s.mu.Unlock()
	out := *l
	return &out, nil
}

// List returns all questionnaires, newest first.
func (s *Questionnaires) List(ctx context.Context) ([]model.Questionnaire, error) {
	var qs []model.Questionnaire
	err := s.db.WithContext(ctx).Order("id DESC").Find(&qs).Error
	return qs, err
}

// OpenNow returns the questionnaires accepting answers at this moment, for
// the WeChat keyword and menu replies.
func (s *Questionnaires) OpenNow(ctx context.Context) ([]model.Questionnaire, error) {
	now := s.now().UTC()
	var qs []model.Questionnaire
	err := s.db.WithContext(ctx).
		Where("status = ?", model.StatusOpen).
		Where("opens_at IS NULL OR opens_at <= ?", now).
		Where("closes_at IS NULL OR closes_at > ?", now).
		Order("id DESC").Find(&qs).Error
	return qs, err
}

// Count returns how many questionnaires exist (the demo seeds an empty database).
func (s *Questionnaires) Count(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&model.Questionnaire{}).Count(&n).Error
	return n, err
}

func upsertSeminar(tx *gorm.DB, sd *definition.SeminarDef) (*uint64, error) {
	if sd == nil {
		return nil, nil
	}
	var sem model.Seminar
	err := tx.Where("slug = ?", sd.Slug).First(&sem).Error
	switch {
	case err == nil:
		// An existing seminar keeps its own details: a questionnaire file
		// must not silently rename a seminar other questionnaires share.
		return &sem.ID, nil
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return nil, fmt.Errorf("seminar %q: %w", sd.Slug, err)
	}
	sem = model.Seminar{Slug: sd.Slug, Title: sd.Title, Location: sd.Location, StartsOn: sd.StartsOn, EndsOn: sd.EndsOn, Timezone: sd.Timezone}
	if sem.Timezone == "" {
		sem.Timezone = model.DefaultTimezone
	}
	if err := tx.Create(&sem).Error; err != nil {
		return nil, fmt.Errorf("create seminar %q: %w", sd.Slug, err)
	}
	return &sem.ID, nil
}

func createQuestions(tx *gorm.DB, questionnaireID uint64, def *definition.Definition) error {
	var rows []model.Question
	pos := 0
	for si, sec := range def.Sections {
		for _, q := range sec.Questions {
			rows = append(rows, model.Question{QuestionnaireID: questionnaireID, Key: q.Key, Type: q.Type, Position: pos, Section: si, Required: q.Required})
			pos++
		}
	}
	if err := tx.Create(&rows).Error; err != nil {
		return fmt.Errorf("create questions: %w", err)
	}
	return nil
}
