package handler

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service"
	"seminareval/service/definition"
	"seminareval/service/wechat"
)

// The whole WeChat path in headless Chromium with WeChat's user agent:
// the simulator plays the phone's WeChat identity and the platform's OAuth
// page, the service identifies the participant silently, and the answer is
// stored under the openid. A second attempt by the same WeChat user (new
// cookies, as on another phone) is refused politely.
func TestBrowserWeChatOAuthAnswerAndSecondAttempt(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	w := newWeChatApp(t, db)
	q := w.demo()
	openid := w.sim.OpenID("browser-participant")
	ctx := newBrowser(t)
	acceptLanguage(t, ctx, "zh-CN,zh;q=0.9")
	page := w.ts.URL + "/s/" + q.Slug

	// Pick the phone's WeChat identity on the simulator, then open the link.
	browserDo(t, ctx,
		chromedp.Navigate(w.simURL+"/sim/login?openid="+openid+"&next="+url.QueryEscape(page)),
		chromedp.WaitVisible(chromedp.CSS(`#qform`)),
	)
	// (A browser carries the authorize URL's #wechat_redirect through the
	// redirects; WeChat's client consumes it.)
	if loc := browserEval[string](t, ctx, `location.origin + location.pathname + location.search`); loc != page {
		t.Fatalf("after OAuth the browser is at %s, want %s", loc, page)
	}
	if st := w.sim.Stats(); st.OAuthAuthorizes != 1 || st.CodeExchanges != 1 {
		t.Fatalf("OAuth round trips: %+v, want one authorize and one code exchange", st)
	}
	assertFitsPhone(t, ctx)
	screenshot(t, ctx, "wechat-oauth-form")
	fillDemo(t, ctx)
	browserDo(t, ctx, chromedp.Tap(chromedp.CSS(`button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.message.ok`)))
	screenshot(t, ctx, "wechat-oauth-thanks")

	var r model.Response
	if err := db.Where("questionnaire_id = ?", q.ID).Take(&r).Error; err != nil {
		t.Fatalf("no response stored: %v", err)
	}
	if r.OpenID == nil || *r.OpenID != openid || r.Channel != model.ChannelWeChat {
		t.Fatalf("response openid %v channel %q, want %s and wechat", r.OpenID, r.Channel, openid)
	}
	assertSameAnswers(t, storedAnswers(t, db, q, r.ID), wantDemoRows())

	// Same WeChat user, fresh cookies: OAuth again, then "already recorded".
	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	browserDo(t, ctx,
		chromedp.Navigate(w.simURL+"/sim/login?openid="+openid+"&next="+url.QueryEscape(page)),
		chromedp.WaitVisible(chromedp.CSS(`.message`)),
	)
	body := browserEval[string](t, ctx, `document.body.innerText`)
	if !strings.Contains(body, "您的回答已记录") || browserEval[bool](t, ctx, `!!document.querySelector("#qform")`) {
		t.Fatalf("second attempt shows %q, want the already-recorded message and no form", body)
	}
	screenshot(t, ctx, "wechat-oauth-already-recorded")
	if n := w.count(&model.Response{}); n != 1 {
		t.Fatalf("responses = %d, want 1", n)
	}
}

