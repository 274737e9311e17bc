package handler

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/skip2/go-qrcode"
	"gorm.io/gorm"

	"seminareval/cmd/wechatsim/sim"
	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service"
	"seminareval/service/definition"
	"seminareval/service/wechat"
)

// newWeChatAppOfType is a wechatApp whose account, and the simulator's, is
// of type typ: the simulator refuses with 48001 what the type may not do.
func newWeChatAppOfType(t *testing.T, db *gorm.DB, typ string) *wechatApp {
	t.Helper()
	s, simURL := newSim(t, sim.Config{AppID: "wxtest" + strings.ToLower(rand.Text()[:10]), AccountType: typ})
	w := &wechatApp{testApp: newTestApp(t, db, withSim(s, simURL), func(c *service.Config) { c.WeChat.AccountType = typ }), sim: s, simURL: simURL}
	t.Cleanup(func() {
		if n := s.Stats().Unauthorized; n != 0 {
			t.Errorf("the service asked a %s account %d times for what it may not do (48001)", typ, n)
		}
	})
	return w
}

// personalLinkOf pushes ev and returns the path of the reply's one article.
func (w *wechatApp) personalLinkOf(t *testing.T, ev sim.Event) string {
	t.Helper()
	rep, err := w.sim.Push(context.Background(), w.callbackURL(), ev, sim.ModeAES)
	if err != nil || rep.Message == nil || len(rep.Message.Articles) != 1 {
		t.Fatalf("reply %+v (%v), want one article", rep.Message, err)
	}
	u, err := url.Parse(rep.Message.Articles[0].URL)
	if err != nil || !strings.HasPrefix(rep.Message.Articles[0].URL, w.ts.URL) {
		t.Fatalf("article URL %q", rep.Message.Articles[0].URL)
	}
	return u.RequestURI()
}

// A subscription account has no web OAuth: nobody is sent to the authorize
// page; replies carry a personal link that binds the follower's openid to
// the browser; one response per openid; a forwarded link after the answer
// shows "already recorded"; a tampered or expired link gives the ordinary
// page with how to get a fresh one.
func TestWeChatPersonalLinksWithoutOAuth(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWeChatAppOfType(t, db, service.AccountSubscription)
		q := w.demo(func(d *definition.Definition) { d.Seminar = nil })
		ua := []string{"User-Agent", wechatUserAgent}

		// No redirect to OAuth, ever.
		phone := w.newClient()
		if r := w.do(phone, http.MethodGet, "/s/"+q.Slug, "", nil, ua...); r.Code != http.StatusOK || strings.Contains(r.Header.Get("Location"), "oauth2") {
			t.Fatalf("page in WeChat: %d %s", r.Code, r.Header.Get("Location"))
		}

		follower := w.sim.OpenID("subscriber-1")
		link := w.personalLinkOf(t, w.sim.TextMessage(follower, "评估"))
		if !strings.Contains(link, "w=") || !strings.HasPrefix(link, "/s/"+q.Slug+"?") {
			t.Fatalf("reply link %q is not personal", link)
		}
		r := w.do(phone, http.MethodGet, link, "", nil, ua...)
		if r.Code != http.StatusFound || strings.Contains(r.Header.Get("Location"), "w=") || !strings.HasPrefix(r.Header.Get("Location"), "/s/"+q.Slug) {
			t.Fatalf("opening the personal link: %d %q", r.Code, r.Header.Get("Location"))
		}
		if r := w.do(phone, http.MethodGet, r.Header.Get("Location"), "", nil, ua...); r.Code != http.StatusOK || !strings.Contains(r.Body, `id="qform"`) {
			t.Fatalf("page after the link: %d", r.Code)
		}
		body, _ := json.Marshal(submission("personal-0001", fullDemoAnswers()))
		if r := w.do(phone, http.MethodPost, "/s/"+q.Slug, "application/json", strings.NewReader(string(body)), ua...); r.Code != http.StatusCreated {
			t.Fatalf("submit: %d %s", r.Code, r.Body)
		}
		var resp model.Response
		if err := db.Where("questionnaire_id = ?", q.ID).Take(&resp).Error; err != nil || resp.OpenID == nil || *resp.OpenID != follower || resp.Channel != model.ChannelWeChat {
			t.Fatalf("stored response %+v (%v), want the follower's openid", resp, err)
		}

		// The same follower's link forwarded to a second phone: already recorded.
		second := w.newClient()
		r = w.do(second, http.MethodGet, link, "", nil, ua...)
		r = w.do(second, http.MethodGet, r.Header.Get("Location"), "", nil, ua...)
		if r.Code != http.StatusOK || !strings.Contains(r.Body, "已记录") && !strings.Contains(r.Body, "already") {
			t.Fatalf("forwarded link after the answer: %d\n%s", r.Code, r.Body)
		}
		body, _ = json.Marshal(submission("personal-0002", fullDemoAnswers()))
		if r := w.do(second, http.MethodPost, "/s/"+q.Slug, "application/json", strings.NewReader(string(body)), ua...); r.Code != http.StatusConflict {
			t.Fatalf("second phone submit: %d %s", r.Code, r.Body)
		}

		// Tampered and expired links: the ordinary page, with how to get a fresh one.
		third := w.newClient()
		tampered := strings.Replace(link, "w=", "w=x", 1)
		r = w.do(third, http.MethodGet, tampered, "", nil, ua...)
		if r.Code != http.StatusOK || !strings.Contains(r.Body, "此个人链接无效或已过期。请向公众号发送“评估”获取新的链接。") {
			t.Fatalf("tampered link: %d\n%s", r.Code, r.Body)
		}
		other := w.sim.OpenID("subscriber-2")
		fresh := w.personalLinkOf(t, w.sim.ClickEvent(other, "EVALUATE"))
		w.now = w.now.Add(wechat.PersonalLinkTTL + time.Minute)
		r = w.do(third, http.MethodGet, fresh, "", nil, ua...)
		if r.Code != http.StatusOK || !strings.Contains(r.Body, "此个人链接无效或已过期") {
			t.Fatalf("expired link: %d", r.Code)
		}
		if n := w.count(&model.Response{}); n != 1 {
			t.Fatalf("%d responses, want 1", n)
		}
	})
}

