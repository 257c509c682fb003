package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/strata-go/strata/examples/goalparser/goal"
	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/stats"
)

// options are the command's flags.
type options struct {
	JSON     bool
	Today    time.Time
	Outage   string
	Seed     uint64
	Industry string
	Market   string
	Horizon  float64
	History  int
}

// parseFlags reads the flags and returns the goals after them.
func parseFlags(args []string, stdout io.Writer) (options, []string, error) {
	var o options
	fs := flag.NewFlagSet("goalparser", flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: goalparser [flags] "GOAL"...`)
		fs.PrintDefaults()
	}
	fs.BoolVar(&o.JSON, "json", false, "print one JSON object per goal, one a line")
	now := fs.String("now", "", "today's date, YYYY-MM-DD, that deadlines count from (default today)")
	fs.StringVar(&o.Outage, "outage", outageNone, "take providers down: none, primary (the benchmark API) or all")
	fs.Uint64Var(&o.Seed, "seed", 7, "seed of the fake benchmark data")
	fs.StringVar(&o.Industry, "industry", "saas", "industry the benchmarks are for (lowercase, a-z and _)")
	fs.StringVar(&o.Market, "market", "us", "two-letter market the benchmarks are for")
	fs.Float64Var(&o.Horizon, "horizon", 12, "months a goal without a deadline is judged over")
	fs.IntVar(&o.History, "history", 24, "months of metric_growth history to preload for forecasts (0: none)")
	if err := fs.Parse(args); err != nil {
		return o, nil, err
	}
	if *now == "" {
		y, m, d := time.Now().Date()
		o.Today = time.Date(y, m, d, 0, 0, 0, 0, time.Local)
	} else {
		t, err := time.Parse(time.DateOnly, *now)
		if err != nil {
			return o, nil, fmt.Errorf("-now %q: want a date such as 2026-11-25", *now)
		}
		o.Today = t
	}
	if !(o.Horizon > 0 && o.Horizon <= 120) {
		return o, nil, fmt.Errorf("-horizon %v: want months in (0, 120]", o.Horizon)
	}
	if o.History < 0 {
		return o, nil, fmt.Errorf("-history %d: must not be negative", o.History)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return o, nil, errNoGoals
	}
	return o, fs.Args(), nil
}

// run is the whole program: it judges every goal in args and writes one
// block (or, with -json, one line) per goal to stdout. It returns an error
// wrapping errUnreadable or errUnresolved, after every goal is written,
// when some goal could not be read or judged.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	o, texts, err := parseFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}

	cfg, err := fallback.ParseConfig(configYAML)
	if err != nil {
		return fmt.Errorf("embedded config: %w", err)
	}
	w := newWorld(cfg, o.Seed)
	fakes, err := fakeProviders(w, o.Seed, o.Outage)
	if err != nil {
		return err
	}
	hist, err := stats.NewMemoryHistory(stats.MemoryConfig{})
	if err != nil {
		return err
	}
	opts := []fallback.Option{fallback.WithSeed(o.Seed), fallback.WithHistory(hist)}
	for name, p := range fakes {
		opts = append(opts, fallback.WithProvider(name, p))
	}
	r, err := fallback.New(cfg, opts...)
	if err != nil {
		return err
	}
	defer r.Close()

	// Bad -industry or -market values would fail every goal: refuse them
	// once, up front.
	if _, err := r.Key(dtGrowth, fallback.Params{"metric": "leads", "industry": o.Industry, "market": o.Market}); err != nil {
		return fmt.Errorf("-industry %q, -market %q: %w", o.Industry, o.Market, err)
	}
	if o.History > 0 {
		if err := preloadHistory(ctx, r, hist, w, o.Industry, o.Market, o.History, time.Now()); err != nil {
			return fmt.Errorf("history: %w", err)
		}
	}

	out := newPrinter(stdout, o.JSON)
	var unreadable, unresolved int
	for _, text := range texts {
		rep := assess(ctx, r, text, o)
		switch {
		case rep.ParseErr != nil:
			unreadable++
		case rep.ResolveErr != nil:
			unresolved++
		}
		if err := out.goal(rep); err != nil {
			return err
		}
	}
	if err := out.summary(); err != nil {
		return err
	}
	var errs []error
	if unreadable > 0 {
		errs = append(errs, fmt.Errorf("%w: %d of %d", errUnreadable, unreadable, len(texts)))
	}
	if unresolved > 0 {
		errs = append(errs, fmt.Errorf("%w: %d of %d", errUnresolved, unresolved, len(texts)))
	}
	return errors.Join(errs...)
}

// report is one goal's outcome: parsed and judged, or the error that
// stopped it.
type report struct {
	Text string
	// Goal and Metric are set when the text parsed.
	Goal   *goal.Goal
	Metric goal.Metric
	// ParseErr is the parser's error; ResolveErr a benchmark that could
	// not be resolved.
	ParseErr   error
	ResolveErr error
	// Evidence and Assessment are set when the goal was judged.
	Evidence   evidence
	Assessment assessment
}

// assess parses one goal, resolves the benchmarks it needs and judges it.
func assess(ctx context.Context, r *fallback.Resolver, text string, o options) report {
	rep := report{Text: text}
	g, err := goal.Parse(text, o.Today)
	if err != nil {
		rep.ParseErr = err
		return rep
	}
	rep.Goal = &g
	m, ok := goal.LookupMetric(g.Metric)
	if !ok {
		rep.ResolveErr = fmt.Errorf("metric %q is not known", g.Metric)
		return rep
	}
	rep.Metric = m
	params := fallback.Params{"metric": g.Metric, "industry": o.Industry, "market": o.Market}
	resolve := func(dataType string) (*figure, error) {
		res, err := r.Resolve(ctx, dataType, params)
		if err != nil {
			return nil, fmt.Errorf("resolving %s: %w", dataType, err)
		}
		return &figure{DataType: dataType, Params: params, Result: res}, nil
	}
	growth, err := resolve(dtGrowth)
	if err != nil {
		rep.ResolveErr = err
		return rep
	}
	rep.Evidence.growth = *growth
	if g.Baseline <= 0 {
		if rep.Evidence.level, err = resolve(dtLevel); err != nil {
			rep.ResolveErr = err
			return rep
		}
	}
	if g.Budget > 0 {
		if rep.Evidence.cost, err = resolve(dtCost); err != nil {
			rep.ResolveErr = err
			return rep
		}
	}
	rep.Assessment = judge(g, m, rep.Evidence, spanOf(g, o.Today, o.Horizon))
	return rep
}
