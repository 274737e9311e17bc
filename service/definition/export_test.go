package definition

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestYAMLExportReimportsToTheSameDefinition(t *testing.T) {
	for _, file := range []string{"sanya-2018-evaluation.yaml", "standard-evaluation.yaml"} {
		t.Run(file, func(t *testing.T) {
			src, err := os.ReadFile("../../templates/definitions/" + file)
			if err != nil {
				t.Fatal(err)
			}
			def, err := ParseDefinition(src)
			if err != nil {
				t.Fatal(err)
			}
			out, err := def.YAML()
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParseDefinition(out)
			if err != nil {
				t.Fatalf("exported YAML does not parse: %v\n%s", err, out)
			}
			if !bytes.Equal(back.JSON(), def.JSON()) {
				t.Fatalf("round trip changed the definition:\n%s\n%s", def.JSON(), back.JSON())
			}
			jsonBack, err := ParseDefinition(def.IndentedJSON())
			if err != nil || !bytes.Equal(jsonBack.JSON(), def.JSON()) {
				t.Fatalf("JSON export round trip: %v", err)
			}
			// Short bilingual texts are written on one line, as people write them.
			if !strings.Contains(string(out), "{en: Strongly") && !strings.Contains(string(out), "title: {en: ") {
				t.Errorf("short texts are not in flow style:\n%s", out)
			}
		})
	}
}
