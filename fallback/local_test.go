package fallback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/stats"
)

// A default from the history's level and trend that leaves the data
// type's bounds is clamped into them, and says so.
func TestADefaultOutsideTheBoundsIsClamped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, observe := blackout(t, testConfig())         // bounds 0–100
		for i, v := range []float64{93.9, 96.9, 99.9} { // in bounds, rising 3 a day
			observe(i-3, v)
		}
		res := resolveShoes(t, r)
		require.Equal(t, LayerDefault, res.Layer)
		assert.Equal(t, "default:history", res.Source)
		assert.Equal(t, 100.0, res.Value)
		require.NotNil(t, res.Default)
		last := res.Default.Adjustments[len(res.Default.Adjustments)-1]
		assert.Equal(t, "bounds", last.Name)
		assert.Less(t, last.Factor, 1.0)
		assert.Greater(t, last.Factor, 0.9)
	})
}

// A failed attempt's JSON names its class, Transient (the zero Class)
// too; an attempt that did not fail has none.
func TestAttemptJSONNamesTheClassOfAFailure(t *testing.T) {
	for _, tc := range []struct {
		at   Attempt
		want string
	}{
		{Attempt{Provider: "p", Outcome: Failed, Class: providers.Transient}, `"class":"transient"`},
		{Attempt{Provider: "p", Outcome: Failed, Class: providers.RateLimit}, `"class":"rate_limit"`},
		{Attempt{Provider: "p", Outcome: Succeeded}, ""},
		{Attempt{Provider: "p", Outcome: Skipped, Skip: SkipNoTime}, ""},
	} {
		b, err := json.Marshal(tc.at)
		require.NoError(t, err)
		if tc.want == "" {
			assert.NotContains(t, string(b), `"class"`)
		} else {
			assert.Contains(t, string(b), tc.want)
		}
		assert.Contains(t, string(b), `"provider":"p"`)
		assert.Equal(t, 1, strings.Count(string(b), `"outcome"`))
	}
}

// fmt prints an attempt by its String: a class only when it failed, a
// skip reason only when it was skipped.
func TestAttemptStringNamesOnlyWhatApplies(t *testing.T) {
	for _, tc := range []struct {
		at   Attempt
		want string
	}{
		{Attempt{Provider: "p1", Tier: Primary, Outcome: Failed, Class: providers.Transient, Latency: time.Second, Cost: 0.01, Retry: 1, Err: errors.New("boom")},
			"p1 primary failed (transient) after 1s, cost 0.01, retry 1: boom"},
		{Attempt{Provider: "p2", Tier: Primary, Outcome: Succeeded, Latency: 12 * time.Millisecond, Cost: 0.01, Hedge: true},
			"p2 primary succeeded after 12ms, cost 0.01, hedge"},
		{Attempt{Provider: "p3", Tier: Secondary, Outcome: Skipped, Skip: SkipBreakerOpen},
			"p3 secondary skipped (breaker_open)"},
		{Attempt{Provider: "p4", Tier: Primary, Outcome: Lost, Class: providers.Canceled, Latency: 50 * time.Millisecond, Cost: 0.02},
			"p4 primary lost after 50ms, cost 0.02"},
	} {
		assert.Equal(t, tc.want, tc.at.String())
		assert.Equal(t, tc.want, fmt.Sprintf("%+v", tc.at))
		if tc.at.Outcome != Failed {
			assert.NotContains(t, fmt.Sprintf("%v", []Attempt{tc.at}), "transient", "only a failure names its class")
		}
	}
}

// A forecast below forecast.min_confidence is held back, not thrown
// away: it answers when the default engine would be less sure than it,
// and gives way when the default would be surer.
func TestAWeakForecastAnswersWhenTheDefaultIsLessSure(t *testing.T) {
	for _, tc := range []struct {
		name         string
		scale        float64 // the forecast's confidence scale
		wantLayer    Layer
		wantSourceOf string
	}{
		{"default less sure", 0, LayerStatistical, "stats:"},
		{"default surer", 1e-6, LayerDefault, "default:history"}, // a forecast of confidence about 0
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				cfg.Forecast.MinConfidence = 0.999 // every forecast is weak
				cfg.Forecast.Model.ConfidenceScale = tc.scale
				cfg.Defaults.GuessPenalty = 0
				r := blackoutWithHistoryConfig(t, cfg) // 60 days, a straight line
				res := resolveShoes(t, r)
				assert.Equal(t, tc.wantLayer, res.Layer, "%+v", res)
				assert.True(t, strings.HasPrefix(res.Source, tc.wantSourceOf), res.Source)
				if tc.wantLayer == LayerStatistical {
					assert.Less(t, res.Confidence, 0.999)
					assert.Greater(t, res.Confidence, 0.6, "surer than the default would be")
					assert.InDelta(t, 1.6, res.Value, 0.05)
				}
			})
		})
	}
}

