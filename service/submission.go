package service

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/text/width"
	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/service/definition"
	"seminareval/templates"
)

// Outcomes of a submission that are not validation problems. The handler
// maps each to the status code of the contract.
var (
	ErrAlreadyAnswered = errors.New("already_answered")
	ErrNotOpen         = errors.New("not_open")
	ErrClosed          = errors.New("closed")
	ErrNotInvited      = errors.New("not_invited")
	// ErrInviteElsewhere is an invite link opened in a WeChat account other
	// than the one it is bound to.
	ErrInviteElsewhere = errors.New("invite_bound_elsewhere")
)

// FieldErrors maps a field — a question key, "submission_id", "lang", or a
// setting's name on the console — to the code of what is wrong with it, a
// "field." key of the message catalogue. Nothing is stored when a
// submission or a change has any.
type FieldErrors map[string]string

// Problems are the errors as problems, sorted by field, their messages
// from the catalogue ("field.<code>", English until localized).
func (f FieldErrors) Problems() []model.Problem {
	ps := make([]model.Problem, 0, len(f))
	for _, k := range slices.Sorted(maps.Keys(f)) {
		p := templates.Problem(f[k], "field."+f[k])
		p.Field = k
		ps = append(ps, p)
	}
	return ps
}

// In is each field's message in lang.
func (f FieldErrors) In(lang string) map[string]string {
	out := make(map[string]string, len(f))
	for _, p := range templates.Localize(lang, f.Problems()) {
		out[p.Field] = p.Message
	}
	return out
}

func (f FieldErrors) Error() string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + f[k]
	}
	return "invalid answers: " + strings.Join(parts, "; ")
}

// FieldError codes are the "field." keys of the message catalogue; FieldErrors hold codes and
// the handler turns them into sentences.
const (
	codeRequired      = "required"
	codeNotANumber    = "not_a_number"
	codeOutOfRange    = "out_of_range"
	codeNANotOffered  = "na_not_offer"
	codeUnknownOpt    = "unknown_opt"
	codeNotAString    = "not_a_string"
	codeNotAList      = "not_a_list"
	codeDuplicateOpt  = "duplicate_opt"
	codeTooLong       = "too_long"
	codeUnknownKey    = "unknown_key"
	codeInvalidUTF8   = "invalid_utf8"
	codeBadNumber     = "bad_number"
	codeTooManyDec    = "too_many_decimals"
	codeBelowMin      = "below_min"
	codeAboveMax      = "above_max"
	codeBadDate       = "bad_date"
	codeTooEarly      = "too_early"
	codeTooLate       = "too_late"
	codeOtherRequired = "other_required"
	codeBadSubmission = "bad_submission_id"
	codeBadLang       = "bad_lang"
)

// Submission is what a participant sends. Answers hold JSON-decoded values
// (float64, string, []any, nil) for the JSON contract, or strings and
// []string for a form post (FromForm true), where every value is text.
type Submission struct {
	SubmissionID string
	Lang         string
	Answers      map[string]any
	FromForm     bool
}

// Respondent is who is answering, as established by the handler from trusted
// sources only: the openid from the signed WeChat cookie, the invite token
// from the link, the respondent cookie.
type Respondent struct {
	OpenID      string // WeChat openid from the server-side OAuth exchange
	InviteToken string // ?t= of a roster link
	CookieID    string // random respondent cookie
}

// SubmitResult says what happened to a submission.
type SubmitResult struct {
	ResponseID uint64
	Already    bool     // the same submission_id was recorded before (a retry)
	Ignored    []string // answer keys not stored: questions not shown (skip logic), "other" texts of unchosen "other"
}

// Responses records submissions.
type Responses struct {
	db             *gorm.DB
	secret         []byte
	now            func() time.Time
	questionnaires *Questionnaires // reloads a questionnaire found stale
	stmts          preparedStmts   // the submit path's INSERTs
}

// NewResponses returns the response service; secret keys the respondent hash.
func NewResponses(db *gorm.DB, secret []byte, now func() time.Time) *Responses {
	if now == nil {
		now = time.Now
	}
	return &Responses{db: db, secret: secret, now: now, questionnaires: NewQuestionnaires(db, now)}
}

