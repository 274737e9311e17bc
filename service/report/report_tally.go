package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"seminareval/model"
	"seminareval/service"
)

// TallySettle is how old a response must be before its answers go into the
// cached tally (model.ReportTally). Ids are allocated when a response is
// inserted, and a submission's transaction lasts milliseconds, so once the
// newest response older than this is known, every response with a smaller
// id has committed: none can appear later below the tally's watermark. The
// minute also absorbs clock differences between replicas.
const TallySettle = time.Minute

// aggKey identifies one GROUP BY row of answers.
type aggKey struct {
	QuestionID uint64
	Num        int
	HasNum     bool
	Opt        string
	HasOpt     bool
	NA         bool
}

func keyOf(a aggregate) aggKey {
	k := aggKey{QuestionID: a.QuestionID, NA: a.NA}
	if a.Num != nil {
		k.Num, k.HasNum = *a.Num, true
	}
	if a.Opt != nil {
		k.Opt, k.HasOpt = *a.Opt, true
	}
	return k
}

// tally is answer counts by aggKey plus, per multiple-choice question, the
// respondents who chose anything.
type tally struct {
	counts map[aggKey]aggregate
	multi  map[uint64]int
}

func newTally() *tally { return &tally{counts: map[aggKey]aggregate{}, multi: map[uint64]int{}} }

func (t *tally) add(aggs []aggregate, sign int) {
	for _, a := range aggs {
		k := keyOf(a)
		cur, ok := t.counts[k]
		if !ok {
			cur = a
			cur.C = 0
		}
		cur.C += sign * a.C
		t.counts[k] = cur
	}
}

func (t *tally) aggregates() []aggregate {
	out := make([]aggregate, 0, len(t.counts))
	for _, a := range t.counts {
		if a.C != 0 {
			out = append(out, a)
		}
	}
	return out
}

func (t *tally) clone() *tally {
	c := newTally()
	for k, v := range t.counts {
		c.counts[k] = v
	}
	for k, v := range t.multi {
		c.multi[k] = v
	}
	return c
}

type tallyJSON struct {
	Aggs  []aggregate       `json:"aggs"`
	Multi map[uint64]int    `json:"multi"`
	Meta  map[string]string `json:"meta,omitempty"`
}

// splitRow is a GROUP BY row of the recent answers, marked settled (its
// response is at or below the new watermark) or not.
type splitRow struct {
	QuestionID uint64
	Num        *int
	Opt        *string
	NA         bool
	Settled    int
	C          int
}

func (s splitRow) aggregate() aggregate {
	return aggregate{QuestionID: s.QuestionID, Num: s.Num, Opt: s.Opt, NA: s.NA, C: s.C}
}

type splitMulti struct {
	QuestionID uint64
	Settled    int
	C          int
}

// unfilteredCounts returns the answer counts and multi-choice respondents of
// every response of l: the cached tally of settled responses plus the
// responses since, grouped in SQL through the response_id index (question_id
// IN the questionnaire's questions, not questionnaire_id, so that the
// planner walks only the recent range). Without a usable tally it groups
// everything once over the covering index ix_answer_report and stores the
// settled part for next time.
func (r *Reports) unfilteredCounts(ctx context.Context, l *service.Loaded, questionIDs, multiIDs []uint64) ([]aggregate, map[uint64]int, error) {
	db := r.db.WithContext(ctx)
	var watermark uint64
	cutoff := r.now().UTC().Add(-TallySettle)
	if err := db.Raw("SELECT id FROM responses WHERE questionnaire_id = ? AND submitted_at <= ? ORDER BY id DESC LIMIT 1", l.ID, cutoff).Scan(&watermark).Error; err != nil {
		return nil, nil, fmt.Errorf("tally watermark of %d: %w", l.ID, err)
	}
	cached, err := r.loadTally(ctx, l.ID)
	if err != nil {
		return nil, nil, err
	}
	if cached != nil && cached.upTo > watermark {
		watermark = cached.upTo // another replica's clock settled more: its tally is as good
	}
	if cached == nil || cached.upTo == 0 {
		return r.coldCounts(ctx, l, questionIDs, multiIDs, watermark)
	}

	var rows []splitRow
	err = db.Raw("SELECT a.question_id AS question_id, a.num AS num, a.opt AS opt, a.na AS na, CASE WHEN a.response_id <= ? THEN 1 ELSE 0 END AS settled, COUNT(*) AS c"+
		" FROM answers a WHERE a.response_id > ? AND a.question_id IN ? GROUP BY a.question_id, a.num, a.opt, a.na, CASE WHEN a.response_id <= ? THEN 1 ELSE 0 END",
		watermark, cached.upTo, questionIDs, watermark).Scan(&rows).Error
	if err != nil {
		return nil, nil, fmt.Errorf("recent answers of %d: %w", l.ID, err)
	}
	var multiRows []splitMulti
	if len(multiIDs) > 0 {
		err = db.Raw("SELECT a.question_id AS question_id, CASE WHEN a.response_id <= ? THEN 1 ELSE 0 END AS settled, COUNT(DISTINCT a.response_id) AS c"+
			" FROM answers a WHERE a.response_id > ? AND a.question_id IN ? GROUP BY a.question_id, CASE WHEN a.response_id <= ? THEN 1 ELSE 0 END",
			watermark, cached.upTo, multiIDs, watermark).Scan(&multiRows).Error
		if err != nil {
			return nil, nil, fmt.Errorf("recent multi answers of %d: %w", l.ID, err)
		}
	}
	settled, all := cached.t.clone(), cached.t.clone()
	for _, row := range rows {
		all.add([]aggregate{row.aggregate()}, 1)
		if row.Settled == 1 {
			settled.add([]aggregate{row.aggregate()}, 1)
		}
	}
	for _, m := range multiRows {
		all.multi[m.QuestionID] += m.C
		if m.Settled == 1 {
			settled.multi[m.QuestionID] += m.C
		}
	}
	if watermark > cached.upTo {
		if err := r.saveTally(ctx, l.ID, watermark, settled); err != nil {
			return nil, nil, err
		}
	}
	return all.aggregates(), all.multi, nil
}

