// Package wechat is the official account: its settings, the callback
// (signatures, safe mode, replies), OAuth and personal links, QR codes and
// posters, the menu, the board and reminders, each as the account type allows
// (service/wechat_account_type.go). The platform is reached through
// silenceper/wechat; cmd/wechatsim stands in for it in tests.
package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/officialaccount"
	offconfig "github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/silenceper/wechat/v2/officialaccount/menu"
	"github.com/silenceper/wechat/v2/util"
	"github.com/sirupsen/logrus"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"seminareval/model"
	"seminareval/service"
)

// This file is the WeChat official account: its effective settings
// (config.yaml overridden by what staff entered on /admin/wechat), the SDK
// client, and the shared access token. The root SDK package is never
// imported: its init() turns on debug logging of every request body.

// Errors of the WeChat use cases.
var (
	ErrOff            = errors.New("wechat is not enabled or not configured")
	ErrOAuthCodeSpent = errors.New("wechat oauth: code spent or invalid")
	ErrRemindersOff   = errors.New("wechat.reminder_template_id is not set")
)

// Settings the service keeps about the platform's answers.
const (
	settingWeChatVerified = "wechat.last_verification"
	settingWeChatVerifyNo = "wechat.last_failed_verification"
	settingWeChatRefusal  = "wechat.last_refusal"
)

// settingsTTL is how long a replica trusts its copy of the settings: a
// change made on another replica's console is in effect everywhere after it.
const settingsTTL = 5 * time.Second

// Service is the WeChat official account and its use cases (callback, OAuth, QR
// codes, menu, reminders).
type Service struct {
	db             *gorm.DB
	log            *slog.Logger
	now            func() time.Time
	file           service.WeChatConfig
	baseURL        string
	sealer         *service.Sealer // opens and seals the WeChat secrets in settings
	redis          *redis.Client
	cache          tokenCache
	http           *http.Client
	questionnaires *service.Questionnaires
	responses      *service.Responses

	mu       sync.Mutex
	acct     *wechatAccount
	loadedAt time.Time

	linkOnce sync.Once // linkKey
	link     []byte
}

// wechatAccount is the client for one effective configuration; it is
// rebuilt when the settings change.
type wechatAccount struct {
	cfg    service.WeChatConfig
	oa     *officialaccount.OfficialAccount
	tokens *accessTokens
}

// New returns the WeChat service. With cfg.Redis.Addr set the access
// token, JS ticket and the token fetch lock live in Redis, so replicas share
// one token (a new fetch invalidates the previous token on the platform).
func New(db *gorm.DB, cfg service.Config, sealer *service.Sealer, questionnaires *service.Questionnaires, responses *service.Responses, log *slog.Logger, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	quietSDK()
	w := &Service{
		db: db, log: log, now: now, file: cfg.WeChat, sealer: sealer, baseURL: strings.TrimRight(cfg.Server.BaseURL, "/"),
		questionnaires: questionnaires, responses: responses,
		// Never http.DefaultClient: the SDK shares that pointer.
		http: &http.Client{Timeout: 4 * time.Second, Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 8}},
	}
	if cfg.Redis.Addr != "" {
		w.redis = redis.NewClient(&redis.Options{Addr: cfg.Redis.Addr, Password: cfg.Redis.Password, DB: cfg.Redis.DB})
		w.cache = &redisCache{c: w.redis}
	} else {
		w.cache = &memoryCache{m: map[string]memoryEntry{}}
	}
	return w
}

// Close releases the Redis connection.
func (w *Service) Close() {
	if w.redis != nil {
		_ = w.redis.Close()
	}
}

var sdkOnce sync.Once

// platformBases is what the process-wide SDK URI modifier rewrites the
// platform's hard-coded origins to. The SDK's HTTP settings are globals, so
// one process serves one account; the latest effective settings win.
var platformBases atomic.Pointer[service.WeChatConfig]

// quietSDK sets the SDK's globals once, before any SDK call: logrus at warn
// (request bodies hold personal data), an HTTP client with a timeout, and
// the URI modifier that points it at api_base_url and friends.
func quietSDK() {
	sdkOnce.Do(func() {
		logrus.SetLevel(logrus.WarnLevel)
		// The SDK's client is http.DefaultClient, without a timeout: a
		// platform that hangs would hang a reminder run. A client of its own
		// (http.DefaultClient itself is left untouched).
		util.DefaultHTTPClient = &http.Client{Timeout: 10 * time.Second}
		util.SetURIModifier(func(u string) string {
			c := platformBases.Load()
			if c == nil {
				return u
			}
			return rewritePlatformURL(u, *c)
		})
	})
}

