package service

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"seminareval/model"
)

// XLSForm is the spreadsheet format KoboToolbox and ODK users already write
// (docs/xlsform.md): a "survey" sheet with one row per question, a "choices"
// sheet with the options of each list and an optional "settings" sheet. It is
// converted into a Definition; every problem names the sheet and row it
// comes from, so that the author can fix the workbook they know rather than
// a document they never saw.

// XLSFormContentType is the media type of an .xlsx workbook.
const XLSFormContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// IsXLSX reports whether data looks like an .xlsx file (a zip archive), so
// that an upload can be routed without trusting its file name.
func IsXLSX(data []byte) bool {
	return bytes.HasPrefix(data, []byte("PK\x03\x04"))
}

// XLSFormOptions are choices made outside the workbook.
type XLSFormOptions struct {
	// Slug overrides the settings sheet's form_id (the API's ?slug=).
	Slug string
}

var (
	langColumnRe = regexp.MustCompile(`^([a-z_]+)::(.+)$`)
	langCodeRe   = regexp.MustCompile(`\(([A-Za-z_-]+)\)\s*$`)
	rangeParamRe = regexp.MustCompile(`(start|end|step)\s*=\s*(-?\d+)`)
	bounds       = regexp.MustCompile(`\.\s*(>=|<=|>|<)\s*(-?\d+)`)
	strLengthRe  = regexp.MustCompile(`string-length\(\s*\.\s*\)\s*<=?\s*(\d+)`)
)

// languageNames maps the language names XLSForm authors write in column
// headers ("label::English", "label::中文") to the codes used here.
var languageNames = map[string]string{
	"english": "en", "en": "en", "chinese": "zh", "zh": "zh", "中文": "zh", "汉语": "zh", "简体中文": "zh",
	"zh-cn": "zh", "zh_cn": "zh", "zh-hans": "zh", "zh_hans": "zh",
}

// Columns whose meaning this service cannot honour: silently ignoring a skip
// rule or a constraint would publish a different questionnaire from the one
// the author wrote.
var unsupportedColumns = []string{"relevant", "constraint_message", "calculation", "choice_filter", "repeat_count", "read_only", "trigger"}

