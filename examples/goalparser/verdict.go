package main

import (
	"fmt"
	"math"
	"time"

	"github.com/strata-go/strata/examples/goalparser/goal"
	"github.com/strata-go/strata/fallback"
)

// verdict is the feasibility of a goal.
type verdict string

// The verdicts, best first.
const (
	realistic   verdict = "realistic"
	stretch     verdict = "stretch"
	unrealistic verdict = "unrealistic"
)

// downgrade returns the verdict one step worse; unrealistic stays.
func (v verdict) downgrade() verdict {
	switch v {
	case realistic:
		return stretch
	default:
		return unrealistic
	}
}

// The constants of the verdict rule; doc.go states them.
const (
	// stretchFactor: a pace up to this multiple of the benchmark is a
	// stretch.
	stretchFactor = 2.0
	// degradedFactor multiplies the confidence once per figure answered by
	// a degraded layer (statistical or default).
	degradedFactor = 0.8
	// metTolerance: a target within this relative distance of the current
	// level is already met.
	metTolerance = 0.005
	// edgeTolerance absorbs floating-point rounding at a band's edge: a
	// pace equal to the benchmark is realistic however it was computed.
	edgeTolerance = 1e-9
	// maxPace caps a required growth: 1e12 is a trillion-fold a month.
	maxPace = 1e12
	// daysPerMonth is the mean length of a Gregorian month.
	daysPerMonth = 365.2425 / 12
)

// basisMonths is the span of a growth rate with a comparison basis: "15%
// QoQ" is 15% in three months, whatever the deadline.
var basisMonths = map[string]float64{"yoy": 12, "qoq": 3, "mom": 1, "wow": 7 / daysPerMonth}

// volumeMoney are the money metrics that are volumes (money a month or a
// year), whose budget is paid per extra unit like a count's.
var volumeMoney = map[string]bool{"revenue": true, "mrr": true, "arr": true}

// figure is one benchmark resolved for a verdict.
type figure struct {
	DataType string
	Params   fallback.Params
	Result   fallback.Result
}

// degraded reports whether the figure came from a degraded layer: a
// forecast or a default rather than a provider's (possibly cached) answer.
func (f figure) degraded() bool {
	return f.Result.Layer == fallback.LayerStatistical || f.Result.Layer == fallback.LayerDefault
}

// evidence is what a verdict is judged on.
type evidence struct {
	// growth is the metric_growth benchmark; always present.
	growth figure
	// level is the metric_level benchmark; nil when the goal states its
	// current level.
	level *figure
	// cost is the cost_per_result benchmark; nil when the goal has no
	// budget.
	cost *figure
}

// figures returns the figures of ev that are present, in order.
func (ev evidence) figures() []figure {
	out := []figure{ev.growth}
	if ev.level != nil {
		out = append(out, *ev.level)
	}
	if ev.cost != nil {
		out = append(out, *ev.cost)
	}
	return out
}

// span is the time a goal has: in months, and how it was found.
type span struct {
	Months float64
	// From is "deadline", "basis" or "horizon" (no deadline: the -horizon
	// flag).
	From string
}

// spanOf returns the months from today to the goal's deadline, counting
// the deadline's day (at least one day), the span of its basis, or
// horizon months when it has neither.
func spanOf(g goal.Goal, today time.Time, horizon float64) span {
	if m, ok := basisMonths[g.Basis]; ok {
		return span{Months: m, From: "basis"}
	}
	if g.Deadline.IsZero() {
		return span{Months: horizon, From: "horizon"}
	}
	days := math.Round(g.Deadline.Sub(today).Hours()/24) + 1
	return span{Months: max(days, 1) / daysPerMonth, From: "deadline"}
}

// assessment is a goal's verdict and the numbers behind it.
type assessment struct {
	Verdict    verdict
	Confidence float64
	Span       span
	// Current is the metric's level now: the goal's stated baseline, else
	// the metric_level benchmark. Target is the level the goal asks for.
	Current, Target float64
	// CurrentStated is true when Current is the goal's own baseline.
	CurrentStated bool
	// Required is the monthly relative change the goal needs (a
	// fraction, compounded); 0 when the goal is already met or cannot be
	// met at all.
	Required float64
	// Up is true when the goal moves the metric up.
	Up bool
	// Benchmark is the achievable monthly change; Ceiling the most a
	// stretch may need: stretchFactor × Benchmark, or the upper end of the
	// benchmark's widest prediction interval when that is higher.
	Benchmark, Ceiling float64
	// Impossible is set when the target cannot exist (a rate above 100%,
	// a level at or below zero); the verdict is then unrealistic.
	Impossible bool
	// Met is set when the metric is already at or better than the target.
	Met bool
	// WrongWay is set when the goal moves the metric in its worse
	// direction ("increase CPA by 10%").
	WrongWay bool
	// BudgetChecked is set when the goal has a budget and the cost figure
	// was resolved; BudgetNeeded is then the least the goal needs, and
	// Squeezed reports that the budget is below it.
	BudgetChecked bool
	BudgetNeeded  float64
	Squeezed      bool
	// Degraded lists the figures answered by a degraded layer, as
	// "metric_growth from default".
	Degraded []string
	// Notes explain the verdict where the numbers alone do not.
	Notes []string
}

