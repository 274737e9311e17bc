package sim

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Simulator is one simulated official account on the WeChat platform. It
// is safe for concurrent use: the service under test calls its API from
// many goroutines while the test pushes events and reads counters.
type Simulator struct {
	cfg    Config
	client *http.Client

	mu sync.Mutex

	// Access tokens issued by /cgi-bin/token and /cgi-bin/stable_token.
	// Both kinds stay in one map because every protected endpoint accepts
	// either; the platform keeps the two kinds independent of each other.
	tokens       map[string]*accessToken
	classicToken string // newest token from /cgi-bin/token
	stableToken  string // current token from /cgi-bin/stable_token

	jsTicket    string
	jsTicketExp time.Time

	codes         map[string]*oauthCode
	userTokens    map[string]*userToken // sns access_token -> grant
	refreshTokens map[string]*userToken // sns refresh_token -> grant
	snapshot      map[string]bool       // openids that behave as snapshot users
	followers     map[string]bool

	qrs     map[string]*QRCode // ticket -> code
	qrOrder []string           // tickets in creation order, for listings

	menu *Menu

	templates     []TemplateMessage
	customs       []CustomMessage
	lastMessage   map[string]time.Time // openid -> when they last sent the account a message
	templateFail  map[string]int       // openid -> errcode to answer with
	clientMsgIDs  map[string]int64     // openid+client_msg_id -> msgid
	nextMsgID     int64
	nextPushMsgID int64

	stats Stats
}

type accessToken struct {
	kind    string // "classic" or "stable"
	expires time.Time
}

type oauthCode struct {
	openid   string
	scope    string
	snapshot bool
	expires  time.Time
	used     bool
}

type userToken struct {
	openid   string
	scope    string
	snapshot bool
	expires  time.Time
}

// Stats are the simulator's counters, served as JSON by GET /sim/stats.
// Tests assert on them to prove, for example, that two service replicas
// sharing Redis fetched one access token between them.
type Stats struct {
	// TokenFetches counts access tokens issued by either token endpoint:
	// the number a "fetch once" test wants.
	TokenFetches        int `json:"token_fetches"`
	ClassicTokenFetches int `json:"classic_token_fetches"` // GET /cgi-bin/token
	StableTokenFetches  int `json:"stable_token_fetches"`  // POST /cgi-bin/stable_token
	TokenErrors         int `json:"token_errors"`          // refused token requests (wrong secret, ...)
	// RejectedTokenCalls counts protected API calls refused because the
	// access_token was missing, unknown or expired.
	RejectedTokenCalls int `json:"rejected_token_calls"`
	JSTicketFetches    int `json:"js_ticket_fetches"`
	OAuthAuthorizes    int `json:"oauth_authorizes"`
	OAuthErrors        int `json:"oauth_errors"` // refused authorize requests
	CodeExchanges      int `json:"code_exchanges"`
	CodeExchangeErrors int `json:"code_exchange_errors"`
	QRCreates          int `json:"qr_creates"`
	QRShows            int `json:"qr_shows"`
	QRShowMisses       int `json:"qr_show_misses"` // showqrcode for an unknown ticket (often: not URL-escaped)
	MenuCreates        int `json:"menu_creates"`
	TemplatesSent      int `json:"templates_sent"`
	TemplateFailures   int `json:"template_failures"`
	Unauthorized       int `json:"unauthorized"` // calls refused with 48001 for the account type
	Pushes             int `json:"pushes"`       // callback requests sent, retries included
	// Unsimulated lists requests to paths the simulator does not serve,
	// e.g. "GET /cgi-bin/user/info": a service calling them would get a
	// 404 here and needs the simulator extended.
	Unsimulated []string `json:"unsimulated,omitempty"`
	// Calls counts every request by "METHOD /path".
	Calls map[string]int `json:"calls"`
}

