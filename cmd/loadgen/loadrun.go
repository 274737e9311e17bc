package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"time"

	"gorm.io/gorm"

	"seminareval/cmd/loadgen/load"
	"seminareval/handler"
	"seminareval/model"
	"seminareval/service"
	"seminareval/service/definition"
	"seminareval/service/wire"
)

type config struct {
	url, driver, mysql, dsn, bin, slug string
	clients                            []int
	duration, warmup                   time.Duration
	requests, rounds                   int
	retry, dup                         float64
	ceiling, keep, inProcess, budgets  bool
	logLevel, cpuProfile               string
}

// Budgets for the submit path (README, "Load, faults and fuzzing").
const (
	budgetRatio   = 0.85
	budgetP99     = 25 * time.Millisecond
	budgetClients = 16
)

func loopbackOnly(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("-url: %w", err)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); (ip == nil || !ip.IsLoopback()) && host != "localhost" {
		return fmt.Errorf("-url %s: only loopback addresses (127.0.0.1, localhost, [::1]) may be load-tested", raw)
	}
	return nil
}

// loadRun sets up the target, runs the phases for every client count and
// checks the database afterwards.
func loadRun(ctx context.Context, o config, out io.Writer) error {
	dir, err := os.MkdirTemp("", "seminareval-load-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(out, "run directory:", dir)
	} else {
		defer os.RemoveAll(dir)
	}

	var db load.Database
	baseURL := o.url
	servicePID, ceilingPID := 0, 0
	switch {
	case o.url != "":
		db = load.Database{Driver: o.driver, DSN: o.dsn}
	default:
		if db, err = load.NewDatabase(ctx, o.driver, o.mysql, dir); err != nil {
			return err
		}
		if !o.keep {
			defer db.Drop()
		} else {
			fmt.Fprintln(out, "database:", db.Driver, db.DSN)
		}
	}

	if o.inProcess {
		if o.cpuProfile != "" {
			f, err := os.Create(o.cpuProfile)
			if err != nil {
				return err
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				return err
			}
			defer pprof.StopCPUProfile()
		}
		srv, err := startInProcess(ctx, db)
		if err != nil {
			return err
		}
		defer srv.Close()
		baseURL = srv.URL
		servicePID = os.Getpid()
	} else if o.url == "" {
		bin := o.bin
		if bin == "" {
			fmt.Fprintln(out, "building ./cmd/seminareval ...")
			if bin, err = load.Build(ctx, dir); err != nil {
				return err
			}
		}
		port, err := load.FreePort()
		if err != nil {
			return err
		}
		svc := &load.Service{Bin: bin, Dir: dir, Port: port, DB: db, LogLevel: o.logLevel}
		if o.budgets {
			d := service.DefaultConfig().Server
			svc.Env = append(svc.Env, fmt.Sprintf("SEMINAREVAL_SERVER_SUBMIT_BUDGET=%d", d.SubmitBudget),
				fmt.Sprintf("SEMINAREVAL_SERVER_SUBMIT_BUDGET_UNTOKENED=%d", d.SubmitBudgetUntokened))
		}
		if err := svc.Start(ctx); err != nil {
			return err
		}
		defer svc.Stop()
		baseURL = svc.URL()
		servicePID = svc.Pid()
	}

	def, err := load.DemoDefinition()
	if err != nil {
		return err
	}
	if o.slug != def.Slug {
		def = nil // answers come from the stored definition below
	}
	var gdb *gorm.DB
	if db.DSN != "" || db.Driver == "sqlite" && o.url == "" {
		if gdb, err = model.Open(model.DBConfig{Driver: db.Driver, DSN: db.DSN}, nil); err != nil {
			return err
		}
		defer closeDB(gdb)
	}
	if def == nil {
		if gdb == nil {
			return errors.New("-slug other than the demo needs the database (-dsn) to read its definition")
		}
		l, err := service.NewQuestionnaires(gdb, nil).LoadBySlug(ctx, o.slug)
		if err != nil {
			return err
		}
		def = l.Def
	}

	var ceilingURL, ceilingSlug string
	if o.ceiling {
		if gdb == nil {
			fmt.Fprintln(out, "no -dsn: the ceiling is not measured")
			o.ceiling = false
		} else {
			if ceilingSlug, err = copyForCeiling(ctx, gdb, def); err != nil {
				return err
			}
			stop, u, pid, err := startCeiling(ctx, o, db, ceilingSlug, dir)
			if err != nil {
				return err
			}
			defer stop()
			ceilingURL, ceilingPID = u, pid
		}
	}

	fmt.Fprintf(out, "target %s/s/%s on %s; each phase %s", baseURL, o.slug, db.Driver, o.duration)
	if o.requests > 0 {
		fmt.Fprintf(out, " or %d requests", o.requests)
	}
	fmt.Fprintln(out)

	var (
		mu   sync.Mutex
		acks []load.Ack
	)
	record := func(a load.Ack) {
		mu.Lock()
		acks = append(acks, a)
		mu.Unlock()
	}
	failed := false
	databasePID := 0
	if db.Driver == "mysql" {
		databasePID = load.PIDOf("mariadbd") // 0 (not shown) for a remote or other server
	}
	for _, n := range o.clients {
		opts := load.Options{BaseURL: baseURL, Slug: o.slug, Def: def, Clients: n, Duration: o.duration, Requests: o.requests, OnAck: record, Seed: uint64(time.Now().UnixNano()), ServerPID: servicePID, DatabasePID: databasePID, Budgeted: o.budgets}
		warm := opts
		warm.Duration, warm.Requests = o.warmup, 0
		fmt.Fprintf(out, "\n== %d clients\n", n)
		if o.warmup > 0 {
			load.Run(ctx, "warm-up", warm)
		}
		var service, ceiling []*load.Result
		for round := range o.rounds {
			runService := func() { service = append(service, load.Run(ctx, "service", opts)) }
			runCeiling := func() {
				if ceilingURL == "" {
					return
				}
				c := opts
				c.BaseURL, c.Slug = ceilingURL, ceilingSlug
				c.OnAck, c.ServerPID = nil, ceilingPID
				if round == 0 && o.warmup > 0 {
					w := c
					w.Duration, w.Requests = o.warmup, 0
					load.Run(ctx, "warm-up", w)
				}
				ceiling = append(ceiling, load.Run(ctx, "ceiling", c))
			}
			if round%2 == 0 {
				runCeiling()
				runService()
			} else {
				runService()
				runCeiling()
			}
		}
		s := merge("service", service)
		fmt.Fprintln(out, s)
		failed = failed || s.Failed()
		if len(ceiling) > 0 {
			c := merge("ceiling", ceiling)
			fmt.Fprintln(out, c)
			ratio := s.Throughput() / c.Throughput()
			fmt.Fprintf(out, "          service/ceiling = %.2f\n", ratio)
			if n == budgetClients {
				fmt.Fprintf(out, "budget    throughput ≥ %.2f × ceiling at %d clients: %s (%.2f)\n", budgetRatio, n, verdict(ratio >= budgetRatio), ratio)
			}
		}
		if n == budgetClients {
			fmt.Fprintf(out, "budget    p99 ≤ %s at %d clients: %s (%.2fms)\n", budgetP99, n, verdict(s.Percentile(99) <= budgetP99), float64(s.Percentile(99).Microseconds())/1000)
		}
		if o.retry > 0 || o.dup > 0 {
			mixed := opts
			mixed.RetryShare, mixed.DuplicateShare = o.retry, o.dup
			m := load.Run(ctx, "mixed", mixed)
			fmt.Fprintln(out, m)
			failed = failed || m.Failed()
			s.ByStatus[500] += m.ServerErrors() // for the 5xx budget below
		}
		fmt.Fprintf(out, "budget    no 5xx at %d clients: %s (%d)\n", n, verdict(s.ServerErrors() == 0), s.ServerErrors())
	}

	if gdb != nil {
		v, err := load.Verify(ctx, gdb, o.slug, acks)
		if err != nil {
			return err
		}
		if o.url != "" {
			v.Orphans = 0 // an existing service may hold other responses
		}
		fmt.Fprintf(out, "\ncheck     %s: %s\n", verdict(v.OK()), v)
		failed = failed || !v.OK()
	}
	if failed {
		return errors.New("the submit contract was broken under load (see WRONG / check above)")
	}
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "OK"
	}
	return "MISSED"
}

func flagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// merge adds up the rounds of one kind of phase.
func merge(name string, rs []*load.Result) *load.Result {
	m := &load.Result{Name: name, ByStatus: map[int]int{}}
	for _, r := range rs {
		m.Clients = r.Clients
		m.Elapsed += r.Elapsed
		m.Requests += r.Requests
		m.Latencies = append(m.Latencies, r.Latencies...)
		for s, n := range r.ByStatus {
			m.ByStatus[s] += n
		}
		m.New += r.New
		m.NewOK += r.NewOK
		m.ServerCPU += r.ServerCPU
		m.DatabaseCPU += r.DatabaseCPU
		m.Wrong = append(m.Wrong, r.Wrong...)
		m.TransportErrorExamples = append(m.TransportErrorExamples, r.TransportErrorExamples...)
	}
	slices.Sort(m.Latencies)
	return m
}

// copyForCeiling imports the target's definition again under another slug,
// so that the ceiling writes the same rows into the same tables without
// mixing them with the service's responses.
func copyForCeiling(ctx context.Context, db *gorm.DB, def *definition.Definition) (string, error) {
	c := *def
	c.Slug = def.Slug + "-ceiling"
	if len(c.Slug) > 64 {
		c.Slug = c.Slug[:64]
	}
	qs := service.NewQuestionnaires(db, nil)
	if _, err := qs.LoadBySlug(ctx, c.Slug); err == nil {
		return c.Slug, nil
	}
	if _, err := qs.Import(ctx, &c); err != nil {
		return "", fmt.Errorf("import the ceiling's copy of the questionnaire: %w", err)
	}
	return c.Slug, nil
}

