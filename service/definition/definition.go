// Package definition is the questionnaire definition format
// (docs/definition-format.md): parsing YAML and JSON, validation with every
// problem named by path and code, conditions (relevant: parsing, checking
// against earlier questions, the words that say them in both languages),
// limits, and the canonical export.
package definition

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"seminareval/model"
	"seminareval/templates"
)

// FormatV1 is the only definition format version so far.
const FormatV1 = "seminareval/v1"

// Default and maximum lengths of a text answer, in characters.
const (
	DefaultMaxLength = 2000
	MaxMaxLength     = 20000
)

// Definition is the questionnaire interchange document (docs/definition-format.md;
// README, "Questionnaire definitions"). It is read from YAML or JSON, written back as
// JSON, and is what the database keeps as the questionnaire's source.
type Definition struct {
	Format string     `json:"format" yaml:"format"`
	Slug   string     `json:"slug" yaml:"slug"`
	Title  model.Text `json:"title" yaml:"title"`
	Intro  model.Text `json:"intro,omitempty" yaml:"intro,omitempty"`
	Thanks model.Text `json:"thanks,omitempty" yaml:"thanks,omitempty"`
	// Privacy replaces the default privacy notice of the participant page
	// (service/privacy.go); paragraphs separated by a blank line.
	Privacy   model.Text  `json:"privacy,omitempty" yaml:"privacy,omitempty"`
	Languages []string    `json:"languages" yaml:"languages"`
	Status    string      `json:"status" yaml:"status"`
	Access    string      `json:"access" yaml:"access"`
	Anonymous bool        `json:"anonymous" yaml:"anonymous"`
	OpensAt   *time.Time  `json:"opens_at,omitempty" yaml:"opens_at,omitempty"`
	ClosesAt  *time.Time  `json:"closes_at,omitempty" yaml:"closes_at,omitempty"`
	Seminar   *SeminarDef `json:"seminar,omitempty" yaml:"seminar,omitempty"`
	// Kind, PairsWith, MasteryPercent and ShowScore make a knowledge test
	// (test.go); an evaluation leaves them out.
	Kind           string    `json:"kind,omitempty" yaml:"kind,omitempty"`
	PairsWith      string    `json:"pairs_with,omitempty" yaml:"pairs_with,omitempty"`
	MasteryPercent int       `json:"mastery_percent,omitempty" yaml:"mastery_percent,omitempty"`
	ShowScore      bool      `json:"show_score,omitempty" yaml:"show_score,omitempty"`
	Sections       []Section `json:"sections" yaml:"sections"`

	logic *Logic // parsed conditions (compile); nil for a definition built in code
}

// SeminarDef is the optional seminar block of a definition.
type SeminarDef struct {
	Slug     string     `json:"slug" yaml:"slug"`
	Title    model.Text `json:"title,omitempty" yaml:"title,omitempty"`
	StartsOn string     `json:"starts_on,omitempty" yaml:"starts_on,omitempty"`
	EndsOn   string     `json:"ends_on,omitempty" yaml:"ends_on,omitempty"`
	Location model.Text `json:"location,omitempty" yaml:"location,omitempty"`
	Timezone string     `json:"timezone,omitempty" yaml:"timezone,omitempty"`
}

// Section groups questions under an optional title.
type Section struct {
	Title     model.Text    `json:"title,omitempty" yaml:"title,omitempty"`
	Relevant  string        `json:"relevant,omitempty" yaml:"relevant,omitempty"`
	Questions []QuestionDef `json:"questions" yaml:"questions"`
}

