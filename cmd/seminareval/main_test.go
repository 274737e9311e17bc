package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service/servicetest"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// dbEnv returns the environment that points the binary at target's fresh database.
func dbEnv(t *testing.T, target modeltest.Target) []string {
	cfg := modeltest.NewDBConfig(t, target)
	return []string{"SEMINAREVAL_DATABASE_DRIVER=" + cfg.Driver, "SEMINAREVAL_DATABASE_DSN=" + cfg.DSN,
		"SEMINAREVAL_SERVER_SECRETS_KEY_FILE=" + filepath.Join(t.TempDir(), "seminareval.key")}
}

// TestServeSeedsDemoAndShutsDownGracefully runs the binary's serve command
// in-process as `go run ./cmd/seminareval` would: no config file, the demo
// seeded, the link logged, probes answering, and a clean stop on cancel.
func TestServeSeedsDemoAndShutsDownGracefully(t *testing.T) {
	for _, target := range modeltest.Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			t.Chdir(t.TempDir()) // no config.yaml here: defaults only
			addr := freeAddr(t)
			environ := append(dbEnv(t, target), "SEMINAREVAL_SERVER_ADDR="+addr, "SEMINAREVAL_SERVER_BASE_URL=http://"+addr,
				"SEMINAREVAL_LOG_FORMAT=json", "SEMINAREVAL_ADMIN_PASSWORD=correct-horse-battery-staple")
			if target.Driver == "mysql" {
				var out bytes.Buffer
				if err := run(context.Background(), []string{"migrate"}, nil, &out, io.Discard, environ); err != nil {
					t.Fatalf("migrate: %v", err)
				}
				if !strings.Contains(out.String(), "migrated mysql") {
					t.Fatalf("migrate said %q", out.String())
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			logs := &servicetest.SyncBuffer{}
			done := make(chan error, 1)
			go func() { done <- run(ctx, nil, strings.NewReader(""), io.Discard, logs, environ) }()

			base := "http://" + addr
			var res *http.Response
			var err error
			deadline := time.Now().Add(2 * time.Minute) // start-up hashes the first admin's password: slow under -race
			for time.Now().Before(deadline) {
				if res, err = http.Get(base + "/readyz"); err == nil {
					break
				}
				select {
				case err := <-done:
					t.Fatalf("serve stopped before it was ready: %v\n%s", err, logs)
				case <-time.After(50 * time.Millisecond): // waiting for the listener, not for timing
				}
			}
			if err != nil {
				t.Fatalf("service did not come up: %v\n%s", err, logs)
			}
			res.Body.Close()
			page, err := http.Get(base + "/s/sanya-2018-evaluation?lang=en")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(page.Body)
			page.Body.Close()
			if page.StatusCode != 200 || !strings.Contains(string(body), "My knowledge of the specific topics covered was improved.") {
				t.Fatalf("demo page: %d", page.StatusCode)
			}
			for slug, title := range map[string]string{"sanya-2018-pretest": "Knowledge test before the seminar", "sanya-2018-posttest": "Knowledge test after the seminar"} {
				res, err := http.Get(base + "/s/" + slug + "?lang=en")
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != 200 || !strings.Contains(string(b), title) {
					t.Errorf("demo test %s: %d, want its page", slug, res.StatusCode)
				}
			}
			if !strings.Contains(logs.String(), `"url":"`+base+`/s/sanya-2018-evaluation"`) {
				t.Fatalf("the log does not say where to point a browser:\n%s", logs)
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("serve returned %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("serve did not shut down")
			}
			if !strings.Contains(logs.String(), "shutting down") {
				t.Fatalf("no shutdown log:\n%s", logs)
			}
		})
	}
}

func TestImportCommand(t *testing.T) {
	for _, target := range modeltest.Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			dir := t.TempDir()
			environ := append(dbEnv(t, target), "SEMINAREVAL_DATABASE_AUTO_MIGRATE=true", "SEMINAREVAL_DEMO_ENABLED=false")
			bad := filepath.Join(dir, "bad.yaml")
			os.WriteFile(bad, []byte("slug: ok-slug\ntitle: {en: T, zh: 题}\nsections:\n  - questions:\n      - {key: role, type: single, text: {en: Role, zh: 角色}}\n"), 0o644)
			var stderr bytes.Buffer
			err := run(context.Background(), []string{"import", bad}, nil, io.Discard, &stderr, environ)
			if err == nil || !strings.Contains(stderr.String(), "sections[0].questions[0].options: at least two options are required for single") {
				t.Fatalf("bad import: err=%v stderr=%s", err, stderr.String())
			}
			demo, _ := filepath.Abs("../../templates/definitions/sanya-2018-evaluation.yaml")
			var out bytes.Buffer
			if err := run(context.Background(), []string{"import", demo}, nil, &out, io.Discard, environ); err != nil {
				t.Fatalf("import demo: %v", err)
			}
			if !strings.Contains(out.String(), `"sanya-2018-evaluation" (open)`) {
				t.Fatalf("import said %q", out.String())
			}
			// Importing the same slug again is refused, not duplicated.
			if err := run(context.Background(), []string{"import", demo}, nil, io.Discard, io.Discard, environ); err == nil {
				t.Fatal("second import of the same slug succeeded")
			}
			cfg := model.DBConfig{}
			for _, kv := range environ {
				if v, ok := strings.CutPrefix(kv, "SEMINAREVAL_DATABASE_DSN="); ok {
					cfg.DSN = v
				}
			}
			cfg.Driver = target.Driver
			db, err := model.Open(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			var n, qn int64
			db.Model(&model.Questionnaire{}).Count(&n)
			db.Model(&model.Question{}).Count(&qn)
			if n != 1 || qn != 12 {
				t.Fatalf("questionnaires=%d questions=%d, want 1 and 12", n, qn)
			}
			sqlDB, _ := db.DB()
			sqlDB.Close()
		})
	}
}

func TestUnknownCommandAndBadConfig(t *testing.T) {
	if err := run(context.Background(), []string{"frobnicate"}, nil, io.Discard, io.Discard, nil); err == nil {
		t.Fatal("unknown command accepted")
	}
	err := run(context.Background(), []string{"migrate"}, nil, io.Discard, io.Discard, []string{"SEMINAREVAL_DATABASE_DRIVER=oracle"})
	if err == nil || !strings.Contains(err.Error(), `database.driver "oracle"`) {
		t.Fatalf("bad driver: %v", err)
	}
	err = run(context.Background(), []string{"serve", "-config", "/nonexistent/config.yaml"}, nil, io.Discard, io.Discard, nil)
	if err == nil {
		t.Fatal("a missing explicit config file was accepted")
	}
}
