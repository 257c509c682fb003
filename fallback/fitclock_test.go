package fallback

import (
	"context"
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
		c.skippedAt(now)
	}
	assert.Equal(t, 1800*time.Millisecond, c.expect(), "a thousand skips at one instant: a tenth off, once")
	c.skippedAt(now.Add(1799 * time.Millisecond))
	assert.Equal(t, 1800*time.Millisecond, c.expect(), "less than an expected fit time later: unchanged")
	c.skippedAt(now.Add(1800 * time.Millisecond))
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
		assert.Equal(t, 2*deadline, full, "and not the full fit's: the quick fit is the one to come back")

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
	c.skippedAt(time.Now())
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

// blackoutWithHistoryConfig is blackoutWithHistory with cfg.
func blackoutWithHistoryConfig(t *testing.T, cfg Config) *Resolver {
	t.Helper()
	h, err := stats.NewMemoryHistory(stats.MemoryConfig{})
	require.NoError(t, err)
	p1, s1 := newStub(1), newStub(1)
	p1.fail(providers.Unavailable)
	s1.fail(providers.Unavailable)
	r := newTestResolver(t, cfg, p1, s1, WithHistory(h))
	key, err := r.Key("cpc", Params{"keyword": "shoes"})
	require.NoError(t, err)
	now := time.Now()
	for i := range 60 {
		require.NoError(t, h.Append(context.Background(), key, stats.Observation{At: now.Add(time.Duration(i-60) * 24 * time.Hour), Value: 1 + 0.01*float64(i)}))
	}
	return r
}

// When the time a resolve can wait does not cover a full fit of auto but
// covers a quick one (auto without its challengers), the quick fit
// answers, and is memoised; the full fit's estimate is left as it was.
func TestQuickFitWhenTheFullFitHasNoTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := blackoutWithHistory(t)
		deadline := r.cfg.Resolve.Deadline
		learnFitTimes(r, deadline, time.Millisecond) // a full fit wants 2 deadlines, a quick one 2 ms
		for range 3 {
			res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
			require.NoError(t, err)
			assert.Equal(t, LayerStatistical, res.Layer)
			assert.True(t, strings.HasPrefix(res.Source, "stats:auto"), "the candidates' combination: %s", res.Source)
		}
		o := r.Snapshot().Overall
		assert.EqualValues(t, 1, o.ForecastFits, "fitted once, then memoised")
		assert.EqualValues(t, 1, o.ForecastQuickFits)
		full, _ := fitTimes(r)
		assert.Equal(t, 2*deadline, full, "a quick fit does not shrink the full fit's estimate")
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
		r := blackoutWithHistory(t)
		learnFitTimes(r, time.Millisecond, time.Millisecond)
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, LayerStatistical, res.Layer)
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