// DerivedKey is a key for one purpose (HMAC-SHA256 of purpose under the
// server secret), apart from every other use of the secret.
func (s *Responses) DerivedKey(purpose string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// Questionnaires is the questionnaire service whose cache Submit trusts; the
// HTTP layer uses the same one so there is one cache per process.
func (s *Responses) Questionnaires() *Questionnaires { return s.questionnaires }

// errStale says the questionnaire given to submitOnce is not the stored one
// (another replica or an administrator changed it since it was cached).
var errStale = errors.New("questionnaire changed since it was loaded")

var submissionIDRe = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

// CheckOpen reports whether q accepts answers now.
func CheckOpen(q *model.Questionnaire, now time.Time) error {
	switch {
	case q.Status == model.StatusClosed:
		return ErrClosed
	case q.Status != model.StatusOpen:
		return ErrNotOpen
	case q.OpensAt != nil && now.Before(*q.OpensAt):
		return ErrNotOpen
	case q.ClosesAt != nil && !now.Before(*q.ClosesAt):
		return ErrClosed
	}
	return nil
}

// identity is the resolved respondent.
type identity struct {
	key         string // respondent key before hashing
	participant *model.Participant
	openID      string
	channel     string
}

// resolve applies DESIGN's "Who is a respondent": openid, then the roster
// participant of an invite token, then the respondent cookie, then the
// submission id. Roster questionnaires refuse anyone not on the roster.
func (s *Responses) resolve(ctx context.Context, q *Loaded, r Respondent, submissionID string) (identity, error) {
	var id identity
	if r.InviteToken != "" && q.SeminarID != nil {
		var p model.Participant
		err := s.db.WithContext(ctx).Where("invite_token = ? AND seminar_id = ?", r.InviteToken, *q.SeminarID).Take(&p).Error
		switch {
		case err == nil:
			id.participant = &p
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return id, fmt.Errorf("invite token: %w", err)
		}
	}
	if r.OpenID != "" && id.participant == nil && q.SeminarID != nil {
		var p model.Participant
		err := s.db.WithContext(ctx).Where("openid = ? AND seminar_id = ?", r.OpenID, *q.SeminarID).Take(&p).Error
		switch {
		case err == nil:
			id.participant = &p
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return id, fmt.Errorf("participant of openid: %w", err)
		}
	}
	if q.Access == model.AccessRoster && id.participant == nil {
		return id, ErrNotInvited
	}
	// An invitation already bound to one WeChat account does not admit
	// another: a forwarded invite link must not let its second reader answer
	// (or be reminded) as the participant. The participant's own WeChat, and
	// a browser without a WeChat identity, still can.
	if p := id.participant; p != nil && r.InviteToken != "" && r.OpenID != "" && p.OpenID != nil && *p.OpenID != r.OpenID {
		return id, ErrInviteElsewhere
	}
	// A roster participant is one respondent whichever way they come in
	// (invite link, WeChat); a follower without a roster entry is their
	// openid.
	switch {
	case id.participant != nil:
		id.key, id.channel = fmt.Sprintf("p:%d", id.participant.ID), model.ChannelInvite
		if r.OpenID != "" {
			id.openID, id.channel = r.OpenID, model.ChannelWeChat
		}
	case r.OpenID != "":
		id.key, id.openID, id.channel = "wx:"+r.OpenID, r.OpenID, model.ChannelWeChat
	case r.CookieID != "":
		id.key, id.channel = "c:"+r.CookieID, model.ChannelWeb
	default:
		id.key, id.channel = "s:"+submissionID, model.ChannelWeb
	}
	return id, nil
}

// alreadyOr answers a submission by someone who has answered: its own
// earlier post again (a retry), or ErrAlreadyAnswered.
func (s *Responses) alreadyOr(ctx context.Context, q *Loaded, submissionID string) (SubmitResult, error) {
	res, ok, err := s.Recorded(ctx, q.ID, submissionID)
	if err != nil {
		return SubmitResult{}, err
	}
	if ok {
		return res, nil
	}
	return SubmitResult{}, ErrAlreadyAnswered
}

// aliasHashes are the respondent hashes of id's other keys (aliases).
func (s *Responses) aliasHashes(q *Loaded, id identity) []string {
	var out []string
	for _, k := range id.aliases() {
		out = append(out, s.RespondentHash(q.ID, k))
	}
	return out
}

// inAnswered reports whether any of hashes has answered anonymous
// questionnaire q: who answered is in Answered, apart from the responses
// (and, from before that design, on the response; see Answered).
func (s *Responses) inAnswered(ctx context.Context, q *Loaded, hashes []string) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&model.Answered{}).Where("questionnaire_id = ? AND who IN ?", q.ID, hashes).Count(&n).Error; err != nil {
		return false, fmt.Errorf("who answered: %w", err)
	}
	return n > 0, nil
}

// randomHash is a respondent hash that names nobody (anonymous responses).
func randomHash() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}

