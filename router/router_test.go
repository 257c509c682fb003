package router

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newRouter(t testing.TB, cfg Config) *Router {
	t.Helper()
	r, err := NewRouter(cfg)
	require.NoError(t, err)
	return r
}

// ideal is a candidate whose every source-score factor is 1.
func ideal(name string) Candidate {
	return Candidate{Name: name, View: View{Score: 1, Quality: 1}, Capacity: 1, Serves: true}
}

func TestScoreFactors(t *testing.T) {
	r := newRouter(t, Config{}) // weights .30 .25 .20 .15 .10; L = 1s; C = 0.01
	quota := func(rem int64) func(*Candidate) {
		return func(c *Candidate) {
			c.View.Quota = Quota{Limit: 100, Remaining: rem}
			c.View.QuotaUntil = t0.Add(time.Minute)
		}
	}
	tests := []struct {
		name   string
		set    func(*Candidate)
		budget float64
		want   float64
	}{
		{"ideal", func(*Candidate) {}, Unlimited, 1},
		{"health 0.5", func(c *Candidate) { c.View.Score = 0.5 }, Unlimited, 1 - 0.30*0.5},
		{"health NaN counts as 0", func(c *Candidate) { c.View.Score = math.NaN() }, Unlimited, 0.70},
		{"quality 0.5", func(c *Candidate) { c.View.Quality = 0.5 }, Unlimited, 1 - 0.25*0.5},
		{"quality 0", func(c *Candidate) { c.View.Quality = 0 }, Unlimited, 0.75},
		{"latency = reference", func(c *Candidate) { c.View.Latency = time.Second }, Unlimited, 1 - 0.20*0.5},
		{"latency 3x reference", func(c *Candidate) { c.View.Latency = 3 * time.Second }, Unlimited, 1 - 0.20*0.75},
		{"latency 100ms", func(c *Candidate) { c.View.Latency = 100 * time.Millisecond }, Unlimited, 1 - 0.20*(1-1/1.1)},
		{"capacity 0.5", func(c *Candidate) { c.Capacity = 0.5 }, Unlimited, 1 - 0.15*0.5},
		{"capacity above 1 clipped", func(c *Candidate) { c.Capacity = 7 }, Unlimited, 1},
		{"provider quota 20%", quota(20), Unlimited, 1 - 0.15*0.8},
		{"tighter of limiter and quota", func(c *Candidate) { quota(60)(c); c.Capacity = 0.3 }, Unlimited, 1 - 0.15*0.7},
		{"cost = reference", func(c *Candidate) { c.Cost = 0.01 }, Unlimited, 1 - 0.10*0.5},
		{"cost 3x reference", func(c *Candidate) { c.Cost = 0.03 }, Unlimited, 1 - 0.10*0.75},
		{"cost = reference, +Inf budget", func(c *Candidate) { c.Cost = 0.01 }, math.Inf(1), 1 - 0.10*0.5},
		{"cost half the budget", func(c *Candidate) { c.Cost = 0.01 }, 0.02, 1 - 0.10*0.75},
		{"cost the whole budget", func(c *Candidate) { c.Cost = 0.01 }, 0.01, 0.90},
		{"cost 1% of the budget", func(c *Candidate) { c.Cost = 0.01 }, 1, 1 - 0.10*(1-0.5*0.99)},
		{"free with no budget", func(*Candidate) {}, 0, 1},
		{"over budget scores 0 on cost", func(c *Candidate) { c.Cost = 0.01 }, 0, 0.90},
		{"negative budget is spent", func(c *Candidate) { c.Cost = 0.01 }, -1, 0.90},
		{"NaN budget is spent", func(c *Candidate) { c.Cost = 0.01 }, math.NaN(), 0.90},
		{"free with a NaN budget", func(*Candidate) {}, math.NaN(), 1},
		{"NaN cost scores 0 on cost", func(c *Candidate) { c.Cost = math.NaN() }, Unlimited, 0.90},
		{"+Inf cost scores 0 on cost", func(c *Candidate) { c.Cost = math.Inf(1) }, Unlimited, 0.90},
		{"negative cost counts as free", func(c *Candidate) { c.Cost = -1 }, 0.5, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ideal("a")
			tt.set(&c)
			assert.InDelta(t, tt.want, r.Score(c, tt.budget, t0), 1e-12)
		})
	}
}

