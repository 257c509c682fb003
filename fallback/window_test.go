package fallback

import (
	"context"
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

func TestRingCountsTheTrailingPeriods(t *testing.T) {
	var r ring
	t0 := time.Unix(1_000_000, 0) // on a second
	for i := range 90 {
		ringResolved(&r, t0.Add(time.Duration(i)*time.Second), time.Second, LayerPrimary)
	}
	ringSpent(&r, t0.Add(89*time.Second), time.Second, 7)
	now := t0.Add(89*time.Second + 250*time.Millisecond)
	w := r.trailing(now, time.Second, ringSlots, t0)
	assert.EqualValues(t, 60, w.resolves(), "seconds 30 to 89")
	assert.EqualValues(t, 60, w.layers[LayerPrimary])
	assert.EqualValues(t, 7, w.cost)
	assert.Equal(t, 59*time.Second+250*time.Millisecond, w.span)
	assert.InDelta(t, 60/59.25*60, w.per(float64(w.resolves()), time.Minute), 1e-9)

	w = r.trailing(now, time.Second, 10, t0)
	assert.EqualValues(t, 10, w.resolves())
	assert.Equal(t, 9*time.Second+250*time.Millisecond, w.span)

	// Since start: the span is the time up.
	w = r.trailing(now, time.Second, ringSlots, t0.Add(80*time.Second))
	assert.Equal(t, 9250*time.Millisecond, w.span)

	// A count later than the window is dropped; a slot is reused after
	// its period is over.
	ringResolved(&r, t0, time.Second, LayerPrimary)
	assert.EqualValues(t, 60, r.trailing(now, time.Second, ringSlots, t0).resolves())
	later := t0.Add(200 * time.Second)
	ringResolved(&r, later, time.Second, LayerDefault)
	w = r.trailing(later, time.Second, ringSlots, t0)
	assert.EqualValues(t, 1, w.resolves(), "the old periods are gone")
	assert.EqualValues(t, 1, w.layers[LayerDefault])
	assert.Zero(t, window{}.per(5, time.Minute), "no span, no rate")
}

func TestWindowsRollSecondsUpIntoMinutes(t *testing.T) {
	var w windows
	t0 := time.Unix(3_600_000, 0) // on an hour
	// A resolve a second for 90 minutes, costing 2 each.
	for i := range 90 * 60 {
		at := t0.Add(time.Duration(i) * time.Second)
		w.resolved(at, LayerPrimary)
		w.spent(at, 2)
	}
	now := t0.Add(90*time.Minute - 500*time.Millisecond) // in the last second counted
	h := w.lastMinutes(now, t0, ringSlots)
	assert.EqualValues(t, 3600, h.resolves(), "minutes 30 to 89: 59 rolled up, the last one's seconds not yet")
	assert.EqualValues(t, 3600, h.layers[LayerPrimary])
	assert.EqualValues(t, 7200, h.cost)
	assert.Equal(t, 59*time.Minute+59500*time.Millisecond, h.span)
	assert.EqualValues(t, 600, w.lastMinutes(now, t0, 10).resolves())
	assert.EqualValues(t, 60, w.lastMinute(now, t0).resolves())

	// Idle for half an hour: seconds never rolled up still count while
	// their minute is in the window.
	later := now.Add(30 * time.Minute)
	assert.EqualValues(t, 1800, w.lastMinutes(later, t0, ringSlots).resolves(), "minutes 60 to 89")
	assert.Zero(t, w.lastMinute(later, t0).resolves())
	assert.Zero(t, w.lastMinutes(now.Add(2*time.Hour), t0, ringSlots).resolves())

	// Counting again rolls the idle seconds up into their minute, once.
	w.resolved(later, LayerDefault)
	h = w.lastMinutes(later, t0, ringSlots)
	assert.EqualValues(t, 1801, h.resolves())
	assert.EqualValues(t, 1, h.layers[LayerDefault])
}

func TestRingCountsExactlyUnderConcurrency(t *testing.T) {
	var r ring
	t0 := time.Unix(2_000_000, 0)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 1000 {
				// Every goroutine crosses the same period boundaries.
				ringResolved(&r, t0.Add(time.Duration(i)*time.Millisecond*10), time.Second, Layer(1+g%5))
				ringSpent(&r, t0.Add(time.Duration(i)*time.Millisecond*10), time.Second, 3)
			}
		})
	}
	wg.Wait()
	w := r.trailing(t0.Add(9999*time.Millisecond), time.Second, ringSlots, t0)
	assert.EqualValues(t, 16000, w.resolves())
	assert.EqualValues(t, 48000, w.cost)
}

