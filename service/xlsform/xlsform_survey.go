package xlsform

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"seminareval/model"
	"seminareval/service/definition"
	"seminareval/templates"
)

// The survey sheet: what each row type and column becomes. docs/xlsform.md
// has the same tables for authors; keep them in step.

// metadataTypes are rows that record something about the device or the
// session rather than ask a question. They are not collected here.
var metadataTypes = []string{
	"start", "end", "today", "deviceid", "imei", "username", "simserial", "subscriberid", "phonenumber", "email",
	"audit", "start-geopoint", "background-audio", "background-geopoint",
	"uri:deviceid", "uri:username", "uri:email", "uri:phonenumber", "uri:simserial", "uri:subscriberid",
}

// refusedTypes are XLSForm question types this service cannot ask, with
// what they are, for the message (problem.xls.kind.<what> in the
// catalogue). range is asked when its parameters fit (see question).
var refusedTypes = map[string]string{
	"range": "slider", "time": "time", "datetime": "datetime",
	"acknowledge": "acknowledge",
	"trigger":     "acknowledge", "geopoint": "geopoint", "geotrace": "geotrace",
	"geoshape": "geoshape", "image": "photo", "photo": "photo", "audio": "audio",
	"video": "video", "file": "file", "barcode": "barcode",
	"phone number": "phone_number", "rank": "rank",
	"osm": "osm", "select_one_from_file": "from_file",
	"select_multiple_from_file": "from_file",
	"select_one_external":       "external", "include": "include",
	"begin repeat": "repeat",
	"begin loop":   "loop",
}

// ownTypes are this service's own question types, accepted as written.
var ownTypes = []string{model.TypeLikert, model.TypeRating, model.TypeNPS, model.TypeLongText}

// surveyColumn says what becomes of a survey column that is not read as
// part of a question: refused when a row fills it (the feature:
// problem.xls.unsupported_column.<column> in the catalogue), or ignored with
// a warning (why: problem.xls.reason.<ignored>); perColumn warns once for
// the column, not per row.
type surveyColumn struct {
	refused   bool
	ignored   string
	perColumn bool
}

var surveyColumns = map[string]surveyColumn{
	"choice_filter":       {refused: true},
	"repeat_count":        {refused: true},
	"trigger":             {refused: true},
	"calculation":         {refused: true},
	"guidance_hint":       {ignored: "guidance_hint"},
	"default":             {ignored: "default"},
	"required_message":    {ignored: "required_message"},
	"image":               {ignored: "media", perColumn: true},
	"big-image":           {ignored: "media", perColumn: true},
	"audio":               {ignored: "media", perColumn: true},
	"video":               {ignored: "media", perColumn: true},
	"autoplay":            {ignored: "media", perColumn: true},
	"rows":                {ignored: "rows", perColumn: true},
	"no_app_error_string": {ignored: "external_app", perColumn: true},
	"buttontext":          {ignored: "external_app", perColumn: true},
	"intent":              {ignored: "external_app", perColumn: true},
	"save_to":             {ignored: "save_to", perColumn: true},
}

// questionColumns are read while converting a question row.
var questionColumns = []string{"type", "name", "label", "hint", "report", "required", "appearance", "constraint", "constraint_message", "parameters", "read_only", "relevant"}

var (
	rangeParamRe = regexp.MustCompile(`^(start|end|step)\s*=\s*(-?\d+)$`)
	// limitRe is one bound of a number or date: ". >= 0", ". <= 2.5",
	// "18 <= .", ". >= date('2018-01-10')", ". < '2018-02-01'".
	limitRe     = regexp.MustCompile(`^(?:\.\s*(>=|<=|>|<)\s*(` + limitValue + `)|(` + limitValue + `)\s*(>=|<=|>|<)\s*\.)$`)
	strLengthRe = regexp.MustCompile(`^string-length\(\s*\.\s*\)\s*(<=|<)\s*(\d+)$`)
	andRe       = regexp.MustCompile(`(?i)\s+and\s+`)
	pipeRe      = regexp.MustCompile(`\$\{[^}]*\}`)
)