// QuestionDef is one question of a definition.
type QuestionDef struct {
	Key       string       `json:"key" yaml:"key"`
	Type      string       `json:"type" yaml:"type"`
	Text      model.Text   `json:"text" yaml:"text"`
	Help      model.Text   `json:"help,omitempty" yaml:"help,omitempty"`
	Report    model.Text   `json:"report,omitempty" yaml:"report,omitempty"`
	Required  bool         `json:"required" yaml:"required"`
	NA        bool         `json:"na,omitempty" yaml:"na,omitempty"`
	Options   []Option     `json:"options,omitempty" yaml:"options,omitempty"`
	Scale     []model.Text `json:"scale,omitempty" yaml:"scale,omitempty"`
	MaxLength int          `json:"max_length,omitempty" yaml:"max_length,omitempty"`
	Relevant  string       `json:"relevant,omitempty" yaml:"relevant,omitempty"` // skip logic (relevant.go)
	Min       *Limit       `json:"min,omitempty" yaml:"min,omitempty"`           // number: a number; date: YYYY-MM-DD
	Max       *Limit       `json:"max,omitempty" yaml:"max,omitempty"`
	Decimals  int          `json:"decimals,omitempty" yaml:"decimals,omitempty"` // number: decimal places allowed
	Other     bool         `json:"other,omitempty" yaml:"other,omitempty"`       // single, multi: "Other (please specify)"
	// Correct is the answer key of a test's question (test.go): the right
	// option of a single, the exact set of a multi. Points defaults to 1.
	Correct []string `json:"correct,omitempty" yaml:"correct,omitempty"`
	Points  int      `json:"points,omitempty" yaml:"points,omitempty"`
}

// OtherValue is the option value of "Other (please specify)"; its text is
// answered under the key "<key>_other" (OtherKey).
const OtherValue = "other"

// OtherLabel labels the added "Other" choice.
var OtherLabel = model.Text{"en": "Other (please specify)", "zh": "其他（请注明）"}

// MaxOtherLength bounds the text of an "Other" answer, in characters.
const MaxOtherLength = 500

// MaxDecimals bounds a number question's decimals.
const MaxDecimals = 6

// OtherKey is the answer key of the text of q's "Other" choice.
func (q QuestionDef) OtherKey() string { return q.Key + "_other" }

// AllOptions returns q's options with the added "Other" last.
func (q QuestionDef) AllOptions() []Option {
	if !q.Other {
		return q.Options
	}
	return append(slices.Clip(q.Options), Option{Value: OtherValue, Label: OtherLabel})
}

// Answerable reports whether q takes an answer (a note does not).
func (q QuestionDef) Answerable() bool { return q.Type != model.TypeNote }

// Option is one choice of a single or multi question.
type Option struct {
	Value string     `json:"value" yaml:"value"`
	Label model.Text `json:"label" yaml:"label"`
}

// InvalidError carries every problem found, so a user can fix them in one go.
type InvalidError struct {
	Problems []model.Problem
}

func (e *InvalidError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return "invalid definition: " + strings.Join(parts, "; ")
}

// AsInvalid returns the problems of err when it is an *InvalidError.
func AsInvalid(err error) ([]model.Problem, bool) {
	var ie *InvalidError
	if errors.As(err, &ie) {
		return ie.Problems, true
	}
	return nil, false
}

// LikertLabels are the default labels of the 5-point agreement scale, from
// value 5 (strongly agree) down to 1.
var LikertLabels = []model.Text{
	{"en": "Strongly agree", "zh": "非常同意"},
	{"en": "Agree", "zh": "同意"},
	{"en": "Neutral", "zh": "一般"},
	{"en": "Disagree", "zh": "不同意"},
	{"en": "Strongly disagree", "zh": "非常不同意"},
}

// NALabel labels the "not applicable" choice of a Likert question.
var NALabel = model.Text{"en": "Not applicable", "zh": "不适用"}

// SupportedLanguages are the languages a questionnaire may be written in.
var SupportedLanguages = []string{"zh", "en"}

