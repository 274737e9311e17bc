// Package roster is a seminar's participant list: reading the files
// organisers' programs save (xlsx on any sheet below title rows, CSV and
// text in UTF-8, UTF-16 or GB18030, JSON), the preview with every problem by
// row, the all-or-nothing import, the exports with invite links, and
// erasure.
package roster

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/mail"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/width"
	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/service"
	"seminareval/service/spreadsheet"
	"seminareval/templates"
)

// Service imports and exports seminar rosters.
//
// An import is all or nothing: the rows are parsed and checked first
// (Preview), and only a file without a single problem is written, in one
// transaction with batched inserts. Row numbers in problems are the ones a
// person sees: in a spreadsheet the header is row 1 and the first person row
// 2; in a JSON array the first element is row 1.
type Service struct {
	db  *gorm.DB
	now func() time.Time
}

// New returns the roster service.
func New(db *gorm.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now}
}

// Row is one person as a roster file may give them: the only fields an
// import can set. Invite tokens, openids, ids and the seminar are the
// service's to decide, never the file's.
type Row struct {
	Row          int    `json:"row"` // where it came from, for messages
	Name         string `json:"name"`
	Organisation string `json:"organisation"`
	Country      string `json:"country"`
	Group        string `json:"group"`
	Email        string `json:"email"`
	Phone        string `json:"phone"`
}

// Fields are the importable columns, in export order.
var Fields = []string{"name", "organisation", "country", "group", "email", "phone"}

// rosterHeaders maps a normalised header (see rosterNormaliseHeader) to a field.
// Chinese headers are what Chinese partners' spreadsheets use.
var rosterHeaders = map[string]string{
	"name": "name", "fullname": "name", "participant": "name", "姓名": "name", "名字": "name",
	"organisation": "organisation", "organization": "organisation", "org": "organisation", "institution": "organisation",
	"agency": "organisation", "单位": "organisation", "机构": "organisation", "组织": "organisation", "工作单位": "organisation", "所在单位": "organisation",
	"country": "country", "国家": "country", "国家/地区": "country", "国籍": "country",
	"group": "group", "组别": "group", "分组": "group", "组": "group",
	"email": "email", "e-mail": "email", "mail": "email", "emailaddress": "email", "邮箱": "email", "电子邮件": "email", "电子邮箱": "email", "邮件": "email",
	"phone": "phone", "mobile": "phone", "telephone": "phone", "tel": "phone", "phonenumber": "phone", "电话": "phone", "手机": "phone", "手机号": "phone", "手机号码": "phone", "联系电话": "phone",
}

// rosterHeaderField is the field a header names: a known header, or a
// bilingual one whose parts all name the same field ("姓名 Name",
// "单位/Organisation", "Phone (手机)", "姓名\nName").
func rosterHeaderField(h string) (string, bool) {
	if f, ok := rosterHeaders[rosterNormaliseHeader(h)]; ok {
		return f, true
	}
	parts := strings.FieldsFunc(h, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("/|()（）()、", r)
	})
	field := ""
	for _, p := range parts {
		f, ok := rosterHeaders[rosterNormaliseHeader(p)]
		if !ok || (field != "" && f != field) {
			return "", false
		}
		field = f
	}
	return field, field != ""
}

func rosterNormaliseHeader(h string) string {
	h = strings.TrimPrefix(h, "\ufeff")
	h = strings.ToLower(strings.TrimSpace(h))
	h = strings.TrimRight(h, ":：*")
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '_' {
			return -1
		}
		return r
	}, h)
}

// rosterProblem makes one problem (as a slice, for appending). Its message
// is the catalogue's "roster.err.<code>" in English; the console shows it
// in the reader's language from the same key and Args.
func rosterProblem(row int, field, code string, args ...any) []model.Problem {
	return []model.Problem{{Row: row, Field: field, Code: code, Key: "roster.err." + code, Args: args, Message: templates.Messages().T(templates.DefaultLang, "roster.err."+code, args...)}}
}

// Error is a roster that was not imported, with every problem found.
type Error struct {
	Problems []model.Problem
}

func (e *Error) Error() string {
	parts := make([]string, 0, min(len(e.Problems), 5))
	for i, p := range e.Problems {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(e.Problems)-5))
			break
		}
		parts = append(parts, p.String())
	}
	return "roster not imported: " + strings.Join(parts, "; ")
}

