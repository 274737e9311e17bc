package handler

// Fuzz targets that go through the real router: the JSON and form submit
// (POST /s/{slug}) and the WeChat callback (plain and AES). Whatever the
// input, the answer must be one of the contract's statuses and the service
// must log no error (an error log is how an internal failure shows, even
// when the client still gets a polite answer). `go test` replays the seeds
// and testdata/fuzz/<FuzzName>/; to search, e.g.
//
//	go test -run XXX -fuzz FuzzSubmitJSON -fuzztime 60s ./handler/

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"seminareval/cmd/wechatsim/sim"
	"seminareval/model/modeltest"
	"seminareval/service"
	"seminareval/service/definition"
	"seminareval/service/wechat"
	"seminareval/templates"
)

// errorLog keeps the error-level records the service logs.
type errorLog struct {
	mu   sync.Mutex
	recs []string
}

func (l *errorLog) Enabled(_ context.Context, level slog.Level) bool { return level >= slog.LevelError }
func (l *errorLog) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	l.mu.Lock()
	l.recs = append(l.recs, b.String())
	l.mu.Unlock()
	return nil
}
func (l *errorLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *errorLog) WithGroup(string) slog.Handler      { return l }

// take returns and clears the records.
func (l *errorLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.recs
	l.recs = nil
	return r
}

// fuzzApp is the service on SQLite with WeChat on (against an in-process
// wechatsim) and the demo questionnaire, shared by all inputs of a target.
type fuzzApp struct {
	url    string
	slug   string
	wx     sim.Config
	errors *errorLog
	client *http.Client
}

