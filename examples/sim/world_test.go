package main

import (
	"context"
	"fmt"
	"math"
	"strings"
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
	s := newSchedule(sc.Providers[0].Events, sc.Requests, compileKeys(sc))
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
		assert.Equal(t, w, s.outcome(idx, 0).String(), "request %d", idx)
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

// TestScheduleInBoundsGarbage: a unit, zero or frozen event lets the call
// answer (slowed by a slow event holding it) and makes its value garbage
// — the provider's value × the factor, 0, or the value it gave the key at
// the event's first request — noted in the world with its kind; an event
// with a match holds only for the keys it selects. A drift event lets it
// answer the value × a bias growing from 1 to its factor, noted with no
// kind.
func TestScheduleInBoundsGarbage(t *testing.T) {
	sc, err := parseScenario([]byte(strings.Replace(minimal, "providers:", `  - {data_type: cpc, params: {keyword: boots}, truth: {level: 2}, default: 2}
  - {data_type: cpc, params: {keyword: heels}, truth: {level: 3}, default: 3}
providers:`, 1) + `    noise: 0.02
    events:
      - {from: 0.1, to: 0.2, kind: unit}
      - {from: 0.2, to: 0.3, kind: unit, factor: 0.1}
      - {from: 0.3, to: 0.4, kind: zero, match: {keyword: [shoes, boots]}}
      - {from: 0.4, to: 0.6, kind: frozen}
      - {from: 0.5, to: 0.7, kind: slow, factor: 3}
      - {from: 0.6, to: 0.7, kind: down, match: {keyword: heels}}
      - {from: 0.8, to: 1.0, kind: drift, factor: 4}
`))
	require.NoError(t, err)
	sc.Requests = 100
	keys := compileKeys(sc)
	require.Len(t, keys, 3)
	w, err := newWorld(sc, keys)
	require.NoError(t, err)
	p := w.provs[0]
	req := func(idx int64, k int) providers.Request {
		return providers.Request{DataType: "cpc", Params: map[string]string{"keyword": keys[k].params["keyword"], hiddenParam: fmt.Sprintf("%d/%d", idx, k)}}
	}
	for _, tc := range []struct {
		idx     int64
		k       int
		outcome string
		value   float64
		kind    string
	}{
		{5, 0, "pass", p.answer(5, 0), ""},
		{10, 0, "pass", 10 * p.answer(10, 0), eventUnit},
		{25, 1, "pass", 0.1 * p.answer(25, 1), eventUnit},
		{30, 0, "pass", 0, eventZero},
		{35, 1, "pass", 0, eventZero},
		{35, 2, "pass", p.answer(35, 2), ""}, // not selected
		{40, 2, "pass", p.answer(40, 2), eventFrozen},
		{47, 2, "pass", p.answer(40, 2), eventFrozen},
		{55, 0, "slow(×3)", p.answer(40, 0), eventFrozen},
		{65, 2, "fail(unavailable)", 0, ""},
		{65, 0, "slow(×3)", p.answer(65, 0), ""},
		{75, 0, "pass", p.answer(75, 0), ""},
		{80, 0, "pass", p.answer(80, 0), ""},
		{90, 1, "pass", 2 * p.answer(90, 1), ""}, // halfway: √4
		{99, 2, "pass", math.Pow(4, 19.0/20) * p.answer(99, 2), ""},
	} {
		assert.Equal(t, tc.outcome, p.byRequest(req(tc.idx, tc.k)).String(), "request %d, key %d: outcome", tc.idx, tc.k)
		if tc.outcome == "fail(unavailable)" {
			continue
		}
		v := p.value(req(tc.idx, tc.k))
		assert.Equal(t, tc.value, v, "request %d, key %d: value", tc.idx, tc.k)
		index, kind, ok := w.provenanceOf(v, tc.idx)
		if assert.True(t, ok, "request %d, key %d: value not noted", tc.idx, tc.k) {
			assert.Equal(t, tc.kind, kind, "request %d, key %d: kind noted", tc.idx, tc.k)
			assert.Equal(t, tc.idx, index, "request %d, key %d: index noted", tc.idx, tc.k)
		}
		_, _, ok = w.provenanceOf(v, -1)
		assert.False(t, ok, "request %d, key %d: no provider had answered it before the run", tc.idx, tc.k)
	}
	// The answers themselves are truth × (1 + noise × ε): not garbage.
	for k := range keys {
		assert.InDelta(t, keys[k].truth, p.answer(5, k), 0.07*keys[k].truth, "key %d", k)
	}
	assert.NotEqual(t, p.answer(40, 2), p.answer(47, 2), "the unfrozen answers differ: the frozen test proves nothing")
}

// TestTruthShift: a truth event multiplies the truth of the keys it
// selects over its window, and providers answer the shifted truth.
func TestTruthShift(t *testing.T) {
	sc, err := parseScenario([]byte(strings.Replace(minimal, "providers:", `  - {data_type: cpc, params: {keyword: boots}, truth: {level: 2}, default: 2}
truth_events:
  - {from: 0.5, kind: shift, factor: 1.5}
  - {from: 0.2, to: 0.6, kind: shift, factor: 4, match: {keyword: boots}}
providers:`, 1)))
	require.NoError(t, err)
	sc.Requests = 100
	keys := compileKeys(sc)
	shoes, boots := keys[0], keys[1]
	for idx, want := range map[int64][2]float64{
		0: {1, 1}, 19: {1, 1}, 20: {1, 4}, 49: {1, 4}, 50: {1.5, 6}, 59: {1.5, 6}, 60: {1.5, 1.5}, 99: {1.5, 1.5},
	} {
		assert.Equal(t, want[0]*shoes.truth, shoes.truthAt(idx), "shoes at %d", idx)
		assert.Equal(t, want[1]*boots.truth, boots.truthAt(idx), "boots at %d", idx)
	}
	w, err := newWorld(sc, keys)
	require.NoError(t, err)
	v := w.provs[0].value(providers.Request{DataType: "cpc", Params: map[string]string{hiddenParam: "55/1"}})
	assert.Equal(t, boots.truthAt(55), v, "the provider's answer (no bias, no noise): the shifted truth")
}

// A value first answered by a walk that a resolve started just after the
// serving one began — it joined that walk — is that walk's answer: within
// the scenario's concurrency, not beyond.
func TestProvenanceOfAJoinedWalk(t *testing.T) {
	w := world{sc: &scenario{Concurrency: 16}}
	w.note(0, 105, eventZero)
	index, kind, ok := w.provenanceOf(0, 100)
	require.True(t, ok)
	assert.Equal(t, int64(105), index)
	assert.Equal(t, eventZero, kind)
	_, _, ok = w.provenanceOf(0, 80)
	assert.False(t, ok, "21 requests before: not in flight together")
}

// TestProvenanceIsPerServing: a value answered at several requests is
// judged, where it is served, by its latest answer at or before then.
func TestProvenanceIsPerServing(t *testing.T) {
	var w world
	w.note(1.5, 10, eventFrozen)
	w.note(1.5, 30, eventFrozen)
	w.note(1.5, 20, eventFrozen)
	for _, tc := range []struct {
		served, want int64
		ok           bool
	}{{5, 0, false}, {10, 10, true}, {15, 10, true}, {25, 20, true}, {30, 30, true}, {99, 30, true}} {
		index, kind, ok := w.provenanceOf(1.5, tc.served)
		assert.Equal(t, tc.ok, ok, "served at %d", tc.served)
		if tc.ok {
			assert.Equal(t, tc.want, index, "served at %d", tc.served)
			assert.Equal(t, eventFrozen, kind)
		}
	}
}
