package fallback

import (
	"encoding/json"
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
			notAfter([]stats.Observation{{At: now, Value: 1}, {At: now.Add(time.Hour), Value: 2}, {At: now.Add(time.Second), Value: 3}}, now.Add(time.Minute)))
	})
}