// AsError returns the problems when err is a *RosterError.
func AsError(err error) ([]model.Problem, bool) {
	var re *Error
	if errors.As(err, &re) {
		return re.Problems, true
	}
	return nil, false
}

// ErrNotSpreadsheet is what a file that is not a roster at all (an image, an
// old .xls, an OpenDocument spreadsheet, text in no known encoding) matches
// with errors.Is; the error itself is a *RosterError whose one problem says
// which and what to do.
var ErrNotSpreadsheet = errors.New("the file is not a spreadsheet: upload an Excel workbook (.xlsx) or a CSV file")

// Is makes a refusal of the whole file match ErrNotSpreadsheet.
func (e *Error) Is(target error) bool {
	if target != ErrNotSpreadsheet || len(e.Problems) != 1 {
		return false
	}
	switch e.Problems[0].Code {
	case "not_spreadsheet", "old_xls", "ods", "unreadable_text", "zip_bomb":
		return true
	}
	return false
}

// MaxRows bounds one import; a seminar roster is a few hundred people,
// so more than this is a wrong file, not a big seminar.
const MaxRows = 20000

// rosterHeaderSearch is how many rows from the top are searched for the
// header: title rows, a date line and a blank row or two sit above it.
const rosterHeaderSearch = 20

// File is a parsed roster file before any check against the database.
type File struct {
	Rows     []Row
	Problems []model.Problem
	Ignored  []string // columns (or JSON keys) that are not roster fields
	Skipped  int      // blank rows left out

	Format     string   `json:"format"`                // "xlsx", "csv" or "json"
	Encoding   string   `json:"encoding,omitempty"`    // text files: how the bytes were read (EncodingUTF8, …)
	Sheet      string   `json:"sheet,omitempty"`       // workbooks: the sheet the people were read from
	SheetsRead []string `json:"sheets_read,omitempty"` // workbooks: every sheet looked at, in order
	HeaderRow  int      `json:"header_row,omitempty"`  // spreadsheet row of the column names
}

// Parse reads a roster from an .xlsx workbook, a CSV or tab-separated
// text file, or a JSON array of objects; the format is recognised from the
// content, not the file name. Text is decoded as decodeRosterText says
// (UTF-8, UTF-16, GB18030 or Windows-1252). In a workbook the people are read
// from the first sheet that has a header row: a cover sheet before the list
// is passed over. The header is the first row within the first 20 that
// names a name column; title rows above it are skipped.
func Parse(data []byte) (*File, error) {
	switch {
	case len(bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\ufeff")))) == 0:
		return nil, &Error{Problems: rosterProblem(0, "", "empty_file")}
	case isODS(data):
		return nil, &Error{Problems: rosterProblem(0, "", "ods")}
	case spreadsheet.IsXLSX(data):
		return parseRosterXLSX(data)
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return nil, &Error{Problems: rosterProblem(0, "", "old_xls")}
	}
	text, enc, ok := decodeRosterText(data)
	if !ok {
		if looksBinary(data) {
			return nil, &Error{Problems: rosterProblem(0, "", "not_spreadsheet")}
		}
		return nil, &Error{Problems: rosterProblem(0, "", "unreadable_text")}
	}
	trimmed := strings.TrimLeft(text, " \t\r\n")
	var (
		out *File
		err error
	)
	switch {
	case trimmed == "":
		return nil, &Error{Problems: rosterProblem(0, "", "empty_file")}
	case trimmed[0] == '[':
		out, err = parseRosterJSON([]byte(trimmed))
	case trimmed[0] == '{':
		return nil, &Error{Problems: rosterProblem(0, "", "not_array")}
	default:
		out, err = parseRosterCSV(text)
	}
	if err != nil {
		return nil, err
	}
	out.Encoding = enc
	return out, nil
}

// isODS recognises an OpenDocument spreadsheet (LibreOffice's and WPS's
// .ods): a zip whose first entry is "mimetype" with the ODF type.
func isODS(data []byte) bool {
	return spreadsheet.Kind(data) == spreadsheet.KindODS
}

// looksBinary tells an image or another program's file (NUL bytes, control
// characters) from text in an encoding we do not read.
func looksBinary(data []byte) bool {
	for _, b := range data[:min(len(data), 4096)] {
		if b == 0 || (b < 0x20 && b != '\t' && b != '\n' && b != '\r') {
			return true
		}
	}
	return false
}

func parseRosterXLSX(data []byte) (*File, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), spreadsheet.UnzipLimits(len(data)))
	if spreadsheet.IsUnzipLimit(err) {
		return nil, &Error{Problems: rosterProblem(0, "", "zip_bomb")}
	}
	if err != nil {
		return nil, &Error{Problems: rosterProblem(0, "", "not_spreadsheet")}
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, &Error{Problems: rosterProblem(0, "", "no_sheet")}
	}
	var (
		read  []string
		first [][]string // the first sheet, for the message when no sheet has a header
	)
	for _, sheet := range sheets {
		if v, err := f.GetSheetVisible(sheet); err == nil && !v {
			continue // a hidden sheet is not the list a person sees
		}
		table, err := rosterSheetTable(f, sheet)
		if err != nil {
			return nil, err
		}
		read = append(read, sheet)
		if first == nil {
			first = table
		}
		if rosterFindHeader(table) < 0 {
			continue
		}
		out, err := rosterFromTable(table)
		if err != nil {
			return nil, err
		}
		out.Format, out.Sheet, out.SheetsRead = "xlsx", sheet, read
		return out, nil
	}
	_, err = rosterFromTable(first) // says what the first sheet holds instead
	var re *Error
	if errors.As(err, &re) && len(read) > 1 {
		for i, p := range re.Problems {
			if p.Code == "no_name_column" {
				quoted := make([]string, len(read))
				for j, s := range read {
					quoted[j] = fmt.Sprintf("%q", s)
				}
				re.Problems[i] = rosterProblem(0, "name", "no_name_column_sheets", strings.Join(quoted, ", "))[0]
			}
		}
	}
	return nil, err
}

