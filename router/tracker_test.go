package router

import (
	"encoding/json"
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

func newTracker(t testing.TB, cfg Config, profiles ...Profile) *Tracker {
	t.Helper()
	tr, err := NewTracker(cfg)
	require.NoError(t, err)
	for _, p := range profiles {
		require.NoError(t, tr.Register(p))
	}
	return tr
}

func ok(at time.Time, lat time.Duration) Outcome {
	return Outcome{At: at, Latency: lat, OK: true, Valid: true}
}

func fail(at time.Time, class string) Outcome {
	return Outcome{At: at, Latency: time.Second, Class: class}
}

func garbage(at time.Time, lat time.Duration) Outcome {
	return Outcome{At: at, Latency: lat, Class: DataQualityClass}
}

func TestTrackerColdStart(t *testing.T) {
	tr := newTracker(t, Config{}, Profile{Name: "a", Confidence: 0.8, ExpectedLatency: 200 * time.Millisecond, Cost: 0.02})
	v := tr.View("a", "", t0)
	assert.Equal(t, 0.8, v.SuccessRate)
	assert.Equal(t, 0.8, v.Quality)
	assert.Equal(t, 1.0, v.Uptime)
	assert.Equal(t, 200*time.Millisecond, v.Latency)
	assert.Equal(t, 200*time.Millisecond, v.ExpectedLatency)
	assert.Equal(t, time.Duration(0), v.P95, "no observation: the resolver falls back to its own delay")
	assert.Equal(t, 0, v.Samples)
	assert.Equal(t, 0.02, v.Cost)
	// 0.40·0.8 + 0.15·1 + 0.20·0.8 + 0.15·1 + 0.10·1
	assert.InDelta(t, 0.88, v.Score, 1e-12)
	assert.Equal(t, Degraded, v.Status)

	// A data type never served starts from the provider's estimate.
	assert.Equal(t, v, tr.View("a", "cpc", t0))

	// An unknown provider, or a registered one with zero fields, starts
	// from the defaults.
	require.NoError(t, tr.Register(Profile{Name: "b"}))
	for _, name := range []string{"b", "nobody"} {
		v := tr.View(name, "", t0)
		assert.Equal(t, DefaultConfidence, v.SuccessRate, name)
		assert.Equal(t, DefaultReferenceLatency, v.Latency, name)
		assert.InDelta(t, 0.40*0.9+0.15+0.20*0.9+0.15+0.10, v.Score, 1e-12, name)
		assert.Equal(t, Healthy, v.Status, name)
	}
}

func TestTrackerBlend(t *testing.T) {
	// k = 10 pseudo-observations at confidence 0.8 and 100ms.
	tr := newTracker(t, Config{PriorWeight: 10, EWMAAlpha: 1}, Profile{Name: "a", Confidence: 0.8, ExpectedLatency: 100 * time.Millisecond})
	for i := range 10 {
		tr.Record("a", "", ok(t0.Add(time.Duration(i)*time.Second), 200*time.Millisecond))
	}
	v := tr.View("a", "", t0.Add(10*time.Second))
	assert.InDelta(t, (8+10)/20.0, v.SuccessRate, 1e-12)
	assert.InDelta(t, (8+10)/20.0, v.Quality, 1e-12)
	assert.Equal(t, 150*time.Millisecond, v.Latency, "half-way between expected and observed after k responses")
	assert.Equal(t, 200*time.Millisecond, v.P95)
	assert.Equal(t, 10, v.Samples)
	assert.Equal(t, int64(10), v.Requests)

	// Failures pull the success rate down but, unanswered, leave quality
	// and latency alone.
	for i := range 10 {
		tr.Record("a", "", fail(t0.Add(time.Duration(10+i)*time.Second), "transient"))
	}
	v = tr.View("a", "", t0.Add(20*time.Second))
	assert.InDelta(t, (8+10)/30.0, v.SuccessRate, 1e-12)
	assert.InDelta(t, (8+10)/20.0, v.Quality, 1e-12)
	assert.Equal(t, 150*time.Millisecond, v.Latency)
}

func TestTrackerEWMA(t *testing.T) {
	tr := newTracker(t, Config{EWMAAlpha: 0.5, PriorWeight: 1e-9}, Profile{Name: "a"})
	for i, ms := range []int{100, 200, 400} {
		tr.Record("a", "", ok(t0.Add(time.Duration(i)*time.Second), time.Duration(ms)*time.Millisecond))
	}
	// 100 → 150 → 275
	h := tr.Health("a", t0.Add(3*time.Second))
	assert.Equal(t, 275*time.Millisecond, h.Latency)
}

func TestTrackerWindowCount(t *testing.T) {
	tr := newTracker(t, Config{Window: 5}, Profile{Name: "a"})
	at := t0
	for range 5 {
		tr.Record("a", "", fail(at, "unavailable"))
		at = at.Add(time.Second)
	}
	h := tr.Health("a", at)
	assert.Equal(t, 0.0, h.SuccessRate)
	assert.Equal(t, map[string]float64{"unavailable": 1}, h.ErrorRates)
	for range 5 {
		tr.Record("a", "", ok(at, time.Millisecond))
		at = at.Add(time.Second)
	}
	h = tr.Health("a", at)
	assert.Equal(t, 5, h.Samples)
	assert.Equal(t, int64(10), h.Requests)
	assert.Equal(t, int64(5), h.Successes)
	assert.Equal(t, 1.0, h.SuccessRate, "the failures have left the window")
	assert.Equal(t, 0.0, h.ErrorRate)
	assert.Empty(t, h.ErrorRates)
	assert.Equal(t, 1.0, h.Uptime, "the outage has left the window")
}

func TestTrackerErrorRatesAndQuality(t *testing.T) {
	tr := newTracker(t, Config{}, Profile{Name: "a"})
	var outs []Outcome
	for range 6 {
		outs = append(outs, ok(t0, 10*time.Millisecond))
	}
	outs = append(outs,
		fail(t0, "transient"), fail(t0, "transient"),
		garbage(t0, 10*time.Millisecond),
		Outcome{At: t0}, // a failure with no class
	)
	for _, o := range outs {
		tr.Record("a", "", o)
	}
	h := tr.Health("a", t0)
	assert.Equal(t, 10, h.Samples)
	assert.InDelta(t, 0.6, h.SuccessRate, 1e-12)
	assert.InDelta(t, 0.4, h.ErrorRate, 1e-12)
	assert.InDeltaMapValues(t, map[string]float64{"transient": 0.2, "data_quality": 0.1, "unknown": 0.1}, h.ErrorRates, 1e-12)
	assert.InDelta(t, 6.0/7, h.Quality, 1e-12, "7 responses, 6 valid; the unanswered failures do not count")
}

func TestTrackerPercentiles(t *testing.T) {
	tr := newTracker(t, Config{Window: 100}, Profile{Name: "a"})
	// 1..100ms in a scrambled order.
	for i := range 100 {
		ms := (i*37)%100 + 1
		tr.Record("a", "", ok(t0, time.Duration(ms)*time.Millisecond))
	}
	h := tr.Health("a", t0)
	assert.Equal(t, 50*time.Millisecond, h.P50)
	assert.Equal(t, 95*time.Millisecond, h.P95)
	assert.Equal(t, 99*time.Millisecond, h.P99)
	assert.Equal(t, 95*time.Millisecond, tr.View("a", "", t0).P95)

	// Unanswered failures carry no latency: they evict samples, add none.
	for range 50 {
		tr.Record("a", "", fail(t0, "transient"))
	}
	h = tr.Health("a", t0)
	// The 50 left are the outcomes i = 50..99: (i*37)%100+1.
	var left []int64
	for i := 50; i < 100; i++ {
		left = append(left, int64((i*37)%100+1))
	}
	assert.Len(t, left, 50)
	assert.Equal(t, time.Duration(sortedAt(left, 0.95))*time.Millisecond, h.P95)
}

// sortedAt returns the nearest-rank percentile of xs.
func sortedAt(xs []int64, p float64) int64 {
	c := slices.Clone(xs)
	slices.Sort(c)
	return nearestRank(c, p)
}

func TestTrackerPercentileCache(t *testing.T) {
	tr := newTracker(t, Config{PercentileEvery: 10}, Profile{Name: "a"})
	for range 10 {
		tr.Record("a", "", ok(t0, 10*time.Millisecond))
	}
	assert.Equal(t, 10*time.Millisecond, tr.View("a", "", t0).P95, "first computation")
	for range 9 {
		tr.Record("a", "", ok(t0, time.Second))
	}
	assert.Equal(t, 10*time.Millisecond, tr.View("a", "", t0).P95, "9 changes: still cached")
	tr.Record("a", "", ok(t0, time.Second))
	assert.Equal(t, time.Second, tr.View("a", "", t0).P95, "10 changes: recomputed")

	// Health always recomputes, and refreshes the cache View reads.
	tr2 := newTracker(t, Config{PercentileEvery: 10}, Profile{Name: "a"})
	for range 10 {
		tr2.Record("a", "", ok(t0, 10*time.Millisecond))
	}
	_ = tr2.View("a", "", t0)
	for range 9 {
		tr2.Record("a", "", ok(t0, time.Second))
	}
	assert.Equal(t, time.Second, tr2.Health("a", t0).P95)
	assert.Equal(t, time.Second, tr2.View("a", "", t0).P95)
}

func TestTrackerUptime(t *testing.T) {
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	tr := newTracker(t, Config{OutageStreak: 3}, Profile{Name: "a"})
	tr.Record("a", "", ok(at(0), time.Millisecond))
	tr.Record("a", "", fail(at(1), "unavailable"))
	tr.Record("a", "", fail(at(2), "unavailable"))
	assert.Equal(t, 1.0, tr.View("a", "", at(3)).Uptime, "two failures are not an outage")
	tr.Record("a", "", fail(at(3), "unavailable"))       // the third: down from here
	tr.Record("a", "", garbage(at(5), time.Millisecond)) // an answer, even garbage, ends it
	// Window time 0..10s, down 3s..5s.
	assert.InDelta(t, 0.8, tr.View("a", "", at(10)).Uptime, 1e-12)

	// Data-quality failures never start an outage.
	for s := 6; s <= 9; s++ {
		tr.Record("a", "", garbage(at(s), time.Millisecond))
	}
	assert.InDelta(t, 0.8, tr.View("a", "", at(10)).Uptime, 1e-12)

	// An ongoing outage counts until now.
	for s := 10; s <= 12; s++ {
		tr.Record("a", "", fail(at(s), "transient"))
	}
	// Window 0..20s; down 3..5 and 12..20.
	v := tr.View("a", "", at(20))
	assert.InDelta(t, 1-10.0/20, v.Uptime, 1e-12)
	h := tr.Health("a", at(20))
	assert.InDelta(t, 0.5, h.Uptime, 1e-12)
}

func TestTrackerUptimeEviction(t *testing.T) {
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	tr := newTracker(t, Config{Window: 4, OutageStreak: 1}, Profile{Name: "a"})
	tr.Record("a", "", fail(at(0), "unavailable")) // down 0..2
	tr.Record("a", "", ok(at(2), time.Millisecond))
	tr.Record("a", "", ok(at(4), time.Millisecond))
	tr.Record("a", "", ok(at(6), time.Millisecond))
	assert.InDelta(t, 1-2.0/8, tr.View("a", "", at(8)).Uptime, 1e-12)
	tr.Record("a", "", ok(at(8), time.Millisecond)) // evicts the failure; the window starts at 2s
	assert.Equal(t, 1.0, tr.View("a", "", at(10)).Uptime)
}

func TestTrackerWindowDuration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := newTracker(t, Config{WindowDuration: time.Minute}, Profile{Name: "a", Confidence: 0.9})
		for range 20 {
			tr.Record("a", "", Outcome{Latency: 5 * time.Second, Class: "transient"}) // At zero: now
			time.Sleep(time.Second)
		}
		v := tr.View("a", "", time.Now())
		assert.Equal(t, 20, v.Samples)
		assert.Less(t, v.Score, 0.7)
		assert.Less(t, v.Uptime, 0.2)

		time.Sleep(45 * time.Second) // the first 5 outcomes are now over a minute old
		v = tr.View("a", "", time.Now())
		assert.Equal(t, 15, v.Samples)

		time.Sleep(time.Hour)
		for range 3 {
			tr.Record("a", "", ok(time.Time{}, 100*time.Millisecond))
		}
		v = tr.View("a", "", time.Now())
		assert.Equal(t, 3, v.Samples, "everything older than a minute left the window")
		assert.InDelta(t, (9+3)/13.0, v.SuccessRate, 1e-12, "back to the prior plus what is recent")
		assert.Equal(t, 1.0, v.Uptime)
		assert.Equal(t, int64(23), v.Requests)
	})
}

