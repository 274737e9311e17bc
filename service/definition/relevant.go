package definition

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"seminareval/model"
	"seminareval/templates"
)

// Skip logic: a question's or section's `relevant` condition, in the subset
// of XLSForm's expression syntax that DESIGN and docs/definition-format.md
// name: ${key}, numbers, 'strings', = != < <= > >=, and, or, not(…),
// parentheses, selected(${key}, 'v') and count-selected(${key}).
//
// A condition is parsed once into an Expr tree; the server evaluates the tree
// (Eval) and the participant page receives the same tree as JSON
// (MarshalJSON) for its few lines of evaluator, so there is one parser.

// Expression operators (Expr.Op).
const (
	OpOr            = "or"
	OpAnd           = "and"
	OpNot           = "not"
	OpSelected      = "selected"
	OpCountSelected = "count-selected"
	OpRef           = "ref"
	OpNum           = "num"
	OpStr           = "str"
)

var comparisons = []string{"=", "!=", "<=", ">=", "<", ">"}

// MaxExpressionLength bounds a condition's text; maxExpressionDepth its
// nesting (a fuzzer's thousand parentheses must not exhaust the stack).
const (
	MaxExpressionLength = 2000
	maxExpressionDepth  = 40
)

// Expr is a node of a parsed condition. Comparison nodes have Op "=", "!=",
// "<", "<=", ">", ">=" and two Args.
type Expr struct {
	Op   string
	Args []*Expr
	Key  string  // OpRef: the question key
	Num  float64 // OpNum
	Str  string  // OpStr; for OpSelected the option value
}

// IsCondition reports whether e is true or false rather than a value.
func (e *Expr) IsCondition() bool {
	switch e.Op {
	case OpOr, OpAnd, OpNot, OpSelected:
		return true
	}
	return IsComparison(e.Op)
}

// IsComparison reports whether op is one of "=", "!=", "<", "<=", ">", ">=".
func IsComparison(op string) bool {
	for _, c := range comparisons {
		if op == c {
			return true
		}
	}
	return false
}

// MarshalJSON writes the compact array form the participant page evaluates:
// ["and", a, b], ["=", ["ref","k"], ["str","v"]], ["selected", ["ref","k"], "v"],
// ["num", 2].
func (e *Expr) MarshalJSON() ([]byte, error) {
	var parts []any
	switch e.Op {
	case OpRef:
		parts = []any{e.Op, e.Key}
	case OpNum:
		parts = []any{e.Op, e.Num}
	case OpStr:
		parts = []any{e.Op, e.Str}
	case OpSelected:
		parts = []any{e.Op, e.Args[0], e.Str}
	default:
		parts = []any{e.Op}
		for _, a := range e.Args {
			parts = append(parts, a)
		}
	}
	return json.Marshal(parts)
}

// References returns the question keys e refers to, in order of appearance.
func (e *Expr) References() []string {
	var keys []string
	var walk func(*Expr)
	walk = func(x *Expr) {
		if x.Op == OpRef {
			keys = append(keys, x.Key)
		}
		for _, a := range x.Args {
			walk(a)
		}
	}
	walk(e)
	return keys
}

// ExprError is a condition that cannot be read. Code is one of
// bad_expression, unsupported_function, not_a_condition; Pos is the byte
// offset in the condition where reading stopped.
type ExprError struct {
	Code string
	Pos  int
	// Key and Args are the explanation in the catalogue:
	// "problem.expr.<Key>".
	Key  string
	Args []any
}

func exprErr(code string, pos int, key string, args ...any) *ExprError {
	return &ExprError{Code: code, Pos: pos, Key: key, Args: args}
}

// Problem is the error as a problem of path, in the catalogue: the
// explanation and where in the condition (problem.expr_at).
func (e *ExprError) Problem(path string) model.Problem {
	p := templates.Problem(e.Code, "problem.expr_at", templates.Msg{Key: "problem.expr." + e.Key, Args: e.Args}, e.Pos+1)
	p.Path = path
	return p
}

func (e *ExprError) Error() string { return e.Problem("").Message }

// ParseRelevant parses a condition. The result is always a condition (true
// or false), never a bare value.
func ParseRelevant(src string) (*Expr, error) {
	if len(src) > MaxExpressionLength {
		return nil, exprErr("bad_expression", 0, "too_long", MaxExpressionLength)
	}
	if !utf8.ValidString(src) {
		return nil, exprErr("bad_expression", 0, "not_utf8")
	}
	toks, err := tokenize(src)
	if err != nil {
		return nil, err
	}
	p := &exprParser{toks: toks, src: src}
	e, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.errAt(t, "bad_expression", "unexpected", t.text)
	}
	if !e.IsCondition() {
		return nil, exprErr("not_a_condition", 0, "value_not_condition")
	}
	return e, nil
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokRef
	tokNum
	tokStr
	tokIdent
	tokOp
	tokLParen
	tokRParen
	tokComma
)

