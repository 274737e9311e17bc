package main

// Subcommands whose issues are still open. Each moves to its own file
// (users.go, report.go, wechat.go) when it is built.

import (
	"context"
	"errors"
)

var errNotYet = errors.New("not available yet in this build")

func runReport(ctx context.Context, e env) error { return errNotYet }