func TestTrackerQuota(t *testing.T) {
	tr := newTracker(t, Config{QuotaStaleAfter: 30 * time.Second}, Profile{Name: "a"})
	tr.Record("a", "", Outcome{At: t0, OK: true, Valid: true, Quota: &Quota{Limit: 100, Remaining: 10, Reset: t0.Add(time.Minute)}})
	v := tr.View("a", "", t0)
	assert.Equal(t, 0.1, v.QuotaRatio(t0))
	assert.Equal(t, t0.Add(time.Minute), v.QuotaUntil)
	assert.Equal(t, 1.0, v.QuotaRatio(t0.Add(time.Minute)), "the window renewed")

	h := tr.Health("a", t0)
	require.NotNil(t, h.Quota)
	assert.Equal(t, Quota{Limit: 100, Remaining: 10, Reset: t0.Add(time.Minute)}, *h.Quota)
	assert.Equal(t, 0.1, h.QuotaRatio)
	assert.Nil(t, tr.Health("a", t0.Add(2*time.Minute)).Quota, "not believed after its reset")

	// An older report does not replace a newer one.
	tr.Record("a", "", Outcome{At: t0.Add(-time.Second), OK: true, Valid: true, Quota: &Quota{Limit: 100, Remaining: 99}})
	assert.Equal(t, int64(10), tr.View("a", "", t0).Quota.Remaining)

	// With no reset, a report is believed for QuotaStaleAfter.
	t1 := t0.Add(5 * time.Second)
	tr.Record("a", "", Outcome{At: t1, OK: true, Valid: true, Quota: &Quota{Remaining: 0}})
	v = tr.View("a", "", t1)
	assert.Equal(t, t1.Add(30*time.Second), v.QuotaUntil)
	assert.Equal(t, 0.0, v.QuotaRatio(t1))
	assert.Equal(t, 1.0, v.QuotaRatio(t1.Add(30*time.Second)))

	// A reset however far ahead (a misread header) is believed for
	// QuotaMaxAge at most: the provider is asked again then.
	t2 := t1.Add(time.Minute)
	tr.Record("a", "", Outcome{At: t2, OK: true, Valid: true, Quota: &Quota{Limit: 100, Remaining: 0, Reset: t2.AddDate(100, 0, 0)}})
	v = tr.View("a", "", t2)
	assert.Equal(t, t2.Add(DefaultQuotaMaxAge), v.QuotaUntil)
	assert.Equal(t, 0.0, v.QuotaRatio(t2.Add(DefaultQuotaMaxAge-time.Nanosecond)))
	assert.Equal(t, 1.0, v.QuotaRatio(t2.Add(DefaultQuotaMaxAge)))

	tr = newTracker(t, Config{QuotaStaleAfter: time.Hour, QuotaMaxAge: 10 * time.Second}, Profile{Name: "a"})
	tr.Record("a", "", Outcome{At: t0, OK: true, Valid: true, Quota: &Quota{Remaining: 0}})
	assert.Equal(t, t0.Add(10*time.Second), tr.View("a", "", t0).QuotaUntil, "the cap applies to a report without a reset too")
	_, err := NewTracker(Config{QuotaMaxAge: -time.Second})
	assert.ErrorContains(t, err, "quota_max_age")
}

