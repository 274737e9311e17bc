package handler

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service"
	"seminareval/service/roster"
	"seminareval/service/servicetest"
	"seminareval/service/spreadsheet"
)

// rosterUpload posts a file to the roster preview form.
func (a *testApp) rosterUpload(u consoleUser, seminarID uint64, name string, data []byte) response {
	a.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		a.t.Fatal(err)
	}
	fw.Write(data)
	w.Close()
	return a.do(u.Client, http.MethodPost, fmt.Sprintf("/admin/seminars/%d/roster/preview", seminarID), w.FormDataContentType(), &buf)
}

var confirmFileRe = regexp.MustCompile(`name="file" value="([^"]+)"`)

func TestRosterUploadPreviewThenConfirm(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		q := a.demo()
		sem := *q.SeminarID
		staff := a.signIn(model.RoleStaff)
		data := servicetest.Workbook(t, [][]any{
			{"姓名", "单位", "国家", "组别", "邮箱", "电话", "invite_token"},
			{"王伟", "公安部", "中国", "China", "wang.wei@example.cn", "+86 138 0000 0001", "forged-token"},
			{"Anna Müller", "Bundeskriminalamt", "Germany", "Europe", "anna@example.de", "", ""},
		})
		res := a.rosterUpload(staff, sem, "participants.xlsx", data)
		if res.Code != http.StatusOK {
			t.Fatalf("preview: %d %s", res.Code, res.Body)
		}
		for _, want := range []string{"2 participants are ready to import", "王伟", "Anna Müller", "Ignored columns: invite_token", "Import 2 participants", "Read from sheet “Sheet1”, column names in row 1 (sheets looked at: “Sheet1”)."} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("preview lacks %q", want)
			}
		}
		if n := a.count(&model.Participant{}); n != 0 {
			t.Fatalf("the preview wrote %d participants", n)
		}
		m := confirmFileRe.FindStringSubmatch(res.Body)
		if m == nil {
			t.Fatal("no confirm form")
		}
		res = a.postForm(staff.Client, fmt.Sprintf("/admin/seminars/%d/roster/import", sem), url.Values{"file": {m[1]}, "filename": {"participants.xlsx"}})
		if res.Code != http.StatusSeeOther {
			t.Fatalf("confirm: %d %s", res.Code, res.Body)
		}
		var ps []model.Participant
		db.Where("seminar_id = ?", sem).Order("id").Find(&ps)
		if len(ps) != 2 || ps[0].Name != "王伟" || ps[0].InviteToken == "forged-token" || ps[1].Email != "anna@example.de" {
			t.Fatalf("roster %+v", ps)
		}
		page := a.consoleGet(staff, res.Header.Get("Location"))
		if !strings.Contains(page.Body, "Roster imported") || !strings.Contains(page.Body, "2 participants") {
			t.Fatalf("roster page after import lacks confirmation")
		}
		// Each participant has a personal link to the questionnaire, with a QR code.
		link := a.cfg.Server.BaseURL + "/s/" + q.Slug + "?t=" + ps[0].InviteToken
		if !strings.Contains(page.Body, link) {
			t.Fatalf("roster page lacks the invite link %s", link)
		}
		qr := a.consoleGet(staff, fmt.Sprintf("/admin/seminars/%d/participants/%d/qr.png", sem, ps[0].ID))
		if qr.Code != http.StatusOK || qr.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("qr: %d %s", qr.Code, qr.Header.Get("Content-Type"))
		}
		if img, err := png.Decode(strings.NewReader(qr.Body)); err != nil || img.Bounds().Dx() < 200 {
			t.Fatalf("qr png: %v", err)
		}
		if res := a.get(strings.TrimPrefix(link, a.cfg.Server.BaseURL)); res.Code != http.StatusOK {
			t.Fatalf("invite link: %d", res.Code)
		}
		if inv := a.consoleGet(staff, fmt.Sprintf("/admin/seminars/%d/invites", sem)); !strings.Contains(inv.Body, "王伟") || !strings.Contains(inv.Body, "/qr.png") {
			t.Fatal("invitation sheet lacks names or QR codes")
		}
		// Confirming the same file twice adds nobody: the rows are duplicates now.
		res = a.postForm(staff.Client, fmt.Sprintf("/admin/seminars/%d/roster/import", sem), url.Values{"file": {m[1]}})
		if res.Code != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "already on the roster") {
			t.Fatalf("second confirm: %d", res.Code)
		}
		if n := a.count(&model.Participant{}); n != 2 {
			t.Fatalf("participants = %d", n)
		}
		if n := a.count(&model.AuditEvent{}, "action = ?", "roster.import"); n != 1 {
			t.Fatalf("roster.import audit events = %d", n)
		}
	})
}