// An invite link bound to one WeChat account does not admit another: the
// second phone gets a polite refusal, the participant's own WeChat and a
// plain browser keep working, and the participant answers once whichever
// way they come in.
func TestWeChatInviteBoundToOneAccount(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWeChatAppOfType(t, db, service.AccountSubscription)
		q := w.demo()
		tokens := w.reportRoster(q, "China", "China")
		ua := []string{"User-Agent", wechatUserAgent}
		owner, stranger := w.sim.OpenID("owner"), w.sim.OpenID("stranger")
		enter := func(openid string) *http.Client {
			c := w.newClient()
			link := w.personalLinkOf(t, w.sim.TextMessage(openid, "评估"))
			w.do(c, http.MethodGet, link, "", nil, ua...)
			return c
		}
		ownPhone, otherPhone := enter(owner), enter(stranger)
		// The owner opens the invite first: their openid is bound.
		if r := w.do(ownPhone, http.MethodGet, "/s/"+q.Slug+"?t="+tokens[0], "", nil, ua...); r.Code != http.StatusOK || !strings.Contains(r.Body, `id="qform"`) {
			t.Fatalf("owner: %d", r.Code)
		}
		body, _ := json.Marshal(submission("bound-0001", fullDemoAnswers()))
		if r := w.do(ownPhone, http.MethodPost, "/s/"+q.Slug+"?t="+tokens[0], "application/json", strings.NewReader(string(body)), ua...); r.Code != http.StatusCreated {
			t.Fatalf("owner submit: %d %s", r.Code, r.Body)
		}
		var p model.Participant
		db.Where("invite_token = ?", tokens[0]).Take(&p)
		if p.OpenID == nil || *p.OpenID != owner {
			t.Fatalf("binding %v, want the owner's openid", p.OpenID)
		}
		// The forwarded invite on another WeChat: refused, nothing bound.
		r := w.do(otherPhone, http.MethodGet, "/s/"+q.Slug+"?t="+tokens[0], "", nil, ua...)
		if r.Code != http.StatusForbidden || !strings.Contains(r.Body, "此邀请属于他人") {
			t.Fatalf("stranger with the invite: %d\n%s", r.Code, r.Body)
		}
		body, _ = json.Marshal(submission("bound-0002", fullDemoAnswers()))
		if r := w.do(otherPhone, http.MethodPost, "/s/"+q.Slug+"?t="+tokens[0], "application/json", strings.NewReader(string(body)), ua...); r.Code != http.StatusForbidden || !strings.Contains(r.Body, "invite_bound_elsewhere") {
			t.Fatalf("stranger submit: %d %s", r.Code, r.Body)
		}
		// The participant on a laptop (no WeChat): the same respondent, already answered.
		if r := w.get("/s/" + q.Slug + "?t=" + tokens[0]); r.Code != http.StatusOK || strings.Contains(r.Body, `id="qform"`) {
			t.Fatalf("laptop after answering in WeChat: %d (form shown again)", r.Code)
		}
		if r := w.postJSON("/s/"+q.Slug+"?t="+tokens[0], submission("bound-0003", fullDemoAnswers())); r.Code != http.StatusConflict {
			t.Fatalf("laptop submit: %d %s", r.Code, r.Body)
		}
		db.Where("invite_token = ?", tokens[0]).Take(&p)
		if n := w.count(&model.Response{}); n != 1 || *p.OpenID != owner {
			t.Fatalf("%d responses, binding %s", n, *p.OpenID)
		}
		// Staff see the binding on the roster page and clear it (audited).
		staff := qmConsole(t, w.testApp, model.RoleStaff)
		roster := w.getAs(staff, fmt.Sprintf("/admin/seminars/%d/roster", *q.SeminarID))
		if !strings.Contains(roster.Body, fmt.Sprintf(`data-unbind="%d"`, p.ID)) {
			t.Fatalf("roster page offers no way to clear the binding")
		}
		if r := w.postForm(staff, fmt.Sprintf("/admin/seminars/%d/participants/%d/unbind", *q.SeminarID, p.ID), url.Values{}); r.Code != http.StatusSeeOther {
			t.Fatalf("unbind: %d %s", r.Code, r.Body)
		}
		db.Where("invite_token = ?", tokens[0]).Take(&p)
		if p.OpenID != nil || w.count(&model.AuditEvent{}, "action = ? AND object = ?", "participant.unbind", fmt.Sprintf("participant:%d", p.ID)) != 1 {
			t.Fatalf("after unbind: openid %v, audit missing?", p.OpenID)
		}
		// A second participant who first answered as a follower (no invite),
		// then opens their invite: one response.
		newcomer := enter(w.sim.OpenID("newcomer"))
		body, _ = json.Marshal(submission("bound-0004", fullDemoAnswers()))
		if r := w.do(newcomer, http.MethodPost, "/s/"+q.Slug, "application/json", strings.NewReader(string(body)), ua...); r.Code != http.StatusCreated {
			t.Fatalf("newcomer as follower: %d %s", r.Code, r.Body)
		}
		body, _ = json.Marshal(submission("bound-0005", fullDemoAnswers()))
		if r := w.do(newcomer, http.MethodPost, "/s/"+q.Slug+"?t="+tokens[1], "application/json", strings.NewReader(string(body)), ua...); r.Code != http.StatusConflict {
			t.Fatalf("newcomer again through the invite: %d %s", r.Code, r.Body)
		}
	})
}