func TestTrackerDataTypes(t *testing.T) {
	tr := newTracker(t, Config{}, Profile{Name: "a", Confidence: 0.9})
	for i := range 30 {
		at := t0.Add(time.Duration(i) * time.Second)
		tr.Record("a", "good", Outcome{At: at, Latency: 50 * time.Millisecond, OK: true, Valid: true, Cost: 0.01})
		tr.Record("a", "bad", Outcome{At: at, Latency: 300 * time.Millisecond, Class: DataQualityClass, Cost: 0.02})
	}
	now := t0.Add(30 * time.Second)
	all, good, bad, unseen := tr.View("a", "", now), tr.View("a", "good", now), tr.View("a", "bad", now), tr.View("a", "new", now)
	assert.Equal(t, 60, all.Samples)
	assert.Equal(t, 30, good.Samples)
	assert.Greater(t, good.Quality, all.Quality)
	assert.Greater(t, all.Quality, bad.Quality)
	assert.Less(t, good.Latency, bad.Latency)
	assert.Greater(t, good.Score, bad.Score)
	assert.Equal(t, 0, unseen.Samples)
	assert.Equal(t, all.Quality, unseen.Quality, "an unseen data type starts from the provider's estimate")
	assert.Equal(t, all.P95, unseen.P95)
	// The bad data type's prior is the profile blended with the provider's
	// other outcomes (30 good ones); its own are not counted twice.
	prior := (10*0.9 + 30) / (10 + 30.0)
	assert.InDelta(t, (10*prior+0)/(10+30), bad.Quality, 1e-12)
	assert.InDelta(t, (10*0.9+30+0)/(10+60), all.Quality, 1e-12)

	h := tr.Health("a", now)
	assert.InDelta(t, 0.9, h.TotalCost, 1e-9)
	assert.InDeltaMapValues(t, map[string]float64{"good": 0.3, "bad": 0.6}, h.CostByDataType, 1e-9)
	require.Len(t, h.DataTypes, 2)
	assert.Equal(t, "bad", h.DataTypes["bad"].DataType)
	assert.Equal(t, 0.0, h.DataTypes["bad"].Quality)
	assert.Equal(t, 1.0, h.DataTypes["good"].Quality)
	assert.Equal(t, 0.5, h.Quality)
	assert.Equal(t, map[string]float64{"data_quality": 1}, h.DataTypes["bad"].ErrorRates)
	assert.Equal(t, 300*time.Millisecond, h.DataTypes["bad"].P99)
}

