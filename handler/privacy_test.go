package handler

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service"
	"seminareval/service/definition"
)

// The participant page carries a privacy notice in the page's language —
// who collects, what for, how long, whom to ask — built from the seminar,
// its retention and privacy.contact, worded for anonymous and named
// questionnaires; a questionnaire's own `privacy` text replaces it.
// It is HTML (a <details>), so it works without JavaScript.
func TestPrivacyNoticeOnTheParticipantPage(t *testing.T) {
	db := modeltest.Open(t, modeltest.Targets(t)[0])
	a := newTestApp(t, db, func(c *service.Config) { c.Privacy.Contact = "privacy@iom.example" })
	q := a.demo()
	today := a.now
	a.now = time.Date(2018, 1, 17, 8, 0, 0, 0, time.UTC) // the closing session
	en := a.get("/s/" + q.Slug + "?lang=en")
	notice := between(en.Body, `<details class="privacy" id="privacy">`, "</details>")
	for _, want := range []string{"Privacy: who sees your answers", "The organisers of “Seminar for facilitating network building",
		"collect these answers to evaluate the event", "This questionnaire is not anonymous",
		"deleted on 2019-02-22 (400 days after the event)", "contact privacy@iom.example."} {
		if en.Code != http.StatusOK || !strings.Contains(notice, want) {
			t.Errorf("English notice lacks %q:\n%s", want, notice)
		}
	}
	zh := a.get("/s/" + q.Slug + "?lang=zh")
	notice = between(zh.Body, `<details class="privacy" id="privacy">`, "</details>")
	for _, want := range []string{"隐私说明", "主办方收集这些答复", "本问卷不是匿名问卷", "将于 2019-02-22（活动结束后 400 天）删除", "请联系：privacy@iom.example。"} {
		if !strings.Contains(notice, want) {
			t.Errorf("Chinese notice lacks %q:\n%s", want, notice)
		}
	}

	// Once the day has passed, the notice says it was done.
	a.now = today
	if page := a.get("/s/" + q.Slug + "?lang=en"); !strings.Contains(page.Body, "deleted 400 days after the event (done on 2019-02-22)") {
		t.Errorf("the notice after the purge day:\n%s", between(page.Body, `<details class="privacy" id="privacy">`, "</details>"))
	}
	a.now = time.Date(2018, 1, 17, 8, 0, 0, 0, time.UTC)

	// A seminar's own retention changes the date.
	ninety := 90
	db.Model(&model.Seminar{}).Where("id = ?", *q.SeminarID).Update("retention_days", ninety)
	anon := a.importDefinition("definitions/sanya-2018-evaluation.yaml", func(d *definition.Definition) {
		d.Slug, d.Anonymous = "sanya-anonymous", true
	})
	page := a.get("/s/" + anon.Slug + "?lang=en")
	notice = between(page.Body, `<details class="privacy" id="privacy">`, "</details>")
	if !strings.Contains(notice, "This questionnaire is anonymous: your answers are stored without your name or WeChat account") ||
		!strings.Contains(notice, "deleted on 2018-04-18 (90 days after the event)") {
		t.Errorf("anonymous notice:\n%s", notice)
	}

	own := a.importDefinition("definitions/sanya-2018-evaluation.yaml", func(d *definition.Definition) {
		d.Slug = "sanya-own-notice"
		d.Privacy = model.Text{"en": "IOM collects these answers.\n\nWrite to dpo@iom.example.", "zh": "国际移民组织收集这些答复。"}
	})
	page = a.get("/s/" + own.Slug + "?lang=en")
	notice = between(page.Body, `<details class="privacy" id="privacy">`, "</details>")
	if !strings.Contains(notice, "<p>IOM collects these answers.</p><p>Write to dpo@iom.example.</p>") || strings.Contains(notice, "organisers") {
		t.Errorf("the questionnaire's own notice:\n%s", notice)
	}
	// It round-trips through the API's definition.
	staff := a.signIn(model.RoleStaff)
	if def := a.consoleGet(staff, "/admin/questionnaires/"+itoa(own.ID)); !strings.Contains(def.Body, `name="privacy.en" rows="2">IOM collects these answers.`) {
		t.Errorf("the editor does not show the questionnaire's notice: %d %s", def.Code, between(def.Body, "privacy", "</label>"))
	}
}