const limitValue = `-?\d+(?:\.\d+)?|date\(\s*'\d{4}-\d{2}-\d{2}'\s*\)|'\d{4}-\d{2}-\d{2}'`

// rowType is a parsed type cell: "select_one agree5 or_other".
type rowType struct {
	kind    string // lower case: select_one, text, begin group, ...
	list    string
	orOther bool
}

func parseRowType(cell string) rowType {
	t := strings.Join(strings.Fields(cell), " ")
	lower := strings.ToLower(t)
	var rt rowType
	for _, suffix := range []string{" or_other", " or specify other"} {
		if strings.HasSuffix(lower, suffix) {
			rt.orOther = true
			t, lower = t[:len(t)-len(suffix)], lower[:len(lower)-len(suffix)]
		}
	}
	prefixes := []struct{ prefix, kind string }{
		{"select one from file ", "select_one_from_file"}, {"select multiple from file ", "select_multiple_from_file"},
		{"select_one_from_file ", "select_one_from_file"}, {"select_multiple_from_file ", "select_multiple_from_file"},
		{"select_one_external ", "select_one_external"},
		{"add select one prompt using ", "select_one"}, {"add select multiple prompt using ", "select_multiple"},
		{"select all that apply from ", "select_multiple"}, {"select all that apply ", "select_multiple"},
		{"select one from ", "select_one"}, {"select one ", "select_one"}, {"select1 ", "select_one"},
		{"select_one ", "select_one"}, {"select_multiple ", "select_multiple"}, {"select multiple ", "select_multiple"},
		{"rank ", "rank"}, {"osm ", "osm"}, {"include ", "include"}, {"begin loop over ", "begin loop"}, {"begin_loop over ", "begin loop"},
	}
	for _, pr := range prefixes {
		if strings.HasPrefix(lower, pr.prefix) {
			rt.kind, rt.list = pr.kind, strings.TrimSpace(t[len(pr.prefix):])
			return rt
		}
	}
	switch lower {
	case "begin group", "begin_group", "begin lgroup":
		lower = "begin group"
	case "end group", "end_group", "end lgroup":
		lower = "end group"
	case "begin repeat", "begin_repeat", "begin looped group":
		lower = "begin repeat"
	case "end repeat", "end_repeat", "end looped group":
		lower = "end repeat"
	case "end loop", "end_loop":
		lower = "end loop"
	case "select_one", "select_multiple", "select one", "select all that apply":
		rt.kind = strings.ReplaceAll(strings.ReplaceAll(lower, "select all that apply", "select_multiple"), " ", "_")
		return rt // a select without its list
	case "add image prompt", "add photo prompt":
		lower = "image"
	case "add audio prompt":
		lower = "audio"
	case "add video prompt":
		lower = "video"
	case "add file prompt":
		lower = "file"
	}
	rt.kind = lower
	return rt
}

// block is an open group, repeat or loop of the survey.
type block struct {
	kind string // begin group, begin repeat, begin loop
	row  int
}

// surveyReader carries the state of one pass over the survey sheet.
type surveyReader struct {
	*xlsParser
	s        *sheet
	d        *definition.Definition
	lists    map[string]*choiceList
	open     []block
	current  int // index of the section receiving questions; -1 for none
	metadata []templates.Msg
	// perColumn collects the rows of each column warned about once.
	perColumn map[int][]int
	// pipedChoices are the choices rows already refused for quoting an answer.
	pipedChoices map[int]bool
	questions    int
	// likertLevels are, per Likert question, its choice names and the
	// levels (5 = strongly agree … 1) they became.
	likertLevels map[string]map[string]int
}

