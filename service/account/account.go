// Package account is the console's users (roles, bcrypt passwords, sign-in
// throttling per name and address, session fingerprints) and API tokens.
package account

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/service"
)

// Errors of accounts and tokens.
var (
	ErrBadCredentials = errors.New("wrong user name or password")
	ErrThrottled      = errors.New("too many failed logins: try again later")
	ErrInvalidRole    = errors.New("role must be admin, staff or organiser")
	ErrWeakPassword   = errors.New("password must be at least 10 characters")
	ErrInvalidName    = errors.New("user name must be 2-100 letters, digits or . _ @ -")
	ErrUserExists     = fmt.Errorf("user name already in use: %w", model.ErrDuplicate)
	ErrBadToken       = errors.New("invalid or revoked token")
	ErrLastAdmin      = errors.New("the last enabled admin cannot be disabled or demoted")
)

// Login throttling: after UserFailureLimit failed logins for one user name
// from one address, or IPFailureLimit from one address for any names, within
// service.FailureWindow, further attempts from that address are refused until the
// window has moved past the failures. The name is locked for that address
// only: someone guessing from elsewhere cannot lock the only admin out. The
// IP limit is higher because one office may share an address. A password
// reset clears the name's failures (SetPassword).
const (
	UserFailureLimit = 5
	IPFailureLimit   = 30
	MinPasswordLen   = 10
)

// Roles lists the console roles.
var Roles = []string{model.RoleAdmin, model.RoleStaff, model.RoleOrganiser}

// ValidRole reports whether role is one of Roles.
func ValidRole(role string) bool {
	for _, r := range Roles {
		if r == role {
			return true
		}
	}
	return false
}

var userNameRe = regexp.MustCompile(`^[\p{L}\p{N}._@-]{2,100}$`)

// Users manages console accounts.
type Users struct {
	db   *gorm.DB
	now  func() time.Time
	cost int // bcrypt cost
	// dummy is a hash compared against when the user does not exist, so that
	// a login for an unknown name takes as long as one for a known name.
	// Made on first use: it costs as much as a login.
	dummyOnce sync.Once
	dummy     []byte
}

// NewUsers returns the account service.
func NewUsers(db *gorm.DB, now func() time.Time) *Users {
	if now == nil {
		now = time.Now
	}
	return &Users{db: db, now: now, cost: bcrypt.DefaultCost}
}

// WithCost sets the bcrypt cost of new hashes (default bcrypt.DefaultCost).
// Tests lower it: under the race detector one hash at the default cost takes
// seconds. Existing hashes keep the cost they were made with.
func (s *Users) WithCost(cost int) *Users {
	s.cost = cost
	return s
}

func (s *Users) dummyHash() []byte {
	s.dummyOnce.Do(func() {
		s.dummy, _ = bcrypt.GenerateFromPassword([]byte("not a real password"), s.cost)
	})
	return s.dummy
}

// GeneratePassword returns a random password of 20 URL-safe characters
// (120 bits).
func GeneratePassword() string {
	return service.RandomToken(15)
}

// Create adds a user. An empty password is an error: callers generate one
// with GeneratePassword when none was given.
func (s *Users) Create(ctx context.Context, name, role, password string) (*model.User, error) {
	name = strings.TrimSpace(name)
	if !userNameRe.MatchString(name) {
		return nil, ErrInvalidName
	}
	if !ValidRole(role) {
		return nil, ErrInvalidRole
	}
	hash, err := s.hash(password)
	if err != nil {
		return nil, err
	}
	u := model.User{Name: name, Role: role, PasswordHash: hash}
	if err := s.db.WithContext(ctx).Create(&u).Error; err != nil {
		if model.IsDuplicate(err) {
			return nil, ErrUserExists
		}
		return nil, fmt.Errorf("create user %q: %w", name, err)
	}
	return &u, nil
}

