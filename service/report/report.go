// Package report turns a questionnaire's responses into what an organiser
// reads: the summary (Likert distributions, means, response rate), the
// narrative sentences, the dashboard, the Excel annex and the CSV export.
// Counts come from a cached tally of settled responses plus the newest ones
// (report_tally.go).
package report

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/service"
	"seminareval/service/definition"
)

// DefaultCommentLimit bounds the text answers listed per question in the
// summary JSON and on the dashboard; the Excel annex and the CSV have all.
const DefaultCommentLimit = 1000

// ErrBadFilter is a filter naming an unknown question or option.
var ErrBadFilter = errors.New("bad filter")

// Reports builds the evaluation summary, the Excel annex and the CSV of a
// questionnaire. Aggregates are computed by the database (GROUP BY over
// answers); exports read responses in keyset batches.
type Reports struct {
	db             *gorm.DB
	questionnaires *service.Questionnaires
	now            func() time.Time

	// CommentLimit bounds the listed text answers per question (summary).
	CommentLimit int
	// BatchSize is the number of responses read per keyset batch (exports).
	BatchSize int
}

// NewReports returns the report service.
func NewReports(db *gorm.DB, questionnaires *service.Questionnaires, now func() time.Time) *Reports {
	if now == nil {
		now = time.Now
	}
	return &Reports{db: db, questionnaires: questionnaires, now: now, CommentLimit: DefaultCommentLimit, BatchSize: 1000}
}

// Filter narrows a summary to part of the respondents: a roster group
// (through the response's participant) and/or answers to choice questions.
// Conditions are combined with AND.
type Filter struct {
	Group   string         `json:"group,omitempty"`
	Answers []AnswerFilter `json:"answers,omitempty"`
}

// AnswerFilter keeps the respondents who chose Value for question Key.
type AnswerFilter struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Active reports whether the filter narrows anything.
func (f Filter) Active() bool { return f.Group != "" || len(f.Answers) > 0 }

// FilterFromQuery reads a filter from query parameters: group=<roster
// group> and q.<question key>=<option value> (repeatable). Other parameters
// are ignored. Validation against the questionnaire happens in Summary.
func FilterFromQuery(query map[string][]string) Filter {
	var f Filter
	if v := query["group"]; len(v) > 0 {
		f.Group = strings.TrimSpace(v[0])
	}
	keys := make([]string, 0, len(query))
	for k := range query {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		key, ok := strings.CutPrefix(k, "q.")
		if !ok {
			continue
		}
		for _, v := range query[k] {
			if v = strings.TrimSpace(v); v != "" {
				f.Answers = append(f.Answers, AnswerFilter{Key: key, Value: v})
			}
		}
	}
	return f
}

// Summary is the summary JSON (README, "Reports"). In a filtered view that leaves
// fewer than SuppressBelow respondents, Suppressed is true, Respondents is
// null, and Questions and the narrative are empty.
type Summary struct {
	Questionnaire SummaryQuestionnaire `json:"questionnaire"`
	Seminar       *SummarySeminar      `json:"seminar,omitempty"`
	Filter        *Filter              `json:"filter,omitempty"`
	Suppressed    bool                 `json:"suppressed,omitempty"`
	Threshold     int                  `json:"threshold,omitempty"` // set with Suppressed
	Respondents   *int                 `json:"respondents"`
	// RosterRespondents answered through a roster participant (an invite
	// link, a bound WeChat account); OtherRespondents are the rest (the
	// open link, anonymous answers). Null when Suppressed.
	RosterRespondents *int              `json:"roster_respondents"`
	OtherRespondents  *int              `json:"other_respondents"`
	Invited           int               `json:"invited"`
	ResponseRate      *float64          `json:"response_rate"`
	FirstResponse     *time.Time        `json:"first_response_at,omitempty"`
	LastResponse      *time.Time        `json:"last_response_at,omitempty"`
	Questions         []QuestionSummary `json:"questions"`
	// Test is a knowledge test's scores (test_marks.go); nil for an evaluation.
	Test      *TestSummary `json:"test,omitempty"`
	Narrative Narrative    `json:"narrative"`

	loaded *service.Loaded
}

