package wechat

import (
	"fmt"
	"testing"

	"seminareval/templates"
)

// The refusal of a too large QR image states the limit the code enforces.
func TestImageTooLargeStatesTheLimit(t *testing.T) {
	want := fmt.Sprintf("at most %d KB", MaxAccountQRBytes>>10)
	if got := templates.Messages().T("en", "field.image_too_large"); got != want {
		t.Errorf("field.image_too_large is %q, want %q", got, want)
	}
}
