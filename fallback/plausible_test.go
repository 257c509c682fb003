package fallback

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/breaker"
	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/stats"
)

func plausibleFixture(t *testing.T, cfg PlausibilityConfig) (*plausibility, *dataType) {
	t.Helper()
	var p problems
	cfg.fill(&p)
	require.Empty(t, p)
	dtc := DataTypeConfig{Name: "cpc", Period: stats.Daily, Bounds: Bounds{Min: 0, Max: 100}}
	return newPlausibility(cfg, []DataTypeConfig{dtc}, 2, 1), &dataType{cfg: dtc}
}

func TestJudgeCatchesUnitErrorsAndZerosNotRealMoves(t *testing.T) {
	pl, dt := plausibleFixture(t, PlausibilityConfig{})
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	ref := cache.Entry{Value: 1.2, ObservedAt: now.Add(-time.Hour)}
	for _, tc := range []struct {
		v           float64
		implausible bool
	}{
		{1.25, false}, {2.4, false}, {0.5, false}, // real moves up to ×3
		{12, true}, {0.12, true}, {0, true}, // ×10, ÷10, a zero
		{3.7, true},
	} {
		err := pl.judge(dt, "k", "p", tc.v, ref, true, now)
		if !tc.implausible {
			assert.Nil(t, err, "%v against 1.2", tc.v)
			continue
		}
		require.NotNil(t, err, "%v against 1.2", tc.v)
		assert.Equal(t, tc.v, err.Value)
		assert.Equal(t, 1.2, err.Reference)
		assert.Equal(t, DefaultPlausibleRatio, err.Allowed)
		assert.True(t, errors.Is(err, ErrImplausible))
	}
	assert.Nil(t, pl.judge(dt, "k", "p", 12, cache.Entry{}, false, now), "no last good answer: nothing to judge against")
	assert.Contains(t, pl.judge(dt, "k", "p", 12, ref, true, now).Error(), "implausible: 12 is ×10 the last good answer 1.2 (at most ×3 expected)")
	assert.True(t, math.IsInf(pl.judge(dt, "k", "p", 0, ref, true, now).Factor(), 1))
}

func TestJudgeWidensWithVolatilityAndTime(t *testing.T) {
	pl, dt := plausibleFixture(t, PlausibilityConfig{MaxRatio: 1.5, Sigmas: 3, Smoothing: 1})
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	ref := cache.Entry{Value: 1, ObservedAt: now.Add(-24 * time.Hour)}
	assert.NotNil(t, pl.judge(dt, "k", "p", 1.8, ref, true, now), "no volatility learned: only MaxRatio")
	// A change of ×e^0.2 per day learned: σ = 0.2, 3σ allows ×1.82 over a day.
	pl.learn(dt, cache.Entry{Value: 1, ObservedAt: now.Add(-48 * time.Hour)}, math.Exp(0.2), now.Add(-24*time.Hour))
	assert.InDelta(t, 0.2, pl.vol["cpc"].sigma(), 1e-12)
	assert.Nil(t, pl.judge(dt, "k", "p", 1.8, ref, true, now))
	assert.NotNil(t, pl.judge(dt, "k", "p", 1.9, ref, true, now))
	// Four days after the reference, √4 × 3σ allows ×3.3.
	old := cache.Entry{Value: 1, ObservedAt: now.Add(-96 * time.Hour)}
	assert.Nil(t, pl.judge(dt, "k", "p", 3.2, old, true, now))
	assert.NotNil(t, pl.judge(dt, "k", "p", 3.4, old, true, now))
}

// With max_ratio 1 (no change capped) a change no float64 holds — from
// 5e-324 to 1 — teaches the volatility nothing: learned, the
// variance was +Inf for good, and every answer of the data type, ×1000
// included, was plausible for the life of the process.
func TestJudgeLearnsNoInfiniteChange(t *testing.T) {
	pl, dt := plausibleFixture(t, PlausibilityConfig{MaxRatio: 1, Sigmas: 3, Smoothing: 0.5})
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	pl.learn(dt, cache.Entry{Value: 5e-324, ObservedAt: now.Add(-48 * time.Hour)}, 1, now.Add(-24*time.Hour))
	assert.Zero(t, pl.vol["cpc"].sigma())
	ref := cache.Entry{Value: 0.05, ObservedAt: now.Add(-24 * time.Hour)}
	assert.NotNil(t, pl.judge(dt, "k", "p", 50, ref, true, now), "×1000 is implausible")
	// A finite change is learned as ever.
	pl.learn(dt, cache.Entry{Value: 1, ObservedAt: now.Add(-48 * time.Hour)}, math.Exp(0.2), now.Add(-24*time.Hour))
	assert.InDelta(t, 0.2*math.Sqrt(0.5), pl.vol["cpc"].sigma(), 1e-12)
}

func TestJudgeLeavesSignedDataTypesAndDisabledAlone(t *testing.T) {
	pl, dt := plausibleFixture(t, PlausibilityConfig{})
	now := time.Now()
	ref := cache.Entry{Value: 0.03, ObservedAt: now}
	signed := &dataType{cfg: DataTypeConfig{Name: "cpc", Period: stats.Daily, Bounds: Bounds{Min: -1, Max: 1}}}
	unbounded := &dataType{cfg: DataTypeConfig{Name: "cpc", Period: stats.Daily}} // any finite value: a sign may flip
	assert.Nil(t, pl.judge(unbounded, "k", "p", -0.01, cache.Entry{Value: 0.02, ObservedAt: now}, true, now), "the zero Bounds: bounds only")
	assert.Nil(t, pl.judge(unbounded, "k", "p", 0, cache.Entry{Value: 0.02, ObservedAt: now}, true, now))
	assert.Nil(t, pl.judge(signed, "k", "p", 0.9, ref, true, now), "a growth rate may change sign: bounds only")
	off, dt2 := plausibleFixture(t, PlausibilityConfig{Disabled: true})
	assert.Nil(t, off.judge(dt2, "k", "p", 30, ref, true, now))
	assert.NotNil(t, pl.judge(dt, "k", "p", 30, ref, true, now))
	assert.True(t, pl.agrees(10, 10.9))
	assert.False(t, pl.agrees(10, 11.2))
}

func TestPlausibilityConfigRefusesBadSettings(t *testing.T) {
	for _, tc := range []struct {
		cfg   PlausibilityConfig
		field string
	}{
		{PlausibilityConfig{MaxRatio: 0.5}, "plausibility.max_ratio"},
		{PlausibilityConfig{MaxRatio: math.NaN()}, "plausibility.max_ratio"},
		{PlausibilityConfig{Sigmas: -1}, "plausibility.sigmas"},
		{PlausibilityConfig{Agreement: 2}, "plausibility.agreement"},
		{PlausibilityConfig{Penalty: -0.1}, "plausibility.penalty"},
	} {
		var p problems
		tc.cfg.fill(&p)
		require.Len(t, p, 1, "%+v", tc.cfg)
		assert.Contains(t, p[0].Error(), tc.field)
	}
}

