package report

import (
	"context"
	"fmt"
	"sort"

	"seminareval/model"
	"seminareval/service"
	"seminareval/service/definition"
)

// marked is one response to a knowledge test with its mark: the score is
// computed here, from the stored answers and the definition's answer key of
// now, so a corrected key corrects every score.
type marked struct {
	responseID uint64
	pairHash   string
	percent    float64
	right      map[string]bool
}

// marks reads and marks the responses of test l in view v (every response
// when v is the whole questionnaire's), in id order.
func (r *Reports) marks(ctx context.Context, l *service.Loaded, v view) ([]marked, error) {
	db := r.db.WithContext(ctx)
	var resps []struct {
		ID       uint64
		PairHash *string
	}
	if err := db.Raw("SELECT rr.id, rr.pair_hash FROM responses rr WHERE rr.id IN ("+v.sql+") ORDER BY rr.id", v.args...).Scan(&resps).Error; err != nil {
		return nil, fmt.Errorf("responses of test %d: %w", l.ID, err)
	}
	scored := l.Def.ScoredQuestions()
	keyOf := map[uint64]string{}
	var ids []uint64
	for _, q := range scored {
		id := l.QuestionIDs[q.Key]
		keyOf[id] = q.Key
		ids = append(ids, id)
	}
	chosen := map[uint64]map[string][]string{}
	if len(ids) > 0 && len(resps) > 0 {
		var rows []struct {
			ResponseID uint64
			QuestionID uint64
			Opt        *string
		}
		err := db.Raw("SELECT a.response_id, a.question_id, a.opt FROM answers a WHERE a.questionnaire_id = ? AND a.question_id IN ? AND a.opt IS NOT NULL AND a.response_id IN ("+v.sql+")",
			append([]any{l.ID, ids}, v.args...)...).Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("answers of test %d: %w", l.ID, err)
		}
		for _, a := range rows {
			m := chosen[a.ResponseID]
			if m == nil {
				m = map[string][]string{}
				chosen[a.ResponseID] = m
			}
			m[keyOf[a.QuestionID]] = append(m[keyOf[a.QuestionID]], *a.Opt)
		}
	}
	out := make([]marked, len(resps))
	for i, rr := range resps {
		m := l.Def.Mark(chosen[rr.ID])
		out[i] = marked{responseID: rr.ID, percent: m.Percent(), right: m.Right}
		if rr.PairHash != nil {
			out[i].pairHash = *rr.PairHash
		}
	}
	return out, nil
}

// wholeView is the view of every response of questionnaire id.
func wholeView(id uint64) view {
	return view{sql: "SELECT fr.id FROM responses fr WHERE fr.questionnaire_id = ?", args: []any{id}}
}

// TestSummary is the "test" block of a knowledge test's summary
// (docs/definition-format.md, "Knowledge tests"; README, "Knowledge tests").
// A pre-test has N, MeanPercent and its items; a post-test the counts of
// both tests, the paired statistics (over the participants who took both)
// and its items before and after.
type TestSummary struct {
	MaxPoints   int      `json:"max_points"`
	N           *int     `json:"n,omitempty"`            // pre-test
	MeanPercent *float64 `json:"mean_percent,omitempty"` // of everyone who took it, one decimal
	// PairsWith is the post-test's pre-test; NPre its respondents, NPost the
	// post-test's (in view).
	PairsWith string `json:"pairs_with,omitempty"`
	NPre      *int   `json:"n_pre,omitempty"`
	NPost     *int   `json:"n_post,omitempty"`
	*PairedScoresSummary
	// Withheld: an anonymous post-test with fewer than SuppressBelow
	// paired participants shows no paired statistics.
	Withheld bool       `json:"withheld,omitempty"`
	Items    []TestItem `json:"items"`

	pairs [][2]float64 // each paired participant's {pre, post}, for the chart
	mean  float64      // MeanPercent unrounded, so the narrative rounds once
}

// TestItem is one scored question: the share of right answers, half up,
// among all who took the test (CorrectPercent on a pre-test; before and
// after on a post-test, where the pre-test asked the same key).
type TestItem struct {
	Key                string     `json:"key"`
	Text               model.Text `json:"text"`
	Points             int        `json:"points"`
	CorrectPercent     *int       `json:"correct_percent,omitempty"`
	PreCorrectPercent  *int       `json:"pre_correct_percent,omitempty"`
	PostCorrectPercent *int       `json:"post_correct_percent,omitempty"`
}

// Pairs are the paired participants' {pre, post} score percents, lowest
// pre-test score first (no one's identity, for the paired chart).
func (t *TestSummary) Pairs() [][2]float64 { return t.pairs }