func TestTrackerRegisterKeepsHistory(t *testing.T) {
	tr := newTracker(t, Config{}, Profile{Name: "a", Confidence: 0.5})
	tr.Record("a", "", ok(t0, time.Millisecond))
	require.NoError(t, tr.Register(Profile{Name: "a", Confidence: 1}))
	v := tr.View("a", "", t0)
	assert.Equal(t, 1, v.Samples)
	assert.Equal(t, 1.0, v.SuccessRate, "(10·1 + 1) / 11 with the new confidence")
	assert.Equal(t, []string{"a"}, tr.Providers())

	tr.Record("z", "cpc", ok(t0, time.Millisecond)) // never registered
	assert.Equal(t, []string{"a", "z"}, tr.Providers())
	assert.Equal(t, 1, tr.View("z", "cpc", t0).Samples)
}

func TestTrackerRecordSanitises(t *testing.T) {
	tr := newTracker(t, Config{}, Profile{Name: "a"})
	tr.Record("a", "", Outcome{At: t0, Latency: -time.Second, OK: true, Valid: true, Cost: -5})
	h := tr.Health("a", t0)
	assert.Equal(t, time.Duration(0), h.Latency)
	assert.Equal(t, 0.0, h.TotalCost)
}

func TestHealthJSON(t *testing.T) {
	tr := newTracker(t, Config{}, Profile{Name: "a", Confidence: 1, ExpectedLatency: 100 * time.Millisecond})
	for range 4 {
		tr.Record("a", "cpc", Outcome{At: t0, Latency: 80 * time.Millisecond, OK: true, Valid: true, Cost: 0.5})
	}
	tr.Record("a", "cpc", fail(t0, "rate_limit"))
	b, err := json.Marshal(tr.Snapshot(t0))
	require.NoError(t, err)
	var got []map[string]any
	require.NoError(t, json.Unmarshal(b, &got))
	require.Len(t, got, 1)
	h := got[0]
	for _, k := range []string{"provider", "status", "score", "requests", "successes", "samples", "success_rate",
		"error_rate", "error_rates", "quality", "latency_ewma_ns", "p50_ns", "p95_ns", "p99_ns", "uptime",
		"total_cost", "cost_by_data_type", "quota_ratio", "data_types"} {
		assert.Contains(t, h, k)
	}
	assert.Equal(t, "a", h["provider"])
	assert.Equal(t, "HEALTHY", h["status"])
	assert.Equal(t, 0.8, h["success_rate"])
	assert.Equal(t, map[string]any{"rate_limit": 0.2}, h["error_rates"])
	assert.Equal(t, float64(80*time.Millisecond), h["p95_ns"])
	assert.Equal(t, map[string]any{"cpc": 2.0}, h["cost_by_data_type"])
	assert.NotContains(t, h, "quota")

	// An unknown provider still marshals, with no NaN anywhere.
	b, err = json.Marshal(tr.Health("nobody", t0))
	require.NoError(t, err)
	assert.Contains(t, string(b), `"error_rates":{}`)
}

