package main

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"seminareval/cmd/wechatsim/sim"
	"seminareval/model/modeltest"
)

// TestTwoProcessesSharingRedisFetchTheAccessTokenOnce runs the real binary
// twice, at the same time, as two OS processes (two replicas), each calling
// the platform (`wechat menu`) with the same redis.addr: the platform must
// see one access-token fetch between them, since WeChat invalidates the old
// token whenever a new one is fetched.
func TestTwoProcessesSharingRedisFetchTheAccessTokenOnce(t *testing.T) {
	addr := os.Getenv("TEST_REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis at %s: %v (CI must test the shared token)", addr, err)
		}
		t.Skipf("redis at %s: %v", addr, err)
	} else {
		c.Close()
	}
	bin := filepath.Join(t.TempDir(), "seminareval")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	buf := make([]byte, 6)
	rand.Read(buf)
	s := sim.New(sim.Config{AppID: "wxproc" + hex.EncodeToString(buf)}) // a fresh app id: a fresh Redis key
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	sc := s.Config()
	target := modeltest.Targets(t)[0]
	common := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "SEMINAREVAL_REDIS_ADDR=" + addr,
		"SEMINAREVAL_WECHAT_ENABLED=true", "SEMINAREVAL_WECHAT_APP_ID=" + sc.AppID, "SEMINAREVAL_WECHAT_APP_SECRET=" + sc.AppSecret,
		"SEMINAREVAL_WECHAT_TOKEN=" + sc.Token, "SEMINAREVAL_WECHAT_API_BASE_URL=" + ts.URL, "SEMINAREVAL_WECHAT_OPEN_BASE_URL=" + ts.URL,
		"SEMINAREVAL_WECHAT_MP_BASE_URL=" + ts.URL}
	var wg sync.WaitGroup
	outs := make([][]byte, 2)
	errs := make([]error, 2)
	for i := range 2 {
		env := append(append([]string{}, common...), dbEnv(t, target)...) // each replica its own database file: only Redis is shared
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(bin, "wechat", "menu")
			cmd.Env = env
			cmd.Dir = t.TempDir()
			outs[i], errs[i] = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil {
			t.Fatalf("process %d: %v\n%s", i, errs[i], outs[i])
		}
	}
	if s.Menu() == nil {
		t.Fatal("no menu reached the platform")
	}
	if n := s.TokenFetches(); n != 1 {
		t.Fatalf("access token fetched %d times by two processes sharing Redis, want 1", n)
	}
}
