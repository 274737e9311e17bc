// Command faultcheck proves that no acknowledged submission is lost or
// duplicated when things break under load. It starts seminareval on a fresh
// database, drives the submit endpoint with clients that, like the page's
// script, re-send a submission with the same submission_id until they get an
// answer, and meanwhile:
//
//   - kills the service with SIGKILL (-kills times) and restarts it;
//   - with -driver mysql -restart-mariadb, shuts MariaDB down and starts it
//     again (mariadb-admin shutdown; start-stop-daemon ... mariadbd).
//
// Afterwards it checks in the database that every submission that got a 2xx
// is stored exactly once, whole, under the response id its client was given,
// that nothing unacknowledged is stored, and that re-sending every one of them
// gets 200 already_recorded with the same id.
//
//	go run ./cmd/faultcheck -driver sqlite -kills 2
//	go run ./cmd/faultcheck -driver mysql -kills 2 -restart-mariadb
//
// Only 127.0.0.1 is a target; the run is bounded by -duration (and each
// submission by -persist-for).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"

	"seminareval/cmd/loadgen/load"
	"seminareval/model"
)

func main() { load.Main("faultcheck", run) }

type config struct {
	driver, mysql, bin         string
	clients, kills             int
	duration, down, persistFor time.Duration
	retry                      float64
	restartMariaDB, keep       bool
	mariadbAdmin, mariadbd     string
}

func run(ctx context.Context, args []string, out, stderr io.Writer) error {
	fs := flag.NewFlagSet("faultcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o config
	fs.StringVar(&o.driver, "driver", "sqlite", "database of the service: sqlite or mysql")
	fs.StringVar(&o.mysql, "mysql", "root@tcp(127.0.0.1:3306)/", "MySQL server on which a fresh utf8mb4 database is created")
	fs.StringVar(&o.bin, "bin", "", "seminareval binary (default: go build ./cmd/seminareval)")
	fs.IntVar(&o.clients, "clients", 16, "concurrent clients")
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "how long new submissions are sent")
	fs.IntVar(&o.kills, "kills", 2, "SIGKILL the service this many times, evenly spread over -duration")
	fs.DurationVar(&o.down, "down", time.Second, "how long the service stays dead before it is restarted")
	fs.DurationVar(&o.persistFor, "persist-for", 2*time.Minute, "how long a client keeps re-sending one submission")
	fs.Float64Var(&o.retry, "retry", 0.1, "share of requests re-sending an acknowledged submission")
	fs.BoolVar(&o.restartMariaDB, "restart-mariadb", false, "with -driver mysql: also restart the local MariaDB server mid-load (other users of that server see it go down for a few seconds)")
	fs.StringVar(&o.mariadbAdmin, "mariadb-admin", "mariadb-admin", "the admin client used to shut MariaDB down")
	fs.StringVar(&o.mariadbd, "mariadbd", "/usr/sbin/mariadbd", "the server binary started again with start-stop-daemon")
	fs.BoolVar(&o.keep, "keep", false, "keep the run directory and database")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.restartMariaDB && o.driver != "mysql" {
		return errors.New("-restart-mariadb needs -driver mysql")
	}
	if o.clients < 1 || o.clients > 256 || o.duration <= 0 || o.duration > 10*time.Minute {
		return errors.New("-clients 1..256 and -duration up to 10m")
	}

	dir, err := os.MkdirTemp("", "seminareval-faults-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(out, "run directory:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	db, err := load.NewDatabase(ctx, o.driver, o.mysql, dir)
	if err != nil {
		return err
	}
	if !o.keep {
		defer db.Drop()
	}
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
	svc := &load.Service{Bin: bin, Dir: dir, Port: port, DB: db}
	if err := svc.Start(ctx); err != nil {
		return err
	}
	defer svc.Stop()
	def, err := load.DemoDefinition()
	if err != nil {
		return err
	}

	var (
		mu   sync.Mutex
		acks []load.Ack
	)
	opts := load.Options{
		BaseURL: svc.URL(), Slug: def.Slug, Def: def, Clients: o.clients, Duration: o.duration,
		RetryShare: o.retry, Persist: true, PersistFor: o.persistFor, Timeout: 5 * time.Second,
		Seed: uint64(time.Now().UnixNano()),
		OnAck: func(a load.Ack) {
			mu.Lock()
			acks = append(acks, a)
			mu.Unlock()
		},
	}
	fmt.Fprintf(out, "load: %d clients for %s on %s at %s; %d SIGKILL(s) of the service", o.clients, o.duration, db.Driver, svc.URL(), o.kills)
	if o.restartMariaDB {
		fmt.Fprint(out, ", then a MariaDB restart")
	}
	fmt.Fprintln(out)

	faultErr := make(chan error, 1)
	go func() { faultErr <- injectFaults(ctx, o, svc, out) }()
	res := load.Run(ctx, "faults", opts)
	if err := <-faultErr; err != nil {
		return fmt.Errorf("fault injection: %w", err)
	}
	fmt.Fprintln(out, res)

	// The check reads the database directly, with the service still up.
	gdb, err := model.Open(model.DBConfig{Driver: db.Driver, DSN: db.DSN}, nil)
	if err != nil {
		return err
	}
	defer func() {
		if sqlDB, err := gdb.DB(); err == nil {
			sqlDB.Close()
		}
	}()
	v, err := load.Verify(ctx, gdb, def.Slug, acks)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "check: %s\n", v)
	wrong := load.Resend(ctx, svc.URL(), def.Slug, acks, o.clients)
	fmt.Fprintf(out, "re-sent all %d acknowledged submissions: %d did not get 200 already_recorded with their response id\n", len(acks), len(wrong))
	for _, w := range wrong[:min(5, len(wrong))] {
		fmt.Fprintln(out, "  ", w)
	}
	attempts, recovered := 0, 0
	for _, a := range acks {
		if a.Attempts > 1 {
			attempts++
		}
		if a.Recovered {
			recovered++
		}
	}
	fmt.Fprintf(out, "submissions that needed more than one attempt: %d, of which stored by an attempt whose answer was lost: %d\n", attempts, recovered)
	if !v.OK() || len(wrong) > 0 || res.Unresolved > 0 || len(res.Wrong) > 0 {
		fmt.Fprintln(out, "FAILED")
		return errors.New("acknowledged submissions were lost, duplicated or changed")
	}
	fmt.Fprintln(out, "OK: every acknowledged submission is stored exactly once")
	return nil
}

