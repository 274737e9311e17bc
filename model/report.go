package model

import "time"

// ReportTally caches the answer counts of a questionnaire's settled
// responses (those with id ≤ UpToResponseID), so that a summary of 100,000
// responses adds the counts of the few responses since, instead of grouping
// millions of answer rows on every request. Responses are never changed or
// deleted once stored, which is what makes adding the new ones to the old
// counts exact; Responses (how many were counted) detects it if that ever
// stops being true, and the tally is then rebuilt.
type ReportTally struct {
	QuestionnaireID uint64    `gorm:"primaryKey;autoIncrement:false"`
	UpToResponseID  uint64    `gorm:"not null"`
	Responses       int64     `gorm:"not null"`
	Data            string    `gorm:"type:mediumtext;not null"` // JSON, written and read by service/report/report_tally.go
	UpdatedAt       time.Time `gorm:"not null"`
}

// NotShown records a question that skip logic hid from a respondent: its
// condition (or its section's) was false given their earlier answers. The
// summary counts these apart, so that "missing" is only those who saw a
// question and left it (not_shown; missing = in view − n − na − not_shown).
// A question never hidden has no rows here; answers stay answers.
type NotShown struct {
	ResponseID      uint64 `gorm:"primaryKey;autoIncrement:false"`
	QuestionID      uint64 `gorm:"primaryKey;autoIncrement:false;index:ix_not_shown_report,priority:2"`
	QuestionnaireID uint64 `gorm:"not null;index:ix_not_shown_report,priority:1"`
}

// TableName is "not_shown".
func (NotShown) TableName() string { return "not_shown" }

// Asset is a small file staff upload for the service to show, such as the
// official account's own QR code on the poster (key "wechat.account_qr").
type Asset struct {
	Key         string    `gorm:"primaryKey;size:64"`
	ContentType string    `gorm:"size:64;not null"`
	Data        []byte    `gorm:"type:mediumblob;not null"`
	UpdatedAt   time.Time `gorm:"not null"`
}

// Answered records who has answered an anonymous questionnaire, apart from
// the answers: the keyed hash of the respondent (participant or openid),
// with nothing that links it to a response — no response id, no time, no
// insertion order (the rows are kept in key order: a MySQL primary key, a
// SQLite WITHOUT ROWID table). The response itself carries a random
// respondent hash, so a dump of the database names no author.
type Answered struct {
	QuestionnaireID uint64 `gorm:"primaryKey;autoIncrement:false"`
	Who             string `gorm:"primaryKey;size:64"`
}

// TableName is "answered".
func (Answered) TableName() string { return "answered" }
