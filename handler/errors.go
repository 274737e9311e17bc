package handler

import (
	"errors"
	"net/http"

	"seminareval/model"
	"seminareval/service"
	"seminareval/service/account"
	"seminareval/service/report"
	"seminareval/service/roster"
	"seminareval/service/wechat"
	"seminareval/templates"
)

// domainErrors is the one table from a domain error to the HTTP status and
// the stable wire code (`{"error": code}`) every JSON answer uses; pages
// take the status from it too. The first match wins: more specific errors
// come before the ones they wrap (ErrUserExists wraps model.ErrDuplicate).
// TestDomainErrorsMapToOneStatusAndCode keeps it whole.
var domainErrors = []struct {
	err    error
	status int
	code   string
}{
	// Participants.
	{service.ErrAlreadyAnswered, http.StatusConflict, "already_answered"},
	{service.ErrNotOpen, http.StatusForbidden, "not_open"},
	{service.ErrClosed, http.StatusForbidden, "closed"},
	{service.ErrNotInvited, http.StatusForbidden, "not_invited"},
	{service.ErrInviteElsewhere, http.StatusForbidden, "invite_bound_elsewhere"},
	// Questionnaires, seminars, reports.
	{service.ErrStructureFrozen, http.StatusConflict, "structure_frozen"},
	{service.ErrSlugTaken, http.StatusConflict, "slug_taken"},
	{service.ErrSeminarSlugTaken, http.StatusConflict, "slug_taken"},
	{service.ErrBadSchedule, http.StatusUnprocessableEntity, "bad_schedule"},
	{report.ErrBadFilter, http.StatusBadRequest, "bad_filter"},
	{service.ErrNotOrganiser, http.StatusUnprocessableEntity, "not_organiser"},
	{roster.ErrNotSpreadsheet, http.StatusUnprocessableEntity, "not_spreadsheet"},
	// Accounts.
	{account.ErrThrottled, http.StatusTooManyRequests, "throttled"},
	{account.ErrBadCredentials, http.StatusUnauthorized, "bad_credentials"},
	{account.ErrBadToken, http.StatusUnauthorized, "bad_token"},
	{account.ErrUserExists, http.StatusConflict, "user_exists"},
	{account.ErrLastAdmin, http.StatusConflict, "last_admin"},
	{account.ErrInvalidName, http.StatusUnprocessableEntity, "bad_name"},
	{account.ErrInvalidRole, http.StatusUnprocessableEntity, "bad_role"},
	{account.ErrWeakPassword, http.StatusUnprocessableEntity, "weak_password"},
	// WeChat.
	{wechat.ErrBadSignature, http.StatusForbidden, "bad_signature"},
	{wechat.ErrStaleTimestamp, http.StatusForbidden, "stale_timestamp"},
	{wechat.ErrPlaintextRefused, http.StatusForbidden, "plaintext_refused"},
	{wechat.ErrMalformedMessage, http.StatusBadRequest, "malformed_message"},
	{wechat.ErrDecrypt, http.StatusBadRequest, "undecryptable"},
	{wechat.ErrOff, http.StatusNotFound, "wechat_off"},
	{wechat.ErrNoReminderChannel, http.StatusConflict, "no_reminder_channel"},
	{wechat.ErrRemindersOff, http.StatusConflict, "reminders_off"},
	{wechat.ErrNoAccountQR, http.StatusNotFound, "no_account_qr"},
	// Last: the general ones others wrap.
	{model.ErrNotFound, http.StatusNotFound, "not_found"},
	{model.ErrDuplicate, http.StatusConflict, "duplicate"},
}

// errorArgs are the arguments of an error's sentence that the code fixes.
var errorArgs = map[string][]any{"weak_password": {account.MinPasswordLen}}

// errorText is the sentence for a domain error in lang — "err.<code>" of
// its wire code in the message catalogue, with args (or the code's fixed
// ones) — and its status from domainErrors. ok is false for an error that
// has no sentence: not the user's, it is logged and answered as internal.
func errorText(lang string, err error, args ...any) (status int, text string, ok bool) {
	status, code, known := statusOf(err)
	key := "err." + code
	if !known || !templates.Messages().Has(key) {
		return http.StatusInternalServerError, "", false
	}
	if fixed, has := errorArgs[code]; has {
		args = fixed
	}
	return status, templates.Messages().T(lang, key, args...), true
}

// errorTitle is the title of the console's page for a refusal of status.
func errorTitle(status int) string {
	switch status {
	case http.StatusNotFound:
		return "err.not_found_title"
	case http.StatusUnauthorized, http.StatusForbidden:
		return "err.forbidden_title"
	}
	return "err.bad_request_title"
}

// statusOf returns the status and wire code of err, or ok false for an
// error that is not the client's (a 500 or 503, to be logged).
func statusOf(err error) (status int, code string, ok bool) {
	for _, d := range domainErrors {
		if errors.Is(err, d.err) {
			return d.status, d.code, true
		}
	}
	return http.StatusInternalServerError, "internal", false
}
