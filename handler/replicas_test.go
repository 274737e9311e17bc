package handler

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"seminareval/cmd/wechatsim/sim"
	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service"
	"seminareval/service/account"
)

// replicaSet is the multi-replica deployment of the README in one process:
// two replicas (A and B), each its own Server with its own database pool and
// Redis client, on one database (migrated once), sharing the secret the
// database holds and one Redis, behind a round-robin reverse proxy standing
// in for the load balancer. server.base_url of both is the proxy's URL.
type replicaSet struct {
	t     *testing.T
	db    *gorm.DB   // A's pool, for assertions on the rows
	a, b  *wechatApp // the replicas, reached directly
	front *wechatApp // requests through the proxy (its ts is the proxy)
	sim   *sim.Simulator
	proxy *httptest.Server

	mu     sync.Mutex
	next   int // the replica of the next request when not pinned
	pinned int // -1: alternate A, B, A, …; else the index of the replica
	served []string
}

var replicaNames = [2]string{"A", "B"}

func newReplicaSet(t *testing.T, target modeltest.Target) *replicaSet {
	t.Helper()
	redisAddr := testRedisAddr(t)
	dbCfg := modeltest.NewDBConfig(t, target)
	var dbs [2]*gorm.DB
	for i := range dbs {
		db, err := model.Open(dbCfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if sqlDB, err := db.DB(); err == nil {
				sqlDB.Close()
			}
		})
		if i == 0 { // `seminareval migrate`, once, before the replicas start
			if err := model.Migrate(context.Background(), db); err != nil {
				t.Fatal(err)
			}
		}
		dbs[i] = db
	}
	s, simURL := newSim(t, sim.Config{AppID: "wxlb" + strings.ToLower(rand.Text()[:10])})
	t.Cleanup(func() { // the token and its lock, keyed by this run's app id
		rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
		defer rdb.Close()
		ctx := context.Background()
		if keys, err := rdb.Keys(ctx, "*"+s.Config().AppID+"*").Result(); err == nil && len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
	})
	rs := &replicaSet{t: t, db: dbs[0], sim: s, pinned: -1}
	rs.proxy = httptest.NewUnstartedServer(nil)
	base := "http://" + rs.proxy.Listener.Addr().String()
	same := []appOption{withSim(s, simURL), func(c *service.Config) { c.Server.BaseURL = base; c.Redis.Addr = redisAddr }}
	rs.a = &wechatApp{testApp: newTestApp(t, dbs[0], same...), sim: s, simURL: simURL}
	rs.b = &wechatApp{testApp: newTestApp(t, dbs[1], same...), sim: s, simURL: simURL}
	rs.b.now = rs.a.now // one clock: reports carry the time they were made
	rs.a.fastPasswords()
	rs.b.fastPasswords()

	var backends [2]*httputil.ReverseProxy
	for i, app := range []*testApp{rs.a.testApp, rs.b.testApp} {
		p := httputil.NewSingleHostReverseProxy(mustURL(t, app.ts.URL))
		name := replicaNames[i]
		p.ModifyResponse = func(r *http.Response) error { r.Header.Set("X-Replica", name); return nil }
		backends[i] = p
	}
	rs.proxy.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.mu.Lock()
		i := rs.pinned
		if i < 0 {
			i = rs.next % 2
			rs.next++
		}
		rs.served = append(rs.served, replicaNames[i])
		rs.mu.Unlock()
		backends[i].ServeHTTP(w, r)
	})
	rs.proxy.Start()
	t.Cleanup(rs.proxy.Close)

	front := *rs.a.testApp
	front.ts = rs.proxy
	front.client = front.newClient()
	rs.front = &wechatApp{testApp: &front, sim: s, simURL: simURL}
	return rs
}

// alternate makes the proxy send the next request to A, then B, then A….
func (rs *replicaSet) alternate() {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.pinned, rs.next = -1, 0
}

// pin sends every request to one replica (0: A, 1: B) until alternate.
func (rs *replicaSet) pin(i int) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.pinned = i
}

// servedSince returns the replicas that answered the requests since mark
// (a value of mark()).
func (rs *replicaSet) servedSince(mark int) []string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return slices.Clone(rs.served[mark:])
}

func (rs *replicaSet) mark() int {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return len(rs.served)
}

