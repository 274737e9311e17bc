package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"seminareval/service/definition"

	"github.com/google/uuid"
)

// Options describe one load phase.
type Options struct {
	BaseURL  string // http://127.0.0.1:port
	Slug     string
	Def      *definition.Definition // answers are generated from it
	Clients  int
	Duration time.Duration // the phase stops after this long...
	Requests int           // ...or after this many requests in all (0: no limit)
	// RetryShare of requests re-send an earlier acknowledged submission
	// (same submission_id and cookie): they must get 200 already_recorded
	// with the same response_id.
	RetryShare float64
	// DuplicateShare of requests send a new submission with the cookie of
	// an earlier acknowledged one: the same respondent answering twice,
	// which must get 409.
	DuplicateShare float64
	// Persist makes a client re-send a new submission that got no answer
	// (a transport error or a 5xx) with the same submission_id until it is
	// acknowledged or PersistFor runs out, as the page's script does on a
	// dropped network. The fault checks use it.
	Persist    bool
	PersistFor time.Duration
	// Budgeted: the service keeps its submission budgets, so 429 for a new
	// submission is the expected refusal, counted, not a broken contract.
	Budgeted bool
	Timeout  time.Duration // per request (default 10s)
	Seed     uint64
	// OnAck, when set, is called for every submission acknowledged with a
	// 2xx, from the client goroutines.
	OnAck func(Ack)
	// ServerPID, when set, is the process whose CPU time the phase reports
	// (the service or the ceiling).
	ServerPID int
	// DatabasePID, when set, is the database server (mariadbd) whose CPU
	// time the phase reports too.
	DatabasePID int
}

// Ack is a submission the service acknowledged.
type Ack struct {
	SubmissionID string `json:"submission_id"`
	ResponseID   uint64 `json:"response_id"`
	Rows         int    `json:"rows"` // answer rows it must have
	Attempts     int    `json:"attempts"`
	Recovered    bool   `json:"recovered"` // stored by an attempt whose answer was lost: acknowledged by 200 to a re-send
	Body         []byte `json:"-"`         // what was sent, to re-send it
	Cookie       string `json:"-"`
}

// Result is what a phase measured.
type Result struct {
	Name      string
	Clients   int
	Elapsed   time.Duration
	Requests  int
	Latencies []time.Duration // sorted
	ByStatus  map[int]int     // HTTP status → count; 0 is a transport error
	// Checks of the contract, by kind of request.
	New, NewOK             int  // new submissions, and how many got 201
	Retries, RetriesOK     int  // retries, and how many got 200 with the same response_id
	Duplicates, DupsOK     int  // duplicate respondents, and how many got 409
	Unresolved             int  // Persist: submissions never acknowledged in PersistFor
	Persist                bool // transport errors and 5xx were retried (fault checks)
	Wrong                  []string
	TransportErrorExamples []string
	ServerCPU              time.Duration // CPU the server process used during the phase (0: unknown)
	DatabaseCPU            time.Duration // CPU the database server used during the phase (0: unknown)
}

// Throughput is requests per second.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Percentile returns the p-th percentile latency (0 < p <= 100).
func (r *Result) Percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.Latencies))*p/100+0.5) - 1
	i = max(0, min(i, len(r.Latencies)-1))
	return r.Latencies[i]
}

// ServerErrors counts 5xx answers.
func (r *Result) ServerErrors() int {
	n := 0
	for s, c := range r.ByStatus {
		if s >= 500 {
			n += c
		}
	}
	return n
}

// Failed reports whether the contract was broken: a wrong answer to a
// retry or a duplicate, a 5xx or transport error outside Persist mode, or a
// submission never acknowledged.
func (r *Result) Failed() bool {
	return len(r.Wrong) > 0 || r.Unresolved > 0 || r.RetriesOK != r.Retries || r.DupsOK != r.Duplicates ||
		(r.NewOK != r.New && !r.Persist)
}

