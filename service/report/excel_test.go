package report

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"html"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"seminareval/model/modeltest"
	"seminareval/service/definition"
	"seminareval/service/spreadsheet"
)

func writeAnnex(t *testing.T, f *reportFixture, opts AnnexOptions) ([]byte, *excelize.File) {
	t.Helper()
	var buf bytes.Buffer
	if err := f.reports.WriteAnnex(context.Background(), f.L.ID, &buf, opts); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("the annex does not open: %v", err)
	}
	t.Cleanup(func() { x.Close() })
	return buf.Bytes(), x
}

// zipParts returns the parts of an xlsx whose names match re.
func zipParts(t *testing.T, data []byte, re string) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		if !regexp.MustCompile(re).MatchString(f.Name) {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		out[f.Name] = string(b)
	}
	return out
}

func cell(t *testing.T, x *excelize.File, sheet, ref string) string {
	t.Helper()
	v, err := x.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// findRow returns the 1-based row of sheet whose column A is text.
func findRow(t *testing.T, x *excelize.File, sheet, text string) int {
	t.Helper()
	rows, err := x.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if len(r) > 0 && r[0] == text {
			return i + 1
		}
	}
	t.Fatalf("no row %q in %s", text, sheet)
	return 0
}

func numFmtOf(t *testing.T, x *excelize.File, sheet, ref string) int {
	t.Helper()
	id, err := x.GetCellStyle(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	st, err := x.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	return st.NumFmt
}

func TestAnnexWorkbookReopens(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newReportFixture(t, db)
		f.Fill(t)
		f.reports.BatchSize = 7 // several keyset batches for 18 responses
		data, x := writeAnnex(t, f, AnnexOptions{})

		if got := x.GetSheetList(); !slices.Equal(got, AnnexSheets) {
			t.Fatalf("sheets = %v, want %v", got, AnnexSheets)
		}

		// Header block: numbers as numbers, the rate as a fraction with 0%.
		r := findRow(t, x, SheetSummary, "Respondents")
		if cell(t, x, SheetSummary, "B"+itoa(r)) != "18" {
			t.Fatalf("respondents cell = %q", cell(t, x, SheetSummary, "B"+itoa(r)))
		}
		r = findRow(t, x, SheetSummary, "Response rate")
		if v := cell(t, x, SheetSummary, "B"+itoa(r)); v != "0.9" || numFmtOf(t, x, SheetSummary, "B"+itoa(r)) != 9 {
			t.Fatalf("rate = %q fmt %d", v, numFmtOf(t, x, SheetSummary, "B"+itoa(r)))
		}
		r = findRow(t, x, SheetSummary, "Dates")
		if v := cell(t, x, SheetSummary, "B"+itoa(r)); v != "2018-01-16 – 2018-01-17" {
			t.Fatalf("dates = %q", v)
		}
		// Responses were submitted from 07:31 UTC: 15:31 in Asia/Shanghai.
		r = findRow(t, x, SheetSummary, "Responses received")
		if v := cell(t, x, SheetSummary, "B"+itoa(r)); !strings.HasPrefix(v, "2018-01-17 15:31 – 2018-01-17 15:48") || !strings.Contains(v, "Asia/Shanghai") {
			t.Fatalf("received = %q", v)
		}

		// The Likert table: a row per item, percentages as numbers with 0%.
		r = findRow(t, x, SheetSummary, "My knowledge of the specific topics covered was improved.")
		row := itoa(r)
		head := itoa(r - 1)
		if cell(t, x, SheetSummary, "C"+head) != "Strongly agree" || cell(t, x, SheetSummary, "A"+head) != "Statement" {
			t.Fatalf("table head: %q %q", cell(t, x, SheetSummary, "A"+head), cell(t, x, SheetSummary, "C"+head))
		}
		for ref, want := range map[string]string{"B": "18", "C": "0.94", "D": "0.06", "E": "0", "I": "1", "H": "0"} {
			if got := cell(t, x, SheetSummary, ref+row); got != want {
				t.Errorf("%s%s = %q, want %q", ref, row, got, want)
			}
		}
		for _, col := range []string{"C", "D", "G", "I"} {
			if n := numFmtOf(t, x, SheetSummary, col+row); n != 9 {
				t.Errorf("%s%s number format = %d, want 9 (0%%)", col, row, n)
			}
		}
		if v := cell(t, x, SheetSummary, "J"+row); !strings.HasPrefix(v, "4.944") || numFmtOf(t, x, SheetSummary, "J"+row) != 2 {
			t.Errorf("mean = %q", v)
		}
		// 7 Likert items follow one another.
		last := findRow(t, x, SheetSummary, "I will be able to apply what I learned in my daily work.")
		if last != r+6 {
			t.Fatalf("likert rows %d..%d", r, last)
		}

		// Native charts: one 100% stacked bar for the Likert block and one
		// bar chart per choice question, every series wired to Summary cells.
		charts := zipParts(t, data, `^xl/charts/chart\d+\.xml$`)
		if len(charts) != 3 {
			t.Fatalf("chart parts: %d, want 3", len(charts))
		}
		stacked := 0
		for name, xml := range charts {
			xml = html.UnescapeString(xml)
			refs := regexp.MustCompile(`<(?:c:)?f>([^<]*)</(?:c:)?f>`).FindAllStringSubmatch(xml, -1)
			if len(refs) == 0 {
				t.Fatalf("%s has no cell references", name)
			}
			for _, m := range refs {
				if !strings.HasPrefix(m[1], "'Summary'!$") {
					t.Fatalf("%s: series reference %q is not on the Summary sheet", name, m[1])
				}
			}
			if regexp.MustCompile(`<(c:)?grouping val="percentStacked"`).MatchString(xml) {
				stacked++
				if !strings.Contains(xml, "'Summary'!$C$"+head+"</f>") || !strings.Contains(xml, "'Summary'!$C$"+row+":$C$"+itoa(last)) {
					t.Fatalf("likert chart does not reference the table: %s", xml[:600])
				}
			}
		}
		if stacked != 1 {
			t.Fatalf("%d percent-stacked charts, want 1", stacked)
		}
		// Charts live on the Summary sheet only (a drawing on a streamed sheet is invisible).
		rels := zipParts(t, data, `^xl/worksheets/_rels/`)
		for name, xml := range rels {
			if strings.Contains(xml, "drawing") && name != "xl/worksheets/_rels/sheet1.xml.rels" {
				t.Fatalf("drawing on %s", name)
			}
		}

		// Print layout: landscape, fit to one page wide, on every sheet,
		// including the streamed ones.
		sheets := zipParts(t, data, `^xl/worksheets/sheet\d+\.xml$`)
		if len(sheets) != 5 {
			t.Fatalf("%d sheet parts", len(sheets))
		}
		// A4 (paperSize 9), landscape, on every sheet; fitted to the page
		// width except Responses (sheet3), which prints at full size.
		for name, xml := range sheets {
			if !strings.Contains(xml, `orientation="landscape"`) || !strings.Contains(xml, `paperSize="9"`) {
				t.Fatalf("%s: not A4 landscape", name)
			}
			fitted := strings.Contains(xml, `fitToWidth="1"`) && strings.Contains(xml, `fitToHeight="0"`) && regexp.MustCompile(`fitToPage="(1|true)"`).MatchString(xml)
			if fitted == (name == "xl/worksheets/sheet3.xml") {
				t.Fatalf("%s: fitted to the page %v", name, fitted)
			}
		}
		// The header row repeats on every printed page of the long sheets.
		wb := zipParts(t, data, `^xl/workbook\.xml$`)["xl/workbook.xml"]
		for i, sh := range []string{SheetResponses, SheetComments, SheetParticipants} {
			want := fmt.Sprintf(`<definedName localSheetId="%d" name="_xlnm.Print_Titles">&#39;%s&#39;!$1:$1</definedName>`, i+2, sh)
			if !strings.Contains(wb, want) {
				t.Fatalf("workbook.xml lacks %s:\n%s", want, wb)
			}
		}

		// Narrative: both languages.
		if v := cell(t, x, SheetNarrative, "B5"); v != "All 18 respondents agreed or strongly agreed that their knowledge was improved on the specific topics covered (94% strongly agreed)." {
			t.Fatalf("narrative B5 = %q", v)
		}
		if v := cell(t, x, SheetNarrative, "C5"); v != "18名答卷人全部同意或非常同意他们对所涉及具体议题的了解得到了提高（其中94%非常同意）。" {
			t.Fatalf("narrative C5 = %q", v)
		}

		// Responses: one row per response, one column per question key.
		rows, _ := x.GetRows(SheetResponses)
		if len(rows) != 19 {
			t.Fatalf("responses rows = %d, want 18 + header", len(rows))
		}
		wantHead := append([]string{"response_id", "submitted_at", "channel", "lang", "participant_id"}, columnsOf(f.L).keys...)
		if !slices.Equal(rows[0], wantHead) {
			t.Fatalf("responses header = %v", rows[0])
		}
		col := func(key string) string {
			name, _ := excelize.ColumnNumberToName(slices.Index(wantHead, key) + 1)
			return name
		}
		if v := cell(t, x, SheetResponses, col("knowledge_improved")+"2"); v != "4" {
			t.Fatalf("first knowledge_improved = %q", v)
		}
		if v := cell(t, x, SheetResponses, col("organisation_good")+"2"); v != "n/a" {
			t.Fatalf("na = %q", v)
		}
		if v := cell(t, x, SheetResponses, col("topics_useful")+"2"); v != "identification; legal" {
			t.Fatalf("multi = %q", v)
		}
		if v := cell(t, x, SheetResponses, col("comments")+"2"); v != `=HYPERLINK("http://evil.example","click")` || !spreadsheet.HasQuotePrefix(x, SheetResponses, col("comments")+"2") {
			t.Fatalf("formula-like text %q not kept as text with the quote prefix", v)
		}
		if v := cell(t, x, SheetResponses, col("comments")+"3"); v != "很好的研讨会 👍" {
			t.Fatalf("chinese/emoji = %q", v)
		}
		if v, _ := x.GetCellValue(SheetResponses, "B2"); v != "2018-01-17 15:31" {
			t.Fatalf("submitted_at shown as %q, want the seminar's local time", v)
		}
		for i, r := range rows[1:] {
			if r[0] != itoa(int(f.firstResponseID(t))+i) {
				t.Fatalf("row %d has response %s: not in id order", i+2, r[0])
			}
		}

		// Comments: every text, neutralised, Chinese and emoji intact.
		rows, _ = x.GetRows(SheetComments)
		if len(rows) != 4 || rows[1][3] != `=HYPERLINK("http://evil.example","click")` || rows[2][3] != "很好的研讨会 👍" || rows[3][3] != "+Great, -well organised @all" {
			t.Fatalf("comments = %q", rows)
		}
		// No cell anywhere starts with a formula trigger unescaped, and no formula exists.
		for _, sh := range AnnexSheets {
			rows, _ := x.GetRows(sh)
			for ri, r := range rows {
				for ci, v := range r {
					ref, _ := excelize.CoordinatesToCellName(ci+1, ri+1)
					if v != "" && strings.IndexByte(spreadsheet.FormulaTriggers, v[0]) >= 0 && !spreadsheet.HasQuotePrefix(x, sh, ref) {
						t.Fatalf("%s %s starts with a formula trigger without the quote prefix: %q", sh, ref, v)
					}
					if strings.HasPrefix(v, "'") {
						t.Fatalf("%s %s prints an apostrophe: %q", sh, ref, v)
					}
				}
			}
		}
		for name, xml := range sheets {
			if strings.Contains(xml, "<f>") {
				t.Fatalf("%s contains a formula", name)
			}
		}

		// Participants: the roster, with who responded (not anonymous).
		rows, _ = x.GetRows(SheetParticipants)
		if len(rows) != 21 || rows[0][5] != "Responded" || rows[1][5] != "yes" || rows[20][5] != "no" {
			t.Fatalf("participants = %q", rows)
		}
		if rows[20][1] != "=cmd|' /C calc'!A0" || !spreadsheet.HasQuotePrefix(x, SheetParticipants, "B21") || rows[20][2] != "公安部 🚓" {
			t.Fatalf("hostile roster entry = %q", rows[20])
		}
	})
}

