// Command loadgen measures the submit path (POST /s/{slug}) of seminareval:
// it starts the service on a fresh database (or drives one at -url), runs N
// concurrent clients with a share of retries and of duplicate respondents,
// measures in the same run the ceiling of a bare prepared-INSERT handler on
// the same database, and prints throughput, p50/p99 latency, errors by
// status, the ratio to the ceiling and the budgets (README, "Load, faults and fuzzing"). Afterwards
// it checks that every acknowledged submission is stored exactly once.
//
//	go run ./cmd/loadgen -driver mysql -clients 16,64 -duration 10s
//	go run ./cmd/loadgen -driver sqlite -clients 64
//
// Only 127.0.0.1 is ever a target; every phase is bounded in time and count.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"seminareval/cmd/loadgen/load"
)

func main() { load.Main("loadgen", run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "ceiling" {
		return runCeiling(ctx, args[1:], stderr)
	}
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o config
	fs.StringVar(&o.url, "url", "", "drive a service already running at this URL (127.0.0.1 only) instead of starting one; the ceiling then needs -dsn")
	fs.StringVar(&o.driver, "driver", "sqlite", "database of the service: sqlite or mysql")
	fs.StringVar(&o.mysql, "mysql", "root@tcp(127.0.0.1:3306)/", "MySQL server on which a fresh utf8mb4 database is created (-driver mysql)")
	fs.StringVar(&o.dsn, "dsn", "", "with -url: the DSN of the service's database, for the ceiling and the check")
	fs.StringVar(&o.bin, "bin", "", "seminareval binary to start (default: go build ./cmd/seminareval)")
	fs.StringVar(&o.slug, "slug", "sanya-2018-evaluation", "questionnaire to submit to (the demo, seeded on an empty database)")
	clients := fs.String("clients", "16", "concurrent clients; a comma-separated list runs each in turn")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measured phase")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up before each client count (not measured)")
	fs.IntVar(&o.requests, "requests", 0, "stop each phase after this many requests (0: only -duration)")
	fs.IntVar(&o.rounds, "rounds", 1, "alternate ceiling and service phases this many times (their order swaps each round)")
	fs.Float64Var(&o.retry, "retry", 0.1, "share of requests that re-send an acknowledged submission (must get 200, same response_id)")
	fs.Float64Var(&o.dup, "duplicates", 0.05, "share of requests that are a second submission of an acknowledged respondent (must get 409)")
	fs.BoolVar(&o.ceiling, "ceiling", true, "measure the raw prepared-INSERT ceiling in the same run")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level of the started service (its log is in the run directory)")
	fs.BoolVar(&o.keep, "keep", false, "keep the run directory and the MySQL database")
	fs.BoolVar(&o.budgets, "budgets", false, "keep the service's default submission budgets (off otherwise): shows how many answers one address without page views stores")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "with -inprocess: write a CPU profile of the whole run here")
	fs.BoolVar(&o.inProcess, "inprocess", false, "serve the service's router inside this process (for profiling; the default runs the real binary)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for part := range strings.SplitSeq(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1 || n > 1024 {
			return fmt.Errorf("-clients %q: want numbers between 1 and 1024", *clients)
		}
		o.clients = append(o.clients, n)
	}
	if o.duration <= 0 || o.duration > 10*time.Minute {
		return errors.New("-duration: want more than 0 and at most 10m")
	}
	if o.retry < 0 || o.dup < 0 || o.retry+o.dup >= 1 {
		return errors.New("-retry and -duplicates: want shares with a sum below 1")
	}
	if o.url != "" {
		if err := loopbackOnly(o.url); err != nil {
			return err
		}
	}
	return loadRun(ctx, o, stdout)
}
