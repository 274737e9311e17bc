package sim

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// This file plays the platform's side of the message callback: it sends
// events the way the platform does (signed query, plaintext, compatible or
// safe-mode body) and judges the reply the way the platform would.

// Mode is the account's message encryption setting.
type Mode string

// The three settings of the account's "消息加解密方式".
const (
	// ModePlain sends plaintext XML signed with ?signature=.
	ModePlain Mode = "plain"
	// ModeCompatible sends both the plaintext fields and <Encrypt>, with
	// encrypt_type=aes and msg_signature; the reply may be either.
	ModeCompatible Mode = "compatible"
	// ModeAES (safe mode) sends only <Encrypt>; the reply must be
	// encrypted and signed.
	ModeAES Mode = "aes"
)

// ParseMode accepts "plain", "compatible" or "aes" ("safe" is an alias).
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(s) {
	case "plain", "":
		return ModePlain, nil
	case "compatible", "compat":
		return ModeCompatible, nil
	case "aes", "safe":
		return ModeAES, nil
	}
	return "", fmt.Errorf("unknown mode %q (want plain, compatible or aes)", s)
}

// Message and event types the simulator sends.
const (
	MsgTypeEvent = "event"
	MsgTypeText  = "text"

	EventSubscribe   = "subscribe"
	EventUnsubscribe = "unsubscribe"
	EventScan        = "SCAN"
	EventClick       = "CLICK"
	EventView        = "VIEW"

	// QRScenePrefix prefixes EventKey when a non-follower subscribes by
	// scanning a parametric QR code; a follower's SCAN carries the bare
	// scene.
	QRScenePrefix = "qrscene_"
)

// Event is a message the platform pushes to the callback. Zero fields are
// filled in by Push: ToUserName (the account's OriginalID), CreateTime
// (now), MsgType ("event" when Event is set, else "text") and, for
// non-event messages, MsgID. JSON names are the XML element names.
type Event struct {
	ToUserName   string `json:"ToUserName,omitempty"`
	FromUserName string `json:"FromUserName"` // the user's openid
	CreateTime   int64  `json:"CreateTime,omitempty"`
	MsgType      string `json:"MsgType,omitempty"`
	Event        string `json:"Event,omitempty"`
	EventKey     string `json:"EventKey,omitempty"`
	Ticket       string `json:"Ticket,omitempty"` // QR scans: the QR code's ticket
	Content      string `json:"Content,omitempty"`
	MsgID        int64  `json:"MsgId,omitempty"` // user messages only; the dedupe key for retries
}

// XML renders the event as the platform's plaintext XML, fields in the
// platform's order and strings in CDATA.
func (e Event) XML() string {
	var b strings.Builder
	b.WriteString("<xml>")
	b.WriteString("<ToUserName>" + cdata(e.ToUserName) + "</ToUserName>\n")
	b.WriteString("<FromUserName>" + cdata(e.FromUserName) + "</FromUserName>\n")
	b.WriteString("<CreateTime>" + strconv.FormatInt(e.CreateTime, 10) + "</CreateTime>\n")
	b.WriteString("<MsgType>" + cdata(e.MsgType) + "</MsgType>\n")
	if e.MsgType == MsgTypeEvent {
		b.WriteString("<Event>" + cdata(e.Event) + "</Event>\n")
		if e.EventKey != "" || e.Event == EventClick || e.Event == EventView || e.Event == EventScan {
			b.WriteString("<EventKey>" + cdata(e.EventKey) + "</EventKey>\n")
		}
		if e.Ticket != "" {
			b.WriteString("<Ticket>" + cdata(e.Ticket) + "</Ticket>\n")
		}
	} else {
		b.WriteString("<Content>" + cdata(e.Content) + "</Content>\n")
		b.WriteString("<MsgId>" + strconv.FormatInt(e.MsgID, 10) + "</MsgId>\n")
	}
	b.WriteString("</xml>")
	return b.String()
}

// cdata wraps s in CDATA, splitting any "]]>" so content cannot end the
// section early (a questionnaire keyword could contain anything).
func cdata(s string) string {
	return "<![CDATA[" + strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>") + "]]>"
}

// ---- scene helpers ----------------------------------------------------------