// SummaryQuestionnaire identifies the questionnaire of a summary.
type SummaryQuestionnaire struct {
	ID        uint64     `json:"id"`
	Slug      string     `json:"slug"`
	Title     model.Text `json:"title"`
	Status    string     `json:"status"`
	Anonymous bool       `json:"anonymous"`
	Languages []string   `json:"languages"`
}

// SummarySeminar is the seminar a questionnaire evaluates.
type SummarySeminar struct {
	Slug     string     `json:"slug"`
	Title    model.Text `json:"title"`
	Location model.Text `json:"location,omitempty"`
	StartsOn string     `json:"starts_on,omitempty"`
	EndsOn   string     `json:"ends_on,omitempty"`
	Timezone string     `json:"timezone"`
}

// QuestionSummary is the statistics of one question. Which fields are set
// depends on the type; percentage-based fields are absent when n is 0.
type QuestionSummary struct {
	Key     string     `json:"key"`
	Type    string     `json:"type"`
	Section int        `json:"section"`
	Text    model.Text `json:"text"`
	Report  model.Text `json:"report,omitempty"`
	N       int        `json:"n"`       // answered, "not applicable" excluded
	Missing int        `json:"missing"` // respondents who saw the item and skipped it
	NA      int        `json:"na"`      // answered "not applicable"
	// NotShown is the respondents in view whom skip logic did not ask (the
	// item's or its section's condition was false for them).
	NotShown int `json:"not_shown"`

	Levels               []LevelCount `json:"levels,omitempty"`
	AgreePercent         *int         `json:"agree_percent,omitempty"`
	StronglyAgreePercent *int         `json:"strongly_agree_percent,omitempty"`
	DisagreePercent      *int         `json:"disagree_percent,omitempty"`
	Mean                 *float64     `json:"mean,omitempty"` // two decimals
	SD                   *float64     `json:"sd,omitempty"`   // sample SD, two decimals; absent for n < 2

	// A number question: its median, smallest and largest answer (mean and
	// sd above). A date question: the earliest and latest (YYYY-MM-DD).
	Median   *float64 `json:"median,omitempty"`
	Min      *float64 `json:"min,omitempty"`
	Max      *float64 `json:"max,omitempty"`
	Earliest *string  `json:"earliest,omitempty"`
	Latest   *string  `json:"latest,omitempty"`

	NPS        *int `json:"nps,omitempty"`
	Promoters  *int `json:"promoters,omitempty"`
	Passives   *int `json:"passives,omitempty"`
	Detractors *int `json:"detractors,omitempty"`

	Options []OptionCount `json:"options,omitempty"`

	// Answers are the texts of a text question, or those given with "Other
	// (please specify)" of a choice question, oldest first.
	Answers          []string `json:"answers,omitempty"`
	AnswersTruncated bool     `json:"answers_truncated,omitempty"`

	mean float64 // unrounded, for the workbook
}

// LevelCount is one point of a scale.
type LevelCount struct {
	Value   int        `json:"value"`
	Label   model.Text `json:"label"`
	Count   int        `json:"count"`
	Percent int        `json:"percent"`
}

// OptionCount is one option of a choice question. For multi, Percent is of
// the respondents to the item, so a column may sum to more than 100.
type OptionCount struct {
	Value   string     `json:"value"`
	Label   model.Text `json:"label"`
	Count   int        `json:"count"`
	Percent int        `json:"percent"`
}

// Narrative is one sentence per Likert item with a report phrase, per
// language.
type Narrative struct {
	En []string `json:"en"`
	Zh []string `json:"zh"`
}

// rateNumerator is what the response rate counts, never more than the
// roster: the roster respondents when answers are linked to the roster;
// otherwise (an anonymous questionnaire, an open link) all respondents when
// they are no more than the invited, since nothing tells who of them was
// invited. ok is false without a rate: no roster, or more unlinked answers
// than invited (10 open-link answers, a roster of 7), where a rate would
// be a guess.
func (s *Summary) rateNumerator() (int, bool) {
	if s.Invited <= 0 || s.Respondents == nil {
		return 0, false
	}
	if s.RosterRespondents != nil && *s.RosterRespondents > 0 {
		return *s.RosterRespondents, true
	}
	if *s.Respondents <= s.Invited {
		return *s.Respondents, true
	}
	return 0, false
}