// A reset JSON cannot write (after year 9999: an X-RateLimit-Reset in
// epoch milliseconds read as seconds) still lets the report marshal: the
// dashboard's Snapshot would otherwise fail for every provider.
func TestHealthJSONWithAResetPastYear9999(t *testing.T) {
	tr := newTracker(t, Config{}, Profile{Name: "a"})
	reset := time.Unix(t0.UnixMilli(), 0) // year 56970
	tr.Record("a", "cpc", Outcome{At: t0, OK: true, Valid: true, Quota: &Quota{Limit: 100, Remaining: 5, Reset: reset}})
	b, err := json.Marshal(tr.Snapshot(t0))
	require.NoError(t, err)
	var got []Health
	require.NoError(t, json.Unmarshal(b, &got))
	require.Len(t, got, 1)
	require.NotNil(t, got[0].Quota, "the report is believed for QuotaMaxAge")
	assert.Equal(t, Quota{Limit: 100, Remaining: 5}, *got[0].Quota, "the reset reads as unknown")
	assert.Equal(t, 0.05, got[0].QuotaRatio)
	assert.Equal(t, reset, tr.View("a", "", t0).Quota.Reset, "the view keeps what the provider said")
}

func TestTrackerConcurrent(t *testing.T) {
	tr := newTracker(t, Config{Window: 50, PercentileEvery: 5}, Profile{Name: "a"}, Profile{Name: "b"})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			p := []string{"a", "b", "c"}[g%3]
			for i := range 500 {
				at := t0.Add(time.Duration(i) * time.Millisecond)
				switch i % 4 {
				case 0:
					tr.Record(p, fmt.Sprint("dt", i%3), ok(at, time.Duration(i)*time.Microsecond))
				case 1:
					tr.Record(p, "", fail(at, "transient"))
				case 2:
					_ = tr.View(p, "dt1", at)
				default:
					if i%40 == 3 {
						_ = tr.Health(p, at)
					}
				}
			}
		})
	}
	wg.Wait()
	total := int64(0)
	for _, h := range tr.Snapshot(t0.Add(time.Second)) {
		total += h.Requests
	}
	assert.Equal(t, int64(8*250), total)
}

func TestTrackerSingleDataTypeNotCountedTwice(t *testing.T) {
	tr := newTracker(t, Config{}, Profile{Name: "a", Confidence: 0.7, ExpectedLatency: 100 * time.Millisecond})
	for i := range 30 {
		o := ok(t0.Add(time.Duration(i)*time.Second), 300*time.Millisecond)
		if i%3 == 0 {
			o = garbage(o.At, o.Latency)
		}
		tr.Record("a", "cpc", o)
	}
	now := t0.Add(30 * time.Second)
	all, cpc := tr.View("a", "", now), tr.View("a", "cpc", now)
	assert.InDelta(t, all.SuccessRate, cpc.SuccessRate, 1e-12)
	assert.InDelta(t, all.Quality, cpc.Quality, 1e-12)
	assert.Equal(t, all.Latency, cpc.Latency)
	assert.InDelta(t, all.Score, cpc.Score, 1e-12)
	assert.InDelta(t, (10*0.7+20)/40, cpc.Quality, 1e-12)
}