// coldCounts groups every answer of l over the covering index, subtracts the
// unsettled tail (above watermark) and stores the rest as the tally.
func (r *Reports) coldCounts(ctx context.Context, l *service.Loaded, questionIDs, multiIDs []uint64, watermark uint64) ([]aggregate, map[uint64]int, error) {
	db := r.db.WithContext(ctx)
	all := newTally()
	var aggs []aggregate
	err := db.Raw("SELECT a.question_id AS question_id, a.num AS num, a.opt AS opt, a.na AS na, COUNT(*) AS c FROM answers a WHERE a.questionnaire_id = ?"+
		" GROUP BY a.question_id, a.num, a.opt, a.na", l.ID).Scan(&aggs).Error
	if err != nil {
		return nil, nil, fmt.Errorf("aggregate answers of %d: %w", l.ID, err)
	}
	all.add(aggs, 1)
	if len(multiIDs) > 0 {
		var rows []splitMulti
		err = db.Raw("SELECT a.question_id AS question_id, COUNT(DISTINCT a.response_id) AS c FROM answers a WHERE a.questionnaire_id = ? AND a.question_id IN ? GROUP BY a.question_id",
			l.ID, multiIDs).Scan(&rows).Error
		if err != nil {
			return nil, nil, fmt.Errorf("count multi answers of %d: %w", l.ID, err)
		}
		for _, m := range rows {
			all.multi[m.QuestionID] = m.C
		}
	}
	settled := all.clone()
	var tail []aggregate
	err = db.Raw("SELECT a.question_id AS question_id, a.num AS num, a.opt AS opt, a.na AS na, COUNT(*) AS c FROM answers a WHERE a.response_id > ? AND a.question_id IN ?"+
		" GROUP BY a.question_id, a.num, a.opt, a.na", watermark, questionIDs).Scan(&tail).Error
	if err != nil {
		return nil, nil, fmt.Errorf("recent answers of %d: %w", l.ID, err)
	}
	settled.add(tail, -1)
	if len(multiIDs) > 0 {
		var rows []splitMulti
		err = db.Raw("SELECT a.question_id AS question_id, COUNT(DISTINCT a.response_id) AS c FROM answers a WHERE a.response_id > ? AND a.question_id IN ? GROUP BY a.question_id",
			watermark, multiIDs).Scan(&rows).Error
		if err != nil {
			return nil, nil, fmt.Errorf("recent multi answers of %d: %w", l.ID, err)
		}
		for _, m := range rows {
			settled.multi[m.QuestionID] -= m.C
		}
	}
	if err := r.saveTally(ctx, l.ID, watermark, settled); err != nil {
		return nil, nil, err
	}
	return all.aggregates(), all.multi, nil
}

type cachedTally struct {
	upTo uint64
	t    *tally
}

// loadTally returns the stored tally of a questionnaire, or nil when there
// is none or it no longer matches the responses it claims to count.
func (r *Reports) loadTally(ctx context.Context, questionnaireID uint64) (*cachedTally, error) {
	db := r.db.WithContext(ctx)
	var row model.ReportTally
	err := db.Where("questionnaire_id = ?", questionnaireID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tally of %d: %w", questionnaireID, err)
	}
	var n int64
	if err := db.Model(&model.Response{}).Where("questionnaire_id = ? AND id <= ?", questionnaireID, row.UpToResponseID).Count(&n).Error; err != nil {
		return nil, fmt.Errorf("check tally of %d: %w", questionnaireID, err)
	}
	var data tallyJSON
	if n != row.Responses || json.Unmarshal([]byte(row.Data), &data) != nil {
		return nil, nil // responses changed under it (or garbage): rebuild
	}
	t := newTally()
	t.add(data.Aggs, 1)
	for k, v := range data.Multi {
		t.multi[k] = v
	}
	return &cachedTally{upTo: row.UpToResponseID, t: t}, nil
}

// saveTally stores the counts of the responses with id ≤ upTo. Replicas may
// race; whichever writes last leaves a tally that is exact for its own
// watermark, which is all a tally has to be.
func (r *Reports) saveTally(ctx context.Context, questionnaireID, upTo uint64, t *tally) error {
	db := r.db.WithContext(ctx)
	var n int64
	if err := db.Model(&model.Response{}).Where("questionnaire_id = ? AND id <= ?", questionnaireID, upTo).Count(&n).Error; err != nil {
		return fmt.Errorf("count tallied responses of %d: %w", questionnaireID, err)
	}
	data, err := json.Marshal(tallyJSON{Aggs: t.aggregates(), Multi: t.multi})
	if err != nil {
		return err
	}
	row := model.ReportTally{QuestionnaireID: questionnaireID, UpToResponseID: upTo, Responses: n, Data: string(data), UpdatedAt: r.now().UTC()}
	err = db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "questionnaire_id"}}, UpdateAll: true}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("store tally of %d: %w", questionnaireID, err)
	}
	return nil
}
