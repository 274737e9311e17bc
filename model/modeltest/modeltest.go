// Package modeltest gives tests a fresh, migrated database: a SQLite file in
// the test's temporary directory and, when TEST_MYSQL_DSN is set, a new
// utf8mb4 MySQL database dropped when the test ends. Every database test runs
// on both through Each.
package modeltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/go-sql-driver/mysql" // the MySQL driver for creating test databases

	"gorm.io/gorm"

	"seminareval/model"
)

// Target is one database a test runs against.
type Target struct {
	Name   string // "sqlite" or "mysql"
	Driver string
	DSN    string
}

// Targets lists the databases to test on: SQLite always, MySQL when
// TEST_MYSQL_DSN is set. In CI (CI=true) a missing TEST_MYSQL_DSN fails the
// test instead of quietly testing less.
func Targets(t testing.TB) []Target {
	ts := []Target{{Name: "sqlite", Driver: "sqlite"}}
	if os.Getenv("TEST_MYSQL_DSN") != "" {
		ts = append(ts, Target{Name: "mysql", Driver: "mysql"})
	} else if os.Getenv("CI") == "true" {
		t.Fatal("TEST_MYSQL_DSN is not set: in CI every database test must also run on MySQL (.ci/run sets it)")
	}
	return ts
}

// Each runs f as a subtest on every target, each with a fresh database.
func Each(t *testing.T, f func(t *testing.T, db *gorm.DB)) {
	t.Helper()
	for _, target := range Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			f(t, Open(t, target))
		})
	}
}

// Open creates a fresh migrated database for target.
func Open(t testing.TB, target Target) *gorm.DB {
	t.Helper()
	cfg := NewDBConfig(t, target)
	db, err := model.Open(cfg, nil)
	if err != nil {
		t.Fatalf("open %s: %v", target.Name, err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	})
	if err := model.Migrate(context.Background(), db); err != nil {
		t.Fatalf("migrate %s: %v", target.Name, err)
	}
	return db
}

// NewDBConfig returns the configuration of a new empty database for target
// (for tests that start a whole service process on it).
func NewDBConfig(t testing.TB, target Target) model.DBConfig {
	t.Helper()
	switch target.Driver {
	case "sqlite":
		return model.DBConfig{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "test.db")}
	case "mysql":
		return model.DBConfig{Driver: "mysql", DSN: CreateMySQLDatabase(t), MaxOpenConns: 16}
	}
	t.Fatalf("unknown driver %q", target.Driver)
	return model.DBConfig{}
}

// CreateMySQLDatabase creates a utf8mb4 database on the server of
// TEST_MYSQL_DSN, drops it when the test ends, and returns its DSN.
func CreateMySQLDatabase(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TEST_MYSQL_DSN")
	if base == "" {
		t.Fatal("TEST_MYSQL_DSN is not set")
	}
	admin, err := sql.Open("mysql", model.MySQLDSN(base))
	if err != nil {
		t.Fatalf("mysql: %v", err)
	}
	defer admin.Close()
	buf := make([]byte, 6)
	_, _ = rand.Read(buf)
	name := "sevt_" + hex.EncodeToString(buf)
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("mysql", model.MySQLDSN(base))
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.Exec("DROP DATABASE IF EXISTS " + name)
	})
	return withDatabase(base, name)
}

// withDatabase replaces the database name of a go-sql-driver DSN
// ("user:pass@tcp(host:port)/dbname?params").
func withDatabase(dsn, name string) string {
	prefix, rest, ok := strings.Cut(dsn, ")/")
	if !ok {
		prefix, rest, _ = strings.Cut(dsn, "/")
		prefix += "/"
	} else {
		prefix += ")/"
	}
	_, params, hasParams := strings.Cut(rest, "?")
	if hasParams {
		return fmt.Sprintf("%s%s?%s", prefix, name, params)
	}
	return prefix + name
}
