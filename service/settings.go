package service

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"seminareval/model"
)

const secretSetting = "secret"

// EnsureSecret returns the configured secret, or the one kept in the
// database, generating and storing it on first start. Keeping it in the
// database means every replica signs cookies and hashes respondents alike
// without anyone having to configure a secret.
//
// The stored secret is sealed by sealer (service/sealer.go): a dump of the
// database does not give the key of cookies and respondent hashes.
func EnsureSecret(ctx context.Context, db *gorm.DB, configured string, sealer *Sealer) ([]byte, error) {
	if configured != "" {
		if len(configured) < 32 {
			return nil, errors.New("server.secret must be at least 32 characters")
		}
		return []byte(configured), nil
	}
	candidate := model.Setting{Key: secretSetting, Value: sealer.Seal(secretSetting, hex.EncodeToString(randomBytes(32)))}
	// Two replicas starting at once: the first insert wins, both read it back.
	if err := db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&candidate).Error; err != nil && !model.IsDuplicate(err) {
		return nil, fmt.Errorf("store secret: %w", err)
	}
	var s model.Setting
	if err := db.WithContext(ctx).Where("`key` = ?", secretSetting).Take(&s).Error; err != nil {
		return nil, fmt.Errorf("read secret: %w", err)
	}
	plain, err := sealer.Open(secretSetting, s.Value)
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(plain)
}

// Setting keys of the values staff may enter on the console. Each one,
// when present, overrides the configuration file.
const (
	SettingWeChatEnabled = "wechat.enabled"
	SettingWeChatAppID   = "wechat.app_id"
	SettingWeChatSecret  = "wechat.app_secret"
	SettingWeChatToken   = "wechat.token"
	SettingWeChatAESKey  = "wechat.encoding_aes_key"
	SettingWeChatType    = "wechat.account_type"
)
