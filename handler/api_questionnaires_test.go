package handler

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service"
	"seminareval/service/account"
	"seminareval/service/definition"
	"seminareval/service/spreadsheet"
)

// apiUser creates a user with role and returns the Authorization header
// pair of a new API token of theirs.
func apiUser(t *testing.T, a *testApp, role string) []string {
	t.Helper()
	ctx := context.Background()
	// Token users never log in: a row without a usable password spares the
	// bcrypt cost (seconds under -race).
	u := model.User{Name: "api-" + role, Role: role, PasswordHash: "!"}
	if err := a.db.Create(&u).Error; err != nil {
		t.Fatal(err)
	}
	plain, _, err := account.NewTokens(a.db, nil).Create(ctx, u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	return []string{"Authorization", "Bearer " + plain}
}

func (a *testApp) send(method, path, contentType string, body []byte, headers ...string) response {
	a.t.Helper()
	return a.do(nil, method, path, contentType, bytes.NewReader(body), headers...)
}

func demoYAML(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../templates/definitions/sanya-2018-evaluation.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// xlsformBook writes a small bilingual XLSForm: a Likert item over a 5-point
// list and a select_one, in a group.
func xlsformBook(t *testing.T, edit func(survey, choices [][]any) ([][]any, [][]any)) []byte {
	t.Helper()
	survey := [][]any{
		{"type", "name", "label::English (en)", "label::Chinese (zh)", "required", "appearance"},
		{"begin_group", "views", "Your views", "您的看法"},
		{"select_one agree", "useful", "The seminar was useful.", "研讨会很有用。", "yes", "likert"},
		{"select_one role", "role", "Your role?", "您的角色？", "yes"},
		{"end_group"},
		{"text", "comments", "Comments", "意见"},
	}
	choices := [][]any{
		{"list_name", "name", "label::English (en)", "label::Chinese (zh)"},
		{"agree", "1", "Strongly disagree", "非常不同意"},
		{"agree", "2", "Disagree", "不同意"},
		{"agree", "3", "Neutral", "一般"},
		{"agree", "4", "Agree", "同意"},
		{"agree", "5", "Strongly agree", "非常同意"},
		{"role", "police", "Police", "警察"},
		{"role", "expert", "Expert", "专家"},
	}
	if edit != nil {
		survey, choices = edit(survey, choices)
	}
	f := excelize.NewFile()
	defer f.Close()
	_ = f.SetSheetName("Sheet1", "survey")
	_, _ = f.NewSheet("choices")
	_, _ = f.NewSheet("settings")
	write := func(sheet string, rows [][]any) {
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(sheet, cell, &r); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("survey", survey)
	write("choices", choices)
	write("settings", [][]any{{"form_title::English (en)", "form_title::Chinese (zh)", "form_id"}, {"Workshop feedback", "研讨班反馈", "workshop_feedback"}})
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAPICreatesQuestionnairesFromYAMLJSONAndXLSForm(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		auth := apiUser(t, a, model.RoleStaff)

		w := a.send(http.MethodPost, "/api/v1/questionnaires", "application/yaml", demoYAML(t), auth...)
		if w.Code != http.StatusCreated {
			t.Fatalf("yaml: %d %s", w.Code, w.Body)
		}
		body := w.JSON(t)
		if body["slug"] != "sanya-2018-evaluation" || body["status"] != "open" || body["url"] != a.cfg.Server.BaseURL+"/s/sanya-2018-evaluation" || body["id"] == nil {
			t.Fatalf("yaml body: %s", w.Body)
		}
		if n := a.count(&model.Question{}, "questionnaire_id = ?", body["id"]); n != 12 {
			t.Fatalf("question rows = %d, want 12", n)
		}
		if page := a.get("/s/sanya-2018-evaluation?lang=en"); page.Code != http.StatusOK || !strings.Contains(page.Body, "My knowledge of the specific topics") {
			t.Fatalf("public page of the new questionnaire: %d", page.Code)
		}

		wb := xlsformBook(t, nil)
		w = a.send(http.MethodPost, "/api/v1/questionnaires", spreadsheet.XLSXContentType, wb, auth...)
		if w.Code != http.StatusCreated || w.JSON(t)["slug"] != "workshop-feedback" || w.JSON(t)["status"] != "draft" {
			t.Fatalf("xlsform: %d %s", w.Code, w.Body)
		}
		var qs []model.Question
		db.Where("questionnaire_id = ?", w.JSON(t)["id"]).Order("position").Find(&qs)
		if len(qs) != 3 || qs[0].Key != "useful" || qs[0].Type != model.TypeLikert || !qs[0].Required || qs[1].Type != model.TypeSingle || qs[2].Section != 1 {
			t.Fatalf("xlsform question rows: %+v", qs)
		}

		// The same workbook again: its slug is taken.
		w = a.send(http.MethodPost, "/api/v1/questionnaires", spreadsheet.XLSXContentType, wb, auth...)
		if w.Code != http.StatusConflict || w.JSON(t)["error"] != "slug_taken" {
			t.Fatalf("slug in use: %d %s, want 409 slug_taken", w.Code, w.Body)
		}
		// ?slug= gives it another one; JSON works as well.
		w = a.send(http.MethodPost, "/api/v1/questionnaires?slug=workshop-2", spreadsheet.XLSXContentType, wb, auth...)
		if w.Code != http.StatusCreated || w.JSON(t)["slug"] != "workshop-2" {
			t.Fatalf("?slug=: %d %s", w.Code, w.Body)
		}
		def, _ := definition.ParseDefinition(demoYAML(t))
		def.Slug = "as-json"
		w = a.send(http.MethodPost, "/api/v1/questionnaires", "application/json", def.JSON(), auth...)
		if w.Code != http.StatusCreated {
			t.Fatalf("json: %d %s", w.Code, w.Body)
		}
		if n := a.count(&model.Questionnaire{}); n != 4 {
			t.Fatalf("questionnaires = %d, want 4", n)
		}
		if n := a.count(&model.AuditEvent{}, "action = ? AND user_name = ?", "questionnaire.create", "api-staff"); n != 4 {
			t.Fatalf("audit questionnaire.create rows = %d, want 4", n)
		}
	})
}

func TestAPIRejectsBadDefinitionsNamingPathOrRowAndStoresNothing(t *testing.T) {
	yamlEdit := func(from, to string) []byte {
		return []byte(strings.Replace(string(demoYAML(t)), from, to, 1))
	}
	cases := []struct {
		name, contentType string
		body              func(t *testing.T) []byte
		path, message     string
	}{
		{"wrong type", "application/yaml", func(t *testing.T) []byte { return yamlEdit("type: rating", "type: stars") }, "sections[2].questions[0].type", "must be one of"},
		{"missing options", "application/yaml", func(t *testing.T) []byte {
			return yamlEdit("          - {value: police, label: {en: Police, zh: 公安机关}}\n          - {value: justice, label: {en: Prosecution or judiciary, zh: 检察或司法机关}}\n          - {value: government, label: {en: Other government agency, zh: 其他政府部门}}\n          - {value: international, label: {en: International organisation or EU institution, zh: 国际组织或欧盟机构}}\n          - {value: ngo, label: {en: NGO or academia, zh: 非政府组织或学术机构}}\n", "")
		}, "sections[1].questions[0].options", "at least two options"},
		{"duplicate key", "application/yaml", func(t *testing.T) []byte { return yamlEdit("key: recommend", "key: overall") }, "sections[2].questions[1].key", `"overall" is already used`},
		{"json with a misspelt field", "application/json", func(t *testing.T) []byte {
			return []byte(`{"slug":"abc","title":{"en":"x","zh":"x"},"sections":[{"questions":[{"key":"a","type":"text","text":{"en":"a","zh":"a"},"requried":true}]}]}`)
		}, "", "unknown field"},
		{"xlsform: unknown language column", spreadsheet.XLSXContentType, func(t *testing.T) []byte {
			return xlsformBook(t, func(s, c [][]any) ([][]any, [][]any) { s[0][3] = "label::Français (fr)"; return s, c })
		}, "survey row 1, column D", `unknown language "fr"`},
		{"xlsform: wrong type", spreadsheet.XLSXContentType, func(t *testing.T) []byte {
			return xlsformBook(t, func(s, c [][]any) ([][]any, [][]any) { s[5][0] = "geopoint"; return s, c })
		}, "survey row 6, type", "not supported"},
		{"xlsform: missing choices", spreadsheet.XLSXContentType, func(t *testing.T) []byte {
			return xlsformBook(t, func(s, c [][]any) ([][]any, [][]any) { return s, c[:7] })
		}, "survey row 4, choices", "at least two options"},
		{"xlsform: duplicate name", spreadsheet.XLSXContentType, func(t *testing.T) []byte {
			return xlsformBook(t, func(s, c [][]any) ([][]any, [][]any) { s[5][1] = "role"; return s, c })
		}, "survey row 6, name", `"role" is already used at survey row 4`},
		{"xlsform: missing survey sheet", spreadsheet.XLSXContentType, func(t *testing.T) []byte {
			f := excelize.NewFile()
			defer f.Close()
			b, _ := f.WriteToBuffer()
			return b.Bytes()
		}, "survey", "no sheet named survey"},
		{"xlsform: not a spreadsheet", spreadsheet.XLSXContentType, func(t *testing.T) []byte { return []byte("type,name\ntext,comments\n") }, "", "not an .xlsx workbook"},
		{"an OpenDocument spreadsheet, whatever its content type", "application/octet-stream", func(t *testing.T) []byte {
			return []byte("PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x08\x00\x00\x00mimetypeapplication/vnd.oasis.opendocument.spreadsheet")
		}, "", "an OpenDocument spreadsheet (.ods): save it as .xlsx"},
		{"an .xls workbook", spreadsheet.XLSXContentType, func(t *testing.T) []byte { return []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00") }, "", "(.xls)"},
		{"xlsform: a time of day", spreadsheet.XLSXContentType, func(t *testing.T) []byte {
			return xlsformBook(t, func(s, c [][]any) ([][]any, [][]any) { s[5][0] = "time"; return s, c })
		}, "survey row 6, type", "type time (a time of day) is not supported"},
	}
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		auth := apiUser(t, a, model.RoleAdmin)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				w := a.send(http.MethodPost, "/api/v1/questionnaires", tc.contentType, tc.body(t), auth...)
				if w.Code != http.StatusUnprocessableEntity {
					t.Fatalf("%d %s, want 422", w.Code, w.Body)
				}
				var got struct {
					Error    string
					Problems []model.Problem
				}
				if err := json.Unmarshal([]byte(w.Body), &got); err != nil || got.Error != "invalid" {
					t.Fatalf("body %s", w.Body)
				}
				found := false
				for _, p := range got.Problems {
					found = found || (p.Path == tc.path && strings.Contains(p.Message, tc.message))
				}
				if !found {
					t.Fatalf("problems %+v: none at %q saying %q", got.Problems, tc.path, tc.message)
				}
			})
		}
		if n := a.count(&model.Questionnaire{}) + a.count(&model.Question{}) + a.count(&model.Seminar{}); n != 0 {
			t.Fatalf("rows stored after invalid posts: %d, want 0", n)
		}
	})
}

