package xlsform

// FuzzParseXLSForm: `go test` replays the seeds and the corpus kept under
// testdata/fuzz/FuzzParseXLSForm/; to search for new inputs:
//
//	go test -run XXX -fuzz FuzzParseXLSForm -fuzztime 60s ./service/xlsform/

import (
	"testing"

	"seminareval/service/definition"
)

func FuzzParseXLSForm(f *testing.F) {
	f.Add(workbook(f, koboSurvey()))
	small := map[string][][]any{
		"survey":  {{"type", "name", "label"}, {"select_one yn", "q1", "Yes?"}, {"integer", "n", "How many?"}},
		"choices": {{"list_name", "name", "label"}, {"yn", "y", "Yes"}, {"yn", "n", "No"}},
	}
	f.Add(workbook(f, small))
	f.Add([]byte("PK\x03\x04 not really a zip"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, _, err := Parse(data, Options{})
		if err != nil {
			if d != nil {
				t.Fatalf("error %v with a definition", err)
			}
			return
		}
		if ps := d.Validate(); len(ps) > 0 {
			t.Fatalf("accepted a workbook whose definition does not validate: %v", ps)
		}
		if _, err := definition.ParseDefinition(d.JSON()); err != nil {
			t.Fatalf("the imported definition does not parse back: %v", err)
		}
	})
}
