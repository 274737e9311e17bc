package handler

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
)

// testForm is a form post answering the demo post-test: right for the keys
// given, wrong for the others.
func testForm(subID string, right ...string) url.Values {
	f := url.Values{"submission_id": {subID}, "lang": {"en"},
		"q.t_elements": {"a"}, "q.t_children": {"a"}, "q.t_indicators": {"docs"}, "q.t_nonpunish": {"b"}, "q.t_cooperation": {"frontex"}, "q.t_referral": {"b"}}
	keys := map[string][]string{"t_elements": {"b"}, "t_children": {"b"}, "t_indicators": {"docs", "debt", "movement"},
		"t_nonpunish": {"a"}, "t_cooperation": {"eurojust"}, "t_referral": {"a"}}
	for _, k := range right {
		f["q."+k] = keys[k]
	}
	return f
}

func TestATestShowsTheSenderTheirScoreAndNeverSendsTheKey(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		a.importDefinition("definitions/sanya-2018-pretest.yaml")
		post := a.importDefinition("definitions/sanya-2018-posttest.yaml")
		path := "/s/" + post.Slug

		page := a.get(path + "?lang=en")
		if page.Code != 200 || !strings.Contains(page.Body, "A national referral mechanism is") {
			t.Fatalf("post-test page: %d", page.Code)
		}
		// The key is nowhere on the page: not in an attribute, a script or a comment.
		for _, leak := range []string{"correct", "points", `"eurojust"]`} {
			if strings.Contains(strings.ToLower(page.Body), leak) {
				t.Errorf("the page holds %q", leak)
			}
		}

		c := a.newClient()
		subID := between(page.Body, `name="submission_id" value="`, `"`)
		sent := a.postForm(c, path, testForm(subID, "t_elements", "t_children", "t_indicators"))
		loc := sent.Header.Get("Location")
		if sent.Code != http.StatusSeeOther || !strings.Contains(loc, "r=") {
			t.Fatalf("form post: %d %q, want a thank-you link with the result", sent.Code, loc)
		}
		thanks := a.do(c, http.MethodGet, loc, "", nil)
		for _, want := range []string{"Your score: 4 of 7 points (57%).", "Right answer", "Eurojust", "A national referral mechanism is"} {
			if !strings.Contains(thanks.Body, want) {
				t.Errorf("result page lacks %q", want)
			}
		}
		if n := strings.Count(thanks.Body, `class="wrong"`); n != 3 {
			t.Errorf("%d wrong answers marked, want 3", n)
		}
		// Someone else's result cannot be read by guessing the reference.
		u, _ := url.Parse(loc)
		ref := u.Query().Get("r")
		id, _, _ := strings.Cut(ref, ".")
		for _, forged := range []string{id + ".AAAAAAAAAAAAAAAAAAAAAA", fmt.Sprint(id, "1.", strings.SplitN(ref, ".", 2)[1]), "x"} {
			g := a.get(path + "/thanks?lang=en&r=" + url.QueryEscape(forged))
			if g.Code != 200 || strings.Contains(g.Body, "Your score") || strings.Contains(g.Body, "Right answer") {
				t.Errorf("forged reference %q shows a result (%d)", forged, g.Code)
			}
		}

		// JSON, in Chinese: the 201 links the result.
		res := a.postJSON(path, map[string]any{"submission_id": "json-test-1", "lang": "zh", "answers": map[string]any{
			"t_elements": "b", "t_children": "b", "t_indicators": []string{"docs", "debt", "movement"}, "t_nonpunish": "a", "t_cooperation": "eurojust", "t_referral": "a"}})
		body := res.JSON(t)
		link, _ := body["thanks_url"].(string)
		if res.Code != http.StatusCreated || !strings.Contains(link, "r=") || !strings.Contains(link, "lang=zh") {
			t.Fatalf("JSON post: %d %v", res.Code, body)
		}
		zh := a.get(link)
		if !strings.Contains(zh.Body, "您的得分：7 分（满分 7 分，100%）。") || strings.Contains(zh.Body, "正确答案") {
			t.Errorf("Chinese result page: want full marks and no right-answer lines")
		}

		var hashes int64
		db.Model(&model.Response{}).Where("questionnaire_id = ? AND pair_hash IS NOT NULL", post.ID).Count(&hashes)
		if hashes != 2 {
			t.Errorf("%d post-test responses carry a pair hash, want 2", hashes)
		}

		// An evaluation has no result link.
		q := a.demo()
		ev := a.postJSON("/s/"+q.Slug, submission("json-eval-1", fullDemoAnswers())).JSON(t)
		if l, _ := ev["thanks_url"].(string); strings.Contains(l, "r=") || l == "" {
			t.Errorf("evaluation thanks_url %q", l)
		}
	})
}

// On a phone in WeChat, with JavaScript: the post-test sent, the result
// page shows the score and, for each wrong answer, the right one.
func TestBrowserTestResultOnAPhone(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db)
	a.importDefinition("definitions/sanya-2018-pretest.yaml")
	post := a.importDefinition("definitions/sanya-2018-posttest.yaml")
	ctx := newBrowser(t)
	acceptLanguage(t, ctx, "zh-CN,zh;q=0.9")
	browserDo(t, ctx, chromedp.Navigate(a.ts.URL+"/s/"+post.Slug))
	for _, sel := range []string{`input[name="q.t_elements"][value="b"]`, `input[name="q.t_children"][value="a"]`,
		`input[name="q.t_indicators"][value="docs"]`, `input[name="q.t_indicators"][value="debt"]`, `input[name="q.t_indicators"][value="movement"]`,
		`input[name="q.t_nonpunish"][value="a"]`, `input[name="q.t_cooperation"][value="eurojust"]`, `input[name="q.t_referral"][value="b"]`} {
		browserDo(t, ctx, chromedp.Click(chromedp.CSS(sel)))
	}
	browserDo(t, ctx, chromedp.Tap(chromedp.CSS(`button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.result`)))
	body := browserEval[string](t, ctx, `document.body.innerText`)
	for _, want := range []string{"您的得分：5 分（满分 7 分，71%）。", "正确答案", "政府与社会组织识别和援助受害人的合作框架"} {
		if !strings.Contains(body, want) {
			t.Errorf("result page lacks %q:\n%s", want, body)
		}
	}
	if n := browserEval[int](t, ctx, `document.querySelectorAll(".result li.wrong").length`); n != 2 {
		t.Errorf("%d wrong answers marked, want 2", n)
	}
	assertFitsPhone(t, ctx)
	screenshot(t, ctx, "test-result-zh")
}

