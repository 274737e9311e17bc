package xlsform

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"seminareval/model"
	"seminareval/service/definition"
	"seminareval/templates"
)

// TestRealWorldXLSForms imports each of pyxform's test workbooks
// (../shared/realworld/xlsform beside the checkout) and checks the outcome: the
// forms our model can represent are imported, every other one is refused
// for its true reason. The table gives, per file, the problems expected
// ("path: code"); a file with none must import, and a file listed as
// containing only some of its problems (the large spec forms) must have at
// least those. README.md, "Questionnaire definitions", reports the count.
func TestRealWorldXLSForms(t *testing.T) {
	type expect struct {
		problems []string // "path: code", in the order reported
		partial  bool     // problems is a subset (forms with dozens)
		warnings []string // codes that must be among the warnings of an import
	}
	cases := map[string]expect{
		"ODKValidateWarnings.xlsx": {problems: []string{
			"survey row 3, type: unsupported_type", // phone number; the integer of row 4 is a number
		}},
		"UCL_Biomass_Plot_Form.xlsx": {partial: true, problems: []string{
			"survey row 1, column C: unknown_language", // label::Swahili (sw)
			"survey row 1, column E: unknown_language",
			// row 3 (a note), row 9 (relevant with ‘typographic quotes’) and row 21 (an integer) are fine
			"survey row 10, constraint: unsupported_constraint", // regex
			"survey row 16, type: unsupported_type",             // select_one_from_file
			"survey row 32, type: unsupported_type",             // begin repeat
			"survey row 36, relevant: unknown_reference",        // a question refused for itself (row 35)
			"settings row 2, default_language: unknown_language",
		}},
		"attribute_columns_test.xlsx": {partial: true, problems: []string{
			"survey row 2, label::zh: required",
			"survey row 5, label: unsupported_piping",      // a note quoting ${my_name}
			"survey row 7, relevant: unsupported_function", // regex()
			"survey row 15, type: unsupported_type",        // begin repeat
			"survey row 18, constraint: unsupported_constraint",
			"survey row 21, appearance: unsupported_appearance", // label
			"survey row 22, name: bad_key",                      // list-nolabel-test
			"survey row 33, type: unsupported_type",             // datetime (the date of row 31 is fine)
			"settings row 2, public_key: unsupported_setting",
		}},
		"bad_calc.xlsx": {problems: []string{"survey: no_questions"}},
		"case_insensitivity.xlsx": {problems: []string{
			"survey row 3, type: unsupported_type", // select_one_external
			"survey row 3, choice_filter: unsupported_column",
			"survey row 4, type: unsupported_type", // osm
		}},
		"choice_filter_test.xlsx": {problems: []string{
			"survey row 3, choice_filter: unsupported_column",
			"survey row 4, choice_filter: unsupported_column",
			"choices row 6, name: duplicate_option", // king, twice in counties
		}},
		"duplicate_columns.xlsx": {partial: true, problems: []string{
			"survey row 1, column E: duplicate_column", // label, twice
			"survey row 7, relevant: unsupported_function",
			"survey row 15, relevant: bad_expression", // FALSE
		}},
		"extra_columns.xlsx":     {warnings: []string{"title_from_file_name"}},
		"extra_sheet_names.xlsx": {warnings: []string{"title_from_file_name", "ignored_sheet"}},
		"field-list.xlsx":        {warnings: []string{"title_from_file_name", "ignored_language"}},
		"flat_xlsform_test.xlsx": {partial: true, problems: []string{
			"survey row 3, relevant: unsupported_function",
			"survey row 16, type: nested_group",
			"settings row 2, public_key: unsupported_setting",
		}},
		"group.xlsx": {problems: []string{
			"survey row 4, type: unsupported_type", // phone number
		}},
		"include.xlsx":      {problems: []string{"survey row 3, type: unsupported_type"}},
		"include_json.xlsx": {problems: []string{"survey row 2, type: unsupported_type"}},
		"loop.xlsx": {problems: []string{
			"survey row 3, type: unsupported_type", // begin loop
		}},
		"or_other.xlsx": {problems: []string{
			"survey row 3, choice_filter: unsupported_column",
		}},
		"pull_data.xlsx":        {problems: []string{"survey row 3, label: unsupported_piping"}}, // a note quoting a calculate
		"specify_other.xlsx":    {warnings: []string{"title_from_file_name"}},
		"survey_no_name.xlsx":   {problems: []string{"survey: no_survey_sheet"}},
		"text_and_integer.xlsx": {warnings: []string{"title_from_file_name"}},
		"xl_date_ambiguous.xlsx": {problems: []string{
			"survey row 4, relevant: not_a_condition", // "label::English != ''"
			"survey row 5, choice_filter: unsupported_column",
			"choices row 2, label: unsupported_piping", // ${name1}
			"choices row 3, label: unsupported_piping",
			"choices row 4, label: unsupported_piping",
		}},
		"xl_date_ambiguous_v1.xlsx": {problems: []string{
			"choices row 2, label: unsupported_piping",
			"choices row 3, label: unsupported_piping",
			"choices row 4, label: unsupported_piping",
		}},
		"xlsform_spec_test.xlsx": {partial: true, problems: []string{
			"survey row 7, relevant: unsupported_function",
			"survey row 15, type: unsupported_type",
			"survey row 30, type: unsupported_type", // acknowledge
			"settings row 2, public_key: unsupported_setting",
		}},
		"yes_or_no_question.xlsx": {warnings: []string{"title_from_file_name"}},
	}
	files, err := filepath.Glob(filepath.Join(realWorldDir(t), "xlsform", "*.xlsx"))
	if err != nil || len(files) != 24 {
		t.Fatalf("want the 24 workbooks, found %d (%v)", len(files), err)
	}
	imported := 0
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			want, ok := cases[name]
			if !ok {
				t.Fatalf("no expectation for %s", name)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			d, warnings, err := Parse(data, Options{FileName: name})
			ps, invalid := definition.AsInvalid(err)
			if err != nil && !invalid {
				t.Fatalf("err = %v, want an import or problems", err)
			}
			var got []string
			rows := map[string]bool{}
			for _, p := range ps {
				got = append(got, p.Path+": "+p.Code)
				if rows[p.Path] {
					t.Errorf("%s is named twice", p.Path)
				}
				rows[p.Path] = true
				if p.Code == "" || p.Message == "" {
					t.Errorf("problem without code or message: %+v", p)
				}
			}
			// Each problem and warning reads in Chinese too, the conditions'
			// explanations (problem.expr_at, problem.cmp.*) included.
			all := append(slices.Clone(ps), warnings...)
			checkChinese(t, all, templates.Localize("zh", all))
			if !sortedBySheetAndRow(ps) {
				t.Errorf("problems not in sheet and row order:\n%s", strings.Join(got, "\n"))
			}
			switch {
			case len(want.problems) == 0:
				if err != nil {
					t.Fatalf("refused, want an import:\n%s", strings.Join(got, "\n"))
				}
				if ps := d.Validate(); len(ps) > 0 {
					t.Fatalf("imported a definition that does not validate: %v", ps)
				}
				for _, code := range want.warnings {
					if !slices.ContainsFunc(warnings, func(w model.Problem) bool { return w.Code == code }) {
						t.Errorf("warnings %v: none %s", warnings, code)
					}
				}
				imported++
			case want.partial:
				for _, w := range want.problems {
					if !slices.Contains(got, w) {
						t.Errorf("missing problem %q among:\n%s", w, strings.Join(got, "\n"))
					}
				}
			default:
				if !slices.Equal(got, want.problems) {
					t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want.problems, "\n"))
				}
			}
		})
	}
	if imported != 6 {
		t.Errorf("%d of the 24 import; README.md says 6", imported)
	}
}

// sortedBySheetAndRow checks the order of problems: survey, choices,
// settings, each by row number.
func sortedBySheetAndRow(ps []model.Problem) bool {
	rank := map[string]int{"survey": 1, "choices": 2, "settings": 3}
	last := [2]int{}
	for _, p := range ps {
		var sheet string
		row := 0
		if _, err := fmt.Sscanf(p.Path, "%s row %d", &sheet, &row); err != nil {
			sheet, _, _ = strings.Cut(p.Path, " ")
		}
		at := [2]int{rank[sheet], row}
		if at[0] < last[0] || at[0] == last[0] && at[1] < last[1] {
			return false
		}
		last = at
	}
	return true
}

// realWorldDir is ../shared/realworld beside the checkout: public files
// nobody on this project wrote, kept outside the repository. A developer's
// machine without it skips; CI, which has it, fails.
func realWorldDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
	shared := filepath.Join(dir, "..", "shared", "realworld")
	if _, err := os.Stat(shared); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI needs the public files beside the checkout: %v", err)
		}
		t.Skipf("no %s beside the checkout: %v", shared, err)
	}
	return shared
}
