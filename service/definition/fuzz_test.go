package definition

// Fuzz targets for the definition format: definitions (YAML/JSON) and
// conditions. `go test` replays the seeds and the corpus kept under
// testdata/fuzz/<FuzzName>/; to search for new inputs, e.g.
//
//	go test -run XXX -fuzz FuzzParseDefinition -fuzztime 60s ./service/definition/
//
// Each target checks more than "does not panic": what is accepted must also
// be valid by the package's own rules.

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"seminareval/templates"
)

func demoYAML(t testing.TB) []byte {
	t.Helper()
	data, err := templates.Definitions.ReadFile("definitions/sanya-2018-evaluation.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func FuzzParseDefinition(f *testing.F) {
	demo := demoYAML(f)
	f.Add(demo)
	f.Add(mustParse(f, demoYAML(f)).JSON())
	f.Add([]byte("format: seminareval/v1\nslug: abc\ntitle: {en: T}\nlanguages: [en]\nsections:\n  - questions:\n      - {key: q1, type: likert, text: {en: Q}, na: true}\n"))
	f.Add([]byte(`{"format":"seminareval/v1","slug":"abc","title":{"en":"T","zh":"题"},"languages":["zh","en"],"sections":[{"questions":[{"key":"o","type":"single","text":{"en":"Q"},"options":[{"value":"a","label":{"en":"A"}},{"value":"b","label":{"en":"B"}}]}]}]}`))
	f.Add([]byte("slug: [unterminated"))
	f.Add([]byte("a: &a [*a, *a, *a]\nb: *a\n"))
	f.Add(bytes.Replace(demo, []byte("type: likert"), []byte("type: matrix"), 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDefinition(data)
		if err != nil {
			if d != nil {
				t.Fatalf("error %v with a definition", err)
			}
			if _, ok := AsInvalid(err); !ok {
				t.Fatalf("error is not an *InvalidError naming the problems: %v", err)
			}
			return
		}
		if ps := d.Validate(); len(ps) > 0 {
			t.Fatalf("accepted a definition that does not validate: %v", ps)
		}
		// Accepted definitions round-trip through their canonical JSON
		// (what is stored and what the API returns).
		back, err := ParseDefinition(d.JSON())
		if err != nil {
			t.Fatalf("canonical JSON does not parse back: %v\n%s", err, d.JSON())
		}
		if !bytes.Equal(back.JSON(), d.JSON()) {
			t.Fatalf("round trip changed the definition:\n%s\n%s", d.JSON(), back.JSON())
		}
	})
}

// FuzzParseRelevant: any text either parses into a condition whose written
// form reads back the same and evaluates without panicking, or is refused
// with an ExprError; nothing panics or recurses without bound.
func FuzzParseRelevant(f *testing.F) {
	for _, s := range []string{
		"${useful} <= 2 or selected(${topics}, 'other')",
		"count-selected(${m}) >= 2 and not(${s} = 'x')",
		"(${a} = 1 or ${b} != '') and ${c} > -1.5",
		"${d} >= '2018-01-10'", `${x} = "it's"`, "string-length(${x}) > 3", "((((", "${", "'",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := ParseRelevant(src)
		if err != nil {
			var ee *ExprError
			if !errors.As(err, &ee) || ee.Code == "" {
				t.Fatalf("%q: error without a code: %v", src, err)
			}
			return
		}
		if !e.IsCondition() {
			t.Fatalf("%q parsed to a value", src)
		}
		again, err := ParseRelevant(e.String())
		if err != nil || again.String() != e.String() {
			t.Fatalf("%q written as %q reads back as %v, %v", src, e.String(), again, err)
		}
		vals := map[string]Value{}
		for i, k := range e.References() {
			switch i % 3 {
			case 0:
				vals[k] = NumValue(float64(i))
			case 1:
				vals[k] = ListValue([]string{"a", k})
			}
		}
		_ = e.Eval(vals)
		if _, err := json.Marshal(e); err != nil {
			t.Fatal(err)
		}
	})
}

func mustParse(t testing.TB, data []byte) *Definition {
	t.Helper()
	d, err := ParseDefinition(data)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
