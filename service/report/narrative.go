package report

import (
	"fmt"

	"seminareval/model"
)

// NarrativeOptions choose how the narrative states its figures.
type NarrativeOptions struct {
	// Counts writes "15 of the 18 respondents" instead of "83%": what an
	// organiser of a small seminar may prefer, where 1 person is 6%.
	Counts bool
}

// UseCounts rewrites the summary's narrative with counts instead of
// percentages (NarrativeOptions.Counts). A suppressed summary has none.
func (s *Summary) UseCounts() {
	if !s.Suppressed {
		s.Narrative = s.withTest(BuildNarrative(s.Questions, NarrativeOptions{Counts: true}))
	}
}

// BuildNarrative writes one sentence per Likert item that has a report
// phrase and at least one answer, in English and Chinese, ready to paste
// into a seminar report. Each sentence states the base (n, and how many
// answered "not applicable" when any did) and the strongest claim that is
// true:
//
//   - everyone strongly agreed: "All 18 respondents strongly agreed that …";
//   - everyone agreed or strongly agreed: "All 18 respondents agreed or
//     strongly agreed that … (67% strongly agreed)";
//   - strongly agree is the majority (more than half of n): "Of the 18
//     respondents, 94% strongly agreed that …";
//   - otherwise agree or strongly agree: "Of the 18 respondents, 50% agreed
//     or strongly agreed that …", and "none" for 0.
func BuildNarrative(questions []QuestionSummary, opts NarrativeOptions) Narrative {
	out := Narrative{En: []string{}, Zh: []string{}}
	for _, q := range questions {
		if q.Type != model.TypeLikert || q.N == 0 || q.Report.In("en") == "" {
			continue
		}
		en, zh := narrativeSentence(q, opts)
		out.En = append(out.En, en)
		out.Zh = append(out.Zh, zh)
	}
	return out
}

const (
	verbAgreeEn    = "agreed or strongly agreed"
	verbAgreeZh    = "同意或非常同意"
	verbStronglyEn = "strongly agreed"
	verbStronglyZh = "非常同意"
)

func narrativeSentence(q QuestionSummary, opts NarrativeOptions) (en, zh string) {
	strongly := q.Levels[0].Count // levels run 5..1
	agree := q.agreeing()
	phraseEn, phraseZh := q.Report.In("en"), q.Report.In("zh")

	// The base: "Of the 18 respondents" / "Of the 17 respondents (excluding
	// 1 “not applicable”)", so a reader never has to guess the denominator.
	naEn, naZh := "", ""
	if q.NA > 0 {
		naEn = fmt.Sprintf(" (excluding %d “not applicable”)", q.NA)
		naZh = fmt.Sprintf("（不含%d个“不适用”回答）", q.NA)
	}

	// Everyone: "All 18 respondents …", with how many of them strongly
	// agreed when that is not everyone either.
	if agree == q.N {
		verbEn, verbZh, rest := verbAgreeEn, verbAgreeZh, ""
		restZh := ""
		if strongly == q.N {
			verbEn, verbZh = verbStronglyEn, verbStronglyZh
		} else if strongly > 0 && q.N > 1 {
			if opts.Counts {
				rest = fmt.Sprintf(" (%d strongly agreed)", strongly)
				restZh = fmt.Sprintf("（其中%d人非常同意）", strongly)
			} else {
				pct := *q.StronglyAgreePercent
				rest = fmt.Sprintf(" (%d%% strongly agreed)", pct)
				restZh = fmt.Sprintf("（其中%d%%非常同意）", pct)
			}
		}
		switch q.N {
		case 1:
			en = fmt.Sprintf("The only respondent%s %s that %s.", naEn, verbEn, phraseEn)
			zh = fmt.Sprintf("唯一的答卷人%s%s%s。", naZh, verbZh, phraseZh)
		case 2:
			en = fmt.Sprintf("Both respondents%s %s that %s%s.", naEn, verbEn, phraseEn, rest)
			zh = fmt.Sprintf("2名答卷人%s全部%s%s%s。", naZh, verbZh, phraseZh, restZh)
		default:
			en = fmt.Sprintf("All %d respondents%s %s that %s%s.", q.N, naEn, verbEn, phraseEn, rest)
			zh = fmt.Sprintf("%d名答卷人%s全部%s%s%s。", q.N, naZh, verbZh, phraseZh, restZh)
		}
		return en, zh
	}

	count, pct, verbEn, verbZh := agree, *q.AgreePercent, verbAgreeEn, verbAgreeZh
	if 2*strongly > q.N {
		count, pct, verbEn, verbZh = strongly, *q.StronglyAgreePercent, verbStronglyEn, verbStronglyZh
	}
	respondents := "respondents"
	if q.N == 1 {
		respondents = "respondent"
	}
	switch {
	case count == 0:
		en = fmt.Sprintf("Of the %d %s%s, none %s that %s.", q.N, respondents, naEn, verbEn, phraseEn)
		zh = fmt.Sprintf("在%d名答卷人中%s，没有人%s%s。", q.N, naZh, verbZh, phraseZh)
	case opts.Counts:
		en = fmt.Sprintf("%d of the %d respondents%s %s that %s.", count, q.N, naEn, verbEn, phraseEn)
		zh = fmt.Sprintf("在%d名答卷人中%s，有%d人%s%s。", q.N, naZh, count, verbZh, phraseZh)
	default:
		en = fmt.Sprintf("Of the %d %s%s, %d%% %s that %s.", q.N, respondents, naEn, pct, verbEn, phraseEn)
		zh = fmt.Sprintf("在%d名答卷人中%s，%d%%%s%s。", q.N, naZh, pct, verbZh, phraseZh)
	}
	return en, zh
}
