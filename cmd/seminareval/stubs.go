package main

// Subcommands whose issues are still open. Each moves to its own file
// (users.go, report.go, wechat.go) when it is built.

import (
	"errors"
)

var errNotYet = errors.New("not available yet in this build")
