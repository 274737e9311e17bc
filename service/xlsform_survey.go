package service

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"seminareval/model"
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
// what they are, for the message. planned ones are on the way (skip logic
// and the question types real questionnaires use).
var refusedTypes = map[string]string{
	"integer": "a number question", "decimal": "a number question", "range": "a number on a slider",
	"date": "a date question", "time": "a time of day", "datetime": "a date and time",
	"note": "a note: text with nothing to answer", "acknowledge": "an acknowledgement, a single OK",
	"trigger": "an acknowledgement, a single OK", "geopoint": "a location", "geotrace": "a line on a map",
	"geoshape": "an area on a map", "image": "a photo", "photo": "a photo", "audio": "a sound recording",
	"video": "a video", "file": "a file upload", "barcode": "a barcode scan",
	"phone number": "a phone number of digits only", "rank": "a ranking of choices",
	"osm": "an OpenStreetMap feature", "select_one_from_file": "choices read from a file",
	"select_multiple_from_file": "choices read from a file",
	"select_one_external":       "choices from the external_choices sheet", "include": "rows of another form",
	"begin repeat": "a repeat: a response has one answer per question here",
	"begin loop":   "a loop over choices: a response has one answer per question here",
}

var plannedTypes = []string{"integer", "decimal", "range", "date", "note"}

// ownTypes are this service's own question types, accepted as written.
var ownTypes = []string{model.TypeLikert, model.TypeRating, model.TypeNPS, model.TypeLongText}

// surveyColumn says what becomes of a survey column that is not read as
// part of a question: refused when a row fills it (the feature), or ignored
// with a warning (why); perColumn warns once for the column, not per row.
type surveyColumn struct {
	refused, ignored string
	perColumn        bool
}

const mediaIgnored = "pictures, sounds and videos are not shown with questions"

var surveyColumns = map[string]surveyColumn{
	"relevant":            {refused: "relevant (skip logic: a question shown only after some answers) is not supported yet"},
	"choice_filter":       {refused: "choice_filter (choices that depend on an earlier answer) is not supported"},
	"repeat_count":        {refused: "repeat_count (repeats) is not supported"},
	"trigger":             {refused: "trigger (a value recalculated when another answer changes) is not supported"},
	"calculation":         {refused: "calculation on a question (an answer computed by the form) is not supported"},
	"guidance_hint":       {ignored: "guidance hints are not shown"},
	"default":             {ignored: "defaults are not filled in: the question starts empty"},
	"required_message":    {ignored: "the participant sees this service's own message for a required question"},
	"image":               {ignored: mediaIgnored, perColumn: true},
	"big-image":           {ignored: mediaIgnored, perColumn: true},
	"audio":               {ignored: mediaIgnored, perColumn: true},
	"video":               {ignored: mediaIgnored, perColumn: true},
	"autoplay":            {ignored: mediaIgnored, perColumn: true},
	"rows":                {ignored: "a text box has the participant page's own height", perColumn: true},
	"no_app_error_string": {ignored: "external apps are not launched", perColumn: true},
	"buttontext":          {ignored: "external apps are not launched", perColumn: true},
	"intent":              {ignored: "external apps are not launched", perColumn: true},
	"save_to":             {ignored: "responses do not update ODK Central entities", perColumn: true},
}

// questionColumns are read while converting a question row.
var questionColumns = []string{"type", "name", "label", "hint", "report", "required", "appearance", "constraint", "constraint_message", "parameters", "read_only"}

var (
	rangeParamRe = regexp.MustCompile(`^(start|end|step)\s*=\s*(-?\d+)$`)
	boundRe      = regexp.MustCompile(`^\.\s*(>=|<=|>|<)\s*(-?\d+)$|^(-?\d+)\s*(>=|<=|>|<)\s*\.$`)
	strLengthRe  = regexp.MustCompile(`^string-length\(\s*\.\s*\)\s*(<=|<)\s*(\d+)$`)
	andRe        = regexp.MustCompile(`(?i)\s+and\s+`)
	pipeRe       = regexp.MustCompile(`\$\{[^}]*\}`)
)

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
	d        *Definition
	lists    map[string]*choiceList
	open     []block
	current  int // index of the section receiving questions; -1 for none
	metadata []string
	// perColumn collects the rows of each column warned about once.
	perColumn map[int][]int
	// pipedChoices are the choices rows already refused for quoting an answer.
	pipedChoices map[int]bool
	questions    int
}

