package fallback

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