// A key last observed more periods ago than forecast.max_horizon is not
// forecast: the fit would have to reach that far (the memory of a year of
// hourly periods, say), and the default engine answers.
func TestAForecastReachesNoFurtherThanMaxHorizon(t *testing.T) {
	for _, maxHorizon := range []int{0, 1000} { // 0: the default, 366
		t.Run(fmt.Sprint(maxHorizon), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				cfg.Forecast.MaxHorizon = maxHorizon
				r, observe := blackout(t, cfg)
				for i := range 30 {
					observe(i-430, 1+0.001*float64(i)) // the last 400 days ago
				}
				res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
				require.NoError(t, err)
				if maxHorizon == 0 {
					assert.Equal(t, LayerDefault, res.Layer)
					return
				}
				assert.Equal(t, LayerStatistical, res.Layer)
			})
		})
	}
	cfg := testConfig()
	cfg.Forecast.MaxHorizon = stats.MaxHorizon + 1
	_, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
	assert.ErrorContains(t, err, "forecast.max_horizon")
}

// Money totals saturate at the largest amount instead of overflowing
// into negatives; a provider's cost is at most MaxBudget.
func TestCostTotalsSaturate(t *testing.T) {
	cfg := testConfig()
	cfg.Providers[0].Cost = 5e9
	r, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)), WithSeed(1))
	require.NoError(t, err)
	defer r.Close()
	for _, kw := range []string{"a", "b", "c"} {
		_, err := r.Resolve(t.Context(), "cpc", Params{"keyword": kw})
		require.NoError(t, err)
	}
	o := r.Snapshot().Overall
	assert.InDelta(t, MaxBudget, o.Cost, 1, "three calls of 5e9: saturated")
	assert.GreaterOrEqual(t, o.CostPerMinute, 0.0)
	assert.GreaterOrEqual(t, o.CostPerSuccess, 0.0)

	cfg.Providers[0].Cost = 2 * MaxBudget
	_, err = New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
	assert.ErrorContains(t, err, "providers[0].cost")
}

// A provider's error with a class outside providers.Classes (a host's own
// numbering) counts as Transient everywhere: in the attempt, its JSON and
// the snapshot's error rates, which stay keyed by the seven class names.
func TestAnUnknownErrorClassCountsAsTransient(t *testing.T) {
	p1, s1 := newStub(1), newStub(2)
	p1.set(func(context.Context, providers.Request) (providers.Response, error) {
		return providers.Response{}, providers.NewError(providers.Class(8+int(p1.calls.Load())), errors.New("host class"))
	})
	r, err := New(testConfig(), WithProvider("p1", p1), WithProvider("s1", s1), WithSeed(1))
	require.NoError(t, err)
	defer r.Close()
	failed := 0
	for _, kw := range []string{"a", "b", "c"} {
		res, err := r.Resolve(t.Context(), "cpc", Params{"keyword": kw})
		require.NoError(t, err)
		assert.Equal(t, 2.0, res.Value)
		b, err := json.Marshal(res)
		require.NoError(t, err)
		for _, a := range res.Attempts {
			if a.Provider == "p1" && a.Outcome == Failed {
				failed++
				assert.Equal(t, providers.Transient, a.Class)
				assert.Contains(t, string(b), `"class":"transient"`)
			}
		}
	}
	assert.Positive(t, failed, "p1 failed before its breaker opened")
	snap := r.Snapshot()
	require.Equal(t, "p1", snap.Providers[0].Name)
	require.NotEmpty(t, snap.Providers[0].ErrorRates)
	for class := range snap.Providers[0].ErrorRates {
		assert.Contains(t, []string{"transient", "auth", "rate_limit", "data_quality", "unavailable", "permanent", "canceled"}, class)
	}
}

// A Credentials failure calls no provider, so it costs nothing: the
// budget is refunded, the attempt and the result cost 0, and the
// snapshot's overall cost is the sum of its providers'.
func TestACredentialsFailureCostsNothing(t *testing.T) {
	p1, s1 := newStub(1), newStub(2)
	creds := providers.CredentialsFunc(func(_ context.Context, provider string) (providers.Secret, error) {
		if provider == "p1" {
			return providers.Secret{}, errors.New("vault sealed")
		}
		return providers.NewSecret("s1-key"), nil
	})
	r, err := New(testConfig(), WithProvider("p1", p1), WithProvider("s1", s1), WithSeed(1), WithCredentials(creds))
	require.NoError(t, err)
	defer r.Close()
	b := NewBudget(1)
	res, err := r.Resolve(WithBudgetOf(t.Context(), b), "cpc", Params{"keyword": "a"})
	require.NoError(t, err)
	assert.Equal(t, 2.0, res.Value)
	assert.Zero(t, p1.calls.Load())
	require.Len(t, res.Attempts, 2)
	assert.Equal(t, providers.Auth, res.Attempts[0].Class)
	assert.Zero(t, res.Attempts[0].Cost)
	assert.InDelta(t, 0.01, res.Cost, 1e-12, "s1's call alone")
	assert.InDelta(t, 0.01, b.Spent(), 1e-12)
	snap := r.Snapshot()
	sum := 0.0
	for _, p := range snap.Providers {
		sum += p.Cost
	}
	assert.InDelta(t, 0.01, snap.Overall.Cost, 1e-12)
	assert.InDelta(t, snap.Overall.Cost, sum, 1e-12)
}

