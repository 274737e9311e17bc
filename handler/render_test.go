package handler

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"seminareval/model/modeltest"
)

// A page whose template fails halfway answers 500 with a short text in both
// languages, not the first half of the page with the status the handler
// meant.
func TestRenderAnswers500WhenATemplateFails(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
		// message.html reads fields that a plain map lacks: execution fails after
		// the head of the page has been written.
		a.srv.render(c, http.StatusOK, "message.html", struct{ Lang string }{"en"})
		body := w.Body.String()
		if w.Code != http.StatusInternalServerError || strings.Contains(body, "<html") || !strings.Contains(body, "页面无法显示") ||
			!strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
			t.Fatalf("%d %q %q", w.Code, w.Header().Get("Content-Type"), body)
		}
		// The same page with its data renders whole.
		w = httptest.NewRecorder()
		c, _ = gin.CreateTestContext(w)
		c.Request = httptest.NewRequest(http.MethodGet, "/nowhere", nil)
		a.srv.notFound(c)
		if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "</html>") {
			t.Fatalf("not found page: %d %q", w.Code, w.Body.String())
		}
	})
}
