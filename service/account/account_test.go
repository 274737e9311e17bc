package account

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service"
)

// authClock is a settable clock for throttling tests.
type authClock struct{ t time.Time }

func (c *authClock) now() time.Time { return c.t }

func TestPasswordsAreStoredWithBcrypt(t *testing.T) {
	// The default cost, once (under the race detector one hash takes
	// seconds); the database does not matter for this part.
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	u, err := NewUsers(db, nil).Create(context.Background(), "default.cost", model.RoleStaff, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if cost, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil || cost != bcrypt.DefaultCost {
		t.Fatalf("hash %q: cost %d (%v), want bcrypt at %d", u.PasswordHash, cost, err, bcrypt.DefaultCost)
	}

	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		users := NewUsers(db, nil).WithCost(bcrypt.MinCost)
		u, err := users.Create(ctx, "wang.wei", model.RoleStaff, "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		var stored model.User
		if err := db.First(&stored, u.ID).Error; err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored.PasswordHash, "correct horse") || !strings.HasPrefix(stored.PasswordHash, "$2a$") {
			t.Fatalf("stored %q: want a bcrypt hash", stored.PasswordHash)
		}
		if _, err := users.Authenticate(ctx, "wang.wei", "correct horse battery", "10.0.0.1"); err != nil {
			t.Fatalf("right password refused: %v", err)
		}
		if _, err := users.Authenticate(ctx, "wang.wei", "wrong password!", "10.0.0.1"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("wrong password: err = %v, want ErrBadCredentials", err)
		}
		if _, err := users.Authenticate(ctx, "no.such.user", "whatever password", "10.0.0.1"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("unknown user: err = %v, want ErrBadCredentials", err)
		}
		if _, err := users.Create(ctx, "short", model.RoleStaff, "short"); !errors.Is(err, ErrWeakPassword) {
			t.Fatalf("short password: err = %v, want ErrWeakPassword", err)
		}
		if _, err := users.Create(ctx, "wang.wei", model.RoleStaff, "another long password"); !errors.Is(err, ErrUserExists) {
			t.Fatalf("same name twice: err = %v, want ErrUserExists", err)
		}
		if _, err := users.Create(ctx, "x", model.RoleStaff, "long enough password"); !errors.Is(err, ErrInvalidName) {
			t.Fatalf("one-letter name: err = %v", err)
		}
		if _, err := users.Create(ctx, "boss", "superuser", "long enough password"); !errors.Is(err, ErrInvalidRole) {
			t.Fatalf("bad role: err = %v", err)
		}
	})
}

