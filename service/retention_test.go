package service_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service"
	"seminareval/service/report"
	"seminareval/service/servicetest"
)

// Retention: RetentionDays after the seminar ends its contact fields,
// openids and invite tokens go, once, audited; names and groups stay, the
// responses stay and so do the report's figures. WeChat push records and
// followers' hours go after their windows, whatever the seminar.
func TestRetentionPurgesPersonalDataOnceAfterTheSeminar(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		f := servicetest.NewDemo(t, db)
		for i, p := range f.Participants[:3] {
			openid := "oPurge" + string(rune('A'+i))
			db.Model(&model.Participant{}).Where("id = ?", p.ID).UpdateColumns(map[string]any{"email": "p@example.org", "phone": "+86 138 0000 0000", "openid": openid})
		}
		f.Fill(t)
		var withOpenID model.Response
		db.Where("questionnaire_id = ?", f.L.ID).Order("id").First(&withOpenID)
		db.Model(&model.Response{}).Where("id = ?", withOpenID.ID).UpdateColumn("openid", "oPurgeA")
		before, err := report.NewReports(f.DB, f.Questionnaires, f.Clock).Summary(ctx, f.L.ID, report.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		sem := *f.L.Seminar
		thirty := 30
		db.Model(&model.Seminar{}).Where("id = ?", sem.ID).UpdateColumn("retention_days", thirty)
		sem.RetentionDays = &thirty
		if on := service.PurgeOn(&sem, 400); on != "2018-02-17" {
			t.Fatalf("purge day %q, want 30 days after 2018-01-17", on)
		}

		now := time.Date(2018, 2, 16, 15, 0, 0, 0, time.UTC) // 23:00 in Shanghai, the 30th day
		db.Create(&model.WeChatEvent{DedupeKey: "ev:old", Event: "SCAN", ReceivedAt: now.Add(-service.EventDedupeWindow - time.Second)})
		db.Create(&model.WeChatEvent{DedupeKey: "ev:new", Event: "SCAN", ReceivedAt: now.Add(-time.Minute)})
		db.Create(&model.WeChatFollower{OpenID: "oOld", WroteHour: now.Add(-49 * time.Hour).Truncate(time.Hour)})
		db.Create(&model.WeChatFollower{OpenID: "oNew", WroteHour: now.Add(-2 * time.Hour).Truncate(time.Hour)})
		db.Create(&model.LoginFailure{Key: "ip:198.51.100.7", At: now.Add(-service.FailureWindow - time.Minute)})
		db.Create(&model.LoginFailure{Key: "ip:198.51.100.8", At: now.Add(-time.Minute)})
		j := service.NewJanitor(db, service.NewAudit(db, func() time.Time { return now }), 400, func() time.Time { return now })
		p, err := j.RunOnce(ctx)
		if err != nil || len(p.Seminars) != 0 || p.Events != 1 || p.Followers != 1 {
			t.Fatalf("the day before: %+v %v, want only the old push and follower", p, err)
		}
		var left []string
		db.Model(&model.WeChatEvent{}).Pluck("dedupe_key", &left)
		if len(left) != 1 || left[0] != "ev:new" {
			t.Fatalf("push records left %v", left)
		}
		var addrs []string
		db.Model(&model.LoginFailure{}).Pluck("`key`", &addrs)
		if len(addrs) != 1 || addrs[0] != "ip:198.51.100.8" {
			t.Fatalf("login failures left %v, want only the one in the window", addrs)
		}
		var still model.Participant
		db.First(&still, f.Participants[0].ID)
		if still.Email == "" || still.OpenID == nil {
			t.Fatal("purged a day early")
		}

		now = now.Add(2 * time.Hour) // the 17th in Shanghai
		p, err = j.RunOnce(ctx)
		if err != nil || len(p.Seminars) != 1 || p.Seminars[0] != sem.Slug || p.Participants != 20 || p.Responses != 1 {
			t.Fatalf("purge: %+v %v", p, err)
		}
		var people []model.Participant
		db.Where("seminar_id = ?", sem.ID).Find(&people)
		for _, pp := range people {
			if pp.Email != "" || pp.Phone != "" || pp.OpenID != nil || !strings.HasPrefix(pp.InviteToken, "purged-") || pp.Name == "" || pp.Group == "" {
				t.Fatalf("participant after the purge: %+v", pp)
			}
		}
		if n := countRows(t, db, &model.Response{}, "openid IS NOT NULL"); n != 0 {
			t.Fatalf("%d responses keep an openid", n)
		}
		if f.Responses.Participant(ctx, f.L, "invite-token-00") != nil {
			t.Error("an invite link still works after the purge")
		}
		after, err := report.NewReports(f.DB, f.Questionnaires, f.Clock).Summary(ctx, f.L.ID, report.Filter{})
		if err != nil || *after.Respondents != *before.Respondents || after.Invited != before.Invited || !reflect.DeepEqual(after.Questions, before.Questions) || *after.ResponseRate != *before.ResponseRate {
			t.Fatalf("the report changed with the purge: %v", err)
		}
		if n := countRows(t, db, &model.AuditEvent{}, "action = ? AND object = ?", "seminar.purge", "seminar:"+sem.Slug); n != 1 {
			t.Fatalf("%d audit rows for the purge", n)
		}
		if p, err := j.RunOnce(ctx); err != nil || len(p.Seminars) != 0 {
			t.Fatalf("a second run purged again: %+v %v", p, err)
		}
		// A participant imported into the purged seminar later is purged by
		// the next run, audited again.
		late := model.Participant{SeminarID: sem.ID, Name: "Late", Group: "China", Email: "late@example.org", InviteToken: "late-invite-0001"}
		db.Create(&late)
		if p, err := j.RunOnce(ctx); err != nil || len(p.Seminars) != 1 || p.Participants != 1 {
			t.Fatalf("a run after a late import: %+v %v, want the late participant purged", p, err)
		}
		db.First(&late, late.ID)
		if late.Email != "" || !strings.HasPrefix(late.InviteToken, "purged-") {
			t.Fatalf("the late participant kept %q, %q", late.Email, late.InviteToken)
		}
		if n := countRows(t, db, &model.AuditEvent{}, "action = ?", "seminar.purge"); n != 2 {
			t.Fatalf("%d purge audit rows, want 2", n)
		}
	})
}

func countRows(t *testing.T, db *gorm.DB, m any, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.Model(m).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}
