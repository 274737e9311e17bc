package service

import (
	"fmt"

	"seminareval/model"
)

// BuildNarrative writes one sentence per Likert item that has a report
// phrase and at least one answer, in English and Chinese, ready to paste
// into a seminar report. Each sentence states the base (n, and how many
// answered "not applicable" when any did) and leads with "strongly agreed"
// when that is the majority (more than half of n), otherwise with "agreed or
// strongly agreed". 100% is written "all", 0% "none".
func BuildNarrative(questions []QuestionSummary) Narrative {
	out := Narrative{En: []string{}, Zh: []string{}}
	for _, q := range questions {
		if q.Type != model.TypeLikert || q.N == 0 || q.Report.In("en") == "" {
			continue
		}
		en, zh := narrativeSentence(q)
		out.En = append(out.En, en)
		out.Zh = append(out.Zh, zh)
	}
	return out
}

func narrativeSentence(q QuestionSummary) (en, zh string) {
	strongly := q.Levels[0].Count // levels run 5..1
	pct, verbEn, verbZh := *q.AgreePercent, "agreed or strongly agreed", "同意或非常同意"
	if 2*strongly > q.N {
		pct, verbEn, verbZh = *q.StronglyAgreePercent, "strongly agreed", "非常同意"
	}
	phraseEn, phraseZh := q.Report.In("en"), q.Report.In("zh")

	// The base: "Of the 18 respondents" / "Of the 17 respondents (excluding
	// 1 “not applicable”)", so a reader never has to guess the denominator.
	baseEn := fmt.Sprintf("the %d respondents", q.N)
	baseZh := fmt.Sprintf("%d名答卷人", q.N)
	if q.N == 1 {
		baseEn = "the 1 respondent"
	}
	naEn, naZh := "", ""
	if q.NA > 0 {
		naEn = fmt.Sprintf(" (excluding %d “not applicable”)", q.NA)
		naZh = fmt.Sprintf("（不含%d个“不适用”回答）", q.NA)
	}

	switch {
	case pct == 100 && q.N == 1:
		en = fmt.Sprintf("The only respondent%s %s that %s.", naEn, verbEn, phraseEn)
		zh = fmt.Sprintf("唯一的答卷人%s%s%s。", naZh, verbZh, phraseZh)
	case pct == 100 && q.N == 2:
		en = fmt.Sprintf("Both respondents%s %s that %s.", naEn, verbEn, phraseEn)
		zh = fmt.Sprintf("%s%s全部%s%s。", baseZh, naZh, verbZh, phraseZh)
	case pct == 100:
		en = fmt.Sprintf("All %d respondents%s %s that %s.", q.N, naEn, verbEn, phraseEn)
		zh = fmt.Sprintf("%s%s全部%s%s。", baseZh, naZh, verbZh, phraseZh)
	case pct == 0:
		en = fmt.Sprintf("Of %s%s, none %s that %s.", baseEn, naEn, verbEn, phraseEn)
		zh = fmt.Sprintf("在%s中%s，没有人%s%s。", baseZh, naZh, verbZh, phraseZh)
	default:
		en = fmt.Sprintf("Of %s%s, %d%% %s that %s.", baseEn, naEn, pct, verbEn, phraseEn)
		zh = fmt.Sprintf("在%s中%s，%d%%%s%s。", baseZh, naZh, pct, verbZh, phraseZh)
	}
	return en, zh
}
