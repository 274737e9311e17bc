package definition

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Limit is the min or max of a number question (a number) or of a date
// question (YYYY-MM-DD). It keeps the text as written, is read from a JSON
// number or string and from any YAML scalar, and is written back as a
// number when it is one, so `min: 0` and `min: 2018-01-16` both round-trip.
type Limit string

// NewLimit returns a limit for a number.
func NewLimit(n float64) *Limit {
	l := Limit(strconv.FormatFloat(n, 'f', -1, 64))
	return &l
}

// NewDateLimit returns a limit for a date.
func NewDateLimit(d string) *Limit {
	l := Limit(d)
	return &l
}

func (l *Limit) String() string {
	if l == nil {
		return ""
	}
	return string(*l)
}

// Number returns the limit as a number.
func (l *Limit) Number() (float64, bool) {
	if l == nil || IsDate(string(*l)) {
		return 0, false
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(string(*l)), 64)
	if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, false
	}
	return n, true
}

// Date returns the limit as a date.
func (l *Limit) Date() (time.Time, bool) {
	if l == nil || !IsDate(string(*l)) {
		return time.Time{}, false
	}
	t, err := time.Parse(time.DateOnly, string(*l))
	return t, err == nil
}

func (l Limit) MarshalJSON() ([]byte, error) {
	if n, ok := (&l).Number(); ok {
		return json.Marshal(n)
	}
	return json.Marshal(string(l))
}

func (l *Limit) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*l = Limit(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("a limit is a number or a date YYYY-MM-DD: %w", err)
	}
	*l = Limit(n.String())
	return nil
}

func (l Limit) MarshalYAML() (any, error) {
	if n, ok := (&l).Number(); ok {
		return n, nil
	}
	return string(l), nil
}

func (l *Limit) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a limit is a number or a date YYYY-MM-DD", n.Line)
	}
	*l = Limit(n.Value)
	return nil
}