// RatePercent is the response rate as a whole percentage, rounded half up
// from the counts; ok is false when there is no rate (see rateNumerator).
func (s *Summary) RatePercent() (int, bool) {
	num, ok := s.rateNumerator()
	if !ok {
		return 0, false
	}
	return PercentHalfUp(num, s.Invited), true
}

// Loaded returns the questionnaire the summary was built from.
func (s *Summary) Loaded() *service.Loaded { return s.loaded }

// aggregate is one GROUP BY row over answers.
type aggregate struct {
	QuestionID uint64
	Num        *int
	Opt        *string
	NA         bool
	C          int
}

// view is the SQL selecting the ids of the responses in a filtered view:
// "SELECT fr.id FROM responses fr … WHERE fr.questionnaire_id = ? …".
// Filtered aggregates join answers to it, so the database walks the
// responses in view and their answers through the response_id index rather
// than every answer of the questionnaire.
type view struct {
	sql  string
	args []any
}

// viewOf validates the filter against the questionnaire and builds its view.
func viewOf(l *service.Loaded, f Filter) (view, error) {
	v := view{sql: "SELECT fr.id FROM responses fr"}
	where := []string{"fr.questionnaire_id = ?"}
	args := []any{l.ID}
	if f.Group != "" {
		v.sql += " JOIN participants fp ON fp.id = fr.participant_id"
		where = append(where, "fp.grp = ?")
		args = append(args, f.Group)
	}
	for _, af := range f.Answers {
		q, ok := l.Def.Question(af.Key)
		if !ok || (q.Type != model.TypeSingle && q.Type != model.TypeMulti) {
			return view{}, fmt.Errorf("%w: q.%s: not a single or multi choice question of this questionnaire", ErrBadFilter, af.Key)
		}
		if !q.HasAnyOption(af.Value) {
			return view{}, fmt.Errorf("%w: q.%s: %q is not one of its options", ErrBadFilter, af.Key, af.Value)
		}
		// num IS NULL keeps the prefix of ix_answer_report (questionnaire,
		// question, num, opt) usable for the lookup.
		where = append(where, "fr.id IN (SELECT fa.response_id FROM answers fa WHERE fa.questionnaire_id = ? AND fa.question_id = ? AND fa.num IS NULL AND fa.opt = ?)")
		args = append(args, l.ID, l.QuestionIDs[af.Key], af.Value)
	}
	v.sql += " WHERE " + strings.Join(where, " AND ")
	v.args = args
	return v, nil
}

// withArgs returns the view's arguments followed by more.
func (v view) withArgs(more ...any) []any {
	return append(append([]any{}, v.args...), more...)
}

// filteredCounts groups the answers of the responses in view.
func (r *Reports) filteredCounts(ctx context.Context, v view, multiIDs []uint64) ([]aggregate, map[uint64]int, error) {
	db := r.db.WithContext(ctx)
	var aggs []aggregate
	err := db.Raw("SELECT a.question_id AS question_id, a.num AS num, a.opt AS opt, a.na AS na, COUNT(*) AS c FROM ("+v.sql+") v JOIN answers a ON a.response_id = v.id"+
		" GROUP BY a.question_id, a.num, a.opt, a.na", v.args...).Scan(&aggs).Error
	if err != nil {
		return nil, nil, fmt.Errorf("aggregate filtered answers: %w", err)
	}
	multi := map[uint64]int{}
	if len(multiIDs) > 0 {
		var rows []splitMulti
		err = db.Raw("SELECT a.question_id AS question_id, COUNT(DISTINCT a.response_id) AS c FROM ("+v.sql+") v JOIN answers a ON a.response_id = v.id"+
			" WHERE a.question_id IN ? GROUP BY a.question_id", v.withArgs(multiIDs)...).Scan(&rows).Error
		if err != nil {
			return nil, nil, fmt.Errorf("count filtered multi answers: %w", err)
		}
		for _, m := range rows {
			multi[m.QuestionID] = m.C
		}
	}
	return aggs, multi, nil
}