func (s *Users) hash(password string) (string, error) {
	if len([]rune(password)) < MinPasswordLen {
		return "", ErrWeakPassword
	}
	if len(password) > 72 {
		return "", errors.New("password must be at most 72 bytes") // bcrypt's limit
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), s.cost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// Authenticate checks a password. It refuses with ErrThrottled, without
// looking at the password, once the user name or the address has too many
// recent failures; every failure is recorded in the database so that all
// replicas count together.
func (s *Users) Authenticate(ctx context.Context, name, password, ip string) (*model.User, error) {
	name = strings.TrimSpace(name)
	db := s.db.WithContext(ctx)
	since := s.now().UTC().Add(-service.FailureWindow)
	userKey, ipKey := failureKey(name)+ip, "ip:"+ip
	var nUser, nIP int64
	if err := db.Model(&model.LoginFailure{}).Where("`key` = ? AND at > ?", userKey, since).Count(&nUser).Error; err != nil {
		return nil, fmt.Errorf("count login failures: %w", err)
	}
	if err := db.Model(&model.LoginFailure{}).Where("`key` = ? AND at > ?", ipKey, since).Count(&nIP).Error; err != nil {
		return nil, fmt.Errorf("count login failures: %w", err)
	}
	if nUser >= UserFailureLimit || (ip != "" && nIP >= IPFailureLimit) {
		return nil, ErrThrottled
	}
	var u model.User
	err := db.Where("name = ?", name).Take(&u).Error
	switch {
	case err == nil:
	case errors.Is(err, gorm.ErrRecordNotFound):
		_ = bcrypt.CompareHashAndPassword(s.dummyHash(), []byte(password))
		return nil, s.fail(ctx, userKey, ipKey)
	default:
		return nil, fmt.Errorf("find user: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil || u.Disabled {
		return nil, s.fail(ctx, userKey, ipKey)
	}
	if err := db.Where("`key` = ?", userKey).Delete(&model.LoginFailure{}).Error; err != nil {
		return nil, fmt.Errorf("clear login failures: %w", err)
	}
	return &u, nil
}

// failureKey is the prefix of a name's failure keys, "user:<name>|" and
// the address after it; "|" is not allowed in a user name.
func failureKey(name string) string { return "user:" + strings.ToLower(strings.TrimSpace(name)) + "|" }

// fail records a failed login and returns ErrBadCredentials. Old rows are
// pruned here, so the table holds one window's worth at most.
func (s *Users) fail(ctx context.Context, keys ...string) error {
	now := s.now().UTC()
	rows := make([]model.LoginFailure, 0, len(keys))
	for _, k := range keys {
		if k != "ip:" {
			rows = append(rows, model.LoginFailure{Key: k, At: now})
		}
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("at < ?", now.Add(-service.FailureWindow)).Delete(&model.LoginFailure{}).Error; err != nil {
			return err
		}
		return tx.Create(&rows).Error
	})
	if err != nil {
		return fmt.Errorf("record login failure: %w", err)
	}
	return ErrBadCredentials
}

// ByID returns an enabled or disabled user.
func (s *Users) ByID(ctx context.Context, id uint64) (*model.User, error) {
	var u model.User
	if err := s.db.WithContext(ctx).First(&u, id).Error; err != nil {
		return nil, fmt.Errorf("user %d: %w", id, model.Translate(err))
	}
	return &u, nil
}

// ByName returns the user called name.
func (s *Users) ByName(ctx context.Context, name string) (*model.User, error) {
	var u model.User
	if err := s.db.WithContext(ctx).Where("name = ?", strings.TrimSpace(name)).First(&u).Error; err != nil {
		return nil, fmt.Errorf("user %q: %w", name, model.Translate(err))
	}
	return &u, nil
}

// List returns every user, by name.
func (s *Users) List(ctx context.Context) ([]model.User, error) {
	var us []model.User
	if err := s.db.WithContext(ctx).Order("name").Find(&us).Error; err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return us, nil
}

// SetPassword replaces a user's password. The session fingerprint changes
// with the hash, so the user's existing sessions end, and the failed logins
// of the name are forgotten: a reset unlocks it.
func (s *Users) SetPassword(ctx context.Context, id uint64, password string) error {
	hash, err := s.hash(password)
	if err != nil {
		return err
	}
	if err := s.update(ctx, id, map[string]any{"password_hash": hash}); err != nil {
		return err
	}
	// A reset ends a lockout of the name, from every address.
	u, err := s.ByID(ctx, id)
	if err != nil {
		return err
	}
	prefix := failureKey(u.Name) // SUBSTR, not LIKE: "_" in a name is a LIKE wildcard
	if err := s.db.WithContext(ctx).Where("SUBSTR(`key`, 1, ?) = ?", utf8.RuneCountInString(prefix), prefix).Delete(&model.LoginFailure{}).Error; err != nil {
		return fmt.Errorf("clear login failures: %w", err)
	}
	return nil
}

// SetRole changes a user's role; the last enabled admin keeps theirs.
func (s *Users) SetRole(ctx context.Context, id uint64, role string) error {
	if !ValidRole(role) {
		return ErrInvalidRole
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if role != model.RoleAdmin {
			if err := s.keepAnAdmin(tx, id); err != nil {
				return err
			}
		}
		return updateUser(tx, id, map[string]any{"role": role, "updated_at": s.now().UTC()})
	})
}