// ScanEvent is what the platform pushes when openid scans the parametric
// QR code of scene: subscribe with EventKey "qrscene_"+scene for a new
// follower, SCAN with the bare scene for an existing one. Ticket is the
// ticket of the newest QR code created for the scene, if any.
func (s *Simulator) ScanEvent(openid, scene string, follower bool) Event {
	ev := Event{FromUserName: openid, MsgType: MsgTypeEvent}
	if follower {
		ev.Event, ev.EventKey = EventScan, scene
	} else {
		ev.Event, ev.EventKey = EventSubscribe, QRScenePrefix+scene
	}
	if q, ok := s.QRCodeForScene(scene); ok {
		ev.Ticket = q.Ticket
	} else {
		ev.Ticket = newTicket() // real scan events always carry one
	}
	return ev
}

// SubscribeEvent is a plain follow (from search or a profile card, no QR).
func (s *Simulator) SubscribeEvent(openid string) Event {
	return Event{FromUserName: openid, MsgType: MsgTypeEvent, Event: EventSubscribe}
}

// UnsubscribeEvent is an unfollow.
func (s *Simulator) UnsubscribeEvent(openid string) Event {
	return Event{FromUserName: openid, MsgType: MsgTypeEvent, Event: EventUnsubscribe}
}

// ClickEvent is a press on a CLICK menu button with the given key.
func (s *Simulator) ClickEvent(openid, key string) Event {
	return Event{FromUserName: openid, MsgType: MsgTypeEvent, Event: EventClick, EventKey: key}
}

// ViewEvent is a press on a VIEW menu button (EventKey is its URL).
func (s *Simulator) ViewEvent(openid, url string) Event {
	return Event{FromUserName: openid, MsgType: MsgTypeEvent, Event: EventView, EventKey: url}
}

// TextMessage is a text message typed by the user.
func (s *Simulator) TextMessage(openid, content string) Event {
	return Event{FromUserName: openid, MsgType: MsgTypeText, Content: content}
}

// Scan pushes the scan of scene's QR code by openid, choosing subscribe or
// SCAN from the simulator's follower list, as the platform would.
func (s *Simulator) Scan(ctx context.Context, callbackURL, openid, scene string, mode Mode) (*Reply, error) {
	return s.Push(ctx, callbackURL, s.ScanEvent(openid, scene, s.IsFollower(openid)), mode)
}

// ---- replies ----------------------------------------------------------------

// Errors a push can end with (besides transport errors).
var (
	// ErrTimeout: the callback did not answer within the deadline; the
	// platform would retry and finally show the user
	// "该公众号暂时无法提供服务，请稍后再试".
	ErrTimeout = errors.New("wechatsim: no reply within the platform's deadline")
	// ErrBadReply: the callback answered something the platform rejects
	// (non-200 status, bad signature, undecryptable or malformed XML,
	// wrong addressee, ...). The error text says what.
	ErrBadReply = errors.New("wechatsim: reply the platform would reject")
)

// Reply is the outcome of one push attempt.
type Reply struct {
	Attempt  int           `json:"attempt"` // 1-based
	Sent     SentRequest   `json:"sent"`
	Status   int           `json:"status"` // HTTP status; 0 when there was no response
	Header   http.Header   `json:"-"`
	Body     []byte        `json:"-"` // raw response body
	Duration time.Duration `json:"duration_ns"`
	TimedOut bool          `json:"timed_out,omitempty"`
	// Encrypted reports a safe-mode reply whose MsgSignature was verified
	// and whose Encrypt was decrypted into Plaintext.
	Encrypted bool `json:"encrypted,omitempty"`
	// Plaintext is the reply XML: decrypted for encrypted replies, the body
	// otherwise.
	Plaintext []byte `json:"-"`
	// Empty means "no reply to the user": an empty body or "success".
	Empty bool `json:"empty,omitempty"`
	// Message is the parsed reply; nil when Empty or on error.
	Message *ReplyMessage `json:"message,omitempty"`
	// Err is this attempt's error (nil when the platform would accept the
	// reply); Push returns it too.
	Err error `json:"-"`
}

// SentRequest is what the simulator sent for an attempt.
type SentRequest struct {
	URL       string `json:"url"`
	Body      string `json:"body"`
	Plaintext string `json:"plaintext"` // the message XML before encryption
	Timestamp string `json:"timestamp"`
	Nonce     string `json:"nonce"`
}

// ReplyMessage is a passive reply message.
type ReplyMessage struct {
	XMLName      xml.Name  `xml:"xml" json:"-"` // the platform wants <xml> as the root
	ToUserName   string    `xml:"ToUserName" json:"ToUserName"`
	FromUserName string    `xml:"FromUserName" json:"FromUserName"`
	CreateTime   int64     `xml:"CreateTime" json:"CreateTime"`
	MsgType      string    `xml:"MsgType" json:"MsgType"`
	Content      string    `xml:"Content" json:"Content,omitempty"`
	ArticleCount int       `xml:"ArticleCount" json:"ArticleCount,omitempty"`
	Articles     []Article `xml:"Articles>item" json:"Articles,omitempty"`
}

