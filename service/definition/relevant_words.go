package definition

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
	"unicode/utf8"

	"seminareval/model"
)

// Conditions in words, for people: the participant page without JavaScript
// ("Answer if you chose “Police” for “Where do you work?”"), the dashboard
// ("shown to 6 respondents (those who …)") and the editor.

var wordsText = map[string]map[string]string{
	"en": {
		"question_if": "Answer if %s.", "section_if": "Answer this section if %s.",
		"chose": "you chose %[1]s for %[2]s", "not_chose": "you did not choose %[1]s for %[2]s",
		"answer_was": "your answer to %[2]s was %[1]s", "answer_is": "your answer to %[2]s %[1]s", "answered": "you answered %[1]s", "not_answered": "you did not answer %[1]s",
		"count": "the number of options you chose for %[2]s %[1]s",
		"and":   "%s and %s", "or": "%s or %s", "not": "it is not the case that %s", "either": "%s",
		"list_or": " or ", "list_sep": ", ",
		"=": "is %s", "!=": "is not %s", "<": "is less than %s", "<=": "is %s or less", ">": "is more than %s", ">=": "is %s or more",
		"quote": "“%s”",
	},
	"zh": {
		"question_if": "如果%s，请回答此题。", "section_if": "如果%s，请回答本部分。",
		"chose": "您在%[2]s中选择了%[1]s", "not_chose": "您在%[2]s中没有选择%[1]s",
		"answer_was": "您对%[2]s的回答为%[1]s", "answer_is": "您对%[2]s的回答%[1]s", "answered": "您回答了%[1]s", "not_answered": "您没有回答%[1]s",
		"count": "您在%[2]s中选择的选项数%[1]s",
		"and":   "%s，并且%s", "or": "%s，或者%s", "not": "并非%s", "either": "%s",
		"list_or": "或", "list_sep": "、",
		"=": "等于%s", "!=": "不等于%s", "<": "小于%s", "<=": "不超过%s", ">": "大于%s", ">=": "不少于%s",
		"quote": "“%s”",
	},
}

// theyText says the same of a respondent, for staff: the dashboard's
// "asked only if they chose …". Entries not here are as in wordsText.
var theyText = map[string]map[string]string{
	"en": {
		"chose": "they chose %[1]s for %[2]s", "not_chose": "they did not choose %[1]s for %[2]s",
		"answer_was": "their answer to %[2]s was %[1]s", "answer_is": "their answer to %[2]s %[1]s",
		"answered": "they answered %[1]s", "not_answered": "they did not answer %[1]s",
		"count": "the number of options they chose for %[2]s %[1]s",
	},
	"zh": {
		"chose": "答卷人在%[2]s中选择了%[1]s", "not_chose": "答卷人在%[2]s中没有选择%[1]s",
		"answer_was": "答卷人对%[2]s的回答为%[1]s", "answer_is": "答卷人对%[2]s的回答%[1]s",
		"answered": "答卷人回答了%[1]s", "not_answered": "答卷人没有回答%[1]s",
		"count": "答卷人在%[2]s中选择的选项数%[1]s",
	},
}

func wordsFor(lang string) map[string]string {
	if w, ok := wordsText[lang]; ok {
		return w
	}
	return wordsText["en"]
}

// theyWords is wordsText with theyText over it, per language, built once.
var theyWords = func() map[string]map[string]string {
	out := map[string]map[string]string{}
	for lang, base := range wordsText {
		w := maps.Clone(base)
		maps.Copy(w, theyText[lang])
		out[lang] = w
	}
	return out
}()

// theyWordsFor is wordsFor(lang) in the third person.
func theyWordsFor(lang string) map[string]string {
	if w, ok := theyWords[lang]; ok {
		return w
	}
	return theyWords["en"]
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
