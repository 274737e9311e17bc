package handler

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gorm.io/gorm"

	"seminareval/model/modeltest"
)

var ginParamRe = regexp.MustCompile(`:([A-Za-z_]+)`)

// TestOpenAPIMatchesRoutes walks the gin routes under /api/v1 and the
// served OpenAPI document: a route missing from the document, or a
// documented operation with no route, fails. Operations marked x-pending
// (contract routes not built yet) must not have a route.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		w := a.get("/api/v1/openapi.json")
		if w.Code != http.StatusOK || !strings.HasPrefix(w.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("openapi.json: %d %s", w.Code, w.Header.Get("Content-Type"))
		}
		// A path item holds operations (objects) and "parameters" (a list).
		var doc struct {
			OpenAPI string                    `json:"openapi"`
			Paths   map[string]map[string]any `json:"paths"`
		}
		if err := json.Unmarshal([]byte(w.Body), &doc); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(doc.OpenAPI, "3.") {
			t.Fatalf("openapi version %q", doc.OpenAPI)
		}
		documented, pending := map[string]bool{}, map[string]bool{}
		for p, item := range doc.Paths {
			for method, v := range item {
				op, isOp := v.(map[string]any)
				if !isOp || method == "parameters" {
					continue
				}
				key := strings.ToUpper(method) + " " + p
				if op["x-pending"] == true {
					pending[key] = true
				} else {
					documented[key] = true
				}
			}
		}
		routed := map[string]bool{}
		for _, r := range a.srv.engine.Routes() {
			if !strings.HasPrefix(r.Path, "/api/v1/") {
				continue
			}
			routed[r.Method+" "+ginParamRe.ReplaceAllString(r.Path, "{$1}")] = true
		}
		var problems []string
		for k := range routed {
			switch {
			case pending[k]:
				problems = append(problems, k+": the route exists now, drop x-pending in handler/openapi.yaml")
			case !documented[k]:
				problems = append(problems, k+": route missing from handler/openapi.yaml")
			}
		}
		for k := range documented {
			if !routed[k] {
				problems = append(problems, k+": documented in handler/openapi.yaml but no such route")
			}
		}
		sort.Strings(problems)
		if len(problems) > 0 {
			t.Fatalf("OpenAPI document and routes disagree:\n%s", strings.Join(problems, "\n"))
		}
		if len(documented) < 6 {
			t.Fatalf("only %d operations documented: %v", len(documented), documented)
		}
	})
}
