package router

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"time"
)

// Unlimited is the budget that never runs out: pass it to Rank, Pick, Score
// and Eligibility when the resolve has no money budget. Any budget at or
// above it, including +Inf, is unlimited.
const Unlimited = math.MaxFloat64

// Candidate is one provider the resolver may call for a data type, with
// what the resolver knows of it beside its health: its breaker, its rate
// limiter and its configured cost. The zero Candidate is not eligible (it
// serves nothing and has no capacity).
type Candidate struct {
	// Name is the provider's name; it breaks ties after Order.
	Name string
	// Order is the provider's configured position; a lower Order wins a
	// tie of scores.
	Order int
	// View is the provider's health view for the data type, from
	// Tracker.View at the same now.
	View View
	// Cost is what one call costs, in the budget's money unit.
	Cost float64
	// BreakerOpen reports that the provider's circuit breaker is open.
	BreakerOpen bool
	// Capacity is the share of the resolver's rate limit for the provider
	// still available, in [0, 1]; 0 means none is left. A resolver that
	// does not rate-limit the provider passes 1.
	Capacity float64
	// Serves reports that the provider serves the data type.
	Serves bool
}

// Eligibility says whether a candidate may be called, or why not.
type Eligibility uint8

// The eligibility verdicts, in the order Router.Eligibility checks them.
const (
	// Eligible: the candidate may be called.
	Eligible Eligibility = iota
	// NotServed: the provider does not serve the data type.
	NotServed
	// BreakerOpen: the provider's circuit breaker is open.
	BreakerOpen
	// NoCapacity: the resolver's rate limiter has no capacity left for the
	// provider, or the provider reported a quota with nothing remaining
	// (View.QuotaRatio is 0).
	NoCapacity
	// OverBudget: one call costs more than the remaining budget.
	OverBudget

	numEligibilities
)

var eligibilityNames = [numEligibilities]string{"eligible", "not_served", "breaker_open", "no_capacity", "over_budget"}

// String returns the verdict's name ("over_budget").
func (e Eligibility) String() string {
	if e < numEligibilities {
		return eligibilityNames[e]
	}
	return "eligibility(" + strconv.Itoa(int(e)) + ")"
}

// MarshalText encodes the verdict as its name.
func (e Eligibility) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// Ranked is one eligible candidate in a ranking: its index in the slice
// given to Rank, and its source score.
type Ranked struct {
	// Index is the candidate's index in the slice given to Rank.
	Index int
	// Score is its source score (see Router.Score).
	Score float64
}

// Router ranks candidate providers by their source score (see Score). It is
// immutable once built, so it is safe for concurrent use, and its methods
// are pure functions of their arguments (a zero now is read as time.Now()). The zero Router is not usable
// (it scores every candidate 0): build one with NewRouter.
type Router struct {
	weights          ScoreWeights
	referenceLatency float64 // nanoseconds
	referenceCost    float64
}

// NewRouter returns a Router configured by cfg (ScoreWeights,
// ReferenceLatency and ReferenceCost). It returns an error wrapping
// ErrInvalidConfig, naming the field, when cfg is invalid.
func NewRouter(cfg Config) (*Router, error) {
	s, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	return &Router{weights: s.score, referenceLatency: float64(s.referenceLatency), referenceCost: s.referenceCost}, nil
}

// Weights returns the normalised score weights the router uses.
func (r *Router) Weights() ScoreWeights { return r.weights }

// Eligibility returns whether c may be called with the remaining budget at
// now, or the first reason it may not, checked in this order: it does not
// serve the data type, its breaker is open, it has no capacity (its
// Capacity is not positive, or its View reports an exhausted quota at
// now), or its Cost is over budget. A negative or NaN budget is an
// exhausted one (only free providers are eligible); Unlimited or +Inf is no
// budget at all.
func (r *Router) Eligibility(c Candidate, budget float64, now time.Time) Eligibility {
	return eligibility(c.Serves, c.state(), c.View.quotaRatio(orNow(now)), c.Cost, budget)
}

// state is the part of c a Pool's member gets as its State.
func (c *Candidate) state() State { return State{BreakerOpen: c.BreakerOpen, Capacity: c.Capacity} }

// eligibility is Router.Eligibility of a candidate given by its parts,
// quota being its View.QuotaRatio at now; a Pool's members serve their
// data type.
func eligibility(serves bool, st State, quota, cost, budget float64) Eligibility {
	switch {
	case !serves:
		return NotServed
	case st.BreakerOpen:
		return BreakerOpen
	case !(st.Capacity > 0) || quota <= 0:
		return NoCapacity
	case overBudget(cost, budget):
		return OverBudget
	}
	return Eligible
}

// overBudget reports whether one call of cost is more than budget: never
// with no budget (Unlimited or more, +Inf included), whatever the cost
// but NaN, which no budget pays.
func overBudget(cost, budget float64) bool {
	b := sanitiseBudget(budget)
	return math.IsNaN(cost) || b < Unlimited && !(cost <= b)
}

func sanitiseBudget(b float64) float64 {
	if !(b >= 0) {
		return 0
	}
	return b
}

