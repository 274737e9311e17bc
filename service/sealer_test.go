package service

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
)

func testSealer(t *testing.T, current string, previous ...string) *Sealer {
	t.Helper()
	s, err := NewSealer(ServerConfig{SecretsKey: current, SecretsPreviousKeys: previous})
	if err != nil || s == nil {
		t.Fatalf("sealer: %v", err)
	}
	return s
}

func settingValue(t *testing.T, db *gorm.DB, key string) string {
	t.Helper()
	var s model.Setting
	if err := db.Where("`key` = ?", key).Take(&s).Error; err != nil {
		t.Fatalf("setting %s: %v", key, err)
	}
	return s.Value
}

// Rotation: the new key current and the old one previous; ResealSettings
// (run by serve at start and by `seminareval secrets reseal`) rewrites every
// secret with the new key, after which the old key is no longer needed.
// A secret stored in plain text before sealing existed is sealed the same way.
func TestSecretsKeyRotationAndPlainValuesFromBefore(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		oldKey, newKey := NewSecretsKey(), NewSecretsKey()
		secret, err := EnsureSecret(ctx, db, "", testSealer(t, oldKey))
		if err != nil {
			t.Fatal(err)
		}
		// As an older release stored it: in plain text.
		if err := db.Create(&model.Setting{Key: SettingWeChatToken, Value: "plaintoken"}).Error; err != nil {
			t.Fatal(err)
		}
		rotating := testSealer(t, newKey, oldKey)
		if got, err := EnsureSecret(ctx, db, "", rotating); err != nil || !bytes.Equal(got, secret) {
			t.Fatalf("during the rotation the secret reads %x (%v)", got, err)
		}
		n, err := ResealSettings(ctx, db, rotating)
		if err != nil || n != 2 {
			t.Fatalf("resealed %d (%v), want the secret and the token", n, err)
		}
		if n, err := ResealSettings(ctx, db, rotating); err != nil || n != 0 {
			t.Fatalf("a second reseal rewrote %d (%v), want 0", n, err)
		}
		done := testSealer(t, newKey)
		if got, err := EnsureSecret(ctx, db, "", done); err != nil || !bytes.Equal(got, secret) {
			t.Fatalf("after the rotation the secret reads %x (%v)", got, err)
		}
		if v, err := done.Open(SettingWeChatToken, settingValue(t, db, SettingWeChatToken)); err != nil || v != "plaintoken" {
			t.Fatalf("the token from before reads %q (%v)", v, err)
		}
		if _, err := EnsureSecret(ctx, db, "", testSealer(t, oldKey)); !errors.Is(err, ErrSealedElsewhere) {
			t.Errorf("the old key alone still opens the secret: %v", err)
		}
	})
}

// The key comes from server.secrets_key or a file created on first start
// (mode 0600), beside the SQLite database by default; a malformed key is
// refused at start with what a key looks like.
func TestSecretsKeyFromConfigurationOrFile(t *testing.T) {
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.Database.DSN = filepath.Join(dir, "db", "seminareval.db")
	path, created, err := ResolveSecretsKey(&cfg)
	if err != nil || !created || path != filepath.Join(dir, "db", "seminareval.key") {
		t.Fatalf("first start: %q created=%v %v", path, created, err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v mode %v, want 0600", err, info.Mode())
	}
	first := cfg.Server.SecretsKey
	cfg.Server.SecretsKey = ""
	if _, created, err := ResolveSecretsKey(&cfg); err != nil || created || cfg.Server.SecretsKey != first {
		t.Fatalf("second start: created=%v %v, key changed: %v", created, err, cfg.Server.SecretsKey != first)
	}
	cfg.Server.SecretsKey = "too short"
	if _, _, err := ResolveSecretsKey(&cfg); err == nil || !strings.Contains(err.Error(), "base64") {
		t.Fatalf("malformed key: %v", err)
	}
	if _, err := NewSealer(ServerConfig{SecretsKey: hex.EncodeToString(bytes.Repeat([]byte{7}, 32))}); err != nil {
		t.Fatalf("a hex key: %v", err)
	}
}
