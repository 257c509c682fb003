package fallback

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/stats"
)

// Skips shrink the estimate as time passes, not as resolves arrive: a
// tenth per expected fit time.
func TestFitClockShrinksWithTime(t *testing.T) {
	var c fitClock
	c.observe(time.Second)
	require.Equal(t, 2*time.Second, c.expect())
	now := time.Now()
	for range 1000 {
		c.skippedAt(now, 1)
	}
	assert.Equal(t, 1800*time.Millisecond, c.expect(), "a thousand skips at one instant: a tenth off, once")
	c.skippedAt(now.Add(1799*time.Millisecond), 1)
	assert.Equal(t, 1800*time.Millisecond, c.expect(), "less than an expected fit time later: unchanged")
	c.skippedAt(now.Add(1800*time.Millisecond), 1)
	assert.Equal(t, 1620*time.Millisecond, c.expect(), "an expected fit time later: another tenth")
}

// A herd in a blackout, with fits believed to take longer than any
// resolve can wait for one: however many resolves skip the statistical
// layer at once, none starts a fit, and each answers from the default
// inside its deadline. The layer comes back as time passes, not as
// resolves arrive.
func TestHerdStartsNoFitThatCannotFinish(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := blackoutWithHistory(t)
		deadline := r.cfg.Resolve.Deadline
		learnFitTime(r, deadline) // a fit wants 2 deadlines; a resolve waits at most half of one
		const herd = 200
		type answer struct {
			layer   Layer
			elapsed time.Duration
		}
		answers := make(chan answer, herd)
		for range herd {
			go func() {
				start := time.Now()
				res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
				assert.NoError(t, err)
				answers <- answer{res.Layer, time.Since(start)}
			}()
		}
		for range herd {
			a := <-answers
			assert.Equal(t, LayerDefault, a.layer)
			assert.Less(t, a.elapsed, deadline)
		}
		assert.Zero(t, r.Snapshot().Overall.ForecastFits, "no fit started for the herd")
		full, quick := fitTimes(r)
		assert.Equal(t, 2*deadline*9/10, quick, "the herd's skips shrank the quick fit's estimate once")
		assert.Equal(t, 2*deadline*9/10, full, "and the full fit's, once")

		// One resolve per expected fit time: the estimate shrinks a tenth
		// each time, until half a deadline covers it (2 × 0.9^k ≤ 1/2 at
		// k = 14) and a quick fit runs.
		rounds := 0
		for {
			_, quick := fitTimes(r)
			time.Sleep(quick)
			rounds++
			res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
			require.NoError(t, err)
			if res.Layer == LayerStatistical {
				break
			}
			require.Less(t, rounds, 20, "the statistical layer never came back")
		}
		assert.GreaterOrEqual(t, rounds, 14, "2 × 0.9^k ≤ 1/2 needs k = 14 at least")
		assert.EqualValues(t, 1, r.Snapshot().Overall.ForecastFits)
		assert.EqualValues(t, 1, r.Snapshot().Overall.ForecastQuickFits)
	})
}

// Before the first fit is timed, the clock gives what it is told to
// assume; the first fit timed replaces it, and skips shrink it like a
// learned one.
func TestFitClockAssumesUntilMeasured(t *testing.T) {
	var c fitClock
	c.assume(10 * time.Millisecond)
	assert.Equal(t, 20*time.Millisecond, c.expect())
	c.assume(time.Second)
	assert.Equal(t, 20*time.Millisecond, c.expect(), "assumed once")
	c.skippedAt(time.Now(), 1)
	assert.Equal(t, 18*time.Millisecond, c.expect(), "an assumed time shrinks too: it cannot keep fits off for good")
	c.observe(3 * time.Millisecond)
	assert.Equal(t, 6*time.Millisecond, c.expect(), "the first fit timed replaces the assumption")
	c.assume(time.Second)
	assert.Equal(t, 6*time.Millisecond, c.expect(), "nothing is assumed once a fit is timed")
}

// Before any fit has been timed, the statistical layer assumes
// forecast.fit_time: a resolve that cannot wait twice that starts no fit
// and the default answers inside the deadline; with the default fit_time
// (10ms) the same resolve fits.
func TestFirstFitNeedsTheAssumedTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Forecast.FitTime = time.Second // twice that: more than half the 2s deadline
		r := blackoutWithHistoryConfig(t, cfg)
		start := time.Now()
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, LayerDefault, res.Layer)
		assert.Less(t, time.Since(start), r.cfg.Resolve.Deadline)
		assert.Zero(t, r.Snapshot().Overall.ForecastFits)

		r = blackoutWithHistoryConfig(t, testConfig())
		require.Equal(t, DefaultFitTime, r.cfg.Forecast.FitTime)
		res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, LayerStatistical, res.Layer)
		assert.EqualValues(t, 1, r.Snapshot().Overall.ForecastFits)
	})
}