type token struct {
	kind tokKind
	text string
	pos  int
	num  float64
}

// curlyClosers are the typographic quotes a string may open with, and what
// may close it (autocorrect often turns both ends the same way).
var curlyClosers = map[string]string{"‘": "’‘", "’": "’‘", "“": "”“", "”": "”“"}

// curlyOpen returns the typographic quote s starts with, or "".
func curlyOpen(s string) string {
	for q := range curlyClosers {
		if strings.HasPrefix(s, q) {
			return q
		}
	}
	return ""
}

func tokenize(src string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '$':
			if i+1 >= len(src) || src[i+1] != '{' {
				return nil, exprErr("bad_expression", i, "reference_syntax")
			}
			end := strings.IndexByte(src[i:], '}')
			if end < 0 {
				return nil, exprErr("bad_expression", i, "missing_brace")
			}
			key := strings.TrimSpace(src[i+2 : i+end])
			if key == "" {
				return nil, exprErr("bad_expression", i, "empty_reference")
			}
			toks = append(toks, token{kind: tokRef, text: key, pos: i})
			i += end + 1
		case c == '\'' || c == '"':
			end := strings.IndexByte(src[i+1:], c)
			if end < 0 {
				return nil, exprErr("bad_expression", i, "unterminated")
			}
			toks = append(toks, token{kind: tokStr, text: src[i+1 : i+1+end], pos: i})
			i += end + 2
		case curlyOpen(src[i:]) != "":
			// ‘yes’ or “yes”: what a spreadsheet's autocorrect makes of quotes.
			open := curlyOpen(src[i:])
			rest := src[i+len(open):]
			end := strings.IndexAny(rest, curlyClosers[open])
			if end < 0 {
				return nil, exprErr("bad_expression", i, "unterminated")
			}
			_, closeSize := utf8.DecodeRuneInString(rest[end:])
			toks = append(toks, token{kind: tokStr, text: rest[:end], pos: i})
			i += len(open) + end + closeSize
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9' ||
			c == '-' && i+1 < len(src) && (src[i+1] >= '0' && src[i+1] <= '9' || src[i+1] == '.') && expectsOperand(toks):
			j := i + 1
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.') {
				j++
			}
			n, err := strconv.ParseFloat(src[i:j], 64)
			if err != nil {
				return nil, exprErr("bad_expression", i, "not_a_number", src[i:j])
			}
			toks = append(toks, token{kind: tokNum, text: src[i:j], pos: i, num: n})
			i = j
		case c == '(':
			toks = append(toks, token{kind: tokLParen, text: "(", pos: i})
			i++
		case c == ')':
			toks = append(toks, token{kind: tokRParen, text: ")", pos: i})
			i++
		case c == ',':
			toks = append(toks, token{kind: tokComma, text: ",", pos: i})
			i++
		case c == '=' || c == '<' || c == '>' || c == '!':
			op := string(c)
			if i+1 < len(src) && src[i+1] == '=' {
				op += "="
			}
			if op == "!" {
				return nil, exprErr("bad_expression", i, "use_not_equal")
			}
			toks = append(toks, token{kind: tokOp, text: op, pos: i})
			i += len(op)
		default:
			r, size := utf8.DecodeRuneInString(src[i:])
			if !unicode.IsLetter(r) && r != '_' {
				return nil, exprErr("bad_expression", i, "unexpected", string(r))
			}
			j := i + size
			for j < len(src) {
				r, size := utf8.DecodeRuneInString(src[j:])
				if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '-' && r != ':' && r != '.' {
					break
				}
				j += size
			}
			toks = append(toks, token{kind: tokIdent, text: src[i:j], pos: i})
			i = j
		}
	}
	return append(toks, token{kind: tokEOF, pos: len(src)}), nil
}

// expectsOperand says whether a '-' here starts a negative number (after an
// operator, a parenthesis, a comma or at the start) rather than subtracting.
func expectsOperand(toks []token) bool {
	if len(toks) == 0 {
		return true
	}
	switch toks[len(toks)-1].kind {
	case tokOp, tokLParen, tokComma:
		return true
	case tokIdent:
		t := toks[len(toks)-1].text
		return t == "and" || t == "or"
	}
	return false
}

