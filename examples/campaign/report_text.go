package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/strata-go/strata/fallback"
)

// writeText writes the readable report: the plan, then one data-quality
// line per figure, then what was tried for the figures the primaries did
// not answer. It prints no timings, so a seeded run prints the same
// report every time.
func writeText(w io.Writer, g *generation) error {
	b, p := g.Brief, g.Plan
	fs := g.Figures
	var sb strings.Builder
	fmt.Fprintf(&sb, "Campaign plan: %s in %s, month %s, goal: %s\n", b.Industry, strings.ToUpper(b.Market), b.Month, b.Goal)
	fmt.Fprintf(&sb, "Budget %s a month over %d channels × %d keywords.\n", money(b.Budget), len(b.Channels), len(b.Keywords))
	season, growth, spend := fs.All[fs.season].Result.Value, fs.All[fs.growth].Result.Value, fs.All[fs.spend].Result.Value
	fmt.Fprintf(&sb, "Demand ×%.2f (%.2f–%.2f): seasonality %.2f, market growth %+.1f%%. Share of voice %s against %s of competitor spend.\n",
		p.Demand, p.DemandLo, p.DemandHi, season, 100*growth, pct(p.ShareOfVoice, 1), formatValue("competitor_spend", spend))
	if fs.sector >= 0 {
		f := fs.All[fs.sector]
		if f.Err == nil {
			fmt.Fprintf(&sb, "Market context: %s at %s (%s, %s).\n", sectorOf(b.Industry), formatValue("sector_price", f.Result.Value), f.Result.Source, formatAge(g.age(f)))
		} else {
			fmt.Fprintf(&sb, "Market context: %s unavailable.\n", sectorOf(b.Industry))
		}
	}
	if g.Faults != "" {
		fmt.Fprintf(&sb, "Injected faults: %s.\n", g.Faults)
	}
	sb.WriteString("\n")
	if _, err := io.WriteString(w, sb.String()); err != nil {
		return err
	}

	rows := [][]string{{"CHANNEL", "KEYWORD", "AMOUNT", "SHARE", "CPC", "CTR", "CONV RATE", "CPA", "CLICKS", "RANGE", "CONVERSIONS", "RANGE"}}
	for _, l := range p.Lines {
		rows = append(rows, []string{l.Channel, l.Keyword, money(l.Amount()), pct(l.Share, 1), fmt.Sprintf("$%.2f", l.CPC), pct(l.CTR, 2), pct(l.CR, 2), money(l.CPA),
			count(l.Clicks), count(l.ClicksLo) + "–" + count(l.ClicksHi), count(l.Conversions), count(l.ConvLo) + "–" + count(l.ConvHi)})
	}
	t := p.Total
	rows = append(rows, []string{"total", "", money(t.Amount()), pct(t.Share, 1), fmt.Sprintf("$%.2f", t.CPC), "", "", money(t.CPA),
		count(t.Clicks), count(t.ClicksLo) + "–" + count(t.ClicksHi), count(t.Conversions), count(t.ConvLo) + "–" + count(t.ConvHi)})
	if err := table(w, rows, []bool{false, false, true, true, true, true, true, true, true, true, true, true}); err != nil {
		return err
	}

	fmt.Fprintf(w, "\nData: %d figures for %s of a %s data budget; answered by %s.\n\n",
		len(fs.All), dollars3(g.DataCost), money(g.DataBudget), layerSummary(g.layerCounts()))
	rows = [][]string{{"FIGURE", "FOR", "VALUE", "RANGE", "LAYER", "SOURCE", "CONFIDENCE", "AGE", "COST"}}
	for _, f := range fs.All {
		if f.Err != nil {
			rows = append(rows, []string{f.DataType, paramValues(f.Params), "-", "-", "none", "-", "-", "-", dollars3(f.Result.Cost)})
			continue
		}
		lo, hi, _ := span(f)
		res := f.Result
		rows = append(rows, []string{f.DataType, paramValues(f.Params), formatValue(f.DataType, res.Value), formatSpan(f.DataType, lo, hi),
			res.Layer.String(), res.Source, fmt.Sprintf("%.2f", res.Confidence), formatAge(g.age(f)), dollars3(res.Cost)})
	}
	if err := table(w, rows, []bool{false, false, true, true, false, false, true, true, true}); err != nil {
		return err
	}

	var fallbacks []string
	for _, f := range fs.All {
		if f.Err != nil || f.Result.Layer != fallback.LayerPrimary {
			fallbacks = append(fallbacks, fmt.Sprintf("  %s (%s): %s\n", f.DataType, paramValues(f.Params), trail(f)))
		}
	}
	if len(fallbacks) > 0 {
		fmt.Fprintf(w, "\nFallbacks (what was tried, in order):\n%s", strings.Join(fallbacks, ""))
	}
	return nil
}

// dollars3 formats a data cost to a tenth of a cent.
func dollars3(v float64) string { return fmt.Sprintf("$%.3f", v) }
