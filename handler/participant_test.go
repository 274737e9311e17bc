package handler

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service/definition"
)

func TestSubmitJSONContract(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		q := a.demo()
		path := "/s/" + q.Slug

		first := a.postJSON(path, submission("11111111-aaaa", fullDemoAnswers()))
		if first.Code != http.StatusCreated {
			t.Fatalf("first submit: %d %s", first.Code, first.Body)
		}
		body := first.JSON(t)
		if body["status"] != "recorded" || body["response_id"] == nil {
			t.Fatalf("first submit body: %s", first.Body)
		}
		retry := a.postJSON(path, submission("11111111-aaaa", fullDemoAnswers()))
		if retry.Code != http.StatusOK || retry.JSON(t)["status"] != "already_recorded" || retry.JSON(t)["response_id"] != body["response_id"] {
			t.Fatalf("retry: %d %s, want 200 already_recorded with response_id %v", retry.Code, retry.Body, body["response_id"])
		}
		// The same browser (same respondent cookie) with a new submission.
		a.get(path) // sets the respondent cookie
		second := a.postJSON(path, submission("22222222-bbbb", fullDemoAnswers()))
		if second.Code != http.StatusCreated {
			t.Fatalf("second respondent (cookie): %d %s", second.Code, second.Body)
		}
		again := a.postJSON(path, submission("33333333-cccc", fullDemoAnswers()))
		if again.Code != http.StatusConflict || again.JSON(t)["error"] != "already_answered" {
			t.Fatalf("same respondent again: %d %s, want 409 already_answered", again.Code, again.Body)
		}
		if n := a.count(&model.Response{}); n != 2 {
			t.Fatalf("responses stored = %d, want 2", n)
		}
		// Rows: 11 answered questions, one of them multi with two options.
		var rows []model.Answer
		db.Where("response_id = ?", uint64(body["response_id"].(float64))).Find(&rows)
		if len(rows) != 13 {
			t.Fatalf("answer rows = %d, want 13 (11 single-valued + 2 for the multi)", len(rows))
		}
		var comment model.Answer
		db.Where("response_id = ? AND question_id = ?", uint64(body["response_id"].(float64)), q.QuestionIDs["comments"]).Take(&comment)
		if comment.Text == nil || *comment.Text != "很好的研讨会 👍 <b>bold</b>" {
			t.Fatalf("comment stored as %v, want Chinese and emoji intact", comment.Text)
		}
		var na model.Answer
		db.Where("response_id = ? AND question_id = ?", uint64(body["response_id"].(float64)), q.QuestionIDs["organisation_good"]).Take(&na)
		if !na.NA || na.Num != nil {
			t.Fatalf("not-applicable answer stored as %+v", na)
		}
	})
}

