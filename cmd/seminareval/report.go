package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"seminareval/service"
	"seminareval/service/report"
)

// runReport writes the Excel annex (or, with a .csv output, the raw
// responses) of a questionnaire: the same files the console downloads.
//
//	seminareval report --questionnaire SLUG --out FILE.xlsx [--lang en|zh] [--figures percent|counts]
func runReport(ctx context.Context, e env) error {
	fs, cfgPath := e.flags("report")
	slug := fs.String("questionnaire", "", "slug of the questionnaire (required)")
	out := fs.String("out", "", "file to write: .xlsx for the Excel annex, .csv for the raw responses (required)")
	lang := fs.String("lang", "en", "language of the annex's labels and statements: en or zh")
	figures := fs.String("figures", "percent", "the narrative's figures: percent, or counts (\"15 of the 18 respondents\")")
	if err := fs.Parse(e.args); err != nil {
		return err
	}
	if *slug == "" || *out == "" || fs.NArg() > 0 {
		return errors.New("usage: seminareval report --questionnaire SLUG --out FILE.xlsx [--lang en|zh] [--figures percent|counts]")
	}
	if *figures != "percent" && *figures != "counts" {
		return fmt.Errorf("--figures %q: want percent or counts", *figures)
	}
	ext := strings.ToLower(filepath.Ext(*out))
	if ext != ".xlsx" && ext != ".csv" {
		return fmt.Errorf("--out %s: the file must end in .xlsx (Excel annex) or .csv (responses)", *out)
	}
	if *lang != "en" && *lang != "zh" {
		return fmt.Errorf("--lang %q: want en or zh", *lang)
	}
	cfg, err := e.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, e.stderr)
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeDB(db)
	questionnaires := service.NewQuestionnaires(db, nil)
	q, err := questionnaires.LoadBySlug(ctx, *slug)
	if err != nil {
		return fmt.Errorf("--questionnaire %s: %w", *slug, err)
	}
	reports := report.NewReports(db, questionnaires, nil)

	// Write next to the target and rename at the end, so a failure never
	// leaves a half-written annex under the requested name.
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".report-*"+ext)
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if ext == ".csv" {
		err = reports.WriteCSV(ctx, q.ID, tmp)
	} else {
		err = reports.WriteAnnex(ctx, q.ID, tmp, report.AnnexOptions{Lang: *lang, Counts: *figures == "counts"})
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("report %s: %w", *slug, err)
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s for questionnaire %q\n", *out, q.Slug)
	return nil
}