// plausibleWalk resolves "shoes" once with both stubs answering 1.2 (the
// key's last good answer), lets the TTL pass, and returns the resolver.
func plausibleWalk(t *testing.T, p1, s1 *stub, opts ...Option) *Resolver {
	t.Helper()
	r := newTestResolver(t, testConfig(), p1, s1, opts...)
	res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
	require.NoError(t, err)
	require.Equal(t, 1.2, res.Value)
	time.Sleep(2 * time.Minute) // past the TTL: the next resolve walks
	return r
}

func TestImplausibleAnswerIsRefutedBySecondOpinion(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(1.2), newStub(1.25)
		hist, err := stats.NewMemoryHistory(stats.MemoryConfig{})
		require.NoError(t, err)
		r := plausibleWalk(t, p1, s1, WithHistory(hist))
		p1.answer(12) // a unit error
		for range 8 {
			res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
			require.NoError(t, err)
			assert.Equal(t, 1.25, res.Value, "the secondary's plausible answer wins")
			assert.Equal(t, LayerSecondary, res.Layer)
			assert.False(t, res.Implausible)
			a := attemptsByProvider(res.Attempts)["p1"]
			assert.Equal(t, Failed, a.Outcome)
			assert.Equal(t, providers.DataQuality, a.Class)
			var ie *ImplausibleError
			require.ErrorAs(t, a.Err, &ie)
			assert.Equal(t, 12.0, ie.Value)
			assert.ErrorIs(t, a.Err, ErrImplausible)
			time.Sleep(2 * time.Minute)
		}
		assert.Equal(t, breaker.Closed, r.byName["p1"].breaker.State(), "an implausible answer does not count against the breaker")
		assert.InDelta(t, 9*0.02, r.Snapshot().Providers[0].Cost, 1e-9, "but its call is paid: the first answer and the eight refuted")
		obs, err := hist.Observations(context.Background(), resolverKey(t, r, Params{"keyword": "shoes"}))
		require.NoError(t, err)
		for _, o := range obs {
			assert.NotEqual(t, 12.0, o.Value, "the outlier never reaches the history")
		}
	})
}

func TestImplausibleAnswerConfirmedIsAccepted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(1.2), newStub(1.2)
		r := plausibleWalk(t, p1, s1)
		p1.answer(6) // the market really moved ×5, and both see it
		s1.answer(6.3)
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, 6.3, res.Value, "the confirming answer is served")
		assert.False(t, res.Implausible)
		assert.Equal(t, 0.85, res.Confidence)
		// Accepted: it is the key's new last good answer, so the next
		// answer near it is plausible on the primary's word alone.
		time.Sleep(2 * time.Minute)
		res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, 6.0, res.Value)
		assert.Equal(t, LayerPrimary, res.Layer)
	})
}

// A lone garbage-shaped answer (here a zero) gives way to an acceptable
// last good answer, then to what the local layers below can answer (a
// forecast, a default), and is served, flagged, only when nothing can.
func TestLoneImplausibleAnswerYieldsToAcceptableCacheElseIsFlagged(t *testing.T) {
	for _, withDefault := range []bool{true, false} {
		t.Run(fmt.Sprintf("default=%v", withDefault), func(t *testing.T) { loneGarbage(t, withDefault) })
	}
}

func loneGarbage(t *testing.T, withDefault bool) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(1.2), newStub(1.2)
		cfg := testConfig()
		if !withDefault {
			cfg.DataTypes[0].Default = nil
		}
		r := newTestResolver(t, cfg, p1, s1, WithHistory(noHistory{}))
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		require.Equal(t, 1.2, res.Value)
		time.Sleep(2 * time.Minute) // past the TTL: the next resolve walks
		p1.answer(0)                // a zero, and nobody to ask
		s1.fail(providers.Unavailable)
		res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, LayerCache, res.Layer, "the last good answer is still acceptable: it serves")
		assert.Equal(t, 1.2, res.Value)
		assert.False(t, res.Implausible)
		assert.ErrorIs(t, attemptsByProvider(res.Attempts)["p1"].Err, ErrImplausible)

		time.Sleep(10 * time.Hour) // ten half-lives: the last good answer is no longer acceptable
		res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		if withDefault {
			assert.Equal(t, LayerDefault, res.Layer, "the default answers before a zero")
			assert.Equal(t, 1.0, res.Value)
			assert.False(t, res.Implausible)
			assert.ErrorIs(t, attemptsByProvider(res.Attempts)["p1"].Err, ErrImplausible)
			return
		}
		assert.Equal(t, 0.0, res.Value, "nothing else answers")
		assert.True(t, res.Implausible)
		assert.Equal(t, LayerPrimary, res.Layer)
		assert.InDelta(t, 0.95*DefaultImplausiblePenalty, res.Confidence, 1e-12)
		e, ok := r.cache.LastGood(resolverKey(t, r, Params{"keyword": "shoes"}))
		require.True(t, ok)
		assert.Equal(t, 1.2, e.Value, "a flagged answer is not cached")
	})
}

func TestImplausibleAnswerThatPersistsIsAccepted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Plausibility.ConfirmAfter = 30 * time.Minute
		p1, s1 := newStub(1.2), newStub(1.2)
		r := newTestResolver(t, cfg, p1, s1)
		_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		p1.answer(6) // the only provider that can see it reports a real ×5 move
		s1.fail(providers.Unavailable)
		var flagged []bool
		for range 4 { // at +2m, +14m, +26m, +38m
			time.Sleep(2 * time.Minute)
			res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
			require.NoError(t, err)
			assert.Equal(t, LayerPrimary, res.Layer)
			assert.Equal(t, 6.0, res.Value, "a move of another size than a power of ten is served, flagged, while pending")
			flagged = append(flagged, res.Implausible)
			time.Sleep(10 * time.Minute)
		}
		assert.Equal(t, []bool{true, true, true, false}, flagged,
			"flagged while pending; accepted once answered for confirm_after")
		e, ok := r.cache.LastGood(resolverKey(t, r, Params{"keyword": "shoes"}))
		require.True(t, ok)
		assert.Equal(t, 6.0, e.Value, "cached once accepted")
	})
}

func TestPlausibleAnswerEndsThePendingChange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Plausibility.ConfirmAfter = 30 * time.Minute
		p1, s1 := newStub(1.2), newStub(1.2)
		r := newTestResolver(t, cfg, p1, s1)
		_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		p1.answer(12)
		for range 5 { // refuted by the secondary every time: never accepted
			time.Sleep(10 * time.Minute)
			res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
			require.NoError(t, err)
			assert.Equal(t, 1.2, res.Value)
			assert.Equal(t, LayerSecondary, res.Layer)
		}
	})
}