// TestAPIXLSFormImportListsWhatItIgnored: the 201 of an XLSForm import
// carries a warning (code, path, message) for each thing left out.
func TestAPIXLSFormImportListsWhatItIgnored(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		auth := apiUser(t, a, model.RoleStaff)
		wb := xlsformBook(t, func(s, c [][]any) ([][]any, [][]any) {
			s[0] = append(s[0], "default")
			s[5] = []any{"text", "comments", "Comments", "意见", "", "", "none"}
			return append(s, []any{"end", "end"}), c
		})
		w := a.send(http.MethodPost, "/api/v1/questionnaires", spreadsheet.XLSXContentType, wb, auth...)
		if w.Code != http.StatusCreated {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		var got struct {
			ID       uint64
			Slug     string
			Warnings []model.Problem
		}
		if err := json.Unmarshal([]byte(w.Body), &got); err != nil || got.ID == 0 {
			t.Fatalf("body %s", w.Body)
		}
		want := []model.Problem{
			{Code: "ignored_metadata", Path: "survey"},
			{Code: "ignored_default", Path: "survey row 6, default"},
		}
		if len(got.Warnings) != len(want) {
			t.Fatalf("warnings %+v, want %+v", got.Warnings, want)
		}
		for i, wp := range want {
			if got.Warnings[i].Code != wp.Code || got.Warnings[i].Path != wp.Path || got.Warnings[i].Message == "" {
				t.Errorf("warning %d = %+v, want %s at %q", i, got.Warnings[i], wp.Code, wp.Path)
			}
		}
		// A YAML definition has nothing to ignore: the list is there, empty.
		yw := a.send(http.MethodPost, "/api/v1/questionnaires", "application/yaml", demoYAML(t), auth...)
		if yw.Code != http.StatusCreated || !strings.Contains(yw.Body, `"warnings":[]`) {
			t.Fatalf("yaml: %d %s", yw.Code, yw.Body)
		}
	})
}

