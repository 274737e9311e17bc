package handler

import (
	"context"

	"github.com/gin-gonic/gin"
)

// registerReports adds the report routes. (Owned by the report work; empty until then.)
func (s *Server) registerReports(ctx context.Context, r *gin.Engine) error {
	return nil
}