// rosterSheetTable reads one sheet's cells. Numbers are read as stored,
// not as displayed: a phone 13712345678 in a General column displays as
// 1.37123E+10, and a number format may hide digits.
func rosterSheetTable(f *excelize.File, sheet string) ([][]string, error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, fmt.Errorf("read sheet %q: %w", sheet, err)
	}
	defer rows.Close()
	var table [][]string
	for rows.Next() {
		cols, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fmt.Errorf("read sheet %q row %d: %w", sheet, len(table)+1, err)
		}
		for i, c := range cols {
			cols[i] = rosterExactNumber(c)
		}
		table = append(table, cols)
		if len(table) > MaxRows+rosterHeaderSearch {
			return nil, rosterTooManyRows()
		}
	}
	if err := rows.Error(); err != nil {
		return nil, fmt.Errorf("read sheet %q: %w", sheet, err)
	}
	return table, nil
}

// rosterExactNumber writes a stored whole number in E notation
// ("1.3712345678E10", as some writers store big numbers) with all its digits.
// A stored value is exact; a CSV's "1.37123E+10" is Excel's display and has
// lost digits, which check refuses.
func rosterExactNumber(c string) string {
	if !strings.ContainsAny(c, "Ee") || len(c) > 24 {
		return c
	}
	f, err := strconv.ParseFloat(c, 64)
	if err != nil || f != math.Trunc(f) || f < 0 || f >= 1e16 {
		return c
	}
	return strconv.FormatFloat(f, 'f', 0, 64)
}

func rosterTooManyRows() error {
	return &Error{Problems: rosterProblem(0, "", "too_many", MaxRows)}
}

func parseRosterCSV(text string) (*File, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.Comma = rosterSeparator(text)
	var table [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &Error{Problems: rosterProblem(pe.StartLine, "", "bad_csv", pe.Err.Error())}
			}
			return nil, fmt.Errorf("read CSV: %w", err)
		}
		// encoding/csv skips blank lines; keep them as blank rows, so that
		// row numbers are the file's lines, as a spreadsheet shows them.
		line, _ := r.FieldPos(0)
		for len(table) < line-1 {
			table = append(table, nil)
		}
		table = append(table, rec)
		if len(table) > MaxRows+rosterHeaderSearch {
			return nil, rosterTooManyRows()
		}
	}
	out, err := rosterFromTable(table)
	if err != nil {
		return nil, err
	}
	out.Format = "csv"
	return out, nil
}