// aliases are the other keys the same respondent may have answered under: a
// roster participant's openid (answered as a follower before the binding).
func (id identity) aliases() []string {
	if id.participant != nil && id.openID != "" {
		return []string{"wx:" + id.openID}
	}
	return nil
}

// RespondentHash is the keyed hash stored instead of the respondent key.
func (s *Responses) RespondentHash(questionnaireID uint64, key string) string {
	m := hmac.New(sha256.New, s.secret)
	fmt.Fprintf(m, "%d\x00%s", questionnaireID, key)
	return hex.EncodeToString(m.Sum(nil))
}

// PairHash is the keyed hash that pairs a respondent's pre-test and
// post-test: group is the pre-test's slug (Definition.TestGroup), key the
// respondent key — the roster participant, else the openid, else the
// respondent cookie (resolve).
func (s *Responses) PairHash(group, key string) string {
	m := hmac.New(sha256.New, s.secret)
	fmt.Fprintf(m, "pair\x00%s\x00%s", group, key)
	return hex.EncodeToString(m.Sum(nil))
}

// Submit validates and stores a submission in one transaction. A retry of
// the same submission_id returns the stored response with Already set; a
// different submission by the same respondent is ErrAlreadyAnswered. Both
// are decided by the database's unique indexes, so concurrent posts cannot
// store twice.
//
// q may come from a cache (Questionnaires.LoadBySlugCached): the response row
// is inserted only while the stored questionnaire still has q's revision and
// is open, in the same statement, so a questionnaire closed or changed by
// another replica a moment ago is never answered against its old copy. When
// the copy is stale (or says the questionnaire is not open), Submit reloads
// it once and decides on the stored state.
func (s *Responses) Submit(ctx context.Context, q *Loaded, r Respondent, sub Submission) (SubmitResult, error) {
	res, err := s.submitOnce(ctx, q, r, sub)
	if err == nil || !mayComeFromStaleCopy(err) {
		return res, err
	}
	if !errors.Is(err, errStale) {
		// Refused on what the copy says: make sure it is still what the
		// database says before telling the participant. Only refusals pay
		// for this query.
		current, cerr := s.isCurrent(ctx, q)
		if cerr != nil {
			return SubmitResult{}, cerr
		}
		if current {
			return res, err
		}
	}
	fresh, lerr := s.questionnaires.Load(ctx, q.ID)
	if lerr != nil {
		return SubmitResult{}, lerr
	}
	res, err = s.submitOnce(ctx, fresh, r, sub)
	if errors.Is(err, errStale) {
		// Changed again between reading and inserting: someone is busy
		// with this questionnaire; the client's retry will find it settled.
		return SubmitResult{}, fmt.Errorf("submit to questionnaire %d: %w", q.ID, err)
	}
	return res, err
}

// mayComeFromStaleCopy lists the outcomes that depend on the questionnaire's
// definition, status or access, and so may be wrong for an outdated copy.
func mayComeFromStaleCopy(err error) bool {
	var fe FieldErrors
	return errors.Is(err, errStale) || errors.As(err, &fe) ||
		errors.Is(err, ErrNotOpen) || errors.Is(err, ErrClosed) || errors.Is(err, ErrNotInvited)
}

// isCurrent reports whether q is still the stored revision.
func (s *Responses) isCurrent(ctx context.Context, q *Loaded) (bool, error) {
	var rev int64
	err := s.db.WithContext(ctx).Model(&model.Questionnaire{}).Where("id = ?", q.ID).Select("revision").Scan(&rev).Error
	if err != nil {
		return false, fmt.Errorf("revision of questionnaire %d: %w", q.ID, err)
	}
	return rev == q.Revision, nil
}

