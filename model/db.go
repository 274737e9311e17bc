package model

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// DBConfig is the database section of the configuration.
type DBConfig struct {
	Driver          string        // sqlite | mysql
	DSN             string        // file path for sqlite, DSN for mysql
	MaxOpenConns    int           // mysql only; sqlite always uses one connection
	MaxIdleConns    int           // mysql only
	ConnMaxLifetime time.Duration // mysql only
	SlowThreshold   time.Duration // queries slower than this are logged at warn
}

// Open connects to the database described by cfg, tuned for this service's
// write pattern (many small transactions):
//   - SkipDefaultTransaction: GORM's implicit transaction per write halves
//     insert throughput; writes that need one open it explicitly.
//   - No PrepareStmt. On SQLite (one connection) GORM's statement cache
//     deadlocks: a query preparing outside a transaction holds the cache's
//     lock while it waits for the connection, and the transaction holding
//     the connection waits for that lock to prepare its next statement (the
//     answers INSERT, whose text varies with the number of answers) — posts
//     hung until their client gave up (found by TestLoadSmoke under load).
//     MySQL interpolates parameters client-side (interpolateParams,
//     added by MySQLDSN): GORM prepares a statement first used inside a
//     transaction on that transaction, which closes it at commit, so every
//     INSERT of the submit transaction cost PREPARE + EXECUTE + CLOSE (go-gorm
//     issue 4644; measured with cmd/loadgen: two prepares per submission).
//     Interpolated, each statement is one round trip.
//   - TranslateError: unique-key violations become gorm.ErrDuplicatedKey on
//     both drivers, which is how duplicates are detected.
//   - SQLite: WAL, busy_timeout and BEGIN IMMEDIATE with one connection, so
//     concurrent writers queue instead of failing with SQLITE_BUSY.
func Open(cfg DBConfig, log *slog.Logger) (*gorm.DB, error) {
	gcfg := &gorm.Config{
		SkipDefaultTransaction: true,
		PrepareStmt:            false,
		TranslateError:         true,
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		Logger:                 newLogger(log, cfg.SlowThreshold),
	}
	var (
		db  *gorm.DB
		err error
	)
	switch cfg.Driver {
	case "", "sqlite":
		dsn, derr := sqliteDSN(cfg.DSN)
		if derr != nil {
			return nil, derr
		}
		db, err = gorm.Open(sqlite.Open(dsn), gcfg)
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", cfg.DSN, err)
		}
		sqlDB, _ := db.DB()
		// One connection: SQLite has one writer anyway, and a single
		// connection makes "database is locked" impossible.
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetMaxIdleConns(1)
		sqlDB.SetConnMaxLifetime(0)
	case "mysql":
		db, err = gorm.Open(mysql.New(mysql.Config{DSN: MySQLDSN(cfg.DSN)}), gcfg)
		if err != nil {
			return nil, fmt.Errorf("open mysql: %w", err)
		}
		sqlDB, _ := db.DB()
		open := cfg.MaxOpenConns
		if open <= 0 {
			open = 64
		}
		idle := cfg.MaxIdleConns
		if idle <= 0 || idle > open {
			// Keep as many idle as open: under a burst of submissions,
			// closing and reopening connections costs more than it saves.
			idle = open
		}
		sqlDB.SetMaxOpenConns(open)
		sqlDB.SetMaxIdleConns(idle)
		life := cfg.ConnMaxLifetime
		if life <= 0 {
			life = 30 * time.Minute
		}
		sqlDB.SetConnMaxLifetime(life)
	default:
		return nil, fmt.Errorf("database.driver %q: want sqlite or mysql", cfg.Driver)
	}
	return db, nil
}

// sqliteDSN turns a file path (or a DSN that already has parameters) into a
// DSN with the pragmas this service needs, creating the directory.
func sqliteDSN(path string) (string, error) {
	if path == "" {
		path = "data/seminareval.db"
	}
	file, query, _ := strings.Cut(path, "?")
	if file != ":memory:" && !strings.HasPrefix(file, "file:") {
		if err := os.MkdirAll(filepath.Dir(file), 0o750); err != nil {
			return "", fmt.Errorf("create database directory: %w", err)
		}
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("database.dsn %q: %w", path, err)
	}
	if q.Get("_txlock") == "" {
		q.Set("_txlock", "immediate")
	}
	if len(q["_pragma"]) == 0 {
		q["_pragma"] = []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(1)"}
	}
	return file + "?" + q.Encode(), nil
}

// MySQLDSN adds the parameters this service depends on to a MySQL DSN:
// utf8mb4 (Debian's MariaDB defaults to latin1 and rejects Chinese text),
// parseTime and UTC, and interpolateParams (one round trip per statement;
// safe with utf8mb4, see Open).
func MySQLDSN(dsn string) string {
	base, query, _ := strings.Cut(dsn, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return dsn
	}
	for k, v := range map[string]string{"charset": "utf8mb4", "parseTime": "true", "loc": "UTC", "collation": "utf8mb4_unicode_ci", "interpolateParams": "true"} {
		if q.Get(k) == "" {
			q.Set(k, v)
		}
	}
	return base + "?" + q.Encode()
}

