package handler

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service"
)

func TestConsolePagesUseOnlyKnownStrings(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		a.demo()
		admin := a.signIn(model.RoleAdmin)
		// A key that is not registered shows itself ("roster.title"): no
		// page of the console may show one.
		keyRe := regexp.MustCompile(`>\s*(?:[a-z_]+\.)+[a-z_]+\s*<`)
		for _, lang := range []string{"en", "zh"} {
			for _, path := range []string{"/admin/", "/admin/seminars/1", "/admin/seminars/1/roster", "/admin/seminars/new", "/admin/seminars/1/edit",
				"/admin/users", "/admin/users/1", "/admin/tokens", "/admin/audit", "/admin/account", "/admin/seminars/1/invites"} {
				res := a.consoleGet(admin, path+"?lang="+lang)
				if res.Code != http.StatusOK {
					t.Errorf("%s (%s): %d", path, lang, res.Code)
					continue
				}
				// (The audit log shows action names such as session.login: data.)
				if m := keyRe.FindString(res.Body); m != "" && path != "/admin/audit" {
					t.Errorf("%s (%s) shows an untranslated key %q", path, lang, m)
				}
				wantLang := map[string]string{"en": `<html lang="en">`, "zh": `<html lang="zh-CN">`}[lang]
				if !strings.Contains(res.Body, wantLang) {
					t.Errorf("%s: not rendered in %s", path, lang)
				}
			}
		}
	})
}

func TestConsoleLanguageFromQueryCookieOrBrowser(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		staff := a.signIn(model.RoleStaff)
		if res := a.consoleGet(staff, "/admin/", "Accept-Language", "zh-CN,zh;q=0.9,en;q=0.5"); !strings.Contains(res.Body, "研讨会") || !strings.Contains(res.Body, ">English<") {
			t.Fatalf("Accept-Language zh: page not in Chinese with a link to English")
		}
		if res := a.consoleGet(staff, "/admin/?lang=en", "Accept-Language", "zh-CN"); !strings.Contains(res.Body, "Seminars") || !strings.Contains(res.Body, ">中文<") {
			t.Fatalf("?lang=en not honoured")
		}
		// The choice is remembered in a cookie over the browser's language.
		if res := a.consoleGet(staff, "/admin/tokens", "Accept-Language", "zh-CN"); !strings.Contains(res.Body, "API tokens") {
			t.Fatalf("language cookie not honoured")
		}
		if res := a.consoleGet(staff, "/admin/", "Accept-Language", "de-DE"); res.Code != http.StatusOK {
			t.Fatal(res.Code)
		}
	})
}

