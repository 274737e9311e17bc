package handler

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service"
	"seminareval/service/definition"
	"seminareval/service/report"
)

// reportUser creates a console user and an API token for them.
func (a *testApp) reportUser(name, role string) (*model.User, string) {
	a.t.Helper()
	u, err := a.srv.users.Create(context.Background(), name, role, "correct horse battery staple")
	if err != nil {
		a.t.Fatal(err)
	}
	plain, _, err := a.srv.tokens.Create(context.Background(), u.ID, "report test")
	if err != nil {
		a.t.Fatal(err)
	}
	return u, plain
}

// reportLogin returns a browser-like client logged into the console as name.
func (a *testApp) reportLogin(name string) *http.Client {
	a.t.Helper()
	c := a.newClient()
	r := a.postForm(c, "/admin/login", url.Values{"name": {name}, "password": {"correct horse battery staple"}})
	if r.Code != http.StatusSeeOther && r.Code != http.StatusFound {
		a.t.Fatalf("login %s: %d %s", name, r.Code, r.Body)
	}
	return c
}

// reportRoster adds participants to the questionnaire's seminar: groups[i]
// is the group of participant i; it returns their invite tokens.
func (a *testApp) reportRoster(q *service.Loaded, groups ...string) []string {
	return a.reportRosterFrom(q, 0, groups...)
}

// reportRosterFrom adds participants numbered from first (names P<n>,
// tokens report-invite-<n>).
func (a *testApp) reportRosterFrom(q *service.Loaded, first int, groups ...string) []string {
	a.t.Helper()
	var tokens []string
	for j, g := range groups {
		i := first + j
		p := model.Participant{SeminarID: *q.SeminarID, Name: fmt.Sprintf("P%d", i), Group: g, InviteToken: fmt.Sprintf("report-invite-%03d", i)}
		if err := a.db.Create(&p).Error; err != nil {
			a.t.Fatal(err)
		}
		tokens = append(tokens, p.InviteToken)
	}
	return tokens
}

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

