package main

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/internal/strictyaml"
	"github.com/strata-go/strata/stats"
)

func TestDeriveConfig(t *testing.T) {
	sc, err := shippedScenario("steady")
	require.NoError(t, err)
	cfg := deriveConfig(sc)
	ts := sc.TimeScale
	scaled := func(d time.Duration) time.Duration { return time.Duration(float64(d) * ts) }
	assert.Equal(t, scaled(2*time.Second), cfg.Resolve.Deadline, "deadline, want 2s × the time scale")
	assert.Equal(t, max(scaled(fallback.DefaultReserve), reserveFloor), cfg.Resolve.Reserve, "reserve")
	require.Len(t, cfg.Providers, 3)
	p := cfg.Providers[0]
	assert.Equal(t, "ads_primary", p.Name)
	assert.Equal(t, fallback.Primary, p.Tier)
	assert.Equal(t, 0.02, p.Cost)
	assert.Equal(t, 0.95, p.Confidence)
	assert.Equal(t, scaled(250*time.Millisecond), p.ExpectedLatency)
	assert.Equal(t, scaled(1350*time.Millisecond), p.Timeout)
	require.Len(t, cfg.DataTypes, 2)
	require.Equal(t, "cpc", cfg.DataTypes[0].Name)
	require.Equal(t, "ctr", cfg.DataTypes[1].Name)
	dt := cfg.DataTypes[0]
	assert.Equal(t, scaled(derivedTTL), dt.TTL, "ttl not scaled")
	assert.Equal(t, scaled(derivedHalfLife), dt.HalfLife, "half-life not scaled")
	assert.Equal(t, stats.PeriodOf(24*time.Hour), dt.Period, "period, want the history's 24h")
	assert.Equal(t, 7, dt.Season, "season, want the keys' 7")
	assert.Equal(t, fallback.Bounds{Min: 0, Max: 160}, dt.Bounds, "bounds, want [0, 100 × the largest default 1.6]")
	if assert.Len(t, dt.Params, 2) {
		assert.Equal(t, "keyword", dt.Params[0].Name)
		assert.True(t, dt.Params[0].Required, "keyword required")
		assert.Equal(t, "market", dt.Params[1].Name)
	}
	assert.Equal(t, 1.0, dt.Default.Base)
	if assert.Len(t, dt.Default.Segments, 8) {
		assert.Equal(t, 1.6, dt.Default.Segments[1].Base)
		assert.Equal(t, map[string]string{"keyword": "boots", "market": "us"}, dt.Default.Segments[1].Match)
	}
	// The derived config of every shipped scenario is one fallback accepts.
	for _, name := range shippedOrder {
		sc, _ := shippedScenario(name)
		_, err := mergeResolver(deriveConfig(sc), &yaml.Node{Kind: yaml.MappingNode})
		assert.NoError(t, err, name)
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
		assert.Equal(t, tc.want, providerTimeout(sc, p), "median %v, p99 %v", tc.median, tc.p99)
	}
}

// resolverBlock decodes the resolver: block of minimal followed by block,
// as parseScenario does, but without checking it.
func resolverBlock(t *testing.T, block string) *yaml.Node {
	t.Helper()
	var doc struct {
		Resolver yaml.Node `yaml:"resolver"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(minimal+block), &doc))
	return &doc.Resolver
}

func TestMergeResolver(t *testing.T) {
	sc, _ := parseScenario([]byte(minimal))
	derived := deriveConfig(sc)

	got, err := mergeResolver(derived, &sc.Resolver) // no block
	require.NoError(t, err, "without a block")
	require.Equal(t, derived, got, "without a block")

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
	require.NoError(t, err)
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
	assert.Equal(t, string(wy), string(gy), "merged")
	assert.NotEqual(t, 75*time.Millisecond, derived.Providers[0].Timeout, "merge wrote into the derived config")

	// A new named item is appended; it must then be a valid one.
	block = resolverBlock(t, `resolver:
  providers:
    - {name: extra, tier: secondary, data_types: [cpc]}
`)
	got, err = mergeResolver(derived, block)
	if assert.NoError(t, err, "appended provider") && assert.Len(t, got.Providers, 2, "appended provider") {
		assert.Equal(t, "extra", got.Providers[1].Name, "appended provider")
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
		assert.ErrorContains(t, err, tc.want, "block %q", tc.block)
	}
}

func TestDeriveBoundsWithoutDefaults(t *testing.T) {
	sc, _ := parseScenario([]byte(strings.Replace(minimal, "default: 1", "default: 0", 1)))
	dt := deriveConfig(sc).DataTypes[0]
	assert.Equal(t, fallback.Bounds{Min: 0, Max: math.Inf(1)}, dt.Bounds)
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
		"resolve.reserve_half_life":                      "left: the learned reserve follows real timer lag, which is not scaled",
		"resolve.close_timeout":                          "left: Close is real time, after the run",
		"forecast.fit_time":                              "left: a fit's CPU time is real time, not scaled",
		"cache.store_timeout":                            "left: no second-level store",
		"cache.claim":                                    "left: no second-level store",
		"cache.clock_skew":                               "left: no second-level store",
		"cache.stale_window":                             "left: no second-level store",
		"fleet_health.max_hold":                          "left: fleet-aware health is off (no health bus)",
		"fleet_health.run_window":                        "left: fleet-aware health is off (no health bus)",
		"alerts.interval":                                "left: the simulator reads no alerts",
		"alerts.fallback_share.window":                   "left: the simulator reads no alerts",
		"alerts.cost_per_hour.min_span":                  "left: the simulator reads no alerts",
		"retry.base_delay":                               "scaled: the default",
		"retry.max_delay":                                "scaled: the default",
		"breaker.window_duration":                        "left: zero means a count-based window",
		"breaker.slow_call_threshold":                    "left: zero turns slow-call detection off",
		"breaker.open_duration":                          "scaled: the default",
		"breaker.adaptive.max_open_duration":             "left: zero means a multiple of the scaled open duration",
		"router.window_duration":                         "left: zero keeps the last outcomes however old",
		"router.quota_stale_after":                       "scaled: the default",
		"router.quota_max_age":                           "scaled: the default",
		"plausibility.confirm_after":                     "scaled: the default",
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
	require.GreaterOrEqual(t, len(found), 20, "durations found: %v", found)
	for _, p := range found {
		assert.Contains(t, handled, p, "fallback.Config has a duration %s that deriveConfig does not account for: scale it there (or leave it, with the reason) and list it here", p)
	}
	for p := range handled {
		if !slices.Contains(found, p) {
			t.Logf("listed duration %s is no longer in fallback.Config", p)
		}
	}
}