// TestTrackerInParent checks, against a brute-force count, the bookkeeping
// that lets a data type's prior leave out its own outcomes while outcomes
// enter and leave both windows.
func TestTrackerInParent(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	tr := newTracker(t, Config{Window: 7, WindowDuration: 20 * time.Second}, Profile{Name: "a"})
	types := []string{"x", "y", "z", ""}
	at := t0
	for step := range 500 {
		at = at.Add(time.Duration(rng.IntN(4000)) * time.Millisecond)
		var o Outcome
		switch rng.IntN(3) {
		case 0:
			o = ok(at, time.Millisecond)
		case 1:
			o = garbage(at, time.Millisecond)
		default:
			o = fail(at, "transient")
		}
		tr.Record("a", types[rng.IntN(len(types))], o)
		if step%7 == 0 {
			_ = tr.View("a", "x", at) // expires by age too
		}
		e := tr.entries["a"]
		want := map[*series]counts{}
		e.all.each(func(sl *slot) {
			if sl.owner != nil {
				c := want[sl.owner]
				c.add(sl, 1)
				want[sl.owner] = c
			}
		})
		for dt, ts := range e.types {
			require.Equal(t, want[ts], ts.inParent, "step %d type %s", step, dt)
		}
		var total counts
		e.all.each(func(sl *slot) { total.add(sl, 1) })
		require.Equal(t, total, e.all.c, "step %d", step)
	}
}

func TestTrackerOutageIsCritical(t *testing.T) {
	tr := newTracker(t, Config{}, Profile{Name: "a", Confidence: 1, ExpectedLatency: 100 * time.Millisecond})
	at := t0
	for range 100 {
		tr.Record("a", "", ok(at, 50*time.Millisecond))
		at = at.Add(time.Second)
	}
	require.Equal(t, Healthy, tr.View("a", "", at).Status)
	var statuses []Status
	for i := 1; i <= 100; i++ {
		tr.Record("a", "", fail(at, "unavailable"))
		at = at.Add(time.Second)
		if i%25 == 0 {
			statuses = append(statuses, tr.View("a", "", at).Status)
		}
	}
	// Over a window of 100, half of which still holds the successes, the
	// score falls through every status as the failures take it over.
	assert.Equal(t, []Status{Degraded, Degraded, Unhealthy, Critical}, statuses)
}

// FuzzTracker feeds arbitrary outcomes — out of order, negative, NaN — and
// checks that every view stays finite and in range, and ranking works.
func FuzzTracker(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	f.Add([]byte{255, 0, 255, 0, 128, 7, 7, 7, 3, 200, 100, 50})
	f.Fuzz(func(t *testing.T, data []byte) {
		tr := newTracker(t, Config{Window: 8, WindowDuration: 30 * time.Second, OutageStreak: 2, PercentileEvery: 3}, Profile{Name: "a"})
		r := newRouter(t, Config{})
		costs := []float64{0, 0.01, -1, math.NaN(), math.Inf(1), 1e308}
		classes := []string{"", "transient", DataQualityClass, "rate_limit"}
		at := t0
		for len(data) >= 4 {
			b0, b1, b2, b3 := data[0], data[1], data[2], data[3]
			data = data[4:]
			at = at.Add(time.Duration(int8(b0)) * time.Second) // may go backwards
			o := Outcome{
				At:      at,
				Latency: time.Duration(int16(uint16(b1)<<8|uint16(b2))) * time.Millisecond,
				OK:      b3&1 != 0,
				Valid:   b3&2 != 0,
				Class:   classes[int(b3>>2)%len(classes)],
				Cost:    costs[int(b3>>4)%len(costs)],
			}
			if b3&0x40 != 0 {
				o.Quota = &Quota{Limit: int64(b1) - 10, Remaining: int64(b2) - 10, Reset: at.Add(time.Duration(int8(b0)) * time.Second)}
			}
			tr.Record("a", []string{"", "x", "y"}[int(b2)%3], o)
			for _, dt := range []string{"", "x", "y", "z"} {
				v := tr.View("a", dt, at)
				for name, x := range map[string]float64{"score": v.Score, "success": v.SuccessRate, "quality": v.Quality, "uptime": v.Uptime, "quota": v.QuotaRatio(at)} {
					require.True(t, x >= 0 && x <= 1, "%s = %v out of [0, 1] (data type %q)", name, x, dt)
				}
				require.GreaterOrEqual(t, v.Latency, time.Duration(0))
				require.GreaterOrEqual(t, v.P95, time.Duration(0))
				c := Candidate{Name: "a", View: v, Capacity: 1, Serves: true, Cost: o.Cost}
				s := r.Score(c, 1, at)
				require.True(t, s >= 0 && s <= 1, "score %v", s)
				_ = r.Rank([]Candidate{c, c}, 0.5, at, nil)
			}
		}
		_, err := json.Marshal(tr.Health("a", at))
		require.NoError(t, err, "health does not marshal")
	})
}