func TestRosterUploadShowsEveryProblemByRowAndImportsNothing(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		sem, _ := a.srv.seminars.Create(context.Background(), service.SeminarInput{Slug: "bad-rosters", Title: model.Text{"en": "Bad"}})
		staff := a.signIn(model.RoleStaff)
		cases := []struct {
			name, file string
			data       []byte
			status     int
			want       []string
		}{
			{"wrong headers", "a.xlsx", servicetest.Workbook(t, [][]any{{"Nom", "Prénom"}, {"Dupont", "Jean"}}), 422,
				[]string{"no name column", `&#34;Nom&#34;`}},
			{"empty rows and bad cells", "b.csv", []byte("name,email,phone\nAnna,anna@example.de,\n,,\n,orphan@example.de,\nBob,bob-at-example,abc\n"), 422,
				[]string{"<td>4</td><td>Name</td><td>required", "<td>5</td><td>Email</td>", "<td>5</td><td>Phone</td>", "Nothing was imported: 3 problems", "1 blank rows skipped"}},
			{"duplicates", "c.csv", []byte("name,email\nA,same@example.cn\nB,same@example.cn\n"), 422,
				[]string{"<td>3</td><td>Email</td><td>duplicate person: same email &#34;same@example.cn&#34; as row 2"}},
			{"not a spreadsheet", "photo.jpg", []byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, 422,
				[]string{"This file is not a spreadsheet"}},
			{"old xls", "old.xls", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, 422,
				[]string{"old Excel .xls file"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res := a.rosterUpload(staff, sem.ID, tc.file, tc.data)
				if res.Code != tc.status {
					t.Fatalf("status %d, want %d\n%s", res.Code, tc.status, res.Body)
				}
				for _, w := range tc.want {
					if !strings.Contains(res.Body, w) {
						t.Errorf("page lacks %q", w)
					}
				}
				if confirmFileRe.MatchString(res.Body) {
					t.Error("a bad file can be confirmed")
				}
				if n := a.count(&model.Participant{}); n != 0 {
					t.Fatalf("participants = %d", n)
				}
			})
		}
		// The same problems in Chinese (the console language is remembered).
		a.consoleGet(staff, "/admin/?lang=zh")
		res := a.rosterUpload(staff, sem.ID, "c.csv", []byte("姓名,邮箱\nA,same@example.cn\nB,same@example.cn\n"))
		if !strings.Contains(res.Body, "<td>3</td><td>邮箱</td><td>重复的人员：&#34;same@example.cn&#34; 与第 2 行相同（A）</td>") {
			t.Errorf("Chinese problem missing:\n%s", res.Body)
		}
		a.consoleGet(staff, "/admin/?lang=en")
		// No file at all.
		res = a.do(staff.Client, http.MethodPost, fmt.Sprintf("/admin/seminars/%d/roster/preview", sem.ID), "application/x-www-form-urlencoded", nil)
		if res.Code != http.StatusBadRequest || !strings.Contains(res.Body, "Choose a file") {
			t.Fatalf("no file: %d", res.Code)
		}
	})
}