// SetDisabled disables or re-enables a user. Disabling ends the user's
// sessions and revokes their API tokens for good: re-enabling gives back
// the account, not what was taken before (a stolen cookie or token stays
// dead); the user signs in again and makes new tokens.
func (s *Users) SetDisabled(ctx context.Context, id uint64, disabled bool) error {
	now := s.now().UTC()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		fields := map[string]any{"disabled": disabled, "updated_at": now}
		if disabled {
			if err := s.keepAnAdmin(tx, id); err != nil {
				return err
			}
			fields["session_epoch"] = gorm.Expr("session_epoch + 1")
			if err := tx.Model(&model.APIToken{}).Where("user_id = ? AND revoked_at IS NULL", id).Update("revoked_at", now).Error; err != nil {
				return fmt.Errorf("revoke tokens: %w", err)
			}
		}
		return updateUser(tx, id, fields)
	})
}

// Disable is SetDisabled(true).
func (s *Users) Disable(ctx context.Context, id uint64) error { return s.SetDisabled(ctx, id, true) }

// keepAnAdmin refuses to take away the last enabled admin.
func (s *Users) keepAnAdmin(tx *gorm.DB, id uint64) error {
	var n int64
	if err := tx.Model(&model.User{}).Where("role = ? AND disabled = ? AND id <> ?", model.RoleAdmin, false, id).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		var u model.User
		if err := tx.First(&u, id).Error; err != nil {
			return fmt.Errorf("user %d: %w", id, model.Translate(err))
		}
		if u.Role == model.RoleAdmin && !u.Disabled {
			return ErrLastAdmin
		}
	}
	return nil
}

func (s *Users) update(ctx context.Context, id uint64, fields map[string]any) error {
	fields["updated_at"] = s.now().UTC()
	return updateUser(s.db.WithContext(ctx), id, fields)
}

func updateUser(db *gorm.DB, id uint64, fields map[string]any) error {
	res := db.Model(&model.User{}).Where("id = ?", id).Updates(fields)
	if res.Error != nil {
		return fmt.Errorf("update user %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("user %d: %w", id, model.ErrNotFound)
	}
	return nil
}

// SessionFingerprint is a short digest of the password hash (and of the
// session epoch) carried in the session cookie: a password change (or
// reset) or disabling the user alters it, which ends every session opened
// before.
func SessionFingerprint(u *model.User) string {
	material := u.PasswordHash
	if u.SessionEpoch > 0 { // disabled at least once: sessions from before are void
		material += "|" + strconv.FormatUint(uint64(u.SessionEpoch), 10)
	}
	sum := sha256.Sum256([]byte(material))
	return hex.EncodeToString(sum[:6])
}

// SessionUser returns the enabled user of a session, checking that the
// password has not changed since it began.
func (s *Users) SessionUser(ctx context.Context, id uint64, fingerprint string) (*model.User, error) {
	u, err := s.ByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.Disabled || subtle.ConstantTimeCompare([]byte(SessionFingerprint(u)), []byte(fingerprint)) != 1 {
		return nil, ErrBadCredentials
	}
	return u, nil
}

// Bootstrap creates the first admin when there is no user at all. It returns
// the password (the one given, or a generated one) and whether it created
// the account; the caller prints a generated password once.
func (s *Users) Bootstrap(ctx context.Context, name, password string) (created bool, pw string, err error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&model.User{}).Count(&n).Error; err != nil {
		return false, "", fmt.Errorf("count users: %w", err)
	}
	if n > 0 {
		return false, "", nil
	}
	if password == "" {
		password = GeneratePassword()
	}
	if name == "" {
		name = "admin"
	}
	if _, err := s.Create(ctx, name, model.RoleAdmin, password); err != nil {
		if errors.Is(err, ErrUserExists) {
			return false, "", nil // another replica won the race
		}
		return false, "", err
	}
	return true, password, nil
}

