package main

import (
	"encoding/json"
	"io"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/examples/goalparser/goal"
	"github.com/strata-go/strata/fallback"
)

// FuzzJudge judges every goal the parser accepts against benchmark values
// anywhere in the config's bounds, and checks that the verdict is one of
// the three, the confidence is in [0, 1], and both outputs are written
// (JSON refuses NaN and infinities).
func FuzzJudge(f *testing.F) {
	for _, c := range goalCases {
		f.Add(c.text, 800.0, 0.04, 50.0)
	}
	f.Add("get 1000000000000000 leads by tomorrow", 1e-6, 0.001, 1e6)
	f.Add("cut CPA by 99% by today with a $1 budget", 1e12, 1.0, 0.0)
	f.Fuzz(func(t *testing.T, text string, level, growth, cost float64) {
		g, err := goal.Parse(text, testToday)
		if err != nil {
			return
		}
		m, _ := goal.LookupMetric(g.Metric)
		clamp := func(v, lo, hi float64) float64 {
			if math.IsNaN(v) {
				return lo
			}
			return min(max(math.Abs(v), lo), hi)
		}
		ev := evidence{
			growth: fig(dtGrowth, clamp(growth, 0.001, 1), fallback.LayerPrimary, 0.9),
			level:  ptr(fig(dtLevel, clamp(level, 1e-6, 1e12), fallback.LayerDefault, 0.32)),
			cost:   ptr(fig(dtCost, clamp(cost, 0, 1e6), fallback.LayerSecondary, 0.7)),
		}
		a := judge(g, m, ev, spanOf(g, testToday, 12))
		require.Contains(t, []verdict{realistic, stretch, unrealistic}, a.Verdict)
		require.True(t, a.Confidence >= 0 && a.Confidence <= 1, "confidence %v", a.Confidence)
		rep := report{Text: text, Goal: &g, Metric: m, Evidence: ev, Assessment: a}
		_, err = json.Marshal(jsonOf(rep))
		require.NoError(t, err, "json")
		require.NoError(t, newPrinter(io.Discard, false).goal(rep), "text")
	})
}
