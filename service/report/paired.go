package report

import (
	"math"
	"slices"
)

// The statistics of knowledge tests and then-now pairs (DESIGN, "Knowledge
// tests and follow-ups"): scores, mastery, the normalized gain and the
// Wilcoxon signed-rank test on paired differences. Plain functions over
// numbers; matching a pre-test answer to its post-test answer is the
// caller's business.

// The two ways Wilcoxon computes p.
const (
	WilcoxonExact  = "exact"
	WilcoxonNormal = "normal"
)

// wilcoxonExactMaxN is the largest n for which p is computed exactly (when
// no two |d| are equal); above it the normal approximation is close enough.
const wilcoxonExactMaxN = 25

// diffResolution is the grid paired differences are snapped to before they
// are ranked. Score percents come from floating-point division, so two
// differences that are equal on paper can differ in the last bit
// (100·1/7 − 0 is 14.285714285714286, 100·3/7 − 100·2/7 is
// 14.285714285714281): without snapping they would get distinct ranks, not
// a tie, and a zero difference might not be dropped. Nine decimals is far
// finer than any difference of percents or scale points.
const diffResolution = 1e9

// WilcoxonResult is the Wilcoxon signed-rank test of paired differences, the
// summary's "wilcoxon" block.
//
// When nothing is left to test (nobody paired, or every difference is zero)
// N is 0, Z and P are null and Method is absent from the JSON. With the
// exact method Z is null too: p does not come from a z then, and a z next to
// it would invite reading p off the normal table.
type WilcoxonResult struct {
	N      int      `json:"n"`       // non-zero differences
	WPlus  float64  `json:"w_plus"`  // sum of the ranks of the positive differences
	WMinus float64  `json:"w_minus"` // sum of the ranks of the negative differences
	Z      *float64 `json:"z"`       // normal method only; two decimals
	P      *float64 `json:"p"`       // two-sided; four decimals
	Method string   `json:"method,omitempty"`

	p float64 // unrounded, for a narrative's "p < 0.001"
}

// Wilcoxon runs the signed-rank test on paired differences (post − pre, now −
// then). Zero differences are dropped and N is the rest; the |d| are ranked
// 1..N, ties getting the average of the ranks they span.
//
// With N ≤ 25 and no two |d| equal, p is exact: under the null hypothesis
// each of the 2^N sign patterns is equally likely, so with c(s) the number of
// subsets of the ranks {1..N} whose sum is s,
//
//	P(W+ ≤ w) = Σ_{s≤w} c(s) / 2^N,  P(W+ ≥ w) = Σ_{s≥w} c(s) / 2^N,
//	p = min(1, 2·min(P(W+ ≤ w), P(W+ ≥ w)))
//
// for the observed w = W+ (the same p as R's wilcox.test with exact=TRUE).
// Otherwise (ties, or N > 25) p comes from the normal approximation without
// continuity correction (R's exact=FALSE, correct=FALSE):
//
//	z = (W+ − N(N+1)/4) / √(N(N+1)(2N+1)/24 − Σ(t³−t)/48),  p = 2(1 − Φ(|z|))
//
// where t runs over the sizes of the groups of tied |d|. p is computed from
// the unrounded z; Z is reported to two decimals, P to four.
func Wilcoxon(diffs []float64) WilcoxonResult {
	type signedAbs struct {
		abs      float64
		positive bool
	}
	obs := make([]signedAbs, 0, len(diffs))
	for _, d := range diffs {
		d = math.Round(d*diffResolution) / diffResolution
		if d == 0 {
			continue
		}
		obs = append(obs, signedAbs{abs: math.Abs(d), positive: d > 0})
	}
	n := len(obs)
	r := WilcoxonResult{N: n}
	if n == 0 {
		return r
	}
	slices.SortFunc(obs, func(a, b signedAbs) int {
		switch {
		case a.abs < b.abs:
			return -1
		case a.abs > b.abs:
			return 1
		}
		return 0
	})

	tieTerm := 0.0 // Σ(t³ − t) over groups of tied |d|
	for i := 0; i < n; {
		j := i + 1
		for j < n && obs[j].abs == obs[i].abs {
			j++
		}
		// Positions i..j-1 hold ranks i+1..j; each gets their average.
		rank := float64(i+1+j) / 2
		t := float64(j - i)
		tieTerm += t*t*t - t
		for k := i; k < j; k++ {
			if obs[k].positive {
				r.WPlus += rank
			} else {
				r.WMinus += rank
			}
		}
		i = j
	}

	if n <= wilcoxonExactMaxN && tieTerm == 0 {
		// No ties: every rank is an integer, and so is W+.
		r.p = exactSignedRankP(int(r.WPlus), n)
		r.Method = WilcoxonExact
	} else {
		nf := float64(n)
		mean := nf * (nf + 1) / 4
		variance := nf*(nf+1)*(2*nf+1)/24 - tieTerm/48 // > 0 for every n ≥ 1
		z := (r.WPlus - mean) / math.Sqrt(variance)
		// 2(1 − Φ(|z|)) = erfc(|z|/√2), without the cancellation of 1 − Φ
		// for large |z|.
		r.p = math.Erfc(math.Abs(z) / math.Sqrt2)
		zr := round2(z)
		r.Z = &zr
		r.Method = WilcoxonNormal
	}
	p := round4(r.p)
	r.P = &p
	return r
}

