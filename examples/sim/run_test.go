package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
)

// simulateShipped runs a shipped scenario with requests resolves inside a
// synctest bubble: time is virtual, so the run is exact and takes only the
// CPU it needs, and the bubble fails the test if any goroutine outlives
// the resolvers' Close.
func simulateShipped(t *testing.T, name string, requests int) *report {
	t.Helper()
	sc, err := shippedScenario(name)
	if err != nil {
		t.Fatal(err)
	}
	sc.Requests = requests
	var rep *report
	synctest.Test(t, func(t *testing.T) {
		rep, err = simulate(t.Context(), sc)
	})
	if err != nil {
		t.Fatal(err)
	}
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
			if s.Requests != 300 || b.Requests != 300 {
				t.Fatalf("requests %d and %d, want 300", s.Requests, b.Requests)
			}
			if s.Availability != 1 || s.DeadlineMisses != 0 || len(s.Errors) != 0 {
				t.Errorf("strata availability %v, %d misses, errors %v; want 1, 0, none", s.Availability, s.DeadlineMisses, s.Errors)
			}
			if s.Accuracy.Garbage != 0 {
				t.Errorf("strata answered %d garbage values", s.Accuracy.Garbage)
			}
			if s.LatencyMS.P99 > 2000 {
				t.Errorf("strata p99 %v ms over the 2 s deadline", s.LatencyMS.P99)
			}
			l := s.Layers
			if sum := l.Primary + l.Secondary + l.Cache + l.Statistical + l.Default; sum < 0.999 || sum > 1.001 {
				t.Errorf("strata layer shares sum to %v", sum)
			}
			if s.ProviderCalls == 0 && name != "blackout" {
				t.Error("strata never reached a provider")
			}
			switch name {
			case "steady":
				if s.Cost.Total > b.Cost.Total {
					t.Errorf("steady: strata cost %v over the baseline's %v", s.Cost.Total, b.Cost.Total)
				}
				if b.Layers.Primary != 1 {
					t.Errorf("steady: baseline primary share %v, want 1", b.Layers.Primary)
				}
			case "blackout":
				if l.Primary+l.Secondary+l.Cache != 0 || b.Layers.Default != 1 {
					t.Errorf("blackout: strata layers %+v, baseline %+v; want forecasts and defaults only", l, b.Layers)
				}
				if l.Statistical == 0 {
					t.Error("blackout: no forecast: the history was not found under the resolver's key")
				}
				if s.Accuracy.MAPE > b.Accuracy.MAPE/2 {
					t.Errorf("blackout: strata MAPE %v over half the baseline's %v", s.Accuracy.MAPE, b.Accuracy.MAPE)
				}
			case "garbage-data":
				if b.Accuracy.Garbage == 0 {
					t.Error("garbage-data: the baseline answered no garbage: the fault did not reach it")
				}
			case "budget-squeeze":
				if s.Cost.PerCampaignMax > 0.025+1e-9 {
					t.Errorf("budget-squeeze: strata spent %v in a campaign, over the 0.025 budget", s.Cost.PerCampaignMax)
				}
				if b.Cost.PerCampaignMax <= 0.025 {
					t.Errorf("budget-squeeze: the baseline spent at most %v per campaign: the budget does not squeeze", b.Cost.PerCampaignMax)
				}
			case "primary-outage", "correlated":
				if b.Layers.Primary == 1 {
					t.Errorf("%s: the baseline's primaries always answered: the outage did not reach it", name)
				}
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
		if prefix == "systems.strata.errors" || prefix == "systems.baseline.errors" {
			continue // the error kinds vary
		}
		*out = append(*out, p)
		jsonFields(p, c, out)
	}
}

func TestRunJSONShape(t *testing.T) {
	var out bytes.Buffer
	args := []string{"-scenario", filepath.Join("scenarios", "primary-outage.yaml"), "-json", "-requests", "48", "-time-scale", "0.05"}
	if err := run(context.Background(), args, &out); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(out.Bytes()))
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	if dec.More() {
		t.Error("more than one JSON value")
	}
	var got []string
	jsonFields("", v, &got)
	slices.Sort(got)
	sys := []string{"requests", "answered", "availability", "deadline_misses", "errors",
		"latency_ms", "latency_ms.p50", "latency_ms.p95", "latency_ms.p99", "latency_ms.p999", "latency_ms.max",
		"cost", "cost.total", "cost.per_request", "cost.per_campaign_mean", "cost.per_campaign_max",
		"layers", "layers.primary", "layers.secondary", "layers.cache", "layers.statistical", "layers.default",
		"accuracy", "accuracy.mape", "accuracy.within_5pct", "accuracy.within_10pct", "accuracy.garbage",
		"provider_calls", "calls_per_request"}
	want := []string{"scenario", "wall_seconds", "systems", "systems.strata", "systems.baseline",
		"host", "host.timer_lag_p50_ms", "host.timer_lag_p99_ms", "host.timer_lag_max_ms"}
	for _, s := range []string{"strata", "baseline"} {
		for _, f := range sys {
			want = append(want, "systems."+s+"."+f)
		}
	}
	slices.Sort(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("JSON fields:\n%v\nwant:\n%v", got, want)
	}
	if v["scenario"] != "primary-outage" {
		t.Errorf("scenario = %v", v["scenario"])
	}
	strata := v["systems"].(map[string]any)["strata"].(map[string]any)
	if strata["requests"] != 48.0 {
		t.Errorf("strata requests = %v, want 48", strata["requests"])
	}
}

func TestRunTable(t *testing.T) {
	var out bytes.Buffer
	args := []string{"-scenario", filepath.Join("scenarios", "steady.yaml"), "-requests", "32", "-time-scale", "0.05"}
	if err := run(context.Background(), args, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"scenario steady: 32 requests", "strata", "baseline", "availability", "calls per request"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(minimal, "tier: primary", "tier: best", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "-scenario FILE is required"},
		{[]string{"-scenario", bad}, `providers[0].tier: must be primary or secondary, got "best"`},
		{[]string{"-scenario", filepath.Join(dir, "missing.yaml")}, "no such file"},
		{[]string{"-scenario", bad, "-all"}, "exclude each other"},
		{[]string{"-scenario", filepath.Join("scenarios", "steady.yaml"), "-requests", "-3"}, "must not be negative"},
		{[]string{"stray"}, "unexpected arguments"},
	} {
		err := run(context.Background(), tc.args, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run(%q) = %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
}

func TestWorkloadIsSeeded(t *testing.T) {
	sc, _ := shippedScenario("steady")
	keys := compileKeys(sc)
	a, b := workload(sc, keys), workload(sc, keys)
	if len(a) != 16 {
		t.Fatalf("%d sequences, want 16", len(a))
	}
	total := 0
	counts := make([]int, len(keys))
	for g := range a {
		total += len(a[g])
		for i := range a[g] {
			if a[g][i] != b[g][i] {
				t.Fatalf("goroutine %d, resolve %d: different keys from the same seed", g, i)
			}
			counts[a[g][i].index]++
		}
	}
	if total != 4000 {
		t.Errorf("%d resolves, want 4000", total)
	}
	// zipf: the first key is the hottest, the last the coldest, every key
	// is asked for.
	if counts[0] <= counts[1] || counts[1] <= counts[len(keys)-1] || counts[len(keys)-1] == 0 {
		t.Errorf("key counts %v, want a zipf decline from the first key", counts)
	}
}