// String is the one-paragraph report of a phase.
func (r *Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-9s clients=%-3d requests=%-6d %8.1f req/s  p50=%6.2fms  p99=%6.2fms  max=%7.2fms",
		r.Name, r.Clients, r.Requests, r.Throughput(), ms(r.Percentile(50)), ms(r.Percentile(99)), ms(r.Percentile(100)))
	statuses := make([]int, 0, len(r.ByStatus))
	for s := range r.ByStatus {
		statuses = append(statuses, s)
	}
	sort.Ints(statuses)
	parts := make([]string, len(statuses))
	for i, s := range statuses {
		name := fmt.Sprint(s)
		if s == 0 {
			name = "transport-error"
		}
		parts[i] = fmt.Sprintf("%s:%d", name, r.ByStatus[s])
	}
	fmt.Fprintf(&b, "  status {%s}", strings.Join(parts, " "))
	if r.ServerCPU > 0 && r.Requests > 0 {
		fmt.Fprintf(&b, "  CPU/req server %.2fms", ms(r.ServerCPU)/float64(r.Requests))
		if r.DatabaseCPU > 0 {
			fmt.Fprintf(&b, " database %.2fms", ms(r.DatabaseCPU)/float64(r.Requests))
		}
	}
	if r.Persist {
		fmt.Fprintf(&b, "\n          new %d/%d acknowledged (201, or 200 to a re-send)", r.NewOK, r.New)
	} else {
		fmt.Fprintf(&b, "\n          new %d/%d got 201", r.NewOK, r.New)
	}
	if r.Retries > 0 {
		fmt.Fprintf(&b, ", retries %d/%d got 200 same response_id", r.RetriesOK, r.Retries)
	}
	if r.Duplicates > 0 {
		fmt.Fprintf(&b, ", duplicate respondents %d/%d got 409", r.DupsOK, r.Duplicates)
	}
	if r.Unresolved > 0 {
		fmt.Fprintf(&b, ", UNRESOLVED %d", r.Unresolved)
	}
	for _, w := range r.Wrong[:min(len(r.Wrong), 5)] {
		fmt.Fprintf(&b, "\n          WRONG: %s", w)
	}
	for _, e := range r.TransportErrorExamples {
		fmt.Fprintf(&b, "\n          transport error: %s", e)
	}
	return b.String()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// sent is an acknowledged submission a client may re-send.
type sent struct {
	body       []byte
	cookie     string
	responseID uint64
}

// clientState is one client's tally; merged at the end, so no locks on the
// hot path.
type clientState struct {
	res  Result
	acks []sent
}