func TestReportSummaryAPIOnRealSubmissions(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		q := a.demo()
		tokens := a.reportRoster(q, "China", "China", "China", "China", "China", "Europe", "Europe", "Europe")
		// Seven of eight answer through their invite links, the real POST /s/{slug}.
		for i := range 7 {
			ans := fullDemoAnswers()
			if i == 0 {
				ans["knowledge_improved"] = 4
			}
			if i >= 5 {
				ans["workplace"] = "international"
			}
			r := a.postJSON("/s/"+q.Slug+"?t="+tokens[i], submission(fmt.Sprintf("report-sub-%04d", i), ans))
			if r.Code != http.StatusCreated {
				t.Fatalf("submit %d: %d %s", i, r.Code, r.Body)
			}
		}
		if n := a.count(&model.Response{}, "questionnaire_id = ?", q.ID); n != 7 {
			t.Fatalf("responses stored = %d", n)
		}

		admin, adminToken := a.reportUser("chief", model.RoleAdmin)
		_ = admin
		org, orgToken := a.reportUser("organiser1", model.RoleOrganiser)
		_, strangerToken := a.reportUser("organiser2", model.RoleOrganiser)
		if err := a.srv.seminars.SetOrganisers(context.Background(), *q.SeminarID, []uint64{org.ID}); err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/api/v1/questionnaires/%d/summary", q.ID)

		if r := a.get(path); r.Code != http.StatusUnauthorized {
			t.Fatalf("no token: %d", r.Code)
		}
		if r := a.get(path, bearer(strangerToken)...); r.Code != http.StatusForbidden || !strings.Contains(r.Body, `"forbidden"`) {
			t.Fatalf("organiser of another seminar: %d %s", r.Code, r.Body)
		}
		if r := a.get("/api/v1/questionnaires/99999/summary", bearer(adminToken)...); r.Code != http.StatusNotFound {
			t.Fatalf("unknown id: %d", r.Code)
		}

		for _, tok := range []string{adminToken, orgToken} {
			r := a.get(path, bearer(tok)...)
			if r.Code != http.StatusOK {
				t.Fatalf("summary: %d %s", r.Code, r.Body)
			}
			doc := r.JSON(t)
			qn := doc["questionnaire"].(map[string]any)
			if qn["id"] != float64(q.ID) || qn["slug"] != q.Slug || qn["title"].(map[string]any)["zh"] != "研讨会评估" {
				t.Fatalf("questionnaire: %v", qn)
			}
			if doc["respondents"] != 7.0 || doc["invited"] != 8.0 || doc["response_rate"] != 0.875 {
				t.Fatalf("head: %v %v %v", doc["respondents"], doc["invited"], doc["response_rate"])
			}
			questions := doc["questions"].([]any)
			byKey := map[string]map[string]any{}
			for _, x := range questions {
				m := x.(map[string]any)
				byKey[m["key"].(string)] = m
			}
			k := byKey["knowledge_improved"]
			levels := k["levels"].([]any)
			first := levels[0].(map[string]any)
			// 6 × 5 and 1 × 4 of 7: 85.71 / 14.29 → 86 / 14.
			if k["type"] != "likert" || k["n"] != 7.0 || k["missing"] != 0.0 || k["na"] != 0.0 || first["value"] != 5.0 || first["count"] != 6.0 ||
				first["percent"] != 86.0 || first["label"].(map[string]any)["en"] != "Strongly agree" ||
				k["agree_percent"] != 100.0 || k["strongly_agree_percent"] != 86.0 || k["disagree_percent"] != 0.0 || k["mean"] != 4.86 || k["sd"] != 0.38 {
				t.Fatalf("knowledge_improved: %v", k)
			}
			if o := byKey["organisation_good"]; o["n"] != 0.0 || o["na"] != 7.0 {
				t.Fatalf("organisation_good: %v", o)
			}
			role := byKey["workplace"]["options"].([]any)[0].(map[string]any)
			if role["value"] != "police" || role["count"] != 5.0 || role["percent"] != 71.0 {
				t.Fatalf("workplace: %v", role)
			}
			if n := byKey["recommend"]; n["nps"] != 100.0 || n["promoters"] != 7.0 {
				t.Fatalf("recommend: %v", n)
			}
			if c := byKey["comments"]; c["n"] != 7.0 || c["answers"].([]any)[0] != "很好的研讨会 👍 <b>bold</b>" {
				t.Fatalf("comments: %v", c)
			}
			nar := doc["narrative"].(map[string]any)
			en, zh := nar["en"].([]any), nar["zh"].([]any)
			if len(en) != 6 || en[0] != "All 7 respondents agreed or strongly agreed that their knowledge was improved on the specific topics covered (86% strongly agreed)." ||
				zh[0] != "7名答卷人全部同意或非常同意他们对所涉及具体议题的了解得到了提高（其中86%非常同意）。" {
				t.Fatalf("narrative: %v / %v", en, zh)
			}
		}

		// ?figures=counts: the narrative states counts.
		counted := a.get(path+"?figures=counts", bearer(adminToken)...).JSON(t)["narrative"].(map[string]any)
		if en := counted["en"].([]any); en[0] != "All 7 respondents agreed or strongly agreed that their knowledge was improved on the specific topics covered (6 strongly agreed)." {
			t.Fatalf("narrative with counts: %v", en)
		}

		// Filters: China (5 respondents) is shown, Europe (2) is "<5".
		r := a.get(path+"?group=China", bearer(adminToken)...)
		doc := r.JSON(t)
		if doc["respondents"] != 5.0 || doc["invited"] != 5.0 || doc["suppressed"] != nil || doc["filter"].(map[string]any)["group"] != "China" {
			t.Fatalf("China: %s", r.Body[:300])
		}
		r = a.get(path+"?group=Europe", bearer(adminToken)...)
		doc = r.JSON(t)
		if doc["suppressed"] != true || doc["respondents"] != nil || len(doc["questions"].([]any)) != 0 || strings.Contains(r.Body, `"n":`) {
			t.Fatalf("Europe not suppressed: %s", r.Body)
		}
		r = a.get(path+"?q.workplace=police", bearer(adminToken)...)
		if doc = r.JSON(t); doc["respondents"] != 5.0 || doc["response_rate"] != nil {
			t.Fatalf("police: %s", r.Body[:300])
		}
		if r = a.get(path+"?q.workplace=astronaut", bearer(adminToken)...); r.Code != http.StatusBadRequest || !strings.Contains(r.Body, "bad_filter") {
			t.Fatalf("bad filter: %d %s", r.Code, r.Body)
		}

		// Downloads through the API, each one audited.
		r = a.get(fmt.Sprintf("/api/v1/questionnaires/%d/report.xlsx", q.ID), bearer(orgToken)...)
		if r.Code != http.StatusOK || r.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
			!strings.Contains(r.Header.Get("Content-Disposition"), q.Slug+"-annex-") {
			t.Fatalf("xlsx: %d %v", r.Code, r.Header)
		}
		x, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
		if err != nil {
			t.Fatal(err)
		}
		if got := x.GetSheetList(); !slices.Equal(got, report.AnnexSheets) {
			t.Fatalf("sheets: %v", got)
		}
		rows, _ := x.GetRows(report.SheetResponses)
		x.Close()
		if len(rows) != 8 {
			t.Fatalf("responses sheet rows: %d", len(rows))
		}
		r = a.get(fmt.Sprintf("/api/v1/questionnaires/%d/responses.csv", q.ID), bearer(adminToken)...)
		if r.Code != http.StatusOK || !strings.HasPrefix(r.Body, "\xef\xbb\xbf\"response_id\",") || strings.Count(r.Body, "\n") != 8 ||
			!strings.Contains(r.Body, "很好的研讨会 👍") {
			t.Fatalf("csv: %d %q", r.Code, r.Body[:min(200, len(r.Body))])
		}
		if r = a.get(fmt.Sprintf("/api/v1/questionnaires/%d/report.xlsx", q.ID), bearer(strangerToken)...); r.Code != http.StatusForbidden {
			t.Fatalf("stranger xlsx: %d", r.Code)
		}
		if n := a.count(&model.AuditEvent{}, "action = ? AND object = ?", "report.download", fmt.Sprintf("questionnaire:%d", q.ID)); n != 2 {
			t.Fatalf("audited downloads = %d, want 2", n)
		}
	})
}

