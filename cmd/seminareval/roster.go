package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"seminareval/service"
	"seminareval/service/roster"
)

// runRoster is `roster import --seminar SLUG [--dry-run] FILE`: the console's
// roster import for scripts and for a file on the server. It reads the file
// as the console does (encodings, header row, sheets), prints how it read it,
// and imports all or nothing; --dry-run only checks.
func runRoster(ctx context.Context, e env) error {
	const usage = "usage: seminareval roster import --seminar SLUG [--dry-run] FILE (.xlsx, CSV or tab-separated text, JSON)"
	if len(e.args) == 0 || e.args[0] != "import" {
		return errors.New(usage)
	}
	fs, cfgPath := e.flags("roster import")
	slug := fs.String("seminar", "", "the seminar's slug")
	dryRun := fs.Bool("dry-run", false, "check the file and print what would be imported, write nothing")
	if err := fs.Parse(e.args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 || *slug == "" {
		return errors.New(usage)
	}
	name := fs.Arg(0)
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	file, err := roster.Parse(data)
	if err != nil {
		return rosterCLIProblems(e, name, err)
	}
	fmt.Fprintf(e.stdout, "%s: %s\n", name, rosterReadAs(file))
	if len(file.Ignored) > 0 {
		fmt.Fprintf(e.stdout, "%s: ignored columns: %s\n", name, strings.Join(file.Ignored, ", "))
	}
	return e.withApp(ctx, *cfgPath, func(a app) error {
		sem, err := service.NewSeminars(a.db, nil).BySlug(ctx, *slug)
		if err != nil {
			return err // names the seminar already
		}
		if on, due := service.PurgeDue(sem, a.cfg.Privacy.RetentionDays, time.Now()); due {
			fmt.Fprintf(e.stdout, "warning: %s's personal data was due for deletion on %s: these participants' contact fields are deleted at the next purge\n", sem.Slug, on)
		}
		rosters := roster.New(a.db, nil)
		if *dryRun {
			pv, err := rosters.Preview(ctx, sem.ID, file)
			if err != nil {
				return err
			}
			if len(pv.Problems) > 0 {
				return rosterCLIProblems(e, name, &roster.Error{Problems: pv.Problems})
			}
			fmt.Fprintf(e.stdout, "%s would be imported into %s (%d on the roster already); nothing written (--dry-run)\n", plural(len(pv.Rows), "participant"), sem.Slug, pv.Existing)
			return nil
		}
		n, err := rosters.Import(ctx, sem.ID, file)
		if err != nil {
			return rosterCLIProblems(e, name, err)
		}
		_ = service.NewAudit(a.db, nil).Record(ctx, nil, "roster.import", "seminar:"+sem.Slug, fmt.Sprintf("%d participants from %s (command line)", n, name))
		fmt.Fprintf(e.stdout, "imported %s into %s\n", plural(n, "participant"), sem.Slug)
		return nil
	})
}

// rosterReadAs says how the file was read, as the console's preview does.
func rosterReadAs(f *roster.File) string {
	switch f.Format {
	case "xlsx":
		sheets := make([]string, len(f.SheetsRead))
		for i, s := range f.SheetsRead {
			sheets[i] = strconv.Quote(s)
		}
		return fmt.Sprintf("read from sheet %q, column names in row %d (sheets looked at: %s); %s", f.Sheet, f.HeaderRow, strings.Join(sheets, ", "), plural(len(f.Rows), "row"))
	case "json":
		return fmt.Sprintf("read as JSON in %s; %s", f.Encoding, plural(len(f.Rows), "row"))
	}
	return fmt.Sprintf("read as text in %s, column names in row %d; %s", f.Encoding, f.HeaderRow, plural(len(f.Rows), "row"))
}

// rosterCLIProblems prints every problem, one per line, and says nothing was imported.
func rosterCLIProblems(e env, name string, err error) error {
	problems, ok := roster.AsError(err)
	if !ok {
		return err
	}
	for _, p := range problems {
		fmt.Fprintf(e.stderr, "%s: %s\n", name, p)
	}
	return fmt.Errorf("%s: %d problem(s), nothing imported", name, len(problems))
}

// plural is "1 row", "3 rows".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
