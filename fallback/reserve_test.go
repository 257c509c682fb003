package fallback

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/stats"
)

func TestReserveClockKeepsADecayingMaximum(t *testing.T) {
	var c reserveClock
	t0 := time.Unix(1_000_000, 0)
	assert.Zero(t, c.current(t0, time.Minute), "nothing learned")
	c.observe(40*time.Millisecond, t0, time.Minute)
	c.observe(10*time.Millisecond, t0.Add(time.Second), time.Minute)
	assert.InDelta(t, float64(40*time.Millisecond), float64(c.current(t0, time.Minute)), 1, "a smaller need does not lower it")
	assert.InDelta(t, float64(20*time.Millisecond), float64(c.current(t0.Add(time.Minute), time.Minute)), 1e3, "halved after a half-life")
	c.observe(30*time.Millisecond, t0.Add(time.Minute), time.Minute)
	assert.InDelta(t, float64(30*time.Millisecond), float64(c.current(t0.Add(time.Minute), time.Minute)), 1, "a larger need replaces it")
}

func TestReserveLearnsWhatResolvesNeeded(t *testing.T) {
	cfg := testConfig()
	cfg.Resolve.Reserve = 10 * time.Millisecond
	r := newTestResolver(t, cfg, newStub(1), newStub(1))
	now := time.Now()
	assert.Equal(t, 10*time.Millisecond, r.reserve(time.Second, now), "the configured reserve")
	assert.Equal(t, 5*time.Millisecond, r.reserve(20*time.Millisecond, now), "at most a quarter of the time left")

	r.reserveNeed.observe(300*time.Millisecond, now, r.cfg.Resolve.ReserveHalfLife)
	assert.Equal(t, 300*time.Millisecond, r.reserve(time.Second, now), "what a resolve needed")
	assert.Equal(t, 200*time.Millisecond, r.reserve(400*time.Millisecond, now), "at most half the time left")
	assert.InDelta(t, float64(150*time.Millisecond), float64(r.reserve(time.Second, now.Add(time.Minute))), 1e3, "wearing off by the half-life (default 1m)")

	cfg.Resolve.FixedReserve = true
	fixed := newTestResolver(t, cfg, newStub(1), newStub(1))
	fixed.reserveNeed.observe(300*time.Millisecond, now, time.Minute)
	assert.Equal(t, 10*time.Millisecond, fixed.reserve(time.Second, now), "fixed_reserve learns nothing")
}

func TestALearnedReserveEndsTheWalkSooner(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(1), newStub(1)
		p1.hang()
		s1.hang()
		r := newTestResolver(t, testConfig(), p1, s1, WithHistory(slowHistory{20 * time.Millisecond}))
		resolve := func() time.Duration {
			t.Helper()
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			start := time.Now()
			res, err := r.Resolve(ctx, "cpc", Params{"keyword": "boots"})
			require.NoError(t, err)
			require.Equal(t, LayerDefault, res.Layer)
			return time.Since(start)
		}
		assert.Equal(t, 970*time.Millisecond, resolve(), "the walk keeps the default 50ms back; the history read takes 20ms of it")
		assert.Equal(t, 20*time.Millisecond, r.reserveNeed.current(time.Now(), time.Minute), "learned: 20ms after the walk's deadline")
		// A resolve needed 300ms after its walk's deadline (a stalled host,
		// say): the next walks keep that back.
		r.reserveNeed.observe(300*time.Millisecond, time.Now(), r.cfg.Resolve.ReserveHalfLife)
		assert.Equal(t, 720*time.Millisecond, resolve())
	})
}

// slowHistory holds nothing and takes d to say so.
type slowHistory struct{ d time.Duration }

func (slowHistory) Append(context.Context, string, stats.Observation) error { return nil }
func (h slowHistory) Observations(context.Context, string) ([]stats.Observation, error) {
	time.Sleep(h.d)
	return nil, nil
}
