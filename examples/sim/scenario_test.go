package main

import (
	"io/fs"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/strata-go/strata/providers"
)

// minimal is a valid scenario the error cases edit.
const minimal = `
name: t
seed: 1
requests: 10
concurrency: 2
time_scale: 0.1
deadline: 2s
keys:
  - data_type: cpc
    params: {keyword: shoes}
    truth: {level: 1.2}
    default: 1
providers:
  - name: p
    tier: primary
    data_types: [cpc]
    latency: {median: 100ms, p99: 400ms}
`

func TestShippedScenariosParse(t *testing.T) {
	entries, err := fs.ReadDir(shipped, "scenarios")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(shippedOrder) {
		t.Errorf("%d shipped files, %d in shippedOrder", len(entries), len(shippedOrder))
	}
	for _, name := range shippedOrder {
		sc, err := shippedScenario(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if sc.Name != name {
			t.Errorf("%s.yaml is named %q", name, sc.Name)
		}
		if sc.Requests != 4000 {
			t.Errorf("%s: %d requests, want the 4000 the targets are stated for", name, sc.Requests)
		}
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".yaml") {
			t.Errorf("unexpected file %s", path.Join("scenarios", e.Name()))
		}
	}
}

func TestParseAppliesDefaults(t *testing.T) {
	sc, err := parseScenario([]byte(minimal + `
    rate_limit: {per_second: 2.5}
    events:
      - {from: 0.1, to: 0.2, kind: down}
      - {from: 0.1, to: 0.2, kind: flapping, period: 3}
`))
	if err != nil {
		t.Fatal(err)
	}
	p := sc.Providers[0]
	switch {
	case sc.Workload != "zipf":
		t.Errorf("workload = %q, want zipf", sc.Workload)
	case sc.History.Period != 24*time.Hour:
		t.Errorf("history.period = %v, want 24h", sc.History.Period)
	case p.Confidence != 0.8:
		t.Errorf("confidence = %v, want 0.8", p.Confidence)
	case p.errClass != providers.Transient:
		t.Errorf("error class = %v, want transient", p.errClass)
	case p.RateLimit.Burst != 3:
		t.Errorf("burst = %d, want ⌈per_second⌉ = 3", p.RateLimit.Burst)
	case p.Events[0].class != providers.Unavailable || p.Events[1].class != providers.Unavailable:
		t.Errorf("event classes = %v, %v, want unavailable", p.Events[0].class, p.Events[1].class)
	case sc.scale(2*time.Second) != 200*time.Millisecond || sc.virtual(20*time.Millisecond) != 200*time.Millisecond:
		t.Errorf("scale/virtual wrong at time scale 0.1")
	}
}