// Article is one item of a news reply.
type Article struct {
	Title       string `xml:"Title" json:"Title"`
	Description string `xml:"Description" json:"Description,omitempty"`
	PicURL      string `xml:"PicUrl" json:"PicUrl,omitempty"`
	URL         string `xml:"Url" json:"Url,omitempty"`
}

// ArticleURL is the first article's link (the page the participant opens
// from a news card), or "".
func (r *Reply) ArticleURL() string {
	if r == nil || r.Message == nil || len(r.Message.Articles) == 0 {
		return ""
	}
	return r.Message.Articles[0].URL
}

// ---- pushing ----------------------------------------------------------------

// PushOptions tune a single push; the zero value is a correct push in
// plain mode.
type PushOptions struct {
	Mode Mode
	// Time is the timestamp to sign; zero means the wall clock (not
	// Config.Now). Set it far off to test that the service refuses stale
	// or replayed requests.
	Time    time.Time
	Nonce   string        // zero means a random numeric nonce, like the platform's
	Timeout time.Duration // reply deadline; zero means Config.ReplyTimeout (5 s)
	// BadSignature sends a wrong ?signature=, BadMsgSignature a wrong
	// msg_signature: the service must refuse both.
	BadSignature    bool
	BadMsgSignature bool
}

// Push sends ev to the service's callback URL in mode and returns the
// reply. The error is ErrTimeout, an ErrBadReply (wrapped, with the
// reason) or a transport error; except for transport errors the Reply is
// returned too, so tests can look at the status and body of a rejected
// reply (for example a 403 for a bad signature).
func (s *Simulator) Push(ctx context.Context, callbackURL string, ev Event, mode Mode) (*Reply, error) {
	return s.PushWith(ctx, callbackURL, ev, PushOptions{Mode: mode})
}

// PushWith is Push with options.
func (s *Simulator) PushWith(ctx context.Context, callbackURL string, ev Event, opts PushOptions) (*Reply, error) {
	ev = s.completeEvent(ev)
	if ev.MsgType == "text" {
		// A follower's own message opens the customer-service window.
		s.mu.Lock()
		s.lastMessage[ev.FromUserName] = s.now()
		s.mu.Unlock()
	}
	p, err := s.prepare(callbackURL, ev, opts)
	if err != nil {
		return nil, err
	}
	s.noteFollow(ev)
	rep := s.send(ctx, p, 1, opts.Timeout)
	if rep.Status == 0 && !rep.TimedOut {
		return nil, rep.Err
	}
	return rep, rep.Err
}

// RetryOptions control PushWithRetries.
type RetryOptions struct {
	// Attempts is how many times the message may be sent; zero means
	// MaxPushAttempts (3), like the platform.
	Attempts int
	// Always sends every attempt even after an acceptable reply, to test
	// that the service answers a retried message once.
	Always bool
	// Identical resends the byte-identical request (same timestamp,
	// nonce, signatures and ciphertext); otherwise each retry is signed
	// (and encrypted) afresh around the same message.
	Identical bool
	// Concurrent sends all attempts at once (implies Always): two replicas
	// receiving the same retry at the same moment.
	Concurrent bool
	// Interval pauses between sequential attempts.
	Interval time.Duration
	// Timeout is each attempt's deadline; zero means Config.ReplyTimeout.
	Timeout time.Duration
}