func (p *xlsParser) readSurvey(d *definition.Definition, s *sheet, lists map[string]*choiceList) {
	r := &surveyReader{xlsParser: p, s: s, d: d, lists: lists, current: -1, perColumn: map[int][]int{}, pipedChoices: map[int]bool{},
		likertLevels: map[string]map[string]int{}}
	for i, row := range s.rows {
		r.row(i, row)
	}
	r.likertConditions()
	for _, b := range r.open {
		what := strings.TrimPrefix(b.kind, "begin ")
		p.refuse("unclosed_group", fmt.Sprintf("survey row %d, type", b.row), what, what)
	}
	for _, ci := range sortedKeys(r.perColumn) {
		rule := columnRule(s.header[ci])
		p.warn("ignored_column", fmt.Sprintf("survey column %s", excelColumn(ci)), s.raw[ci], rowList(r.perColumn[ci]), xlsMsg("reason."+rule.ignored))
	}
	if len(r.metadata) > 0 {
		p.warn("ignored_metadata", "survey", listOf(r.metadata))
	}
	if r.questions == 0 && len(p.problems) == 0 {
		p.refuse("no_questions", "survey")
	}
}

// columnRule is the rule of a survey column by its normalised name.
func columnRule(h string) surveyColumn {
	field, _, _ := strings.Cut(h, "::")
	if rule, ok := surveyColumns[field]; ok {
		return rule
	}
	for _, prefix := range []string{"bind::", "instance::", "body::", "control::"} {
		if strings.HasPrefix(h, prefix) {
			return surveyColumn{ignored: "xform_attribute", perColumn: true}
		}
	}
	return surveyColumn{ignored: "unknown_column", perColumn: true}
}

func (r *surveyReader) row(i int, row []string) {
	where := rowPath("survey", i)
	typeCell := r.s.cell(row, "type")
	if typeCell == "" {
		if slices.ContainsFunc(row, func(c string) bool { return strings.TrimSpace(c) != "" }) {
			r.refuse("required.type", where+", type")
		}
		return
	}
	rt := parseRowType(typeCell)
	switch {
	case rt.kind == "begin group" || rt.kind == "begin repeat" || rt.kind == "begin loop":
		r.begin(i, row, rt)
		return
	case rt.kind == "end group" || rt.kind == "end repeat" || rt.kind == "end loop":
		r.end(i, rt)
		return
	case slices.Contains(metadataTypes, rt.kind):
		r.metadata = append(r.metadata, xlsMsg("metadata_row", rt.kind, rowNumber(i)))
		return
	case rt.kind == "calculate":
		r.warn("ignored_calculate", where+", type", r.s.cell(row, "name"))
		return
	case rt.kind == "hidden":
		r.warn("ignored_hidden", where+", type", r.s.cell(row, "name"))
		return
	case rt.kind == "xml-external" || rt.kind == "csv-external":
		r.warn("ignored_external", where+", type", rt.kind, r.s.cell(row, "name"))
		return
	}
	q, ok := r.question(i, row, rt)
	r.columns(i, row, ok, false)
	if !ok {
		return
	}
	r.questions++
	if r.current < 0 {
		// Questions outside any group form an untitled section.
		r.d.Sections = append(r.d.Sections, definition.Section{})
		r.current = len(r.d.Sections) - 1
		r.origins[fmt.Sprintf("sections[%d]", r.current)] = where
	}
	sec := &r.d.Sections[r.current]
	qp := fmt.Sprintf("sections[%d].questions[%d]", r.current, len(sec.Questions))
	r.origins[qp] = where
	if cl := r.lists[rt.list]; cl != nil && q.Type != model.TypeLikert {
		for oi, cr := range cl.rows {
			r.origins[fmt.Sprintf("%s.options[%d]", qp, oi)] = fmt.Sprintf("choices row %d", cr)
		}
	}
	sec.Questions = append(sec.Questions, q)
}