// testAnswers answers the demo tests' questions, right for the keys given.
func testAnswers(right ...string) map[string]any {
	a := map[string]any{"t_elements": "a", "t_children": "a", "t_indicators": []string{"docs"}, "t_nonpunish": "b", "t_cooperation": "frontex", "t_referral": "b"}
	keys := map[string]any{"t_elements": "b", "t_children": "b", "t_indicators": []string{"docs", "debt", "movement"},
		"t_nonpunish": "a", "t_cooperation": "eurojust", "t_referral": "a"}
	for _, k := range right {
		a[k] = keys[k]
	}
	return a
}

// The post-test's report, through the API and on the dashboard: the six
// participants of service/report's hand-computed case, through their invite
// links (TestPostTestSummaryPairsPreAndPostPerParticipant has the sums).
func TestPostTestReportInTheAPIAndOnTheDashboard(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		ev := a.demo()
		pre := a.importDefinition("definitions/sanya-2018-pretest.yaml")
		post := a.importDefinition("definitions/sanya-2018-posttest.yaml")
		tokens := a.reportRoster(ev, "China", "China", "China", "Europe", "Europe", "Europe", "Europe")
		all := []string{"t_elements", "t_children", "t_indicators", "t_nonpunish", "t_cooperation", "t_referral"}
		preRight := [][]string{{"t_elements"}, {"t_indicators"}, {"t_elements", "t_indicators"}, {"t_elements", "t_children", "t_indicators"}, {}, all}
		postRight := [][]string{all[:3], all[:4], {"t_elements", "t_indicators"}, all[:5], {"t_indicators"}, all, all}
		for i, right := range preRight {
			if r := a.postJSON("/s/"+pre.Slug+"?t="+tokens[i], submission(fmt.Sprintf("pretest-%04d", i), testAnswers(right...))); r.Code != http.StatusCreated {
				t.Fatalf("pre %d: %d %s", i, r.Code, r.Body)
			}
		}
		for i, right := range postRight {
			if r := a.postJSON("/s/"+post.Slug+"?t="+tokens[i], submission(fmt.Sprintf("posttest-%04d", i), testAnswers(right...))); r.Code != http.StatusCreated {
				t.Fatalf("post %d: %d %s", i, r.Code, r.Body)
			}
		}
		_, token := a.reportUser("organiser1", model.RoleAdmin)
		res := a.get(fmt.Sprintf("/api/v1/questionnaires/%d/summary", post.ID), bearer(token)...)
		if res.Code != 200 {
			t.Fatalf("summary: %d %s", res.Code, res.Body)
		}
		test, _ := res.JSON(t)["test"].(map[string]any)
		w, _ := test["wilcoxon"].(map[string]any)
		if test["n_pre"] != 6.0 || test["n_post"] != 7.0 || test["n_paired"] != 6.0 || test["pre_mean_percent"] != 40.5 ||
			test["post_mean_percent"] != 64.3 || test["normalized_gain"] != 0.4 || w["p"] != 0.0633 || w["method"] != "normal" {
			t.Errorf("test block %v", test)
		}

		c := a.reportLogin("organiser1")
		page := a.do(c, http.MethodGet, fmt.Sprintf("/admin/questionnaires/%d/report?lang=en", post.ID), "", nil)
		for _, want := range []string{`id="learning-facts"`, "40.5% → 64.3%", "0.40", "0.0633 (normal approximation)", "17% → 33%",
			"The average test score rose from 40% before the seminar to 64% after it"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("dashboard lacks %q", want)
			}
		}
		if n := strings.Count(page.Body, `class="pair"`); n != 6 {
			t.Errorf("%d participant lines in the chart, want 6", n)
		}
		zh := a.do(c, http.MethodGet, fmt.Sprintf("/admin/questionnaires/%d/report?lang=zh", post.ID), "", nil)
		if !strings.Contains(zh.Body, "标准化增益") || !strings.Contains(zh.Body, "正态近似") {
			t.Error("the Chinese dashboard lacks the test's figures in Chinese")
		}
		if t.Name() == "TestPostTestReportInTheAPIAndOnTheDashboard/sqlite" {
			ctx := newBrowser(t)
			browserDo(t, ctx, chromedp.EmulateViewport(1280, 900))
			browserDo(t, ctx, consoleSignInActions(a.ts.URL, "organiser1", "correct horse battery staple")...)
			browserDo(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/admin/questionnaires/%d/report?lang=zh", a.ts.URL, post.ID)),
				chromedp.WaitVisible(chromedp.CSS(`section.learning`)))
			if w := browserEval[int](t, ctx, `document.documentElement.scrollWidth`); w > 1280 {
				t.Errorf("the dashboard is %d px wide at 1280", w)
			}
			screenshot(t, ctx, "report-learning-zh")
		}
	})
}