// rosterSeparator is the separator of the lines above and at the header: a
// comma, or the semicolon Excel writes in many European locales, or the tab
// of "Unicode text". A title line above the header has none, so the line
// with the most separators decides.
func rosterSeparator(text string) rune {
	best, sep := 0, ','
	for i, line := range strings.SplitN(text, "\n", rosterHeaderSearch+1) {
		if i == rosterHeaderSearch {
			break
		}
		for _, c := range []rune{',', ';', '\t'} {
			if n := strings.Count(line, string(c)); n > best {
				best, sep = n, c
			}
		}
	}
	return sep
}

// rosterFindHeader is the index of the header row: the first of the first
// rows with a cell that names the name column. -1 when there is none.
func rosterFindHeader(table [][]string) int {
	for i, row := range table[:min(len(table), rosterHeaderSearch)] {
		for _, h := range row {
			if f, _ := rosterHeaderField(h); f == "name" {
				return i
			}
		}
	}
	return -1
}

// rosterFromTable maps the header row to fields and reads each person row.
func rosterFromTable(table [][]string) (*File, error) {
	head := rosterFindHeader(table)
	if head < 0 {
		// Say what the first row with something in it holds.
		for i, row := range table[:min(len(table), rosterHeaderSearch)] {
			if !rosterBlankRow(row) {
				head = i
				break
			}
		}
	}
	if head < 0 {
		return nil, &Error{Problems: rosterProblem(0, "", "no_rows")}
	}
	out := &File{HeaderRow: head + 1}
	columns := map[int]string{}
	seen := map[string]int{}
	var problems []model.Problem
	for i, h := range table[head] {
		if strings.TrimSpace(h) == "" {
			continue
		}
		field, ok := rosterHeaderField(h)
		if !ok {
			out.Ignored = append(out.Ignored, strings.TrimSpace(h))
			continue
		}
		if prev, dup := seen[field]; dup {
			problems = append(problems, rosterProblem(head+1, field, "two_columns", field, table[head][prev], prev+1, h, i+1)...)
			continue
		}
		seen[field] = i
		columns[i] = field
	}
	if _, ok := seen["name"]; !ok {
		found := make([]string, 0, len(table[head]))
		for _, h := range table[head] {
			if strings.TrimSpace(h) != "" {
				found = append(found, fmt.Sprintf("%q", strings.TrimSpace(h)))
			}
		}
		problems = append(problems, rosterProblem(head+1, "name", "no_name_column", strings.Join(found, ", "))...)
	}
	if len(problems) > 0 {
		return nil, &Error{Problems: problems}
	}
	if len(table)-head-1 > MaxRows {
		return nil, rosterTooManyRows()
	}
	for i := head + 1; i < len(table); i++ {
		row := table[i]
		if rosterBlankRow(row) {
			out.Skipped++
			continue
		}
		r := Row{Row: i + 1}
		for ci, field := range columns {
			if ci < len(row) {
				r.set(field, row[ci])
			}
		}
		out.Rows = append(out.Rows, r)
	}
	return out, nil
}

func parseRosterJSON(data []byte) (*File, error) {
	var items []map[string]any
	if err := json.Unmarshal(data, &items); err != nil {
		return nil, &Error{Problems: rosterProblem(0, "", "bad_json", err.Error())}
	}
	if len(items) > MaxRows {
		return nil, rosterTooManyRows()
	}
	out := &File{Format: "json"}
	ignored := map[string]bool{}
	for i, item := range items {
		r := Row{Row: i + 1}
		for k, v := range item {
			field, ok := rosterHeaderField(k)
			if !ok {
				ignored[k] = true
				continue
			}
			switch x := v.(type) {
			case nil:
			case string:
				r.set(field, x)
			case float64:
				r.set(field, strings.TrimSuffix(fmt.Sprintf("%.0f", x), ".0"))
			default:
				out.Problems = append(out.Problems, rosterProblem(i+1, field, "not_string")[0])
			}
		}
		out.Rows = append(out.Rows, r)
	}
	for k := range ignored {
		out.Ignored = append(out.Ignored, k)
	}
	sort.Strings(out.Ignored)
	return out, nil
}