// begin opens a group (a section) or refuses a repeat or loop; the rows
// inside are still read, so that all their problems come in one pass.
func (r *surveyReader) begin(i int, row []string, rt rowType) {
	where := rowPath("survey", i)
	r.open = append(r.open, block{kind: rt.kind, row: rowNumber(i)})
	defer r.columns(i, row, rt.kind == "begin group", rt.kind == "begin repeat") // after the type's problem
	switch {
	case rt.kind != "begin group":
		r.refuse("unsupported_type", where+", type", rt.kind, xlsMsg("kind."+refusedTypes[rt.kind]))
		return
	case len(r.open) > 1:
		outer := r.open[len(r.open)-2]
		r.refuse("nested_group", where+", type", xlsMsg("block."+strings.TrimPrefix(outer.kind, "begin ")), outer.row)
		return
	}
	title := r.text(r.s, row, "label")
	r.checkPiping(where, "label", title)
	r.d.Sections = append(r.d.Sections, definition.Section{Title: title, Relevant: strings.TrimSpace(r.s.cell(row, "relevant"))})
	r.current = len(r.d.Sections) - 1
	r.origins[fmt.Sprintf("sections[%d]", r.current)] = where
	if ap := strings.Fields(strings.ToLower(r.s.cell(row, "appearance"))); len(ap) > 0 {
		// A section's questions are shown together anyway: field-list is what happens.
		if rest := slices.DeleteFunc(ap, func(a string) bool { return a == "field-list" }); len(rest) > 0 {
			r.warn("ignored_appearance.group", where+", appearance", strings.Join(rest, " "))
		}
	}
	if h := r.s.cell(row, "hint"); h != "" {
		r.warn("ignored_hint", where+", hint")
	}
}

func (r *surveyReader) end(i int, rt rowType) {
	want := "begin " + strings.TrimPrefix(rt.kind, "end ")
	if len(r.open) == 0 || r.open[len(r.open)-1].kind != want {
		r.refuse("unbalanced_group", rowPath("survey", i)+", type", rt.kind, want)
		return
	}
	r.open = r.open[:len(r.open)-1]
	if len(r.open) == 0 {
		r.current = -1 // ungrouped rows that follow form a new untitled section
	}
}

// columns checks the columns a conversion does not read: refused ones are
// problems for every row; warnings only matter for a row that is imported.
func (r *surveyReader) columns(i int, row []string, imported, isRepeat bool) {
	where := rowPath("survey", i)
	for ci, h := range r.s.header {
		v := cellAt(row, ci)
		if v == "" || h == "" || slices.Contains(questionColumns, h) || strings.HasPrefix(h, "label::") || strings.HasPrefix(h, "hint::") || strings.HasPrefix(h, "report::") {
			continue
		}
		field, _, _ := strings.Cut(h, "::")
		if field == "constraint_message" || field == "required_message" || (field == "repeat_count" && isRepeat) {
			continue // read with the question; a repeat is refused for itself
		}
		rule := columnRule(h)
		switch {
		case rule.refused:
			r.refuse("unsupported_column."+field, where+", "+field)
		case !imported:
		case rule.perColumn:
			r.perColumn[ci] = append(r.perColumn[ci], rowNumber(i))
		case field == "default":
			r.warn("ignored_default", where+", default", v)
		default:
			r.warn("ignored_column.row", where+", "+h, h, xlsMsg("reason."+rule.ignored))
		}
	}
}