func TestParseErrorsNameTheField(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want string
	}{
		{"unknown top field", minimal + "requets: 5\n", `scenario: requets: unknown field (did you mean "requests"?)`},
		{"unknown nested field", strings.Replace(minimal, "latency:", "latncy:", 1), `providers[0].latncy: unknown field (did you mean "latency"?)`},
		{"p99 below median", strings.Replace(minimal, "p99: 400ms", "p99: 50ms", 1), "providers[0].latency.p99: must be ≥ median (100ms), got 50ms"},
		{"duration without unit", strings.Replace(minimal, "deadline: 2s", "deadline: 2", 1), "deadline: cannot unmarshal !!int `2` into time.Duration"},
		{"bad duration", strings.Replace(minimal, "deadline: 2s", "deadline: soon", 1), "deadline: cannot unmarshal !!str `soon` into time.Duration"},
		{"negative count", strings.Replace(minimal, "requests: 10", "requests: -1", 1), "requests: must be positive, got -1"},
		{"wrong type", strings.Replace(minimal, "requests: 10", "requests: many", 1), "requests: cannot unmarshal !!str `many` into int"},
		{"zero time scale", strings.Replace(minimal, "time_scale: 0.1", "time_scale: 0", 1), "time_scale: must be in (0, 10]"},
		{"workload", minimal + "workload: pareto\n", `workload: must be zipf or uniform, got "pareto"`},
		{"tier", strings.Replace(minimal, "tier: primary", "tier: tertiary", 1), `providers[0].tier: must be primary or secondary, got "tertiary"`},
		{"unknown data type", strings.Replace(minimal, "data_types: [cpc]", "data_types: [cpc, ctr]", 1), `providers[0].data_types[1]: "ctr" is not the data type of any key`},
		{"error class", minimal + "    error_class: canceled\n", "providers[0].error_class: must be one of transient"},
		{"error rate", minimal + "    error_rate: 1.5\n", "providers[0].error_rate: must be a probability in [0, 1], got 1.5"},
		{"no keys", strings.Replace(minimal, "keys:\n  - data_type: cpc\n    params: {keyword: shoes}\n    truth: {level: 1.2}\n    default: 1\n", "keys: []\n", 1), "keys: at least one key is required"},
		{"level", strings.Replace(minimal, "level: 1.2", "level: 0", 1), "keys[0].truth.level: must be positive and finite, got 0"},
		{"season without period", strings.Replace(minimal, "level: 1.2", "level: 1.2, season_amplitude: 0.1", 1), "keys[0].truth.season_period: required"},
		{"duplicate key", strings.Replace(minimal, "providers:", "  - {data_type: cpc, params: {keyword: shoes}, truth: {level: 2}}\nproviders:", 1), "keys[1]: duplicates keys[0]"},
		{"bad param value", strings.Replace(minimal, "keyword: shoes", `keyword: "a\u0001b"`, 1), "keys[0].params.keyword: must be a non-empty printable value"},
		{"event kind", minimal + "    events: [{from: 0.1, to: 0.2, kind: melt}]\n", `providers[0].events[0].kind: must be down, slow, garbage or flapping, got "melt"`},
		{"event window", minimal + "    events: [{from: 0.5, to: 0.2, kind: down}]\n", "providers[0].events[0].to: must be after from (0.5), got 0.2"},
		{"event fraction", minimal + "    events: [{from: 0.5, to: 2, kind: down}]\n", "providers[0].events[0].to: must be a fraction of the run in [0, 1], got 2"},
		{"factor on down", minimal + "    events: [{from: 0.1, to: 0.2, kind: down, factor: 3}]\n", "providers[0].events[0].factor: applies only to kind slow, not down"},
		{"slow without factor", minimal + "    events: [{from: 0.1, to: 0.2, kind: slow}]\n", "providers[0].events[0].factor: required for slow"},
		{"flapping without period", minimal + "    events: [{from: 0.1, to: 0.2, kind: flapping}]\n", "providers[0].events[0].period: required for flapping"},
		{"class on garbage", minimal + "    events: [{from: 0.1, to: 0.2, kind: garbage, class: auth}]\n", "providers[0].events[0].class: applies only to kind down or flapping, not garbage"},
		{"rate limit", minimal + "    rate_limit: {per_second: 0}\n", "providers[0].rate_limit.per_second: must be positive and finite, got 0"},
		{"campaign", minimal + "campaign: {size: 0, budget: 1}\n", "campaign.size: must be positive, got 0"},
		{"duplicate provider", minimal + "  - {name: p, tier: secondary, data_types: [cpc]}\n", `providers[1].name: "p" is also providers[0]`},
		{"resolver alias cycle", minimal + "resolver: &x {a: *x}\n", "resolver: an alias refers to itself"},
		{"resolver alias bomb", minimal + "resolver:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n", "expand past 100000 nodes"},
		{"not a mapping", "- a\n- b\n", "cannot unmarshal !!seq into main.scenario"},
		{"syntax", "name: [unclosed\n", "scenario: "},
		{"empty", "", "scenario: empty document"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := parseScenario([]byte(tc.doc))
			if err == nil {
				t.Fatalf("parse succeeded: %+v", sc)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

func TestParseErrorsCarryTheLine(t *testing.T) {
	_, err := parseScenario([]byte(strings.Replace(minimal, "p99: 400ms", "p99: 50ms", 1)))
	if err == nil || !strings.HasSuffix(err.Error(), "(line 17)") {
		t.Errorf("error = %v, want it to end with the line of providers[0].latency.p99, (line 17)", err)
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	doc := strings.Replace(strings.Replace(minimal, "requests: 10", "requests: 0", 1), "tier: primary", "tier: x", 1)
	_, err := parseScenario([]byte(doc))
	if err == nil || !strings.Contains(err.Error(), "requests:") || !strings.Contains(err.Error(), "providers[0].tier:") {
		t.Errorf("error = %v, want both the requests and the tier problems", err)
	}
}
