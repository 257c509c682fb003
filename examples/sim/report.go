package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/strata-go/strata/fallback"
)

// report is the -json output: one scenario, both systems.
type report struct {
	Scenario    string        `json:"scenario"`
	WallSeconds float64       `json:"wall_seconds"`
	Systems     systemsReport `json:"systems"`
	// Host is the timer lag and the threads' wait for a CPU measured
	// during the run: an addition to the format, so a reader can
	// tell simulation noise, and a loaded machine, from latency.
	Host hostReport `json:"host"`
}

type systemsReport struct {
	Strata   systemReport `json:"strata"`
	Baseline systemReport `json:"baseline"`
}

// systemReport is one system's figures. Latencies are virtual; layers are
// shares of answered resolves; accuracy is over every value returned, on
// time or late.
type systemReport struct {
	Requests        int            `json:"requests"`
	Answered        int            `json:"answered"`
	Availability    float64        `json:"availability"`
	DeadlineMisses  int            `json:"deadline_misses"`
	Errors          map[string]int `json:"errors"`
	LatencyMS       latencyReport  `json:"latency_ms"`
	Cost            costReport     `json:"cost"`
	Layers          layerReport    `json:"layers"`
	Accuracy        accuracyReport `json:"accuracy"`
	ProviderCalls   int64          `json:"provider_calls"`
	CallsPerRequest float64        `json:"calls_per_request"`

	wall time.Duration
}

