package wechat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/cache"
)

// The access token is a platform-wide singleton per account: each fetch
// from /cgi-bin/token invalidates the previous token (after a short grace)
// and the daily quota is 2000. So replicas share one token through Redis,
// and a Redis lock makes concurrent first fetches into one fetch.

// tokenCache is the SDK's cache interface (the JS ticket lives in it too).
type tokenCache = cache.Cache

// memoryCache is a race-free cache.Cache (the SDK's cache.NewMemory reads
// its map without the lock).
type memoryCache struct {
	mu sync.RWMutex
	m  map[string]memoryEntry
}

type memoryEntry struct {
	v       any
	expires time.Time
}

func (c *memoryCache) Get(key string) any {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.m[key]
	if !ok || (!e.expires.IsZero() && time.Now().After(e.expires)) {
		return nil
	}
	return e.v
}

func (c *memoryCache) Set(key string, v any, ttl time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := memoryEntry{v: v}
	if ttl > 0 {
		e.expires = time.Now().Add(ttl)
	}
	c.m[key] = e
	return nil
}

func (c *memoryCache) IsExist(key string) bool { return c.Get(key) != nil }

func (c *memoryCache) Delete(key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
	return nil
}

// redisCache is cache.Cache over go-redis v9 (the SDK's own uses v8).
// Values are strings: tokens and tickets are all the SDK stores.
type redisCache struct{ c *redis.Client }

const redisOpTimeout = 2 * time.Second

func (r *redisCache) Get(key string) any {
	ctx, cancel := context.WithTimeout(context.Background(), redisOpTimeout)
	defer cancel()
	v, err := r.c.Get(ctx, key).Result()
	if err != nil {
		return nil
	}
	return v
}

func (r *redisCache) Set(key string, v any, ttl time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), redisOpTimeout)
	defer cancel()
	return r.c.Set(ctx, key, fmt.Sprint(v), ttl).Err()
}

func (r *redisCache) IsExist(key string) bool { return r.Get(key) != nil }

func (r *redisCache) Delete(key string) error {
	ctx, cancel := context.WithTimeout(context.Background(), redisOpTimeout)
	defer cancel()
	return r.c.Del(ctx, key).Err()
}

// accessTokens implements the SDK's AccessTokenHandle over the shared cache.
type accessTokens struct {
	appID, secret, apiBase string
	cache                  tokenCache
	redis                  *redis.Client
	http                   *http.Client
	mu                     sync.Mutex // one fetch at a time in this process
}

func (t *accessTokens) key() string  { return "seminareval:wechat:access_token:" + t.appID }
func (t *accessTokens) lock() string { return "seminareval:wechat:access_token_lock:" + t.appID }

// GetAccessToken is the SDK's interface.
func (t *accessTokens) GetAccessToken() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return t.GetAccessTokenContext(ctx)
}

// GetAccessTokenContext returns the cached token or fetches one, holding the
// Redis lock (SET NX with a TTL) while fetching when Redis is configured.
func (t *accessTokens) GetAccessTokenContext(ctx context.Context) (string, error) {
	if v, ok := t.cache.Get(t.key()).(string); ok && v != "" {
		return v, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if v, ok := t.cache.Get(t.key()).(string); ok && v != "" {
		return v, nil
	}
	if t.redis == nil {
		return t.fetch(ctx)
	}
	owner := randomHex(8)
	for {
		ok, err := t.redis.SetNX(ctx, t.lock(), owner, 15*time.Second).Result()
		if err != nil {
			return "", fmt.Errorf("wechat token lock: %w", err)
		}
		if ok {
			break
		}
		// Another replica is fetching: wait for its token.
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("wechat token: waiting for another replica's fetch: %w", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
		if v, ok := t.cache.Get(t.key()).(string); ok && v != "" {
			return v, nil
		}
	}
	defer func() {
		// Release only our own lock (it may have expired and been retaken).
		release := redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)
		_ = release.Run(context.Background(), t.redis, []string{t.lock()}, owner).Err()
	}()
	if v, ok := t.cache.Get(t.key()).(string); ok && v != "" {
		return v, nil
	}
	return t.fetch(ctx)
}

// Invalidate drops the cached token (after 40001/42001 from the platform).
func (t *accessTokens) Invalidate() { _ = t.cache.Delete(t.key()) }

func (t *accessTokens) fetch(ctx context.Context) (string, error) {
	u := strings.TrimRight(t.apiBase, "/") + "/cgi-bin/token?grant_type=client_credential&appid=" + url.QueryEscape(t.appID) + "&secret=" + url.QueryEscape(t.secret)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := t.http.Do(req)
	if err != nil {
		// The error names the URL, which holds the secret: say less.
		return "", fmt.Errorf("wechat token: request to %s failed: %w", t.apiBase, errors.Unwrap(err))
	}
	defer resp.Body.Close()
	body, err := readAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("wechat token: %w", err)
	}
	var r struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		ErrCode     int64  `json:"errcode"`
		ErrMsg      string `json:"errmsg"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return "", fmt.Errorf("wechat token: HTTP %d, not JSON", resp.StatusCode)
	}
	if r.ErrCode != 0 || r.AccessToken == "" {
		return "", fmt.Errorf("wechat token: errcode %d: %s", r.ErrCode, r.ErrMsg)
	}
	// Renew well before expiry: a token used in its last seconds fails.
	ttl := time.Duration(r.ExpiresIn-300) * time.Second
	if ttl < time.Minute {
		ttl = time.Minute
	}
	if err := t.cache.Set(t.key(), r.AccessToken, ttl); err != nil {
		return "", fmt.Errorf("wechat token: store: %w", err)
	}
	return r.AccessToken, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
