package router

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fillViews sets each candidate's View to the tracker's view of it as of
// now.
func fillViews(tr *Tracker, cands []Candidate, dataType string, now time.Time) {
	for i := range cands {
		cands[i].View = tr.View(cands[i].Name, dataType, now)
	}
}

// poolOps drives a tracker through seeded random operations — outcomes of
// every kind, quotas, outages, profile changes, time moving both ways and
// past the window — and after each compares a Pool's Pick, Rank and
// Eligibility with Router's over Candidates with the tracker's views: the
// Pool finds each member's window once and must still see every change.
func poolOps(t *testing.T, cfg Config, seed uint64, steps int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	tr := newTracker(t, cfg, Profile{Name: "a", Confidence: 0.8, ExpectedLatency: 50 * time.Millisecond}, Profile{Name: "b"}, Profile{Name: "c", Confidence: 0.6})
	rtr := newRouter(t, cfg)
	names := []string{"a", "b", "c", "d", "late"} // "late" is unknown until recorded
	costs := []float64{0.01, 0, 0.01, 0.05, 0.002}
	classes := []string{"", "transient", "unavailable", DataQualityClass}
	members := make([]Member, len(names))
	for i, n := range names {
		members[i] = Member{Name: n, Order: i % 3, Cost: costs[i]} // shared Orders: ties break on names
	}
	pools := map[string]*Pool{}
	for _, dt := range []string{"", "x", "never"} {
		p, err := NewPool(tr, rtr, dt, members)
		require.NoError(t, err)
		pools[dt] = p
	}
	states := make([]State, len(names))
	cands := make([]Candidate, len(names))
	at := t0
	for step := range steps {
		switch k := rng.IntN(10); {
		case k < 5:
			at = at.Add(time.Duration(rng.IntN(8000)-1000) * time.Millisecond)
			o := Outcome{At: at, Latency: time.Duration(rng.IntN(400)) * time.Millisecond, OK: rng.IntN(3) > 0, Valid: true}
			if !o.OK {
				o.Class, o.Valid = classes[rng.IntN(len(classes))], rng.IntN(4) == 0
			}
			if rng.IntN(6) == 0 {
				o.Lost = true // a latency lower bound, taken or not
			}
			if rng.IntN(8) == 0 {
				o.Quota = &Quota{Limit: 100, Remaining: int64(rng.IntN(60) - 5), Reset: at.Add(time.Duration(rng.IntN(40)) * time.Second)}
			}
			n := names[rng.IntN(3)]
			if rng.IntN(30) == 0 {
				n = "late"
			}
			tr.Record(n, []string{"", "x"}[rng.IntN(2)], o)
		case k < 6:
			require.NoError(t, tr.Register(Profile{Name: names[rng.IntN(4)], Confidence: 0.5 + rng.Float64()/2, ExpectedLatency: time.Duration(1+rng.IntN(300)) * time.Millisecond}))
		default:
			now := at.Add(time.Duration(rng.IntN(120000)-2000) * time.Millisecond)
			dt := []string{"", "x", "never"}[rng.IntN(3)]
			budget := []float64{Unlimited, 1, 0.03, 0.01, 0.005, 0, -1, math.NaN()}[rng.IntN(8)]
			for i := range states {
				states[i] = State{BreakerOpen: rng.IntN(8) == 0, Capacity: []float64{1, 1, 0.5, 0.1, 0, 2, math.NaN()}[rng.IntN(7)]}
				cands[i] = Candidate{Name: names[i], Order: members[i].Order, Cost: members[i].Cost, BreakerOpen: states[i].BreakerOpen, Capacity: states[i].Capacity, Serves: true}
			}
			// The pool first: View would bring the windows up to now,
			// which the pool must do by itself.
			p := pools[dt]
			first := p.Rank(states, budget, now, nil)
			fillViews(tr, cands, dt, now)
			want := rtr.Rank(cands, budget, now, nil)
			for n := range 1 + rng.IntN(3) { // again without a change: from the derived views
				got := first
				if n > 0 {
					got = p.Rank(states, budget, now, nil)
				}
				require.Equal(t, len(want), len(got), "step %d", step)
				for i := range want {
					require.Equal(t, want[i].Index, got[i].Index, "step %d rank %d", step, i)
					require.Equal(t, math.Float64bits(want[i].Score), math.Float64bits(got[i].Score), "step %d rank %d", step, i)
				}
				i, score, ok := p.Pick(states, budget, now)
				wi, wok := rtr.Pick(cands, budget, now)
				require.Equal(t, wok, ok, "step %d", step)
				require.Equal(t, wi, i, "step %d", step)
				if ok {
					require.Equal(t, math.Float64bits(want[0].Score), math.Float64bits(score), "step %d", step)
				}
				for i := range states {
					require.Equal(t, rtr.Eligibility(cands[i], budget, now), p.Eligibility(i, states[i], budget, now), "step %d member %d", step, i)
				}
			}
		}
	}
}