// Summary computes the summary of questionnaire id, optionally filtered.
func (r *Reports) Summary(ctx context.Context, id uint64, f Filter) (*Summary, error) {
	l, err := r.questionnaires.Load(ctx, id)
	if err != nil {
		return nil, err
	}
	v, err := viewOf(l, f)
	if err != nil {
		return nil, err
	}
	db := r.db.WithContext(ctx)
	s := &Summary{
		Questionnaire: SummaryQuestionnaire{ID: l.ID, Slug: l.Slug, Title: l.Def.Title, Status: l.Status, Anonymous: l.Anonymous, Languages: l.Def.Languages},
		Questions:     []QuestionSummary{},
		Narrative:     Narrative{En: []string{}, Zh: []string{}},
		loaded:        l,
	}
	if l.Seminar != nil {
		s.Seminar = &SummarySeminar{Slug: l.Seminar.Slug, Title: l.Seminar.Title, Location: l.Seminar.Location,
			StartsOn: l.Seminar.StartsOn, EndsOn: l.Seminar.EndsOn, Timezone: l.Seminar.Timezone}
	}
	if f.Active() {
		fc := f
		s.Filter = &fc
	}

	// Respondents, and the first and last of them by id (the order they were
	// stored in, which the keyset index serves without a sort).
	var span struct {
		N     int
		MinID *uint64
		MaxID *uint64
	}
	if err := db.Raw("SELECT COUNT(*) AS n, MIN(v.id) AS min_id, MAX(v.id) AS max_id FROM ("+v.sql+") v", v.args...).Scan(&span).Error; err != nil {
		return nil, fmt.Errorf("count responses of %d: %w", id, err)
	}
	n := span.N

	// Invited: the roster (of the group, when filtering by group). A filter
	// on answers has no roster base, so no response rate either.
	if l.SeminarID != nil && len(f.Answers) == 0 {
		q := db.Model(&model.Participant{}).Where("seminar_id = ?", *l.SeminarID)
		if f.Group != "" {
			q = q.Where("grp = ?", f.Group)
		}
		var invited int64
		if err := q.Count(&invited).Error; err != nil {
			return nil, fmt.Errorf("count roster of %d: %w", id, err)
		}
		s.Invited = int(invited)
	}

	if f.Active() && n < service.SuppressBelow {
		s.Suppressed, s.Threshold = true, service.SuppressBelow
		s.Invited, s.ResponseRate = 0, nil
		return s, nil
	}
	s.Respondents = &n
	onRoster := 0
	if l.SeminarID != nil && n > 0 {
		if err := db.Raw("SELECT COUNT(*) FROM ("+v.sql+") v JOIN responses rr ON rr.id = v.id JOIN participants rp ON rp.id = rr.participant_id WHERE rp.seminar_id = ?",
			v.withArgs(*l.SeminarID)...).Scan(&onRoster).Error; err != nil {
			return nil, fmt.Errorf("count roster respondents of %d: %w", id, err)
		}
	}
	other := n - onRoster
	s.RosterRespondents, s.OtherRespondents = &onRoster, &other
	if num, ok := s.rateNumerator(); ok {
		rate := math.Round(float64(num)/float64(s.Invited)*1000) / 1000
		s.ResponseRate = &rate
	}
	if span.MinID != nil && span.MaxID != nil {
		var ends []model.Response
		if err := db.Select("id, submitted_at").Where("id IN ?", []uint64{*span.MinID, *span.MaxID}).Order("id").Find(&ends).Error; err != nil {
			return nil, fmt.Errorf("first and last response of %d: %w", id, err)
		}
		if len(ends) > 0 {
			first, last := ends[0].SubmittedAt, ends[len(ends)-1].SubmittedAt
			if l.Anonymous {
				// Dated to the day, as in the exports: a time to the minute
				// would tie the first or last answer to whoever was seen then.
				loc := l.Seminar.Zone()
				first, last = startOfDay(first, loc), startOfDay(last, loc)
			}
			s.FirstResponse, s.LastResponse = &first, &last
		}
	}

	// The counts per question and value, grouped by the database: through
	// the cached tally for the whole questionnaire, or over the view.
	var questionIDs, multiIDs []uint64
	for _, q := range l.Def.Questions() {
		questionIDs = append(questionIDs, l.QuestionIDs[q.Key])
		if q.Type == model.TypeMulti {
			multiIDs = append(multiIDs, l.QuestionIDs[q.Key])
		}
	}
	var aggs []aggregate
	var multiN map[uint64]int
	if f.Active() {
		aggs, multiN, err = r.filteredCounts(ctx, v, multiIDs)
	} else {
		aggs, multiN, err = r.unfilteredCounts(ctx, l, questionIDs, multiIDs)
	}
	if err != nil {
		return nil, err
	}
	byQuestion := map[uint64][]aggregate{}
	for _, a := range aggs {
		byQuestion[a.QuestionID] = append(byQuestion[a.QuestionID], a)
	}
	notShown, err := r.notShownCounts(ctx, l, v, f.Active())
	if err != nil {
		return nil, err
	}

	for si, sec := range l.Def.Sections {
		for _, q := range sec.Questions {
			qid := l.QuestionIDs[q.Key]
			qs := summarise(q, byQuestion[qid], multiN[qid], n-notShown[qid])
			qs.Section = si
			if q.Answerable() {
				qs.NotShown = notShown[qid]
			}
			sel := answerSelect{questionnaireID: id, questionID: qid, v: v, filtered: f.Active(), anonymous: l.Anonymous}
			switch {
			case q.Type == model.TypeText || q.Type == model.TypeLongText:
				err = r.comments(ctx, &qs, sel)
			case q.Other:
				sel.otherOnly = true
				err = r.comments(ctx, &qs, sel)
			case q.Type == model.TypeNumber:
				err = r.numberStats(ctx, &qs, sel)
			case q.Type == model.TypeDate:
				err = r.dateRange(ctx, &qs, sel)
			}
			if err != nil {
				return nil, err
			}
			s.Questions = append(s.Questions, qs)
		}
	}
	if l.Def.IsTest() {
		if s.Test, err = r.testSummary(ctx, l, v); err != nil {
			return nil, err
		}
	}
	s.Narrative = s.withTest(BuildNarrative(s.Questions, NarrativeOptions{}))
	return s, nil
}

