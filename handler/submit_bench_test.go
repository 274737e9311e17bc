package handler

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service"
	"seminareval/service/definition"
	"seminareval/templates"
)

// BenchmarkSubmitJSON measures the submit path (router, JSON decoding,
// validation, respondent resolution, one transaction storing the response
// and its 13 answer rows) on SQLite, and on MySQL when TEST_MYSQL_DSN is
// set. Every iteration is a new participant: its own submission_id and
// respondent cookie. Run it with
//
//	go test ./handler/ -run '^$' -bench BenchmarkSubmitJSON -benchtime 2000x
//
// "clients-16" runs 16 concurrent submitters, the load of DESIGN's budget.
func BenchmarkSubmitJSON(b *testing.B) {
	for _, target := range modeltest.Targets(b) {
		b.Run(target.Name, func(b *testing.B) {
			srv, slug := benchServer(b, target)
			body := func() []byte {
				j, _ := json.Marshal(map[string]any{"submission_id": uuid.NewString(), "lang": "zh", "answers": fullDemoAnswers()})
				return j
			}
			submit := func() error {
				req := httptest.NewRequest(http.MethodPost, "/s/"+slug, bytes.NewReader(body()))
				req.Header.Set("Content-Type", "application/json")
				req.AddCookie(&http.Cookie{Name: cookieRespondent, Value: uuid.NewString()})
				w := httptest.NewRecorder()
				srv.Handler().ServeHTTP(w, req)
				if w.Code != http.StatusCreated {
					return fmt.Errorf("submit: %d %s", w.Code, w.Body)
				}
				return nil
			}
			var stored atomic.Int64
			b.Run("clients-1", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := submit(); err != nil {
						b.Fatal(err)
					}
				}
				stored.Add(int64(b.N))
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "submits/s")
			})
			b.Run("clients-16", func(b *testing.B) {
				b.ReportAllocs()
				b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0))) // 16 goroutines in all
				var n atomic.Int64
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := submit(); err != nil {
							b.Error(err)
							return
						}
						n.Add(1)
					}
				})
				stored.Add(n.Load())
				b.ReportMetric(float64(n.Load())/b.Elapsed().Seconds(), "submits/s")
			})
			// Every 201 stored exactly one response.
			var count int64
			srv.db.Model(&model.Response{}).Count(&count)
			if count != stored.Load() {
				b.Fatalf("responses stored = %d, want %d", count, stored.Load())
			}
		})
	}
}

// benchServer is the real router over a fresh database with the demo open.
func benchServer(b *testing.B, target modeltest.Target) (*Server, string) {
	b.Helper()
	db := modeltest.Open(b, target)
	cfg := service.DefaultConfig()
	cfg.Demo.Enabled = false
	ctx := context.Background()
	secret, err := service.EnsureSecret(ctx, db, "", nil)
	if err != nil {
		b.Fatal(err)
	}
	srv, err := New(ctx, withServices(b, Deps{Config: cfg, DB: db, Secret: secret}, nil))
	if err != nil {
		b.Fatal(err)
	}
	src, err := templates.Definitions.ReadFile("definitions/sanya-2018-evaluation.yaml")
	if err != nil {
		b.Fatal(err)
	}
	def, err := definition.ParseDefinition(src)
	if err != nil {
		b.Fatal(err)
	}
	q, err := srv.Questionnaires().Import(ctx, def)
	if err != nil {
		b.Fatal(err)
	}
	return srv, q.Slug
}
