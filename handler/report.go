package handler

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"seminareval/model"
	"seminareval/service/report"
)

// reportHandler serves the evaluation summary, the dashboard and the
// downloads of a questionnaire.
type reportHandler struct {
	*Server
	reports *report.Reports
	exports chan struct{} // a slot per download being built (server.max_exports)
}

// exportSlot takes a download slot, or answers 429 with Retry-After when
// server.max_exports downloads are being built: a burst of annexes must
// not take the memory and the database from the submissions. The caller
// releases the slot with the returned function.
func (h *reportHandler) exportSlot(c *gin.Context) (func(), bool) {
	select {
	case h.exports <- struct{}{}:
		return func() { <-h.exports }, true
	default:
	}
	c.Header("Retry-After", "10")
	if isAPI(c) {
		c.JSON(http.StatusTooManyRequests, gin.H{"error": "busy", "retry_after_seconds": 10})
	} else {
		h.consoleMessage(c, http.StatusTooManyRequests, "err.busy_title", "err.busy_body")
	}
	return nil, false
}

// isAPI tells the API routes from the console's: they answer errors in JSON.
func isAPI(c *gin.Context) bool { return strings.HasPrefix(c.FullPath(), "/api/") }

// allowed parses :id and checks that the current user may see the
// questionnaire's seminar, answering the request itself when not: 404 for a
// bad or unknown id, 403 for an organiser of another seminar.
func (h *reportHandler) allowed(c *gin.Context) (*model.Questionnaire, bool) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil || id == 0 {
		h.reportFail(c, model.ErrNotFound)
		return nil, false
	}
	q, err := h.questionnaires.ByID(c.Request.Context(), id)
	if err != nil {
		h.reportFail(c, err)
		return nil, false
	}
	if !h.canSeeSeminar(c, q.SeminarID) {
		if isAPI(c) {
			c.JSON(http.StatusForbidden, gin.H{"error": "forbidden"})
		} else {
			h.consoleMessage(c, http.StatusForbidden, "err.forbidden_title", "err.forbidden_body")
		}
		return nil, false
	}
	return q, true
}

// reportFail is the one place report errors become HTTP answers.
func (h *reportHandler) reportFail(c *gin.Context, err error) {
	api := isAPI(c)
	status, code, known := statusOf(err)
	switch {
	case known && api:
		body := gin.H{"error": code}
		if code == "bad_filter" {
			body["message"] = err.Error() // which filter, as the client wrote it
		}
		c.JSON(status, body)
	case code == "bad_filter":
		h.consoleMessage(c, status, "err.bad_request_title", "report.bad_filter", err.Error())
	case known:
		h.consoleFail(c, err)
	default:
		h.log.Error("report", "path", c.Request.URL.Path, "err", err)
		if c.Writer.Written() {
			return // a download already under way: nothing sensible to add
		}
		if api {
			c.JSON(http.StatusInternalServerError, gin.H{"error": "internal"})
			return
		}
		h.consoleMessage(c, http.StatusInternalServerError, "err.internal_title", "err.internal_body")
	}
}

// countsWanted reports ?figures=counts: the narrative with counts ("15 of
// the 18 respondents") instead of percentages.
func countsWanted(c *gin.Context) bool { return c.Query("figures") == "counts" }

// summary answers GET /api/v1/questionnaires/:id/summary[?group=…&q.key=value].
func (h *reportHandler) summary(c *gin.Context) {
	q, ok := h.allowed(c)
	if !ok {
		return
	}
	s, err := h.reports.Summary(c.Request.Context(), q.ID, report.FilterFromQuery(c.Request.URL.Query()))
	if err != nil {
		h.reportFail(c, err)
		return
	}
	if countsWanted(c) {
		s.UseCounts()
	}
	c.JSON(http.StatusOK, s)
}

// annex streams the Excel annex; ?lang=zh writes its labels in Chinese.
func (h *reportHandler) annex(c *gin.Context) {
	q, ok := h.allowed(c)
	if !ok {
		return
	}
	lang := c.Query("lang")
	if lang == "" && !isAPI(c) {
		lang = h.consoleLang(c)
	}
	release, ok := h.exportSlot(c)
	if !ok {
		return
	}
	defer release()
	h.audit(c, "report.download", questionnaireObject(q.ID), "xlsx "+q.Slug)
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Header("Content-Disposition", `attachment; filename="`+report.AnnexFileName(q.Slug, h.now())+`"`)
	if err := h.reports.WriteAnnex(c.Request.Context(), q.ID, c.Writer, report.AnnexOptions{Lang: lang, Counts: countsWanted(c)}); err != nil {
		h.downloadFail(c, err)
	}
}

// responsesCSV streams the raw responses as CSV (UTF-8 with BOM).
func (h *reportHandler) responsesCSV(c *gin.Context) {
	q, ok := h.allowed(c)
	if !ok {
		return
	}
	release, ok := h.exportSlot(c)
	if !ok {
		return
	}
	defer release()
	h.audit(c, "report.download", questionnaireObject(q.ID), "csv "+q.Slug)
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+report.CSVFileName(q.Slug, h.now())+`"`)
	if err := h.reports.WriteCSV(c.Request.Context(), q.ID, c.Writer); err != nil {
		h.downloadFail(c, err)
	}
}

// downloadFail answers a failed download: an error page or JSON when
// nothing was sent yet (without the attachment headers), else only the log.
func (h *reportHandler) downloadFail(c *gin.Context, err error) {
	if !c.Writer.Written() {
		c.Writer.Header().Del("Content-Type")
		c.Writer.Header().Del("Content-Disposition")
	}
	h.reportFail(c, err)
}

// dashboard renders the console's report page.
func (h *reportHandler) dashboard(c *gin.Context) {
	q, ok := h.allowed(c)
	if !ok {
		return
	}
	d, err := h.reports.Dashboard(c.Request.Context(), q.ID, report.FilterFromQuery(c.Request.URL.Query()))
	if err != nil {
		h.reportFail(c, err)
		return
	}
	counts := countsWanted(c)
	if counts {
		d.Summary.UseCounts()
	}
	page := newReportPage(h.consoleBase(c, "report.title", "questionnaires"), d, counts)
	// The other way of stating figures, keeping the filter.
	query := c.Request.URL.Query()
	if counts {
		query.Del("figures")
	} else {
		query.Set("figures", "counts")
	}
	page.FiguresURL = "?" + query.Encode()
	h.render(c, http.StatusOK, "admin_report.html", page)
}