func TestPoolMatchesRouter(t *testing.T) {
	configs := map[string]Config{
		"default":          {},
		"short everything": {Window: 3, WindowDuration: 2 * time.Second, OutageStreak: 1, PercentileEvery: 1, QuotaStaleAfter: time.Second},
		"custom weights":   {Window: 20, ScoreWeights: ScoreWeights{Health: 1, Cost: 3, Capacity: 0.5}, ReferenceCost: 0.02},
	}
	for name, cfg := range configs {
		t.Run(name, func(t *testing.T) {
			for seed := range uint64(4) {
				poolOps(t, cfg, seed, 1500)
			}
		})
	}
}

func TestNewPoolValidates(t *testing.T) {
	tr, rtr := newTracker(t, Config{}), newRouter(t, Config{})
	_, err := NewPool(nil, rtr, "x", nil)
	assert.ErrorContains(t, err, "needs a Tracker and a Router")
	_, err = NewPool(tr, nil, "x", nil)
	assert.Error(t, err)
	_, err = NewPool(tr, rtr, "x", []Member{{Name: "a"}, {}})
	assert.ErrorContains(t, err, "member 1: name must not be empty")
	_, err = NewPool(tr, rtr, "x", []Member{{Name: "a"}, {Name: "a"}})
	assert.ErrorContains(t, err, `member 1: duplicate name "a"`)

	members := []Member{{Name: "a", Cost: 0.01}}
	p, err := NewPool(tr, rtr, "x", members)
	require.NoError(t, err)
	members[0].Name = "changed"
	assert.Equal(t, 1, p.Len())
	assert.Equal(t, "a", p.Member(0).Name, "the pool keeps its own copy")
	assert.PanicsWithValue(t, "router: Pool of 1 members given 2 states", func() { p.Pick(make([]State, 2), Unlimited, t0) })

	empty, err := NewPool(tr, rtr, "x", nil)
	require.NoError(t, err)
	i, _, ok := empty.Pick(nil, Unlimited, t0)
	assert.False(t, ok)
	assert.Equal(t, -1, i)
}

// A recorded failure streak moves the pick: the views the pool scores
// follow the tracker.
func TestPoolFollowsTheTracker(t *testing.T) {
	tr := newTracker(t, Config{}, Profile{Name: "a", Confidence: 0.9}, Profile{Name: "b", Confidence: 0.8})
	rtr := newRouter(t, Config{})
	p, err := NewPool(tr, rtr, "cpc", []Member{{Name: "a", Order: 0}, {Name: "b", Order: 1}})
	require.NoError(t, err)
	states := []State{{Capacity: 1}, {Capacity: 1}}
	i, _, found := p.Pick(states, Unlimited, t0)
	require.True(t, found)
	assert.Equal(t, 0, i, "the more trusted provider first")
	at := t0
	for range 20 {
		at = at.Add(time.Second)
		tr.Record("a", "cpc", fail(at, "transient"))
		tr.Record("b", "cpc", ok(at, 50*time.Millisecond))
	}
	i, _, _ = p.Pick(states, Unlimited, at)
	assert.Equal(t, 1, i, "a is failing")
	states[1].BreakerOpen = true
	i, _, _ = p.Pick(states, Unlimited, at)
	assert.Equal(t, 0, i, "b's breaker is open")
	states[0].Capacity = 0
	_, _, found = p.Pick(states, Unlimited, at)
	assert.False(t, found, "nobody left")
	assert.Equal(t, NoCapacity, p.Eligibility(0, states[0], Unlimited, at))
	assert.Equal(t, BreakerOpen, p.Eligibility(1, states[1], Unlimited, at))
}

