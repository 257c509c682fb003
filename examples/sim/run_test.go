package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// simulateShipped runs a shipped scenario with requests resolves inside a
// synctest bubble: time is virtual, so the run is exact and takes only the
// CPU it needs, and the bubble fails the test if any goroutine outlives
// the resolvers' Close.
func simulateShipped(t *testing.T, name string, requests int) *report {
	t.Helper()
	sc, err := shippedScenario(name)
	require.NoError(t, err)
	sc.Requests = requests
	if sc.Resolver.Kind == 0 {
		// In the bubble a fit costs no time, and the resolver is told
		// so: until it has timed a fit it assumes forecast.fit_time, real
		// CPU time (10ms), which at blackout-herd's time scale is more
		// than half its 20 ms deadline, and a 300-request run ends before
		// the clock lets a first fit through.
		var doc yaml.Node
		require.NoError(t, yaml.Unmarshal([]byte("forecast: {fit_time: 1ns}"), &doc))
		sc.Resolver = *doc.Content[0]
	}
	var rep *report
	synctest.Test(t, func(t *testing.T) {
		rep, err = simulate(t.Context(), sc)
	})
	require.NoError(t, err)
	return rep
}

// TestShippedScenarios runs every shipped scenario with 300 requests and
// checks the structural facts: strata answers every resolve on time and
// never answers garbage; each scenario's fault reaches the systems.
func TestShippedScenarios(t *testing.T) {
	for _, name := range shippedOrder {
		t.Run(name, func(t *testing.T) {
			rep := simulateShipped(t, name, 300)
			s, b := rep.Systems.Strata, rep.Systems.Baseline
			require.Equal(t, 300, s.Requests, "strata requests")
			require.Equal(t, 300, b.Requests, "baseline requests")
			assert.Equal(t, 1.0, s.Availability, "strata availability")
			assert.Zero(t, s.DeadlineMisses, "strata deadline misses")
			assert.Empty(t, s.Errors, "strata errors")
			if name != "in-bounds-garbage" { // see its case below
				assert.Zero(t, s.Accuracy.Garbage, "strata garbage values")
			}
			assert.LessOrEqual(t, s.LatencyMS.P99, 2000.0, "strata p99 (ms) over the 2 s deadline")
			l := s.Layers
			assert.InDelta(t, 1, l.Primary+l.Secondary+l.Cache+l.Statistical+l.Default, 0.001, "strata layer shares' sum")
			if name != "blackout" {
				assert.NotZero(t, s.ProviderCalls, "strata never reached a provider")
			}
			switch name {
			case "steady":
				assert.LessOrEqual(t, s.Cost.Total, b.Cost.Total, "steady: strata cost over the baseline's")
				assert.Equal(t, 1.0, b.Layers.Primary, "steady: baseline primary share")
			case "blackout":
				assert.Zero(t, l.Primary+l.Secondary+l.Cache, "blackout: strata layers %+v, want forecasts and defaults only", l)
				assert.Equal(t, 1.0, b.Layers.Default, "blackout: baseline layers %+v, want defaults only", b.Layers)
				assert.NotZero(t, l.Statistical, "blackout: no forecast: the history was not found under the resolver's key")
				assert.LessOrEqual(t, s.Accuracy.MAPE, b.Accuracy.MAPE/2, "blackout: strata MAPE over half the baseline's")
			case "blackout-herd":
				sc, err := shippedScenario(name)
				require.NoError(t, err)
				sc.Requests = 300
				distinct := map[*simKey]bool{}
				for _, seq := range workload(sc, compileKeys(sc)) {
					for _, k := range seq {
						distinct[k] = true
					}
				}
				assert.Greater(t, len(distinct), 100, "blackout-herd: distinct keys among 300 resolves")
				assert.NotZero(t, l.Statistical, "blackout-herd: no forecast after the warm-up")
				assert.Zero(t, b.Layers.Statistical, "blackout-herd: the baseline has no forecast")
				assert.LessOrEqual(t, s.Accuracy.MAPE, b.Accuracy.MAPE/2, "blackout-herd: strata MAPE over half the baseline's")
			case "garbage-data":
				assert.NotZero(t, b.Accuracy.Garbage, "garbage-data: the baseline answered no garbage: the fault did not reach it")
			case "in-bounds-garbage":
				// strata serves the frozen feed across the real shift (the
				// target is not met: docs/sim.md), and in a run this short
				// a unit error that is a cold key's first answer
				// (TestInBoundsGarbageScenario runs it whole).
				a := s.Accuracy
				assert.NotZero(t, b.Accuracy.ImplausibleServed, "in-bounds-garbage: the baseline served no in-bounds garbage: the fault did not reach it")
				assert.Less(t, a.ImplausibleServed, b.Accuracy.ImplausibleServed, "in-bounds-garbage: strata's in-bounds garbage served, against the baseline's")
				assert.Equal(t, a.ImplausibleServed, a.Garbage, "in-bounds-garbage: strata garbage other than in-bounds garbage (%v)", a.ImplausibleKinds)
			case "market-shift", "market-shift-unadjusted":
				assert.NotZero(t, l.Statistical, "%s: no forecast for the keys whose providers are down", name)
				assert.NotZero(t, l.Primary, "%s: the keys whose providers are up were never answered by one", name)
			case "budget-squeeze":
				assert.LessOrEqual(t, s.Cost.PerCampaignMax, 0.025+1e-9, "budget-squeeze: strata spent over the 0.025 budget in a campaign")
				assert.Greater(t, b.Cost.PerCampaignMax, 0.025, "budget-squeeze: the baseline's most per campaign: the budget does not squeeze")
			case "primary-outage", "correlated":
				assert.NotEqual(t, 1.0, b.Layers.Primary, "%s: the baseline's primaries always answered: the outage did not reach it", name)
			}
		})
	}
}