func TestSubmitRejectsBadInputAndStoresNothing(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		q := a.demo()
		path := "/s/" + q.Slug
		with := func(changes map[string]any) map[string]any {
			ans := fullDemoAnswers()
			for k, v := range changes {
				if v == nil {
					delete(ans, k)
				} else {
					ans[k] = v
				}
			}
			return ans
		}
		cases := []struct {
			name      string
			body      any
			wantCode  int
			wantField string // a key that must be named in fields
		}{
			{"missing required", submission("bad-00001", with(map[string]any{"knowledge_improved": nil})), 422, "knowledge_improved"},
			{"likert out of range", submission("bad-00002", with(map[string]any{"knowledge_improved": 6})), 422, "knowledge_improved"},
			{"likert zero", submission("bad-00003", with(map[string]any{"useful_relevant": 0})), 422, "useful_relevant"},
			{"nps out of range", submission("bad-00004", with(map[string]any{"recommend": 11})), 422, "recommend"},
			{"fractional rating", submission("bad-00005", with(map[string]any{"overall": 4.5})), 422, "overall"},
			{"number as string", submission("bad-00006", with(map[string]any{"overall": "5"})), 422, "overall"},
			{"na not offered", submission("bad-00007", with(map[string]any{"knowledge_improved": "na"})), 422, "knowledge_improved"},
			{"unknown option", submission("bad-00008", with(map[string]any{"workplace": "army"})), 422, "workplace"},
			{"multi not a list", submission("bad-00009", with(map[string]any{"topics_useful": "legal"})), 422, "topics_useful"},
			{"multi unknown option", submission("bad-00010", with(map[string]any{"topics_useful": []string{"legal", "cooking"}})), 422, "topics_useful"},
			{"multi duplicate option", submission("bad-00011", with(map[string]any{"topics_useful": []string{"legal", "legal"}})), 422, "topics_useful"},
			{"text not a string", submission("bad-00012", with(map[string]any{"comments": 42})), 422, "comments"},
			{"text too long", submission("bad-00013", with(map[string]any{"comments": strings.Repeat("长", 2001)})), 422, "comments"},
			{"unknown key", submission("bad-00014", with(map[string]any{"favourite_colour": "blue"})), 422, "favourite_colour"},
			{"single as list", submission("bad-00015", with(map[string]any{"workplace": []string{"police"}})), 422, "workplace"},
			{"bad submission id", submission("x", fullDemoAnswers()), 422, "submission_id"},
			{"unknown language", map[string]any{"submission_id": "bad-00016", "lang": "fr", "answers": fullDemoAnswers()}, 422, "lang"},
			{"answers not an object", `{"submission_id":"bad-00017","answers":[1,2]}`, 422, "answers"},
			{"answers missing", `{"submission_id":"bad-00018"}`, 422, "answers"},
			{"submission id a number", `{"submission_id":12345678,"answers":{}}`, 422, "submission_id"},
			{"invalid JSON", `{"submission_id":"bad-00019","answers":{`, 400, ""},
			{"empty body", ``, 400, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				w := a.postJSON(path, tc.body)
				if w.Code != tc.wantCode {
					t.Fatalf("%d %s, want %d", w.Code, w.Body, tc.wantCode)
				}
				if tc.wantField != "" {
					body := w.JSON(t)
					fields, _ := body["fields"].(map[string]any)
					if body["error"] != "invalid" || fields[tc.wantField] == nil || fields[tc.wantField] == "" {
						t.Fatalf("body %s does not name field %q", w.Body, tc.wantField)
					}
				}
			})
		}
		big := `{"submission_id":"bad-big-0001","answers":{"comments":"` + strings.Repeat("x", 10<<20) + `"}}`
		if w := a.postJSON(path, big); w.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("10 MB body: %d, want 413", w.Code)
		}
		if n := a.count(&model.Response{}); n != 0 {
			t.Fatalf("responses stored after bad input = %d, want 0", n)
		}
		if n := a.count(&model.Answer{}); n != 0 {
			t.Fatalf("answers stored after bad input = %d, want 0", n)
		}
	})
}

func TestSubmitRefusedWhenNotOpen(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		past := a.now.Add(-time.Hour)
		future := a.now.Add(time.Hour)
		cases := []struct {
			slug, status string
			opens, close *time.Time
			wantErr      string
		}{
			{"q-draft", model.StatusDraft, nil, nil, "not_open"},
			{"q-closed", model.StatusClosed, nil, nil, "closed"},
			{"q-opens-later", model.StatusOpen, &future, nil, "not_open"},
			{"q-closed-at", model.StatusOpen, nil, &past, "closed"},
		}
		for _, tc := range cases {
			q := a.demo(func(d *definition.Definition) {
				d.Slug, d.Status, d.OpensAt, d.ClosesAt = tc.slug, tc.status, tc.opens, tc.close
			})
			w := a.postJSON("/s/"+q.Slug, submission("refused-"+tc.slug, fullDemoAnswers()))
			if w.Code != http.StatusForbidden || w.JSON(t)["error"] != tc.wantErr {
				t.Errorf("%s: %d %s, want 403 %s", tc.slug, w.Code, w.Body, tc.wantErr)
			}
			page := a.get("/s/" + q.Slug + "?lang=en")
			if page.Code != http.StatusForbidden || strings.Contains(page.Body, "<form") {
				t.Errorf("%s page: %d, want 403 without a form", tc.slug, page.Code)
			}
		}
		if w := a.postJSON("/s/no-such-questionnaire", submission("nosuch-0001", fullDemoAnswers())); w.Code != http.StatusNotFound {
			t.Errorf("unknown slug: %d, want 404", w.Code)
		}
		if w := a.get("/s/no-such-questionnaire"); w.Code != http.StatusNotFound {
			t.Errorf("unknown slug page: %d, want 404", w.Code)
		}
		if n := a.count(&model.Response{}); n != 0 {
			t.Fatalf("responses stored = %d, want 0", n)
		}
	})
}