// question converts one survey row; false when its type is refused (the
// problem is recorded).
func (r *surveyReader) question(i int, row []string, rt rowType) (definition.QuestionDef, bool) {
	s, where := r.s, rowPath("survey", i)
	q := definition.QuestionDef{Key: s.cell(row, "name"), Text: r.text(s, row, "label"), Help: r.text(s, row, "hint"), Report: r.text(s, row, "report")}
	refuseType := func(key string, args ...any) (definition.QuestionDef, bool) {
		r.refuse(key, where+", type", args...)
		return q, false
	}
	if what, known := refusedTypes[rt.kind]; known && rt.kind != "range" {
		if rt.list != "" {
			return refuseType("unsupported_type.list", rt.kind, rt.list, xlsMsg("kind."+what))
		}
		return refuseType("unsupported_type", rt.kind, xlsMsg("kind."+what))
	}
	if rt.orOther && rt.kind != "select_one" && rt.kind != "select_multiple" {
		r.refuse("unsupported_or_other", where+", type", rt.kind)
		return q, false
	}
	q.Relevant = strings.TrimSpace(s.cell(row, "relevant")) // checked with the definition: path …relevant
	ok := true
	if v := s.cell(row, "read_only"); v != "" && !isFalse(v) {
		r.refuse("unsupported_column.read_only", where+", read_only")
		ok = false
	}
	req, valid := parseBool(s.cell(row, "required"))
	if !valid {
		r.refuse("unsupported_required", where+", required", s.cell(row, "required"))
		ok = false
	}
	q.Required = req
	appearance := strings.Fields(strings.ToLower(s.cell(row, "appearance")))
	constraint := s.cell(row, "constraint")
	constraintOK := constraint == ""
	switch rt.kind {
	case "select_one", "select_multiple":
		cl := r.lists[rt.list]
		if rt.list == "" {
			r.refuse("list_required", where+", type", rt.kind, rt.kind)
			return q, false
		}
		if cl == nil {
			r.refuse("unknown_list", where+", type", rt.list)
			return q, false
		}
		for _, cr := range cl.piped {
			if !r.pipedChoices[cr] {
				r.pipedChoices[cr] = true
				r.refuse("unsupported_piping", fmt.Sprintf("choices row %d, label", cr), "label", listOf(pipeRe.FindAllString(strings.Join(labelsOf(cl, cr), " "), -1)))
			}
		}
		q.Type = model.TypeSingle
		if rt.kind == "select_multiple" {
			q.Type = model.TypeMulti
		}
		if q.Type == model.TypeSingle && slices.Contains(appearance, "likert") {
			var lok bool
			q, lok = r.likert(q, where, rt.list, cl)
			ok = ok && lok
			if rt.orOther {
				r.refuse("unsupported_or_other.likert", where+", type")
				ok = false
			}
		} else {
			q.Options = slices.Clone(cl.options)
			q.Other = rt.orOther // "Other (please specify)", its text <name>_other as in XLSForm
			if i := slices.IndexFunc(cl.options, func(o definition.Option) bool { return o.Value == definition.OtherValue }); q.Other && i >= 0 {
				r.refuse("other_conflict", where+", type", rt.list, cl.rows[i])
				q.Other, ok = false, false
			}
		}
	case "text":
		q.Type = model.TypeText
		if slices.Contains(appearance, "multiline") {
			q.Type = model.TypeLongText
		}
		if n, understood := maxLength(constraint); understood {
			q.MaxLength, constraintOK = n, true
		}
	case "integer":
		// Limited to exactly 1..5 it is a rating, to 0..10 an NPS, as the
		// console would build them; any other integer is a number.
		q.Min, q.Max, constraintOK = limitsOf(rt.kind, constraint)
		if lo, hi := q.Min.String(), q.Max.String(); constraintOK && (lo == "1" && hi == "5" || lo == "0" && hi == "10") {
			q.Type, q.Min, q.Max = map[bool]string{true: model.TypeRating, false: model.TypeNPS}[lo == "1"], nil, nil
			break
		}
		q.Type = model.TypeNumber
	case "decimal":
		q.Type, q.Decimals = model.TypeNumber, definition.MaxDecimals // XLSForm puts no limit on decimals
		q.Min, q.Max, constraintOK = limitsOf(rt.kind, constraint)
	case "date":
		q.Type = model.TypeDate
		q.Min, q.Max, constraintOK = limitsOf(rt.kind, constraint)
	case "note":
		q.Type = model.TypeNote
		if q.Required {
			r.warn("ignored_required", where+", required")
			q.Required = false
		}
	case "range":
		lo, hi, understood := rangeBounds(constraint, s.cell(row, "parameters"))
		constraintOK = true
		switch {
		case understood && lo == 1 && hi == 5:
			q.Type = model.TypeRating
		case understood && lo == 0 && hi == 10:
			q.Type = model.TypeNPS
		case understood:
			q.Type, q.Min, q.Max = model.TypeNumber, definition.NewLimit(float64(min(lo, hi))), definition.NewLimit(float64(max(lo, hi)))
			r.warn("range_as_number", where+", type", lo, hi, min(lo, hi), max(lo, hi))
		default:
			return refuseType("unsupported_type.range", s.cell(row, "parameters"))
		}
	default:
		if slices.Contains(ownTypes, rt.kind) {
			q.Type = rt.kind
			break
		}
		return refuseType("unsupported_type.unknown", s.cell(row, "type"))
	}
	if !constraintOK {
		r.refuse("unsupported_constraint", where+", constraint", constraint, constraintKind(constraint))
		ok = false
	}
	if msg := s.cell(row, "constraint_message"); msg != "" || r.hasTranslated(row, "constraint_message") {
		switch {
		case constraint == "":
			r.warn("ignored_constraint_message.no_constraint", where+", constraint_message")
		case constraintOK:
			r.warn("ignored_constraint_message", where+", constraint_message", constraintWords(q))
		}
	}
	if r.s.cell(row, "required_message") != "" || r.hasTranslated(row, "required_message") {
		r.warn("ignored_required_message", where+", required_message")
	}
	if v := s.cell(row, "parameters"); v != "" && rt.kind != "range" {
		r.warn("ignored_parameters", where+", parameters", v)
	}
	ok = r.appearance(where, rt.kind, appearance) && ok
	ok = r.checkPiping(where, "label", q.Text) && ok
	ok = r.checkPiping(where, "hint", q.Help) && ok
	return q, ok
}

