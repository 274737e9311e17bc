package handler

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// WeChat's in-app browser on Android, as the platform's pages see it.
const wechatUserAgent = "Mozilla/5.0 (Linux; Android 13; V2148A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"

// chromedp v0.23 has a generic API: chromedp.Do(ctx, actions...) runs
// actions that return nothing, chromedp.Run(ctx, action) returns an action's
// value (see docs/API.md and docs/MIGRATION.md in its module directory).
//
// browserDevice is what a browser test pretends to be.
type browserDevice struct {
	width, height int64
	userAgent     string // "" keeps Chromium's own
	phone         bool   // 2× scale, mobile layout, touch
}

var (
	// wechatPhone is WeChat's in-app browser on a 360-px Android phone.
	wechatPhone = browserDevice{width: 360, height: 740, userAgent: wechatUserAgent, phone: true}
	// laptop is staff and organisers at their desks: the console.
	laptop = browserDevice{width: 1280, height: 900}
)

// newBrowser starts headless Chromium at a 360-px phone viewport with
// WeChat's user agent and returns a context to run chromedp actions in.
func newBrowser(t *testing.T) context.Context { return startBrowser(t, wechatPhone) }

// newLaptopBrowser starts headless Chromium as staff use the console: a
// desktop browser (no WeChat user agent, no touch) at 1280×900.
func newLaptopBrowser(t *testing.T) context.Context { return startBrowser(t, laptop) }

// startBrowser starts headless Chromium as dev. It skips when Chromium is
// missing on a developer's machine, and fails in CI.
func startBrowser(t *testing.T, dev browserDevice) context.Context {
	t.Helper()
	path := os.Getenv("CHROMIUM_PATH")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium not found at %s: in CI the browser tests must run (.ci/run installs it)", path)
		}
		t.Skipf("chromium not found at %s", path)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(int(dev.width), int(dev.height)),
	}
	if dev.userAgent != "" {
		opts = append(opts, chromedp.UserAgent(dev.userAgent))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	var viewport []chromedp.EmulateViewportOption
	if dev.phone {
		viewport = append(viewport, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(dev.width, dev.height, viewport...)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// screenshot saves a full-page PNG under testdata/screenshots/ (kept in the
// repository so a person can look at what the tests saw).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG (lower qualities are JPEG)
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join("..", "testdata", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// consoleSignInActions sign into the console in the browser as name and wait
// until signed in (.topbar .user: the login page has a topbar too, and a
// Navigate before the post has landed would abort it).
func consoleSignInActions(baseURL, name, password string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(baseURL + "/admin/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="name"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), name),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.topbar .user`)),
	}
}
