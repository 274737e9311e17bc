package handler

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service"
	"seminareval/service/definition"
)

var formTokenRe = regexp.MustCompile(`name="form_token" value="([^"]+)"`)

// hotelPhone is one participant's browser: its own cookies, the page loaded, the
// JSON post with the page's submission id and form token, as participant.js
// sends it.
func hotelPhone(a *testApp, slug string, i int) error {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.Get(a.ts.URL + "/s/" + slug + "?lang=zh")
	if err != nil {
		return err
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := formTokenRe.FindSubmatch(page)
	if res.StatusCode != http.StatusOK || m == nil {
		return fmt.Errorf("page %d without form token", res.StatusCode)
	}
	body, _ := json.Marshal(map[string]any{"submission_id": fmt.Sprintf("hotel-%04d-0000-0000-0000-000000000000", i)[:36], "lang": "zh",
		"answers": fullDemoAnswers(), "form_token": string(m[1])})
	res, err = c.Post(a.ts.URL+"/s/"+slug, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		return fmt.Errorf("post %d", res.StatusCode)
	}
	return nil
}

// Ballot stuffing on a questionnaire open to everyone, with the default
// budgets: 200 phones behind one hotel NAT address, each loading the page
// and answering at once, are all recorded; a script posting JSON without
// cookies or page views from that address stores 30 and then gets 429 with
// Retry-After (nothing stored), while a retry of an answer already stored is
// still answered as one. The budget is per address: another is not affected.
func TestSubmitBudgetStopsAScriptButNotAHotel(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db, func(c *service.Config) { c.Server.TrustedProxies = []string{"127.0.0.1"} })
		q := a.demo()
		const phones = 200
		var wg sync.WaitGroup
		errs := make(chan error, phones)
		jobs := make(chan int)
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range jobs {
					if err := hotelPhone(a, q.Slug, i); err != nil {
						errs <- fmt.Errorf("phone %d: %w", i, err)
					}
				}
			}()
		}
		for i := range phones {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if n := a.count(&model.Response{}, "questionnaire_id = ?", q.ID); n != phones {
			t.Fatalf("%d responses from the hotel, want %d", n, phones)
		}

		// The script: no cookies, no page, new submission ids.
		script := &http.Client{}
		post := func(id string, headers ...string) response {
			body, _ := json.Marshal(submission(id, fullDemoAnswers()))
			return a.do(script, http.MethodPost, "/s/"+q.Slug, "application/json", bytes.NewReader(body), headers...)
		}
		for i := range 30 {
			if r := post(fmt.Sprintf("script-%04d-0000-0000-0000-000000000000", i)[:36]); r.Code != http.StatusCreated {
				t.Fatalf("script post %d: %d %s", i, r.Code, r.Body)
			}
		}
		r := post("script-over-0000-0000-0000-000000000000"[:36])
		if r.Code != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || !strings.Contains(r.Body, `"error":"too_many"`) || !strings.Contains(r.Body, "Nothing was recorded") {
			t.Fatalf("31st script post: %d %q %s", r.Code, r.Header.Get("Retry-After"), r.Body)
		}
		if n := a.count(&model.Response{}, "questionnaire_id = ?", q.ID); n != phones+30 {
			t.Fatalf("%d responses, want %d: the refused post stored something", n, phones+30)
		}
		if r := post("script-0007-0000-0000-0000-000000000000"[:36]); r.Code != http.StatusOK || !strings.Contains(r.Body, "already_recorded") {
			t.Fatalf("a retry over the budget: %d %s, want 200 already_recorded", r.Code, r.Body)
		}
		// A forged form token is no token.
		body, _ := json.Marshal(map[string]any{"submission_id": "script-forged-000-0000-0000-000000000000"[:36], "lang": "en", "answers": fullDemoAnswers(),
			"form_token": "AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA"})
		if r := a.do(script, http.MethodPost, "/s/"+q.Slug, "application/json", bytes.NewReader(body)); r.Code != http.StatusTooManyRequests {
			t.Fatalf("a forged form token: %d", r.Code)
		}
		// The form post without JavaScript: the same budget, the form back with the answers.
		form := demoForm("script-form-0000-0000-0000-000000000000"[:36])
		if r := a.postForm(script, "/s/"+q.Slug+"?lang=zh", form); r.Code != http.StatusTooManyRequests || !strings.Contains(r.Body, "来自您所在网络的答卷过多") || !strings.Contains(r.Body, `value="script-form-`) {
			t.Fatalf("a form post over the budget: %d", r.Code)
		}
		// Another address is not affected.
		if r := post("other-addr-0000-0000-0000-000000000000"[:36], "X-Forwarded-For", "203.0.113.9"); r.Code != http.StatusCreated {
			t.Fatalf("a post from another address: %d %s", r.Code, r.Body)
		}
	})
}

