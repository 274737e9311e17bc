package handler

import (
	"context"

	"github.com/gin-gonic/gin"
)

// registerAPI adds the api routes. (Owned by the api work; empty until then.)
func (s *Server) registerAPI(ctx context.Context, r *gin.Engine) error {
	return nil
}