func TestRosterAPIImportsJSONXLSXAndCSV(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		sem, _ := a.srv.seminars.Create(context.Background(), service.SeminarInput{Slug: "api-roster", Title: model.Text{"en": "API"}})
		staff := a.signIn(model.RoleStaff)
		auth := []string{"Authorization", "Bearer " + staff.Token}
		path := "/api/v1/seminars/api-roster/participants"

		res := a.postJSON(path, []map[string]any{
			{"name": "王伟", "organisation": "公安部", "country": "中国", "group": "China", "email": "w@example.cn", "phone": "13800000001",
				"invite_token": "mine", "openid": "o-forged", "seminar_id": 999, "id": 5},
			{"name": "Anna", "group": "Europe"},
		}, auth...)
		if res.Code != http.StatusCreated || res.JSON(t)["imported"] != float64(2) {
			t.Fatalf("JSON: %d %s", res.Code, res.Body)
		}
		var p model.Participant
		db.Where("name = ?", "王伟").Take(&p)
		if p.SeminarID != sem.ID || p.InviteToken == "mine" || p.OpenID != nil || p.ID == 5 || p.Organisation != "公安部" {
			t.Fatalf("stored %+v", p)
		}
		xlsx := servicetest.Workbook(t, [][]any{{"name", "email"}, {"Carl", "carl@example.se"}})
		res = a.do(nil, http.MethodPost, path, spreadsheet.XLSXContentType, bytes.NewReader(xlsx), auth...)
		if res.Code != http.StatusCreated || res.JSON(t)["imported"] != float64(1) {
			t.Fatalf("xlsx: %d %s", res.Code, res.Body)
		}
		res = a.do(nil, http.MethodPost, path, "text/csv", strings.NewReader("\ufeff姓名,邮箱\n李娜,li@example.cn\n"), auth...)
		if res.Code != http.StatusCreated || res.JSON(t)["imported"] != float64(1) {
			t.Fatalf("csv: %d %s", res.Code, res.Body)
		}

		// 422 names every bad row; nothing of that request is stored.
		res = a.postJSON(path, []map[string]any{{"name": "Dora", "email": "dora@example.cn"}, {"name": ""}, {"name": "Eve", "email": "W@example.cn"}}, auth...)
		if res.Code != http.StatusUnprocessableEntity {
			t.Fatalf("bad JSON: %d %s", res.Code, res.Body)
		}
		body := res.JSON(t)
		problems, _ := body["problems"].([]any)
		if body["error"] != "invalid" || len(problems) != 2 {
			t.Fatalf("422 body: %s", res.Body)
		}
		first := problems[0].(map[string]any)
		second := problems[1].(map[string]any)
		if first["row"] != float64(2) || first["field"] != "name" || first["code"] != "required" || second["code"] != "on_roster" || second["row"] != float64(3) || second["field"] != "email" || !strings.Contains(second["message"].(string), "already on the roster") {
			t.Fatalf("problems: %s", res.Body)
		}
		if n := a.count(&model.Participant{}, "name = ?", "Dora"); n != 0 {
			t.Fatal("half-imported")
		}
		res = a.do(nil, http.MethodPost, path, "application/octet-stream", bytes.NewReader([]byte{0x89, 'P', 'N', 'G', 0, 0}), auth...)
		if res.Code != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "not a spreadsheet") || !strings.Contains(res.Body, `"code":"not_spreadsheet"`) {
			t.Fatalf("png: %d %s", res.Code, res.Body)
		}
		if res := a.postJSON("/api/v1/seminars/no-such-seminar/participants", []any{}, auth...); res.Code != http.StatusNotFound {
			t.Fatalf("unknown seminar: %d", res.Code)
		}
		if n := a.count(&model.Participant{}, "seminar_id = ?", sem.ID); n != 4 {
			t.Fatalf("participants = %d", n)
		}
	})
}

func TestRosterExportIsNeutralisedAndAudited(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		q := a.demo()
		staff := a.signIn(model.RoleStaff)
		file, _ := roster.Parse([]byte("name,organisation\n=cmd|'/c calc'!A1,@evil\n王伟,公安部\n"))
		if _, err := a.srv.rosters.Import(context.Background(), *q.SeminarID, file); err != nil {
			t.Fatal(err)
		}
		res := a.consoleGet(staff, fmt.Sprintf("/admin/seminars/%d/roster.csv", *q.SeminarID))
		if res.Code != http.StatusOK || !strings.HasPrefix(res.Body, "\ufeff") || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("csv: %d %q", res.Code, res.Header.Get("Content-Disposition"))
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if recs[1][0] != "'=cmd|'/c calc'!A1" || recs[1][1] != "'@evil" || recs[2][0] != "王伟" || !strings.Contains(recs[2][6], "/s/"+q.Slug+"?t=") {
			t.Fatalf("csv rows %q", recs)
		}
		res = a.consoleGet(staff, fmt.Sprintf("/admin/seminars/%d/roster.xlsx", *q.SeminarID))
		f, err := excelize.OpenReader(strings.NewReader(res.Body))
		if err != nil {
			t.Fatalf("xlsx: %v", err)
		}
		defer f.Close()
		// The text as typed, kept text by the quote-prefix style (no apostrophe printed).
		id, _ := f.GetCellStyle("Participants", "A2")
		if v, _ := f.GetCellValue("Participants", "A2"); v != "=cmd|'/c calc'!A1" || f.Styles.CellXfs.Xf[id].QuotePrefix == nil || !*f.Styles.CellXfs.Xf[id].QuotePrefix {
			t.Fatalf("A2 = %q (style %d) is not quote-prefixed text", v, id)
		}
		if fm, _ := f.GetCellFormula("Participants", "A2"); fm != "" {
			t.Fatalf("A2 is a formula: %q", fm)
		}
		if n := a.count(&model.AuditEvent{}, "action = ? AND user_name = ?", "roster.export", staff.Name); n != 2 {
			t.Fatalf("export audit events = %d", n)
		}
	})
}