// TestXLSFormProblemsComeInTheReadersLanguage: an XLSForm's problems and
// warnings, with their codes and paths, read in Chinese after ?lang or
// Accept-Language on the API and in the console, the definition's problems
// mapped to their rows included.
func TestXLSFormProblemsComeInTheReadersLanguage(t *testing.T) {
	refused := xlsformBook(t, func(s, c [][]any) ([][]any, [][]any) {
		s[5][0] = "geopoint"
		s[3][1] = "useful" // the name of row 3 again
		return s, c
	})
	ignoring := xlsformBook(t, func(s, c [][]any) ([][]any, [][]any) {
		s[0] = append(s[0], "default")
		s[5] = []any{"text", "comments", "Comments", "意见", "", "", "none"}
		return append(s, []any{"end", "end"}), c
	})
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		staff := a.signIn(model.RoleStaff)
		messages := func(body string, list string) map[string]model.Problem {
			t.Helper()
			var got map[string]json.RawMessage
			var ps []model.Problem
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			if err := json.Unmarshal(got[list], &ps); err != nil {
				t.Fatalf("%s: %v: %s", list, err, body)
			}
			out := map[string]model.Problem{}
			for _, p := range ps {
				out[p.Path] = p
			}
			return out
		}
		for _, tc := range []struct {
			query   string
			headers []string
			want    map[string]string // path → message
		}{
			{"", nil, map[string]string{
				"survey row 6, type": "type geopoint (a location) is not supported",
				"survey row 4, name": `"useful" is already used at survey row 3`,
			}},
			{"?lang=zh", nil, map[string]string{
				"survey row 6, type": "不支持类型 geopoint（地理位置）",
				"survey row 4, name": `"useful" 已在 survey row 3 使用`,
			}},
			{"", []string{"Accept-Language", "zh-CN,zh;q=0.9,en;q=0.5"}, map[string]string{
				"survey row 6, type": "不支持类型 geopoint（地理位置）",
				"survey row 4, name": `"useful" 已在 survey row 3 使用`,
			}},
		} {
			w := a.send(http.MethodPost, "/api/v1/questionnaires"+tc.query, spreadsheet.XLSXContentType, refused, append(bearer(staff.Token), tc.headers...)...)
			if w.Code != http.StatusUnprocessableEntity {
				t.Fatalf("%s %v: %d %s", tc.query, tc.headers, w.Code, w.Body)
			}
			got := messages(w.Body, "problems")
			if got["survey row 6, type"].Code != "unsupported_type" || got["survey row 4, name"].Code != "duplicate_key" {
				t.Errorf("%s %v: codes %+v", tc.query, tc.headers, got)
			}
			for path, want := range tc.want {
				if got[path].Message != want {
					t.Errorf("%s %v: %s says %q, want %q", tc.query, tc.headers, path, got[path].Message, want)
				}
			}
		}

		w := a.send(http.MethodPost, "/api/v1/questionnaires?lang=zh&slug=ignoring-zh", spreadsheet.XLSXContentType, ignoring, bearer(staff.Token)...)
		if w.Code != http.StatusCreated {
			t.Fatalf("warnings in Chinese: %d %s", w.Code, w.Body)
		}
		got := messages(w.Body, "warnings")
		if p := got["survey row 6, default"]; p.Code != "ignored_default" || p.Message != `默认值 "none" 不会预先填入：问题初始为空` {
			t.Errorf("ignored_default in Chinese: %+v", p)
		}
		if p := got["survey"]; p.Code != "ignored_metadata" || p.Message != "不收集元数据行：end（第 7 行）（本服务会记录每份答卷的提交时间）" {
			t.Errorf("ignored_metadata in Chinese: %+v", p)
		}

		ct, body := multipartUpload(t, map[string]string{"mode": "upload", "slug": "refused-zh"}, "bad.xlsx", refused)
		page := a.do(staff.Client, http.MethodPost, "/admin/questionnaires?lang=zh", ct, bytes.NewReader(body))
		if page.Code != http.StatusUnprocessableEntity || !strings.Contains(page.Body, "survey row 6, type: 不支持类型 geopoint（地理位置）") || strings.Contains(page.Body, "is not supported") {
			t.Fatalf("console refusal in Chinese: %d %s", page.Code, page.Body)
		}
		ct, body = multipartUpload(t, map[string]string{"mode": "upload", "slug": "ignoring-zh-console"}, "form.xlsx", ignoring)
		page = a.do(staff.Client, http.MethodPost, "/admin/questionnaires?lang=zh", ct, bytes.NewReader(body))
		if page.Code != http.StatusCreated || !strings.Contains(page.Body, "不会预先填入：问题初始为空") || strings.Contains(page.Body, "the question starts empty") {
			t.Fatalf("console warnings in Chinese: %d %s", page.Code, page.Body)
		}
	})
}

