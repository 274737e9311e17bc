package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service"
)

func TestRosterImportCommand(t *testing.T) {
	gbk, _ := filepath.Abs("../../testdata/rosters/participants-gbk-libreoffice.csv")
	xls, _ := filepath.Abs("../../testdata/rosters/participants.xls")
	for _, target := range modeltest.Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			environ, db := cliDB(t, target)
			sem, err := service.NewSeminars(db, nil).Create(context.Background(), service.SeminarInput{Slug: "cli-roster", Title: model.Text{"en": "CLI roster"}})
			if err != nil {
				t.Fatal(err)
			}
			count := func() (n int64) {
				db.Model(&model.Participant{}).Where("seminar_id = ?", sem.ID).Count(&n)
				return n
			}
			out, _, err := runCLI(t, environ, "", "roster", "import", "--seminar", "cli-roster", "--dry-run", gbk)
			if err != nil || !strings.Contains(out, "read as text in GB18030, column names in row 1; 2 rows") || !strings.Contains(out, "2 participants would be imported") || strings.Contains(out, "warning") || count() != 0 {
				t.Fatalf("dry run: %v %q, %d stored", err, out, count())
			}
			out, _, err = runCLI(t, environ, "", "roster", "import", "--seminar", "cli-roster", gbk)
			if err != nil || !strings.Contains(out, "imported 2 participants into cli-roster") {
				t.Fatalf("import: %v %q", err, out)
			}
			var names []string
			db.Model(&model.Participant{}).Where("seminar_id = ?", sem.ID).Order("id").Pluck("name", &names)
			if strings.Join(names, ",") != "郑伟,Anna Kowalska" {
				t.Fatalf("stored %q", names)
			}
			// The same file again: every row is on the roster already, nothing added.
			_, stderr, err := runCLI(t, environ, "", "roster", "import", "--seminar", "cli-roster", gbk)
			if err == nil || !strings.Contains(stderr, "row 2, phone: phone \"13712345678\" is already on the roster (郑伟)") || count() != 2 {
				t.Fatalf("second import: %v %q", err, stderr)
			}
			// An old .xls: the same advice as the console and the API.
			_, stderr, err = runCLI(t, environ, "", "roster", "import", "--seminar", "cli-roster", xls)
			if err == nil || !strings.Contains(stderr, "an old Excel .xls file: open it in Excel or WPS and save it as .xlsx") {
				t.Fatalf("xls: %v %q", err, stderr)
			}
			if _, _, err := runCLI(t, environ, "", "roster", "import", "--seminar", "no-such-seminar", gbk); err == nil || err.Error() != `seminar "no-such-seminar": not found` {
				t.Fatalf("unknown seminar: %v", err)
			}
			// A seminar long past its retention: the import works and says
			// the contacts go at the next purge.
			if _, err := service.NewSeminars(db, nil).Create(context.Background(), service.SeminarInput{Slug: "cli-old", Title: model.Text{"en": "Old"}, StartsOn: "2018-01-10", RetentionDays: "30"}); err != nil {
				t.Fatal(err)
			}
			out, _, err = runCLI(t, environ, "", "roster", "import", "--seminar", "cli-old", gbk)
			if err != nil || !strings.Contains(out, "warning: cli-old's personal data was due for deletion on 2018-02-10") || !strings.Contains(out, "imported 2 participants into cli-old") {
				t.Fatalf("past retention: %v %q", err, out)
			}
		})
	}
}
