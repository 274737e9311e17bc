package handler

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/service"
	"seminareval/service/definition"
	"seminareval/service/wire"
	"seminareval/templates"
)

// testApp is the real router on a real HTTP server over a fresh database.
type testApp struct {
	t      *testing.T
	db     *gorm.DB
	srv    *Server
	ts     *httptest.Server
	client *http.Client // keeps cookies, does not follow redirects
	cfg    service.Config
	now    time.Time // the clock the server sees; tests may move it
}

type appOption func(*service.Config)

func newTestApp(t *testing.T, db *gorm.DB, opts ...appOption) *testApp {
	t.Helper()
	cfg := service.DefaultConfig()
	cfg.Demo.Enabled = false
	for _, o := range opts {
		o(&cfg)
	}
	a := &testApp{t: t, db: db, cfg: cfg, now: time.Now().UTC()}
	a.ts = httptest.NewUnstartedServer(nil)
	if cfg.Server.BaseURL == service.DefaultConfig().Server.BaseURL {
		a.cfg.Server.BaseURL = "http://" + a.ts.Listener.Addr().String()
	}
	if a.cfg.Server.SecretsKey == "" {
		a.cfg.Server.SecretsKey = testSecretsKey
	}
	sealer, err := service.NewSealer(a.cfg.Server)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := service.EnsureSecret(context.Background(), db, "", sealer)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	a.srv, err = New(context.Background(), withServices(t, Deps{Config: a.cfg, DB: db, Log: log, Secret: secret, Now: func() time.Time { return a.now }}, sealer))
	if err != nil {
		t.Fatal(err)
	}
	a.ts.Config.Handler = a.srv.Handler()
	a.ts.Start()
	t.Cleanup(a.ts.Close)
	a.client = a.newClient()
	return a
}

// newClient returns a fresh browser: its own cookie jar, no redirects followed.
func (a *testApp) newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// importDefinition loads a definition file (a path under the repository or an
// embedded definitions/ name) and returns the loaded questionnaire.
func (a *testApp) importDefinition(path string, edit ...func(*definition.Definition)) *service.Loaded {
	a.t.Helper()
	var data []byte
	var err error
	if rest, ok := strings.CutPrefix(path, "definitions/"); ok {
		data, err = templates.Definitions.ReadFile("definitions/" + rest)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		a.t.Fatal(err)
	}
	def, err := definition.ParseDefinition(data)
	if err != nil {
		a.t.Fatal(err)
	}
	for _, e := range edit {
		e(def)
	}
	q, err := a.srv.questionnaires.Import(context.Background(), def)
	if err != nil {
		a.t.Fatal(err)
	}
	l, err := a.srv.questionnaires.Load(context.Background(), q.ID)
	if err != nil {
		a.t.Fatal(err)
	}
	return l
}

// demo imports the demo questionnaire.
func (a *testApp) demo(edit ...func(*definition.Definition)) *service.Loaded {
	return a.importDefinition("definitions/sanya-2018-evaluation.yaml", edit...)
}

type response struct {
	Code   int
	Header http.Header
	Body   string
}

func (r response) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
		t.Fatalf("response is not JSON (%d): %v\n%s", r.Code, err, r.Body)
	}
	return m
}

func (a *testApp) do(c *http.Client, method, path, contentType string, body io.Reader, headers ...string) response {
	a.t.Helper()
	req, err := http.NewRequest(method, a.ts.URL+path, body)
	if err != nil {
		a.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if c == nil {
		c = a.client
	}
	res, err := c.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Code: res.StatusCode, Header: res.Header, Body: string(b)}
}

func (a *testApp) get(path string, headers ...string) response {
	a.t.Helper()
	return a.do(nil, http.MethodGet, path, "", nil, headers...)
}

func (a *testApp) postJSON(path string, body any, headers ...string) response {
	a.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	return a.do(nil, http.MethodPost, path, "application/json", r, headers...)
}

func (a *testApp) postForm(c *http.Client, path string, form url.Values, headers ...string) response {
	a.t.Helper()
	return a.do(c, http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), headers...)
}

// count returns the number of rows of a model, optionally filtered.
func (a *testApp) count(m any, where ...any) int64 {
	a.t.Helper()
	var n int64
	q := a.db.Model(m)
	if len(where) > 0 {
		q = q.Where(where[0], where[1:]...)
	}
	if err := q.Count(&n).Error; err != nil {
		a.t.Fatal(err)
	}
	return n
}

// fullDemoAnswers is a valid, complete answer set for the demo questionnaire.
func fullDemoAnswers() map[string]any {
	return map[string]any{
		"knowledge_improved": 5, "participation_encouraged": 5, "useful_relevant": 4,
		"cooperation_facilitated": 5, "speakers_quality": 4, "organisation_good": "na", "apply_learning": 3,
		"workplace": "police", "topics_useful": []string{"identification", "legal"},
		"overall": 5, "recommend": 9, "comments": "很好的研讨会 👍 <b>bold</b>",
	}
}

func submission(id string, answers map[string]any) map[string]any {
	return map[string]any{"submission_id": id, "lang": "en", "answers": answers}
}

var _ = model.Response{}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// testSecretsKey seals the secrets of every test app's settings, as
// server.secrets_key would in production.
const testSecretsKey = "c2VtaW5hcmV2YWwtdGVzdC1rZXktMzItYnl0ZXMhISE="

// withServices builds d's services as cmd does (wire.New), closed
// when the test ends.
func withServices(tb testing.TB, d Deps, sealer *service.Sealer) Deps {
	tb.Helper()
	d.Services = wire.New(wire.Deps{DB: d.DB, Config: d.Config, Secret: d.Secret, Sealer: sealer, Log: d.Log, Now: d.Now})
	tb.Cleanup(d.Services.Close)
	return d
}