func (f *reportFixture) firstResponseID(t *testing.T) uint64 {
	t.Helper()
	var id uint64
	if err := f.DB.Raw("SELECT MIN(id) FROM responses WHERE questionnaire_id = ?", f.L.ID).Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	return id
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestAnnexWithoutResponsesIsAValidWorkbook(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newReportFixture(t, db, func(d *definition.Definition) { d.Anonymous = true })
		data, x := writeAnnex(t, f, AnnexOptions{Lang: "zh"})
		if got := x.GetSheetList(); !slices.Equal(got, AnnexSheets) {
			t.Fatalf("sheets = %v", got)
		}
		r := findRow(t, x, SheetSummary, "答卷人数")
		if cell(t, x, SheetSummary, "B"+itoa(r)) != "0" {
			t.Fatal("respondents not 0")
		}
		findRow(t, x, SheetSummary, "尚无答卷。")
		if n := len(zipParts(t, data, `^xl/charts/`)); n != 0 {
			t.Fatalf("%d charts for no data", n)
		}
		rows, _ := x.GetRows(SheetResponses)
		if len(rows) != 1 {
			t.Fatalf("responses rows = %d", len(rows))
		}
		// Anonymous: no participant column in Responses, no "responded" in Participants.
		if slices.Contains(rows[0], "participant_id") {
			t.Fatalf("anonymous responses link participants: %v", rows[0])
		}
		rows, _ = x.GetRows(SheetParticipants)
		if len(rows) != 21 || len(rows[0]) != 5 {
			t.Fatalf("anonymous participants sheet: %q", rows[0])
		}
	})
}

