package router

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// referenceView is the view computed afresh on every call, by the
// formulas of the package doc, under the tracker's mutex. It mutates the
// windows as View does (expiry, lazy percentiles) and never reads or
// writes a derived view; an expiry counts as a change to the provider, as
// it must.
func (t *Tracker) referenceView(provider, dataType string, now time.Time) View {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := &t.s
	e := t.entries[provider]
	if e == nil {
		v := View{ExpectedLatency: st.referenceLatency}
		refFill(st, &v, estimate{success: st.confidence, quality: st.confidence, latency: float64(st.referenceLatency)}, 1, 0, now)
		return v
	}
	nowN := now.UnixNano()
	s := e.all
	expired := s.expire(nowN, st)
	s.percentiles(false, st.pctEvery)
	prior := estimate{success: e.profile.Confidence, quality: e.profile.Confidence, latency: float64(e.profile.ExpectedLatency)}
	est := blend(prior, st.prior, s.c, s.ewma)
	uptime, p95 := 1.0, int64(0)
	if u, ok := refUptime(s, nowN); ok {
		uptime = u
	}
	if s.c.answered > 0 {
		p95 = s.p95
	}
	v := View{ExpectedLatency: e.profile.ExpectedLatency, Samples: s.c.n, Requests: s.requests, Cost: e.profile.Cost}
	if dataType != "" {
		v.Samples, v.Requests = 0, 0
		if ts := e.types[dataType]; ts != nil {
			if ts.expire(nowN, st) {
				expired = true
			}
			ts.percentiles(false, st.pctEvery)
			est = blend(blend(prior, st.prior, s.c.minus(ts.inParent), s.ewma), st.prior, ts.c, ts.ewma)
			if u, ok := refUptime(ts, nowN); ok {
				uptime = u
			}
			if ts.c.answered > 0 {
				p95 = ts.p95
			}
			v.Samples, v.Requests = ts.c.n, ts.requests
		}
	}
	if e.hasQuota {
		v.Quota = e.quota
		v.QuotaUntil = e.quota.Reset
		if v.QuotaUntil.IsZero() {
			v.QuotaUntil = e.quotaAt.Add(st.quotaStale)
		}
	}
	refFill(st, &v, est, uptime, p95, now)
	if expired {
		e.gen++
	}
	return v
}

