package handler

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"seminareval/cmd/wechatsim/sim"
	"seminareval/model"
	"seminareval/model/modeltest"
)

var burstParticipants = flag.Int("burst", 200, "participants in TestWeChatBurst (the README's run uses 2000)")

// TestWeChatBurst is the closing session: every participant scans, opens the
// page inside WeChat, goes through silent OAuth against wechatsim and submits,
// all at once, and some re-post (a double tap or a retry after a lost answer).
// Nothing may be lost and nothing duplicated. The time it took is logged, not
// asserted: speed is for the load tools, this proves the outcome.
//
//	go test ./handler/ -run TestWeChatBurst -burst 2000 -v
func TestWeChatBurst(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWeChatApp(t, db)
		q := w.demo()
		n := *burstParticipants
		const workers = 64
		jobs := make(chan int)
		errs := make(chan error, n)
		start := time.Now()
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range jobs {
					if err := burstParticipant(w, q.Slug, i); err != nil {
						errs <- fmt.Errorf("participant %d: %w", i, err)
					}
				}
			}()
		}
		for i := range n {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		close(errs)
		elapsed := time.Since(start)
		for err := range errs {
			t.Error(err)
		}
		t.Logf("%d participants through OAuth and submit in %s (%.0f/s)", n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds())

		var responses, openids, wechat int64
		db.Model(&model.Response{}).Where("questionnaire_id = ?", q.ID).Count(&responses)
		db.Model(&model.Response{}).Where("questionnaire_id = ?", q.ID).Distinct("openid").Count(&openids)
		db.Model(&model.Response{}).Where("questionnaire_id = ? AND channel = ?", q.ID, model.ChannelWeChat).Count(&wechat)
		if responses != int64(n) || openids != int64(n) || wechat != int64(n) {
			t.Fatalf("stored %d responses, %d distinct openids, %d through WeChat; want %d of each", responses, openids, wechat, n)
		}
		if a := w.count(&model.Answer{}, "questionnaire_id = ?", q.ID); a != int64(n)*13 {
			t.Fatalf("answers = %d, want %d (13 per response)", a, n*13)
		}
	})
}

// burstParticipant is one phone: open the link (→ OAuth → back), read the
// form, post it; every 10th posts it twice. Errors are returned, not
// reported: this runs outside the test goroutine.
func burstParticipant(w *wechatApp, slug string, i int) error {
	c := w.newClient()
	simURL, _ := url.Parse(w.simURL)
	c.Jar.SetCookies(simURL, []*http.Cookie{{Name: sim.IdentityCookie, Value: fmt.Sprintf("oBurst%05d", i), Path: "/"}})
	do := func(method, u string, body io.Reader) (*http.Response, string, error) {
		req, err := http.NewRequest(method, u, body)
		if err != nil {
			return nil, "", err
		}
		req.Header.Set("User-Agent", wechatUserAgent)
		if body != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := c.Do(req)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, string(b), err
	}
	u := w.ts.URL + "/s/" + slug
	var page string
	for hop := 0; ; hop++ {
		if hop == 6 {
			return fmt.Errorf("too many redirects opening %s", u)
		}
		resp, body, err := do(http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		if resp.StatusCode == http.StatusOK {
			page = body
			break
		}
		if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
			return fmt.Errorf("GET %s: %d", u, resp.StatusCode)
		}
		next, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
		if err != nil {
			return err
		}
		next.Fragment = ""
		u = next.String()
	}
	subID := between(page, `name="submission_id" value="`, `"`)
	if subID == "" {
		return fmt.Errorf("no form on the page after OAuth")
	}
	form := demoForm(subID)
	for try := range 1 + boolInt(i%10 == 0) {
		resp, _, err := do(http.MethodPost, w.ts.URL+"/s/"+slug, strings.NewReader(form.Encode()))
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusSeeOther {
			return fmt.Errorf("submit (try %d): %d", try+1, resp.StatusCode)
		}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
