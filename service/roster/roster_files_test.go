package roster

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"
	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
)

// Files as the organisers' programs save them. The encoders stand in for
// Excel's "Save as": the bytes are what Excel on Chinese Windows ("CSV (逗号
// 分隔)"), Excel's "Unicode text", LibreOffice and Excel on Western Windows
// write for the same sheet.

func encodeText(t *testing.T, e encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode %q: %v", s, err)
	}
	return b
}

func crlf(lines ...string) string { return strings.Join(lines, "\r\n") + "\r\n" }

// storedNames are the participants' names as the database holds them.
func storedNames(t *testing.T, db *gorm.DB, seminarID uint64) []string {
	t.Helper()
	var names []string
	if err := db.Model(&model.Participant{}).Where("seminar_id = ?", seminarID).Order("id").Pluck("name", &names).Error; err != nil {
		t.Fatal(err)
	}
	return names
}

func TestRosterDecodesWhatChineseAndWesternOfficeSuitesSave(t *testing.T) {
	english := crlf("name,organisation,country,email", "郑伟,公安部刑事侦查局,中国,zheng.wei@mps.example.cn", "谢强,广西公安厅,中国,", "叶平,云南省公安厅,中国,")
	chinese := crlf("姓名,单位,国家,手机号", "郑伟,公安部,中国,13712345678", "王喆,广东省公安厅,中国,13812345678", "张伟,北京市公安局,中国,")
	tabbed := strings.ReplaceAll(crlf("姓名\t单位\t国家", "郑伟\t公安部\t中国", "Anna Kowalska\tPolicja\tPoland", "Иван Петров\tМВД\tRussia"), ",", "\t")
	european := crlf("name;organisation;country", "Jérôme Dubois;Police nationale;France", "Jörg Müller;Bundeskriminalamt;Deutschland", "Ana Peña;Policía Nacional;España")
	utf8Mixed := "name,organisation\nZhang Wei 张伟,公安部\nŁukasz Nowak,Policja\nΕλένη Παπαδοπούλου,Ελληνική Αστυνομία\nИван Петров,МВД\nJörg Müller,BKA\n"

	cases := []struct {
		name  string
		data  []byte
		enc   string
		names []string
	}{
		// GBK bytes of these names are valid UTF-8 (郑伟 reads as "֣ΰ"): the file must still be read as GB18030.
		{"Excel on Chinese Windows, English headers", encodeText(t, simplifiedchinese.GBK, english), EncodingGB18030, []string{"郑伟", "谢强", "叶平"}},
		// 喆 is outside GB2312, in GBK's extension: a rare character in a name does not make the file unreadable.
		{"Excel on Chinese Windows, Chinese headers", encodeText(t, simplifiedchinese.GB18030, chinese), EncodingGB18030, []string{"郑伟", "王喆", "张伟"}},
		{"Excel Unicode text (UTF-16LE, tabs)", encodeText(t, xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM), tabbed), EncodingUTF16LE, []string{"郑伟", "Anna Kowalska", "Иван Петров"}},
		{"UTF-16BE with BOM", encodeText(t, xunicode.UTF16(xunicode.BigEndian, xunicode.UseBOM), tabbed), EncodingUTF16BE, []string{"郑伟", "Anna Kowalska", "Иван Петров"}},
		{"UTF-16LE without BOM", encodeText(t, xunicode.UTF16(xunicode.LittleEndian, xunicode.IgnoreBOM), tabbed), EncodingUTF16LE, []string{"郑伟", "Anna Kowalska", "Иван Петров"}},
		{"Excel CSV UTF-8 (BOM)", append([]byte("\ufeff"), chinese...), EncodingUTF8BOM, []string{"郑伟", "王喆", "张伟"}},
		{"LibreOffice UTF-8, many scripts", []byte(utf8Mixed), EncodingUTF8, []string{"Zhang Wei 张伟", "Łukasz Nowak", "Ελένη Παπαδοπούλου", "Иван Петров", "Jörg Müller"}},
		{"Excel on Western Windows (Windows-1252, semicolons)", encodeText(t, charmap.Windows1252, european), EncodingWindows1252, []string{"Jérôme Dubois", "Jörg Müller", "Ana Peña"}},
	}
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				file, err := Parse(tc.data)
				if err != nil {
					t.Fatalf("ParseRoster: %v", err)
				}
				if file.Encoding != tc.enc || file.Format != "csv" {
					t.Fatalf("read as %s %s, want csv %s", file.Format, file.Encoding, tc.enc)
				}
				sem := rosterSeminar(t, db, "enc-"+string(rune('a'+i)))
				if _, err := New(db, nil).Import(context.Background(), sem.ID, file); err != nil {
					t.Fatalf("import: %v", err)
				}
				if got := storedNames(t, db, sem.ID); strings.Join(got, "|") != strings.Join(tc.names, "|") {
					t.Fatalf("stored names %q, want %q", got, tc.names)
				}
			})
		}
	})
}

