package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"gorm.io/gorm"

	"seminareval/handler"
	"seminareval/service"
	"seminareval/service/definition"
	"seminareval/service/wire"
	"seminareval/templates"
)

// demoDefinitions are the demo questionnaires seeded on an empty
// database: the Sanya seminar's evaluation (the first, whose link the log
// gives) and its knowledge tests before and after.
var demoDefinitions = []string{"definitions/sanya-2018-evaluation.yaml", "definitions/sanya-2018-pretest.yaml", "definitions/sanya-2018-posttest.yaml"}

func runServe(ctx context.Context, e env) error {
	fs, cfgPath := e.flags("serve")
	if err := fs.Parse(e.args); err != nil {
		return err
	}
	return e.withApp(ctx, *cfgPath, func(a app) error { return serve(ctx, e, a) })
}

// serve seeds what an empty database needs and serves until ctx ends, then
// shuts down gracefully.
func serve(ctx context.Context, e env, a app) error {
	cfg, log, db := a.cfg, a.log, a.db
	secret, sealer, err := a.secrets(ctx)
	if err != nil {
		return err
	}
	if cfg.Demo.Enabled {
		if err := seedDemo(ctx, db, log, cfg); err != nil {
			return err
		}
	}
	if err := bootstrapAdmin(ctx, db, log, e); err != nil {
		return err
	}
	services := wire.New(wire.Deps{DB: db, Config: cfg, Secret: secret, Sealer: sealer, Log: log, Now: time.Now})
	defer services.Close()
	srv, err := handler.New(ctx, handler.Deps{Config: cfg, DB: db, Log: log, Secret: secret, Services: services})
	if err != nil {
		return err
	}
	// Keep report tallies warm, so an organiser's first summary of a big
	// questionnaire costs a tenth of a second, not a cold grouping of every answer.
	go services.Reports.KeepTalliesWarm(ctx, time.Minute, log)
	// Purge personal data past its retention, and WeChat records past their
	// windows (service/retention.go), now and every ten minutes.
	go services.Janitor.Run(ctx, 10*time.Minute, log)

	ln, err := net.Listen("tcp", cfg.Server.Addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: cfg.Server.ReadHeaderTimeout,
		ReadTimeout:       cfg.Server.ReadTimeout,
		WriteTimeout:      cfg.Server.WriteTimeout,
		IdleTimeout:       cfg.Server.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("serving", "addr", ln.Addr().String(), "base_url", cfg.Server.BaseURL, "database", cfg.Database.Driver,
		"wechat", cfg.WeChat.Enabled, "console", strings.TrimRight(cfg.Server.BaseURL, "/")+"/admin/")
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.Server.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// seedDemo imports the demo questionnaires into an empty database and says
// where to point a browser.
func seedDemo(ctx context.Context, db *gorm.DB, log *slog.Logger, cfg service.Config) error {
	qs := service.NewQuestionnaires(db, time.Now)
	n, err := qs.Count(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	var first *definition.Definition
	for _, name := range demoDefinitions {
		data, err := templates.Definitions.ReadFile(name)
		if err != nil {
			return err
		}
		def, err := definition.ParseDefinition(data)
		if err != nil {
			return fmt.Errorf("demo definition %s: %w", name, err)
		}
		if _, err := qs.Import(ctx, def); err != nil {
			return fmt.Errorf("seed demo %s: %w", name, err)
		}
		if first == nil {
			first = def
		}
	}
	def := first
	log.Info("seeded the demo questionnaire: open it in a browser", "url", strings.TrimRight(cfg.Server.BaseURL, "/")+"/s/"+def.Slug)
	return nil
}