type exprParser struct {
	toks []token
	i    int
	src  string
}

func (p *exprParser) peek() token { return p.toks[p.i] }
func (p *exprParser) next() token { t := p.toks[p.i]; p.i++; return t }

func (p *exprParser) errAt(t token, code, key string, args ...any) *ExprError {
	if t.kind == tokEOF {
		key, args = "ends_early", nil
	}
	return exprErr(code, t.pos, key, args...)
}

func (p *exprParser) or(depth int) (*Expr, error) {
	return p.joined(OpOr, func() (*Expr, error) { return p.and(depth) })
}

func (p *exprParser) and(depth int) (*Expr, error) {
	return p.joined(OpAnd, func() (*Expr, error) { return p.comparison(depth) })
}

// joined reads operands (each read by next) joined by the keyword op, left
// to right; both sides of each op must be conditions.
func (p *exprParser) joined(op string, next func() (*Expr, error)) (*Expr, error) {
	left, err := next()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tokIdent && p.peek().text == op {
		t := p.next()
		right, err := next()
		if err != nil {
			return nil, err
		}
		if err := bothConditions(t, left, right); err != nil {
			return nil, err
		}
		left = &Expr{Op: op, Args: []*Expr{left, right}}
	}
	return left, nil
}

func bothConditions(t token, a, b *Expr) error {
	if !a.IsCondition() || !b.IsCondition() {
		return exprErr("not_a_condition", t.pos, "both_sides", t.text)
	}
	return nil
}

func (p *exprParser) comparison(depth int) (*Expr, error) {
	left, err := p.operand(depth)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind == tokOp {
		p.next()
		right, err := p.operand(depth)
		if err != nil {
			return nil, err
		}
		if left.IsCondition() || right.IsCondition() {
			return nil, exprErr("not_a_condition", t.pos, "compares_values", t.text)
		}
		return &Expr{Op: t.text, Args: []*Expr{left, right}}, nil
	}
	return left, nil
}

func (p *exprParser) operand(depth int) (*Expr, error) {
	if depth > maxExpressionDepth {
		return nil, p.errAt(p.peek(), "bad_expression", "nested")
	}
	t := p.next()
	switch t.kind {
	case tokRef:
		return &Expr{Op: OpRef, Key: t.text}, nil
	case tokNum:
		return &Expr{Op: OpNum, Num: t.num}, nil
	case tokStr:
		return &Expr{Op: OpStr, Str: t.text}, nil
	case tokLParen:
		e, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokRParen {
			return nil, p.errAt(c, "bad_expression", "missing_paren")
		}
		return e, nil
	case tokIdent:
		return p.call(t, depth)
	}
	return nil, p.errAt(t, "bad_expression", "unexpected", t.text)
}

// call reads one of the supported functions after its name.
func (p *exprParser) call(name token, depth int) (*Expr, error) {
	switch name.text {
	case OpNot, OpSelected, OpCountSelected:
	case "and", "or":
		return nil, p.errAt(name, "bad_expression", "needs_condition_before", name.text)
	default:
		if p.peek().kind == tokLParen {
			return nil, exprErr("unsupported_function", name.pos, "unsupported_function", name.text)
		}
		return nil, p.errAt(name, "bad_expression", "unexpected_word", name.text)
	}
	if t := p.next(); t.kind != tokLParen {
		return nil, p.errAt(t, "bad_expression", "missing_lparen", name.text)
	}
	var e *Expr
	switch name.text {
	case OpNot:
		arg, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if !arg.IsCondition() {
			return nil, exprErr("not_a_condition", name.pos, "not_takes_condition")
		}
		e = &Expr{Op: OpNot, Args: []*Expr{arg}}
	case OpSelected:
		ref := p.next()
		if ref.kind != tokRef {
			return nil, p.errAt(ref, "bad_expression", "selected_args")
		}
		if c := p.next(); c.kind != tokComma {
			return nil, p.errAt(c, "bad_expression", "selected_two")
		}
		v := p.next()
		if v.kind != tokStr && v.kind != tokNum {
			return nil, p.errAt(v, "bad_expression", "selected_value")
		}
		e = &Expr{Op: OpSelected, Args: []*Expr{{Op: OpRef, Key: ref.text}}, Str: v.text}
	case OpCountSelected:
		ref := p.next()
		if ref.kind != tokRef {
			return nil, p.errAt(ref, "bad_expression", "count_selected_arg")
		}
		e = &Expr{Op: OpCountSelected, Args: []*Expr{{Op: OpRef, Key: ref.text}}}
	}
	if t := p.next(); t.kind != tokRParen {
		return nil, p.errAt(t, "bad_expression", "missing_paren_after", name.text)
	}
	return e, nil
}

