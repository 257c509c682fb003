package main

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/stats"
)

func TestScheduleByRequestIndex(t *testing.T) {
	sc, err := parseScenario([]byte(minimal + `    events:
      - {from: 0.1, to: 0.3, kind: down, class: rate_limit}
      - {from: 0.2, to: 0.5, kind: slow, factor: 4}
      - {from: 0.4, to: 0.5, kind: slow, factor: 2}
      - {from: 0.5, to: 0.6, kind: garbage}
      - {from: 0.6, to: 1.0, kind: flapping, period: 10}
`))
	require.NoError(t, err)
	sc.Requests = 100
	s := newSchedule(sc.Providers[0].Events, sc.Requests)
	want := map[int64]string{
		0: "pass", 9: "pass",
		10: "fail(rate_limit)", 25: "fail(rate_limit)", // down wins over the slow event holding too
		30: "slow(×4)", 39: "slow(×4)",
		40: "slow(×8)", 49: "slow(×8)", // two slow events multiply
		50: "return(nan)", 51: "return(+inf)", 52: "return(negative)", 53: "return(out_of_bounds)", 54: "return(nan)",
		60: "fail(unavailable)", 69: "fail(unavailable)", 70: "pass", 79: "pass", 80: "fail(unavailable)", 99: "pass",
		100: "pass",
	}
	for idx, w := range want {
		assert.Equal(t, w, s.outcome(idx).String(), "request %d", idx)
	}
}

func TestTokenBucket(t *testing.T) {
	b := newTokenBucket(10, 2) // 10 per second, burst 2
	t0 := time.Unix(1000, 0)
	for i := range 2 {
		ok, _ := b.take(t0)
		require.True(t, ok, "take %d of the burst refused", i)
	}
	ok, wait := b.take(t0)
	assert.False(t, ok, "over the burst: want refused")
	assert.Equal(t, 100*time.Millisecond, wait, "over the burst: want a token in 100ms")
	takes := func(at time.Duration) bool { ok, _ := b.take(t0.Add(at)); return ok }
	assert.False(t, takes(50*time.Millisecond), "half a token taken")
	assert.True(t, takes(100*time.Millisecond), "a whole token refused")
	assert.True(t, takes(10*time.Second), "refill refused")
	assert.True(t, takes(10*time.Second), "refill beyond one token refused: burst is 2")
	assert.False(t, takes(10*time.Second), "refill beyond the burst")
}

func TestSimProvider(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sc, err := parseScenario([]byte(minimal + `    cost: 0.5
    bias: 0.1
    noise: 0.02
    rate_limit: {per_second: 1, burst: 1}
    events: [{from: 0.5, to: 0.6, kind: down}]
`))
		require.NoError(t, err)
		keys := compileKeys(sc)
		w, err := newWorld(sc, keys)
		require.NoError(t, err)
		p := w.provs[0]
		camp := &campaign{budget: fallback.NewBudget(1)}
		req := providers.Request{DataType: "cpc", Params: map[string]string{"keyword": "shoes"}}
		fetch := func(idx int64) (providers.Response, error) {
			return p.Fetch(withRequest(context.Background(), &reqInfo{index: idx, key: keys[0], campaign: camp}), req)
		}

		resp, err := fetch(2)
		require.NoError(t, err)
		want := keys[0].truth * (1 + 0.1 + 0.02*hashNormal(sc.Seed, 0, 2, 0))
		assert.Equal(t, want, resp.Value, "value, want truth × (1 + bias + noise × ε)")
		assert.Len(t, req.Params, 1, "Fetch wrote into the caller's params")

		// The bucket is empty until a virtual second (0.1 s real) passes.
		_, err = fetch(3)
		var perr *providers.Error
		if assert.ErrorAs(t, err, &perr, "second call") {
			assert.Equal(t, providers.RateLimit, perr.Class, "second call")
			assert.Positive(t, perr.RetryAfter, "second call: Retry-After")
			assert.LessOrEqual(t, perr.RetryAfter, 100*time.Millisecond, "second call: Retry-After")
		}
		time.Sleep(100 * time.Millisecond)
		_, err = fetch(5)
		assert.Equal(t, providers.Unavailable, providers.Classify(err), "request 5 of 10 (the down event): %v", err)
		assert.Equal(t, int64(3), w.calls.Load(), "calls (refused ones count)")
		assert.InDelta(t, 1.5, float64(camp.spent.Load())/nano, 1e-9, "campaign billed, want 3 × 0.5")
		assert.InDelta(t, 1.5, float64(w.spent.Load())/nano, 1e-9, "world billed")
	})
}

func TestLoadHistory(t *testing.T) {
	sc, err := parseScenario([]byte(minimal + "history: {points: 5, period: 1h}\n"))
	require.NoError(t, err)
	keys := compileKeys(sc)
	w, err := newWorld(sc, keys)
	require.NoError(t, err)
	h, _ := stats.NewMemoryHistory(stats.MemoryConfig{})
	now := time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC)
	require.NoError(t, w.loadHistory(context.Background(), h, now))
	obs, _ := h.Observations(context.Background(), "cpc?keyword=shoes")
	require.Len(t, obs, 5, "observations")
	p := stats.PeriodOf(time.Hour)
	for i, o := range obs {
		assert.Equal(t, keys[0].history[i], o.Value, "t=%d", i)
		assert.Equal(t, p.Index(now)-int64(5-i), p.Index(o.At), "t=%d: period", i)
	}
}
