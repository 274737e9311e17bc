// Command reportbench measures the report budgets (README, "Budgets") on a
// generated questionnaire (100,000 responses × 25 questions by default):
//
//   - the summary JSON (SQL aggregates) must take under 1 s;
//   - the Excel annex must take at most 2 × a bare excelize StreamWriter
//     writing the same Responses cells in the same run, at ≤ 300 MB peak RSS.
//
// The annex and the bare writer each run in a child process of this binary,
// so that each peak RSS (VmHWM from /proc/self/status, and the rusage of the
// child) is its own. Usage:
//
//	go run ./cmd/reportbench                                # SQLite in a temp dir
//	go run ./cmd/reportbench -driver mysql -dsn 'root@tcp(127.0.0.1:3306)/reportbench'
//	go run ./cmd/reportbench -responses 20000               # a quicker run
//
// It is not part of `go test ./...`: it takes minutes and writes a large
// database.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/service"
	"seminareval/service/report"
)

const slug = "reportbench-evaluation"

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "reportbench:", err)
		os.Exit(1)
	}
}

type options struct {
	driver, dsn   string
	responses     int
	child         string
	out           string
	keep          bool
	summaryRounds int
	exportRounds  int
	cpuProfile    string
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("reportbench", flag.ContinueOnError)
	var o options
	fs.StringVar(&o.driver, "driver", "sqlite", "database driver: sqlite or mysql")
	fs.StringVar(&o.dsn, "dsn", "", "database DSN (sqlite: a file; default a new file in a temp dir)")
	fs.IntVar(&o.responses, "responses", 100000, "responses to generate")
	fs.BoolVar(&o.keep, "keep", false, "reuse the data already in the database (skip generation when the questionnaire exists)")
	fs.IntVar(&o.summaryRounds, "rounds", 3, "summary runs (the best and the worst are reported)")
	fs.IntVar(&o.exportRounds, "export-rounds", 3, "annex and bare-writer runs, alternated (the best of each is compared)")
	fs.StringVar(&o.child, "child", "", "internal: annex | bare")
	fs.StringVar(&o.out, "out", "", "internal: file the child writes")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the child to this file (with -child)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.dsn == "" {
		if o.driver != "sqlite" {
			return errors.New("-dsn is required for mysql")
		}
		dir, err := os.MkdirTemp("", "reportbench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.dsn = filepath.Join(dir, "bench.db")
	}
	if o.child != "" {
		return runChild(ctx, o, stdout)
	}
	return runParent(ctx, o, stdout)
}

func open(ctx context.Context, o options) (*gorm.DB, error) {
	db, err := model.Open(model.DBConfig{Driver: o.driver, DSN: o.dsn, MaxOpenConns: 8}, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	return db, model.Migrate(ctx, db)
}

func runParent(ctx context.Context, o options, stdout io.Writer) error {
	db, err := open(ctx, o)
	if err != nil {
		return err
	}
	qs := service.NewQuestionnaires(db, nil)
	l, err := qs.LoadBySlug(ctx, slug)
	if err != nil || !o.keep {
		if err == nil {
			return fmt.Errorf("questionnaire %s already exists: use -keep or a fresh database", slug)
		}
		start := time.Now()
		if l, err = generate(ctx, db, qs, o.responses); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "generated %d responses × %d questions in %.1f s\n", o.responses, len(l.Def.Questions()), time.Since(start).Seconds())
	}
	var answers int64
	db.Model(&model.Answer{}).Where("questionnaire_id = ?", l.ID).Count(&answers)
	fmt.Fprintf(stdout, "database: %s, %d answer rows\n", o.driver, answers)

	// Summary. Cold: no stored tally, every answer grouped once (what the
	// first summary of a questionnaire costs). Warm: the tally of settled
	// responses plus the responses since (every later summary).
	reports := report.NewReports(db, qs, nil)
	if err := db.Where("questionnaire_id = ?", l.ID).Delete(&model.ReportTally{}).Error; err != nil {
		return err
	}
	timeSummary := func(f report.Filter) (time.Duration, error) {
		start := time.Now()
		s, err := reports.Summary(ctx, l.ID, f)
		if err != nil {
			return 0, err
		}
		if !f.Active() && *s.Respondents != o.responses && !o.keep {
			return 0, fmt.Errorf("summary counted %d respondents", *s.Respondents)
		}
		return time.Since(start), nil
	}
	cold, err := timeSummary(report.Filter{})
	if err != nil {
		return err
	}
	var best, worst time.Duration
	for i := range max(1, o.summaryRounds) {
		d, err := timeSummary(report.Filter{})
		if err != nil {
			return err
		}
		if i == 0 || d < best {
			best = d
		}
		worst = max(worst, d)
	}
	filtered, err := timeSummary(report.Filter{Group: "G1"})
	if err != nil {
		return err
	}
	byAnswer, err := timeSummary(report.Filter{Answers: []report.AnswerFilter{{Key: "single_1", Value: "opt1"}}})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "summary: cold (first, no tally) %.3f s; warm best %.3f s, worst %.3f s over %d runs (budget < 1 s)\n", cold.Seconds(), best.Seconds(), worst.Seconds(), max(1, o.summaryRounds))
	fmt.Fprintf(stdout, "filtered summaries (no tally): group of %d responses %.3f s; q.single_1=opt1 %.3f s\n", rosterSize/4, filtered.Seconds(), byAnswer.Seconds())
	sqlDB, _ := db.DB()
	sqlDB.Close()

	// Alternate the two, several times, and keep each one's best run: on a
	// shared machine the load changes from one minute to the next, and the
	// budget compares the two under the same conditions.
	var bare, annex childResult
	for i := range max(1, o.exportRounds) {
		b, err := child(ctx, o, "bare")
		if err != nil {
			return err
		}
		a, err := child(ctx, o, "annex")
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "  round %d: bare %.2f s, annex %.2f s\n", i+1, b.Seconds, a.Seconds)
		if i == 0 || b.Seconds < bare.Seconds {
			bare = b
		}
		if i == 0 || a.Seconds < annex.Seconds {
			annex = a
		}
	}
	ratio := annex.Seconds / bare.Seconds
	fmt.Fprintf(stdout, "bare StreamWriters (the same streamed cells): %.2f s (process CPU %.2f s), peak RSS %d MB, %.1f MB file\n", bare.Seconds, bare.CPUSeconds, bare.PeakRSSKB/1024, float64(bare.Bytes)/1e6)
	fmt.Fprintf(stdout, "Excel annex (5 sheets, charts, from the database): %.2f s (process CPU %.2f s), peak RSS %d MB, %.1f MB file\n", annex.Seconds, annex.CPUSeconds, annex.PeakRSSKB/1024, float64(annex.Bytes)/1e6)
	fmt.Fprintf(stdout, "annex / bare = %.2f (budget ≤ 2); annex peak RSS %d MB (budget ≤ 300 MB)\n", ratio, annex.PeakRSSKB/1024)
	if best > time.Second || ratio > 2 || annex.PeakRSSKB > 300*1024 {
		return errors.New("over budget")
	}
	return nil
}