// Concurrent picks and records (run under -race) agree with Router.Pick
// once the records stop.
func TestPoolConcurrent(t *testing.T) {
	tr := newTracker(t, Config{})
	rtr := newRouter(t, Config{})
	var members []Member
	for i := range 8 {
		members = append(members, Member{Name: fmt.Sprint("p", i), Order: i, Cost: float64(i%3) * 0.01})
	}
	p, err := NewPool(tr, rtr, "cpc", members)
	require.NoError(t, err)
	states := make([]State, len(members))
	for i := range states {
		states[i].Capacity = 1
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			at := t0
			for range 2000 {
				at = at.Add(time.Millisecond)
				if g%2 == 0 {
					tr.Record(members[rng.IntN(len(members))].Name, "cpc", ok(at, time.Duration(rng.IntN(300))*time.Millisecond))
				} else {
					_, _, found := p.Pick(states, Unlimited, at)
					assert.True(t, found, "nothing picked")
				}
			}
		})
	}
	wg.Wait()
	now := t0.Add(time.Second)
	cands := make([]Candidate, len(members))
	for i, m := range members {
		cands[i] = Candidate{Name: m.Name, Order: m.Order, Cost: m.Cost, Capacity: 1, Serves: true}
	}
	fillViews(tr, cands, "cpc", now)
	want, _ := rtr.Pick(cands, Unlimited, now)
	got, _, _ := p.Pick(states, Unlimited, now)
	assert.Equal(t, want, got)
}

// With nothing recorded, a pick after the window's oldest outcomes age out
// sees the window without them.
func TestPoolFollowsTime(t *testing.T) {
	cfg := Config{Window: 50, WindowDuration: 10 * time.Second}
	tr := newTracker(t, cfg, Profile{Name: "a", Confidence: 0.9}, Profile{Name: "b", Confidence: 0.9})
	rtr := newRouter(t, cfg)
	p, err := NewPool(tr, rtr, "cpc", []Member{{Name: "a", Order: 0}, {Name: "b", Order: 1}})
	require.NoError(t, err)
	states := []State{{Capacity: 1}, {Capacity: 1}}
	at := t0
	for i := range 10 { // a fails half the time, long ago, but is up
		at = at.Add(100 * time.Millisecond)
		if i%2 == 0 {
			tr.Record("a", "cpc", fail(at, "transient"))
		} else {
			tr.Record("a", "cpc", ok(at, 100*time.Millisecond))
		}
	}
	at = at.Add(5 * time.Second)
	for range 10 { // then both succeed
		at = at.Add(100 * time.Millisecond)
		tr.Record("a", "cpc", ok(at, 100*time.Millisecond))
		tr.Record("b", "cpc", ok(at, 900*time.Millisecond))
	}
	scoreOfA := func(rs []Ranked) float64 {
		i := slices.IndexFunc(rs, func(r Ranked) bool { return r.Index == 0 })
		require.GreaterOrEqual(t, i, 0, "a not ranked")
		return rs[i].Score
	}
	p.Rank(states, Unlimited, at, nil) // brings the windows up to at: a change
	before := scoreOfA(p.Rank(states, Unlimited, at, nil))
	later := t0.Add(12 * time.Second) // a's failures have aged out, b's outcomes have not
	after := scoreOfA(p.Rank(states, Unlimited, later, nil))
	assert.Greater(t, after, before, "a's failures aged out of its success rate")

	cands := []Candidate{{Name: "a", Order: 0, Capacity: 1, Serves: true}, {Name: "b", Order: 1, Capacity: 1, Serves: true}}
	fillViews(tr, cands, "cpc", later)
	want := rtr.Rank(cands, Unlimited, later, nil)
	assert.Equal(t, want, p.Rank(states, Unlimited, later, nil))
}

