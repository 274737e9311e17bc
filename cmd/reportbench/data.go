package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/service"
	"seminareval/service/definition"
	"seminareval/service/report"
)

// rosterSize participants are on the seminar's roster; the first rosterSize
// responses are theirs (so the Participants sheet and the group filter have
// work to do), the rest came through the open link.
const rosterSize = 1000

// benchQuestions is a 25-question evaluation: 16 Likert items (two with
// "not applicable"), 3 single and 2 multi choice, 2 ratings, an NPS and a
// comment box.
func benchQuestions() []definition.QuestionDef {
	var qs []definition.QuestionDef
	text := func(en string) model.Text { return model.Text{"en": en, "zh": en + "（中文）"} }
	for i := 1; i <= 16; i++ {
		qs = append(qs, definition.QuestionDef{Key: fmt.Sprintf("likert_%02d", i), Type: model.TypeLikert, Required: true, NA: i > 14,
			Text: text(fmt.Sprintf("Statement number %d about the seminar.", i)), Report: text(fmt.Sprintf("statement %d holds", i))})
	}
	options := func(n int) []definition.Option {
		var os []definition.Option
		for j := range n {
			os = append(os, definition.Option{Value: fmt.Sprintf("opt%d", j+1), Label: text(fmt.Sprintf("Option %d", j+1))})
		}
		return os
	}
	for i := 1; i <= 3; i++ {
		qs = append(qs, definition.QuestionDef{Key: fmt.Sprintf("single_%d", i), Type: model.TypeSingle, Text: text(fmt.Sprintf("Single choice %d", i)), Options: options(5)})
	}
	for i := 1; i <= 2; i++ {
		qs = append(qs, definition.QuestionDef{Key: fmt.Sprintf("multi_%d", i), Type: model.TypeMulti, Text: text(fmt.Sprintf("Multiple choice %d", i)), Options: options(5)})
	}
	qs = append(qs,
		definition.QuestionDef{Key: "rating_1", Type: model.TypeRating, Text: text("Overall rating")},
		definition.QuestionDef{Key: "rating_2", Type: model.TypeRating, Text: text("Rating of the venue")},
		definition.QuestionDef{Key: "recommend", Type: model.TypeNPS, Text: text("Would you recommend it?")},
		definition.QuestionDef{Key: "comments", Type: model.TypeLongText, Text: text("Comments"), MaxLength: 2000},
	)
	return qs
}

// value is one generated answer.
type value struct {
	num  *int
	opts []string
	text *string
	na   bool
}

// cell is the value as the annex's Responses sheet writes it.
func (v value) cell() any {
	switch {
	case v.na:
		return report.NotApplicableValue
	case v.num != nil:
		return *v.num
	case len(v.opts) > 0:
		return strings.Join(v.opts, "; ")
	case v.text != nil:
		return *v.text
	}
	return nil
}

var comments = []string{
	"很好的研讨会，希望以后多举办类似活动。",
	"Very useful exchange; more time for case studies next time, please.",
	"The interpretation was excellent. 翻译很好。",
	"=not a formula, just an opinion",
}

// answersFor returns the answers of response i, the same on every call.
func answersFor(i int, qs []definition.QuestionDef) []value {
	rng := rand.New(rand.NewPCG(uint64(i), 2018))
	out := make([]value, len(qs))
	for j, q := range qs {
		switch q.Type {
		case model.TypeLikert:
			if q.NA && rng.IntN(10) == 0 {
				out[j] = value{na: true}
				continue
			}
			n := []int{5, 5, 5, 4, 4, 4, 3, 2, 1}[rng.IntN(9)]
			out[j] = value{num: &n}
		case model.TypeRating:
			n := 1 + rng.IntN(5)
			out[j] = value{num: &n}
		case model.TypeNPS:
			n := rng.IntN(11)
			out[j] = value{num: &n}
		case model.TypeSingle:
			out[j] = value{opts: []string{q.Options[rng.IntN(len(q.Options))].Value}}
		case model.TypeMulti:
			for k, o := range q.Options {
				if rng.IntN(3) == 0 || (k == len(q.Options)-1 && len(out[j].opts) == 0) {
					out[j].opts = append(out[j].opts, o.Value)
				}
			}
		default:
			if rng.IntN(10) < 3 {
				s := comments[rng.IntN(len(comments))]
				out[j] = value{text: &s}
			}
		}
	}
	return out
}

