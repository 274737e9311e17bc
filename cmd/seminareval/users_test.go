package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service/account"
)

// cliDB gives a command environment and a handle on the same fresh,
// migrated database.
func cliDB(t *testing.T, target modeltest.Target) ([]string, *gorm.DB) {
	t.Helper()
	cfg := modeltest.NewDBConfig(t, target)
	environ := []string{"SEMINAREVAL_DATABASE_DRIVER=" + cfg.Driver, "SEMINAREVAL_DATABASE_DSN=" + cfg.DSN, "SEMINAREVAL_DATABASE_AUTO_MIGRATE=true",
		"SEMINAREVAL_SERVER_SECRETS_KEY_FILE=" + filepath.Join(t.TempDir(), "seminareval.key")}
	db, err := model.Open(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeDB(db) })
	if err := model.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return environ, db
}

func runCLI(t *testing.T, environ []string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	t.Chdir(t.TempDir())
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut, environ)
	return out.String(), errOut.String(), err
}

func TestUserAndTokenCommands(t *testing.T) {
	for _, target := range modeltest.Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			environ, db := cliDB(t, target)
			ctx := context.Background()
			users := account.NewUsers(db, nil)

			// Password from stdin: not echoed.
			out, _, err := runCLI(t, environ, "chen's long password\n", "user", "add", "--name", "chen", "--role", "staff")
			if err != nil || !strings.Contains(out, `created staff user "chen"`) || strings.Contains(out, "long password") {
				t.Fatalf("user add: %v %q", err, out)
			}
			if u, err := users.Authenticate(ctx, "chen", "chen's long password", ""); err != nil || u.Role != model.RoleStaff {
				t.Fatalf("login with the stdin password: %v", err)
			}
			// No password given: one is generated and printed once.
			out, _, err = runCLI(t, environ, "", "user", "add", "--name", "org1", "--role", "organiser")
			m := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out)
			if err != nil || m == nil {
				t.Fatalf("user add without password: %v %q", err, out)
			}
			if _, err := users.Authenticate(ctx, "org1", m[1], ""); err != nil {
				t.Fatalf("login with the printed password: %v", err)
			}
			var stored model.User
			db.Where("name = ?", "org1").Take(&stored)
			if stored.PasswordHash == m[1] || !strings.HasPrefix(stored.PasswordHash, "$2") {
				t.Fatal("password not stored as bcrypt")
			}
			// Mistakes are refused with a reason.
			for _, args := range [][]string{
				{"user", "add", "--name", "x1", "--role", "root"},
				{"user", "add", "--role", "staff"},
				{"user", "add", "--name", "chen", "--role", "staff"},
				{"user", "frobnicate", "--name", "chen"},
			} {
				if _, _, err := runCLI(t, environ, "a long enough password\n", args...); err == nil {
					t.Errorf("%v: no error", args)
				}
			}
			if _, _, err := runCLI(t, environ, "short\n", "user", "add", "--name", "weak", "--role", "staff"); err == nil || !strings.Contains(err.Error(), "at least 10") {
				t.Errorf("short password: %v", err)
			}

			// Token: printed once on stdout, stored hashed, listed by prefix, revocable.
			out, _, err = runCLI(t, environ, "", "token", "create", "--user", "chen", "--label", "sync")
			token := strings.TrimSpace(out)
			if err != nil || !strings.HasPrefix(token, "sev_") {
				t.Fatalf("token create: %v %q", err, out)
			}
			if u, _, err := account.NewTokens(db, nil).Verify(ctx, token); err != nil || u.Name != "chen" {
				t.Fatalf("verify the printed token: %v", err)
			}
			out, _, _ = runCLI(t, environ, "", "token", "list")
			if strings.Contains(out, token) || !strings.Contains(out, token[:12]+"…") || !strings.Contains(out, "chen") {
				t.Fatalf("token list: %q", out)
			}
			var tok model.APIToken
			db.Take(&tok)
			if _, _, err := runCLI(t, environ, "", "token", "revoke", "--id", strconv.FormatUint(tok.ID, 10)); err != nil {
				t.Fatal(err)
			}
			if _, _, err := account.NewTokens(db, nil).Verify(ctx, token); err == nil {
				t.Fatal("revoked token still works")
			}
			if _, _, err := runCLI(t, environ, "", "token", "create", "--user", "nobody"); err == nil {
				t.Fatal("token for an unknown user")
			}

			// Disable and list.
			if _, _, err := runCLI(t, environ, "", "user", "disable", "--name", "org1"); err != nil {
				t.Fatal(err)
			}
			out, _, _ = runCLI(t, environ, "", "user", "list")
			if !regexp.MustCompile(`org1\s+organiser\s+disabled`).MatchString(out) {
				t.Fatalf("user list: %q", out)
			}
			var n int64
			db.Model(&model.AuditEvent{}).Where("user_name = ?", "system").Count(&n)
			if n < 4 {
				t.Fatalf("command-line changes audited: %d", n)
			}
		})
	}
}

func TestFirstStartCreatesAdminOnce(t *testing.T) {
	for _, target := range modeltest.Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			_, db := cliDB(t, target)
			ctx := context.Background()
			log := slog.New(slog.DiscardHandler)
			var out bytes.Buffer
			if err := bootstrapAdmin(ctx, db, log, env{stdout: &out, stderr: io.Discard}); err != nil {
				t.Fatal(err)
			}
			m := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out.String())
			if m == nil {
				t.Fatalf("first start printed %q", out.String())
			}
			if u, err := account.NewUsers(db, nil).Authenticate(ctx, "admin", m[1], ""); err != nil || u.Role != model.RoleAdmin {
				t.Fatalf("admin login: %v", err)
			}
			out.Reset()
			if err := bootstrapAdmin(ctx, db, log, env{stdout: &out, stderr: io.Discard}); err != nil || out.Len() != 0 {
				t.Fatalf("second start: %v %q", err, out.String())
			}

			// SEMINAREVAL_ADMIN_PASSWORD on an empty database: used, not printed.
			_, db2 := cliDB(t, target)
			out.Reset()
			e := env{stdout: &out, stderr: io.Discard, environ: []string{adminPasswordEnv + "=the operator's choice"}}
			if err := bootstrapAdmin(ctx, db2, log, e); err != nil || strings.Contains(out.String(), "operator's choice") {
				t.Fatalf("env password: %v %q", err, out.String())
			}
			if _, err := account.NewUsers(db2, nil).Authenticate(ctx, "admin", "the operator's choice", ""); err != nil {
				t.Fatalf("login with the env password: %v", err)
			}
		})
	}
}
