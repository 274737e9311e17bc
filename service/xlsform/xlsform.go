// Package xlsform reads XLSForm, the spreadsheet format KoboToolbox and ODK
// users already write (docs/xlsform.md): a "survey" sheet with one row per question, a "choices"
// sheet with the options of each list and an optional "settings" sheet. It is
// converted into a Definition; every problem names the sheet and row it
// comes from, so that the author can fix the workbook they know rather than
// a document they never saw. What the conversion leaves out comes back as
// warnings: nothing in the workbook is dropped without a word.
//
// ParseUpload takes any questionnaire file: an XLSForm, or a YAML/JSON
// definition.
package xlsform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"seminareval/model"
	"seminareval/service/definition"
	"seminareval/service/spreadsheet"
	"seminareval/templates"
)

// Options are choices made outside the workbook.
type Options struct {
	// Slug overrides the settings sheet's form_id (the API's ?slug=).
	Slug string
	// FileName is the uploaded file's name. As in pyxform, its stem is the
	// title and link name of a workbook that names neither.
	FileName string
}

// xlsProblem makes a problem or a warning of path. key is its code, or
// code.variant when one code has several messages; the message is the
// catalogue's "problem.xls.<key>", so that the edge shows it in the reader's
// language (templates.Localize).
func xlsProblem(key, path string, args ...any) model.Problem {
	code, _, _ := strings.Cut(key, ".")
	p := templates.Problem(code, "problem.xls."+key, args...)
	p.Path = path
	return p
}

// fileProblem refuses the whole file.
func fileProblem(key string, args ...any) error {
	return &definition.InvalidError{Problems: []model.Problem{xlsProblem(key, "", args...)}}
}

// xlsMsg is a part of a message that is itself a text of the catalogue
// ("problem.xls.<key>": why something is ignored, what a type is), so that
// it is translated with the message that quotes it.
func xlsMsg(key string, args ...any) templates.Msg {
	return templates.Msg{Key: "problem.xls." + key, Args: args}
}

// listOf writes items as a list in the reader's language: "a, b, c" in
// English, "a、b、c" in Chinese.
func listOf[T any](items []T) any {
	return joined("list", items)
}

// andOf writes items joined by "and": "English and Chinese", "英文和中文".
func andOf[T any](items []T) any {
	return joined("and", items)
}

func joined[T any](key string, items []T) any {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return xlsMsg(key, items[0], joined(key, items[1:]))
}

// sheet is one worksheet read as a header row and data rows.
type sheet struct {
	name   string         // survey, choices, settings (lower case)
	title  string         // the sheet's name as written
	header []string       // normalised column names
	raw    []string       // the column names as written, for messages
	col    map[string]int // column name → index of its first column
	rows   [][]string
}

func (s *sheet) cell(row []string, name string) string {
	i, ok := s.col[name]
	if !ok {
		return ""
	}
	return cellAt(row, i)
}

func cellAt(row []string, i int) string {
	if i < 0 || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}

// rowNumber is the spreadsheet row number of data row i (row 1 is the header).
func rowNumber(i int) int { return i + 2 }

func rowPath(sheet string, i int) string { return fmt.Sprintf("%s row %d", sheet, rowNumber(i)) }

// xlsParser turns the sheets into a Definition and remembers which row each
// part of the definition came from, to point validation problems at rows.
type xlsParser struct {
	problems  []model.Problem
	warnings  []model.Problem
	langs     []string // the questionnaire's languages, default first
	defLang   string
	origins   map[string]string // definition path → "survey row 7"
	sheetCols map[string]map[string]textColumns
	// cellProblems holds the paths already reported, so a cell is named once.
	cellProblems map[string]bool
}

// textColumns are the columns of one translatable field ("label", "hint"):
// the language-less column (index -1 when absent) and one per language.
type textColumns struct {
	plain  int
	byLang map[string]int
}

// refuse records a problem of path (see xlsProblem), unless the cell
// already has one.
func (p *xlsParser) refuse(key, path string, args ...any) {
	if p.cellProblems[path] {
		return
	}
	p.cellProblems[path] = true
	p.problems = append(p.problems, xlsProblem(key, path, args...))
}