// generate imports the benchmark questionnaire and inserts n responses with
// multi-row INSERTs in transactions of 2,000 responses: GORM's per-row
// Create would take longer than the benchmark itself.
func generate(ctx context.Context, db *gorm.DB, qs *service.Questionnaires, n int) (*service.Loaded, error) {
	def := &definition.Definition{
		Slug: slug, Title: model.Text{"en": "Benchmark evaluation", "zh": "基准测试评估"}, Languages: []string{"zh", "en"}, Status: model.StatusOpen,
		Seminar:  &definition.SeminarDef{Slug: "reportbench", Title: model.Text{"en": "Benchmark seminar", "zh": "基准测试研讨会"}, StartsOn: "2018-01-16", EndsOn: "2018-01-17"},
		Sections: []definition.Section{{Questions: benchQuestions()}},
	}
	def.Normalize()
	if ps := def.Validate(); len(ps) > 0 {
		return nil, &definition.InvalidError{Problems: ps}
	}
	q, err := qs.Import(ctx, def)
	if err != nil {
		return nil, err
	}
	l, err := qs.Load(ctx, q.ID)
	if err != nil {
		return nil, err
	}
	var roster []model.Participant
	for i := range rosterSize {
		roster = append(roster, model.Participant{SeminarID: *q.SeminarID, Name: fmt.Sprintf("Participant %d", i+1), Group: fmt.Sprintf("G%d", i%4+1),
			InviteToken: fmt.Sprintf("bench-%d-%d", q.ID, i)})
	}
	if err := db.WithContext(ctx).CreateInBatches(&roster, 500).Error; err != nil {
		return nil, err
	}
	var firstID uint64
	if err := db.WithContext(ctx).Raw("SELECT COALESCE(MAX(id), 0) FROM responses").Scan(&firstID).Error; err != nil {
		return nil, err
	}
	firstID++
	questions := l.Def.Questions()
	base := time.Date(2018, 1, 17, 7, 0, 0, 0, time.UTC)
	const perTx = 2000
	for from := 0; from < n; from += perTx {
		to := min(n, from+perTx)
		err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			resp := newBulk(tx, "responses", "id, questionnaire_id, respondent_hash, submission_id, participant_id, channel, lang, submitted_at", 8)
			ans := newBulk(tx, "answers", "response_id, questionnaire_id, question_id, num, opt, text, na", 7)
			ans.before = resp // answers refer to their response (foreign key)
			for i := from; i < to; i++ {
				id := firstID + uint64(i)
				var pid any
				if i < rosterSize {
					pid = roster[i].ID
				}
				if err := resp.add(id, q.ID, fmt.Sprintf("%064d", id), fmt.Sprintf("bench-%d", id), pid, "web", []string{"zh", "en"}[i%2], base.Add(time.Duration(i)*time.Second)); err != nil {
					return err
				}
				for j, v := range answersFor(i, questions) {
					qid := l.QuestionIDs[questions[j].Key]
					switch {
					case v.na:
						err = ans.add(id, q.ID, qid, nil, nil, nil, true)
					case v.num != nil:
						err = ans.add(id, q.ID, qid, *v.num, nil, nil, false)
					case v.text != nil:
						err = ans.add(id, q.ID, qid, nil, nil, *v.text, false)
					default:
						for _, o := range v.opts {
							if err = ans.add(id, q.ID, qid, nil, o, nil, false); err != nil {
								break
							}
						}
					}
					if err != nil {
						return err
					}
				}
			}
			if err := resp.flush(); err != nil {
				return err
			}
			return ans.flush()
		})
		if err != nil {
			return nil, fmt.Errorf("insert responses %d..%d: %w", from, to, err)
		}
	}
	return l, nil
}

// bulk accumulates rows for one multi-row INSERT.
type bulk struct {
	tx      *gorm.DB
	prefix  string
	columns int
	rows    int
	args    []any
	before  *bulk // flushed first
}

const bulkRows = 500 // 500 × 8 placeholders stays far below SQLite's limit

func newBulk(tx *gorm.DB, table, columns string, n int) *bulk {
	return &bulk{tx: tx, prefix: "INSERT INTO " + table + " (" + columns + ") VALUES ", columns: n}
}

func (b *bulk) add(vals ...any) error {
	b.args = append(b.args, vals...)
	b.rows++
	if b.rows == bulkRows {
		return b.flush()
	}
	return nil
}

func (b *bulk) flush() error {
	if b.rows == 0 {
		return nil
	}
	if b.before != nil {
		if err := b.before.flush(); err != nil {
			return err
		}
	}
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", b.columns), ",") + ")"
	sql := b.prefix + strings.TrimSuffix(strings.Repeat(row+",", b.rows), ",")
	err := b.tx.Exec(sql, b.args...).Error
	b.rows, b.args = 0, b.args[:0]
	return err
}
