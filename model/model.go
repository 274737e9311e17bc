// Package model holds the GORM models, the queries on them, the sentinel
// errors that the service layer maps to user-facing outcomes, and the
// database set-up (SQLite by default, MySQL in production).
package model

import (
	"time"

	"gorm.io/gorm"
)

// Seminar is the event a questionnaire evaluates. Titles and locations are
// bilingual JSON objects ({"en": "...", "zh": "..."}).
type Seminar struct {
	ID       uint64 `gorm:"primaryKey"`
	Slug     string `gorm:"size:64;uniqueIndex;not null"`
	Title    Text   `gorm:"type:text"`
	Location Text   `gorm:"type:text"`
	StartsOn string `gorm:"size:10"` // YYYY-MM-DD in the seminar's time zone
	EndsOn   string `gorm:"size:10"`
	Timezone string `gorm:"size:64;not null;default:Asia/Shanghai"`
	// RetentionDays is how many days after the seminar its personal data is
	// kept (nil: privacy.retention_days); PurgedAt is when it was purged.
	RetentionDays *int       `gorm:"column:retention_days"`
	PurgedAt      *time.Time `gorm:"column:purged_at"`
	CreatedAt     time.Time  `gorm:"not null"`
	UpdatedAt     time.Time  `gorm:"not null"`
}

// Participant is one entry of a seminar's roster.
type Participant struct {
	ID           uint64  `gorm:"primaryKey"`
	SeminarID    uint64  `gorm:"not null;uniqueIndex:ux_participant_openid,priority:1;index"`
	Name         string  `gorm:"size:200;not null"`
	Organisation string  `gorm:"size:200"`
	Country      string  `gorm:"size:100"`
	Group        string  `gorm:"column:grp;size:100;index"`
	Email        string  `gorm:"size:200"`
	Phone        string  `gorm:"size:50"`
	InviteToken  string  `gorm:"size:64;uniqueIndex;not null"`
	OpenID       *string `gorm:"column:openid;size:64;uniqueIndex:ux_participant_openid,priority:2"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Questionnaire statuses.
const (
	StatusDraft  = "draft"
	StatusOpen   = "open"
	StatusClosed = "closed"
)

// Access modes.
const (
	AccessOpen   = "open"
	AccessRoster = "roster"
)

// Questionnaire is a published or draft questionnaire. Definition holds the
// whole interchange document (JSON) as the source of truth for rendering and
// export; the Question rows mirror its structure so that answers can refer to
// questions and reports can aggregate in SQL.
type Questionnaire struct {
	ID         uint64     `gorm:"primaryKey"`
	SeminarID  *uint64    `gorm:"index"`
	Slug       string     `gorm:"size:64;uniqueIndex;not null"`
	Title      Text       `gorm:"type:text"`
	Status     string     `gorm:"size:16;not null;default:draft"`
	Access     string     `gorm:"size:16;not null;default:open"`
	Anonymous  bool       `gorm:"not null;default:false"`
	OpensAt    *time.Time `gorm:""`
	ClosesAt   *time.Time `gorm:""`
	Definition string     `gorm:"type:mediumtext"` // canonical JSON of the definition
	// Revision grows with every update (BeforeUpdate), so a replica holding a
	// cached copy can tell, inside its INSERT, that the copy is still current.
	Revision  int64     `gorm:"not null;default:1"`
	CreatedAt time.Time `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null"`

	Seminar   *Seminar   `gorm:"foreignKey:SeminarID"`
	Questions []Question `gorm:"foreignKey:QuestionnaireID"`
}

// BeforeUpdate bumps Revision on every update of a questionnaire, whichever
// code path (Updates with a map, Update of one column) makes it.
func (q *Questionnaire) BeforeUpdate(tx *gorm.DB) error {
	tx.Statement.SetColumn("revision", gorm.Expr("revision + 1"))
	return nil
}

// Question types.
const (
	TypeLikert   = "likert"
	TypeSingle   = "single"
	TypeMulti    = "multi"
	TypeRating   = "rating"
	TypeNPS      = "nps"
	TypeText     = "text"
	TypeLongText = "longtext"
	TypeNote     = "note"   // text only, nothing to answer
	TypeNumber   = "number" // min, max, decimals; stored as text
	TypeDate     = "date"   // YYYY-MM-DD; stored as text
)

