package definition

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/width"

	"seminareval/model"
)

// The editor's condition builder: staff pick an earlier question, an
// operator and a value, and ComposeCondition writes the expression, so that
// nobody has to type ${key} syntax. The expression stays visible and
// editable; the words are shown under it.

// Operators the builder offers, in the order it lists them.
const (
	CondIs          = "is"     // single: chose; multi: included
	CondIsNot       = "is_not" // single: did not choose; multi: did not include
	CondLess        = "lt"
	CondAtMost      = "le"
	CondMore        = "gt"
	CondAtLeast     = "ge"
	CondAnswered    = "answered"
	CondNotAnswered = "not_answered"
)

// CondOps are all operators, for the builder's list.
var CondOps = []string{CondIs, CondIsNot, CondLess, CondAtMost, CondMore, CondAtLeast, CondAnswered, CondNotAnswered}

var condComparison = map[string]string{CondIs: "=", CondIsNot: "!=", CondLess: "<", CondAtMost: "<=", CondMore: ">", CondAtLeast: ">="}

// ConditionError is a condition the builder cannot write, with a code the
// console translates (q.cond_err.<code>): no_question, bad_op (Key),
// no_value (Key), bad_value (Key, Value), existing_invalid.
type ConditionError struct {
	Code, Key, Value string
}

func (e *ConditionError) Error() string {
	return fmt.Sprintf("condition: %s (%s %q)", e.Code, e.Key, e.Value)
}

// CondOpsFor returns the operators that fit a question of type t.
func CondOpsFor(t string) []string {
	switch t {
	case model.TypeSingle, model.TypeMulti, model.TypeText, model.TypeLongText:
		return []string{CondIs, CondIsNot, CondAnswered, CondNotAnswered}
	case model.TypeNote:
		return nil
	}
	return CondOps // scales, numbers, dates
}

// ComposeCondition writes "question key <op> value" as an expression and
// joins it to existing (which may be empty) with join, "and" or "or". The
// value of a choice question may be given as the option's value or label
// (in any language), of a Likert question as its level or label.
func (d *Definition) ComposeCondition(existing, key, op, value, join string) (string, error) {
	q, ok := d.Question(key)
	if !ok || !q.Answerable() {
		return "", &ConditionError{Code: "no_question"}
	}
	if !slices.Contains(CondOpsFor(q.Type), op) {
		return "", &ConditionError{Code: "bad_op", Key: key}
	}
	ref := &Expr{Op: OpRef, Key: key}
	var e *Expr
	value = strings.TrimSpace(value)
	switch {
	case op == CondAnswered || op == CondNotAnswered:
		e = &Expr{Op: "!=", Args: []*Expr{ref, {Op: OpStr}}}
		if q.Type == model.TypeMulti {
			e = &Expr{Op: ">", Args: []*Expr{{Op: OpCountSelected, Args: []*Expr{ref}}, {Op: OpNum}}}
		}
		if op == CondNotAnswered {
			e = &Expr{Op: map[string]string{"!=": "=", ">": "="}[e.Op], Args: e.Args}
		}
	case value == "":
		return "", &ConditionError{Code: "no_value", Key: key}
	default:
		lit, err := condValue(q, value)
		if err != nil {
			return "", err
		}
		e = &Expr{Op: condComparison[op], Args: []*Expr{ref, lit}}
		if q.Type == model.TypeMulti {
			e = &Expr{Op: OpSelected, Args: []*Expr{ref}, Str: lit.Str}
			if op == CondIsNot {
				e = &Expr{Op: OpNot, Args: []*Expr{e}}
			}
		}
	}
	if strings.TrimSpace(existing) == "" {
		return e.String(), nil
	}
	old, err := ParseRelevant(existing)
	if err != nil {
		return "", &ConditionError{Code: "existing_invalid"}
	}
	if join != OpOr {
		join = OpAnd
	}
	return (&Expr{Op: join, Args: []*Expr{old, e}}).String(), nil
}

// condValue reads the value a condition compares q with.
func condValue(q QuestionDef, value string) (*Expr, error) {
	bad := func() error { return &ConditionError{Code: "bad_value", Key: q.Key, Value: value} }
	folded := strings.TrimSpace(width.Fold.String(value))
	switch q.Type {
	case model.TypeSingle, model.TypeMulti:
		for _, o := range q.AllOptions() {
			if o.Value == value {
				return &Expr{Op: OpStr, Str: o.Value}, nil
			}
		}
		for _, o := range q.AllOptions() {
			for _, l := range o.Label {
				if strings.EqualFold(strings.TrimSpace(l), value) {
					return &Expr{Op: OpStr, Str: o.Value}, nil
				}
			}
		}
		return nil, bad()
	case model.TypeLikert:
		for i, lbl := range q.ScaleLabels() {
			for _, l := range lbl {
				if strings.EqualFold(strings.TrimSpace(l), value) {
					return &Expr{Op: OpNum, Num: float64(5 - i)}, nil
				}
			}
		}
		fallthrough
	case model.TypeRating, model.TypeNPS:
		n, err := strconv.Atoi(folded)
		if err != nil || !slices.Contains(q.Levels(), n) {
			return nil, bad()
		}
		return &Expr{Op: OpNum, Num: float64(n)}, nil
	case model.TypeNumber:
		n, err := strconv.ParseFloat(strings.Replace(folded, ",", ".", 1), 64)
		if err != nil {
			return nil, bad()
		}
		return &Expr{Op: OpNum, Num: n}, nil
	case model.TypeDate:
		if !IsDate(folded) {
			return nil, bad()
		}
		return &Expr{Op: OpStr, Str: folded}, nil
	}
	return &Expr{Op: OpStr, Str: value}, nil
}