// jsonFields lists the keys of a JSON object and of its nested objects,
// as dotted paths.
func jsonFields(prefix string, v any, out *[]string) {
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	for k, c := range m {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		if strings.HasSuffix(prefix, ".errors") || strings.HasSuffix(prefix, ".implausible_kinds") {
			continue // the kinds vary
		}
		*out = append(*out, p)
		jsonFields(p, c, out)
	}
}

func TestRunJSONShape(t *testing.T) {
	var out bytes.Buffer
	args := []string{"-scenario", filepath.Join("scenarios", "primary-outage.yaml"), "-json", "-requests", "48", "-time-scale", "0.05"}
	require.NoError(t, run(context.Background(), args, &out, nil))
	dec := json.NewDecoder(bytes.NewReader(out.Bytes()))
	var v map[string]any
	require.NoError(t, dec.Decode(&v), "output is not JSON:\n%s", out.String())
	assert.False(t, dec.More(), "more than one JSON value")
	var got []string
	jsonFields("", v, &got)
	slices.Sort(got)
	sys := []string{"requests", "answered", "availability", "deadline_misses", "errors",
		"latency_ms", "latency_ms.p50", "latency_ms.p95", "latency_ms.p99", "latency_ms.p999", "latency_ms.max",
		"cost", "cost.total", "cost.per_request", "cost.per_campaign_mean", "cost.per_campaign_max",
		"layers", "layers.primary", "layers.secondary", "layers.cache", "layers.statistical", "layers.default",
		"accuracy", "accuracy.mape", "accuracy.within_5pct", "accuracy.within_10pct", "accuracy.garbage",
		"accuracy.implausible_served", "accuracy.implausible_kinds", "accuracy.flagged", "accuracy.false_rejections",
		"accuracy.false_rejection_rate", "accuracy.implausible_confirmed", "accuracy.caught", "accuracy.statistical_mape",
		"provider_calls", "calls_per_request"}
	want := []string{"scenario", "wall_seconds", "systems", "systems.strata", "systems.baseline",
		"host", "host.timer_lag_p50_ms", "host.timer_lag_p99_ms", "host.timer_lag_max_ms"}
	if _, ok := cpuWait(); ok {
		want = append(want, "host.cpu_wait_ms")
	}
	for _, s := range []string{"strata", "baseline"} {
		for _, f := range sys {
			want = append(want, "systems."+s+"."+f)
		}
	}
	slices.Sort(want)
	assert.Equal(t, want, got, "JSON fields")
	assert.Equal(t, "primary-outage", v["scenario"])
	strata := v["systems"].(map[string]any)["strata"].(map[string]any)
	assert.Equal(t, 48.0, strata["requests"], "strata requests")
}

func TestRunTable(t *testing.T) {
	var out bytes.Buffer
	args := []string{"-scenario", filepath.Join("scenarios", "steady.yaml"), "-requests", "32", "-time-scale", "0.05"}
	require.NoError(t, run(context.Background(), args, &out, nil))
	for _, want := range []string{"scenario steady: 32 requests", "strata", "baseline", "availability", "calls per request"} {
		assert.Contains(t, out.String(), want)
	}
	assert.Regexp(t, `(?m)^\s*caught\s+-\s+-\s*$`, out.String(), "nobody caught, by either system")
}

