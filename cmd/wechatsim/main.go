// Command wechatsim is a local stand-in for the WeChat official-account
// platform: `wechatsim serve` runs the platform's API for the service to
// call, and the other subcommands push correctly signed (optionally
// encrypted) events to the service's callback, as a participant's phone
// would cause them. All the logic lives in package
// seminareval/cmd/wechatsim/sim so that tests can run it in-process; this
// file is only the command line.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"seminareval/cmd/wechatsim/sim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// Exit codes: 0 ok, 1 the platform would reject the service's answer (or
// it could not be reached), 2 usage error.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

const usage = `wechatsim: a local stand-in for the WeChat official-account platform.

Usage:
  wechatsim serve   [flags]   run the platform API (token, OAuth, QR, menu, templates, JS ticket)
  wechatsim scan    [flags]   push a QR scan: subscribe with "qrscene_<scene>", or SCAN with --follower
  wechatsim click   [flags]   push a menu CLICK (--key, default EVALUATE)
  wechatsim text    [flags]   push a text message (--content)
  wechatsim view    [flags]   push a menu VIEW (--url)
  wechatsim subscribe   [flags]   push a plain follow (no QR scene)
  wechatsim unsubscribe [flags]   push an unfollow
  wechatsim verify  [flags]   run the callback URL verification (GET with echostr)

Run "wechatsim <command> --help" for a command's flags.

Account settings are shared by every command, so that pushes are signed with
what the service is configured with (flag, else environment, else default):
  --app-id       WECHATSIM_APP_ID       ` + sim.DefaultAppID + `
  --app-secret   WECHATSIM_APP_SECRET   ` + sim.DefaultAppSecret + `
  --token        WECHATSIM_TOKEN        ` + sim.DefaultToken + `
  --aes-key      WECHATSIM_AES_KEY      ` + sim.DefaultEncodingAESKey + `
  --original-id  WECHATSIM_ORIGINAL_ID  ` + sim.DefaultOriginalID + `
The defaults are the service's local-demo WeChat settings.

Local demo:
  wechatsim serve                       # then start the service with the printed settings
  wechatsim scan --scene q_sanya-2018-evaluation --openid o1 --mode aes
`

// run is main without the process: tests call it with their own args and
// writers.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	case "serve":
		return serve(ctx, rest, stdout, stderr)
	case "verify":
		return verify(ctx, rest, stdout, stderr)
	case "scan", "click", "text", "view", "subscribe", "unsubscribe":
		return push(ctx, cmd, rest, stdout, stderr)
	}
	fmt.Fprintf(stderr, "wechatsim: unknown command %q\n\n%s", cmd, usage)
	return exitUsage
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// accountFlags registers the account settings every command shares.
func accountFlags(fs *flag.FlagSet) *sim.Config {
	c := &sim.Config{}
	fs.StringVar(&c.AppID, "app-id", envOr("WECHATSIM_APP_ID", sim.DefaultAppID), "official account AppID (env WECHATSIM_APP_ID)")
	fs.StringVar(&c.AppSecret, "app-secret", envOr("WECHATSIM_APP_SECRET", sim.DefaultAppSecret), "AppSecret (env WECHATSIM_APP_SECRET)")
	fs.StringVar(&c.Token, "token", envOr("WECHATSIM_TOKEN", sim.DefaultToken), "callback Token used in signatures (env WECHATSIM_TOKEN)")
	fs.StringVar(&c.EncodingAESKey, "aes-key", envOr("WECHATSIM_AES_KEY", sim.DefaultEncodingAESKey), "EncodingAESKey, 43 characters (env WECHATSIM_AES_KEY)")
	fs.StringVar(&c.AccountType, "account-type", envOr("WECHATSIM_ACCOUNT_TYPE", sim.AccountServiceVerified), "kind of account: service_verified, service, subscription_verified or subscription; what it may not do is refused with 48001 (env WECHATSIM_ACCOUNT_TYPE)")
	fs.StringVar(&c.OriginalID, "original-id", envOr("WECHATSIM_ORIGINAL_ID", sim.DefaultOriginalID), "account original id gh_..., ToUserName of pushes (env WECHATSIM_ORIGINAL_ID)")
	return c
}

