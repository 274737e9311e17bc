package handler

import (
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// requestLog logs one line per request: method, route, status, duration.
// Bodies are never logged (they hold answers and personal data).
func (s *Server) requestLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		status := c.Writer.Status()
		level := slog.LevelInfo
		switch {
		case status >= 500:
			level = slog.LevelError
		case c.Request.URL.Path == "/healthz" || c.Request.URL.Path == "/readyz" || c.Request.URL.Path == "/metrics" || strings.HasPrefix(c.Request.URL.Path, "/static/"):
			level = slog.LevelDebug
		}
		attrs := []any{"method", c.Request.Method, "route", c.FullPath(), "path", c.Request.URL.Path,
			"status", status, "duration_ms", float64(time.Since(start).Microseconds()) / 1000}
		if !participantPath(c.Request.URL.Path) {
			// A participant's address is never logged: beside the time of
			// the request it would tie the answer stored then to a person.
			attrs = append(attrs, "ip", c.ClientIP())
		}
		s.log.Log(c.Request.Context(), level, "request", attrs...)
	}
}

// participantPath tells the participants' routes: the questionnaire pages
// and WeChat's callbacks.
func participantPath(p string) bool {
	return strings.HasPrefix(p, "/s/") || strings.HasPrefix(p, "/wechat/")
}

// recovery turns a panic into a logged 500 instead of a dropped connection.
func (s *Server) recovery() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if rec := recover(); rec != nil {
				if err, ok := rec.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(rec)
				}
				s.log.Error("panic", "panic", rec, "path", c.Request.URL.Path, "stack", string(debug.Stack()))
				if !c.Writer.Written() {
					c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "internal"})
				}
			}
		}()
		c.Next()
	}
}

// staticFiles serves the embedded assets with long caching: every link to
// them carries ?v=<version>, so a new release changes the URL.
func (s *Server) staticFiles(fsys fs.FS) gin.HandlerFunc {
	fileServer := http.FileServerFS(fsys)
	return func(c *gin.Context) {
		p := path.Clean(c.Param("path"))
		if _, err := fs.Stat(fsys, strings.TrimPrefix(p, "/")); err != nil || p == "/" {
			c.Status(http.StatusNotFound)
			return
		}
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
		c.Header("X-Content-Type-Options", "nosniff")
		req := c.Request.Clone(c.Request.Context())
		req.URL.Path = p
		fileServer.ServeHTTP(c.Writer, req)
	}
}

// metrics are the Prometheus collectors of the HTTP layer.
type metrics struct {
	registry  *prometheus.Registry
	requests  *prometheus.CounterVec
	durations *prometheus.HistogramVec
	Submits   *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seminareval_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"method", "route", "status"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "seminareval_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		Submits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seminareval_submissions_total", Help: "Submissions by outcome.",
		}, []string{"outcome"}),
	}
	m.registry.MustRegister(m.requests, m.durations, m.Submits,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		m.requests.WithLabelValues(c.Request.Method, route, strconv.Itoa(c.Writer.Status())).Inc()
		m.durations.WithLabelValues(c.Request.Method, route).Observe(time.Since(start).Seconds())
	}
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