func TestRosterRefusesTextItCannotReadInsteadOfStoringMojibake(t *testing.T) {
	sjis := encodeText(t, japanese.ShiftJIS, "name,organisation\r\n山田太郎,警察庁\r\n")
	_, err := Parse(sjis)
	problems, ok := AsError(err)
	if !ok || len(problems) != 1 || problems[0].Code != "unreadable_text" || !errors.Is(err, ErrNotSpreadsheet) {
		t.Fatalf("Shift-JIS: %v", err)
	}
	if !strings.Contains(problems[0].Message, "CSV UTF-8") {
		t.Fatalf("the message does not say how to save the file: %q", problems[0].Message)
	}
}

func TestRosterCSVFindsTheHeaderBelowTitleRows(t *testing.T) {
	// A title line, a date line and a blank line above the header, as a
	// sheet with a merged title saves to CSV.
	text := crlf("2026年打击拐卖人口研讨会参会名单,,,", "北京，2026年11月24日至25日,,,", ",,,", "序号,姓名,单位,手机", "1,郑伟,公安部,１３７ １２３４ ５６７８", "2,,云南省公安厅,13812345678")
	file, err := Parse(encodeText(t, simplifiedchinese.GBK, text))
	if err != nil {
		t.Fatal(err)
	}
	if file.HeaderRow != 4 || len(file.Rows) != 2 || file.Rows[0].Name != "郑伟" || file.Rows[0].Phone != "137 1234 5678" || file.Rows[0].Row != 5 {
		t.Fatalf("header row %d, rows %+v", file.HeaderRow, file.Rows)
	}
	if strings.Join(file.Ignored, ",") != "序号" {
		t.Fatalf("ignored %q", file.Ignored)
	}
	// Problems keep the row numbers a person sees in the sheet.
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		sem := rosterSeminar(t, db, "title-rows")
		pv, err := New(db, nil).Preview(context.Background(), sem.ID, file)
		if err != nil {
			t.Fatal(err)
		}
		if len(pv.Problems) != 1 || pv.Problems[0].Row != 6 || pv.Problems[0].Field != "name" || pv.Problems[0].Code != "required" {
			t.Fatalf("problems %+v", pv.Problems)
		}
	})
}