func rosterBlankRow(row []string) bool {
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// rosterCleanCell trims a cell and drops control characters (a pasted tab or line
// break would break the exported CSV and the page).
func rosterCleanCell(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	// Undo the neutralisation of our own exports ("'+86 138…" back to
	// "+86 138…"), so that an exported roster imports as it was.
	return spreadsheet.Unneutralise(s)
}

func (r *Row) set(field, v string) {
	v = rosterCleanCell(v)
	if field == "email" || field == "phone" {
		// Chinese input methods type full-width forms: ＋86 １３７…, ｌｉ＠ｅｘａｍｐｌｅ．ｃｎ,
		// the ideographic space and a full-width hyphen.
		v = strings.TrimSpace(width.Fold.String(v))
	}
	switch field {
	case "name":
		r.Name = v
	case "organisation":
		r.Organisation = v
	case "country":
		r.Country = v
	case "group":
		r.Group = v
	case "email":
		r.Email = v
	case "phone":
		r.Phone = v
	}
}

// rosterFieldLimits are the column sizes of model.Participant, in characters.
var rosterFieldLimits = map[string]int{"name": 200, "organisation": 200, "country": 100, "group": 100, "email": 200, "phone": 50}

// check validates one row on its own.
func (r *Row) check() []model.Problem {
	var ps []model.Problem
	add := func(field, code string, args ...any) { ps = append(ps, rosterProblem(r.Row, field, code, args...)...) }
	if r.Name == "" {
		add("name", "required")
	}
	for field, v := range map[string]string{"name": r.Name, "organisation": r.Organisation, "country": r.Country, "group": r.Group, "email": r.Email, "phone": r.Phone} {
		if n := utf8.RuneCountInString(v); n > rosterFieldLimits[field] {
			add(field, "too_long", n, rosterFieldLimits[field])
		}
	}
	if r.Email != "" {
		if a, err := mail.ParseAddress(r.Email); err != nil || a.Address != r.Email || !strings.Contains(r.Email, ".") {
			add("email", "bad_email", r.Email)
		}
	}
	if r.Phone != "" && rosterScientificRe.MatchString(r.Phone) {
		add("phone", "phone_scientific", r.Phone)
		return rosterSortProblems(ps)
	}
	if r.Phone != "" {
		digits := 0
		for _, c := range r.Phone {
			switch {
			case c >= '0' && c <= '9':
				digits++
			case strings.ContainsRune(" +-().", c):
			default:
				add("phone", "bad_phone_chars", r.Phone)
				return rosterSortProblems(ps)
			}
		}
		if digits < 5 {
			add("phone", "bad_phone_short", r.Phone)
		}
	}
	return rosterSortProblems(ps)
}

// rosterScientificRe is a number as Excel displays a long one in a General
// column: "1.37123E+10".
var rosterScientificRe = regexp.MustCompile(`^[0-9](\.[0-9]+)?[eE]\+?[0-9]+$`)

// rosterSortProblems orders one row's problems by field order, so messages are
// stable whatever the map iteration did.
func rosterSortProblems(ps []model.Problem) []model.Problem {
	order := map[string]int{}
	for i, f := range Fields {
		order[f] = i
	}
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Row != ps[j].Row {
			return ps[i].Row < ps[j].Row
		}
		return order[ps[i].Field] < order[ps[j].Field]
	})
	return ps
}

func rosterEmailKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// rosterPhoneKey compares phone numbers by their digits, so "+86 138-0000-0000"
// and "8613800000000" are the same person.
func rosterPhoneKey(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// Preview is what an import would do.
type Preview struct {
	File
	Existing int // participants already on the roster
}

// OK reports whether the import can go ahead.
func (p *Preview) OK() bool { return len(p.Problems) == 0 && len(p.Rows) > 0 }

// Preview checks parsed rows against themselves and the seminar's roster:
// every row on its own (name required, email and phone well-formed, sizes),
// and duplicates, which are the same email or the same phone twice in the
// file or already on the roster. Nothing is written.
func (s *Service) Preview(ctx context.Context, seminarID uint64, file *File) (*Preview, error) {
	p := &Preview{File: *file}
	p.Problems = append([]model.Problem(nil), file.Problems...)
	if err := s.check(s.db.WithContext(ctx), seminarID, p); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Service) check(db *gorm.DB, seminarID uint64, p *Preview) error {
	if err := db.Select("id").First(&model.Seminar{}, seminarID).Error; err != nil {
		return fmt.Errorf("seminar %d: %w", seminarID, model.Translate(err))
	}
	if len(p.Rows) == 0 && len(p.Problems) == 0 {
		p.Problems = append(p.Problems, rosterProblem(0, "", "no_participants")[0])
	}
	var existing []model.Participant
	if err := db.Select("id", "name", "email", "phone").Where("seminar_id = ?", seminarID).Find(&existing).Error; err != nil {
		return fmt.Errorf("read roster: %w", err)
	}
	p.Existing = len(existing)
	type owner struct {
		row  int // 0: already on the roster
		name string
	}
	emails, phones := map[string]owner{}, map[string]owner{}
	for _, e := range existing {
		if k := rosterEmailKey(e.Email); k != "" {
			emails[k] = owner{name: e.Name}
		}
		if k := rosterPhoneKey(e.Phone); k != "" {
			phones[k] = owner{name: e.Name}
		}
	}
	dup := func(r Row, field, value string, o owner) model.Problem {
		if o.row == 0 {
			return rosterProblem(r.Row, field, "on_roster", field, value, o.name)[0]
		}
		return rosterProblem(r.Row, field, "duplicate", field, value, o.row, o.name)[0]
	}
	for _, r := range p.Rows {
		p.Problems = append(p.Problems, r.check()...)
		if k := rosterEmailKey(r.Email); k != "" {
			if o, ok := emails[k]; ok {
				p.Problems = append(p.Problems, dup(r, "email", r.Email, o))
			} else {
				emails[k] = owner{row: r.Row, name: r.Name}
			}
		}
		if k := rosterPhoneKey(r.Phone); len(k) >= 5 {
			if o, ok := phones[k]; ok {
				p.Problems = append(p.Problems, dup(r, "phone", r.Phone, o))
			} else {
				phones[k] = owner{row: r.Row, name: r.Name}
			}
		}
	}
	p.Problems = rosterSortProblems(p.Problems)
	return nil
}

// rosterBatch is the number of rows per INSERT: large enough that 10,000
// people take 20 statements, small enough to stay far below MySQL's 65,535
// placeholders (500 × 11 columns).
const rosterBatch = 500

// Import checks the rows and, when there is no problem at all, adds them to
// the seminar's roster in one transaction, each with a new invite token.
// Otherwise nothing is written and the error is a *RosterError.
func (s *Service) Import(ctx context.Context, seminarID uint64, file *File) (int, error) {
	n := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		p := &Preview{File: *file}
		p.Problems = append([]model.Problem(nil), file.Problems...)
		if err := s.check(tx, seminarID, p); err != nil {
			return err
		}
		if len(p.Problems) > 0 {
			return &Error{Problems: p.Problems}
		}
		now := s.now().UTC()
		people := make([]model.Participant, len(p.Rows))
		for i, r := range p.Rows {
			people[i] = model.Participant{
				SeminarID: seminarID, Name: r.Name, Organisation: r.Organisation, Country: r.Country,
				Group: r.Group, Email: r.Email, Phone: r.Phone, InviteToken: NewInviteToken(),
				CreatedAt: now, UpdatedAt: now,
			}
		}
		if err := tx.CreateInBatches(&people, rosterBatch).Error; err != nil {
			return fmt.Errorf("insert participants: %w", err)
		}
		n = len(people)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// NewInviteToken returns an unguessable invite token: 128 bits from
// crypto/rand, URL-safe (22 characters).
func NewInviteToken() string { return service.RandomToken(16) }

// Participants returns a seminar's roster in import order.
func (s *Service) Participants(ctx context.Context, seminarID uint64) ([]model.Participant, error) {
	var ps []model.Participant
	if err := s.db.WithContext(ctx).Where("seminar_id = ?", seminarID).Order("id").Find(&ps).Error; err != nil {
		return nil, fmt.Errorf("roster of seminar %d: %w", seminarID, err)
	}
	return ps, nil
}

// Participant returns one participant of a seminar.
func (s *Service) Participant(ctx context.Context, seminarID, id uint64) (*model.Participant, error) {
	var p model.Participant
	if err := s.db.WithContext(ctx).Where("seminar_id = ? AND id = ?", seminarID, id).First(&p).Error; err != nil {
		return nil, fmt.Errorf("participant %d: %w", id, model.Translate(err))
	}
	return &p, nil
}

// ClearBinding removes the WeChat account bound to participant id of a
// seminar (a forwarded invite opened first by someone else, a new phone):
// the next WeChat arriving with the invite is bound instead. It returns the
// participant as it was.
func (s *Service) ClearBinding(ctx context.Context, seminarID, id uint64) (*model.Participant, error) {
	p, err := s.Participant(ctx, seminarID, id)
	if err != nil {
		return nil, err
	}
	if err := s.db.WithContext(ctx).Model(&model.Participant{}).Where("id = ?", p.ID).Update("openid", nil).Error; err != nil {
		return nil, fmt.Errorf("clear binding of participant %d: %w", id, err)
	}
	return p, nil
}

// DeleteParticipant erases participant id of a seminar: the roster row (name,
// contact fields, invite token, openid) and their reminders go; their
// responses stay, counted in every figure, without the link to them. It
// returns the participant as it was, for the audit.
func (s *Service) DeleteParticipant(ctx context.Context, seminarID, id uint64) (*model.Participant, error) {
	p, err := s.Participant(ctx, seminarID, id)
	if err != nil {
		return nil, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&model.Response{}).Where("participant_id = ?", p.ID).UpdateColumn("participant_id", nil).Error; err != nil {
			return fmt.Errorf("unlink responses: %w", err)
		}
		if err := tx.Where("participant_id = ?", p.ID).Delete(&model.Reminder{}).Error; err != nil {
			return fmt.Errorf("delete reminders: %w", err)
		}
		return tx.Delete(&model.Participant{}, p.ID).Error
	})
	if err != nil {
		return nil, fmt.Errorf("delete participant %d: %w", id, err)
	}
	return p, nil
}