// Charge adds a paid request's cost to the provider's and the data type's
// totals, and nothing else.
func TestChargeAddsCostOnly(t *testing.T) {
	tr, err := NewTracker(Config{})
	require.NoError(t, err)
	require.NoError(t, tr.Register(Profile{Name: "p", Confidence: 0.9, ExpectedLatency: 100 * time.Millisecond}))
	tr.Record("p", "cpc", Outcome{Latency: 10 * time.Millisecond, OK: true, Valid: true, Cost: 0.1})
	before := tr.View("p", "cpc", time.Now())
	tr.Charge("p", "cpc", 0.25)
	tr.Charge("p", "", 0.5)
	h := tr.Health("p", time.Now())
	assert.InDelta(t, 0.85, h.TotalCost, 1e-12)
	assert.InDelta(t, 0.35, h.CostByDataType["cpc"], 1e-12)
	assert.EqualValues(t, 1, h.Requests)
	after := tr.View("p", "cpc", time.Now())
	assert.Equal(t, before.SuccessRate, after.SuccessRate)
	assert.Equal(t, before.Latency, after.Latency)
	assert.Equal(t, before.Requests, after.Requests)
}

func lost(at time.Time, lat time.Duration) Outcome {
	return Outcome{At: at, Latency: lat, Lost: true, Cost: 0.01}
}

func TestLostAttemptIsALatencyLowerBound(t *testing.T) {
	p := Profile{Name: "slow", Confidence: 0.9, ExpectedLatency: 20 * time.Millisecond}
	tr := newTracker(t, Config{EWMAAlpha: 0.5, PriorWeight: 1e-9, Window: 4}, p)

	// Under what is believed (the profile's 20 ms): nothing new, only the cost.
	tr.Record("slow", "cpc", lost(t0, 5*time.Millisecond))
	h := tr.Health("slow", t0)
	assert.Equal(t, 0, h.Samples)
	assert.Equal(t, int64(0), h.Requests)
	assert.Equal(t, time.Duration(0), h.P95)
	assert.Equal(t, 20*time.Millisecond, tr.View("slow", "cpc", t0).Latency)
	assert.InDelta(t, 0.01, h.TotalCost, 1e-12)

	// Above it: the provider is slower than believed. The lower bound is
	// a latency sample of the provider's and of the data type's, and no
	// outcome: success, quality, uptime, requests and error rates stay.
	tr.Record("slow", "cpc", lost(t0.Add(time.Second), 80*time.Millisecond))
	tr.Record("slow", "cpc", lost(t0.Add(2*time.Second), 120*time.Millisecond))
	at := t0.Add(2 * time.Second)
	h = tr.Health("slow", at)
	assert.Equal(t, 100*time.Millisecond, h.Latency, "EWMA 80 → 100")
	assert.Equal(t, 120*time.Millisecond, h.P95)
	assert.Equal(t, 0, h.Samples)
	assert.Equal(t, int64(0), h.Requests)
	assert.Empty(t, h.ErrorRates)
	assert.Equal(t, 0.9, h.SuccessRate, "no outcome: the profile's, as for an empty window")
	assert.InDelta(t, 0.03, h.TotalCost, 1e-12)
	for _, dt := range []string{"", "cpc"} {
		v := tr.View("slow", dt, at)
		assert.Equal(t, 100*time.Millisecond, v.Latency, dt)
		assert.Equal(t, 120*time.Millisecond, v.P95, dt)
		assert.Equal(t, 0.9, v.SuccessRate, dt)
		assert.Equal(t, 0.9, v.Quality, dt)
		assert.Equal(t, 1.0, v.Uptime, dt)
		assert.Equal(t, 0, v.Samples, dt)
	}

	// Under the EWMA it holds now (100 ms): ignored.
	tr.Record("slow", "cpc", lost(t0.Add(3*time.Second), 90*time.Millisecond))
	assert.Equal(t, 100*time.Millisecond, tr.Health("slow", at).Latency)

	// Lost samples and outcomes share the window: four slots, the oldest
	// lost samples leave as outcomes arrive.
	at = t0.Add(4 * time.Second)
	for i := range 3 {
		tr.Record("slow", "cpc", ok(at.Add(time.Duration(i)*time.Second), 150*time.Millisecond))
	}
	at = at.Add(2 * time.Second)
	h = tr.Health("slow", at)
	assert.Equal(t, 3, h.Samples)
	assert.Equal(t, int64(3), h.Requests)
	assert.Equal(t, 1.0, h.SuccessRate)
	assert.Equal(t, 150*time.Millisecond, h.P50, "the 80 ms lower bound has left the window")
	assert.Equal(t, 150*time.Millisecond, h.P95)
	tr.Record("slow", "cpc", ok(at.Add(time.Second), 150*time.Millisecond))
	h = tr.Health("slow", at.Add(time.Second))
	assert.Equal(t, 4, h.Samples, "the window holds outcomes only now")
	assert.Equal(t, 150*time.Millisecond, h.P50)
}