func TestFirstAnswerJudgedAgainstHistory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hist, err := stats.NewMemoryHistory(stats.MemoryConfig{})
		require.NoError(t, err)
		p1, s1 := newStub(12), newStub(1.25)
		r := newTestResolver(t, testConfig(), p1, s1, WithHistory(hist))
		key := resolverKey(t, r, Params{"keyword": "shoes"})
		require.NoError(t, hist.Append(context.Background(), key, stats.Observation{At: time.Now().Add(-24 * time.Hour), Value: 1.2}))
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, 1.25, res.Value, "a cold key's first answer is judged against its history")
		var ie *ImplausibleError
		require.ErrorAs(t, attemptsByProvider(res.Attempts)["p1"].Err, &ie)
		assert.Equal(t, 1.2, ie.Reference)
	})
}

func TestFrozenFeedNeedsASecondOpinion(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(1.2), newStub(1.2)
		r := newTestResolver(t, testConfig(), p1, s1)
		params := Params{"keyword": "shoes"}
		// The data type's values move: a day-to-day change is learned.
		for _, v := range []float64{1.2, 1.3, 1.25} {
			p1.answer(v)
			_, err := r.Resolve(context.Background(), "cpc", params)
			require.NoError(t, err)
			time.Sleep(24 * time.Hour)
		}
		// Then p1 freezes at 1.25 while the market goes on (s1 sees 1.31).
		s1.answer(1.31)
		var sources []string
		for range 5 {
			res, err := r.Resolve(context.Background(), "cpc", params)
			require.NoError(t, err)
			sources = append(sources, res.Source)
			time.Sleep(24 * time.Hour)
		}
		// p1 has answered 1.25 since day 2: on days 3 and 4 that is a
		// stable value; from day 5 (three periods unchanged) p1 needs a
		// second opinion, which s1 refutes.
		assert.Equal(t, []string{"p1", "p1", "s1", "s1", "s1"}, sources)

		// With nobody to ask, a repeated value is taken as stable.
		s1.fail(providers.Unavailable)
		res, err := r.Resolve(context.Background(), "cpc", params)
		require.NoError(t, err)
		assert.Equal(t, "p1", res.Source)
		assert.Equal(t, LayerPrimary, res.Layer)
		assert.False(t, res.Implausible)
		// The attempts say so: p1's answer, asked about, is the one that
		// succeeded.
		var outcomes []string
		for _, a := range res.Attempts {
			outcomes = append(outcomes, a.Provider+" "+a.Outcome.String())
			if a.Provider == "p1" {
				assert.NoError(t, a.Err)
			}
		}
		assert.Equal(t, []string{"p1 succeeded", "s1 failed"}, outcomes)
	})
}

func TestTwoDisagreeingOutliersFallToTheLocalLayers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(1.2), newStub(1.2)
		r := plausibleWalk(t, p1, s1)
		p1.answer(12)
		s1.answer(0.05)
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, LayerCache, res.Layer, "neither outlier is trusted: the last good answer serves")
		assert.Equal(t, 1.2, res.Value)
		assert.False(t, res.Implausible)
	})
}

func TestPlausibilityDisabledServesOutliers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Plausibility.Disabled = true
		p1, s1 := newStub(1.2), newStub(1.2)
		r := newTestResolver(t, cfg, p1, s1)
		_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		time.Sleep(2 * time.Minute)
		p1.answer(12)
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, 12.0, res.Value)
		assert.Equal(t, LayerPrimary, res.Layer)
	})
}

func resolverKey(t *testing.T, r *Resolver, params Params) string {
	t.Helper()
	k, err := r.Key("cpc", params)
	require.NoError(t, err)
	return k
}

func TestPlausibilityFromYAML(t *testing.T) {
	base := `
providers:
  - {name: p1, tier: primary, data_types: [cpc]}
data_types:
  - name: cpc
    params: [{name: keyword, required: true}]
    bounds: {min: 0, max: 100}
`
	cfg, err := ParseConfig([]byte(base + "plausibility: {max_ratio: 4, sigmas: 2, agreement: 0.05, penalty: 0.3, audit_rate: 0.1, audit_tolerance: 0.3}\n"))
	require.NoError(t, err)
	assert.Equal(t, PlausibilityConfig{MaxRatio: 4, Sigmas: 2, Agreement: 0.05, Penalty: 0.3, AuditRate: 0.1, AuditTolerance: 0.3}, cfg.Plausibility)
	_, err = New(cfg, WithProvider("p1", newStub(1)))
	require.NoError(t, err)

	cfg, err = ParseConfig([]byte(base + "plausibility: {max_ratio: 0.5}\n"))
	if err == nil {
		_, err = New(cfg, WithProvider("p1", newStub(1)))
	}
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "plausibility.max_ratio", ce.Field)
}

func TestFrozenFeedCaughtByRepeatsFromAProviderThatRarelyRepeats(t *testing.T) {
	for _, tc := range []struct {
		repeats int // plausibility.frozen_repeats; 0: the default, 1
		want    []string
	}{
		// The second answer of 1.25 in a row needs a second opinion,
		// which s1 refutes, and so on while p1 stays frozen.
		{0, []string{"p1", "s1", "s1", "s1", "s1", "s1"}},
		// Three answers of 1.25 in a row pass; the fourth is asked about.
		{3, []string{"p1", "p1", "p1", "s1", "s1", "s1"}},
	} {
		t.Run(fmt.Sprint(tc.repeats), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p1, s1, resolve := rarelyRepeating(t, tc.repeats)
				// Then it freezes at 1.25 while s1 sees the market at 1.35.
				p1.answer(1.25)
				s1.answer(1.35)
				var sources []string
				for range 6 {
					sources = append(sources, resolve("shoes").Source)
				}
				assert.Equal(t, tc.want, sources)
			})
		})
	}
}

func TestEveryRepeatPastTheLimitIsAskedAbout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1, resolve := rarelyRepeating(t, 3)
		// p1 freezes at 1.25 while the truth stays there: the fourth
		// answer in a row is asked about, and s1 confirms it.
		p1.answer(1.25)
		s1.answer(1.25)
		var sources []string
		for range 4 {
			res := resolve("shoes")
			sources = append(sources, res.Source)
			assert.Equal(t, 1.25, res.Value)
		}
		assert.Equal(t, []string{"p1", "p1", "p1", "s1"}, sources)
		// Then the truth moves under the frozen feed (×1.3, inside the
		// ratio check): the very next repeat is asked about too — one
		// confirmation does not make the run trusted — and refuted.
		s1.answer(1.6)
		res := resolve("shoes")
		assert.Equal(t, "s1", res.Source)
		assert.Equal(t, 1.6, res.Value)
	})
}