// rosterSheets builds an .xlsx with the given sheets; build may merge, style or
// hide cells.
func rosterSheets(t *testing.T, sheets []string, rows map[string][][]any, build func(f *excelize.File)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, name := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for r, row := range rows[name] {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	if build != nil {
		build(f)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRosterWorkbookWithTitleCoverSheetAndNumbers(t *testing.T) {
	data := rosterSheets(t, []string{"封面", "名单"}, map[string][][]any{
		"封面": {{"2026年打击拐卖人口研讨会"}, {"主办：某国际组织"}},
		"名单": {
			{"参会人员名单 List of participants"}, {},
			{"姓名 Name", "单位 Organisation", "国家", "手机号", "邮箱"},
			{"郑伟", "公安部", "中国", 13712345678, "ｚｈｅｎｇ．ｗｅｉ＠ｍｐｓ．ｅｘａｍｐｌｅ．ｃｎ"},
			{"Anna Kowalska", "Policja", "Poland", "＋48 601 234 567", "anna@policja.example.pl"},
		},
	}, func(f *excelize.File) {
		if err := f.MergeCell("名单", "A1", "E1"); err != nil {
			t.Fatal(err)
		}
		// A phone column with a scientific display format: the stored digits count.
		style, _ := f.NewStyle(&excelize.Style{NumFmt: 11})
		if err := f.SetCellStyle("名单", "D4", "D4", style); err != nil {
			t.Fatal(err)
		}
	})
	file, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if file.Format != "xlsx" || file.Sheet != "名单" || strings.Join(file.SheetsRead, ",") != "封面,名单" || file.HeaderRow != 3 {
		t.Fatalf("read %s sheet %q of %q, header row %d", file.Format, file.Sheet, file.SheetsRead, file.HeaderRow)
	}
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		sem := rosterSeminar(t, db, "cover-sheet")
		if _, err := New(db, nil).Import(context.Background(), sem.ID, file); err != nil {
			t.Fatal(err)
		}
		var ps []model.Participant
		if err := db.Where("seminar_id = ?", sem.ID).Order("id").Find(&ps).Error; err != nil {
			t.Fatal(err)
		}
		if len(ps) != 2 || ps[0].Name != "郑伟" || ps[0].Phone != "13712345678" || ps[0].Email != "zheng.wei@mps.example.cn" || ps[1].Phone != "+48 601 234 567" {
			t.Fatalf("stored %+v", ps)
		}
	})
}

func TestRosterWorkbookWithoutHeaderNamesTheSheetsRead(t *testing.T) {
	data := rosterSheets(t, []string{"Cover", "Notes"}, map[string][][]any{
		"Cover": {{"Seminar on trafficking in human beings"}},
		"Notes": {{"who", "where"}, {"Anna", "Warsaw"}},
	}, nil)
	_, err := Parse(data)
	problems, ok := AsError(err)
	if !ok || len(problems) != 1 || problems[0].Code != "no_name_column_sheets" || !strings.Contains(problems[0].Message, `"Cover", "Notes"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestRosterRefusesExcelScientificPhones(t *testing.T) {
	// Excel shows 13712345678 as 1.37123E+10 in a General column and saves
	// the CSV that way: the digits are gone, so the row is refused.
	file, err := Parse([]byte("name,phone\r\nZheng Wei,1.37123E+10\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		sem := rosterSeminar(t, db, "scientific")
		_, err := New(db, nil).Import(context.Background(), sem.ID, file)
		problems, ok := AsError(err)
		if !ok || len(problems) != 1 || problems[0].Code != "phone_scientific" || problems[0].Row != 2 {
			t.Fatalf("err = %v", err)
		}
		if n := participantCount(t, db, sem.ID); n != 0 {
			t.Fatalf("%d stored", n)
		}
	})
}

func TestRosterNamesOtherSpreadsheetFormats(t *testing.T) {
	for _, tc := range []struct{ file, code string }{
		{"participants.ods", "ods"},
		{"participants.xls", "old_xls"},
	} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "rosters", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		_, err = Parse(data)
		problems, ok := AsError(err)
		if !ok || len(problems) != 1 || problems[0].Code != tc.code || !errors.Is(err, ErrNotSpreadsheet) || !strings.Contains(problems[0].Message, ".xlsx") {
			t.Fatalf("%s: %v", tc.file, err)
		}
	}
}

// The files in testdata/rosters were written by LibreOffice Calc 7 from
// one sheet (姓名, 单位, 国家, 手机号; 郑伟 and Anna Kowalska): its "Text CSV"
// export in the Chinese (GBK) character set and its "Unicode" text export.
func TestRosterReadsFilesLibreOfficeWrote(t *testing.T) {
	for _, tc := range []struct{ file, enc string }{
		{"participants-gbk-libreoffice.csv", EncodingGB18030},
		{"participants-utf16-libreoffice.txt", EncodingUTF16LE},
	} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "rosters", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		file, err := Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if file.Encoding != tc.enc || len(file.Rows) != 2 || file.Rows[0].Name != "郑伟" || file.Rows[0].Organisation != "公安部" || file.Rows[0].Phone != "13712345678" || file.Rows[1].Name != "Anna Kowalska" {
			t.Fatalf("%s: read as %s: %+v", tc.file, file.Encoding, file.Rows)
		}
	}
}

// Blank lines in a CSV count as rows: the header and the problems are
// numbered as the file's lines, as a spreadsheet shows them.
func TestRosterCSVRowNumbersCountBlankLines(t *testing.T) {
	file, err := Parse([]byte("Participants\r\n\r\nname,email\r\nAnna,anna@example.pl\r\n\r\nBob,bob-at-example\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if file.HeaderRow != 3 || len(file.Rows) != 2 || file.Rows[0].Row != 4 || file.Rows[1].Row != 6 || file.Skipped != 1 {
		t.Fatalf("header row %d, rows %+v, skipped %d", file.HeaderRow, file.Rows, file.Skipped)
	}
}
