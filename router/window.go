package router

import (
	"math"
	"slices"
	"time"

	"github.com/strata-go/strata/internal/sat"
)

// DataQualityClass is the error class name of a provider that answered with
// something unusable. It matches the name of providers.DataQuality. An
// outcome of this class counts as a response (an invalid one) for data
// quality, and does not count towards an outage for uptime.
const DataQualityClass = "data_quality"

// unknownClass names the class of a failed outcome recorded without one.
const unknownClass = "unknown"

// slot is one outcome in a series' window.
type slot struct {
	at       int64 // unix nanoseconds
	lat      int64 // nanoseconds; meaningful when answered
	gap      int64 // time the provider was down between the previous outcome and this one
	class    string
	owner    *series // in a provider's window: the data type's series the outcome also went to, or nil
	ok       bool
	valid    bool
	answered bool
	// lost marks a latency lower bound (Outcome.Lost): no outcome, only a
	// latency sample.
	lost bool
}

// counts are sums over a set of outcomes.
type counts struct {
	n        int // outcomes
	ok       int // OK outcomes
	answered int // responses: OK, Valid, or of class DataQualityClass
	valid    int // responses that passed validation
	lost     int // latency lower bounds (no outcomes)
}

// timed returns how many latency samples the counts hold: the responses'
// and the lower bounds'.
func (c counts) timed() int { return c.answered + c.lost }

func (c *counts) add(sl *slot, d int) {
	if sl.lost {
		c.lost += d
		return
	}
	c.n += d
	if sl.ok {
		c.ok += d
	}
	if sl.answered {
		c.answered += d
	}
	if sl.valid {
		c.valid += d
	}
}

func (c counts) minus(d counts) counts {
	return counts{n: max(c.n-d.n, 0), ok: max(c.ok-d.ok, 0), answered: max(c.answered-d.answered, 0), valid: max(c.valid-d.valid, 0), lost: max(c.lost-d.lost, 0)}
}

// series is the sliding window and the running statistics of one provider,
// or of one provider × data type. It is not safe for concurrent use: the
// Tracker's mutex guards it.
type series struct {
	ring []slot // fixed length: the window size
	head int    // index of the oldest slot
	used int    // slots in use: c.n outcomes and c.lost lower bounds
	c    counts // over the window

	// inParent counts this data type's outcomes that are in its provider's
	// window, so the provider's estimate can be taken without them.
	inParent counts

	downSum int64 // sum of gap over every slot but the oldest

	// State carried across the window.
	streak  int  // consecutive unanswered failures
	down    bool // in an outage after the latest outcome
	lastAt  int64
	hasLast bool
	ewma    float64 // nanoseconds
	hasEWMA bool

	// Lifetime totals.
	requests, successes int64
	cost                float64

	// Cached latency percentiles over the window.
	scratch       []int64
	pctChanges    int // latency samples in or out since the last computation
	pctValid      bool
	p50, p95, p99 int64

	// derived is the view of this window (of the provider, for the
	// provider's own series) kept between changes.
	derived derived
}

func newSeries(window int) *series {
	return &series{ring: make([]slot, window), scratch: make([]int64, 0, window)}
}

// add appends o to the window, evicting the oldest outcome when the window
// is full or outcomes have aged out. owner is the data type's series when s
// is a provider's window and the outcome also went to a data type, or nil.
func (s *series) add(o *Outcome, at int64, owner *series, st *settings) {
	answered := o.OK || o.Valid || o.Class == DataQualityClass
	var lat int64
	if answered {
		lat = max(int64(o.Latency), 0)
	}
	gap := s.advance(at)
	if answered {
		s.streak = 0
		s.down = false
	} else {
		s.streak++
		if s.streak >= st.outageStreak {
			s.down = true
		}
	}

	class := ""
	if !o.OK {
		class = o.Class
		if class == "" {
			class = unknownClass
		}
	}
	sl := s.push(at, owner, st)
	sl.lat, sl.gap, sl.class = lat, gap, class
	sl.ok, sl.valid, sl.answered = o.OK, o.Valid && answered, answered
	s.count(sl)
	if o.OK {
		s.successes++
	}
	if answered {
		s.sample(lat, st)
	}
	s.requests++
	s.charge(o.Cost)
}