// New returns a simulator for cfg (empty fields take the Default*
// values). It panics if the EncodingAESKey is invalid, since no message
// could be encrypted; call cfg.Validate first to get an error instead.
func New(cfg Config) *Simulator {
	cfg = cfg.withDefaults()
	if _, err := DecodeAESKey(cfg.EncodingAESKey); err != nil {
		panic("wechatsim: " + err.Error())
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{
			Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16},
			// The platform treats a redirect as a failed delivery; so
			// must we, or a misrouted callback would look fine.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return &Simulator{
		cfg:           cfg,
		client:        client,
		tokens:        map[string]*accessToken{},
		codes:         map[string]*oauthCode{},
		userTokens:    map[string]*userToken{},
		refreshTokens: map[string]*userToken{},
		snapshot:      map[string]bool{},
		followers:     map[string]bool{},
		qrs:           map[string]*QRCode{},
		templateFail:  map[string]int{},
		lastMessage:   map[string]time.Time{},
		clientMsgIDs:  map[string]int64{},
		nextMsgID:     3147483648, // real msgids are large; start past int32 so truncation shows
		nextPushMsgID: 6054768590064713728,
		stats:         Stats{Calls: map[string]int{}},
	}
}

// PlatformOrigins are the origins the simulator stands in for; every path
// it serves lives on one of them.
var PlatformOrigins = []string{"https://api.weixin.qq.com", "https://open.weixin.qq.com", "https://mp.weixin.qq.com"}

// Rewriter returns a function mapping URLs on PlatformOrigins to the same
// path under base (the simulator's URL) and leaving others alone. It fits
// the SDK's util.SetURIModifier and a rewriting http.RoundTripper, for
// tests that cannot set the service's base URLs.
func Rewriter(base string) func(string) string {
	base = strings.TrimRight(base, "/")
	return func(u string) string {
		for _, o := range PlatformOrigins {
			// Whole origin only: https://api.weixin.qq.com.example is not it.
			if rest, ok := strings.CutPrefix(u, o); ok && (rest == "" || strings.ContainsRune("/?#", rune(rest[0]))) {
				return base + rest
			}
		}
		return u
	}
}

// Config returns the effective configuration (defaults applied).
func (s *Simulator) Config() Config { return s.cfg }

func (s *Simulator) now() time.Time { return s.cfg.Now() }

// Stats returns a snapshot of the counters.
func (s *Simulator) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Calls = maps.Clone(s.stats.Calls)
	st.Unsimulated = slices.Clone(s.stats.Unsimulated)
	return st
}

// TokenFetches is Stats().TokenFetches: access tokens issued so far by
// either token endpoint.
func (s *Simulator) TokenFetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats.TokenFetches
}

// ResetStats zeroes the counters but keeps tokens, QR codes, menu and
// sent messages, so one long-running simulator can serve several tests.
func (s *Simulator) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = Stats{Calls: map[string]int{}}
}

// Reset forgets everything: tokens, codes, QR codes, menu, messages,
// followers, snapshot users, failures and counters.
func (s *Simulator) Reset() {
	fresh := New(s.cfg)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens, s.classicToken, s.stableToken = fresh.tokens, "", ""
	s.jsTicket, s.jsTicketExp = "", time.Time{}
	s.codes, s.userTokens, s.refreshTokens = fresh.codes, fresh.userTokens, fresh.refreshTokens
	s.snapshot, s.followers = fresh.snapshot, fresh.followers
	s.qrs, s.qrOrder = fresh.qrs, nil
	s.menu = nil
	s.templates, s.templateFail, s.clientMsgIDs = nil, fresh.templateFail, fresh.clientMsgIDs
	s.customs, s.lastMessage = nil, fresh.lastMessage
	s.stats = fresh.stats
}

// ExpireAccessTokens makes every issued access token and the JS-API
// ticket expire now: the next protected call gets 42001 "access_token
// expired", as after a platform-side reset. Use it to test that the
// service fetches a new token and retries.
func (s *Simulator) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, t := range s.tokens {
		if t.expires.After(now) {
			t.expires = now
		}
	}
	s.jsTicketExp = now
}

// AccessToken returns the newest valid access token (classic first, then
// stable), or "" when none was fetched. Tests use it to call the API
// directly or to inject a token into the service.
func (s *Simulator) AccessToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tok := range []string{s.classicToken, s.stableToken} {
		if t := s.tokens[tok]; t != nil && s.now().Before(t.expires) {
			return tok
		}
	}
	return ""
}

// IssueAccessToken issues a classic access token as if fetched (it counts
// as a fetch), for tests that inject a token into the service instead of
// letting it call /cgi-bin/token.
func (s *Simulator) IssueAccessToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueClassicLocked()
}

// JSAPITicket returns the current JS-API ticket ("" if never fetched), so
// tests can recompute the service's wx.config signature with JSSignature.
func (s *Simulator) JSAPITicket() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jsTicket
}

