package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"seminareval/model/modeltest"
)

// TestImportCommandTakesXLSForm: `seminareval import form.xlsx` reads a
// KoboToolbox-style XLSForm, and a broken one names its sheet and row.
func TestImportCommandTakesXLSForm(t *testing.T) {
	target := modeltest.Targets(t)[0]
	environ := append(dbEnv(t, target), "SEMINAREVAL_DEMO_ENABLED=false")
	dir := t.TempDir()
	write := func(name string, survey [][]any) string {
		f := excelize.NewFile()
		defer f.Close()
		f.SetSheetName("Sheet1", "survey")
		for i, row := range survey {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			f.SetSheetRow("survey", cell, &row)
		}
		f.NewSheet("choices")
		for i, row := range [][]any{
			{"list_name", "name", "label::English (en)", "label::Chinese (zh)"},
			{"role", "police", "Police", "警察"},
			{"role", "other", "Other", "其他"},
		} {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			f.SetSheetRow("choices", cell, &row)
		}
		f.NewSheet("settings")
		f.SetSheetRow("settings", "A1", &[]any{"form_title::English (en)", "form_title::Chinese (zh)", "form_id"})
		f.SetSheetRow("settings", "A2", &[]any{"Workshop feedback", "研讨会反馈", "workshop_feedback"})
		path := filepath.Join(dir, name)
		if err := f.SaveAs(path); err != nil {
			t.Fatal(err)
		}
		return path
	}
	header := []any{"type", "name", "label::English (en)", "label::Chinese (zh)", "required"}
	good := write("good.xlsx", [][]any{header,
		{"select_one role", "role", "Your role", "您的角色", "yes"},
		{"text", "comments", "Comments", "意见", ""},
	})
	var out bytes.Buffer
	if err := run(context.Background(), []string{"import", good}, nil, &out, io.Discard, environ); err != nil {
		t.Fatalf("import XLSForm: %v", err)
	}
	if !strings.Contains(out.String(), `"workshop-feedback"`) {
		t.Fatalf("import said %q", out.String())
	}
	bad := write("bad.xlsx", [][]any{header, {"select_one nosuchlist", "role", "Your role", "您的角色", "yes"}})
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"import", bad}, nil, io.Discard, &stderr, environ)
	if err == nil || !strings.Contains(stderr.String(), "survey row 2") {
		t.Fatalf("bad XLSForm: err=%v stderr=%s", err, stderr.String())
	}
	if _, err := os.Stat(good); err != nil {
		t.Fatal(err)
	}

	// --slug names the link, before or after the file; what the workbook
	// has that is not used is listed on stderr.
	withEnd := write("with-end.xlsx", [][]any{header,
		{"select_one role", "role", "Your role", "您的角色", "yes"},
		{"end", "end"},
	})
	for _, args := range [][]string{{"import", "--slug", "spring-2027", withEnd}, {"import", withEnd, "--slug", "spring-2028"}} {
		out.Reset()
		stderr.Reset()
		if err := run(context.Background(), args, nil, &out, &stderr, environ); err != nil {
			t.Fatalf("%v: %v (%s)", args, err, stderr.String())
		}
		slug := args[len(args)-1]
		if args[1] == "--slug" {
			slug = args[2]
		}
		if !strings.Contains(out.String(), `"`+slug+`"`) || !strings.Contains(stderr.String(), "warning: survey: metadata rows are not collected: end (row 3)") {
			t.Fatalf("%v said %q, stderr %q", args, out.String(), stderr.String())
		}
	}

	// An .xls or .ods is named as such, as the API names it, not "not valid YAML".
	for name, data := range map[string]string{
		"old.xls":  "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00",
		"form.ods": "PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x08\x00\x00\x00mimetypeapplication/vnd.oasis.opendocument.spreadsheet",
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		stderr.Reset()
		err := run(context.Background(), []string{"import", path}, nil, io.Discard, &stderr, environ)
		if err == nil || !strings.Contains(stderr.String(), "save it as .xlsx") || strings.Contains(stderr.String(), "YAML") {
			t.Fatalf("%s: err=%v stderr=%s", name, err, stderr.String())
		}
	}
}
