package main

// Subcommands whose issues are still open. Each moves to its own file
// (users.go, report.go, wechat.go) when it is built.

import (
	"context"
	"errors"
	"log/slog"

	"gorm.io/gorm"
)

var errNotYet = errors.New("not available yet in this build")

func runUser(ctx context.Context, e env) error   { return errNotYet }
func runToken(ctx context.Context, e env) error  { return errNotYet }
func runReport(ctx context.Context, e env) error { return errNotYet }
func runWeChat(ctx context.Context, e env) error { return errNotYet }

func bootstrapAdmin(ctx context.Context, db *gorm.DB, log *slog.Logger, e env) error { return nil }