func TestAProviderCaughtFrozenIsAskedAboutEveryKey(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1, resolve := rarelyRepeating(t, 0)
		p1.answer(1.3)
		require.Equal(t, "p1", resolve("boots").Source, "boots has a last good answer")

		// p1 freezes: its repeat for shoes is refuted, and p1 is caught.
		p1.answer(1.25)
		s1.answer(1.6)
		assert.Equal(t, "p1", resolve("shoes").Source)
		assert.Equal(t, "s1", resolve("shoes").Source)
		// Its first answer for boots since is no repeat, yet it is asked
		// about too, and refuted.
		asked := s1.calls.Load()
		res := resolve("boots")
		assert.Equal(t, "s1", res.Source)
		assert.Equal(t, 1.6, res.Value)
		assert.Equal(t, asked+1, s1.calls.Load())

		// p1 comes back: its first answer confirmed since it was caught
		// shows nothing yet; three more, each moved from the one before
		// and confirmed, clear it, and its next new answer is served on
		// its own word.
		for i := range 4 {
			p1.answer(1.5 + 0.01*float64(i))
			s1.answer(1.5 + 0.01*float64(i))
			resolve("boots")
		}
		asked = s1.calls.Load()
		p1.answer(1.55)
		res = resolve("boots")
		assert.Equal(t, "p1", res.Source)
		assert.Equal(t, asked, s1.calls.Load(), "not asked about any more")

		// Caught again, it is let go when confirm_after (1h) has passed
		// without another refutation, though nobody confirmed it.
		p1.answer(1.55)
		s1.answer(1.9)
		assert.Equal(t, "s1", resolve("boots").Source, "the repeat is refuted: caught")
		time.Sleep(time.Hour)
		asked = s1.calls.Load()
		p1.answer(1.7)
		res = resolve("boots")
		assert.Equal(t, "p1", res.Source)
		assert.Equal(t, asked, s1.calls.Load(), "no longer caught")
	})
}

// A refuted unit error catches its provider too: a feed that gave one
// garbage answer may be giving garbage the check cannot see, so its next
// answer for another key, plausible on its own, is asked about; three
// confirmed in a row that moved clear it.
func TestAProviderCaughtWithAUnitErrorIsAskedAboutEveryKey(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1, resolve := rarelyRepeating(t, 0)
		p1.answer(1.3)
		require.Equal(t, "p1", resolve("boots").Source, "boots has a last good answer")

		// A ×10 unit error for shoes: s1 refutes it, and p1 is caught.
		p1.answer(12.1)
		s1.answer(1.21)
		res := resolve("shoes")
		require.Equal(t, "s1", res.Source)
		require.Equal(t, 1.21, res.Value)

		// p1's next answer for boots is plausible (×1.01), yet asked about,
		// and s1's answer serves; the attempt says why.
		asked := s1.calls.Load()
		p1.answer(1.31)
		s1.answer(1.6)
		res = resolve("boots")
		assert.Equal(t, asked+1, s1.calls.Load(), "asked about")
		ie := assertCaughtAndServedBy(t, res, "s1", 1.6)
		assert.Contains(t, ie.Error(), "caught serving garbage")

		// Its first answer confirmed since the catch shows nothing yet;
		// three more confirmed in a row, each moved from the one before,
		// clear it.
		for i := range 4 {
			p1.answer(1.61 + 0.01*float64(i))
			s1.answer(1.6 + 0.01*float64(i))
			resolve("boots")
		}
		asked = s1.calls.Load()
		p1.answer(1.65)
		res = resolve("boots")
		assert.Equal(t, "p1", res.Source)
		assert.Equal(t, asked, s1.calls.Load(), "not asked about any more")
	})
}

// A caught feed that freezes while the truth stands still gives answers
// the truth confirms — each key's first, then its repeats — and none of
// them shows the feed live, not even one that moved from an answer of it
// confirmed before the catch: with confirm_answers 1, any that counted
// would clear it. It is caught still, and asked about, when the truth
// moves under it.
func TestAFeedFrozenWhileTheTruthStandsStillStaysCaught(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1, resolve := rarelyRepeatingWith(t, func(c *Config) {
			c.Plausibility.FrozenRepeats = 0
			c.Plausibility.ConfirmAnswers = 1
		})
		keys := []string{"boots", "sandals", "socks", "heels"}
		for _, kw := range keys {
			require.Equal(t, "p1", resolve(kw).Source, "%s has a last good answer", kw)
		}
		// The market moves ×4, beyond the ratio check, before any catch:
		// s1 confirms p1's answer for boots.
		p1.answer(4.8)
		s1.answer(4.8)
		res := resolve("boots")
		require.Equal(t, 4.8, res.Value)
		require.Contains(t, attemptsByProvider(res.Attempts), "s1", "confirmed by s1")
		for _, kw := range []string{"sandals", "socks", "heels", "shoes"} {
			require.Equal(t, 4.8, resolve(kw).Value, kw)
		}
		// A zero: s1 refutes it, and p1 is caught.
		p1.answer(0)
		require.Equal(t, "s1", resolve("shoes").Source)

		// p1 freezes at 4.9 for every key, where the truth is: s1
		// confirms each key's first answer (boots' moved from the 4.8
		// confirmed before the catch) and each repeat.
		p1.answer(4.9)
		s1.answer(4.9)
		for _, kw := range []string{"boots", "sandals", "socks", "boots", "sandals", "socks"} {
			asked := s1.calls.Load()
			res := resolve(kw)
			require.Equal(t, 4.9, res.Value, kw)
			require.False(t, res.Implausible, kw)
			require.Equal(t, asked+1, s1.calls.Load(), "%s: asked about", kw)
		}

		// The truth moves ×1.5, inside the ratio check, and p1 has not
		// seen it: its first answer for heels, plausible on its own, is
		// asked about and refuted, and s1's answer serves.
		s1.answer(7.35)
		asked := s1.calls.Load()
		res = resolve("heels")
		assert.Equal(t, asked+1, s1.calls.Load(), "asked about")
		assertCaughtAndServedBy(t, res, "s1", 7.35)
	})
}

// assertCaughtAndServedBy asserts that res is source's answer want and
// that p1's answer was held back because p1 is caught; it returns why.
func assertCaughtAndServedBy(t *testing.T, res Result, source string, want float64) *ImplausibleError {
	t.Helper()
	assert.Equal(t, source, res.Source)
	assert.Equal(t, want, res.Value)
	var ie *ImplausibleError
	require.ErrorAs(t, attemptsByProvider(res.Attempts)["p1"].Err, &ie)
	assert.True(t, ie.Caught)
	return ie
}

// A caught provider's answer counts towards clearing it only when it moved
// from its last answer for the key confirmed since the catch: a key's first
// confirmed answer does not, nor does it break the row.
func TestACatchIsClearedByConfirmedAnswersThatMove(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1, resolve := rarelyRepeating(t, 0)
		for _, kw := range []string{"boots", "sandals"} {
			require.Equal(t, "p1", resolve(kw).Source, "%s has a last good answer", kw)
		}
		p1.answer(0)
		s1.answer(1.21)
		require.Equal(t, "s1", resolve("shoes").Source, "a zero, refuted: p1 is caught")

		steps := []struct {
			keyword string
			value   float64
			asked   bool
		}{
			{"boots", 1.30, true},   // boots' first since the catch: counts nothing
			{"boots", 1.31, true},   // moved: 1
			{"boots", 1.32, true},   // moved: 2
			{"sandals", 1.32, true}, // sandals' first: counts nothing, breaks nothing
			{"boots", 1.33, true},   // moved: 3, cleared
			{"boots", 1.34, false},  // served on p1's word
		}
		for i, st := range steps {
			p1.answer(st.value)
			s1.answer(st.value)
			asked := s1.calls.Load()
			res := resolve(st.keyword)
			assert.Equal(t, st.value, res.Value, "step %d", i)
			assert.Equal(t, st.asked, s1.calls.Load() > asked, "step %d: asked about", i)
		}
	})
}