func TestSnapshotTrailingWindowsAndProjections(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// synctest's clock starts on a whole minute: periods are aligned
		// with the resolver's start.
		cfg := testConfig()
		cfg.Plausibility.AuditRate = -1                      // no sampled second opinion: the costs are exact
		r := newTestResolver(t, cfg, newStub(1), newStub(1)) // p1 costs 0.02
		resolveN := func(prefix string, n int) {
			for i := range n {
				_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint(prefix, i)})
				require.NoError(t, err)
			}
		}
		resolveN("a", 10)
		_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "a0"}) // a fresh hit
		require.NoError(t, err)
		// In the first milliseconds the rates are over a whole period (a
		// second, a minute), not over the milliseconds gone by.
		time.Sleep(10 * time.Millisecond)
		early := r.Snapshot().Overall
		assert.InDelta(t, 11*60, early.RequestsPerMinute, 1e-9)
		assert.InDelta(t, 0.2*60, early.CostPerHour, 1e-9)
		time.Sleep(30*time.Second - 10*time.Millisecond)
		o := r.Snapshot().Overall
		assert.EqualValues(t, 11, o.LastMinute.Resolves)
		assert.EqualValues(t, 11, o.LastHour.Resolves)
		assert.InDelta(t, 30, o.LastMinute.SpanSeconds, 1e-9, "up half a minute")
		assert.InDelta(t, 22, o.RequestsPerMinute, 1e-9)
		// The hour's rate is never taken over less than a minute: 11 in
		// the first 30 s project to 11 × 60 an hour, not 11 × 120.
		assert.InDelta(t, 11*60, o.RequestsPerHour, 1e-9)
		assert.InDelta(t, 0.2, o.LastMinute.Cost, 1e-9)
		assert.InDelta(t, 0.4, o.CostPerMinute, 1e-9)
		assert.InDelta(t, 12, o.CostPerHour, 1e-9)
		assert.InDelta(t, 12*24, o.DailyProjection, 1e-9)
		assert.InDelta(t, 12*24*30, o.MonthlyProjection, 1e-9)
		assert.InDelta(t, 1.0/11, o.LastMinute.Layers.Cache, 1e-9)
		assert.InDelta(t, 10.0/11, o.LastMinute.Layers.Primary, 1e-9)

		// Two minutes up: the minute is empty, the hour holds them.
		time.Sleep(90 * time.Second)
		o = r.Snapshot().Overall
		assert.Zero(t, o.LastMinute.Resolves)
		assert.Zero(t, o.RequestsPerMinute)
		assert.Zero(t, o.CostPerMinute)
		assert.InDelta(t, 11*30, o.RequestsPerHour, 1e-9)
		assert.InDelta(t, 0.2*30, o.CostPerHour, 1e-9)

		// An hour and a half up, a spike of 50 in the last minute: the
		// hour's figures are the spike's; since-start totals stay.
		time.Sleep(88*time.Minute + 30*time.Second)
		resolveN("b", 50)
		time.Sleep(15 * time.Second)
		o = r.Snapshot().Overall
		assert.EqualValues(t, 61, o.Resolves, "since start")
		assert.InDelta(t, 1.2, o.Cost, 1e-9, "since start")
		assert.EqualValues(t, 50, o.LastHour.Resolves)
		span := 59*time.Minute + 45*time.Second // the current minute is 45s old
		assert.InDelta(t, span.Seconds(), o.LastHour.SpanSeconds, 1e-9)
		assert.InDelta(t, 50*float64(time.Hour)/float64(span), o.RequestsPerHour, 1e-9)
		assert.InDelta(t, 1.0*float64(time.Hour)/float64(span), o.CostPerHour, 1e-9)
		assert.InDelta(t, 50*60/59.0, o.RequestsPerMinute, 1e-9, "on a whole second the minute spans 59s")
		assert.InDelta(t, 1.2/61, o.CostPerSuccess, 1e-9, "since start, the hit included")

		// A quiet hour later every trailing figure is zero.
		time.Sleep(time.Hour)
		o = r.Snapshot().Overall
		assert.Zero(t, o.RequestsPerHour)
		assert.Zero(t, o.CostPerHour)
		assert.Zero(t, o.MonthlyProjection)
		assert.EqualValues(t, 61, o.Resolves)
	})
}

func TestHistogramBucketsBoundTheError(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		v := uint64(math.Exp(rng.Float64() * 40)) // 1 ns to 2.4e17 ns
		if v >= 1<<histMaxBits {
			continue
		}
		i := bucketOf(v)
		assert.LessOrEqual(t, math.Abs(bucketMid(i)-float64(v)), float64(v)/(2*histSub)+0.5, "v=%d bucket %d", v, i)
	}
	assert.Equal(t, histBuckets-1, bucketOf(math.MaxUint64), "beyond the range: the last bucket")
	for i := 1; i < histBuckets; i++ {
		require.Greater(t, bucketMid(i), bucketMid(i-1), "the buckets are in order")
	}
}

func TestHistogramPercentilesOnHeavyTails(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	samples := map[string]func() float64{
		// Latencies in nanoseconds: lognormal around 40 ms, σ = 1.2.
		"lognormal": func() float64 { return math.Exp(math.Log(40e6) + 1.2*rng.NormFloat64()) },
		// Pareto, α = 1.5, from 5 ms: a tail of timeouts and retries.
		"pareto": func() float64 { return 5e6 / math.Pow(1-rng.Float64(), 1/1.5) },
	}
	for name, draw := range samples {
		t.Run(name, func(t *testing.T) {
			var h histogram
			vals := make([]time.Duration, 200000)
			for i := range vals {
				vals[i] = time.Duration(draw())
				h.observe(vals[i])
			}
			slices.Sort(vals)
			for _, q := range []float64{0.5, 0.95, 0.99, 0.999} {
				exact := vals[int(math.Ceil(q*float64(len(vals))))-1]
				got := h.quantile(q)
				rel := math.Abs(float64(got-exact)) / float64(exact)
				t.Logf("p%v: exact %v, from buckets %v, relative error %.4f%%", q*100, exact, got, 100*rel)
				assert.LessOrEqual(t, rel, 1.0/(2*histSub), "p%v within 1.6%%", q*100)
			}
		})
	}
}

// ringResolved counts a resolve answered from layer at now in r, whose
// periods are width wide.
func ringResolved(r *ring, now time.Time, width time.Duration, layer Layer) {
	if s := r.slotAt(period(now, width), nil); s != nil {
		s.layers[layer].Add(1)
	}
}

// ringSpent counts c nano-units spent at now in r.
func ringSpent(r *ring, now time.Time, width time.Duration, c int64) {
	if s := r.slotAt(period(now, width), nil); s != nil {
		s.cost.Add(c)
	}
}