// The budgets' edges with small numbers and a clock: with the page's token
// a client gets submit_budget, without it submit_budget_untokened; a token
// of another questionnaire or older than a day is none; the window ends and
// the budget is back; WeChat respondents and roster questionnaires are not
// budgeted.
func TestSubmitBudgetWindowAndTokens(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db, func(c *service.Config) {
		c.Server.SubmitBudget, c.Server.SubmitBudgetUntokened, c.Server.SubmitBudgetWindow = 3, 1, time.Minute
	})
	q := a.demo()
	other := a.importDefinition("definitions/sanya-2018-evaluation.yaml", func(d *definition.Definition) { d.Slug = "sanya-other" })
	script := &http.Client{}
	n := 0
	post := func(token string) int {
		n++
		body, _ := json.Marshal(map[string]any{"submission_id": fmt.Sprintf("edge-%04d-0000-0000-0000-000000000000", n)[:36], "lang": "en", "answers": fullDemoAnswers(), "form_token": token})
		return a.do(script, http.MethodPost, "/s/"+q.Slug, "application/json", bytes.NewReader(body)).Code
	}
	token := a.srv.formToken(q.ID, a.now)
	if c := post(""); c != http.StatusCreated {
		t.Fatalf("first untokened: %d", c)
	}
	if c := post(""); c != http.StatusTooManyRequests {
		t.Fatalf("second untokened: %d, want 429", c)
	}
	for i := range 3 {
		if c := post(token); c != http.StatusCreated {
			t.Fatalf("tokened %d: %d", i, c)
		}
	}
	if c := post(token); c != http.StatusTooManyRequests {
		t.Fatalf("fourth tokened: %d, want 429", c)
	}
	a.now = a.now.Add(time.Minute)
	if c := post(a.srv.formToken(other.ID, a.now)); c != http.StatusCreated {
		t.Fatalf("after the window, another questionnaire's token counts as none: %d", c)
	}
	if c := post(a.srv.formToken(other.ID, a.now)); c != http.StatusTooManyRequests {
		t.Fatalf("another questionnaire's token: %d, want the untokened budget spent", c)
	}
	if c := post(a.srv.formToken(q.ID, a.now.Add(-25*time.Hour))); c != http.StatusTooManyRequests {
		t.Fatalf("a token older than a day: %d, want the untokened budget", c)
	}
	if c := post(a.srv.formToken(q.ID, a.now)); c != http.StatusCreated {
		t.Fatalf("a fresh token after the window: %d", c)
	}
	// A roster questionnaire is not budgeted: each invite answers once anyway.
	roster := a.importDefinition("definitions/sanya-2018-evaluation.yaml", func(d *definition.Definition) { d.Slug, d.Access = "sanya-roster", model.AccessRoster })
	tokens := a.reportRoster(roster, "China", "China", "China")
	for i, tok := range tokens {
		body, _ := json.Marshal(submission(fmt.Sprintf("roster-%04d-0000-0000-0000-000000000000", i)[:36], fullDemoAnswers()))
		if r := a.do(script, http.MethodPost, "/s/"+roster.Slug+"?"+url.Values{"t": {tok}}.Encode(), "application/json", bytes.NewReader(body)); r.Code != http.StatusCreated {
			t.Fatalf("invitee %d: %d %s", i, r.Code, r.Body)
		}
	}
}
