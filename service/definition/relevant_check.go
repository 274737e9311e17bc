package definition

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"seminareval/model"
)

// Logic is a definition's conditions, parsed: one per section and question
// that has one (nil otherwise), and the keys a submission may send (every
// question's, and <key>_other of those offering "Other"), so that the
// submit path builds nothing per request.
type Logic struct {
	Sections  []*Expr
	Questions map[string]*Expr
	Keys      map[string]bool
}

// compile parses the definition's conditions once; ParseDefinition and
// DecodeStoredDefinition call it, so a loaded questionnaire never parses on
// the submit path. Conditions that do not parse are left out (Validate
// reports them; a stored definition was valid when it was stored).
func (d *Definition) compile() {
	d.logic = d.buildLogic()
}

func (d *Definition) buildLogic() *Logic {
	l := &Logic{Sections: make([]*Expr, len(d.Sections)), Questions: map[string]*Expr{}, Keys: map[string]bool{}}
	for si, s := range d.Sections {
		if s.Relevant != "" {
			l.Sections[si], _ = ParseRelevant(s.Relevant)
		}
		for _, q := range s.Questions {
			l.Keys[q.Key] = true
			if q.Other {
				l.Keys[q.OtherKey()] = true
			}
			if q.Relevant != "" {
				if e, err := ParseRelevant(q.Relevant); err == nil {
					l.Questions[q.Key] = e
				}
			}
		}
	}
	return l
}

// Logic returns the parsed conditions. A definition built in code (not
// parsed or loaded) is parsed on each call rather than cached, so that
// concurrent readers never race on the cache.
func (d *Definition) Logic() *Logic {
	if d.logic != nil {
		return d.logic
	}
	return d.buildLogic()
}

// HasLogic reports whether any section or question has a condition.
func (d *Definition) HasLogic() bool {
	for _, s := range d.Sections {
		if s.Relevant != "" {
			return true
		}
		for _, q := range s.Questions {
			if q.Relevant != "" {
				return true
			}
		}
	}
	return false
}

// Shown returns the keys of the questions shown to a respondent whose
// answers are values, walking the page in order (a condition sees only
// earlier questions). Values of questions not shown are removed from values:
// a later condition on them sees them unanswered.
func (d *Definition) Shown(values map[string]Value) map[string]bool {
	l := d.Logic()
	shown := map[string]bool{}
	for si, s := range d.Sections {
		sectionOn := l.Sections[si] == nil || l.Sections[si].Eval(values)
		for _, q := range s.Questions {
			if sectionOn && (l.Questions[q.Key] == nil || l.Questions[q.Key].Eval(values)) {
				shown[q.Key] = true
			} else {
				delete(values, q.Key)
			}
		}
	}
	return shown
}

// ValueOf is the Value of q's stored answer rows, as conditions see it.
func ValueOf(q QuestionDef, rows []model.Answer) Value {
	switch q.Type {
	case model.TypeMulti:
		var xs []string
		for _, a := range rows {
			if a.Option != nil {
				xs = append(xs, *a.Option)
			}
		}
		return ListValue(xs)
	case model.TypeSingle:
		if len(rows) > 0 && rows[0].Option != nil {
			return StrValue(*rows[0].Option)
		}
	case model.TypeLikert, model.TypeRating, model.TypeNPS:
		if len(rows) > 0 && rows[0].Num != nil && !rows[0].NA {
			return NumValue(float64(*rows[0].Num))
		}
	case model.TypeNumber:
		if len(rows) > 0 && rows[0].Text != nil {
			if n, err := strconv.ParseFloat(*rows[0].Text, 64); err == nil {
				return NumValue(n)
			}
		}
	case model.TypeText, model.TypeLongText, model.TypeDate:
		if len(rows) > 0 && rows[0].Text != nil {
			return StrValue(*rows[0].Text)
		}
	}
	return Value{}
}

// validateTypes checks what the types beyond the first set add: notes,
// numbers, dates and "Other (please specify)".
func validateTypes(qp string, q QuestionDef, add func(path, key string, args ...any)) {
	if q.Type == model.TypeNote && q.Required {
		add(qp+".required", "required_not_allowed")
	}
	switch q.Type {
	case model.TypeNumber:
		lo, okLo := q.Min.Number()
		hi, okHi := q.Max.Number()
		if q.Min != nil && !okLo {
			add(qp+".min", "bad_limit")
		}
		if q.Max != nil && !okHi {
			add(qp+".max", "bad_limit")
		}
		if okLo && okHi && hi < lo {
			add(qp+".max", "bad_limit.max_below_min")
		}
		if q.Decimals < 0 || q.Decimals > MaxDecimals {
			add(qp+".decimals", "bad_decimals", MaxDecimals)
		}
	case model.TypeDate:
		lo, okLo := q.Min.Date()
		hi, okHi := q.Max.Date()
		if q.Min != nil && !okLo {
			add(qp+".min", "bad_date")
		}
		if q.Max != nil && !okHi {
			add(qp+".max", "bad_date")
		}
		if okLo && okHi && hi.Before(lo) {
			add(qp+".max", "bad_date.max_before_min")
		}
	default:
		if q.Min != nil {
			add(qp+".min", "limit_not_allowed")
		}
		if q.Max != nil {
			add(qp+".max", "limit_not_allowed")
		}
	}
	if q.Decimals != 0 && q.Type != model.TypeNumber {
		add(qp+".decimals", "decimals_not_allowed")
	}
	if q.Other {
		switch {
		case q.Type != model.TypeSingle && q.Type != model.TypeMulti:
			add(qp+".other", "other_not_allowed")
		case q.HasOption(OtherValue):
			add(qp+".other", "other_conflict", OtherValue)
		}
	}
}

