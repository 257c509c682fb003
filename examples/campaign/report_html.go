package main

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/strata-go/strata/fallback"
)

//go:embed templates.html
var templatesHTML string

// templates are the report's and the dashboard's: html/template escapes
// every value, the SVG charts' labels included. A template that does not
// parse is a bug of this program, found by its tests.
var templates = template.Must(template.New("campaign").Parse(templatesHTML))

type card struct{ Value, Label string }

type lineView struct {
	Channel, Keyword                 string
	Amount, Share, CPC, CTR, CR, CPA string
	Clicks, ClicksRange              string
	Conversions, ConversionsRange    string
}

type planView struct {
	Lines []lineView
	Total lineView
}

type figureView struct {
	DataType, Params, Value, Range, Layer, Source, Confidence, Age, Cost, Trail string
}

type providerView struct {
	Name, Tier, Status, Health, Breaker, Requests, Success, P50, P95, Cost string
}

type reportView struct {
	Title         string
	Summary       []string
	Cards         []card
	Plan          planView
	BudgetChart   chart
	LayerChart    chart
	CostChart     chart
	DataTypeChart chart
	Providers     []providerView
	Figures       []figureView
	Generated     string
}

func viewOfLine(l line, total bool) lineView {
	v := lineView{
		Channel: l.Channel, Keyword: l.Keyword,
		Amount: money(l.Amount()), Share: pct(l.Share, 1), CPC: fmt.Sprintf("$%.2f", l.CPC), CPA: money(l.CPA),
		Clicks: count(l.Clicks), ClicksRange: count(l.ClicksLo) + "–" + count(l.ClicksHi),
		Conversions: count(l.Conversions), ConversionsRange: count(l.ConvLo) + "–" + count(l.ConvHi),
	}
	if !total {
		v.CTR, v.CR = pct(l.CTR, 2), pct(l.CR, 2)
	}
	return v
}

func viewOfPlan(p plan) planView {
	pv := planView{Total: viewOfLine(p.Total, true)}
	for _, l := range p.Lines {
		pv.Lines = append(pv.Lines, viewOfLine(l, false))
	}
	return pv
}

func viewOfProviders(ps []fallback.ProviderSnapshot) []providerView {
	var out []providerView
	for _, p := range ps {
		out = append(out, providerView{
			Name: p.Name, Tier: string(p.Tier), Status: p.Status.String(), Health: fmt.Sprintf("%.2f", p.Health),
			Breaker: p.Breaker, Requests: fmt.Sprintf("%d", p.Requests), Success: pct(p.SuccessRate, 1),
			P50: fmt.Sprintf("%.0fms", p.P50Ms), P95: fmt.Sprintf("%.0fms", p.P95Ms), Cost: fmt.Sprintf("$%.4f", p.Cost),
		})
	}
	return out
}

// dataTypeOrder lists the data types the way the plan uses them.
func dataTypeOrder(byType map[string]fallback.LayerShares) []string {
	order := []string{"cpc", "ctr", "conversion_rate", "market_growth", "competitor_spend", "seasonality_index", "sector_price"}
	var rest []string
	for name := range byType {
		if !slices.Contains(order, name) {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	return append(order, rest...)
}

// summary is the report's headline, shared by the HTML report and the
// dashboard.
func summary(g *generation) []string {
	b, p, fs := g.Brief, g.Plan, g.Figures
	out := []string{
		fmt.Sprintf("Budget %s a month over %s × %d keywords, goal: %s.", money(b.Budget), strings.Join(b.Channels, ", "), len(b.Keywords), b.Goal),
		fmt.Sprintf("Demand ×%.2f (%.2f–%.2f): seasonality %.2f, market growth %+.1f%%; share of voice %s against %s of competitor spend.",
			p.Demand, p.DemandLo, p.DemandHi, fs.All[fs.season].Result.Value, 100*fs.All[fs.growth].Result.Value,
			pct(p.ShareOfVoice, 1), formatValue("competitor_spend", fs.All[fs.spend].Result.Value)),
	}
	if g.Faults != "" {
		out = append(out, "Injected faults: "+g.Faults+".")
	}
	return out
}

// viewOfReport builds the HTML report's data.
func viewOfReport(g *generation) reportView {
	b, p := g.Brief, g.Plan
	v := reportView{
		Title:   fmt.Sprintf("Campaign plan: %s in %s, month %s", b.Industry, strings.ToUpper(b.Market), b.Month),
		Summary: summary(g),
		Cards: []card{
			{money(b.Budget), "monthly budget"},
			{count(p.Total.Clicks), "expected clicks"},
			{count(p.Total.Conversions), fmt.Sprintf("expected conversions (%s–%s)", count(p.Total.ConvLo), count(p.Total.ConvHi))},
			{money(p.Total.CPA), "cost per conversion"},
			{dollars3(g.DataCost), "data cost of " + money(g.DataBudget)},
			{fmt.Sprintf("%d", len(g.Figures.All)), "figures resolved"},
		},
		Plan:          viewOfPlan(p),
		BudgetChart:   budgetChart(p),
		LayerChart:    layerSharesChart("Answers of this plan by layer", halfWidth, g.layerCounts()),
		CostChart:     costChart(g.DataCost, g.DataBudget),
		DataTypeChart: dataTypeLayersChart("Answers by data type and layer", g.Snapshot.DataTypes, dataTypeOrder(g.Snapshot.DataTypes)),
		Providers:     viewOfProviders(g.Snapshot.Providers),
	}
	if !g.Snapshot.At.IsZero() {
		v.Generated = g.Snapshot.At.UTC().Format(time.RFC3339)
	}
	for _, f := range g.Figures.All {
		fv := figureView{DataType: f.DataType, Params: paramValues(f.Params), Trail: tried(f), Cost: dollars3(f.Result.Cost)}
		if f.Err == nil {
			lo, hi, _ := span(f)
			fv.Value, fv.Range = formatValue(f.DataType, f.Result.Value), formatSpan(f.DataType, lo, hi)
			fv.Layer, fv.Source = f.Result.Layer.String(), f.Result.Source
			fv.Confidence, fv.Age = fmt.Sprintf("%.2f", f.Result.Confidence), formatAge(g.age(f))
		} else {
			fv.Value, fv.Range, fv.Layer, fv.Source, fv.Confidence, fv.Age = "-", "-", "none", "-", "-", "-"
		}
		v.Figures = append(v.Figures, fv)
	}
	return v
}

// writeHTML writes the self-contained HTML report: inline CSS and SVG, no
// scripts, nothing fetched.
func writeHTML(w io.Writer, g *generation) error {
	return templates.ExecuteTemplate(w, "report", viewOfReport(g))
}
