package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/fallback"
)

// resolved fills fs's figures from values by data type, keyed further by
// channel and keyword where those apply, at the given confidence.
func resolved(b brief, conf float64, val func(f figure) float64) *figures {
	fs := need(b, false)
	for i := range fs.All {
		f := &fs.All[i]
		f.Result = fallback.Result{Value: val(*f), Layer: fallback.LayerPrimary, Source: "test", Confidence: conf}
	}
	return fs
}

func TestMakePlanSplitsByCostPerConversion(t *testing.T) {
	b := brief{Industry: "retail", Market: "us", Month: "11", Budget: 1000, Goal: goalConversions,
		Channels: []string{"search"}, Keywords: []string{"a", "b", "c"}}
	cpc := map[string]float64{"a": 1, "b": 2, "c": 4}
	fs := resolved(b, 0.9, func(f figure) float64 {
		switch f.DataType {
		case "cpc":
			return cpc[f.Params["keyword"]]
		case "ctr":
			return 0.02
		case "conversion_rate":
			return 0.05
		case "market_growth":
			return 0.1
		case "seasonality_index":
			return 2
		case "competitor_spend":
			return 9000
		}
		return 0
	})
	p, err := makePlan(b, fs)
	require.NoError(t, err)
	require.Len(t, p.Lines, 3)
	// Conversions per dollar 0.05, 0.025, 0.0125: shares 4/7, 2/7, 1/7
	// of 100000 cents, rounded down (57142, 28571, 14285 = 99998), the
	// 2 cents left going to the largest line.
	assert.Equal(t, []int64{57144, 28571, 14285}, []int64{p.Lines[0].Cents, p.Lines[1].Cents, p.Lines[2].Cents})
	assert.Equal(t, int64(100000), p.Total.Cents)
	assert.InDelta(t, 2.2, p.Demand, 1e-12, "seasonality × (1 + growth)")
	assert.InDelta(t, 0.1, p.ShareOfVoice, 1e-12, "1000 / (1000 + 9000)")

	a := p.Lines[0]
	assert.InDelta(t, 571.44, a.Clicks, 1e-9)
	assert.InDelta(t, 571.44/0.02, a.Impressions, 1e-6)
	assert.InDelta(t, 571.44*0.05*2.2, a.Conversions, 1e-9)
	assert.InDelta(t, 1/(0.05*2.2), a.CPA, 1e-12)
	// Confidence 0.9: every figure ±10%.
	assert.InDelta(t, 571.44/1.1, a.ClicksLo, 1e-9)
	assert.InDelta(t, 571.44/0.9, a.ClicksHi, 1e-9)
	assert.InDelta(t, 571.44/1.1*0.045*(1.8*1.09), a.ConvLo, 1e-9)
	assert.InDelta(t, 571.44/0.9*0.055*(2.2*1.11), a.ConvHi, 1e-9)
	assert.InDelta(t, p.Total.Amount()/p.Total.Conversions, p.Total.CPA, 1e-12)
}

func TestMakePlanGoals(t *testing.T) {
	b := brief{Industry: "retail", Market: "us", Month: "11", Budget: 100, Channels: []string{"search", "social"}, Keywords: []string{"k"}}
	// search: CPC 1, CTR 0.01, conversion 0.10; social: CPC 0.5, CTR
	// 0.04, conversion 0.01.
	fs := resolved(b, 0.95, func(f figure) float64 {
		search := f.Params["channel"] == "search"
		switch f.DataType {
		case "cpc":
			return map[bool]float64{true: 1, false: 0.5}[search]
		case "ctr":
			return map[bool]float64{true: 0.01, false: 0.04}[search]
		case "conversion_rate":
			return map[bool]float64{true: 0.10, false: 0.01}[search]
		case "seasonality_index":
			return 1
		}
		return 0
	})
	for _, tc := range []struct{ goal string }{{goalConversions}, {goalClicks}, {goalImpressions}} {
		t.Run(tc.goal, func(t *testing.T) {
			b.Goal = tc.goal
			p, err := makePlan(b, fs)
			require.NoError(t, err)
			assert.Equal(t, int64(10000), p.Lines[0].Cents+p.Lines[1].Cents)
			w := map[string][2]float64{
				goalConversions: {0.10 / 1, 0.01 / 0.5},
				goalClicks:      {1 / 1.0, 1 / 0.5},
				goalImpressions: {1 / (1 * 0.01), 1 / (0.5 * 0.04)},
			}[tc.goal]
			want := 10000 * w[0] / (w[0] + w[1])
			assert.InDelta(t, want, float64(p.Lines[0].Cents), 1, "search gets its efficiency's share")
		})
	}
}

