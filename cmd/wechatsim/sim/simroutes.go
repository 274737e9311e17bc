package sim

import (
	"context"
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The /sim/… endpoints are not part of the platform. They let browser
// tests pick the identity of the simulated phone, and let shell scripts,
// demos and tests in other languages read the simulator's state and drive
// pushes against a running `wechatsim serve`.

func (s *Simulator) registerSimRoutes(mux *http.ServeMux) {
	mux.HandleFunc("/sim/{$}", s.handleSimIndex)
	mux.HandleFunc("/sim/stats", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, s.Stats()) })
	mux.HandleFunc("/sim/templates", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"templates": s.SentTemplates()})
	})
	mux.HandleFunc("/sim/qrcodes", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"qrcodes": s.QRCodes()})
	})
	mux.HandleFunc("/sim/menu", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"menu": s.Menu()})
	})
	mux.HandleFunc("/sim/login", s.handleSimLogin)
	mux.HandleFunc("/sim/logout", s.handleSimLogout)
	mux.HandleFunc("/sim/whoami", func(w http.ResponseWriter, r *http.Request) {
		id := s.currentOpenID(r)
		s.mu.Lock()
		snap := s.snapshot[id]
		s.mu.Unlock()
		writeJSON(w, map[string]any{"openid": id, "snapshot": snap, "follower": s.IsFollower(id)})
	})
	// State-changing helpers are POST-only so that a crawler or a
	// prefetching browser cannot reset a demo.
	mux.HandleFunc("POST /sim/reset", func(w http.ResponseWriter, r *http.Request) {
		s.Reset()
		writeErr(w, 0, "ok")
	})
	mux.HandleFunc("POST /sim/expire-tokens", func(w http.ResponseWriter, r *http.Request) {
		s.ExpireAccessTokens()
		writeErr(w, 0, "ok")
	})
	mux.HandleFunc("POST /sim/fail-template", func(w http.ResponseWriter, r *http.Request) {
		code, err := strconv.Atoi(r.FormValue("errcode"))
		if err != nil || r.FormValue("openid") == "" {
			http.Error(w, "want openid= and errcode= (0 clears)", http.StatusBadRequest)
			return
		}
		s.FailTemplateFor(r.FormValue("openid"), code)
		writeErr(w, 0, "ok")
	})
	mux.HandleFunc("POST /sim/push", s.handleSimPush)
}

// handleSimLogin selects the simulated phone's identity with a cookie on
// the simulator's origin, then redirects to next. snapshot=1 also marks
// the openid as a snapshot-page user; any other value clears that mark,
// so each login states the identity completely.
func (s *Simulator) handleSimLogin(w http.ResponseWriter, r *http.Request) {
	openid := r.FormValue("openid")
	if openid == "" {
		openid = s.DefaultOpenID()
	}
	if !validOpenID(openid) {
		http.Error(w, "openid must be 1-64 characters of [A-Za-z0-9_-]", http.StatusBadRequest)
		return
	}
	snapshot := r.FormValue("snapshot") == "1" || r.FormValue("snapshot") == "true"
	s.SetSnapshotUser(openid, snapshot)
	http.SetCookie(w, &http.Cookie{Name: IdentityCookie, Value: openid, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: 86400 * 30})
	s.redirectNext(w, r, map[string]any{"openid": openid, "snapshot": snapshot})
}

func (s *Simulator) handleSimLogout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: IdentityCookie, Value: "", Path: "/", MaxAge: -1})
	s.redirectNext(w, r, map[string]any{"openid": s.DefaultOpenID(), "snapshot": false})
}