// Value is a question's answer as a condition sees it. An unanswered
// question (or one that was not shown) has Set false.
type Value struct {
	Set   bool
	IsNum bool
	Num   float64
	Str   string   // single option, text, date; multi: the values joined by spaces
	List  []string // multi: the chosen values
}

// NumValue and StrValue build answered values.
func NumValue(n float64) Value { return Value{Set: true, IsNum: true, Num: n} }
func StrValue(s string) Value  { return Value{Set: true, Str: s} }
func ListValue(xs []string) Value {
	if len(xs) == 0 {
		return Value{}
	}
	return Value{Set: true, Str: strings.Join(xs, " "), List: xs}
}

// Eval evaluates a condition against the answers so far. A comparison with
// an unanswered question is false, except against the empty string:
// ${k} = ” is true and ${k} != ” false when k is unanswered.
func (e *Expr) Eval(values map[string]Value) bool {
	switch e.Op {
	case OpOr:
		return e.Args[0].Eval(values) || e.Args[1].Eval(values)
	case OpAnd:
		return e.Args[0].Eval(values) && e.Args[1].Eval(values)
	case OpNot:
		return !e.Args[0].Eval(values)
	case OpSelected:
		v := values[e.Args[0].Key]
		if !v.Set {
			return false
		}
		if v.List != nil {
			for _, x := range v.List {
				if x == e.Str {
					return true
				}
			}
			return false
		}
		return v.Str == e.Str
	}
	a, b := e.Args[0].value(values), e.Args[1].value(values)
	if !a.Set || !b.Set {
		// Unanswered equals only the empty text: ${k} = '' is true.
		other := a
		if !a.Set {
			other = b
		}
		return e.Op == "=" && other.Set && !other.IsNum && other.Str == ""
	}
	c, ok := compareValues(a, b)
	if !ok {
		return false
	}
	switch e.Op {
	case "=":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}

func (e *Expr) value(values map[string]Value) Value {
	switch e.Op {
	case OpRef:
		return values[e.Key]
	case OpNum:
		return NumValue(e.Num)
	case OpStr:
		return Value{Set: true, Str: e.Str}
	case OpCountSelected:
		return NumValue(float64(len(values[e.Args[0].Key].List)))
	}
	return Value{}
}

// compareValues compares numerically when both sides are numbers (or one is
// and the other reads as one, as an option value "2" does), else as text.
func compareValues(a, b Value) (int, bool) {
	if a.IsNum || b.IsNum {
		x, okx := a.Num, a.IsNum
		y, oky := b.Num, b.IsNum
		if !okx {
			n, err := strconv.ParseFloat(strings.TrimSpace(a.Str), 64)
			x, okx = n, err == nil
		}
		if !oky {
			n, err := strconv.ParseFloat(strings.TrimSpace(b.Str), 64)
			y, oky = n, err == nil
		}
		if !okx || !oky {
			return 0, false
		}
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	}
	return strings.Compare(a.Str, b.Str), true
}

// String writes the condition back in XLSForm syntax (the editor shows it).
func (e *Expr) String() string {
	switch e.Op {
	case OpRef:
		return "${" + e.Key + "}"
	case OpNum:
		return strconv.FormatFloat(e.Num, 'f', -1, 64)
	case OpStr:
		return quoteExprString(e.Str)
	case OpSelected:
		return "selected(" + e.Args[0].String() + ", " + quoteExprString(e.Str) + ")"
	case OpCountSelected:
		return "count-selected(" + e.Args[0].String() + ")"
	case OpNot:
		return "not(" + e.Args[0].String() + ")"
	case OpAnd, OpOr:
		return e.Args[0].childString(e.Op) + " " + e.Op + " " + e.Args[1].childString(e.Op)
	}
	return e.Args[0].String() + " " + e.Op + " " + e.Args[1].String()
}

func (e *Expr) childString(parent string) string {
	if (e.Op == OpAnd || e.Op == OpOr) && e.Op != parent {
		return "(" + e.String() + ")"
	}
	return e.String()
}

func quoteExprString(s string) string {
	if strings.Contains(s, "'") {
		return `"` + s + `"`
	}
	return "'" + s + "'"
}
