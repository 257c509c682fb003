package router

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// benchSetup returns a tracker with n providers whose windows are full of
// varied outcomes (latencies of 20–320ms, one in ten a failure), the
// router, and one candidate per provider.
func benchSetup(b *testing.B, n int) (*Tracker, *Router, []Candidate, time.Time) {
	b.Helper()
	tr := newTracker(b, Config{})
	r := newRouter(b, Config{})
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	cands := make([]Candidate, n)
	at := t0
	for i := range cands {
		name := fmt.Sprintf("provider-%02d", i)
		require.NoError(b, tr.Register(Profile{Name: name, Confidence: 0.5 + rng.Float64()/2, ExpectedLatency: time.Duration(50+rng.IntN(200)) * time.Millisecond}))
		for range DefaultWindow {
			at = at.Add(time.Millisecond)
			o := ok(at, time.Duration(20+rng.IntN(300))*time.Millisecond)
			if rng.IntN(10) == 0 {
				o = fail(at, "transient")
			}
			tr.Record(name, "cpc", o)
		}
		cands[i] = Candidate{Name: name, Order: i, Cost: float64(rng.IntN(3)) * 0.005, Capacity: rng.Float64(), Serves: true}
	}
	return tr, r, cands, at
}

// poolSetup is benchSetup with the candidates as a Pool's members and
// their States.
func poolSetup(b *testing.B, n int) (*Tracker, *Pool, []Member, []State, time.Time) {
	b.Helper()
	tr, r, cands, now := benchSetup(b, n)
	members := make([]Member, n)
	states := make([]State, n)
	for i, c := range cands {
		members[i] = Member{Name: c.Name, Order: c.Order, Cost: c.Cost}
		states[i] = State{Capacity: c.Capacity}
	}
	p, err := NewPool(tr, r, "cpc", members)
	require.NoError(b, err)
	return tr, p, members, states, now
}

// BenchmarkRouterPickAfterRecord is a walk's use of the package between
// two calls to providers: the outcome of one provider is recorded, then
// the tier's Pool picks the next, with no budget (the walk's default).
// The recorded provider is drawn from a seeded sequence, and so is the
// outcome, with benchSetup's mix (one in ten a failure: a walk moving on;
// otherwise a success: a walk ending before the next resolve picks), so
// the windows keep the histories benchSetup gave them. It must not
// allocate.
func BenchmarkRouterPickAfterRecord(b *testing.B) {
	for _, n := range []int{2, 8, 32} {
		b.Run(fmt.Sprintf("n%d", n), func(b *testing.B) {
			tr, p, members, states, now := poolSetup(b, n)
			rng := rand.New(rand.NewPCG(11, uint64(n)))
			type step struct {
				provider string
				outcome  Outcome
			}
			steps := make([]step, 1024)
			for i := range steps {
				o := ok(time.Time{}, time.Duration(20+rng.IntN(300))*time.Millisecond)
				if rng.IntN(10) == 0 {
					o = fail(time.Time{}, "transient")
				}
				steps[i] = step{members[rng.IntN(n)].Name, o}
			}
			found := 0
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				now = now.Add(time.Millisecond)
				s := &steps[i%len(steps)]
				s.outcome.At = now
				tr.Record(s.provider, "cpc", s.outcome)
				if _, _, ok := p.Pick(states, Unlimited, now); ok {
					found++
				}
			}
			require.Positive(b, found, "nothing picked")
		})
	}
}

// BenchmarkRouterPick is the Candidate form of a pick: every candidate's
// View read from the tracker, then ranked.
func BenchmarkRouterPick(b *testing.B) {
	for _, n := range []int{2, 8, 32} {
		b.Run(fmt.Sprintf("candidates=%d", n), func(b *testing.B) {
			tr, r, cands, now := benchSetup(b, n)
			ranked := make([]Ranked, 0, n)
			b.ReportAllocs()
			for b.Loop() {
				for i := range cands {
					cands[i].View = tr.View(cands[i].Name, "cpc", now)
				}
				ranked = r.Rank(cands, 1, now, ranked[:0])
			}
			require.NotEmpty(b, ranked)
		})
	}
}

// BenchmarkRouterRank measures the ranking alone, views given.
func BenchmarkRouterRank(b *testing.B) {
	for _, n := range []int{2, 8, 32} {
		b.Run(fmt.Sprintf("candidates=%d", n), func(b *testing.B) {
			tr, r, cands, now := benchSetup(b, n)
			for i := range cands {
				cands[i].View = tr.View(cands[i].Name, "cpc", now)
			}
			ranked := make([]Ranked, 0, n)
			b.ReportAllocs()
			for b.Loop() {
				ranked = r.Rank(cands, 1, now, ranked[:0])
			}
			require.NotEmpty(b, ranked)
		})
	}
}