// Observations dated in the future — a host's history, or a clock set
// wrong — are left out: the key is forecast from its past, not from them.
func TestFutureObservationsAreLeftOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, observe := blackout(t, testConfig())
		for i := range 30 {
			observe(i-30, 1+0.001*float64(i))
		}
		observe(1000, 90)
		res := resolveShoes(t, r)
		assert.Equal(t, LayerStatistical, res.Layer)
		assert.InDelta(t, 1.03, res.Value, 0.05, "forecast from the past thirty days")

		now := time.Now()
		assert.Equal(t, []stats.Observation{{At: now, Value: 1}, {At: now.Add(time.Second), Value: 3}},
			usableObservations([]stats.Observation{{At: now, Value: 1}, {At: now.Add(time.Hour), Value: 2}, {At: now.Add(time.Second), Value: 3}}, Bounds{}, now.Add(time.Minute)))
	})
}

// A host's own history is read as the fleet's shared history is: an
// observation no answer could have been — outside the data type's bounds
// (a database in another unit), not finite, or at no time — is left out,
// and the rest is put in order. Before, a history in thousandths (1200
// for a cpc of 1.2, bounds [0, 100]) became the plausibility reference
// that refused the provider's right answer, and the default from that
// history, clamped to the bounds, served 100.
func TestOwnHistoryKeepsOnlyUsableObservations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, err := stats.NewMemoryHistory(stats.MemoryConfig{})
		require.NoError(t, err)
		p1, s1 := newStub(1.2), newStub(1.1)
		s1.fail(providers.Unavailable)
		r := newTestResolver(t, testConfig(), p1, s1, WithHistory(h))
		key, err := r.Key("cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		now := time.Now()
		for i := range 30 {
			require.NoError(t, h.Append(context.Background(), key, stats.Observation{At: now.Add(time.Duration(i-30) * 24 * time.Hour), Value: 1200}))
		}
		res := resolveShoes(t, r)
		assert.Equal(t, LayerPrimary, res.Layer, "the provider's answer, not judged against the other unit: %+v", res.Attempts)
		assert.Equal(t, 1.2, res.Value)

		p1.fail(providers.Unavailable)
		bkey, err := r.Key("cpc", Params{"keyword": "boots"})
		require.NoError(t, err)
		for i := range 30 {
			require.NoError(t, h.Append(context.Background(), bkey, stats.Observation{At: now.Add(time.Duration(i-30) * 24 * time.Hour), Value: 1200}))
		}
		res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "boots"})
		require.NoError(t, err)
		assert.Equal(t, LayerDefault, res.Layer)
		assert.Equal(t, "default:base", res.Source, "no usable history: the base, not the bound")
		assert.Equal(t, 1.0, res.Value)
		t0 := now.Add(-time.Hour)
		assert.Equal(t, []stats.Observation{{At: t0, Value: 1}, {At: now, Value: 3}},
			usableObservations([]stats.Observation{{At: now, Value: 3}, {Value: 2}, {At: time.Date(0, 6, 1, 0, 0, 0, 0, time.UTC), Value: 2}, {At: t0, Value: 1}, {At: t0, Value: 500}, {At: t0, Value: math.NaN()}, {At: t0, Value: -1}}, Bounds{Max: 100}, now.Add(time.Minute)))
		ordered := []stats.Observation{{At: t0, Value: 1}, {At: now, Value: 3}}
		assert.Same(t, &ordered[0], &usableObservations(ordered, Bounds{Max: 100}, now)[0], "nothing to leave out: not copied")
	})
}