// A CSV that LibreOffice saved in the Chinese (GBK) character set, and an
// .ods, uploaded by a Chinese console user: the preview says how the file
// was read, the names are stored as written, and the .ods is refused with
// what to do, in Chinese.
func TestRosterUploadOfChineseOfficeFilesSaysHowItWasRead(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		sem := *a.demo().SeminarID
		staff := a.signIn(model.RoleStaff)
		a.consoleGet(staff, "/admin/?lang=zh")
		data, err := os.ReadFile("../testdata/rosters/participants-gbk-libreoffice.csv")
		if err != nil {
			t.Fatal(err)
		}
		res := a.rosterUpload(staff, sem, "参会名单.csv", data)
		if res.Code != http.StatusOK {
			t.Fatalf("preview: %d %s", res.Code, res.Body)
		}
		for _, want := range []string{"按 GB18030/GBK（中文版 Windows 上 Excel 或 WPS 保存的 CSV） 编码读取文本，列名在第 1 行", "郑伟", "公安部", "Anna Kowalska"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("preview lacks %q", want)
			}
		}
		m := confirmFileRe.FindStringSubmatch(res.Body)
		if m == nil {
			t.Fatal("no confirm form")
		}
		if res := a.postForm(staff.Client, fmt.Sprintf("/admin/seminars/%d/roster/import", sem), url.Values{"file": {m[1]}}); res.Code != http.StatusSeeOther {
			t.Fatalf("confirm: %d %s", res.Code, res.Body)
		}
		var names []string
		db.Model(&model.Participant{}).Where("seminar_id = ?", sem).Order("id").Pluck("name", &names)
		if strings.Join(names, ",") != "郑伟,Anna Kowalska" {
			t.Fatalf("stored names %q", names)
		}
		ods, err := os.ReadFile("../testdata/rosters/participants.ods")
		if err != nil {
			t.Fatal(err)
		}
		res = a.rosterUpload(staff, sem, "participants.ods", ods)
		if res.Code != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "这是 OpenDocument 电子表格（.ods）") {
			t.Fatalf("ods: %d %s", res.Code, res.Body)
		}
	})
}

