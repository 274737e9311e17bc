package handler

import (
	"context"

	"github.com/gin-gonic/gin"

	"seminareval/model"
)

// registerAPI adds the /api/v1 routes for scripts (bearer tokens). Every
// route here is listed in handler/openapi.yaml; TestOpenAPIMatchesRoutes
// fails when the two disagree.
func (s *Server) registerAPI(ctx context.Context, r *gin.Engine) error {
	if err := s.registerRosterAPI(r); err != nil {
		return err
	}
	doc, err := loadOpenAPI()
	if err != nil {
		return err
	}
	api := r.Group("/api/v1")
	// The document describes the contract, not data: public, so a client can
	// be generated before anyone has a token.
	api.GET("/openapi.json", func(c *gin.Context) { c.Data(200, "application/json; charset=utf-8", doc) })

	h := &apiQuestionnaires{Server: s}
	manage := api.Group("/questionnaires", s.requireAPI(model.RoleAdmin, model.RoleStaff))
	manage.POST("", h.create)
	manage.GET("/:id", h.show)
	manage.PUT("/:id", h.replace)
	manage.POST("/:id/publish", h.publish)
	manage.POST("/:id/close", h.close)
	return nil
}
