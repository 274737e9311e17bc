package service

import (
	"fmt"
	"strings"
	"time"
)

// PrivacyNotice is the privacy notice of a questionnaire in lang, as
// paragraphs: the definition's own `privacy` text when it has one in lang,
// otherwise one built from privacy.controller and privacy.contact, the
// seminar, its retention and whether the questionnaire is anonymous —
// who collects, what for, how long, whom to ask.
func PrivacyNotice(q *Loaded, pc PrivacyConfig, lang string, now time.Time) []string {
	if own := strings.TrimSpace(q.Def.Privacy[lang]); own != "" {
		var out []string
		for _, p := range strings.Split(own, "\n\n") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	zh := lang == "zh"
	who := strings.TrimSpace(pc.Controller)
	if who == "" {
		switch {
		case q.Seminar != nil && zh:
			who = "“" + q.Seminar.Title.In(lang) + "”的主办方"
		case q.Seminar != nil:
			who = "The organisers of “" + q.Seminar.Title.In(lang) + "”"
		case zh:
			who = "本问卷的主办方"
		default:
			who = "The organisers of this questionnaire"
		}
	}
	var out []string
	if zh {
		out = append(out, who+"收集这些答复，用于评估本次活动并撰写评估报告。")
	} else {
		out = append(out, who+" collect these answers to evaluate the event and report on it.")
	}
	switch {
	case q.Anonymous && zh:
		out = append(out, "本问卷为匿名问卷：答复不与您的姓名或微信账号一起保存，报告中只出现 5 人及以上的群体。")
	case q.Anonymous:
		out = append(out, "This questionnaire is anonymous: your answers are stored without your name or WeChat account, and reports show no group of fewer than 5 people.")
	case zh:
		out = append(out, "本问卷不是匿名问卷：主办方可以看到谁提交了哪份答复（名单上的姓名或微信账号）；报告中只出现汇总结果。")
	default:
		out = append(out, "This questionnaire is not anonymous: the organisers can see who gave which answers (your name on the roster or your WeChat account); reports show totals only.")
	}
	if q.Seminar != nil {
		if on, due := PurgeDue(q.Seminar, pc.RetentionDays, now); on != "" {
			days := SeminarRetentionDays(q.Seminar, pc.RetentionDays)
			past := q.Seminar.PurgedAt != nil || due
			switch {
			case past && zh:
				out = append(out, fmt.Sprintf("联系方式、微信标识和邀请链接在活动结束后 %d 天删除（已于 %s 删除）；答复不含这些信息，用于报告。", days, on))
			case past:
				out = append(out, fmt.Sprintf("Contact details, WeChat IDs and invitation links are deleted %d days after the event (done on %s); the answers are kept without them for the report.", days, on))
			case zh:
				out = append(out, fmt.Sprintf("联系方式、微信标识和邀请链接将于 %s（活动结束后 %d 天）删除；答复在删除这些信息后保留，用于报告。", on, days))
			default:
				out = append(out, fmt.Sprintf("Contact details, WeChat IDs and invitation links are deleted on %s (%d days after the event); the answers are kept without them for the report.", on, days))
			}
		}
	}
	contact := strings.TrimSpace(pc.Contact)
	switch {
	case contact != "" && zh:
		out = append(out, "如对您的个人信息有疑问，或希望删除，请联系："+contact+"。")
	case contact != "":
		out = append(out, "To ask about your data or have it deleted, contact "+contact+".")
	case zh:
		out = append(out, "如对您的个人信息有疑问，或希望删除，请联系主办方。")
	default:
		out = append(out, "To ask about your data or have it deleted, ask the organisers.")
	}
	return out
}

// SuppressBelow is the smallest group a filtered view shows (reports, the
// WeChat board): a filter that
// leaves fewer respondents shows "<5" and no figures, so that nobody can be
// singled out ("the two Europeans who disagreed").
const SuppressBelow = 5