// ExportHeaders are the exported columns: the import columns first (so
// an export can be edited and imported into another seminar), then the
// invite link.
var ExportHeaders = []string{"name", "organisation", "country", "group", "email", "phone", "invite_link"}

func rosterRecord(p model.Participant, inviteURL func(model.Participant) string) []string {
	rec := []string{p.Name, p.Organisation, p.Country, p.Group, p.Email, p.Phone, inviteURL(p)}
	for i := range rec {
		rec[i] = spreadsheet.Neutralise(rec[i])
	}
	return rec
}

// ExportCSV writes the roster as UTF-8 CSV with a BOM (so Excel shows
// Chinese) and neutralised formula-like cells. inviteURL gives each
// participant's invite link ("" for none).
func (s *Service) ExportCSV(ctx context.Context, seminarID uint64, w io.Writer, inviteURL func(model.Participant) string) error {
	ps, err := s.Participants(ctx, seminarID)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	cw := spreadsheet.NewCSV(bw, true)
	if err := cw.Write(ExportHeaders, nil); err != nil {
		return err
	}
	for _, p := range ps {
		if err := cw.Write(rosterRecord(p, inviteURL), nil); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ExportXLSX writes the roster as a workbook with one sheet, Participants.
func (s *Service) ExportXLSX(ctx context.Context, seminarID uint64, w io.Writer, inviteURL func(model.Participant) string) error {
	ps, err := s.Participants(ctx, seminarID)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Participants"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	_ = sw.SetColWidth(1, 1, 24)
	_ = sw.SetColWidth(2, 2, 32)
	_ = sw.SetColWidth(3, 6, 16)
	_ = sw.SetColWidth(7, 7, 60)
	head := make([]any, len(ExportHeaders))
	for i, h := range ExportHeaders {
		head[i] = excelize.Cell{Value: h, StyleID: bold}
	}
	if err := sw.SetRow("A1", head, excelize.RowOpts{}); err != nil {
		return err
	}
	quoted := map[int]int{}
	for i, p := range ps {
		// The text as it is; what starts like a formula gets the quote-prefix
		// style (no apostrophe printed, and text when edited).
		rec := []string{p.Name, p.Organisation, p.Country, p.Group, p.Email, p.Phone, inviteURL(p)}
		vals := make([]any, len(rec))
		for j, v := range rec {
			vals[j] = v
			if spreadsheet.StartsLikeFormula(v) {
				vals[j] = excelize.Cell{Value: v, StyleID: spreadsheet.QuotePrefixed(f, quoted, 0)}
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, vals); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}
