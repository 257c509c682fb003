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
// are pure functions of their arguments.
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
	return eligibility(&c, budget, now)
}

func eligibility(c *Candidate, budget float64, now time.Time) Eligibility {
	switch {
	case !c.Serves:
		return NotServed
	case c.BreakerOpen:
		return BreakerOpen
	case !(c.Capacity > 0) || c.View.quotaRatio(now) <= 0:
		return NoCapacity
	case !(c.Cost <= sanitiseBudget(budget)):
		return OverBudget
	}
	return Eligible
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
	return r.score(&c, budget, now)
}

func (r *Router) score(c *Candidate, budget float64, now time.Time) float64 {
	return r.sourceScore(c, c.View.quotaRatio(now), r.costFactor(c.Cost, budget))
}

// sourceScore is the source score given c.View.quotaRatio(now) and
// costFactor(c.Cost, budget).
func (r *Router) sourceScore(c *Candidate, quotaRatio, costFactor float64) float64 {
	return r.total(r.partial(&c.View), min(clamp01(c.Capacity), quotaRatio), costFactor)
}

// partial is the part of the source score the view alone decides: the
// health, quality and performance terms. A Pool keeps it between changes.
func (r *Router) partial(v *View) float64 {
	w := &r.weights
	// The conversion rounds the sum, so that no platform fuses it with the
	// terms total adds: a Pool's scores equal Rank's to the bit.
	return float64(w.Health*clamp01(v.Score) + w.Quality*clamp01(v.Quality) + w.Performance*r.performance(v.Latency))
}

// total adds the capacity and cost terms, capacity being min(Capacity,
// quota ratio), to partial.
func (r *Router) total(partial, capacity, costFactor float64) float64 {
	w := &r.weights
	return clamp01(partial + float64(w.Capacity*capacity) + float64(w.Cost*costFactor))
}

// performance is L / (L + latency).
func (r *Router) performance(latency time.Duration) float64 {
	lat := max(float64(latency), 0)
	return r.referenceLatency / (r.referenceLatency + lat)
}

// costFactor is C / (C + cost) × (1 − cost/budget).
func (r *Router) costFactor(cost, budget float64) float64 {
	return budgetFactor(r.priceFactor(cost), cost, sanitiseBudget(budget))
}

// priceFactor is C / (C + cost): the cost factor with no budget, and the
// most it can be with one.
func (r *Router) priceFactor(cost float64) float64 {
	if cost <= 0 {
		return 1 // free (or nonsense): nothing to weigh
	}
	if math.IsNaN(cost) || math.IsInf(cost, 1) {
		return 0
	}
	return r.referenceCost / (r.referenceCost + cost)
}

// budgetFactor is the cost factor given its priceFactor f and a sanitised
// budget b: f × (1 − cost/b), f alone when b is Unlimited or the cost is
// free or nonsense.
func budgetFactor(f, cost, b float64) float64 {
	if cost > 0 && f > 0 && b < Unlimited {
		f *= clamp01(1 - cost/b) // b = 0 gives 1 − Inf: clamped to 0
	}
	return f
}

// Rank appends to dst the eligible candidates of cands (see Eligibility),
// best first, and returns the extended slice. Candidates are ordered by
// Score, descending; equal scores by Order, then Name, then index in
// cands, so the ranking is deterministic. Rank does not allocate when dst
// has room for the eligible candidates: pass dst[:0] of a reused slice.
func (r *Router) Rank(cands []Candidate, budget float64, now time.Time, dst []Ranked) []Ranked {
	base := len(dst)
	var rs rankState
	rs.init(budget)
	for i := range cands {
		if score, ok := rs.score(r, &cands[i], now); ok {
			dst = append(dst, Ranked{Index: i, Score: score})
		}
	}
	sortRanked(dst[base:], candKeys(cands))
	return dst
}

// tieKeys gives the Order and Name that break ties of scores.
type tieKeys interface {
	keys(i int) (order int, name string)
}

type candKeys []Candidate

func (c candKeys) keys(i int) (int, string) { return c[i].Order, c[i].Name }

// sortRanked sorts out best first (see compareRanked).
func sortRanked[K tieKeys](out []Ranked, k K) {
	if len(out) > insertionMax {
		slices.SortFunc(out, func(a, b Ranked) int { return compareRanked(a, b, k) })
		return
	}
	// Insertion sort: the common case is a handful of candidates. Scores
	// are never NaN (score clamps), so comparing them is a total order
	// but for ties, which compareRanked breaks.
	for i := 1; i < len(out); i++ {
		x := out[i]
		j := i
		for ; j > 0; j-- {
			y := out[j-1]
			if x.Score < y.Score || x.Score == y.Score && compareRanked(x, y, k) > 0 {
				break
			}
			out[j] = y
		}
		out[j] = x
	}
}

// rankState is what Rank and Pick keep across the candidates of one call.
type rankState struct {
	budget   float64 // sanitised
	lastCost float64 // the last cost whose factor was computed
	lastCF   float64 // its costFactor
}

func (rs *rankState) init(budget float64) {
	rs.budget, rs.lastCost, rs.lastCF = sanitiseBudget(budget), 0, 1 // costFactor(0, ·) = 1
}

// score returns c's source score and true when c is eligible, and false
// when it is not. It is eligibility and score, computing the quota ratio
// once, and the cost factor once per run of equal costs.
func (rs *rankState) score(r *Router, c *Candidate, now time.Time) (float64, bool) {
	if !c.Serves || c.BreakerOpen || !(c.Capacity > 0) {
		return 0, false
	}
	q := 1.0
	if !c.View.QuotaUntil.IsZero() {
		q = c.View.quotaRatio(now)
	}
	if q <= 0 || !(c.Cost <= rs.budget) {
		return 0, false
	}
	return r.sourceScore(c, q, rs.costFactor(r, c.Cost)), true
}

// costFactor returns r.costFactor(cost, budget), worked out once per run
// of equal costs.
func (rs *rankState) costFactor(r *Router, cost float64) float64 {
	if cost != rs.lastCost {
		rs.lastCost, rs.lastCF = cost, r.costFactor(cost, rs.budget)
	}
	return rs.lastCF
}

// insertionMax is the most eligible candidates Rank sorts by insertion.
const insertionMax = 48

// Pick returns the index in cands of the best eligible candidate, the one
// Rank would put first, and false when none is eligible. It does not
// allocate.
func (r *Router) Pick(cands []Candidate, budget float64, now time.Time) (int, bool) {
	var rs rankState
	rs.init(budget)
	best, found := Ranked{Index: -1}, false
	for i := range cands {
		score, ok := rs.score(r, &cands[i], now)
		if !ok {
			continue
		}
		x := Ranked{Index: i, Score: score}
		if !found || compareRanked(x, best, candKeys(cands)) < 0 {
			best, found = x, true
		}
	}
	return best.Index, found
}

// compareRanked orders by score descending, then Order, Name and index
// ascending.
func compareRanked[K tieKeys](a, b Ranked, k K) int {
	if a.Score != b.Score {
		if a.Score > b.Score {
			return -1
		}
		return 1
	}
	oa, na := k.keys(a.Index)
	ob, nb := k.keys(b.Index)
	if c := cmp.Compare(oa, ob); c != 0 {
		return c
	}
	if c := cmp.Compare(na, nb); c != 0 {
		return c
	}
	return cmp.Compare(a.Index, b.Index)
}
