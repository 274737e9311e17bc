package handler

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service/definition"
)

// qmConsole returns a client logged into the console as a new user of role.
func qmConsole(t *testing.T, a *testApp, role string) *http.Client {
	t.Helper()
	name := "console-" + role
	a.fastPasswords()
	if _, err := a.srv.users.Create(context.Background(), name, role, "correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	c := a.newClient()
	r := a.postForm(c, "/admin/login", url.Values{"name": {name}, "password": {"correct horse battery staple"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("login %s: %d %s", name, r.Code, r.Body)
	}
	return c
}

// formValues reads the fields of the form with id formID from a page, as a
// browser would send them (text, hidden, checked boxes, selected options,
// textareas; disabled fields and buttons left out).
func formValues(t *testing.T, page, formID string) url.Values {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	attr := func(n *html.Node, k string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == k {
				return a.Val, true
			}
		}
		return "", false
	}
	var form *html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		if id, _ := attr(n, "id"); n.Type == html.ElementNode && n.Data == "form" && id == formID {
			form = n
		}
		for c := n.FirstChild; c != nil && form == nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
	if form == nil {
		t.Fatalf("no form #%s in the page", formID)
	}
	v := url.Values{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			name, named := attr(n, "name")
			_, disabled := attr(n, "disabled")
			if named && !disabled {
				switch n.Data {
				case "input":
					typ, _ := attr(n, "type")
					val, _ := attr(n, "value")
					_, checked := attr(n, "checked")
					switch typ {
					case "checkbox", "radio":
						if checked {
							v.Add(name, val)
						}
					case "submit", "button", "file":
					default:
						v.Add(name, val)
					}
				case "textarea":
					text := ""
					if n.FirstChild != nil {
						text = n.FirstChild.Data
					}
					v.Add(name, strings.TrimPrefix(text, "\n"))
				case "select":
					first, chosen := "", ""
					for o := n.FirstChild; o != nil; o = o.NextSibling {
						if o.Type != html.ElementNode || o.Data != "option" {
							continue
						}
						val, _ := attr(o, "value")
						if first == "" {
							first = val
						}
						if _, sel := attr(o, "selected"); sel {
							chosen = val
						}
					}
					if chosen == "" {
						chosen = first
					}
					v.Add(name, chosen)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(form)
	return v
}

func multipartUpload(t *testing.T, fields map[string]string, file string, data []byte) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if file != "" {
		fw, err := w.CreateFormFile("file", file)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

func TestConsoleCreatesQuestionnairesFromTemplateAndFiles(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		staff := qmConsole(t, a, model.RoleStaff)
		if w := a.do(staff, http.MethodGet, "/admin/questionnaires/new", "", nil); w.Code != http.StatusOK || !strings.Contains(w.Body, "From the standard template") {
			t.Fatalf("new page: %d", w.Code)
		}
		w := a.postForm(staff, "/admin/questionnaires", url.Values{"mode": {"template"}, "slug": {"spring-2027"}})
		if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header.Get("Location"), "/admin/questionnaires/") {
			t.Fatalf("from template: %d %s", w.Code, w.Body)
		}
		var q model.Questionnaire
		if err := db.Where("slug = ?", "spring-2027").First(&q).Error; err != nil || q.Status != model.StatusDraft {
			t.Fatalf("template questionnaire row: %+v %v", q, err)
		}
		if n := a.count(&model.Question{}, "questionnaire_id = ?", q.ID); n != 11 {
			t.Fatalf("template questions = %d, want 11", n)
		}
		editor := a.do(staff, http.MethodGet, w.Header.Get("Location"), "", nil)
		if editor.Code != http.StatusOK || !strings.Contains(editor.Body, "Questionnaire created as a draft.") || !strings.Contains(editor.Body, `value="knowledge_improved"`) {
			t.Fatalf("editor after create: %d", editor.Code)
		}

		ct, body := multipartUpload(t, map[string]string{"mode": "upload", "slug": "from-kobo"}, "form.xlsx", xlsformBook(t, nil))
		if w := a.do(staff, http.MethodPost, "/admin/questionnaires", ct, bytes.NewReader(body)); w.Code != http.StatusSeeOther {
			t.Fatalf("xlsform upload: %d %s", w.Code, w.Body)
		}
		ct, body = multipartUpload(t, map[string]string{"mode": "upload"}, "demo.yaml", demoYAML(t))
		if w := a.do(staff, http.MethodPost, "/admin/questionnaires", ct, bytes.NewReader(body)); w.Code != http.StatusSeeOther {
			t.Fatalf("yaml upload: %d %s", w.Code, w.Body)
		}
		bad := xlsformBook(t, func(s, c [][]any) ([][]any, [][]any) { s[0][3] = "label::Deutsch (de)"; return s, c })
		ct, body = multipartUpload(t, map[string]string{"mode": "upload", "slug": "bad-one"}, "bad.xlsx", bad)
		w = a.do(staff, http.MethodPost, "/admin/questionnaires", ct, bytes.NewReader(body))
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body, "survey row 1, column D") || !strings.Contains(w.Body, "&#34;de&#34;") {
			t.Fatalf("bad xlsform upload: %d %s", w.Code, w.Body)
		}
		w = a.postForm(staff, "/admin/questionnaires", url.Values{"mode": {"template"}, "slug": {"spring-2027"}})
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body, "already used") {
			t.Fatalf("slug taken: %d", w.Code)
		}
		if n := a.count(&model.Questionnaire{}); n != 3 {
			t.Fatalf("questionnaires = %d, want 3", n)
		}
		if n := a.count(&model.AuditEvent{}, "action = ? AND user_name = ?", "questionnaire.create", "console-staff"); n != 3 {
			t.Fatalf("audit rows = %d, want 3", n)
		}
		list := a.do(staff, http.MethodGet, "/admin/questionnaires", "", nil)
		if list.Code != http.StatusOK || !strings.Contains(list.Body, "spring-2027") || !strings.Contains(list.Body, "from-kobo") {
			t.Fatalf("list: %d", list.Code)
		}
		export := a.do(staff, http.MethodGet, fmt.Sprintf("/admin/questionnaires/%d/export.yaml", q.ID), "", nil)
		def, err := definition.ParseDefinition([]byte(export.Body))
		if export.Code != http.StatusOK || err != nil || def.Slug != "spring-2027" || len(def.Questions()) != 11 {
			t.Fatalf("export.yaml: %d %v", export.Code, err)
		}
		def.Slug = "spring-2027-again"
		if w := a.send(http.MethodPost, "/api/v1/questionnaires", "application/yaml", must(def.YAML()), apiUser(t, a, model.RoleAdmin)...); w.Code != http.StatusCreated {
			t.Fatalf("the exported YAML does not re-import: %d %s", w.Code, w.Body)
		}

		organiser := qmConsole(t, a, model.RoleOrganiser)
		for _, p := range []string{"/admin/questionnaires", fmt.Sprintf("/admin/questionnaires/%d", q.ID)} {
			if w := a.do(organiser, http.MethodGet, p, "", nil); w.Code != http.StatusForbidden {
				t.Fatalf("organiser GET %s: %d, want 403", p, w.Code)
			}
		}
		if w := a.postForm(organiser, fmt.Sprintf("/admin/questionnaires/%d/publish", q.ID), nil); w.Code != http.StatusForbidden {
			t.Fatalf("organiser publish: %d, want 403", w.Code)
		}
	})
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestEditorEditsSavesAndFreezesStructureAfterAResponse(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		staff := qmConsole(t, a, model.RoleStaff)
		q := a.demo(func(d *definition.Definition) { d.Status = model.StatusDraft })
		path := fmt.Sprintf("/admin/questionnaires/%d", q.ID)
		page := a.do(staff, http.MethodGet, path, "", nil)
		form := formValues(t, page.Body, "editor")
		if form.Get("q7.key") != "workplace" || form.Get("q7.o0.label.zh") != "公安机关" || form.Get("q0.required") != "1" {
			t.Fatalf("editor fields: %v", form)
		}
		// Add a question to the last section, move it up, then save.
		form.Set("op", "add:2")
		form.Set("addtype2", "single")
		w := a.postForm(staff, path, form)
		form = formValues(t, w.Body, "editor")
		if w.Code != http.StatusOK || form.Get("questions") != "13" || form.Get("q12.type") != "single" || !strings.Contains(w.Body, "Unsaved changes") {
			t.Fatalf("add: %d questions=%s", w.Code, form.Get("questions"))
		}
		key := form.Get("q12.key")
		form.Set("q12.key", "venue")
		form.Set("q12.text.en", "How was the venue?")
		form.Set("q12.text.zh", "场地如何？")
		form.Set("q12.o0.value", "good")
		form.Set("q12.o0.label.en", "Good")
		form.Set("q12.o0.label.zh", "好")
		form.Set("q12.o1.value", "poor")
		form.Set("q12.o1.label.en", "Poor")
		form.Set("q12.o1.label.zh", "差")
		form.Set("op", "up:12")
		w = a.postForm(staff, path, form)
		form = formValues(t, w.Body, "editor")
		if form.Get("q11.key") != "venue" || form.Get("q12.key") != "comments" {
			t.Fatalf("move up: q11=%s q12=%s (added as %s)", form.Get("q11.key"), form.Get("q12.key"), key)
		}
		// Saving an invalid state is refused with the path named, nothing stored.
		form.Set("q11.o1.label.zh", "")
		form.Set("op", "save")
		w = a.postForm(staff, path, form)
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body, "sections[2].questions[2].options[1].label.zh: required") {
			t.Fatalf("invalid save: %d", w.Code)
		}
		if n := a.count(&model.Question{}, "questionnaire_id = ?", q.ID); n != 12 {
			t.Fatalf("question rows after refused save = %d", n)
		}
		form.Set("q11.o1.label.zh", "差")
		w = a.postForm(staff, path, form)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("save: %d %s", w.Code, w.Body)
		}
		var venue model.Question
		if err := db.Where("questionnaire_id = ? AND `key` = ?", q.ID, "venue").First(&venue).Error; err != nil || venue.Position != 11 || venue.Type != model.TypeSingle {
			t.Fatalf("venue row: %+v %v", venue, err)
		}

		// Publish, answer through the real participant route, then the
		// structure is frozen.
		if w := a.postForm(staff, path+"/publish", nil); w.Code != http.StatusSeeOther {
			t.Fatalf("publish: %d", w.Code)
		}
		answers := fullDemoAnswers()
		answers["venue"] = "good"
		if w := a.postJSON("/s/"+q.Slug, submission("editor-frozen-1", answers)); w.Code != http.StatusCreated {
			t.Fatalf("submit: %d %s", w.Code, w.Body)
		}
		page = a.do(staff, http.MethodGet, path, "", nil)
		if !strings.Contains(page.Body, `id="frozen-notice"`) || strings.Contains(page.Body, `value="up:`) || !strings.Contains(page.Body, `name="q11.key" value="venue" readonly`) {
			t.Fatalf("frozen editor does not say so or still offers structural changes")
		}
		form = formValues(t, page.Body, "editor")
		form.Set("q11.text.en", "How was the venue and the food?")
		form.Set("op", "save")
		if w := a.postForm(staff, path, form); w.Code != http.StatusSeeOther {
			t.Fatalf("wording fix when frozen: %d %s", w.Code, w.Body)
		}
		for name, edit := range map[string]func(url.Values){
			"option value": func(f url.Values) { f.Set("q11.o0.value", "fine") },
			"type":         func(f url.Values) { f.Set("q11.type", "multi") },
			"key":          func(f url.Values) { f.Set("q11.key", "place") },
			"delete":       func(f url.Values) { f.Set("op", "del:11") },
			"add":          func(f url.Values) { f.Set("op", "add:0"); f.Set("addtype0", "text") },
		} {
			f := formValues(t, a.do(staff, http.MethodGet, path, "", nil).Body, "editor")
			f.Set("op", "save")
			edit(f)
			w := a.postForm(staff, path, f)
			if w.Code != http.StatusConflict || !strings.Contains(w.Body, "only wording may change") {
				t.Fatalf("%s when frozen: %d, want 409 with the reason", name, w.Code)
			}
		}
		var stored model.Questionnaire
		db.First(&stored, q.ID)
		if !strings.Contains(stored.Definition, "How was the venue and the food?") || strings.Contains(stored.Definition, `"fine"`) {
			t.Fatalf("stored definition: %s", stored.Definition)
		}
		if n := a.count(&model.Question{}, "questionnaire_id = ?", q.ID); n != 13 {
			t.Fatalf("question rows = %d, want 13", n)
		}
		var actions []string
		db.Model(&model.AuditEvent{}).Where("object = ?", fmt.Sprintf("questionnaire:%d", q.ID)).Order("id").Pluck("action", &actions)
		if strings.Join(actions, ",") != "questionnaire.update,questionnaire.publish,questionnaire.update" {
			t.Fatalf("audit: %v", actions)
		}
	})
}