// /admin/wechat chooses the kind of account and shows what it can do; the
// choice is audited and takes effect at once (no OAuth redirect after it).
func TestWeChatSettingsChooseTheAccountType(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWeChatApp(t, db)
		q := w.demo()
		admin := qmConsole(t, w.testApp, model.RoleAdmin)
		ua := []string{"User-Agent", wechatUserAgent}
		if r := w.do(w.newClient(), http.MethodGet, "/s/"+q.Slug, "", nil, ua...); r.Code != http.StatusFound {
			t.Fatalf("verified service account: %d, want the OAuth redirect", r.Code)
		}
		page := w.getAs(admin, "/admin/wechat?lang=en")
		if !strings.Contains(page.Body, `<option value="service_verified" selected>`) || !strings.Contains(page.Body, "Participants opening a questionnaire in WeChat are identified silently.") {
			t.Fatalf("settings page lacks the account type and its capabilities")
		}
		sc := w.sim.Config()
		r := w.postForm(admin, "/admin/wechat", url.Values{"enabled": {"on"}, "app_id": {sc.AppID}, "account_type": {"subscription"}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("save: %d %s", r.Code, r.Body)
		}
		page = w.getAs(admin, "/admin/wechat?lang=zh")
		for _, want := range []string{`<option value="subscription" selected>`, "不会跳转到微信授权页", "海报显示公众号本身的二维码和要发送的关键词（评估）。"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("settings page lacks %q", want)
			}
		}
		if n := w.count(&model.AuditEvent{}, "action = ? AND detail LIKE ?", "wechat.settings", "%account_type=subscription%"); n != 1 {
			t.Errorf("%d audit events naming the account type", n)
		}
		w.srv.wechat().ReloadSettings()
		if r := w.do(w.newClient(), http.MethodGet, "/s/"+q.Slug, "", nil, ua...); r.Code != http.StatusOK {
			t.Fatalf("subscription account: %d %s, want the page itself", r.Code, r.Header.Get("Location"))
		}
		if r := w.postForm(admin, "/admin/wechat", url.Values{"enabled": {"on"}, "app_id": {sc.AppID}, "account_type": {"personal"}}); r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("unknown type: %d", r.Code)
		}
	})
}

