package load

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"seminareval/model"
)

// Ceiling is the yardstick of the submit path: a bare net/http handler that
// does the minimum any implementation must do for a JSON submission —
// decode the body, and insert the response row and its answer rows in one
// transaction with prepared statements — and nothing else: no router, no
// validation, no questionnaire lookup, no logging, no metrics. The service's
// throughput is reported as a share of this one's, measured in the same run
// against the same database.
type Ceiling struct {
	db              *sql.DB
	questionnaireID uint64
	questions       map[string]ceilingQuestion
	secret          []byte
	insertResponse  *sql.Stmt

	mu            sync.Mutex
	insertAnswers map[int]*sql.Stmt // multi-row INSERTs by row count
}

type ceilingQuestion struct {
	id  uint64
	typ string
}

// NewCeiling prepares the ceiling handler for questionnaire slug on db (the
// service's database, opened with model.Open so the pool and pragmas are
// the service's own).
func NewCeiling(ctx context.Context, db *gorm.DB, slug string) (*Ceiling, error) {
	var q model.Questionnaire
	if err := db.WithContext(ctx).Where("slug = ?", slug).Take(&q).Error; err != nil {
		return nil, fmt.Errorf("questionnaire %q: %w", slug, err)
	}
	var rows []model.Question
	if err := db.WithContext(ctx).Where("questionnaire_id = ?", q.ID).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("questions: %w", err)
	}
	c := &Ceiling{questionnaireID: q.ID, questions: map[string]ceilingQuestion{}, insertAnswers: map[int]*sql.Stmt{}}
	for _, r := range rows {
		c.questions[r.Key] = ceilingQuestion{id: r.ID, typ: r.Type}
	}
	var err error
	if c.db, err = db.DB(); err != nil {
		return nil, err
	}
	c.secret = make([]byte, 32)
	_, _ = rand.Read(c.secret)
	c.insertResponse, err = c.db.PrepareContext(ctx,
		"INSERT INTO `responses` (`questionnaire_id`,`respondent_hash`,`submission_id`,`channel`,`lang`,`submitted_at`) VALUES (?,?,?,?,?,?)")
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	return c, nil
}

func (c *Ceiling) answersStmt(ctx context.Context, n int) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.insertAnswers[n]; s != nil {
		return s, nil
	}
	q := "INSERT INTO `answers` (`response_id`,`questionnaire_id`,`question_id`,`num`,`opt`,`text`,`na`) VALUES " +
		strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?),", n), ",")
	s, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.insertAnswers[n] = s
	return s, nil
}

// ServeHTTP handles POST /s/{slug} with the JSON contract's body.
func (c *Ceiling) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var sub struct {
		SubmissionID string         `json:"submission_id"`
		Lang         string         `json:"lang"`
		Answers      map[string]any `json:"answers"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&sub); err != nil {
		http.Error(w, `{"error":"invalid_json"}`, http.StatusBadRequest)
		return
	}
	respondent := "s:" + sub.SubmissionID
	if ck, err := r.Cookie("sev_r"); err == nil {
		respondent = "c:" + ck.Value
	}
	m := hmac.New(sha256.New, c.secret)
	fmt.Fprintf(m, "%d\x00%s", c.questionnaireID, respondent)
	hash := hex.EncodeToString(m.Sum(nil))

	var args []any
	n := 0
	add := func(q ceilingQuestion, num *int, opt, text *string, na bool) {
		args = append(args, nil, c.questionnaireID, q.id, num, opt, text, na)
		n++
	}
	for key, v := range sub.Answers {
		q, ok := c.questions[key]
		if !ok {
			continue
		}
		switch x := v.(type) {
		case float64:
			i := int(x)
			add(q, &i, nil, nil, false)
		case string:
			switch {
			case x == "na":
				add(q, nil, nil, nil, true)
			case q.typ == model.TypeText || q.typ == model.TypeLongText:
				add(q, nil, nil, &x, false)
			default:
				add(q, nil, &x, nil, false)
			}
		case []any:
			for _, e := range x {
				if s, ok := e.(string); ok {
					add(q, nil, &s, nil, false)
				}
			}
		}
	}
	ctx := r.Context()
	id, err := c.store(ctx, sub.SubmissionID, sub.Lang, hash, args, n)
	if err != nil {
		if model.IsDuplicate(err) {
			http.Error(w, `{"error":"already_answered"}`, http.StatusConflict)
			return
		}
		http.Error(w, `{"error":"internal"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"response_id":%d,"status":"recorded"}`, id)
}

func (c *Ceiling) store(ctx context.Context, submissionID, lang, hash string, args []any, n int) (uint64, error) {
	var answers *sql.Stmt
	if n > 0 {
		var err error
		if answers, err = c.answersStmt(ctx, n); err != nil {
			return 0, err
		}
	}
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	res, err := tx.StmtContext(ctx, c.insertResponse).ExecContext(ctx, c.questionnaireID, hash, submissionID, "web", lang, time.Now().UTC())
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	for i := 0; i < len(args); i += 7 {
		args[i] = id
	}
	if answers != nil {
		if _, err := tx.StmtContext(ctx, answers).ExecContext(ctx, args...); err != nil {
			return 0, err
		}
	}
	return uint64(id), tx.Commit()
}
