package report

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"seminareval/service/spreadsheet"
)

// utf8BOM makes Excel read the CSV as UTF-8 (without it, Chinese turns
// into mojibake on a Windows Excel).
const utf8BOM = "\xef\xbb\xbf"

// WriteCSV writes the raw responses of questionnaire id as CSV: a BOM, a
// header row (response_id, submitted_at in the seminar's time zone with its
// offset, channel, lang, participant_id unless anonymous, then one column
// per question key), one row per response read in keyset batches. Text
// cells that a spreadsheet would run as a formula are neutralised.
func (r *Reports) WriteCSV(ctx context.Context, id uint64, w io.Writer) error {
	l, err := r.questionnaires.Load(ctx, id)
	if err != nil {
		return err
	}
	loc := l.Seminar.Zone()
	cols := columnsOf(l)
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString(utf8BOM); err != nil {
		return err
	}
	cw := spreadsheet.NewCSV(bw, false)
	withParticipant := !l.Anonymous
	header := []string{"response_id", "submitted_at", "channel", "lang"}
	if withParticipant {
		header = append(header, "participant_id")
	}
	fixed := len(header)
	header = append(header, cols.keys...)
	if err := cw.Write(header, nil); err != nil {
		return err
	}
	// An anonymous questionnaire's responses are dated to the day: a time to
	// the second would tie an answer to whoever was seen answering then.
	timeLayout := "2006-01-02T15:04:05-07:00"
	if l.Anonymous {
		timeLayout = time.DateOnly
	}
	record := make([]string, len(header))
	bare := make([]bool, len(header))
	err = r.eachResponseBatch(ctx, l, cols, func(batch []exportRow) error {
		for _, row := range batch {
			clear(bare)
			bare[0], bare[1] = true, true
			record[0] = strconv.FormatUint(row.ID, 10)
			record[1] = row.SubmittedAt.In(loc).Format(timeLayout)
			record[2] = spreadsheet.Neutralise(row.Channel)
			record[3] = spreadsheet.Neutralise(row.Lang)
			if withParticipant {
				record[4], bare[4] = "", true
				if row.ParticipantID != nil {
					record[4] = strconv.FormatUint(*row.ParticipantID, 10)
				}
			}
			for i, v := range row.Values {
				switch x := v.(type) {
				case nil:
					record[fixed+i] = ""
				case int:
					record[fixed+i], bare[fixed+i] = strconv.Itoa(x), true
				case float64:
					record[fixed+i], bare[fixed+i] = strconv.FormatFloat(x, 'f', -1, 64), true
				case string:
					record[fixed+i] = spreadsheet.Neutralise(x)
				default:
					record[fixed+i] = spreadsheet.Neutralise(fmt.Sprint(x))
				}
			}
			if err := cw.Write(record, bare); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("responses CSV of %d: %w", id, err)
	}
	return bw.Flush()
}
