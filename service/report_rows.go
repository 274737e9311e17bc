package service

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"seminareval/model"
)

// The exports (Excel annex, CSV) read responses in keyset batches — WHERE
// id > last ORDER BY id LIMIT n — and the answers of each batch in one
// query, so memory stays flat whatever the number of responses and no
// OFFSET scan grows with the page number.

// exportRow is one response as the exports write it: one value per
// question, in definition order.
type exportRow struct {
	ID            uint64
	SubmittedAt   time.Time
	Channel       string
	Lang          string
	ParticipantID *uint64
	Values        []any // int, string ("n/a", option value, "a; b" for multi, text) or nil
}

// NotApplicableValue is how the exports write a "not applicable" answer.
const NotApplicableValue = "n/a"

// exportColumns maps question ids to their column among the values.
type exportColumns struct {
	keys  []string
	types []string
	index map[uint64]int
}

func columnsOf(l *Loaded) exportColumns {
	qs := l.Def.Questions()
	c := exportColumns{keys: make([]string, len(qs)), types: make([]string, len(qs)), index: make(map[uint64]int, len(qs))}
	for i, q := range qs {
		c.keys[i], c.types[i] = q.Key, q.Type
		c.index[l.QuestionIDs[q.Key]] = i
	}
	return c
}

// eachResponseBatch calls fn with consecutive batches of responses of l, in
// id order, each with its answers filled in. The next batch is read while fn
// writes the current one (a two-stage pipeline: the database and the
// spreadsheet writer work at the same time), so at most two batches are in
// memory.
func (r *Reports) eachResponseBatch(ctx context.Context, l *Loaded, cols exportColumns, fn func([]exportRow) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []exportRow, 1)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		readErr <- r.readResponseBatches(ctx, l, cols, func(b []exportRow) error {
			select {
			case batches <- b:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	for b := range batches {
		if err := fn(b); err != nil {
			cancel()
			for range batches { // let the reader see the cancellation and stop
			}
			<-readErr
			return err
		}
	}
	return <-readErr
}

// readResponseBatches reads the responses of l in keyset batches (WHERE id >
// last ORDER BY id LIMIT n) and hands each, answers filled in, to emit.
func (r *Reports) readResponseBatches(ctx context.Context, l *Loaded, cols exportColumns, emit func([]exportRow) error) error {
	size := r.BatchSize
	if size <= 0 {
		size = 1000
	}
	db := r.db.WithContext(ctx)
	var last uint64
	for {
		batch := make([]exportRow, 0, size)
		pos := make(map[uint64]int, size)
		rows, err := db.Raw("SELECT id, submitted_at, channel, lang, participant_id FROM responses WHERE questionnaire_id = ? AND id > ? ORDER BY id LIMIT ?", l.ID, last, size).Rows()
		if err != nil {
			return fmt.Errorf("read responses of %d after %d: %w", l.ID, last, err)
		}
		for rows.Next() {
			var row exportRow
			var pid sql.NullInt64
			if err := rows.Scan(&row.ID, &row.SubmittedAt, &row.Channel, &row.Lang, &pid); err != nil {
				rows.Close()
				return fmt.Errorf("scan response: %w", err)
			}
			if pid.Valid {
				p := uint64(pid.Int64)
				row.ParticipantID = &p
			}
			row.Values = make([]any, len(cols.keys))
			pos[row.ID] = len(batch)
			batch = append(batch, row)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read responses of %d: %w", l.ID, err)
		}
		if len(batch) == 0 {
			return nil
		}
		if err := r.fillAnswers(ctx, l, cols, batch, pos); err != nil {
			return err
		}
		if err := emit(batch); err != nil {
			return err
		}
		last = batch[len(batch)-1].ID
		if len(batch) < size {
			return nil
		}
	}
}

// fillAnswers reads the answers of a batch by a range of response ids (one
// range scan of the response_id index; answers of another questionnaire's
// responses interleaved in that range are skipped by the pos lookup) and
// puts each into its column.
func (r *Reports) fillAnswers(ctx context.Context, l *Loaded, cols exportColumns, batch []exportRow, pos map[uint64]int) error {
	rows, err := r.db.WithContext(ctx).Raw("SELECT response_id, question_id, na, COALESCE(num, opt, text) FROM answers WHERE response_id BETWEEN ? AND ? ORDER BY response_id, id",
		batch[0].ID, batch[len(batch)-1].ID).Rows()
	if err != nil {
		return fmt.Errorf("read answers of %d: %w", l.ID, err)
	}
	defer rows.Close()
	// One value column (num, opt or text: the question's type says which)
	// scanned into any: the driver's own values without database/sql's
	// conversions. Per-column driver calls are most of the export's cost
	// on 2.5 million answers.
	var responseID, questionID, na, value any
	for rows.Next() {
		if err := rows.Scan(&responseID, &questionID, &na, &value); err != nil {
			return fmt.Errorf("scan answer: %w", err)
		}
		rid, _ := dbInt(responseID)
		qid, _ := dbInt(questionID)
		ri, ok := pos[uint64(rid)]
		ci, known := cols.index[uint64(qid)]
		if !ok || !known {
			continue
		}
		vals := batch[ri].Values
		if isNA, _ := dbInt(na); isNA != 0 {
			vals[ci] = NotApplicableValue
			continue
		}
		switch cols.types[ci] {
		case model.TypeLikert, model.TypeRating, model.TypeNPS:
			if n, ok := dbInt(value); ok {
				vals[ci] = int(n)
			}
		case model.TypeMulti:
			o, ok := dbString(value)
			if !ok {
				continue
			}
			if prev, isStr := vals[ci].(string); isStr && prev != "" {
				vals[ci] = prev + "; " + o
			} else {
				vals[ci] = o
			}
		default:
			if t, ok := dbString(value); ok {
				vals[ci] = t
			}
		}
	}
	return rows.Err()
}

// dbInt reads an integer (or boolean) column scanned into any; ok is false
// for NULL.
func dbInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case uint64:
		return int64(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case []byte:
		n, err := strconv.ParseInt(string(x), 10, 64)
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// dbString reads a text column scanned into any; ok is false for NULL.
func dbString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	}
	return "", false
}

// formulaTriggers are the characters that make a spreadsheet treat a cell
// as a formula (CWE-1236, "CSV injection").
const formulaTriggers = "=+-@\t\r"

// Neutralise prefixes a text that a spreadsheet would run as a formula with
// a single quote, so "=HYPERLINK(…)" typed into a comment stays text.
func Neutralise(s string) string {
	if s != "" && strings.IndexByte(formulaTriggers, s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// localWallClock returns t in loc as a time whose UTC fields are the local
// wall clock: spreadsheets have no time zones, and excelize writes the UTC
// fields.
func localWallClock(t time.Time, loc *time.Location) time.Time {
	lt := t.In(loc)
	return time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour(), lt.Minute(), lt.Second(), 0, time.UTC)
}

// seminarLocation is the time zone reports are written in: the seminar's,
// Asia/Shanghai without a seminar or with an unknown zone.
func seminarLocation(l *Loaded) *time.Location {
	name := "Asia/Shanghai"
	if l.Seminar != nil && l.Seminar.Timezone != "" {
		name = l.Seminar.Timezone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone("UTC+8", 8*3600)
	}
	return loc
}