func refUptime(s *series, now int64) (float64, bool) {
	if s.c.n == 0 {
		return 0, s.down
	}
	down := s.downSum
	if s.down {
		down += max(now-s.lastAt, 0)
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

func refFill(s *settings, v *View, est estimate, uptime float64, p95 int64, now time.Time) {
	v.SuccessRate = clamp01(est.success)
	v.Quality = clamp01(est.quality)
	v.Uptime = clamp01(uptime)
	v.Latency = time.Duration(math.Round(est.latency))
	v.P95 = time.Duration(p95)
	w := &s.health
	v.Score = clamp01(w.Success*v.SuccessRate +
		w.Latency*latencyFactor(v.ExpectedLatency, v.Latency) +
		w.Quality*v.Quality +
		w.Uptime*v.Uptime +
		w.Quota*v.QuotaRatio(now))
	v.Status = s.thresholds.Status(v.Score)
}

// viewOps drives two trackers built from cfg through the same seeded
// random operations — outcomes of every kind for two providers and three
// data types, with time moving forwards and backwards, quotas, Health
// reports and profile changes — and checks after each that View on the
// first (with its derived views) equals referenceView on the second.
func viewOps(t *testing.T, cfg Config, seed uint64, steps int) {
	t.Helper()
	profiles := []Profile{{Name: "a", Confidence: 0.8, ExpectedLatency: 50 * time.Millisecond, Cost: 0.01}, {Name: "b"}}
	cached := newTracker(t, cfg, profiles...)
	ref := newTracker(t, cfg, profiles...)
	rng := rand.New(rand.NewPCG(seed, 99))
	providers := []string{"a", "b", "unknown"}
	types := []string{"", "x", "y", "never"}
	classes := []string{"", "transient", "unavailable", DataQualityClass}
	at := t0
	for step := range steps {
		switch k := rng.IntN(20); {
		case k < 11:
			at = at.Add(time.Duration(rng.IntN(6000)-1000) * time.Millisecond) // sometimes backwards
			o := Outcome{At: at, Latency: time.Duration(rng.IntN(400)) * time.Millisecond, OK: rng.IntN(3) > 0}
			if !o.OK {
				o.Class = classes[rng.IntN(len(classes))]
				o.Valid = rng.IntN(4) == 0
			} else {
				o.Valid = rng.IntN(6) > 0
			}
			if rng.IntN(5) == 0 {
				o.Quota = &Quota{Limit: int64(rng.IntN(3)) * 50, Remaining: int64(rng.IntN(60) - 5)}
				if rng.IntN(2) == 0 {
					o.Quota.Reset = at.Add(time.Duration(rng.IntN(40)) * time.Second)
				}
			}
			p, dt := providers[rng.IntN(2)], types[rng.IntN(3)]
			cached.Record(p, dt, o)
			ref.Record(p, dt, o)
		case k < 12:
			p := providers[rng.IntN(2)]
			now := at.Add(time.Duration(rng.IntN(120)) * time.Second)
			require.Equal(t, ref.Health(p, now), cached.Health(p, now), "step %d: Health(%s)", step, p)
		case k < 13:
			pr := Profile{Name: providers[rng.IntN(2)], Confidence: 0.5 + rng.Float64()/2, ExpectedLatency: time.Duration(1+rng.IntN(300)) * time.Millisecond}
			require.NoError(t, cached.Register(pr))
			require.NoError(t, ref.Register(pr))
		case k < 15:
			now := at.Add(time.Duration(rng.IntN(200)-20) * time.Second)
			// Every provider at the same now, as a ranking reads them.
			dt := types[rng.IntN(len(types))]
			for _, p := range providers {
				got, want := cached.View(p, dt, now), ref.referenceView(p, dt, now)
				require.True(t, want == got, "step %d: View %s/%q at %v:\n got %+v\nwant %+v", step, p, dt, now.Sub(t0), got, want)
			}
		default:
			// Several views at increasing times: the derived view must
			// follow now without a Record in between.
			p, dt := providers[rng.IntN(len(providers))], types[rng.IntN(len(types))]
			now := at.Add(time.Duration(rng.IntN(5000)-500) * time.Millisecond)
			for range 1 + rng.IntN(4) {
				got, want := cached.View(p, dt, now), ref.referenceView(p, dt, now)
				require.True(t, want == got, "step %d: View %s/%q at %v:\n got %+v\nwant %+v", step, p, dt, now.Sub(t0), got, want)
				now = now.Add(time.Duration(rng.IntN(30000)) * time.Millisecond)
			}
		}
	}
}

// TestViewCacheMatchesReference checks that the cached View is exactly
// the view computed afresh, through every kind of change it depends on.
func TestViewCacheMatchesReference(t *testing.T) {
	configs := map[string]Config{
		"default":           {},
		"window duration":   {Window: 7, WindowDuration: 20 * time.Second, OutageStreak: 2, PercentileEvery: 3, QuotaStaleAfter: 10 * time.Second},
		"short everything":  {Window: 3, WindowDuration: 2 * time.Second, OutageStreak: 1, PercentileEvery: 1, QuotaStaleAfter: time.Second},
		"no outage, custom": {Window: 20, PercentileEvery: 50, OutageStreak: 1000, HealthWeights: HealthWeights{Uptime: 1, Quota: 1, Success: 0.5}},
	}
	for name, cfg := range configs {
		t.Run(name, func(t *testing.T) {
			for seed := range uint64(4) {
				viewOps(t, cfg, seed, 1500)
			}
		})
	}
}

// generation returns the generation of the derived view View of provider
// × dataType reads: it moves when, and only when, that view is worked out
// again.
func generation(t *testing.T, tr *Tracker, provider, dataType string) uint64 {
	t.Helper()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	e := tr.entries[provider]
	require.NotNil(t, e)
	s := e.all
	if dataType != "" {
		s = e.types[dataType]
		require.NotNil(t, s)
	}
	return s.derived.gen
}

// TestViewCacheFollowsTime checks, on the fake clock, that a derived view
// is reused while time passes and nothing happens — its uptime and quota
// ratio still following now — and worked out again when an outcome ages
// out of the window or is recorded.
func TestViewCacheFollowsTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := Config{WindowDuration: time.Minute, OutageStreak: 2, QuotaStaleAfter: 30 * time.Second}
		profile := Profile{Name: "a", Confidence: 0.5, ExpectedLatency: 100 * time.Millisecond}
		tr, ref := newTracker(t, cfg, profile), newTracker(t, cfg, profile)
		record := func(o Outcome) { tr.Record("a", "cpc", o); ref.Record("a", "cpc", o) }
		// view is tr.View, checked against the reference.
		view := func() View {
			v := tr.View("a", "cpc", time.Now())
			require.Equal(t, ref.referenceView("a", "cpc", time.Now()), v)
			return v
		}
		for range 10 {
			record(ok(time.Time{}, 50*time.Millisecond)) // At zero: now
			time.Sleep(time.Second)
		}
		// Now start+10s; outcomes at start+0s … start+9s.
		v := view()
		assert.Equal(t, 10, v.Samples)
		assert.InDelta(t, (10*0.5+10)/20, v.SuccessRate, 1e-12)
		gen := generation(t, tr, "a", "cpc")

		time.Sleep(50 * time.Second) // start+60s: the oldest is exactly a minute old, still in
		assert.Equal(t, v, view())
		assert.Equal(t, gen, generation(t, tr, "a", "cpc"), "reused while nothing changed")

		time.Sleep(time.Nanosecond) // the oldest ages out
		v = view()
		assert.Equal(t, 9, v.Samples)
		assert.InDelta(t, (10*0.5+9)/19, v.SuccessRate, 1e-12)
		assert.NotEqual(t, gen, generation(t, tr, "a", "cpc"), "worked out again when an outcome aged out")

		time.Sleep(time.Hour)
		v = view()
		assert.Equal(t, 0, v.Samples)
		assert.InDelta(t, 0.5, v.SuccessRate, 1e-12, "back to the prior")

		// An outage and a quota: uptime and the quota ratio depend on now.
		record(ok(time.Time{}, 50*time.Millisecond))
		time.Sleep(time.Second)
		record(fail(time.Time{}, "unavailable"))
		time.Sleep(time.Second)
		o := fail(time.Time{}, "unavailable")
		o.Quota = &Quota{Limit: 100, Remaining: 40}
		record(o) // down from here
		down := time.Now()
		gen = 0
		for _, c := range []struct {
			after  time.Duration // since the outage began
			uptime float64       // 1 − after/(2s + after)
			quota  float64
		}{
			{0, 1, 0.4},
			{2 * time.Second, 0.5, 0.4},
			{8 * time.Second, 0.2, 0.4},
			{29 * time.Second, 2.0 / 31, 0.4},
			{30 * time.Second, 2.0 / 32, 1}, // the quota report is stale
			{50 * time.Second, 2.0 / 52, 1},
		} {
			time.Sleep(time.Until(down.Add(c.after)))
			v := view()
			assert.InDelta(t, c.uptime, v.Uptime, 1e-12, "uptime %v into the outage", c.after)
			assert.Equal(t, c.quota, v.QuotaRatio(time.Now()), "quota ratio %v into the outage", c.after)
			if gen == 0 {
				gen = generation(t, tr, "a", "cpc")
			}
			assert.Equal(t, gen, generation(t, tr, "a", "cpc"), "from the same derived view %v into the outage", c.after)
		}
	})
}

