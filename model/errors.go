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

// translate maps GORM's translated errors to the sentinels above.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return errors.Join(ErrNotFound, err)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return errors.Join(ErrDuplicate, err)
	}
	return err
}

// IsDuplicate reports whether err is a unique-constraint violation, whether or
// not it has passed through translate.
func IsDuplicate(err error) bool {
	return errors.Is(err, ErrDuplicate) || errors.Is(err, gorm.ErrDuplicatedKey)
}

// IsNotFound reports whether err means the record does not exist.
func IsNotFound(err error) bool {
	return errors.Is(err, ErrNotFound) || errors.Is(err, gorm.ErrRecordNotFound)
}