func TestScoreCustomWeights(t *testing.T) {
	c := ideal("a")
	c.Cost, c.View.Quality, c.View.Latency = 0.03, 0.1, time.Hour

	onlyCost := newRouter(t, Config{ScoreWeights: ScoreWeights{Cost: 1}})
	assert.InDelta(t, 0.25, onlyCost.Score(c, Unlimited, t0), 1e-12)

	refs := newRouter(t, Config{ScoreWeights: ScoreWeights{Performance: 1, Cost: 1}, ReferenceLatency: time.Hour, ReferenceCost: 0.03})
	assert.InDelta(t, (0.5+0.5)/2, refs.Score(c, Unlimited, t0), 1e-12)
}

func TestEligibility(t *testing.T) {
	r := newRouter(t, Config{})
	exhausted := func(c *Candidate) {
		c.View.Quota = Quota{Limit: 100, Remaining: 0}
		c.View.QuotaUntil = t0.Add(time.Second)
	}
	tests := []struct {
		name   string
		set    func(*Candidate)
		budget float64
		want   Eligibility
	}{
		{"ideal", func(*Candidate) {}, Unlimited, Eligible},
		{"zero candidate", func(c *Candidate) { *c = Candidate{} }, Unlimited, NotServed},
		{"not served", func(c *Candidate) { c.Serves = false }, Unlimited, NotServed},
		{"breaker open", func(c *Candidate) { c.BreakerOpen = true }, Unlimited, BreakerOpen},
		{"no limiter capacity", func(c *Candidate) { c.Capacity = 0 }, Unlimited, NoCapacity},
		{"NaN capacity", func(c *Candidate) { c.Capacity = math.NaN() }, Unlimited, NoCapacity},
		{"provider quota exhausted", exhausted, Unlimited, NoCapacity},
		{"quota exhausted, reset passed", func(c *Candidate) { exhausted(c); c.View.QuotaUntil = t0 }, Unlimited, Eligible},
		{"little capacity is capacity", func(c *Candidate) { c.Capacity = 0.001 }, Unlimited, Eligible},
		{"over budget", func(c *Candidate) { c.Cost = 0.5 }, 0.4, OverBudget},
		{"exactly the budget", func(c *Candidate) { c.Cost = 0.4 }, 0.4, Eligible},
		{"+Inf budget", func(c *Candidate) { c.Cost = 1e300 }, math.Inf(1), Eligible},
		{"free with nothing left", func(*Candidate) {}, 0, Eligible},
		{"overspent budget is exhausted", func(c *Candidate) { c.Cost = 0.001 }, -0.5, OverBudget},
		{"free with overspent budget", func(*Candidate) {}, -0.5, Eligible},
		{"NaN budget is exhausted", func(c *Candidate) { c.Cost = 0.001 }, math.NaN(), OverBudget},
		{"NaN cost", func(c *Candidate) { c.Cost = math.NaN() }, Unlimited, OverBudget},
		{"first reason wins", func(c *Candidate) { c.BreakerOpen, c.Capacity, c.Cost = true, 0, 9 }, 1, BreakerOpen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ideal("a")
			tt.set(&c)
			assert.Equal(t, tt.want, r.Eligibility(c, tt.budget, t0))
			ranked := r.Rank([]Candidate{c}, tt.budget, t0, nil)
			assert.Equal(t, tt.want == Eligible, len(ranked) == 1, "Rank agrees")
			_, found := r.Pick([]Candidate{c}, tt.budget, t0)
			assert.Equal(t, tt.want == Eligible, found, "Pick agrees")
		})
	}
	assert.Equal(t, "over_budget", OverBudget.String())
	assert.Equal(t, "eligibility(42)", Eligibility(42).String())
	b, err := NoCapacity.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "no_capacity", string(b))
}

func TestRankOrderAndTies(t *testing.T) {
	r := newRouter(t, Config{})
	cands := []Candidate{
		ideal("slow"), ideal("tie-b"), ideal("open"), ideal("tie-a"), ideal("best"), ideal("order0"), ideal("dup"), ideal("dup"),
	}
	cands[0].View.Latency = time.Second
	cands[2].BreakerOpen = true
	for _, i := range []int{1, 3, 5, 6, 7} {
		cands[i].View.Quality = 0.9
		cands[i].Order = 1
	}
	cands[5].Order = 0
	cands[4].Order = 9 // the best score wins whatever its order

	got := r.Rank(cands, Unlimited, t0, nil)
	var names []string
	var idx []int
	for _, x := range got {
		names = append(names, cands[x.Index].Name)
		idx = append(idx, x.Index)
		assert.Equal(t, r.Score(cands[x.Index], Unlimited, t0), x.Score)
	}
	assert.Equal(t, []string{"best", "order0", "dup", "dup", "tie-a", "tie-b", "slow"}, names)
	assert.Equal(t, []int{4, 5, 6, 7, 3, 1, 0}, idx)

	best, found := r.Pick(cands, Unlimited, t0)
	assert.True(t, found)
	assert.Equal(t, 4, best)

	_, found = r.Pick(nil, Unlimited, t0)
	assert.False(t, found)
	assert.Empty(t, r.Rank(nil, Unlimited, t0, nil))
}

