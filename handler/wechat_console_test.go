package handler

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service"
	"seminareval/service/definition"
)

func (a *testApp) getAs(c *http.Client, path string) response {
	a.t.Helper()
	return a.do(c, http.MethodGet, path, "", nil)
}

func TestWeChatSettingsPageNeverShowsSecrets(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWeChatApp(t, db, func(c *service.Config) { c.WeChat.EncodingAESKey = "" })
		sc := w.sim.Config()
		admin := qmConsole(t, w.testApp, model.RoleAdmin)

		page := w.getAs(admin, "/admin/wechat")
		if page.Code != http.StatusOK {
			t.Fatalf("settings page: %d", page.Code)
		}
		for _, want := range []string{w.ts.URL + "/wechat/callback", sc.AppID, `data-secret="app_secret">set`, `data-secret="token">set`, `data-secret="encoding_aes_key">not set`, "has not verified"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("settings page lacks %q", want)
			}
		}
		for _, secret := range []string{sc.AppSecret, sc.Token} {
			if strings.Contains(page.Body, secret) {
				t.Errorf("settings page shows the secret %q", secret)
			}
		}

		// Replace the token and set the AES key; the secret stays (blank).
		r := w.postForm(admin, "/admin/wechat", url.Values{"enabled": {"on"}, "app_id": {sc.AppID}, "app_secret": {""},
			"token": {"newtoken123"}, "encoding_aes_key": {sc.EncodingAESKey}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("save: %d %s", r.Code, r.Body)
		}
		page = w.getAs(admin, "/admin/wechat")
		if strings.Contains(page.Body, "newtoken123") || strings.Contains(page.Body, sc.EncodingAESKey) || !strings.Contains(page.Body, `data-secret="encoding_aes_key">set`) {
			t.Errorf("after saving, the page shows a secret or misses that the AES key is set")
		}
		if got := setting(t, db, service.SettingWeChatToken); got != "newtoken123" {
			t.Errorf("stored token %q", got)
		}
		if got := setting(t, db, service.SettingWeChatSecret); got != "" {
			t.Errorf("a blank secret field stored %q, want the secret kept as it was", got)
		}
		var audit model.AuditEvent
		if err := db.Where("action = ?", "wechat.settings").Take(&audit).Error; err != nil || strings.Contains(audit.Detail, "newtoken123") {
			t.Errorf("audit %+v %v: want a record without the secret", audit, err)
		}

		// The platform still signs with its own token: its verification
		// fails now, and the page says so.
		if _, err := w.sim.Verify(context.Background(), w.callbackURL()); err == nil {
			t.Fatal("verification with a different token succeeded")
		}
		if page = w.getAs(admin, "/admin/wechat"); !strings.Contains(page.Body, "Failed on") {
			t.Errorf("page does not report the failed verification")
		}
		// Back to the platform's token: verification succeeds.
		w.postForm(admin, "/admin/wechat", url.Values{"enabled": {"on"}, "app_id": {sc.AppID}, "token": {sc.Token}, "clear_encoding_aes_key": {"on"}})
		if _, err := w.sim.Verify(context.Background(), w.callbackURL()); err != nil {
			t.Fatalf("verification after restoring the token: %v", err)
		}
		page = w.getAs(admin, "/admin/wechat")
		if !strings.Contains(page.Body, "Succeeded on") || !strings.Contains(page.Body, `data-secret="encoding_aes_key">not set`) {
			t.Errorf("page after a good verification and clearing the AES key:\n%s", between(page.Body, `id="verification"`, "</p>"))
		}

		// Bad values name the field and store nothing.
		r = w.postForm(admin, "/admin/wechat", url.Values{"enabled": {"on"}, "app_id": {sc.AppID}, "token": {"a b"}, "encoding_aes_key": {"short"}})
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "3 to 32 letters or digits") || !strings.Contains(r.Body, "43 characters") {
			t.Fatalf("bad values: %d", r.Code)
		}
		// The same refusal on a Chinese console names them in Chinese.
		r = w.postForm(admin, "/admin/wechat?lang=zh", url.Values{"enabled": {"on"}, "app_id": {"a b"}, "token": {"a b"}})
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "3 到 32 个字母或数字") || !strings.Contains(r.Body, "与 mp.weixin.qq.com 上显示的一致") || strings.Contains(r.Body, "letters or digits") {
			t.Fatalf("bad values on a Chinese console: %d\n%s", r.Code, between(r.Body, "<form", "</form>"))
		}
		w.getAs(admin, "/admin/wechat?lang=en")
		if got := setting(t, db, service.SettingWeChatToken); got != sc.Token {
			t.Errorf("a refused change stored token %q", got)
		}

		// Only admins.
		staff := qmConsole(t, w.testApp, model.RoleStaff)
		if r := w.getAs(staff, "/admin/wechat"); r.Code != http.StatusForbidden {
			t.Errorf("staff on /admin/wechat: %d, want 403", r.Code)
		}
		if r := w.postForm(staff, "/admin/wechat", url.Values{"enabled": {""}}); r.Code != http.StatusForbidden {
			t.Errorf("staff posting /admin/wechat: %d, want 403", r.Code)
		}
	})
}