// answerSelect picks the answers of one question: of the whole
// questionnaire, or of the responses in view; otherOnly keeps the rows that
// chose "Other (please specify)".
type answerSelect struct {
	questionnaireID, questionID uint64
	v                           view
	filtered, otherOnly         bool
	anonymous                   bool // texts listed in text order, not the order they came in
}

// from returns the FROM … WHERE of the question's answers that carry a
// text, and its arguments.
func (a answerSelect) from() (string, []any) {
	cond := " AND a.text IS NOT NULL"
	if a.otherOnly {
		cond += " AND a.opt = '" + definition.OtherValue + "'"
	}
	if a.filtered {
		return " FROM (" + a.v.sql + ") v JOIN answers a ON a.response_id = v.id WHERE a.question_id = ?" + cond, a.v.withArgs(a.questionID)
	}
	return " FROM answers a WHERE a.questionnaire_id = ? AND a.question_id = ?" + cond, []any{a.questionnaireID, a.questionID}
}

// comments lists the text answers of a question (or its "Other" texts),
// oldest first (anonymous questionnaires: in text order), up to CommentLimit.
func (r *Reports) comments(ctx context.Context, qs *QuestionSummary, sel answerSelect) error {
	limit := r.CommentLimit
	if limit <= 0 {
		limit = DefaultCommentLimit
	}
	from, args := sel.from()
	var texts []string
	order := " ORDER BY a.id"
	if sel.anonymous {
		// Oldest first would let whoever saw someone answer third read the
		// third comment as theirs.
		order = " ORDER BY a.text, a.id"
	}
	if err := r.db.WithContext(ctx).Raw("SELECT a.text"+from+order+" LIMIT ?", append(args, limit)...).Scan(&texts).Error; err != nil {
		return fmt.Errorf("comments of %s: %w", qs.Key, err)
	}
	total := qs.N
	if sel.otherOnly {
		total = 0
		for _, o := range qs.Options {
			if o.Value == definition.OtherValue {
				total = o.Count
			}
		}
	}
	qs.Answers = texts
	qs.AnswersTruncated = total > len(texts)
	return nil
}