func TestRankAppends(t *testing.T) {
	r := newRouter(t, Config{})
	prefix := []Ranked{{Index: 99, Score: -1}}
	got := r.Rank([]Candidate{ideal("a")}, Unlimited, t0, prefix)
	assert.Equal(t, []Ranked{{Index: 99, Score: -1}, {Index: 0, Score: 1}}, got)
}

// randomCandidates returns n candidates with seeded random factors, with
// deliberate duplicates of score so that ties occur.
func randomCandidates(rng *rand.Rand, n int) []Candidate {
	cands := make([]Candidate, n)
	for i := range cands {
		c := ideal(string(rune('a' + rng.IntN(6))))
		c.Order = rng.IntN(3)
		c.View.Score = float64(rng.IntN(4)) / 4
		c.View.Quality = float64(rng.IntN(3)) / 3
		c.View.Latency = time.Duration(rng.IntN(3)) * 100 * time.Millisecond
		c.Capacity = float64(rng.IntN(5)) / 4
		c.Cost = float64(rng.IntN(3)) * 0.01
		c.BreakerOpen = rng.IntN(8) == 0
		c.Serves = rng.IntN(8) != 0
		cands[i] = c
	}
	return cands
}

func TestRankMatchesPickAndSort(t *testing.T) {
	r := newRouter(t, Config{})
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 5, 12, 13, 40, 200} {
		for range 20 {
			cands := randomCandidates(rng, n)
			budget := []float64{Unlimited, 0.015, 0}[rng.IntN(3)]
			got := r.Rank(cands, budget, t0, nil)

			// The reference: filter, then a stable sort by the documented key.
			var want []Ranked
			for i, c := range cands {
				if r.Eligibility(c, budget, t0) == Eligible {
					want = append(want, Ranked{Index: i, Score: r.Score(c, budget, t0)})
				}
			}
			slices.SortStableFunc(want, func(a, b Ranked) int {
				ca, cb := cands[a.Index], cands[b.Index]
				switch {
				case a.Score > b.Score:
					return -1
				case a.Score < b.Score:
					return 1
				case ca.Order != cb.Order:
					return ca.Order - cb.Order
				case ca.Name < cb.Name:
					return -1
				case ca.Name > cb.Name:
					return 1
				}
				return 0
			})
			require.Equal(t, want, got, "n=%d", n)

			best, found := r.Pick(cands, budget, t0)
			require.Equal(t, len(want) > 0, found)
			if found {
				require.Equal(t, want[0].Index, best)
			}
		}
	}
}

func TestRankDoesNotAllocate(t *testing.T) {
	r := newRouter(t, Config{})
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{2, 8, 32} {
		cands := randomCandidates(rng, n)
		dst := make([]Ranked, 0, n)
		allocs := testing.AllocsPerRun(100, func() {
			dst = r.Rank(cands, 0.015, t0, dst[:0])
			_, _ = r.Pick(cands, 0.015, t0)
		})
		assert.Equal(t, 0.0, allocs, "n=%d", n)
	}
}

func TestRankBudgetDrain(t *testing.T) {
	r := newRouter(t, Config{})
	a := ideal("a") // better, dearer
	a.View.Score, a.View.Quality, a.Cost = 0.95, 0.95, 0.009
	b := ideal("b") // worse, cheap
	b.View.Score, b.View.Quality, b.Cost = 0.90, 0.85, 0.001
	cands := []Candidate{a, b}
	tests := []struct {
		budget float64
		want   []string
	}{
		{Unlimited, []string{"a", "b"}},
		{1, []string{"a", "b"}},
		{0.1, []string{"b", "a"}},   // a takes 9% of what is left
		{0.009, []string{"b", "a"}}, // a takes all of it
		{0.005, []string{"b"}},      // a is over budget
		{0.0005, nil},               // so is b
	}
	for _, tt := range tests {
		var got []string
		for _, x := range r.Rank(cands, tt.budget, t0, nil) {
			got = append(got, cands[x.Index].Name)
		}
		assert.Equal(t, tt.want, got, "budget %v", tt.budget)
	}
}