func TestReportDashboardInTheConsole(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		q := a.demo()
		tokens := a.reportRoster(q, "China", "China", "China", "China", "China", "Europe")
		for i := range 6 {
			ans := fullDemoAnswers()
			ans["comments"] = "=1+1 " + fmt.Sprint(i)
			if r := a.postJSON("/s/"+q.Slug+"?t="+tokens[i], submission(fmt.Sprintf("dash-sub-%04d", i), ans)); r.Code != http.StatusCreated {
				t.Fatalf("submit: %d %s", r.Code, r.Body)
			}
		}
		org, _ := a.reportUser("organiser1", model.RoleOrganiser)
		a.reportUser("organiser2", model.RoleOrganiser)
		a.reportUser("staffer", model.RoleStaff)
		if err := a.srv.seminars.SetOrganisers(context.Background(), *q.SeminarID, []uint64{org.ID}); err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/admin/questionnaires/%d/report", q.ID)

		if r := a.get(path); r.Code != http.StatusFound || !strings.HasPrefix(r.Header.Get("Location"), "/admin/login") {
			t.Fatalf("anonymous: %d %v", r.Code, r.Header.Get("Location"))
		}
		if r := a.do(a.reportLogin("organiser2"), http.MethodGet, path, "", nil); r.Code != http.StatusForbidden {
			t.Fatalf("organiser of another seminar: %d", r.Code)
		}

		c := a.reportLogin("organiser1")
		r := a.do(c, http.MethodGet, path+"?lang=en", "", nil)
		if r.Code != http.StatusOK {
			t.Fatalf("dashboard: %d %s", r.Code, r.Body)
		}
		for _, want := range []string{
			`<dd id="kpi-respondents">6</dd>`, `<dd id="kpi-invited">6</dd>`, `<dd id="kpi-rate">100%</dd>`,
			"All 6 respondents strongly agreed that their knowledge was improved on the specific topics covered.",
			"6名答卷人全部非常同意他们对所涉及具体议题的了解得到了提高。",
			`<svg class="likert-bar"`, `id="likert-knowledge_improved"`, `id="choice-workplace"`, `id="scale-recommend"`,
			"n = 6 answered (base)", "=1&#43;1 0", `href="/admin/questionnaires/` + fmt.Sprint(q.ID) + `/report.xlsx?lang=en"`,
			`<option value="China">China</option>`, "2018-01-16 – 2018-01-17",
		} {
			if !strings.Contains(r.Body, want) {
				t.Fatalf("dashboard lacks %q", want)
			}
		}
		if strings.Contains(r.Body, "<script") || strings.Contains(r.Body, "http://") && strings.Contains(r.Body, "cdn") {
			t.Fatal("the dashboard loads scripts")
		}
		if strings.Contains(r.Body, "<b>bold</b>") {
			t.Fatal("a comment is rendered as HTML")
		}

		// Chinese console; the filtered "<5" view.
		r = a.do(c, http.MethodGet, path+"?lang=zh&group=Europe", "", nil)
		if r.Code != http.StatusOK || !strings.Contains(r.Body, `<dd id="kpi-respondents">&lt;5</dd>`) || !strings.Contains(r.Body, "符合此筛选条件的答卷人少于5名") ||
			strings.Contains(r.Body, `id="likert-`) {
			t.Fatalf("suppressed view: %d", r.Code)
		}
		if r = a.do(c, http.MethodGet, path+"?q.workplace=nope", "", nil); r.Code != http.StatusBadRequest {
			t.Fatalf("bad filter: %d", r.Code)
		}

		// Downloads from the console, audited.
		r = a.do(c, http.MethodGet, fmt.Sprintf("/admin/questionnaires/%d/responses.csv", q.ID), "", nil)
		if r.Code != http.StatusOK || !strings.Contains(r.Body, "'=1+1 0") {
			t.Fatalf("console csv: %d", r.Code)
		}
		if n := a.count(&model.AuditEvent{}, "action = ?", "report.download"); n != 1 {
			t.Fatalf("audit: %d", n)
		}

		// A questionnaire without responses still has a sensible page.
		empty := a.importDefinition("../templates/definitions/sanya-2018-evaluation.yaml", func(d *definition.Definition) { d.Slug = "empty-evaluation" })
		r = a.do(a.reportLogin("staffer"), http.MethodGet, fmt.Sprintf("/admin/questionnaires/%d/report?lang=en", empty.ID), "", nil)
		if r.Code != http.StatusOK || !strings.Contains(r.Body, "No responses yet.") || !strings.Contains(r.Body, `<dd id="kpi-respondents">0</dd>`) ||
			!strings.Contains(r.Body, `<dd id="kpi-rate">0%</dd>`) {
			t.Fatalf("empty dashboard: %d", r.Code)
		}
		if r = a.do(c, http.MethodGet, "/admin/questionnaires/424242/report", "", nil); r.Code != http.StatusNotFound {
			t.Fatalf("unknown: %d", r.Code)
		}
	})
}