// Question mirrors one question of a questionnaire's definition.
type Question struct {
	ID              uint64 `gorm:"primaryKey"`
	QuestionnaireID uint64 `gorm:"not null;uniqueIndex:ux_question_key,priority:1"`
	Key             string `gorm:"size:64;not null;uniqueIndex:ux_question_key,priority:2"`
	Type            string `gorm:"size:16;not null"`
	Position        int    `gorm:"not null"`
	Section         int    `gorm:"not null"`
	Required        bool   `gorm:"not null"`
}

// Channels through which a response arrived.
const (
	ChannelWeb    = "web"
	ChannelInvite = "invite"
	ChannelWeChat = "wechat"
)

// Response is one participant's submission. RespondentHash is a keyed hash
// of the respondent key (openid, participant, cookie or submission id); the
// unique indexes on it and on SubmissionID are what stop duplicates, not a
// check-then-insert. Anonymous questionnaires leave ParticipantID and OpenID
// empty. ix_response_keyset is (questionnaire_id) and so, with the primary
// key every index carries, in id order: exports page through a
// questionnaire's responses with WHERE id > last ORDER BY id without a sort.
type Response struct {
	ID              uint64    `gorm:"primaryKey"`
	QuestionnaireID uint64    `gorm:"not null;uniqueIndex:ux_response_respondent,priority:1;uniqueIndex:ux_response_submission,priority:1;uniqueIndex:ux_response_participant,priority:1;index:ix_response_keyset"`
	RespondentHash  string    `gorm:"size:64;not null;uniqueIndex:ux_response_respondent,priority:2"`
	SubmissionID    string    `gorm:"size:64;not null;uniqueIndex:ux_response_submission,priority:2"`
	ParticipantID   *uint64   `gorm:"uniqueIndex:ux_response_participant,priority:2"` // one response per roster participant, whatever the channel
	OpenID          *string   `gorm:"column:openid;size:64"`
	Channel         string    `gorm:"size:16;not null"`
	Lang            string    `gorm:"size:8;not null"`
	SubmittedAt     time.Time `gorm:"not null;index"`
	// PairHash matches the responses of one respondent to a pre-test and
	// its post-test (service/test.go): a keyed hash of the pre-test's slug
	// and the respondent key, the same on both, set on tests only. Like
	// RespondentHash it is not recomputable from the database alone, so it
	// pairs anonymous tests without naming anyone.
	PairHash *string `gorm:"size:64;index"`

	Answers []Answer `gorm:"foreignKey:ResponseID"`
}

// Answer is one value of a response: a number (likert, rating, nps), an
// option value (single; one row per chosen option for multi), free text, or
// "not applicable" (NA, for likert with na enabled). QuestionnaireID and
// QuestionID are stored so that reports GROUP BY without joining responses;
// ix_answer_report covers that GROUP BY (questionnaire, question, value) and,
// ending in response_id, the COUNT(DISTINCT response_id) of multiple-choice
// items, so the summary of 100,000 responses reads one index, not the table.
// ix_answer_export (response, question, value) lets the exports read the
// non-text answers of a batch of responses from the index alone.
type Answer struct {
	ID              uint64  `gorm:"primaryKey"`
	ResponseID      uint64  `gorm:"not null;index:ix_answer_export,priority:1;index:ix_answer_report,priority:6"`
	QuestionnaireID uint64  `gorm:"not null;index:ix_answer_report,priority:1"`
	QuestionID      uint64  `gorm:"not null;index:ix_answer_report,priority:2;index:ix_answer_export,priority:2"`
	Num             *int    `gorm:"index:ix_answer_report,priority:3;index:ix_answer_export,priority:4"`
	Option          *string `gorm:"column:opt;size:64;index:ix_answer_report,priority:4;index:ix_answer_export,priority:5"`
	Text            *string `gorm:"type:text"`
	NA              bool    `gorm:"column:na;not null;default:false;index:ix_answer_report,priority:5;index:ix_answer_export,priority:3"`
}

// Roles of console users.
const (
	RoleAdmin     = "admin"
	RoleStaff     = "staff"
	RoleOrganiser = "organiser"
)