func labelsOf(cl *choiceList, row int) []string {
	i := slices.Index(cl.rows, row)
	if i < 0 {
		return nil
	}
	var out []string
	for _, v := range cl.options[i].Label {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// hasTranslated reports whether any field::language column of the row is filled.
func (r *surveyReader) hasTranslated(row []string, field string) bool {
	for ci, h := range r.s.header {
		if strings.HasPrefix(h, field+"::") && cellAt(row, ci) != "" {
			return true
		}
	}
	return false
}

// checkPiping refuses text that quotes an earlier answer (${name}): shown
// here literally, it would not be the question its author wrote.
func (r *surveyReader) checkPiping(where, column string, t model.Text) bool {
	for _, l := range sortedLangs(t) {
		if refs := pipeRe.FindAllString(t[l], -1); len(refs) > 0 {
			r.refuse("unsupported_piping", where+", "+column, column, listOf(refs))
			return false
		}
	}
	return true
}

func sortedLangs(t model.Text) []string {
	ls := make([]string, 0, len(t))
	for l := range t {
		ls = append(ls, l)
	}
	slices.Sort(ls)
	return ls
}

// appearance accepts the appearances that choose a question type here
// (likert, multiline), refuses those that change what is asked and warns
// about the rest, which only change ODK's layout.
func (r *surveyReader) appearance(where, kind string, tokens []string) bool {
	var ignored []string
	for _, a := range tokens {
		switch {
		case a == "likert" && kind == "select_one", a == "multiline" && kind == "text":
		case strings.HasPrefix(a, "ex:"):
			r.refuse("unsupported_appearance.app", where+", appearance", a)
			return false
		case a == "label" && strings.HasPrefix(kind, "select"):
			r.refuse("unsupported_appearance.label", where+", appearance")
			return false
		case (a == "month-year" || a == "year") && kind == "date":
			r.refuse("unsupported_appearance.no_day", where+", appearance", a)
			return false
		case strings.HasPrefix(a, "search(") || a == "search":
			r.refuse("unsupported_appearance.search", where+", appearance")
			return false
		default:
			ignored = append(ignored, a)
		}
	}
	if len(ignored) > 0 {
		r.warn("ignored_appearance", where+", appearance", strings.Join(ignored, " "))
	}
	return true
}

// rangeBounds reads the answer range of a range row from its parameters
// ("start=0 end=10 step=1"); understood is false for anything else, a step
// other than 1, or a constraint besides.
func rangeBounds(constraint, parameters string) (lo, hi int, understood bool) {
	lo, hi, step := 1, 10, 1 // ODK's defaults
	for _, part := range strings.Fields(strings.ReplaceAll(parameters, ";", " ")) {
		m := rangeParamRe.FindStringSubmatch(strings.ToLower(part))
		if m == nil {
			return 0, 0, false
		}
		n, _ := strconv.Atoi(m[2])
		switch m[1] {
		case "start":
			lo = n
		case "end":
			hi = n
		case "step":
			step = n
		}
	}
	return lo, hi, step == 1 && constraint == ""
}

// limitsOf reads the bounds of an integer, decimal or date from its
// constraint (". >= 0 and . <= 50", ". >= date('2018-01-10')"); ok is
// false for any other constraint. For whole numbers and dates a strict
// bound moves to the next value (". > 0" is a minimum of 1); a decimal's
// strict bound cannot be said as a minimum or maximum and is not understood.
func limitsOf(kind, constraint string) (lo, hi *definition.Limit, ok bool) {
	if strings.TrimSpace(constraint) == "" {
		return nil, nil, true
	}
	for _, part := range andRe.Split(strings.TrimSpace(constraint), -1) {
		m := limitRe.FindStringSubmatch(strings.TrimSpace(part))
		if m == nil {
			return nil, nil, false
		}
		op, v := m[1], m[2]
		if op == "" {
			op, v = definition.FlipComparison(m[4]), m[3] // "18 <= ." reads as ". >= 18"
		}
		limit, good := boundOf(kind, op, v)
		if !good {
			return nil, nil, false
		}
		if op == ">" || op == ">=" {
			lo = limit
		} else {
			hi = limit
		}
	}
	return lo, hi, true
}

// boundOf is one bound as a Limit of the question's kind, inclusive.
func boundOf(kind, op, v string) (*definition.Limit, bool) {
	strict := op == ">" || op == "<"
	step := 1
	if op == "<" {
		step = -1
	}
	if kind == "date" {
		v = strings.Trim(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(v), "date("), ")"), " '")
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return nil, false
		}
		if strict {
			d = d.AddDate(0, 0, step)
		}
		return definition.NewDateLimit(d.Format(time.DateOnly)), true
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return nil, false
	}
	if kind == "integer" {
		switch op {
		case ">=":
			n = math.Ceil(n)
		case ">":
			n = math.Floor(n) + 1
		case "<=":
			n = math.Floor(n)
		case "<":
			n = math.Ceil(n) - 1
		}
	} else if strict {
		return nil, false
	}
	return definition.NewLimit(n), true
}