// Score returns c's source score in [0, 1], as of now with the remaining
// budget, whether or not c is eligible:
//
//	score = Health·h + Quality·q + Performance·p + Capacity·c + Cost·k
//
// with the normalised ScoreWeights and the factors, each in [0, 1]:
//
//   - h, the health score View.Score;
//   - q, the data quality View.Quality;
//   - p = L / (L + latency), latency being View.Latency and L
//     Config.ReferenceLatency: 1 for an instant provider, 0.5 at L, falling
//     towards 0 as it slows; it compares providers on one scale;
//   - c = min(Capacity, View.QuotaRatio(now)): the tighter of the
//     resolver's limiter and the provider's own quota;
//   - k = C / (C + cost) × (1 − cost/budget), cost being Candidate.Cost
//     and C Config.ReferenceCost: 1 for a free provider, 0.5 at C with no
//     budget, and lower as a call takes a larger share of what is left of
//     the budget, so cheaper sources win more often as the budget drains.
//     With an Unlimited budget the second term is 1; a cost over the budget
//     makes it 0.
//
// Score is pure and does not allocate.
func (r *Router) Score(c Candidate, budget float64, now time.Time) float64 {
	s, _ := r.candidateScore(&c, budget, orNow(now))
	return s
}

// viewTerms is the part of the score its View decides: the health,
// quality and performance terms. A Pool keeps each member's while its
// view stays the same.
func (r *Router) viewTerms(v *View) float64 {
	w := &r.weights
	// The conversion rounds the sum, so that no platform fuses it with
	// the terms score adds: a kept viewTerms gives the same score.
	return float64(w.Health*clamp01(v.Score) + w.Quality*clamp01(v.Quality) + w.Performance*r.performance(v.Latency))
}

// score returns Score of a candidate given by its parts, terms being its
// viewTerms and quota its View.QuotaRatio at now, and whether it is
// eligible. Score, Rank, Pick and a Pool's picks all score with it.
func (r *Router) score(terms, quota float64, serves bool, st State, cost, budget float64) (float64, bool) {
	w := &r.weights
	capacity := min(clamp01(st.Capacity), quota)
	return clamp01(terms + w.Capacity*capacity + w.Cost*r.costFactor(cost, budget)), eligibility(serves, st, quota, cost, budget) == Eligible
}

// candidateScore is score of c at now, and whether c is eligible.
func (r *Router) candidateScore(c *Candidate, budget float64, now time.Time) (float64, bool) {
	return r.score(r.viewTerms(&c.View), c.View.quotaRatio(now), c.Serves, c.state(), c.Cost, budget)
}

// performance is L / (L + latency).
func (r *Router) performance(latency time.Duration) float64 {
	lat := max(float64(latency), 0)
	return r.referenceLatency / (r.referenceLatency + lat)
}

// costFactor is C / (C + cost) × (1 − cost/budget). It is written to be
// inlined into score, which a pick runs for every member
// (BenchmarkRouterPickAfterRecord).
func (r *Router) costFactor(cost, budget float64) float64 {
	switch {
	case cost <= 0:
		return 1 // free (or nonsense): nothing to weigh
	case !(cost <= math.MaxFloat64) || !(budget >= 0):
		return 0 // a NaN or infinite cost; a budget spent (negative or NaN)
	}
	f := r.referenceCost / (r.referenceCost + cost)
	if budget < Unlimited {
		f *= clamp01(1 - cost/budget) // a budget of 0 gives 1 − Inf: clamped to 0
	}
	return f
}

// Rank appends to dst the eligible candidates of cands (see Eligibility),
// best first, and returns the extended slice. Candidates are ordered by
// Score, descending; equal scores by Order, then Name, then index in
// cands, so the ranking is deterministic. Rank does not allocate when dst
// has room for the eligible candidates: pass dst[:0] of a reused slice.
func (r *Router) Rank(cands []Candidate, budget float64, now time.Time, dst []Ranked) []Ranked {
	now = orNow(now)
	score := func(i int) (float64, bool) {
		return r.candidateScore(&cands[i], budget, now)
	}
	return rank(dst, len(cands), score, candidateKey(cands))
}

// Pick returns the index in cands of the best eligible candidate, the one
// Rank would put first, and false when none is eligible. It does not
// allocate.
func (r *Router) Pick(cands []Candidate, budget float64, now time.Time) (int, bool) {
	now = orNow(now)
	best := Ranked{Index: -1}
	for i := range cands {
		s, ok := r.candidateScore(&cands[i], budget, now)
		if x := (Ranked{Index: i, Score: s}); ok && (best.Index < 0 || compareRanked(x, best, candidateKey(cands)) < 0) {
			best = x
		}
	}
	return best.Index, best.Index >= 0
}

func candidateKey(cands []Candidate) func(int) (int, string) {
	return func(i int) (int, string) { return cands[i].Order, cands[i].Name }
}

// rank appends the eligible of n candidates to dst, best first (see
// compareRanked). score gives candidate i's score, false when it is not
// eligible; key gives its Order and Name.
func rank(dst []Ranked, n int, score func(int) (float64, bool), key func(int) (int, string)) []Ranked {
	base := len(dst)
	for i := range n {
		if s, ok := score(i); ok {
			dst = append(dst, Ranked{Index: i, Score: s})
		}
	}
	slices.SortFunc(dst[base:], func(a, b Ranked) int { return compareRanked(a, b, key) })
	return dst
}

// compareRanked orders by score descending, then Order, Name and index
// ascending, key giving a candidate's Order and Name. Scores are never NaN.
func compareRanked(a, b Ranked, key func(int) (int, string)) int {
	switch {
	case a.Score > b.Score:
		return -1
	case a.Score < b.Score:
		return 1
	}
	return compareTies(a, b, key)
}

// compareTies orders equal scores by Order, Name and index ascending.
func compareTies(a, b Ranked, key func(int) (int, string)) int {
	oa, na := key(a.Index)
	ob, nb := key(b.Index)
	return cmp.Or(cmp.Compare(oa, ob), cmp.Compare(na, nb), cmp.Compare(a.Index, b.Index))
}