// numberStats adds the median, min, max, mean and sd of a number question.
// The median needs the values: one column of one question, read once.
func (r *Reports) numberStats(ctx context.Context, qs *QuestionSummary, sel answerSelect) error {
	from, args := sel.from()
	var texts []string
	if err := r.db.WithContext(ctx).Raw("SELECT a.text"+from, args...).Scan(&texts).Error; err != nil {
		return fmt.Errorf("numbers of %s: %w", qs.Key, err)
	}
	xs := make([]float64, 0, len(texts))
	for _, t := range texts {
		if x, err := strconv.ParseFloat(t, 64); err == nil {
			xs = append(xs, x)
		}
	}
	st, ok := SummariseNumbers(xs)
	if !ok {
		return nil
	}
	mean, median := round2(st.Mean), st.Median
	qs.mean, qs.Mean, qs.Median, qs.Min, qs.Max = st.Mean, &mean, &median, &st.Min, &st.Max
	if !math.IsNaN(st.SD) {
		sd := round2(st.SD)
		qs.SD = &sd
	}
	return nil
}

// dateRange adds the earliest and latest answer of a date question; dates
// are stored as YYYY-MM-DD, so text order is date order.
func (r *Reports) dateRange(ctx context.Context, qs *QuestionSummary, sel answerSelect) error {
	from, args := sel.from()
	var span struct {
		Earliest *string
		Latest   *string
	}
	if err := r.db.WithContext(ctx).Raw("SELECT MIN(a.text) AS earliest, MAX(a.text) AS latest"+from, args...).Scan(&span).Error; err != nil {
		return fmt.Errorf("dates of %s: %w", qs.Key, err)
	}
	qs.Earliest, qs.Latest = span.Earliest, span.Latest
	return nil
}

// notShownCounts returns, per question id, the respondents in view whom
// skip logic did not ask (model.NotShown); none without conditions.
func (r *Reports) notShownCounts(ctx context.Context, l *service.Loaded, v view, filtered bool) (map[uint64]int, error) {
	out := map[uint64]int{}
	if !l.Def.HasLogic() {
		return out, nil
	}
	var rows []struct {
		QuestionID uint64
		C          int
	}
	db := r.db.WithContext(ctx)
	var err error
	if filtered {
		err = db.Raw("SELECT ns.question_id AS question_id, COUNT(*) AS c FROM ("+v.sql+") v JOIN not_shown ns ON ns.response_id = v.id GROUP BY ns.question_id", v.args...).Scan(&rows).Error
	} else {
		err = db.Raw("SELECT question_id, COUNT(*) AS c FROM not_shown WHERE questionnaire_id = ? GROUP BY question_id", l.ID).Scan(&rows).Error
	}
	if err != nil {
		return nil, fmt.Errorf("questions not shown in %d: %w", l.ID, err)
	}
	for _, row := range rows {
		out[row.QuestionID] = row.C
	}
	return out, nil
}