func (s *Responses) submitOnce(ctx context.Context, q *Loaded, r Respondent, sub Submission) (SubmitResult, error) {
	if !submissionIDRe.MatchString(sub.SubmissionID) {
		return SubmitResult{}, FieldErrors{"submission_id": codeBadSubmission}
	}
	now := s.now().UTC()
	if err := CheckOpen(&q.Questionnaire, now); err != nil {
		// A retry of a submission that was recorded just before closing
		// still deserves its 200.
		res, ok, lerr := s.Recorded(ctx, q.ID, sub.SubmissionID)
		if lerr != nil {
			return SubmitResult{}, lerr
		}
		if ok {
			return res, nil
		}
		return SubmitResult{}, err
	}
	built, ferr := BuildAnswers(q.Def, sub)
	answers := built.Rows
	lang := q.Def.Lang(sub.Lang)
	if sub.Lang != "" && !slices.Contains(q.Def.Languages, sub.Lang) && !sub.FromForm {
		if ferr == nil {
			ferr = FieldErrors{}
		}
		ferr["lang"] = codeBadLang
	}
	if ferr != nil {
		return SubmitResult{}, ferr
	}
	id, err := s.resolve(ctx, q, r, sub.SubmissionID)
	if err != nil {
		return SubmitResult{}, err
	}
	who := s.RespondentHash(q.ID, id.key)
	hashes := s.aliasHashes(q, id)
	if q.Anonymous {
		answered, err := s.inAnswered(ctx, q, append([]string{who}, hashes...))
		if err != nil {
			return SubmitResult{}, err
		}
		if answered {
			return s.alreadyOr(ctx, q, sub.SubmissionID)
		}
	}
	if len(hashes) > 0 {
		var prev model.Response
		err := s.db.WithContext(ctx).Select("id, submission_id").Where("questionnaire_id = ? AND respondent_hash IN ?", q.ID, hashes).Take(&prev).Error
		switch {
		case err == nil && prev.SubmissionID == sub.SubmissionID:
			return SubmitResult{ResponseID: prev.ID, Already: true}, nil
		case err == nil:
			return SubmitResult{}, ErrAlreadyAnswered
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return SubmitResult{}, fmt.Errorf("earlier response under another key: %w", err)
		}
	}
	resp := model.Response{
		QuestionnaireID: q.ID,
		RespondentHash:  who,
		SubmissionID:    sub.SubmissionID,
		Channel:         id.channel,
		Lang:            lang,
		SubmittedAt:     now,
	}
	if group := q.Def.TestGroup(); group != "" {
		h := s.PairHash(group, id.key)
		resp.PairHash = &h
	}
	if q.Anonymous {
		// Nothing on the response can be recomputed into its author: the
		// hash that detects a second answer goes to Answered instead.
		resp.RespondentHash = randomHash()
	} else {
		if id.participant != nil {
			resp.ParticipantID = &id.participant.ID
		}
		if id.openID != "" {
			resp.OpenID = &id.openID
		}
	}
	respStmt := s.stmts.get(ctx, s.db, insertResponseSQL)
	var answersStmt *sql.Stmt
	if len(answers) > 0 {
		answersStmt = s.stmts.get(ctx, s.db, answersInsert(len(answers)))
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.insertResponseIfCurrent(ctx, tx, respStmt, &resp, q.Revision); err != nil {
			return err
		}
		if err := s.insertAnswers(ctx, tx, answersStmt, resp.ID, q, answers); err != nil {
			return fmt.Errorf("store answers: %w", err)
		}
		if err := insertNotShown(ctx, tx, resp.ID, q, built.NotShown); err != nil {
			return fmt.Errorf("store the questions not shown: %w", err)
		}
		if q.Anonymous {
			if err := tx.Create(&model.Answered{QuestionnaireID: q.ID, Who: who}).Error; err != nil {
				return err // a duplicate: answered meanwhile (below)
			}
		}
		// Bind the openid to the roster participant who came through an
		// invite link, once: later visits from WeChat are then recognised.
		// (UpdateColumn: no updated_at that would date the answer.)
		if id.openID != "" && id.participant != nil && id.participant.OpenID == nil {
			res := tx.Model(&model.Participant{}).Where("id = ? AND openid IS NULL", id.participant.ID).UpdateColumn("openid", id.openID)
			if res.Error != nil && !model.IsDuplicate(res.Error) {
				return fmt.Errorf("bind openid: %w", res.Error)
			}
		}
		return nil
	})
	if err == nil {
		return SubmitResult{ResponseID: resp.ID, Ignored: built.Ignored}, nil
	}
	if errors.Is(err, errStale) {
		return SubmitResult{}, err
	}
	if !model.IsDuplicate(err) {
		return SubmitResult{}, fmt.Errorf("store response: %w", err)
	}
	res, ok, err := s.Recorded(ctx, q.ID, sub.SubmissionID)
	if err != nil {
		return SubmitResult{}, err
	}
	if ok {
		return res, nil
	}
	return SubmitResult{}, ErrAlreadyAnswered
}

// insertResponseIfCurrent inserts resp only while questionnaire
// resp.QuestionnaireID is open and still at revision: one statement, so the
// check and the insert cannot be separated by a concurrent close. It returns
// errStale when nothing was inserted, and the translated unique-key error for
// a duplicate.
const insertResponseSQL = "INSERT INTO responses (questionnaire_id, respondent_hash, submission_id, participant_id, openid, channel, lang, submitted_at, pair_hash) " +
	"SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? FROM questionnaires WHERE id = ? AND revision = ? AND status = ?"