// A provider that repeats itself as a habit shows nothing by moving: once
// caught, three confirmations in a row clear it, repeats or not.
func TestACaughtProviderThatRepeatsIsClearedByConfirmations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1, resolve := stubsPastTTL(t, testConfig())
		// p1 updates its value every third answer: repeats are its habit.
		for i := range 24 {
			p1.answer(1.2 + 0.001*float64(i/3))
			require.Equal(t, "p1", resolve("shoes").Source, "answer %d", i)
		}
		require.Equal(t, "p1", resolve("boots").Source, "boots has a last good answer")
		// A zero, refuted: p1 is caught.
		p1.answer(0)
		s1.answer(1.21)
		require.Equal(t, "s1", resolve("boots").Source)
		// Three of its answers confirmed, the same value each time, clear
		// it.
		p1.answer(1.21)
		for range 3 {
			assert.Equal(t, 1.21, resolve("boots").Value)
		}
		asked := s1.calls.Load()
		p1.answer(1.22)
		res := resolve("boots")
		assert.Equal(t, "p1", res.Source)
		assert.Equal(t, asked, s1.calls.Load(), "not asked about any more")
	})
}

// One real move, learned, does not switch the unit-error check off for
// the data type: after a ×2 move on one key, the first change the
// resolver learns — or a ×6 one, which a second provider confirms — a ×10
// answer on another key is still asked about, and refuted.
func TestOneRealMoveKeepsTheUnitErrorCheck(t *testing.T) {
	for _, move := range []float64{2, 6} {
		t.Run(fmt.Sprint(move), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p1, s1, resolve := stubsPastTTL(t, testConfig())
				p1.answer(10)
				s1.answer(10)
				for _, kw := range []string{"boots", "sandals"} {
					resolve(kw)
				}
				p1.answer(10 * move) // a real move on boots
				s1.answer(10 * move)
				require.Equal(t, 10*move, resolve("boots").Value)
				p1.answer(100) // a ×10 unit error on sandals
				s1.answer(10)
				res := resolve("sandals")
				assert.Equal(t, "s1", res.Source)
				assert.Equal(t, 10.0, res.Value)
			})
		})
	}
}

// A refuted zero catches its provider as a unit error does.
func TestAProviderCaughtWithAZero(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1, resolve := rarelyRepeating(t, 0)
		p1.answer(1.3)
		require.Equal(t, "p1", resolve("boots").Source)
		p1.answer(0)
		s1.answer(1.21)
		require.Equal(t, "s1", resolve("shoes").Source)
		asked := s1.calls.Load()
		p1.answer(1.31)
		s1.answer(1.6)
		assert.Equal(t, "s1", resolve("boots").Source)
		assert.Equal(t, asked+1, s1.calls.Load(), "asked about")
	})
}

// A large move refuted by a provider that has not seen it yet is not
// garbage-shaped: the refuted provider may be the right one, so it is not
// caught — its next plausible answers serve on its own word.
func TestARealMoveRefutedDoesNotCatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1, resolve := rarelyRepeating(t, 0)
		p1.answer(1.3)
		require.Equal(t, "p1", resolve("boots").Source)
		p1.answer(4.8) // ×4, beyond the ratio check: a real move s1 lags behind
		s1.answer(1.2)
		require.Equal(t, "s1", resolve("shoes").Source, "refuted, as before")
		asked := s1.calls.Load()
		for i := range 3 {
			p1.answer(1.31 + 0.01*float64(i))
			res := resolve("boots")
			assert.Equal(t, "p1", res.Source, "round %d", i)
			assert.InDelta(t, 1.31+0.01*float64(i), res.Value, 1e-12)
		}
		assert.Equal(t, asked, s1.calls.Load(), "p1 is not asked about")
	})
}

// TestCatchingAFrozenProviderDropsItsCachedAnswers: the answers a
// provider gave before it was caught frozen, still fresh in the cache, are
// dropped when it is caught — the next resolve of each key asks again and
// serves the second opinion — while another provider's cached answers and
// another data type's stay.
func TestCatchingAFrozenProviderDropsItsCachedAnswers(t *testing.T) {
	// With a Store, the process's own copies there are not read back in
	// their place: an entry of a caught provider is refused.
	for _, withStore := range []bool{false, true} {
		t.Run(fmt.Sprintf("store=%v", withStore), func(t *testing.T) { catchingDrops(t, withStore) })
	}
}

func catchingDrops(t *testing.T, withStore bool) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.DataTypes = append(cfg.DataTypes, DataTypeConfig{
			Name: "ctr", Params: []ParamConfig{{Name: "keyword", Required: true}},
			Bounds: Bounds{Min: 0, Max: 1}, TTL: time.Minute, HalfLife: time.Hour,
		})
		cfg.Providers[0].DataTypes = []string{"cpc", "ctr"}
		cfg.Providers[1].DataTypes = []string{"cpc", "ctr"}
		p1, s1 := newStub(1.2), newStub(1.2)
		var opts []Option
		if withStore {
			opts = append(opts, WithStore(newMemStore()))
		}
		r := newTestResolver(t, cfg, p1, s1, opts...)
		resolve := func(dataType, keyword string) Result {
			t.Helper()
			res, err := r.Resolve(context.Background(), dataType, Params{"keyword": keyword})
			require.NoError(t, err)
			return res
		}
		// p1 answers shoes twelve different values (it rarely repeats).
		for i := range 12 {
			p1.answer(0.2 + 0.001*float64(i))
			resolve("cpc", "shoes")
			time.Sleep(2 * time.Minute)
		}
		// p1 freezes at 0.25, unnoticed at first: boots' and the ctr key's
		// first answers since are no repeats, and are cached.
		p1.answer(0.25)
		s1.answer(0.4)
		assert.Equal(t, "p1", resolve("cpc", "shoes").Source, "shoes: a new value")
		time.Sleep(2 * time.Minute)
		assert.Equal(t, "p1", resolve("cpc", "boots").Source)
		assert.Equal(t, "p1", resolve("ctr", "boots").Source)
		p1.fail(providers.Unavailable)
		assert.Equal(t, "s1", resolve("cpc", "socks").Source, "socks: s1's answer, cached")
		p1.answer(0.25)
		require.Equal(t, LayerCache, resolve("cpc", "boots").Layer, "boots is fresh in the cache")

		// shoes again: a repeat, refuted by s1. p1 is caught, and its cached
		// cpc answer for boots is dropped; s1's for socks and p1's ctr stay.
		res := resolve("cpc", "shoes")
		require.Equal(t, "s1", res.Source)
		asked := s1.calls.Load()
		res = resolve("cpc", "boots")
		assert.Equal(t, "s1", res.Source, "boots: asked again, p1's frozen answer refuted")
		var ie *ImplausibleError
		if assert.ErrorAs(t, res.Attempts[0].Err, &ie) {
			assert.Equal(t, 0.25, ie.Reference, "judged against p1's expired answer, still the last good one")
		}
		assert.Equal(t, 0.4, res.Value)
		assert.Equal(t, asked+1, s1.calls.Load())
		assert.Equal(t, LayerCache, resolve("cpc", "socks").Layer, "another provider's answer stays")
		ctr := resolve("ctr", "boots")
		assert.Equal(t, LayerCache, ctr.Layer, "another data type's answer stays")
		assert.Equal(t, "p1", ctr.Source)
	})
}