func TestColdStartRanking(t *testing.T) {
	tr := newTracker(t, Config{},
		Profile{Name: "trusted", Confidence: 0.95, ExpectedLatency: 100 * time.Millisecond},
		Profile{Name: "doubtful", Confidence: 0.6, ExpectedLatency: 50 * time.Millisecond},
		Profile{Name: "veteran", Confidence: 0.95, ExpectedLatency: 100 * time.Millisecond},
	)
	r := newRouter(t, Config{})
	// The veteran has a long history of failing half the time.
	for i := range 100 {
		at := t0.Add(time.Duration(i) * time.Second)
		if i%2 == 0 {
			tr.Record("veteran", "cpc", ok(at, 100*time.Millisecond))
		} else {
			tr.Record("veteran", "cpc", fail(at, "transient"))
		}
	}
	now := t0.Add(100 * time.Second)
	cands := make([]Candidate, 3)
	for i, n := range []string{"trusted", "doubtful", "veteran"} {
		cands[i] = Candidate{Name: n, Order: i, View: tr.View(n, "cpc", now), Capacity: 1, Serves: true}
	}
	// trusted: health 0.4·0.95 + 0.15 + 0.2·0.95 + 0.15 + 0.1 = 0.97;
	// score 0.3·0.97 + 0.25·0.95 + 0.2/(1+0.1) + 0.15 + 0.1.
	assert.InDelta(t, 0.97, cands[0].View.Score, 1e-12)
	assert.InDelta(t, 0.3*0.97+0.25*0.95+0.2/1.1+0.15+0.1, r.Score(cands[0], Unlimited, now), 1e-12)
	// doubtful: health 0.4·0.6 + 0.15 + 0.2·0.6 + 0.25 = 0.76.
	assert.InDelta(t, 0.76, cands[1].View.Score, 1e-12)
	assert.Equal(t, Degraded, cands[1].View.Status)

	var got []string
	for _, x := range r.Rank(cands, Unlimited, now, nil) {
		got = append(got, cands[x.Index].Name)
	}
	// The trusted newcomer outranks a veteran that fails half the time; the
	// doubtful newcomer, judged by its low confidence, comes last.
	assert.Equal(t, []string{"trusted", "veteran", "doubtful"}, got)
	assert.InDelta(t, 0.3*0.76+0.25*0.6+0.2/1.05+0.15+0.1, r.Score(cands[1], Unlimited, now), 1e-12)
}

// TestQualityFlip drives two providers through a data-quality outage of the
// better one: the ranking must move to the other within a bounded number
// of outcomes, and move back after recovery.
func TestQualityFlip(t *testing.T) {
	const window = 20
	tr := newTracker(t, Config{Window: window},
		Profile{Name: "a", Confidence: 0.95, ExpectedLatency: 100 * time.Millisecond},
		Profile{Name: "b", Confidence: 0.95, ExpectedLatency: 150 * time.Millisecond},
	)
	r := newRouter(t, Config{Window: window})
	at := t0
	leader := func() string {
		cands := []Candidate{
			{Name: "a", Order: 0, View: tr.View("a", "cpc", at), Capacity: 1, Serves: true},
			{Name: "b", Order: 1, View: tr.View("b", "cpc", at), Capacity: 1, Serves: true},
		}
		i, found := r.Pick(cands, Unlimited, at)
		require.True(t, found)
		return cands[i].Name
	}
	step := func(aOutcome Outcome) {
		tr.Record("a", "cpc", aOutcome)
		tr.Record("b", "cpc", ok(at, 150*time.Millisecond))
		at = at.Add(time.Second)
	}
	for range window {
		step(ok(at, 100*time.Millisecond))
	}
	require.Equal(t, "a", leader(), "a is faster")

	// a starts answering garbage.
	flippedAfter := 0
	for i := 1; i <= 10; i++ {
		step(garbage(at, 100*time.Millisecond))
		if leader() == "b" && flippedAfter == 0 {
			flippedAfter = i
		}
		if flippedAfter > 0 {
			require.Equal(t, "b", leader(), "stays on b while a is degraded (outcome %d)", i)
		}
	}
	require.NotZero(t, flippedAfter, "the ranking flipped to b")
	assert.LessOrEqual(t, flippedAfter, 2)
	assert.Less(t, tr.View("a", "cpc", at).Quality, 0.7)

	// a recovers.
	backAfter := 0
	for i := 1; i <= 2*window; i++ {
		step(ok(at, 100*time.Millisecond))
		if leader() == "a" {
			backAfter = i
			break
		}
	}
	require.NotZero(t, backAfter, "the ranking flipped back to a")
	assert.LessOrEqual(t, backAfter, window, "within one window of good outcomes")
	t.Logf("flipped to b after %d garbage outcomes, back to a after %d good ones", flippedAfter, backAfter)
}