func (s *Responses) insertResponseIfCurrent(ctx context.Context, tx *gorm.DB, stmt *sql.Stmt, resp *model.Response, revision int64) error {
	res, err := execIn(ctx, tx, stmt, insertResponseSQL,
		resp.QuestionnaireID, resp.RespondentHash, resp.SubmissionID, resp.ParticipantID, resp.OpenID,
		resp.Channel, resp.Lang, resp.SubmittedAt, resp.PairHash, resp.QuestionnaireID, revision, model.StatusOpen)
	if err != nil {
		if t, ok := tx.Dialector.(gorm.ErrorTranslator); ok {
			err = t.Translate(err)
		}
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return errStale
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("id of the new response: %w", err)
	}
	resp.ID = uint64(id)
	return nil
}

// answersInsert returns the multi-row INSERT of n answers. The submit path
// stores all answers of a response with it, skipping GORM's per-row
// reflection (a measurable share of the submit's CPU).
func answersInsert(n int) string {
	return "INSERT INTO answers (response_id, questionnaire_id, question_id, num, opt, text, na) VALUES " +
		strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?),", n), ",")
}

func (s *Responses) insertAnswers(ctx context.Context, tx *gorm.DB, stmt *sql.Stmt, responseID uint64, q *Loaded, answers []pendingAnswer) error {
	if len(answers) == 0 {
		return nil
	}
	args := make([]any, 0, 7*len(answers))
	for _, a := range answers {
		args = append(args, responseID, q.ID, q.QuestionIDs[a.key], a.Num, a.Option, a.Text, a.NA)
	}
	_, err := execIn(ctx, tx, stmt, answersInsert(len(answers)), args...)
	return err
}

// insertNotShown records the questions skip logic hid from the respondent
// (model.NotShown), in one statement; nothing for a questionnaire without
// conditions.
func insertNotShown(ctx context.Context, tx *gorm.DB, responseID uint64, q *Loaded, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	args := make([]any, 0, 3*len(keys))
	for _, k := range keys {
		args = append(args, responseID, q.QuestionIDs[k], q.ID)
	}
	query := "INSERT INTO not_shown (response_id, question_id, questionnaire_id) VALUES " + strings.TrimSuffix(strings.Repeat("(?,?,?),", len(keys)), ",")
	return tx.WithContext(ctx).Exec(query, args...).Error
}

// preparedStmts keeps the submit path's statements prepared on the MySQL
// server. GORM's own PrepareStmt is off for MySQL because it re-prepares a
// statement first used inside a transaction on every transaction
// (model.Open); a *sql.Stmt prepared once on the pool is reused by each
// transaction on each connection (database/sql keeps it prepared per
// connection), so MySQL does not parse the SQL text of every submission.
type preparedStmts struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// maxPreparedStmts bounds the cache: answer INSERTs differ by row count.
const maxPreparedStmts = 64

// get returns query prepared on db's pool, or nil where statements are not
// prepared this way (SQLite, where GORM prepares; a full cache; an error,
// after which the statement simply runs unprepared). It must be called
// outside a transaction: preparing takes a connection from the pool, and a
// goroutine holding one for its transaction could wait for a second forever.
func (p *preparedStmts) get(ctx context.Context, db *gorm.DB, query string) *sql.Stmt {
	if db.Dialector.Name() != "mysql" {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if st, ok := p.m[query]; ok {
		return st
	}
	if len(p.m) >= maxPreparedStmts {
		return nil
	}
	pool, err := db.DB()
	if err != nil {
		return nil
	}
	st, err := pool.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if p.m == nil {
		p.m = map[string]*sql.Stmt{}
	}
	p.m[query] = st
	return st
}

// execIn runs query in the transaction tx, through stmt when there is one.
func execIn(ctx context.Context, tx *gorm.DB, stmt *sql.Stmt, query string, args ...any) (sql.Result, error) {
	if sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx); ok && stmt != nil {
		return sqlTx.StmtContext(ctx, stmt).ExecContext(ctx, args...)
	}
	return tx.Statement.ConnPool.ExecContext(ctx, query, args...)
}

