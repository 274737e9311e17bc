package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/officialaccount/config"
	wcctx "github.com/silenceper/wechat/v2/officialaccount/context"
	"github.com/silenceper/wechat/v2/officialaccount/message"
	"github.com/silenceper/wechat/v2/officialaccount/server"

	"seminareval/cmd/wechatsim/sim"
	"seminareval/service/servicetest"
)

// callback is a service callback built on the SDK, configured with token,
// that answers scans with a news card for the scene's questionnaire.
func callback(t *testing.T, token string) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv := server.NewServer(&wcctx.Context{Config: &config.Config{AppID: sim.DefaultAppID,
			Token: token, EncodingAESKey: sim.DefaultEncodingAESKey}})
		srv.Request, srv.Writer = r, w
		srv.SetMessageHandler(func(m *message.MixMessage) *message.Reply {
			slug := strings.TrimPrefix(strings.TrimPrefix(m.EventKey, sim.QRScenePrefix), "q_")
			if m.MsgType == message.MsgTypeText {
				return &message.Reply{MsgType: message.MsgTypeText, MsgData: message.NewText("got " + m.Content)}
			}
			return &message.Reply{MsgType: message.MsgTypeNews, MsgData: message.NewNews([]*message.Article{
				message.NewArticle("Evaluation "+string(m.Event), "desc", "", "http://svc.example/s/"+slug)})}
		})
		if err := srv.Serve(); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		srv.Send()
	}))
	t.Cleanup(ts.Close)
	return ts
}

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelpDocumentsDefaults(t *testing.T) {
	code, out, _ := runCLI(t, "--help")
	for _, want := range []string{"wxsim00000000demo", "simsecret", "simtoken", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
		"WECHATSIM_APP_ID", "WECHATSIM_AES_KEY", "scan", "verify"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	code, _, errOut := runCLI(t, "scan", "--help")
	if code != 0 || !strings.Contains(errOut, "-scene") || !strings.Contains(errOut, "-follower") || !strings.Contains(errOut, "WECHATSIM_CALLBACK") {
		t.Fatalf("scan --help: exit %d\n%s", code, errOut)
	}
	if code, _, _ := runCLI(t, "bogus"); code != exitUsage {
		t.Fatalf("unknown command: exit %d", code)
	}
	if code, _, _ := runCLI(t, "scan"); code != exitUsage {
		t.Fatalf("scan without --scene: exit %d", code)
	}
	if code, _, _ := runCLI(t, "scan", "--scene", "x", "--mode", "rot13"); code != exitUsage {
		t.Fatalf("bad mode: exit %d", code)
	}
}

func TestScanPrintsArticleURL(t *testing.T) {
	cb := callback(t, sim.DefaultToken)
	for _, mode := range []string{"plain", "compatible", "aes"} {
		code, out, errOut := runCLI(t, "scan", "--callback", cb.URL+"/wechat/callback", "--scene", "q_sanya-2018-evaluation",
			"--openid", "o1", "--mode", mode)
		if code != 0 || !strings.Contains(out, "Open: http://svc.example/s/sanya-2018-evaluation") ||
			!strings.Contains(out, "subscribe qrscene_q_sanya-2018-evaluation from o1") {
			t.Fatalf("%s: exit %d\n%s\n%s", mode, code, out, errOut)
		}
		if (mode == "aes") != strings.Contains(out, "encrypted reply") && mode != "compatible" {
			t.Fatalf("%s: encryption not reported:\n%s", mode, out)
		}
	}
	code, out, _ := runCLI(t, "scan", "--callback", cb.URL, "--scene", "q_x", "--follower", "--json")
	var res struct {
		Replies []sim.ReplyView `json:"replies"`
	}
	if err := json.Unmarshal([]byte(out), &res); code != 0 || err != nil || len(res.Replies) != 1 ||
		res.Replies[0].ArticleURL != "http://svc.example/s/x" || res.Replies[0].Message.Articles[0].Title != "Evaluation SCAN" {
		t.Fatalf("--follower --json: exit %d %v\n%s", code, err, out)
	}
	code, out, _ = runCLI(t, "text", "--callback", cb.URL, "--content", "评估", "--mode", "aes")
	if code != 0 || !strings.Contains(out, "text: got 评估") {
		t.Fatalf("text: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "click", "--callback", cb.URL, "--attempts", "3", "--always", "--identical")
	if code != 0 || strings.Count(out, "← attempt") != 3 {
		t.Fatalf("click with retries: exit %d\n%s", code, out)
	}
}

// The account settings come from the environment when no flag is given,
// so that serve and push subcommands agree.
func TestEnvironmentSettingsSignPushes(t *testing.T) {
	cb := callback(t, "othertoken")
	if code, out, _ := runCLI(t, "click", "--callback", cb.URL); code != exitFail || !strings.Contains(out, "HTTP 403") {
		t.Fatalf("default token against a service with another token: exit %d\n%s", code, out)
	}
	t.Setenv("WECHATSIM_TOKEN", "othertoken")
	if code, out, _ := runCLI(t, "click", "--callback", cb.URL); code != 0 {
		t.Fatalf("WECHATSIM_TOKEN not used: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "verify", "--callback", cb.URL); code != 0 || !strings.Contains(out, "✓") {
		t.Fatalf("verify: exit %d\n%s", code, out)
	}
	if code, _, _ := runCLI(t, "verify", "--callback", cb.URL, "--token", "simtoken"); code != exitFail {
		t.Fatalf("verify with the wrong token: exit %d", code)
	}
}

func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb servicetest.SyncBuffer
	done := make(chan int)
	go func() { done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, &out, &errb) }()

	re := regexp.MustCompile(`SEMINAREVAL_WECHAT_API_BASE_URL=(\S+)`)
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("no banner:\n%s\n%s", out.String(), errb.String())
	}
	for _, want := range []string{"SEMINAREVAL_WECHAT_APP_ID=wxsim00000000demo", "SEMINAREVAL_WECHAT_TOKEN=simtoken",
		"SEMINAREVAL_WECHAT_OPEN_BASE_URL=" + base, "SEMINAREVAL_WECHAT_MP_BASE_URL=" + base} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner lacks %q", want)
		}
	}
	resp, err := http.Get(base + "/cgi-bin/token?grant_type=client_credential&appid=wxsim00000000demo&secret=simsecret")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"access_token"`) {
		t.Fatalf("token from serve: %s", body)
	}
	resp, err = http.Get(base + "/sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	var st sim.Stats
	json.NewDecoder(bufio.NewReader(resp.Body)).Decode(&st)
	resp.Body.Close()
	if st.TokenFetches != 1 {
		t.Fatalf("stats %+v", st)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exit %d\n%s", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop on cancel")
	}
}
