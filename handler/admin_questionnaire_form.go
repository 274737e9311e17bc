package handler

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"seminareval/model"
	"seminareval/service/definition"
)

// The editor is one HTML form holding the whole definition, so that it
// works as a plain form: every button (add, move, delete, save, preview)
// posts all fields, the server applies the operation and renders the form
// again. Field names:
//
//	title.zh  intro.en  thanks.zh  access  anonymous
//	s3.title.en                      section 3
//	q7.section q7.key q7.type q7.required q7.na q7.max_length
//	q7.text.zh q7.help.en q7.report.zh
//	q7.o2.value q7.o2.label.en       option 2 of question 7
//	q7.scale4.zh                     Likert label of value 1 (index 4: 5..1)
//
//	q7.cond_key q7.cond_op q7.cond_value q7.cond_join   the condition builder
//	s3.cond_key …                                        (of section 3)
//
// and the buttons op=up:7, down:7, del:7, add:<section>, addsection,
// delsection:<section>, addopt:7, delopt:7:2, optup:7:2, refresh:7,
// cond:7, scond:3, save.
//
// with the counts in "sections", "questions" and "q7.options".

// definitionFromForm rebuilds the definition being edited from the posted
// fields. Fields the editor does not show (status, schedule, seminar,
// languages, format) come from the stored definition.
func definitionFromForm(form url.Values, stored *definition.Definition) *definition.Definition {
	d := &definition.Definition{
		Format: stored.Format, Slug: stored.Slug, Languages: stored.Languages, Status: stored.Status,
		Access: stored.Access, Anonymous: stored.Anonymous, OpensAt: stored.OpensAt, ClosesAt: stored.ClosesAt, Seminar: stored.Seminar,
	}
	langs := d.Languages
	text := func(prefix string) model.Text {
		t := model.Text{}
		for _, l := range langs {
			if v := strings.TrimSpace(form.Get(prefix + "." + l)); v != "" {
				t[l] = v
			}
		}
		return t
	}
	optionalText := func(prefix string) model.Text {
		t := text(prefix)
		if len(t) == 0 {
			return nil
		}
		return t
	}
	count := func(name string) int {
		n, _ := strconv.Atoi(form.Get(name))
		return min(max(n, 0), 500)
	}
	if v := strings.TrimSpace(form.Get("slug")); v != "" {
		d.Slug = v
	}
	if v := form.Get("access"); v != "" {
		d.Access = v
	}
	if _, ok := form["anonymous_shown"]; ok {
		d.Anonymous = form.Get("anonymous") == "1"
	}
	d.Title = text("title")
	d.Intro = optionalText("intro")
	d.Thanks = optionalText("thanks")
	d.Privacy = optionalText("privacy")
	d.Sections = make([]definition.Section, count("sections"))
	for si := range d.Sections {
		d.Sections[si].Title = optionalText(fmt.Sprintf("s%d.title", si))
		d.Sections[si].Relevant = strings.TrimSpace(form.Get(fmt.Sprintf("s%d.relevant", si)))
	}
	for n := range count("questions") {
		p := fmt.Sprintf("q%d", n)
		si, err := strconv.Atoi(form.Get(p + ".section"))
		if err != nil || si < 0 || si >= len(d.Sections) {
			continue
		}
		q := definition.QuestionDef{
			Key: strings.TrimSpace(form.Get(p + ".key")), Type: form.Get(p + ".type"),
			Text: text(p + ".text"), Help: optionalText(p + ".help"), Report: optionalText(p + ".report"),
			Required: form.Get(p+".required") == "1", NA: form.Get(p+".na") == "1",
			Relevant: strings.TrimSpace(form.Get(p + ".relevant")),
		}
		if q.Type == model.TypeNumber || q.Type == model.TypeDate {
			for _, f := range []struct {
				name string
				to   **definition.Limit
			}{{".min", &q.Min}, {".max", &q.Max}} {
				if v := strings.TrimSpace(form.Get(p + f.name)); v != "" {
					l := definition.Limit(v)
					*f.to = &l
				}
			}
		}
		if q.Type == model.TypeNumber {
			q.Decimals, _ = strconv.Atoi(strings.TrimSpace(form.Get(p + ".decimals")))
		}
		if q.Type == model.TypeSingle || q.Type == model.TypeMulti {
			q.Other = form.Get(p+".other") == "1"
		}
		if q.Type == model.TypeText || q.Type == model.TypeLongText {
			q.MaxLength, _ = strconv.Atoi(form.Get(p + ".max_length"))
		}
		if q.Type != model.TypeLikert {
			q.NA, q.Report = false, nil
		}
		if q.Type == model.TypeSingle || q.Type == model.TypeMulti {
			for m := range count(p + ".options") {
				op := fmt.Sprintf("%s.o%d", p, m)
				q.Options = append(q.Options, definition.Option{Value: strings.TrimSpace(form.Get(op + ".value")), Label: text(op + ".label")})
			}
		}
		if q.Type == model.TypeLikert {
			q.Scale = scaleFromForm(p, langs, text)
		}
		d.Sections[si].Questions = append(d.Sections[si].Questions, q)
	}
	return d
}