// newFlagSet returns a flag set that reports errors instead of exiting
// and prints a per-command usage line above the flags.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("wechatsim "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: wechatsim %s [flags]\n\n%s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags; on --help it returns exitOK and done, on bad flags
// exitUsage and done.
func parse(fs *flag.FlagSet, args []string) (code int, done bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, true
		}
		return exitUsage, true
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return exitUsage, true
	}
	return 0, false
}

// ---- serve ------------------------------------------------------------------

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", "Serve the simulated platform API on one address: api.weixin.qq.com, open.weixin.qq.com\n"+
		"and mp.weixin.qq.com's /cgi-bin/showqrcode paths, plus /sim/ helpers (stats, identity, templates).", stderr)
	cfg := accountFlags(fs)
	addr := fs.String("addr", envOr("WECHATSIM_ADDR", ":9100"), "listen address (env WECHATSIM_ADDR)")
	publicURL := fs.String("public-url", "", "base URL to print for the service (default http://127.0.0.1:<port>)")
	domains := fs.String("oauth-domains", "", "comma-separated hosts allowed as OAuth redirect_uri (default any)")
	templates := fs.String("template-ids", "", "comma-separated template ids the account owns (default any)")
	requireUA := fs.Bool("require-wechat-ua", false, "OAuth authorize refuses browsers without MicroMessenger in the User-Agent")
	requireFollow := fs.Bool("require-follow", false, "template messages to non-followers fail with 43004")
	grace := fs.Duration("old-token-grace", 5*time.Minute, "how long a previous access token stays valid after a new fetch (negative: none)")
	verbose := fs.Bool("v", false, "log every request")
	if code, done := parse(fs, args); done {
		return code
	}
	cfg.OAuthDomains = splitList(*domains)
	cfg.TemplateIDs = splitList(*templates)
	cfg.RequireWeChatUA = *requireUA
	cfg.RequireFollowForTemplates = *requireFollow
	cfg.OldTokenGrace = *grace
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "wechatsim: %v\n", err)
		return exitUsage
	}
	s := sim.New(*cfg)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "wechatsim: %v\n", err)
		return exitFail
	}
	base := *publicURL
	if base == "" {
		base = "http://127.0.0.1:" + portOf(ln.Addr())
	}
	base = strings.TrimRight(base, "/")
	printBanner(stdout, s.Config(), ln.Addr().String(), base, s.DefaultOpenID())

	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "wechatsim: %v\n", err)
		return exitFail
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
		return exitOK
	}
}

func portOf(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return fmt.Sprint(ta.Port)
	}
	_, p, _ := net.SplitHostPort(a.String())
	return p
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// printBanner prints everything needed to point the service at the
// simulator, in the service's own environment-variable form.
func printBanner(w io.Writer, c sim.Config, listen, base, defaultOpenID string) {
	fmt.Fprintf(w, "wechatsim: simulated WeChat platform listening on %s (%s)\n\n", base, listen)
	fmt.Fprintf(w, "Account:\n  app_id            %s\n  app_secret        %s\n  token             %s\n  encoding_aes_key  %s\n  original id       %s\n\n",
		c.AppID, c.AppSecret, c.Token, c.EncodingAESKey, c.OriginalID)
	fmt.Fprintf(w, "Service settings (environment):\n")
	for _, kv := range [][2]string{
		{"ENABLED", "true"}, {"APP_ID", c.AppID}, {"APP_SECRET", c.AppSecret}, {"TOKEN", c.Token},
		{"ENCODING_AES_KEY", c.EncodingAESKey}, {"API_BASE_URL", base}, {"OPEN_BASE_URL", base}, {"MP_BASE_URL", base},
	} {
		fmt.Fprintf(w, "  SEMINAREVAL_WECHAT_%s=%s\n", kv[0], kv[1])
	}
	fmt.Fprintf(w, "\nBrowser identity (default %s):\n  %s/sim/login?openid=o1&next=<url>   (&snapshot=1 for a snapshot user)\n", defaultOpenID, base)
	fmt.Fprintf(w, "State: %s/sim/  %s/sim/stats  %s/sim/templates\n", base, base, base)
	fmt.Fprintf(w, "Push: wechatsim scan --callback http://127.0.0.1:8080/wechat/callback --scene q_<slug> --openid o1 [--mode aes]\n\n")
}