// Erasure: a participant deleted through the API (or the console, with its
// confirmation box) is gone from the roster with their invite and openid;
// their response stays in the figures without the link; both are audited
// without the name.
func TestParticipantErasure(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		q := a.demo()
		tokens := a.reportRoster(q, "China", "Europe")
		if r := a.postJSON("/s/"+q.Slug+"?t="+tokens[0], submission("erase-0001", fullDemoAnswers())); r.Code != http.StatusCreated {
			t.Fatalf("submit: %d %s", r.Code, r.Body)
		}
		var p0, p1 model.Participant
		db.Where("invite_token = ?", tokens[0]).Take(&p0)
		db.Where("invite_token = ?", tokens[1]).Take(&p1)
		staff := a.signIn(model.RoleStaff)
		seminar := "sanya-2018"
		if r := a.do(nil, http.MethodDelete, fmt.Sprintf("/api/v1/seminars/%s/participants/%d", seminar, p0.ID), "", nil, bearer(staff.Token)...); r.Code != http.StatusNoContent {
			t.Fatalf("DELETE: %d %s", r.Code, r.Body)
		}
		if r := a.do(nil, http.MethodDelete, fmt.Sprintf("/api/v1/seminars/%s/participants/%d", seminar, p0.ID), "", nil, bearer(staff.Token)...); r.Code != http.StatusNotFound {
			t.Fatalf("DELETE again: %d", r.Code)
		}
		if n := a.count(&model.Participant{}, "id = ?", p0.ID); n != 0 {
			t.Fatal("the participant row is still there")
		}
		var resp model.Response
		db.Where("questionnaire_id = ?", q.ID).Take(&resp)
		if resp.ParticipantID != nil {
			t.Errorf("the response still points at the erased participant")
		}
		if r := a.get("/s/" + q.Slug + "?t=" + tokens[0]); strings.Contains(r.Body, p0.Name) {
			t.Error("the erased participant's invite still names them")
		}
		// The console: without the box nothing happens; with it the row goes.
		path := fmt.Sprintf("/admin/seminars/%d/participants/%d/delete", *q.SeminarID, p1.ID)
		a.postForm(staff.Client, path, url.Values{})
		if n := a.count(&model.Participant{}, "id = ?", p1.ID); n != 1 {
			t.Fatal("erased without the confirmation box")
		}
		if r := a.postForm(staff.Client, path, url.Values{"confirm": {"1"}}); r.Code != http.StatusSeeOther || a.count(&model.Participant{}, "id = ?", p1.ID) != 0 {
			t.Fatalf("console erase: %d", r.Code)
		}
		var events []model.AuditEvent
		db.Where("action = ?", "participant.delete").Find(&events)
		if len(events) != 2 {
			t.Fatalf("%d audit events", len(events))
		}
		for _, e := range events {
			if strings.Contains(e.Detail, p0.Name) || strings.Contains(e.Detail, p1.Name) {
				t.Errorf("the audit keeps the erased name: %q", e.Detail)
			}
		}
		// The summary still counts the answer.
		sum := a.get(fmt.Sprintf("/api/v1/questionnaires/%d/summary", q.ID), bearer(staff.Token)...)
		if !strings.Contains(sum.Body, `"respondents":1`) || !strings.Contains(sum.Body, `"invited":0`) {
			t.Errorf("summary after erasure: %s", sum.Body[:min(300, len(sum.Body))])
		}
	})
}

// Erasing a seminar (admins): its roster and organisers go, its
// questionnaire and responses stay without it, and a cached copy that still
// has the seminar is not answered against.
func TestSeminarErasure(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		q := a.demo()
		tokens := a.reportRoster(q, "China", "Europe")
		if r := a.postJSON("/s/"+q.Slug+"?t="+tokens[0], submission("sem-erase-1", fullDemoAnswers())); r.Code != http.StatusCreated {
			t.Fatalf("submit: %d %s", r.Code, r.Body)
		}
		staff := a.signIn(model.RoleStaff)
		admin := a.signIn(model.RoleAdmin)
		if r := a.do(nil, http.MethodDelete, "/api/v1/seminars/sanya-2018", "", nil, bearer(staff.Token)...); r.Code != http.StatusForbidden {
			t.Fatalf("staff: %d, want 403 (admins only)", r.Code)
		}
		if r := a.do(nil, http.MethodDelete, "/api/v1/seminars/sanya-2018", "", nil, bearer(admin.Token)...); r.Code != http.StatusNoContent {
			t.Fatalf("DELETE: %d %s", r.Code, r.Body)
		}
		if n := a.count(&model.Seminar{}) + a.count(&model.Participant{}); n != 0 {
			t.Fatalf("%d seminar and participant rows left", n)
		}
		var qrow model.Questionnaire
		db.First(&qrow, q.ID)
		var resp model.Response
		db.Where("questionnaire_id = ?", q.ID).Take(&resp)
		if qrow.SeminarID != nil || resp.ParticipantID != nil || qrow.Revision <= q.Revision {
			t.Fatalf("questionnaire seminar %v (revision %d, was %d), response participant %v", qrow.SeminarID, qrow.Revision, q.Revision, resp.ParticipantID)
		}
		if r := a.get(fmt.Sprintf("/api/v1/questionnaires/%d/summary", q.ID), bearer(admin.Token)...); r.Code != http.StatusOK || !strings.Contains(r.Body, `"respondents":1`) {
			t.Fatalf("summary after erasure: %d %s", r.Code, r.Body[:min(200, len(r.Body))])
		}
		if a.count(&model.AuditEvent{}, "action = ? AND object = ?", "seminar.delete", "seminar:sanya-2018") != 1 {
			t.Error("the erasure is not audited")
		}
		if r := a.do(nil, http.MethodDelete, "/api/v1/seminars/sanya-2018", "", nil, bearer(admin.Token)...); r.Code != http.StatusNotFound {
			t.Fatalf("DELETE again: %d", r.Code)
		}
		// The console: a second seminar, erased from its page by an admin.
		sem, err := a.srv.seminars.Create(context.Background(), service.SeminarInput{Slug: "spring-2027", Title: model.Text{"en": "Spring", "zh": "春季"}, Timezone: model.DefaultTimezone})
		if err != nil {
			t.Fatal(err)
		}
		page := a.consoleGet(admin, fmt.Sprintf("/admin/seminars/%d", sem.ID))
		if !strings.Contains(page.Body, `id="erase-seminar"`) || strings.Contains(a.consoleGet(staff, fmt.Sprintf("/admin/seminars/%d", sem.ID)).Body, `id="erase-seminar"`) {
			t.Fatal("the erase form is not for admins only")
		}
		a.postForm(admin.Client, fmt.Sprintf("/admin/seminars/%d/delete", sem.ID), url.Values{})
		if a.count(&model.Seminar{}) != 1 {
			t.Fatal("erased without the confirmation box")
		}
		if r := a.postForm(admin.Client, fmt.Sprintf("/admin/seminars/%d/delete", sem.ID), url.Values{"confirm": {"1"}}); r.Code != http.StatusSeeOther || a.count(&model.Seminar{}) != 0 {
			t.Fatalf("console erase: %d", r.Code)
		}
	})
}