func TestAPIDefinitionRoundTrips(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		auth := apiUser(t, a, model.RoleStaff)
		created := a.send(http.MethodPost, "/api/v1/questionnaires", "application/yaml", demoYAML(t), auth...).JSON(t)
		id := fmt.Sprint(created["id"])
		got := a.get("/api/v1/questionnaires/"+id, auth...)
		if got.Code != http.StatusOK || !strings.HasPrefix(got.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("get: %d %s", got.Code, got.Body)
		}
		var doc map[string]any
		_ = json.Unmarshal([]byte(got.Body), &doc)
		doc["slug"] = "sanya-2018-evaluation-copy"
		again := a.send(http.MethodPost, "/api/v1/questionnaires", "application/json", []byte(mustJSON(doc)), auth...)
		if again.Code != http.StatusCreated {
			t.Fatalf("post back: %d %s", again.Code, again.Body)
		}
		copyDoc := a.get(fmt.Sprint("/api/v1/questionnaires/", again.JSON(t)["id"]), auth...)
		if want := strings.Replace(got.Body, `"slug":"sanya-2018-evaluation"`, `"slug":"sanya-2018-evaluation-copy"`, 1); copyDoc.Body != want {
			t.Fatalf("the copy differs:\n%s\n%s", want, copyDoc.Body)
		}
		// Same question rows, same seminar.
		var q1, q2 []model.Question
		db.Where("questionnaire_id = ?", created["id"]).Order("position").Find(&q1)
		db.Where("questionnaire_id = ?", again.JSON(t)["id"]).Order("position").Find(&q2)
		if len(q1) != 12 || len(q1) != len(q2) {
			t.Fatalf("question rows %d and %d", len(q1), len(q2))
		}
		for i := range q1 {
			if q1[i].Key != q2[i].Key || q1[i].Type != q2[i].Type || q1[i].Section != q2[i].Section || q1[i].Required != q2[i].Required {
				t.Fatalf("question %d differs: %+v vs %+v", i, q1[i], q2[i])
			}
		}
		if n := a.count(&model.Seminar{}); n != 1 {
			t.Fatalf("seminars = %d, want 1 (the copy joins the same seminar)", n)
		}
	})
}

