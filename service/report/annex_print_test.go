package report

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"

	"seminareval/model"
)

// TestAnnexPrintsWithLibreOffice prints the annex as an organiser's office
// suite does: LibreOffice Calc converts it to PDF, poppler to one PNG per
// page (committed in testdata/annex/, to be looked at). The PDF must be A4,
// hold the narrative and the formula-like comment as plain text (no
// apostrophe), and print Responses at full size.
func TestAnnexPrintsWithLibreOffice(t *testing.T) {
	soffice, err1 := exec.LookPath("soffice")
	pdftoppm, err2 := exec.LookPath("pdftoppm")
	if err1 != nil || err2 != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI: soffice (libreoffice-calc-nogui) and pdftoppm (poppler-utils) are required; .ci/run installs them")
		}
		t.Skip("LibreOffice or poppler not installed")
	}
	db, err := gorm.Open(sqlite.Open(filepath.Join(t.TempDir(), "annex.db")+"?_pragma=busy_timeout(5000)"), &gorm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := model.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	f := newReportFixture(t, db)
	f.Fill(t)
	dir := t.TempDir()
	profile := "file://" + filepath.Join(dir, "profile")
	for _, lang := range []string{"en", "zh"} {
		xlsx := filepath.Join(dir, "annex-"+lang+".xlsx")
		var buf bytes.Buffer
		if err := f.reports.WriteAnnex(context.Background(), f.L.ID, &buf, AnnexOptions{Lang: lang}); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(xlsx, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(soffice, "-env:UserInstallation="+profile, "--headless", "--convert-to", "pdf", "--outdir", dir, xlsx).CombinedOutput()
		pdf := strings.TrimSuffix(xlsx, ".xlsx") + ".pdf"
		if _, statErr := os.Stat(pdf); err != nil || statErr != nil {
			t.Fatalf("soffice: %v %v\n%s", err, statErr, out)
		}
		info, _ := exec.Command("pdfinfo", pdf).Output()
		if !regexp.MustCompile(`Page size:\s+841\.\d+ x 595\.\d+ pts \(A4\)`).Match(info) {
			t.Fatalf("%s: not A4 landscape:\n%s", lang, info)
		}
		text, _ := exec.Command("pdftotext", "-layout", pdf, "-").Output()
		for _, want := range []string{`=HYPERLINK("http://evil.example","click")`, "=cmd|' /C calc'!A0"} {
			if !bytes.Contains(text, []byte(want)) {
				t.Errorf("%s: the PDF lacks %q", lang, want)
			}
		}
		for _, bad := range []string{`'=HYPERLINK`, "'=cmd"} {
			if bytes.Contains(text, []byte(bad)) {
				t.Errorf("%s: the PDF prints the apostrophe of %q", lang, bad)
			}
		}
		narrative := map[string]string{"en": "94% strongly agreed", "zh": "94%"}[lang]
		if !bytes.Contains(text, []byte(narrative)) {
			t.Errorf("%s: the PDF lacks the narrative %q", lang, narrative)
		}
		// One PNG per page, kept for review.
		prefix := filepath.Join(dir, "page-"+lang)
		if out, err := exec.Command(pdftoppm, "-png", "-r", "60", pdf, prefix).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v\n%s", err, out)
		}
		pages, _ := filepath.Glob(prefix + "-*.png")
		if len(pages) < 5 || len(pages) > 40 {
			t.Fatalf("%s: %d pages", lang, len(pages))
		}
		keep := filepath.Join("..", "..", "testdata", "annex")
		if err := os.MkdirAll(keep, 0o755); err != nil {
			t.Fatal(err)
		}
		old, _ := filepath.Glob(filepath.Join(keep, "annex-"+lang+"-page-*.png"))
		for _, o := range old {
			os.Remove(o)
		}
		for i, p := range pages {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(keep, fmt.Sprintf("annex-%s-page-%02d.png", lang, i+1)), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
