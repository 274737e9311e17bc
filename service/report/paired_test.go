package report

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// approx compares with a tolerance far below the reported precision.
func approx(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func ptrValue(p *float64) string {
	if p == nil {
		return "null"
	}
	b, _ := json.Marshal(*p)
	return string(b)
}

func TestWilcoxonExactAgainstHandComputedCases(t *testing.T) {
	cases := []struct {
		name          string
		diffs         []float64
		n             int
		wPlus, wMinus float64
		p             float64
	}{
		// |d| 1 2 3 4 5 → ranks 1 2 3 4 5, all positive: W+ = 15, W− = 0.
		// Only the full set of {1..5} sums to 15: P(W+ ≥ 15) = 1/32, and
		// P(W+ ≤ 15) = 1, so p = 2·1/32 = 0.0625.
		{"all five positive", []float64{1, 2, 3, 4, 5}, 5, 15, 0, 0.0625},
		// The same differences in another order, with two zeros, which are
		// dropped: n stays 5.
		{"zeros dropped", []float64{0, 3, 1, 0, 5, 4, 2}, 5, 15, 0, 0.0625},
		// d    4 −1  6  2 −3  5  7
		// rank 4  1  6  2  3  5  7   (ranks of |d|)
		// W+ = 4+6+2+5+7 = 24, W− = 1+3 = 4; n = 7, 2^7 = 128.
		// P(W+ ≥ 24) = P(W− ≤ 4) = subsets of {1..7} with sum ≤ 4:
		// {} {1} {2} {3} {1,2} {4} {1,3} = 7, so p = 2·7/128 = 0.109375 → 0.1094
		// (R: wilcox.test(c(4,-1,6,2,-3,5,7)) gives V = 24, p-value = 0.1094).
		{"mixed signs", []float64{4, -1, 6, 2, -3, 5, 7}, 7, 24, 4, 0.1094},
		// The mirror image: W+ and W− swap, p is the same.
		{"mixed signs mirrored", []float64{-4, 1, -6, -2, 3, -5, -7}, 7, 4, 24, 0.1094},
		// d = −1, 2..10: the negative one has rank 1; W+ = 55 − 1 = 54,
		// W− = 1. P(W− ≤ 1) = |{{}, {1}}| / 2^10 = 2/1024, p = 4/1024 =
		// 0.00390625 → 0.0039.
		{"one small negative of ten", []float64{-1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 10, 54, 1, 0.0039},
		// One difference: W+ = 1; P(W+ ≥ 1) = 1/2, P(W+ ≤ 1) = 1; p = min(1, 2·1/2) = 1.
		{"single difference", []float64{0, 2.5}, 1, 1, 0, 1},
		// d = 1..3 with W+ at the centre of the distribution: d = −1, −2, 3:
		// W+ = 3 = W−. c(0..6) = 1 1 1 2 1 1 1; P(W+ ≤ 3) = 5/8 = P(W+ ≥ 3);
		// 2·5/8 > 1, so p = 1.
		{"p capped at 1", []float64{-1, -2, 3}, 3, 3, 3, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Wilcoxon(c.diffs)
			if r.N != c.n || r.WPlus != c.wPlus || r.WMinus != c.wMinus || r.Method != WilcoxonExact {
				t.Fatalf("Wilcoxon(%v) = n %d, W+ %v, W− %v, %q; want n %d, W+ %v, W− %v, exact",
					c.diffs, r.N, r.WPlus, r.WMinus, r.Method, c.n, c.wPlus, c.wMinus)
			}
			if r.P == nil || *r.P != c.p {
				t.Fatalf("p = %s, want %v", ptrValue(r.P), c.p)
			}
			if r.Z != nil {
				t.Fatalf("exact method reports z = %v, want null", *r.Z)
			}
		})
	}
}

func TestWilcoxonUnroundedExactP(t *testing.T) {
	// 14/128 before rounding, kept for the narrative.
	if r := Wilcoxon([]float64{4, -1, 6, 2, -3, 5, 7}); r.p != 14.0/128 {
		t.Fatalf("unrounded p = %v, want 14/128 = 0.109375", r.p)
	}
}

func TestWilcoxonNormalAgainstFormula(t *testing.T) {
	cases := []struct {
		name          string
		diffs         []float64
		n             int
		wPlus, wMinus float64
		z, p          float64 // as reported: two and four decimals
		pRaw          float64 // unrounded, from the formula
	}{
		// Ties force the normal method even with n ≤ 25.
		// |d|  1    1    2  3  4
		// rank 1.5  1.5  3  4  5   (the two 1s share ranks 1 and 2)
		// signs + + − + +: W+ = 1.5+1.5+4+5 = 12, W− = 3.
		// mean = 5·6/4 = 7.5; var = 5·6·11/24 − (2³−2)/48 = 13.75 − 0.125 = 13.625;
		// z = 4.5/√13.625 = 4.5/3.691206 = 1.219114; p = 2(1 − Φ(1.219114)) = 0.222801
		// (R: wilcox.test(c(1,1,-2,3,4), exact=FALSE, correct=FALSE): V = 12, p = 0.2228).
		{"tie among five", []float64{1, 1, -2, 3, 4}, 5, 12, 3, 1.22, 0.2228, 0.2228009911811345},
		// The same with zeros around it: dropped, nothing changes.
		{"tie among five, zeros dropped", []float64{0, 1, 0, 1, -2, 3, 4, 0}, 5, 12, 3, 1.22, 0.2228, 0.2228009911811345},
		// 30 distinct |d| = 0.5, 1, …, 15 (ranks 1..30); the 15 smallest negative.
		// W− = 1+…+15 = 120, W+ = 465 − 120 = 345.
		// mean = 30·31/4 = 232.5; var = 30·31·61/24 = 2363.75, √ = 48.618412;
		// z = 112.5/48.618412 = 2.313938; p = 2(1 − Φ(2.313938)) = 0.020671.
		{"thirty distinct", halfSteps(30, 15), 30, 345, 120, 2.31, 0.0207, 0.02067111356691233},
		// Same 30, the 10 smallest negative: W− = 55, W+ = 410;
		// z = 177.5/48.618412 = 3.650880; p = 0.000261 → 0.0003.
		{"thirty distinct, ten negative", halfSteps(30, 10), 30, 410, 55, 3.65, 0.0003, 0.0002613430922667159},
		// Mirrored: z turns negative, p stays.
		{"thirty distinct, mirrored", negate(halfSteps(30, 10)), 30, 55, 410, -3.65, 0.0003, 0.0002613430922667159},
		// then-now style: d = 2 1 0 −1 3 3 2 → zero dropped, n = 6.
		// |d|  1    1    2    2    3    3
		// rank 1.5  1.5  3.5  3.5  5.5  5.5
		// W− = 1.5 (the −1), W+ = 21 − 1.5 = 19.5.
		// mean = 6·7/4 = 10.5; var = 6·7·13/24 − 3·(2³−2)/48 = 22.75 − 0.375 = 22.375;
		// z = 9/√22.375 = 9/4.730222 = 1.902659; p = 0.057085.
		{"scale points, three tie groups", []float64{2, 1, 0, -1, 3, 3, 2}, 6, 19.5, 1.5, 1.9, 0.0571, 0.05708503927106856},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Wilcoxon(c.diffs)
			if r.N != c.n || r.WPlus != c.wPlus || r.WMinus != c.wMinus || r.Method != WilcoxonNormal {
				t.Fatalf("Wilcoxon = n %d, W+ %v, W− %v, %q; want n %d, W+ %v, W− %v, normal",
					r.N, r.WPlus, r.WMinus, r.Method, c.n, c.wPlus, c.wMinus)
			}
			if r.Z == nil || *r.Z != c.z || r.P == nil || *r.P != c.p {
				t.Fatalf("z = %s, p = %s; want %v, %v", ptrValue(r.Z), ptrValue(r.P), c.z, c.p)
			}
			if math.Abs(r.p-c.pRaw) > 1e-12 {
				t.Fatalf("unrounded p = %v, want %v", r.p, c.pRaw)
			}
		})
	}
}