// Pick and Rank do not allocate, right after a Record or not, for members
// known and unknown to the tracker, up or in an outage.
func TestPoolDoesNotAllocate(t *testing.T) {
	tr := newTracker(t, Config{}, Profile{Name: "a"}, Profile{Name: "b"})
	for range 10 {
		tr.Record("a", "cpc", ok(t0, 10*time.Millisecond))
		tr.Record("b", "cpc", fail(t0, "unavailable")) // down: uptime follows now
	}
	p, err := NewPool(tr, newRouter(t, Config{}), "cpc", []Member{{Name: "a"}, {Name: "b", Cost: 0.01}, {Name: "unknown"}})
	require.NoError(t, err)
	states := []State{{Capacity: 1}, {Capacity: 0.5}, {Capacity: 1}}
	dst := make([]Ranked, 0, 3)
	now := t0.Add(time.Second)
	allocs := testing.AllocsPerRun(100, func() {
		now = now.Add(time.Millisecond)
		tr.Record("a", "cpc", ok(now, 10*time.Millisecond))
		_, _, found := p.Pick(states, 1, now)
		require.True(t, found)
		dst = p.Rank(states, 1, now, dst[:0])
	})
	assert.Equal(t, 0.0, allocs)
	assert.Len(t, dst, 3)
}

// TestPoolReworksOnlyWhatChanged checks, from the inside, that a pick
// works out again the figures a Pool keeps of a member only when the
// member's provider changed (a Record or Register of it, an outcome
// ageing out of its window), when its view follows now (an outage, a
// quota report) or when the tracker does not know it, and scores every
// other member from what it kept.
func TestPoolReworksOnlyWhatChanged(t *testing.T) {
	cfg := Config{WindowDuration: time.Minute}
	tr := newTracker(t, cfg, Profile{Name: "a"}, Profile{Name: "b"}, Profile{Name: "c"})
	rtr := newRouter(t, cfg)
	names := []string{"a", "b", "c", "unknown"}
	members := make([]Member, len(names))
	states := make([]State, len(names))
	for i, n := range names {
		members[i], states[i] = Member{Name: n, Order: i}, State{Capacity: 1}
	}
	p, err := NewPool(tr, rtr, "cpc", members)
	require.NoError(t, err)
	at := t0
	for _, n := range names[:3] {
		tr.Record(n, "cpc", ok(at, 100*time.Millisecond))
	}
	// reworked marks what the pool keeps with terms no view gives, ranks
	// at now, and returns the members whose figures were worked out
	// again: the others score 0 from the marks, which it then removes.
	reworked := func(now time.Time) []string {
		kept := make([]float64, len(names))
		tr.mu.Lock()
		for i := range p.members {
			kept[i], p.members[i].terms = p.members[i].terms, -1
		}
		tr.mu.Unlock()
		var got []string
		for _, r := range p.Rank(states, Unlimited, now, nil) {
			if r.Score > 0 {
				got = append(got, names[r.Index])
			}
		}
		tr.mu.Lock()
		for i := range p.members {
			if p.members[i].terms == -1 {
				p.members[i].terms = kept[i]
			}
		}
		tr.mu.Unlock()
		slices.Sort(got)
		return got
	}
	assert.Equal(t, []string{"a", "b", "c", "unknown"}, reworked(at), "the first pick")
	at = at.Add(time.Second)
	assert.Equal(t, []string{"unknown"}, reworked(at), "nothing changed")

	tr.Record("a", "cpc", ok(at, 100*time.Millisecond))
	assert.Equal(t, []string{"a", "unknown"}, reworked(at), "a Record of a")
	require.NoError(t, tr.Register(Profile{Name: "b", Confidence: 0.5}))
	assert.Equal(t, []string{"b", "unknown"}, reworked(at), "a Register of b")
	tr.Record("c", "other", ok(at, 100*time.Millisecond))
	assert.Equal(t, []string{"c", "unknown"}, reworked(at), "a Record of c for another data type: its prior")

	at = t0.Add(time.Minute + time.Nanosecond)
	assert.Equal(t, []string{"a", "b", "c", "unknown"}, reworked(at), "b's only outcome aged out")
	assert.Equal(t, []string{"unknown"}, reworked(at))

	for range 3 {
		tr.Record("c", "cpc", fail(at, "unavailable")) // down: its uptime follows now
	}
	o := ok(at, 100*time.Millisecond)
	o.Quota = &Quota{Limit: 10, Remaining: 5} // a's quota ratio holds for a minute
	tr.Record("a", "cpc", o)
	for range 3 {
		at = at.Add(time.Second)
		assert.Equal(t, []string{"a", "c", "unknown"}, reworked(at), "views that follow now")
	}

	// What is kept gives the scores of views worked out afresh.
	cands := make([]Candidate, len(names))
	for i, m := range members {
		cands[i] = Candidate{Name: m.Name, Order: m.Order, Capacity: 1, Serves: true}
	}
	for range 3 {
		at = at.Add(time.Second)
		fillViews(tr, cands, "cpc", at)
		assert.Equal(t, rtr.Rank(cands, Unlimited, at, nil), p.Rank(states, Unlimited, at, nil))
	}
}