func TestFitTimeConfig(t *testing.T) {
	assert.Equal(t, DefaultFitTime, mustDefaults(testConfig()).Forecast.FitTime)
	cfg := testConfig()
	cfg.Forecast.FitTime = -time.Millisecond
	checkField(t, cfg, "forecast.fit_time")
	parsed, err := ParseConfig([]byte(validYAML + "forecast:\n  fit_time: 25ms\n"))
	require.NoError(t, err)
	assert.Equal(t, 25*time.Millisecond, parsed.Forecast.FitTime)
}

// blackout returns a resolver on cfg whose providers are all down, over
// an in-memory history, and a function adding an observation of cpc/shoes
// days days from now (negative: in the past).
func blackout(t *testing.T, cfg Config) (r *Resolver, observe func(days int, v float64)) {
	t.Helper()
	h, err := stats.NewMemoryHistory(stats.MemoryConfig{})
	require.NoError(t, err)
	p1, s1 := newStub(1), newStub(1)
	p1.fail(providers.Unavailable)
	s1.fail(providers.Unavailable)
	r = newTestResolver(t, cfg, p1, s1, WithHistory(h))
	key, err := r.Key("cpc", Params{"keyword": "shoes"})
	require.NoError(t, err)
	now := time.Now()
	return r, func(days int, v float64) {
		t.Helper()
		require.NoError(t, h.Append(context.Background(), key, stats.Observation{At: now.Add(time.Duration(days) * 24 * time.Hour), Value: v}))
	}
}

// blackoutWithHistoryConfig is blackoutWithHistory with cfg.
func blackoutWithHistoryConfig(t *testing.T, cfg Config) *Resolver {
	t.Helper()
	r, observe := blackout(t, cfg)
	for i := range 60 {
		observe(i-60, 1+0.01*float64(i))
	}
	return r
}

// blackoutWithCycle is a resolver in a blackout whose key cpc/shoes has 60
// days of an AR(2) cycle: auto's ARIMA challenger wins there, so a full
// fit's Source names arima and a quick fit's (without it) does not.
func blackoutWithCycle(t *testing.T, cfg Config) *Resolver {
	t.Helper()
	r, observe := blackout(t, cfg)
	rng := rand.New(rand.NewPCG(1, 2))
	y1, y2 := 0.0, 0.0
	for i := range 60 {
		y := 1.6*y1 - 0.95*y2 + 0.1*rng.NormFloat64()
		y2, y1 = y1, y
		observe(i-60, 2+y)
	}
	return r
}

// resolveShoes resolves cpc/shoes and returns the result.
func resolveShoes(t *testing.T, r *Resolver) Result {
	t.Helper()
	res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
	require.NoError(t, err)
	return res
}

// When the time a resolve can wait does not cover a full fit of auto but
// covers a quick one, the quick fit — auto without its challengers —
// answers, and is memoised for the resolves that cannot wait either. The
// full fit's estimate shrinks ten times slower than a fit's that nothing
// stands in for: once in three skips at the same instant.
func TestQuickFitWhenTheFullFitHasNoTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := blackoutWithCycle(t, testConfig())
		deadline := r.cfg.Resolve.Deadline
		learnFitTimes(r, deadline, time.Millisecond) // a full fit wants 2 deadlines, a quick one 2 ms
		for range 3 {
			res := resolveShoes(t, r)
			assert.Equal(t, LayerStatistical, res.Layer)
			assert.True(t, strings.HasPrefix(res.Source, "stats:auto(theta"), "the candidates' combination: %s", res.Source)
		}
		o := r.Snapshot().Overall
		assert.EqualValues(t, 1, o.ForecastFits, "fitted once, then memoised")
		assert.EqualValues(t, 1, o.ForecastQuickFits)
		full, _ := fitTimes(r)
		assert.Equal(t, 2*deadline*9/10, full)
	})
}

