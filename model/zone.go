package model

import "time"

// DefaultTimezone is the time zone of a seminar that names none (and of a
// questionnaire without a seminar): the seminars this serves are in China.
const DefaultTimezone = "Asia/Shanghai"

// Zone is the one rule for the time zone in which a seminar's times are
// entered and shown — schedules, reports, boards, pages, retention: the
// seminar's zone; DefaultTimezone when there is no seminar (s is nil), it
// names none, or names one this system does not know. (Location is the
// seminar's place.)
func (s *Seminar) Zone() *time.Location {
	if s != nil && s.Timezone != "" {
		if loc, err := time.LoadLocation(s.Timezone); err == nil {
			return loc
		}
	}
	return DefaultZone()
}

// DefaultZone is DefaultTimezone, or its fixed offset where the system has
// no time-zone database.
func DefaultZone() *time.Location {
	if loc, err := time.LoadLocation(DefaultTimezone); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}