// Row types that carry no question (ODK metadata and display-only rows).
var ignoredTypes = []string{"start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "email", "audit", "note", "calculate", "hidden"}

// sheet is one worksheet read as a header row and data rows.
type sheet struct {
	name   string
	header []string       // lower-cased, trimmed column names
	raw    []string       // the column names as written, for messages
	col    map[string]int // column name → index
	rows   [][]string
}

func (s *sheet) cell(row []string, name string) string {
	i, ok := s.col[name]
	if !ok || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}

// rowNumber is the spreadsheet row number of data row i (row 1 is the header).
func rowNumber(i int) int { return i + 2 }

// xlsParser turns the sheets into a Definition and remembers which row each
// part of the definition came from, to point validation problems at rows.
type xlsParser struct {
	problems  []Problem
	langs     []string // languages in the order their columns appear
	defLang   string
	origins   map[string]string // definition path → "survey row 7"
	sheetCols map[string]map[string]textColumns
}

// textColumns are the columns of one translatable field ("label", "hint"):
// the language-less column (index -1 when absent) and one per language.
type textColumns struct {
	plain  int
	byLang map[string]int
}

func (p *xlsParser) add(where, format string, args ...any) {
	p.problems = append(p.problems, Problem{Path: where, Message: fmt.Sprintf(format, args...)})
}

// ParseXLSForm reads an XLSForm workbook and returns the validated
// definition, or an *InvalidError whose problems name sheet, row and column.
func ParseXLSForm(data []byte, opts XLSFormOptions) (*Definition, error) {
	if len(data) > MaxDefinitionBytes*4 {
		return nil, &InvalidError{[]Problem{{Message: fmt.Sprintf("workbook is larger than %d bytes", MaxDefinitionBytes*4)}}}
	}
	if !IsXLSX(data) {
		return nil, &InvalidError{[]Problem{{Message: "not an .xlsx workbook (an XLSForm must be saved as Excel .xlsx; .xls and .ods are not read)"}}}
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, &InvalidError{[]Problem{{Message: "not a readable .xlsx workbook: " + err.Error()}}}
	}
	defer f.Close()
	p := &xlsParser{origins: map[string]string{}, sheetCols: map[string]map[string]textColumns{}}
	survey, err := readSheet(f, "survey")
	if err != nil {
		return nil, err
	}
	if survey == nil {
		return nil, &InvalidError{[]Problem{{Path: "survey", Message: fmt.Sprintf("the workbook has no sheet named survey (it has: %s)", strings.Join(f.GetSheetList(), ", "))}}}
	}
	choices, err := readSheet(f, "choices")
	if err != nil {
		return nil, err
	}
	settings, err := readSheet(f, "settings")
	if err != nil {
		return nil, err
	}

	for _, c := range []string{"type", "name"} {
		if _, ok := survey.col[c]; !ok {
			p.add("survey row 1", "column %q is missing", c)
		}
	}
	if choices != nil {
		if _, ok := choices.col["list_name"]; !ok {
			p.add("choices row 1", "column \"list_name\" is missing")
		}
		if _, ok := choices.col["name"]; !ok {
			p.add("choices row 1", "column \"name\" is missing")
		}
	}
	for _, s := range []*sheet{survey, choices, settings} {
		if s != nil {
			p.scanTextColumns(s)
		}
	}
	for _, c := range unsupportedColumns {
		if i, ok := survey.col[c]; ok {
			for ri, row := range survey.rows {
				if i < len(row) && strings.TrimSpace(row[i]) != "" {
					p.add(fmt.Sprintf("survey row %d, %s", rowNumber(ri), c), "%s is not supported: every question is shown to everyone", c)
				}
			}
		}
	}
	if len(p.problems) > 0 {
		return nil, &InvalidError{p.problems}
	}

	d := &Definition{Format: FormatV1, Status: model.StatusDraft, Access: model.AccessOpen}
	p.readSettings(d, settings)
	if opts.Slug != "" {
		d.Slug = opts.Slug
		p.origins["slug"] = "slug"
	}
	d.Languages = p.languageOrder()
	lists := p.readChoices(choices)
	p.readSurvey(d, survey, lists)
	if len(p.problems) > 0 {
		return nil, &InvalidError{p.problems}
	}
	if len(d.Title) == 0 && len(d.Sections) > 0 {
		p.add("settings", "form_title is required (add a settings sheet with a form_title column)")
		return nil, &InvalidError{p.problems}
	}
	d.Normalize()
	if ps := d.Validate(); len(ps) > 0 {
		return nil, &InvalidError{p.locate(ps)}
	}
	return d, nil
}

// readSheet finds a sheet by name, ignoring case; nil when absent.
func readSheet(f *excelize.File, want string) (*sheet, error) {
	for _, name := range f.GetSheetList() {
		if !strings.EqualFold(strings.TrimSpace(name), want) {
			continue
		}
		rows, err := f.GetRows(name)
		if err != nil {
			return nil, &InvalidError{[]Problem{{Path: want, Message: "cannot read the sheet: " + err.Error()}}}
		}
		s := &sheet{name: want, col: map[string]int{}}
		if len(rows) > 0 {
			for i, h := range rows[0] {
				h = strings.ToLower(strings.TrimSpace(h))
				if h == "list name" {
					h = "list_name" // both spellings are in the wild
				}
				s.raw = append(s.raw, strings.TrimSpace(rows[0][i]))
				s.header = append(s.header, h)
				if _, dup := s.col[h]; !dup && h != "" {
					s.col[h] = i
				}
			}
			s.rows = rows[1:]
		}
		return s, nil
	}
	return nil, nil
}

// scanTextColumns records the translatable columns of a sheet and the
// languages they use; a language this service does not speak is an error
// rather than text that would silently never be shown.
func (p *xlsParser) scanTextColumns(s *sheet) {
	cols := map[string]textColumns{}
	get := func(field string) textColumns {
		tc, ok := cols[field]
		if !ok {
			tc = textColumns{plain: -1, byLang: map[string]int{}}
		}
		return tc
	}
	for i, h := range s.header {
		field, langName := h, ""
		if m := langColumnRe.FindStringSubmatch(h); m != nil {
			field, langName = m[1], m[2]
		}
		switch field {
		case "label", "hint", "report", "form_title", "title", "intro", "thanks":
		default:
			continue
		}
		tc := get(field)
		if langName == "" {
			tc.plain = i
			cols[field] = tc
			continue
		}
		lang, ok := parseLanguage(langName)
		if !ok {
			p.add(fmt.Sprintf("%s row 1, column %s", s.name, excelColumn(i)), "unknown language %q in column %q: this service speaks zh and en (write label::English (en) or label::Chinese (zh))", lang, s.raw[i])
			continue
		}
		tc.byLang[lang] = i
		cols[field] = tc
		if !slices.Contains(p.langs, lang) {
			p.langs = append(p.langs, lang)
		}
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

// languageOrder puts the default language first; a sheet with no language
// columns at all is written in its default language (English unless the
// settings say otherwise).
func (p *xlsParser) languageOrder() []string {
	langs := slices.Clone(p.langs)
	if p.defLang != "" {
		langs = slices.DeleteFunc(langs, func(l string) bool { return l == p.defLang })
		langs = append([]string{p.defLang}, langs...)
	}
	if len(langs) == 0 {
		langs = []string{"en"}
	}
	return langs
}

// text reads a translatable field of a row. The language-less column counts
// for the default language.
func (p *xlsParser) text(s *sheet, row []string, field string) model.Text {
	tc, ok := p.sheetCols[s.name][field]
	if !ok {
		return nil
	}
	t := model.Text{}
	for l, i := range tc.byLang {
		if i < len(row) && strings.TrimSpace(row[i]) != "" {
			t[l] = strings.TrimSpace(row[i])
		}
	}
	if tc.plain >= 0 && tc.plain < len(row) && strings.TrimSpace(row[tc.plain]) != "" {
		l := p.defLang
		if l == "" {
			if len(p.langs) > 0 {
				l = p.langs[0]
			} else {
				l = "en"
			}
		}
		if _, has := t[l]; !has {
			t[l] = strings.TrimSpace(row[tc.plain])
		}
	}
	if len(t) == 0 {
		return nil
	}
	return t
}

func (p *xlsParser) readSettings(d *Definition, s *sheet) {
	if s == nil || len(s.rows) == 0 {
		return
	}
	row := s.rows[0]
	where := "settings row 2"
	if dl := s.cell(row, "default_language"); dl != "" {
		l, ok := parseLanguage(dl)
		if !ok {
			p.add(where+", default_language", "unknown language %q (want zh or en)", dl)
		} else {
			p.defLang = l
			if !slices.Contains(p.langs, l) {
				p.langs = append(p.langs, l)
			}
		}
	}
	slug := s.cell(row, "slug")
	if slug == "" {
		// ODK form ids are usually snake_case; links use dashes.
		slug = strings.ReplaceAll(strings.ToLower(s.cell(row, "form_id")), "_", "-")
	}
	d.Slug = slug
	d.Title = p.text(s, row, "form_title")
	if d.Title == nil {
		d.Title = p.text(s, row, "title")
	}
	d.Intro = p.text(s, row, "intro")
	d.Thanks = p.text(s, row, "thanks")
	p.origins["slug"] = where + ", form_id"
	p.origins["title"] = where + ", form_title"
	p.origins["intro"] = where + ", intro"
	p.origins["thanks"] = where + ", thanks"
	if a := strings.ToLower(s.cell(row, "access")); a != "" {
		d.Access = a
		p.origins["access"] = where + ", access"
	}
	if a := s.cell(row, "anonymous"); a != "" {
		v, ok := parseBool(a)
		if !ok {
			p.add(where+", anonymous", "must be yes or no, not %q", a)
		}
		d.Anonymous = v
	}
}

// choiceList is one list_name of the choices sheet.
type choiceList struct {
	options []Option
	rows    []int
}

func (p *xlsParser) readChoices(s *sheet) map[string]*choiceList {
	lists := map[string]*choiceList{}
	if s == nil {
		return lists
	}
	for i, row := range s.rows {
		list, name := s.cell(row, "list_name"), s.cell(row, "name")
		if list == "" && name == "" {
			continue
		}
		where := fmt.Sprintf("choices row %d", rowNumber(i))
		if list == "" {
			p.add(where+", list_name", "required")
			continue
		}
		if name == "" {
			p.add(where+", name", "required (the option value stored with each answer)")
			continue
		}
		cl := lists[list]
		if cl == nil {
			cl = &choiceList{}
			lists[list] = cl
		}
		cl.options = append(cl.options, Option{Value: name, Label: p.text(s, row, "label")})
		cl.rows = append(cl.rows, rowNumber(i))
	}
	return lists
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

func (p *xlsParser) readSurvey(d *Definition, s *sheet, lists map[string]*choiceList) {
	inGroup := false
	var current *Section // the open section; nil between groups
	for i, row := range s.rows {
		typ := strings.Join(strings.Fields(s.cell(row, "type")), " ")
		name := s.cell(row, "name")
		where := fmt.Sprintf("survey row %d", rowNumber(i))
		if typ == "" {
			if name != "" {
				p.add(where+", type", "required")
			}
			continue
		}
		kind, list, _ := strings.Cut(typ, " ")
		switch strings.ToLower(kind) {
		case "begin_group", "begin":
			if kind == "begin" && !strings.EqualFold(list, "group") {
				p.add(where+", type", "%q is not supported (repeats cannot be summarised)", typ)
				continue
			}
			if inGroup {
				p.add(where+", type", "groups inside groups are not supported: end the previous group first")
				continue
			}
			inGroup = true
			d.Sections = append(d.Sections, Section{Title: p.text(s, row, "label")})
			current = &d.Sections[len(d.Sections)-1]
			p.origins[fmt.Sprintf("sections[%d]", len(d.Sections)-1)] = where
			continue
		case "end_group", "end":
			if kind == "end" && !strings.EqualFold(list, "group") {
				p.add(where+", type", "%q is not supported", typ)
				continue
			}
			if !inGroup {
				p.add(where+", type", "end_group without begin_group")
			}
			inGroup, current = false, nil
			continue
		case "begin_repeat", "end_repeat":
			p.add(where+", type", "repeats are not supported (a response has one answer per question)")
			continue
		}
		if slices.Contains(ignoredTypes, strings.ToLower(kind)) {
			continue
		}
		q, ok := p.question(s, row, where, kind, list, lists)
		if !ok {
			continue
		}
		if current == nil {
			// Questions outside any group form an untitled section.
			d.Sections = append(d.Sections, Section{})
			current = &d.Sections[len(d.Sections)-1]
			p.origins[fmt.Sprintf("sections[%d]", len(d.Sections)-1)] = where
		}
		si := len(d.Sections) - 1
		qp := fmt.Sprintf("sections[%d].questions[%d]", si, len(current.Questions))
		p.origins[qp] = where
		if list != "" && lists[list] != nil && q.Type != model.TypeLikert {
			for oi, r := range lists[list].rows {
				p.origins[fmt.Sprintf("%s.options[%d]", qp, oi)] = fmt.Sprintf("choices row %d", r)
			}
		}
		current.Questions = append(current.Questions, q)
		if !inGroup {
			// Keep the implicit section open for following ungrouped rows.
			current = &d.Sections[si]
		}
	}
	if inGroup {
		p.add("survey", "begin_group without end_group")
	}
	if len(d.Sections) == 0 && len(p.problems) == 0 {
		p.add("survey", "no questions found")
	}
}

// question converts one survey row.
func (p *xlsParser) question(s *sheet, row []string, where, kind, list string, lists map[string]*choiceList) (QuestionDef, bool) {
	q := QuestionDef{Key: s.cell(row, "name"), Text: p.text(s, row, "label"), Help: p.text(s, row, "hint"), Report: p.text(s, row, "report")}
	req, ok := parseBool(s.cell(row, "required"))
	if !ok {
		p.add(where+", required", "must be yes or no, not %q", s.cell(row, "required"))
	}
	q.Required = req
	appearance := strings.ToLower(s.cell(row, "appearance"))
	constraint := s.cell(row, "constraint")
	switch strings.ToLower(kind) {
	case "select_one", "select_multiple":
		cl := lists[list]
		if list == "" {
			p.add(where+", type", "%s needs a list name, e.g. \"%s agree5\"", kind, kind)
			return q, false
		}
		if cl == nil {
			p.add(where+", type", "list %q is not in the choices sheet", list)
			return q, false
		}
		q.Type = model.TypeSingle
		if strings.ToLower(kind) == "select_multiple" {
			q.Type = model.TypeMulti
		}
		if q.Type == model.TypeSingle && strings.Contains(appearance, "likert") {
			return p.likert(q, where, list, cl)
		}
		q.Options = slices.Clone(cl.options)
	case "text":
		q.Type = model.TypeText
		if strings.Contains(appearance, "multiline") {
			q.Type = model.TypeLongText
		}
		if m := strLengthRe.FindStringSubmatch(constraint); m != nil {
			q.MaxLength, _ = strconv.Atoi(m[1])
		}
	case "integer", "range":
		lo, hi, ok := integerBounds(kind, constraint, s.cell(row, "parameters"))
		switch {
		case !ok:
			p.add(where+", constraint", "cannot read the bounds of %q", constraint+s.cell(row, "parameters"))
			return q, false
		case lo == 0 && hi == 10:
			q.Type = model.TypeNPS
		case (lo == 1 && hi == 5) || (lo == -1 && hi == -1):
			q.Type = model.TypeRating
		default:
			p.add(where+", type", "%s from %d to %d is not supported: use 1 to 5 (a rating) or 0 to 10 (recommend, NPS)", kind, lo, hi)
			return q, false
		}
	case model.TypeLikert, model.TypeRating, model.TypeNPS, model.TypeLongText:
		q.Type = strings.ToLower(kind) // this service's own types are accepted as written
	default:
		p.add(where+", type", "question type %q is not supported (use select_one, select_multiple, text, integer, range, begin_group, end_group)", kind)
		return q, false
	}
	return q, true
}

// integerBounds reads the answer range of an integer (from its constraint,
// ". >= 0 and . <= 10") or a range row (from its parameters, "start=0
// end=10"); -1,-1 means none was given.
func integerBounds(kind, constraint, parameters string) (lo, hi int, ok bool) {
	lo, hi = -1, -1
	if strings.EqualFold(kind, "range") {
		lo, hi = 1, 10 // ODK's defaults
		for _, m := range rangeParamRe.FindAllStringSubmatch(parameters, -1) {
			n, _ := strconv.Atoi(m[2])
			switch m[1] {
			case "start":
				lo = n
			case "end":
				hi = n
			}
		}
		return lo, hi, true
	}
	if strings.TrimSpace(constraint) == "" {
		return lo, hi, true
	}
	ms := bounds.FindAllStringSubmatch(constraint, -1)
	if len(ms) == 0 {
		return 0, 0, false
	}
	for _, m := range ms {
		n, _ := strconv.Atoi(m[2])
		switch m[1] {
		case ">=":
			lo = n
		case ">":
			lo = n + 1
		case "<=":
			hi = n
		case "<":
			hi = n - 1
		}
	}
	return lo, hi, lo >= 0 && hi >= 0
}

// naValues are the choice names that mean "not applicable" in a Likert list.
var naValues = []string{"na", "n_a", "n/a", "not_applicable", "99", "0"}

// likert turns select_one with appearance likert over a 5-point list into a
// Likert question: the 5 choices become values 5..1 in agreement order (the
// list may run either way), and their labels become the question's scale
// when they differ from the default labels. A sixth choice named na offers
// "not applicable".
func (p *xlsParser) likert(q QuestionDef, where, list string, cl *choiceList) (QuestionDef, bool) {
	q.Type = model.TypeLikert
	opts := cl.options
	if len(opts) == 6 {
		if i := slices.IndexFunc(opts, func(o Option) bool { return slices.Contains(naValues, strings.ToLower(o.Value)) }); i >= 0 {
			q.NA = true
			opts = slices.Delete(slices.Clone(opts), i, i+1)
		}
	}
	if len(opts) != 5 {
		p.add(where+", appearance", "likert needs a list of 5 choices; list %q has %d", list, len(cl.options))
		return q, false
	}
	ordered, ok := agreementOrder(opts)
	if !ok {
		p.add(where+", appearance", "cannot tell which end of list %q means agree: name its choices 1 to 5 (5 = strongly agree) or label them with agree/disagree (同意/不同意)", list)
		return q, false
	}
	custom := false
	for i, o := range ordered {
		for l, v := range o.Label {
			if LikertLabels[i][l] != v {
				custom = true
			}
		}
	}
	if custom {
		q.Scale = make([]model.Text, 5)
		for i, o := range ordered {
			q.Scale[i] = o.Label
		}
	}
	return q, true
}

// agreementOrder returns the options from most to least agreement.
func agreementOrder(opts []Option) ([]Option, bool) {
	byNumber := make([]Option, 5)
	numeric := true
	for _, o := range opts {
		n, err := strconv.Atoi(o.Value)
		if err != nil || n < 1 || n > 5 || byNumber[5-n].Value != "" {
			numeric = false
			break
		}
		byNumber[5-n] = o
	}
	if numeric {
		return byNumber, true
	}
	first, last := agreement(opts[0]), agreement(opts[4])
	switch {
	case first > 0 && last < 0:
		return slices.Clone(opts), true
	case first < 0 && last > 0:
		r := slices.Clone(opts)
		slices.Reverse(r)
		return r, true
	}
	return nil, false
}

// agreement is +1 for an option that means agreeing, -1 for disagreeing, 0
// when it cannot tell.
func agreement(o Option) int {
	words := strings.ToLower(o.Value + " " + o.Label["en"])
	zh := o.Label["zh"]
	switch {
	case strings.Contains(words, "disagree") || strings.Contains(zh, "不同意"):
		return -1
	case strings.Contains(words, "agree") || strings.Contains(zh, "同意"):
		return 1
	}
	return 0
}

var defPathRe = regexp.MustCompile(`sections\[\d+\](\.questions\[\d+\](\.options\[\d+\])?)?`)

// xlsColumnNames are the XLSForm columns of definition fields.
var xlsColumnNames = map[string]string{"text": "label", "help": "hint", "key": "name", "value": "name", "options": "choices", "title": "label"}

// locate rewrites the definition paths of validation problems into the
// sheet and row they come from: "sections[0].questions[2].text.zh" becomes
// "survey row 5, label::zh".
func (p *xlsParser) locate(ps []Problem) []Problem {
	out := make([]Problem, len(ps))
	for i, pr := range ps {
		out[i] = Problem{Path: p.origin(pr.Path), Message: defPathRe.ReplaceAllStringFunc(pr.Message, func(m string) string {
			if o, ok := p.origins[m]; ok {
				return o
			}
			return m
		})}
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