// validateLogic checks every condition: it parses, refers only to earlier
// questions that exist and take an answer, and compares choice questions
// with their own option values.
func (d *Definition) validateLogic(ps *problems) {
	add := ps.add
	type place struct {
		index, section int
		q              QuestionDef
	}
	at := map[string]place{}
	n := 0
	for si, s := range d.Sections {
		for _, q := range s.Questions {
			if _, dup := at[q.Key]; !dup {
				at[q.Key] = place{n, si, q}
			}
			n++
		}
	}
	check := func(path, src, self string, index, section int, isSection bool) {
		e, err := ParseRelevant(src)
		if err != nil {
			var ee *ExprError
			if !errors.As(err, &ee) {
				ee = exprErr("bad_expression", 0, "other", err.Error())
			}
			*ps = append(*ps, ee.Problem(path))
			return
		}
		for _, key := range e.References() {
			p, ok := at[key]
			switch {
			case key == self:
				add(path, "relevant_cycle")
				return
			case !ok:
				add(path, "unknown_reference", key)
				return
			case isSection && p.section >= section:
				add(path, "later_reference", key)
				return
			case !isSection && p.index >= index:
				add(path, "later_reference.question", key)
				return
			case !p.q.Answerable():
				add(path, "not_answerable_reference", key)
				return
			}
		}
		lookup := func(key string) QuestionDef { return at[key].q }
		if code, key, args := checkOperands(e, lookup); code != "" {
			ps.addKey(path, code, "problem.cmp."+key, args...)
		}
	}
	n = 0
	for si, s := range d.Sections {
		sp := fmt.Sprintf("sections[%d]", si)
		if s.Relevant != "" {
			check(sp+".relevant", s.Relevant, "", n, si, true)
		}
		for qi, q := range s.Questions {
			if q.Relevant != "" {
				check(fmt.Sprintf("%s.questions[%d].relevant", sp, qi), q.Relevant, q.Key, n, si, false)
			}
			n++
		}
	}
}

// checkOperands finds the first function or comparison whose operands do not
// fit the questions they name.
func checkOperands(e *Expr, q func(string) QuestionDef) (code, key string, args []any) {
	for _, a := range e.Args {
		if code, key, args := checkOperands(a, q); code != "" {
			return code, key, args
		}
	}
	switch {
	case e.Op == OpSelected:
		ref := q(e.Args[0].Key)
		if ref.Type != model.TypeSingle && ref.Type != model.TypeMulti {
			return "bad_comparison", "selected_type", []any{ref.Key, ref.Type}
		}
		if !slices.ContainsFunc(ref.AllOptions(), func(o Option) bool { return o.Value == e.Str }) {
			return "unknown_option", "unknown_option", []any{e.Str, ref.Key, optionValues(ref)}
		}
	case e.Op == OpCountSelected:
		if ref := q(e.Args[0].Key); ref.Type != model.TypeMulti {
			return "bad_comparison", "count_selected_type", []any{ref.Key, ref.Type}
		}
	case IsComparison(e.Op):
		for i, side := range e.Args {
			other := e.Args[1-i]
			if side.Op != OpRef || other.Op != OpStr && other.Op != OpNum {
				continue
			}
			ref := q(side.Key)
			lit := other.Str
			if other.Op == OpNum {
				lit = strconv.FormatFloat(other.Num, 'f', -1, 64)
			}
			switch ref.Type {
			case model.TypeSingle:
				if lit != "" && !slices.ContainsFunc(ref.AllOptions(), func(o Option) bool { return o.Value == lit }) {
					return "unknown_option", "unknown_option", []any{lit, ref.Key, optionValues(ref)}
				}
			case model.TypeLikert, model.TypeRating, model.TypeNPS, model.TypeNumber:
				if _, err := strconv.ParseFloat(strings.TrimSpace(lit), 64); err != nil && lit != "" {
					return "bad_comparison", "number", []any{ref.Key, lit}
				}
			case model.TypeDate:
				if lit != "" && !IsDate(lit) {
					return "bad_comparison", "date", []any{ref.Key}
				}
			case model.TypeMulti:
				if e.Op != "=" && e.Op != "!=" || lit != "" {
					return "bad_comparison", "multi", []any{ref.Key, ref.Key, ref.Key}
				}
			}
		}
	}
	return "", "", nil
}

func optionValues(q QuestionDef) string {
	vs := make([]string, 0, len(q.Options)+1)
	for _, o := range q.AllOptions() {
		vs = append(vs, o.Value)
	}
	return strings.Join(vs, ", ")
}
