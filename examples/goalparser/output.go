package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/strata-go/strata/examples/goalparser/goal"
	"github.com/strata-go/strata/fallback"
)

// printer writes reports as text blocks or JSON lines, and counts what it
// wrote for the text summary.
type printer struct {
	w        io.Writer
	json     bool
	verdicts map[verdict]int
	failed   int
	layers   map[fallback.Layer]int
	cost     float64
}

func newPrinter(w io.Writer, asJSON bool) *printer {
	return &printer{w: w, json: asJSON, verdicts: map[verdict]int{}, layers: map[fallback.Layer]int{}}
}

// goal writes one report.
func (p *printer) goal(rep report) error {
	if rep.ParseErr != nil || rep.ResolveErr != nil {
		p.failed++
	} else {
		p.verdicts[rep.Assessment.Verdict]++
		for _, f := range rep.Evidence.figures() {
			p.layers[f.Result.Layer]++
			p.cost += f.Result.Cost
		}
	}
	if p.json {
		b, err := json.Marshal(jsonOf(rep))
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(p.w, "%s\n", b)
		return err
	}
	return p.text(rep)
}

// summary writes the text summary line; nothing with -json, whose output
// is one object per goal.
func (p *printer) summary() error {
	if p.json {
		return nil
	}
	total := p.failed
	for _, n := range p.verdicts {
		total += n
	}
	var layers []string
	for _, l := range fallback.Layers {
		if p.layers[l] > 0 {
			layers = append(layers, fmt.Sprintf("%s %d", l, p.layers[l]))
		}
	}
	if len(layers) == 0 {
		layers = []string{"none"}
	}
	noun := "goals"
	if total == 1 {
		noun = "goal"
	}
	_, err := fmt.Fprintf(p.w, "%d %s: %d realistic, %d stretch, %d unrealistic, %d failed; benchmarks by layer: %s; data cost $%.3f\n",
		total, noun, p.verdicts[realistic], p.verdicts[stretch], p.verdicts[unrealistic], p.failed, strings.Join(layers, ", "), p.cost)
	return err
}

// text writes one report as a block:
//
//	GOAL TEXT
//	  parsed     increase leads by 20% by 2027-09-30
//	  verdict    realistic, confidence 0.90
//	  ...
func (p *printer) text(rep report) error {
	var b strings.Builder
	b.WriteString(rep.Text + "\n")
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "  %-10s %s\n", label, fmt.Sprintf(format, args...))
	}
	switch {
	case rep.ParseErr != nil:
		line("error", "%v", rep.ParseErr)
	case rep.ResolveErr != nil:
		line("parsed", "%s", rep.Goal)
		line("error", "%v", rep.ResolveErr)
	default:
		g, m, a := rep.Goal, rep.Metric, rep.Assessment
		line("parsed", "%s", g)
		line("verdict", "%s, confidence %.2f", a.Verdict, a.Confidence)
		from := "benchmark"
		if a.CurrentStated {
			from = "stated"
		}
		line("levels", "%s now (%s), %s targeted", formatLevel(m.Kind, a.Current), from, formatLevel(m.Kind, a.Target))
		switch {
		case a.Impossible:
			line("needs", "an impossible level")
		case a.Met:
			line("needs", "nothing: already met")
		default:
			line("needs", "%s a month for %s months (%s)", formatPace(a.Required, a.Up), formatNumber(a.Span.Months), a.Span.From)
		}
		// The benchmark is signed like the move it is compared with: the
		// goal's, or the metric's better direction when nothing moves.
		up := !m.LowerIsBetter
		if !a.Met && !a.Impossible {
			up = a.Up
		}
		line("benchmark", "%s a month achievable, %s at a stretch", formatPace(a.Benchmark, up), formatPace(a.Ceiling, up))
		if a.BudgetChecked {
			budget := formatMoney(g.Budget)
			if c := g.BudgetCurrency; c != "" && c != "USD" {
				budget = thousands(math.Round(g.Budget)) + " " + c
			}
			line("budget", "%s against %s needed", budget, formatMoney(a.BudgetNeeded))
		}
		for _, n := range a.Notes {
			line("note", "%s", n)
		}
		if len(a.Degraded) > 0 {
			line("degraded", "%s", strings.Join(a.Degraded, ", "))
		}
		var fb strings.Builder
		tw := tabwriter.NewWriter(&fb, 0, 0, 2, ' ', 0)
		for _, f := range rep.Evidence.figures() {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.2f\n", f.DataType, formatValue(f.Result.Value), f.Result.Layer, f.Result.Source, f.Result.Confidence)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		label := "figures"
		for _, l := range strings.Split(strings.TrimSuffix(fb.String(), "\n"), "\n") {
			line(label, "%s", strings.TrimRight(l, " "))
			label = ""
		}
	}
	b.WriteString("\n")
	_, err := io.WriteString(p.w, b.String())
	return err
}