func TestLostAttemptsDemoteAProviderTurnedSlow(t *testing.T) {
	// "a" answered in 10 ms and "b" in 25 ms; then a turns slow, and
	// every call to it loses to the hedge to b (started 50 ms into a's
	// call). Without the lower bounds a's window keeps its fast answers
	// and it ranks first for ever, each resolve paying for two calls.
	for _, record := range []bool{false, true} {
		// Full windows: the evidence of success is alike, latency decides.
		cfg := Config{Window: 20}
		tr := newTracker(t, cfg, Profile{Name: "a", Confidence: 0.9, ExpectedLatency: 10 * time.Millisecond}, Profile{Name: "b", Confidence: 0.9, ExpectedLatency: 25 * time.Millisecond})
		rtr, err := NewRouter(cfg)
		require.NoError(t, err)
		pool, err := NewPool(tr, rtr, "cpc", []Member{{Name: "a"}, {Name: "b", Order: 1}})
		require.NoError(t, err)
		states := []State{{Capacity: 1}, {Capacity: 1}}
		first := func(at time.Time) string {
			i, _, ok := pool.Pick(states, Unlimited, at)
			require.True(t, ok)
			return pool.Member(i).Name
		}
		at := t0
		for range 20 {
			tr.Record("a", "cpc", ok(at, 10*time.Millisecond))
			tr.Record("b", "cpc", ok(at, 25*time.Millisecond))
			at = at.Add(time.Second)
		}
		require.Equal(t, "a", first(at))
		rounds := 0
		for ; rounds < 500 && first(at) == "a"; rounds++ {
			tr.Record("b", "cpc", ok(at, 25*time.Millisecond))
			if record {
				tr.Record("a", "cpc", Outcome{At: at, Latency: 75 * time.Millisecond, Lost: true})
			}
			at = at.Add(time.Second)
		}
		if !record {
			assert.Equal(t, "a", first(at), "no lower bounds: its old answers rank it first")
			continue
		}
		assert.Equal(t, "b", first(at))
		assert.Less(t, rounds, 10, "a few lost hedges suffice")
		assert.Greater(t, tr.View("a", "cpc", at).Latency, 15*time.Millisecond, "its 10 ms answers are no longer all it knows")
	}
}

// Down 0..100 s, up from 100 s. Asked at 150 s about a window whose oldest
// slot is a lost attempt at 50 s: the window's time is [50, 150], down for
// 50 of it; uptime 0.5 (it was 0: the answer's down time was counted from
// the failure at 0 s, which had left the window). Without the lost slot
// (window [0, 150]) it is 1/3.
func TestALostSlotTakesItsShareOfAnOutage(t *testing.T) {
	sec := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	for _, withLost := range []bool{false, true} {
		tr := newTracker(t, Config{Window: 2, OutageStreak: 1}, Profile{Name: "a", ExpectedLatency: 10 * time.Millisecond})
		tr.Record("a", "", fail(sec(0), "unavailable"))
		if withLost {
			tr.Record("a", "", Outcome{At: sec(50), Latency: time.Second, Lost: true})
		}
		tr.Record("a", "", ok(sec(100), 10*time.Millisecond))
		u := tr.View("a", "", sec(150)).Uptime
		if withLost {
			assert.InDelta(t, 0.5, u, 0.01, "window [50,150]: down 50..100")
		} else {
			assert.InDelta(t, 1.0/3, u, 0.01)
		}
	}
}

// An outcome or a charge for the empty name is dropped: no provider has it
// (Register refuses it, NewPool too), and it made one that Providers and
// Snapshot listed, with no name to show.
func TestTrackerDropsTheEmptyName(t *testing.T) {
	tr := newTracker(t, Config{}, Profile{Name: "a"})
	tr.Record("", "", ok(t0, time.Millisecond))
	tr.Record("", "cpc", Outcome{At: t0, Lost: true, Latency: time.Hour})
	tr.Charge("", "cpc", 1)
	assert.Equal(t, []string{"a"}, tr.Providers())
	require.Len(t, tr.Snapshot(t0), 1)
	assert.Equal(t, tr.fresh, tr.View("", "", t0), "a new provider's view")
}

// An outcome dated after Record is called (a host's clock ahead of this
// process's) is taken as of the call: its quota report of nothing left
// kept the provider out for as long as the clock was ahead, past
// QuotaMaxAge, and every report made since was dropped as older.
func TestTrackerTakesAFutureOutcomeAsNow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := newTracker(t, Config{QuotaStaleAfter: time.Minute}, Profile{Name: "a"})
		start := time.Now()
		tr.Record("a", "", Outcome{At: start.Add(time.Hour), Class: "rate_limit", Quota: &Quota{Remaining: 0}})
		v := tr.View("a", "", start)
		assert.Equal(t, start.Add(time.Minute), v.QuotaUntil, "believed for QuotaStaleAfter from now")
		assert.Equal(t, 0.0, v.QuotaRatio(start))

		time.Sleep(30 * time.Second)
		tr.Record("a", "", Outcome{At: time.Now(), OK: true, Valid: true, Quota: &Quota{Limit: 100, Remaining: 50}})
		assert.Equal(t, 0.5, tr.View("a", "", time.Now()).QuotaRatio(time.Now()), "the newer report replaces it")
	})
}