// The poster as projected: a big QR code, bilingual steps and a count that
// rises by itself when answers arrive.
func TestBrowserWeChatPosterCountsLive(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	w := newWeChatApp(t, db)
	q := w.demo()
	qmConsole(t, w.testApp, model.RoleAdmin) // creates the user
	tokens := w.reportRoster(q, "China", "China", "Europe")
	if err := db.Model(&model.Participant{}).Where("invite_token = ?", tokens[1]).Update("openid", w.sim.OpenID("p1")).Error; err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t)
	browserDo(t, ctx, chromedp.EmulateViewport(1280, 720))
	browserDo(t, ctx, consoleSignInActions(w.ts.URL, "console-admin", "correct horse battery staple")...)
	browserDo(t, ctx,
		chromedp.Navigate(w.ts.URL+"/admin/questionnaires/"+itoa(q.ID)+"/poster"),
		chromedp.WaitVisible(chromedp.CSS(`img.qr`)),
	)
	if !browserEval[bool](t, ctx, `document.querySelector("img.qr").complete && document.querySelector("img.qr").naturalWidth > 300`) {
		t.Fatal("the QR code image did not load")
	}
	if got := browserEval[string](t, ctx, `document.getElementById("count").textContent`); got != "0" {
		t.Fatalf("count %q, want 0", got)
	}
	screenshot(t, ctx, "wechat-poster-0")
	for i, r := range []service.Respondent{{InviteToken: tokens[0]}, {CookieID: "00000000-0000-4000-8000-000000000001"}} {
		if _, err := w.srv.responses.Submit(context.Background(), q, r,
			service.Submission{SubmissionID: "poster-000" + string(rune('1'+i)), Lang: "zh", Answers: decodedDemoAnswers(t)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("count").textContent === "2"`, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("the poster's count did not rise to 2: %v", err)
	}
	screenshot(t, ctx, "wechat-poster-2")

	browserDo(t, ctx, chromedp.Navigate(w.ts.URL+"/admin/questionnaires/"+itoa(q.ID)+"/board"), chromedp.WaitVisible(chromedp.CSS(`#board-summary`)))
	if got := browserEval[int](t, ctx, `document.querySelectorAll('#roster tr[data-answered="true"]').length`); got != 1 {
		t.Errorf("board shows %d roster participants answered, want 1", got)
	}
	screenshot(t, ctx, "wechat-board")

	browserDo(t, ctx, chromedp.Navigate(w.ts.URL+"/admin/wechat?lang=zh"), chromedp.WaitVisible(chromedp.CSS(`#callback-url`)))
	if got := browserEval[string](t, ctx, `document.getElementById("callback-url").textContent`); got != w.ts.URL+"/wechat/callback" {
		t.Errorf("callback URL shown %q", got)
	}
	screenshot(t, ctx, "wechat-settings-zh")
}

// Each kind of official account, from the follower's message to the stored
// answer, on a phone with WeChat's user agent: the verified service account
// identifies the participant by silent OAuth, the others by the personal
// link in the reply, and none is asked for what it may not do
// (testdata/screenshots/wechat-<type>-form.png).
func TestBrowserWeChatEachAccountType(t *testing.T) {
	for _, typ := range service.AccountTypes {
		t.Run(typ, func(t *testing.T) {
			db := modeltest.Open(t, modeltest.Targets(t)[0])
			w := newWeChatAppOfType(t, db, typ)
			q := w.demo()
			openid := w.sim.OpenID("phone-" + typ)
			link := w.ts.URL + w.personalLinkOf(t, w.sim.TextMessage(openid, "评估"))
			ctx := newBrowser(t)
			acceptLanguage(t, ctx, "zh-CN,zh;q=0.9")
			target := link
			if service.CapabilitiesOf(typ).OAuth {
				if strings.Contains(link, "w=") {
					t.Fatalf("a verified service account's reply carries a personal link: %s", link)
				}
				// The phone's WeChat identity, then the card's link: silent OAuth.
				target = w.simURL + "/sim/login?openid=" + openid + "&next=" + url.QueryEscape(link)
			} else if !strings.Contains(link, "w=") {
				t.Fatalf("a %s account's reply has no personal link: %s", typ, link)
			}
			browserDo(t, ctx, chromedp.Navigate(target), chromedp.WaitVisible(chromedp.CSS(`#qform`)))
			if strings.Contains(browserEval[string](t, ctx, `location.search`), "w=") {
				t.Error("the personal token stays in the address bar")
			}
			assertFitsPhone(t, ctx)
			screenshot(t, ctx, "wechat-"+typ+"-form")
			fillDemo(t, ctx)
			browserDo(t, ctx, chromedp.Tap(chromedp.CSS(`button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.message.ok`)))
			var r model.Response
			if err := db.Where("questionnaire_id = ?", q.ID).Take(&r).Error; err != nil {
				t.Fatalf("no response stored: %v", err)
			}
			if r.OpenID == nil || *r.OpenID != openid || r.Channel != model.ChannelWeChat {
				t.Fatalf("response openid %v channel %q, want %s", r.OpenID, r.Channel, openid)
			}
			if st := w.sim.Stats(); !service.CapabilitiesOf(typ).OAuth && (st.OAuthAuthorizes != 0 || st.CodeExchanges != 0) {
				t.Errorf("a %s account was sent to OAuth: %+v", typ, st)
			}
		})
	}
}

// The poster of an account without parametric QR codes, as projected: the
// account's own QR code and what to send, with the short code when two
// questionnaires are open (testdata/screenshots/wechat-poster-account-qr.png).
func TestBrowserPosterWithTheAccountsOwnQR(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	w := newWeChatAppOfType(t, db, service.AccountSubscription)
	q := w.demo()
	w.demo(func(d *definition.Definition) { d.Slug = "second-evaluation" })
	png, err := pngOf(t)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.srv.wechat().SetAccountQR(context.Background(), png); err != nil {
		t.Fatal(err)
	}
	qmConsole(t, w.testApp, model.RoleAdmin) // creates the user
	ctx := newBrowser(t)
	browserDo(t, ctx, chromedp.EmulateViewport(1280, 720))
	browserDo(t, ctx, consoleSignInActions(w.ts.URL, "console-admin", "correct horse battery staple")...)
	browserDo(t, ctx, chromedp.Navigate(w.ts.URL+"/admin/questionnaires/"+itoa(q.ID)+"/poster"), chromedp.WaitVisible(chromedp.CSS(`img.qr`)))
	if !browserEval[bool](t, ctx, `document.querySelector("img.qr").complete && document.querySelector("img.qr").naturalWidth === 256`) {
		t.Fatal("the account's QR image did not load")
	}
	if want := "发送“评估 " + wechat.ShortCode(&q.Questionnaire) + "”"; !strings.Contains(browserEval[string](t, ctx, `document.body.innerText`), want) {
		t.Errorf("poster lacks %q", want)
	}
	screenshot(t, ctx, "wechat-poster-account-qr")
}
