package report

import (
	"context"
	"fmt"

	"seminareval/service"
)

// marked is one response to a knowledge test with its mark: the score is
// computed here, from the stored answers and the definition's answer key of
// now, so a corrected key corrects every score.
type marked struct {
	responseID uint64
	pairHash   string
	percent    float64
	right      map[string]bool
}

// marks reads and marks the responses of test l in view v (every response
// when v is the whole questionnaire's), in id order.
func (r *Reports) marks(ctx context.Context, l *service.Loaded, v view) ([]marked, error) {
	db := r.db.WithContext(ctx)
	var resps []struct {
		ID       uint64
		PairHash *string
	}
	if err := db.Raw("SELECT rr.id, rr.pair_hash FROM responses rr WHERE rr.id IN ("+v.sql+") ORDER BY rr.id", v.args...).Scan(&resps).Error; err != nil {
		return nil, fmt.Errorf("responses of test %d: %w", l.ID, err)
	}
	scored := l.Def.ScoredQuestions()
	keyOf := map[uint64]string{}
	var ids []uint64
	for _, q := range scored {
		id := l.QuestionIDs[q.Key]
		keyOf[id] = q.Key
		ids = append(ids, id)
	}
	chosen := map[uint64]map[string][]string{}
	if len(ids) > 0 && len(resps) > 0 {
		var rows []struct {
			ResponseID uint64
			QuestionID uint64
			Opt        *string
		}
		err := db.Raw("SELECT a.response_id, a.question_id, a.opt FROM answers a WHERE a.questionnaire_id = ? AND a.question_id IN ? AND a.opt IS NOT NULL AND a.response_id IN ("+v.sql+")",
			append([]any{l.ID, ids}, v.args...)...).Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("answers of test %d: %w", l.ID, err)
		}
		for _, a := range rows {
			m := chosen[a.ResponseID]
			if m == nil {
				m = map[string][]string{}
				chosen[a.ResponseID] = m
			}
			m[keyOf[a.QuestionID]] = append(m[keyOf[a.QuestionID]], *a.Opt)
		}
	}
	out := make([]marked, len(resps))
	for i, rr := range resps {
		m := l.Def.Mark(chosen[rr.ID])
		out[i] = marked{responseID: rr.ID, percent: m.Percent(), right: m.Right}
		if rr.PairHash != nil {
			out[i].pairHash = *rr.PairHash
		}
	}
	return out, nil
}

// wholeView is the view of every response of questionnaire id.
func wholeView(id uint64) view {
	return view{sql: "SELECT fr.id FROM responses fr WHERE fr.questionnaire_id = ?", args: []any{id}}
}