// setting reads a settings row as the service does: a sealed value is
// opened with the test apps' key (and must be sealed when it is a secret).
func setting(t *testing.T, db *gorm.DB, key string) string {
	t.Helper()
	var s model.Setting
	if err := db.Where("`key` = ?", key).Find(&s).Error; err != nil {
		t.Fatal(err)
	}
	secret := key == service.SettingWeChatSecret || key == service.SettingWeChatToken || key == service.SettingWeChatAESKey
	if s.Value == "" || !secret {
		return s.Value
	}
	if !strings.HasPrefix(s.Value, "sealed:v1:") {
		t.Errorf("setting %s is stored in clear: %q", key, s.Value)
		return s.Value
	}
	sealer, err := service.NewSealer(service.ServerConfig{SecretsKey: testSecretsKey})
	if err != nil {
		t.Fatal(err)
	}
	v, err := sealer.Open(key, s.Value)
	if err != nil {
		t.Fatalf("setting %s: %v", key, err)
	}
	return v
}

func TestWeChatBoardPosterQRAndReminders(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWeChatApp(t, db)
		q := w.demo()
		ctx := context.Background()
		tokens := w.reportRoster(q, "China", "China", "Europe", "Europe")
		openids := []string{w.sim.OpenID("p0"), w.sim.OpenID("p1"), w.sim.OpenID("p2")}
		for i, o := range openids { // P3 has no WeChat
			if err := db.Model(&model.Participant{}).Where("invite_token = ?", tokens[i]).Update("openid", o).Error; err != nil {
				t.Fatal(err)
			}
		}
		// P0 answered in WeChat.
		if _, err := w.srv.responses.Submit(ctx, q, service.Respondent{OpenID: openids[0]}, service.Submission{SubmissionID: "board-0001", Lang: "zh", Answers: decodedDemoAnswers(t)}); err != nil {
			t.Fatal(err)
		}
		w.sim.FailTemplateFor(openids[2], 43004)
		staff := qmConsole(t, w.testApp, model.RoleStaff)
		base := "/admin/questionnaires/" + itoa(q.ID)

		board := w.getAs(staff, base+"/board")
		if board.Code != http.StatusOK || !strings.Contains(board.Body, "Send reminders (2)") {
			t.Fatalf("board: %d, want two pending reminders\n%s", board.Code, board.Body)
		}
		if strings.Contains(board.Body, "wechat.") {
			t.Errorf("board shows an untranslated key: %s", board.Body[strings.Index(board.Body, "wechat."):][:40])
		}
		if n := strings.Count(board.Body, `data-answered="true"`); n != 1 {
			t.Errorf("board marks %d participants answered, want 1", n)
		}

		r := w.postForm(staff, base+"/reminders", url.Values{})
		if r.Code != http.StatusSeeOther || r.Header.Get("Location") != base+"/board?failed=1&sent=1&unreachable=0" {
			t.Fatalf("reminders: %d %s", r.Code, r.Header.Get("Location"))
		}
		sent := w.sim.SentTemplates()
		if len(sent) != 1 || sent[0].ToUser != openids[1] || sent[0].URL != w.ts.URL+"/s/"+q.Slug+"?t="+tokens[1] || sent[0].TemplateID != "tpl_reminder" {
			t.Fatalf("templates sent: %+v, want one to P1 with their invite link", sent)
		}
		var recs []model.Reminder
		db.Where("questionnaire_id = ?", q.ID).Order("id").Find(&recs)
		if len(recs) != 2 || !recs[0].OK || recs[0].MsgID == "" || recs[1].OK || !strings.Contains(recs[1].Error, "43004") || recs[0].SentBy != "console-staff" {
			t.Fatalf("reminder rows %+v, want one delivered and one failure with its errcode", recs)
		}
		board = w.getAs(staff, base+"/board?sent=1&failed=1")
		if !strings.Contains(board.Body, "43004") || !strings.Contains(board.Body, "Reminders sent: 1, failed: 1.") {
			t.Errorf("board does not show the failure and the result")
		}
		// A second click within the hour: the delivered reminder is not sent
		// or recorded again; the failed one is retried (and fails again).
		r = w.postForm(staff, base+"/reminders", url.Values{})
		if r.Code != http.StatusSeeOther || r.Header.Get("Location") != base+"/board?failed=1&sent=0&unreachable=0" {
			t.Fatalf("second reminders click: %d %s", r.Code, r.Header.Get("Location"))
		}
		if n := len(w.sim.SentTemplates()); n != 1 {
			t.Fatalf("templates delivered after a second click = %d, want still 1", n)
		}
		var after []model.Reminder
		db.Where("questionnaire_id = ?", q.ID).Order("id").Find(&after)
		if len(after) != 3 || !after[0].OK || after[1].OK || after[2].OK || !strings.Contains(after[2].Error, "43004") {
			t.Fatalf("reminder rows after a second click %+v, want the delivery once and both failures", after)
		}
		db.Where("questionnaire_id = ?", q.ID).Delete(&model.Reminder{ID: after[2].ID}) // keep the later counts as they were

		// Poster, its live count and the QR code.
		poster := w.getAs(staff, base+"/poster")
		if poster.Code != http.StatusOK || !strings.Contains(poster.Body, q.Def.Title.In("zh")) || !strings.Contains(poster.Body, q.Def.Title.In("en")) ||
			!strings.Contains(poster.Body, "扫一扫") || !strings.Contains(poster.Body, `<span id="count">1</span>`) {
			t.Fatalf("poster: %d\n%s", poster.Code, poster.Body)
		}
		count := w.getAs(staff, base+"/poster.json")
		var cj map[string]int
		if err := json.Unmarshal([]byte(count.Body), &cj); err != nil || cj["respondents"] != 1 || cj["invited"] != 4 {
			t.Fatalf("poster.json: %s", count.Body)
		}
		for range 2 {
			qr := w.getAs(staff, base+"/qr.png")
			if qr.Code != http.StatusOK || qr.Header.Get("X-QR-Kind") != "wechat" || !bytes.HasPrefix([]byte(qr.Body), []byte("\x89PNG")) {
				t.Fatalf("qr.png: %d kind %q", qr.Code, qr.Header.Get("X-QR-Kind"))
			}
		}
		st := w.sim.Stats()
		if st.QRCreates != 1 || st.QRShows != 2 || st.QRShowMisses != 0 {
			t.Errorf("QR stats %+v: want one permanent code created, shown twice with an escaped ticket", st)
		}
		if qr, ok := w.sim.QRCodeForScene("q_" + q.Slug); !ok || qr.ActionName != "QR_LIMIT_STR_SCENE" {
			t.Errorf("QR code %+v, want a permanent string scene q_<slug>", qr)
		}

		// Organisers: their own seminar only, and no reminders.
		org := qmConsole(t, w.testApp, model.RoleOrganiser)
		if r := w.getAs(org, base+"/board"); r.Code != http.StatusForbidden {
			t.Errorf("organiser of another seminar on the board: %d, want 403", r.Code)
		}
		var u model.User
		db.Where("name = ?", "console-organiser").Take(&u)
		db.Create(&model.SeminarOrganiser{UserID: u.ID, SeminarID: *q.SeminarID})
		if r := w.getAs(org, base+"/board"); r.Code != http.StatusOK || strings.Contains(r.Body, "Send reminders") {
			t.Errorf("organiser of the seminar on the board: %d (reminder button shown: %v)", r.Code, strings.Contains(r.Body, "Send reminders"))
		}
		if r := w.getAs(org, base+"/poster"); r.Code != http.StatusOK {
			t.Errorf("organiser of the seminar on the poster: %d", r.Code)
		}
		if r := w.postForm(org, base+"/reminders", url.Values{}); r.Code != http.StatusForbidden {
			t.Errorf("organiser sending reminders: %d, want 403", r.Code)
		}
		if n := w.count(&model.Reminder{}); n != 2 {
			t.Errorf("reminder rows = %d, want still 2", n)
		}
	})
}