// warn records a warning of path (see xlsProblem).
func (p *xlsParser) warn(key, path string, args ...any) {
	p.warnings = append(p.warnings, xlsProblem(key, path, args...))
}

// Parse reads an XLSForm workbook and returns the validated
// definition with the warnings (what it ignored), or an *InvalidError whose
// problems name sheet, row and column: all of them at once, in sheet and row
// order.
func Parse(data []byte, opts Options) (*definition.Definition, []model.Problem, error) {
	if len(data) > definition.MaxDefinitionBytes*4 {
		return nil, nil, fileProblem("too_large", definition.MaxDefinitionBytes*4)
	}
	switch spreadsheet.Kind(data) {
	case spreadsheet.KindODS:
		return nil, nil, fileProblem("ods_workbook")
	case spreadsheet.KindXLS:
		return nil, nil, fileProblem("xls_workbook")
	case "":
		return nil, nil, fileProblem("not_xlsx")
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), spreadsheet.UnzipLimits(len(data)))
	if spreadsheet.IsUnzipLimit(err) {
		return nil, nil, fileProblem("zip_bomb")
	}
	if err != nil {
		return nil, nil, fileProblem("unreadable_workbook", err.Error())
	}
	defer f.Close()
	p := &xlsParser{origins: map[string]string{}, sheetCols: map[string]map[string]textColumns{},
		cellProblems: map[string]bool{}}
	sheets, err := p.readSheets(f)
	if err != nil {
		return nil, nil, err
	}
	survey, choices, settings := sheets["survey"], sheets["choices"], sheets["settings"]
	if survey == nil {
		return nil, nil, &definition.InvalidError{Problems: []model.Problem{xlsProblem("no_survey_sheet", "survey", listOf(f.GetSheetList()))}}
	}
	for _, c := range []string{"type", "name"} {
		if _, ok := survey.col[c]; !ok {
			p.refuse("missing_column", "survey row 1", c)
		}
	}
	if choices != nil && len(choices.rows) > 0 {
		for _, c := range []string{"list_name", "name"} {
			if _, ok := choices.col[c]; !ok {
				p.refuse("missing_column", "choices row 1", c)
			}
		}
	}
	for _, s := range []*sheet{survey, choices, settings} {
		if s != nil {
			p.checkHeader(s)
			p.scanTextColumns(s)
		}
	}

	d := &definition.Definition{Format: definition.FormatV1, Status: model.StatusDraft, Access: model.AccessOpen}
	p.readDefaultLanguage(settings)
	p.langs = p.languageOrder(survey)
	p.dropUnofferedLanguages(survey, choices, settings)
	p.readSettings(d, settings, opts)
	d.Languages = p.langs
	lists := p.readChoices(choices)
	p.readSurvey(d, survey, lists)

	d.Normalize()
	for _, pr := range p.locate(d.Validate()) {
		if p.consequence(pr) {
			continue
		}
		if pr.Code == "required" && strings.Contains(pr.Path, "::") {
			pr = xlsProblem("required.languages", pr.Path, andOf(mapSlice(d.Languages, languageName)))
		}
		if !p.cellProblems[pr.Path] {
			p.cellProblems[pr.Path] = true
			p.problems = append(p.problems, pr)
		}
	}
	warnings := sortProblems(p.warnings)
	if len(p.problems) > 0 {
		return nil, nil, &definition.InvalidError{Problems: sortProblems(p.problems)}
	}
	// The definition made from the workbook is bound by the same limit as a
	// posted one: otherwise a 2 MB workbook becomes a definition whose export
	// cannot be posted back.
	if doc, err := json.Marshal(d); err == nil && len(doc) > definition.MaxDefinitionBytes {
		return nil, nil, fileProblem("too_large.definition", len(doc), definition.MaxDefinitionBytes)
	}
	return d, warnings, nil
}

// consequence tells a validation problem that only follows from one
// already reported: a section left empty by refused rows, a missing title or
// link name the settings problems already asked for.
func (p *xlsParser) consequence(pr model.Problem) bool {
	switch {
	case pr.Code == "no_sections" || pr.Code == "no_questions":
		return len(p.problems) > 0
	case strings.HasPrefix(pr.Path, "settings row 2, form_title"):
		return p.cellProblems["settings, form_title"]
	case pr.Path == "slug" || strings.HasPrefix(pr.Path, "file name") || strings.HasPrefix(pr.Path, "settings row 2, form_id"):
		return p.cellProblems["settings, form_id"]
	}
	return false
}