// Recorded finds the response stored for a submission id (the submit path,
// and the submission budget, which lets a retry of a stored answer through).
// A failed lookup is an error, not "not found": answering 409 (or 403) to a
// retry because the database was unreachable for a moment would tell a
// client whose answer is stored that it is not (found by cmd/faultcheck
// while MariaDB restarted).
func (s *Responses) Recorded(ctx context.Context, questionnaireID uint64, submissionID string) (SubmitResult, bool, error) {
	var prev model.Response
	err := s.db.WithContext(ctx).Select("id").Where("questionnaire_id = ? AND submission_id = ?", questionnaireID, submissionID).Take(&prev).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return SubmitResult{}, false, nil
	case err != nil:
		return SubmitResult{}, false, fmt.Errorf("look up submission %s: %w", submissionID, err)
	}
	return SubmitResult{ResponseID: prev.ID, Already: true}, true, nil
}

// Answered returns the response id of a respondent who has already answered
// q, so the page can say so instead of showing the form again.
func (s *Responses) Answered(ctx context.Context, q *Loaded, r Respondent) (uint64, bool) {
	id, err := s.resolve(ctx, q, r, "")
	if err != nil || id.key == "s:" {
		return 0, false
	}
	hashes := append([]string{s.RespondentHash(q.ID, id.key)}, s.aliasHashes(q, id)...)
	if q.Anonymous {
		if answered, err := s.inAnswered(ctx, q, hashes); err == nil && answered {
			return 0, true
		}
	}
	var prev model.Response
	if err := s.db.WithContext(ctx).Select("id").Where("questionnaire_id = ? AND respondent_hash IN ?", q.ID, hashes).Take(&prev).Error; err != nil {
		return 0, false
	}
	return prev.ID, true
}

// Participant returns the roster participant of an invite token for q's
// seminar, or nil.
func (s *Responses) Participant(ctx context.Context, q *Loaded, token string) *model.Participant {
	if token == "" || q.SeminarID == nil {
		return nil
	}
	var p model.Participant
	if err := s.db.WithContext(ctx).Where("invite_token = ? AND seminar_id = ?", token, *q.SeminarID).Take(&p).Error; err != nil {
		return nil
	}
	return &p
}

// pendingAnswer is an answer row with the key of its question, before the
// question id is filled in.
type pendingAnswer struct {
	model.Answer
	key string
}

// BuildAnswers validates the answers of a submission against the definition
// and returns the rows to store, or every problem found. Unknown keys, wrong
// types, out-of-range values and unknown options are all errors: a client
// that sends them has a bug worth hearing about.
//
// Skip logic is applied in page order: a question whose condition (or whose
// section's condition) is false given the valid answers before it is not
// required, and an answer sent for it is not stored but returned in ignored,
// as is the text of an "Other" choice that was not chosen, and an answer to a
// note.
func BuildAnswers(def *definition.Definition, sub Submission) (Built, FieldErrors) {
	var rows []pendingAnswer
	var ignored, notShown []string
	errs := FieldErrors{}
	logic := def.Logic()
	for key := range sub.Answers {
		if !logic.Keys[key] {
			errs[key] = codeUnknownKey
		}
	}
	values := map[string]definition.Value{}
	for si, sec := range def.Sections {
		sectionOn := logic.Sections[si] == nil || logic.Sections[si].Eval(values)
		for _, q := range sec.Questions {
			v, present := sub.Answers[q.Key]
			if present && isEmpty(v) {
				present = false
			}
			other, otherPresent := sub.Answers[q.OtherKey()]
			otherPresent = q.Other && otherPresent && !isEmpty(other)
			shown := sectionOn && (logic.Questions[q.Key] == nil || logic.Questions[q.Key].Eval(values))
			if !shown || !q.Answerable() {
				if !shown && q.Answerable() {
					notShown = append(notShown, q.Key)
				}
				if present {
					ignored = append(ignored, q.Key)
				}
				if otherPresent {
					ignored = append(ignored, q.OtherKey())
				}
				continue
			}
			if !present {
				if q.Required {
					errs[q.Key] = codeRequired
				}
				if otherPresent {
					ignored = append(ignored, q.OtherKey())
				}
				continue
			}
			// A form field may repeat; only multi questions take several values.
			if xs, ok := v.([]string); ok && sub.FromForm && q.Type != model.TypeMulti && len(xs) == 1 {
				v = xs[0]
			}
			got, code := answerRows(q, v, sub.FromForm)
			if code != "" {
				errs[q.Key] = code
				continue
			}
			if q.Other {
				var otherIgnored bool
				got, otherIgnored, code = withOtherText(q, got, other, otherPresent, sub.FromForm)
				if code != "" {
					errs[q.OtherKey()] = code
					continue
				}
				if otherIgnored {
					ignored = append(ignored, q.OtherKey())
				}
			}
			values[q.Key] = definition.ValueOf(q, got)
			for _, a := range got {
				rows = append(rows, pendingAnswer{Answer: a, key: q.Key})
			}
		}
	}
	if len(errs) > 0 {
		return Built{}, errs
	}
	slices.Sort(ignored)
	return Built{Rows: rows, Ignored: ignored, NotShown: notShown}, nil
}

