package servicetest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"seminareval/service/definition"
)

// Root is the repository's directory, whatever package's test asks.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// ParseFile parses the definition at path, relative to the repository
// (e.g. "testdata/definitions/logic.yaml").
func ParseFile(t testing.TB, path string) *definition.Definition {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(Root(), path))
	if err != nil {
		t.Fatal(err)
	}
	d, err := definition.ParseDefinition(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return d
}