// Tokens manages API bearer tokens. Only the SHA-256 of a token is stored:
// the token itself is shown once, when it is created.
type Tokens struct {
	db  *gorm.DB
	now func() time.Time
}

// NewTokens returns the token service.
func NewTokens(db *gorm.DB, now func() time.Time) *Tokens {
	if now == nil {
		now = time.Now
	}
	return &Tokens{db: db, now: now}
}

// tokenPrefix starts every token so that one is recognisable in a leaked
// log or a secret scanner.
const tokenPrefix = "sev_"

func hashToken(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

// Create makes a token for user and returns it in clear, once.
func (s *Tokens) Create(ctx context.Context, userID uint64, name string) (string, *model.APIToken, error) {
	plain := tokenPrefix + service.RandomToken(32)
	t := model.APIToken{
		UserID: userID, Name: strings.TrimSpace(name), Hash: hashToken(plain), Prefix: plain[:12],
		CreatedAt: s.now().UTC(),
	}
	if len([]rune(t.Name)) > 100 {
		return "", nil, errors.New("token name: at most 100 characters")
	}
	if err := s.db.WithContext(ctx).Create(&t).Error; err != nil {
		return "", nil, fmt.Errorf("create token: %w", err)
	}
	return plain, &t, nil
}

// Verify returns the enabled user a token belongs to. Revoked tokens and
// tokens of disabled users are ErrBadToken.
func (s *Tokens) Verify(ctx context.Context, plain string) (*model.User, *model.APIToken, error) {
	if !strings.HasPrefix(plain, tokenPrefix) || len(plain) > 100 {
		return nil, nil, ErrBadToken
	}
	db := s.db.WithContext(ctx)
	var t model.APIToken
	if err := db.Where("hash = ?", hashToken(plain)).Take(&t).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, nil, ErrBadToken
		}
		return nil, nil, fmt.Errorf("find token: %w", err)
	}
	if t.RevokedAt != nil {
		return nil, nil, ErrBadToken
	}
	var u model.User
	if err := db.First(&u, t.UserID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, nil, ErrBadToken
		}
		return nil, nil, fmt.Errorf("find token's user: %w", err)
	}
	if u.Disabled {
		return nil, nil, ErrBadToken
	}
	// Last use is informative only: at most one write per minute per token.
	now := s.now().UTC()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		_ = db.Model(&model.APIToken{}).Where("id = ?", t.ID).Update("last_used_at", now).Error
	}
	return &u, &t, nil
}

// Revoke ends a token. Only its owner or an admin may (ownerID 0 = admin).
func (s *Tokens) Revoke(ctx context.Context, id, ownerID uint64) error {
	q := s.db.WithContext(ctx).Model(&model.APIToken{}).Where("id = ? AND revoked_at IS NULL", id)
	if ownerID != 0 {
		q = q.Where("user_id = ?", ownerID)
	}
	res := q.Update("revoked_at", s.now().UTC())
	if res.Error != nil {
		return fmt.Errorf("revoke token %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("token %d: %w", id, model.ErrNotFound)
	}
	return nil
}

// TokenRow is a token with its owner's name, for lists.
type TokenRow struct {
	model.APIToken
	UserName string
}

// List returns the tokens of userID (0: everyone's), newest first.
func (s *Tokens) List(ctx context.Context, userID uint64) ([]TokenRow, error) {
	var rows []TokenRow
	q := s.db.WithContext(ctx).Table("api_tokens").
		Select("api_tokens.*, users.name AS user_name").
		Joins("LEFT JOIN users ON users.id = api_tokens.user_id").
		Order("api_tokens.id DESC")
	if userID != 0 {
		q = q.Where("api_tokens.user_id = ?", userID)
	}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return rows, nil
}
