package sim

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Defaults for the local demo. They must equal the values the service's
// config documentation uses for its local demo, so that `wechatsim serve`
// and `seminareval serve` work together with no flags at all.
const (
	DefaultAppID          = "wxsim00000000demo"
	DefaultAppSecret      = "simsecret"
	DefaultToken          = "simtoken"
	DefaultEncodingAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	// DefaultOriginalID is the official account's "original ID" (gh_…),
	// which the platform puts in ToUserName of every pushed message.
	DefaultOriginalID = "gh_wechatsim0001"
)

// Platform constants the simulator enforces. They are the real platform's
// values; tests that need to see expiry happen should move Config.Now
// rather than change these.
const (
	// AccessTokenTTL is the lifetime the platform announces for access
	// tokens and JS-API tickets (expires_in: 7200).
	AccessTokenTTL = 7200 * time.Second
	// OAuthCodeTTL is how long an OAuth code can be exchanged.
	OAuthCodeTTL = 5 * time.Minute
	// ReplyDeadline is how long the platform waits for a callback reply
	// before it gives up on the attempt (and retries).
	ReplyDeadline = 5 * time.Second
	// MaxPushAttempts is how many times the platform sends one message
	// when the service does not answer in time.
	MaxPushAttempts = 3
)

// Config configures a Simulator. Empty string fields take the Default*
// values above, so Config{} is the local demo account.
type Config struct {
	AppID          string
	AppSecret      string
	Token          string // the callback "Token" used in signatures
	EncodingAESKey string // 43 characters; the callback's safe-mode key
	OriginalID     string // gh_… account id, ToUserName of pushed messages

	// AccountType is the kind of official account simulated:
	// service_verified (default; everything), service (menu only),
	// subscription_verified (menu, customer-service messages) or
	// subscription (passive replies only). What the type may not do is
	// refused with errcode 48001, as the platform does; OAuth's authorize
	// page shows the platform's scope error.
	AccountType string

	// OldTokenGrace is how long a previous access token stays valid after
	// a new one was fetched from /cgi-bin/token. The platform documents
	// 5 minutes; that overlap is exactly why several replicas that each
	// fetch their own token seem to work until they don't. Zero means
	// 5 minutes; a negative value invalidates the old token at once,
	// which makes such a bug fail immediately in tests.
	OldTokenGrace time.Duration

	// OAuthDomains, when set, restricts OAuth redirect_uri hosts like the
	// account's "web authorisation domain" setting (error 10003
	// otherwise). Entries are host or host:port. Empty allows any host.
	OAuthDomains []string

	// RequireWeChatUA makes /connect/oauth2/authorize refuse browsers
	// whose User-Agent lacks "MicroMessenger", as the real page does
	// ("请在微信客户端打开链接"). Off by default so that plain test
	// clients work; turn it on to prove the service only sends WeChat
	// browsers to OAuth.
	RequireWeChatUA bool

	// TemplateIDs, when set, is the list of template ids the account owns;
	// sending any other id fails with 40037 like the platform.
	TemplateIDs []string

	// RequireFollowForTemplates makes template messages to openids that
	// are not followers fail with 43004. Followers are tracked from pushed
	// subscribe/unsubscribe events and SetFollower.
	RequireFollowForTemplates bool

	// ReplyTimeout bounds each push attempt; zero means ReplyDeadline.
	ReplyTimeout time.Duration

	// HTTPClient sends pushes to the service's callback. nil means a
	// dedicated client that does not follow redirects (the platform does
	// not), rather than http.DefaultClient, which the SDK's HTTP calls
	// share and tests sometimes rewire.
	HTTPClient *http.Client

	// Now is the simulator's clock; nil means time.Now. Tests move it to
	// expire codes and tokens without sleeping.
	Now func() time.Time

	// Logger receives one line per API request and push; nil discards.
	Logger *slog.Logger
}

// withDefaults returns c with every empty field filled in.
func (c Config) withDefaults() Config {
	if c.AccountType == "" {
		c.AccountType = AccountServiceVerified
	}
	if c.AppID == "" {
		c.AppID = DefaultAppID
	}
	if c.AppSecret == "" {
		c.AppSecret = DefaultAppSecret
	}
	if c.Token == "" {
		c.Token = DefaultToken
	}
	if c.EncodingAESKey == "" {
		c.EncodingAESKey = DefaultEncodingAESKey
	}
	if c.OriginalID == "" {
		c.OriginalID = DefaultOriginalID
	}
	if c.OldTokenGrace == 0 {
		c.OldTokenGrace = 5 * time.Minute
	}
	if c.ReplyTimeout <= 0 {
		c.ReplyTimeout = ReplyDeadline
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports configuration the platform itself would refuse, after
// defaults are applied. New panics on such a configuration; the CLI calls
// Validate first to print a friendly error instead.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	switch c.AccountType {
	case AccountServiceVerified, AccountService, AccountSubscriptionVerified, AccountSubscription:
	default:
		errs = append(errs, fmt.Errorf("account type %q: want service_verified, service, subscription_verified or subscription", c.AccountType))
	}
	if _, err := DecodeAESKey(c.EncodingAESKey); err != nil {
		errs = append(errs, err)
	}
	// The platform only accepts a token of 3-32 letters and digits; a
	// token outside that range would make the demo pass here and fail on
	// the real account's settings page.
	if n := len(c.Token); n < 3 || n > 32 || !isAlnum(c.Token) {
		errs = append(errs, fmt.Errorf("token must be 3-32 letters or digits, got %q", c.Token))
	}
	if strings.ContainsAny(c.AppID, " &=?#/") {
		errs = append(errs, fmt.Errorf("app id %q contains characters that break URLs", c.AppID))
	}
	return errors.Join(errs...)
}

func isAlnum(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