// injectFaults kills and restarts the service (and MariaDB) at even
// intervals during the load.
func injectFaults(ctx context.Context, o config, svc *load.Service, out io.Writer) error {
	events := o.kills
	if o.restartMariaDB {
		events++
	}
	start := time.Now()
	for i := range events {
		at := start.Add(o.duration * time.Duration(i+1) / time.Duration(events+1))
		select {
		case <-time.After(time.Until(at)):
		case <-ctx.Done():
			return ctx.Err()
		}
		if i < o.kills {
			pid := svc.Pid()
			t0 := time.Now()
			if err := svc.Kill(); err != nil {
				return err
			}
			time.Sleep(o.down)
			if err := svc.Start(ctx); err != nil {
				return err
			}
			fmt.Fprintf(out, "%6.1fs  SIGKILL service (pid %d); restarted and ready after %s\n", time.Since(start).Seconds(), pid, time.Since(t0).Round(time.Millisecond))
			continue
		}
		t0 := time.Now()
		if err := restartMariaDB(ctx, o); err != nil {
			return err
		}
		fmt.Fprintf(out, "%6.1fs  MariaDB shut down and started again; answering after %s\n", time.Since(start).Seconds(), time.Since(t0).Round(time.Millisecond))
	}
	return nil
}

// restartMariaDB shuts the local server down and starts it the way .ci/run
// does, then waits until it answers a ping (at most a minute).
func restartMariaDB(ctx context.Context, o config) error {
	if out, err := exec.CommandContext(ctx, o.mariadbAdmin, "shutdown").CombinedOutput(); err != nil {
		return fmt.Errorf("%s shutdown: %w: %s", o.mariadbAdmin, err, out)
	}
	// shutdown returns once the server has stopped; a start before the
	// old process is gone would find the port and the data files taken.
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if out, _ := exec.CommandContext(ctx, "pgrep", "-x", "mariadbd").Output(); len(out) == 0 {
			break
		}
	}
	start := exec.CommandContext(ctx, "start-stop-daemon", "--start", "--oknodo", "--background", "--exec", o.mariadbd)
	if out, err := start.CombinedOutput(); err != nil {
		return fmt.Errorf("start-stop-daemon --start %s: %w: %s", o.mariadbd, err, out)
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if exec.CommandContext(ctx, o.mariadbAdmin, "ping").Run() == nil {
			return nil
		}
	}
	return errors.New("MariaDB did not answer a ping within a minute of its restart")
}
