package main

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/examples/goalparser/goal"
	"github.com/strata-go/strata/fallback"
)

var testToday = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

// parse reads text as of testToday, failing the test on error.
func parse(t *testing.T, text string) (goal.Goal, goal.Metric) {
	t.Helper()
	g, err := goal.Parse(text, testToday)
	require.NoError(t, err)
	m, ok := goal.LookupMetric(g.Metric)
	require.True(t, ok)
	return g, m
}

// fig is a figure answered by layer with confidence c.
func fig(dataType string, v float64, layer fallback.Layer, c float64) figure {
	return figure{DataType: dataType, Result: fallback.Result{Value: v, Layer: layer, Confidence: c}}
}

func ptr[T any](v T) *T { return &v }

func TestPace(t *testing.T) {
	assert.InDelta(t, 0.1, pace(1.21, 2), 1e-12, "21% in two months is 10% a month")
	assert.InDelta(t, 0.1, pace(0.81, 2), 1e-12, "a 19% cut in two months is 10% a month")
	assert.InDelta(t, 1.0, pace(2, 1), 1e-12)
	assert.Equal(t, 0.0, pace(1, 5))
}

func TestSpanOf(t *testing.T) {
	for _, c := range []struct {
		text   string
		months float64
		from   string
	}{
		{"increase leads by 20% by 2026-11-25", 1 / daysPerMonth, "deadline"}, // today counts: one day
		{"increase leads by 20% by 2026-12-24", 30 / daysPerMonth, "deadline"},
		{"increase leads by 20% in Q3", 310 / daysPerMonth, "deadline"},
		{"grow revenue 15% QoQ", 3, "basis"},
		{"grow revenue 30% YoY by Q1", 12, "basis"},
		{"grow signups 2% WoW", 7 / daysPerMonth, "basis"},
		{"increase leads by 20%", 9, "horizon"},
	} {
		g, _ := parse(t, c.text)
		sp := spanOf(g, testToday, 9)
		assert.InDelta(t, c.months, sp.Months, 1e-9, c.text)
		assert.Equal(t, c.from, sp.From, c.text)
	}
}

// TestJudgeBands checks the three bands at and around their edges: a goal
// needing 10% a month in one month, against benchmarks that put it on
// each side of each edge.
func TestJudgeBands(t *testing.T) {
	g, m := parse(t, "increase leads by 10% by 2026-12-24") // 30 days
	sp := span{Months: 1, From: "deadline"}
	for _, c := range []struct {
		benchmark float64
		want      verdict
	}{
		{0.2, realistic},
		{0.1, realistic}, // at the benchmark
		{0.099, stretch},
		{0.05, stretch}, // at twice the benchmark
		{0.0499, unrealistic},
		{0.01, unrealistic},
	} {
		ev := evidence{growth: fig(dtGrowth, c.benchmark, fallback.LayerPrimary, 0.9), level: ptr(fig(dtLevel, 800, fallback.LayerPrimary, 0.9))}
		a := judge(g, m, ev, sp)
		assert.InDelta(t, 0.1, a.Required, 1e-12)
		assert.Equal(t, c.want, a.Verdict, "benchmark %v", c.benchmark)
		assert.Equal(t, 800.0, a.Current)
		assert.InDelta(t, 880, a.Target, 1e-9)
		assert.True(t, a.Up)
	}
}

// TestJudgeInterval: a forecast's interval widens the stretch band when
// its top is above twice the benchmark, and never narrows it.
func TestJudgeInterval(t *testing.T) {
	g, m := parse(t, "increase leads by 10% by 2026-12-24")
	sp := span{Months: 1, From: "deadline"}
	growth := fig(dtGrowth, 0.04, fallback.LayerStatistical, 0.8)
	growth.Result.Intervals = []fallback.Interval{{Level: 0.8, Lower: 0.03, Upper: 0.06}, {Level: 0.95, Lower: 0.02, Upper: 0.11}}
	ev := evidence{growth: growth, level: ptr(fig(dtLevel, 800, fallback.LayerPrimary, 0.9))}
	a := judge(g, m, ev, sp)
	assert.Equal(t, 0.11, a.Ceiling, "the widest interval's top")
	assert.Equal(t, stretch, a.Verdict, "10% is past 2 × 4% but inside the interval")

	growth.Result.Intervals = []fallback.Interval{{Level: 0.95, Lower: 0.035, Upper: 0.045}}
	ev.growth = growth
	a = judge(g, m, ev, sp)
	assert.Equal(t, 0.08, a.Ceiling)
	assert.Equal(t, unrealistic, a.Verdict)
}