func TestResponsesCSV(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newReportFixture(t, db)
		f.Fill(t)
		f.reports.BatchSize = 5
		var buf bytes.Buffer
		if err := f.reports.WriteCSV(context.Background(), f.L.ID, &buf); err != nil {
			t.Fatal(err)
		}
		data := buf.String()
		if !strings.HasPrefix(data, "\xef\xbb\xbf") {
			t.Fatal("no BOM")
		}
		// Every text field is quoted, numbers are bare: a spreadsheet that
		// splits on ";" or tab cannot start a formula inside a text.
		for _, want := range []string{"\xef\xbb\xbf\"response_id\",\"submitted_at\",", `,"'=HYPERLINK(""http://evil.example"",""click"")"`, `,"identification; legal",`, `,"n/a",`} {
			if !strings.Contains(data, want) {
				t.Fatalf("the CSV lacks %s:\n%s", want, data[:min(len(data), 600)])
			}
		}
		if !regexp.MustCompile(`\n[0-9]+,2018-01-17T15:31:00\+08:00,"`).MatchString(data) {
			t.Fatalf("response id and time are not bare numbers:\n%s", data[:min(len(data), 600)])
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(data, "\xef\xbb\xbf"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 19 {
			t.Fatalf("%d records", len(recs))
		}
		head := recs[0]
		idx := func(k string) int { return slices.Index(head, k) }
		if recs[1][idx("comments")] != `'=HYPERLINK("http://evil.example","click")` || recs[2][idx("comments")] != "很好的研讨会 👍" ||
			recs[3][idx("comments")] != "'+Great, -well organised @all" {
			t.Fatalf("comments: %q %q %q", recs[1][idx("comments")], recs[2][idx("comments")], recs[3][idx("comments")])
		}
		if recs[1][idx("submitted_at")] != "2018-01-17T15:31:00+08:00" || recs[1][idx("organisation_good")] != "n/a" ||
			recs[1][idx("topics_useful")] != "identification; legal" || recs[1][idx("recommend")] != "9" || recs[1][idx("participant_id")] == "" {
			t.Fatalf("first record: %q", recs[1])
		}
		for _, r := range recs {
			for _, v := range r {
				if v != "" && strings.IndexByte(spreadsheet.FormulaTriggers, v[0]) >= 0 {
					t.Fatalf("unneutralised %q", v)
				}
			}
		}
	})
}