// exactSignedRankP is the exact two-sided p of W+ = w with n untied ranks
// (see Wilcoxon).
func exactSignedRankP(w, n int) float64 {
	counts := signedRankCounts(n)
	var lower, upper uint64
	for s, c := range counts {
		if s <= w {
			lower += c
		}
		if s >= w {
			upper += c
		}
	}
	p := 2 * float64(min(lower, upper)) / float64(uint64(1)<<n)
	return min(1, p)
}

// signedRankCounts returns c(s) for s = 0..n(n+1)/2: the number of subsets
// of {1..n} whose sum is s, i.e. the null distribution of W+ times 2^n. It
// is the 0/1-knapsack count, adding one rank at a time (downwards, so that
// each rank is used at most once). Exact in uint64 far beyond n = 25 (2^25
// subsets in all).
func signedRankCounts(n int) []uint64 {
	counts := make([]uint64, n*(n+1)/2+1)
	counts[0] = 1
	for r := 1; r <= n; r++ {
		for s := r * (r + 1) / 2; s >= r; s-- {
			counts[s] += counts[s-r]
		}
	}
	return counts
}

// Score is a respondent's test score in percent: points earned / max points ×
// 100, at full precision (round only for display). Multiplying first keeps
// whole percents exact (4 of 5 is 80, not 80.00000000000001), so a score
// compares exactly with a mastery threshold. It is 0 when there are no
// points to earn.
func Score(earned, maxPoints float64) float64 {
	if maxPoints <= 0 {
		return 0
	}
	return 100 * earned / maxPoints
}

// NormalizedGain is Hake's normalized gain of two mean score percents,
// (post − pre) / (100 − pre), to two decimals: the share of the possible
// improvement that was achieved (negative when scores fell). ok is false
// when pre is 100, where there was nothing left to gain.
func NormalizedGain(preMean, postMean float64) (float64, bool) {
	if preMean >= 100 {
		return 0, false
	}
	return round2((postMean - preMean) / (100 - preMean)), true
}

// Mastery is the percent of scores at or above threshold, rounded half up
// (1 of 8 is 12.5 → 13); 0 when there are no scores. Scores within 1e-9 below
// the threshold count as reaching it: a score computed as 100·4/5 from
// other operands than Score's could miss 80 by a bit.
func Mastery(scores []float64, threshold float64) int {
	reached := 0
	for _, s := range scores {
		if s >= threshold-1e-9 {
			reached++
		}
	}
	return PercentHalfUp(reached, len(scores))
}

