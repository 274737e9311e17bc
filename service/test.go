package service

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"seminareval/model"
	"seminareval/service/definition"
)

// ErrNoResult is a result link that is not one of this questionnaire's
// responses (mistyped, forged, or of a test that shows no score).
var ErrNoResult = errors.New("no such result")

// TestResult is what a participant sees after sending a test that shows
// the score (show_score): their mark and, per scored question, what they
// chose and the right answer.
type TestResult struct {
	definition.Mark
	Items []ResultItem
}

// ResultItem is one scored question of a result.
type ResultItem struct {
	Question definition.QuestionDef
	Chosen   []definition.Option // in the question's order
	Correct  []definition.Option
	Right    bool
}

// ResultRef is the reference to a response's result that the thank-you
// link carries: the response id and a MAC of it, so that nobody reads a
// result (or the right answers) but the one who sent it.
func (s *Responses) ResultRef(responseID uint64) string {
	id := strconv.FormatUint(responseID, 10)
	return id + "." + s.resultMAC(id)
}

func (s *Responses) resultMAC(id string) string {
	m := hmac.New(sha256.New, s.DerivedKey("test result"))
	m.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// Result marks the response ref names, of test q. It is ErrNoResult when
// q shows no score or ref is not one of its responses.
func (s *Responses) Result(ctx context.Context, q *Loaded, ref string) (*TestResult, error) {
	id, mac, ok := strings.Cut(ref, ".")
	if !q.Def.ShowScore || !ok || !hmac.Equal([]byte(mac), []byte(s.resultMAC(id))) {
		return nil, ErrNoResult
	}
	responseID, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return nil, ErrNoResult
	}
	var rows []model.Answer
	err = s.db.WithContext(ctx).Select("question_id", "opt").
		Where("response_id = ? AND questionnaire_id = ? AND opt IS NOT NULL", responseID, q.ID).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("answers of result %d: %w", responseID, err)
	}
	var n int64
	if err := s.db.WithContext(ctx).Model(&model.Response{}).Where("id = ? AND questionnaire_id = ?", responseID, q.ID).Count(&n).Error; err != nil {
		return nil, fmt.Errorf("response of result %d: %w", responseID, err)
	}
	if n == 0 {
		return nil, ErrNoResult
	}
	keyOf := map[uint64]string{}
	for k, id := range q.QuestionIDs {
		keyOf[id] = k
	}
	chosen := map[string][]string{}
	for _, a := range rows {
		k := keyOf[a.QuestionID]
		chosen[k] = append(chosen[k], *a.Option)
	}
	res := &TestResult{Mark: q.Def.Mark(chosen)}
	for _, sq := range q.Def.ScoredQuestions() {
		item := ResultItem{Question: sq, Right: res.Right[sq.Key]}
		for _, o := range sq.AllOptions() {
			for _, c := range chosen[sq.Key] {
				if c == o.Value {
					item.Chosen = append(item.Chosen, o)
				}
			}
			for _, c := range sq.Correct {
				if c == o.Value {
					item.Correct = append(item.Correct, o)
				}
			}
		}
		res.Items = append(res.Items, item)
	}
	return res, nil
}
