package definition

import (
	"reflect"
	"testing"

	"seminareval/templates"
)

func TestDemoTestsParseWithTheirAnswerKeys(t *testing.T) {
	for _, name := range []string{"sanya-2018-pretest", "sanya-2018-posttest"} {
		src, err := templates.Definitions.ReadFile("definitions/" + name + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		d, err := ParseDefinition(src)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !d.IsTest() || d.MaxPoints() != 7 || len(d.ScoredQuestions()) != 6 || d.Mastery() != 80 {
			t.Errorf("%s: test %v, max points %d, %d scored, mastery %d; want a test of 7 points, 6 scored, 80",
				name, d.IsTest(), d.MaxPoints(), len(d.ScoredQuestions()), d.Mastery())
		}
		again, err := ParseDefinition(d.JSON())
		if err != nil || !reflect.DeepEqual(again, d) {
			t.Errorf("%s: canonical JSON does not parse back the same (%v)", name, err)
		}
	}
}

func TestMarkScoresAllOrNothingAndCountsUnansweredAsWrong(t *testing.T) {
	src, _ := templates.Definitions.ReadFile("definitions/sanya-2018-posttest.yaml")
	d, err := ParseDefinition(src)
	if err != nil {
		t.Fatal(err)
	}
	m := d.Mark(map[string][]string{
		"t_elements":    {"b"},                        // right: 1
		"t_children":    {"a"},                        // wrong
		"t_indicators":  {"movement", "docs", "debt"}, // right in another order: 2
		"t_nonpunish":   {"a"},                        // right: 1
		"t_cooperation": {"eurojust", "frontex"},      // two options for a single: wrong
		// t_referral unanswered: wrong
	})
	if m.Earned != 4 || m.Max != 7 || !m.Right["t_indicators"] || m.Right["t_children"] || m.Right["t_referral"] {
		t.Errorf("mark %+v, want 4 of 7 with t_indicators right", m)
	}
	if got := d.Mark(map[string][]string{"t_indicators": {"docs", "debt"}}); got.Earned != 0 {
		t.Errorf("a multi with one right option missing earned %d, want 0 (all or nothing)", got.Earned)
	}
	if p := m.Percent(); p < 57.14 || p > 57.15 {
		t.Errorf("percent %v, want 4/7 = 57.14…", p)
	}
}

func TestTestFieldsAreChecked(t *testing.T) {
	const head = "format: seminareval/v1\nslug: quiz-one\ntitle: {en: Quiz}\nlanguages: [en]\n"
	q := func(extra string) string {
		return "sections:\n  - questions:\n      - key: q1\n        type: single\n        text: {en: Q}\n        options:\n" +
			"          - {value: a, label: {en: A}}\n          - {value: b, label: {en: B}}\n" + extra
	}
	cases := []struct {
		name, src, path, code string
	}{
		{"unknown kind", head + "kind: quiz\n" + q(""), "kind", "bad_kind"},
		{"post-test without its pre-test", head + "kind: post_test\n" + q("        correct: [a]\n"), "pairs_with", "pairs_with_required"},
		{"pairs_with on a pre-test", head + "kind: pre_test\npairs_with: quiz-zero\n" + q("        correct: [a]\n"), "pairs_with", "pairs_with_not_allowed"},
		{"pairs with itself", head + "kind: post_test\npairs_with: quiz-one\n" + q("        correct: [a]\n"), "pairs_with", "pairs_with_itself"},
		{"answer key on an evaluation", head + q("        correct: [a]\n"), "sections[0].questions[0].correct", "test_only"},
		{"mastery on an evaluation", head + "mastery_percent: 70\n" + q(""), "mastery_percent", "test_only"},
		{"mastery over 100", head + "kind: pre_test\nmastery_percent: 120\n" + q("        correct: [a]\n"), "mastery_percent", "bad_mastery"},
		{"show_score on an evaluation", head + "show_score: true\n" + q(""), "show_score", "test_only"},
		{"a key that is no option", head + "kind: pre_test\n" + q("        correct: [z]\n"), "sections[0].questions[0].correct[0]", "correct_not_an_option"},
		{"two right options for a single", head + "kind: pre_test\n" + q("        correct: [a, b]\n"), "sections[0].questions[0].correct", "correct_single"},
		{"points without a key", head + "kind: pre_test\n" + q("        points: 2\n"), "sections[0].questions[0].points", "points_without_correct"},
		{"too many points", head + "kind: pre_test\n" + q("        correct: [a]\n        points: 500\n"), "sections[0].questions[0].points", "bad_points"},
		{"a test with no key", head + "kind: pre_test\n" + q(""), "sections", "test_without_key"},
		{"a scored question behind a condition", head + "kind: pre_test\n" + q("        correct: [a]\n") +
			"      - key: q2\n        type: single\n        relevant: \"${q1} = 'a'\"\n        text: {en: Q2}\n        correct: [a]\n        options:\n" +
			"          - {value: a, label: {en: A}}\n          - {value: b, label: {en: B}}\n",
			"sections[0].questions[1].correct", "scored_behind_condition"},
		{"an answer key on a rating", head + "kind: pre_test\nsections:\n  - questions:\n      - key: r\n        type: rating\n        text: {en: R}\n        correct: ['5']\n",
			"sections[0].questions[0].correct", "correct_not_allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseDefinition([]byte(tc.src))
			ps, ok := AsInvalid(err)
			if !ok {
				t.Fatalf("accepted (err %v), want %s at %s", err, tc.code, tc.path)
			}
			for _, p := range ps {
				if p.Path == tc.path && p.Code == tc.code {
					if zh := templates.Localize("zh", ps); zh[0].Message == ps[0].Message {
						t.Errorf("no Chinese message for %s", ps[0].Code)
					}
					return
				}
			}
			t.Errorf("problems %v, want %s at %s", ps, tc.code, tc.path)
		})
	}
}

// A condition's problems read in the reader's language, the explanation
// and where in the condition alike.
func TestConditionProblemsAreTranslated(t *testing.T) {
	src := "format: seminareval/v1\nslug: cond-one\ntitle: {en: C}\nlanguages: [en]\nsections:\n  - questions:\n" +
		"      - key: q1\n        type: single\n        text: {en: Q}\n        options: [{value: a, label: {en: A}}, {value: b, label: {en: B}}]\n" +
		"      - key: q2\n        type: text\n        text: {en: Q2}\n        relevant: \"${q1} = 'zz'\"\n" +
		"      - key: q3\n        type: text\n        text: {en: Q3}\n        relevant: \"${q1} =\"\n"
	_, err := ParseDefinition([]byte(src))
	ps, ok := AsInvalid(err)
	if !ok || len(ps) != 2 {
		t.Fatalf("problems %v, want two", err)
	}
	want := map[string][2]string{
		"sections[0].questions[1].relevant": {`"zz" is not an option of ${q1} (options: a, b)`, `"zz" 不是 ${q1} 的选项（选项：a, b）`},
		"sections[0].questions[2].relevant": {"the condition ends too early (at character 8)", "条件过早结束（第 8 个字符处）"},
	}
	zh := templates.Localize("zh", ps)
	for i, p := range ps {
		w := want[p.Path]
		if p.Message != w[0] || zh[i].Message != w[1] || zh[i].Code != p.Code {
			t.Errorf("%s: %q / %q, want %q / %q", p.Path, p.Message, zh[i].Message, w[0], w[1])
		}
	}
}