// jsonReport is the JSON line of one goal. goal, parsed, verdict,
// confidence and error are always present (null when they do not apply);
// the rest only for a judged goal.
type jsonReport struct {
	Goal       string     `json:"goal"`
	Parsed     *goal.Goal `json:"parsed"`
	Verdict    *verdict   `json:"verdict"`
	Confidence *float64   `json:"confidence"`
	Error      *string    `json:"error"`
	// Field is the part of the goal that could not be read ("amount",
	// "deadline"...), with a parse error.
	Field            string          `json:"error_field,omitempty"`
	Months           *float64        `json:"months,omitempty"`
	MonthsFrom       string          `json:"months_from,omitempty"`
	Current          *float64        `json:"current,omitempty"`
	CurrentFrom      string          `json:"current_from,omitempty"`
	Target           *float64        `json:"target,omitempty"`
	RequiredMonthly  *float64        `json:"required_monthly,omitempty"`
	BenchmarkMonthly *float64        `json:"benchmark_monthly,omitempty"`
	StretchMonthly   *float64        `json:"stretch_monthly,omitempty"`
	BudgetNeeded     *float64        `json:"budget_needed,omitempty"`
	WrongWay         bool            `json:"wrong_way,omitempty"`
	Degraded         []string        `json:"degraded,omitempty"`
	Notes            []string        `json:"notes,omitempty"`
	Benchmarks       []jsonBenchmark `json:"benchmarks,omitempty"`
}

// jsonBenchmark is one resolved figure.
type jsonBenchmark struct {
	DataType   string            `json:"data_type"`
	Params     map[string]string `json:"params"`
	Value      float64           `json:"value"`
	Layer      fallback.Layer    `json:"layer"`
	Source     string            `json:"source"`
	Confidence float64           `json:"confidence"`
	Lower      *float64          `json:"lower,omitempty"`
	Upper      *float64          `json:"upper,omitempty"`
	Cost       float64           `json:"cost"`
}

// jsonOf builds the JSON line of rep.
func jsonOf(rep report) jsonReport {
	j := jsonReport{Goal: rep.Text, Parsed: rep.Goal}
	num := func(v float64) *float64 { r := round6(v); return &r }
	str := func(s string) *string { return &s }
	var pe *goal.ParseError
	switch {
	case rep.ParseErr != nil:
		j.Error = str(rep.ParseErr.Error())
		if errors.As(rep.ParseErr, &pe) {
			j.Field = pe.Field
		}
		return j
	case rep.ResolveErr != nil:
		j.Error = str(rep.ResolveErr.Error())
		return j
	}
	a := rep.Assessment
	v := a.Verdict
	j.Verdict = &v
	j.Confidence = num(math.Round(a.Confidence*100) / 100)
	j.Months, j.MonthsFrom = num(a.Span.Months), a.Span.From
	j.Current, j.Target = num(a.Current), num(a.Target)
	j.CurrentFrom = "benchmark"
	if a.CurrentStated {
		j.CurrentFrom = "goal"
	}
	if !a.Impossible {
		j.RequiredMonthly = num(a.Required)
	}
	j.BenchmarkMonthly, j.StretchMonthly = num(a.Benchmark), num(a.Ceiling)
	if a.BudgetChecked {
		j.BudgetNeeded = num(a.BudgetNeeded)
	}
	j.WrongWay, j.Degraded, j.Notes = a.WrongWay, a.Degraded, a.Notes
	for _, f := range rep.Evidence.figures() {
		res := f.Result
		jb := jsonBenchmark{
			DataType: f.DataType, Params: f.Params, Value: round6(res.Value), Layer: res.Layer,
			Source: res.Source, Confidence: round6(res.Confidence), Cost: round6(res.Cost),
		}
		if len(res.Intervals) > 0 {
			iv := res.Intervals[0]
			for _, x := range res.Intervals[1:] {
				if x.Level > iv.Level {
					iv = x
				}
			}
			jb.Lower, jb.Upper = num(iv.Lower), num(iv.Upper)
		}
		j.Benchmarks = append(j.Benchmarks, jb)
	}
	return j
}

// round6 rounds v to six significant digits, for readable JSON.
func round6(v float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 6, 64), 64)
	if err != nil {
		return v
	}
	return r
}

// formatLevel writes a level of a metric of kind k: "3.2%", "4x", "$45",
// "1,200" (a count from 100 up in whole units).
func formatLevel(k goal.Kind, v float64) string {
	switch k {
	case goal.KindRate:
		return formatNumber(v) + "%"
	case goal.KindRatio:
		return formatNumber(v) + "x"
	case goal.KindMoney:
		return formatMoney(v)
	}
	if math.Abs(v) >= 100 {
		return thousands(math.Round(v)) // a count: whole units
	}
	return formatNumber(v)
}

// formatPace writes a monthly change: "+4.1%" up, "-4.1%" down.
func formatPace(v float64, up bool) string {
	sign := "+"
	if !up {
		sign = "-"
	}
	return sign + strconv.FormatFloat(100*v, 'f', 1, 64) + "%"
}

// formatMoney writes USD with thousands separators: "$50,000", "$35.50".
func formatMoney(v float64) string {
	if math.Abs(v) >= 1000 || v == math.Trunc(v) {
		return "$" + thousands(math.Round(v))
	}
	return "$" + strconv.FormatFloat(v, 'f', 2, 64)
}

// formatNumber writes v with thousands separators and at most two
// decimals below 1000 ("1,200", "3.25", "10.2").
func formatNumber(v float64) string {
	if math.Abs(v) >= 1000 {
		return thousands(math.Round(v))
	}
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// formatValue writes a benchmark value with its significant digits.
func formatValue(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1000:
		return thousands(math.Round(v))
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'f', 4, 64)
	}
}

// thousands writes an integral v with comma separators.
func thousands(v float64) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', 0, 64)
	var b strings.Builder
	if v < 0 {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