func TestWeChatBoardOfAnonymousQuestionnaireShowsOnlyCounts(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	w := newWeChatApp(t, db)
	q := w.demo(func(d *definition.Definition) { d.Anonymous = true })
	tokens := w.reportRoster(q, "China", "Europe")
	if _, err := w.srv.responses.Submit(context.Background(), q, service.Respondent{InviteToken: tokens[0]}, service.Submission{SubmissionID: "anon-0001", Lang: "zh", Answers: decodedDemoAnswers(t)}); err != nil {
		t.Fatal(err)
	}
	staff := qmConsole(t, w.testApp, model.RoleStaff)
	board := w.getAs(staff, "/admin/questionnaires/"+itoa(q.ID)+"/board")
	if board.Code != http.StatusOK || !strings.Contains(board.Body, "anonymous") || strings.Contains(board.Body, `id="roster"`) || strings.Contains(board.Body, "P0") {
		t.Fatalf("anonymous board: %d, want counts per group and no names\n%s", board.Code, board.Body)
	}
	// Two groups of one: shown together, and their answers not counted
	// (fewer than 5): the one expert from Europe is not seen answering.
	if groups := between(board.Body, `id="groups"`, "</table>"); strings.Contains(groups, "China") || strings.Contains(groups, "Europe") ||
		!strings.Contains(groups, `<td class="num">2</td><td class="num"><span title=`) {
		t.Errorf("group counts: %s", groups)
	}
	// Five in China, one in Europe: China's count beside the total would
	// tell Europe's, so China joins Europe among the other groups.
	w.reportRosterFrom(q, 2, "China", "China", "China", "China")
	board = w.getAs(staff, "/admin/questionnaires/"+itoa(q.ID)+"/board")
	if groups := between(board.Body, `id="groups"`, "</table>"); strings.Contains(groups, "China") || strings.Contains(groups, "Europe") ||
		!strings.Contains(groups, `<td class="num">6</td><td class="num">1</td>`) {
		t.Errorf("group counts with five in China and one in Europe: %s", groups)
	}
	// Five in each: both are shown.
	w.reportRosterFrom(q, 6, "Europe", "Europe", "Europe", "Europe")
	board = w.getAs(staff, "/admin/questionnaires/"+itoa(q.ID)+"/board")
	if groups := between(board.Body, `id="groups"`, "</table>"); !strings.Contains(groups, `<td>China</td><td class="num">5</td><td class="num">1</td>`) ||
		!strings.Contains(groups, `<td>Europe</td><td class="num">5</td><td class="num">0</td>`) {
		t.Errorf("group counts with five in China and five in Europe: %s", groups)
	}
}