// halfSteps returns the differences ±0.5, ±1, …, ±n/2, the first negative
// of them negative, in a scrambled order (the test must not depend on it).
func halfSteps(n, negative int) []float64 {
	d := make([]float64, n)
	for i := range n {
		d[i] = float64(i+1) / 2
		if i < negative {
			d[i] = -d[i]
		}
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(n, func(i, j int) { d[i], d[j] = d[j], d[i] })
	return d
}

func negate(d []float64) []float64 {
	out := make([]float64, len(d))
	for i, x := range d {
		out[i] = -x
	}
	return out
}

func TestWilcoxonMethodBoundary(t *testing.T) {
	// 25 distinct: exact. All positive: p = 2/2^25 = 6e-8 → 0.0000.
	if r := Wilcoxon(halfSteps(25, 0)); r.Method != WilcoxonExact || *r.P != 0 || r.p != 2.0/(1<<25) {
		t.Fatalf("n = 25: %q, p %s (raw %v); want exact, 0 (2/2^25)", r.Method, ptrValue(r.P), r.p)
	}
	// 26 distinct: normal, although there is no tie.
	if r := Wilcoxon(halfSteps(26, 0)); r.Method != WilcoxonNormal {
		t.Fatalf("n = 26: %q, want normal", r.Method)
	}
	// 25 differences but 30 with the zeros: the zeros do not count.
	d := append(halfSteps(25, 3), 0, 0, 0, 0, 0)
	if r := Wilcoxon(d); r.N != 25 || r.Method != WilcoxonExact {
		t.Fatalf("n = %d, %q; want 25, exact", r.N, r.Method)
	}
}

func TestWilcoxonTiesSurviveFloatingPointScores(t *testing.T) {
	// On a 7-point test, 2 of 7 → 3 of 7 and 0 → 1 of 7 both gain 100/7
	// points, but in floating point 100·3/7 − 100·2/7 = 14.285714285714281
	// and 100·1/7 − 0 = 14.285714285714286. They must tie:
	// |d| 100/7 100/7 200/7 → ranks 1.5 1.5 3, all positive: W+ = 6,
	// and the tie makes the method normal.
	diffs := []float64{
		Score(3, 7) - Score(2, 7),
		Score(1, 7) - Score(0, 7),
		Score(3, 7) - Score(1, 7),
		Score(5, 7) - Score(4, 7) - (Score(3, 7) - Score(2, 7)), // 0 on paper
	}
	if diffs[0] == diffs[1] {
		t.Fatal("the example no longer shows a floating-point difference")
	}
	r := Wilcoxon(diffs)
	if r.N != 3 || r.WPlus != 6 || r.Method != WilcoxonNormal {
		t.Fatalf("n %d, W+ %v, %q; want 3, 6, normal", r.N, r.WPlus, r.Method)
	}
}

func TestWilcoxonNothingToTest(t *testing.T) {
	for name, diffs := range map[string][]float64{
		"nobody paired":        nil,
		"all differences zero": {0, 0, 0},
	} {
		t.Run(name, func(t *testing.T) {
			r := Wilcoxon(diffs)
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			const want = `{"n":0,"w_plus":0,"w_minus":0,"z":null,"p":null}`
			if string(b) != want {
				t.Fatalf("JSON = %s, want %s", b, want)
			}
		})
	}
}

func TestWilcoxonJSON(t *testing.T) {
	cases := map[string]struct {
		diffs []float64
		want  string
	}{
		"exact":  {[]float64{1, 2, 3, 4, 5}, `{"n":5,"w_plus":15,"w_minus":0,"z":null,"p":0.0625,"method":"exact"}`},
		"normal": {[]float64{1, 1, -2, 3, 4}, `{"n":5,"w_plus":12,"w_minus":3,"z":1.22,"p":0.2228,"method":"normal"}`},
	}
	for name, c := range cases {
		b, err := json.Marshal(Wilcoxon(c.diffs))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != c.want {
			t.Errorf("%s: JSON = %s, want %s", name, b, c.want)
		}
	}
}

func TestSignedRankCountsAreTheNullDistribution(t *testing.T) {
	// Hand-listed: n = 3, subsets of {1,2,3} by sum 0..6: {} {1} {2}
	// {3},{1,2} {1,3} {2,3} {1,2,3}. n = 4 by sum 0..10: … 3: {3},{1,2};
	// 4: {4},{1,3}; 5: {1,4},{2,3}; 6: {2,4},{1,2,3}; 7: {3,4},{1,2,4}; …
	hand := map[int][]uint64{
		1: {1, 1},
		2: {1, 1, 1, 1},
		3: {1, 1, 1, 2, 1, 1, 1},
		4: {1, 1, 1, 2, 2, 2, 2, 2, 1, 1, 1},
	}
	for n, want := range hand {
		got := signedRankCounts(n)
		if len(got) != len(want) {
			t.Fatalf("n = %d: %v, want %v", n, got, want)
		}
		for s := range want {
			if got[s] != want[s] {
				t.Fatalf("n = %d: %v, want %v", n, got, want)
			}
		}
	}
	// Every n up to the exact limit: 2^n subsets in all, symmetric around
	// n(n+1)/4 (a subset and its complement), and for small n the same as
	// counting every subset one by one.
	for n := 1; n <= wilcoxonExactMaxN; n++ {
		counts := signedRankCounts(n)
		total := n * (n + 1) / 2
		if len(counts) != total+1 {
			t.Fatalf("n = %d: %d sums, want %d", n, len(counts), total+1)
		}
		var sum uint64
		for s, c := range counts {
			sum += c
			if c != counts[total-s] {
				t.Fatalf("n = %d: c(%d) = %d but c(%d) = %d", n, s, c, total-s, counts[total-s])
			}
		}
		if sum != 1<<n {
			t.Fatalf("n = %d: counts sum to %d, want 2^n = %d", n, sum, uint64(1)<<n)
		}
		if n > 12 {
			continue
		}
		brute := make([]uint64, total+1)
		for mask := range 1 << n {
			s := 0
			for r := 1; r <= n; r++ {
				if mask&(1<<(r-1)) != 0 {
					s += r
				}
			}
			brute[s]++
		}
		for s := range brute {
			if brute[s] != counts[s] {
				t.Fatalf("n = %d: c(%d) = %d, enumeration says %d", n, s, counts[s], brute[s])
			}
		}
	}
}

func TestWilcoxonInvariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	cases := [][]float64{
		{1}, {-1}, {0, 0, 1}, {1, -1}, {2, -2, 2, -2}, {5, 5, 5, 5, 5},
		halfSteps(25, 12), halfSteps(26, 13), halfSteps(40, 0), halfSteps(40, 40),
	}
	for range 200 {
		n := rng.IntN(40)
		d := make([]float64, n)
		for i := range d {
			d[i] = float64(rng.IntN(9) - 4) // many ties and zeros
			if rng.IntN(2) == 0 {
				d[i] = rng.Float64()*200 - 100 // distinct
			}
		}
		cases = append(cases, d)
	}
	for _, d := range cases {
		r := Wilcoxon(d)
		if r.N == 0 {
			if r.P != nil || r.Z != nil || r.Method != "" {
				t.Fatalf("%v: nothing to test, yet p %s, z %s, %q", d, ptrValue(r.P), ptrValue(r.Z), r.Method)
			}
			continue
		}
		if r.P == nil || *r.P < 0 || *r.P > 1 || r.p > 1 {
			t.Fatalf("%v: p = %s (raw %v), want within [0, 1]", d, ptrValue(r.P), r.p)
		}
		n := float64(r.N)
		if !approx(r.WPlus+r.WMinus, n*(n+1)/2) {
			t.Fatalf("%v: W+ + W− = %v, want N(N+1)/2 = %v", d, r.WPlus+r.WMinus, n*(n+1)/2)
		}
		m := Wilcoxon(negate(d))
		if m.WPlus != r.WMinus || m.WMinus != r.WPlus || *m.P != *r.P || m.Method != r.Method {
			t.Fatalf("%v: mirrored gives W+ %v W− %v p %v %q; want %v %v %v %q",
				d, m.WPlus, m.WMinus, *m.P, m.Method, r.WMinus, r.WPlus, *r.P, r.Method)
		}
	}
}

