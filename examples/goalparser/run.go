package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/strata-go/strata/examples/goalparser/goal"
	"github.com/strata-go/strata/examples/internal/cli"
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

// Limits of the flags.
const (
	maxHorizon = 120  // months
	maxHistory = 1200 // months
)

// Patterns of config.yaml's industry and market params, checked here so
// that a bad flag is refused in words.
var (
	industryRe = regexp.MustCompile(`^[a-z_]{2,32}$`)
	marketRe   = regexp.MustCompile(`^[a-z]{2}$`)
)

// usageLine is the first line of -help and of the error for no goals.
const usageLine = `usage: goalparser [flags] "GOAL"...`

// parseFlags reads the flags and returns the goals after them; help is
// true when -help was given (the usage is then written to stdout).
func parseFlags(args []string, stdout io.Writer) (o options, goals []string, help bool, err error) {
	fs := cli.NewFlagSet("goalparser")
	usage := func(w io.Writer) {
		fmt.Fprintln(w, usageLine+`

Reads marketing goals written as a person writes them ("grow leads 20% by
June with a $10k budget") and says whether each is realistic, a stretch or
unrealistic, from benchmarks resolved through strata (seeded fake
providers, offline). Quote each goal; single quotes keep the shell off "$".

flags:`)
		fs.PrintDefaults()
	}
	fs.BoolVar(&o.JSON, "json", false, "print one JSON object per goal, one a line")
	now := fs.String("now", "", "today's `date`, YYYY-MM-DD, that deadlines count from (default today)")
	outage := fs.String("outage", outageNone, "take providers down: none, primary (the benchmark API) or all")
	seed := cli.Define(fs, "seed", uint64(7), "seed of the fake benchmark data (a whole number `N`)", "want a whole number, 0 or more", cli.Natural, nil)
	industry := fs.String("industry", "saas", "industry the benchmarks are for: 2 to 32 letters and _ (saas, ecommerce...)")
	market := fs.String("market", "us", "two-letter market the benchmarks are for (us, gb, de...)")
	horizon := cli.Define(fs, "horizon", 12.0, "`months` a goal without a deadline is judged over, above 0 and at most 120",
		"want months above 0, at most 120", cli.Number, func(v float64) bool { return v > 0 && v <= maxHorizon })
	history := cli.Define(fs, "history", 24, "`months` of metric_growth history to preload for forecasts, 0 (none) to 1200",
		"want a whole number of months, 0 to 1200", cli.Whole, func(v int) bool { return v >= 0 && v <= maxHistory })
	if help, err := fs.ParseArgs(args, stdout, usage); help || err != nil {
		return o, nil, help, err
	}
	o.Seed, o.Horizon, o.History = *seed, *horizon, *history
	if *now == "" {
		y, m, d := time.Now().Date()
		o.Today = time.Date(y, m, d, 0, 0, 0, 0, time.Local)
	} else {
		t, err := time.Parse(time.DateOnly, strings.TrimSpace(*now))
		if err != nil {
			return o, nil, false, fmt.Errorf("-now %q: want a date written YYYY-MM-DD, such as 2026-11-25", *now)
		}
		o.Today = t
	}
	switch o.Outage = strings.ToLower(strings.TrimSpace(*outage)); o.Outage {
	case outageNone, outagePrimary, outageAll:
	default:
		return o, nil, false, fmt.Errorf("-outage %q: want none, primary (the benchmark API is down) or all (every provider is down)", *outage)
	}
	if o.Industry = strings.ToLower(strings.TrimSpace(*industry)); !industryRe.MatchString(o.Industry) {
		return o, nil, false, fmt.Errorf("-industry %q: want 2 to 32 letters and _, such as saas, ecommerce or b2b_software", *industry)
	}
	if o.Market = strings.ToLower(strings.TrimSpace(*market)); !marketRe.MatchString(o.Market) {
		return o, nil, false, fmt.Errorf("-market %q: want a two-letter market code, such as us, gb or de", *market)
	}
	if fs.NArg() == 0 {
		return o, nil, false, errNoGoals
	}
	return o, fs.Args(), false, nil
}

// run is the whole program: it judges every goal in args and writes one
// block (or, with -json, one line) per goal to stdout. It returns an error
// wrapping errUnreadable or errUnresolved, after every goal is written,
// when some goal could not be read or judged.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	o, texts, help, err := parseFlags(args, stdout)
	if help || err != nil {
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
