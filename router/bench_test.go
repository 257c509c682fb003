package router

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"
)

// benchSetup returns a tracker with n providers whose windows are full, the
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
		if err := tr.Register(Profile{Name: name, Confidence: 0.5 + rng.Float64()/2, ExpectedLatency: time.Duration(50+rng.IntN(200)) * time.Millisecond}); err != nil {
			b.Fatal(err)
		}
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

// BenchmarkRouterPick measures what the resolver does per resolve to choose
// a provider: refresh every candidate's View from the tracker, then rank.
// It must not allocate.
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
			if len(ranked) == 0 {
				b.Fatal("nothing ranked")
			}
		})
	}
}

// BenchmarkResolverPick mirrors what package fallback's walk does per tier
// (walk.rank): with now read from the clock on every pick, it fills one
// Candidate per provider from Tracker.View, then ranks them with a finite
// remaining budget. The tracker's windows are full and nothing is recorded
// between picks, as between two resolves of a quiet key. It must not
// allocate.
func BenchmarkResolverPick(b *testing.B) {
	for _, n := range []int{2, 8, 32} {
		b.Run(fmt.Sprintf("candidates=%d", n), func(b *testing.B) {
			tr, r, proto, _ := benchSetup(b, n)
			cands := make([]Candidate, n)
			ranked := make([]Ranked, 0, n)
			b.ReportAllocs()
			for b.Loop() {
				now := time.Now()
				for i := range proto {
					p := &proto[i]
					cands[i] = Candidate{
						Name:     p.Name,
						Order:    i,
						View:     tr.View(p.Name, "cpc", now),
						Cost:     p.Cost,
						Capacity: p.Capacity,
						Serves:   true,
					}
				}
				ranked = r.Rank(cands, 1e6, now, ranked[:0])
			}
			if len(ranked) == 0 {
				b.Fatal("nothing ranked")
			}
		})
	}
}

// BenchmarkResolverPickFill is BenchmarkResolverPick with the views
// written in place by Tracker.FillViews, as the resolver could do.
func BenchmarkResolverPickFill(b *testing.B) {
	for _, n := range []int{2, 8, 32} {
		b.Run(fmt.Sprintf("candidates=%d", n), func(b *testing.B) {
			tr, r, proto, _ := benchSetup(b, n)
			cands := make([]Candidate, n)
			ranked := make([]Ranked, 0, n)
			b.ReportAllocs()
			for b.Loop() {
				now := time.Now()
				for i := range proto {
					p := &proto[i]
					cands[i] = Candidate{Name: p.Name, Order: i, Cost: p.Cost, Capacity: p.Capacity, Serves: true}
				}
				tr.FillViews(cands, "cpc", now)
				ranked = r.Rank(cands, 1e6, now, ranked[:0])
			}
			if len(ranked) == 0 {
				b.Fatal("nothing ranked")
			}
		})
	}
}

// BenchmarkResolverRecordPick is a resolve's whole use of the package:
// BenchmarkResolverPick, then the outcome of calling the provider ranked
// first is recorded, so the next pick rebuilds that provider's snapshot.
func BenchmarkResolverRecordPick(b *testing.B) {
	for _, n := range []int{2, 8, 32} {
		b.Run(fmt.Sprintf("candidates=%d", n), func(b *testing.B) {
			tr, r, proto, _ := benchSetup(b, n)
			cands := make([]Candidate, n)
			ranked := make([]Ranked, 0, n)
			b.ReportAllocs()
			for b.Loop() {
				now := time.Now()
				for i := range proto {
					p := &proto[i]
					cands[i] = Candidate{Name: p.Name, Order: i, View: tr.View(p.Name, "cpc", now), Cost: p.Cost, Capacity: p.Capacity, Serves: true}
				}
				ranked = r.Rank(cands, 1e6, now, ranked[:0])
				tr.Record(cands[ranked[0].Index].Name, "cpc", Outcome{At: now, Latency: 120 * time.Millisecond, OK: true, Valid: true})
			}
		})
	}
}

// BenchmarkRouterPickBatch is BenchmarkRouterPick with the views filled
// by Tracker.FillViews.
func BenchmarkRouterPickBatch(b *testing.B) {
	for _, n := range []int{2, 8, 32} {
		b.Run(fmt.Sprintf("candidates=%d", n), func(b *testing.B) {
			tr, r, cands, now := benchSetup(b, n)
			ranked := make([]Ranked, 0, n)
			b.ReportAllocs()
			for b.Loop() {
				tr.FillViews(cands, "cpc", now)
				ranked = r.Rank(cands, 1, now, ranked[:0])
			}
			if len(ranked) == 0 {
				b.Fatal("nothing ranked")
			}
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
		})
	}
}

// BenchmarkTrackerRecord measures recording one outcome (provider and
// provider × data type windows).
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
// core at once, as concurrent resolves do: they share the providers'
// snapshots.
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

// BenchmarkTrackerViewDynamic measures a View whose snapshot depends on
// now — the provider reported a quota and is in an outage — so uptime, the
// quota ratio, the score and the status are derived on every call.
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
	if cands[0].View.Uptime >= 1 {
		b.Fatal("no outage")
	}
}

// BenchmarkPoolPick is BenchmarkRouterPick through a Pool, as the
// resolver picks: the members' live states given, nothing recorded
// between picks.
func BenchmarkPoolPick(b *testing.B) {
	for _, n := range []int{2, 8, 32} {
		b.Run(fmt.Sprintf("candidates=%d", n), func(b *testing.B) {
			_, p, _, states, now := poolSetup(b, n)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, ok := p.Pick(states, 1, now); !ok {
					b.Fatal("nothing picked")
				}
			}
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
		})
	}
}

// BenchmarkPoolRecordPick is BenchmarkResolverRecordPick through a Pool:
// every pick follows a Record, so the pool works out its memo again each
// time.
func BenchmarkPoolRecordPick(b *testing.B) {
	for _, n := range []int{2, 8, 32} {
		b.Run(fmt.Sprintf("candidates=%d", n), func(b *testing.B) {
			tr, p, members, states, now := poolSetup(b, n)
			b.ReportAllocs()
			for b.Loop() {
				i, _, ok := p.Pick(states, 1e6, now)
				if !ok {
					b.Fatal("nothing picked")
				}
				tr.Record(members[i].Name, "cpc", Outcome{At: now, Latency: 120 * time.Millisecond, OK: true, Valid: true})
			}
		})
	}
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
	if err != nil {
		b.Fatal(err)
	}
	return tr, p, members, states, now
}