func TestLoginThrottledPerUserAndPerIPAcrossInstances(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := &authClock{t: time.Date(2026, 1, 17, 9, 0, 0, 0, time.UTC)}
		// Two service values on one database stand for two replicas: the
		// count must be shared through the database.
		a, b := NewUsers(db, clock.now).WithCost(bcrypt.MinCost), NewUsers(db, clock.now).WithCost(bcrypt.MinCost)
		if _, err := a.Create(ctx, "li.na", model.RoleStaff, "the right password"); err != nil {
			t.Fatal(err)
		}
		for i := range UserFailureLimit {
			svc := a
			if i%2 == 1 {
				svc = b
			}
			if _, err := svc.Authenticate(ctx, "li.na", "wrong password", "10.0.0.1"); !errors.Is(err, ErrBadCredentials) {
				t.Fatalf("failure %d: err = %v", i+1, err)
			}
		}
		// Now even the right password is refused from that address…
		if _, err := b.Authenticate(ctx, "li.na", "the right password", "10.0.0.1"); !errors.Is(err, ErrThrottled) {
			t.Fatalf("after %d failures: err = %v, want ErrThrottled", UserFailureLimit, err)
		}
		var rows int64
		db.Model(&model.LoginFailure{}).Where("`key` = ?", "user:li.na|10.0.0.1").Count(&rows)
		if rows != UserFailureLimit {
			t.Fatalf("login_failures rows for the user = %d, want %d", rows, UserFailureLimit)
		}
		// …but not from another: whoever guesses cannot lock the user out.
		if _, err := b.Authenticate(ctx, "li.na", "the right password", "10.9.9.9"); err != nil {
			t.Fatalf("from another address: %v", err)
		}
		// A password reset ends the lock everywhere.
		u, err := a.ByName(ctx, "li.na")
		if err != nil {
			t.Fatal(err)
		}
		if err := a.SetPassword(ctx, u.ID, "a new long password"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Authenticate(ctx, "li.na", "a new long password", "10.0.0.1"); err != nil {
			t.Fatalf("after a reset: %v", err)
		}
		// Without a reset, the window passing ends it: the right password
		// works and clears the count.
		for range UserFailureLimit {
			a.Authenticate(ctx, "li.na", "wrong password", "10.0.0.1")
		}
		clock.t = clock.t.Add(service.FailureWindow + time.Second)
		if _, err := a.Authenticate(ctx, "li.na", "a new long password", "10.0.0.1"); err != nil {
			t.Fatalf("after the window: %v", err)
		}
		db.Model(&model.LoginFailure{}).Where("`key` = ?", "user:li.na|10.0.0.1").Count(&rows)
		if rows != 0 {
			t.Fatalf("failures left after a successful login: %d", rows)
		}

		// Per IP: many user names from one address.
		for i := range IPFailureLimit {
			_, err := a.Authenticate(ctx, "nobody"+strings.Repeat("x", i%3)+string(rune('a'+i%26)), "guess", "192.0.2.7")
			if !errors.Is(err, ErrBadCredentials) {
				t.Fatalf("ip failure %d: %v", i+1, err)
			}
		}
		if _, err := a.Authenticate(ctx, "li.na", "a new long password", "192.0.2.7"); !errors.Is(err, ErrThrottled) {
			t.Fatalf("after %d failures from one address: err = %v, want ErrThrottled", IPFailureLimit, err)
		}
		if _, err := a.Authenticate(ctx, "li.na", "a new long password", "198.51.100.1"); err != nil {
			t.Fatalf("another address is not throttled: %v", err)
		}
	})
}

func TestDisabledUserCannotLogInNorUseTokens(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		users, tokens := NewUsers(db, nil).WithCost(bcrypt.MinCost), NewTokens(db, nil)
		admin, _ := users.Create(ctx, "root", model.RoleAdmin, "admin password 1")
		u, err := users.Create(ctx, "zhao", model.RoleStaff, "zhao password 1")
		if err != nil {
			t.Fatal(err)
		}
		plain, _, err := tokens.Create(ctx, u.ID, "script")
		if err != nil {
			t.Fatal(err)
		}
		session := SessionFingerprint(u) // what the session cookie carries
		if _, err := users.SessionUser(ctx, u.ID, session); err != nil {
			t.Fatal(err)
		}
		if err := users.Disable(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := users.Authenticate(ctx, "zhao", "zhao password 1", "10.0.0.1"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("disabled login: %v", err)
		}
		if _, _, err := tokens.Verify(ctx, plain); !errors.Is(err, ErrBadToken) {
			t.Fatalf("token of a disabled user: %v", err)
		}
		// Enabled again: the account works, what was taken before does not.
		if err := users.SetDisabled(ctx, u.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := users.SessionUser(ctx, u.ID, session); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("a session from before the disabling revived: %v", err)
		}
		if _, _, err := tokens.Verify(ctx, plain); !errors.Is(err, ErrBadToken) {
			t.Fatalf("a token from before the disabling revived: %v", err)
		}
		var revoked int64
		db.Model(&model.APIToken{}).Where("user_id = ? AND revoked_at IS NOT NULL", u.ID).Count(&revoked)
		if revoked != 1 {
			t.Fatalf("revoked tokens = %d", revoked)
		}
		again, err := users.Authenticate(ctx, "zhao", "zhao password 1", "10.0.0.1")
		if err != nil {
			t.Fatalf("login after re-enabling: %v", err)
		}
		if _, err := users.SessionUser(ctx, u.ID, SessionFingerprint(again)); err != nil {
			t.Fatalf("a new session: %v", err)
		}
		// The last admin stays.
		if err := users.Disable(ctx, admin.ID); !errors.Is(err, ErrLastAdmin) {
			t.Fatalf("disable last admin: %v", err)
		}
		if err := users.SetRole(ctx, admin.ID, model.RoleStaff); !errors.Is(err, ErrLastAdmin) {
			t.Fatalf("demote last admin: %v", err)
		}
	})
}