// Without parametric QR codes the poster shows the account's own QR code
// (uploaded on /admin/wechat) and the keyword; with two questionnaires open
// each has a short code that the keyword reply understands.
func TestWeChatPosterAndKeywordWithoutParametricQR(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWeChatAppOfType(t, db, service.AccountService)
		q := w.demo()
		admin := qmConsole(t, w.testApp, model.RoleAdmin)
		poster := fmt.Sprintf("/admin/questionnaires/%d/poster", q.ID)
		// No image yet: a QR of the link, no platform call.
		if r := w.getAs(admin, poster); r.Code != http.StatusOK || !strings.Contains(r.Body, "用手机扫描二维码") {
			t.Fatalf("poster without an account QR: %d", r.Code)
		}
		if r := w.getAs(admin, fmt.Sprintf("/admin/questionnaires/%d/qr.png", q.ID)); r.Header.Get("X-QR-Kind") != wechat.QRLocal {
			t.Errorf("QR kind %q, want the link's (no parametric QR on this account)", r.Header.Get("X-QR-Kind"))
		}
		png := must(pngOf(t))
		ct, body := multipartUpload(t, nil, "qr.png", png)
		if r := w.do(admin, http.MethodPost, "/admin/wechat/account-qr", ct, strings.NewReader(string(body))); r.Code != http.StatusSeeOther {
			t.Fatalf("upload: %d %s", r.Code, r.Body)
		}
		if r := w.getAs(admin, "/admin/wechat/account-qr"); r.Code != http.StatusOK || r.Header.Get("Content-Type") != "image/png" || r.Body != string(png) {
			t.Fatalf("account QR: %d %s", r.Code, r.Header.Get("Content-Type"))
		}
		r := w.getAs(admin, poster)
		if !strings.Contains(r.Body, `src="/admin/wechat/account-qr"`) || !strings.Contains(r.Body, "发送“评估”") {
			t.Fatalf("poster with the account QR:\n%s", r.Body)
		}
		// A second open questionnaire: the poster names the short code.
		q2 := w.demo(func(d *definition.Definition) { d.Slug = "second-evaluation" })
		code := wechat.ShortCode(&q.Questionnaire)
		if r := w.getAs(admin, poster); !strings.Contains(r.Body, "发送“评估 "+code+"”") {
			t.Fatalf("poster lacks the short code %s", code)
		}
		o := w.sim.OpenID("keyword")
		rep, err := w.sim.Push(context.Background(), w.callbackURL(), w.sim.TextMessage(o, "评估 "+strings.ToLower(code)), sim.ModeAES)
		if err != nil || rep.Message == nil || len(rep.Message.Articles) != 1 || !strings.Contains(rep.Message.Articles[0].URL, "/s/"+q.Slug+"?") {
			t.Fatalf("keyword with code: %+v %v", rep.Message, err)
		}
		rep, err = w.sim.Push(context.Background(), w.callbackURL(), w.sim.TextMessage(o, "评估"), sim.ModeAES)
		if err != nil || rep.Message == nil || rep.Message.MsgType != "text" || !strings.Contains(rep.Message.Content, "(评估 "+code+")") || !strings.Contains(rep.Message.Content, "(评估 "+wechat.ShortCode(&q2.Questionnaire)+")") {
			t.Fatalf("keyword alone with two open: %+v %v", rep.Message, err)
		}
		if w.count(&model.AuditEvent{}, "action = ?", "wechat.account_qr") != 1 {
			t.Error("the upload is not audited")
		}
	})
}