// redirectNext goes to ?next= when it is an http(s) URL or a local path,
// and otherwise answers with body as JSON.
func (s *Simulator) redirectNext(w http.ResponseWriter, r *http.Request, body any) {
	next := r.FormValue("next")
	if next != "" {
		u, err := url.Parse(next)
		local := err == nil && u.Scheme == "" && u.Host == "" && strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//")
		remote := err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
		if !local && !remote {
			http.Error(w, "next must be an http(s) URL or a path", http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, next, http.StatusFound)
		return
	}
	writeJSON(w, body)
}

// pushRequest is the body of POST /sim/push.
type pushRequest struct {
	Callback string `json:"callback"`
	Mode     string `json:"mode"`
	Event    Event  `json:"event"`
	// Scene with an openid in Event.FromUserName builds the scan event;
	// Follower picks SCAN over subscribe.
	Scene     string `json:"scene"`
	Follower  bool   `json:"follower"`
	Attempts  int    `json:"attempts"`
	Always    bool   `json:"always"`
	Identical bool   `json:"identical"`
	TimeoutMS int    `json:"timeout_ms"`
}

// ReplyView is the JSON form of a Reply used by /sim/push and the CLI's
// --json output: bodies as strings and the error as text.
type ReplyView struct {
	Attempt    int           `json:"attempt"`
	Status     int           `json:"status"`
	DurationMS float64       `json:"duration_ms"`
	TimedOut   bool          `json:"timed_out,omitempty"`
	Encrypted  bool          `json:"encrypted,omitempty"`
	Empty      bool          `json:"empty,omitempty"`
	Body       string        `json:"body"`
	Plaintext  string        `json:"plaintext,omitempty"`
	Message    *ReplyMessage `json:"message,omitempty"`
	ArticleURL string        `json:"article_url,omitempty"`
	Error      string        `json:"error,omitempty"`
	Sent       SentRequest   `json:"sent"`
}

// View converts r for JSON output.
func (r *Reply) View() ReplyView {
	v := ReplyView{Attempt: r.Attempt, Status: r.Status, DurationMS: float64(r.Duration.Microseconds()) / 1000,
		TimedOut: r.TimedOut, Encrypted: r.Encrypted, Empty: r.Empty, Body: string(r.Body),
		Message: r.Message, ArticleURL: r.ArticleURL(), Sent: r.Sent}
	if r.Encrypted {
		v.Plaintext = string(r.Plaintext)
	}
	if r.Err != nil {
		v.Error = r.Err.Error()
	}
	return v
}

func (s *Simulator) handleSimPush(w http.ResponseWriter, r *http.Request) {
	var req pushRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil {
		http.Error(w, "bad JSON: "+err.Error(), http.StatusBadRequest)
		return
	}
	mode, err := ParseMode(req.Mode)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ev := req.Event
	if ev.FromUserName == "" {
		ev.FromUserName = s.currentOpenID(r)
	}
	if req.Scene != "" {
		ev = s.ScanEvent(ev.FromUserName, req.Scene, req.Follower)
	}
	// The push outlives nothing but this request: the caller waits for it.
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	replies, err := s.PushWithRetries(ctx, req.Callback, ev, mode, RetryOptions{Attempts: max(req.Attempts, 1),
		Always: req.Always, Identical: req.Identical, Timeout: time.Duration(req.TimeoutMS) * time.Millisecond})
	out := map[string]any{"replies": []ReplyView{}}
	views := make([]ReplyView, 0, len(replies))
	for _, rep := range replies {
		if rep != nil {
			views = append(views, rep.View())
		}
	}
	out["replies"] = views
	if err != nil {
		out["error"] = err.Error()
	}
	writeJSON(w, out)
}

var indexTmpl = template.Must(template.New("index").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>wechatsim</title>
<style>body{font:15px/1.4 system-ui,sans-serif;max-width:52em;margin:1em auto;padding:0 1em}
code{background:#eee;padding:0 .2em}img{width:160px;border:1px solid #ccc}td{vertical-align:top;padding:.2em .5em}</style>
</head><body>
<h1>wechatsim</h1>
<p>Simulating app id <code>{{.AppID}}</code> (account <code>{{.OriginalID}}</code>).</p>
<h2>Phone identity</h2>
<p>OAuth codes are issued for <code>{{.OpenID}}</code>{{if .Snapshot}} (snapshot user){{end}}.</p>
<form action="/sim/login" method="get">
<input name="openid" value="{{.OpenID}}" size="32">
<label><input type="checkbox" name="snapshot" value="1"> snapshot user</label>
<input type="hidden" name="next" value="/sim/">
<button>Use this identity</button></form>
<h2>QR codes ({{len .QRCodes}})</h2>
<table>{{range .QRCodes}}<tr><td><img src="{{.ImagePath}}" alt="QR"></td>
<td>scene <code>{{.Scene}}</code><br>{{.ActionName}}<br>{{.URL}}</td></tr>{{end}}</table>
<h2>State</h2>
<ul><li><a href="/sim/stats">/sim/stats</a> — counters</li>
<li><a href="/sim/templates">/sim/templates</a> — {{.Templates}} template message(s) sent</li>
<li><a href="/sim/menu">/sim/menu</a> — current menu</li>
<li><a href="/sim/qrcodes">/sim/qrcodes</a> — QR codes as JSON</li></ul>
</body></html>`))

func (s *Simulator) handleSimIndex(w http.ResponseWriter, r *http.Request) {
	id := s.currentOpenID(r)
	s.mu.Lock()
	snap, ntpl := s.snapshot[id], len(s.templates)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = indexTmpl.Execute(w, map[string]any{"AppID": s.cfg.AppID, "OriginalID": s.cfg.OriginalID,
		"OpenID": id, "Snapshot": snap, "QRCodes": s.QRCodes(), "Templates": ntpl})
}