func TestMakePlanRefusesNonPositiveFigures(t *testing.T) {
	b := brief{Industry: "retail", Market: "us", Month: "11", Budget: 100, Goal: goalConversions, Channels: []string{"search"}, Keywords: []string{"k"}}
	fs := resolved(b, 0.9, func(f figure) float64 {
		if f.DataType == "cpc" {
			return 0
		}
		return 1
	})
	_, err := makePlan(b, fs)
	assert.ErrorContains(t, err, "must be positive")
}

func TestSpan(t *testing.T) {
	f := figure{Result: fallback.Result{Value: 2, Confidence: 0.75}}
	lo, hi, how := span(f)
	assert.Equal(t, [2]float64{1.5, 2.5}, [2]float64{lo, hi})
	assert.Equal(t, "±25% from confidence", how)

	// Bounded to ±2% and ±90%.
	f.Result.Confidence = 1
	lo, hi, _ = span(f)
	assert.InDelta(t, 1.96, lo, 1e-12)
	assert.InDelta(t, 2.04, hi, 1e-12)
	f.Result.Confidence = 0
	lo, hi, _ = span(f)
	assert.InDelta(t, 0.2, lo, 1e-12)
	assert.InDelta(t, 3.8, hi, 1e-12)

	// A negative value spreads around itself.
	f.Result = fallback.Result{Value: -0.1, Confidence: 0.5}
	lo, hi, _ = span(f)
	assert.InDelta(t, -0.15, lo, 1e-12)
	assert.InDelta(t, -0.05, hi, 1e-12)

	// A forecast's interval nearest 80% wins.
	f.Result = fallback.Result{Value: 2, Layer: fallback.LayerStatistical, Intervals: []fallback.Interval{
		{Level: 0.95, Lower: 1, Upper: 3}, {Level: 0.8, Lower: 1.5, Upper: 2.6},
	}}
	lo, hi, how = span(f)
	assert.Equal(t, [2]float64{1.5, 2.6}, [2]float64{lo, hi})
	assert.Equal(t, "80% prediction interval", how)
}

func TestFormatting(t *testing.T) {
	assert.Equal(t, "$10,000.00", money(10000))
	assert.Equal(t, "$1,234,567.89", money(1234567.891))
	assert.Equal(t, "$0.05", money(0.05))
	assert.Equal(t, "-$3.50", money(-3.5))
	assert.Equal(t, "7,176", count(7176.4))
	assert.Equal(t, "25.6", count(25.62))
	assert.Equal(t, "+3.4%", formatValue("market_growth", 0.034))
	assert.Equal(t, "$218,550", formatValue("competitor_spend", 218550.4))
	assert.Equal(t, "×1.33", formatValue("seasonality_index", 1.3333))
	assert.Equal(t, "3.42%", formatValue("ctr", 0.03421))
	assert.Equal(t, "now", formatAge(59e9))
	assert.Equal(t, "5m", formatAge(5*60e9+1))
	assert.Equal(t, "24h", formatAge(24*3600e9+1))
	assert.Equal(t, "3d", formatAge(3*24*3600e9+5))
	assert.Equal(t, "search, shoes, us", paramValues(fallback.Params{"market": "us", "channel": "search", "keyword": "shoes"}))
	assert.Equal(t, []string{"a failed (transient) ×3", "b skipped (over_budget)"}, compress([]string{"a failed (transient)", "a failed (transient)", "a failed (transient)", "b skipped (over_budget)"}))
}