// maxLength reads "string-length(.) <= 500"; understood is false for any
// other constraint.
func maxLength(constraint string) (int, bool) {
	m := strLengthRe.FindStringSubmatch(strings.TrimSpace(constraint))
	if m == nil {
		return 0, false
	}
	n, _ := strconv.Atoi(m[2])
	if m[1] == "<" {
		n--
	}
	return n, n >= 1
}

// constraintKind names what a refused constraint does, for the message.
func constraintKind(c string) templates.Msg {
	switch {
	case strings.Contains(c, "${"):
		return xlsMsg("constraint.reference")
	case strings.Contains(c, "regex("):
		return xlsMsg("constraint.regex")
	case strings.Contains(c, "count-selected("):
		return xlsMsg("constraint.count")
	case strings.Contains(c, "string-length("):
		return xlsMsg("constraint.length")
	case strings.Contains(c, "selected("):
		return xlsMsg("constraint.selected")
	}
	return xlsMsg("constraint.other")
}

// constraintWords is the rule a participant is told when breaking an
// enforced constraint.
func constraintWords(q definition.QuestionDef) templates.Msg {
	switch q.Type {
	case model.TypeText, model.TypeLongText:
		return xlsMsg("told.max_length", q.MaxLength)
	case model.TypeRating:
		return xlsMsg("told.rating")
	case model.TypeNPS:
		return xlsMsg("told.nps")
	case model.TypeNumber, model.TypeDate:
		of := "told.number_"
		if q.Type == model.TypeDate {
			of = "told.date_"
		}
		lo, hi := q.Min.String(), q.Max.String()
		switch {
		case lo != "" && hi != "":
			return xlsMsg(of+"range", lo, hi)
		case lo != "":
			return xlsMsg(of+"min", lo)
		case hi != "":
			return xlsMsg(of+"max", hi)
		}
	}
	return xlsMsg("told.invalid")
}

// naValues are the choice names that mean "not applicable" in a Likert list.
var naValues = []string{"na", "n_a", "n/a", "not_applicable", "99", "0"}