// judge decides the feasibility of g on the metric m over sp, from the
// benchmarks in ev. The rule is documented in doc.go.
func judge(g goal.Goal, m goal.Metric, ev evidence, sp span) assessment {
	a := assessment{Span: sp, Benchmark: ev.growth.Result.Value}
	a.Ceiling = stretchFactor * a.Benchmark
	if hi, ok := upperBound(ev.growth.Result); ok && hi > a.Ceiling {
		a.Ceiling = hi
	}
	if g.Baseline > 0 {
		a.Current, a.CurrentStated = g.Baseline, true
	} else if ev.level != nil {
		a.Current = ev.level.Result.Value
	}
	a.Target = g.Target(a.Current)
	a.Up = a.Target > a.Current
	if sp.From == "horizon" {
		a.Notes = append(a.Notes, fmt.Sprintf("no deadline: judged over %s months", formatNumber(sp.Months)))
	}
	if c := foreignCurrency(g); c != "" {
		a.Notes = append(a.Notes, fmt.Sprintf("amounts in %s are compared at face value with the USD benchmarks", c))
	}

	ratio := a.Target / a.Current
	switch {
	case m.Kind == goal.KindRate && a.Target > 100:
		a.Impossible = true
		a.Notes = append(a.Notes, fmt.Sprintf("the target %s is above 100%%", formatLevel(m.Kind, a.Target)))
	case a.Target <= 0 || a.Current <= 0:
		a.Impossible = true
		a.Notes = append(a.Notes, fmt.Sprintf("the target %s is not above zero", formatLevel(m.Kind, a.Target)))
	case math.Abs(ratio-1) <= metTolerance:
		a.Met = true
		a.Notes = append(a.Notes, fmt.Sprintf("the metric is already at the target (%s now)", formatLevel(m.Kind, a.Current)))
	case a.Up == m.LowerIsBetter:
		// The metric moves the worse way. A level to reach that the metric
		// is already better than is met — unless the wording asks to make
		// it worse ("increase CPA to $60").
		better, known := g.Improves()
		if g.Direction == goal.Reach && (!known || better) {
			a.Met = true
			a.Notes = append(a.Notes, fmt.Sprintf("the metric is already better than the target (%s now)", formatLevel(m.Kind, a.Current)))
		} else {
			a.WrongWay = true
			worse := "up"
			if !a.Up {
				worse = "down"
			}
			a.Notes = append(a.Notes, fmt.Sprintf("the goal moves %s %s, its worse direction: judged as a change of that size", g.Metric, worse))
		}
	}

	switch {
	case a.Impossible:
		a.Verdict = unrealistic
	case a.Met:
		a.Verdict = realistic
	default:
		a.Required = pace(ratio, sp.Months)
		switch {
		case a.Required <= a.Benchmark*(1+edgeTolerance):
			a.Verdict = realistic
		case a.Required <= a.Ceiling*(1+edgeTolerance):
			a.Verdict = stretch
		default:
			a.Verdict = unrealistic
		}
	}

	if g.Budget > 0 && ev.cost != nil && !a.Impossible {
		a.BudgetChecked = true
		a.BudgetNeeded = budgetNeeded(m, a, ev.cost.Result.Value)
		if g.Budget < a.BudgetNeeded {
			a.Squeezed = true
			before := a.Verdict
			a.Verdict = a.Verdict.downgrade()
			if before != a.Verdict {
				a.Notes = append(a.Notes, fmt.Sprintf("the budget is below the %s needed: %s downgraded to %s", formatMoney(a.BudgetNeeded), before, a.Verdict))
			} else {
				a.Notes = append(a.Notes, fmt.Sprintf("the budget is below the %s needed", formatMoney(a.BudgetNeeded)))
			}
		}
	}

	figs := ev.figures()
	sum, degraded := 0.0, 0
	for _, f := range figs {
		sum += f.Result.Confidence
		if f.degraded() {
			degraded++
			a.Degraded = append(a.Degraded, fmt.Sprintf("%s from %s", f.DataType, f.Result.Layer))
		}
	}
	a.Confidence = sum / float64(len(figs)) * math.Pow(degradedFactor, float64(degraded))
	return a
}

// pace returns the monthly relative change, compounded over months, that
// takes a level to ratio times itself: growth when ratio > 1, a cut when
// ratio < 1, as a positive fraction either way. A growth beyond maxPace
// (a goal of a billion times its level by tomorrow) is reported as
// maxPace, so that it stays a finite number in the output.
func pace(ratio, months float64) float64 {
	step := math.Pow(ratio, 1/months)
	if ratio >= 1 {
		return min(step-1, maxPace)
	}
	return 1 - step
}

// budgetNeeded returns the least money the goal needs, from the cost of
// moving the metric: for a volume, one month of the extra results at the
// target level; for anything else, the cost per 1% of relative change
// times the change in percent.
func budgetNeeded(m goal.Metric, a assessment, cost float64) float64 {
	if a.Met {
		return 0
	}
	if m.Kind == goal.KindCount || volumeMoney[m.Name] {
		return max(a.Target-a.Current, 0) * cost
	}
	return cost * 100 * math.Abs(a.Target/a.Current-1)
}

// upperBound returns the upper end of the widest prediction interval of
// res, when it has one.
func upperBound(res fallback.Result) (float64, bool) {
	if len(res.Intervals) == 0 {
		return 0, false
	}
	iv := res.Intervals[0]
	for _, v := range res.Intervals[1:] {
		if v.Level > iv.Level {
			iv = v
		}
	}
	return iv.Upper, !math.IsNaN(iv.Upper) && !math.IsInf(iv.Upper, 0)
}

// foreignCurrency returns the goal's currency when it is not USD, the
// benchmarks' currency; empty otherwise.
func foreignCurrency(g goal.Goal) string {
	for _, c := range []string{g.Currency, g.BudgetCurrency} {
		if c != "" && c != "USD" {
			return c
		}
	}
	return ""
}