func TestSeminarCreateEditListAndValidation(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		staff := a.signIn(model.RoleStaff)
		form := url.Values{
			"slug": {"beijing-2026"}, "title_en": {"Workshop on cross-border cooperation"}, "title_zh": {"跨境合作研讨会"},
			"location_en": {"Beijing"}, "location_zh": {"北京"}, "starts_on": {"2026-03-10"}, "ends_on": {"2026-03-11"}, "timezone": {"Asia/Shanghai"},
			// Fields that are not the form's: ignored.
			"id": {"77"}, "created_at": {"2001-01-01"},
		}
		res := a.postForm(staff.Client, "/admin/seminars", form)
		if res.Code != http.StatusSeeOther {
			t.Fatalf("create: %d %s", res.Code, res.Body)
		}
		var sem model.Seminar
		if err := db.Where("slug = ?", "beijing-2026").Take(&sem).Error; err != nil {
			t.Fatal(err)
		}
		if sem.ID == 77 || sem.CreatedAt.Year() == 2001 || sem.Title["zh"] != "跨境合作研讨会" || sem.Location["en"] != "Beijing" || sem.EndsOn != "2026-03-11" {
			t.Fatalf("stored %+v", sem)
		}
		if res.Header.Get("Location") != "/admin/seminars/"+strconv.FormatUint(sem.ID, 10) {
			t.Fatalf("redirect to %q", res.Header.Get("Location"))
		}
		page := a.consoleGet(staff, res.Header.Get("Location"))
		if !strings.Contains(page.Body, "Workshop on cross-border cooperation") || !strings.Contains(page.Body, "Seminar created") {
			t.Fatalf("seminar page after create lacks title or confirmation")
		}
		// The default retention, and the day it ends, on the seminar page.
		if sem.RetentionDays != nil || !strings.Contains(page.Body, "deleted on 2027-04-16 (400 days after the seminar)") {
			t.Errorf("retention on the seminar page: %v\n%s", sem.RetentionDays, between(page.Body, "<dl", "</dl>"))
		}
		if list := a.consoleGet(staff, "/admin/"); !strings.Contains(list.Body, "Workshop on cross-border cooperation") {
			t.Fatalf("seminar not listed")
		}

		// Bad input: every problem named by its field, nothing stored.
		bad := url.Values{"slug": {"Bad Slug!"}, "title_en": {""}, "starts_on": {"2026-13-01"}, "ends_on": {"2026-01-01"}, "timezone": {"Mars/Olympus"}, "retention_days": {"forever"}}
		res = a.postForm(staff.Client, "/admin/seminars", bad)
		if res.Code != http.StatusUnprocessableEntity {
			t.Fatalf("bad form: %d", res.Code)
		}
		for _, want := range []string{"lower-case letters", "a title in English or Chinese is required", "a date as YYYY-MM-DD", "IANA time zone", "a whole number of days from 1 to 36500"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("bad form page lacks %q", want)
			}
		}
		// Same slug twice: 409 with the field named.
		res = a.postForm(staff.Client, "/admin/seminars", form)
		if res.Code != http.StatusConflict || !strings.Contains(res.Body, "This short name is already used") {
			t.Fatalf("duplicate slug: %d", res.Code)
		}
		if n := a.count(&model.Seminar{}); n != 1 {
			t.Fatalf("seminars = %d", n)
		}

		// Edit, with a retention of its own.
		form.Set("title_en", "Workshop on cooperation (edited)")
		form.Set("retention_days", "90")
		res = a.postForm(staff.Client, "/admin/seminars/"+strconv.FormatUint(sem.ID, 10), form)
		if res.Code != http.StatusSeeOther {
			t.Fatalf("edit: %d %s", res.Code, res.Body)
		}
		db.First(&sem, sem.ID)
		if sem.Title["en"] != "Workshop on cooperation (edited)" || sem.Title["zh"] != "跨境合作研讨会" || sem.RetentionDays == nil || *sem.RetentionDays != 90 {
			t.Fatalf("after edit: %+v, retention %v", sem.Title, sem.RetentionDays)
		}
		if page := a.consoleGet(staff, "/admin/seminars/"+strconv.FormatUint(sem.ID, 10)+"/edit"); !strings.Contains(page.Body, `name="retention_days" min="1" max="36500" inputmode="numeric" value="90"`) {
			t.Errorf("the edit form does not show the retention of 90 days")
		}
		if page := a.consoleGet(staff, "/admin/seminars/"+strconv.FormatUint(sem.ID, 10)); !strings.Contains(page.Body, "deleted on 2026-06-10 (90 days after the seminar)") {
			t.Errorf("retention of 90 days on the seminar page:\n%s", between(page.Body, "<dl", "</dl>"))
		}
		if n := a.count(&model.AuditEvent{}, "action IN ? AND user_name = ?", []string{"seminar.create", "seminar.update"}, staff.Name); n != 2 {
			t.Fatalf("seminar audit events = %d", n)
		}
	})
}