func (rs *replicaSet) wantServed(mark int, want ...string) {
	rs.t.Helper()
	if got := rs.servedSince(mark); !slices.Equal(got, want) {
		rs.t.Fatalf("requests served by %v, want %v", got, want)
	}
}

// Everything a user does works whichever replica answers: console sessions
// and login throttling, participant submissions and the respondent cookie,
// WeChat OAuth, callbacks (deduplicated), reminders and reports. Each step
// notes which replica the proxy sent each request to.
func TestReplicasBehindALoadBalancer(t *testing.T) {
	for _, target := range modeltest.Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			rs := newReplicaSet(t, target)
			ctx := context.Background()
			front := rs.front

			// Both replicas are healthy and ready behind the proxy.
			rs.alternate()
			m := rs.mark()
			for _, p := range []string{"/healthz", "/healthz", "/readyz", "/readyz"} {
				if r := front.get(p); r.Code != http.StatusOK {
					t.Fatalf("%s: %d", p, r.Code)
				}
			}
			rs.wantServed(m, "A", "B", "A", "B")

			// ---- Console sessions ----------------------------------------
			const pw = "correct horse battery staple"
			if _, err := rs.a.srv.users.Create(ctx, "lb-staff", model.RoleStaff, pw); err != nil {
				t.Fatal(err)
			}
			staff := front.newClient()
			rs.alternate()
			m = rs.mark()
			if r := front.consoleLogin(staff, "lb-staff", pw); r.Code != http.StatusSeeOther {
				t.Fatalf("login through the proxy: %d", r.Code)
			}
			for i := range 4 {
				if r := front.getAs(staff, "/admin/"); r.Code != http.StatusOK || !strings.Contains(r.Body, "lb-staff") {
					t.Fatalf("console request %d after login: %d, want the signed-in home page", i+1, r.Code)
				}
			}
			rs.wantServed(m, "A", "B", "A", "B", "A")
			// Logout on B ends the session on A and B.
			m = rs.mark()
			if r := front.postForm(staff, "/admin/logout", url.Values{}); r.Code != http.StatusSeeOther {
				t.Fatalf("logout: %d", r.Code)
			}
			for range 2 {
				if r := front.getAs(staff, "/admin/"); !toLogin(r) {
					t.Fatalf("after logout: %d %s, want the login page", r.Code, r.Header.Get("Location"))
				}
			}
			rs.wantServed(m, "B", "A", "B")
			front.consoleLogin(staff, "lb-staff", pw) // signed in again for the reminders

			// ---- Participant submissions ---------------------------------
			q := rs.a.demo()
			// A shows the page and sets the respondent cookie.
			rs.pin(0)
			m = rs.mark()
			if r := front.get("/s/" + q.Slug); r.Code != http.StatusOK || cookieNamed(r, cookieRespondent) == nil {
				t.Fatalf("page on A: %d, want the form and a respondent cookie", r.Code)
			}
			rs.alternate()
			first := front.postJSON("/s/"+q.Slug, submission("lb-sub-0001", fullDemoAnswers()))
			retry := front.postJSON("/s/"+q.Slug, submission("lb-sub-0001", fullDemoAnswers()))
			if first.Code != http.StatusCreated || retry.Code != http.StatusOK || first.JSON(t)["response_id"] != retry.JSON(t)["response_id"] {
				t.Fatalf("same submission to A then B: %d %s / %d %s, want 201 then 200 with the same response_id", first.Code, first.Body, retry.Code, retry.Body)
			}
			rs.wantServed(m, "A", "A", "B")
			if n := rs.a.count(&model.Response{}, "submission_id = ?", "lb-sub-0001"); n != 1 {
				t.Fatalf("%d responses for one submission sent to two replicas, want 1", n)
			}
			// The respondent cookie A set is honoured by B.
			rs.pin(1)
			if r := front.postJSON("/s/"+q.Slug, submission("lb-sub-0002", fullDemoAnswers())); r.Code != http.StatusConflict {
				t.Fatalf("second submission of the respondent, on B: %d %s, want 409", r.Code, r.Body)
			}
			if n := rs.a.count(&model.Response{}, "questionnaire_id = ?", q.ID); n != 1 {
				t.Fatalf("%d responses, want 1", n)
			}

			// ---- WeChat OAuth: redirect by A, callback on B, page and answer on A
			openid := rs.sim.OpenID("lb-phone")
			ph := newPhone(t, front, openid)
			page := front.ts.URL + "/s/" + q.Slug + "?lang=en"
			m = rs.mark()
			rs.pin(0)
			redirect := ph.get(page)
			loc := redirect.Header.Get("Location")
			if redirect.StatusCode != http.StatusFound || !strings.HasPrefix(loc, front.simURL+"/connect/oauth2/authorize?") {
				t.Fatalf("page in WeChat on A: %d %s, want the OAuth redirect", redirect.StatusCode, loc)
			}
			back := mustURL(t, ph.get(strings.TrimSuffix(loc, "#wechat_redirect")).Header.Get("Location"))
			if back.Host != mustURL(t, front.ts.URL).Host || back.Path != "/wechat/oauth/callback" {
				t.Fatalf("the platform sent the phone to %s, want the load balancer's callback", back)
			}
			rs.pin(1)
			cb := ph.get(back.String())
			if cb.StatusCode != http.StatusFound || cb.Header.Get("Location") != "/s/"+q.Slug+"?lang=en" {
				t.Fatalf("OAuth callback on B: %d %s, want back to the page", cb.StatusCode, cb.Header.Get("Location"))
			}
			rs.pin(0)
			if status, body := ph.body(page); status != http.StatusOK || !strings.Contains(body, `name="submission_id"`) {
				t.Fatalf("page on A after B's callback: %d, want the form", status)
			}
			if r := front.postFormAs(ph, "/s/"+q.Slug+"?lang=en", demoForm("lb-oauth-0001")); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("answer on A: %d", r.StatusCode)
			}
			rs.wantServed(m, "A", "B", "A", "A")
			var wx model.Response
			if err := rs.db.Where("submission_id = ?", "lb-oauth-0001").Take(&wx).Error; err != nil {
				t.Fatal(err)
			}
			if wx.OpenID == nil || *wx.OpenID != openid || wx.Channel != model.ChannelWeChat {
				t.Fatalf("WeChat answer stored with openid %v channel %s, want %s and wechat", wx.OpenID, wx.Channel, openid)
			}

			// ---- Callbacks: one push delivered to A and to B -------------
			now := time.Now().Unix()
			for _, ev := range []sim.Event{
				{FromUserName: rs.sim.OpenID("lb-cb1"), MsgType: "text", Content: "问卷", MsgID: 7700000000001, CreateTime: now},
				{FromUserName: rs.sim.OpenID("lb-cb2"), MsgType: "event", Event: "SCAN", EventKey: "q_" + q.Slug, CreateTime: now},
			} {
				before := rs.a.events()
				rs.alternate()
				m = rs.mark()
				var replies []*sim.Reply
				for range 2 {
					rep, err := rs.sim.Push(ctx, front.callbackURL(), ev, sim.ModeAES)
					if err != nil {
						t.Fatalf("%s push: %v", ev.MsgType, err)
					}
					replies = append(replies, rep)
				}
				rs.wantServed(m, "A", "B")
				if want := front.ts.URL + "/s/" + q.Slug + "?lang=zh"; replies[0].ArticleURL() != want || !bytes.Equal(replies[0].Plaintext, replies[1].Plaintext) {
					t.Errorf("%s: A answered %s, B answered %s; want the same card linking %s", ev.MsgType, replies[0].Plaintext, replies[1].Plaintext, want)
				}
				if got := rs.a.events() - before; got != 1 {
					t.Errorf("%s: %d wechat_events rows for one push delivered to A and B, want 1", ev.MsgType, got)
				}
			}

			// ---- Reminders: sent from A, seen on B, not delivered again by B
			tokens := rs.a.reportRoster(q, "China", "Europe")
			remindees := []string{rs.sim.OpenID("lb-r0"), rs.sim.OpenID("lb-r1")}
			for i, o := range remindees {
				if err := rs.db.Model(&model.Participant{}).Where("invite_token = ?", tokens[i]).Update("openid", o).Error; err != nil {
					t.Fatal(err)
				}
			}
			boardPath := "/admin/questionnaires/" + itoa(q.ID) + "/board"
			rs.pin(0)
			if r := front.postForm(staff, "/admin/questionnaires/"+itoa(q.ID)+"/reminders", url.Values{}); r.Code != http.StatusSeeOther || r.Header.Get("Location") != boardPath+"?failed=0&sent=2&unreachable=0" {
				t.Fatalf("reminders from A: %d %s", r.Code, r.Header.Get("Location"))
			}
			if sent := rs.sim.SentTemplates(); len(sent) != 2 {
				t.Fatalf("%d template messages after A's reminders, want 2", len(sent))
			}
			rs.pin(1)
			board := front.getAs(staff, boardPath)
			table := between(board.Body, `id="reminders"`, "</table>")
			if board.Code != http.StatusOK || !strings.Contains(table, "<td>P0</td>") || !strings.Contains(table, "<td>P1</td>") || strings.Count(table, "<td>lb-staff</td>") != 2 {
				t.Fatalf("B's board: %d, want A's two reminders\n%s", board.Code, table)
			}
			// B sends again within the hour: the platform gets the same
			// client_msg_id per participant and delivers nothing new.
			if r := front.postForm(staff, "/admin/questionnaires/"+itoa(q.ID)+"/reminders", url.Values{}); r.Code != http.StatusSeeOther {
				t.Fatalf("reminders from B: %d", r.Code)
			}
			sent := rs.sim.SentTemplates()
			for _, o := range remindees {
				n := 0
				for _, s := range sent {
					if s.ToUser == o {
						n++
					}
				}
				if n != 1 {
					t.Errorf("participant %s got %d reminders from A then B, want 1", o, n)
				}
			}
			// One access token between the two replicas (shared in Redis).
			if n := rs.sim.TokenFetches(); n != 1 {
				t.Errorf("access token fetched %d times by the two replicas, want 1", n)
			}

			// ---- Reports: the same bytes and cells from A and from B -----
			_, token := rs.a.reportUser("lb-chief", model.RoleAdmin)
			var summaries, annexes []string
			for i := range 2 {
				rs.pin(i)
				m = rs.mark()
				s := front.get(fmt.Sprintf("/api/v1/questionnaires/%d/summary", q.ID), bearer(token)...)
				x := front.get(fmt.Sprintf("/api/v1/questionnaires/%d/report.xlsx", q.ID), bearer(token)...)
				if s.Code != http.StatusOK || x.Code != http.StatusOK {
					t.Fatalf("reports from %s: %d %d", replicaNames[i], s.Code, x.Code)
				}
				rs.wantServed(m, replicaNames[i], replicaNames[i])
				summaries = append(summaries, s.Body)
				annexes = append(annexes, x.Body)
			}
			if summaries[0] != summaries[1] {
				t.Errorf("summary JSON differs between replicas:\nA %s\nB %s", summaries[0], summaries[1])
			}
			if !strings.Contains(summaries[0], `"respondents":2`) {
				t.Errorf("summary does not count the two answers (web and WeChat): %s", summaries[0])
			}
			if a, b := workbookCells(t, annexes[0]), workbookCells(t, annexes[1]); !slices.Equal(a, b) || len(a) == 0 {
				t.Errorf("annex cells differ between replicas (%d and %d cells)", len(a), len(b))
			}

			// ---- Login throttling counts failures on A and on B together -
			if _, err := rs.a.srv.users.Create(ctx, "lb-zhou", model.RoleStaff, pw); err != nil {
				t.Fatal(err)
			}
			rs.alternate()
			m = rs.mark()
			for i := range account.UserFailureLimit {
				if r := front.consoleLogin(front.newClient(), "lb-zhou", "not the password"); r.Code != http.StatusUnauthorized {
					t.Fatalf("failure %d: %d", i+1, r.Code)
				}
			}
			if got := rs.servedSince(m); !slices.Contains(got, "A") || !slices.Contains(got, "B") {
				t.Fatalf("failures served by %v, want both replicas", got)
			}
			if r := front.consoleLogin(front.newClient(), "lb-zhou", pw); r.Code != http.StatusTooManyRequests {
				t.Fatalf("right password after %d failures spread over A and B: %d, want 429", account.UserFailureLimit, r.Code)
			}
		})
	}
}

// workbookCells lists every cell of a workbook as "sheet!A1=value".
func workbookCells(t *testing.T, data string) []string {
	t.Helper()
	f, err := excelize.OpenReader(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cells []string
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			for c, v := range row {
				name, _ := excelize.CoordinatesToCellName(c+1, r+1)
				cells = append(cells, sheet+"!"+name+"="+v)
			}
		}
	}
	return cells
}
