package fallback

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/breaker"
	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/defaults"
	"github.com/strata-go/strata/stats"
)

// sizeKnob is a size setting of Config, its YAML path and its maximum.
type sizeKnob struct {
	field string
	limit int64
	set   func(*Config, int64)
}

// sizeKnobs lists every capacity and size a Config holds.
func sizeKnobs() []sizeKnob {
	return []sizeKnob{
		{"cache.max_cost", cache.MaxCostLimit, func(c *Config, v int64) { c.Cache.MaxCost = v }},
		{"cache.last_good_capacity", cache.CapacityLimit, func(c *Config, v int64) { c.Cache.LastGoodCapacity = int(v) }},
		{"cache.negative_capacity", cache.CapacityLimit, func(c *Config, v int64) { c.Cache.NegativeCapacity = int(v) }},
		{"cache.refresh_concurrency", ConcurrencyLimit, func(c *Config, v int64) { c.Cache.RefreshConcurrency = int(v) }},
		{"cache.warm_concurrency", ConcurrencyLimit, func(c *Config, v int64) { c.Cache.WarmConcurrency = int(v) }},
		{"forecast.memo_capacity", CapacityLimit, func(c *Config, v int64) { c.Forecast.MemoCapacity = int(v) }},
		{"forecast.max_points", WindowLimit, func(c *Config, v int64) { c.Forecast.MaxPoints = int(v) }},
		{"forecast.history.max_keys", CapacityLimit, func(c *Config, v int64) { c.Forecast.History.MaxKeys = int(v) }},
		{"forecast.history.max_points", WindowLimit, func(c *Config, v int64) { c.Forecast.History.MaxPoints = int(v) }},
		{"providers[0].max_concurrent", ConcurrencyLimit, func(c *Config, v int64) { c.Providers[0].MaxConcurrent = int(v) }},
		{"providers[0].batch.max_size", ConcurrencyLimit, func(c *Config, v int64) { c.Providers[0].Batch.MaxSize = int(v) }},
		{"providers[1].breaker.window_size", WindowLimit, func(c *Config, v int64) { c.Providers[1].Breaker = &breaker.Config{WindowSize: int(v)} }},
		{"data_types[0].season", SeasonLimit, func(c *Config, v int64) { c.DataTypes[0].Season = int(v) }},
		{"data_types[0].params[0].max_length", ParamLengthLimit, func(c *Config, v int64) { c.DataTypes[0].Params[0].MaxLength = int(v) }},
		{"breaker.window_size", WindowLimit, func(c *Config, v int64) { c.Breaker.WindowSize = int(v) }},
		{"breaker.window_buckets", WindowLimit, func(c *Config, v int64) { c.Breaker.WindowBuckets = int(v) }},
		{"breaker.adaptive.history", WindowLimit, func(c *Config, v int64) { c.Breaker.Adaptive.History = int(v) }},
		{"router.window", WindowLimit, func(c *Config, v int64) { c.Router.Window = int(v) }},
		{"defaults.window", defaults.WindowLimit, func(c *Config, v int64) { c.Defaults.Window = int(v) }},
	}
}

func TestNewRefusesEverySizeBeyondItsLimit(t *testing.T) {
	for _, k := range sizeKnobs() {
		for _, v := range []int64{k.limit + 1, math.MaxInt64} {
			t.Run(fmt.Sprintf("%s=%d", k.field, v), func(t *testing.T) {
				cfg := testConfig()
				k.set(&cfg, v)
				r, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
				assert.Nil(t, r)
				require.ErrorIs(t, err, ErrInvalidConfig)
				var ce *ConfigError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, k.field, ce.Field)
				assert.Equal(t, fmt.Sprintf("must be at most %d, got %d", k.limit, v), ce.Msg)
				assert.Len(t, unjoin(err), 1, "one problem: %v", err)
			})
		}
	}
}

// The history's minimum is bounded by its window, not by a limit of its
// own.
func TestNewRefusesMinHistoryBeyondTheWindow(t *testing.T) {
	for _, v := range []int{defaults.DefaultWindow + 1, math.MaxInt} {
		cfg := testConfig()
		cfg.Defaults.MinHistory = v
		_, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
		require.ErrorIs(t, err, defaults.ErrInvalidConfig)
		var ce *ConfigError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "defaults.min_history", ce.Field)
		assert.Equal(t, fmt.Sprintf("must not exceed window (12), got %d", v), ce.Msg)
	}
}

