package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/strata-go/strata/examples/internal/cli"
)

//go:embed scenarios/*.yaml
var shipped embed.FS

// shippedOrder is the order -all runs and reports the shipped scenarios.
var shippedOrder = []string{
	"steady", "primary-outage", "blackout", "slow-tail", "rate-limit-storm",
	"garbage-data", "in-bounds-garbage", "correlated-garbage", "lone-real-move", "flapping",
	"budget-squeeze", "correlated",
	"market-shift", "market-shift-unadjusted", "blackout-herd",
}

// overrides are the command line's changes to a scenario; zero leaves the
// scenario's own value.
type overrides struct {
	requests    int
	concurrency int
	timeScale   float64
}

func (o overrides) apply(sc *scenario) {
	if o.requests > 0 {
		sc.Requests = o.requests
	}
	if o.concurrency > 0 {
		sc.Concurrency = o.concurrency
	}
	if o.timeScale > 0 {
		sc.TimeScale = o.timeScale
	}
}

// run is the whole program: it runs the scenario (or every shipped one)
// the flags name and writes the report to stdout. -help prints the usage
// and every flag to stdout and returns nil. With -all, a line per finished
// scenario goes to progress, unless progress is nil or -q is given; main
// passes stderr when it is a terminal, so a pipe or a log gets no
// progress. Nothing but the report is written to stdout.
func run(ctx context.Context, args []string, stdout, progress io.Writer) error {
	fl := cli.NewFlagSet("sim")
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "usage: sim -scenario FILE [flags] | sim -all [flags]\n\nRuns fault scenarios through strata and a failsafe-go baseline and compares them (see docs/sim.md).\n-all takes about 5 minutes and reports each finished scenario on stderr when it is a terminal.\n\nflags:")
		fl.PrintDefaults()
	}
	file := fl.String("scenario", "", "scenario `file` (YAML); see docs/sim.md")
	asJSON := fl.Bool("json", false, "print one JSON object (with -all, one per line)")
	all := fl.Bool("all", false, "run every shipped scenario and print a markdown table and the targets")
	quiet := fl.Bool("q", false, "quiet: no progress on stderr")
	requests := cli.Define(fl, "requests", 0, "override the scenario's request count (`N` > 0)", "want a whole number above 0", cli.Whole, func(v int) bool { return v > 0 })
	concurrency := cli.Define(fl, "concurrency", 0, "override the scenario's concurrency (`N` > 0 goroutines)", "want a whole number above 0", cli.Whole, func(v int) bool { return v > 0 })
	timeScale := cli.Define(fl, "time-scale", 0, "override the scenario's time `scale`: real seconds per virtual second, above 0 and at most 10", "want a number above 0, at most 10 (real seconds per virtual second)", cli.Number, func(v float64) bool { return v > 0 && v <= 10 })
	if help, err := fl.ParseArgs(args, stdout, usage); help || err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: sim takes flags only (sim -help lists them)", fl.Arg(0))
	}
	o := overrides{requests: *requests, concurrency: *concurrency, timeScale: *timeScale}
	if *quiet || progress == nil {
		progress = io.Discard
	}
	switch {
	case *all && *file != "":
		return errors.New("-all and -scenario exclude each other: give one")
	case *all:
		return runAll(ctx, stdout, progress, o, *asJSON)
	case *file == "":
		return errors.New("no scenario: give -scenario FILE, or -all for every shipped scenario (sim -help lists the flags)")
	}

	sc, err := loadScenario(*file)
	if err != nil {
		return err
	}
	o.apply(sc)
	rep, err := simulate(ctx, sc)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(rep)
	}
	return printTable(stdout, sc, rep)
}

// shippedScenario parses the shipped scenario name.
func shippedScenario(name string) (*scenario, error) {
	data, err := fs.ReadFile(shipped, path.Join("scenarios", name+".yaml"))
	if err != nil {
		return nil, err
	}
	sc, err := parseScenario(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return sc, nil
}

// runAll runs the shipped scenarios in order, writing a line to progress
// as each finishes.
func runAll(ctx context.Context, stdout, progress io.Writer, o overrides, asJSON bool) error {
	var reports []*report
	scs := map[string]*scenario{}
	start := time.Now()
	for i, name := range shippedOrder {
		sc, err := shippedScenario(name)
		if err != nil {
			return err
		}
		o.apply(sc)
		rep, err := simulate(ctx, sc)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(progress, "sim: %d/%d %s done (%.1fs elapsed)\n", i+1, len(shippedOrder), name, time.Since(start).Seconds())
		if asJSON {
			if err := json.NewEncoder(stdout).Encode(rep); err != nil {
				return err
			}
		}
		reports = append(reports, rep)
		scs[rep.Scenario] = sc
	}
	if asJSON {
		return nil
	}
	printMarkdown(stdout, reports)
	fmt.Fprintln(stdout)
	var b strings.Builder
	printTargets(&b, scs, reports)
	_, err := io.WriteString(stdout, b.String())
	return err
}