// BenchmarkPoolPick is a pick with nothing recorded since the last, as
// between two resolves of a quiet key.
func BenchmarkPoolPick(b *testing.B) {
	for _, n := range []int{2, 8, 32} {
		b.Run(fmt.Sprintf("candidates=%d", n), func(b *testing.B) {
			_, p, _, states, now := poolSetup(b, n)
			found := false
			b.ReportAllocs()
			for b.Loop() {
				_, _, found = p.Pick(states, 1, now)
			}
			require.True(b, found, "nothing picked")
		})
	}
}

// BenchmarkPoolRank is BenchmarkPoolPick ranking every member.
func BenchmarkPoolRank(b *testing.B) {
	for _, n := range []int{2, 8, 32} {
		b.Run(fmt.Sprintf("candidates=%d", n), func(b *testing.B) {
			_, p, _, states, now := poolSetup(b, n)
			ranked := make([]Ranked, 0, n)
			b.ReportAllocs()
			for b.Loop() {
				ranked = p.Rank(states, 1, now, ranked[:0])
			}
			require.NotEmpty(b, ranked)
		})
	}
}

// BenchmarkTrackerRecord measures recording one outcome (provider and
// provider × data type windows), alone and from every core at once on 8
// providers: they share the tracker's mutex.
func BenchmarkTrackerRecord(b *testing.B) {
	b.Run("serial", func(b *testing.B) {
		tr, _, _, now := benchSetup(b, 1)
		o := ok(now, 120*time.Millisecond)
		b.ReportAllocs()
		for b.Loop() {
			o.At = o.At.Add(time.Millisecond)
			tr.Record("provider-00", "cpc", o)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		tr, _, cands, now := benchSetup(b, 8)
		var next atomic.Int64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			name := cands[int(next.Add(1))%len(cands)].Name
			o := ok(now, 120*time.Millisecond)
			for pb.Next() {
				o.At = o.At.Add(time.Millisecond)
				tr.Record(name, "cpc", o)
			}
		})
	})
}

// BenchmarkTrackerRecordView measures a Record followed by a View of the
// same provider: the amortised cost of keeping the cached percentiles
// fresh is paid here.
func BenchmarkTrackerRecordView(b *testing.B) {
	tr, _, _, now := benchSetup(b, 1)
	o := ok(now, 120*time.Millisecond)
	b.ReportAllocs()
	for b.Loop() {
		o.At = o.At.Add(time.Millisecond)
		o.Latency = 20*time.Millisecond + time.Duration(o.At.UnixNano()%300)*time.Millisecond
		tr.Record("provider-00", "cpc", o)
		_ = tr.View("provider-00", "cpc", o.At)
	}
}

// BenchmarkTrackerHealth measures the dashboard report.
func BenchmarkTrackerHealth(b *testing.B) {
	tr, _, _, now := benchSetup(b, 1)
	b.ReportAllocs()
	for b.Loop() {
		_ = tr.Health("provider-00", now)
	}
}

// BenchmarkTrackerView measures one View of a provider × data type.
func BenchmarkTrackerView(b *testing.B) {
	tr, _, cands, now := benchSetup(b, 1)
	b.ReportAllocs()
	for b.Loop() {
		cands[0].View = tr.View(cands[0].Name, "cpc", now)
	}
}

// BenchmarkTrackerViewParallel measures Views of 8 providers from every
// core at once, as concurrent resolves do: they share the tracker's mutex.
func BenchmarkTrackerViewParallel(b *testing.B) {
	tr, _, cands, now := benchSetup(b, 8)
	var next atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(1))
		var v View
		for pb.Next() {
			i++
			v = tr.View(cands[i%len(cands)].Name, "cpc", now)
		}
		_ = v
	})
}

// BenchmarkTrackerViewDynamic measures a View that depends on now — the
// provider reported a quota and is in an outage — so uptime, the quota
// ratio, the score and the status are worked out on every call.
func BenchmarkTrackerViewDynamic(b *testing.B) {
	tr, _, cands, now := benchSetup(b, 1)
	for range DefaultOutageStreak {
		now = now.Add(time.Millisecond)
		o := fail(now, "unavailable")
		o.Quota = &Quota{Limit: 100, Remaining: 40}
		tr.Record(cands[0].Name, "cpc", o)
	}
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Microsecond)
		cands[0].View = tr.View(cands[0].Name, "cpc", now)
	}
	require.Less(b, cands[0].View.Uptime, 1.0, "no outage")
}
