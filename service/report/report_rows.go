package report

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"seminareval/model"
	"seminareval/service"
	"seminareval/service/definition"
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

// exportColumns maps question ids to their column among the values. A
// choice question with "Other (please specify)" has a second column,
// <key>_other, holding the text given with it.
type exportColumns struct {
	keys       []string
	types      []string
	index      map[uint64]int
	otherIndex map[uint64]int
	valueIDs   []uint64 // questions answered with a number or an option
	textIDs    []uint64 // text questions
	otherIDs   []uint64 // choice questions with "Other"
}

func columnsOf(l *service.Loaded) exportColumns {
	c := exportColumns{index: map[uint64]int{}, otherIndex: map[uint64]int{}}
	for _, q := range l.Def.Questions() {
		if !q.Answerable() { // a note has no column
			continue
		}
		id := l.QuestionIDs[q.Key]
		c.index[id] = len(c.keys)
		c.keys, c.types = append(c.keys, q.Key), append(c.types, q.Type)
		if q.Type == model.TypeText || q.Type == model.TypeLongText || q.Type == model.TypeNumber || q.Type == model.TypeDate {
			c.textIDs = append(c.textIDs, id) // numbers and dates are stored as text
		} else {
			c.valueIDs = append(c.valueIDs, id)
		}
		if q.Other {
			c.otherIndex[id] = len(c.keys)
			c.keys, c.types = append(c.keys, q.OtherKey()), append(c.types, model.TypeText)
			c.otherIDs = append(c.otherIDs, id)
		}
	}
	return c
}

// exportReaders is how many batches' answers are read at the same time.
// MySQL answers several queries at once (the answers of a batch cost a
// server round trip of index and row lookups); SQLite's single connection
// simply queues them.
const exportReaders = 3

// pendingBatch is a batch of responses whose answers are being read.
type pendingBatch struct {
	rows []exportRow
	pos  map[uint64]int
	done chan error
}

// eachResponseBatch calls fn with consecutive batches of responses of l, in
// id order, each with its answers filled in. One goroutine pages through the
// responses (keyset: WHERE id > last ORDER BY id LIMIT n), exportReaders
// goroutines read the answers of the next batches while fn writes the
// current one, and fn sees the batches in order. At most exportReaders + 2
// batches are in memory, whatever the number of responses.
func (r *Reports) eachResponseBatch(ctx context.Context, l *service.Loaded, cols exportColumns, fn func([]exportRow) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	order := make(chan *pendingBatch, exportReaders)
	jobs := make(chan *pendingBatch, exportReaders)
	pageErr := make(chan error, 1)
	go func() {
		defer close(order)
		defer close(jobs)
		pageErr <- r.pageResponses(ctx, l, cols, func(p *pendingBatch) error {
			for _, ch := range []chan *pendingBatch{order, jobs} {
				select {
				case ch <- p:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		})
	}()
	var readers sync.WaitGroup
	for range exportReaders {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for p := range jobs {
				p.done <- r.fillAnswers(ctx, l, cols, p.rows, p.pos)
			}
		}()
	}
	fail := func(err error) error {
		cancel()
		for range order { // let the pager see the cancellation and stop
		}
		readers.Wait()
		<-pageErr
		return err
	}
	row := uint64(0)
	for p := range order {
		if err := <-p.done; err != nil {
			return fail(err)
		}
		if l.Anonymous {
			// An anonymous questionnaire's rows are not in the order they
			// came in, and carry a row number instead of the response id:
			// whoever saw the count on the poster move when someone pressed
			// "send" must not find the k-th answer in row k.
			rand.Shuffle(len(p.rows), func(i, j int) { p.rows[i], p.rows[j] = p.rows[j], p.rows[i] })
			for i := range p.rows {
				row++
				p.rows[i].ID = row
			}
		}
		if err := fn(p.rows); err != nil {
			return fail(err)
		}
	}
	readers.Wait()
	return <-pageErr
}

// pageResponses reads the responses of l in keyset batches and hands each,
// answers not yet read, to emit.
func (r *Reports) pageResponses(ctx context.Context, l *service.Loaded, cols exportColumns, emit func(*pendingBatch) error) error {
	size := r.BatchSize
	if size <= 0 {
		size = 1000
	}
	db := r.db.WithContext(ctx)
	var last uint64
	for {
		p := &pendingBatch{rows: make([]exportRow, 0, size), pos: make(map[uint64]int, size), done: make(chan error, 1)}
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
				id := uint64(pid.Int64)
				row.ParticipantID = &id
			}
			row.Values = make([]any, len(cols.keys))
			p.pos[row.ID] = len(p.rows)
			p.rows = append(p.rows, row)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read responses of %d: %w", l.ID, err)
		}
		n := len(p.rows)
		if n == 0 {
			return nil
		}
		last = p.rows[n-1].ID // before emit: the batch is the writer's after it
		if err := emit(p); err != nil {
			return err
		}
		if n < size {
			return nil
		}
	}
}