// ---- pushes -----------------------------------------------------------------

var pushSynopsis = map[string]string{
	"scan": "Push what the platform sends when a user scans the parametric QR code of --scene:\n" +
		"Event=subscribe, EventKey=qrscene_<scene> for a new follower; Event=SCAN, EventKey=<scene> with --follower.",
	"click":       "Push a menu CLICK event with EventKey=--key.",
	"text":        "Push a text message typed by the user (--content).",
	"view":        "Push a menu VIEW event (EventKey=--url).",
	"subscribe":   "Push a plain follow (no QR scene).",
	"unsubscribe": "Push an unfollow.",
}

func push(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet(cmd, pushSynopsis[cmd]+"\nPrints the decoded reply, including the article URL to open.", stderr)
	cfg := accountFlags(fs)
	callback := fs.String("callback", envOr("WECHATSIM_CALLBACK", "http://127.0.0.1:8080/wechat/callback"), "the service's callback URL (env WECHATSIM_CALLBACK)")
	openid := fs.String("openid", "", "the user's openid (default: the simulator's default identity, the same one OAuth uses)")
	modeFlag := fs.String("mode", envOr("WECHATSIM_MODE", "aes"), "message encryption: aes (safe mode, default), compatible or plain (an account without an EncodingAESKey; the service refuses plaintext when it has one) (env WECHATSIM_MODE)")
	timeout := fs.Duration("timeout", sim.ReplyDeadline, "reply deadline per attempt (the platform's is 5s)")
	attempts := fs.Int("attempts", 1, "send up to this many times, like the platform's retries (it sends at most 3)")
	always := fs.Bool("always", false, "with --attempts: send every attempt even after a good reply (dedupe test)")
	identical := fs.Bool("identical", false, "with --attempts: resend the byte-identical request")
	asJSON := fs.Bool("json", false, "print the replies as JSON")
	raw := fs.Bool("raw", false, "also print the request and reply bodies")
	var scene, ticket, key, content, link *string
	var follower *bool
	switch cmd {
	case "scan":
		scene = fs.String("scene", "", "the QR code's scene string, e.g. q_<questionnaire slug> (required)")
		follower = fs.Bool("follower", false, "the user already follows the account: SCAN instead of subscribe")
		ticket = fs.String("ticket", "", "the QR code's ticket (default: a made-up one)")
	case "click":
		key = fs.String("key", "EVALUATE", "the menu button's key")
	case "text":
		content = fs.String("content", "问卷", "the message text")
	case "view":
		link = fs.String("url", "", "the menu button's URL (required)")
	}
	if code, done := parse(fs, args); done {
		return code
	}
	mode, err := sim.ParseMode(*modeFlag)
	if err != nil {
		fmt.Fprintf(stderr, "wechatsim: %v\n", err)
		return exitUsage
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "wechatsim: %v\n", err)
		return exitUsage
	}
	s := sim.New(*cfg)
	if *openid == "" {
		*openid = s.DefaultOpenID()
	}

	var ev sim.Event
	switch cmd {
	case "scan":
		if *scene == "" {
			fmt.Fprintln(stderr, "wechatsim scan: --scene is required")
			return exitUsage
		}
		ev = s.ScanEvent(*openid, *scene, *follower)
		if *ticket != "" {
			ev.Ticket = *ticket
		}
	case "click":
		ev = s.ClickEvent(*openid, *key)
	case "text":
		ev = s.TextMessage(*openid, *content)
	case "view":
		if *link == "" {
			fmt.Fprintln(stderr, "wechatsim view: --url is required")
			return exitUsage
		}
		ev = s.ViewEvent(*openid, *link)
	case "subscribe":
		ev = s.SubscribeEvent(*openid)
	case "unsubscribe":
		ev = s.UnsubscribeEvent(*openid)
	}

	if !*asJSON {
		desc := ev.Event + " " + ev.EventKey
		if ev.MsgType == sim.MsgTypeText {
			desc = "text " + ev.Content
		}
		fmt.Fprintf(stdout, "→ %s from %s (mode %s) to %s\n", strings.TrimSpace(desc), ev.FromUserName, mode, *callback)
	}
	replies, err := s.PushWithRetries(ctx, *callback, ev, mode, sim.RetryOptions{
		Attempts: max(*attempts, 1), Always: *always, Identical: *identical, Timeout: *timeout})
	if *asJSON {
		views := make([]sim.ReplyView, 0, len(replies))
		for _, r := range replies {
			if r != nil {
				views = append(views, r.View())
			}
		}
		out := map[string]any{"replies": views}
		if err != nil {
			out["error"] = err.Error()
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		enc.Encode(out)
	} else {
		for _, r := range replies {
			if r != nil {
				printReply(stdout, r, len(replies) > 1, *raw)
			}
		}
		if len(replies) == 0 && err != nil {
			fmt.Fprintf(stdout, "✗ %v\n", err)
		}
	}
	if err != nil {
		return exitFail
	}
	return exitOK
}