// Run drives one phase and returns what it measured. It stops after
// o.Duration or o.Requests requests, whichever comes first, or when ctx ends.
func Run(ctx context.Context, name string, o Options) *Result {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.PersistFor <= 0 {
		o.PersistFor = time.Minute
	}
	tr := &http.Transport{
		MaxIdleConns:        o.Clients,
		MaxIdleConnsPerHost: o.Clients,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: o.Timeout}
	target := strings.TrimRight(o.BaseURL, "/") + "/s/" + url.PathEscape(o.Slug)

	// The phase's deadline stops clients from starting requests; requests
	// in flight finish (under ctx and Timeout), so that no submission is
	// abandoned half-way and every one that was stored was acknowledged.
	phase, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	var budget chan struct{}
	if o.Requests > 0 {
		budget = make(chan struct{}, o.Requests)
		for range o.Requests {
			budget <- struct{}{}
		}
	}
	take := func() bool {
		if phase.Err() != nil {
			return false
		}
		if budget == nil {
			return true
		}
		select {
		case <-budget:
			return true
		default:
			return false
		}
	}

	cpu0, dbCPU0 := ProcessCPU(o.ServerPID), ProcessCPU(o.DatabasePID)
	states := make([]*clientState, o.Clients)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range o.Clients {
		st := &clientState{res: Result{ByStatus: map[int]int{}}}
		states[i] = st
		rng := rand.New(rand.NewPCG(o.Seed, uint64(i)+1))
		wg.Go(func() {
			c := client{hc: hc, url: target, o: &o, st: st, rng: rng}
			for take() {
				c.step(ctx)
			}
		})
	}
	wg.Wait()
	total := &Result{Name: name, Clients: o.Clients, Elapsed: time.Since(start), ByStatus: map[int]int{}, Persist: o.Persist}
	for _, st := range states {
		r := &st.res
		total.Requests += r.Requests
		total.Latencies = append(total.Latencies, r.Latencies...)
		for s, n := range r.ByStatus {
			total.ByStatus[s] += n
		}
		total.New += r.New
		total.NewOK += r.NewOK
		total.Retries += r.Retries
		total.RetriesOK += r.RetriesOK
		total.Duplicates += r.Duplicates
		total.DupsOK += r.DupsOK
		total.Unresolved += r.Unresolved
		total.Wrong = append(total.Wrong, r.Wrong...)
		if len(total.TransportErrorExamples) < 3 {
			total.TransportErrorExamples = append(total.TransportErrorExamples, r.TransportErrorExamples...)
		}
	}
	slices.Sort(total.Latencies)
	if o.ServerPID > 0 {
		total.ServerCPU = ProcessCPU(o.ServerPID) - cpu0
	}
	if o.DatabasePID > 0 {
		total.DatabaseCPU = ProcessCPU(o.DatabasePID) - dbCPU0
	}
	total.TransportErrorExamples = total.TransportErrorExamples[:min(3, len(total.TransportErrorExamples))]
	return total
}

type client struct {
	hc  *http.Client
	url string
	o   *Options
	st  *clientState
	rng *rand.Rand
}

type answer struct {
	Status     string `json:"status"`
	ResponseID uint64 `json:"response_id"`
	Error      string `json:"error"`
}

func (c *client) step(ctx context.Context) {
	x := c.rng.Float64()
	acks := c.st.acks
	switch {
	case x < c.o.RetryShare && len(acks) > 0:
		c.retry(ctx, acks[c.rng.IntN(len(acks))])
	case x < c.o.RetryShare+c.o.DuplicateShare && len(acks) > 0:
		c.duplicate(ctx, acks[c.rng.IntN(len(acks))])
	default:
		c.submitNew(ctx)
	}
}

func (c *client) newBody() ([]byte, int) {
	answers, rows := RandomAnswers(c.o.Def, c.rng)
	langs := c.o.Def.Languages
	body, _ := json.Marshal(map[string]any{
		"submission_id": uuid.NewString(),
		"lang":          langs[c.rng.IntN(len(langs))],
		"answers":       answers,
	})
	return body, rows
}

func (c *client) submitNew(ctx context.Context) {
	body, rows := c.newBody()
	cookie := uuid.NewString()
	c.st.res.New++
	deadline := time.Now().Add(c.o.PersistFor)
	backoff := 20 * time.Millisecond
	for attempt := 1; ; attempt++ {
		status, a, err := c.post(ctx, body, cookie)
		if status == http.StatusCreated || (attempt > 1 && status == http.StatusOK) {
			if status == http.StatusCreated {
				c.st.res.NewOK++
			} else if c.o.Persist {
				// Recorded by an attempt whose answer was lost: exactly
				// what a retry is for.
				c.st.res.NewOK++
			}
			c.st.acks = append(c.st.acks, sent{body: body, cookie: cookie, responseID: a.ResponseID})
			if c.o.OnAck != nil {
				c.o.OnAck(Ack{SubmissionID: submissionID(body), ResponseID: a.ResponseID, Rows: rows, Attempts: attempt, Recovered: status == http.StatusOK, Body: body, Cookie: cookie})
			}
			return
		}
		if err != nil && ctx.Err() != nil && !c.o.Persist {
			c.st.res.New-- // cut off by the end of the phase
			return
		}
		if status == http.StatusTooManyRequests && c.o.Budgeted {
			c.st.res.New-- // refused by the budget, as it should be: counted in ByStatus
			return
		}
		retryable := err != nil || status >= 500
		if !c.o.Persist || !retryable {
			if !retryable {
				c.wrong("new submission got %d %+v", status, a)
			}
			return
		}
		// Keep trying after the phase ends: an unanswered submission must
		// end acknowledged (or counted as unresolved), not forgotten.
		if time.Now().After(deadline) {
			c.st.res.Unresolved++
			c.wrong("submission %s unacknowledged after %d attempts: last %d %v", submissionID(body), attempt, status, err)
			return
		}
		time.Sleep(backoff)
		backoff = min(2*backoff, 500*time.Millisecond)
		ctx = context.Background()
	}
}

