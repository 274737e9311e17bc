package report

import (
	"math"
	"slices"
	"testing"
)

func TestLargestRemainderRowsSumTo100WithDocumentedTies(t *testing.T) {
	cases := []struct {
		name   string
		counts []int
		want   []int
	}{
		// 33.3 each: one point to hand out, equal remainders and counts,
		// so the first listed (strongly agree) gets it.
		{"three-way tie goes to the first", []int{1, 1, 1}, []int{34, 33, 33}},
		// 16.67 each: four points, to the first four.
		{"six-way tie", []int{1, 1, 1, 1, 1, 1}, []int{17, 17, 17, 17, 16, 16}},
		// Remainders all 4/6: the larger count first, then the first listed.
		{"equal remainders, larger count first", []int{1, 4, 1}, []int{17, 67, 16}},
		// 94.44 + 5.56: floors 94 + 5, the extra point to 5.56 (larger remainder).
		{"contract example", []int{17, 1, 0, 0, 0}, []int{94, 6, 0, 0, 0}},
		{"exact", []int{1, 1, 2, 0, 0}, []int{25, 25, 50, 0, 0}},
		{"two thirds", []int{2, 1}, []int{67, 33}},
		{"everyone the same", []int{0, 0, 7, 0, 0}, []int{0, 0, 100, 0, 0}},
		{"n = 0", []int{0, 0, 0, 0, 0}, []int{0, 0, 0, 0, 0}},
		{"single respondent", []int{0, 1, 0, 0, 0}, []int{0, 100, 0, 0, 0}},
		// 14.29 ×7: two points, first two.
		{"sevenths", []int{1, 1, 1, 1, 1, 1, 1}, []int{15, 15, 14, 14, 14, 14, 14}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := LargestRemainder(c.counts)
			if !slices.Equal(got, c.want) {
				t.Fatalf("LargestRemainder(%v) = %v, want %v", c.counts, got, c.want)
			}
			sum := 0
			for _, p := range got {
				sum += p
			}
			total := 0
			for _, n := range c.counts {
				total += n
			}
			if total > 0 && sum != 100 {
				t.Fatalf("row sums to %d", sum)
			}
		})
	}
}

func TestPercentHalfUp(t *testing.T) {
	cases := []struct{ part, whole, want int }{
		{1, 8, 13}, // 12.5 rounds up
		{3, 8, 38}, // 37.5
		{17, 18, 94},
		{18, 18, 100},
		{1, 3, 33},
		{2, 3, 67},
		{0, 5, 0},
		{0, 0, 0},
		{1, 200, 1}, // 0.5
		{1, 201, 0}, // 0.497
	}
	for _, c := range cases {
		if got := PercentHalfUp(c.part, c.whole); got != c.want {
			t.Errorf("PercentHalfUp(%d, %d) = %d, want %d", c.part, c.whole, got, c.want)
		}
	}
}

func TestMeanAndSampleSDAgainstHandComputedValues(t *testing.T) {
	// 17 × 5 and 1 × 4: mean 89/18 = 4.9444; squared deviations
	// 17·(1/18)² + (17/18)² = 306/324; / (n−1 = 17) = 1/18; SD = √(1/18) = 0.2357.
	mean, sd, n, ok := MeanSD([]int{5, 4, 3, 2, 1}, []int{17, 1, 0, 0, 0})
	if !ok || n != 18 || math.Abs(mean-89.0/18) > 1e-12 || math.Abs(sd-math.Sqrt(1.0/18)) > 1e-12 {
		t.Fatalf("MeanSD = %v, %v, %d, %v; want 4.9444, 0.2357, 18", mean, sd, n, ok)
	}
	if round2(mean) != 4.94 || round2(sd) != 0.24 {
		t.Fatalf("rounded: %v %v, want 4.94 0.24 (the contract example)", round2(mean), round2(sd))
	}
	// 1,2,3,4,5 once each: mean 3, Σd² = 4+1+0+1+4 = 10, /4 = 2.5, SD 1.5811.
	mean, sd, _, _ = MeanSD([]int{1, 2, 3, 4, 5}, []int{1, 1, 1, 1, 1})
	if mean != 3 || math.Abs(sd-math.Sqrt(2.5)) > 1e-12 {
		t.Fatalf("MeanSD(1..5) = %v, %v", mean, sd)
	}
	// Everyone the same: SD 0.
	if _, sd, _, _ := MeanSD([]int{5, 4}, []int{6, 0}); sd != 0 {
		t.Fatalf("SD of identical answers = %v", sd)
	}
	// A single respondent: mean is the answer, sample SD undefined.
	mean, sd, n, ok = MeanSD([]int{5, 4, 3, 2, 1}, []int{0, 0, 1, 0, 0})
	if !ok || n != 1 || mean != 3 || !math.IsNaN(sd) {
		t.Fatalf("single: %v %v %d %v", mean, sd, n, ok)
	}
	// Nobody.
	if _, _, _, ok := MeanSD([]int{1, 2}, []int{0, 0}); ok {
		t.Fatal("MeanSD with no values reports ok")
	}
}

func TestNetPromoterScore(t *testing.T) {
	values := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	counts := func(m map[int]int) []int {
		out := make([]int, 11)
		for v, c := range m {
			out[v] = c
		}
		return out
	}
	// 12 promoters, 5 passives, 1 detractor of 18: (12 − 1)/18 = 61.1 → 61.
	got, ok := NetPromoter(values, counts(map[int]int{10: 7, 9: 5, 8: 3, 7: 2, 6: 1}))
	if !ok || got != (NPS{Score: 61, Promoters: 12, Passives: 5, Detractors: 1}) {
		t.Fatalf("NPS = %+v", got)
	}
	// −12.5 rounds half up to −12.
	got, _ = NetPromoter(values, counts(map[int]int{0: 1, 8: 7}))
	if got.Score != -12 {
		t.Fatalf("NPS of 1 detractor in 8 = %d, want -12", got.Score)
	}
	got, _ = NetPromoter(values, counts(map[int]int{3: 4}))
	if got.Score != -100 {
		t.Fatalf("all detractors = %d", got.Score)
	}
	if _, ok := NetPromoter(values, counts(nil)); ok {
		t.Fatal("NPS of nobody reports ok")
	}
}
