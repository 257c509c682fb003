package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/strata-go/strata/examples/internal/cli"
	"github.com/strata-go/strata/providers"
)

// getenv reads the host's environment; tests replace it so that a key in
// the environment never sends a test to the network.
var getenv = os.Getenv

// run is the whole program: main only wires it to the process.
func run(ctx context.Context, args []string, stdout io.Writer) (err error) {
	fs := cli.NewFlagSet("campaign")
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "usage: campaign [flags]\n\nPlans an advertising campaign from market and advertising figures resolved through strata.\nOffline on seeded fake providers unless API keys are given.\n\nflags:")
		fs.PrintDefaults()
	}
	def := defaultBrief()
	briefFile := fs.String("brief", "", "read the brief from a YAML or JSON `file` (flags given too override it)")
	industry := fs.String("industry", def.Industry, "industry of the advertiser, in letters and _ (retail, ecommerce, home_goods...)")
	market := fs.String("market", def.Market, "two-letter market code (us, gb, de...)")
	month := fs.String("month", def.Month, "campaign month: 01 to 12, or jan to dec")
	budget := cli.Define(fs, "budget", def.Budget, "monthly advertising budget: an `amount`, 0.01 to 1000000000", wantBudget, cli.Number, func(v float64) bool { return checkBudget(v) == nil })
	channels := fs.String("channels", "search,social", "comma-separated channels: search, social, display")
	keywords := fs.String("keywords", "running shoes,trail shoes,hiking boots,walking shoes", "comma-separated keywords (at most 25, each at most 80 bytes)")
	goal := fs.String("goal", def.Goal, "what the plan maximises: conversions, clicks or impressions")

	dataBudget := cli.Define(fs, "data-budget", 1.00, "money (an `amount`) the whole generation may spend on data", "want an amount of money, 0 or more, such as 1 or 0.05", cli.Number, func(v float64) bool { return v >= 0 })
	deadline := cli.Define(fs, "deadline", 5*time.Second, "`duration` the whole generation may take (5s, 1500ms, 1m)", "want a duration above zero with its unit, such as 5s, 1500ms or 1m", cli.Duration, func(v time.Duration) bool { return v > 0 })
	parallel := cli.Define(fs, "parallel", 0, "`N` figures resolved at once; 0 means all (each then has the whole deadline)", "want a whole number, 0 or more (0: every figure at once)", cli.Whole, func(v int) bool { return v >= 0 })
	seed := cli.Define(fs, "seed", uint64(7), "seed of the fake providers and the synthetic history (a whole number `N`)", "want a whole number, 0 or more", cli.Natural, nil)
	outage := fs.String("outage", "", "take fake providers down: comma-separated names, or all (ads_api, analytics, market_data, benchmarks)")
	slow := fs.String("slow", "", "slow fake providers down: comma-separated names, or all")
	slowFactor := cli.Define(fs, "slow-factor", 20.0, "latency `multiplier` of -slow, 1 to 1000", "want a multiplier between 1 and 1000", cli.Number, func(v float64) bool { return v >= 1 && v <= 1000 })
	history := cli.Define(fs, "history", 0, "preload `N` periods of synthetic history per figure (0 to 1000), so forecasts can answer", "want a whole number of periods, 0 to 1000", cli.Whole, func(v int) bool { return v >= 0 && v <= 1000 })

	asJSON := fs.Bool("json", false, "print one JSON object instead of the text report")
	htmlFile := fs.String("html", "", "also write a self-contained HTML report to `file`")
	serveAddr := fs.String("serve", "", "serve a live dashboard on `addr` (e.g. 127.0.0.1:8080) and generate campaigns in a loop")
	servePublic := fs.Bool("serve-public", false, "allow -serve on a non-loopback address")
	chaos := fs.Bool("chaos", false, "with -serve, cycle through outages, slowness and a budget squeeze every 20s")
	stateFile := fs.String("state", "", "keep what strata learned in `file`: read at start when it exists, written at exit")

	fredKey := fs.String("fred-key", "", "FRED API `key`: real market growth for US markets (or STRATA_FRED_KEY)")
	avKey := fs.String("alphavantage-key", "", "Alpha Vantage API `key`: the sector ETF's price as context (or STRATA_ALPHAVANTAGE_KEY)")
	worldBank := fs.Bool("worldbank", false, "use the World Bank (no key) as a secondary source of market growth")
	fredURL := fs.String("fred-url", "", "FRED base `URL` (tests, proxies)")
	wbURL := fs.String("worldbank-url", "", "World Bank base `URL` (tests, proxies)")
	avURL := fs.String("alphavantage-url", "", "Alpha Vantage base `URL` (tests, proxies)")
	if help, err := fs.ParseArgs(args, stdout, usage); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: campaign takes flags only (campaign -help lists them)", fs.Arg(0))
	}

	// The brief: defaults, then the file, then the flags given.
	b := def
	if *briefFile != "" {
		var err error
		if b, err = loadBrief(*briefFile, b); err != nil {
			return err
		}
	}
	var flagErr error
	fs.Visit(func(f *flag.Flag) {
		var err error
		switch f.Name {
		case "industry":
			b.Industry, err = parseIndustry(*industry)
		case "market":
			b.Market, err = parseMarket(*market)
		case "month":
			b.Month, err = parseMonth(*month)
		case "budget":
			b.Budget = *budget
		case "channels":
			b.Channels, err = checkChannels(splitList(*channels))
		case "keywords":
			b.Keywords, err = checkKeywords(splitList(*keywords))
		case "goal":
			b.Goal, err = parseGoal(*goal)
		}
		if err != nil && flagErr == nil {
			flagErr = fmt.Errorf("-%s %q: %w", f.Name, f.Value, err)
		}
	})
	if flagErr != nil {
		return flagErr
	}
	if err := b.check(); err != nil {
		return fmt.Errorf("brief: %w", err)
	}
	for _, u := range []struct{ name, value string }{{"fred-url", *fredURL}, {"worldbank-url", *wbURL}, {"alphavantage-url", *avURL}} {
		if err := checkBaseURL(u.name, u.value); err != nil {
			return err
		}
	}
	f, err := parseFaults(*outage, *slow, *slowFactor)
	if err != nil {
		return err
	}

	ro := realOptions{
		FREDKey:         providers.NewSecret(firstOf(*fredKey, getenv("STRATA_FRED_KEY"))),
		AlphaVantageKey: providers.NewSecret(firstOf(*avKey, getenv("STRATA_ALPHAVANTAGE_KEY"))),
		WorldBank:       *worldBank,
		FREDURL:         *fredURL, WorldBankURL: *wbURL, AlphaVantageURL: *avURL,
	}
	so := stackOptions{Seed: *seed, Real: ro}
	var m *metrics
	if *serveAddr != "" {
		if err := checkLoopback(*serveAddr, *servePublic); err != nil {
			return err
		}
		so.TTL = serveTTL
		m = newMetrics()
		so.Observer = m.observer()
	}
	st, err := newStack(so)
	if err != nil {
		return err
	}
	defer st.Close()
	saveState, err := loadState(ctx, st.r, *stateFile)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, saveState()) }()

	gen := genOptions{
		DataBudget: *dataBudget, Deadline: *deadline, Parallel: *parallel,
		PerFigure: st.cfg.Resolve.Deadline, Sector: !ro.AlphaVantageKey.IsZero(),
	}
	if gen.PerFigure <= 0 {
		gen.PerFigure = 2 * time.Second
	}
	if *history > 0 {
		if err := st.preloadHistory(ctx, need(b, gen.Sector), *history, *seed, time.Now()); err != nil {
			return err
		}
	}

	if *serveAddr != "" {
		return serve(ctx, stdout, st, serveOptions{
			Addr: *serveAddr, Public: *servePublic, Chaos: *chaos, Brief: b, Gen: gen, Faults: f, Metrics: m,
		})
	}

	f.apply(st.fakes)
	g, err := generate(ctx, st.r, b, gen)
	if err != nil {
		return err
	}
	g.Faults = f.String()
	if *htmlFile != "" {
		if err := writeFile(*htmlFile, func(w io.Writer) error { return writeHTML(w, g) }); err != nil {
			return fmt.Errorf("-html: cannot write %s: %w", *htmlFile, unwrapPath(err))
		}
	}
	if *asJSON {
		return writeJSON(stdout, g)
	}
	if err := writeText(stdout, g); err != nil {
		return err
	}
	if *htmlFile != "" {
		fmt.Fprintf(stdout, "\nHTML report written to %s\n", *htmlFile)
	}
	return nil
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// writeFile writes a file through write, reporting the first error of
// writing or closing.
func writeFile(path string, write func(io.Writer) error) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(out); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