var (
	slugRe      = regexp.MustCompile(`^[a-z0-9-]{3,64}$`)
	keyRe       = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)
	optionRe    = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
	dateRe      = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`) // IsDate
	yamlLineRe  = regexp.MustCompile(`line (\d+): field (\S+) not found in type \S+`)
	validTypes  = []string{model.TypeLikert, model.TypeSingle, model.TypeMulti, model.TypeRating, model.TypeNPS, model.TypeText, model.TypeLongText, model.TypeNumber, model.TypeDate, model.TypeNote}
	validStatus = []string{model.StatusDraft, model.StatusOpen, model.StatusClosed}
)

// MaxDefinitionBytes bounds a definition document.
const MaxDefinitionBytes = 1 << 20

// ParseDefinition reads a definition from YAML or JSON (JSON is detected by
// its leading brace), fills defaults and validates it. Unknown fields are
// errors: a misspelt "requried" must not silently make a question optional.
func ParseDefinition(data []byte) (*Definition, error) {
	if len(data) > MaxDefinitionBytes {
		return nil, oneProblem("", "too_large", MaxDefinitionBytes)
	}
	var d Definition
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if len(trimmed) == 0 {
		return nil, oneProblem("", "empty")
	}
	if trimmed[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&d); err != nil {
			return nil, &InvalidError{jsonProblems(err)}
		}
		if dec.More() {
			return nil, oneProblem("", "bad_json.trailing")
		}
	} else {
		dec := yaml.NewDecoder(bytes.NewReader(trimmed))
		dec.KnownFields(true)
		if err := dec.Decode(&d); err != nil {
			return nil, &InvalidError{yamlProblems(err)}
		}
	}
	d.Normalize()
	if problems := d.Validate(); len(problems) > 0 {
		return nil, &InvalidError{problems}
	}
	d.compile()
	return &d, nil
}

// oneProblem is a document refused as a whole.
func oneProblem(path, key string, args ...any) *InvalidError {
	var ps problems
	ps.add(path, key, args...)
	return &InvalidError{ps}
}

func yamlProblems(err error) []model.Problem {
	var ps problems
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		ps.add("", "not_yaml_or_json", strings.TrimPrefix(err.Error(), "yaml: "))
		return ps
	}
	for _, e := range te.Errors {
		if m := yamlLineRe.FindStringSubmatch(e); m != nil {
			ps.add("line "+m[1], "unknown_field", m[2])
			continue
		}
		ps.add("", "wrong_type.yaml", strings.TrimPrefix(e, "yaml: "))
	}
	return ps
}

// jsonProblems is the problem of a JSON document encoding/json refused.
func jsonProblems(err error) []model.Problem {
	var ps problems
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		ps.add(te.Field, "wrong_type", te.Type.String(), te.Value)
	case errors.As(err, &se):
		ps.add("", "bad_json", se.Offset, se.Error())
	default:
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			ps.add("", "unknown_field", f)
		} else {
			ps.add("", "bad_json.other", strings.TrimPrefix(err.Error(), "json: "))
		}
	}
	return ps
}

// Normalize fills defaults so that a parsed definition and its exported JSON
// are the same document.
func (d *Definition) Normalize() {
	if d.Format == "" {
		d.Format = FormatV1
	}
	if len(d.Languages) == 0 {
		d.Languages = []string{"zh", "en"}
	}
	if d.Status == "" {
		d.Status = model.StatusDraft
	}
	if d.Access == "" {
		d.Access = model.AccessOpen
	}
	if d.OpensAt != nil {
		t := d.OpensAt.UTC()
		d.OpensAt = &t
	}
	if d.ClosesAt != nil {
		t := d.ClosesAt.UTC()
		d.ClosesAt = &t
	}
	if d.Seminar != nil && d.Seminar.Timezone == "" {
		d.Seminar.Timezone = model.DefaultTimezone
	}
	for si := range d.Sections {
		d.Sections[si].Relevant = strings.TrimSpace(d.Sections[si].Relevant)
		for qi := range d.Sections[si].Questions {
			q := &d.Sections[si].Questions[qi]
			q.Relevant = strings.TrimSpace(q.Relevant)
			if (q.Type == model.TypeText || q.Type == model.TypeLongText) && q.MaxLength == 0 {
				q.MaxLength = DefaultMaxLength
			}
		}
	}
}

// problems collects what is wrong with a definition.
type problems []model.Problem

// add records a problem of path: key is its code, or code.variant when one
// code has several messages; the message is the catalogue's
// "problem.<key>".
func (ps *problems) add(path, key string, args ...any) {
	code, _, _ := strings.Cut(key, ".")
	ps.addKey(path, code, "problem."+key, args...)
}

func (ps *problems) addKey(path, code, key string, args ...any) {
	p := templates.Problem(code, key, args...)
	p.Path = path
	*ps = append(*ps, p)
}

// Validate returns every problem of the definition, each naming its path.
func (d *Definition) Validate() []model.Problem {
	var ps problems
	add := ps.add
	if d.Format != FormatV1 {
		add("format", "bad_format", FormatV1)
	}
	if !slugRe.MatchString(d.Slug) {
		add("slug", "bad_slug")
	}
	seen := map[string]bool{}
	for i, l := range d.Languages {
		if !slices.Contains(SupportedLanguages, l) {
			add(fmt.Sprintf("languages[%d]", i), "bad_language", l)
		}
		if seen[l] {
			add(fmt.Sprintf("languages[%d]", i), "duplicate_language", l)
		}
		seen[l] = true
	}
	requireText := func(path string, t model.Text) {
		for _, l := range d.Languages {
			if strings.TrimSpace(t[l]) == "" {
				add(path+"."+l, "required")
			}
		}
		for l := range t {
			if !slices.Contains(d.Languages, l) {
				add(path+"."+l, "language_not_listed", l)
			}
		}
	}
	optionalText := func(path string, t model.Text) {
		if len(t) > 0 {
			requireText(path, t)
		}
	}
	requireText("title", d.Title)
	optionalText("intro", d.Intro)
	optionalText("thanks", d.Thanks)
	optionalText("privacy", d.Privacy)
	if !slices.Contains(validStatus, d.Status) {
		add("status", "bad_status")
	}
	if d.Access != model.AccessOpen && d.Access != model.AccessRoster {
		add("access", "bad_access")
	}
	if d.OpensAt != nil && d.ClosesAt != nil && !d.ClosesAt.After(*d.OpensAt) {
		add("closes_at", "bad_schedule")
	}
	if s := d.Seminar; s != nil {
		if !slugRe.MatchString(s.Slug) {
			add("seminar.slug", "bad_slug")
		}
		optionalText("seminar.title", s.Title)
		optionalText("seminar.location", s.Location)
		for _, f := range []struct{ path, v string }{{"seminar.starts_on", s.StartsOn}, {"seminar.ends_on", s.EndsOn}} {
			if f.v == "" {
				continue
			}
			if _, err := time.Parse(time.DateOnly, f.v); err != nil || !IsDate(f.v) {
				add(f.path, "bad_date")
			}
		}
		if s.StartsOn != "" && s.EndsOn != "" && s.EndsOn < s.StartsOn {
			add("seminar.ends_on", "bad_date.ends_before_start")
		}
		if _, err := time.LoadLocation(s.Timezone); err != nil || s.Timezone == "" {
			add("seminar.timezone", "bad_timezone", s.Timezone)
		}
	}
	if len(d.Sections) == 0 {
		add("sections", "no_sections")
	}
	keys := map[string]string{}
	for si, sec := range d.Sections {
		sp := fmt.Sprintf("sections[%d]", si)
		optionalText(sp+".title", sec.Title)
		if len(sec.Questions) == 0 {
			add(sp+".questions", "no_questions")
		}
		for qi, q := range sec.Questions {
			qp := fmt.Sprintf("%s.questions[%d]", sp, qi)
			if !keyRe.MatchString(q.Key) {
				add(qp+".key", "bad_key")
			} else if prev, dup := keys[q.Key]; dup {
				add(qp+".key", "duplicate_key", q.Key, prev)
			} else {
				keys[q.Key] = qp
			}
			if !slices.Contains(validTypes, q.Type) {
				add(qp+".type", "bad_type", strings.Join(validTypes, ", "))
				continue
			}
			requireText(qp+".text", q.Text)
			optionalText(qp+".help", q.Help)
			optionalText(qp+".report", q.Report)
			choice := q.Type == model.TypeSingle || q.Type == model.TypeMulti
			switch {
			case choice && len(q.AllOptions()) < 2:
				add(qp+".options", "too_few_options", q.Type)
			case !choice && len(q.Options) > 0:
				add(qp+".options", "options_not_allowed")
			}
			values := map[string]bool{}
			for oi, o := range q.Options {
				op := fmt.Sprintf("%s.options[%d]", qp, oi)
				if !optionRe.MatchString(o.Value) {
					add(op+".value", "bad_option_value")
				} else if values[o.Value] {
					add(op+".value", "duplicate_option", o.Value)
				}
				values[o.Value] = true
				requireText(op+".label", o.Label)
			}
			if q.NA && q.Type != model.TypeLikert {
				add(qp+".na", "na_not_allowed")
			}
			if len(q.Scale) > 0 {
				if q.Type != model.TypeLikert {
					add(qp+".scale", "scale_not_allowed")
				} else if len(q.Scale) != 5 {
					add(qp+".scale", "bad_scale")
				} else {
					for li, l := range q.Scale {
						requireText(fmt.Sprintf("%s.scale[%d]", qp, li), l)
					}
				}
			}
			if len(q.Report) > 0 && q.Type != model.TypeLikert {
				add(qp+".report", "report_not_allowed")
			}
			isText := q.Type == model.TypeText || q.Type == model.TypeLongText
			switch {
			case !isText && q.MaxLength != 0:
				add(qp+".max_length", "max_length_not_allowed")
			case isText && (q.MaxLength < 1 || q.MaxLength > MaxMaxLength):
				add(qp+".max_length", "bad_max_length", MaxMaxLength)
			}
			validateTypes(qp, q, add)
		}
	}
	for si, sec := range d.Sections {
		for qi, q := range sec.Questions {
			if prev, dup := keys[q.OtherKey()]; q.Other && dup {
				add(fmt.Sprintf("sections[%d].questions[%d].other", si, qi), "duplicate_key.other", q.OtherKey(), prev)
			}
		}
	}
	d.validateLogic(&ps)
	d.validateTest(&ps)
	return ps
}

// Questions returns the questions in page order.
func (d *Definition) Questions() []QuestionDef {
	var qs []QuestionDef
	for _, s := range d.Sections {
		qs = append(qs, s.Questions...)
	}
	return qs
}

// Question returns the question with key, if any.
func (d *Definition) Question(key string) (QuestionDef, bool) {
	for _, s := range d.Sections {
		for _, q := range s.Questions {
			if q.Key == key {
				return q, true
			}
		}
	}
	return QuestionDef{}, false
}

// ScaleLabels returns the labels of a Likert question from 5 down to 1.
func (q QuestionDef) ScaleLabels() []model.Text {
	if len(q.Scale) == 5 {
		return q.Scale
	}
	return LikertLabels
}

// Levels returns the numeric values a likert, rating or nps question
// accepts, in display order (likert 5..1, rating 1..5, nps 0..10).
func (q QuestionDef) Levels() []int {
	switch q.Type {
	case model.TypeLikert:
		return []int{5, 4, 3, 2, 1}
	case model.TypeRating:
		return []int{1, 2, 3, 4, 5}
	case model.TypeNPS:
		return []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	}
	return nil
}

// Lang picks the language to show: the wanted one when the questionnaire has
// it, else the questionnaire's first language.
func (d *Definition) Lang(want string) string {
	if slices.Contains(d.Languages, want) {
		return want
	}
	if len(d.Languages) > 0 {
		return d.Languages[0]
	}
	return "zh"
}

// JSON returns the canonical JSON of the definition.
func (d *Definition) JSON() []byte {
	b, err := json.Marshal(d)
	if err != nil {
		panic(err) // only plain data: cannot fail
	}
	return b
}

// StructureKey summarises everything but wording: two definitions with the
// same StructureKey accept the same answers, so a questionnaire with
// responses may change from one to the other.
func (d *Definition) StructureKey() string {
	var b strings.Builder
	for si, s := range d.Sections {
		fmt.Fprintf(&b, "s%d|%s;", si, s.Relevant)
		for _, q := range s.Questions {
			fmt.Fprintf(&b, "%d|%s|%s|%t|%t|%d|%d|%s|%s|%s|%d|%t;", si, q.Key, q.Type, q.Required, q.NA, len(q.Scale), q.MaxLength,
				q.Relevant, q.Min.String(), q.Max.String(), q.Decimals, q.Other)
			for _, o := range q.Options {
				b.WriteString(o.Value + ",")
			}
		}
	}
	fmt.Fprintf(&b, "langs=%s;anon=%t;access=%s;kind=%s;pairs=%s", strings.Join(d.Languages, ","), d.Anonymous, d.Access, d.KindOf(), d.PairsWith)
	return b.String()
}

// DecodeStoredDefinition reads the canonical JSON kept in the database.
func DecodeStoredDefinition(raw string) (*Definition, error) {
	var d Definition
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return nil, fmt.Errorf("stored definition: %w", err)
	}
	d.compile()
	return &d, nil
}

// HasOption reports whether v is one of q's own options.
func (q QuestionDef) HasOption(v string) bool {
	return slices.ContainsFunc(q.Options, func(o Option) bool { return o.Value == v })
}

// HasAnyOption is HasOption counting the added "Other" choice.
func (q QuestionDef) HasAnyOption(v string) bool {
	return q.HasOption(v) || q.Other && v == OtherValue
}

// IsDate reports whether s is written as an ISO date, 2018-01-16 (whether
// that day exists is time.Parse's to say).
func IsDate(s string) bool { return dateRe.MatchString(s) }