func TestOrganiserSeesOnlyAssignedSeminars(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		ctx := context.Background()
		q := a.demo()
		other, _ := a.srv.seminars.Create(ctx, service.SeminarInput{Slug: "other-seminar", Title: model.Text{"en": "Another seminar"}})
		staff := a.signIn(model.RoleStaff)
		org := a.signIn(model.RoleOrganiser)

		if res := a.consoleGet(org, "/admin/"); strings.Contains(res.Body, q.Seminar.Title.In("en")) || !strings.Contains(res.Body, "No seminar has been assigned") {
			t.Fatalf("unassigned organiser sees a seminar")
		}
		if res := a.consoleGet(org, "/admin/seminars/"+strconv.FormatUint(*q.SeminarID, 10)); res.Code != http.StatusForbidden {
			t.Fatalf("unassigned seminar page: %d", res.Code)
		}
		// Staff assign the organiser; a non-organiser cannot be assigned.
		res := a.postForm(staff.Client, "/admin/seminars/"+strconv.FormatUint(*q.SeminarID, 10)+"/organisers", url.Values{"organiser": {strconv.FormatUint(org.ID, 10)}})
		if res.Code != http.StatusSeeOther {
			t.Fatalf("assign: %d %s", res.Code, res.Body)
		}
		res = a.postForm(staff.Client, "/admin/seminars/"+strconv.FormatUint(other.ID, 10)+"/organisers", url.Values{"organiser": {strconv.FormatUint(staff.ID, 10)}})
		if res.Code != http.StatusUnprocessableEntity {
			t.Fatalf("assign a staff user as organiser: %d", res.Code)
		}
		if n := a.count(&model.SeminarOrganiser{}); n != 1 {
			t.Fatalf("organiser rows = %d", n)
		}
		home := a.consoleGet(org, "/admin/")
		if !strings.Contains(home.Body, q.Seminar.Title.In("en")) || strings.Contains(home.Body, "Another seminar") {
			t.Fatalf("organiser home: wrong seminars")
		}
		if strings.Contains(home.Body, "/roster") || strings.Contains(home.Body, "New seminar") {
			t.Fatalf("organiser home offers staff actions")
		}
		if res := a.consoleGet(org, "/admin/seminars/"+strconv.FormatUint(*q.SeminarID, 10)); res.Code != http.StatusOK || !strings.Contains(res.Body, q.Def.Title.In("en")) {
			t.Fatalf("assigned seminar page: %d", res.Code)
		}
		if res := a.consoleGet(org, "/admin/seminars/"+strconv.FormatUint(other.ID, 10)); res.Code != http.StatusForbidden {
			t.Fatalf("other seminar page: %d", res.Code)
		}
		// The nav shows what the role may use.
		for _, hidden := range []string{`href="/admin/users"`, `href="/admin/audit"`, `href="/admin/wechat"`, `href="/admin/questionnaires"`} {
			if strings.Contains(home.Body, hidden) {
				t.Errorf("organiser nav shows %s", hidden)
			}
		}
	})
}

func TestUserManagementByAdmin(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		admin := a.signIn(model.RoleAdmin)
		// Add without a password: one is generated and shown once.
		res := a.postForm(admin.Client, "/admin/users", url.Values{"name": {"ma.li"}, "role": {"organiser"}})
		if res.Code != http.StatusCreated {
			t.Fatalf("add user: %d %s", res.Code, res.Body)
		}
		m := regexp.MustCompile(`id="new-password">([^<]+)<`).FindStringSubmatch(res.Body)
		if m == nil {
			t.Fatal("generated password not shown")
		}
		if list := a.consoleGet(admin, "/admin/users"); strings.Contains(list.Body, m[1]) {
			t.Fatal("the password is shown again")
		}
		c := a.newClient()
		if res := a.consoleLogin(c, "ma.li", m[1]); res.Code != http.StatusSeeOther {
			t.Fatalf("login with the generated password: %d", res.Code)
		}
		var u model.User
		db.Where("name = ?", "ma.li").Take(&u)
		if u.Role != model.RoleOrganiser || u.PasswordHash == m[1] {
			t.Fatalf("stored %+v", u)
		}
		// Bad input.
		for _, f := range []url.Values{{"name": {"ma.li"}, "role": {"staff"}}, {"name": {"x"}, "role": {"staff"}}, {"name": {"ok.name"}, "role": {"root"}}, {"name": {"ok.name"}, "role": {"staff"}, "password": {"short"}}} {
			if res := a.postForm(admin.Client, "/admin/users", f); res.Code != http.StatusConflict && res.Code != http.StatusUnprocessableEntity {
				t.Errorf("%v: %d", f, res.Code)
			}
		}
		// Change role and disable: the user's session ends.
		id := strconv.FormatUint(u.ID, 10)
		if res := a.postForm(admin.Client, "/admin/users/"+id, url.Values{"role": {"staff"}, "disabled": {"1"}}); res.Code != http.StatusSeeOther {
			t.Fatalf("update: %d %s", res.Code, res.Body)
		}
		db.First(&u, u.ID)
		if u.Role != model.RoleStaff || !u.Disabled {
			t.Fatalf("after update: %+v", u)
		}
		if res := a.do(c, http.MethodGet, "/admin/", "", nil); res.Code != http.StatusFound {
			t.Fatalf("disabled user's session still works: %d", res.Code)
		}
		// Reset: a new password shown once; the old one stops working.
		a.postForm(admin.Client, "/admin/users/"+id, url.Values{"role": {"staff"}})
		res = a.postForm(admin.Client, "/admin/users/"+id+"/password", nil)
		m2 := regexp.MustCompile(`id="new-password">([^<]+)<`).FindStringSubmatch(res.Body)
		if res.Code != http.StatusOK || m2 == nil || m2[1] == m[1] {
			t.Fatalf("reset: %d", res.Code)
		}
		if res := a.consoleLogin(a.newClient(), "ma.li", m[1]); res.Code != http.StatusUnauthorized {
			t.Fatalf("old password after reset: %d", res.Code)
		}
		if res := a.consoleLogin(a.newClient(), "ma.li", m2[1]); res.Code != http.StatusSeeOther {
			t.Fatalf("new password: %d", res.Code)
		}
		// The last admin cannot lock everyone out: a conflict, as in domainErrors.
		res = a.postForm(admin.Client, "/admin/users/"+strconv.FormatUint(admin.ID, 10), url.Values{"role": {"admin"}, "disabled": {"1"}})
		if res.Code != http.StatusConflict || !strings.Contains(res.Body, "last active admin") {
			t.Fatalf("disable the last admin: %d", res.Code)
		}
		// Everything is in the audit log, which admins read.
		audit := a.consoleGet(admin, "/admin/audit")
		for _, want := range []string{"user.create", "user.role", "user.disable", "user.password_reset", "user:ma.li"} {
			if !strings.Contains(audit.Body, want) {
				t.Errorf("audit page lacks %s", want)
			}
		}
	})
}