func TestConcurrentRetriesStoreOneResponse(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		q := a.demo()
		const n = 50
		var wg sync.WaitGroup
		codes := make([]int, n)
		ids := make([]any, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w := a.do(a.newClient(), http.MethodPost, "/s/"+q.Slug, "application/json",
					strings.NewReader(`{"submission_id":"same-submission-0001","lang":"zh","answers":{"knowledge_improved":5,"participation_encouraged":5,"useful_relevant":5,"cooperation_facilitated":5,"speakers_quality":5,"organisation_good":5,"apply_learning":5,"workplace":"police","overall":5}}`))
				codes[i] = w.Code
				if w.Code < 300 {
					ids[i] = w.JSON(t)["response_id"]
				}
			}()
		}
		wg.Wait()
		created := 0
		for i := range n {
			switch codes[i] {
			case http.StatusCreated:
				created++
			case http.StatusOK:
			default:
				t.Fatalf("request %d: status %d", i, codes[i])
			}
			if ids[i] != ids[0] {
				t.Fatalf("response ids differ: %v vs %v", ids[i], ids[0])
			}
		}
		if created != 1 {
			t.Fatalf("201 answers = %d, want exactly 1", created)
		}
		if c := a.count(&model.Response{}); c != 1 {
			t.Fatalf("responses = %d, want 1", c)
		}
		if c := a.count(&model.Answer{}); c != 9 {
			t.Fatalf("answers = %d, want 9", c)
		}
	})
}

func TestFormPostWithoutJavaScript(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		q := a.demo()
		path := "/s/" + q.Slug
		page := a.get(path+"?lang=zh", "Accept-Language", "en")
		if page.Code != 200 || !strings.Contains(page.Body, "我对所涉及具体议题的了解得到了提高") {
			t.Fatalf("zh page: %d", page.Code)
		}
		subID := between(page.Body, `name="submission_id" value="`, `"`)
		form := url.Values{"submission_id": {subID}, "lang": {"zh"}, "q.knowledge_improved": {"5"}, "q.comments": {"<script>alert(1)</script> 好"}}
		bad := a.postForm(nil, path, form)
		if bad.Code != http.StatusUnprocessableEntity {
			t.Fatalf("incomplete form: %d", bad.Code)
		}
		for _, want := range []string{`id="err-useful_relevant"`, "此题为必答题", `value="5" checked`, "&lt;script&gt;alert(1)&lt;/script&gt; 好"} {
			if !strings.Contains(bad.Body, want) {
				t.Errorf("re-rendered form lacks %q", want)
			}
		}
		if strings.Contains(bad.Body, "<script>alert(1)") {
			t.Fatal("text answer rendered unescaped")
		}
		for k, v := range fullDemoAnswers() {
			switch x := v.(type) {
			case []string:
				form["q."+k] = x
			default:
				form.Set("q."+k, fmt.Sprint(x))
			}
		}
		ok := a.postForm(nil, path, form)
		if ok.Code != http.StatusSeeOther || !strings.HasPrefix(ok.Header.Get("Location"), path+"/thanks") {
			t.Fatalf("complete form: %d %s %s", ok.Code, ok.Header.Get("Location"), between(ok.Body, `class="err"`, "</p>"))
		}
		// A double tap re-posts the same form: same outcome, one response.
		if again := a.postForm(nil, path, form); again.Code != http.StatusSeeOther {
			t.Fatalf("re-post: %d", again.Code)
		}
		thanks := a.get(ok.Header.Get("Location"))
		if thanks.Code != 200 || !strings.Contains(thanks.Body, "您的评估已记录") {
			t.Fatalf("thanks page: %d", thanks.Code)
		}
		back := a.get(path)
		if back.Code != 200 || strings.Contains(back.Body, "<form") || !strings.Contains(back.Body, "您的回答已记录") {
			t.Fatalf("coming back: %d; want the already-recorded page", back.Code)
		}
		var stored model.Response
		db.Take(&stored)
		if stored.Lang != "zh" || stored.Channel != model.ChannelWeb {
			t.Fatalf("stored response %+v", stored)
		}
		if c := a.count(&model.Response{}); c != 1 {
			t.Fatalf("responses = %d, want 1", c)
		}
		// Malformed form encoding gets a clear error and stores nothing more.
		broken := a.do(a.newClient(), http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader("q.overall=%zz"))
		if broken.Code != http.StatusBadRequest {
			t.Fatalf("malformed form: %d", broken.Code)
		}
		huge := a.do(a.newClient(), http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader("q.comments="+strings.Repeat("x", 10<<20)))
		if huge.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("10 MB form: %d, want 413", huge.Code)
		}
		if c := a.count(&model.Response{}); c != 1 {
			t.Fatalf("responses = %d, want 1", c)
		}
	})
}