func rewritePlatformURL(u string, c service.WeChatConfig) string {
	for origin, base := range map[string]string{
		"https://api.weixin.qq.com": c.APIBaseURL, "https://open.weixin.qq.com": c.OpenBaseURL, "https://mp.weixin.qq.com": c.MPBaseURL,
	} {
		if rest, ok := strings.CutPrefix(u, origin); ok && base != "" && (rest == "" || strings.ContainsRune("/?#", rune(rest[0]))) {
			return strings.TrimRight(base, "/") + rest
		}
	}
	return u
}

// Settings returns the effective configuration: config.yaml and the
// environment, overridden by the values entered on the console.
func (w *Service) Settings(ctx context.Context) (service.WeChatConfig, error) {
	a, err := w.account(ctx)
	if err != nil {
		return service.WeChatConfig{}, err
	}
	return a.cfg, nil
}

// Enabled reports whether WeChat is switched on and has the credentials it
// needs. Errors count as off: a participant page must still work.
func (w *Service) Enabled(ctx context.Context) bool {
	a, err := w.account(ctx)
	return err == nil && wechatUsable(a.cfg)
}

func wechatUsable(c service.WeChatConfig) bool {
	return c.Enabled && c.AppID != "" && c.AppSecret != "" && c.Token != ""
}

// account returns the client for the current settings, re-reading them at
// most every settingsTTL.
func (w *Service) account(ctx context.Context) (*wechatAccount, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.acct != nil && w.now().Sub(w.loadedAt) < settingsTTL {
		return w.acct, nil
	}
	cfg, err := w.effective(ctx)
	if err != nil {
		if w.acct != nil {
			return w.acct, nil // keep serving with what we had
		}
		return nil, err
	}
	w.loadedAt = w.now()
	if w.acct != nil && w.acct.cfg == cfg {
		return w.acct, nil
	}
	a := &wechatAccount{cfg: cfg}
	a.tokens = &accessTokens{appID: cfg.AppID, secret: cfg.AppSecret, apiBase: cfg.APIBaseURL, cache: w.cache, redis: w.redis, http: w.http}
	a.oa = officialaccount.NewOfficialAccount(&offconfig.Config{
		AppID: cfg.AppID, AppSecret: cfg.AppSecret, Token: cfg.Token, EncodingAESKey: cfg.EncodingAESKey, Cache: w.cache,
	})
	a.oa.SetAccessTokenHandle(a.tokens)
	// The SDK's lazy getters race on first use: call them here, once.
	a.oa.GetOauth()
	a.oa.GetBasic()
	a.oa.GetMenu()
	a.oa.GetTemplate()
	a.oa.GetCustomerMessageManager()
	a.oa.GetJs()
	if wechatUsable(cfg) {
		platformBases.Store(&cfg)
	}
	w.acct = a
	return a, nil
}

// ReloadSettings makes the next use read the settings again (after the
// console changed them).
func (w *Service) ReloadSettings() {
	w.mu.Lock()
	w.loadedAt = time.Time{}
	w.mu.Unlock()
}

func (w *Service) effective(ctx context.Context) (service.WeChatConfig, error) {
	cfg := w.file
	if cfg.Keyword == "" {
		cfg.Keyword = service.DefaultKeyword
	}
	if !service.ValidAccountType(cfg.AccountType) {
		cfg.AccountType = service.AccountServiceVerified
	}
	var rows []model.Setting
	if err := w.db.WithContext(ctx).Where("`key` LIKE ?", "wechat.%").Find(&rows).Error; err != nil {
		return cfg, fmt.Errorf("read wechat settings: %w", err)
	}
	for _, r := range rows {
		if service.IsSealedSetting(r.Key) {
			plain, err := w.sealer.Open(r.Key, r.Value)
			if err != nil {
				return cfg, err
			}
			r.Value = plain
		}
		switch r.Key {
		case service.SettingWeChatEnabled:
			cfg.Enabled = r.Value == "true"
		case service.SettingWeChatAppID:
			cfg.AppID = r.Value
		case service.SettingWeChatSecret:
			cfg.AppSecret = r.Value
		case service.SettingWeChatToken:
			cfg.Token = r.Value
		case service.SettingWeChatAESKey:
			cfg.EncodingAESKey = r.Value
		case service.SettingWeChatType:
			if service.ValidAccountType(r.Value) {
				cfg.AccountType = r.Value
			}
		}
	}
	return cfg, nil
}