// readSheets reads the survey, choices and settings sheets (names compared
// without regard to case) and warns about any other sheet with content.
func (p *xlsParser) readSheets(f *excelize.File) (map[string]*sheet, error) {
	out := map[string]*sheet{}
	for _, title := range f.GetSheetList() {
		name := strings.ToLower(strings.TrimSpace(title))
		rows, err := f.GetRows(title)
		if err != nil {
			return nil, fileProblem("unreadable_sheet", title, err.Error())
		}
		switch name {
		case "survey", "choices", "settings":
			if out[name] != nil {
				p.warn("ignored_sheet.second", title, name)
				continue
			}
			out[name] = newSheet(name, title, rows)
			continue
		}
		empty := !slices.ContainsFunc(rows, func(r []string) bool {
			return slices.ContainsFunc(r, func(c string) bool { return strings.TrimSpace(c) != "" })
		})
		near := nearSheetName(name)
		switch {
		case near != "":
			p.warn("ignored_sheet.near", title, title, near)
		case empty:
		case name == "external_choices", name == "entities", name == "osm":
			p.warn("ignored_sheet."+name, title)
		default:
			p.warn("ignored_sheet.other", title, title)
		}
	}
	return out, nil
}

// nearSheetName suggests the XLSForm sheet a misspelt name probably means
// ("stettings"): pyxform warns about these too.
func nearSheetName(name string) string {
	for _, want := range []string{"survey", "choices", "settings"} {
		if name != want && editDistance(name, want) <= 2 {
			return want
		}
	}
	return ""
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// headerAliases are the other spellings of XLSForm columns (pyxform's
// aliases), mapped to the names used here.
var headerAliases = map[string]string{
	"list name": "list_name", "caption": "label", "relevance": "relevant", "skip_logic": "relevant",
	"readonly": "read_only", "constraint message": "constraint_message", "constraining message": "constraint_message",
	"jr:constraintmsg": "constraint_message", "requiredmsg": "required_message", "required message": "required_message",
	"jr:requiredmsg": "required_message", "count": "repeat_count", "jr:count": "repeat_count",
	"noapperrorstring": "no_app_error_string", "calculate": "calculation", "command": "type", "tag": "name",
	"value": "name", "set form title": "form_title", "title": "form_title", "set form id": "form_id",
	"media::image": "image", "media::audio": "audio", "media::video": "video", "media::big-image": "big-image",
}

// translatable are the fields that may carry a language (label::English).
var translatable = map[string]bool{
	"label": true, "hint": true, "guidance_hint": true, "constraint_message": true, "required_message": true,
	"image": true, "big-image": true, "audio": true, "video": true, "report": true, "form_title": true,
	"intro": true, "thanks": true,
}

func newSheet(name, title string, rows [][]string) *sheet {
	s := &sheet{name: name, title: title, col: map[string]int{}}
	if len(rows) == 0 {
		return s
	}
	// pyxform reads "label:English" when no column of the sheet uses "::".
	singleColon := !slices.ContainsFunc(rows[0], func(h string) bool { return strings.Contains(h, "::") })
	for i, h := range rows[0] {
		n := normaliseHeader(h, singleColon)
		s.raw = append(s.raw, strings.TrimSpace(rows[0][i]))
		s.header = append(s.header, n)
		if _, dup := s.col[n]; !dup && n != "" {
			s.col[n] = i
		}
	}
	s.rows = rows[1:]
	return s
}

func normaliseHeader(h string, singleColon bool) string {
	h = strings.Join(strings.Fields(strings.ToLower(h)), " ")
	if a, ok := headerAliases[h]; ok {
		return a
	}
	if field, rest, ok := strings.Cut(h, "::"); ok {
		if strings.HasPrefix(field, "media") {
			// media::image::English (en)
			if kind, lang, ok := strings.Cut(rest, "::"); ok {
				return kind + "::" + lang
			}
			return rest
		}
		if a, ok := headerAliases[field]; ok {
			field = a
		}
		return field + "::" + strings.TrimSpace(rest)
	}
	if singleColon {
		if field, lang, ok := strings.Cut(h, ":"); ok {
			if a, ok := headerAliases[field]; ok {
				field = a
			}
			if translatable[field] {
				return field + "::" + strings.TrimSpace(lang)
			}
		}
	}
	return h
}

// checkHeader refuses a column written twice (which one would count?) and
// warns about cells under no header.
func (p *xlsParser) checkHeader(s *sheet) {
	seen := map[string]int{}
	for i, h := range s.header {
		if h == "" {
			continue
		}
		if j, dup := seen[h]; dup {
			p.refuse("duplicate_column", fmt.Sprintf("%s row 1, column %s", s.name, excelColumn(i)), s.raw[i], excelColumn(j))
			continue
		}
		seen[h] = i
	}
	width := len(s.header)
	headerless := map[int][]int{}
	for ri, row := range s.rows {
		for ci := range row {
			if (ci >= width || s.header[ci] == "") && cellAt(row, ci) != "" {
				headerless[ci] = append(headerless[ci], rowNumber(ri))
			}
		}
	}
	for _, ci := range sortedKeys(headerless) {
		p.warn("headerless_column", fmt.Sprintf("%s column %s", s.name, excelColumn(ci)), excelColumn(ci), rowList(headerless[ci]))
	}
}

func sortedKeys[V any](m map[int]V) []int {
	ks := make([]int, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// rowList writes row numbers for a message: "rows 3, 4, 9"; after eight,
// "and 5 more".
func rowList(rows []int) templates.Msg {
	switch {
	case len(rows) == 1:
		return xlsMsg("rows.one", rows[0])
	case len(rows) > 8:
		return xlsMsg("rows.more", listOf(rows[:8]), len(rows)-8)
	}
	return xlsMsg("rows", listOf(rows))
}

var (
	langColumnRe = regexp.MustCompile(`^([a-z_-]+)::(.+)$`)
	langCodeRe   = regexp.MustCompile(`\(([A-Za-z_-]+)\)\s*$`)
)

// languageNames maps the language names XLSForm authors write in column
// headers ("label::English", "label::中文") to the codes used here.
var languageNames = map[string]string{
	"english": "en", "en": "en", "chinese": "zh", "zh": "zh", "中文": "zh", "汉语": "zh", "简体中文": "zh",
	"zh-cn": "zh", "zh_cn": "zh", "zh-hans": "zh", "zh_hans": "zh",
}

// shownFields are the translatable fields that become text participants
// see; their languages are the questionnaire's.
var shownFields = map[string]bool{"label": true, "hint": true, "report": true, "form_title": true, "intro": true, "thanks": true}

// scanTextColumns records the translatable columns of a sheet. A language
// this service does not speak is an error rather than text that would
// silently never be shown.
func (p *xlsParser) scanTextColumns(s *sheet) {
	cols := map[string]textColumns{}
	for i, h := range s.header {
		field, langName := h, ""
		if m := langColumnRe.FindStringSubmatch(h); m != nil {
			field, langName = m[1], m[2]
		}
		if !shownFields[field] {
			continue
		}
		tc, ok := cols[field]
		if !ok {
			tc = textColumns{plain: -1, byLang: map[string]int{}}
		}
		if langName == "" {
			if tc.plain < 0 {
				tc.plain = i
			}
			cols[field] = tc
			continue
		}
		lang, ok := parseLanguage(langName)
		if !ok {
			p.refuse("unknown_language.column", fmt.Sprintf("%s row 1, column %s", s.name, excelColumn(i)), lang, s.raw[i])
			continue
		}
		if _, dup := tc.byLang[lang]; !dup {
			tc.byLang[lang] = i
		}
		cols[field] = tc
	}
	p.sheetCols[s.name] = cols
}

// parseLanguage reads "English (en)", "en", "Chinese (zh)", "中文".
func parseLanguage(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if m := langCodeRe.FindStringSubmatch(s); m != nil {
		code := strings.ToLower(m[1])
		if l, ok := languageNames[code]; ok {
			return l, true
		}
		return code, false
	}
	l, ok := languageNames[strings.ToLower(s)]
	if !ok {
		return s, false
	}
	return l, true
}

func excelColumn(i int) string {
	name, err := excelize.ColumnNumberToName(i + 1)
	if err != nil {
		return strconv.Itoa(i + 1)
	}
	return name
}

func (p *xlsParser) readDefaultLanguage(s *sheet) {
	if s == nil || len(s.rows) == 0 {
		return
	}
	dl := s.cell(s.rows[0], "default_language")
	if dl == "" || strings.EqualFold(dl, "default") {
		return
	}
	l, ok := parseLanguage(dl)
	if !ok {
		p.refuse("unknown_language", "settings row 2, default_language", dl)
		return
	}
	p.defLang = l
}

// languageOrder gives the questionnaire's languages: those of the survey's
// label and hint columns, the settings' default_language first. A survey
// written without language columns is in its default language (English
// unless the settings say otherwise).
func (p *xlsParser) languageOrder(survey *sheet) []string {
	var langs []string
	for i, h := range survey.header {
		m := langColumnRe.FindStringSubmatch(h)
		if m == nil || (m[1] != "label" && m[1] != "hint") {
			continue
		}
		if l, ok := parseLanguage(m[2]); ok && !slices.Contains(langs, l) && p.sheetCols["survey"][m[1]].byLang[l] == i {
			langs = append(langs, l)
		}
	}
	if p.defLang != "" {
		langs = slices.DeleteFunc(langs, func(l string) bool { return l == p.defLang })
		langs = append([]string{p.defLang}, langs...)
	}
	if len(langs) == 0 {
		langs = []string{"en"}
	}
	return langs
}

// dropUnofferedLanguages forgets the language columns of a language the
// survey is not written in (a choices sheet with label::chinese under an
// English survey), with a warning: the participant could never choose it.
func (p *xlsParser) dropUnofferedLanguages(sheets ...*sheet) {
	for _, s := range sheets {
		if s == nil {
			continue
		}
		for field, tc := range p.sheetCols[s.name] {
			for l, i := range tc.byLang {
				if slices.Contains(p.langs, l) {
					continue
				}
				delete(tc.byLang, l)
				if columnHasData(s, i) {
					p.warn("ignored_language", fmt.Sprintf("%s column %s", s.name, excelColumn(i)), s.raw[i], languageName(l), andOf(mapSlice(p.langs, languageName)))
				}
			}
			p.sheetCols[s.name][field] = tc
		}
	}
}

// languageName is the name of a language for a message ("Chinese", "中文").
func languageName(l string) any {
	switch l {
	case "zh", "en":
		return xlsMsg("language." + l)
	}
	return l
}

func mapSlice[T, U any](in []T, f func(T) U) []U {
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

func columnHasData(s *sheet, i int) bool {
	return slices.ContainsFunc(s.rows, func(r []string) bool { return cellAt(r, i) != "" })
}

// text reads a translatable field of a row. The language-less column serves
// every language that has no text of its own.
func (p *xlsParser) text(s *sheet, row []string, field string) model.Text {
	tc, ok := p.sheetCols[s.name][field]
	if !ok {
		return nil
	}
	t := model.Text{}
	for l, i := range tc.byLang {
		if v := cellAt(row, i); v != "" {
			t[l] = v
		}
	}
	if plain := cellAt(row, tc.plain); plain != "" {
		for _, l := range p.langs {
			if t[l] == "" {
				t[l] = plain
			}
		}
	}
	if len(t) == 0 {
		return nil
	}
	return t
}

// settingsColumns says what becomes of each settings column: used here,
// ignored with a warning (why: the reason, problem.xls.reason.<why> in the
// catalogue), or refused (problem.xls.unsupported_setting.<column>).
var settingsColumns = map[string]struct {
	refused bool
	why     string
}{
	"form_title": {}, "form_id": {}, "id_string": {}, "default_language": {}, "slug": {}, "intro": {},
	"thanks": {}, "access": {}, "anonymous": {},
	"version":                 {why: "version"},
	"instance_name":           {why: "instance_name"},
	"submission_url":          {why: "submission_url"},
	"style":                   {why: "style"},
	"allow_choice_duplicates": {why: "allow_choice_duplicates"},
	"clean_text_values":       {why: "clean_text_values"},
	"omit_instanceid":         {why: "omit_instanceid"},
	"auto_send":               {why: "auto_send"},
	"auto_delete":             {why: "auto_delete"},
	"namespaces":              {why: "no_xform"},
	"xml_root":                {why: "no_xform"},
	"flat":                    {why: "no_xform"},
	"prefix":                  {why: "sms"},
	"delimiter":               {why: "sms"},
	"sms_keyword":             {why: "sms"},
	"sms_separator":           {why: "sms"},
	"sms_allow_media":         {why: "sms"},
	"sms_date_format":         {why: "sms"},
	"sms_datetime_format":     {why: "sms"},
	"sms_response":            {why: "sms"},
	"public_key":              {refused: true},
	"add_none_option":         {refused: true},
}

func (p *xlsParser) readSettings(d *definition.Definition, s *sheet, opts Options) {
	var row []string
	where := "settings row 2"
	if s != nil && len(s.rows) > 0 {
		row = s.rows[0]
		for i, h := range s.header {
			v := cellAt(row, i)
			field, _, _ := strings.Cut(h, "::")
			rule, known := settingsColumns[field]
			switch {
			case v == "" || h == "":
			case !known:
				p.warn("ignored_setting.unknown", where+", "+h, s.raw[i])
			case rule.refused:
				if field != "add_none_option" || !isFalse(v) {
					p.refuse("unsupported_setting."+field, where+", "+h)
				}
			case rule.why != "":
				if field == "allow_choice_duplicates" && isFalse(v) {
					continue
				}
				p.warn("ignored_setting", where+", "+h, h, xlsMsg("reason."+rule.why))
			}
		}
		for i := range s.rows[1:] {
			if slices.ContainsFunc(s.rows[i+1], func(c string) bool { return strings.TrimSpace(c) != "" }) {
				p.warn("ignored_setting.row", rowPath("settings", i+1))
			}
		}
	}
	stem := strings.TrimSuffix(filepath.Base(opts.FileName), filepath.Ext(opts.FileName))
	if opts.FileName == "" {
		stem = ""
	}
	formID, idFrom := "", ""
	for _, c := range []string{"form_id", "id_string"} {
		if v := cellAt(row, colIndex(s, c)); v != "" {
			formID, idFrom = v, where+", "+c
			break
		}
	}
	// The title: form_title, else the form_id, else the file's name (pyxform's order).
	d.Title = p.textOf(s, row, "form_title")
	p.origins["title"] = where + ", form_title"
	if len(d.Title) == 0 {
		switch {
		case formID != "":
			d.Title = p.everyLanguage(formID)
			p.warn("title_from_form_id", where, formID)
		case stem != "":
			d.Title = p.everyLanguage(stem)
			p.warn("title_from_file_name", where, stem)
		default:
			p.refuse("no_title", "settings, form_title")
		}
	}
	d.Intro = p.textOf(s, row, "intro")
	d.Thanks = p.textOf(s, row, "thanks")
	p.origins["intro"] = where + ", intro"
	p.origins["thanks"] = where + ", thanks"

	// The link name: ?slug=, else the slug column, else form_id (or its
	// older name id_string), else the file name, made into a-z0-9-.
	switch {
	case opts.Slug != "":
		d.Slug = opts.Slug
		p.origins["slug"] = "slug"
	case cellAt(row, colIndex(s, "slug")) != "":
		d.Slug = cellAt(row, colIndex(s, "slug"))
		p.origins["slug"] = where + ", slug"
	case formID != "":
		d.Slug = slugify(formID)
		p.origins["slug"] = idFrom
	case stem != "":
		d.Slug = slugify(stem)
		p.origins["slug"] = "file name"
	default:
		p.refuse("no_slug", "settings, form_id")
	}
	if a := strings.ToLower(cellAt(row, colIndex(s, "access"))); a != "" {
		d.Access = a
		p.origins["access"] = where + ", access"
	}
	if a := cellAt(row, colIndex(s, "anonymous")); a != "" {
		v, ok := parseBool(a)
		if !ok {
			p.refuse("bad_boolean", where+", anonymous", a)
		}
		d.Anonymous = v
	}
}

func colIndex(s *sheet, name string) int {
	if s == nil {
		return -1
	}
	if i, ok := s.col[name]; ok {
		return i
	}
	return -1
}

func (p *xlsParser) textOf(s *sheet, row []string, field string) model.Text {
	if s == nil || row == nil {
		return nil
	}
	return p.text(s, row, field)
}

func (p *xlsParser) everyLanguage(v string) model.Text {
	t := model.Text{}
	for _, l := range p.langs {
		t[l] = v
	}
	return t
}

var slugJunkRe = regexp.MustCompile(`[^a-z0-9]+`)

// slugify makes a form id into a link name: ODK form ids are usually
// snake_case or CamelCase; links use lower case and dashes.
func slugify(s string) string {
	s = strings.Trim(slugJunkRe.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 64 {
		s = strings.TrimRight(s[:64], "-")
	}
	return s
}

func isFalse(s string) bool {
	v, ok := parseBool(s)
	return ok && !v
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "no", "false", "false()", "0", "n":
		return false, true
	case "yes", "true", "true()", "1", "y":
		return true, true
	}
	return false, false
}

// choiceList is one list_name of the choices sheet.
type choiceList struct {
	options []definition.Option
	rows    []int
	piped   []int // rows whose label quotes an answer (${...})
}

// choicesColumns are the columns of the choices sheet read here; any other
// column with content is warned about (a choice_filter column, media).
var choicesColumns = map[string]bool{"list_name": true, "name": true, "label": true}

func (p *xlsParser) readChoices(s *sheet) map[string]*choiceList {
	lists := map[string]*choiceList{}
	if s == nil {
		return lists
	}
	for i, h := range s.header {
		field, _, _ := strings.Cut(h, "::")
		if h == "" || choicesColumns[field] || !columnHasData(s, i) {
			continue
		}
		why := "not_xlsform"
		switch field {
		case "image", "big-image", "audio", "video":
			why = "choice_media"
		}
		p.warn("ignored_column.choices", fmt.Sprintf("choices column %s", excelColumn(i)), s.raw[i], xlsMsg("reason."+why))
	}
	for i, row := range s.rows {
		list, name := s.cell(row, "list_name"), s.cell(row, "name")
		if list == "" && name == "" {
			continue
		}
		where := rowPath("choices", i)
		if list == "" {
			p.refuse("required", where+", list_name")
			continue
		}
		if name == "" {
			p.refuse("required.name", where+", name")
			continue
		}
		cl := lists[list]
		if cl == nil {
			cl = &choiceList{}
			lists[list] = cl
		}
		label := p.text(s, row, "label")
		for _, v := range label {
			if strings.Contains(v, "${") {
				cl.piped = append(cl.piped, rowNumber(i))
				break
			}
		}
		cl.options = append(cl.options, definition.Option{Value: name, Label: label})
		cl.rows = append(cl.rows, rowNumber(i))
	}
	return lists
}

var (
	defPathRe  = regexp.MustCompile(`sections\[\d+\](\.questions\[\d+\](\.options\[\d+\])?)?`)
	sheetRowRe = regexp.MustCompile(`^(\w+)(?: row (\d+)| column ([A-Z]+))?`)
)

// xlsColumnNames are the XLSForm columns of definition fields.
var xlsColumnNames = map[string]string{"text": "label", "help": "hint", "key": "name", "value": "name", "options": "choices", "title": "label"}

// locate rewrites the definition paths of validation problems into the
// sheet and row they come from: "sections[0].questions[2].text.zh" becomes
// "survey row 5, label::zh".
func (p *xlsParser) locate(ps []model.Problem) []model.Problem {
	out := make([]model.Problem, len(ps))
	for i, pr := range ps {
		where := func(m string) string {
			if o, ok := p.origins[m]; ok {
				return o
			}
			return m
		}
		out[i] = pr
		out[i].Path = p.origin(pr.Path)
		out[i].Message = defPathRe.ReplaceAllStringFunc(pr.Message, where)
		out[i].Args = slices.Clone(pr.Args)
		for j, a := range out[i].Args {
			if s, ok := a.(string); ok {
				out[i].Args[j] = defPathRe.ReplaceAllStringFunc(s, where)
			}
		}
	}
	return out
}

func (p *xlsParser) origin(path string) string {
	prefix, rest := path, ""
	if m := defPathRe.FindStringIndex(path); m != nil && m[0] == 0 {
		prefix, rest = path[:m[1]], strings.TrimPrefix(path[m[1]:], ".")
	} else if head, tail, found := strings.Cut(path, "."); found {
		prefix, rest = head, tail
	}
	o, ok := p.origins[prefix]
	for !ok && strings.Contains(prefix, ".") {
		// An option path without its own row (a Likert scale): use the question's.
		cut := strings.LastIndex(prefix, ".")
		rest = strings.TrimPrefix(prefix[cut:]+"."+rest, ".")
		prefix = prefix[:cut]
		o, ok = p.origins[prefix]
	}
	if !ok {
		return path
	}
	if rest == "" {
		return o
	}
	if (prefix == "title" || prefix == "intro" || prefix == "thanks") && !strings.Contains(rest, ".") {
		return o + "::" + rest // "title.zh" is the cell of form_title::zh
	}
	field, lang, hasLang := strings.Cut(rest, ".")
	if strings.HasPrefix(field, "options[") {
		return o + ", " + rest
	}
	if n, known := xlsColumnNames[field]; known {
		field = n
	}
	if hasLang {
		return o + ", " + field + "::" + lang
	}
	return o + ", " + field
}

// sortProblems orders problems as the author reads the workbook: the file
// first, then survey, choices and settings, each by row; problems of one row
// keep the order they were found in (its type first). Two problems of the
// same cell are merged.
func sortProblems(ps []model.Problem) []model.Problem {
	sheetRank := map[string]int{"": 0, "survey": 1, "choices": 2, "settings": 3}
	key := func(p model.Problem) (int, int) {
		m := sheetRowRe.FindStringSubmatch(p.Path)
		if m == nil {
			return 0, 0
		}
		rank, ok := sheetRank[m[1]]
		if !ok {
			rank = 4
		}
		row, _ := strconv.Atoi(m[2])
		if m[3] != "" {
			row = 1 << 30 // a whole column: after the rows of its sheet
		}
		return rank, row
	}
	out := slices.Clone(ps)
	sort.SliceStable(out, func(i, j int) bool {
		ri, wi := key(out[i])
		rj, wj := key(out[j])
		if ri != rj {
			return ri < rj
		}
		return wi < wj
	})
	merged := out[:0]
	at := map[string]int{}
	for _, p := range out {
		if i, dup := at[p.Path]; dup && p.Path != "" && merged[i].Code == p.Code {
			if !strings.Contains(merged[i].Message, p.Message) {
				// "first; second", each in the reader's language
				both := templates.Problem(p.Code, "problem.xls.both", asMsg(merged[i]), asMsg(p))
				both.Path = p.Path
				merged[i] = both
			}
			continue
		}
		at[p.Path] = len(merged)
		merged = append(merged, p)
	}
	return merged
}

// asMsg is the message of p as an argument of another message.
func asMsg(p model.Problem) any {
	if p.Key == "" {
		return p.Message
	}
	return templates.Msg{Key: p.Key, Args: p.Args}
}

// ParseUpload reads an uploaded questionnaire: a spreadsheet (found by its
// content, not its name: an XLSForm .xlsx, or an .xls or .ods that is named
// as such) or a YAML/JSON definition. opts.Slug, when not empty, replaces
// the document's own. The warnings are what an XLSForm import ignored.
func ParseUpload(data []byte, opts Options) (*definition.Definition, []model.Problem, error) {
	if spreadsheet.Kind(data) != "" {
		return Parse(data, opts)
	}
	def, err := definition.ParseDefinition(data)
	if err != nil || opts.Slug == "" {
		return def, nil, err
	}
	def.Slug = opts.Slug
	if ps := def.Validate(); len(ps) > 0 {
		return nil, nil, &definition.InvalidError{Problems: ps}
	}
	return def, nil, nil
}