// DefaultOpenID is the identity OAuth uses when the browser picked none
// (no wechatsim_openid cookie, no X-Wechatsim-Openid header), and the CLI's
// default --openid, so that a scan from the CLI and a browser opening the
// reply's link are the same participant.
func (s *Simulator) DefaultOpenID() string { return s.OpenID("default") }

// OpenID derives a realistic, stable openid ("o" + 27 URL-safe
// characters) for a name, per app id like the platform's: tests that want
// several distinct participants can use OpenID("alice"), OpenID("bob").
func (s *Simulator) OpenID(name string) string { return DeriveOpenID(s.cfg.AppID, name) }

// DeriveOpenID is OpenID without a Simulator (the CLI uses it before any
// simulator exists).
func DeriveOpenID(appID, name string) string {
	sum := sha256.Sum256([]byte("wechatsim openid\x00" + appID + "\x00" + name))
	return "o" + base64.RawURLEncoding.EncodeToString(sum[:])[:27]
}

// SetSnapshotUser marks openid as a "snapshot page" virtual user: its
// OAuth code exchange answers is_snapshotuser=1, which the service must not
// count as a respondent.
func (s *Simulator) SetSnapshotUser(openid string, snapshot bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if snapshot {
		s.snapshot[openid] = true
	} else {
		delete(s.snapshot, openid)
	}
}

// SetFollower records whether openid follows the account. Pushing a
// subscribe or unsubscribe event updates it too.
func (s *Simulator) SetFollower(openid string, follows bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setFollowerLocked(openid, follows)
}

func (s *Simulator) setFollowerLocked(openid string, follows bool) {
	if follows {
		s.followers[openid] = true
	} else {
		delete(s.followers, openid)
	}
}

// IsFollower reports whether openid follows the account (see SetFollower).
func (s *Simulator) IsFollower(openid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.followers[openid]
}

// FailTemplateFor makes every template message to openid fail with
// errcode (e.g. 43004 "require subscribe hint", 43101 "user refuse to
// accept the msg"); errcode 0 removes the failure.
func (s *Simulator) FailTemplateFor(openid string, errcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if errcode == 0 {
		delete(s.templateFail, openid)
	} else {
		s.templateFail[openid] = errcode
	}
}

// SentTemplates returns the template messages delivered so far (failed
// sends are not included; see Stats().TemplateFailures), oldest first.
// SentCustomMessages returns the customer-service messages sent so far.
func (s *Simulator) SentCustomMessages() []CustomMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CustomMessage(nil), s.customs...)
}

func (s *Simulator) SentTemplates() []TemplateMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]TemplateMessage, len(s.templates))
	for i, m := range s.templates {
		m.Data = maps.Clone(m.Data)
		out[i] = m
	}
	return out
}

// Menu returns the menu last created with /cgi-bin/menu/create, or nil.
func (s *Simulator) Menu() *Menu {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.menu == nil {
		return nil
	}
	// Deep copy through JSON: buttons nest and the caller may mutate.
	var m Menu
	b, _ := json.Marshal(s.menu)
	_ = json.Unmarshal(b, &m)
	return &m
}

// QRCodes returns the QR codes created so far, oldest first.
func (s *Simulator) QRCodes() []QRCode {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]QRCode, 0, len(s.qrOrder))
	for _, t := range s.qrOrder {
		out = append(out, *s.qrs[t])
	}
	return out
}

// QRCodeForScene returns the newest QR code created for a scene string
// (or a numeric scene id's decimal form), so a test can push the scan event
// a participant would cause by scanning the service's poster.
func (s *Simulator) QRCodeForScene(scene string) (QRCode, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.qrForSceneLocked(scene)
}

func (s *Simulator) qrForSceneLocked(scene string) (QRCode, bool) {
	for i := len(s.qrOrder) - 1; i >= 0; i-- {
		if q := s.qrs[s.qrOrder[i]]; q.Scene == scene {
			return *q, true
		}
	}
	return QRCode{}, false
}

// randomString returns n characters from alphabet, from crypto/rand: codes
// and tokens are credentials on the real platform and tests should not be
// able to guess them either.
func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(fmt.Sprintf("wechatsim: crypto/rand: %v", err))
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}

const (
	alnum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	digits = "0123456789"
	// tokenAlphabet is what real access tokens are made of.
	tokenAlphabet = alnum + "_-"
)