func pngOf(t *testing.T) ([]byte, error) {
	t.Helper()
	return qrcode.Encode("https://example.com/account", qrcode.Medium, 256)
}

// Reminders go by what the account type has: template messages (values
// cut to the platform's 20 characters, no first/remark), customer-service
// messages to those who wrote within 48 hours, or none; a 48001 from the
// platform is said as "this account type cannot send reminders".
func TestWeChatRemindersByAccountType(t *testing.T) {
	// Each case on a database of its own.
	run := func(name string, f func(t *testing.T, db *gorm.DB)) {
		t.Run(name, func(t *testing.T) { modeltest.Each(t, f) })
	}
	{
		bind := func(t *testing.T, db *gorm.DB, w *wechatApp, q *service.Loaded, n int) ([]string, []string) {
			var tokens, openids []string
			for i := range n {
				o := w.sim.OpenID(fmt.Sprintf("%s-%d", q.Slug, i))
				p := model.Participant{SeminarID: *q.SeminarID, Name: fmt.Sprintf("P%d", i), InviteToken: fmt.Sprintf("%s-invite-%d", q.Slug, i), OpenID: &o}
				if err := db.Create(&p).Error; err != nil {
					t.Fatal(err)
				}
				tokens, openids = append(tokens, p.InviteToken), append(openids, o)
			}
			return tokens, openids
		}
		long := func(d *definition.Definition) {
			d.Title = model.Text{"zh": "二〇一八年三亚打击人口贩运区域研讨会评估问卷（第二部分）", "en": "Evaluation"}
		}
		// Each subtest its own questionnaire and seminar (one database).
		own := func(name string) func(*definition.Definition) {
			return func(d *definition.Definition) { d.Slug, d.Seminar.Slug = "remind-"+name, "seminar-"+name }
		}

		run("verified service account: template messages", func(t *testing.T, db *gorm.DB) {
			w := newWeChatApp(t, db)
			q := w.demo(long, own("template"))
			bind(t, db, w, q, 1)
			staff := qmConsole(t, w.testApp, model.RoleStaff)
			if r := w.postForm(staff, fmt.Sprintf("/admin/questionnaires/%d/reminders", q.ID), url.Values{}); r.Code != http.StatusSeeOther {
				t.Fatalf("reminders: %d", r.Code)
			}
			sent := w.sim.SentTemplates()
			if len(sent) != 1 || sent[0].Data["first"].Value != "" || sent[0].Data["remark"].Value != "" || len([]rune(sent[0].Data["keyword1"].Value)) != 20 {
				t.Fatalf("template %+v: want keyword1 cut to 20 characters, no first or remark", sent)
			}
		})

		run("verified subscription account: customer-service messages within 48 h", func(t *testing.T, db *gorm.DB) {
			w := newWeChatAppOfType(t, db, service.AccountSubscriptionVerified)
			q := w.demo(own("custom"))
			tokens, openids := bind(t, db, w, q, 2)
			if _, err := w.sim.Push(context.Background(), w.callbackURL(), w.sim.TextMessage(openids[0], "你好"), sim.ModeAES); err != nil {
				t.Fatal(err)
			}
			staff := qmConsole(t, w.testApp, model.RoleStaff)
			board := w.getAs(staff, fmt.Sprintf("/admin/questionnaires/%d/board?lang=en", q.ID))
			if !strings.Contains(board.Body, `data-reach="custom">customer message until`) || !strings.Contains(board.Body, `<span class="muted">not through WeChat</span>`) ||
				!strings.Contains(board.Body, "Reminders go as customer-service messages") {
				t.Fatalf("board does not say how each can be reached:\n%s", board.Body)
			}
			r := w.postForm(staff, fmt.Sprintf("/admin/questionnaires/%d/reminders", q.ID), url.Values{})
			if r.Code != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "sent=1") || !strings.Contains(r.Header.Get("Location"), "unreachable=1") {
				t.Fatalf("reminders: %d %s", r.Code, r.Header.Get("Location"))
			}
			cs := w.sim.SentCustomMessages()
			if len(cs) != 1 || cs[0].ToUser != openids[0] || !strings.Contains(cs[0].Text, "/s/"+q.Slug+"?t="+tokens[0]) {
				t.Fatalf("customer messages %+v", cs)
			}
			if n := len(w.sim.SentTemplates()); n != 0 {
				t.Fatalf("%d template messages from a subscription account", n)
			}
			// Two days later nobody is in the window.
			w.now = w.now.Add(49 * time.Hour)
			if r := w.getAs(staff, fmt.Sprintf("/admin/questionnaires/%d/board?lang=en", q.ID)); strings.Contains(r.Body, `data-reach="custom"`) {
				t.Error("the 48-hour window is still shown open two days later")
			}
		})

		run("subscription account: no reminders", func(t *testing.T, db *gorm.DB) {
			w := newWeChatAppOfType(t, db, service.AccountSubscription)
			q := w.demo(own("none"))
			bind(t, db, w, q, 1)
			staff := qmConsole(t, w.testApp, model.RoleStaff)
			r := w.postForm(staff, fmt.Sprintf("/admin/questionnaires/%d/reminders?lang=en", q.ID), url.Values{})
			if r.Code != http.StatusConflict || !strings.Contains(r.Body, "This account type cannot send reminders") {
				t.Fatalf("reminders: %d %s", r.Code, r.Body)
			}
		})

		run("a 48001 from the platform", func(t *testing.T, db *gorm.DB) {
			// The console says "verified service account", the platform knows better.
			s, simURL := newSim(t, sim.Config{AppID: "wxtest" + strings.ToLower(rand.Text()[:10]), AccountType: sim.AccountService})
			w := &wechatApp{testApp: newTestApp(t, db, withSim(s, simURL)), sim: s, simURL: simURL}
			q := w.demo(own("refused"))
			bind(t, db, w, q, 1)
			staff := qmConsole(t, w.testApp, model.RoleStaff)
			if r := w.postForm(staff, fmt.Sprintf("/admin/questionnaires/%d/reminders", q.ID), url.Values{}); !strings.Contains(r.Header.Get("Location"), "failed=1") {
				t.Fatalf("reminders: %d %s", r.Code, r.Header.Get("Location"))
			}
			var rec model.Reminder
			db.Where("questionnaire_id = ?", q.ID).Take(&rec)
			if rec.OK || !strings.Contains(rec.Error, "this account type cannot send reminders (48001)") {
				t.Fatalf("reminder row %+v", rec)
			}
			admin := qmConsole(t, w.testApp, model.RoleAdmin)
			if page := w.getAs(admin, "/admin/wechat?lang=en"); !strings.Contains(page.Body, "template refused with errcode 48001.") || !strings.Contains(page.Body, "This account type cannot use this interface (48001)") {
				t.Fatalf("settings page does not show the refusal")
			}
		})
	}
}