// childResult is what a child process reports on stdout.
type childResult struct {
	Seconds    float64 `json:"seconds"`
	PeakRSSKB  int64   `json:"peak_rss_kb"`
	Bytes      int64   `json:"bytes"`
	CPUSeconds float64 `json:"-"` // user + system of the whole child, from rusage
}

func child(ctx context.Context, o options, mode string) (childResult, error) {
	self, err := os.Executable()
	if err != nil {
		return childResult{}, err
	}
	out, err := os.CreateTemp("", "reportbench-*.xlsx")
	if err != nil {
		return childResult{}, err
	}
	out.Close()
	defer os.Remove(out.Name())
	cmd := exec.CommandContext(ctx, self, "-child", mode, "-driver", o.driver, "-dsn", o.dsn, "-out", out.Name(), "-responses", strconv.Itoa(o.responses))
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, os.Stderr
	if err := cmd.Run(); err != nil {
		return childResult{}, fmt.Errorf("child %s: %w", mode, err)
	}
	var r childResult
	if err := json.Unmarshal(buf.Bytes(), &r); err != nil {
		return r, fmt.Errorf("child %s said %q: %w", mode, buf.String(), err)
	}
	// The kernel's own account of the child's peak, as a cross-check.
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > r.PeakRSSKB {
		r.PeakRSSKB = ru.Maxrss
	}
	r.CPUSeconds = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	return r, nil
}