func TestLanguageChoice(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db)
	q := a.demo()
	path := "/s/" + q.Slug
	cases := []struct {
		query, acceptLanguage, want string
	}{
		{"", "", "zh"}, // the questionnaire's first language
		{"", "en-GB,en;q=0.9", "en"},
		{"", "zh-CN,zh;q=0.9,en;q=0.8", "zh"},
		{"", "fr-FR,en;q=0.5", "en"},
		{"?lang=en", "zh-CN", "en"},
		{"?lang=zh", "en-US", "zh"},
		{"?lang=fr", "en-US", "en"},
	}
	for _, tc := range cases {
		w := a.get(path+tc.query, "Accept-Language", tc.acceptLanguage)
		wantHTML := map[string]string{"zh": `<html lang="zh-CN">`, "en": `<html lang="en">`}[tc.want]
		if !strings.Contains(w.Body, wantHTML) {
			t.Errorf("%q with Accept-Language %q: want %s", tc.query, tc.acceptLanguage, tc.want)
		}
	}
}

func TestRosterAccessAndInviteTokens(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		q := a.demo(func(d *definition.Definition) { d.Access = model.AccessRoster; d.Anonymous = false })
		p := model.Participant{SeminarID: *q.SeminarID, Name: "王伟", Group: "China", InviteToken: "tok-wang-wei-0000000000000001"}
		if err := db.Create(&p).Error; err != nil {
			t.Fatal(err)
		}
		path := "/s/" + q.Slug
		if w := a.get(path); w.Code != http.StatusForbidden {
			t.Fatalf("roster page without token: %d, want 403", w.Code)
		}
		if w := a.postJSON(path, submission("roster-0001", fullDemoAnswers())); w.Code != 403 || w.JSON(t)["error"] != "not_invited" {
			t.Fatalf("roster submit without token: %d %s", w.Code, w.Body)
		}
		if w := a.postJSON(path+"?t=wrong-token", submission("roster-0002", fullDemoAnswers())); w.Code != 403 {
			t.Fatalf("roster submit with a wrong token: %d", w.Code)
		}
		if w := a.get(path + "?t=" + p.InviteToken); w.Code != 200 || !strings.Contains(w.Body, `name="t" value="`+p.InviteToken) {
			t.Fatalf("roster page with token: %d", w.Code)
		}
		if w := a.postJSON(path+"?t="+p.InviteToken, submission("roster-0003", fullDemoAnswers())); w.Code != 201 {
			t.Fatalf("invited submit: %d %s", w.Code, w.Body)
		}
		// The same participant from another browser is still the same respondent.
		w := a.do(a.newClient(), http.MethodPost, path+"?t="+p.InviteToken, "application/json", strings.NewReader(`{"submission_id":"roster-0004","answers":{}}`))
		if w.Code != http.StatusUnprocessableEntity {
			t.Fatalf("incomplete: %d", w.Code)
		}
		w = a.do(a.newClient(), http.MethodPost, path+"?t="+p.InviteToken, "application/json", strings.NewReader(mustJSON(submission("roster-0005", fullDemoAnswers()))))
		if w.Code != http.StatusConflict {
			t.Fatalf("second answer by the same participant: %d, want 409", w.Code)
		}
		var r model.Response
		db.Take(&r)
		if r.ParticipantID == nil || *r.ParticipantID != p.ID || r.Channel != model.ChannelInvite {
			t.Fatalf("response not linked to the participant: %+v", r)
		}
	})
}

func TestAnonymousQuestionnaireStoresNoLink(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		q := a.demo(func(d *definition.Definition) { d.Anonymous = true })
		p := model.Participant{SeminarID: *q.SeminarID, Name: "Anna", Group: "Europe", InviteToken: "tok-anna-000000000000000000001"}
		db.Create(&p)
		path := "/s/" + q.Slug + "?t=" + p.InviteToken
		if w := a.postJSON(path, submission("anon-0001", fullDemoAnswers())); w.Code != 201 {
			t.Fatalf("submit: %d %s", w.Code, w.Body)
		}
		if w := a.do(a.newClient(), http.MethodPost, path, "application/json", strings.NewReader(mustJSON(submission("anon-0002", fullDemoAnswers())))); w.Code != 409 {
			t.Fatalf("duplicate by the same invitee: %d, want 409", w.Code)
		}
		var r model.Response
		db.Take(&r)
		if r.ParticipantID != nil || r.OpenID != nil || len(r.RespondentHash) != 64 || strings.Contains(r.RespondentHash, fmt.Sprint(p.ID)) && len(r.RespondentHash) < 64 {
			t.Fatalf("anonymous response keeps a link: %+v", r)
		}
	})
}