func TestConsoleScheduleInSeminarTimeZoneCloseReopenDuplicate(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		staff := qmConsole(t, a, model.RoleStaff)
		q := a.demo() // seminar in Asia/Shanghai
		path := fmt.Sprintf("/admin/questionnaires/%d", q.ID)
		w := a.postForm(staff, path+"/schedule", url.Values{"opens_at": {"2027-03-01T09:00"}, "closes_at": {"2027-03-02T18:30"}})
		if w.Code != http.StatusSeeOther {
			t.Fatalf("schedule: %d %s", w.Code, w.Body)
		}
		var row model.Questionnaire
		db.First(&row, q.ID)
		if row.OpensAt == nil || row.OpensAt.UTC().Format("2006-01-02 15:04") != "2027-03-01 01:00" || row.ClosesAt.UTC().Format("2006-01-02 15:04") != "2027-03-02 10:30" {
			t.Fatalf("stored schedule (UTC): %v %v", row.OpensAt, row.ClosesAt)
		}
		page := a.do(staff, http.MethodGet, path, "", nil)
		if !strings.Contains(page.Body, `value="2027-03-01T09:00"`) || !strings.Contains(page.Body, "Asia/Shanghai") {
			t.Fatal("the editor does not show the schedule in the seminar's time zone")
		}
		w = a.postForm(staff, path+"/schedule", url.Values{"opens_at": {"2027-03-02T09:00"}, "closes_at": {"2027-03-01T09:00"}})
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body, "closing time must be after") {
			t.Fatalf("bad schedule: %d", w.Code)
		}
		for _, step := range []struct{ action, status string }{{"close", model.StatusClosed}, {"reopen", model.StatusOpen}} {
			if w := a.postForm(staff, path+"/"+step.action, nil); w.Code != http.StatusSeeOther {
				t.Fatalf("%s: %d", step.action, w.Code)
			}
			db.First(&row, q.ID)
			if row.Status != step.status {
				t.Fatalf("after %s: status %s", step.action, row.Status)
			}
		}
		next := model.Seminar{Slug: "sanya-2019", Title: model.Text{"en": "Sanya 2019", "zh": "三亚 2019"}, Timezone: "Asia/Shanghai"}
		if err := db.Create(&next).Error; err != nil {
			t.Fatal(err)
		}
		if page := a.do(staff, http.MethodGet, path, "", nil); !strings.Contains(page.Body, `<option value="sanya-2019">Sanya 2019 (sanya-2019)</option>`) {
			t.Fatal("the duplicate form does not offer the next seminar")
		}
		w = a.postForm(staff, path+"/duplicate", url.Values{"slug": {"sanya-2019-evaluation"}, "seminar": {"sanya-2019"}})
		if w.Code != http.StatusSeeOther {
			t.Fatalf("duplicate: %d %s", w.Code, w.Body)
		}
		var dup model.Questionnaire
		if err := db.Where("slug = ?", "sanya-2019-evaluation").First(&dup).Error; err != nil || dup.Status != model.StatusDraft || dup.OpensAt != nil || dup.SeminarID == nil || *dup.SeminarID != next.ID {
			t.Fatalf("duplicate row: %+v %v", dup, err)
		}
		if n := a.count(&model.Question{}, "questionnaire_id = ?", dup.ID); n != 12 {
			t.Fatalf("duplicate questions = %d", n)
		}
		if w := a.postForm(staff, path+"/duplicate", url.Values{"slug": {"sanya-2019-evaluation"}}); w.Code != http.StatusUnprocessableEntity {
			t.Fatalf("duplicate onto a used slug: %d", w.Code)
		}
		var actions []string
		db.Model(&model.AuditEvent{}).Order("id").Pluck("action", &actions)
		want := "session.login,questionnaire.schedule,questionnaire.close,questionnaire.reopen,questionnaire.create"
		if strings.Join(actions, ",") != want {
			t.Fatalf("audit: %v, want %s", actions, want)
		}
	})
}