// PushWithRetries sends the same message (same CreateTime and MsgId) up to
// opts.Attempts times, as the platform does when a reply is late or
// rejected, and returns every attempt's Reply in order. The error is nil
// if at least one attempt got an acceptable reply, otherwise the last
// attempt's error.
func (s *Simulator) PushWithRetries(ctx context.Context, callbackURL string, ev Event, mode Mode, opts RetryOptions) ([]*Reply, error) {
	n := opts.Attempts
	if n <= 0 {
		n = MaxPushAttempts
	}
	ev = s.completeEvent(ev) // once: every attempt carries the same message
	first, err := s.prepare(callbackURL, ev, PushOptions{Mode: mode})
	if err != nil {
		return nil, err
	}
	s.noteFollow(ev)
	prep := func(i int) (*prepared, error) {
		if i == 0 || opts.Identical {
			return first, nil
		}
		return s.prepare(callbackURL, ev, PushOptions{Mode: mode})
	}

	replies := make([]*Reply, n)
	if opts.Concurrent {
		var wg sync.WaitGroup
		for i := range n {
			p, err := prep(i)
			if err != nil {
				return nil, err
			}
			wg.Go(func() { replies[i] = s.send(ctx, p, i+1, opts.Timeout) })
		}
		wg.Wait()
	} else {
		for i := range n {
			if i > 0 && opts.Interval > 0 {
				select {
				case <-time.After(opts.Interval):
				case <-ctx.Done():
					return replies[:i], ctx.Err()
				}
			}
			p, err := prep(i)
			if err != nil {
				return nil, err
			}
			replies[i] = s.send(ctx, p, i+1, opts.Timeout)
			if replies[i].Err == nil && !opts.Always {
				replies = replies[:i+1]
				break
			}
		}
	}
	var last error
	for _, r := range replies {
		if r.Err == nil {
			return replies, nil
		}
		last = r.Err
	}
	return replies, last
}

// completeEvent fills the fields the platform always sets.
func (s *Simulator) completeEvent(ev Event) Event {
	if ev.ToUserName == "" {
		ev.ToUserName = s.cfg.OriginalID
	}
	if ev.CreateTime == 0 {
		// Wall clock, not Config.Now: the service compares pushed times
		// with its own clock, and a test that moved the simulator's clock
		// to expire codes must not see its pushes refused as stale.
		ev.CreateTime = time.Now().Unix()
	}
	if ev.MsgType == "" {
		ev.MsgType = MsgTypeText
		if ev.Event != "" {
			ev.MsgType = MsgTypeEvent
		}
	}
	if ev.MsgType != MsgTypeEvent && ev.MsgID == 0 {
		s.mu.Lock()
		s.nextPushMsgID++
		ev.MsgID = s.nextPushMsgID
		s.mu.Unlock()
	}
	return ev
}

// noteFollow keeps the follower list in step with pushed events, as the
// platform's does the moment the user taps "follow".
func (s *Simulator) noteFollow(ev Event) {
	if ev.MsgType != MsgTypeEvent {
		return
	}
	switch ev.Event {
	case EventSubscribe, EventScan:
		s.SetFollower(ev.FromUserName, true)
	case EventUnsubscribe:
		s.SetFollower(ev.FromUserName, false)
	}
}

// prepared is a signed request ready to be sent (possibly several times).
type prepared struct {
	ev        Event
	mode      Mode
	url       string
	body      []byte
	plaintext string
	timestamp string
	nonce     string
}

func (s *Simulator) prepare(callbackURL string, ev Event, opts PushOptions) (*prepared, error) {
	if ev.FromUserName == "" {
		return nil, errors.New("wechatsim: event has no FromUserName (openid)")
	}
	mode := opts.Mode
	if mode == "" {
		mode = ModePlain
	}
	if _, err := ParseMode(string(mode)); err != nil {
		return nil, err
	}
	ts := opts.Time
	if ts.IsZero() {
		ts = time.Now() // wall clock, as in completeEvent
	}
	p := &prepared{ev: ev, mode: mode, plaintext: ev.XML(),
		timestamp: strconv.FormatInt(ts.Unix(), 10), nonce: opts.Nonce}
	if p.nonce == "" {
		p.nonce = randomString(10, digits)
	}

	sig := Signature(s.cfg.Token, p.timestamp, p.nonce)
	if opts.BadSignature {
		sig = corrupt(sig)
	}
	params := []string{"signature=" + sig, "timestamp=" + p.timestamp, "nonce=" + p.nonce,
		"openid=" + url.QueryEscape(ev.FromUserName)}

	switch mode {
	case ModePlain:
		p.body = []byte(p.plaintext)
	case ModeCompatible, ModeAES:
		enc, err := Encrypt(s.cfg.EncodingAESKey, s.cfg.AppID, nil, []byte(p.plaintext))
		if err != nil {
			return nil, err
		}
		msgSig := Signature(s.cfg.Token, p.timestamp, p.nonce, enc)
		if opts.BadMsgSignature {
			msgSig = corrupt(msgSig)
		}
		params = append(params, "encrypt_type=aes", "msg_signature="+msgSig)
		if mode == ModeAES {
			p.body = []byte("<xml><ToUserName>" + cdata(ev.ToUserName) + "</ToUserName>\n<Encrypt>" +
				cdata(enc) + "</Encrypt>\n</xml>")
		} else {
			p.body = []byte(strings.TrimSuffix(p.plaintext, "</xml>") + "<Encrypt>" + cdata(enc) + "</Encrypt>\n</xml>")
		}
	}

	u, err := withQuery(callbackURL, params)
	if err != nil {
		return nil, err
	}
	p.url = u
	return p, nil
}