// Migrate creates or updates the schema. MySQL tables are created utf8mb4.
func Migrate(ctx context.Context, db *gorm.DB) error {
	tx := db.WithContext(ctx)
	if db.Dialector.Name() == "mysql" {
		tx = tx.Set("gorm:table_options", "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci")
	}
	if db.Dialector.Name() == "sqlite" {
		// Kept in key order, not insertion order (see Answered).
		if err := tx.Exec("CREATE TABLE IF NOT EXISTS `answered` (`questionnaire_id` integer NOT NULL, `who` text NOT NULL, PRIMARY KEY (`questionnaire_id`, `who`)) WITHOUT ROWID").Error; err != nil {
			return fmt.Errorf("migrate answered: %w", err)
		}
		if err := tx.Exec("CREATE TABLE IF NOT EXISTS `wechat_followers` (`openid` text NOT NULL, `wrote_hour` datetime NOT NULL, PRIMARY KEY (`openid`)) WITHOUT ROWID").Error; err != nil {
			return fmt.Errorf("migrate wechat_followers: %w", err)
		}
	}
	if err := tx.AutoMigrate(All()...); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return separateAnonymousAnswers(tx)
}

// separateAnonymousAnswers moves, once, who answered each anonymous
// questionnaire from its responses (where a database from before kept the
// keyed respondent hash) to Answered, and gives those responses a random
// hash, so that old anonymous answers cannot be tied to their authors
// either. A settings row records that it ran: afterwards responses carry
// random hashes that must never be copied to Answered.
func separateAnonymousAnswers(db *gorm.DB) error {
	const done = "migration.anonymous_answered"
	var n int64
	if err := db.Model(&Setting{}).Where("`key` = ?", done).Count(&n).Error; err != nil || n > 0 {
		return err
	}
	random := "lower(hex(randomblob(32)))"
	if db.Dialector.Name() == "mysql" {
		random = "SHA2(CONCAT(UUID(), RAND()), 256)"
	}
	return db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("INSERT INTO answered (questionnaire_id, who) SELECT r.questionnaire_id, r.respondent_hash FROM responses r "+
			"JOIN questionnaires q ON q.id = r.questionnaire_id WHERE q.anonymous = ?", true).Error; err != nil {
			return fmt.Errorf("migrate anonymous answers: %w", err)
		}
		if err := tx.Exec("UPDATE responses SET respondent_hash = "+random+" WHERE questionnaire_id IN (SELECT id FROM questionnaires WHERE anonymous = ?)", true).Error; err != nil {
			return fmt.Errorf("migrate anonymous answers: %w", err)
		}
		return tx.Create(&Setting{Key: done, Value: "1"}).Error
	})
}

// NeedsMigration reports whether the schema is missing any table or column
// (a release added one), which for MySQL means the operator has to run
// `seminareval migrate`.
func NeedsMigration(ctx context.Context, db *gorm.DB) bool {
	m := db.WithContext(ctx).Migrator()
	for _, v := range All() {
		if !m.HasTable(v) {
			return true
		}
		stmt := &gorm.Statement{DB: db}
		if err := stmt.Parse(v); err != nil {
			return true
		}
		for _, f := range stmt.Schema.Fields {
			if f.DBName != "" && !m.HasColumn(v, f.DBName) {
				return true
			}
		}
	}
	return false
}

// Ping checks that the database answers.
func Ping(ctx context.Context, db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

func newLogger(log *slog.Logger, slow time.Duration) logger.Interface {
	if log == nil {
		return logger.Discard
	}
	if slow <= 0 {
		slow = 500 * time.Millisecond
	}
	return quietDuplicates{logger.NewSlogLogger(log, logger.Config{
		SlowThreshold:             slow,
		LogLevel:                  logger.Warn,
		IgnoreRecordNotFoundError: true,
		ParameterizedQueries:      true, // never log answers or personal data
	})}
}

// quietDuplicates keeps unique-key violations out of the error log: they are
// how duplicates and retries are detected, an expected outcome, not a fault.
type quietDuplicates struct{ logger.Interface }

func (q quietDuplicates) LogMode(l logger.LogLevel) logger.Interface {
	return quietDuplicates{q.Interface.LogMode(l)}
}

// ParamsFilter passes on the wrapped logger's filter. Without it GORM does not
// see ParameterizedQueries through the wrapper and logs the values (answers,
// names, invite tokens) in every slow or failed statement.
func (q quietDuplicates) ParamsFilter(ctx context.Context, sql string, params ...any) (string, []any) {
	if f, ok := q.Interface.(gorm.ParamsFilter); ok {
		return f.ParamsFilter(ctx, sql, params...)
	}
	return sql, params
}

func (q quietDuplicates) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	var me *mysqldriver.MySQLError
	if errors.Is(err, gorm.ErrDuplicatedKey) || (errors.As(err, &me) && me.Number == 1062) {
		err = nil
	}
	q.Interface.Trace(ctx, begin, fc, err)
}