// TestJudgeCases covers the special cases: lower-is-better metrics, met
// targets, the wrong way, impossible targets and stated baselines.
func TestJudgeCases(t *testing.T) {
	level := func(v float64) *figure { return ptr(fig(dtLevel, v, fallback.LayerPrimary, 0.9)) }
	for _, c := range []struct {
		text     string
		level    *figure
		growth   float64
		want     verdict
		required float64
		current  float64
		target   float64
		met      bool
		wrongWay bool
		imposs   bool
	}{
		// A cost cut: 45 → 36 in about 12 months is 1.84% a month.
		{text: "cut CPA by 20%", level: level(45), growth: 0.03, want: realistic, required: 1 - math.Pow(0.8, 1.0/12), current: 45, target: 36},
		{text: "cut CPA to $35", level: level(45), growth: 0.015, want: stretch, required: 1 - math.Pow(35.0/45, 1.0/12), current: 45, target: 35},
		// Met: already better than the target, whatever the benchmark.
		{text: "keep CPA under $50", level: level(45), growth: 0.001, want: realistic, current: 45, target: 50, met: true},
		{text: "hit 500 signups", level: level(800), growth: 0.001, want: realistic, current: 800, target: 500, met: true},
		{text: "get 802 signups", level: level(800), growth: 0.001, want: realistic, current: 800, target: 802, met: true},
		// The wrong way: judged by size and flagged.
		{text: "increase CPA by 10%", level: level(45), growth: 0.03, want: realistic, required: math.Pow(1.1, 1.0/12) - 1, current: 45, target: 49.5, wrongWay: true},
		{text: "increase CPA to $90", level: level(45), growth: 0.02, want: unrealistic, required: math.Pow(2, 1.0/12) - 1, current: 45, target: 90, wrongWay: true},
		{text: "reduce signups by 20%", level: level(800), growth: 0.05, want: realistic, required: 1 - math.Pow(0.8, 1.0/12), current: 800, target: 640, wrongWay: true},
		// Impossible.
		{text: "increase retention by 30%", level: level(80), growth: 0.5, want: unrealistic, current: 80, target: 104, imposs: true},
		{text: "cut bounce rate by 60 points", level: level(48), growth: 0.5, want: unrealistic, current: 48, target: -12, imposs: true},
		// A stated baseline replaces the level benchmark.
		{text: "improve CTR from 2% to 3%", growth: 0.03, want: stretch, required: math.Pow(1.5, 1.0/12) - 1, current: 2, target: 3},
	} {
		t.Run(c.text, func(t *testing.T) {
			g, m := parse(t, c.text)
			ev := evidence{growth: fig(dtGrowth, c.growth, fallback.LayerPrimary, 0.9), level: c.level}
			a := judge(g, m, ev, span{Months: 12, From: "horizon"})
			assert.Equal(t, c.want, a.Verdict)
			assert.InDelta(t, c.required, a.Required, 1e-12)
			assert.InDelta(t, c.current, a.Current, 1e-9)
			assert.InDelta(t, c.target, a.Target, 1e-9)
			assert.Equal(t, c.met, a.Met)
			assert.Equal(t, c.wrongWay, a.WrongWay)
			assert.Equal(t, c.imposs, a.Impossible)
			assert.Equal(t, c.level == nil, a.CurrentStated)
			assert.Contains(t, a.Notes, "no deadline: judged over 12 months")
		})
	}
}