// rarelyRepeating builds a resolver with plausibility.frozen_repeats
// repeats over stubs p1 and s1 whose p1 has answered "shoes" twelve
// different values: it rarely repeats itself. resolve resolves a cpc
// keyword and waits out the TTL after it, so each resolve asks the
// providers.
func rarelyRepeating(t *testing.T, repeats int) (p1, s1 *stub, resolve func(keyword string) Result) {
	return rarelyRepeatingWith(t, func(c *Config) { c.Plausibility.FrozenRepeats = repeats })
}

// stubsPastTTL returns a resolver on cfg over the stubs p1 and s1, and a
// resolve of cpc for a keyword that lets the TTL pass after each answer.
func stubsPastTTL(t *testing.T, cfg Config) (p1, s1 *stub, resolve func(keyword string) Result) {
	p1, s1 = newStub(1.2), newStub(1.2)
	r := newTestResolver(t, cfg, p1, s1)
	resolve = func(keyword string) Result {
		t.Helper()
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": keyword})
		require.NoError(t, err)
		time.Sleep(2 * time.Minute) // past the TTL
		return res
	}
	return p1, s1, resolve
}

// rarelyRepeatingWith is rarelyRepeating with set applied to testConfig.
func rarelyRepeatingWith(t *testing.T, set func(*Config)) (p1, s1 *stub, resolve func(keyword string) Result) {
	cfg := testConfig()
	set(&cfg)
	p1, s1, resolve = stubsPastTTL(t, cfg)
	for i := range 12 {
		p1.answer(1.2 + 0.001*float64(i))
		resolve("shoes")
	}
	return p1, s1, resolve
}

func TestRepeatsAreNormalForAProviderThatRepeats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(1.2), newStub(1.21)
		r := newTestResolver(t, testConfig(), p1, s1)
		params := Params{"keyword": "shoes"}
		// p1 updates its value every sixth answer (a daily source asked
		// more often): repeats are its habit, not a sign of a frozen feed.
		for i := range 36 {
			p1.answer(1.2 + 0.001*float64(i/6))
			res, err := r.Resolve(context.Background(), "cpc", params)
			require.NoError(t, err)
			assert.Equal(t, "p1", res.Source, "answer %d", i)
			time.Sleep(2 * time.Minute)
		}
	})
}

// An answer in the shared tier is judged against this process's own last
// good answer, as a provider's is: a ×10 entry another instance took is
// refused and reported, the providers are asked, and their answer is
// served and heals the tier.
func TestASharedEntryIsJudgedAgainstTheLastGoodAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := newMemStore()
		obs := &captured{}
		p1 := newStub(1.5)
		r := newTestResolver(t, testConfig(), p1, newStub(1.5), WithStore(store), WithObserver(obs))
		shoes := Params{"keyword": "shoes"}
		key := resolverKey(t, r, shoes)
		res, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		require.Equal(t, 1.5, res.Value)
		time.Sleep(2 * time.Minute) // past the TTL

		// Another instance, with nothing to judge its provider by, wrote
		// a unit error.
		now := time.Now()
		require.NoError(t, store.Set(context.Background(), key, cache.Entry{Value: 15, ObservedAt: now, StoredAt: now, Source: "p1", Confidence: 0.95}, time.Minute))
		calls := p1.calls.Load()
		res, err = r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, 1.5, res.Value)
		assert.Equal(t, LayerPrimary, res.Layer, "the providers were asked")
		assert.Equal(t, calls+1, p1.calls.Load())
		synctest.Wait() // the tier is written behind the resolve
		e, ok, err := store.Get(context.Background(), key)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, 1.5, e.Value, "the tier holds the provider's answer again")

		flushEvents(r)
		var refused []error
		for _, e := range obs.events {
			if e.Kind == EventCallback {
				refused = append(refused, e.Err)
			}
		}
		require.Len(t, refused, 1)
		assert.ErrorIs(t, refused[0], ErrImplausible)
		assert.ErrorContains(t, refused[0], "shared entry refused")

		// A move within what the data type allows is taken from the tier.
		time.Sleep(2 * time.Minute)
		now = time.Now()
		require.NoError(t, store.Set(context.Background(), key, cache.Entry{Value: 1.6, ObservedAt: now, StoredAt: now, Source: "p1", Confidence: 0.95}, time.Minute))
		calls = p1.calls.Load()
		res, err = r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, 1.6, res.Value)
		assert.Equal(t, LayerCache, res.Layer)
		assert.Equal(t, calls, p1.calls.Load())
	})
}

// A new instance, with no history of its own, judges a key's first answer
// against the fleet's history: a unit error is not taken on one
// provider's word.
func TestFirstAnswerJudgedAgainstTheFleetsHistory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		shared := newMemShared()
		preloadShared(t, shared, shoesKey(t), 10) // about 2
		p1, s1 := newStub(21), newStub(2.1)
		r := newTestResolver(t, testConfig(), p1, s1, WithSharedHistory(shared))
		res, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, 2.1, res.Value, "s1's second opinion")
		var ie *ImplausibleError
		require.ErrorAs(t, attemptsByProvider(res.Attempts)["p1"].Err, &ie)
		assert.InDelta(t, 2.1, ie.Reference, 0.1, "the fleet's newest observation")
	})
}

// threeProviders is testConfig with a second primary, p2.
func threeProviders(t *testing.T, p1, p2, s1 *stub) *Resolver {
	t.Helper()
	cfg := testConfig()
	p2c := cfg.Providers[0]
	p2c.Name = "p2"
	cfg.Providers = append(cfg.Providers, p2c)
	r := newTestResolver(t, cfg, p1, s1, WithProvider("p2", p2))
	res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
	require.NoError(t, err)
	require.Equal(t, 1.2, res.Value)
	time.Sleep(2 * time.Minute) // past the TTL: the next resolve walks
	return r
}

