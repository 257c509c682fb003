package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/strata-go/strata/fallback"
)

// figure is one fact of the plan, resolved.
type figure struct {
	DataType string
	Params   fallback.Params
	// Optional figures (market context) do not fail the generation when
	// no layer answers them.
	Optional bool
	Result   fallback.Result
	Err      error
}

// figures indexes a brief's figures for the plan.
type figures struct {
	All                           []figure
	growth, spend, season, sector int                       // -1 when absent
	convRate                      map[string]int            // channel → index
	cpc, ctr                      map[string]map[string]int // channel → keyword → index
	channels, keywords            []string
}

// need lists the figures a brief needs, market figures first, then per
// channel its conversion rate and per keyword its CPC and CTR. sector adds
// the industry's sector price (market context from Alpha Vantage).
func need(b brief, sector bool) *figures {
	fs := &figures{
		convRate: map[string]int{}, cpc: map[string]map[string]int{}, ctr: map[string]map[string]int{},
		channels: b.Channels, keywords: b.Keywords, sector: -1,
	}
	add := func(dataType string, p fallback.Params) int {
		fs.All = append(fs.All, figure{DataType: dataType, Params: p})
		return len(fs.All) - 1
	}
	fs.growth = add("market_growth", fallback.Params{"industry": b.Industry, "market": b.Market})
	fs.spend = add("competitor_spend", fallback.Params{"industry": b.Industry, "market": b.Market})
	fs.season = add("seasonality_index", fallback.Params{"industry": b.Industry, "month": b.Month})
	if sector {
		fs.sector = add("sector_price", fallback.Params{"industry": b.Industry})
		fs.All[fs.sector].Optional = true
	}
	for _, ch := range b.Channels {
		fs.convRate[ch] = add("conversion_rate", fallback.Params{"industry": b.Industry, "channel": ch})
		fs.cpc[ch], fs.ctr[ch] = map[string]int{}, map[string]int{}
		for _, kw := range b.Keywords {
			fs.cpc[ch][kw] = add("cpc", fallback.Params{"keyword": kw, "channel": ch, "market": b.Market})
			fs.ctr[ch][kw] = add("ctr", fallback.Params{"keyword": kw, "channel": ch, "market": b.Market})
		}
	}
	return fs
}

// generation is one campaign generation: the brief, every figure with its
// provenance, the plan, and what the data cost.
type generation struct {
	Brief      brief
	Figures    *figures
	Plan       plan
	DataCost   float64
	DataBudget float64
	// Faults describes the faults injected ("" for none).
	Faults   string
	Snapshot fallback.Snapshot
	Elapsed  time.Duration
}

// genOptions are a generation's limits.
type genOptions struct {
	// DataBudget is the money the whole generation may spend on data.
	DataBudget float64
	// Deadline bounds the whole generation; PerFigure each resolve.
	Deadline, PerFigure time.Duration
	// Parallel bounds the resolves in flight; zero means none. A bound
	// makes the later figures wait for a slot, and a figure whose turn
	// comes after the deadline has no answer.
	Parallel int
	// Sector adds the sector-price figure (with Alpha Vantage).
	Sector bool
}

// generate resolves every figure b needs through r — in parallel, with
// one money budget for the whole generation and an overall deadline — and
// plans the campaign from them.
func generate(ctx context.Context, r *fallback.Resolver, b brief, o genOptions) (*generation, error) {
	start := time.Now()
	fs := need(b, o.Sector)
	// Bad input is refused before any provider is called, and before any
	// figure is resolved: the resolver's own schema checks every figure.
	for _, f := range fs.All {
		if _, err := r.Key(f.DataType, f.Params); err != nil {
			return nil, fmt.Errorf("brief: %w", err)
		}
	}

	ctx = fallback.WithBudget(ctx, o.DataBudget)
	budget := fallback.BudgetFrom(ctx)
	ctx, cancel := context.WithTimeout(ctx, o.Deadline)
	defer cancel()

	var g errgroup.Group
	if o.Parallel > 0 {
		g.SetLimit(o.Parallel)
	}
	for i := range fs.All {
		f := &fs.All[i] // each goroutine writes only its own figure
		g.Go(func() error {
			fctx, cancel := context.WithTimeout(ctx, o.PerFigure)
			defer cancel()
			f.Result, f.Err = r.Resolve(fctx, f.DataType, f.Params)
			return nil
		})
	}
	_ = g.Wait() // the goroutines report through their figures

	var errs []error
	for _, f := range fs.All {
		if f.Err != nil && !f.Optional {
			errs = append(errs, fmt.Errorf("%s %s: %w", f.DataType, formatParams(f.Params), f.Err))
		}
	}
	if err := ctx.Err(); err != nil && len(errs) > 0 {
		return nil, fmt.Errorf("generation did not finish within %v: %w", o.Deadline, errors.Join(errs...))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	p, err := makePlan(b, fs)
	if err != nil {
		return nil, err
	}
	return &generation{
		Brief:      b,
		Figures:    fs,
		Plan:       p,
		DataCost:   budget.Spent(),
		DataBudget: budget.Limit(),
		Snapshot:   r.Snapshot(),
		Elapsed:    time.Since(start),
	}, nil
}

// layerCounts counts the generation's answers by layer, indexed by
// fallback.Layer.
func (g *generation) layerCounts() [len(fallback.Layers) + 1]int {
	var c [len(fallback.Layers) + 1]int
	for _, f := range g.Figures.All {
		if f.Err == nil && int(f.Result.Layer) < len(c) {
			c[f.Result.Layer]++
		}
	}
	return c
}

// age is how old a figure's value is at the time of the snapshot, never
// negative.
func (g *generation) age(f figure) time.Duration {
	if f.Result.ObservedAt.IsZero() {
		return 0
	}
	return max(g.Snapshot.At.Sub(f.Result.ObservedAt), 0)
}

// span is the range a figure's value is believed to lie in. A forecast
// (layer 4) carries prediction intervals: the one whose level is nearest
// 80% is used. Every other answer gets ±(1 − confidence) of its value
// (a provider at 0.95 confidence: ±5%; a configured default at 0.3:
// ±70%), at least ±2% and at most ±90%.
func span(f figure) (lo, hi float64, how string) {
	v := f.Result.Value
	if ivs := f.Result.Intervals; len(ivs) > 0 {
		best := ivs[0]
		for _, iv := range ivs[1:] {
			if math.Abs(iv.Level-0.8) < math.Abs(best.Level-0.8) {
				best = iv
			}
		}
		return best.Lower, best.Upper, fmt.Sprintf("%.0f%% prediction interval", 100*best.Level)
	}
	u := min(max(1-f.Result.Confidence, 0.02), 0.9)
	d := math.Abs(v) * u
	return v - d, v + d, fmt.Sprintf("±%.0f%% from confidence", 100*u)
}
