package fallback

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/breaker"
	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/defaults"
	"github.com/strata-go/strata/router"
	"github.com/strata-go/strata/stats"
)

// A field of another package's config is refused by that package, and
// New's error names the field by its YAML path and unwraps to the
// package's own error.
func TestNewErrorUnwrapsToThePackagesError(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(*Config)
		field    string
		sentinel error
	}{
		{"breaker", func(c *Config) { c.Breaker.FailureRateThreshold = 2 }, "breaker.failure_rate_threshold", breaker.ErrInvalidConfig},
		{"provider breaker", func(c *Config) {
			c.Providers[1].Breaker = &breaker.Config{Adaptive: breaker.AdaptiveConfig{Multiplier: 0.5}}
		}, "providers[1].breaker.adaptive.multiplier", breaker.ErrInvalidConfig},
		{"router", func(c *Config) { c.Router.EWMAAlpha = 2 }, "router.ewma_alpha", router.ErrInvalidConfig},
		{"cache", func(c *Config) { c.Cache.MaxCost = -1 }, "cache.max_cost", cache.ErrInvalidConfig},
		{"defaults", func(c *Config) { c.Defaults.GuessPenalty = 1.5 }, "defaults.guess_penalty", defaults.ErrInvalidConfig},
		{"defaults bounds", func(c *Config) { c.Defaults.TrendBounds = defaults.Bounds{Min: 2, Max: 3} }, "defaults.trend_bounds", defaults.ErrInvalidConfig},
		{"forecast model", func(c *Config) { c.Forecast.Model.Method = "crystal_ball" }, "forecast.model.method", stats.ErrInvalidConfig},
		{"forecast model levels", func(c *Config) { c.Forecast.Model.Levels = []float64{0.8, 1.5} }, "forecast.model.levels[1]", stats.ErrInvalidConfig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			tc.edit(&cfg)
			_, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
			require.ErrorIs(t, err, ErrInvalidConfig)
			require.ErrorIs(t, err, tc.sentinel)
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.field, ce.Field)
			require.Error(t, ce.Err)
			assert.Same(t, ce.Err, errors.Unwrap(ce))
			assert.NotContains(t, ce.Msg, "invalid config", "the reason only, without the package's prefix")
		})
	}
}

// The resolver's own fields match ErrInvalidConfig and unwrap to nothing.
func TestOwnConfigErrorUnwrapsToNothing(t *testing.T) {
	cfg := testConfig()
	cfg.Cache.WarmConcurrency = -1
	_, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
	require.ErrorIs(t, err, ErrInvalidConfig)
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "cache.warm_concurrency", ce.Field)
	assert.Nil(t, errors.Unwrap(ce))
	assert.NotErrorIs(t, err, cache.ErrInvalidConfig)
}

func TestParseConfigErrorUnwrapsToThePackagesError(t *testing.T) {
	doc := validYAML + "breaker:\n  half_open_probes: -1\nrouter:\n  ewma_alpha: 3\ndefaults:\n  window: -2\nforecast:\n  model: {min_points: 2}\n"
	_, err := ParseConfig([]byte(doc))
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.ErrorIs(t, err, breaker.ErrInvalidConfig)
	assert.ErrorIs(t, err, router.ErrInvalidConfig)
	assert.ErrorIs(t, err, defaults.ErrInvalidConfig)
	assert.ErrorIs(t, err, stats.ErrInvalidConfig)
	lines := map[string]int{}
	for _, e := range unjoin(err) {
		var ce *ConfigError
		require.ErrorAs(t, e, &ce)
		lines[ce.Field] = ce.Line
	}
	at := func(s string) int { return strings.Count(doc[:strings.Index(doc, s)], "\n") + 1 }
	assert.Equal(t, map[string]int{
		"breaker.half_open_probes":  at("half_open_probes"),
		"router.ewma_alpha":         at("ewma_alpha"),
		"defaults.window":           at("window: -2"),
		"forecast.model.min_points": at("min_points"),
	}, lines)
}

// The Go-only fields of defaults.Config have one way to be set each.
func TestNewRefusesDefaultsRulesAndFactorsInConfig(t *testing.T) {
	f := defaults.FactorFunc(func(context.Context, string, map[string]string) (float64, bool) { return 1, true })
	cfg := testConfig()
	cfg.Defaults.Rules = map[string]defaults.Rule{"cpc": {Base: 1}}
	cfg.Defaults.Market, cfg.Defaults.User = f, f
	_, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
	assert.Equal(t, []string{"defaults.rules", "defaults.market", "defaults.user"}, fieldsOf(t, err))
	assert.ErrorContains(t, err, "WithMarketFactor")
}

func TestCostsMustBeMoney(t *testing.T) {
	for _, v := range []float64{-0.01, math.NaN(), math.Inf(1)} {
		cfg := testConfig()
		cfg.Providers[0].Cost = v
		cfg.Providers[1].Batch = BatchConfig{MaxSize: 8, ItemCost: v}
		_, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
		assert.Equal(t, []string{"providers[0].cost", "providers[1].batch.item_cost"}, fieldsOf(t, err), "%v", v)
	}
}

// An error never echoes a name or value whole: a megabyte of name is cut
// to 64 bytes, on a rune boundary.
func TestErrorsCutLongNames(t *testing.T) {
	r := newTestResolver(t, testConfig(), newStub(1), newStub(1))
	huge := strings.Repeat("x", 1<<20)
	_, err := r.Resolve(context.Background(), huge, shoes)
	require.ErrorIs(t, err, ErrUnknownDataType)
	assert.Equal(t, `fallback: unknown data type "`+strings.Repeat("x", 64)+`"…`, err.Error())

	_, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes", huge: "x"})
	require.ErrorIs(t, err, ErrInvalidParams)
	assert.Less(t, len(err.Error()), 200)

	wide := strings.Repeat("é", 100) // 2 bytes a rune: byte 64 starts a rune, byte 63 does not
	msg := (&DataTypeError{DataType: "a" + wide}).Error()
	assert.True(t, utf8.ValidString(msg))
	assert.Equal(t, `fallback: unknown data type "a`+strings.Repeat("é", 31)+`"…`, msg)

	msg = (&ParamError{DataType: huge, Param: huge, Problem: ParamUnknown}).Error()
	assert.Equal(t, `fallback: invalid params for "`+huge[:64]+`"…: param "`+huge[:64]+`"…: unknown`, msg)
	assert.Equal(t, `fallback: unknown data type "cpc"`, (&DataTypeError{DataType: "cpc"}).Error(), "a short name is whole")

	cfg := testConfig()
	cfg.DataTypes[0].Primary = []string{huge}
	_, err = New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Less(t, len(err.Error()), 200, "a config error cuts it too")
}

// fieldsOf returns the field of each ConfigError joined in err, in order.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var fields []string
	for _, e := range unjoin(err) {
		var ce *ConfigError
		require.ErrorAs(t, e, &ce)
		fields = append(fields, ce.Field)
	}
	return fields
}