// A memoised quick forecast answers only the resolves that cannot wait for
// a full fit: one that can fits in full, and the full forecast then
// answers every resolve of the period.
func TestAMemoisedQuickForecastIsRefittedInFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := blackoutWithCycle(t, testConfig())
		deadline := r.cfg.Resolve.Deadline
		learnFitTimes(r, deadline, time.Millisecond)
		quick := resolveShoes(t, r)
		require.NotContains(t, quick.Source, "arima")

		learnFitTimes(r, time.Millisecond, time.Millisecond)
		full := resolveShoes(t, r)
		assert.Contains(t, full.Source, "arima", "refitted in full")
		o := r.Snapshot().Overall
		assert.EqualValues(t, 2, o.ForecastFits)
		assert.EqualValues(t, 1, o.ForecastQuickFits)

		learnFitTimes(r, deadline, time.Millisecond)
		again := resolveShoes(t, r)
		assert.Equal(t, full.Source, again.Source, "the full forecast is memoised")
		assert.Equal(t, full.Value, again.Value)
		assert.EqualValues(t, 2, r.Snapshot().Overall.ForecastFits, "and no quick fit replaces it")
	})
}

// A resolve with time for a full fit whose full fit fails — here every
// fit slot is taken — is answered by the memoised quick forecast.
func TestAFailedFullFitFallsBackOnTheQuickForecast(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := blackoutWithCycle(t, testConfig())
		learnFitTimes(r, r.cfg.Resolve.Deadline, time.Millisecond)
		quick := resolveShoes(t, r)
		require.Equal(t, LayerStatistical, quick.Layer)

		for len(r.fitSlots) < cap(r.fitSlots) {
			r.fitSlots <- struct{}{}
		}
		learnFitTimes(r, time.Millisecond, time.Millisecond)
		res := resolveShoes(t, r)
		assert.Equal(t, LayerStatistical, res.Layer)
		assert.Equal(t, quick.Source, res.Source)
		assert.Equal(t, quick.Value, res.Value)
		assert.EqualValues(t, 1, r.Snapshot().Overall.ForecastFits, "the full fit found no slot")
		for len(r.fitSlots) > 0 {
			<-r.fitSlots
		}
	})
}

// A quick forecast put after a full one made from the same history does
// not replace it; one made from a newer history does.
func TestForecastMemoKeepsTheFullForecast(t *testing.T) {
	m := newForecastMemo(10)
	at := time.Unix(0, 0)
	full := memoEntry{n: 5, lastAt: at, period: 7, res: Result{Source: "full"}}
	m.put("k", full)
	m.put("k", memoEntry{n: 5, lastAt: at, period: 7, quick: true, res: Result{Source: "quick"}})
	got, ok := m.get("k", full)
	require.True(t, ok)
	assert.Equal(t, "full", got.res.Source)
	newer := memoEntry{n: 6, lastAt: at.Add(time.Hour), period: 7, quick: true, res: Result{Source: "newer quick"}}
	m.put("k", newer)
	got, ok = m.get("k", newer)
	require.True(t, ok)
	assert.Equal(t, "newer quick", got.res.Source)
	_, ok = m.get("k", full)
	assert.False(t, ok, "made from another history")
}

// A resolve's Result is its caller's: the memoised forecast's intervals
// are not handed out, so a host that changes them changes no later
// answer. It did: a caller setting its Intervals[0].Lower to -999 had
// the next resolve of the key served that bound, from the memo.
func TestAMemoisedForecastsIntervalsAreNotTheCallers(t *testing.T) {
	r := blackoutWithHistoryConfig(t, testConfig())
	first := resolveShoes(t, r)
	require.Equal(t, LayerStatistical, first.Layer)
	require.NotEmpty(t, first.Intervals)
	want := slices.Clone(first.Intervals)
	for i := range first.Intervals {
		first.Intervals[i] = Interval{Level: -1, Lower: -999, Upper: -999}
	}
	second := resolveShoes(t, r)
	assert.EqualValues(t, 1, r.Snapshot().Overall.ForecastFits, "the second answer is the memo's")
	assert.Equal(t, want, second.Intervals)
}

// A full fit's estimate that no resolve can wait for — a slow first fit,
// or one timed under contention — does not keep full fits off for good
// while quick fits stand in: it shrinks a tenth per ten expected fit
// times, and a full fit runs once half a deadline covers it.
func TestFullFitsComeBackWhileQuickFitsStandIn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := blackoutWithCycle(t, testConfig())
		deadline := r.cfg.Resolve.Deadline
		learnFitTimes(r, 2*deadline, time.Millisecond) // a full fit wants 4 deadlines
		rounds := 0
		for {
			rounds++
			res := resolveShoes(t, r)
			require.Equal(t, LayerStatistical, res.Layer)
			if strings.Contains(res.Source, "arima") {
				break
			}
			require.Less(t, rounds, 30, "full fits never came back")
			// Past ten expected full fits (at most 80 s), and as if the
			// history had changed: the memo does not answer.
			time.Sleep(2 * time.Minute)
			r.memo.forget(func(string) bool { return true })
		}
		// 4 × 0.9^k ≤ 1 needs k = 14 even if the whole deadline were left
		// (the walk's attempts take some of it first): a quick fit stood in
		// every time before.
		assert.GreaterOrEqual(t, rounds, 15)
		o := r.Snapshot().Overall
		assert.EqualValues(t, rounds-1, o.ForecastQuickFits)
		assert.EqualValues(t, rounds, o.ForecastFits)
	})
}