func TestScore(t *testing.T) {
	cases := []struct{ earned, max, want float64 }{
		{4, 5, 80}, // exactly 80, not 80.00000000000001
		{2, 3, 200.0 / 3},
		{0, 10, 0},
		{10, 10, 100},
		{1.5, 2, 75}, // half points
		{0, 0, 0},    // nothing to earn
	}
	for _, c := range cases {
		if got := Score(c.earned, c.max); got != c.want {
			t.Errorf("Score(%v, %v) = %v, want %v", c.earned, c.max, got, c.want)
		}
	}
}

func TestNormalizedGain(t *testing.T) {
	cases := []struct {
		pre, post, want float64
		ok              bool
	}{
		{55, 81, 0.58, true},  // 26/45 = 0.5778
		{60, 50, -0.25, true}, // −10/40: scores fell
		{0, 100, 1, true},
		{40, 40, 0, true},
		{90, 95, 0.5, true},
		{100, 100, 0, false}, // nothing left to gain
		{100, 90, 0, false},
	}
	for _, c := range cases {
		got, ok := NormalizedGain(c.pre, c.post)
		if got != c.want || ok != c.ok {
			t.Errorf("NormalizedGain(%v, %v) = %v, %v; want %v, %v", c.pre, c.post, got, ok, c.want, c.ok)
		}
	}
}