// testSummary is the test block of test l over the responses in view v.
func (r *Reports) testSummary(ctx context.Context, l *service.Loaded, v view) (*TestSummary, error) {
	ms, err := r.marks(ctx, l, v)
	if err != nil {
		return nil, err
	}
	t := &TestSummary{MaxPoints: l.Def.MaxPoints(), Items: []TestItem{}}
	if l.Def.KindOf() == definition.KindPreTest {
		n := len(ms)
		t.N = &n
		t.MeanPercent, t.mean = meanPercent(ms)
		for _, q := range l.Def.ScoredQuestions() {
			t.Items = append(t.Items, TestItem{Key: q.Key, Text: q.Text, Points: q.PointsOf(), CorrectPercent: rightPercent(ms, q.Key)})
		}
		return t, nil
	}
	t.PairsWith = l.Def.PairsWith
	npost := len(ms)
	t.NPost = &npost
	t.MeanPercent, t.mean = meanPercent(ms)
	var pre []marked
	var preDef *definition.Definition
	switch pl, err := r.questionnaires.LoadBySlug(ctx, l.Def.PairsWith); {
	case err == nil && pl.Def.KindOf() == definition.KindPreTest:
		if pre, err = r.marks(ctx, pl, wholeView(pl.ID)); err != nil {
			return nil, err
		}
		preDef = pl.Def
	case err != nil && !model.IsNotFound(err):
		return nil, err
	}
	npre := len(pre)
	t.NPre = &npre
	byHash := map[string]float64{}
	for _, m := range pre {
		if m.pairHash != "" {
			byHash[m.pairHash] = m.percent
		}
	}
	for _, m := range ms {
		if p, ok := byHash[m.pairHash]; ok && m.pairHash != "" {
			t.pairs = append(t.pairs, [2]float64{p, m.percent})
		}
	}
	sort.Slice(t.pairs, func(i, j int) bool {
		if t.pairs[i][0] != t.pairs[j][0] {
			return t.pairs[i][0] < t.pairs[j][0]
		}
		return t.pairs[i][1] < t.pairs[j][1]
	})
	if l.Anonymous && len(t.pairs) < service.SuppressBelow {
		t.Withheld, t.pairs = true, nil
	} else {
		ps := PairedScores(t.pairs, float64(l.Def.Mastery()))
		t.PairedScoresSummary = &ps
	}
	for _, q := range l.Def.ScoredQuestions() {
		item := TestItem{Key: q.Key, Text: q.Text, Points: q.PointsOf(), PostCorrectPercent: rightPercent(ms, q.Key)}
		if preDef != nil {
			if pq, ok := preDef.Question(q.Key); ok && pq.Scored() {
				item.PreCorrectPercent = rightPercent(pre, q.Key)
			}
		}
		t.Items = append(t.Items, item)
	}
	return t, nil
}

// meanPercent is the mean score of ms, to one decimal (nil for nobody)
// and unrounded.
func meanPercent(ms []marked) (*float64, float64) {
	if len(ms) == 0 {
		return nil, 0
	}
	sum := 0.0
	for _, m := range ms {
		sum += m.percent
	}
	mean := sum / float64(len(ms))
	r := round1(mean)
	return &r, mean
}

// rightPercent is the share of ms that answered key right, half up; nil
// when nobody took the test.
func rightPercent(ms []marked, key string) *int {
	if len(ms) == 0 {
		return nil
	}
	n := 0
	for _, m := range ms {
		if m.right[key] {
			n++
		}
	}
	p := PercentHalfUp(n, len(ms))
	return &p
}

// testNarrative says a test's result in English and Chinese: the average
// score before and after with how many took both and the Wilcoxon p, or —
// for a pre-test, or a post-test nobody is paired in — the average alone.
func testNarrative(t *TestSummary) (en, zh []string) {
	ps := t.PairedScoresSummary
	switch {
	case t.N != nil && t.MeanPercent != nil: // a pre-test
		m := roundHalfUp(t.mean)
		return []string{fmt.Sprintf("The average score on the test before the seminar was %d%% (%d participants).", m, *t.N)},
			[]string{fmt.Sprintf("研讨会前测试的平均得分为%d%%（%d名参与者）。", m, *t.N)}
	case ps == nil || ps.NPaired == 0:
		if t.MeanPercent == nil {
			return nil, nil
		}
		m := roundHalfUp(t.mean)
		return []string{fmt.Sprintf("The average score on the test after the seminar was %d%% (%d participants); too few took both tests to show a change.", m, *t.NPost)},
			[]string{fmt.Sprintf("研讨会后测试的平均得分为%d%%（%d名参与者）；同时参加两次测试的人数过少，无法显示变化。", m, *t.NPost)}
	}
	pre, post := roundHalfUp(ps.preMean), roundHalfUp(ps.postMean)
	verbEn, verbZh := "rose", "提高到"
	switch {
	case post < pre:
		verbEn, verbZh = "fell", "下降到"
	case post == pre:
		verbEn, verbZh = "stayed the same", "保持为"
	}
	test, testZh := "", ""
	if w := ps.Wilcoxon; w.P != nil {
		p := fmt.Sprintf("p = %.4g", *w.P)
		if w.p < 0.001 {
			p = "p < 0.001"
		}
		test, testZh = "; Wilcoxon signed-rank "+p, "；Wilcoxon 符号秩检验 "+p
	}
	who, whoZh := fmt.Sprintf("%d participants took both tests", ps.NPaired), fmt.Sprintf("%d名参与者参加了两次测试", ps.NPaired)
	if pre == post {
		en = []string{fmt.Sprintf("The average test score stayed at %d%% before and after the seminar (%s%s).", pre, who, test)}
		zh = []string{fmt.Sprintf("研讨会前后测试平均得分均为%d%%（%s%s）。", pre, whoZh, testZh)}
		return en, zh
	}
	en = []string{fmt.Sprintf("The average test score %s from %d%% before the seminar to %d%% after it (%s%s).", verbEn, pre, post, who, test)}
	zh = []string{fmt.Sprintf("测试平均得分从研讨会前的%d%%%s研讨会后的%d%%（%s%s）。", pre, verbZh, post, whoZh, testZh)}
	return en, zh
}

// withTest adds the test's sentences to the narrative, first: the result a
// report leads with.
func (s *Summary) withTest(n Narrative) Narrative {
	if s.Test == nil {
		return n
	}
	en, zh := testNarrative(s.Test)
	return Narrative{En: append(en, n.En...), Zh: append(zh, n.Zh...)}
}