// TestRunRefusesBadInput: every flag's bad value is refused before any
// scenario runs, in words that name the flag, quote the value and say what
// is wanted — never the flag package's "parse error" — and nothing is
// written to stdout.
func TestRunRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte(strings.Replace(minimal, "tier: primary", "tier: best", 1)), 0o600))
	missing := filepath.Join(dir, "missing.yaml")
	steady := filepath.Join("scenarios", "steady.yaml")
	const (
		count = "want a whole number above 0"
		scale = "want a number above 0, at most 10 (real seconds per virtual second)"
	)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "no scenario: give -scenario FILE, or -all for every shipped scenario (sim -help lists the flags)"},
		{[]string{"-scenario", bad}, `scenario: providers[0].tier: must be primary or secondary, got "best" (line 15)`},
		{[]string{"-scenario", missing}, "-scenario: cannot read " + missing + ": no such file or directory"},
		{[]string{"-scenario"}, "-scenario needs a value"},
		{[]string{"-scenario", bad, "-all"}, "-all and -scenario exclude each other: give one"},
		{[]string{"-scenario", steady, "-requests", "-3"}, `-requests "-3": ` + count},
		{[]string{"-scenario", steady, "-requests", "0"}, `-requests "0": ` + count},
		{[]string{"-scenario", steady, "-requests", "lots"}, `-requests "lots": ` + count},
		{[]string{"-all", "-concurrency", "-1"}, `-concurrency "-1": ` + count},
		{[]string{"-all", "-concurrency", "1.5"}, `-concurrency "1.5": ` + count},
		{[]string{"-all", "-time-scale", "0"}, `-time-scale "0": ` + scale},
		{[]string{"-all", "-time-scale", "11"}, `-time-scale "11": ` + scale},
		{[]string{"-all", "-time-scale", "NaN"}, `-time-scale "NaN": ` + scale},
		{[]string{"-all", "-time-scale", "fast"}, `-time-scale "fast": ` + scale},
		{[]string{"-all", "-json=maybe"}, `-json "maybe": want true or false (or the flag alone for true)`},
		{[]string{"-all", "-q=2"}, `-q "2": want true or false (or the flag alone for true)`},
		{[]string{"-nope"}, "unknown flag -nope (sim -help lists the flags)"},
		{[]string{"stray"}, `unexpected argument "stray": sim takes flags only (sim -help lists them)`},
	} {
		var out, progress bytes.Buffer
		err := run(context.Background(), tc.args, &out, &progress)
		assert.EqualError(t, err, tc.want, "run(%q)", tc.args)
		assert.Empty(t, out.String(), "run(%q) wrote to stdout", tc.args)
		assert.Empty(t, progress.String(), "run(%q) reported progress", tc.args)
	}
}

// TestRunHelp: -help (or -h) prints the usage and every flag to stdout,
// and is not an error, so the program exits 0.
func TestRunHelp(t *testing.T) {
	for _, arg := range []string{"-help", "-h"} {
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), []string{arg}, &out, nil), "%s is not an error", arg)
		assert.Contains(t, out.String(), "usage: sim")
		assert.Contains(t, out.String(), "Runs fault scenarios through strata", "says what the program does")
		for _, name := range []string{"scenario", "json", "all", "q", "requests", "concurrency", "time-scale"} {
			assert.Regexp(t, `(?m)^  -`+name+`( |\t|$)`, out.String(), "%s documents -%s", arg, name)
		}
	}
}

// TestRunAllProgress: -all reports each finished scenario to progress, in
// order, and nothing of it reaches stdout; -q silences it.
func TestRunAllProgress(t *testing.T) {
	args := []string{"-all", "-json", "-requests", "20", "-time-scale", "0.01"}
	var out, progress bytes.Buffer
	require.NoError(t, run(context.Background(), args, &out, &progress))
	lines := strings.Split(strings.TrimSuffix(progress.String(), "\n"), "\n")
	require.Len(t, lines, len(shippedOrder), "one line per scenario:\n%s", progress.String())
	for i, name := range shippedOrder {
		assert.Regexp(t, fmt.Sprintf(`^sim: %d/%d %s done \(\d+\.\ds elapsed\)$`, i+1, len(shippedOrder), regexp.QuoteMeta(name)), lines[i])
	}
	assert.NotContains(t, out.String(), "sim: ", "progress on stdout")
	dec := json.NewDecoder(&out)
	for _, name := range shippedOrder {
		var v map[string]any
		require.NoError(t, dec.Decode(&v), "stdout holds only the JSON reports")
		assert.Equal(t, name, v["scenario"])
	}
	assert.False(t, dec.More())

	progress.Reset()
	require.NoError(t, run(context.Background(), append(args, "-q"), io.Discard, &progress))
	assert.Empty(t, progress.String(), "-q")
}

// TestIsTerminal: a file or a pipe is not a terminal, so main gives run no
// progress writer for them.
func TestIsTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	require.NoError(t, err)
	defer f.Close()
	assert.False(t, isTerminal(f), "a file")
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	assert.False(t, isTerminal(w), "a pipe")
}

func TestWorkloadIsSeeded(t *testing.T) {
	sc, _ := shippedScenario("steady")
	keys := compileKeys(sc)
	a, b := workload(sc, keys), workload(sc, keys)
	require.Len(t, a, 16, "sequences")
	total := 0
	counts := make([]int, len(keys))
	for g := range a {
		total += len(a[g])
		for i := range a[g] {
			require.Same(t, a[g][i], b[g][i], "goroutine %d, resolve %d: different keys from the same seed", g, i)
			counts[a[g][i].index]++
		}
	}
	assert.Equal(t, 4000, total, "resolves")
	// zipf: the first key is the hottest, the last the coldest, every key
	// is asked for.
	last := counts[len(keys)-1]
	assert.True(t, counts[0] > counts[1] && counts[1] > last && last > 0, "key counts %v, want a zipf decline from the first key", counts)
}