// Built is what BuildAnswers makes of a valid submission: the answer rows
// to store, the keys sent but not stored (the 201's "ignored"), and the
// questions skip logic hid from this respondent, in page order.
type Built struct {
	Rows     []pendingAnswer
	Ignored  []string
	NotShown []string
}

// withOtherText puts the text of an "Other" choice on the row that chose it:
// required when "other" is chosen, ignored when it is not.
func withOtherText(q definition.QuestionDef, rows []model.Answer, v any, present, fromForm bool) ([]model.Answer, bool, string) {
	chosen := -1
	for i, a := range rows {
		if a.Option != nil && *a.Option == definition.OtherValue {
			chosen = i
		}
	}
	if chosen < 0 {
		return rows, present, ""
	}
	if !present {
		return nil, false, codeOtherRequired
	}
	s, code := textAnswer(v, fromForm, definition.MaxOtherLength)
	if code != "" {
		return nil, false, code
	}
	rows[chosen].Text = &s
	return rows, false, ""
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case []string:
		// A form posts every text, number and date field, filled in or not.
		for _, s := range x {
			if strings.TrimSpace(s) != "" {
				return false
			}
		}
		return true
	case []any:
		return len(x) == 0
	}
	return false
}

// answerRows converts one answer value to rows, or returns an error code.
func answerRows(q definition.QuestionDef, v any, fromForm bool) ([]model.Answer, string) {
	switch q.Type {
	case model.TypeLikert, model.TypeRating, model.TypeNPS:
		if s, ok := v.(string); ok && strings.TrimSpace(s) == "na" {
			if q.Type != model.TypeLikert || !q.NA {
				return nil, codeNANotOffered
			}
			return []model.Answer{{NA: true}}, ""
		}
		n, code := wholeNumber(v, fromForm)
		if code != "" {
			return nil, code
		}
		levels := q.Levels()
		if n < levels[0] && n < levels[len(levels)-1] || n > levels[0] && n > levels[len(levels)-1] {
			return nil, codeOutOfRange
		}
		return []model.Answer{{Num: &n}}, ""
	case model.TypeSingle:
		s, ok := singleString(v, fromForm)
		if !ok {
			return nil, codeNotAString
		}
		if !q.HasAnyOption(s) {
			return nil, codeUnknownOpt
		}
		return []model.Answer{{Option: &s}}, ""
	case model.TypeMulti:
		values, ok := stringList(v, fromForm)
		if !ok {
			return nil, codeNotAList
		}
		seen := map[string]bool{}
		rows := make([]model.Answer, 0, len(values))
		for _, s := range values {
			if !q.HasAnyOption(s) {
				return nil, codeUnknownOpt
			}
			if seen[s] {
				return nil, codeDuplicateOpt
			}
			seen[s] = true
			rows = append(rows, model.Answer{Option: &s})
		}
		return rows, ""
	case model.TypeText, model.TypeLongText:
		max := q.MaxLength
		if max == 0 {
			max = definition.DefaultMaxLength
		}
		s, code := textAnswer(v, fromForm, max)
		if code != "" {
			return nil, code
		}
		return []model.Answer{{Text: &s}}, ""
	case model.TypeNumber:
		s, code := numberAnswer(q, v, fromForm)
		if code != "" {
			return nil, code
		}
		return []model.Answer{{Text: &s}}, ""
	case model.TypeDate:
		s, code := dateAnswer(q, v, fromForm)
		if code != "" {
			return nil, code
		}
		return []model.Answer{{Text: &s}}, ""
	}
	return nil, codeUnknownKey
}

// textAnswer reads a text of at most max characters, trimmed, with CRLF as LF.
func textAnswer(v any, fromForm bool, max int) (string, string) {
	s, ok := singleString(v, fromForm)
	if !ok {
		return "", codeNotAString
	}
	if !utf8.ValidString(s) {
		return "", codeInvalidUTF8
	}
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if utf8.RuneCountInString(s) > max {
		return "", codeTooLong
	}
	return s, ""
}

