package fallback

import (
	"context"
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
		assert.Equal(t, 2*deadline*9/10, r.fitTime.expect(), "the herd's skips shrank the estimate once")

		// One resolve per expected fit time: the estimate shrinks a tenth
		// each time, until half a deadline covers it (2 × 0.9^k ≤ 1/2 at
		// k = 14) and a fit runs.
		rounds := 0
		for {
			time.Sleep(r.fitTime.expect())
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