func (p *xlsParser) readSurvey(d *Definition, s *sheet, lists map[string]*choiceList) {
	r := &surveyReader{xlsParser: p, s: s, d: d, lists: lists, current: -1, perColumn: map[int][]int{}, pipedChoices: map[int]bool{}}
	for i, row := range s.rows {
		r.row(i, row)
	}
	for _, b := range r.open {
		what := strings.TrimPrefix(b.kind, "begin ")
		p.refuse("unclosed_group", fmt.Sprintf("survey row %d, type", b.row), "begin %s without end %s", what, what)
	}
	for _, ci := range sortedKeys(r.perColumn) {
		rule := columnRule(s.header[ci])
		p.warn("ignored_column", fmt.Sprintf("survey column %s", excelColumn(ci)), "column %q is not read (%s): %s", s.raw[ci], rowList(r.perColumn[ci]), rule.ignored)
	}
	if len(r.metadata) > 0 {
		p.warn("ignored_metadata", "survey", "metadata rows are not collected: %s (this service records when each response is submitted)", strings.Join(r.metadata, ", "))
	}
	if r.questions == 0 && len(p.problems) == 0 {
		p.refuse("no_questions", "survey", "no questions found: the survey has no row this service can ask")
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
			return surveyColumn{ignored: "custom XForm attributes are not used (no XForm is written)", perColumn: true}
		}
	}
	return surveyColumn{ignored: "it is not an XLSForm column this service knows", perColumn: true}
}

func (r *surveyReader) row(i int, row []string) {
	where := rowPath("survey", i)
	typeCell := r.s.cell(row, "type")
	if typeCell == "" {
		if slices.ContainsFunc(row, func(c string) bool { return strings.TrimSpace(c) != "" }) {
			r.refuse("required", where+", type", "required: the row has content but no type")
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
		r.metadata = append(r.metadata, fmt.Sprintf("%s (row %d)", rt.kind, rowNumber(i)))
		return
	case rt.kind == "calculate":
		r.warn("ignored_calculate", where+", type", "calculate %q is not computed: calculations are not supported", r.s.cell(row, "name"))
		return
	case rt.kind == "hidden":
		r.warn("ignored_hidden", where+", type", "hidden %q is not kept: it is not shown and nothing here computes it", r.s.cell(row, "name"))
		return
	case rt.kind == "xml-external" || rt.kind == "csv-external":
		r.warn("ignored_external", where+", type", "%s %q is not attached: it serves calculations, which are not computed", rt.kind, r.s.cell(row, "name"))
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
		r.d.Sections = append(r.d.Sections, Section{})
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
		r.refuse("unsupported_type", where+", type", "type %s (%s) is not supported", rt.kind, refusedTypes[rt.kind])
		return
	case len(r.open) > 1:
		outer := r.open[len(r.open)-2]
		r.refuse("nested_group", where+", type", "a group inside the %s of row %d is not supported: sections cannot be nested (end the outer group first)", strings.TrimPrefix(outer.kind, "begin "), outer.row)
		return
	}
	title := r.text(r.s, row, "label")
	r.checkPiping(where, "label", title)
	r.d.Sections = append(r.d.Sections, Section{Title: title})
	r.current = len(r.d.Sections) - 1
	r.origins[fmt.Sprintf("sections[%d]", r.current)] = where
	if ap := strings.Fields(strings.ToLower(r.s.cell(row, "appearance"))); len(ap) > 0 {
		// A section's questions are shown together anyway: field-list is what happens.
		if rest := slices.DeleteFunc(ap, func(a string) bool { return a == "field-list" }); len(rest) > 0 {
			r.warn("ignored_appearance", where+", appearance", "appearance %q of a group is ignored: a section is shown as one list of questions", strings.Join(rest, " "))
		}
	}
	if h := r.s.cell(row, "hint"); h != "" {
		r.warn("ignored_hint", where+", hint", "a group's hint is not shown: sections have a title only")
	}
}

func (r *surveyReader) end(i int, rt rowType) {
	want := "begin " + strings.TrimPrefix(rt.kind, "end ")
	if len(r.open) == 0 || r.open[len(r.open)-1].kind != want {
		r.refuse("unbalanced_group", rowPath("survey", i)+", type", "%s without %s", rt.kind, want)
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
		case rule.refused != "":
			r.refuse("unsupported_column", where+", "+field, "%s", rule.refused)
		case !imported:
		case rule.perColumn:
			r.perColumn[ci] = append(r.perColumn[ci], rowNumber(i))
		case field == "default":
			r.warn("ignored_default", where+", default", "default %q is not filled in: the question starts empty", v)
		default:
			r.warn("ignored_column", where+", "+h, "%s is ignored: %s", h, rule.ignored)
		}
	}
}

