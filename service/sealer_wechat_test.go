package service_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service"
	"seminareval/service/wechat"
)

// A dump of the database holds the secrets only sealed: nothing in the
// settings table is the signing secret or the WeChat AppSecret, and the
// respondent hashes (who answered an anonymous questionnaire) cannot be
// recomputed from anything in it.
func TestSecretsInTheDatabaseAreSealedWithAKeyKeptElsewhere(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		key := service.NewSecretsKey()
		sealer := service.TestSealer(t, key)
		secret, err := service.EnsureSecret(ctx, db, "", sealer)
		if err != nil {
			t.Fatal(err)
		}
		again, err := service.EnsureSecret(ctx, db, "", service.TestSealer(t, key))
		if err != nil || !bytes.Equal(secret, again) {
			t.Fatalf("a second replica with the same key read %x (%v), want %x", again, err, secret)
		}
		wx := wechat.New(db, service.DefaultConfig(), sealer, nil, nil, nil, nil)
		defer wx.Close()
		appSecret, aesKey := "wx-app-secret-0123456789abcdef", strings.Repeat("k", 43)
		if err := wx.UpdateSettings(ctx, wechat.SettingsChange{AppSecret: &appSecret, EncodingAESK: &aesKey}); err != nil {
			t.Fatal(err)
		}
		cfg, err := wx.Settings(ctx)
		if err != nil || cfg.AppSecret != appSecret || cfg.EncodingAESKey != aesKey {
			t.Fatalf("the service reads back %q, %q (%v)", cfg.AppSecret, cfg.EncodingAESKey, err)
		}

		// The attacker's view: every settings row.
		var rows []model.Setting
		db.Find(&rows)
		hash := service.NewResponses(db, secret, nil).RespondentHash(7, "p:1")
		for _, r := range rows {
			if strings.Contains(r.Value, hex.EncodeToString(secret)) || strings.Contains(r.Value, appSecret) || strings.Contains(r.Value, aesKey) {
				t.Errorf("settings %s holds a secret in clear: %q", r.Key, r.Value)
			}
			candidates := [][]byte{[]byte(r.Value)}
			if b, err := hex.DecodeString(r.Value); err == nil {
				candidates = append(candidates, b)
			}
			for _, c := range candidates {
				if service.NewResponses(db, c, nil).RespondentHash(7, "p:1") == hash {
					t.Errorf("settings %s recomputes the respondent hash", r.Key)
				}
			}
			if service.IsSealedSetting(r.Key) && !sealer.SealedWithCurrent(r.Value) {
				t.Errorf("settings %s = %q, want sealed with key %s", r.Key, r.Value, sealer.KeyID())
			}
		}

		// Without the key, or with another, nothing opens; the error says so.
		other := service.TestSealer(t, service.NewSecretsKey())
		if _, err := service.EnsureSecret(ctx, db, "", other); !errors.Is(err, service.ErrSealedElsewhere) || !strings.Contains(err.Error(), "same server.secrets_key") {
			t.Errorf("a replica with another key: %v, want service.ErrSealedElsewhere naming the fix", err)
		}
		if _, err := service.EnsureSecret(ctx, db, "", nil); !errors.Is(err, service.ErrSealedElsewhere) {
			t.Errorf("a process without a key: %v, want service.ErrSealedElsewhere", err)
		}
		// A sealed value moved to another row does not open.
		moved := service.SettingValue(t, db, service.SettingWeChatSecret)
		if _, err := sealer.Open(service.SettingWeChatAESKey, moved); err == nil {
			t.Error("the AppSecret's sealed value opened as the EncodingAESKey")
		}
	})
}
