package service

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// configKeys lists every "section.key" of Config, from its yaml tags.
func configKeys() []string {
	var keys []string
	t := reflect.TypeOf(Config{})
	for i := range t.NumField() {
		section := t.Field(i)
		for j := range section.Type.NumField() {
			keys = append(keys, section.Tag.Get("yaml")+"."+section.Type.Field(j).Tag.Get("yaml"))
		}
	}
	return keys
}

// TestConfigYAMLDocumentsEveryKey keeps config.yaml true: it names every key
// of Config, nothing else, and its values are exactly DefaultConfig(), so
// the documented defaults are the ones the service runs with.
func TestConfigYAMLDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile("../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("config.yaml: %v", err)
	}
	documented := map[string]bool{}
	for section, keys := range doc {
		for key := range keys {
			documented[section+"."+key] = true
		}
	}
	for _, k := range configKeys() {
		if !documented[k] {
			t.Errorf("config.yaml does not document %s (add it with its default and a comment)", k)
		}
		delete(documented, k)
	}
	for k := range documented {
		t.Errorf("config.yaml has %s, which is not a key of service.Config", k)
	}

	// Decoded into an empty Config, the file must give exactly the defaults.
	// The comparison is of the YAML of both, so that an empty list in the
	// file and a nil list in the code count as the same.
	var fromFile Config
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&fromFile); err != nil {
		t.Fatalf("config.yaml: %v", err)
	}
	got, _ := yaml.Marshal(fromFile)
	want, _ := yaml.Marshal(DefaultConfig())
	if string(got) != string(want) {
		t.Errorf("config.yaml values differ from DefaultConfig():\nconfig.yaml:\n%s\nDefaultConfig():\n%s", got, want)
	}

	// And the file loads through LoadConfig as it is shipped.
	cfg, err := LoadConfig("../config.yaml", false, nil)
	if err != nil {
		t.Fatalf("LoadConfig(config.yaml): %v", err)
	}
	if got, _ := yaml.Marshal(cfg); string(got) != string(want) {
		t.Errorf("LoadConfig(config.yaml) differs from DefaultConfig():\n%s", got)
	}
}

func TestConfigRunsWithoutAFile(t *testing.T) {
	cfg, err := LoadConfig(filepath.Join(t.TempDir(), "missing.yaml"), true, nil)
	if err != nil {
		t.Fatalf("no file, optional: %v", err)
	}
	if !reflect.DeepEqual(cfg, DefaultConfig()) {
		t.Errorf("no file gives %+v, want the defaults", cfg)
	}
	if _, err := LoadConfig(filepath.Join(t.TempDir(), "missing.yaml"), false, nil); err == nil {
		t.Error("a missing file named explicitly (-config) must be an error")
	}
}