// A forecast's prediction intervals stay within the data type's bounds,
// as its value does: a noisy series near a bound gives intervals that
// reach past it, and a CPC below 0 is no more possible in an interval
// than in a value.
func TestAForecastsIntervalsStayWithinTheBounds(t *testing.T) {
	for _, tc := range []struct {
		name   string
		lo, hi float64 // the series zigzags between them
	}{
		{"near the minimum", 0.2, 1.8},
		{"near the maximum", 98.2, 99.8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig() // bounds 0–100
				cfg.DataTypes[0].Default = nil
				cfg.Forecast.MinConfidence = 0.01
				r, observe := blackout(t, cfg)
				for i := range 60 {
					v := tc.lo
					if i%2 == 1 {
						v = tc.hi
					}
					observe(i-60, v)
				}
				res := resolveShoes(t, r)
				require.Equal(t, LayerStatistical, res.Layer, "%+v", res)
				require.NotEmpty(t, res.Intervals)
				widest := res.Intervals[len(res.Intervals)-1]
				assert.True(t, widest.Lower == 0 || widest.Upper == 100, "the widest interval reaches a bound: %+v", widest)
				for _, iv := range res.Intervals {
					assert.GreaterOrEqual(t, iv.Lower, 0.0, "%+v", iv)
					assert.LessOrEqual(t, iv.Upper, 100.0, "%+v", iv)
					assert.LessOrEqual(t, iv.Lower, res.Value, "%+v", iv)
					assert.GreaterOrEqual(t, iv.Upper, res.Value, "%+v", iv)
				}
			})
		})
	}
}

// A data type whose values may be negative keeps auto's members that go
// below zero on a history that has not (stats.Selection.AllowNegative): a
// decay toward zero may cross it. One whose values are positive leaves
// them out.
func TestASignedDataTypesForecastMayCrossZero(t *testing.T) {
	for _, tc := range []struct {
		name   string
		bounds Bounds
	}{{"positive", Bounds{Min: 0, Max: 1e4}}, {"signed", Bounds{Min: -1e4, Max: 1e4}}} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				cfg.DataTypes[0].Bounds = tc.bounds
				cfg.DataTypes[0].Default = nil // a weak forecast answers
				r, observe := blackout(t, cfg)
				for i := range 30 {
					observe(i-40, 1000*math.Pow(0.7, float64(i))) // the last 0.03, 11 days ago
				}
				res := resolveShoes(t, r)
				require.Equal(t, LayerStatistical, res.Layer, "%+v", res)
				if tc.bounds.Min < 0 {
					assert.Less(t, res.Value, 0.0, "the members below zero kept")
				} else {
					assert.GreaterOrEqual(t, res.Value, 0.0)
				}
			})
		})
	}
}

// A count with zeros — a demand of 50, then seven days of none — is
// forecast from its history at or above zero for a data type bounded at
// zero. Before, only a series above zero throughout was kept there: its
// forecast, −4.3, was refused as outside the bounds, and the layer gave
// no answer.
func TestACountWithZerosIsForecastAtOrAboveZero(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.DataTypes[0].Bounds = Bounds{Min: 0, Max: 1e4}
		cfg.DataTypes[0].Default = nil // a weak forecast answers
		r, observe := blackout(t, cfg)
		for i := range 8 {
			v := 0.0
			if i == 0 {
				v = 50
			}
			observe(i-8, v) // the last yesterday
		}
		res := resolveShoes(t, r)
		require.Equal(t, LayerStatistical, res.Layer, "%+v", res)
		assert.GreaterOrEqual(t, res.Value, 0.0)
		assert.Less(t, res.Value, 50.0)
	})
}

// A forecast is for the period the resolve is in, counted from the last
// observation's, and one period ahead when that period is the resolve's
// own (the doc of ForecastConfig.MaxHorizon says why): the same series
// ending today and ending yesterday forecast the same value, the one
// ending two days ago a period further.
func TestTheForecastHorizon(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, err := stats.NewMemoryHistory(stats.MemoryConfig{})
		require.NoError(t, err)
		p1, s1 := newStub(1), newStub(1)
		down(p1, s1)
		r := newTestResolver(t, testConfig(), p1, s1, WithHistory(h))
		now := time.Now().Add(12 * time.Hour) // midday
		time.Sleep(time.Until(now))
		forecast := func(kw string, lastDay int) float64 {
			t.Helper()
			key, err := r.Key("cpc", Params{"keyword": kw})
			require.NoError(t, err)
			for i := range 30 {
				at := now.AddDate(0, 0, lastDay-29+i).Add(-time.Hour)
				require.NoError(t, h.Append(context.Background(), key, stats.Observation{At: at, Value: 1 + 0.1*float64(i)}))
			}
			res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": kw})
			require.NoError(t, err)
			require.Equal(t, LayerStatistical, res.Layer)
			return res.Value
		}
		today, yesterday, before := forecast("today", 0), forecast("yesterday", -1), forecast("before", -2)
		assert.Equal(t, yesterday, today, "one period ahead of the last observation, whether today's or yesterday's")
		assert.Greater(t, today, 3.9, "beyond the last observation, 3.9, on a rising series")
		assert.Greater(t, before, today, "two periods ahead")
	})
}