// fillAnswers reads the answers of a batch by its range of response ids
// (answers of another questionnaire's responses interleaved in that range
// are skipped by the pos lookup) and puts each into its column. Numbers and
// options come from the index ix_answer_export alone, texts in a second
// query that visits only the rows that have one.
func (r *Reports) fillAnswers(ctx context.Context, l *service.Loaded, cols exportColumns, batch []exportRow, pos map[uint64]int) error {
	first, last := batch[0].ID, batch[len(batch)-1].ID
	db := r.db.WithContext(ctx)
	if len(cols.valueIDs) > 0 && r.db.Dialector.Name() == "sqlite" {
		if err := r.fillPacked(ctx, l, cols, batch, pos); err != nil {
			return err
		}
	} else if len(cols.valueIDs) > 0 {
		rows, err := db.Raw("SELECT response_id, question_id, na, COALESCE(num, opt) FROM answers WHERE response_id BETWEEN ? AND ? AND question_id IN ?",
			first, last, cols.valueIDs).Rows()
		if err != nil {
			return fmt.Errorf("read answers of %d: %w", l.ID, err)
		}
		err = placeAnswers(rows, cols, cols.index, batch, pos)
		rows.Close()
		if err != nil {
			return err
		}
	}
	if len(cols.otherIDs) > 0 {
		rows, err := db.Raw("SELECT response_id, question_id, na, text FROM answers WHERE response_id BETWEEN ? AND ? AND question_id IN ? AND opt = ? AND text IS NOT NULL",
			first, last, cols.otherIDs, definition.OtherValue).Rows()
		if err != nil {
			return fmt.Errorf("read other texts of %d: %w", l.ID, err)
		}
		err = placeAnswers(rows, cols, cols.otherIndex, batch, pos)
		rows.Close()
		if err != nil {
			return err
		}
	}
	if len(cols.textIDs) > 0 {
		rows, err := db.Raw("SELECT response_id, question_id, na, text FROM answers WHERE response_id BETWEEN ? AND ? AND question_id IN ?",
			first, last, cols.textIDs).Rows()
		if err != nil {
			return fmt.Errorf("read text answers of %d: %w", l.ID, err)
		}
		err = placeAnswers(rows, cols, cols.index, batch, pos)
		rows.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// fillPacked reads the numbers and options of a batch on SQLite as one row
// per response: "question:value,question:value,…" (value empty for "not
// applicable"), built by group_concat over ix_answer_export. The pure-Go
// SQLite driver spends about 1.6 µs per row and column handed to Go; packing
// turns 2.5 million answer rows into 100,000 response rows. Option values
// are [A-Za-z0-9_.-] (definition.go), so ':' and ',' cannot occur in them.
// MySQL keeps one row per answer: its GROUP_CONCAT is cut at
// group_concat_max_len, and its driver's per-row cost is small.
func (r *Reports) fillPacked(ctx context.Context, l *service.Loaded, cols exportColumns, batch []exportRow, pos map[uint64]int) error {
	rows, err := r.db.WithContext(ctx).Raw("SELECT response_id, group_concat(question_id || ':' || CASE WHEN na THEN '' ELSE COALESCE(num, opt) END, ',')"+
		" FROM answers WHERE response_id BETWEEN ? AND ? AND question_id IN ? GROUP BY response_id", batch[0].ID, batch[len(batch)-1].ID, cols.valueIDs).Rows()
	if err != nil {
		return fmt.Errorf("read answers of %d: %w", l.ID, err)
	}
	defer rows.Close()
	var responseID, packed any
	for rows.Next() {
		if err := rows.Scan(&responseID, &packed); err != nil {
			return fmt.Errorf("scan answers: %w", err)
		}
		rid, _ := dbInt(responseID)
		ri, ok := pos[uint64(rid)]
		text, _ := dbString(packed)
		if !ok || text == "" {
			continue
		}
		vals := batch[ri].Values
		for item := range strings.SplitSeq(text, ",") {
			qs, value, _ := strings.Cut(item, ":")
			qid, err := strconv.ParseUint(qs, 10, 64)
			if err != nil {
				return fmt.Errorf("packed answer %q of response %d: %w", item, rid, err)
			}
			ci, known := cols.index[qid]
			if !known {
				continue
			}
			switch {
			case value == "":
				vals[ci] = NotApplicableValue
			case cols.types[ci] == model.TypeMulti:
				if prev, isStr := vals[ci].(string); isStr && prev != "" {
					vals[ci] = prev + "; " + value
				} else {
					vals[ci] = value
				}
			case cols.types[ci] == model.TypeSingle:
				vals[ci] = value
			default:
				n, err := strconv.Atoi(value)
				if err != nil {
					return fmt.Errorf("packed answer %q of response %d: %w", item, rid, err)
				}
				vals[ci] = n
			}
		}
	}
	return rows.Err()
}

// placeAnswers puts rows of (response_id, question_id, na, value) into the
// batch, in the columns index gives. The columns are scanned into any: the driver's own values without
// database/sql's conversions, which on 2.5 million answers cost more than
// the rest of the export loop.
func placeAnswers(rows *sql.Rows, cols exportColumns, index map[uint64]int, batch []exportRow, pos map[uint64]int) error {
	var responseID, questionID, na, value any
	for rows.Next() {
		if err := rows.Scan(&responseID, &questionID, &na, &value); err != nil {
			return fmt.Errorf("scan answer: %w", err)
		}
		rid, _ := dbInt(responseID)
		qid, _ := dbInt(questionID)
		ri, ok := pos[uint64(rid)]
		ci, known := index[uint64(qid)]
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
		case model.TypeNumber: // written as a number, not as text
			if t, ok := dbString(value); ok {
				if n, err := strconv.ParseFloat(t, 64); err == nil {
					vals[ci] = n
				}
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

// localWallClock returns t in loc as a time whose UTC fields are the local
// wall clock: spreadsheets have no time zones, and excelize writes the UTC
// fields.
func localWallClock(t time.Time, loc *time.Location) time.Time {
	lt := t.In(loc)
	return time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour(), lt.Minute(), lt.Second(), 0, time.UTC)
}