// A zero, or a change by a power of ten, is what a shared upstream's unit
// error or outage gives every provider that copies it: two providers
// agreeing on it do not make it real. A third that answers plausibly
// wins; when every provider agrees on it, the last good answer serves
// (only persistence confirms such a change).
func TestAgreementDoesNotMakeGarbageReal(t *testing.T) {
	for _, garbage := range []float64{12, 0, 0.012} {
		t.Run(fmt.Sprint(garbage), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p1, p2, s1 := newStub(1.2), newStub(1.2), newStub(1.2)
				r := threeProviders(t, p1, p2, s1)
				p1.answer(garbage)
				p2.answer(garbage)
				s1.answer(1.25)
				res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
				require.NoError(t, err)
				assert.Equal(t, 1.25, res.Value, "the third provider's plausible answer")
				assert.Equal(t, LayerSecondary, res.Layer)

				time.Sleep(2 * time.Minute)
				s1.answer(garbage)
				res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
				require.NoError(t, err)
				assert.Equal(t, LayerCache, res.Layer, "everyone agrees on garbage: the last good answer serves")
				assert.Equal(t, 1.25, res.Value)
				assert.False(t, res.Implausible)
			})
		})
	}
}

// A move that is not garbage-shaped (×4), with no second opinion, is
// served flagged at lowered confidence rather than hidden behind the
// last good answer; its provider's unit error of that move (×40) gives
// way to the move, and when alone, to the last good answer.
func TestALoneMoveIsServedFlaggedAndItsUnitErrorGivesWay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(1.2), newStub(1.2)
		r := plausibleWalk(t, p1, s1)
		p1.fail(providers.Unavailable)
		s1.answer(4.8) // the only provider up reports a real ×4 move
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, 4.8, res.Value)
		assert.Equal(t, LayerSecondary, res.Layer)
		assert.True(t, res.Implausible)
		assert.InDelta(t, 0.85*DefaultImplausiblePenalty, res.Confidence, 1e-12)

		// The primary is back, with a unit error of the new level.
		time.Sleep(2 * time.Minute)
		p1.answer(48)
		res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, 4.8, res.Value, "×40 is ×10 the ×4 move: it gives way")
		assert.True(t, res.Implausible)

		// The unit error alone gives way to the last good answer.
		time.Sleep(2 * time.Minute)
		s1.fail(providers.Unavailable)
		res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, LayerCache, res.Layer)
		assert.Equal(t, 1.2, res.Value)
	})
}

// Feeds copying one stuck upstream vouch for nothing: a second provider's
// answer that is the frozen-looking suspect's very value, and its own
// previous answer for the key too, is a repeat, not a second opinion (it
// answered too rarely to look frozen on its own, and used to confirm the
// suspect, and the frozen value was served for as long as the upstream
// stayed stuck).
func TestTwoFeedsRepeatingOneValueDoNotVouchForEachOther(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1, resolve := rarelyRepeating(t, 3)
		p1.answer(1.25)
		s1.answer(1.25)
		var sources []string
		for range 4 {
			sources = append(sources, resolve("shoes").Source)
		}
		// s1's first 1.25 confirms p1's fourth repeat, as a second opinion.
		assert.Equal(t, []string{"p1", "p1", "p1", "s1"}, sources)
		// Its second is its own repeat: no confirmation. The local layers
		// answer, and both answers are reported as a frozen feed's.
		res := resolve("shoes")
		assert.Equal(t, LayerCache, res.Layer)
		assert.Equal(t, 1.25, res.Value, "the last good answer")
		for _, name := range []string{"p1", "s1"} {
			var ie *ImplausibleError
			require.ErrorAs(t, attemptsByProvider(res.Attempts)[name].Err, &ie, name)
			assert.True(t, ie.Frozen, name)
		}
	})
}

// moverFirst is testConfig with a second primary, p2, that the router
// asks after p1 (it is expected slower); the key's last good answer is
// 1.2, past its TTL.
func moverFirst(t *testing.T, p1, p2, s1 *stub) *Resolver {
	t.Helper()
	return moverFirstWith(t, testConfig(), p1, p2, s1)
}

// moverFirstWith is moverFirst on cfg.
func moverFirstWith(t *testing.T, cfg Config, p1, p2, s1 *stub) *Resolver {
	t.Helper()
	p2c := cfg.Providers[0]
	p2c.Name, p2c.ExpectedLatency = "p2", 200*time.Millisecond
	cfg.Providers = append(cfg.Providers, p2c)
	r := newTestResolver(t, cfg, p1, s1, WithProvider("p2", p2))
	res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
	require.NoError(t, err)
	require.Equal(t, 1.2, res.Value)
	require.Equal(t, "p1", res.Source)
	time.Sleep(2 * time.Minute) // past the TTL: the next resolve walks
	return r
}

// A plausible answer that denies a move another provider reported in the
// same resolve is not believed over it on its own word: one of the two
// has not seen the truth (a feed frozen on the last good answer looks
// plausible), and a third provider settles it. With nobody to ask, the
// plausible answer serves as before the question, its attempt succeeded.
func TestAPlausibleAnswerDenyingAMoveAsksAThird(t *testing.T) {
	for _, tc := range []struct {
		name   string
		third  func(*stub)
		value  float64
		source string

		caught bool // the denier is caught: its feed has not seen the move two agree on
	}{
		{"third sees the move", func(s *stub) { s.answer(4.9) }, 4.9, "s1", true},
		{"third denies it", func(s *stub) { s.answer(1.22) }, 1.22, "s1", false},
		{"third agrees with neither", func(s *stub) { s.answer(2) }, 2, "s1", false},
		{"nobody to ask", func(s *stub) { s.fail(providers.Unavailable) }, 1.2, "p2", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p1, p2, s1 := newStub(1.2), newStub(1.2), newStub(1.2)
				r := moverFirst(t, p1, p2, s1)
				p1.answer(4.8) // ×4: beyond the check
				tc.third(s1)
				res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
				require.NoError(t, err)
				assert.Equal(t, tc.value, res.Value)
				assert.Equal(t, tc.source, res.Source)
				assert.False(t, res.Implausible)
				assert.Equal(t, int64(1), s1.calls.Load(), "the third is asked")
				got := attemptsByProvider(res.Attempts)
				var move *ImplausibleError
				require.ErrorAs(t, got["p1"].Err, &move)
				assert.Equal(t, 4.8, move.Value)
				if tc.source == "p2" {
					assert.Equal(t, Succeeded, got["p2"].Outcome, "served: its attempt says it answered")
					assert.NoError(t, got["p2"].Err)
				} else {
					var denial *ImplausibleError
					require.ErrorAs(t, got["p2"].Err, &denial)
					assert.Equal(t, 1.2, denial.Value)
					assert.Equal(t, 4.8, denial.Contradicts)
					assert.Contains(t, denial.Error(), "denies another provider's move to 4.8")
				}
				e, ok := r.cache.LastGood(resolverKey(t, r, Params{"keyword": "shoes"}))
				require.True(t, ok)
				assert.Equal(t, tc.value, e.Value, "what was served is the key's last good answer")
				dt := r.types["cpc"]
				assert.Equal(t, tc.caught, r.plaus.isCaught(dt, "p2", time.Now()), "the denier caught")
				assert.False(t, r.plaus.isCaught(dt, "p1", time.Now()), "a move nobody else saw catches nobody")
			})
		})
	}
}