// Every size at its limit at once: New makes the resolver (the cache's
// counters for cache.MaxCostLimit are its largest allocation, 256 MiB),
// which answers and closes.
func TestNewAtEverySizeLimit(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	for _, k := range sizeKnobs() {
		k.set(&cfg, k.limit)
	}
	cfg.Defaults.MinHistory = defaults.WindowLimit
	r := newTestResolver(t, cfg, newStub(1.5), newStub(2))
	res, err := r.Resolve(context.Background(), "cpc", shoes)
	require.NoError(t, err)
	assert.Equal(t, 1.5, res.Value)
	assert.Equal(t, LayerPrimary, res.Layer)
	require.NoError(t, r.Close())
}

func TestParseConfigRefusesHugeSizesWithTheirLine(t *testing.T) {
	for _, v := range []string{"1099511627776", "9223372036854775807"} { // 1 TiB, the int64 maximum
		doc := strings.Replace(validYAML, "cache:\n", "cache:\n  max_cost: "+v+"\n", 1)
		_, err := ParseConfig([]byte(doc))
		require.ErrorIs(t, err, cache.ErrInvalidConfig)
		var ce *ConfigError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "cache.max_cost", ce.Field)
		assert.Equal(t, strings.Count(doc[:strings.Index(doc, "max_cost:")], "\n")+1, ce.Line)
		assert.Equal(t, "must be at most 1073741824, got "+v, ce.Msg)
	}
}

// forecast.fit_time is bounded: a fit assumed to take longer than
// FitTimeLimit is one no resolve would wait for.
func TestForecastFitTimeIsBounded(t *testing.T) {
	for _, v := range []time.Duration{FitTimeLimit + time.Nanosecond, 87600 * time.Hour} {
		cfg := testConfig()
		cfg.Forecast.FitTime = v
		r, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
		assert.Nil(t, r)
		var ce *ConfigError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "forecast.fit_time", ce.Field)
		assert.Contains(t, ce.Msg, "must be at most")
	}
	cfg := testConfig()
	cfg.Forecast.FitTime = FitTimeLimit
	r := newTestResolver(t, cfg, newStub(1), newStub(1))
	require.NoError(t, r.Close())
}

// A season the model could never use with forecast.max_points is refused:
// an hourly key with its weekly season (168) and the default 256 points
// was forecast with no season at all, its daily cycle lost too.
func TestASeasonNeedsTwiceItsLengthOfPoints(t *testing.T) {
	cfg := testConfig()
	cfg.DataTypes[0].Period = stats.Hourly
	cfg.DataTypes[0].Season = 168
	_, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "data_types[0].season", ce.Field)
	assert.Equal(t, "a season of 168 needs forecast.max_points above 336 (a season is used only on a series longer than two of them), got 256", ce.Msg)

	cfg.Forecast.MaxPoints = 337
	r, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
	require.NoError(t, err)
	require.NoError(t, r.Close())

	// The in-memory history must keep that many too.
	cfg.Forecast.History.MaxPoints = 300
	_, err = New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "a season of 168 needs forecast.history.max_points above 336 (a season is used only on a series longer than two of them), got 300", ce.Msg)
}

// The in-memory history's default size (stats.DefaultMaxPoints, 512)
// counts too; a history of the host's own (WithHistory) is its business.
func TestASeasonNeedsTwiceItsLengthInTheDefaultHistory(t *testing.T) {
	cfg := testConfig()
	cfg.DataTypes[0].Period = stats.Hourly
	cfg.DataTypes[0].Season = 300
	cfg.Forecast.MaxPoints = 1000
	_, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "data_types[0].season", ce.Field)
	assert.Equal(t, "a season of 300 needs forecast.history.max_points above 600 (a season is used only on a series longer than two of them), got 512", ce.Msg)

	h, err := stats.NewMemoryHistory(stats.MemoryConfig{MaxPoints: 2000})
	require.NoError(t, err)
	r, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)), WithHistory(h))
	require.NoError(t, err)
	require.NoError(t, r.Close())
}
