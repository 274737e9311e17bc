package handler

import (
	"context"

	"github.com/gin-gonic/gin"
)

// registerWeChat adds the wechat routes. (Owned by the wechat work; empty until then.)
func (s *Server) registerWeChat(ctx context.Context, r *gin.Engine) error {
	return nil
}
