package handler

import (
	"context"

	"github.com/gin-gonic/gin"

	"seminareval/model"
)

// reportRoles may see reports: admin and staff all of them, organisers those
// of their seminars (checked per questionnaire with canSeeSeminar).
var reportRoles = []string{model.RoleAdmin, model.RoleStaff, model.RoleOrganiser}

// registerReports adds the dashboard and downloads to the console and the
// summary, annex and CSV to the API (README, "Reports"; handler/openapi.yaml).
func (s *Server) registerReports(ctx context.Context, r *gin.Engine) error {
	h := &reportHandler{Server: s, reports: s.reports, exports: make(chan struct{}, max(s.cfg.Server.MaxExports, 1))}

	console := r.Group("/admin/questionnaires/:id", s.requireConsole(reportRoles...), consoleNoStore)
	console.GET("/report", h.dashboard)
	console.GET("/report.xlsx", h.annex)
	console.GET("/responses.csv", h.responsesCSV)

	api := r.Group("/api/v1/questionnaires/:id", s.requireAPI(reportRoles...))
	api.GET("/summary", h.summary)
	api.GET("/report.xlsx", h.annex)
	api.GET("/responses.csv", h.responsesCSV)
	return nil
}
