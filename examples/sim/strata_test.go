package main

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/internal/strictyaml"
	"github.com/strata-go/strata/stats"
)

func TestDeriveConfig(t *testing.T) {
	sc, err := shippedScenario("steady")
	if err != nil {
		t.Fatal(err)
	}
	cfg := deriveConfig(sc)
	ts := sc.TimeScale
	if cfg.Resolve.Deadline != time.Duration(float64(2*time.Second)*ts) {
		t.Errorf("deadline %v, want 2s × %v", cfg.Resolve.Deadline, ts)
	}
	if cfg.Resolve.Reserve != max(time.Duration(float64(fallback.DefaultReserve)*ts), reserveFloor) {
		t.Errorf("reserve %v", cfg.Resolve.Reserve)
	}
	if len(cfg.Providers) != 3 {
		t.Fatalf("%d providers, want 3", len(cfg.Providers))
	}
	p := cfg.Providers[0]
	if p.Name != "ads_primary" || p.Tier != fallback.Primary || p.Cost != 0.02 || p.Confidence != 0.95 ||
		p.ExpectedLatency != time.Duration(float64(250*time.Millisecond)*ts) ||
		p.Timeout != time.Duration(float64(1350*time.Millisecond)*ts) {
		t.Errorf("providers[0] = %+v", p)
	}
	if len(cfg.DataTypes) != 2 || cfg.DataTypes[0].Name != "cpc" || cfg.DataTypes[1].Name != "ctr" {
		t.Fatalf("data types %+v", cfg.DataTypes)
	}
	dt := cfg.DataTypes[0]
	if dt.TTL != time.Duration(float64(derivedTTL)*ts) || dt.HalfLife != time.Duration(float64(derivedHalfLife)*ts) {
		t.Errorf("ttl %v, half-life %v not scaled", dt.TTL, dt.HalfLife)
	}
	if dt.Period != stats.PeriodOf(24*time.Hour) || dt.Season != 7 {
		t.Errorf("period %v, season %d; want the history's 24h and the keys' 7", dt.Period, dt.Season)
	}
	if dt.Bounds != (fallback.Bounds{Min: 0, Max: 160}) {
		t.Errorf("bounds %+v, want [0, 100 × the largest default 1.6]", dt.Bounds)
	}
	if len(dt.Params) != 2 || dt.Params[0].Name != "keyword" || !dt.Params[0].Required || dt.Params[1].Name != "market" {
		t.Errorf("params %+v", dt.Params)
	}
	if dt.Default.Base != 1 || len(dt.Default.Segments) != 8 || dt.Default.Segments[1].Base != 1.6 ||
		!reflect.DeepEqual(dt.Default.Segments[1].Match, map[string]string{"keyword": "boots", "market": "us"}) {
		t.Errorf("default %+v", dt.Default)
	}
	// The derived config of every shipped scenario is one fallback accepts.
	for _, name := range shippedOrder {
		sc, _ := shippedScenario(name)
		if _, err := mergeResolver(deriveConfig(sc), &yaml.Node{Kind: yaml.MappingNode}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestProviderTimeout(t *testing.T) {
	sc := &scenario{Deadline: 2 * time.Second}
	for _, tc := range []struct {
		median, p99, want time.Duration
	}{
		{250 * time.Millisecond, 900 * time.Millisecond, 1350 * time.Millisecond},
		{200 * time.Millisecond, 2500 * time.Millisecond, 2 * time.Second},
		{100 * time.Millisecond, 0, 150 * time.Millisecond},
		{0, 0, 2 * time.Second},
	} {
		p := &providerSpec{Latency: latencySpec{Median: tc.median, P99: tc.p99}}
		if got := providerTimeout(sc, p); got != tc.want {
			t.Errorf("median %v, p99 %v: %v, want %v", tc.median, tc.p99, got, tc.want)
		}
	}
}

// resolverBlock parses the resolver: block of a scenario document.
func resolverBlock(t *testing.T, block string) *yaml.Node {
	t.Helper()
	sc, err := parseScenario([]byte(minimal + block))
	if err != nil {
		t.Fatal(err)
	}
	return &sc.Resolver
}

func TestMergeResolver(t *testing.T) {
	sc, _ := parseScenario([]byte(minimal))
	derived := deriveConfig(sc)

	got, err := mergeResolver(derived, &sc.Resolver) // no block
	if err != nil || !reflect.DeepEqual(got, derived) {
		t.Fatalf("without a block: %v, %+v", err, got)
	}

	block := resolverBlock(t, `resolver:
  providers:
    - {name: p, timeout: 75ms}
  data_types:
    - name: cpc
      ttl: 1s
      bounds: {min: 0.5, max: 50}
  cache: {max_cost: 1048576}
  resolve: {disable_coalescing: true}
`)
	got, err = mergeResolver(derived, block)
	if err != nil {
		t.Fatal(err)
	}
	want := derived
	want.Providers = append([]fallback.ProviderConfig(nil), derived.Providers...)
	want.Providers[0].Timeout = 75 * time.Millisecond
	want.DataTypes = append([]fallback.DataTypeConfig(nil), derived.DataTypes...)
	want.DataTypes[0].TTL = time.Second
	want.DataTypes[0].Bounds = fallback.Bounds{Min: 0.5, Max: 50}
	want.Cache.MaxCost = 1 << 20
	want.Resolve.DisableCoalescing = true
	// Compared as YAML: the round trip turns nil slices into empty ones.
	gy, _ := yaml.Marshal(got)
	wy, _ := yaml.Marshal(want)
	if string(gy) != string(wy) {
		t.Errorf("merged:\n%s\nwant:\n%s", gy, wy)
	}
	if derived.Providers[0].Timeout == 75*time.Millisecond {
		t.Error("merge wrote into the derived config")
	}

	// A new named item is appended; it must then be a valid one.
	block = resolverBlock(t, `resolver:
  providers:
    - {name: extra, tier: secondary, data_types: [cpc]}
`)
	got, err = mergeResolver(derived, block)
	if err != nil || len(got.Providers) != 2 || got.Providers[1].Name != "extra" {
		t.Errorf("appended provider: %v, %+v", err, got.Providers)
	}
}

func TestMergeResolverErrorsNameTheField(t *testing.T) {
	sc, _ := parseScenario([]byte(minimal))
	derived := deriveConfig(sc)
	for _, tc := range []struct {
		block, want string
	}{
		{"resolver:\n  resolve: {deadlin: 1s}\n", `scenario: resolver.resolve.deadlin: unknown field (did you mean "deadline"?) (line 19)`},
		{"resolver:\n  resolve: {deadline: -1s}\n", "scenario: resolver.resolve.deadline: must not be negative"},
		{"resolver:\n  providers: [{name: p, confidence: 2}]\n", "scenario: resolver.providers[0].confidence:"},
		{"resolver: [1, 2]\n", "scenario: resolver: must be a mapping of fallback.Config fields (line 18)"},
	} {
		_, err := mergeResolver(derived, resolverBlock(t, tc.block))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("block %q: error %v, want it to contain %q", tc.block, err, tc.want)
		}
	}
}

func TestDeriveBoundsWithoutDefaults(t *testing.T) {
	sc, _ := parseScenario([]byte(strings.Replace(minimal, "default: 1", "default: 0", 1)))
	dt := deriveConfig(sc).DataTypes[0]
	if dt.Bounds.Min != 0 || !math.IsInf(dt.Bounds.Max, 1) {
		t.Errorf("bounds %+v, want [0, +Inf]", dt.Bounds)
	}
}

// TestDeriveConfigCoversEveryDuration lists every time.Duration of
// fallback.Config and says what deriveConfig does with it. A new duration
// field fails this test until it is added here — scaled in deriveConfig,
// or left alone with the reason — so that no real-time default slips into
// a simulation in virtual time.
func TestDeriveConfigCoversEveryDuration(t *testing.T) {
	handled := map[string]string{
		"retention":                                      "left: zero keeps entries until capacity",
		"retention_interval":                             "left: used only with a retention",
		"providers[].expected_latency":                   "scaled: the median latency",
		"providers[].timeout":                            "scaled: providerTimeout",
		"providers[].retry.base_delay":                   "left: nil, the resolver-wide retry applies",
		"providers[].retry.max_delay":                    "left: nil, the resolver-wide retry applies",
		"providers[].breaker.window_duration":            "left: nil, the resolver-wide breaker applies",
		"providers[].breaker.slow_call_threshold":        "left: nil, the resolver-wide breaker applies",
		"providers[].breaker.open_duration":              "left: nil, the resolver-wide breaker applies",
		"providers[].breaker.adaptive.max_open_duration": "left: nil, the resolver-wide breaker applies",
		"providers[].batch.window":                       "left: batching is off",
		"providers[].throttle.window":                    "left: adaptive throttling is off",
		"data_types[].ttl":                               "scaled: derivedTTL",
		"data_types[].half_life":                         "scaled: derivedHalfLife",
		"data_types[].refresh_ahead":                     "left: zero turns stale-while-revalidate off",
		"data_types[].negative_ttl":                      "scaled: the default",
		"data_types[].adaptive_ttl.min":                  "left: adaptive TTL is off",
		"data_types[].adaptive_ttl.max":                  "left: adaptive TTL is off",
		"data_types[].hedge.delay":                       "left: zero means the observed p95",
		"resolve.deadline":                               "scaled: the scenario's deadline",
		"resolve.reserve":                                "scaled, with a real-time floor",
		"cache.store_timeout":                            "left: no second-level store",
		"retry.base_delay":                               "scaled: the default",
		"retry.max_delay":                                "scaled: the default",
		"breaker.window_duration":                        "left: zero means a count-based window",
		"breaker.slow_call_threshold":                    "left: zero turns slow-call detection off",
		"breaker.open_duration":                          "scaled: the default",
		"breaker.adaptive.max_open_duration":             "left: zero means a multiple of the scaled open duration",
		"router.window_duration":                         "left: zero keeps the last outcomes however old",
		"router.quota_stale_after":                       "scaled: the default",
		"router.reference_latency":                       "scaled: the default",
	}
	var found []string
	var walk func(t reflect.Type, path string, depth int)
	walk = func(ty reflect.Type, path string, depth int) {
		for ty.Kind() == reflect.Pointer || ty.Kind() == reflect.Slice {
			if ty.Kind() == reflect.Slice {
				path += "[]"
			}
			ty = ty.Elem()
		}
		if ty == reflect.TypeFor[time.Duration]() {
			found = append(found, path)
			return
		}
		if ty.Kind() != reflect.Struct || depth > 6 {
			return
		}
		for i := range ty.NumField() {
			f := ty.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			walk(f.Type, strictyaml.Join(path, name), depth+1)
		}
	}
	walk(reflect.TypeFor[fallback.Config](), "", 0)
	if len(found) < 20 {
		t.Fatalf("found only %d durations: %v", len(found), found)
	}
	for _, p := range found {
		if _, ok := handled[p]; !ok {
			t.Errorf("fallback.Config has a duration %s that deriveConfig does not account for: scale it there (or leave it, with the reason) and list it here", p)
		}
	}
	for p := range handled {
		if !slices.Contains(found, p) {
			t.Logf("listed duration %s is no longer in fallback.Config", p)
		}
	}
}
