package wechat

import (
	"errors"
	"strings"
	"testing"
	"time"

	"seminareval/service"
)

func TestPersonalTokensAreSignedPerQuestionnaireAndExpire(t *testing.T) {
	now := time.Date(2018, 1, 17, 9, 0, 0, 0, time.UTC)
	w := &Service{responses: service.NewResponses(nil, []byte("test-secret-test-secret-test-sec"), nil), now: func() time.Time { return now }}
	tok := w.PersonalToken("oAbC-123_x", 7, now.Add(PersonalLinkTTL))
	if got, err := w.CheckPersonalToken(tok, 7); err != nil || got != "oAbC-123_x" {
		t.Fatalf("genuine token: %q %v", got, err)
	}
	if _, err := w.CheckPersonalToken(tok, 8); !errors.Is(err, ErrLinkInvalid) {
		t.Errorf("another questionnaire: %v", err)
	}
	parts := strings.Split(tok, ".")
	forged := w.PersonalToken("oSomeoneElse", 7, now.Add(PersonalLinkTTL))
	for name, bad := range map[string]string{
		"openid swapped":  strings.Split(forged, ".")[0] + "." + strings.Join(parts[1:], "."),
		"expiry extended": parts[0] + "." + parts[1] + "." + "zzzzzz" + "." + parts[3],
		"mac cut":         tok[:len(tok)-2],
		"garbage":         "x.y",
		"empty":           "",
	} {
		if _, err := w.CheckPersonalToken(bad, 7); !errors.Is(err, ErrLinkInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	other := &Service{responses: service.NewResponses(nil, []byte("another-secret-another-secret-xx"), nil), now: w.now}
	if _, err := other.CheckPersonalToken(tok, 7); !errors.Is(err, ErrLinkInvalid) {
		t.Errorf("checked with another server secret: %v", err)
	}
	now = now.Add(PersonalLinkTTL)
	if _, err := w.CheckPersonalToken(tok, 7); !errors.Is(err, ErrLinkExpired) {
		t.Errorf("after 24 h: %v", err)
	}
}
