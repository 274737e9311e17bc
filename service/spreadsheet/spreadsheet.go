// Package spreadsheet holds what every reader and writer of spreadsheet
// files shares: telling an upload's kind by its content, the unzip limits
// that keep a zip bomb out, and the neutralising of text a spreadsheet
// would run as a formula (CWE-1236) in workbooks and CSV files.
package spreadsheet

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"strings"

	"github.com/xuri/excelize/v2"
)

// XLSXContentType is the media type of an .xlsx workbook.
const XLSXContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// Spreadsheet kinds recognised by their content.
const (
	KindXLSX = "xlsx"
	KindODS  = "ods"
	KindXLS  = "xls" // an OLE compound file: Excel 97-2003, or an encrypted .xlsx
)

// Kind tells an .xlsx, an OpenDocument spreadsheet and an old Excel file
// apart by their first bytes, so that an upload is routed (and a file that
// is not read is named) without trusting its file name. It is "" for
// anything else.
func Kind(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
		return KindXLS
	case !bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return ""
	case bytes.Contains(data[:min(len(data), 128)], []byte("mimetypeapplication/vnd.oasis.opendocument")):
		return KindODS // ODF stores its mimetype first, uncompressed
	}
	if zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); err == nil {
		hasContent, hasTypes := false, false
		for _, f := range zr.File {
			hasContent = hasContent || f.Name == "content.xml"
			hasTypes = hasTypes || f.Name == "[Content_Types].xml"
		}
		if hasContent && !hasTypes {
			return KindODS
		}
	}
	return KindXLSX
}

// IsXLSX reports whether data looks like an .xlsx file (a zip archive that
// is not an OpenDocument file).
func IsXLSX(data []byte) bool { return Kind(data) == KindXLSX }

// UnzipLimits bounds what an uploaded workbook of n bytes may unpack to: 40
// times its size (spreadsheet XML compresses 5–20 fold), at least 16 MB and
// at most 512 MB, all of it in memory (no temporary files). excelize's
// defaults (16 GB, worksheets over 16 MB to disk) let a 1 MB zip bomb take
// gigabytes of memory and disk.
func UnzipLimits(n int) excelize.Options {
	limit := min(max(int64(n)*40, 16<<20), 512<<20)
	return excelize.Options{UnzipSizeLimit: limit, UnzipXMLSizeLimit: limit}
}

// IsUnzipLimit reports whether excelize refused a workbook for unpacking
// beyond UnzipLimits. excelize makes a new error for each refusal
// (newUnzipSizeLimitError), not a sentinel, so its text is what tells.
func IsUnzipLimit(err error) bool {
	return err != nil && (errors.Is(err, excelize.ErrOptionsUnzipSizeLimit) || strings.HasPrefix(err.Error(), "unzip size exceeds the"))
}

// FormulaTriggers are the characters that make a spreadsheet treat a cell
// as a formula (CWE-1236, "CSV injection").
const FormulaTriggers = "=+-@\t\r"

// StartsLikeFormula reports whether a spreadsheet would take text as a
// formula once someone edits the cell or saves the sheet as CSV.
func StartsLikeFormula(s string) bool {
	return s != "" && strings.IndexByte(FormulaTriggers, s[0]) >= 0
}

// Neutralise prefixes a text that a spreadsheet would run as a formula with
// a single quote, so "=HYPERLINK(…)" typed into a comment stays text. It is
// for CSV; a workbook cell gets the quote-prefix style instead (QuotePrefixed).
func Neutralise(s string) string {
	if StartsLikeFormula(s) {
		return "'" + s
	}
	return s
}

// Unneutralise undoes Neutralise ("'+86 138…" back to "+86 138…"), so that
// an exported file imports as it was.
func Unneutralise(s string) string {
	if len(s) > 1 && s[0] == '\'' && StartsLikeFormula(s[1:]) {
		return s[1:]
	}
	return s
}

// QuotePrefixed returns style id with Excel's quote prefix: the cell is text
// and stays text when edited, and nothing shows (an apostrophe in the value
// would print). excelize's Style has no field for it, so the cell format is
// copied and the flag set on the copy; cache keeps one copy per style.
func QuotePrefixed(f *excelize.File, cache map[int]int, id int) int {
	if q, ok := cache[id]; ok {
		return q
	}
	xfs := f.Styles.CellXfs
	xf := xfs.Xf[id]
	xf.QuotePrefix = new(true)
	xfs.Xf = append(xfs.Xf, xf)
	xfs.Count = len(xfs.Xf)
	cache[id] = len(xfs.Xf) - 1
	return cache[id]
}

// CSV writes CSV with every text field in double quotes and numbers bare.
// encoding/csv quotes only where the comma needs it, but a spreadsheet in a
// locale that splits on ";" or tab reads an unquoted "a;=cmd()" as two
// cells, the second a formula: quoting every text field keeps a separator
// inside text from starting one (CWE-1236).
type CSV struct {
	w    *bufio.Writer
	crlf bool
}

// NewCSV writes to w, ending records with CRLF when crlf is set.
func NewCSV(w *bufio.Writer, crlf bool) *CSV { return &CSV{w: w, crlf: crlf} }

// Write writes one record; bare[i] marks a field that is a number (or
// empty) and goes unquoted. bare may be shorter than record.
func (c *CSV) Write(record []string, bare []bool) error {
	for i, f := range record {
		if i > 0 {
			c.w.WriteByte(',')
		}
		if (i < len(bare) && bare[i]) || f == "" {
			c.w.WriteString(f)
			continue
		}
		c.w.WriteByte('"')
		c.w.WriteString(strings.ReplaceAll(f, `"`, `""`))
		c.w.WriteByte('"')
	}
	if c.crlf {
		c.w.WriteByte('\r')
	}
	return c.w.WriteByte('\n')
}

// HasQuotePrefix reports whether the cell at ref has the quote-prefix style
// (false when there is no such cell): what a reader of a neutralised
// workbook checks.
func HasQuotePrefix(f *excelize.File, sheet, ref string) bool {
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil || id >= len(f.Styles.CellXfs.Xf) {
		return false
	}
	xf := f.Styles.CellXfs.Xf[id]
	return xf.QuotePrefix != nil && *xf.QuotePrefix
}
