package service

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the whole configuration (config.yaml documents every key). The
// zero file is valid: DefaultConfig runs with SQLite under ./data on :8080
// with the demo seminar.
type Config struct {
	Server   ServerConfig   `yaml:"server"`
	Database DatabaseConfig `yaml:"database"`
	WeChat   WeChatConfig   `yaml:"wechat"`
	Redis    RedisConfig    `yaml:"redis"`
	Log      LogConfig      `yaml:"log"`
	Demo     DemoConfig     `yaml:"demo"`
	Privacy  PrivacyConfig  `yaml:"privacy"`
}

// PrivacyConfig is the privacy section: the default privacy notice and how
// long personal data is kept.
type PrivacyConfig struct {
	// RetentionDays: personal data of a seminar is purged this many days
	// after it ends, unless the seminar sets its own.
	RetentionDays int `yaml:"retention_days"`
	// Controller is who collects the answers, as the notice names them;
	// empty: "the organisers of <seminar>".
	Controller string `yaml:"controller"`
	// Contact is whom to ask about one's data (an e-mail address, say).
	Contact string `yaml:"contact"`
}

// ServerConfig is the HTTP server section.
type ServerConfig struct {
	Addr    string `yaml:"addr"`
	BaseURL string `yaml:"base_url"`
	Secret  string `yaml:"secret"`
	// SecretsKey seals the secrets kept in the settings table (32 bytes,
	// base64 or hex); empty: read from SecretsKeyFile, created on first
	// start. SecretsPreviousKeys still open values during a rotation.
	SecretsKey          string        `yaml:"secrets_key"`
	SecretsKeyFile      string        `yaml:"secrets_key_file"`
	SecretsPreviousKeys []string      `yaml:"secrets_previous_keys"`
	ReadHeaderTimeout   time.Duration `yaml:"read_header_timeout"`
	ReadTimeout         time.Duration `yaml:"read_timeout"`
	WriteTimeout        time.Duration `yaml:"write_timeout"`
	IdleTimeout         time.Duration `yaml:"idle_timeout"`
	ShutdownTimeout     time.Duration `yaml:"shutdown_timeout"`
	MaxBodyBytes        int64         `yaml:"max_body_bytes"`
	MaxUploadBytes      int64         `yaml:"max_upload_bytes"`
	TrustedProxies      []string      `yaml:"trusted_proxies"`
	// MaxExports is how many annexes and CSVs one replica builds at once;
	// the next downloads get 429 with Retry-After.
	MaxExports int `yaml:"max_exports"`
	// SubmitBudget is how many new responses one client address may store
	// per SubmitBudgetWindow on a questionnaire open to everyone, posting the
	// page's form token; SubmitBudgetUntokened without it. 0: no limit.
	SubmitBudget          int           `yaml:"submit_budget"`
	SubmitBudgetUntokened int           `yaml:"submit_budget_untokened"`
	SubmitBudgetWindow    time.Duration `yaml:"submit_budget_window"`
}

// DatabaseConfig is the database section.
type DatabaseConfig struct {
	Driver          string        `yaml:"driver"`
	DSN             string        `yaml:"dsn"`
	MaxOpenConns    int           `yaml:"max_open_conns"`
	MaxIdleConns    int           `yaml:"max_idle_conns"`
	ConnMaxLifetime time.Duration `yaml:"conn_max_lifetime"`
	SlowThreshold   time.Duration `yaml:"slow_threshold"`
	AutoMigrate     bool          `yaml:"auto_migrate"`
}

// WeChatConfig is the WeChat official account section.
type WeChatConfig struct {
	Enabled            bool   `yaml:"enabled"`
	AppID              string `yaml:"app_id"`
	AppSecret          string `yaml:"app_secret"`
	Token              string `yaml:"token"`
	EncodingAESKey     string `yaml:"encoding_aes_key"`
	APIBaseURL         string `yaml:"api_base_url"`
	OpenBaseURL        string `yaml:"open_base_url"`
	MPBaseURL          string `yaml:"mp_base_url"`
	ReminderTemplateID string `yaml:"reminder_template_id"`
	// AccountType is what kind of official account this is, which decides
	// what the platform lets the service do (service/wechat_account_type.go).
	AccountType string `yaml:"account_type"`
	// AccountQRURL is an image of the account's own QR code, for the poster
	// of an account without parametric QR codes.
	AccountQRURL string `yaml:"account_qr_url"`
	// Keyword is what followers send to get the open questionnaires.
	Keyword string `yaml:"keyword"`
}

// RedisConfig is the Redis section.
type RedisConfig struct {
	Addr     string `yaml:"addr"`
	Password string `yaml:"password"`
	DB       int    `yaml:"db"`
}

// LogConfig is the logging section.
type LogConfig struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// DemoConfig is the demo section.
type DemoConfig struct {
	Enabled bool `yaml:"enabled"`
}