// withQuery appends raw query parameters to an absolute http(s) URL,
// keeping any query the URL already has.
func withQuery(raw string, params []string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("wechatsim: callback %q is not an absolute http(s) URL", raw)
	}
	q := strings.Join(params, "&")
	if u.RawQuery != "" {
		q = u.RawQuery + "&" + q
	}
	u.RawQuery = q
	u.Fragment = ""
	return u.String(), nil
}

// corrupt flips the last hex digit of a signature.
func corrupt(sig string) string {
	last := sig[len(sig)-1]
	repl := byte('0')
	if last == '0' {
		repl = '1'
	}
	return sig[:len(sig)-1] + string(repl)
}

// send performs one attempt and judges the reply.
func (s *Simulator) send(ctx context.Context, p *prepared, attempt int, timeout time.Duration) *Reply {
	if timeout <= 0 {
		timeout = s.cfg.ReplyTimeout
	}
	rep := &Reply{Attempt: attempt, Sent: SentRequest{URL: p.url, Body: string(p.body), Plaintext: p.plaintext,
		Timestamp: p.timestamp, Nonce: p.nonce}}
	s.mu.Lock()
	s.stats.Pushes++
	s.mu.Unlock()

	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, p.url, bytes.NewReader(p.body))
	if err != nil {
		rep.Err = err
		return rep
	}
	// The platform's own headers; a service should not depend on them.
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("User-Agent", "Mozilla/4.0")
	req.Header.Set("Accept", "*/*")

	start := time.Now()
	resp, err := s.client.Do(req)
	if err == nil {
		rep.Status, rep.Header = resp.StatusCode, resp.Header
		rep.Body, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
	}
	rep.Duration = time.Since(start)
	if err != nil {
		if actx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
			rep.TimedOut = true
			rep.Err = fmt.Errorf("%w (%s)", ErrTimeout, timeout)
		} else {
			rep.Err = fmt.Errorf("wechatsim: push: %w", err) // err names the URL
		}
		s.logPush(p, rep)
		return rep
	}
	rep.Err = s.judge(p, rep)
	s.logPush(p, rep)
	return rep
}

func (s *Simulator) logPush(p *prepared, rep *Reply) {
	s.cfg.Logger.Info("wechatsim push", "attempt", rep.Attempt, "mode", p.mode, "event", p.ev.Event,
		"key", p.ev.EventKey, "openid", p.ev.FromUserName, "status", rep.Status, "duration", rep.Duration,
		"err", rep.Err)
}

// envelope is any reply body: the encrypted fields and the plaintext
// message fields are both optional at this point.
type envelope struct {
	XMLName      xml.Name `xml:"xml"`
	Encrypt      string   `xml:"Encrypt"`
	MsgSignature string   `xml:"MsgSignature"`
	TimeStamp    string   `xml:"TimeStamp"`
	Nonce        string   `xml:"Nonce"`
}

func badReply(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadReply, fmt.Sprintf(format, args...))
}

// judge checks a reply the way the platform does and fills in Encrypted,
// Plaintext, Empty and Message.
func (s *Simulator) judge(p *prepared, rep *Reply) error {
	if rep.Status != http.StatusOK {
		return badReply("HTTP %d: %s", rep.Status, truncate(rep.Body, 200))
	}
	body := bytes.TrimSpace(rep.Body)
	if len(body) == 0 || string(body) == "success" {
		rep.Empty = true
		return nil
	}
	var env envelope
	if err := xml.Unmarshal(body, &env); err != nil {
		return badReply("body is neither empty, \"success\" nor XML (%v): %s", err, truncate(body, 200))
	}
	if env.Encrypt != "" {
		if p.mode == ModePlain {
			return badReply("encrypted reply to a plain-mode message")
		}
		if env.MsgSignature == "" || env.TimeStamp == "" || env.Nonce == "" {
			return badReply("encrypted reply lacks MsgSignature, TimeStamp or Nonce")
		}
		if want := Signature(s.cfg.Token, env.TimeStamp, env.Nonce, env.Encrypt); env.MsgSignature != want {
			return badReply("reply MsgSignature %s does not match (want %s)", env.MsgSignature, want)
		}
		_, plain, err := Decrypt(s.cfg.EncodingAESKey, s.cfg.AppID, env.Encrypt)
		if err != nil {
			return badReply("cannot decrypt reply: %v", err)
		}
		rep.Encrypted = true
		rep.Plaintext = plain
		plain = bytes.TrimSpace(plain)
		if string(plain) == "success" {
			rep.Empty = true
			return nil
		}
		if len(plain) == 0 {
			// The SDK does this when the handler returns nil in safe
			// mode; write "success" instead.
			return badReply("encrypted reply with an empty payload (answer \"success\" for no reply)")
		}
	} else {
		if p.mode == ModeAES {
			return badReply("plaintext reply to a safe-mode (aes) message: %s", truncate(body, 200))
		}
		rep.Plaintext = rep.Body
	}

	var m ReplyMessage
	if err := xml.Unmarshal(rep.Plaintext, &m); err != nil {
		return badReply("reply message is not XML: %v", err)
	}
	rep.Message = &m
	return checkMessage(&m, p.ev)
}