func TestAPIStructureIsFrozenOnceAResponseExists(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		auth := apiUser(t, a, model.RoleStaff)
		created := a.send(http.MethodPost, "/api/v1/questionnaires", "application/yaml", demoYAML(t), auth...).JSON(t)
		path := fmt.Sprint("/api/v1/questionnaires/", created["id"])
		// Before any response, anything may change: drop the comments question.
		base, _ := definition.ParseDefinition(demoYAML(t))
		put := func(edit func(d *definition.Definition)) response {
			d, _ := definition.DecodeStoredDefinition(string(base.JSON()))
			edit(d)
			return a.send(http.MethodPut, path, "application/json", d.JSON(), auth...)
		}
		if w := put(func(d *definition.Definition) {}); w.Code != http.StatusOK {
			t.Fatalf("replace without responses: %d %s", w.Code, w.Body)
		}
		if w := a.postJSON("/s/sanya-2018-evaluation", submission("frozen-1", fullDemoAnswers())); w.Code != http.StatusCreated {
			t.Fatalf("submit: %d %s", w.Code, w.Body)
		}
		wording := func(d *definition.Definition) {
			d.Sections[0].Questions[0].Text["en"] = "My knowledge of the topics covered improved."
			d.Sections[1].Questions[0].Options[0].Label["zh"] = "警察"
			d.Title["en"] = "Evaluation of the Sanya seminar"
		}
		if w := put(wording); w.Code != http.StatusOK {
			t.Fatalf("wording fix after a response: %d %s, want 200", w.Code, w.Body)
		}
		refused := map[string]func(d *definition.Definition){
			"add a question": func(d *definition.Definition) {
				wording(d)
				d.Sections[2].Questions = append(d.Sections[2].Questions, definition.QuestionDef{Key: "extra", Type: "text", Text: map[string]string{"en": "x", "zh": "x"}, MaxLength: 100})
			},
			"remove a question": func(d *definition.Definition) { wording(d); d.Sections[2].Questions = d.Sections[2].Questions[:2] },
			"change an option value": func(d *definition.Definition) {
				wording(d)
				d.Sections[1].Questions[0].Options[0].Value = "police_officer"
			},
			"change a type":   func(d *definition.Definition) { wording(d); d.Sections[2].Questions[2].Type = "text" },
			"change the slug": func(d *definition.Definition) { wording(d); d.Slug = "renamed" },
		}
		for name, edit := range refused {
			w := put(edit)
			if w.Code != http.StatusConflict || w.JSON(t)["error"] != "structure_frozen" {
				t.Fatalf("%s: %d %s, want 409 structure_frozen", name, w.Code, w.Body)
			}
		}
		var q model.Questionnaire
		db.First(&q, created["id"])
		if !strings.Contains(q.Definition, "My knowledge of the topics covered improved.") || strings.Contains(q.Definition, "police_officer") || q.Slug != "sanya-2018-evaluation" {
			t.Fatalf("stored definition after refusals: %s", q.Definition)
		}
		if n := a.count(&model.Question{}, "questionnaire_id = ?", q.ID); n != 12 {
			t.Fatalf("question rows = %d, want 12", n)
		}
		if n := a.count(&model.AuditEvent{}, "action = ?", "questionnaire.update"); n != 2 {
			t.Fatalf("audit questionnaire.update rows = %d, want 2 (refusals are not changes)", n)
		}
	})
}