func TestQRIsTheLinkWhenWeChatIsOff(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db)
	q := a.demo()
	staff := qmConsole(t, a, model.RoleStaff)
	qr := a.getAs(staff, "/admin/questionnaires/"+itoa(q.ID)+"/qr.png")
	if qr.Code != http.StatusOK || qr.Header.Get("X-QR-Kind") != "local" || !bytes.HasPrefix([]byte(qr.Body), []byte("\x89PNG")) {
		t.Fatalf("qr.png with WeChat off: %d kind %q", qr.Code, qr.Header.Get("X-QR-Kind"))
	}
	poster := a.getAs(staff, "/admin/questionnaires/"+itoa(q.ID)+"/poster")
	if !strings.Contains(poster.Body, "用手机扫描二维码") || !strings.Contains(poster.Body, a.ts.URL+"/s/"+q.Slug) {
		t.Errorf("poster with WeChat off does not tell people to scan the link")
	}
	// And the page works in WeChat's browser without any redirect.
	r := a.get("/s/"+q.Slug, "User-Agent", wechatUserAgent)
	if r.Code != http.StatusOK {
		t.Fatalf("participant page in WeChat with WeChat off: %d", r.Code)
	}
}

func itoa(id uint64) string { return strconv.FormatUint(id, 10) }

// decodedDemoAnswers are the demo answers as a JSON body decodes them.
func decodedDemoAnswers(t *testing.T) map[string]any {
	var m map[string]any
	if err := json.Unmarshal([]byte(mustJSON(fullDemoAnswers())), &m); err != nil {
		t.Fatal(err)
	}
	return m
}