func TestMasteryRoundsHalfUpAndIncludesTheThreshold(t *testing.T) {
	cases := []struct {
		name      string
		scores    []float64
		threshold float64
		want      int
	}{
		// 1 of 8 at or above 80: 12.5 → 13.
		{"one of eight", []float64{80, 79.9, 50, 60, 70, 10, 0, 79}, 80, 13},
		// 3 of 8: 37.5 → 38.
		{"three of eight", []float64{100, 90, 80, 70, 60, 50, 40, 30}, 80, 38},
		// 90 computed another way than Score: nine items worth 0.1 each,
		// summed in floating point and × 100, are 89.99999999999999 —
		// still counts.
		{"a bit below, equal on paper", []float64{tenths(9) * 100}, 90, 100},
		{"2 of 3", []float64{Score(2, 3), Score(3, 3), Score(1, 3)}, 60, 67},
		{"nobody", nil, 80, 0},
		{"everyone", []float64{80, 80}, 80, 100},
	}
	for _, c := range cases {
		if got := Mastery(c.scores, c.threshold); got != c.want {
			t.Errorf("%s: Mastery(%v, %v) = %d, want %d", c.name, c.scores, c.threshold, got, c.want)
		}
	}
}

// tenths sums 0.1 n times at run time (a constant expression would be exact).
func tenths(n int) float64 {
	sum := 0.0
	for range n {
		sum += 0.1
	}
	return sum
}

