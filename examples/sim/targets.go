package main

import (
	"fmt"
	"io"
)

// printTargets checks the targets against the reports of the
// shipped scenarios and writes one line per target: met or not, with the
// numbers.
func printTargets(w io.Writer, scs map[string]*scenario, reports []*report) {
	byName := map[string]*report{}
	for _, r := range reports {
		byName[r.Scenario] = r
	}
	check := func(ok bool, format string, args ...any) {
		mark := "met    "
		if !ok {
			mark = "NOT MET"
		}
		fmt.Fprintf(w, "- %s %s\n", mark, fmt.Sprintf(format, args...))
	}
	fmt.Fprintln(w, "Targets:")
	for _, r := range reports {
		sc := scs[r.Scenario]
		s, b := r.Systems.Strata, r.Systems.Baseline
		deadlineMS := float64(sc.Deadline.Milliseconds())
		errs := ""
		if len(s.Errors) > 0 {
			errs = " (" + formatErrors(s.Errors) + ")"
		}
		check(s.Availability == 1 && s.DeadlineMisses == 0,
			"%s: strata availability %.4f, %d deadline misses%s (want 1.0 and 0)", r.Scenario, s.Availability, s.DeadlineMisses, errs)
		check(s.LatencyMS.P99 <= deadlineMS,
			"%s: strata p99 %.0f ms (deadline %.0f ms)", r.Scenario, s.LatencyMS.P99, deadlineMS)
		check(s.Accuracy.Garbage == 0,
			"%s: strata garbage answers %d (baseline %d)", r.Scenario, s.Accuracy.Garbage, b.Accuracy.Garbage)
		if c := sc.Campaign; c != nil {
			check(s.Cost.PerCampaignMax <= c.Budget+1e-9,
				"%s: strata per-campaign max cost %.4f within the budget %.4f (baseline %.4f)", r.Scenario, s.Cost.PerCampaignMax, c.Budget, b.Cost.PerCampaignMax)
		}
		check(r.WallSeconds < 30, "%s: wall time %.1f s (want under 30 s)", r.Scenario, r.WallSeconds)
	}
	for _, name := range []string{"steady", "primary-outage", "garbage-data", "flapping"} {
		if r := byName[name]; r != nil {
			check(r.Systems.Strata.Accuracy.Within5Pct >= 0.95,
				"%s: strata within_5pct %.4f (want ≥ 0.95; baseline %.4f)", name, r.Systems.Strata.Accuracy.Within5Pct, r.Systems.Baseline.Accuracy.Within5Pct)
		}
	}
	if r := byName["blackout"]; r != nil {
		s, b := r.Systems.Strata.Accuracy.MAPE, r.Systems.Baseline.Accuracy.MAPE
		check(s <= b/2, "blackout: strata MAPE %.4f at most half the baseline's %.4f", s, b)
	}
	if r := byName["slow-tail"]; r != nil {
		s, b := r.Systems.Strata, r.Systems.Baseline
		check(s.LatencyMS.P99 <= b.LatencyMS.P99/3,
			"slow-tail: strata p99 %.0f ms at most a third of the baseline's %.0f ms (ratio %.2f)", s.LatencyMS.P99, b.LatencyMS.P99, ratio(s.LatencyMS.P99, b.LatencyMS.P99))
		check(float64(s.ProviderCalls) <= 1.1*float64(b.ProviderCalls),
			"slow-tail: strata provider calls %d at most 10%% over the baseline's %d (ratio %.2f)", s.ProviderCalls, b.ProviderCalls, ratio(float64(s.ProviderCalls), float64(b.ProviderCalls)))
	}
	// Every scenario with in-bounds garbage (unit, zero, frozen events)
	// serves none of it; every one with such garbage or a real move
	// (a truth event) rejects at most 1 % of answers wrongly.
	for _, r := range reports {
		sc := scs[r.Scenario]
		garbage, moves := sc.inBoundsGarbage(), len(sc.TruthEvents) > 0
		s, b := r.Systems.Strata.Accuracy, r.Systems.Baseline.Accuracy
		if garbage {
			check(s.ImplausibleServed == 0,
				"%s: strata in-bounds garbage served %d%s (want 0; baseline %d)", r.Scenario, s.ImplausibleServed, kinds(s.ImplausibleKinds), b.ImplausibleServed)
		}
		if garbage || moves {
			check(s.FalseRejectionRate <= 0.01,
				"%s: strata false rejections %d, %.2f%% of answers (want ≤ 1%%)", r.Scenario, s.FalseRejections, 100*s.FalseRejectionRate)
		}
	}
	if r, u := byName["market-shift"], byName["market-shift-unadjusted"]; r != nil && u != nil {
		a, b := r.Systems.Strata.Accuracy.StatisticalMAPE, u.Systems.Strata.Accuracy.StatisticalMAPE
		check(a <= b/2, "market-shift: strata statistical MAPE %.4f with the market adjustment at most half the %.4f without (ratio %.2f)", a, b, ratio(a, b))
	}
	if r := byName["steady"]; r != nil {
		s, b := r.Systems.Strata.Cost.Total, r.Systems.Baseline.Cost.Total
		check(s <= b, "steady: strata total cost %.2f at or below the baseline's %.2f", s, b)
	}
}

// kinds formats counts by kind in parentheses, or nothing for none.
func kinds(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	return " (" + formatErrors(m) + ")"
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