// checkMessage applies the platform's rules for passive replies.
func checkMessage(m *ReplyMessage, ev Event) error {
	if m.ToUserName != ev.FromUserName {
		return badReply("reply ToUserName %q, want the sender's openid %q", m.ToUserName, ev.FromUserName)
	}
	if m.FromUserName != ev.ToUserName {
		return badReply("reply FromUserName %q, want the account %q", m.FromUserName, ev.ToUserName)
	}
	if m.CreateTime <= 0 {
		return badReply("reply has no CreateTime")
	}
	switch m.MsgType {
	case "text":
		if m.Content == "" {
			return badReply("text reply with empty Content")
		}
	case "news":
		if m.ArticleCount != len(m.Articles) {
			return badReply("ArticleCount %d but %d articles", m.ArticleCount, len(m.Articles))
		}
		// Since 2018 a reply to a user's own message may carry one
		// article; replies to events up to eight.
		maxArticles := 8
		if ev.MsgType != MsgTypeEvent {
			maxArticles = 1
		}
		if len(m.Articles) < 1 || len(m.Articles) > maxArticles {
			return badReply("news reply with %d articles (1..%d allowed here)", len(m.Articles), maxArticles)
		}
		for i, a := range m.Articles {
			if a.Title == "" {
				return badReply("article %d has no Title", i)
			}
			for name, v := range map[string]string{"Url": a.URL, "PicUrl": a.PicURL} {
				if v == "" {
					continue
				}
				if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					return badReply("article %d %s %q is not an absolute http(s) URL (the phone cannot open it)", i, name, v)
				}
			}
		}
	case "image", "voice", "video", "music", "transfer_customer_service":
		// Accepted as such; the service has no use for them.
	case "":
		return badReply("reply has no MsgType")
	default:
		return badReply("unsupported reply MsgType %q", m.MsgType)
	}
	return nil
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}

// ---- URL verification ---------------------------------------------------------

// Verify performs the platform's server-URL check: GET callbackURL with
// signature, echostr, timestamp and nonce; the service must echo echostr
// exactly. The Reply carries the status and body; the error says why the
// platform would refuse the URL.
func (s *Simulator) Verify(ctx context.Context, callbackURL string) (*Reply, error) {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	nonce := randomString(10, digits)
	echostr := randomString(19, digits)
	u, err := withQuery(callbackURL, []string{"signature=" + Signature(s.cfg.Token, ts, nonce),
		"echostr=" + echostr, "timestamp=" + ts, "nonce=" + nonce})
	if err != nil {
		return nil, err
	}
	rep := &Reply{Attempt: 1, Sent: SentRequest{URL: u, Timestamp: ts, Nonce: nonce}}
	actx, cancel := context.WithTimeout(ctx, s.cfg.ReplyTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("wechatsim: verify %s: %w", u, err)
	}
	defer resp.Body.Close()
	rep.Status, rep.Header = resp.StatusCode, resp.Header
	rep.Body, _ = io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	rep.Duration = time.Since(start)
	rep.Plaintext = rep.Body
	switch {
	case rep.Status != http.StatusOK:
		rep.Err = badReply("verification: HTTP %d: %s", rep.Status, truncate(rep.Body, 200))
	case string(rep.Body) != echostr:
		// The platform compares exactly: a trailing newline or a JSON
		// wrapper fails ("Token验证失败").
		rep.Err = badReply("verification: body %q is not the echostr %q", truncate(rep.Body, 100), echostr)
	}
	return rep, rep.Err
}
