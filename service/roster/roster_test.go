package roster

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service"
	"seminareval/service/servicetest"
	"seminareval/service/spreadsheet"
)

func rosterSeminar(t *testing.T, db *gorm.DB, slug string) *model.Seminar {
	t.Helper()
	s, err := service.NewSeminars(db, nil).Create(context.Background(), service.SeminarInput{Slug: slug, Title: model.Text{"en": "Seminar " + slug}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func rosterImport(t *testing.T, db *gorm.DB, seminarID uint64, data []byte) (int, error) {
	t.Helper()
	file, err := Parse(data)
	if err != nil {
		return 0, err
	}
	return New(db, nil).Import(context.Background(), seminarID, file)
}

func participantCount(t *testing.T, db *gorm.DB, seminarID uint64) int64 {
	t.Helper()
	var n int64
	if err := db.Model(&model.Participant{}).Where("seminar_id = ?", seminarID).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRosterImportChineseHeadersXLSX(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		sem := rosterSeminar(t, db, "sanya-2018")
		data := servicetest.Workbook(t, [][]any{
			{"姓名", "单位", "国家", "组别", "邮箱", "手机", "备注"},
			{"王伟", "公安部", "中国", "China", "wang.wei@example.cn", "+86 138 0000 0001", "VIP"},
			{"Anna Müller", "Bundeskriminalamt", "Germany", "Europe", "", "", ""},
			{},
			{"李娜", "海南省公安厅", "中国", "China", "", 13800000002, ""},
		})
		n, err := rosterImport(t, db, sem.ID, data)
		if err != nil || n != 3 {
			t.Fatalf("import: %d %v", n, err)
		}
		var ps []model.Participant
		db.Where("seminar_id = ?", sem.ID).Order("id").Find(&ps)
		if len(ps) != 3 {
			t.Fatalf("participants = %d", len(ps))
		}
		if p := ps[0]; p.Name != "王伟" || p.Organisation != "公安部" || p.Country != "中国" || p.Group != "China" || p.Email != "wang.wei@example.cn" || p.Phone != "+86 138 0000 0001" {
			t.Fatalf("row 2 stored as %+v", p)
		}
		if ps[2].Phone != "13800000002" {
			t.Fatalf("numeric phone cell stored as %q", ps[2].Phone)
		}
		tokenRe := regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)
		seen := map[string]bool{}
		for _, p := range ps {
			if !tokenRe.MatchString(p.InviteToken) || seen[p.InviteToken] {
				t.Fatalf("invite token %q: want 22 URL-safe characters (128 bits), unique", p.InviteToken)
			}
			seen[p.InviteToken] = true
			if p.OpenID != nil {
				t.Fatalf("openid set by import: %v", *p.OpenID)
			}
		}
	})
}

func TestRosterImportRefusesBadFilesNamingRowsAndStoresNothing(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		sem := rosterSeminar(t, db, "bad-files")
		// Someone already on the roster.
		if _, err := rosterImport(t, db, sem.ID, []byte("name,email,phone\nZhang San,zhang@example.cn,13900000000\n")); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name string
			data []byte
			want []string // substrings of the problems, each naming row and field
		}{
			{"wrong headers", servicetest.Workbook(t, [][]any{{"Nom", "Société"}, {"Dupont", "Police"}}),
				[]string{`row 1, name: no name column`, `"Nom"`}},
			{"missing names and bad email", []byte("name,organisation,email\nAnna,BKA,anna@example.de\n,Police,x@example.cn\nBob,BKA,not-an-email\n"),
				[]string{`row 3, name: required`, `row 4, email: "not-an-email" is not an email address`}},
			{"duplicates in the file", []byte("姓名,邮箱,电话\n王伟,wang@example.cn,\nWang Wei,WANG@example.cn,\n李娜,,138-0000-0001\n李娜,,13800000001\n"),
				[]string{`row 3, email: duplicate person: same email "WANG@example.cn" as row 2`, `row 5, phone: duplicate person: same phone "13800000001" as row 4`}},
			{"duplicate of the roster", []byte("name,email\nZhang San,Zhang@Example.cn\n"),
				[]string{`row 2, email: email "Zhang@Example.cn" is already on the roster (Zhang San)`}},
			{"only a header", []byte("name,email\n\n,\n"), []string{"header but no participants"}},
			{"empty file", []byte(""), []string{"empty"}},
			{"two name columns", []byte("name,姓名\na,b\n"), []string{"row 1, name: two columns are name"}},
			{"too long", []byte("name\n" + strings.Repeat("长", 201) + "\n"), []string{"row 2, name: too long (201 characters, at most 200)"}},
			{"json not array", []byte(`{"name":"x"}`), []string{"array of objects"}},
			{"json wrong type", []byte(`[{"name": ["x"]}]`), []string{"row 1, name: must be a string"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := rosterImport(t, db, sem.ID, tc.data)
				problems, ok := AsError(err)
				if !ok {
					t.Fatalf("err = %v, want a Error", err)
				}
				var all []string
				for _, p := range problems {
					all = append(all, p.String())
				}
				joined := strings.Join(all, "\n")
				for _, w := range tc.want {
					if !strings.Contains(joined, w) {
						t.Errorf("problems do not mention %q:\n%s", w, joined)
					}
				}
				if n := participantCount(t, db, sem.ID); n != 1 {
					t.Fatalf("participants after a refused import = %d, want 1 (nothing half-imported)", n)
				}
			})
		}
	})
}