// refScore and refEligible are Score and Eligibility written out from
// their doc comments, one candidate at a time. Score, Eligibility, Rank
// and Pick must give exactly their results.
func refScore(r *Router, c *Candidate, budget float64, now time.Time) float64 {
	w := &r.weights
	v := &c.View
	capacity := min(clamp01(c.Capacity), v.QuotaRatio(now))
	s := w.Health*clamp01(v.Score) +
		w.Quality*clamp01(v.Quality) +
		w.Performance*r.performance(v.Latency) +
		w.Capacity*capacity +
		w.Cost*r.costFactor(c.Cost, budget)
	return clamp01(s)
}

func refEligible(c *Candidate, budget float64, now time.Time) bool {
	b := sanitiseBudget(budget)
	return c.Serves && !c.BreakerOpen && c.Capacity > 0 && c.View.QuotaRatio(now) > 0 && !math.IsNaN(c.Cost) && (b >= Unlimited || c.Cost <= b)
}

// TestRankMatchesReference checks Rank, Pick, Score and Eligibility
// against the reference on candidates with odd values: quotas, NaN and
// infinite costs and capacities, negative zero, runs of equal costs.
func TestRankMatchesReference(t *testing.T) {
	r := newRouter(t, Config{})
	rng := rand.New(rand.NewPCG(11, 12))
	odd := []float64{0, math.Copysign(0, -1), 0.005, 0.01, 0.01, 0.02, 1, -1, math.NaN(), math.Inf(1), math.Inf(-1)}
	until := t0.Add(time.Minute)
	for _, n := range []int{1, 2, 3, 8, 32, 48, 49, 100} {
		for range 50 {
			cands := randomCandidates(rng, n)
			for i := range cands {
				c := &cands[i]
				if rng.IntN(3) == 0 {
					c.Cost = odd[rng.IntN(len(odd))]
				}
				if rng.IntN(6) == 0 {
					c.Capacity = odd[rng.IntN(len(odd))]
				}
				if rng.IntN(6) == 0 {
					c.View.Score = odd[rng.IntN(len(odd))]
				}
				if rng.IntN(4) == 0 {
					c.View.Quota = Quota{Limit: int64(rng.IntN(3)) * 10, Remaining: int64(rng.IntN(12) - 2)}
					c.View.QuotaUntil = []time.Time{until, t0, t0.Add(-time.Second)}[rng.IntN(3)]
				}
			}
			budget := []float64{Unlimited, math.Inf(1), 0.015, 0.01, 0, -1, math.NaN()}[rng.IntN(7)]
			var want []Ranked
			for i := range cands {
				c := &cands[i]
				require.Equal(t, refEligible(c, budget, t0), r.Eligibility(*c, budget, t0) == Eligible)
				s := refScore(r, c, budget, t0)
				require.Equal(t, math.Float64bits(s), math.Float64bits(r.Score(*c, budget, t0)), "score of %+v", *c)
				if refEligible(c, budget, t0) {
					want = append(want, Ranked{Index: i, Score: s})
				}
			}
			slices.SortStableFunc(want, func(a, b Ranked) int { return compareRanked(a, b, candidateKey(cands)) })
			got := r.Rank(cands, budget, t0, nil)
			require.Equal(t, len(want), len(got), "n=%d", n)
			for i := range want {
				require.Equal(t, want[i].Index, got[i].Index, "n=%d rank %d", n, i)
				require.Equal(t, math.Float64bits(want[i].Score), math.Float64bits(got[i].Score), "n=%d rank %d", n, i)
			}
			best, found := r.Pick(cands, budget, t0)
			require.Equal(t, len(want) > 0, found)
			if found {
				require.Equal(t, want[0].Index, best)
			}
		}
	}
}

// No budget is no budget, whatever the cost: Unlimited and +Inf alike
// leave a candidate of any cost, +Inf included, eligible.
func TestUnlimitedAndInfinityAreTheSameBudget(t *testing.T) {
	r, err := NewRouter(Config{})
	require.NoError(t, err)
	now := time.Now()
	for _, cost := range []float64{0, 1, math.MaxFloat64, math.Inf(1)} {
		c := Candidate{Serves: true, Capacity: 1, Cost: cost}
		assert.Equal(t, Eligible, r.Eligibility(c, Unlimited, now), "cost %v", cost)
		assert.Equal(t, Eligible, r.Eligibility(c, math.Inf(1), now), "cost %v", cost)
	}
	c := Candidate{Serves: true, Capacity: 1, Cost: 2}
	assert.Equal(t, OverBudget, r.Eligibility(c, 1, now))
	assert.Equal(t, OverBudget, r.Eligibility(c, math.NaN(), now), "a NaN budget is spent")
}
