package handler

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"seminareval/model/modeltest"
)

// participantPageBudget is DESIGN's budget for the participant page: the
// page and everything it loads, as transferred (headers included).
const participantPageBudget = 60 << 10

var (
	assetRefRe = regexp.MustCompile(`(?i)<(?:link|script|img|source|iframe|embed|video|audio)\b[^>]*?\s(?:href|src|srcset)\s*=\s*["']([^"']+)["']`)
	cssURLRe   = regexp.MustCompile(`(?i)url\(\s*["']?([^"')]+)["']?\s*\)|@import\s+["']([^"']+)["']`)
	anyURLRe   = regexp.MustCompile(`(?i)(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}[/:"'\s]`)
)

// transferred is what a response costs on the wire: status line, headers
// and the body as sent (compressed when the server compressed it).
func transferred(res *http.Response, body []byte) int {
	n := len(res.Proto) + len(res.Status) + 4
	for k, vs := range res.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n + 2 + len(body)
}

func TestParticipantPageStaysWithinBudget(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db)
	q := a.demo()
	origin, _ := url.Parse(a.ts.URL)
	for _, lang := range []string{"zh", "en"} {
		t.Run(lang, func(t *testing.T) {
			// A phone's browser: asks for compression and fetches what the
			// page references, plus the favicon it always tries.
			fetch := func(ref string) (*http.Response, []byte) {
				t.Helper()
				u, err := origin.Parse(ref)
				if err != nil {
					t.Fatalf("reference %q: %v", ref, err)
				}
				if u.Scheme != origin.Scheme || u.Host != origin.Host {
					t.Fatalf("the page loads %s from another origin: participants in China may not reach it, and the budget forbids third-party requests", ref)
				}
				req, _ := http.NewRequest(http.MethodGet, u.String(), nil)
				req.Header.Set("Accept-Encoding", "gzip") // set by hand, so the transport leaves the body as sent
				req.Header.Set("User-Agent", wechatUserAgent)
				req.Header.Set("Accept-Language", map[string]string{"zh": "zh-CN,zh;q=0.9", "en": "en-GB,en;q=0.9"}[lang])
				res, err := a.newClient().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				body, err := io.ReadAll(res.Body)
				if err != nil {
					t.Fatal(err)
				}
				if res.StatusCode >= 400 {
					t.Fatalf("%s: %d", ref, res.StatusCode)
				}
				return res, body
			}

			page, html := fetch("/s/" + q.Slug + "?lang=" + lang)
			if page.StatusCode != http.StatusOK || !strings.Contains(page.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("page: %d %s", page.StatusCode, page.Header.Get("Content-Type"))
			}
			htmlText := string(html)
			if page.Header.Get("Content-Encoding") == "gzip" {
				htmlText = gunzip(t, html)
			}
			total := transferred(page, html)
			report := []string{fmt.Sprintf("page %d", total)}
			refs := []string{"/favicon.ico"}
			for _, m := range assetRefRe.FindAllStringSubmatch(htmlText, -1) {
				refs = append(refs, m[1])
			}
			if len(refs) < 3 {
				t.Fatalf("found only %v in the page: the reference pattern is broken", refs)
			}
			seen := map[string]bool{}
			for i := 0; i < len(refs); i++ {
				ref := refs[i]
				if seen[ref] {
					continue
				}
				seen[ref] = true
				res, body := fetch(ref)
				n := transferred(res, body)
				total += n
				report = append(report, fmt.Sprintf("%s %d (%s)", ref, n, res.Header.Get("Content-Encoding")))
				text := string(body)
				if res.Header.Get("Content-Encoding") == "gzip" {
					text = gunzip(t, body)
				}
				if strings.Contains(res.Header.Get("Content-Type"), "css") {
					for _, m := range cssURLRe.FindAllStringSubmatch(text, -1) {
						if r := m[1] + m[2]; !strings.HasPrefix(r, "data:") {
							refs = append(refs, r)
						}
					}
				}
				if u := anyURLRe.FindString(text); u != "" && !strings.HasPrefix(res.Header.Get("Content-Type"), "image/") {
					t.Errorf("%s refers to another host: %s", ref, u)
				}
			}
			if u := anyURLRe.FindString(htmlText); u != "" {
				t.Errorf("the page refers to another host: %s", u)
			}
			t.Logf("transferred %d bytes of %d: %s", total, participantPageBudget, strings.Join(report, ", "))
			if total > participantPageBudget {
				t.Errorf("the participant page transfers %d bytes, over the budget of %d: %s", total, participantPageBudget, strings.Join(report, ", "))
			}
		})
	}
}

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return string(out)
}