// A seminar past its retention still takes a roster, but the console preview
// and the API say that the contacts go at the next purge; a current one says
// nothing.
func TestRosterImportIntoASeminarPastItsRetentionWarns(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		old, err := a.srv.seminars.Create(context.Background(), service.SeminarInput{Slug: "old-seminar", Title: model.Text{"en": "Old"}, StartsOn: "2018-01-10", RetentionDays: "30"})
		if err != nil {
			t.Fatal(err)
		}
		current, err := a.srv.seminars.Create(context.Background(), service.SeminarInput{Slug: "current-seminar", Title: model.Text{"en": "Current"}, StartsOn: a.now.Format(time.DateOnly)})
		if err != nil {
			t.Fatal(err)
		}
		staff := a.signIn(model.RoleStaff)
		data := servicetest.Workbook(t, [][]any{{"name", "email"}, {"Carl", "carl@example.se"}})
		res := a.rosterUpload(staff, old.ID, "old.xlsx", data)
		if res.Code != http.StatusOK || !strings.Contains(res.Body, `id="past-retention"`) || !strings.Contains(res.Body, "was due for deletion on 2018-02-10") || !confirmFileRe.MatchString(res.Body) {
			t.Fatalf("preview into the old seminar: %d %s", res.Code, res.Body)
		}
		if res := a.rosterUpload(staff, current.ID, "current.xlsx", data); res.Code != http.StatusOK || strings.Contains(res.Body, `id="past-retention"`) {
			t.Fatalf("preview into the current seminar: %d", res.Code)
		}
		auth := []string{"Authorization", "Bearer " + staff.Token}
		res = a.postJSON("/api/v1/seminars/old-seminar/participants", []map[string]string{{"name": "Dora"}}, auth...)
		warnings, _ := res.JSON(t)["warnings"].([]any)
		if res.Code != http.StatusCreated || len(warnings) != 1 || warnings[0].(map[string]any)["code"] != "past_retention" || warnings[0].(map[string]any)["purge_on"] != "2018-02-10" {
			t.Fatalf("API into the old seminar: %d %s", res.Code, res.Body)
		}
		res = a.postJSON("/api/v1/seminars/current-seminar/participants", []map[string]string{{"name": "Dora"}}, auth...)
		if res.Code != http.StatusCreated || !strings.Contains(res.Body, `"warnings":[]`) {
			t.Fatalf("API into the current seminar: %d %s", res.Code, res.Body)
		}
		if n := a.count(&model.Participant{}, "seminar_id = ?", old.ID); n != 1 {
			t.Fatalf("old seminar participants = %d", n)
		}
	})
}