type latencyReport struct {
	P50  float64 `json:"p50"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

type costReport struct {
	Total           float64 `json:"total"`
	PerRequest      float64 `json:"per_request"`
	PerCampaignMean float64 `json:"per_campaign_mean"`
	PerCampaignMax  float64 `json:"per_campaign_max"`
}

type layerReport struct {
	Primary     float64 `json:"primary"`
	Secondary   float64 `json:"secondary"`
	Cache       float64 `json:"cache"`
	Statistical float64 `json:"statistical"`
	Default     float64 `json:"default"`
}

// accuracyReport is accuracy against the truth at each request's index.
type accuracyReport struct {
	MAPE        float64 `json:"mape"`
	Within5Pct  float64 `json:"within_5pct"`
	Within10Pct float64 `json:"within_10pct"`
	// Garbage counts the values outside [0.5×, 2×] the truth, and the
	// in-bounds garbage (ImplausibleServed) inside it.
	Garbage int `json:"garbage"`
	// ImplausibleServed counts the values returned that are in-bounds
	// garbage a provider answered: a unit error or a zero, or a frozen
	// value more than frozenOff from the truth — whichever layer served
	// it, flagged or not.
	ImplausibleServed int `json:"implausible_served"`
	// ImplausibleKinds splits ImplausibleServed by event kind (unit,
	// zero, frozen).
	ImplausibleKinds map[string]int `json:"implausible_kinds"`
	// Flagged counts the values returned flagged implausible
	// (Result.Implausible).
	Flagged int `json:"flagged"`
	// FalseRejections counts the provider answers failed as implausible
	// (an attempt with a *fallback.ImplausibleError) and not confirmed
	// whose value was within nearTruth of the truth; FalseRejectionRate
	// is their share of the values returned.
	FalseRejections    int     `json:"false_rejections"`
	FalseRejectionRate float64 `json:"false_rejection_rate"`
	// ImplausibleConfirmed counts the answers failed as implausible that
	// a second provider confirmed in the same resolve: real changes,
	// accepted.
	ImplausibleConfirmed int `json:"implausible_confirmed"`
	// Caught counts, by provider, the answers held back because their
	// provider was caught serving garbage (ImplausibleError.Caught: by
	// an audit, a refuted repeat or a refuted denial), whatever the
	// resolve served then: a provider caught shows here from its next
	// answer asked about, and how many tells how long it stayed caught.
	Caught map[string]int `json:"caught"`
	// StatisticalMAPE is the MAPE of the values from the statistical
	// layer alone (0 when there are none).
	StatisticalMAPE float64 `json:"statistical_mape"`

	statistical int // the values from the statistical layer
}

// The report's thresholds for in-bounds garbage and false rejections.
const (
	// frozenOff is how far from the truth a frozen value must be to count
	// as garbage: a frozen feed is harmless while the truth stays put.
	frozenOff = 0.15
	// nearTruth is how close to the truth a value rejected as
	// implausible must be for the rejection to count as false.
	nearTruth = 0.10
)

// isGarbage reports whether v, served for key at request served, is
// garbage, and if it is in-bounds garbage, of which kind:
//   - a value a provider answered as a unit error or a zero is in-bounds
//     garbage, and so is a frozen value more than frozenOff from the
//     truth when it was answered (its latest answer before it was
//     served);
//   - any other value a provider answered is garbage when it was outside
//     [0.5×, 2×] the truth at the request it answered, served then or
//     later from a cache: an answer that was right when given is stale
//     later, not garbage (staleness shows in the MAPE);
//   - a value no provider answered (a forecast, a default, garbage the
//     fake made) is garbage when it is outside [0.5×, 2×] the truth.
func isGarbage(w *world, v float64, served int64, key *simKey) (garbage bool, inBounds string) {
	truth := key.truthAt(served)
	if w != nil {
		if index, kind, ok := w.provenanceOf(v, served); ok {
			// Judged, like every answer, against the truth when it was
			// given.
			truth = key.truthAt(index)
			switch kind {
			case eventUnit, eventZero:
				return true, kind
			case eventFrozen:
				if math.Abs(v-truth) > frozenOff*truth {
					return true, kind
				}
				return false, ""
			}
		}
	}
	return !(v >= 0.5*truth && v <= 2*truth), ""
}

// errorKind names a failed or late resolve for the errors map.
func errorKind(err error) string {
	switch {
	case errors.Is(err, fallback.ErrBudgetExhausted):
		return "budget_exhausted"
	case errors.Is(err, fallback.ErrNoAnswer):
		return "no_answer"
	case errors.Is(err, fallback.ErrClosed):
		return "closed"
	case errors.Is(err, fallback.ErrInvalidParams), errors.Is(err, fallback.ErrUnknownDataType):
		return "invalid_request"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline_exceeded"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "other"
}

// summarize computes a system's figures from its records.
func summarize(sc *scenario, r runResult) systemReport {
	s := systemReport{Requests: len(r.records), Errors: map[string]int{}, ProviderCalls: r.calls, wall: r.wall}
	s.Accuracy.ImplausibleKinds = map[string]int{}
	s.Accuracy.Caught = map[string]int{}
	lat := make([]float64, 0, len(r.records))
	layers := map[string]int{}
	var values, within5, within10 int
	var ape, statAPE float64
	for _, rec := range r.records {
		lat = append(lat, float64(rec.latency)/float64(time.Millisecond))
		a := rec.answer
		switch {
		case a.err != nil:
			s.Errors[errorKind(a.err)]++
		case rec.late:
			s.Errors["late"]++
		default:
			s.Answered++
			layers[a.layer]++
		}
		truth := rec.key.truthAt(rec.index)
		for _, v := range a.rejected {
			if math.Abs(v-truth) <= nearTruth*truth {
				s.Accuracy.FalseRejections++
			}
		}
		s.Accuracy.ImplausibleConfirmed += a.confirmed
		for _, p := range a.caught {
			s.Accuracy.Caught[p]++
		}
		if a.err != nil {
			continue
		}
		values++
		rel := math.Abs(a.value-truth) / truth
		if math.IsNaN(rel) || math.IsInf(rel, 0) {
			rel = math.Inf(1)
		} else {
			ape += rel
			if a.layer == "statistical" {
				statAPE += rel
			}
		}
		if a.layer == "statistical" {
			s.Accuracy.statistical++
		}
		if rel <= 0.05 {
			within5++
		}
		if rel <= 0.10 {
			within10++
		}
		if a.flagged {
			s.Accuracy.Flagged++
		}
		if garbage, kind := isGarbage(r.world, a.value, rec.index, rec.key); garbage {
			s.Accuracy.Garbage++
			if kind != "" {
				s.Accuracy.ImplausibleServed++
				s.Accuracy.ImplausibleKinds[kind]++
			}
		}
	}
	n := float64(s.Requests)
	s.DeadlineMisses = s.Requests - s.Answered
	if s.Requests > 0 {
		s.Availability = float64(s.Answered) / n
		s.CallsPerRequest = float64(r.calls) / n
	}
	slices.Sort(lat)
	s.LatencyMS = latencyReport{
		P50: percentile(lat, 0.50), P95: percentile(lat, 0.95), P99: percentile(lat, 0.99),
		P999: percentile(lat, 0.999), Max: percentile(lat, 1),
	}
	if s.Answered > 0 {
		a := float64(s.Answered)
		s.Layers = layerReport{
			Primary:     float64(layers["primary"]) / a,
			Secondary:   float64(layers["secondary"]) / a,
			Cache:       float64(layers["cache"]) / a,
			Statistical: float64(layers["statistical"]) / a,
			Default:     float64(layers["default"]) / a,
		}
	}
	if values > 0 {
		v := float64(values)
		s.Accuracy.MAPE = ape / v
		s.Accuracy.Within5Pct = float64(within5) / v
		s.Accuracy.Within10Pct = float64(within10) / v
		s.Accuracy.FalseRejectionRate = float64(s.Accuracy.FalseRejections) / v
	}
	if n := s.Accuracy.statistical; n > 0 {
		s.Accuracy.StatisticalMAPE = statAPE / float64(n)
	}
	s.Cost.Total = float64(r.spent) / nano
	if s.Requests > 0 {
		s.Cost.PerRequest = s.Cost.Total / n
	}
	if len(r.campaigns) > 0 {
		var sum, mx float64
		for _, c := range r.campaigns {
			v := float64(c.spent.Load()) / nano
			sum += v
			mx = max(mx, v)
		}
		s.Cost.PerCampaignMean = sum / float64(len(r.campaigns))
		s.Cost.PerCampaignMax = mx
	}
	return s
}

// percentile returns the q-quantile of sorted values by nearest rank.
func percentile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// printTable writes the side-by-side table of one report.
func printTable(w io.Writer, sc *scenario, r *report) error {
	fmt.Fprintf(w, "scenario %s: %d requests, %d goroutines, deadline %v, time scale %g, wall %.1fs\n",
		r.Scenario, sc.Requests, min(sc.Concurrency, sc.Requests), sc.Deadline, sc.TimeScale, r.WallSeconds)
	fmt.Fprintf(w, "host timer lag (real): p50 %.3f ms, p99 %.3f ms, max %.1f ms — ×%.0f in virtual time",
		r.Host.TimerLagP50MS, r.Host.TimerLagP99MS, r.Host.TimerLagMaxMS, 1/sc.TimeScale)
	if r.Host.CPUWaitMS != nil {
		fmt.Fprintf(w, "; threads waited for a CPU %.0f ms in all", *r.Host.CPUWaitMS)
	}
	fmt.Fprint(w, "\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	s, b := r.Systems.Strata, r.Systems.Baseline
	row := func(name, format string, f func(systemReport) any) {
		fmt.Fprintf(tw, "%s\t"+format+"\t"+format+"\t\n", name, f(s), f(b))
	}
	fmt.Fprintf(tw, "\tstrata\tbaseline\t\n")
	row("answered", "%d", func(x systemReport) any { return x.Answered })
	row("availability", "%.4f", func(x systemReport) any { return x.Availability })
	row("deadline misses", "%d", func(x systemReport) any { return x.DeadlineMisses })
	row("errors", "%s", func(x systemReport) any { return formatErrors(x.Errors) })
	row("latency p50 ms", "%.1f", func(x systemReport) any { return x.LatencyMS.P50 })
	row("latency p95 ms", "%.1f", func(x systemReport) any { return x.LatencyMS.P95 })
	row("latency p99 ms", "%.1f", func(x systemReport) any { return x.LatencyMS.P99 })
	row("latency p99.9 ms", "%.1f", func(x systemReport) any { return x.LatencyMS.P999 })
	row("latency max ms", "%.1f", func(x systemReport) any { return x.LatencyMS.Max })
	row("cost total", "%.2f", func(x systemReport) any { return x.Cost.Total })
	row("cost per request", "%.4f", func(x systemReport) any { return x.Cost.PerRequest })
	row("cost per campaign mean", "%.4f", func(x systemReport) any { return x.Cost.PerCampaignMean })
	row("cost per campaign max", "%.4f", func(x systemReport) any { return x.Cost.PerCampaignMax })
	row("layer primary", "%.3f", func(x systemReport) any { return x.Layers.Primary })
	row("layer secondary", "%.3f", func(x systemReport) any { return x.Layers.Secondary })
	row("layer cache", "%.3f", func(x systemReport) any { return x.Layers.Cache })
	row("layer statistical", "%.3f", func(x systemReport) any { return x.Layers.Statistical })
	row("layer default", "%.3f", func(x systemReport) any { return x.Layers.Default })
	row("MAPE", "%.4f", func(x systemReport) any { return x.Accuracy.MAPE })
	row("within 5%", "%.4f", func(x systemReport) any { return x.Accuracy.Within5Pct })
	row("within 10%", "%.4f", func(x systemReport) any { return x.Accuracy.Within10Pct })
	row("statistical MAPE", "%s", func(x systemReport) any { return statisticalMAPE(x) })
	row("garbage answers", "%d", func(x systemReport) any { return x.Accuracy.Garbage })
	row("implausible served", "%s", func(x systemReport) any {
		if x.Accuracy.ImplausibleServed == 0 {
			return "0"
		}
		return fmt.Sprintf("%d (%s)", x.Accuracy.ImplausibleServed, formatErrors(x.Accuracy.ImplausibleKinds))
	})
	row("flagged", "%d", func(x systemReport) any { return x.Accuracy.Flagged })
	row("false rejections", "%s", func(x systemReport) any {
		return fmt.Sprintf("%d (%.2f%%)", x.Accuracy.FalseRejections, 100*x.Accuracy.FalseRejectionRate)
	})
	row("implausible confirmed", "%d", func(x systemReport) any { return x.Accuracy.ImplausibleConfirmed })
	row("caught", "%s", func(x systemReport) any { return formatErrors(x.Accuracy.Caught) })
	row("provider calls", "%d", func(x systemReport) any { return x.ProviderCalls })
	row("calls per request", "%.3f", func(x systemReport) any { return x.CallsPerRequest })
	row("wall s", "%.2f", func(x systemReport) any { return x.wall.Seconds() })
	return tw.Flush()
}

// statisticalMAPE formats the statistical layer's MAPE, "-" when it
// served no value.
func statisticalMAPE(s systemReport) string {
	if s.Accuracy.statistical == 0 {
		return "-"
	}
	return fmt.Sprintf("%.4f", s.Accuracy.StatisticalMAPE)
}

// formatErrors formats counts by kind ("late:2,no_answer:1"), "-" for
// none.
func formatErrors(m map[string]int) string {
	if len(m) == 0 {
		return "-"
	}
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s:%d", k, m[k]))
	}
	return strings.Join(parts, ",")
}

// printMarkdown writes the table of several reports, one row per scenario
// and system.
func printMarkdown(w io.Writer, reports []*report) {
	fmt.Fprintln(w, "| scenario | system | avail. | misses | p50 ms | p99 ms | cost | campaign max | layers P/S/C/St/D % | within 5% | MAPE | stat. MAPE | garbage | impl. served | flagged | false rej. | calls/req | wall s |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range reports {
		for _, sys := range []struct {
			name string
			s    systemReport
		}{{"strata", r.Systems.Strata}, {"baseline", r.Systems.Baseline}} {
			s := sys.s
			l := s.Layers
			a := s.Accuracy
			fmt.Fprintf(w, "| %s | %s | %.4f | %d | %.0f | %.0f | %.2f | %.3f | %.0f/%.0f/%.0f/%.0f/%.0f | %.3f | %.4f | %s | %d | %d | %d | %d (%.2f%%) | %.3f | %.1f |\n",
				r.Scenario, sys.name, s.Availability, s.DeadlineMisses, s.LatencyMS.P50, s.LatencyMS.P99,
				s.Cost.Total, s.Cost.PerCampaignMax,
				100*l.Primary, 100*l.Secondary, 100*l.Cache, 100*l.Statistical, 100*l.Default,
				a.Within5Pct, a.MAPE, statisticalMAPE(s), a.Garbage, a.ImplausibleServed, a.Flagged,
				a.FalseRejections, 100*a.FalseRejectionRate, s.CallsPerRequest, s.wall.Seconds())
		}
	}
}