// With the quick fit off, a resolve that cannot wait for a full fit gets
// the default, as before.
func TestQuickFitDisabled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Forecast.DisableQuickFit = true
		r := blackoutWithHistoryConfig(t, cfg)
		learnFitTimes(r, r.cfg.Resolve.Deadline, time.Millisecond)
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, LayerDefault, res.Layer)
		assert.Zero(t, r.Snapshot().Overall.ForecastFits)
	})
}

// With no quick fit to fall back on, a skip shrinks the full fit's
// estimate, so that the statistical layer can come back.
func TestWithoutQuickFitTheFullEstimateShrinks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Forecast.DisableQuickFit = true
		r := blackoutWithHistoryConfig(t, cfg)
		deadline := r.cfg.Resolve.Deadline
		learnFitTime(r, deadline)
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, LayerDefault, res.Layer)
		full, _ := fitTimes(r)
		assert.Equal(t, 2*deadline*9/10, full)
	})
}

// With time for a full fit, the full fit answers: auto with its
// challengers.
func TestFullFitWhenThereIsTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := blackoutWithCycle(t, testConfig())
		learnFitTimes(r, time.Millisecond, time.Millisecond)
		res := resolveShoes(t, r)
		assert.Equal(t, LayerStatistical, res.Layer)
		assert.Contains(t, res.Source, "arima", "auto's challenger won")
		o := r.Snapshot().Overall
		assert.EqualValues(t, 1, o.ForecastFits)
		assert.Zero(t, o.ForecastQuickFits)
	})
}

func TestQuickModel(t *testing.T) {
	for _, tc := range []struct {
		name  string
		model stats.Config
		ok    bool
	}{
		{"auto by default", stats.Config{}, true},
		{"auto", stats.Config{Method: stats.MethodAuto}, true},
		{"auto with its own challengers", stats.Config{Selection: stats.Selection{Challengers: []string{"arima", "holt"}}}, true},
		{"auto with an empty list: the default challengers", stats.Config{Selection: stats.Selection{Challengers: []string{}}}, true},
		{"auto without challengers", stats.Config{Selection: stats.Selection{Challengers: []string{"none"}}}, false},
		{"another method", stats.Config{Method: "theta"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, ok := quickModel(tc.model)
			assert.Equal(t, tc.ok, ok)
			if ok {
				assert.Equal(t, []string{"none"}, q.Selection.Challengers)
				assert.Equal(t, tc.model.Method, q.Method)
			} else {
				assert.Equal(t, tc.model, q)
			}
		})
	}
}

// skippedAt with slow shrinks the estimate once per slow expected fit
// times, not once per one.
func TestFitClockShrinksSlowly(t *testing.T) {
	var c fitClock
	c.observe(10 * time.Millisecond)
	t0 := time.Unix(1000, 0)
	c.skippedAt(t0, 10)
	assert.Equal(t, 18*time.Millisecond, c.expect(), "the first skip shrinks at once")
	c.skippedAt(t0.Add(179*time.Millisecond), 10)
	assert.Equal(t, 18*time.Millisecond, c.expect(), "not again within ten expected fit times (180 ms)")
	c.skippedAt(t0.Add(180*time.Millisecond), 10)
	assert.Equal(t, 16200*time.Microsecond, c.expect())
}

// forecast.max_points: the model sees only the newest MaxPoints periods.
// Sixty days that climb for forty and then hold at 21: drift over all of
// them forecasts a further climb, drift over the last twenty holds 21.
func TestForecastMaxPointsLeavesOlderPeriodsOut(t *testing.T) {
	forecast := func(maxPoints int) Result {
		cfg := testConfig()
		cfg.Forecast.Model.Method = "drift"
		cfg.Forecast.MaxPoints = maxPoints
		r, observe := blackout(t, cfg)
		for i := range 60 {
			observe(i-60, 1+0.5*float64(min(i, 40)))
		}
		return resolveShoes(t, r)
	}
	all, last20 := forecast(0), forecast(20)
	require.Equal(t, LayerStatistical, all.Layer)
	require.Equal(t, LayerStatistical, last20.Layer)
	assert.InDelta(t, 21, last20.Value, 1e-9, "the flat last twenty days: no drift")
	assert.Greater(t, all.Value, 21.2, "all sixty days: the climb's drift, (21−1)/59 a day")
}
