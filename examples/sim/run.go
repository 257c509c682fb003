package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

//go:embed scenarios/*.yaml
var shipped embed.FS

// shippedOrder is the order -all runs and reports the shipped scenarios.
var shippedOrder = []string{
	"steady", "primary-outage", "blackout", "slow-tail", "rate-limit-storm",
	"garbage-data", "flapping", "budget-squeeze", "correlated", "blackout-herd",
}

// overrides are the command line's changes to a scenario.
type overrides struct {
	requests    int
	concurrency int
	timeScale   float64
}

func (o overrides) apply(sc *scenario) error {
	if o.requests < 0 || o.concurrency < 0 || o.timeScale < 0 {
		return errors.New("-requests, -concurrency and -time-scale must not be negative")
	}
	if o.requests > 0 {
		sc.Requests = o.requests
	}
	if o.concurrency > 0 {
		sc.Concurrency = o.concurrency
	}
	if o.timeScale > 0 {
		if o.timeScale > 10 {
			return fmt.Errorf("-time-scale: must be in (0, 10], got %v", o.timeScale)
		}
		sc.TimeScale = o.timeScale
	}
	return nil
}

// run is the whole program: it runs the scenario (or every shipped one)
// the flags name and writes the report to stdout. -help prints the usage
// and every flag to stdout and returns nil.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("sim", flag.ContinueOnError)
	fl.SetOutput(stdout)
	fl.Usage = func() {
		fmt.Fprintln(fl.Output(), "usage: sim -scenario FILE [flags] | sim -all [flags]\n\nRuns fault scenarios through strata and a failsafe-go baseline and compares them (see docs/sim.md).\n\nflags:")
		fl.PrintDefaults()
	}
	file := fl.String("scenario", "", "scenario `file` (YAML); see docs/sim.md")
	asJSON := fl.Bool("json", false, "print one JSON object (with -all, one per line)")
	all := fl.Bool("all", false, "run every shipped scenario and print a markdown table and the targets")
	var o overrides
	fl.IntVar(&o.requests, "requests", 0, "override the scenario's request count")
	fl.IntVar(&o.concurrency, "concurrency", 0, "override the scenario's concurrency")
	fl.Float64Var(&o.timeScale, "time-scale", 0, "override the scenario's time scale (real seconds per virtual second)")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fl.Args())
	}
	switch {
	case *all && *file != "":
		return errors.New("-all and -scenario exclude each other")
	case *all:
		return runAll(ctx, stdout, o, *asJSON)
	case *file == "":
		return errors.New("-scenario FILE is required (or -all)")
	}

	sc, err := loadScenario(*file)
	if err != nil {
		return err
	}
	if err := o.apply(sc); err != nil {
		return err
	}
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

// runAll runs the shipped scenarios in order.
func runAll(ctx context.Context, stdout io.Writer, o overrides, asJSON bool) error {
	var reports []*report
	scs := map[string]*scenario{}
	for _, name := range shippedOrder {
		sc, err := shippedScenario(name)
		if err != nil {
			return err
		}
		if err := o.apply(sc); err != nil {
			return err
		}
		rep, err := simulate(ctx, sc)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
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
