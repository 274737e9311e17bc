package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"seminareval/cmd/wechatsim/sim"
	"seminareval/model/modeltest"
)

func TestWeChatMenuSetsTheEvaluateButton(t *testing.T) {
	s := sim.New(sim.Config{AppID: "wxmenutest0001"})
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	sc := s.Config()
	env := append(dbEnv(t, modeltest.Targets(t)[0]),
		"SEMINAREVAL_WECHAT_ENABLED=true", "SEMINAREVAL_WECHAT_APP_ID="+sc.AppID, "SEMINAREVAL_WECHAT_APP_SECRET="+sc.AppSecret,
		"SEMINAREVAL_WECHAT_TOKEN="+sc.Token, "SEMINAREVAL_WECHAT_API_BASE_URL="+ts.URL, "SEMINAREVAL_WECHAT_OPEN_BASE_URL="+ts.URL)
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"wechat", "menu", "-config", ""}, nil, &out, &errOut, env); err != nil {
		t.Fatalf("wechat menu: %v\n%s", err, errOut.String())
	}
	m := s.Menu()
	if m == nil {
		t.Fatal("no menu set on the platform")
	}
	b := m.ButtonByKey("EVALUATE")
	if b == nil || b.Type != "click" || !strings.Contains(b.Name, "问卷") || !strings.Contains(b.Name, "Evaluate") {
		t.Fatalf("menu %+v, want a click button EVALUATE named in both languages", m.Buttons)
	}
	if !strings.Contains(out.String(), "EVALUATE") {
		t.Errorf("output %q does not say what was set", out.String())
	}
	// Without WeChat configured the command says what is missing.
	err := run(context.Background(), []string{"wechat", "menu"}, nil, &out, &errOut, dbEnv(t, modeltest.Targets(t)[0]))
	if err == nil || !strings.Contains(err.Error(), "wechat.enabled") {
		t.Fatalf("without configuration: %v, want an error naming the keys", err)
	}
}

// The SDK's root package turns on debug logging of every request body in
// its init(): it must not be linked into the binary. (Its server package
// is, through officialaccount, but is never used: the callback is ours.)
func TestBinaryDoesNotLinkTheSDKsLoggingPackages(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "seminareval/cmd/seminareval").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		switch pkg {
		case "github.com/silenceper/wechat/v2":
			t.Errorf("the binary links %s", pkg)
		}
	}
	if !strings.Contains(string(out), "github.com/silenceper/wechat/v2/officialaccount\n") {
		t.Errorf("the binary does not use the SDK's officialaccount package at all: is this test still right?")
	}
}