// question converts one survey row; false when its type is refused (the
// problem is recorded).
func (r *surveyReader) question(i int, row []string, rt rowType) (QuestionDef, bool) {
	s, where := r.s, rowPath("survey", i)
	q := QuestionDef{Key: s.cell(row, "name"), Text: r.text(s, row, "label"), Help: r.text(s, row, "hint"), Report: r.text(s, row, "report")}
	refuseType := func(format string, args ...any) (QuestionDef, bool) {
		r.refuse("unsupported_type", where+", type", format, args...)
		return q, false
	}
	if desc, known := refusedTypes[rt.kind]; known && rt.kind != "integer" && rt.kind != "range" {
		yet := ""
		if slices.Contains(plannedTypes, rt.kind) {
			yet = " yet"
		}
		if rt.list != "" {
			return refuseType("type %s %s (%s) is not supported%s", rt.kind, rt.list, desc, yet)
		}
		return refuseType("type %s (%s) is not supported%s", rt.kind, desc, yet)
	}
	if rt.orOther {
		r.refuse("unsupported_or_other", where+", type", "or_other (an \"Other, please specify\" choice with its text box) is not supported yet")
		return q, false
	}
	ok := true
	if v := s.cell(row, "read_only"); v != "" && !isFalse(v) {
		r.refuse("unsupported_column", where+", read_only", "read_only (a question nobody can answer) is not supported")
		ok = false
	}
	req, valid := parseBool(s.cell(row, "required"))
	if !valid {
		r.refuse("unsupported_required", where+", required", "must be yes or no, not %q (a condition that makes a question required only sometimes is not supported)", s.cell(row, "required"))
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
			r.refuse("list_required", where+", type", "%s needs a list name, e.g. \"%s agree5\"", rt.kind, rt.kind)
			return q, false
		}
		if cl == nil {
			r.refuse("unknown_list", where+", type", "list %q is not in the choices sheet", rt.list)
			return q, false
		}
		for _, cr := range cl.piped {
			if !r.pipedChoices[cr] {
				r.pipedChoices[cr] = true
				r.refuse("unsupported_piping", fmt.Sprintf("choices row %d, label", cr), "the label quotes an answer (%s): text that changes with earlier answers is not supported", strings.Join(pipeRe.FindAllString(strings.Join(labelsOf(cl, cr), " "), -1), ", "))
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
		} else {
			q.Options = slices.Clone(cl.options)
		}
	case "text":
		q.Type = model.TypeText
		if slices.Contains(appearance, "multiline") {
			q.Type = model.TypeLongText
		}
		if n, understood := maxLength(constraint); understood {
			q.MaxLength, constraintOK = n, true
		}
	case "integer", "range":
		lo, hi, understood := r.numberBounds(rt.kind, constraint, s.cell(row, "parameters"))
		constraintOK = true
		what := rt.kind
		if rt.kind == "integer" && understood && constraint != "" {
			what = fmt.Sprintf("integer from %d to %d", lo, hi)
		} else if rt.kind == "range" && understood {
			what = fmt.Sprintf("range from %d to %d", lo, hi)
		}
		switch {
		case understood && lo == 1 && hi == 5:
			q.Type = model.TypeRating
		case understood && lo == 0 && hi == 10:
			q.Type = model.TypeNPS
		default:
			return refuseType("type %s (%s) is not supported yet; one limited to 1..5 (%s) becomes a rating, to 0..10 an NPS", what, refusedTypes[rt.kind], boundsExample(rt.kind))
		}
	default:
		if slices.Contains(ownTypes, rt.kind) {
			q.Type = rt.kind
			break
		}
		return refuseType("question type %q is not an XLSForm type this service knows (use select_one, select_multiple, text, begin_group, end_group)", s.cell(row, "type"))
	}
	if !constraintOK {
		r.refuse("unsupported_constraint", where+", constraint", "constraint %q %s is not supported: only a text's maximum length (string-length(.) <= 500) and the bounds of a rating (1 to 5) or NPS (0 to 10) can be enforced", constraint, constraintKind(constraint))
		ok = false
	}
	if msg := s.cell(row, "constraint_message"); msg != "" || r.hasTranslated(row, "constraint_message") {
		switch {
		case constraint == "":
			r.warn("ignored_constraint_message", where+", constraint_message", "constraint_message without a constraint is ignored")
		case constraintOK:
			r.warn("ignored_constraint_message", where+", constraint_message", "constraint_message is not shown: the participant sees this service's own message (\"%s\")", constraintWords(q))
		}
	}
	if r.s.cell(row, "required_message") != "" || r.hasTranslated(row, "required_message") {
		r.warn("ignored_required_message", where+", required_message", "required_message is not shown: the participant sees this service's own message for a required question")
	}
	if v := s.cell(row, "parameters"); v != "" && rt.kind != "range" {
		r.warn("ignored_parameters", where+", parameters", "parameters %q are ignored", v)
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
			r.refuse("unsupported_piping", where+", "+column, "the %s quotes an answer (%s): text that changes with earlier answers is not supported", column, strings.Join(refs, ", "))
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
			r.refuse("unsupported_appearance", where+", appearance", "appearance %s (an answer from another app) is not supported", a)
			return false
		case a == "label" && strings.HasPrefix(kind, "select"):
			r.refuse("unsupported_appearance", where+", appearance", "appearance label (a header row of choices with nothing to answer) is not supported")
			return false
		case strings.HasPrefix(a, "search(") || a == "search":
			r.refuse("unsupported_appearance", where+", appearance", "appearance search() (choices read from a file) is not supported")
			return false
		default:
			ignored = append(ignored, a)
		}
	}
	if len(ignored) > 0 {
		r.warn("ignored_appearance", where+", appearance", "appearance %q is ignored: it only changes how ODK lays the question out", strings.Join(ignored, " "))
	}
	return true
}