func TestRosterRejectsFilesThatAreNotSpreadsheets(t *testing.T) {
	for name, data := range map[string][]byte{
		"png":           {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0x0d},
		"old xls":       {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0},
		"zip not xlsx":  []byte("PK\x03\x04garbage that is not a workbook"),
		"control bytes": {'n', 'a', 'm', 'e', '\n', 'J', 0x01, 0x02, 0x1b, 'm', 'e', '\n'},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(data)
			if !errors.Is(err, ErrNotSpreadsheet) {
				t.Fatalf("err = %v, want ErrNotSpreadsheet", err)
			}
			if !strings.Contains(err.Error(), ".xlsx") {
				t.Fatalf("message %q does not say what to upload", err)
			}
		})
	}
}

func TestRosterImportIgnoresColumnsItMayNotSet(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		sem := rosterSeminar(t, db, "mass-assign")
		other := rosterSeminar(t, db, "other-seminar")
		data := fmt.Sprintf(`[{"name": "Eve", "invite_token": "chosen-token-000000000", "openid": "o-forged", "seminar_id": %d, "id": 999, "created_at": "2000-01-01T00:00:00Z"}]`, other.ID)
		file, err := Parse([]byte(data))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(file.Ignored, ","); got != "created_at,id,invite_token,openid,seminar_id" {
			t.Fatalf("ignored = %q", got)
		}
		if _, err := New(db, nil).Import(context.Background(), sem.ID, file); err != nil {
			t.Fatal(err)
		}
		var p model.Participant
		if err := db.Where("name = ?", "Eve").Take(&p).Error; err != nil {
			t.Fatal(err)
		}
		if p.SeminarID != sem.ID || p.InviteToken == "chosen-token-000000000" || p.OpenID != nil || p.ID == 999 || p.CreatedAt.Year() == 2000 {
			t.Fatalf("a forbidden field was set through the import: %+v", p)
		}
	})
}

func TestRosterImportsTenThousandRowsInOneTransaction(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		sem := rosterSeminar(t, db, "big-roster")
		size := 10000
		if rosterUnderRace && db.Dialector.Name() == "sqlite" {
			// Under -race the pure-Go SQLite is ~50x slower: the full size
			// runs on MySQL here, and on SQLite without -race.
			size = 1000
		}
		rows := [][]any{{"name", "organisation", "country", "group", "email", "phone"}}
		for i := range size {
			rows = append(rows, []any{fmt.Sprintf("参会者 %05d", i), "Org", "中国", "China", fmt.Sprintf("p%05d@example.cn", i), fmt.Sprintf("+86 139%08d", i)})
		}
		data := servicetest.Workbook(t, rows)
		// Count the statements: one transaction, batched inserts, not one
		// INSERT per person.
		var inserts int
		cb := db.Callback().Create().After("gorm:create").Register("test:count_inserts", func(tx *gorm.DB) {
			if tx.Statement.Table == "participants" {
				inserts++
			}
		})
		if cb != nil {
			t.Fatal(cb)
		}
		start := time.Now()
		n, err := rosterImport(t, db, sem.ID, data)
		if err != nil || n != size {
			t.Fatalf("import: %d %v", n, err)
		}
		t.Logf("%d rows parsed and imported in %v", size, time.Since(start))
		if got := participantCount(t, db, sem.ID); got != int64(size) {
			t.Fatalf("participants = %d", got)
		}
		if inserts > size/rosterBatch+1 {
			t.Fatalf("%d INSERT statements for %d rows: want batches of %d", inserts, size, rosterBatch)
		}

		// The same file again: every row is a duplicate, nothing is added.
		_, err = rosterImport(t, db, sem.ID, data)
		problems, ok := AsError(err)
		if !ok || len(problems) != 2*size || problems[0].Row != 2 {
			t.Fatalf("re-import: %d problems (first %+v), %v", len(problems), problems[:min(1, len(problems))], err)
		}
		if got := participantCount(t, db, sem.ID); got != int64(size) {
			t.Fatalf("participants after refused re-import = %d", got)
		}
	})
}

