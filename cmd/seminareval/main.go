// Command seminareval serves the evaluation questionnaires and runs the
// administrative subcommands (migrate, import, user, token, report, roster, wechat).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/service"
	"seminareval/service/definition"
	"seminareval/service/xlsform"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Environ())
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "seminareval:", err)
		}
		os.Exit(1)
	}
}

// env is what every subcommand gets: its arguments, the process's streams
// and environment. Nothing reads globals, so tests can run commands in-process.
type env struct {
	args    []string
	stdin   io.Reader
	stdout  io.Writer
	stderr  io.Writer
	environ []string
}

type command struct {
	summary string
	run     func(ctx context.Context, e env) error
}

// commands is the table of subcommands; serve is the default.
var commands = map[string]command{
	"serve":   {"serve the site (default)", runServe},
	"migrate": {"create or update the database schema (MySQL; SQLite migrates itself)", runMigrate},
	"import":  {"import [--slug SLUG] FILE: load a questionnaire definition (YAML, JSON or an XLSForm .xlsx)", runImport},
	"user":    {"user add --name N --role admin|staff|organiser: manage console users", runUser},
	"token":   {"token create --user N: create an API token", runToken},
	"report":  {"report --questionnaire SLUG --out FILE.xlsx: write the Excel annex", runReport},
	"roster":  {"roster import --seminar SLUG [--dry-run] FILE: import participants (.xlsx, CSV, text, JSON)", runRoster},
	"wechat":  {"wechat menu: set the official account's menu", runWeChat},
	"purge":   {"purge: remove personal data past its retention (serve does it every ten minutes)", runPurge},
	"secrets": {"secrets new-key | reseal: a fresh sealing key; seal the stored secrets with the current key", runSecrets},
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, environ []string) error {
	name := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if name == "help" {
		usage(stdout)
		return nil
	}
	cmd, ok := commands[name]
	if !ok {
		usage(stderr)
		return fmt.Errorf("unknown command %q", name)
	}
	return cmd.run(ctx, env{args: args, stdin: stdin, stdout: stdout, stderr: stderr, environ: environ})
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: seminareval [command] [-config config.yaml] [flags]")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "Every config key can be set by SEMINAREVAL_<SECTION>_<KEY>; see config.yaml.")
}

// flags returns a flag set with the -config flag every subcommand accepts.
func (e env) flags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("seminareval "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	cfgPath := fs.String("config", "", "configuration file (default: config.yaml if present; SEMINAREVAL_CONFIG)")
	return fs, cfgPath
}

// loadConfig reads the file named by -config, SEMINAREVAL_CONFIG, or
// ./config.yaml when it exists.
func (e env) loadConfig(path string) (service.Config, error) {
	optional := false
	if path == "" {
		for _, kv := range e.environ {
			if v, ok := strings.CutPrefix(kv, "SEMINAREVAL_CONFIG="); ok {
				path = v
			}
		}
	}
	if path == "" {
		path, optional = "config.yaml", true
	}
	return service.LoadConfig(path, optional, e.environ)
}

func newLogger(cfg service.LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openDB connects and, for SQLite (or with database.auto_migrate), migrates.
// MySQL without auto_migrate must have been migrated by `seminareval migrate`.
func openDB(ctx context.Context, cfg service.Config, log *slog.Logger) (*gorm.DB, error) {
	db, err := model.Open(model.DBConfig{
		Driver: cfg.Database.Driver, DSN: cfg.Database.DSN,
		MaxOpenConns: cfg.Database.MaxOpenConns, MaxIdleConns: cfg.Database.MaxIdleConns,
		ConnMaxLifetime: cfg.Database.ConnMaxLifetime, SlowThreshold: cfg.Database.SlowThreshold,
	}, log)
	if err != nil {
		return nil, err
	}
	if cfg.Database.Driver == "sqlite" || cfg.Database.AutoMigrate {
		if err := model.Migrate(ctx, db); err != nil {
			return nil, err
		}
	} else if model.NeedsMigration(ctx, db) {
		return nil, errors.New("the MySQL schema is missing or out of date: run `seminareval migrate` first")
	}
	return db, nil
}

// app is what a subcommand works with: the configuration, a logger and the
// database.
type app struct {
	cfg service.Config
	log *slog.Logger
	db  *gorm.DB
}

// withApp loads the configuration (cfgPath, SEMINAREVAL_CONFIG or
// ./config.yaml), opens the database and runs f, closing the database after.
func (e env) withApp(ctx context.Context, cfgPath string, f func(a app) error) error {
	cfg, err := e.loadConfig(cfgPath)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, e.stderr)
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeDB(db)
	return f(app{cfg: cfg, log: log, db: db})
}