func wholeNumber(v any, fromForm bool) (int, string) {
	switch x := v.(type) {
	case float64:
		if x != math.Trunc(x) || math.IsInf(x, 0) || math.IsNaN(x) {
			return 0, codeNotANumber
		}
		if x < -1000 || x > 1000 {
			return 0, codeOutOfRange
		}
		return int(x), ""
	case string:
		if !fromForm {
			return 0, codeNotANumber // JSON clients send numbers as numbers
		}
		n, err := strconv.Atoi(strings.TrimSpace(x))
		if err != nil {
			return 0, codeNotANumber
		}
		return n, ""
	case []string:
		if len(x) == 1 {
			return wholeNumber(x[0], fromForm)
		}
	}
	return 0, codeNotANumber
}

func singleString(v any, fromForm bool) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []string:
		if fromForm && len(x) == 1 {
			return x[0], true
		}
	}
	return "", false
}

func stringList(v any, fromForm bool) ([]string, bool) {
	switch x := v.(type) {
	case []string:
		return x, true
	case string:
		if !fromForm {
			return nil, false
		}
		return []string{x}, true
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

// Admit reports whether the respondent may see and answer q: ErrNotInvited
// for someone not on the roster of a roster questionnaire.
func (s *Responses) Admit(ctx context.Context, q *Loaded, r Respondent) error {
	_, err := s.resolve(ctx, q, r, "")
	return err
}

var (
	numberTextRe = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)$`)
	dateFormRe   = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$`)
)

// maxNumberMagnitude bounds a number answer without min and max: beyond it
// a float64 no longer holds the decimals a person typed.
const maxNumberMagnitude = 1e12

// numberAnswer reads a number question's answer: a JSON number, or the text
// of a form field as a phone types it (full-width digits, a decimal comma).
// It returns the number's canonical text, which is what is stored.
func numberAnswer(q definition.QuestionDef, v any, fromForm bool) (string, string) {
	var n float64
	var decimals int
	switch x := v.(type) {
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return "", codeBadNumber
		}
		n = x
		decimals = decimalPlaces(strconv.FormatFloat(x, 'f', -1, 64))
	case string:
		if !fromForm {
			return "", codeBadNumber // JSON clients send numbers as numbers
		}
		t := strings.TrimSpace(width.Fold.String(x))
		if !strings.Contains(t, ".") && strings.Count(t, ",") == 1 {
			t = strings.Replace(t, ",", ".", 1)
		}
		if !numberTextRe.MatchString(t) {
			return "", codeBadNumber
		}
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return "", codeBadNumber
		}
		n, decimals = f, decimalPlaces(t)
	default:
		return "", codeBadNumber
	}
	if decimals > q.Decimals {
		if q.Decimals == 0 {
			return "", codeNotANumber // "must be a whole number"
		}
		return "", codeTooManyDec
	}
	if lo, ok := q.Min.Number(); ok && n < lo || n < -maxNumberMagnitude {
		return "", codeBelowMin
	}
	if hi, ok := q.Max.Number(); ok && n > hi || n > maxNumberMagnitude {
		return "", codeAboveMax
	}
	if n == 0 {
		n = 0 // no "-0"
	}
	return strconv.FormatFloat(n, 'f', -1, 64), ""
}

// decimalPlaces counts the significant digits after the point of a number's
// text: "12.50" has one.
func decimalPlaces(t string) int {
	_, frac, ok := strings.Cut(t, ".")
	if !ok {
		return 0
	}
	return len(strings.TrimRight(frac, "0"))
}

// dateAnswer reads a date question's answer: YYYY-MM-DD from JSON; from a
// form also 2018/1/6, 2018.01.06 and 2018年1月6日 (the text field a phone
// without a date picker shows). Impossible dates (2018-02-30) are refused.
func dateAnswer(q definition.QuestionDef, v any, fromForm bool) (string, string) {
	s, ok := singleString(v, fromForm)
	if !ok {
		return "", codeBadDate
	}
	s = strings.TrimSpace(s)
	if fromForm {
		s = width.Fold.String(s)
		if m := dateFormRe.FindStringSubmatch(s); m != nil {
			pad := func(x string) string { return strings.Repeat("0", 2-len(x)) + x }
			s = m[1] + "-" + pad(m[2]) + "-" + pad(m[3])
		}
	}
	if !definition.IsDate(s) {
		return "", codeBadDate
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return "", codeBadDate
	}
	if lo, ok := q.Min.Date(); ok && d.Before(lo) {
		return "", codeTooEarly
	}
	if hi, ok := q.Max.Date(); ok && d.After(hi) {
		return "", codeTooLate
	}
	return s, ""
}
