package service

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"seminareval/model"
)

// Secrets at rest. The signing secret and the WeChat AppSecret, server token
// and EncodingAESKey are stored in `settings` sealed (AES-256-GCM) with a key
// that is never in the database: server.secrets_key (in practice the
// environment, SEMINAREVAL_SERVER_SECRETS_KEY) or the file
// server.secrets_key_file, generated on first start. A dump or a backup of
// the database then holds neither the WeChat credentials nor the key of the
// respondent hashes. SECURITY.md, "Secrets", describes the key rotation.

// sealedPrefix starts a sealed value: "sealed:v1:<key id>:<base64 nonce|ciphertext>".
const sealedPrefix = "sealed:v1:"

// sealedSettings are the settings rows kept sealed.
var sealedSettings = []string{secretSetting, SettingWeChatSecret, SettingWeChatToken, SettingWeChatAESKey}

// IsSealedSetting tells whether the settings row key is kept sealed.
func IsSealedSetting(key string) bool { return slices.Contains(sealedSettings, key) }

// Sealer seals values with the current key and opens values sealed with the
// current or a previous key (during a rotation). A nil Sealer stores values
// as they are: only tests build the service without one.
type Sealer struct {
	current sealKey
	keys    map[string]cipher.AEAD // by key id, the current one included
}

type sealKey struct {
	id   string
	aead cipher.AEAD
}

// ErrSealedElsewhere is opening a value sealed with a key this process does
// not have: a replica configured with another key, or a key lost.
var ErrSealedElsewhere = errors.New("sealed with a key this process does not have")

// NewSealer builds the sealer of server.secrets_key (base64 or hex of 32
// bytes) and server.secrets_previous_keys. It is nil, without error, when no
// key is set (ResolveSecretsKey sets one for every command that serves).
func NewSealer(sc ServerConfig) (*Sealer, error) {
	if sc.SecretsKey == "" {
		return nil, nil
	}
	current, err := parseSealKey(sc.SecretsKey)
	if err != nil {
		return nil, fmt.Errorf("server.secrets_key: %w", err)
	}
	s := &Sealer{current: current, keys: map[string]cipher.AEAD{current.id: current.aead}}
	for i, p := range sc.SecretsPreviousKeys {
		k, err := parseSealKey(p)
		if err != nil {
			return nil, fmt.Errorf("server.secrets_previous_keys[%d]: %w", i, err)
		}
		s.keys[k.id] = k.aead
	}
	return s, nil
}

