package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/service"
	"seminareval/service/account"
)

// adminPasswordEnv sets the first admin's password instead of generating one
// (for automated deployments, which cannot read it from the log).
const adminPasswordEnv = "SEMINAREVAL_ADMIN_PASSWORD"

// bootstrapAdmin creates the admin account on the first start (no user at
// all) and prints a generated password once. Later starts do nothing.
func bootstrapAdmin(ctx context.Context, db *gorm.DB, log *slog.Logger, e env) error {
	given := e.getenv(adminPasswordEnv)
	created, pw, err := account.NewUsers(db, nil).Bootstrap(ctx, "admin", given)
	if err != nil {
		return fmt.Errorf("create the first admin: %w", err)
	}
	if !created {
		return nil
	}
	_ = service.NewAudit(db, nil).Record(ctx, nil, "user.create", "user:admin", "first admin, created on the first start")
	if given != "" {
		log.Info("created the first admin account with the password from "+adminPasswordEnv, "user", "admin")
		return nil
	}
	fmt.Fprintf(e.stdout, "\nCreated the first admin account. Sign in at /admin/login with\n  user:     admin\n  password: %s\nThis password is shown only now: change it under \"My account\" (/admin/account).\n\n", pw)
	return nil
}

// getenv reads a variable from the command's environment.
func (e env) getenv(name string) string {
	for _, kv := range e.environ {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}

// withDB runs f on the configured database.
func (e env) withDB(ctx context.Context, cfgPath string, f func(db *gorm.DB) error) error {
	return e.withApp(ctx, cfgPath, func(a app) error { return f(a.db) })
}

// readPassword takes the password from stdin when something is piped in;
// from a terminal, or with nothing piped, it returns "" (generate one).
func (e env) readPassword() (string, error) {
	if f, ok := e.stdin.(*os.File); ok {
		if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice != 0 {
			return "", nil
		}
	}
	if e.stdin == nil {
		return "", nil
	}
	line, err := bufio.NewReader(io.LimitReader(e.stdin, 1024)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

const userUsage = `usage:
  seminareval user add --name N --role admin|staff|organiser   (password from stdin, or generated and printed once)
  seminareval user passwd --name N                             (new password from stdin, or generated and printed once)
  seminareval user disable --name N | enable --name N
  seminareval user list`

func runUser(ctx context.Context, e env) error {
	if len(e.args) == 0 {
		fmt.Fprintln(e.stderr, userUsage)
		return errors.New("user: missing subcommand")
	}
	sub := e.args[0]
	fs, cfgPath := e.flags("user " + sub)
	name := fs.String("name", "", "user name")
	role := fs.String("role", "", "admin, staff or organiser")
	if err := fs.Parse(e.args[1:]); err != nil {
		return err
	}
	if sub != "list" && *name == "" {
		return fmt.Errorf("user %s: --name is required\n%s", sub, userUsage)
	}
	return e.withDB(ctx, *cfgPath, func(db *gorm.DB) error {
		users, audit := account.NewUsers(db, nil), service.NewAudit(db, nil)
		switch sub {
		case "add":
			if !account.ValidRole(*role) {
				return fmt.Errorf("user add: --role must be admin, staff or organiser")
			}
			pw, err := e.readPassword()
			if err != nil {
				return err
			}
			generated := pw == ""
			if generated {
				pw = account.GeneratePassword()
			}
			u, err := users.Create(ctx, *name, *role, pw)
			if err != nil {
				return fmt.Errorf("user add: %w", err)
			}
			_ = audit.Record(ctx, nil, "user.create", "user:"+u.Name, "role "+u.Role+" (command line)")
			fmt.Fprintf(e.stdout, "created %s user %q\n", u.Role, u.Name)
			if generated {
				fmt.Fprintf(e.stdout, "password: %s\n(shown only now)\n", pw)
			}
			return nil
		case "passwd":
			u, err := users.ByName(ctx, *name)
			if err != nil {
				return fmt.Errorf("user passwd: %w", err)
			}
			pw, err := e.readPassword()
			if err != nil {
				return err
			}
			generated := pw == ""
			if generated {
				pw = account.GeneratePassword()
			}
			if err := users.SetPassword(ctx, u.ID, pw); err != nil {
				return fmt.Errorf("user passwd: %w", err)
			}
			_ = audit.Record(ctx, nil, "user.password_reset", "user:"+u.Name, "command line")
			fmt.Fprintf(e.stdout, "password of %q changed\n", u.Name)
			if generated {
				fmt.Fprintf(e.stdout, "password: %s\n(shown only now)\n", pw)
			}
			return nil
		case "disable", "enable":
			u, err := users.ByName(ctx, *name)
			if err != nil {
				return fmt.Errorf("user %s: %w", sub, err)
			}
			if err := users.SetDisabled(ctx, u.ID, sub == "disable"); err != nil {
				return fmt.Errorf("user %s: %w", sub, err)
			}
			_ = audit.Record(ctx, nil, "user."+sub, "user:"+u.Name, "command line")
			fmt.Fprintf(e.stdout, "%sd %q\n", sub, u.Name)
			return nil
		case "list":
			us, err := users.List(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tROLE\tSTATUS\tCREATED")
			for _, u := range us {
				status := "active"
				if u.Disabled {
					status = "disabled"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Name, u.Role, status, u.CreatedAt.Format("2006-01-02"))
			}
			return tw.Flush()
		}
		return fmt.Errorf("user: unknown subcommand %q\n%s", sub, userUsage)
	})
}

const tokenUsage = `usage:
  seminareval token create --user N [--label TEXT]   (prints a new API token once)
  seminareval token list [--user N]
  seminareval token revoke --id ID`

func runToken(ctx context.Context, e env) error {
	if len(e.args) == 0 {
		fmt.Fprintln(e.stderr, tokenUsage)
		return errors.New("token: missing subcommand")
	}
	sub := e.args[0]
	fs, cfgPath := e.flags("token " + sub)
	user := fs.String("user", "", "user name")
	label := fs.String("label", "", "what the token is for")
	id := fs.Uint64("id", 0, "token id (from token list)")
	if err := fs.Parse(e.args[1:]); err != nil {
		return err
	}
	return e.withDB(ctx, *cfgPath, func(db *gorm.DB) error {
		users, tokens, audit := account.NewUsers(db, nil), account.NewTokens(db, nil), service.NewAudit(db, nil)
		var owner *model.User
		if *user != "" {
			u, err := users.ByName(ctx, *user)
			if err != nil {
				return fmt.Errorf("token %s: %w", sub, err)
			}
			owner = u
		}
		switch sub {
		case "create":
			if owner == nil {
				return fmt.Errorf("token create: --user is required\n%s", tokenUsage)
			}
			if owner.Disabled {
				return fmt.Errorf("token create: user %q is disabled", owner.Name)
			}
			plain, t, err := tokens.Create(ctx, owner.ID, *label)
			if err != nil {
				return err
			}
			_ = audit.Record(ctx, nil, "token.create", fmt.Sprintf("token:%d", t.ID), t.Prefix+"… for "+owner.Name+" (command line)")
			fmt.Fprintln(e.stdout, plain)
			fmt.Fprintf(e.stderr, "token %d for %s (%s); shown only now, use it as \"Authorization: Bearer <token>\"\n", t.ID, owner.Name, owner.Role)
			return nil
		case "list":
			var uid uint64
			if owner != nil {
				uid = owner.ID
			}
			rows, err := tokens.List(ctx, uid)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPREFIX\tUSER\tLABEL\tCREATED\tSTATUS")
			for _, r := range rows {
				status := "active"
				if r.RevokedAt != nil {
					status = "revoked " + r.RevokedAt.Format("2006-01-02")
				}
				fmt.Fprintf(tw, "%d\t%s…\t%s\t%s\t%s\t%s\n", r.ID, r.Prefix, r.UserName, r.Name, r.CreatedAt.Format("2006-01-02"), status)
			}
			return tw.Flush()
		case "revoke":
			if *id == 0 {
				return fmt.Errorf("token revoke: --id is required\n%s", tokenUsage)
			}
			if err := tokens.Revoke(ctx, *id, 0); err != nil {
				return fmt.Errorf("token revoke: %w", err)
			}
			_ = audit.Record(ctx, nil, "token.revoke", fmt.Sprintf("token:%d", *id), "command line")
			fmt.Fprintf(e.stdout, "revoked token %d\n", *id)
			return nil
		}
		return fmt.Errorf("token: unknown subcommand %q\n%s", sub, tokenUsage)
	})
}