// DefaultConfig returns the configuration used when no file is given.
func DefaultConfig() Config {
	return Config{
		Server: ServerConfig{
			Addr:                  ":8080",
			BaseURL:               "http://localhost:8080",
			ReadHeaderTimeout:     5 * time.Second,
			ReadTimeout:           30 * time.Second,
			WriteTimeout:          120 * time.Second,
			IdleTimeout:           120 * time.Second,
			ShutdownTimeout:       15 * time.Second,
			MaxBodyBytes:          1 << 20,
			MaxUploadBytes:        20 << 20,
			MaxExports:            4,
			SubmitBudget:          300,
			SubmitBudgetUntokened: 30,
			SubmitBudgetWindow:    10 * time.Minute,
		},
		Database: DatabaseConfig{
			Driver:          "sqlite",
			DSN:             "data/seminareval.db",
			MaxOpenConns:    64,
			MaxIdleConns:    64,
			ConnMaxLifetime: 30 * time.Minute,
			SlowThreshold:   500 * time.Millisecond,
			AutoMigrate:     false,
		},
		WeChat: WeChatConfig{
			APIBaseURL:  "https://api.weixin.qq.com",
			OpenBaseURL: "https://open.weixin.qq.com",
			MPBaseURL:   "https://mp.weixin.qq.com",
			AccountType: AccountServiceVerified,
			Keyword:     DefaultKeyword,
		},
		Log:     LogConfig{Level: "info", Format: "text"},
		Demo:    DemoConfig{Enabled: true},
		Privacy: PrivacyConfig{RetentionDays: DefaultRetentionDays},
	}
}

// EnvPrefix starts every environment override: SEMINAREVAL_<SECTION>_<KEY>.
const EnvPrefix = "SEMINAREVAL_"

// LoadConfig reads the YAML file at path (a missing file is fine when
// optional is true) over the defaults, then applies environment overrides
// from environ (os.Environ() format).
func LoadConfig(path string, optional bool, environ []string) (Config, error) {
	cfg := DefaultConfig()
	if path != "" {
		data, err := os.ReadFile(path)
		switch {
		case err == nil:
			dec := yaml.NewDecoder(strings.NewReader(string(data)))
			dec.KnownFields(true)
			if err := dec.Decode(&cfg); err != nil && err.Error() != "EOF" {
				return cfg, fmt.Errorf("config %s: %w", path, err)
			}
		case errors.Is(err, os.ErrNotExist) && optional:
		default:
			return cfg, fmt.Errorf("config: %w", err)
		}
	}
	if err := applyEnv(&cfg, environ); err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

// Validate checks values that would otherwise fail later and obscurely.
func (c Config) Validate() error {
	var errs []error
	if c.Database.Driver != "sqlite" && c.Database.Driver != "mysql" {
		errs = append(errs, fmt.Errorf("database.driver %q: want sqlite or mysql", c.Database.Driver))
	}
	if c.Database.Driver == "mysql" && c.Database.DSN == "" {
		errs = append(errs, errors.New("database.dsn is required for mysql"))
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log.format %q: want text or json", c.Log.Format))
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log.level %q: want debug, info, warn or error", c.Log.Level))
	}
	if !strings.HasPrefix(c.Server.BaseURL, "http://") && !strings.HasPrefix(c.Server.BaseURL, "https://") {
		errs = append(errs, fmt.Errorf("server.base_url %q: want an http:// or https:// URL", c.Server.BaseURL))
	}
	if err := validateAccountType(c.WeChat.AccountType); err != nil {
		errs = append(errs, err)
	}
	if k := strings.TrimSpace(c.WeChat.Keyword); k == "" || len([]rune(k)) > 20 {
		errs = append(errs, fmt.Errorf("wechat.keyword %q: want 1 to 20 characters", c.WeChat.Keyword))
	}
	if c.WeChat.Enabled {
		if c.WeChat.AppID == "" || c.WeChat.AppSecret == "" || c.WeChat.Token == "" {
			errs = append(errs, errors.New("wechat.enabled needs wechat.app_id, wechat.app_secret and wechat.token"))
		}
		if k := c.WeChat.EncodingAESKey; k != "" && len(k) != 43 {
			errs = append(errs, errors.New("wechat.encoding_aes_key must be 43 characters"))
		}
	}
	return errors.Join(errs...)
}

// applyEnv sets every key for which SEMINAREVAL_<SECTION>_<KEY> is present.
func applyEnv(cfg *Config, environ []string) error {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, EnvPrefix) {
			env[k] = v
		}
	}
	var errs []error
	root := reflect.ValueOf(cfg).Elem()
	for i := range root.NumField() {
		section := root.Type().Field(i).Tag.Get("yaml")
		sv := root.Field(i)
		for j := range sv.NumField() {
			key := sv.Type().Field(j).Tag.Get("yaml")
			name := EnvPrefix + strings.ToUpper(section+"_"+key)
			v, ok := env[name]
			if !ok {
				continue
			}
			if err := setField(sv.Field(j), v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
	}
	return errors.Join(errs...)
}

func setField(f reflect.Value, v string) error {
	switch f.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(v)
		if err != nil {
			return err
		}
		f.SetInt(int64(d))
		return nil
	case []string:
		var parts []string
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		f.Set(reflect.ValueOf(parts))
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(v)
	case reflect.Bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return err
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return err
		}
		f.SetInt(n)
	default:
		return fmt.Errorf("unsupported type %s", f.Type())
	}
	return nil
}

// EnvNames lists every override variable, for the documentation test.
func EnvNames() []string {
	var names []string
	t := reflect.TypeOf(Config{})
	for i := range t.NumField() {
		section := t.Field(i).Tag.Get("yaml")
		for j := range t.Field(i).Type.NumField() {
			names = append(names, EnvPrefix+strings.ToUpper(section+"_"+t.Field(i).Type.Field(j).Tag.Get("yaml")))
		}
	}
	return names
}