func TestRosterExportNeutralisesFormulasAndRoundTrips(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		sem := rosterSeminar(t, db, "export")
		data := servicetest.Workbook(t, [][]any{
			{"name", "organisation", "country", "group", "email", "phone"},
			{"=HYPERLINK(\"http://evil\",\"x\")", "+cmd", "-2+3", "@SUM(A1)", "", ""},
			{"王伟", "公安部", "中国", "China", "wang@example.cn", "+86 138 0000 0001"},
		})
		if _, err := rosterImport(t, db, sem.ID, data); err != nil {
			t.Fatal(err)
		}
		r := New(db, nil)
		link := func(p model.Participant) string { return "https://eval.example.org/s/q?t=" + p.InviteToken }

		var csvBuf bytes.Buffer
		if err := r.ExportCSV(ctx, sem.ID, &csvBuf, link); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(csvBuf.Bytes(), []byte("\ufeff")) {
			t.Fatal("CSV without BOM: Excel would garble Chinese")
		}
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(csvBuf.Bytes(), []byte("\ufeff")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(recs[0], ",") != "name,organisation,country,group,email,phone,invite_link" {
			t.Fatalf("header %v", recs[0])
		}
		for i, want := range []string{"'=HYPERLINK(\"http://evil\",\"x\")", "'+cmd", "'-2+3", "'@SUM(A1)"} {
			if recs[1][i] != want {
				t.Errorf("CSV cell %d = %q, want %q", i, recs[1][i], want)
			}
		}
		if recs[2][0] != "王伟" || recs[2][5] != "'+86 138 0000 0001" || !strings.HasPrefix(recs[2][6], "https://eval.example.org/s/q?t=") {
			t.Errorf("row 3 = %v", recs[2])
		}

		var xbuf bytes.Buffer
		if err := r.ExportXLSX(ctx, sem.ID, &xbuf, link); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(xbuf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if f.GetSheetList()[0] != "Participants" {
			t.Fatalf("sheets %v", f.GetSheetList())
		}
		if v, _ := f.GetCellValue("Participants", "A2"); v != "=HYPERLINK(\"http://evil\",\"x\")" || !spreadsheet.HasQuotePrefix(f, "Participants", "A2") {
			t.Errorf("A2 = %q, not kept as text with the quote prefix", v)
		}
		if v, _ := f.GetCellValue("Participants", "F3"); v != "+86 138 0000 0001" || !spreadsheet.HasQuotePrefix(f, "Participants", "F3") {
			t.Errorf("F3 = %q: a phone must print without an apostrophe", v)
		}
		if fm, _ := f.GetCellFormula("Participants", "A2"); fm != "" {
			t.Errorf("A2 is a formula: %q", fm)
		}
		if v, _ := f.GetCellValue("Participants", "A3"); v != "王伟" {
			t.Errorf("A3 = %q", v)
		}

		// The export imports into another seminar (invite_link is ignored).
		other := rosterSeminar(t, db, "export-copy")
		file, err := Parse(xbuf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if n, err := r.Import(ctx, other.ID, file); err != nil || n != 2 {
			t.Fatalf("re-import of the export: %d %v", n, err)
		}
	})
}
