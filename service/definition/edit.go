package definition

import (
	"fmt"

	"seminareval/model"
)

// The editor's operations on a  Questions are addressed by their
// position in page order (0-based, across sections), as the editor lists
// them. Each returns false when the operation does not apply (an index out
// of range, moving the first question up), leaving the definition as it was.

// questionAt returns the section and index within it of flat question n.
func (d *Definition) questionAt(n int) (si, qi int, ok bool) {
	for si := range d.Sections {
		if n < len(d.Sections[si].Questions) {
			return si, n, n >= 0
		}
		n -= len(d.Sections[si].Questions)
	}
	return 0, 0, false
}

// AddSection appends an empty section.
func (d *Definition) AddSection() { d.Sections = append(d.Sections, Section{}) }

// DeleteSection removes section si when it has no questions.
func (d *Definition) DeleteSection(si int) bool {
	if si < 0 || si >= len(d.Sections) || len(d.Sections[si].Questions) > 0 {
		return false
	}
	d.Sections = append(d.Sections[:si], d.Sections[si+1:]...)
	return true
}

// AddQuestion appends a question of type typ to section si with a free key
// and, for choice questions, two empty options to fill in.
func (d *Definition) AddQuestion(si int, typ string) bool {
	if si < 0 || si >= len(d.Sections) {
		return false
	}
	q := QuestionDef{Type: typ, Text: model.Text{}}
	for n := len(d.Questions()) + 1; ; n++ {
		q.Key = fmt.Sprintf("q%d", n)
		if _, used := d.Question(q.Key); !used {
			break
		}
	}
	switch typ {
	case model.TypeSingle, model.TypeMulti:
		q.Options = []Option{{Value: "a", Label: model.Text{}}, {Value: "b", Label: model.Text{}}}
	case model.TypeText, model.TypeLongText:
		q.MaxLength = DefaultMaxLength
	case model.TypeLikert, model.TypeRating, model.TypeNPS:
	default:
		return false
	}
	d.Sections[si].Questions = append(d.Sections[si].Questions, q)
	return true
}

// DeleteQuestion removes flat question n.
func (d *Definition) DeleteQuestion(n int) bool {
	si, qi, ok := d.questionAt(n)
	if !ok {
		return false
	}
	qs := d.Sections[si].Questions
	d.Sections[si].Questions = append(qs[:qi:qi], qs[qi+1:]...)
	return true
}

// MoveQuestion moves flat question n one place up (delta -1) or down (+1).
// At the edge of a section it crosses into the neighbouring section, so a
// question can travel anywhere one step at a time.
func (d *Definition) MoveQuestion(n, delta int) bool {
	si, qi, ok := d.questionAt(n)
	if !ok || (delta != -1 && delta != 1) {
		return false
	}
	qs := d.Sections[si].Questions
	switch {
	case qi+delta >= 0 && qi+delta < len(qs):
		qs[qi], qs[qi+delta] = qs[qi+delta], qs[qi]
	case delta == -1 && si > 0:
		q := qs[qi]
		d.Sections[si].Questions = append(qs[:qi:qi], qs[qi+1:]...)
		d.Sections[si-1].Questions = append(d.Sections[si-1].Questions, q)
	case delta == 1 && si+1 < len(d.Sections):
		q := qs[qi]
		d.Sections[si].Questions = append(qs[:qi:qi], qs[qi+1:]...)
		d.Sections[si+1].Questions = append([]QuestionDef{q}, d.Sections[si+1].Questions...)
	default:
		return false
	}
	return true
}

// AddOption appends an empty option to choice question n.
func (d *Definition) AddOption(n int) bool {
	si, qi, ok := d.questionAt(n)
	if !ok {
		return false
	}
	q := &d.Sections[si].Questions[qi]
	if q.Type != model.TypeSingle && q.Type != model.TypeMulti {
		return false
	}
	value := ""
	for i := len(q.Options) + 1; ; i++ {
		value = fmt.Sprintf("o%d", i)
		if !q.HasOption(value) {
			break
		}
	}
	q.Options = append(q.Options, Option{Value: value, Label: model.Text{}})
	return true
}

// DeleteOption removes option m of question n.
func (d *Definition) DeleteOption(n, m int) bool {
	si, qi, ok := d.questionAt(n)
	if !ok {
		return false
	}
	q := &d.Sections[si].Questions[qi]
	if m < 0 || m >= len(q.Options) {
		return false
	}
	q.Options = append(q.Options[:m:m], q.Options[m+1:]...)
	return true
}

// MoveOption moves option m of question n one place up (delta -1) or down (+1).
func (d *Definition) MoveOption(n, m, delta int) bool {
	si, qi, ok := d.questionAt(n)
	if !ok {
		return false
	}
	opts := d.Sections[si].Questions[qi].Options
	if m < 0 || m >= len(opts) || m+delta < 0 || m+delta >= len(opts) || (delta != -1 && delta != 1) {
		return false
	}
	opts[m], opts[m+delta] = opts[m+delta], opts[m]
	return true
}
