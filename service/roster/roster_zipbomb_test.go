package roster

import (
	"errors"
	"runtime"
	"testing"

	"seminareval/service/servicetest"
)

// A roster workbook that unpacks to 256 MB (a zip bomb) is refused before
// anything is unpacked: excelize's own limits would unpack 16 GB.
func TestRosterRefusesAZipBomb(t *testing.T) {
	bomb := servicetest.ZipWithExtra(t, servicetest.Workbook(t, [][]any{{"name"}, {"Anna"}}), 256<<20)
	if len(bomb) > 1<<20 {
		t.Fatalf("the bomb is %d bytes", len(bomb))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := Parse(bomb)
	runtime.ReadMemStats(&after)
	problems, ok := AsError(err)
	if !ok || len(problems) != 1 || problems[0].Code != "zip_bomb" || !errors.Is(err, ErrNotSpreadsheet) {
		t.Fatalf("err = %v", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Fatalf("parsing the bomb allocated %d MB", grew>>20)
	}
}