func TestAPIPublishCloseAndRoles(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		staff := apiUser(t, a, model.RoleStaff)
		organiser := apiUser(t, a, model.RoleOrganiser)
		wb := xlsformBook(t, nil)
		if w := a.send(http.MethodPost, "/api/v1/questionnaires", spreadsheet.XLSXContentType, wb); w.Code != http.StatusUnauthorized {
			t.Fatalf("no token: %d, want 401", w.Code)
		}
		if w := a.send(http.MethodPost, "/api/v1/questionnaires", spreadsheet.XLSXContentType, wb, "Authorization", "Bearer nonsense"); w.Code != http.StatusUnauthorized {
			t.Fatalf("bad token: %d, want 401", w.Code)
		}
		if w := a.send(http.MethodPost, "/api/v1/questionnaires", spreadsheet.XLSXContentType, wb, organiser...); w.Code != http.StatusForbidden {
			t.Fatalf("organiser: %d, want 403", w.Code)
		}
		id := fmt.Sprint(a.send(http.MethodPost, "/api/v1/questionnaires", spreadsheet.XLSXContentType, wb, staff...).JSON(t)["id"])
		for _, p := range []string{"/api/v1/questionnaires/" + id, "/api/v1/questionnaires/" + id + "/publish"} {
			method := http.MethodGet
			if strings.HasSuffix(p, "publish") {
				method = http.MethodPost
			}
			if w := a.send(method, p, "", nil, organiser...); w.Code != http.StatusForbidden {
				t.Fatalf("organiser %s %s: %d, want 403", method, p, w.Code)
			}
		}
		if w := a.get("/s/workshop-feedback"); w.Code != http.StatusForbidden {
			t.Fatalf("draft page: %d, want 403", w.Code)
		}
		w := a.send(http.MethodPost, "/api/v1/questionnaires/"+id+"/publish", "", nil, staff...)
		if w.Code != http.StatusOK || w.JSON(t)["status"] != "open" {
			t.Fatalf("publish: %d %s", w.Code, w.Body)
		}
		if w := a.get("/s/workshop-feedback?lang=zh"); w.Code != http.StatusOK || !strings.Contains(w.Body, "研讨会很有用。") {
			t.Fatalf("published page: %d", w.Code)
		}
		if doc := a.get("/api/v1/questionnaires/"+id, staff...).JSON(t); doc["status"] != "open" {
			t.Fatalf("definition status after publish: %v", doc["status"])
		}
		w = a.send(http.MethodPost, "/api/v1/questionnaires/"+id+"/close", "", nil, staff...)
		if w.Code != http.StatusOK || w.JSON(t)["status"] != "closed" {
			t.Fatalf("close: %d %s", w.Code, w.Body)
		}
		if w := a.postJSON("/s/workshop-feedback", submission("late-submission-1", map[string]any{"useful": 5, "role": "police"})); w.Code != http.StatusForbidden || w.JSON(t)["error"] != "closed" {
			t.Fatalf("submit after close: %d %s", w.Code, w.Body)
		}
		var q model.Questionnaire
		db.First(&q, id)
		if q.Status != model.StatusClosed {
			t.Fatalf("row status %q", q.Status)
		}
		var events []model.AuditEvent
		db.Where("object = ?", "questionnaire:"+id).Order("id").Find(&events)
		var actions []string
		for _, e := range events {
			actions = append(actions, e.Action+"/"+e.UserName)
		}
		if strings.Join(actions, ",") != "questionnaire.create/api-staff,questionnaire.publish/api-staff,questionnaire.close/api-staff" {
			t.Fatalf("audit trail: %v", actions)
		}
		if w := a.get("/api/v1/questionnaires/999999", staff...); w.Code != http.StatusNotFound {
			t.Fatalf("unknown id: %d", w.Code)
		}
		if w := a.get("/api/v1/questionnaires/abc", staff...); w.Code != http.StatusNotFound {
			t.Fatalf("non-numeric id: %d", w.Code)
		}
	})
}