func TestHealthAndReadiness(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db)
	if w := a.get("/healthz"); w.Code != 200 {
		t.Fatalf("healthz %d", w.Code)
	}
	if w := a.get("/readyz"); w.Code != 200 {
		t.Fatalf("readyz %d", w.Code)
	}
	if w := a.get("/metrics"); w.Code != 200 || !strings.Contains(w.Body, "seminareval_http_requests_total") {
		t.Fatalf("metrics %d", w.Code)
	}
	sqlDB, _ := db.DB()
	sqlDB.Close()
	if w := a.get("/readyz"); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database closed: %d, want 503", w.Code)
	}
}

func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, end)
	return v
}

// TestSubmitNeverUsesAStaleQuestionnaire: the submit path answers from a
// cached copy of the questionnaire, so this proves the copy can never
// outlive a change made elsewhere (another replica, the console, SQL).
func TestSubmitNeverUsesAStaleQuestionnaire(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		b := newTestApp(t, db) // a second replica on the same database
		q := a.demo()
		path := "/s/" + q.Slug
		if w := a.postJSON(path, submission("stale-0001", fullDemoAnswers())); w.Code != 201 {
			t.Fatalf("warm-up submit: %d %s", w.Code, w.Body)
		}
		// Closed on replica B: replica A's cached copy still says open.
		if _, err := b.srv.questionnaires.SetStatus(context.Background(), q.ID, model.StatusClosed); err != nil {
			t.Fatal(err)
		}
		if w := a.do(a.newClient(), http.MethodPost, path, "application/json", strings.NewReader(mustJSON(submission("stale-0002", fullDemoAnswers())))); w.Code != 403 || w.JSON(t)["error"] != "closed" {
			t.Fatalf("submit on A after B closed: %d %s, want 403 closed", w.Code, w.Body)
		}
		// Reopened by a plain SQL-level update (GORM Update of one column).
		if err := db.Model(&model.Questionnaire{}).Where("id = ?", q.ID).Update("status", model.StatusOpen).Error; err != nil {
			t.Fatal(err)
		}
		if w := a.do(a.newClient(), http.MethodPost, path, "application/json", strings.NewReader(mustJSON(submission("stale-0003", fullDemoAnswers())))); w.Code != 201 {
			t.Fatalf("submit on A after reopening: %d %s, want 201", w.Code, w.Body)
		}
		if n := a.count(&model.Response{}); n != 2 {
			t.Fatalf("responses = %d, want 2", n)
		}

		// A structural change made on B before any response: A must validate
		// against the new structure and store answers under the new questions.
		q2 := a.demo(func(d *definition.Definition) { d.Slug = "stale-structure" })
		if w := a.postJSON("/s/"+q2.Slug, map[string]any{"submission_id": "bad-00000", "answers": map[string]any{}}); w.Code != 422 {
			t.Fatalf("warm the cache: %d", w.Code) // 422: nothing stored, but A has cached q2
		}
		def := *q2.Def
		def.Sections = []definition.Section{{Questions: []definition.QuestionDef{{
			Key: "only_question", Type: model.TypeRating, Required: true, Text: model.Text{"zh": "评分", "en": "Rating"},
		}}}}
		if _, err := b.srv.questionnaires.Replace(context.Background(), q2.ID, &def); err != nil {
			t.Fatal(err)
		}
		w := a.postJSON("/s/"+q2.Slug, submission("stale-0004", map[string]any{"only_question": 4}))
		if w.Code != 201 {
			t.Fatalf("submit against the new structure on A: %d %s", w.Code, w.Body)
		}
		var ans model.Answer
		db.Where("response_id = ?", uint64(w.JSON(t)["response_id"].(float64))).Take(&ans)
		var question model.Question
		db.Take(&question, ans.QuestionID)
		if question.Key != "only_question" || question.QuestionnaireID != q2.ID || ans.Num == nil || *ans.Num != 4 {
			t.Fatalf("answer stored under question %+v: %+v", question, ans)
		}
	})
}