// startCeiling serves the ceiling handler: in another process (like the
// service, so both pay for their own process), or in this one with
// -inprocess.
func startCeiling(ctx context.Context, o config, db load.Database, slug, dir string) (stop func(), baseURL string, pid int, err error) {
	if o.inProcess {
		gdb, err := model.Open(model.DBConfig{Driver: db.Driver, DSN: db.DSN}, nil)
		if err != nil {
			return nil, "", 0, err
		}
		c, err := load.NewCeiling(ctx, gdb, slug)
		if err != nil {
			return nil, "", 0, err
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, "", 0, err
		}
		hs := &http.Server{Handler: c, ReadHeaderTimeout: 5 * time.Second}
		go hs.Serve(ln)
		return func() { hs.Close(); closeDB(gdb) }, "http://" + ln.Addr().String(), os.Getpid(), nil
	}
	self, err := os.Executable()
	if err != nil {
		return nil, "", 0, err
	}
	port, err := load.FreePort()
	if err != nil {
		return nil, "", 0, err
	}
	logf, err := os.Create(filepath.Join(dir, "ceiling.log"))
	if err != nil {
		return nil, "", 0, err
	}
	cmd := exec.Command(self, "ceiling", "-driver", db.Driver, "-dsn", db.DSN, "-slug", slug, "-addr", "127.0.0.1:"+strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, "", 0, err
	}
	stop = func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); logf.Close() }
	baseURL = fmt.Sprintf("http://127.0.0.1:%d", port)
	hc := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		res, err := hc.Get(baseURL + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return stop, baseURL, cmd.Process.Pid, nil
			}
		}
	}
	stop()
	return nil, "", 0, fmt.Errorf("the ceiling did not start; see %s", logf.Name())
}

// runCeiling is the `loadgen ceiling` subcommand: the ceiling handler as its
// own process.
func runCeiling(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flagSet("loadgen ceiling", stderr)
	driver := fs.String("driver", "sqlite", "sqlite or mysql")
	dsn := fs.String("dsn", "", "database (as the service's database.dsn)")
	slug := fs.String("slug", "", "questionnaire to insert into")
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	gdb, err := model.Open(model.DBConfig{Driver: *driver, DSN: *dsn}, nil)
	if err != nil {
		return err
	}
	defer closeDB(gdb)
	c, err := load.NewCeiling(ctx, gdb, *slug)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("POST /s/", c)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	hs := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { <-ctx.Done(); hs.Close() }()
	if err := hs.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// inProcess is the service's real router served from this process.
type inProcess struct {
	URL   string
	close func()
}

func (s *inProcess) Close() { s.close() }

// startInProcess builds the service's router over db (seeding the demo, as
// serve does on an empty database) and serves it on a loopback port.
func startInProcess(ctx context.Context, db load.Database) (*inProcess, error) {
	gdb, err := model.Open(model.DBConfig{Driver: db.Driver, DSN: db.DSN}, nil)
	if err != nil {
		return nil, err
	}
	if err := model.Migrate(ctx, gdb); err != nil {
		return nil, err
	}
	secret, err := service.EnsureSecret(ctx, gdb, "", nil)
	if err != nil {
		return nil, err
	}
	def, err := load.DemoDefinition()
	if err != nil {
		return nil, err
	}
	qs := service.NewQuestionnaires(gdb, nil)
	if _, err := qs.LoadBySlug(ctx, def.Slug); err != nil {
		if _, err := qs.Import(ctx, def); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	cfg := service.DefaultConfig()
	cfg.Database.Driver, cfg.Database.DSN = db.Driver, db.DSN
	cfg.Server.BaseURL = "http://" + ln.Addr().String()
	// The load comes from one address with random cookies and no page
	// views: exactly what the submission budget stops. Off here; against a
	// server, run it with SEMINAREVAL_SERVER_SUBMIT_BUDGET_UNTOKENED=0.
	cfg.Server.SubmitBudget, cfg.Server.SubmitBudgetUntokened = 0, 0
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	services := wire.New(wire.Deps{DB: gdb, Config: cfg, Secret: secret, Log: logger})
	srv, err := handler.New(ctx, handler.Deps{Config: cfg, DB: gdb, Log: logger, Secret: secret, Services: services})
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	return &inProcess{URL: cfg.Server.BaseURL, close: func() { hs.Close(); services.Close(); closeDB(gdb) }}, nil
}

func closeDB(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		_ = sqlDB.Close()
	}
}