// TestViewCacheInvalidation checks what works a derived view out again
// and what does not.
func TestViewCacheInvalidation(t *testing.T) {
	cfg := Config{PercentileEvery: 100}
	tr, ref := newTracker(t, cfg, Profile{Name: "a"}), newTracker(t, cfg, Profile{Name: "a"})
	record := func(dataType string, o Outcome) { tr.Record("a", dataType, o); ref.Record("a", dataType, o) }
	// view is tr.View, checked against the reference.
	view := func(dataType string, now time.Time) View {
		v := tr.View("a", dataType, now)
		require.Equal(t, ref.referenceView("a", dataType, now), v)
		return v
	}
	for i := range 20 {
		record("cpc", ok(t0, time.Duration(10+i)*time.Millisecond))
	}
	now := t0.Add(time.Second)
	_ = view("cpc", now)
	gen := generation(t, tr, "a", "cpc")
	for range 5 {
		now = now.Add(time.Hour)
		_ = view("cpc", now)
	}
	assert.Equal(t, gen, generation(t, tr, "a", "cpc"), "time alone does not work it out again")

	// A view of the provider, or of another data type, leaves it be.
	_ = view("", now)
	_ = view("other", now)
	_ = view("cpc", now)
	assert.Equal(t, gen, generation(t, tr, "a", "cpc"))

	record("", ok(now, time.Millisecond)) // another data type's outcome changes the prior
	_ = view("cpc", now)
	assert.NotEqual(t, gen, generation(t, tr, "a", "cpc"), "a Record works it out again")

	gen = generation(t, tr, "a", "cpc")
	require.NoError(t, tr.Register(Profile{Name: "a", Confidence: 0.5}))
	require.NoError(t, ref.Register(Profile{Name: "a", Confidence: 0.5}))
	_ = view("cpc", now)
	assert.NotEqual(t, gen, generation(t, tr, "a", "cpc"), "a Register works it out again")

	// Health recomputes the percentiles (PercentileEvery is not reached),
	// and the next View shows them.
	for range 10 {
		record("cpc", ok(now, 5*time.Second))
	}
	before := view("cpc", now).P95
	h := tr.Health("a", now)
	_ = ref.Health("a", now)
	after := view("cpc", now)
	assert.Less(t, before, 5*time.Second, "cached percentiles")
	assert.Equal(t, 5*time.Second, h.DataTypes["cpc"].P95)
	assert.Equal(t, 5*time.Second, after.P95, "Health refreshed them")
}