// TestJudgeBudget checks the budget rule: a volume needs one month of the
// extra results; anything else the cost per 1% times the change; too
// little budget downgrades one step.
func TestJudgeBudget(t *testing.T) {
	sp := span{Months: 12, From: "deadline"}
	for _, c := range []struct {
		text   string
		level  float64
		cost   float64
		needed float64
		want   verdict
	}{
		// 800 → 880 leads: 80 extra a month at $50.
		{"increase leads by 10% with a $5k budget", 800, 50, 4000, realistic},
		{"increase leads by 10% with a $3k budget", 800, 50, 4000, stretch},
		// Revenue is a volume too: $100k more a month at $0.30 a dollar.
		{"increase revenue by 25% with a $20k budget", 400000, 0.3, 30000, stretch},
		// A cost: 20% cheaper at $400 per 1%.
		{"cut CPA by 20% with a $10k budget", 45, 400, 8000, realistic},
		{"cut CPA by 20% with a $5k budget", 45, 400, 8000, stretch},
		// Met goals need nothing.
		{"hit 500 signups with a $1 budget", 800, 30, 0, realistic},
	} {
		t.Run(c.text, func(t *testing.T) {
			g, m := parse(t, c.text)
			ev := evidence{
				growth: fig(dtGrowth, 0.05, fallback.LayerPrimary, 0.9),
				level:  ptr(fig(dtLevel, c.level, fallback.LayerPrimary, 0.9)),
				cost:   ptr(fig(dtCost, c.cost, fallback.LayerPrimary, 0.9)),
			}
			a := judge(g, m, ev, sp)
			assert.True(t, a.BudgetChecked)
			assert.InDelta(t, c.needed, a.BudgetNeeded, 1e-6)
			assert.Equal(t, c.needed > g.Budget, a.Squeezed)
			assert.Equal(t, c.want, a.Verdict)
		})
	}

	// Unrealistic stays unrealistic, with a note.
	g, m := parse(t, "increase leads by 500% with a $1 budget")
	ev := evidence{
		growth: fig(dtGrowth, 0.01, fallback.LayerPrimary, 0.9),
		level:  ptr(fig(dtLevel, 800, fallback.LayerPrimary, 0.9)),
		cost:   ptr(fig(dtCost, 50, fallback.LayerPrimary, 0.9)),
	}
	a := judge(g, m, ev, sp)
	assert.Equal(t, unrealistic, a.Verdict)
	assert.True(t, a.Squeezed)
	assert.Contains(t, a.Notes, "the budget is below the $200,000 needed")
}

// TestJudgeConfidence checks the formula: the mean of the figures'
// confidences, times 0.8 per degraded figure.
func TestJudgeConfidence(t *testing.T) {
	g, m := parse(t, "increase leads by 10% with a $50k budget")
	sp := span{Months: 12, From: "deadline"}
	for _, c := range []struct {
		name     string
		layers   [3]fallback.Layer
		conf     [3]float64
		want     float64
		degraded []string
	}{
		{"primary", [3]fallback.Layer{fallback.LayerPrimary, fallback.LayerPrimary, fallback.LayerPrimary}, [3]float64{0.9, 0.9, 0.9}, 0.9, nil},
		{"cache and secondary", [3]fallback.Layer{fallback.LayerCache, fallback.LayerSecondary, fallback.LayerSecondary}, [3]float64{0.8, 0.7, 0.6}, 0.7, nil},
		{"one forecast", [3]fallback.Layer{fallback.LayerStatistical, fallback.LayerPrimary, fallback.LayerPrimary}, [3]float64{0.9, 0.9, 0.9}, 0.72, []string{"metric_growth from statistical"}},
		{"all defaults", [3]fallback.Layer{fallback.LayerDefault, fallback.LayerDefault, fallback.LayerDefault}, [3]float64{0.32, 0.32, 0.32}, 0.32 * 0.512,
			[]string{"metric_growth from default", "metric_level from default", "cost_per_result from default"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ev := evidence{
				growth: fig(dtGrowth, 0.05, c.layers[0], c.conf[0]),
				level:  ptr(fig(dtLevel, 800, c.layers[1], c.conf[1])),
				cost:   ptr(fig(dtCost, 50, c.layers[2], c.conf[2])),
			}
			a := judge(g, m, ev, sp)
			assert.InDelta(t, c.want, a.Confidence, 1e-12)
			assert.Equal(t, c.degraded, a.Degraded)
		})
	}
}

func TestVerdictDowngrade(t *testing.T) {
	assert.Equal(t, stretch, realistic.downgrade())
	assert.Equal(t, unrealistic, stretch.downgrade())
	assert.Equal(t, unrealistic, unrealistic.downgrade())
}

func TestFormat(t *testing.T) {
	assert.Equal(t, "$50,000", formatMoney(50000))
	assert.Equal(t, "$35", formatMoney(35))
	assert.Equal(t, "$48.22", formatMoney(48.2249))
	assert.Equal(t, "$1,234,568", formatMoney(1234567.8))
	assert.Equal(t, "3.2%", formatLevel(goal.KindRate, 3.2))
	assert.Equal(t, "3.5x", formatLevel(goal.KindRatio, 3.5))
	assert.Equal(t, "1,097", formatLevel(goal.KindCount, 1096.6))
	assert.Equal(t, "12.5", formatLevel(goal.KindCount, 12.5))
	assert.Equal(t, "+4.1%", formatPace(0.0412, true))
	assert.Equal(t, "-4.1%", formatPace(0.0412, false))
	assert.Equal(t, "-1,000", thousands(-1000))
	assert.Equal(t, "999", thousands(999))
	assert.Equal(t, 0.0412346, round6(0.041234567))
}