func runChild(ctx context.Context, o options, stdout io.Writer) error {
	f, err := os.Create(o.out)
	if err != nil {
		return err
	}
	defer f.Close()
	if o.cpuProfile != "" {
		pf, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var start time.Time
	switch o.child {
	case "annex":
		db, err := open(ctx, o)
		if err != nil {
			return err
		}
		qs := service.NewQuestionnaires(db, nil)
		l, err := qs.LoadBySlug(ctx, slug)
		if err != nil {
			return err
		}
		start = time.Now()
		if err := report.NewReports(db, qs, nil).WriteAnnex(ctx, l.ID, f, report.AnnexOptions{}); err != nil {
			return err
		}
	case "bare":
		start = time.Now()
		if err := writeBare(f, o.responses); err != nil {
			return err
		}
	default:
		return fmt.Errorf("-child %q", o.child)
	}
	elapsed := time.Since(start)
	st, _ := f.Stat()
	return json.NewEncoder(stdout).Encode(childResult{Seconds: elapsed.Seconds(), PeakRSSKB: vmHWM(), Bytes: st.Size()})
}

// vmHWM is the process's peak resident set size in kB.
func vmHWM() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// writeBare writes the cells of the annex's streamed sheets — Responses,
// Comments and Participants, the same values (from the same generator as
// the database) and types — with nothing but StreamWriters: no database,
// no summary, no charts.
func writeBare(w io.Writer, responses int) error {
	x := excelize.NewFile()
	defer x.Close()
	for _, name := range []string{"Comments", "Participants"} {
		if _, err := x.NewSheet(name); err != nil {
			return err
		}
	}
	sw, err := x.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	cw, err := x.NewStreamWriter("Comments")
	if err != nil {
		return err
	}
	qs := benchQuestions()
	head := []any{"response_id", "submitted_at", "channel", "lang", "participant_id"}
	for _, q := range qs {
		head = append(head, q.Key)
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	if err := cw.SetRow("A1", []any{"Question", "Response", "Language", "Comment"}); err != nil {
		return err
	}
	dateStyle, err := x.NewStyle(&excelize.Style{CustomNumFmt: pointerTo("yyyy-mm-dd hh:mm")})
	if err != nil {
		return err
	}
	cells := make([]any, len(head))
	base := time.Date(2018, 1, 17, 7, 0, 0, 0, time.UTC)
	commentRow := 2
	for i := range responses {
		vals := answersFor(i, qs)
		lang := []string{"zh", "en"}[i%2]
		cells[0] = uint64(i + 1)
		cells[1] = excelize.Cell{StyleID: dateStyle, Value: base.Add(time.Duration(i) * time.Second).Add(8 * time.Hour)}
		cells[2], cells[3] = "web", lang
		cells[4] = nil
		if i < rosterSize {
			cells[4] = uint64(i + 1)
		}
		for j, v := range vals {
			cells[5+j] = v.cell()
			if v.text != nil {
				cell, _ := excelize.CoordinatesToCellName(1, commentRow)
				if err := cw.SetRow(cell, []any{qs[j].Key, uint64(i + 1), lang, *v.text}); err != nil {
					return err
				}
				commentRow++
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	pw, err := x.NewStreamWriter("Participants")
	if err != nil {
		return err
	}
	if err := pw.SetRow("A1", []any{"participant_id", "Name", "Organisation", "Country", "Group", "Responded", "response_id"}); err != nil {
		return err
	}
	for i := range rosterSize {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := pw.SetRow(cell, []any{uint64(i + 1), fmt.Sprintf("Participant %d", i+1), "", "", fmt.Sprintf("G%d", i%4+1), "yes", uint64(i + 1)}); err != nil {
			return err
		}
	}
	for _, s := range []*excelize.StreamWriter{sw, cw, pw} {
		if err := s.Flush(); err != nil {
			return err
		}
	}
	_, err = x.WriteTo(w)
	return err
}

func pointerTo[T any](v T) *T { return &v }