// PairedScoresSummary is the part of a post-test's "test" block computed
// from the participants who took both tests; its fields carry the
// contract's names, so it can be embedded in the block between n_post and
// items. Means, gain and mastery are null when nobody is paired; the gain is
// also null when the pre-test mean is 100.
type PairedScoresSummary struct {
	NPaired            int            `json:"n_paired"`
	PreMeanPercent     *float64       `json:"pre_mean_percent"`  // one decimal
	PostMeanPercent    *float64       `json:"post_mean_percent"` // one decimal
	NormalizedGain     *float64       `json:"normalized_gain"`   // two decimals, of the unrounded means
	Wilcoxon           WilcoxonResult `json:"wilcoxon"`          // on post − pre
	MasteryPercent     float64        `json:"mastery_percent"`   // the threshold
	MasteryPrePercent  *int           `json:"mastery_pre_percent"`
	MasteryPostPercent *int           `json:"mastery_post_percent"`

	// Unrounded means, so that a narrative rounding them to whole percents
	// does not round twice (54.45 → 54.5 → 55).
	preMean, postMean float64
}

// PairedScores summarises the score percents of the paired participants,
// each pair {pre, post} one participant's, against the mastery threshold
// masteryPercent. The normalized gain is taken of the unrounded means.
func PairedScores(pairs [][2]float64, masteryPercent float64) PairedScoresSummary {
	s := PairedScoresSummary{NPaired: len(pairs), MasteryPercent: masteryPercent}
	pre := make([]float64, len(pairs))
	post := make([]float64, len(pairs))
	diffs := make([]float64, len(pairs))
	for i, p := range pairs {
		pre[i], post[i], diffs[i] = p[0], p[1], p[1]-p[0]
	}
	s.Wilcoxon = Wilcoxon(diffs)
	if len(pairs) == 0 {
		return s
	}
	s.preMean, s.postMean = meanOf(pre), meanOf(post)
	preRounded, postRounded := round1(s.preMean), round1(s.postMean)
	s.PreMeanPercent, s.PostMeanPercent = &preRounded, &postRounded
	if g, ok := NormalizedGain(s.preMean, s.postMean); ok {
		s.NormalizedGain = &g
	}
	masteryPre, masteryPost := Mastery(pre, masteryPercent), Mastery(post, masteryPercent)
	s.MasteryPrePercent, s.MasteryPostPercent = &masteryPre, &masteryPost
	return s
}

// ThenNowSummary is the summary of a then_now item: retrospective pairs of
// self-ratings on the agreement scale, both given after the seminar. The
// means are null when nobody answered both halves.
type ThenNowSummary struct {
	N        int            `json:"n"`
	ThenMean *float64       `json:"then_mean"` // two decimals
	NowMean  *float64       `json:"now_mean"`  // two decimals
	Improved int            `json:"improved"`  // now > then
	Same     int            `json:"same"`
	Worse    int            `json:"worse"`
	Wilcoxon WilcoxonResult `json:"wilcoxon"` // on now − then
}

// ThenNow summarises then-now pairs, each {then, now} one respondent's.
func ThenNow(pairs [][2]int) ThenNowSummary {
	s := ThenNowSummary{N: len(pairs)}
	diffs := make([]float64, len(pairs))
	thenSum, nowSum := 0, 0
	for i, p := range pairs {
		thenSum += p[0]
		nowSum += p[1]
		switch d := p[1] - p[0]; {
		case d > 0:
			s.Improved++
		case d < 0:
			s.Worse++
		default:
			s.Same++
		}
		diffs[i] = float64(p[1] - p[0])
	}
	s.Wilcoxon = Wilcoxon(diffs)
	if len(pairs) == 0 {
		return s
	}
	thenMean := round2(float64(thenSum) / float64(len(pairs)))
	nowMean := round2(float64(nowSum) / float64(len(pairs)))
	s.ThenMean, s.NowMean = &thenMean, &nowMean
	return s
}

// meanOf is the arithmetic mean of xs, which must not be empty.
func meanOf(xs []float64) float64 {
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

// round1 rounds to one decimal for display (mean score 56.666… → 56.7).
func round1(x float64) float64 {
	return math.Round(x*10) / 10
}

// round4 rounds to four decimals for display (p 0.109375 → 0.1094).
func round4(x float64) float64 {
	return math.Round(x*1e4) / 1e4
}