// failingWriter fails once more than limit bytes were written, like a
// client that went away in the middle of a download.
type failingWriter struct{ limit, n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	if w.n > w.limit {
		return 0, io.ErrClosedPipe
	}
	return len(p), nil
}

func TestExportStopsCleanlyWhenTheClientGoesAway(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newReportFixture(t, db)
		f.Fill(t)
		f.reports.BatchSize = 2 // many batches in flight when the writer fails
		err := f.reports.WriteCSV(context.Background(), f.L.ID, &failingWriter{limit: 100})
		if !errors.Is(err, io.ErrClosedPipe) {
			t.Fatalf("err = %v, want the writer's error", err)
		}
		// And a failure while later batches are still being read: the
		// pipeline stops, in order, without leaking or hanging.
		seen := 0
		err = f.reports.eachResponseBatch(context.Background(), f.L, columnsOf(f.L), func(b []exportRow) error {
			seen++
			if seen == 2 {
				return io.ErrClosedPipe
			}
			return nil
		})
		if !errors.Is(err, io.ErrClosedPipe) || seen != 2 {
			t.Fatalf("err = %v after %d batches, want the writer's error after 2", err, seen)
		}
	})
}

// An anonymous questionnaire's responses are dated to the day in both
// exports: a time to the second ties an answer to whoever was seen
// answering at that moment.
func TestAnonymousExportsDateResponsesToTheDay(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newReportFixture(t, db, func(d *definition.Definition) { d.Anonymous = true })
		f.Fill(t)
		var buf bytes.Buffer
		if err := f.reports.WriteCSV(context.Background(), f.L.ID, &buf); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimPrefix(buf.String(), utf8BOM), "\n")
		if !strings.HasPrefix(lines[1], "1,2018-01-17,") {
			t.Fatalf("CSV row %q, want row number 1 and the date only", lines[1])
		}
		// Row numbers instead of response ids, and not in the order the
		// answers came in: the k-th row is not the k-th answer.
		records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), utf8BOM))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := slices.Index(records[0], "cooperation_facilitated")
		var inCSV []string
		for i, cells := range records[1:] {
			if cells[0] != strconv.Itoa(i+1) {
				t.Fatalf("CSV row %d numbered %q", i+1, cells[0])
			}
			inCSV = append(inCSV, cells[col])
		}
		var inOrder []string
		f.DB.Raw("SELECT CAST(a.num AS CHAR) FROM answers a JOIN responses r ON r.id = a.response_id JOIN questions q ON q.id = a.question_id WHERE r.questionnaire_id = ? AND q.key = ? ORDER BY r.id", f.L.ID, "cooperation_facilitated").Scan(&inOrder)
		for i := range inOrder {
			inOrder[i] = strings.TrimSuffix(inOrder[i], ".0")
		}
		if len(inCSV) != 18 || slices.Equal(inCSV, inOrder) || !slices.Equal(slices.Sorted(slices.Values(inCSV)), slices.Sorted(slices.Values(inOrder))) {
			t.Fatalf("anonymous CSV rows %v, answers in order %v: want the same answers, not in that order", inCSV, inOrder)
		}
		_, x := writeAnnex(t, f, AnnexOptions{})
		if v, _ := x.GetCellValue(SheetResponses, "B2"); v != "2018-01-17" {
			t.Fatalf("annex submitted_at %q, want the date only", v)
		}
		// The summary, and the annex's header built from it, date the
		// first and last answers to the day too.
		s, err := f.reports.Summary(context.Background(), f.L.ID, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := x.GetCellValue(SheetResponses, "A2"); v != "1" {
			t.Errorf("annex Responses A2 = %q, want row number 1", v)
		}
		for _, q := range s.Questions {
			if q.Key == "comments" && (len(q.Answers) < 3 || !slices.IsSorted(q.Answers)) {
				t.Errorf("anonymous comments %q, want them in text order, not the order they came in", q.Answers)
			}
		}
		loc := f.L.Seminar.Zone()
		for _, at := range []*time.Time{s.FirstResponse, s.LastResponse} {
			if at == nil || !at.Equal(startOfDay(*at, loc)) || at.In(loc).Format(time.DateOnly) != "2018-01-17" {
				t.Fatalf("summary first/last response %v – %v, want 2018-01-17 at midnight", s.FirstResponse, s.LastResponse)
			}
		}
		rows, _ := x.GetRows(SheetSummary)
		found := false
		for _, r := range rows {
			if len(r) > 1 && r[0] == "Responses received" {
				found = true
				if !strings.HasPrefix(r[1], "2018-01-17 – 2018-01-17 (") {
					t.Fatalf("annex period %q, want dates only", r[1])
				}
			}
		}
		if !found {
			t.Fatalf("annex summary has no period row: %q", rows)
		}
	})
}

func (f *reportFixture) firstResponseIDText(t *testing.T) string {
	return strconv.FormatUint(f.firstResponseID(t), 10)
}