// printReply prints one attempt for a human: status, how the reply was
// protected, and the message, ending with the link to open.
func printReply(w io.Writer, r *sim.Reply, numbered, raw bool) {
	prefix := "←"
	if numbered {
		prefix = fmt.Sprintf("← attempt %d:", r.Attempt)
	}
	if raw {
		fmt.Fprintf(w, "  request: POST %s\n%s\n", r.Sent.URL, indent(r.Sent.Body))
	}
	switch {
	case r.TimedOut:
		fmt.Fprintf(w, "%s no reply within %s\n", prefix, r.Duration.Round(time.Millisecond))
	case r.Status == 0:
		fmt.Fprintf(w, "%s %v\n", prefix, r.Err)
		return
	default:
		how := "plaintext reply"
		if r.Encrypted {
			how = "encrypted reply (MsgSignature verified, decrypted)"
		}
		fmt.Fprintf(w, "%s HTTP %d in %s, %s\n", prefix, r.Status, r.Duration.Round(time.Microsecond), how)
	}
	if raw && r.Status != 0 {
		fmt.Fprintf(w, "  reply body:\n%s\n", indent(string(r.Body)))
		if r.Encrypted {
			fmt.Fprintf(w, "  decrypted:\n%s\n", indent(string(r.Plaintext)))
		}
	}
	if r.Empty {
		fmt.Fprintln(w, "  (no reply to the user: empty or \"success\")")
	}
	if m := r.Message; m != nil {
		switch m.MsgType {
		case "text":
			fmt.Fprintf(w, "  text: %s\n", m.Content)
		case "news":
			fmt.Fprintf(w, "  news, %d article(s):\n", len(m.Articles))
			for i, a := range m.Articles {
				fmt.Fprintf(w, "  [%d] %s\n", i+1, a.Title)
				if a.Description != "" {
					fmt.Fprintf(w, "      %s\n", a.Description)
				}
				if a.PicURL != "" {
					fmt.Fprintf(w, "      pic: %s\n", a.PicURL)
				}
				fmt.Fprintf(w, "      url: %s\n", a.URL)
			}
		default:
			fmt.Fprintf(w, "  %s reply\n", m.MsgType)
		}
	}
	if r.Err != nil {
		fmt.Fprintf(w, "  ✗ %v\n", r.Err)
	} else if u := r.ArticleURL(); u != "" {
		fmt.Fprintf(w, "Open: %s\n", u)
	}
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

// ---- verify -----------------------------------------------------------------

func verify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("verify", "Run the platform's server-URL check: GET --callback with signature, timestamp, nonce and\n"+
		"echostr; the service must answer exactly the echostr.", stderr)
	cfg := accountFlags(fs)
	callback := fs.String("callback", envOr("WECHATSIM_CALLBACK", "http://127.0.0.1:8080/wechat/callback"), "the service's callback URL (env WECHATSIM_CALLBACK)")
	if code, done := parse(fs, args); done {
		return code
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "wechatsim: %v\n", err)
		return exitUsage
	}
	rep, err := sim.New(*cfg).Verify(ctx, *callback)
	if rep == nil {
		fmt.Fprintf(stdout, "✗ %v\n", err)
		return exitFail
	}
	if err != nil {
		fmt.Fprintf(stdout, "✗ HTTP %d: %v\n", rep.Status, err)
		return exitFail
	}
	fmt.Fprintf(stdout, "✓ %s echoed the echostr (HTTP %d in %s): the platform would accept this URL\n",
		*callback, rep.Status, rep.Duration.Round(time.Microsecond))
	return exitOK
}