// SettingsChange is what staff submit on the console. Nil fields are left
// as they are; a pointer to "" clears the stored value (the file's applies
// again). Secrets are never read back, only replaced or cleared.
type SettingsChange struct {
	Enabled                               *bool
	AppID, AppSecret, Token, EncodingAESK *string
	AccountType                           *string
}

// UpdateSettings validates and stores a change in one transaction.
func (w *Service) UpdateSettings(ctx context.Context, ch SettingsChange) error {
	problems := map[string]string{}
	if ch.AppID != nil && *ch.AppID != "" && (len(*ch.AppID) > 64 || strings.ContainsAny(*ch.AppID, " &=?#/")) {
		problems["app_id"] = "bad_app_id"
	}
	if ch.Token != nil && *ch.Token != "" && (len(*ch.Token) < 3 || len(*ch.Token) > 32 || !wechatAlnum(*ch.Token)) {
		problems["token"] = "bad_token"
	}
	if ch.EncodingAESK != nil && *ch.EncodingAESK != "" {
		if _, err := aesKey(*ch.EncodingAESK); err != nil {
			problems["encoding_aes_key"] = "bad_aes_key"
		}
	}
	if ch.AccountType != nil && *ch.AccountType != "" && !service.ValidAccountType(*ch.AccountType) {
		problems["account_type"] = "bad_account_type"
	}
	if len(problems) > 0 {
		return service.FieldErrors(problems)
	}
	err := w.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		set := func(key string, v *string) error {
			if v == nil {
				return nil
			}
			if *v == "" {
				return tx.Where("`key` = ?", key).Delete(&model.Setting{}).Error
			}
			value := *v
			if service.IsSealedSetting(key) {
				value = w.sealer.Seal(key, value)
			}
			return tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&model.Setting{Key: key, Value: value}).Error
		}
		if ch.Enabled != nil {
			v := fmt.Sprint(*ch.Enabled)
			if err := set(service.SettingWeChatEnabled, &v); err != nil {
				return err
			}
		}
		for key, v := range map[string]*string{service.SettingWeChatAppID: ch.AppID, service.SettingWeChatSecret: ch.AppSecret, service.SettingWeChatToken: ch.Token, service.SettingWeChatAESKey: ch.EncodingAESK, service.SettingWeChatType: ch.AccountType} {
			if err := set(key, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store wechat settings: %w", err)
	}
	w.ReloadSettings()
	return nil
}