// TestConsoleShowsWhatAnXLSFormImportIgnored: a workbook with something
// left out (a default) is created, and the page says what before the
// editor opens; without a form_title the file name is the title.
func TestConsoleShowsWhatAnXLSFormImportIgnored(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		staff := qmConsole(t, a, model.RoleStaff)
		wb := xlsformBook(t, func(s, c [][]any) ([][]any, [][]any) {
			s[0] = append(s[0], "default")
			s[5] = []any{"text", "comments", "Comments", "意见", "", "", "none"}
			return s, c
		})
		ct, body := multipartUpload(t, map[string]string{"mode": "upload", "slug": "with-default"}, "form.xlsx", wb)
		w := a.do(staff, http.MethodPost, "/admin/questionnaires", ct, bytes.NewReader(body))
		if w.Code != http.StatusCreated || !strings.Contains(w.Body, "they were left out") ||
			!strings.Contains(w.Body, "survey row 6, default: default &#34;none&#34; is not filled in") || !strings.Contains(w.Body, `href="/admin/questionnaires/`) {
			t.Fatalf("upload with warnings: %d %s", w.Code, w.Body)
		}
		if n := a.count(&model.Questionnaire{}, "slug = ?", "with-default"); n != 1 {
			t.Fatalf("questionnaires with-default = %d, want 1", n)
		}
	})
}