func TestPairedScoresAgainstHandComputedCase(t *testing.T) {
	// pre  40 50 60 20  80  90    sum 340, mean 56.667 → 56.7
	// post 80 65 90 45 100  85    sum 465, mean 77.5
	// d    40 15 30 25  20  −5
	// rank  6  2  5  4   3   1    W+ = 20, W− = 1, no ties, n = 6: exact;
	// P(W− ≤ 1) = |{{}, {1}}| / 64, p = 4/64 = 0.0625.
	// gain = (77.5 − 56.667)/(100 − 56.667) = 20.833/43.333 = 0.4808 → 0.48.
	// mastery at 80: pre 80 90 → 2/6 = 33.3 → 33; post 80 90 100 85 → 4/6 = 66.7 → 67.
	pairs := [][2]float64{{40, 80}, {50, 65}, {60, 90}, {20, 45}, {80, 100}, {90, 85}}
	s := PairedScores(pairs, 80)
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"n_paired":6,"pre_mean_percent":56.7,"post_mean_percent":77.5,"normalized_gain":0.48,` +
		`"wilcoxon":{"n":6,"w_plus":20,"w_minus":1,"z":null,"p":0.0625,"method":"exact"},` +
		`"mastery_percent":80,"mastery_pre_percent":33,"mastery_post_percent":67}`
	if string(b) != want {
		t.Fatalf("JSON =\n%s\nwant\n%s", b, want)
	}
	if !approx(s.preMean, 340.0/6) || s.postMean != 77.5 {
		t.Fatalf("unrounded means %v, %v; want 56.666…, 77.5", s.preMean, s.postMean)
	}
}

func TestPairedScoresEdgeCases(t *testing.T) {
	t.Run("nobody paired", func(t *testing.T) {
		b, _ := json.Marshal(PairedScores(nil, 80))
		const want = `{"n_paired":0,"pre_mean_percent":null,"post_mean_percent":null,"normalized_gain":null,` +
			`"wilcoxon":{"n":0,"w_plus":0,"w_minus":0,"z":null,"p":null},` +
			`"mastery_percent":80,"mastery_pre_percent":null,"mastery_post_percent":null}`
		if string(b) != want {
			t.Fatalf("JSON =\n%s\nwant\n%s", b, want)
		}
	})
	t.Run("full marks before", func(t *testing.T) {
		// Pre mean 100: no gain defined; every difference is 0 or
		// negative. d = 0, −10 → n = 1, W− = 1, exact p = 1.
		s := PairedScores([][2]float64{{100, 100}, {100, 90}}, 80)
		if s.NormalizedGain != nil {
			t.Fatalf("gain = %v, want null", *s.NormalizedGain)
		}
		if *s.PreMeanPercent != 100 || *s.PostMeanPercent != 95 || s.Wilcoxon.N != 1 || *s.Wilcoxon.P != 1 {
			t.Fatalf("got %+v", s)
		}
	})
	t.Run("mean rounds half up to one decimal", func(t *testing.T) {
		// pre (12 + 12.5)/2 = 12.25 → 12.3; post (50 + 50.1)/2 = 50.05 → 50.1.
		s := PairedScores([][2]float64{{12, 50}, {12.5, 50.1}}, 80)
		if *s.PreMeanPercent != 12.3 || *s.PostMeanPercent != 50.1 {
			t.Fatalf("means %v, %v; want 12.3, 50.1", *s.PreMeanPercent, *s.PostMeanPercent)
		}
	})
}

func TestPairedScoresEmbedsInTheTestBlockInContractOrder(t *testing.T) {
	// How the post-test summary is meant to use it: embedded between n_post
	// and items, the keys come out in the contract's order.
	block := struct {
		MaxPoints int `json:"max_points"`
		NPre      int `json:"n_pre"`
		NPost     int `json:"n_post"`
		PairedScoresSummary
		Items []string `json:"items"`
	}{MaxPoints: 5, NPre: 2, NPost: 1, PairedScoresSummary: PairedScores([][2]float64{{40, 80}}, 80), Items: []string{}}
	b, _ := json.Marshal(block)
	const want = `{"max_points":5,"n_pre":2,"n_post":1,"n_paired":1,"pre_mean_percent":40,"post_mean_percent":80,` +
		`"normalized_gain":0.67,"wilcoxon":{"n":1,"w_plus":1,"w_minus":0,"z":null,"p":1,"method":"exact"},` +
		`"mastery_percent":80,"mastery_pre_percent":0,"mastery_post_percent":100,"items":[]}`
	if string(b) != want {
		t.Fatalf("JSON =\n%s\nwant\n%s", b, want)
	}
}

func TestThenNowAgainstHandComputedCase(t *testing.T) {
	// then 2 3 3 4 1 2 3   sum 18, mean 2.571 → 2.57
	// now  4 4 3 3 4 5 5   sum 28, mean 4.00
	// d    2 1 0 −1 3 3 2  improved 5, same 1, worse 1
	// Wilcoxon on d: as "scale points, three tie groups" above —
	// n 6, W+ 19.5, W− 1.5, z 1.90, p 0.0571, normal.
	s := ThenNow([][2]int{{2, 4}, {3, 4}, {3, 3}, {4, 3}, {1, 4}, {2, 5}, {3, 5}})
	b, _ := json.Marshal(s)
	const want = `{"n":7,"then_mean":2.57,"now_mean":4,"improved":5,"same":1,"worse":1,` +
		`"wilcoxon":{"n":6,"w_plus":19.5,"w_minus":1.5,"z":1.9,"p":0.0571,"method":"normal"}}`
	if string(b) != want {
		t.Fatalf("JSON =\n%s\nwant\n%s", b, want)
	}
}

func TestThenNowNobodyAndNoChange(t *testing.T) {
	b, _ := json.Marshal(ThenNow(nil))
	const none = `{"n":0,"then_mean":null,"now_mean":null,"improved":0,"same":0,"worse":0,` +
		`"wilcoxon":{"n":0,"w_plus":0,"w_minus":0,"z":null,"p":null}}`
	if string(b) != none {
		t.Fatalf("nobody: JSON = %s, want %s", b, none)
	}
	b, _ = json.Marshal(ThenNow([][2]int{{3, 3}, {4, 4}}))
	const same = `{"n":2,"then_mean":3.5,"now_mean":3.5,"improved":0,"same":2,"worse":0,` +
		`"wilcoxon":{"n":0,"w_plus":0,"w_minus":0,"z":null,"p":null}}`
	if string(b) != same {
		t.Fatalf("no change: JSON = %s, want %s", b, same)
	}
}