func (c *client) retry(ctx context.Context, s sent) {
	c.st.res.Retries++
	status, a, err := c.post(ctx, s.body, s.cookie)
	if err != nil && ctx.Err() != nil {
		c.st.res.Retries-- // cut off by the end of the phase
		return
	}
	if status == http.StatusOK && a.Status == "already_recorded" && a.ResponseID == s.responseID {
		c.st.res.RetriesOK++
		return
	}
	if status >= 500 || err != nil {
		if c.o.Persist {
			c.st.res.Retries--
		}
		return // counted by status; the fault check tolerates these
	}
	c.wrong("retry of %s got %d %+v, want 200 already_recorded response_id %d", submissionID(s.body), status, a, s.responseID)
}

func (c *client) duplicate(ctx context.Context, s sent) {
	c.st.res.Duplicates++
	body, _ := c.newBody()
	status, a, err := c.post(ctx, body, s.cookie)
	if err != nil && ctx.Err() != nil {
		c.st.res.Duplicates--
		return
	}
	if status == http.StatusConflict && a.Error == "already_answered" {
		c.st.res.DupsOK++
		return
	}
	if status >= 500 || err != nil {
		if c.o.Persist {
			c.st.res.Duplicates--
		}
		return
	}
	c.wrong("second submission of respondent %s got %d %+v, want 409 already_answered", s.cookie, status, a)
}

// post sends one submission and records its latency and status. A
// transport error has status 0.
func (c *client) post(ctx context.Context, body []byte, cookie string) (int, answer, error) {
	var a answer
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return 0, a, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Cookie", "sev_r="+cookie)
	t0 := time.Now()
	res, err := c.hc.Do(req)
	r := &c.st.res
	if err != nil {
		if ctx.Err() != nil && !c.o.Persist {
			return 0, a, err // the phase ended mid-request: not a measurement
		}
		r.Requests++
		r.ByStatus[0]++
		if len(r.TransportErrorExamples) < 1 {
			r.TransportErrorExamples = append(r.TransportErrorExamples, err.Error())
		}
		return 0, a, err
	}
	data, rerr := io.ReadAll(res.Body)
	res.Body.Close()
	r.Latencies = append(r.Latencies, time.Since(t0))
	r.Requests++
	if rerr != nil {
		r.ByStatus[0]++
		return 0, a, rerr
	}
	r.ByStatus[res.StatusCode]++
	_ = json.Unmarshal(data, &a)
	return res.StatusCode, a, nil
}

func (c *client) wrong(format string, args ...any) {
	c.st.res.Wrong = append(c.st.res.Wrong, fmt.Sprintf(format, args...))
}

func submissionID(body []byte) string {
	var s struct {
		SubmissionID string `json:"submission_id"`
	}
	_ = json.Unmarshal(body, &s)
	return s.SubmissionID
}

// Main runs a command of name — loadgen, faultcheck — until it returns or
// is interrupted (SIGINT, SIGTERM cancel its context), and exits 1 when it
// fails; -h is not a failure worth a message.
func Main(name string, run func(ctx context.Context, args []string, stdout, stderr io.Writer) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, name+":", err)
		}
		os.Exit(1)
	}
}