// TestViewDoesNotAllocate checks View in the steady state, with now
// moving on, for a view of a provider up, one in an outage (its uptime
// follows now) and one unknown.
func TestViewDoesNotAllocate(t *testing.T) {
	tr := newTracker(t, Config{}, Profile{Name: "a"}, Profile{Name: "b"})
	for range 10 {
		tr.Record("a", "cpc", ok(t0, 10*time.Millisecond))
		tr.Record("b", "cpc", fail(t0, "unavailable")) // down: uptime follows now
	}
	now := t0.Add(time.Second)
	views := make([]View, 3)
	allocs := testing.AllocsPerRun(100, func() {
		now = now.Add(time.Millisecond)
		for i, p := range []string{"a", "b", "unknown"} {
			views[i] = tr.View(p, "cpc", now)
		}
	})
	assert.Equal(t, 0.0, allocs)
	assert.Less(t, views[1].Uptime, 0.01)
}

// TestViewCacheConcurrent records, views, reports and re-registers the
// same providers from many goroutines (run it with -race), then checks
// that no stale derived view survived: every view equals the reference.
func TestViewCacheConcurrent(t *testing.T) {
	tr := newTracker(t, Config{Window: 30, WindowDuration: 10 * time.Second, PercentileEvery: 4, OutageStreak: 2}, Profile{Name: "a"}, Profile{Name: "b"})
	types := []string{"", "x", "y"}
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			providers := []string{"a", "b", "c"}
			for i := range 400 {
				at := t0.Add(time.Duration(i*50+rng.IntN(1000)) * time.Millisecond)
				p, dt := providers[rng.IntN(3)], types[rng.IntN(3)]
				switch rng.IntN(10) {
				case 0, 1, 2:
					o := ok(at, time.Duration(rng.IntN(200))*time.Millisecond)
					if rng.IntN(3) == 0 {
						o = fail(at, "unavailable")
						o.Quota = &Quota{Limit: 10, Remaining: int64(rng.IntN(10))}
					}
					tr.Record(p, dt, o)
				case 3:
					if i%50 == 3 {
						_ = tr.Health(p, at)
					}
				case 4:
					if i%100 == 4 {
						assert.NoError(t, tr.Register(Profile{Name: p, Confidence: 0.5 + float64(g)/20}))
					}
				case 5, 6:
					for _, p := range providers {
						v := tr.View(p, dt, at)
						assert.True(t, v.Score >= 0 && v.Score <= 1, "score %v", v.Score)
					}
				default:
					_ = tr.View(p, dt, at)
				}
			}
		})
	}
	wg.Wait()
	now := t0.Add(25 * time.Second)
	for _, p := range []string{"a", "b", "c", "d"} {
		for _, dt := range append(types, "z") {
			for _, at := range []time.Time{now, now.Add(3 * time.Second), now.Add(time.Minute)} {
				got := tr.View(p, dt, at)
				assert.Equal(t, tr.referenceView(p, dt, at), got, "%s/%q at %v", p, dt, at.Sub(t0))
			}
		}
	}
}

// FuzzViewCache runs viewOps on fuzzed configurations and seeds.
func FuzzViewCache(f *testing.F) {
	f.Add(uint64(1), uint8(7), uint16(20), uint8(2), uint8(3))
	f.Add(uint64(2), uint8(1), uint16(1), uint8(1), uint8(1))
	f.Add(uint64(3), uint8(0), uint16(0), uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, seed uint64, window uint8, windowSeconds uint16, streak, every uint8) {
		cfg := Config{
			Window:          int(window % 50),
			WindowDuration:  time.Duration(windowSeconds%600) * time.Second,
			OutageStreak:    int(streak % 10),
			PercentileEvery: int(every % 20),
		}
		viewOps(t, cfg, seed, 300)
	})
}
