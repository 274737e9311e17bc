package report

import (
	"math"
	"slices"
	"sort"
)

// The statistics of the summary (README, "Reports: summary, dashboard,
// Excel annex, CSV", Statistics). They work on counts per level, which the database computes
// with GROUP BY, so nothing here ever sees individual answers — except a
// number question's median, which needs the values (SummariseNumbers).

// LargestRemainder turns counts into integer percentages that sum to exactly
// 100 (Hamilton's method): every share gets the floor of its quota, and the
// points still missing go to the largest remainders. Ties are broken
// deterministically: the larger raw count first, then the one listed first
// (for a Likert row: strongly agree before agree, and so on). With a total
// of zero every percentage is 0: there is no base to divide.
func LargestRemainder(counts []int) []int {
	out := make([]int, len(counts))
	total := 0
	for _, c := range counts {
		total += c
	}
	if total <= 0 {
		return out
	}
	type share struct{ i, remainder, count int }
	shares := make([]share, len(counts))
	given := 0
	for i, c := range counts {
		// Integer arithmetic: remainders compare exactly, no float ties.
		out[i] = 100 * c / total
		shares[i] = share{i: i, remainder: 100 * c % total, count: c}
		given += out[i]
	}
	sort.SliceStable(shares, func(a, b int) bool {
		if shares[a].remainder != shares[b].remainder {
			return shares[a].remainder > shares[b].remainder
		}
		if shares[a].count != shares[b].count {
			return shares[a].count > shares[b].count
		}
		return shares[a].i < shares[b].i
	})
	for k := 0; given < 100; k++ {
		out[shares[k].i]++
		given++
	}
	return out
}

// PercentHalfUp is 100·part/whole rounded half up to an integer, computed in
// integers so that 0.5 is never lost to floating point (1/8 = 12.5 → 13).
// It is 0 when whole is 0.
func PercentHalfUp(part, whole int) int {
	if whole <= 0 {
		return 0
	}
	return (200*part + whole) / (2 * whole)
}

// roundHalfUp rounds x half up (towards +∞ at .5), also for negatives
// (an NPS of -12.5 is -12), as the contract asks of every rounded figure.
func roundHalfUp(x float64) int {
	return int(math.Floor(x + 0.5))
}

// round2 rounds to two decimals for display (mean 4.944… → 4.94).
func round2(x float64) float64 {
	return math.Round(x*100) / 100
}

// MeanSD returns the mean and the sample standard deviation (n−1 in the
// denominator: the respondents are a sample of the participants, and this is
// what spreadsheet STDEV and most survey reports use) of values given as
// value → count. ok is false when there is no value; sd is NaN for a single
// value, where the sample SD is undefined.
func MeanSD(values []int, counts []int) (mean, sd float64, n int, ok bool) {
	sum := 0.0
	for i, c := range counts {
		n += c
		sum += float64(values[i] * c)
	}
	if n == 0 {
		return 0, math.NaN(), 0, false
	}
	mean = sum / float64(n)
	if n < 2 {
		return mean, math.NaN(), n, true
	}
	ss := 0.0
	for i, c := range counts {
		d := float64(values[i]) - mean
		ss += d * d * float64(c)
	}
	return mean, math.Sqrt(ss / float64(n-1)), n, true
}

// NPS is the net promoter score of 0..10 answers: promoters answer 9–10,
// passives 7–8, detractors 0–6; the score is %promoters − %detractors,
// computed from the raw counts and rounded half up (-100..100).
type NPS struct {
	Score      int
	Promoters  int
	Passives   int
	Detractors int
}

// NetPromoter computes the NPS from counts per value 0..10.
func NetPromoter(values []int, counts []int) (NPS, bool) {
	var r NPS
	for i, v := range values {
		switch {
		case v >= 9:
			r.Promoters += counts[i]
		case v >= 7:
			r.Passives += counts[i]
		default:
			r.Detractors += counts[i]
		}
	}
	n := r.Promoters + r.Passives + r.Detractors
	if n == 0 {
		return r, false
	}
	r.Score = roundHalfUp(100 * float64(r.Promoters-r.Detractors) / float64(n))
	return r, true
}

// Numbers is the summary of a number question's answers.
type Numbers struct {
	N                      int
	Mean, Median, Min, Max float64
	SD                     float64 // sample SD (n−1); NaN for a single value
}

// SummariseNumbers returns n, mean, median (the mean of the middle two for
// an even n), min, max and the sample SD of xs; ok is false for none. xs is
// sorted in place.
func SummariseNumbers(xs []float64) (Numbers, bool) {
	if len(xs) == 0 {
		return Numbers{}, false
	}
	slices.Sort(xs)
	n := len(xs)
	s := Numbers{N: n, Min: xs[0], Max: xs[n-1], SD: math.NaN()}
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	s.Mean = sum / float64(n)
	if n%2 == 1 {
		s.Median = xs[n/2]
	} else {
		s.Median = (xs[n/2-1] + xs[n/2]) / 2
	}
	if n > 1 {
		ss := 0.0
		for _, x := range xs {
			ss += (x - s.Mean) * (x - s.Mean)
		}
		s.SD = math.Sqrt(ss / float64(n-1))
	}
	return s, true
}