// One answer per invitee on an anonymous roster questionnaire, whichever
// way they come in: the invite link in a browser, then the same invite in
// two WeChat accounts — one response (it was three before).
func TestOneAnswerPerInviteeOnAnAnonymousRosterQuestionnaire(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWeChatAppOfType(t, db, service.AccountSubscription)
		q := w.demo(func(d *definition.Definition) { d.Anonymous, d.Access = true, model.AccessRoster })
		tokens := w.reportRoster(q, "China")
		ua := []string{"User-Agent", wechatUserAgent}
		if r := w.postJSON("/s/"+q.Slug+"?t="+tokens[0], submission("anon-invite-1", fullDemoAnswers())); r.Code != http.StatusCreated {
			t.Fatalf("browser: %d %s", r.Code, r.Body)
		}
		for i, name := range []string{"first-wechat", "second-wechat"} {
			phone := w.newClient()
			w.do(phone, http.MethodGet, w.personalLinkOf(t, w.sim.TextMessage(w.sim.OpenID(name), "评估")), "", nil, ua...)
			body, _ := json.Marshal(submission(fmt.Sprintf("anon-invite-%d", i+2), fullDemoAnswers()))
			r := w.do(phone, http.MethodPost, "/s/"+q.Slug+"?t="+tokens[0], "application/json", strings.NewReader(string(body)), ua...)
			if r.Code != http.StatusConflict && r.Code != http.StatusForbidden {
				t.Fatalf("%s with the same invite: %d %s, want a refusal", name, r.Code, r.Body)
			}
		}
		if n := w.count(&model.Response{}); n != 1 {
			t.Fatalf("%d responses for one invitee, want 1", n)
		}
		var r model.Response
		db.Take(&r)
		if r.ParticipantID != nil || r.OpenID != nil {
			t.Errorf("anonymous response linked: participant %v openid %v", r.ParticipantID, r.OpenID)
		}
	})
}