// secrets resolves the sealing key (creating its file on first start),
// seals any secret still stored in plain text or under a previous key, and
// returns the signing secret and the sealer.
func (a app) secrets(ctx context.Context) ([]byte, *service.Sealer, error) {
	path, created, err := service.ResolveSecretsKey(&a.cfg)
	if err != nil {
		return nil, nil, err
	}
	if created {
		a.log.Warn("created the key that seals the secrets in the database; keep it, back it up apart from the database, and give every replica the same (server.secrets_key or this file)", "file", path)
	}
	sealer, err := service.NewSealer(a.cfg.Server)
	if err != nil {
		return nil, nil, err
	}
	if n, err := service.ResealSettings(ctx, a.db, sealer); err != nil {
		return nil, nil, err
	} else if n > 0 {
		a.log.Info("sealed secrets with the current key", "settings", n, "key", sealer.KeyID())
	}
	secret, err := service.EnsureSecret(ctx, a.db, a.cfg.Server.Secret, sealer)
	if err != nil {
		return nil, nil, err
	}
	return secret, sealer, nil
}

func closeDB(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		_ = sqlDB.Close()
	}
}

func runMigrate(ctx context.Context, e env) error {
	fs, cfgPath := e.flags("migrate")
	if err := fs.Parse(e.args); err != nil {
		return err
	}
	cfg, err := e.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, e.stderr)
	db, err := model.Open(model.DBConfig{Driver: cfg.Database.Driver, DSN: cfg.Database.DSN}, log)
	if err != nil {
		return err
	}
	defer closeDB(db)
	if err := model.Migrate(ctx, db); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "migrated %s database\n", cfg.Database.Driver)
	return nil
}

func runImport(ctx context.Context, e env) error {
	fs, cfgPath := e.flags("import")
	slug := fs.String("slug", "", "link name of the questionnaire (replaces the file's slug or XLSForm form_id)")
	if err := fs.Parse(e.args); err != nil {
		return err
	}
	args := fs.Args()
	if len(args) > 1 {
		// Flags may also follow the file: import form.xlsx --slug spring-2027.
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		args = append([]string{args[0]}, fs.Args()...)
	}
	if len(args) != 1 {
		return errors.New("usage: seminareval import [--slug SLUG] FILE (a definition in YAML or JSON, or an XLSForm .xlsx)")
	}
	file := args[0]
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	def, warnings, err := xlsform.ParseUpload(data, xlsform.Options{Slug: *slug, FileName: filepath.Base(file)})
	if err != nil {
		if problems, ok := definition.AsInvalid(err); ok {
			for _, p := range problems {
				fmt.Fprintf(e.stderr, "%s: %s\n", file, p)
			}
			return fmt.Errorf("%s: %d problem(s), nothing imported", file, len(problems))
		}
		return err
	}
	return e.withApp(ctx, *cfgPath, func(a app) error {
		q, err := service.NewQuestionnaires(a.db, nil).Import(ctx, def)
		if err != nil {
			return err
		}
		for _, w := range warnings {
			fmt.Fprintf(e.stderr, "%s: warning: %s\n", file, w)
		}
		fmt.Fprintf(e.stdout, "imported questionnaire %d %q (%s): %s/s/%s\n", q.ID, q.Slug, q.Status, strings.TrimRight(a.cfg.Server.BaseURL, "/"), q.Slug)
		return nil
	})
}
