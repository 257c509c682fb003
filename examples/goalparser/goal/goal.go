package goal

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Direction is which way a goal moves its metric.
type Direction string

// The directions of a goal.
const (
	// Increase: the metric goes up by Amount (in Unit).
	Increase Direction = "increase"
	// Decrease: the metric goes down by Amount (in Unit).
	Decrease Direction = "decrease"
	// Reach: the metric gets to the level Amount, whatever it is now.
	Reach Direction = "reach"
)

// Unit is what a goal's Amount measures.
type Unit string

// The units of a goal's amount.
const (
	// UnitPercent: Amount is a change relative to the current level, in
	// percent (20 means 20% more or less than now). Only with Increase and
	// Decrease; a Decrease is always below 100.
	UnitPercent Unit = "percent"
	// UnitMultiple: Amount is the factor the current level is multiplied
	// by: 2 for "double", 3 for "triple" or "by 3x", 0.5 for "halve" or
	// "cut in half", 1/3 for "cut 3x". Above 1 with Increase, below 1 with
	// Decrease. A "from 2% to 3%" goal is a multiple (1.5) with Baseline 2.
	UnitMultiple Unit = "multiple"
	// UnitAbsolute: Amount is in the metric's own units (see Kind): a count
	// of leads, a rate in percent (3 means 3%; as a change, percentage
	// points), or a ratio (4 means 4x). As a change with Increase and
	// Decrease, as a level with Reach.
	UnitAbsolute Unit = "absolute"
	// UnitCurrency: Amount is money, in Currency when one was written. Every
	// absolute amount of a KindMoney metric has this unit.
	UnitCurrency Unit = "currency"
)

// Goal is a marketing goal read from text by Parse. The zero Goal is not a
// valid goal; every Goal that Parse returns names a known Metric, a
// Direction, a positive finite Amount and a Unit.
type Goal struct {
	// Text is the goal as given to Parse.
	Text string
	// Metric is the canonical metric name; LookupMetric(Metric) describes it.
	Metric string
	// MetricLabel is the metric as written ("cost per acquisition").
	MetricLabel string
	// Direction is how the goal moves the metric.
	Direction Direction
	// Intent is the way the goal means to move the metric: equal to
	// Direction for Increase and Decrease; for Reach, the direction the
	// wording implies ("raise CTR to 3%": Increase; "CPA under $35":
	// Decrease), or empty when it implies none ("hit 500 signups").
	Intent Direction
	// Amount is the size of the change or the level to reach, in Unit. It
	// is positive and finite.
	Amount float64
	// Unit is what Amount measures.
	Unit Unit
	// Currency is the ISO 4217 code of a UnitCurrency amount ("USD" for
	// "$"), or empty when the amount was written without one.
	Currency string
	// Baseline is the current level when the goal states it ("from 2% to
	// 3%", "double revenue to $2M" states $1M), in the metric's own units;
	// 0 when it does not.
	Baseline float64
	// Deadline is the last day of the goal, at midnight in the location of
	// Parse's now; the zero Time when the goal has none. See the package
	// documentation for how periods resolve to days.
	Deadline time.Time
	// DeadlineText is the deadline as written, preposition included ("in
	// Q3", "by the end of the year", "QoQ"); empty when there is none.
	DeadlineText string
	// Basis is the comparison period of a growth rate written as "YoY",
	// "QoQ", "MoM" or "WoW" (stored lowercase: "yoy", "qoq", "mom",
	// "wow"); empty when the goal has none.
	Basis string
	// Budget is the money the goal may spend, positive; 0 when the goal
	// states no budget.
	Budget float64
	// BudgetCurrency is the ISO 4217 code of Budget, or empty when it was
	// written without one.
	BudgetCurrency string
}

// Target returns the level the goal aims for, given the metric's current
// level in the metric's own units (see Kind): current scaled or shifted by
// the change, or Amount for a Reach goal.
func (g Goal) Target(current float64) float64 {
	if g.Direction == Reach {
		return g.Amount
	}
	sign := 1.0
	if g.Direction == Decrease {
		sign = -1
	}
	switch g.Unit {
	case UnitPercent:
		return current * (1 + sign*g.Amount/100)
	case UnitMultiple:
		return current * g.Amount
	default:
		return current + sign*g.Amount
	}
}

// Improves reports whether the goal moves its metric in the metric's better
// direction (down for costs, up for the rest). known is false for a Reach
// goal whose wording implies no direction, and for an unknown metric.
func (g Goal) Improves() (better, known bool) {
	m, ok := LookupMetric(g.Metric)
	if !ok || g.Intent == "" || g.Intent == Reach {
		return false, false
	}
	return (g.Intent == Decrease) == m.LowerIsBetter, true
}