// summarise turns the GROUP BY rows of one question into its statistics.
// respondents is the number of responses in view that were asked it (not
// hidden by skip logic); multiN the distinct respondents to a multi question.
func summarise(q definition.QuestionDef, aggs []aggregate, multiN, respondents int) QuestionSummary {
	qs := QuestionSummary{Key: q.Key, Type: q.Type, Text: q.Text, Report: q.Report}
	switch q.Type {
	case model.TypeLikert, model.TypeRating, model.TypeNPS:
		levels := q.Levels()
		counts := make([]int, len(levels))
		for _, a := range aggs {
			if a.NA {
				qs.NA += a.C
				continue
			}
			if a.Num == nil {
				continue
			}
			if i := slices.Index(levels, *a.Num); i >= 0 {
				counts[i] += a.C
			}
		}
		for _, c := range counts {
			qs.N += c
		}
		percents := LargestRemainder(counts)
		labels := levelLabels(q)
		for i, v := range levels {
			qs.Levels = append(qs.Levels, LevelCount{Value: v, Label: labels[i], Count: counts[i], Percent: percents[i]})
		}
		if mean, sd, _, ok := MeanSD(levels, counts); ok {
			qs.mean = mean
			m := round2(mean)
			qs.Mean = &m
			if !math.IsNaN(sd) {
				d := round2(sd)
				qs.SD = &d
			}
		}
		if q.Type == model.TypeLikert && qs.N > 0 {
			// levels are 5,4,3,2,1: counts[0] strongly agree … counts[4] strongly disagree.
			agree := PercentHalfUp(qs.agreeing(), qs.N)
			strongly := PercentHalfUp(counts[0], qs.N)
			disagree := PercentHalfUp(counts[3]+counts[4], qs.N)
			qs.AgreePercent, qs.StronglyAgreePercent, qs.DisagreePercent = &agree, &strongly, &disagree
		}
		if q.Type == model.TypeNPS {
			if nps, ok := NetPromoter(levels, counts); ok {
				qs.NPS, qs.Promoters, qs.Passives, qs.Detractors = &nps.Score, &nps.Promoters, &nps.Passives, &nps.Detractors
			}
		}
		qs.Missing = respondents - qs.N - qs.NA
	case model.TypeSingle, model.TypeMulti:
		options := q.AllOptions() // "Other (please specify)" counts as a choice
		counts := make([]int, len(options))
		for _, a := range aggs {
			if a.Opt == nil {
				continue
			}
			if i := slices.IndexFunc(options, func(o definition.Option) bool { return o.Value == *a.Opt }); i >= 0 {
				counts[i] += a.C
			}
		}
		var percents []int
		if q.Type == model.TypeSingle {
			for _, c := range counts {
				qs.N += c
			}
			percents = LargestRemainder(counts)
		} else {
			qs.N = multiN
			percents = make([]int, len(counts))
			for i, c := range counts {
				percents[i] = PercentHalfUp(c, qs.N)
			}
		}
		for i, o := range options {
			qs.Options = append(qs.Options, OptionCount{Value: o.Value, Label: o.Label, Count: counts[i], Percent: percents[i]})
		}
		qs.Missing = respondents - qs.N
	case model.TypeNote: // nothing to answer, nothing missing
	default: // text, longtext, number, date
		for _, a := range aggs {
			if a.Num == nil && a.Opt == nil && !a.NA {
				qs.N += a.C
			}
		}
		qs.Missing = respondents - qs.N
	}
	if qs.Missing < 0 {
		qs.Missing = 0
	}
	return qs
}

// levelLabels labels the points of a numeric scale: the agreement labels
// for Likert, the number itself for ratings and NPS.
func levelLabels(q definition.QuestionDef) []model.Text {
	if q.Type == model.TypeLikert {
		return q.ScaleLabels()
	}
	levels := q.Levels()
	out := make([]model.Text, len(levels))
	for i, v := range levels {
		s := fmt.Sprint(v)
		out[i] = model.Text{"en": s, "zh": s}
	}
	return out
}

// agreeing is how many respondents agreed or strongly agreed with a Likert
// item (its levels run 5..1): the one rule behind AgreePercent, the
// narrative's "agreed or strongly agreed" and the annex's agree column.
func (q QuestionSummary) agreeing() int { return q.Levels[0].Count + q.Levels[1].Count }

// LikertQuestions returns the Likert items of a summary, in order.
func (s *Summary) LikertQuestions() []QuestionSummary {
	var out []QuestionSummary
	for _, q := range s.Questions {
		if q.Type == model.TypeLikert {
			out = append(out, q)
		}
	}
	return out
}

// Dashboard is what the console's report page shows: the summary and the
// roster groups it can be filtered by.
type Dashboard struct {
	*Summary
	Groups []string
}

// Dashboard returns the summary of questionnaire id under filter f with the
// roster groups of its seminar, for the filter form.
func (r *Reports) Dashboard(ctx context.Context, id uint64, f Filter) (*Dashboard, error) {
	s, err := r.Summary(ctx, id, f)
	if err != nil {
		return nil, err
	}
	d := &Dashboard{Summary: s, Groups: []string{}}
	if sem := s.loaded.SeminarID; sem != nil {
		err := r.db.WithContext(ctx).Model(&model.Participant{}).Where("seminar_id = ? AND grp <> ''", *sem).
			Distinct("grp").Order("grp").Pluck("grp", &d.Groups).Error
		if err != nil {
			return nil, fmt.Errorf("roster groups of %d: %w", id, err)
		}
	}
	return d, nil
}

// startOfDay is midnight of t's day in loc.
func startOfDay(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}
