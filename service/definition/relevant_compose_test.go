package definition

import (
	"errors"
	"os"
	"testing"
)

// The editor's builder writes what a person would have typed, reads option
// labels and Likert words for values, and says what it cannot write.
// parseLogic is testdata/definitions/logic.yaml.
func parseLogic(t *testing.T) *Definition {
	t.Helper()
	data, err := os.ReadFile("../../testdata/definitions/logic.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParseDefinition(data)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestComposeConditionWritesTheExpression(t *testing.T) {
	d := parseLogic(t)
	for _, c := range []struct {
		existing, key, op, value, join string
		want                           string
	}{
		{"", "useful", CondAtMost, "2", "", "${useful} <= 2"},
		{"", "useful", CondIs, "Disagree", "", "${useful} = 2"},
		{"", "useful", CondIs, "非常不同意", "", "${useful} = 1"},
		{"", "workplace", CondIs, "police", "", "${workplace} = 'police'"},
		{"", "workplace", CondIsNot, "Court", "", "${workplace} != 'court'"},
		{"", "workplace", CondIs, "Other (please specify)", "", "${workplace} = 'other'"},
		{"", "topics", CondIs, "法律", "", "selected(${topics}, 'law')"},
		{"", "topics", CondIsNot, "cases", "", "not(selected(${topics}, 'cases'))"},
		{"", "topics", CondAnswered, "", "", "count-selected(${topics}) > 0"},
		{"", "topics", CondNotAnswered, "ignored", "", "count-selected(${topics}) = 0"},
		{"", "why_not_useful", CondAnswered, "", "", "${why_not_useful} != ''"},
		{"", "years", CondMore, "３０", "", "${years} > 30"},
		{"", "hours", CondAtLeast, "1,5", "", "${hours} >= 1.5"},
		{"", "arrival", CondLess, "2018-01-15", "", "${arrival} < '2018-01-15'"},
		{"${useful} <= 2", "workplace", CondIs, "police", "and", "${useful} <= 2 and ${workplace} = 'police'"},
		{"${useful} <= 2 or ${years} > 30", "workplace", CondIs, "police", "and", "(${useful} <= 2 or ${years} > 30) and ${workplace} = 'police'"},
		{"${useful} <= 2", "years", CondMore, "30", "or", "${useful} <= 2 or ${years} > 30"},
	} {
		got, err := d.ComposeCondition(c.existing, c.key, c.op, c.value, c.join)
		if err != nil || got != c.want {
			t.Errorf("%q + %s %s %q: %q (%v), want %q", c.existing, c.key, c.op, c.value, got, err, c.want)
			continue
		}
		if _, err := ParseRelevant(got); err != nil {
			t.Errorf("%q does not parse: %v", got, err)
		}
	}
	for _, c := range []struct {
		existing, key, op, value string
		code                     string
	}{
		{"", "nosuch", CondIs, "x", "no_question"},
		{"", "about", CondIs, "x", "no_question"}, // a note
		{"", "workplace", CondLess, "police", "bad_op"},
		{"", "workplace", CondIs, "Customs", "bad_value"},
		{"", "useful", CondIs, "7", "bad_value"},
		{"", "years", CondIs, "many", "bad_value"},
		{"", "arrival", CondIs, "16/01/2018", "bad_value"},
		{"", "years", CondIs, " ", "no_value"},
		{"${useful <= 2", "years", CondIs, "3", "existing_invalid"},
	} {
		_, err := d.ComposeCondition(c.existing, c.key, c.op, c.value, "and")
		var ce *ConditionError
		if !errors.As(err, &ce) || ce.Code != c.code {
			t.Errorf("%s %s %q: %v, want %s", c.key, c.op, c.value, err, c.code)
		}
	}
}