// numberBounds reads the answer range of an integer (from its constraint,
// ". >= 0 and . <= 10") or a range row (from its parameters, "start=0
// end=10 step=1"). understood is false when the constraint says anything
// else, or there is none.
func (r *surveyReader) numberBounds(kind, constraint, parameters string) (lo, hi int, understood bool) {
	if kind == "range" {
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
	if constraint == "" {
		return 0, 0, false
	}
	lo, hi = -1<<31, 1<<31
	for _, part := range andRe.Split(strings.TrimSpace(constraint), -1) {
		m := boundRe.FindStringSubmatch(strings.TrimSpace(part))
		if m == nil {
			return 0, 0, false
		}
		op, n := m[1], m[2]
		if op == "" {
			// "1 <= ." reads as ". >= 1"
			op, n = map[string]string{"<=": ">=", "<": ">", ">=": "<=", ">": "<"}[m[4]], m[3]
		}
		v, _ := strconv.Atoi(n)
		switch op {
		case ">=":
			lo = max(lo, v)
		case ">":
			lo = max(lo, v+1)
		case "<=":
			hi = min(hi, v)
		case "<":
			hi = min(hi, v-1)
		}
	}
	return lo, hi, lo > -1<<31 && hi < 1<<31
}

func boundsExample(kind string) string {
	if kind == "range" {
		return "parameters start=1 end=5"
	}
	return `constraint ". >= 1 and . <= 5"`
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
func constraintKind(c string) string {
	switch {
	case strings.Contains(c, "${"):
		return "(a condition on another answer)"
	case strings.Contains(c, "regex("):
		return "(a pattern the answer must match)"
	case strings.Contains(c, "count-selected("):
		return "(a limit on the number of choices)"
	case strings.Contains(c, "string-length("):
		return "(a length other than a maximum)"
	case strings.Contains(c, "selected("):
		return "(a rule on which choices go together)"
	}
	return "(a rule on the answer)"
}

// constraintWords is the rule a participant is told when breaking an
// enforced constraint.
func constraintWords(q QuestionDef) string {
	switch q.Type {
	case model.TypeText, model.TypeLongText:
		return fmt.Sprintf("at most %d characters", q.MaxLength)
	case model.TypeRating:
		return "a whole number from 1 to 5"
	case model.TypeNPS:
		return "a whole number from 0 to 10"
	}
	return "the answer is not valid"
}

// naValues are the choice names that mean "not applicable" in a Likert list.
var naValues = []string{"na", "n_a", "n/a", "not_applicable", "99", "0"}

// likert turns select_one with appearance likert over a 5-point list into a
// Likert question: the 5 choices become values 5..1 in agreement order (the
// list may run either way), and their labels become the question's scale
// when they differ from the default labels. A sixth choice named na offers
// "not applicable".
func (r *surveyReader) likert(q QuestionDef, where, list string, cl *choiceList) (QuestionDef, bool) {
	q.Type = model.TypeLikert
	opts := cl.options
	if len(opts) == 6 {
		if i := slices.IndexFunc(opts, func(o Option) bool { return slices.Contains(naValues, strings.ToLower(o.Value)) }); i >= 0 {
			q.NA = true
			opts = slices.Delete(slices.Clone(opts), i, i+1)
		}
	}
	if len(opts) != 5 {
		r.refuse("likert_size", where+", appearance", "likert needs a list of 5 choices; list %q has %d", list, len(cl.options))
		return q, false
	}
	ordered, ok := agreementOrder(opts)
	if !ok {
		r.refuse("likert_direction", where+", appearance", "cannot tell which end of list %q means agree: name its choices 1 to 5 (5 = strongly agree) or label them with agree/disagree (同意/不同意)", list)
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
		rev := slices.Clone(opts)
		slices.Reverse(rev)
		return rev, true
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