func TestConfigEnvironmentOverrides(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(file, []byte("server:\n  read_timeout: 10s\nlog:\n  level: debug\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(file, false, []string{
		"SEMINAREVAL_DATABASE_DRIVER=mysql",
		"SEMINAREVAL_DATABASE_DSN=u:p@tcp(db:3306)/seminareval",
		"SEMINAREVAL_SERVER_READ_TIMEOUT=45s",                       // a duration, over the file's 10s
		"SEMINAREVAL_SERVER_TRUSTED_PROXIES=10.0.0.1, 10.1.0.0/16,", // a list
		"SEMINAREVAL_SERVER_MAX_BODY_BYTES=2048",                    // a number
		"SEMINAREVAL_DEMO_ENABLED=false",                            // a bool
		"SEMINAREVAL_WECHAT_APP_SECRET=s3cret",
		"PATH=/usr/bin", // not ours
		"SEMINAREVAL_NO_SUCH_KEY=1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Database.Driver != "mysql" || cfg.Database.DSN != "u:p@tcp(db:3306)/seminareval" {
		t.Errorf("database = %+v", cfg.Database)
	}
	if cfg.Server.ReadTimeout != 45*time.Second {
		t.Errorf("read_timeout = %v, want the environment's 45s over the file's 10s", cfg.Server.ReadTimeout)
	}
	if !slices.Equal(cfg.Server.TrustedProxies, []string{"10.0.0.1", "10.1.0.0/16"}) {
		t.Errorf("trusted_proxies = %q", cfg.Server.TrustedProxies)
	}
	if cfg.Server.MaxBodyBytes != 2048 || cfg.Demo.Enabled || cfg.WeChat.AppSecret != "s3cret" {
		t.Errorf("max_body_bytes %d, demo %v, app_secret %q", cfg.Server.MaxBodyBytes, cfg.Demo.Enabled, cfg.WeChat.AppSecret)
	}
	if cfg.Log.Level != "debug" {
		t.Errorf("log.level = %q: the file's value must stay where no variable overrides it", cfg.Log.Level)
	}
	if cfg.Server.WriteTimeout != DefaultConfig().Server.WriteTimeout {
		t.Errorf("write_timeout = %v: a key in neither file nor environment keeps its default", cfg.Server.WriteTimeout)
	}
}

func TestConfigEveryKeyHasAnEnvironmentVariable(t *testing.T) {
	names := EnvNames()
	keys := configKeys()
	if len(names) != len(keys) {
		t.Fatalf("%d variables for %d keys", len(names), len(keys))
	}
	for i, k := range keys {
		want := "SEMINAREVAL_" + strings.ToUpper(strings.ReplaceAll(k, ".", "_"))
		if names[i] != want {
			t.Errorf("key %s: variable %s, want %s", k, names[i], want)
		}
	}
	// Each variable really sets its key: give every one a value of its type
	// and see the Config change.
	base := DefaultConfig()
	cfg := DefaultConfig()
	var env []string
	root := reflect.ValueOf(&cfg).Elem()
	n := 0
	for i := range root.NumField() {
		for j := range root.Field(i).NumField() {
			f := root.Field(i).Field(j)
			var v string
			switch f.Interface().(type) {
			case time.Duration:
				v = "7m"
			case []string:
				v = "a,b"
			default:
				switch f.Kind() {
				case reflect.String:
					v = "value-from-env"
				case reflect.Bool:
					v = "true"
					if f.Bool() {
						v = "false"
					}
				case reflect.Int, reflect.Int64:
					v = "12345"
				default:
					t.Fatalf("%s has a type (%s) that the environment cannot set", names[n], f.Type())
				}
			}
			env = append(env, names[n]+"="+v)
			n++
		}
	}
	if err := applyEnv(&cfg, env); err != nil {
		t.Fatal(err)
	}
	n = 0
	orig := reflect.ValueOf(base)
	for i := range root.NumField() {
		for j := range root.Field(i).NumField() {
			if reflect.DeepEqual(root.Field(i).Field(j).Interface(), orig.Field(i).Field(j).Interface()) {
				t.Errorf("%s did not change its key", names[n])
			}
			n++
		}
	}
}

func TestConfigBadValuesGiveClearErrors(t *testing.T) {
	cases := []struct {
		name    string
		file    string
		env     []string
		wantErr []string // all must appear in the error
	}{
		{"bad duration", "", []string{"SEMINAREVAL_SERVER_READ_TIMEOUT=soon"}, []string{"SEMINAREVAL_SERVER_READ_TIMEOUT", "soon"}},
		{"bad number", "", []string{"SEMINAREVAL_SERVER_MAX_BODY_BYTES=1MB"}, []string{"SEMINAREVAL_SERVER_MAX_BODY_BYTES", "1MB"}},
		{"bad bool", "", []string{"SEMINAREVAL_DEMO_ENABLED=maybe"}, []string{"SEMINAREVAL_DEMO_ENABLED", "maybe"}},
		{"unknown driver", "", []string{"SEMINAREVAL_DATABASE_DRIVER=postgres"}, []string{"database.driver", "postgres", "sqlite or mysql"}},
		{"mysql without dsn", "", []string{"SEMINAREVAL_DATABASE_DRIVER=mysql", "SEMINAREVAL_DATABASE_DSN="}, []string{"database.dsn"}},
		{"bad log format", "", []string{"SEMINAREVAL_LOG_FORMAT=xml"}, []string{"log.format", "xml"}},
		{"bad base url", "", []string{"SEMINAREVAL_SERVER_BASE_URL=example.org"}, []string{"server.base_url", "example.org"}},
		{"wechat without secrets", "", []string{"SEMINAREVAL_WECHAT_ENABLED=true"}, []string{"wechat.app_id"}},
		{"two errors at once", "", []string{"SEMINAREVAL_SERVER_READ_TIMEOUT=x", "SEMINAREVAL_SERVER_IDLE_TIMEOUT=y"}, []string{"READ_TIMEOUT", "IDLE_TIMEOUT"}},
		{"unknown key in the file", "server:\n  adress: \":80\"\n", nil, []string{"adress"}},
		{"wrong type in the file", "server:\n  read_timeout: [1]\n", nil, []string{"line 2", "time.Duration"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := ""
			if tc.file != "" {
				path = filepath.Join(t.TempDir(), "config.yaml")
				if err := os.WriteFile(path, []byte(tc.file), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := LoadConfig(path, true, tc.env)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
