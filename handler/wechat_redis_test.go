package handler

import (
	"context"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"seminareval/cmd/wechatsim/sim"
	"seminareval/model/modeltest"
	"seminareval/service"
	"seminareval/service/wechat"
)

// testRedisAddr returns the Redis of the test environment; without one the
// test skips on a developer's machine and fails in CI.
func testRedisAddr(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("TEST_REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis at %s: %v (in CI the Redis tests must run)", addr, err)
		}
		t.Skipf("no redis at %s: %v", addr, err)
	}
	conn.Close()
	return addr
}

// Two replicas (two Server instances, each with its own database pool and
// Redis client) share one Redis: between them they fetch the access token
// once, however many requests race for it, and the JS ticket once.
func TestWeChatReplicasShareOneAccessTokenThroughRedis(t *testing.T) {
	addr := testRedisAddr(t)
	target := modeltest.Targets(t)[0]
	// The simulator's app id carries a random suffix: the Redis keys of
	// this run cannot meet another run's.
	first := newWeChatApp(t, modeltest.Open(t, target), func(c *service.Config) { c.Redis.Addr = addr })
	second := newTestApp(t, modeltest.Open(t, target), withSim(first.sim, first.simURL), func(c *service.Config) { c.Redis.Addr = addr })
	replicas := []*Server{first.srv, second.srv}
	ctx := context.Background()

	var wg sync.WaitGroup
	tokens := make(chan string, 40)
	for i := range 40 {
		wg.Go(func() {
			tok, err := replicas[i%2].wechat().AccessToken(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			tokens <- tok
		})
	}
	wg.Wait()
	close(tokens)
	seen := map[string]bool{}
	for tok := range tokens {
		seen[tok] = true
	}
	if n := first.sim.TokenFetches(); n != 1 || len(seen) != 1 {
		t.Fatalf("token fetches = %d, distinct tokens = %d; want 1 and 1", n, len(seen))
	}

	// The token is in Redis with a lifetime, and both replicas use it.
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	key := "seminareval:wechat:access_token:" + first.sim.Config().AppID
	defer rdb.Del(ctx, key)
	if ttl := rdb.TTL(ctx, key).Val(); ttl < time.Hour || ttl > 2*time.Hour {
		t.Errorf("token TTL in Redis = %s, want a little under 7200 s", ttl)
	}
	if err := second.srv.wechat().SetMenu(ctx); err != nil {
		t.Fatalf("menu from the second replica: %v", err)
	}
	staff := qmConsole(t, first.testApp, "staff")
	q := first.demo()
	if r := first.getAs(staff, "/admin/questionnaires/"+itoa(q.ID)+"/qr.png"); r.Header.Get("X-QR-Kind") != "wechat" {
		t.Fatalf("QR from the first replica: %d %s", r.Code, r.Header.Get("X-QR-Kind"))
	}
	st := first.sim.Stats()
	if st.TokenFetches != 1 || st.RejectedTokenCalls != 0 {
		t.Fatalf("after API calls from both replicas: %d fetches, %d rejected calls; want 1 and 0", st.TokenFetches, st.RejectedTokenCalls)
	}

	// The JS-SDK ticket is shared too, and the signature is the platform's.
	page := first.ts.URL + "/s/" + q.Slug
	var cfgs []wechat.JSConfig
	for _, r := range replicas {
		c, err := r.wechat().JSSDKConfig(ctx, page)
		if err != nil {
			t.Fatal(err)
		}
		cfgs = append(cfgs, c)
	}
	defer rdb.Del(ctx, "gowechat_officialaccount__jsapi_ticket_"+first.sim.Config().AppID)
	if n := first.sim.Stats().JSTicketFetches; n != 1 {
		t.Errorf("JS ticket fetches = %d, want 1", n)
	}
	for _, c := range cfgs {
		if want := sim.JSSignature(first.sim.JSAPITicket(), c.NonceStr, c.Timestamp, page); c.Signature != want || c.AppID != first.sim.Config().AppID {
			t.Errorf("JS config %+v, want signature %s", c, want)
		}
	}
}