// parseSealKey reads 32 bytes written as standard or URL base64, or hex.
func parseSealKey(text string) (sealKey, error) {
	text = strings.TrimSpace(text)
	var raw []byte
	for _, dec := range []func(string) ([]byte, error){base64.StdEncoding.DecodeString, base64.RawStdEncoding.DecodeString, base64.URLEncoding.DecodeString, base64.RawURLEncoding.DecodeString, hex.DecodeString} {
		if b, err := dec(text); err == nil && len(b) == 32 {
			raw = b
			break
		}
	}
	if raw == nil {
		return sealKey{}, errors.New("want 32 random bytes in base64 (44 characters) or hex (64), e.g. from `seminareval secrets new-key`")
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return sealKey{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return sealKey{}, err
	}
	sum := sha256.Sum256(append([]byte("seminareval key id\x00"), raw...))
	return sealKey{id: hex.EncodeToString(sum[:4]), aead: aead}, nil
}

// NewSecretsKey returns a fresh key in the form server.secrets_key takes.
func NewSecretsKey() string {
	return base64.StdEncoding.EncodeToString(randomBytes(32))
}

// KeyID is the current key's id, as written in every value it seals.
func (s *Sealer) KeyID() string {
	if s == nil {
		return ""
	}
	return s.current.id
}

// Seal returns plain sealed with the current key, bound to the settings
// key name so that a sealed value cannot be moved to another row.
func (s *Sealer) Seal(name, plain string) string {
	if s == nil {
		return plain
	}
	nonce := randomBytes(s.current.aead.NonceSize())
	out := s.current.aead.Seal(nonce, nonce, []byte(plain), []byte(name))
	return sealedPrefix + s.current.id + ":" + base64.RawStdEncoding.EncodeToString(out)
}

// Open returns the plain value of stored: a sealed value is opened with the
// key it names; a value stored before sealing existed is returned as it is
// (ResealSettings seals it at the next start).
func (s *Sealer) Open(name, stored string) (string, error) {
	rest, ok := strings.CutPrefix(stored, sealedPrefix)
	if !ok {
		return stored, nil
	}
	id, body, ok := strings.Cut(rest, ":")
	if !ok {
		return "", fmt.Errorf("setting %s: malformed sealed value", name)
	}
	var aead cipher.AEAD
	if s != nil {
		aead = s.keys[id]
	}
	if aead == nil {
		return "", fmt.Errorf("setting %s: %w (key %s; this process has %s): give every replica the same server.secrets_key", name, ErrSealedElsewhere, id, s.describeKeys())
	}
	raw, err := base64.RawStdEncoding.DecodeString(body)
	if err != nil || len(raw) < aead.NonceSize() {
		return "", fmt.Errorf("setting %s: malformed sealed value", name)
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(name))
	if err != nil {
		return "", fmt.Errorf("setting %s: sealed value does not open with key %s (altered?)", name, id)
	}
	return string(plain), nil
}

func (s *Sealer) describeKeys() string {
	if s == nil {
		return "no key"
	}
	ids := []string{s.current.id}
	for id := range s.keys {
		if id != s.current.id {
			ids = append(ids, id)
		}
	}
	return strings.Join(ids, ", ")
}

// SealedWithCurrent tells whether stored is sealed with the current key.
func (s *Sealer) SealedWithCurrent(stored string) bool {
	return s != nil && strings.HasPrefix(stored, sealedPrefix+s.current.id+":")
}

// ResealSettings seals, with the current key, every sealed-kind setting that
// is stored in plain text (written before sealing existed) or under a
// previous key, in one transaction; it returns how many rows it rewrote.
// serve runs it at start, so a rotation ends with the next start;
// `seminareval secrets reseal` runs it on demand.
func ResealSettings(ctx context.Context, db *gorm.DB, s *Sealer) (int, error) {
	if s == nil {
		return 0, nil
	}
	n := 0
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []model.Setting
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("`key` IN ?", sealedSettings).Find(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			if s.SealedWithCurrent(r.Value) {
				continue
			}
			plain, err := s.Open(r.Key, r.Value)
			if err != nil {
				return err
			}
			if err := tx.Model(&model.Setting{}).Where("`key` = ?", r.Key).Update("value", s.Seal(r.Key, plain)).Error; err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("reseal settings: %w", err)
	}
	return n, nil
}

// SecretsKeyFile is where the sealing key is read from when
// server.secrets_key is empty: server.secrets_key_file, or by default
// seminareval.key beside the SQLite database (data/seminareval.key for MySQL).
func SecretsKeyFile(cfg Config) string {
	if cfg.Server.SecretsKeyFile != "" {
		return cfg.Server.SecretsKeyFile
	}
	if cfg.Database.Driver == "sqlite" && !strings.HasPrefix(cfg.Database.DSN, "file::memory:") && !strings.HasPrefix(cfg.Database.DSN, ":memory:") {
		return filepath.Join(filepath.Dir(cfg.Database.DSN), "seminareval.key")
	}
	return filepath.Join("data", "seminareval.key")
}

// ResolveSecretsKey makes sure cfg names a sealing key: server.secrets_key as
// given, or else the contents of SecretsKeyFile(cfg), which is created (mode
// 0600) with a new key when it does not exist. It returns the file it read
// or created ("" for a key given in the configuration) and whether it
// created it.
func ResolveSecretsKey(cfg *Config) (path string, created bool, err error) {
	if cfg.Server.SecretsKey != "" {
		if _, err := parseSealKey(cfg.Server.SecretsKey); err != nil {
			return "", false, fmt.Errorf("server.secrets_key: %w", err)
		}
		return "", false, nil
	}
	path = SecretsKeyFile(*cfg)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return path, false, fmt.Errorf("server.secrets_key_file: %w", err)
		}
		key := NewSecretsKey()
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			return ResolveSecretsKey(cfg) // another process made it first
		}
		if err != nil {
			return path, false, fmt.Errorf("server.secrets_key_file: %w", err)
		}
		_, werr := f.WriteString(key + "\n")
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return path, false, fmt.Errorf("server.secrets_key_file: %w", werr)
		}
		cfg.Server.SecretsKey = key
		return path, true, nil
	}
	if err != nil {
		return path, false, fmt.Errorf("server.secrets_key_file: %w", err)
	}
	if _, err := parseSealKey(string(data)); err != nil {
		return path, false, fmt.Errorf("server.secrets_key_file %s: %w", path, err)
	}
	cfg.Server.SecretsKey = strings.TrimSpace(string(data))
	return path, false, nil
}
