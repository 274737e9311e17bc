package model

import (
	"errors"

	"gorm.io/gorm"
)

// Sentinel errors. Queries return these (wrapped) so that callers test with
// errors.Is instead of matching driver messages.
var (
	ErrNotFound  = errors.New("not found")
	ErrDuplicate = errors.New("duplicate")
)

// Translate maps GORM's "record not found" and "duplicated key" to
// ErrNotFound and ErrDuplicate. The result matches both the sentinel and
// GORM's error, and says the sentinel's message once.
func Translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return translated{ErrNotFound, err}
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return translated{ErrDuplicate, err}
	}
	return err
}

type translated struct{ sentinel, cause error }

func (e translated) Error() string   { return e.sentinel.Error() }
func (e translated) Unwrap() []error { return []error{e.sentinel, e.cause} }

// IsDuplicate reports whether err is a unique-constraint violation, whether or
// not it has passed through translate.
func IsDuplicate(err error) bool {
	return errors.Is(err, ErrDuplicate) || errors.Is(err, gorm.ErrDuplicatedKey)
}

// IsNotFound reports whether err means the record does not exist.
func IsNotFound(err error) bool {
	return errors.Is(err, ErrNotFound) || errors.Is(err, gorm.ErrRecordNotFound)
}
