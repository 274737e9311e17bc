package service

import (
	"time"

	"gorm.io/gorm"
)

// Rosters imports and exports seminar rosters.
type Rosters struct {
	db  *gorm.DB
	now func() time.Time
}

// NewRosters returns the roster service.
func NewRosters(db *gorm.DB, now func() time.Time) *Rosters {
	if now == nil {
		now = time.Now
	}
	return &Rosters{db: db, now: now}
}