// advance moves the series' latest time to at (unless it is later
// already) and returns the slot's gap: the time since the previous slot
// when the provider is in an outage, else zero.
func (s *series) advance(at int64) (gap int64) {
	if s.hasLast && s.down {
		gap = max(at-s.lastAt, 0)
	}
	if !s.hasLast || at > s.lastAt {
		s.lastAt, s.hasLast = at, true
	}
	return gap
}

// count adds sl, just pushed and filled, to the window's sums (and its
// owner's inParent).
func (s *series) count(sl *slot) {
	if s.used > 1 {
		s.downSum += sl.gap // every slot's but the oldest
	}
	s.c.add(sl, 1)
	if sl.owner != nil {
		sl.owner.inParent.add(sl, 1)
	}
}

// push appends a slot at at to the window, evicting the oldest when the
// window is full or outcomes have aged out, and returns it with at and
// owner set and every other field zero.
func (s *series) push(at int64, owner *series, st *settings) *slot {
	s.expire(at, st)
	if s.used == len(s.ring) {
		s.evict()
	}
	i := s.head + s.used
	if i >= len(s.ring) {
		i -= len(s.ring)
	}
	s.used++
	// Field by field: a composite literal of a struct with pointers is
	// built on the stack and copied, which stalls (BenchmarkTrackerRecord).
	sl := &s.ring[i]
	sl.at, sl.lat, sl.gap, sl.class, sl.owner = at, 0, 0, "", owner
	sl.ok, sl.valid, sl.answered, sl.lost = false, false, false, false
	return sl
}

// sample feeds one latency sample to the EWMA and the percentiles.
func (s *series) sample(lat int64, st *settings) {
	s.pctChanges++
	if s.hasEWMA {
		s.ewma += st.alpha * (float64(lat) - s.ewma)
	} else {
		s.ewma, s.hasEWMA = float64(lat), true
	}
}

// addLost records the lower bound lat of a lost attempt's latency (see
// Outcome.Lost) when it is above what s believes the latency is — its
// EWMA, or ref while it has none — and reports whether it did. A lower
// bound under that says nothing new. The slot counts for the latency
// metrics, not as an outcome; it tells nothing of an outage, but takes its
// share of the window's time (in an outage, the time since the previous
// slot is down time, and the slot carries it: a window may begin at it).
func (s *series) addLost(lat, at int64, ref float64, owner *series, st *settings) bool {
	if s.hasEWMA {
		ref = s.ewma
	}
	if float64(lat) <= ref {
		return false
	}
	gap := s.advance(at)
	sl := s.push(at, owner, st)
	sl.lat, sl.lost, sl.gap = lat, true, gap
	s.count(sl)
	s.sample(lat, st)
	return true
}

// charge adds the cost of a request that is no outcome (see
// Tracker.Charge).
func (s *series) charge(cost float64) {
	if cost > 0 && !math.IsInf(cost, 0) {
		s.cost = min(s.cost+cost, math.MaxFloat64)
	}
}

// expire drops the outcomes older than the window duration before now,
// and reports whether it dropped any.
func (s *series) expire(now int64, st *settings) bool {
	if st.windowDuration <= 0 {
		return false
	}
	cutoff := now - int64(st.windowDuration)
	dropped := false
	for s.used > 0 && s.ring[s.head].at < cutoff {
		s.evict()
		dropped = true
	}
	return dropped
}

// expiresAt returns the last instant (unix nanoseconds) at which expire
// drops nothing: expire(now) is a no-op for every now at or before it.
func (s *series) expiresAt(st *settings) int64 {
	if st.windowDuration <= 0 || s.used == 0 {
		return math.MaxInt64
	}
	return sat.Add(s.ring[s.head].at, int64(st.windowDuration))
}

