package model

import "time"

// LoginFailure is one failed console login. Throttling counts these rows
// (per user name and per client IP) instead of an in-process counter, so
// that replicas behind a load balancer share the count.
type LoginFailure struct {
	ID  uint64    `gorm:"primaryKey"`
	Key string    `gorm:"size:191;not null;index:ix_login_failure_key,priority:1"` // "user:<name>|<addr>" or "ip:<addr>"
	At  time.Time `gorm:"not null;index:ix_login_failure_key,priority:2;index"`
}
