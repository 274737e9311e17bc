package model

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
)

// Text is a bilingual string keyed by language code ("en", "zh"), stored as a
// JSON object in one column.
type Text map[string]string

// In returns the text in lang, falling back to any language that has one,
// preferring the order given in fallbacks.
func (t Text) In(lang string, fallbacks ...string) string {
	if s := t[lang]; s != "" {
		return s
	}
	for _, l := range fallbacks {
		if s := t[l]; s != "" {
			return s
		}
	}
	for _, l := range []string{"en", "zh"} {
		if s := t[l]; s != "" {
			return s
		}
	}
	return ""
}

// Value stores the text as JSON.
func (t Text) Value() (driver.Value, error) {
	if t == nil {
		return "{}", nil
	}
	b, err := json.Marshal(map[string]string(t))
	return string(b), err
}

// Scan reads the JSON written by Value.
func (t *Text) Scan(v any) error {
	var b []byte
	switch x := v.(type) {
	case nil:
		*t = Text{}
		return nil
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		return fmt.Errorf("model.Text: cannot scan %T", v)
	}
	m := map[string]string{}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("model.Text: %w", err)
		}
	}
	*t = m
	return nil
}