// User is a console account.
type User struct {
	ID           uint64 `gorm:"primaryKey"`
	Name         string `gorm:"size:100;uniqueIndex;not null"`
	Role         string `gorm:"size:16;not null"`
	PasswordHash string `gorm:"size:100;not null"`
	Disabled     bool   `gorm:"not null;default:false"`
	// SessionEpoch grows each time the user is disabled: sessions carry a
	// fingerprint of it, so re-enabling the user revives none of them.
	SessionEpoch uint32 `gorm:"not null;default:0"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// SeminarOrganiser assigns an organiser to the seminars whose reports they see.
type SeminarOrganiser struct {
	UserID    uint64 `gorm:"primaryKey"`
	SeminarID uint64 `gorm:"primaryKey"`
}

// APIToken is a bearer token for /api/v1; only its SHA-256 is stored.
type APIToken struct {
	ID         uint64 `gorm:"primaryKey"`
	UserID     uint64 `gorm:"not null;index"`
	Name       string `gorm:"size:100"`
	Hash       string `gorm:"size:64;uniqueIndex;not null"`
	Prefix     string `gorm:"size:12"` // shown in lists so a token can be recognised
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// AuditEvent records who did what to which object.
type AuditEvent struct {
	ID       uint64    `gorm:"primaryKey"`
	At       time.Time `gorm:"not null;index"`
	UserID   *uint64   `gorm:"index"`
	UserName string    `gorm:"size:100"`
	Action   string    `gorm:"size:64;not null"` // e.g. questionnaire.publish
	Object   string    `gorm:"size:200"`         // e.g. questionnaire:12
	Detail   string    `gorm:"type:text"`
}

// WeChatEvent deduplicates platform pushes: WeChat retries a push up to three
// times within seconds, possibly to different replicas; the unique DedupeKey
// (a keyed hash: the sender cannot be recomputed from it) lets exactly one of
// them act. It names no sender, and the janitor deletes it after
// EventDedupeWindow: an event's time beside a follower would tie them to the
// anonymous answer given just after.
type WeChatEvent struct {
	ID         uint64    `gorm:"primaryKey"`
	DedupeKey  string    `gorm:"size:191;uniqueIndex;not null"`
	Event      string    `gorm:"size:32"`
	EventKey   string    `gorm:"size:191"`
	Reply      string    `gorm:"type:text"` // the reply sent, so a retry can repeat it
	ReceivedAt time.Time `gorm:"not null"`
}

// WeChatFollower is when a follower last wrote to the account, to the hour:
// what the customer-service window (48 hours after their last message) needs,
// and no more. One row per follower, kept in key order (a SQLite WITHOUT
// ROWID table), so neither the row order nor a time to the minute tells who
// wrote just before an anonymous answer; deleted once the window has passed.
type WeChatFollower struct {
	OpenID    string    `gorm:"column:openid;primaryKey;size:64"`
	WroteHour time.Time `gorm:"not null"`
}

// TableName is "wechat_followers".
func (WeChatFollower) TableName() string { return "wechat_followers" }

// Reminder records one template message sent (or failed) to a participant.
type Reminder struct {
	ID              uint64    `gorm:"primaryKey"`
	QuestionnaireID uint64    `gorm:"not null;index"`
	ParticipantID   uint64    `gorm:"not null;index"`
	OpenID          string    `gorm:"column:openid;size:64"`
	SentAt          time.Time `gorm:"not null"`
	OK              bool      `gorm:"not null"`
	Error           string    `gorm:"size:500"`
	MsgID           string    `gorm:"size:64"`
	SentBy          string    `gorm:"size:100"`
	// Claim is set while a reminder is being sent and once it was sent
	// (questionnaire, participant and hour); unique, so two clicks or two
	// replicas cannot both send the same reminder. A failed send clears it,
	// keeping the row as the record of the failure, so it can be retried.
	Claim *string `gorm:"size:64;uniqueIndex"`
}

// Setting is a small key/value store for state every replica must share,
// such as the generated signing secret.
type Setting struct {
	Key   string `gorm:"primaryKey;size:64"`
	Value string `gorm:"type:text;not null"`
}

// All lists every model, in migration order.
func All() []any {
	return []any{
		&Seminar{}, &Participant{}, &Questionnaire{}, &Question{}, &Response{}, &Answer{},
		&User{}, &SeminarOrganiser{}, &APIToken{}, &AuditEvent{}, &WeChatEvent{}, &Reminder{}, &Setting{},
		&LoginFailure{}, &ReportTally{}, &NotShown{}, &Asset{}, &Answered{}, &WeChatFollower{},
	}
}
