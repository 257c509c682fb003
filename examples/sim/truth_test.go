package main

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/fallback"
)

func TestTruthSeriesFollowsTheFormula(t *testing.T) {
	spec := truthSpec{Level: 1.2, Trend: 0.002, SeasonPeriod: 7, SeasonAmplitude: 0.1}
	got := truthSeries(spec, 7, 0, 14)
	require.Len(t, got, 15, "want points+1")
	for i, v := range got {
		want := 1.2 * math.Pow(1.002, float64(i)) * (1 + 0.1*math.Sin(2*math.Pi*float64(i)/7))
		assert.InDelta(t, want, v, 1e-12, "t=%d (no noise)", i)
	}
	spec.Noise = 0.03
	a, b := truthSeries(spec, 7, 3, 200), truthSeries(spec, 7, 3, 200)
	c := truthSeries(spec, 8, 3, 200)
	var dev float64
	require.Equal(t, a, b, "the same seed gave other values")
	for i := range a {
		require.Positive(t, a[i], "t=%d", i)
		base := 1.2 * math.Pow(1.002, float64(i)) * (1 + 0.1*math.Sin(2*math.Pi*float64(i)/7))
		dev += (a[i]/base - 1) * (a[i]/base - 1)
	}
	assert.NotEqual(t, a[5], c[5], "another seed gave the same noise")
	assert.InDelta(t, 0.03, math.Sqrt(dev/float64(len(a))), 0.01, "relative noise sd")
}

func TestCanonicalKeyMatchesTheResolver(t *testing.T) {
	params := map[string]string{"market": "us", "keyword": "a&b=c?d%e"}
	key := canonicalKey("cpc", params)
	assert.Equal(t, "cpc?keyword=a%26b%3Dc%3Fd%25e&market=us", key)
	dt, got, ok := fallback.ParseKey(key)
	if assert.True(t, ok, "ParseKey(%q)", key) {
		assert.Equal(t, "cpc", dt, "ParseKey(%q)", key)
		assert.Equal(t, fallback.Params(params), got, "ParseKey(%q)", key)
	}
	assert.Equal(t, "cpc", canonicalKey("cpc", nil), "key without params")
}

func TestHashNormal(t *testing.T) {
	require.Equal(t, hashNormal(1, 2, 3), hashNormal(1, 2, 3), "not a function of its inputs")
	assert.NotEqual(t, hashNormal(1, 2, 3), hashNormal(1, 2, 4), "different inputs gave the same draw")
	assert.NotEqual(t, hashNormal(1, 2, 3), hashNormal(2, 2, 3), "different inputs gave the same draw")
	const n = 20000
	var sum, sq float64
	for i := range uint64(n) {
		x := hashNormal(7, 1, i)
		require.InDelta(t, 0, x, 3, "draw outside ±3")
		sum += x
		sq += x * x
	}
	mean := sum / n
	sd := math.Sqrt(sq/n - mean*mean)
	assert.InDelta(t, 0, mean, 0.03, "mean")
	assert.InDelta(t, 1, sd, 0.03, "sd")
}