// evict drops the oldest slot. It requires s.used > 0.
func (s *series) evict() {
	old := &s.ring[s.head]
	s.c.add(old, -1)
	if old.owner != nil {
		old.owner.inParent.add(old, -1)
	}
	if old.answered || old.lost {
		s.pctChanges++
	}
	old.class, old.owner = "", nil // let them go
	s.head++
	if s.head == len(s.ring) {
		s.head = 0
	}
	s.used--
	if s.used > 0 {
		// The new oldest slot's gap lies before the window now.
		s.downSum -= s.ring[s.head].gap
	}
}

// each calls f on every slot in the window, oldest first.
func (s *series) each(f func(*slot)) {
	for k := 0; k < s.used; k++ {
		i := s.head + k
		if i >= len(s.ring) {
			i -= len(s.ring)
		}
		f(&s.ring[i])
	}
}

// uptime returns the uptime of s as of now: the share of the window's
// time, from its oldest outcome to now, that the provider was not in an
// outage; and false when the window is empty and the provider is not in an
// outage (nothing is known).
func (s *series) uptime(now int64) (float64, bool) {
	if s.c.n == 0 {
		return 0, s.down
	}
	down := s.downSum
	if s.down {
		down += max(now-s.lastAt, 0)
	} else if down == 0 {
		return 1, true // what the division below gives, without it
	}
	span := now - s.ring[s.head].at
	if span <= 0 {
		if s.down {
			return 0, true
		}
		return 1, true
	}
	return clamp01(1 - float64(down)/float64(span)), true
}

// percentiles recomputes the cached p50, p95 and p99 when they are invalid,
// when force is set and anything changed, or when at least every latency
// samples entered or left the window since the last computation. It
// reports whether it recomputed them.
func (s *series) percentiles(force bool, every int) bool {
	if s.pctValid && s.pctChanges == 0 {
		return false
	}
	if s.pctValid && !force && s.pctChanges < every {
		return false
	}
	s.pctChanges = 0
	s.pctValid = true
	lat := s.scratch[:0]
	for k := 0; k < s.used; k++ {
		i := s.head + k
		if i >= len(s.ring) {
			i -= len(s.ring)
		}
		if s.ring[i].answered || s.ring[i].lost {
			lat = append(lat, s.ring[i].lat)
		}
	}
	s.scratch = lat
	if len(lat) == 0 {
		s.p50, s.p95, s.p99 = 0, 0, 0
		return true
	}
	slices.Sort(lat)
	s.p50, s.p95, s.p99 = nearestRank(lat, 0.50), nearestRank(lat, 0.95), nearestRank(lat, 0.99)
	return true
}

// nearestRank returns the p-th percentile of sorted by the nearest-rank
// method: the smallest value with at least p of the values at or below it.
func nearestRank(sorted []int64, p float64) int64 {
	r := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(r, 0), len(sorted)-1)]
}

// estimate is what the tracker believes about a series: the window's
// observations blended with a prior.
type estimate struct {
	success float64
	quality float64
	latency float64 // nanoseconds
}

// blend returns prior blended with the observations c (whose responses
// have latency EWMA ewma), the prior being worth k pseudo-observations.
func blend(prior estimate, k float64, c counts, ewma float64) estimate {
	e := prior
	e.success = (k*prior.success + float64(c.ok)) / (k + float64(c.n))
	e.quality = (k*prior.quality + float64(c.valid)) / (k + float64(c.answered))
	if c.timed() > 0 {
		m := float64(c.timed())
		e.latency = (k*prior.latency + m*ewma) / (k + m)
	}
	return e
}

// duration converts nanoseconds, not negative, to a Duration, stopping at
// the largest: an EWMA or a blend of latencies at Duration's limit — a
// profile expecting forever, attempts timed from a zero start — reaches
// it.
func duration(ns float64) time.Duration { return sat.FromFloat[time.Duration](ns) }

func clamp01(x float64) float64 {
	switch {
	case x > 1:
		return 1
	case x >= 0:
		return x
	default: // negative or NaN
		return 0
	}
}
