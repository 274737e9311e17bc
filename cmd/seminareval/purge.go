package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"seminareval/service"
)

// runPurge is `seminareval purge`: what serve's janitor does every ten
// minutes, once — the personal data of every seminar past its retention
// (privacy.retention_days or the seminar's own), and WeChat push records
// and followers' hours past their windows.
func runPurge(ctx context.Context, e env) error {
	fs, cfgPath := e.flags("purge")
	if err := fs.Parse(e.args); err != nil {
		return err
	}
	return e.withApp(ctx, *cfgPath, func(a app) error {
		p, err := service.NewJanitor(a.db, service.NewAudit(a.db, time.Now), a.cfg.Privacy.RetentionDays, time.Now).RunOnce(ctx)
		if err != nil {
			return err
		}
		if len(p.Seminars) == 0 {
			fmt.Fprintln(e.stdout, "no seminar is past its retention")
		} else {
			fmt.Fprintf(e.stdout, "purged the personal data of %d seminars (%s): %d participants, %d responses' openids\n",
				len(p.Seminars), strings.Join(p.Seminars, ", "), p.Participants, p.Responses)
		}
		fmt.Fprintf(e.stdout, "removed %d WeChat push records and %d followers' message hours past their windows\n", p.Events, p.Followers)
		return nil
	})
}
