package spreadsheet

import (
	"bufio"
	"bytes"
	"os"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Files saved by LibreOffice (testdata/rosters) and one written by excelize
// are told apart by content, whatever their names.
func TestKindOfFilesAsOfficeSavesThem(t *testing.T) {
	f := excelize.NewFile()
	var xlsx bytes.Buffer
	if _, err := f.WriteTo(&xlsx); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{KindXLSX: xlsx.Bytes(), "": []byte("姓名,邮箱\n")}
	for kind, name := range map[string]string{KindODS: "participants.ods", KindXLS: "participants.xls"} {
		data, err := os.ReadFile("../../testdata/rosters/" + name)
		if err != nil {
			t.Fatal(err)
		}
		files[kind] = data
	}
	for want, data := range files {
		if got := Kind(data); got != want {
			t.Errorf("Kind(%.8q) = %q, want %q", data, got, want)
		}
	}
}

func TestNeutraliseRoundTripsAndCSVQuotesText(t *testing.T) {
	for in, want := range map[string]string{"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")", "+86 138": "'+86 138", "-1": "'-1", "@sum": "'@sum", "王伟": "王伟", "": "", "'quoted": "'quoted"} {
		got := Neutralise(in)
		if got != want {
			t.Errorf("Neutralise(%q) = %q, want %q", in, got, want)
		}
		if back := Unneutralise(got); back != in {
			t.Errorf("Unneutralise(%q) = %q, want %q", got, back, in)
		}
	}
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	c := NewCSV(bw, true)
	if err := c.Write([]string{"a;=cmd()", `say "hi"`, "42", ""}, []bool{false, false, true}); err != nil {
		t.Fatal(err)
	}
	bw.Flush()
	if got, want := buf.String(), "\"a;=cmd()\",\"say \"\"hi\"\"\",42,\r\n"; got != want {
		t.Fatalf("CSV %q, want %q", got, want)
	}
}

// A workbook cell that starts like a formula gets a copy of its style with
// the quote prefix, once per style.
func TestQuotePrefixedCopiesTheStyleOnce(t *testing.T) {
	f := excelize.NewFile()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		t.Fatal(err)
	}
	cache := map[int]int{}
	q := QuotePrefixed(f, cache, bold)
	if q == bold || QuotePrefixed(f, cache, bold) != q {
		t.Fatalf("quote-prefixed style %d of %d, not cached", q, bold)
	}
	f.SetCellStyle("Sheet1", "A1", "A1", q)
	f.SetCellStyle("Sheet1", "A2", "A2", bold)
	if !HasQuotePrefix(f, "Sheet1", "A1") || HasQuotePrefix(f, "Sheet1", "A2") || HasQuotePrefix(f, "Nope", "A1") {
		t.Fatal("HasQuotePrefix does not tell the styles apart")
	}
	xf := f.Styles.CellXfs.Xf[q]
	if xf.QuotePrefix == nil || !*xf.QuotePrefix || xf.FontID == nil || *xf.FontID != *f.Styles.CellXfs.Xf[bold].FontID {
		t.Fatalf("style %d: %+v", q, xf)
	}
}