// A plausible answer refutes a garbage-shaped one (a unit error) on its
// own: no third provider is paid for it.
func TestAPlausibleAnswerRefutesAUnitErrorWithoutAThird(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, p2, s1 := newStub(1.2), newStub(1.2), newStub(1.2)
		r := moverFirst(t, p1, p2, s1)
		p1.answer(12)
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, 1.2, res.Value)
		assert.Equal(t, "p2", res.Source)
		assert.Zero(t, s1.calls.Load(), "nobody else asked")
	})
}

// A caught provider's move is not worth a third call: the plausible
// answer denying it wins on its own.
func TestACaughtProvidersMoveAsksNoThird(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, p2, s1 := newStub(1.2), newStub(1.2), newStub(1.2)
		r := moverFirst(t, p1, p2, s1)
		p1.answer(0) // refuted by p2: caught
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		require.Equal(t, "p2", res.Source)
		require.True(t, r.plaus.isCaught(r.types["cpc"], "p1", time.Now()))
		time.Sleep(2 * time.Minute)
		p1.answer(4.8)
		res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, 1.2, res.Value)
		assert.Equal(t, "p2", res.Source)
		assert.Zero(t, s1.calls.Load(), "nobody else asked")
		var ie *ImplausibleError
		require.ErrorAs(t, attemptsByProvider(res.Attempts)["p1"].Err, &ie)
		assert.Equal(t, 4.8, ie.Value)
	})
}

// A plausible answer held for denying a move is what the walk serves when
// the third provider does not answer in time: a resolve that leaves its
// coalesced walk at its deadline serves it too, rather than a lower layer
// after paying for it.
func TestAHeldDenialServesWhenTheThirdHangs(t *testing.T) {
	for _, coalescing := range []bool{true, false} {
		t.Run(fmt.Sprintf("coalescing=%v", coalescing), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p1, p2, s1 := newStub(1.2), newStub(1.2), newStub(1.2)
				cfg := testConfig()
				cfg.Resolve.DisableCoalescing = !coalescing
				r := moverFirstWith(t, cfg, p1, p2, s1)
				p1.answer(4.8) // ×4: beyond the check
				s1.hang()      // the third never answers
				ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
				defer cancel()
				res, err := r.Resolve(ctx, "cpc", Params{"keyword": "shoes"})
				require.NoError(t, err)
				assert.Equal(t, 1.2, res.Value)
				assert.Equal(t, "p2", res.Source)
				assert.Equal(t, LayerPrimary, res.Layer)
				assert.Equal(t, Succeeded, attemptsByProvider(res.Attempts)["p2"].Outcome)
				synctest.Wait()
				e, ok := r.cache.LastGood(resolverKey(t, r, Params{"keyword": "shoes"}))
				require.True(t, ok)
				assert.Equal(t, "p2", e.Source, "the walk caches what it served")
			})
		})
	}
}

// One third opinion is asked for a contradiction: a plausible answer
// after it is taken, whichever it agrees with, and the walk asks nobody
// else.
func TestAContradictionCostsOneThirdOpinion(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, p2, p3, s1 := newStub(1.2), newStub(1.2), newStub(1.2), newStub(1.2)
		cfg := testConfig()
		for _, n := range []struct {
			name    string
			latency time.Duration
		}{{"p2", 200 * time.Millisecond}, {"p3", 250 * time.Millisecond}} {
			pc := cfg.Providers[0]
			pc.Name, pc.ExpectedLatency = n.name, n.latency
			cfg.Providers = append(cfg.Providers, pc)
		}
		r := newTestResolver(t, cfg, p1, s1, WithProvider("p2", p2), WithProvider("p3", p3))
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		require.Equal(t, "p1", res.Source)
		time.Sleep(2 * time.Minute)
		p1.answer(4.8) // a move
		p2.answer(1.2) // its denial, held
		p3.answer(2)   // the third opinion: plausible, agreeing with neither
		res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, 2.0, res.Value)
		assert.Equal(t, "p3", res.Source)
		assert.Zero(t, s1.calls.Load(), "nobody asked after the third opinion")
		assert.Equal(t, []string{"p1", "p2", "p3"}, providerOrder(res.Attempts))
	})
}

// providerOrder lists the providers of attempts in the order made.
func providerOrder(attempts []Attempt) []string {
	var names []string
	for _, a := range attempts {
		names = append(names, a.Provider)
	}
	return names
}

// A provider caught denying a move two others agree on has its answers for
// the data type asked about, and its answers the cache still holds as
// fresh are expired: a feed frozen on the last good answers looks
// plausible for every key whose truth moved.
func TestADenierOfAConfirmedMoveIsCaught(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, p2, s1 := newStub(1.2), newStub(1.2), newStub(1.2)
		r := moverFirst(t, p1, p2, s1)
		// p2's fresh answer for "boots", p1 down for it.
		p1.fail(providers.Unavailable)
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "boots"})
		require.NoError(t, err)
		require.Equal(t, "p2", res.Source)
		boots := resolverKey(t, r, Params{"keyword": "boots"})
		_, fresh := r.cache.Fresh(boots, time.Minute, time.Now())
		require.True(t, fresh)

		p1.answer(4.8) // the move, for shoes
		s1.answer(4.9) // confirmed
		res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		require.Equal(t, 4.9, res.Value)
		_, fresh = r.cache.Fresh(boots, time.Minute, time.Now())
		assert.False(t, fresh, "p2's fresh answer for boots is expired")

		// So the next resolve of boots walks, and p2's answer is asked about.
		p1.fail(providers.Unavailable)
		s1.answer(1.25)
		calls := s1.calls.Load()
		res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "boots"})
		require.NoError(t, err)
		assert.Equal(t, calls+1, s1.calls.Load(), "a second opinion on the caught provider's answer")
		var ie *ImplausibleError
		require.ErrorAs(t, attemptsByProvider(res.Attempts)["p2"].Err, &ie)
		assert.True(t, ie.Caught)
	})
}

// A third opinion that is a unit error of the move (the move ÷ 10, close
// enough to the last good answer to pass the check) settles nothing: it
// is not taken over the held denial, and it does not catch the provider
// that reported the move as serving garbage.
func TestAThirdOpinionThatIsTheMovesUnitErrorSettlesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, p2, s1 := newStub(1.2), newStub(1.2), newStub(1.2)
		r := moverFirst(t, p1, p2, s1)
		p1.answer(4.8)  // ×4: beyond the check
		s1.answer(0.48) // 4.8 in the wrong unit; ÷2.5 from 1.2, within it
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, 1.2, res.Value, "the held denial serves, as with nobody to ask")
		assert.Equal(t, "p2", res.Source)
		dt := r.types["cpc"]
		assert.False(t, r.plaus.isCaught(dt, "p1", time.Now()), "the move's provider is not caught by its unit error")
		assert.False(t, r.plaus.isCaught(dt, "p2", time.Now()))
		var third *ImplausibleError
		require.ErrorAs(t, attemptsByProvider(res.Attempts)["s1"].Err, &third)
		assert.Equal(t, 0.48, third.Value)
	})
}
