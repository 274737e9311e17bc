package handler

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"seminareval/model"
	"seminareval/service"
)

// Ballot stuffing. A questionnaire open to everyone identifies a web
// respondent by a cookie, which a script can drop. Two things bound what one
// client stores:
//
//   - the page carries a signed form token (questionnaire and time, HMAC with
//     a key derived from the server secret) that the form and the JSON post
//     send back; it proves a page was loaded, not who loaded it;
//   - a budget of new responses per client address and window, one for posts
//     with a valid form token (server.submit_budget: 300 per 10 minutes, well
//     above 200 phones behind one hotel NAT answering in two minutes) and a
//     much smaller one for posts without (server.submit_budget_untokened: 30).
//
// Respondents identified by WeChat (a signed openid) and questionnaires
// limited to the roster are not budgeted: they answer once each anyway.
// The counts are per replica (in memory): behind n replicas a client may
// store up to n times the budget. 0 turns a budget off (cmd/loadgen).

// formTokenTTL is how long a loaded page may be answered with its token.
const formTokenTTL = 24 * time.Hour

// formToken signs questionnaire id and the time the page was served.
func (s *Server) formToken(questionnaireID uint64, at time.Time) string {
	var buf [16]byte
	binary.BigEndian.PutUint64(buf[:8], uint64(at.Unix()))
	binary.BigEndian.PutUint64(buf[8:], questionnaireID)
	m := hmac.New(sha256.New, s.formKey)
	m.Write(buf[:])
	return base64.RawURLEncoding.EncodeToString(buf[:]) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// validFormToken tells whether tok was signed here for questionnaire id
// less than formTokenTTL ago.
func (s *Server) validFormToken(tok string, questionnaireID uint64, now time.Time) bool {
	if len(tok) != 22+1+22 || tok[22] != '.' {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok[:22])
	if err != nil || len(raw) != 16 {
		return false
	}
	if binary.BigEndian.Uint64(raw[8:]) != questionnaireID {
		return false
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(raw[:8])), 0)
	if age := now.Sub(issued); age < -time.Minute || age > formTokenTTL {
		return false
	}
	return hmac.Equal([]byte(s.formToken(questionnaireID, issued)), []byte(tok))
}

// submitBudget counts new responses per client address in fixed windows.
type submitBudget struct {
	mu      sync.Mutex
	window  time.Duration
	counts  map[string]*budgetCount
	cleaned time.Time
	// inflight counts the posts of one submission being handled: a double
	// tap or a burst of retries of one answer spends one share, not one each.
	inflight map[string]int
}

type budgetCount struct {
	start time.Time
	n     int
}

func newSubmitBudget(window time.Duration) *submitBudget {
	if window <= 0 {
		window = 10 * time.Minute
	}
	return &submitBudget{window: window, counts: map[string]*budgetCount{}, inflight: map[string]int{}}
}

// take spends one of key's limit in the current window and reports true,
// or reports false and how long until the window ends when it is spent.
// limit 0 is no limit. A post that turns out not to store a new response
// gives its share back (refund), so concurrent posts never overshoot.
func (b *submitBudget) take(key string, limit int, now time.Time) (bool, time.Duration) {
	if limit <= 0 {
		return true, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.Sub(b.cleaned) > b.window {
		for k, c := range b.counts {
			if now.Sub(c.start) >= b.window {
				delete(b.counts, k)
			}
		}
		b.cleaned = now
	}
	c := b.counts[key]
	if c == nil || now.Sub(c.start) >= b.window {
		c = &budgetCount{start: now}
		b.counts[key] = c
	}
	if c.n >= limit {
		return false, b.window - now.Sub(c.start)
	}
	c.n++
	return true, 0
}

// refund gives back a share taken in the current window.
func (b *submitBudget) refund(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c := b.counts[key]; c != nil && c.n > 0 {
		c.n--
	}
}

// budgetKey returns the budget a post of r to q draws on ("" for none) and
// its limit: by address, with or without a valid form token.
func (p *participantHandler) budgetKey(c *gin.Context, q *service.Loaded, r service.Respondent, token string) (string, int) {
	if r.OpenID != "" || q.Access == model.AccessRoster {
		return "", 0
	}
	if p.validFormToken(token, q.ID, p.now()) {
		return "t|" + c.ClientIP(), p.cfg.Server.SubmitBudget
	}
	return "u|" + c.ClientIP(), p.cfg.Server.SubmitBudgetUntokened
}

// spendBudget takes a share of key's budget for a post of submissionID. It
// reports refused (429 to answer, Retry-After set) when the budget is spent
// and the post is neither the retry of an answer already stored nor a copy
// of a post of the same submission in flight (both are let through, to be
// answered as what they are). The caller calls done(stored) once the post
// is handled: a share taken by a post that stored nothing is given back.
func (p *participantHandler) spendBudget(c *gin.Context, q *service.Loaded, key string, limit int, submissionID string) (refused bool, done func(stored bool)) {
	nothing := func(bool) {}
	if key == "" {
		return false, nothing
	}
	b := p.budget
	flight := key + "|" + submissionID
	b.mu.Lock()
	copyInFlight := b.inflight[flight] > 0
	b.inflight[flight]++
	b.mu.Unlock()
	land := func() {
		b.mu.Lock()
		if b.inflight[flight]--; b.inflight[flight] <= 0 {
			delete(b.inflight, flight)
		}
		b.mu.Unlock()
	}
	if copyInFlight {
		return false, func(bool) { land() }
	}
	ok, wait := b.take(key, limit, p.now())
	if ok {
		return false, func(stored bool) {
			if !stored {
				b.refund(key)
			}
			land()
		}
	}
	if _, stored, err := p.responses.Recorded(c.Request.Context(), q.ID, submissionID); err == nil && stored {
		return false, func(bool) { land() }
	}
	land()
	p.metrics.Submits.WithLabelValues("over_budget").Inc()
	c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
	return true, nothing
}
