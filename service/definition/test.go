package definition

import (
	"fmt"
	"slices"

	"seminareval/model"
)

// Kinds of questionnaire (docs/definition-format.md, "Knowledge tests"). An
// evaluation (the default, Kind "") asks for views; a pre_test and the
// post_test that pairs_with it are scored against answer keys and matched
// per respondent into a gain.
const (
	KindEvaluation = "evaluation"
	KindPreTest    = "pre_test"
	KindPostTest   = "post_test"
)

var validKinds = []string{KindEvaluation, KindPreTest, KindPostTest}

// DefaultMasteryPercent is the score at or above which a participant has
// mastered a test's content, when the definition does not say.
const DefaultMasteryPercent = 80

// MaxPoints bounds the points of one question.
const MaxPoints = 100

// KindOf is the questionnaire's kind, evaluation when it names none.
func (d *Definition) KindOf() string {
	if d.Kind == "" {
		return KindEvaluation
	}
	return d.Kind
}

// IsTest reports whether the questionnaire is a scored knowledge test.
func (d *Definition) IsTest() bool {
	k := d.KindOf()
	return k == KindPreTest || k == KindPostTest
}

// TestGroup names the pair a test belongs to — the pre-test's slug, its
// own or the one a post-test pairs with — and is "" for an evaluation.
func (d *Definition) TestGroup() string {
	switch d.KindOf() {
	case KindPreTest:
		return d.Slug
	case KindPostTest:
		return d.PairsWith
	}
	return ""
}

// Mastery is the mastery threshold in percent.
func (d *Definition) Mastery() int {
	if d.MasteryPercent == 0 {
		return DefaultMasteryPercent
	}
	return d.MasteryPercent
}

// Scored reports whether q has an answer key and so counts in the score.
func (q QuestionDef) Scored() bool { return len(q.Correct) > 0 }

// PointsOf is what a right answer to q earns (1 unless the definition says).
func (q QuestionDef) PointsOf() int {
	if q.Points == 0 {
		return 1
	}
	return q.Points
}

// ScoredQuestions are the questions with an answer key, in page order.
func (d *Definition) ScoredQuestions() []QuestionDef {
	var out []QuestionDef
	for _, q := range d.Questions() {
		if q.Scored() {
			out = append(out, q)
		}
	}
	return out
}

// MaxPoints is the most a respondent can earn.
func (d *Definition) MaxPoints() int {
	n := 0
	for _, q := range d.ScoredQuestions() {
		n += q.PointsOf()
	}
	return n
}

// IsCorrect reports whether chosen — the options a respondent chose — is
// q's right answer: the one option of a single; exactly the set of a multi
// (all or nothing). Nothing chosen is wrong.
func (q QuestionDef) IsCorrect(chosen []string) bool {
	if len(chosen) == 0 || len(chosen) != len(q.Correct) {
		return false
	}
	for _, c := range chosen {
		if !slices.Contains(q.Correct, c) {
			return false
		}
	}
	return true
}

// Mark is one respondent's result on a test.
type Mark struct {
	Earned, Max int
	// Right holds the keys of the scored questions answered right.
	Right map[string]bool
}

// Percent is Earned of Max in percent, unrounded (0 for a test of no
// points).
func (m Mark) Percent() float64 {
	if m.Max == 0 {
		return 0
	}
	return float64(m.Earned) / float64(m.Max) * 100
}

// Mark scores one respondent: chosen maps a question's key to the options
// they chose. An unanswered scored question earns nothing.
func (d *Definition) Mark(chosen map[string][]string) Mark {
	m := Mark{Right: map[string]bool{}}
	for _, q := range d.ScoredQuestions() {
		m.Max += q.PointsOf()
		if q.IsCorrect(chosen[q.Key]) {
			m.Earned += q.PointsOf()
			m.Right[q.Key] = true
		}
	}
	return m
}

// validateTest checks the knowledge-test fields: a kind we know; pairs_with
// only, and always, on a post-test; answer keys only on a test's single
// and multi questions, naming their own options; a test with at least one
// scored question, none of them behind a condition (a question someone was
// not asked cannot be scored fairly).
func (d *Definition) validateTest(ps *problems) {
	add := ps.add
	if d.Kind != "" && !slices.Contains(validKinds, d.Kind) {
		add("kind", "bad_kind")
		return
	}
	test := d.IsTest()
	switch {
	case d.KindOf() == KindPostTest && d.PairsWith == "":
		add("pairs_with", "pairs_with_required")
	case d.KindOf() != KindPostTest && d.PairsWith != "":
		add("pairs_with", "pairs_with_not_allowed")
	case d.PairsWith != "" && !slugRe.MatchString(d.PairsWith):
		add("pairs_with", "bad_slug")
	case d.PairsWith != "" && d.PairsWith == d.Slug:
		add("pairs_with", "pairs_with_itself")
	}
	if d.MasteryPercent != 0 && !test {
		add("mastery_percent", "test_only")
	} else if d.MasteryPercent < 0 || d.MasteryPercent > 100 {
		add("mastery_percent", "bad_mastery")
	}
	if d.ShowScore && !test {
		add("show_score", "test_only")
	}
	scored := 0
	for si, sec := range d.Sections {
		for qi, q := range sec.Questions {
			qp := fmt.Sprintf("sections[%d].questions[%d]", si, qi)
			if q.Points != 0 && !q.Scored() {
				add(qp+".points", "points_without_correct")
			} else if q.Points < 0 || q.Points > MaxPoints {
				add(qp+".points", "bad_points", MaxPoints)
			}
			if !q.Scored() {
				continue
			}
			scored++
			switch {
			case !test:
				add(qp+".correct", "test_only")
				continue
			case q.Type != model.TypeSingle && q.Type != model.TypeMulti:
				add(qp+".correct", "correct_not_allowed")
				continue
			case q.Type == model.TypeSingle && len(q.Correct) != 1:
				add(qp+".correct", "correct_single")
			case q.Relevant != "" || sec.Relevant != "":
				add(qp+".correct", "scored_behind_condition")
			}
			seen := map[string]bool{}
			for ci, c := range q.Correct {
				cp := fmt.Sprintf("%s.correct[%d]", qp, ci)
				switch {
				case !q.HasOption(c):
					add(cp, "correct_not_an_option", c)
				case seen[c]:
					add(cp, "duplicate_option", c)
				}
				seen[c] = true
			}
		}
	}
	if test && scored == 0 && len(d.Sections) > 0 {
		add("sections", "test_without_key")
	}
}