// likert turns select_one with appearance likert over a 5-point list into a
// Likert question: the 5 choices become values 5..1 in agreement order (the
// list may run either way), and their labels become the question's scale
// when they differ from the default labels. A sixth choice named na offers
// "not applicable".
func (r *surveyReader) likert(q definition.QuestionDef, where, list string, cl *choiceList) (definition.QuestionDef, bool) {
	q.Type = model.TypeLikert
	opts := cl.options
	if len(opts) == 6 {
		if i := slices.IndexFunc(opts, func(o definition.Option) bool { return slices.Contains(naValues, strings.ToLower(o.Value)) }); i >= 0 {
			q.NA = true
			opts = slices.Delete(slices.Clone(opts), i, i+1)
		}
	}
	if len(opts) != 5 {
		r.refuse("likert_size", where+", appearance", list, len(cl.options))
		return q, false
	}
	ordered, ok := agreementOrder(opts)
	if !ok {
		r.refuse("likert_direction", where+", appearance", list)
		return q, false
	}
	levels := map[string]int{}
	for i, o := range ordered {
		levels[o.Value] = 5 - i
	}
	r.likertLevels[q.Key] = levels
	custom := false
	for i, o := range ordered {
		for l, v := range o.Label {
			if definition.LikertLabels[i][l] != v {
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

// likertConditions rewrites conditions that name a Likert question's
// choices ("${knowledge_improved} != 'sd'", "selected(${k}, 'sa')") into its
// levels ("${knowledge_improved} != 1"), which is what the answers are
// here, and says so. A condition that does not parse is left for the
// definition's check to report.
func (r *surveyReader) likertConditions() {
	if len(r.likertLevels) == 0 {
		return
	}
	rewrite := func(src, path string) string {
		e, err := definition.ParseRelevant(src)
		if err != nil || !r.likertLevel(e) {
			return src
		}
		out := e.String()
		r.warn("likert_condition", r.origin(path)+", relevant", out)
		return out
	}
	for si := range r.d.Sections {
		sec := &r.d.Sections[si]
		if sec.Relevant != "" {
			sec.Relevant = rewrite(sec.Relevant, fmt.Sprintf("sections[%d]", si))
		}
		for qi := range sec.Questions {
			if q := &sec.Questions[qi]; q.Relevant != "" {
				q.Relevant = rewrite(q.Relevant, fmt.Sprintf("sections[%d].questions[%d]", si, qi))
			}
		}
	}
}

// likertLevel replaces choice names of Likert questions in e by their
// levels; it reports whether it changed anything.
func (r *surveyReader) likertLevel(e *definition.Expr) bool {
	changed := false
	for _, a := range e.Args {
		changed = r.likertLevel(a) || changed
	}
	switch {
	case e.Op == definition.OpSelected && e.Args[0].Op == definition.OpRef:
		if level, ok := r.likertLevels[e.Args[0].Key][e.Str]; ok {
			e.Op, e.Str = "=", ""
			e.Args = []*definition.Expr{e.Args[0], {Op: definition.OpNum, Num: float64(level)}}
			return true
		}
	case definition.IsComparison(e.Op):
		for _, j := range [][2]int{{0, 1}, {1, 0}} {
			ref, lit := e.Args[j[0]], e.Args[j[1]]
			if ref.Op != definition.OpRef || lit.Op != definition.OpStr {
				continue
			}
			if level, ok := r.likertLevels[ref.Key][lit.Str]; ok {
				e.Args[j[1]] = &definition.Expr{Op: definition.OpNum, Num: float64(level)}
				changed = true
			}
		}
	}
	return changed
}

// agreementOrder returns the options from most to least agreement.
func agreementOrder(opts []definition.Option) ([]definition.Option, bool) {
	byNumber := make([]definition.Option, 5)
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
		rev := slices.Clone(opts)
		slices.Reverse(rev)
		return rev, true
	}
	return nil, false
}

// agreement is +1 for an option that means agreeing, -1 for disagreeing, 0
// when it cannot tell.
func agreement(o definition.Option) int {
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