func TestTokensStoredHashedShownOnceRevocable(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		users, tokens := NewUsers(db, nil).WithCost(bcrypt.MinCost), NewTokens(db, nil)
		u, _ := users.Create(ctx, "chen", model.RoleStaff, "chen password 1")
		plain, tok, err := tokens.Create(ctx, u.ID, "nightly export")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(plain, "sev_") || len(plain) < 40 {
			t.Fatalf("token %q: want sev_ and >= 256 bits", plain)
		}
		var row model.APIToken
		db.First(&row, tok.ID)
		if row.Hash == plain || strings.Contains(row.Hash, plain[4:]) || len(row.Hash) != 64 {
			t.Fatalf("stored hash %q is not a SHA-256 of the token", row.Hash)
		}
		if row.Prefix != plain[:12] {
			t.Fatalf("prefix %q, want %q", row.Prefix, plain[:12])
		}
		got, _, err := tokens.Verify(ctx, plain)
		if err != nil || got.ID != u.ID {
			t.Fatalf("verify: %v %v", got, err)
		}
		list, _ := tokens.List(ctx, u.ID)
		if len(list) != 1 || list[0].UserName != "chen" || list[0].Prefix != plain[:12] {
			t.Fatalf("list: %+v", list)
		}
		other, _ := users.Create(ctx, "other", model.RoleStaff, "other password 1")
		if err := tokens.Revoke(ctx, tok.ID, other.ID); !model.IsNotFound(err) {
			t.Fatalf("someone else's revoke: %v", err)
		}
		if err := tokens.Revoke(ctx, tok.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := tokens.Verify(ctx, plain); !errors.Is(err, ErrBadToken) {
			t.Fatalf("revoked token: %v", err)
		}
		if _, _, err := tokens.Verify(ctx, "sev_"+strings.Repeat("A", 43)); !errors.Is(err, ErrBadToken) {
			t.Fatalf("unknown token: %v", err)
		}
	})
}

func TestBootstrapCreatesOneAdminOnEmptyDatabase(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		users := NewUsers(db, nil).WithCost(bcrypt.MinCost)
		created, pw, err := users.Bootstrap(ctx, "", "")
		if err != nil || !created || len(pw) < 20 {
			t.Fatalf("bootstrap: %v %q %v", created, pw, err)
		}
		if u, err := users.Authenticate(ctx, "admin", pw, ""); err != nil || u.Role != model.RoleAdmin {
			t.Fatalf("generated password: %v %v", u, err)
		}
		created, pw, err = users.Bootstrap(ctx, "", "")
		if err != nil || created || pw != "" {
			t.Fatalf("second bootstrap: %v %q %v", created, pw, err)
		}
		var n int64
		db.Model(&model.User{}).Count(&n)
		if n != 1 {
			t.Fatalf("users = %d", n)
		}
	})
}

func TestAuditRecordsActorAndLists(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		a := service.NewAudit(db, nil)
		u := &model.User{ID: 7, Name: "sun"}
		for _, act := range []string{"seminar.create", "roster.import", "roster.export"} {
			if err := a.Record(ctx, u, act, "seminar:sanya-2018", "d"); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.Record(ctx, nil, "user.create", "user:admin", "first start"); err != nil {
			t.Fatal(err)
		}
		all, err := a.List(ctx, service.AuditFilter{})
		if err != nil || len(all) != 4 || all[0].Action != "user.create" || all[0].UserName != "system" || all[0].UserID != nil {
			t.Fatalf("list: %+v %v", all, err)
		}
		ros, _ := a.List(ctx, service.AuditFilter{Action: "roster."})
		if len(ros) != 2 || *ros[0].UserID != 7 || ros[0].UserName != "sun" {
			t.Fatalf("roster events: %+v", ros)
		}
		older, _ := a.List(ctx, service.AuditFilter{BeforeID: all[1].ID})
		if len(older) != 2 {
			t.Fatalf("paging: %d", len(older))
		}
	})
}