// The zero now means time.Now(), as Outcome.At's zero does: read as the
// year 1, it believed every quota report for ever — a provider that once
// reported nothing left was never picked again — and measured no outage.
func TestZeroNowIsNow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := newTracker(t, Config{}, Profile{Name: "a"}, Profile{Name: "b"})
		rtr := newRouter(t, Config{})
		p, err := NewPool(tr, rtr, "", []Member{{Name: "a"}, {Name: "b", Order: 1}})
		require.NoError(t, err)
		tr.Record("a", "", Outcome{Class: "rate_limit", Quota: &Quota{Remaining: 0}})
		for range 5 {
			tr.Record("b", "", fail(time.Time{}, "unavailable"))
		}
		time.Sleep(10 * time.Minute) // past QuotaMaxAge; b down all along
		states := []State{{Capacity: 1}, {Capacity: 1}}
		i, _, ok := p.Pick(states, Unlimited, time.Time{})
		require.True(t, ok)
		assert.Equal(t, 0, i, "a's report is no longer believed")
		assert.Equal(t, Eligible, p.Eligibility(0, states[0], Unlimited, time.Time{}))
		assert.Equal(t, tr.View("b", "", time.Now()), tr.View("b", "", time.Time{}))
		assert.Equal(t, tr.Health("a", time.Now()), tr.Health("a", time.Time{}))
		c := Candidate{Name: "a", View: tr.View("a", "", time.Now()), Capacity: 1, Serves: true}
		assert.Equal(t, Eligible, rtr.Eligibility(c, Unlimited, time.Time{}))
		assert.Equal(t, rtr.Score(c, Unlimited, time.Now()), rtr.Score(c, Unlimited, time.Time{}))
	})
}

// View.QuotaRatio takes a now too, and reads the zero time as time.Now()
// as every other method does: read as the year 1, a report of nothing
// left was believed for ever.
func TestQuotaRatioZeroNowIsNow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := newTracker(t, Config{}, Profile{Name: "a"})
		tr.Record("a", "", Outcome{Class: "rate_limit", Quota: &Quota{Remaining: 0}})
		v := tr.View("a", "", time.Now())
		assert.Equal(t, 0.0, v.QuotaRatio(time.Time{}), "believed while fresh")
		time.Sleep(10 * time.Minute) // past QuotaMaxAge
		assert.Equal(t, 1.0, v.QuotaRatio(time.Time{}))
		assert.Equal(t, v.QuotaRatio(time.Now()), v.QuotaRatio(time.Time{}))
	})
}
