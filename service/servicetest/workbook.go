package servicetest

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Workbook builds an .xlsx whose first sheet, "Sheet1", holds rows — a
// roster or a questionnaire as a spreadsheet program would save it.
func Workbook(t testing.TB, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