// TestProblemsComeInTheReadersLanguage: the same problem, with the same code
// and path, reads in English or Chinese after ?lang or Accept-Language, on
// the API (definitions and rosters) and in the console.
func TestProblemsComeInTheReadersLanguage(t *testing.T) {
	bad := []byte(strings.Replace(string(demoYAML(t)), "key: recommend", "key: overall", 1))
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		staff := a.signIn(model.RoleStaff)
		problemAt := func(body, path string) model.Problem {
			t.Helper()
			var got struct{ Problems []model.Problem }
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			for _, p := range got.Problems {
				if p.Path == path || (path == "" && p.Field == "email") {
					return p
				}
			}
			t.Fatalf("no problem at %q: %s", path, body)
			return model.Problem{}
		}
		for _, tc := range []struct {
			query   string
			headers []string
			want    string
		}{
			{"", nil, `"overall" is already used at sections[2].questions[0]`},
			{"?lang=zh", nil, `"overall" 已在 sections[2].questions[0] 使用`},
			{"", []string{"Accept-Language", "zh-CN,zh;q=0.9,en;q=0.5"}, `"overall" 已在 sections[2].questions[0] 使用`},
		} {
			w := a.send(http.MethodPost, "/api/v1/questionnaires"+tc.query, "application/yaml", bad, append(bearer(staff.Token), tc.headers...)...)
			if w.Code != http.StatusUnprocessableEntity {
				t.Fatalf("%s: %d %s", tc.query, w.Code, w.Body)
			}
			if p := problemAt(w.Body, "sections[2].questions[1].key"); p.Code != "duplicate_key" || p.Message != tc.want {
				t.Errorf("%s %v: %+v, want duplicate_key saying %q", tc.query, tc.headers, p, tc.want)
			}
		}

		if _, err := a.srv.seminars.Create(context.Background(), service.SeminarInput{Slug: "lang-roster", Title: model.Text{"en": "Roster"}}); err != nil {
			t.Fatal(err)
		}
		people := []map[string]any{{"name": "王伟"}, {"name": "Anna", "email": "not-an-address"}}
		for lang, want := range map[string]string{"en": `"not-an-address" is not an email address`, "zh": `"not-an-address" 不是有效的邮箱地址`} {
			w := a.postJSON("/api/v1/seminars/lang-roster/participants?lang="+lang, people, bearer(staff.Token)...)
			if w.Code != http.StatusUnprocessableEntity {
				t.Fatalf("roster %s: %d %s", lang, w.Code, w.Body)
			}
			if p := problemAt(w.Body, ""); p.Code != "bad_email" || p.Field != "email" || p.Message != want {
				t.Errorf("roster %s: %+v, want bad_email saying %q", lang, p, want)
			}
		}
		if n := a.count(&model.Participant{}); n != 0 {
			t.Fatalf("participants stored from a refused roster: %d", n)
		}

		ct, body := multipartUpload(t, map[string]string{"mode": "upload"}, "bad.yaml", bad)
		w := a.do(staff.Client, http.MethodPost, "/admin/questionnaires?lang=zh", ct, bytes.NewReader(body))
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body, "已在 sections[2].questions[0] 使用") {
			t.Fatalf("console upload in Chinese: %d %s", w.Code, w.Body)
		}
		if n := a.count(&model.Questionnaire{}); n != 0 {
			t.Fatalf("questionnaires stored: %d", n)
		}
	})
}
