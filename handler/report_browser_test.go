package handler

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
)

// TestReportDashboardRendersOnALaptop logs into the console in headless
// Chromium at 1280×900 and captures the dashboard of 18 varied responses,
// on screen and as printed (testdata/screenshots/report-dashboard*.png).
func TestReportDashboardRendersOnALaptop(t *testing.T) {
	// One database is enough here: the page is the same on both databases; its data is tested on both in TestReportDashboardInTheConsole.
	func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		q := a.demo()
		groups := make([]string, 20)
		for i := range groups {
			groups[i] = map[bool]string{true: "China", false: "Europe"}[i < 16] // Europe: 2 of the 18 respondents
		}
		tokens := a.reportRoster(q, groups...)
		workplaces := []string{"police", "police", "justice", "police", "government", "international", "ngo", "police", "justice"}
		comments := []string{"很好的研讨会，希望以后多举办类似活动。👍", "Very useful exchange with the Chinese colleagues; more time for the joint investigation case studies next time, please.", "=SUM(A1:A9) should stay text", ""}
		for i := range 18 {
			ans := map[string]any{
				"knowledge_improved": []int{5, 5, 5, 4, 5, 5}[i%6], "participation_encouraged": []int{5, 4, 4, 5, 3}[i%5],
				"useful_relevant": []int{4, 5, 3, 4, 2, 5}[i%6], "cooperation_facilitated": []int{5, 4, 5, 3, 4, 1}[i%6],
				"speakers_quality": []int{4, 4, 5, 3, 2}[i%5], "organisation_good": []any{5, 4, "na", 5}[i%4],
				"apply_learning": []any{4, 3, 5, "na", 2, 4}[i%6], "workplace": workplaces[i%len(workplaces)],
				"topics_useful": [][]string{{"identification", "legal"}, {"investigation"}, {"networking", "legal", "victim_support"}}[i%3],
				"overall":       []int{5, 4, 4, 5, 3}[i%5], "recommend": []int{10, 9, 8, 9, 7, 10, 6}[i%7],
			}
			if c := comments[i%len(comments)]; c != "" && i < 8 {
				ans["comments"] = c
			}
			if r := a.postJSON("/s/"+q.Slug+"?t="+tokens[i], submission(fmt.Sprintf("shot-sub-%04d", i), ans)); r.Code != http.StatusCreated {
				t.Fatalf("submit %d: %d %s", i, r.Code, r.Body)
			}
		}
		a.reportUser("organiser1", model.RoleAdmin)

		ctx := newBrowser(t)
		browserDo(t, ctx, chromedp.EmulateViewport(1280, 900))
		browserDo(t, ctx, consoleSignInActions(a.ts.URL, "organiser1", "correct horse battery staple")...)
		browserDo(t, ctx,
			chromedp.Navigate(fmt.Sprintf("%s/admin/questionnaires/%d/report?lang=en", a.ts.URL, q.ID)),
			chromedp.WaitVisible(chromedp.CSS(`table.likert`)),
		)
		if w := browserEval[int](t, ctx, `document.documentElement.scrollWidth`); w > 1280 {
			t.Errorf("the dashboard is %d px wide at 1280: it scrolls sideways", w)
		}
		// Every Likert row has its bar, drawn at a readable size.
		bars := browserEval[[]int](t, ctx, `Array.from(document.querySelectorAll("table.likert tbody svg.likert-bar")).map(s => Math.round(s.getBoundingClientRect().width))`)
		if len(bars) != 7 {
			t.Fatalf("%d likert bars, want 7", len(bars))
		}
		for _, w := range bars {
			if w < 300 {
				t.Errorf("likert bar only %d px wide", w)
			}
		}
		if n := browserEval[int](t, ctx, `document.querySelectorAll("script").length`); n != 0 {
			t.Errorf("%d scripts on the dashboard", n)
		}
		screenshot(t, ctx, "report-dashboard")

		// As printed: no top bar, filters or buttons.
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
			t.Fatal(err)
		}
		if d := browserEval[string](t, ctx, `getComputedStyle(document.querySelector(".report-tools")).display`); d != "none" {
			t.Errorf("filters shown in print: display %s", d)
		}
		screenshot(t, ctx, "report-dashboard-print")
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""}); err != nil {
			t.Fatal(err)
		}

		// Chinese, filtered to a group small enough to be suppressed.
		browserDo(t, ctx,
			chromedp.Navigate(fmt.Sprintf("%s/admin/questionnaires/%d/report?lang=zh&group=Europe", a.ts.URL, q.ID)),
			chromedp.WaitVisible(chromedp.CSS(`.notice`)),
		)
		screenshot(t, ctx, "report-dashboard-suppressed-zh")
	}(t, modeltest.Open(t, modeltest.Targets(t)[0]))
}
