package definition

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"seminareval/model"
	"seminareval/templates"
)

// Conditions in words, for people: the participant page without JavaScript
// ("Answer if you chose “Police” for “Where do you work?”"), the dashboard
// ("shown to 6 respondents (those who …)") and the editor.

// The words are the catalogue's "words." keys; "words.they_<key>" says
// <key> of a respondent, for staff: the dashboard's "asked only if they
// chose …".
var words = sync.OnceValue(func() map[string][2]map[string]string {
	cat := templates.Messages()
	out := map[string][2]map[string]string{}
	for _, lang := range cat.Langs() {
		you := cat.Prefixed(lang, "words.")
		they := maps.Clone(you)
		for k, s := range you {
			if rest, ok := strings.CutPrefix(k, "they_"); ok {
				they[rest] = s
			}
		}
		out[lang] = [2]map[string]string{you, they}
	}
	return out
})

func wordsFor(lang string) map[string]string {
	if w, ok := words()[lang]; ok {
		return w[0]
	}
	return words()[templates.DefaultLang][0]
}

// theyWordsFor is wordsFor(lang) in the third person.
func theyWordsFor(lang string) map[string]string {
	if w, ok := words()[lang]; ok {
		return w[1]
	}
	return words()[templates.DefaultLang][1]
}

// ConditionSentence is the full sentence a participant reads under a
// question (section false) or a section title.
func (d *Definition) ConditionSentence(e *Expr, lang string, section bool) string {
	if e == nil {
		return ""
	}
	w := wordsFor(lang)
	key := "question_if"
	if section {
		key = "section_if"
	}
	return sprintf(w[key], d.ConditionWords(e, lang))
}

// ConditionWords says what must be true, in lang: "you chose “Police” for
// “Where do you work?”". A shape it has no words for is shown as written.
func (d *Definition) ConditionWords(e *Expr, lang string) string {
	return d.words(e, lang, wordsFor(lang))
}

// RespondentWords says it of a respondent, for staff: "they chose “Police”
// for “Where do you work?”".
func (d *Definition) RespondentWords(e *Expr, lang string) string {
	return d.words(e, lang, theyWordsFor(lang))
}

// AskedIf is the condition under which question key is asked: its own, its
// section's, or both joined by "and"; nil when it is always asked.
func (d *Definition) AskedIf(key string) *Expr {
	l := d.Logic()
	for si, s := range d.Sections {
		for _, q := range s.Questions {
			if q.Key != key {
				continue
			}
			sec, own := l.Sections[si], l.Questions[key]
			switch {
			case sec != nil && own != nil:
				return &Expr{Op: OpAnd, Args: []*Expr{sec, own}}
			case sec != nil:
				return sec
			}
			return own
		}
	}
	return nil
}

func (d *Definition) words(e *Expr, lang string, w map[string]string) string {
	switch e.Op {
	case OpAnd, OpOr:
		return sprintf(w[e.Op], d.childWords(e.Args[0], e.Op, lang, w), d.childWords(e.Args[1], e.Op, lang, w))
	case OpNot:
		return sprintf(w["not"], d.words(e.Args[0], lang, w))
	case OpSelected:
		q, ok := d.Question(e.Args[0].Key)
		if !ok {
			break
		}
		return sprintf(w["chose"], d.quote(optionLabel(q, e.Str, lang), lang), d.quote(q.Text.In(lang), lang))
	}
	if !IsComparison(e.Op) {
		return e.String()
	}
	ref, lit, op := e.Args[0], e.Args[1], e.Op
	if ref.Op != OpRef && ref.Op != OpCountSelected {
		ref, lit, op = lit, ref, FlipComparison(op)
	}
	if lit.Op != OpNum && lit.Op != OpStr {
		return e.String()
	}
	litText := lit.Str
	if lit.Op == OpNum {
		litText = strconv.FormatFloat(lit.Num, 'f', -1, 64)
	}
	if ref.Op == OpCountSelected {
		q, ok := d.Question(ref.Args[0].Key)
		if !ok {
			return e.String()
		}
		return sprintf(w["count"], sprintf(w[op], litText), d.quote(q.Text.In(lang), lang))
	}
	if ref.Op != OpRef {
		return e.String()
	}
	q, ok := d.Question(ref.Key)
	if !ok {
		return e.String()
	}
	qText := d.quote(q.Text.In(lang), lang)
	if litText == "" && lit.Op == OpStr && (op == "=" || op == "!=") {
		if op == "=" {
			return sprintf(w["not_answered"], qText)
		}
		return sprintf(w["answered"], qText)
	}
	switch q.Type {
	case model.TypeSingle:
		if op == "=" || op == "!=" {
			k := "chose"
			if op == "!=" {
				k = "not_chose"
			}
			return sprintf(w[k], d.quote(optionLabel(q, litText, lang), lang), qText)
		}
	case model.TypeLikert, model.TypeRating, model.TypeNPS:
		// A finite scale: name the answers that satisfy the condition.
		n, err := strconv.ParseFloat(litText, 64)
		if err != nil {
			break
		}
		var labels []string
		for i, level := range q.Levels() {
			probe := &Expr{Op: op, Args: []*Expr{{Op: OpRef, Key: "x"}, {Op: OpNum, Num: n}}}
			if probe.Eval(map[string]Value{"x": NumValue(float64(level))}) {
				labels = append(labels, d.quote(levelLabel(q, i, level, lang), lang))
			}
		}
		if len(labels) > 0 && len(labels) < len(q.Levels()) {
			return sprintf(w["answer_was"], joinOr(labels, w), qText)
		}
	}
	return sprintf(w["answer_is"], sprintf(w[op], litText), qText)
}

func (d *Definition) childWords(e *Expr, parent, lang string, w map[string]string) string {
	s := d.words(e, lang, w)
	if (e.Op == OpAnd || e.Op == OpOr) && e.Op != parent {
		return "(" + s + ")"
	}
	return s
}

func (d *Definition) quote(s, lang string) string {
	return sprintf(wordsFor(lang)["quote"], shorten(s, 60))
}

// joinOr lists labels as "A, B or C" ("A、B或C").
func joinOr(labels []string, w map[string]string) string {
	if len(labels) == 1 {
		return labels[0]
	}
	return strings.Join(labels[:len(labels)-1], w["list_sep"]) + w["list_or"] + labels[len(labels)-1]
}

func optionLabel(q QuestionDef, value, lang string) string {
	for _, o := range q.AllOptions() {
		if o.Value == value {
			return o.Label.In(lang)
		}
	}
	return value
}

// levelLabel is the label of the i-th level of a scale question: a Likert
// question's words, a rating's or NPS score's number.
func levelLabel(q QuestionDef, i, level int, lang string) string {
	if q.Type == model.TypeLikert {
		return q.ScaleLabels()[i].In(lang)
	}
	return strconv.Itoa(level)
}

// FlipComparison is the comparison with its sides swapped: "18 <= x" is
// "x >= 18".
func FlipComparison(op string) string {
	switch op {
	case "<":
		return ">"
	case "<=":
		return ">="
	case ">":
		return "<"
	case ">=":
		return "<="
	}
	return op
}

func shorten(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:max-1])) + "…"
}

// sprintf formats the catalogue's entries, which take strings only.
func sprintf(format string, args ...string) string {
	as := make([]any, len(args))
	for i, a := range args {
		as[i] = a
	}
	return fmt.Sprintf(format, as...)
}
