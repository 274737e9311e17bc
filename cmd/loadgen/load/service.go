package load

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	_ "github.com/go-sql-driver/mysql" // creating the fresh MySQL database
)

// Database is the database a load run uses, as the service's configuration
// names it.
type Database struct {
	Driver string // sqlite | mysql
	DSN    string
	drop   func() error
}

// Drop removes a database made by NewDatabase (a no-op for SQLite files,
// which live in the run's temporary directory).
func (d Database) Drop() error {
	if d.drop == nil {
		return nil
	}
	return d.drop()
}

// NewDatabase makes a fresh, empty database: a SQLite file under dir, or a
// new utf8mb4 MySQL database named seminareval_load_<time> on the server of
// mysqlServer (a DSN without database, e.g. "root@tcp(127.0.0.1:3306)/").
func NewDatabase(ctx context.Context, driver, mysqlServer, dir string) (Database, error) {
	switch driver {
	case "sqlite":
		return Database{Driver: "sqlite", DSN: filepath.Join(dir, "load.db")}, nil
	case "mysql":
		base, query, _ := strings.Cut(mysqlServer, "?")
		i := strings.LastIndex(base, "/")
		if i < 0 {
			return Database{}, fmt.Errorf("-mysql %q: want user@tcp(host:port)/", mysqlServer)
		}
		server := base[:i+1]
		admin, err := sql.Open("mysql", server)
		if err != nil {
			return Database{}, err
		}
		name := fmt.Sprintf("seminareval_load_%d", time.Now().UnixNano())
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
			admin.Close()
			return Database{}, fmt.Errorf("create database: %w", err)
		}
		dsn := server + name
		if query != "" {
			dsn += "?" + query
		}
		return Database{Driver: "mysql", DSN: dsn, drop: func() error {
			defer admin.Close()
			_, err := admin.ExecContext(context.Background(), "DROP DATABASE `"+name+"`")
			return err
		}}, nil
	}
	return Database{}, fmt.Errorf("driver %q: want sqlite or mysql", driver)
}

// FreePort returns a port in 18000-18999 that nothing listens on now.
func FreePort() (int, error) {
	start := 18000 + int(time.Now().UnixNano()%1000)
	for i := range 1000 {
		port := 18000 + (start-18000+i)%1000
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			ln.Close()
			return port, nil
		}
	}
	return 0, errors.New("no free port in 18000-18999")
}

// Build compiles ./cmd/seminareval of the module around the working
// directory into dir and returns the binary's path.
func Build(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "seminareval")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/seminareval")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/seminareval: %w\n%s", err, out)
	}
	return bin, nil
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the seminareval module: run from the repository or pass -bin")
		}
		dir = parent
	}
}

// Service is a seminareval process started for a run.
type Service struct {
	Bin      string
	Dir      string // working directory (SQLite data, logs)
	Port     int
	DB       Database
	LogLevel string
	Env      []string // extra SEMINAREVAL_* settings

	cmd  *exec.Cmd
	done chan error
	log  *os.File
}

// URL is the service's base URL.
func (s *Service) URL() string { return fmt.Sprintf("http://127.0.0.1:%d", s.Port) }

// Start runs the service with its configuration in the environment (the
// demo is seeded on an empty database; MySQL migrates itself) and waits
// until /readyz answers.
func (s *Service) Start(ctx context.Context) error {
	if s.log == nil {
		f, err := os.OpenFile(filepath.Join(s.Dir, "service.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		s.log = f
	}
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SEMINAREVAL_") {
			env = append(env, kv)
		}
	}
	level := s.LogLevel
	if level == "" {
		level = "info"
	}
	env = append(env,
		fmt.Sprintf("SEMINAREVAL_SERVER_ADDR=127.0.0.1:%d", s.Port),
		"SEMINAREVAL_SERVER_BASE_URL="+s.URL(),
		"SEMINAREVAL_DATABASE_DRIVER="+s.DB.Driver,
		"SEMINAREVAL_DATABASE_DSN="+s.DB.DSN,
		"SEMINAREVAL_DATABASE_AUTO_MIGRATE=true",
		"SEMINAREVAL_DEMO_ENABLED=true",
		"SEMINAREVAL_LOG_LEVEL="+level,
		// The load comes from one address with new cookies and no page
		// views, which the submission budget is there to stop: off unless
		// s.Env sets it (loadgen -budgets).
		"SEMINAREVAL_SERVER_SUBMIT_BUDGET=0",
		"SEMINAREVAL_SERVER_SUBMIT_BUDGET_UNTOKENED=0",
	)
	env = append(env, s.Env...)
	cmd := exec.Command(s.Bin, "serve")
	cmd.Dir = s.Dir
	cmd.Env = env
	cmd.Stdout = s.log
	cmd.Stderr = s.log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.Bin, err)
	}
	s.cmd = cmd
	s.done = make(chan error, 1)
	go func() { s.done <- cmd.Wait() }()
	return s.waitReady(ctx, 60*time.Second)
}

func (s *Service) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	hc := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			s.done <- err
			return fmt.Errorf("the service exited before it was ready (%v); see %s", err, s.log.Name())
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		res, err := hc.Get(s.URL() + "/readyz")
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("the service was not ready within %s; see %s", limit, s.log.Name())
}

// Kill ends the service with SIGKILL, as a crash or an OOM kill would.
func (s *Service) Kill() error {
	if s.cmd == nil {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
	s.cmd = nil
	return nil
}

// Stop ends the service with SIGTERM (graceful shutdown), falling back to
// SIGKILL after 20 s.
func (s *Service) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Signal(syscall.SIGKILL)
		<-s.done
	}
	s.cmd = nil
	if s.log != nil {
		s.log.Close()
		s.log = nil
	}
}

// Pid is the service's process id (0 when not running).
func (s *Service) Pid() int {
	if s.cmd == nil {
		return 0
	}
	return s.cmd.Process.Pid
}
