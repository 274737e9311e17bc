package handler

import (
	"context"

	"github.com/gin-gonic/gin"
)

// registerAdmin adds the admin routes. (Owned by the admin work; empty until then.)
func (s *Server) registerAdmin(ctx context.Context, r *gin.Engine) error {
	return nil
}