func wechatAlnum(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// Verification is the outcome of the platform's last URL verification.
type Verification struct {
	At     time.Time `json:"at"`
	OK     bool      `json:"ok"`
	Reason string    `json:"reason,omitempty"`
}

// LastVerification returns the last successful verification, or nil. A
// failed attempt never overwrites it: anyone can send a badly signed GET.
func (w *Service) LastVerification(ctx context.Context) (*Verification, error) {
	return w.readVerification(ctx, settingWeChatVerified)
}

// LastFailedVerification returns the last signed verification attempt that
// failed (the platform signing with another token, or a forgery), or nil.
func (w *Service) LastFailedVerification(ctx context.Context) (*Verification, error) {
	return w.readVerification(ctx, settingWeChatVerifyNo)
}

func (w *Service) readVerification(ctx context.Context, key string) (*Verification, error) {
	return readJSONSetting[Verification](ctx, w.db, key)
}

// readJSONSetting decodes the settings row key, or returns nil when there
// is none.
func readJSONSetting[T any](ctx context.Context, db *gorm.DB, key string) (*T, error) {
	var s model.Setting
	err := db.WithContext(ctx).Where("`key` = ?", key).Take(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	var v T
	if err := json.Unmarshal([]byte(s.Value), &v); err != nil {
		return nil, fmt.Errorf("decode %s: %w", key, err)
	}
	return &v, nil
}

// writeJSONSetting stores v as the settings row key; a failure is logged
// (what it records is for the console, never needed to go on).
func (w *Service) writeJSONSetting(ctx context.Context, key string, v any) {
	b, _ := json.Marshal(v)
	if err := w.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&model.Setting{Key: key, Value: string(b)}).Error; err != nil {
		w.log.Warn("wechat: record "+key, "err", err)
	}
}

// Capabilities are what the configured account type may do. Errors count
// as the default type's: a participant page must still work.
func (w *Service) Capabilities(ctx context.Context) service.Capabilities {
	a, err := w.account(ctx)
	if err != nil {
		return service.CapabilitiesOf(service.AccountServiceVerified)
	}
	return service.CapabilitiesOf(a.cfg.AccountType)
}

// Refusal is the platform's last refusal of a call for want of a
// permission (errcode 48001, "api unauthorized") or another errcode.
type Refusal struct {
	At      time.Time `json:"at"`
	API     string    `json:"api"` // what was asked: qrcode, template, menu, custom
	ErrCode int64     `json:"errcode"`
	ErrMsg  string    `json:"errmsg,omitempty"`
}

// LastRefusal returns the platform's last recorded refusal, or nil.
func (w *Service) LastRefusal(ctx context.Context) (*Refusal, error) {
	return readJSONSetting[Refusal](ctx, w.db, settingWeChatRefusal)
}

// ErrUnauthorizedAPI is the platform's 48001: the account type may not use
// the interface.
var ErrUnauthorizedAPI = errors.New("this account type may not use this Service interface (errcode 48001)")

// noteRefusal records an error of the platform that carries an errcode for
// the console, and returns err as ErrUnauthorizedAPI when it is a 48001.
func (w *Service) noteRefusal(ctx context.Context, api string, err error) error {
	if err == nil {
		return nil
	}
	m := errcodeRe.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	code, _ := strconv.ParseInt(m[1], 10, 64)
	w.writeJSONSetting(ctx, settingWeChatRefusal, Refusal{At: w.now().UTC(), API: api, ErrCode: code, ErrMsg: truncateRunes(err.Error(), 300)})
	if code == 48001 {
		return fmt.Errorf("%w: %v", ErrUnauthorizedAPI, err)
	}
	return err
}

func (w *Service) recordVerification(ctx context.Context, v Verification) {
	key := settingWeChatVerified
	if !v.OK {
		key = settingWeChatVerifyNo
	}
	w.writeJSONSetting(ctx, key, v)
}

// VerifyURL answers the platform's GET handshake: the echostr when the
// signature is right and fresh. Every attempt is recorded for the console.
func (w *Service) VerifyURL(ctx context.Context, signature, timestamp, nonce, echostr string) (string, error) {
	a, err := w.account(ctx)
	if err != nil {
		return "", err
	}
	if a.cfg.Token == "" {
		return "", ErrOff
	}
	if err := VerifySignature(signature, timestamp, w.now(), a.cfg.Token, timestamp, nonce); err != nil {
		if signature != "" && timestamp != "" && nonce != "" { // an unsigned probe is not an attempt
			w.recordVerification(ctx, Verification{At: w.now().UTC(), OK: false, Reason: err.Error()})
		}
		return "", err
	}
	w.recordVerification(ctx, Verification{At: w.now().UTC(), OK: true})
	return echostr, nil
}

// ---- OAuth ------------------------------------------------------------------

// AuthorizeURL is where a WeChat browser is sent to learn its openid
// silently (snsapi_base). state must be [a-zA-Z0-9]{0,128}.
func (w *Service) AuthorizeURL(ctx context.Context, redirectURI, state string) (string, error) {
	a, err := w.account(ctx)
	if err != nil {
		return "", err
	}
	if !wechatUsable(a.cfg) {
		return "", ErrOff
	}
	// Parameter order matters to the real platform: appid first.
	return strings.TrimRight(a.cfg.OpenBaseURL, "/") + "/connect/oauth2/authorize?appid=" + url.QueryEscape(a.cfg.AppID) +
		"&redirect_uri=" + url.QueryEscape(redirectURI) + "&response_type=code&scope=snsapi_base&state=" + url.QueryEscape(state) +
		"#wechat_redirect", nil
}

// OAuthIdentity is the result of a code exchange.
type OAuthIdentity struct {
	OpenID   string
	Snapshot bool // WeChat's "snapshot page" virtual user: never a respondent
}

// ExchangeCode trades an OAuth code for the visitor's openid. A spent or
// unknown code (40163, 40029) is ErrOAuthCodeSpent: the caller starts OAuth
// again instead of showing an error.
func (w *Service) ExchangeCode(ctx context.Context, code string) (OAuthIdentity, error) {
	a, err := w.account(ctx)
	if err != nil {
		return OAuthIdentity{}, err
	}
	if !wechatUsable(a.cfg) {
		return OAuthIdentity{}, ErrOff
	}
	ctx, cancel := context.WithTimeout(ctx, 4*time.Second)
	defer cancel()
	res, err := a.oa.GetOauth().GetUserAccessTokenContext(ctx, code)
	if err != nil {
		switch res.ErrCode {
		case 40163, 40029, 41008:
			return OAuthIdentity{}, fmt.Errorf("%w: %v", ErrOAuthCodeSpent, err)
		}
		return OAuthIdentity{}, fmt.Errorf("wechat oauth exchange: %w", err)
	}
	if res.OpenID == "" {
		return OAuthIdentity{}, errors.New("wechat oauth exchange: no openid in the answer")
	}
	return OAuthIdentity{OpenID: res.OpenID, Snapshot: res.IsSnapShotUser == 1}, nil
}

// JSConfig is what a page passes to wx.config.
type JSConfig struct {
	AppID     string `json:"appId"`
	Timestamp int64  `json:"timestamp"`
	NonceStr  string `json:"nonceStr"`
	Signature string `json:"signature"`
}

// JSSDKConfig signs pageURL for the JS-SDK; the ticket is cached like the
// access token (in Redis when configured).
func (w *Service) JSSDKConfig(ctx context.Context, pageURL string) (JSConfig, error) {
	a, err := w.account(ctx)
	if err != nil {
		return JSConfig{}, err
	}
	if !wechatUsable(a.cfg) {
		return JSConfig{}, ErrOff
	}
	cfg, err := a.oa.GetJs().GetConfig(pageURL)
	if err != nil {
		return JSConfig{}, fmt.Errorf("wechat js config: %w", err)
	}
	return JSConfig{AppID: cfg.AppID, Timestamp: cfg.Timestamp, NonceStr: cfg.NonceStr, Signature: cfg.Signature}, nil
}

// AccessToken returns the shared access token (fetching it when needed).
func (w *Service) AccessToken(ctx context.Context) (string, error) {
	a, err := w.account(ctx)
	if err != nil {
		return "", err
	}
	if !wechatUsable(a.cfg) {
		return "", ErrOff
	}
	return a.tokens.GetAccessTokenContext(ctx)
}

// readAll reads a platform response, bounded.
func readAll(r io.Reader) ([]byte, error) { return io.ReadAll(io.LimitReader(r, 4<<20)) }

// MenuEvaluateName is the menu button. Names are at most 16 bytes on the platform (5 Chinese
// characters fill it), so the bilingual label is short.
const MenuEvaluateName = "问卷 Evaluate"

// SetMenu sets the account's custom menu: one click button whose key the
// callback answers with the open questionnaires.
func (w *Service) SetMenu(ctx context.Context) error {
	a, err := w.account(ctx)
	if err != nil {
		return err
	}
	if !wechatUsable(a.cfg) {
		return ErrOff
	}
	if !service.CapabilitiesOf(a.cfg.AccountType).Menu {
		return fmt.Errorf("%w: a %s account has no menu API; followers send the keyword %q", ErrUnauthorizedAPI, a.cfg.AccountType, a.cfg.Keyword)
	}
	buttons := []*menu.Button{menu.NewClickButton(MenuEvaluateName, MenuKeyEvaluate)}
	if err := a.oa.GetMenu().SetMenu(buttons); err != nil {
		if tokenRejected(err) {
			a.tokens.Invalidate()
			err = a.oa.GetMenu().SetMenu(buttons)
		}
		if err != nil {
			return fmt.Errorf("set wechat menu: %w", w.noteRefusal(ctx, "menu", err))
		}
	}
	return nil
}
