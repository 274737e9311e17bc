package service

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestXLSFormProbe(t *testing.T) {
	files, _ := filepath.Glob("../testdata/xlsform/realworld/*.xlsx")
	for _, f := range files {
		data, _ := os.ReadFile(f)
		d, ws, err := ParseXLSForm(data, XLSFormOptions{FileName: filepath.Base(f)})
		fmt.Println("=====", filepath.Base(f))
		if ps, ok := AsInvalid(err); ok {
			for _, p := range ps {
				fmt.Printf("  P %s | %s | %s\n", p.Code, p.Path, p.Message)
			}
		} else if err != nil {
			fmt.Println("  ERR", err)
		} else {
			fmt.Printf("  OK slug=%s langs=%v title=%v q=%d\n", d.Slug, d.Languages, d.Title, len(d.Questions()))
		}
		for _, w := range ws {
			fmt.Printf("  W %s | %s | %s\n", w.Code, w.Path, w.Message)
		}
	}
}