// TestFieldsARoleMayNotSetCannotBeSet posts fields where they do not belong:
// role and disabled by staff (through every form they can reach), and by
// anyone through the account form; ids and timestamps through the user form.
func TestFieldsARoleMayNotSetCannotBeSet(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		a.demo()
		admin := a.signIn(model.RoleAdmin)
		staff := a.signIn(model.RoleStaff)
		org := a.signIn(model.RoleOrganiser)
		forged := url.Values{"role": {"admin"}, "disabled": {"0"}, "id": {"1"}, "user_id": {strconv.FormatUint(admin.ID, 10)},
			"password_hash": {"$2a$04$forgedforgedforgedforgedforgedforgedforgedforgedforged"}, "created_at": {"2000-01-01"}}

		// Staff and organisers cannot reach the user forms at all.
		for _, u := range []consoleUser{staff, org} {
			for _, path := range []string{"/admin/users", "/admin/users/" + strconv.FormatUint(u.ID, 10), "/admin/users/" + strconv.FormatUint(admin.ID, 10)} {
				if res := a.postForm(u.Client, path, forged); res.Code != http.StatusForbidden {
					t.Errorf("%s POST %s: %d", u.Role, path, res.Code)
				}
			}
			// The account form changes the password and nothing else.
			f := url.Values{"current": {u.Password}, "password": {"a new long password"}, "confirm": {"a new long password"}}
			for k, v := range forged {
				f[k] = v
			}
			if res := a.postForm(u.Client, "/admin/account/password", f); res.Code != http.StatusSeeOther {
				t.Fatalf("%s account password: %d %s", u.Role, res.Code, res.Body)
			}
			var after model.User
			db.First(&after, u.ID)
			if after.Role != u.Role || after.CreatedAt.Year() == 2000 || strings.HasPrefix(after.PasswordHash, "$2a$04$forged") {
				t.Errorf("%s changed a field through the account form: %+v", u.Role, after)
			}
			// The same session keeps working after one's own change.
			if res := a.consoleGet(u, "/admin/account"); res.Code != http.StatusOK {
				t.Errorf("%s session after own password change: %d", u.Role, res.Code)
			}
			// A token made through the console belongs to its maker.
			tf := url.Values{"name": {"mine"}, "user_id": {strconv.FormatUint(admin.ID, 10)}}
			if res := a.postForm(u.Client, "/admin/tokens", tf); res.Code != http.StatusCreated {
				t.Fatalf("token: %d", res.Code)
			}
			var tok model.APIToken
			db.Where("name = ? AND user_id = ?", "mine", u.ID).Take(&tok)
			if tok.ID == 0 {
				t.Errorf("%s: the token was not made for its maker", u.Role)
			}
		}
		// An admin's new user gets only name, role and password.
		res := a.postForm(admin.Client, "/admin/users", url.Values{"name": {"new.one"}, "role": {"staff"}, "password": {"new one's password"},
			"disabled": {"1"}, "id": {"999"}, "created_at": {"2000-01-01"}, "password_hash": {"x"}})
		if res.Code != http.StatusCreated {
			t.Fatalf("create: %d", res.Code)
		}
		var nu model.User
		db.Where("name = ?", "new.one").Take(&nu)
		if nu.Disabled || nu.ID == 999 || nu.CreatedAt.Year() == 2000 || nu.PasswordHash == "x" {
			t.Fatalf("mass assignment through the user form: %+v", nu)
		}
	})
}
