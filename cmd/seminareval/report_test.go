package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"seminareval/model/modeltest"
	"seminareval/service/report"
)

func TestReportCommandWritesTheAnnexAndCSV(t *testing.T) {
	for _, target := range modeltest.Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			environ := dbEnv(t, target)
			if target.Driver == "mysql" {
				environ = append(environ, "SEMINAREVAL_DATABASE_AUTO_MIGRATE=true")
			}
			ctx := context.Background()
			demo := filepath.Join("..", "..", "templates", "definitions", "sanya-2018-evaluation.yaml")
			if err := run(ctx, []string{"import", demo}, nil, io.Discard, io.Discard, environ); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			xlsx := filepath.Join(dir, "annex.xlsx")
			var out bytes.Buffer
			if err := run(ctx, []string{"report", "--questionnaire", "sanya-2018-evaluation", "--out", xlsx, "--lang", "zh"}, nil, &out, io.Discard, environ); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "wrote "+xlsx) {
				t.Fatalf("stdout: %q", out.String())
			}
			x, err := excelize.OpenFile(xlsx)
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			if got := x.GetSheetList(); !slices.Equal(got, report.AnnexSheets) {
				t.Fatalf("sheets: %v", got)
			}
			if v, _ := x.GetCellValue(report.SheetSummary, "A1"); v != "评估汇总: 研讨会评估" {
				t.Fatalf("A1 = %q", v)
			}

			csvPath := filepath.Join(dir, "responses.csv")
			if err := run(ctx, []string{"report", "--questionnaire", "sanya-2018-evaluation", "--out", csvPath}, nil, io.Discard, io.Discard, environ); err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(csvPath)
			if !bytes.HasPrefix(data, []byte("\xef\xbb\xbf\"response_id\",\"submitted_at\",\"channel\",\"lang\",\"participant_id\",\"knowledge_improved\",")) {
				t.Fatalf("csv: %q", data)
			}

			// Mistakes are explained and leave no file behind.
			for _, c := range []struct {
				args []string
				want string
			}{
				{[]string{"report", "--questionnaire", "no-such-thing", "--out", filepath.Join(dir, "x.xlsx")}, "--questionnaire no-such-thing"},
				{[]string{"report", "--questionnaire", "sanya-2018-evaluation", "--out", filepath.Join(dir, "x.pdf")}, "must end in .xlsx"},
				{[]string{"report", "--out", filepath.Join(dir, "x.xlsx")}, "usage: seminareval report"},
			} {
				err := run(ctx, c.args, nil, io.Discard, io.Discard, environ)
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("%v: err = %v, want %q", c.args, err, c.want)
				}
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 2 {
				t.Fatalf("files left: %v", entries)
			}
		})
	}
}