// scaleFromForm keeps custom Likert labels only when some differ from the
// defaults; blank fields fall back to the default label.
func scaleFromForm(p string, langs []string, text func(string) model.Text) []model.Text {
	scale := make([]model.Text, 5)
	custom := false
	for i := range scale {
		t := text(fmt.Sprintf("%s.scale%d", p, i))
		for _, l := range langs {
			if t[l] == "" {
				t[l] = definition.LikertLabels[i][l]
			}
			if t[l] != definition.LikertLabels[i][l] {
				custom = true
			}
		}
		scale[i] = t
	}
	if !custom {
		return nil
	}
	return scale
}

// editorOp is a button of the editor: op=<name>[:<n>[:<m>]].
type editorOp struct {
	Name string
	N, M int
}

func parseEditorOp(v string) editorOp {
	parts := strings.Split(v, ":")
	op := editorOp{Name: parts[0], N: -1, M: -1}
	if len(parts) > 1 {
		op.N, _ = strconv.Atoi(parts[1])
	}
	if len(parts) > 2 {
		op.M, _ = strconv.Atoi(parts[2])
	}
	return op
}

// structural reports whether the operation changes what answers are
// accepted (refused once the questionnaire has responses).
func (op editorOp) structural() bool {
	switch op.Name {
	case "save", "preview", "refresh", "":
		return false
	}
	return true
}

// apply runs a structural operation; it returns the key of the question to
// bring into view ("" for none).
func (op editorOp) apply(d *definition.Definition, form url.Values) string {
	keyAt := func(n int) string {
		qs := d.Questions()
		if n >= 0 && n < len(qs) {
			return qs[n].Key
		}
		return ""
	}
	switch op.Name {
	case "add":
		if d.AddQuestion(op.N, form.Get(fmt.Sprintf("addtype%d", op.N))) {
			qs := d.Sections[op.N].Questions
			return qs[len(qs)-1].Key
		}
	case "addsection":
		d.AddSection()
	case "delsection":
		d.DeleteSection(op.N)
	case "del":
		d.DeleteQuestion(op.N)
		return keyAt(op.N - 1)
	case "up", "down":
		key := keyAt(op.N)
		delta := 1
		if op.Name == "up" {
			delta = -1
		}
		d.MoveQuestion(op.N, delta)
		return key
	case "refresh":
		return keyAt(op.N)
	case "addopt":
		d.AddOption(op.N)
		return keyAt(op.N)
	case "delopt":
		d.DeleteOption(op.N, op.M)
		return keyAt(op.N)
	case "optup":
		d.MoveOption(op.N, op.M, -1)
		return keyAt(op.N)
	}
	return ""
}

// addCondition applies the condition builder of question op.N (cond) or
// section op.N (scond): the condition "earlier question, operator, value" is
// written as an expression and joined to the present one. It returns the
// key of the question to bring into view and, when the condition cannot be
// written, the problem in lang (nothing changes then).
func addCondition(d *definition.Definition, op editorOp, form url.Values, lang string) (focus, problem string) {
	prefix := fmt.Sprintf("q%d", op.N)
	var target *string
	if op.Name == "scond" {
		prefix = fmt.Sprintf("s%d", op.N)
		if op.N >= 0 && op.N < len(d.Sections) {
			target = &d.Sections[op.N].Relevant
		}
	} else {
		n := 0
		for si := range d.Sections {
			for qi := range d.Sections[si].Questions {
				if n == op.N {
					target, focus = &d.Sections[si].Questions[qi].Relevant, d.Sections[si].Questions[qi].Key
				}
				n++
			}
		}
	}
	if target == nil {
		return "", ""
	}
	expr, err := d.ComposeCondition(*target, form.Get(prefix+".cond_key"), form.Get(prefix+".cond_op"), form.Get(prefix+".cond_value"), form.Get(prefix+".cond_join"))
	var ce *definition.ConditionError
	if errors.As(err, &ce) {
		text := ce.Key
		if q, ok := d.Question(ce.Key); ok {
			text = q.Text.In(lang)
		}
		switch ce.Code {
		case "bad_op", "no_value":
			return focus, consoleT(lang, "q.cond_err."+ce.Code, text)
		case "bad_value":
			return focus, consoleT(lang, "q.cond_err.bad_value", text, ce.Value)
		}
		return focus, consoleT(lang, "q.cond_err."+ce.Code)
	}
	*target = expr
	return focus, ""
}