// String returns a canonical one-line summary of the goal, such as
//
//	increase qualified_leads by 20% by 2027-09-30 on a budget of 50000 USD
//
// The zero Goal's String is empty.
func (g Goal) String() string {
	if g.Metric == "" && g.Direction == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString(string(g.Direction))
	b.WriteByte(' ')
	b.WriteString(g.Metric)
	m, _ := LookupMetric(g.Metric)
	switch {
	case g.Unit == UnitMultiple:
		fmt.Fprintf(&b, " %sx", formatNumber(g.Amount))
	case g.Direction == Reach:
		fmt.Fprintf(&b, " to %s", g.level(m.Kind, g.Amount))
	case g.Unit == UnitPercent:
		fmt.Fprintf(&b, " by %s%%", formatNumber(g.Amount))
	case m.Kind == KindRate:
		fmt.Fprintf(&b, " by %s points", formatNumber(g.Amount))
	case m.Kind == KindRatio:
		fmt.Fprintf(&b, " by %s", formatNumber(g.Amount))
	default:
		fmt.Fprintf(&b, " by %s", g.level(m.Kind, g.Amount))
	}
	if g.Baseline != 0 {
		fmt.Fprintf(&b, " from %s", g.level(m.Kind, g.Baseline))
	}
	if g.Basis != "" {
		basis := map[string]string{"yoy": "YoY", "qoq": "QoQ", "mom": "MoM", "wow": "WoW"}[g.Basis]
		if basis == "" {
			basis = g.Basis
		}
		fmt.Fprintf(&b, " %s", basis)
	}
	if !g.Deadline.IsZero() {
		fmt.Fprintf(&b, " by %s", g.Deadline.Format(time.DateOnly))
	}
	if g.Budget != 0 {
		fmt.Fprintf(&b, " on a budget of %s", withCurrency(g.Budget, g.BudgetCurrency))
	}
	return b.String()
}

// level formats v in the units of a metric of kind k.
func (g Goal) level(k Kind, v float64) string {
	switch k {
	case KindRate:
		return formatNumber(v) + "%"
	case KindRatio:
		return formatNumber(v) + "x"
	case KindMoney:
		return withCurrency(v, g.Currency)
	}
	return formatNumber(v)
}

func withCurrency(v float64, cur string) string {
	if cur == "" {
		return formatNumber(v)
	}
	return formatNumber(v) + " " + cur
}

// formatNumber writes v with at most four decimals and no exponent.
func formatNumber(v float64) string {
	if r := math.Round(v*1e4) / 1e4; !math.IsInf(r, 0) {
		v = r
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// goalJSON is the JSON form of a Goal: the fields the goalparser's output
// promises first, then the detail.
type goalJSON struct {
	Metric         string    `json:"metric"`
	Direction      Direction `json:"direction"`
	Amount         float64   `json:"amount"`
	Unit           Unit      `json:"unit"`
	Deadline       *string   `json:"deadline"`
	Budget         *float64  `json:"budget"`
	MetricLabel    string    `json:"metric_label,omitempty"`
	Intent         Direction `json:"intent,omitempty"`
	Currency       string    `json:"currency,omitempty"`
	Baseline       float64   `json:"baseline,omitempty"`
	DeadlineText   string    `json:"deadline_text,omitempty"`
	Basis          string    `json:"basis,omitempty"`
	BudgetCurrency string    `json:"budget_currency,omitempty"`
}

// MarshalJSON encodes the goal as an object with the keys metric,
// direction, amount, unit, deadline ("YYYY-MM-DD", or null when there is
// none) and budget (null when there is none), then metric_label, intent,
// currency, baseline, deadline_text, basis and budget_currency when they
// are set. Text is not encoded: the goalparser prints it beside the object.
func (g Goal) MarshalJSON() ([]byte, error) {
	j := goalJSON{
		Metric: g.Metric, Direction: g.Direction, Amount: g.Amount, Unit: g.Unit,
		MetricLabel: g.MetricLabel, Intent: g.Intent, Currency: g.Currency,
		Baseline: g.Baseline, DeadlineText: g.DeadlineText, Basis: g.Basis,
		BudgetCurrency: g.BudgetCurrency,
	}
	if !g.Deadline.IsZero() {
		d := g.Deadline.Format(time.DateOnly)
		j.Deadline = &d
	}
	if g.Budget != 0 {
		b := g.Budget
		j.Budget = &b
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes what MarshalJSON encodes. The deadline is read as
// midnight UTC, and Text is left empty.
func (g *Goal) UnmarshalJSON(data []byte) error {
	var j goalJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	out := Goal{
		Metric: j.Metric, Direction: j.Direction, Amount: j.Amount, Unit: j.Unit,
		MetricLabel: j.MetricLabel, Intent: j.Intent, Currency: j.Currency,
		Baseline: j.Baseline, DeadlineText: j.DeadlineText, Basis: j.Basis,
		BudgetCurrency: j.BudgetCurrency,
	}
	if j.Deadline != nil {
		d, err := time.Parse(time.DateOnly, *j.Deadline)
		if err != nil {
			return fmt.Errorf("goal: deadline: %w", err)
		}
		out.Deadline = d
	}
	if j.Budget != nil {
		out.Budget = *j.Budget
	}
	*g = out
	return nil
}