func newFuzzApp(tb testing.TB) *fuzzApp {
	tb.Helper()
	db := modeltest.Open(tb, modeltest.Target{Name: "sqlite", Driver: "sqlite"})
	s := sim.New(sim.Config{AppID: "wxfuzz" + strings.ToLower(rand.Text()[:10])})
	simTS := httptest.NewServer(s.Handler())
	tb.Cleanup(simTS.Close)
	sc := s.Config()
	cfg := service.DefaultConfig()
	cfg.Demo.Enabled = false
	cfg.WeChat = service.WeChatConfig{Enabled: true, AppID: sc.AppID, AppSecret: sc.AppSecret, Token: sc.Token,
		EncodingAESKey: sc.EncodingAESKey, APIBaseURL: simTS.URL, OpenBaseURL: simTS.URL, MPBaseURL: simTS.URL}
	ts := httptest.NewUnstartedServer(nil)
	cfg.Server.BaseURL = "http://" + ts.Listener.Addr().String()
	ctx := context.Background()
	secret, err := service.EnsureSecret(ctx, db, "", nil)
	if err != nil {
		tb.Fatal(err)
	}
	errs := &errorLog{}
	srv, err := New(ctx, withServices(tb, Deps{Config: cfg, DB: db, Log: slog.New(errs), Secret: secret}, nil))
	if err != nil {
		tb.Fatal(err)
	}
	ts.Config.Handler = srv.Handler()
	ts.Start()
	tb.Cleanup(ts.Close)
	def, err := definition.ParseDefinition(mustRead(tb, "definitions/sanya-2018-evaluation.yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := srv.questionnaires.Import(ctx, def); err != nil {
		tb.Fatal(err)
	}
	return &fuzzApp{url: ts.URL, slug: def.Slug, wx: sc, errors: errs, client: &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := templates.Definitions.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func (a *fuzzApp) post(t *testing.T, path, contentType string, body []byte) (int, []byte) {
	t.Helper()
	res, err := a.client.Post(a.url+path, contentType, strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}

func (a *fuzzApp) noErrorsLogged(t *testing.T, input any) {
	t.Helper()
	if recs := a.errors.take(); len(recs) > 0 {
		t.Fatalf("the service logged errors for input %q:\n%s", input, strings.Join(recs, "\n"))
	}
}

func FuzzSubmitJSON(f *testing.F) {
	app := newFuzzApp(f)
	full := mustJSON(submission("fuzz-seed-0001", fullDemoAnswers()))
	f.Add([]byte(full))
	f.Add([]byte(`{"submission_id":"fuzz-seed-0002","lang":"zh","answers":{"knowledge_improved":6}}`))
	f.Add([]byte(`{"submission_id":"bad id!","answers":{}}`))
	f.Add([]byte(`{"submission_id":12,"answers":[]}`))
	f.Add([]byte(`{"submission_id":"fuzz-seed-0003","lang":"xx","answers":{"comments":"\ud800\udc00","topics_useful":[1,2]}}`))
	f.Add([]byte(`{"answers":null}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"submission_id":"fuzz-seed-0004","answers":{"recommend":1e400}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		status, out := app.post(t, "/s/"+app.slug, "application/json", body)
		switch status {
		case http.StatusCreated, http.StatusOK, http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		default:
			t.Fatalf("status %d for %q: %s", status, body, out)
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("answer is not a JSON object (%d): %s", status, out)
		}
		if _, ok := m["status"]; !ok {
			if _, ok := m["error"]; !ok {
				t.Fatalf("answer has neither status nor error: %s", out)
			}
		}
		app.noErrorsLogged(t, body)
	})
}

func FuzzSubmitForm(f *testing.F) {
	app := newFuzzApp(f)
	form := demoForm("fuzz-form-0001")
	form.Set("lang", "zh")
	f.Add(form.Encode())
	f.Add("submission_id=short&q.knowledge_improved=9&q.overall=x")
	f.Add("submission_id=fuzz-form-0002&q.topics_useful=legal&q.topics_useful=legal&q.comments=%ff")
	f.Add("%zz=1&t=&lang=fr")
	f.Fuzz(func(t *testing.T, body string) {
		status, out := app.post(t, "/s/"+app.slug, "application/x-www-form-urlencoded", []byte(body))
		switch status {
		case http.StatusSeeOther, http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		default:
			t.Fatalf("status %d for %q: %.300s", status, body, out)
		}
		app.noErrorsLogged(t, body)
	})
}

// FuzzWeChatCallback pushes arbitrary message bodies with valid
// signatures, in plain mode and encrypted (safe mode), so that everything
// after the signature check is reached.
func FuzzWeChatCallback(f *testing.F) {
	app := newFuzzApp(f)
	for _, ev := range []sim.Event{
		{ToUserName: "gh_fuzz", FromUserName: "o_fuzz1", CreateTime: 1, MsgType: sim.MsgTypeEvent, Event: sim.EventSubscribe, EventKey: "qrscene_q_" + app.slug, Ticket: "t"},
		{ToUserName: "gh_fuzz", FromUserName: "o_fuzz2", CreateTime: 2, MsgType: sim.MsgTypeEvent, Event: sim.EventScan, EventKey: "q_nope"},
		{ToUserName: "gh_fuzz", FromUserName: "o_fuzz3", CreateTime: 3, MsgType: sim.MsgTypeEvent, Event: sim.EventClick, EventKey: "EVALUATE"},
		{ToUserName: "gh_fuzz", FromUserName: "o_fuzz4", CreateTime: 4, MsgType: sim.MsgTypeText, Content: "问卷 ]]> <b>", MsgID: 42},
	} {
		f.Add([]byte(ev.XML()), false)
		f.Add([]byte(ev.XML()), true)
	}
	f.Add([]byte("<xml><MsgType>event</MsgType><Event>SCAN</Event><EventKey>qid_99999999999999999999</EventKey></xml>"), false)
	f.Add([]byte("<xml><FromUserName>unterminated"), false)
	f.Add([]byte("not xml"), true)
	f.Fuzz(func(t *testing.T, body []byte, encrypted bool) {
		ts, nonce := strconv.FormatInt(time.Now().Unix(), 10), "4242"
		q := url.Values{"timestamp": {ts}, "nonce": {nonce}, "signature": {sim.Signature(app.wx.Token, ts, nonce)}}
		payload := body
		if encrypted {
			enc, err := wechat.EncryptMessage(app.wx.EncodingAESKey, app.wx.AppID, []byte("0123456789abcdef"), body)
			if err != nil {
				t.Fatal(err)
			}
			q.Set("encrypt_type", "aes")
			q.Set("msg_signature", sim.Signature(app.wx.Token, ts, nonce, enc))
			payload = []byte("<xml><ToUserName><![CDATA[gh_fuzz]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>")
		}
		status, out := app.post(t, "/wechat/callback?"+q.Encode(), "text/xml", payload)
		switch {
		case !encrypted && app.wx.EncodingAESKey != "":
			// The account has a key: plaintext pushes are refused.
			if status != http.StatusForbidden || string(out) != "success" {
				t.Fatalf("plaintext push with a key: %d %s", status, out)
			}
			return
		case status == http.StatusOK, status == http.StatusBadRequest, status == http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d for %q (encrypted %v): %s", status, body, encrypted, out)
		}
		if status == http.StatusOK && string(out) != "success" && string(out) != "" {
			var reply struct {
				XMLName xml.Name
			}
			if err := xml.Unmarshal(out, &reply); err != nil {
				t.Fatalf("reply is not XML: %v\n%s", err, out)
			}
		}
		app.noErrorsLogged(t, body)
	})
}
