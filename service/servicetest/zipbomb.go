package servicetest

import (
	"archive/zip"
	"bytes"
	"io"
	"testing"
)

// ZipWithExtra returns the workbook with one more entry of size zero bytes,
// deflated: a few hundred kilobytes that unpack to size: a zip bomb.
func ZipWithExtra(t testing.TB, workbook []byte, size int64) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(workbook), int64(len(workbook)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		w, err := zw.CreateHeader(&f.FileHeader)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := f.Open()
		io.Copy(w, r)
		r.Close()
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "xl/media/padding.bin", Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for written := int64(0); written < size; written += int64(len(zeros)) {
		w.Write(zeros)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
