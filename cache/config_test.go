package cache

import (
	"fmt"
	"math"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Each size refused beyond its range: negative, one past its limit, and
// the int64 maximum (which ristretto would otherwise try to allocate
// counters for).
func TestNewRefusesEachSizeOutOfRange(t *testing.T) {
	sizes := []struct {
		field string
		limit int64
		set   func(*Config, int64)
	}{
		{"max_cost", MaxCostLimit, func(c *Config, v int64) { c.MaxCost = v }},
		{"last_good_capacity", CapacityLimit, func(c *Config, v int64) { c.LastGoodCapacity = int(v) }},
		{"negative_capacity", CapacityLimit, func(c *Config, v int64) { c.NegativeCapacity = int(v) }},
	}
	for _, size := range sizes {
		for v, why := range map[int64]string{
			-1:             "must not be negative, got -1",
			size.limit + 1: fmt.Sprintf("must be at most %d, got %d", size.limit, size.limit+1),
			math.MaxInt64:  fmt.Sprintf("must be at most %d, got %d", size.limit, int64(math.MaxInt64)),
		} {
			var cfg Config
			size.set(&cfg, v)
			c, err := New(cfg)
			assert.Nil(t, c)
			require.ErrorIs(t, err, ErrInvalidConfig)
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, "cache: invalid config: "+size.field+": "+why, err.Error())
			assert.Equal(t, size.field, ce.Field)
			assert.Equal(t, err, cfg.Validate(), "Validate reports what New refuses")
		}
	}
}

// New at every limit at once allocates no more than the 256 MiB of
// ristretto's counters that Limits promises, and makes a cache that
// stores and answers. Not parallel: it reads the heap's allocation total.
func TestNewAtTheLimits(t *testing.T) {
	cfg := Config{MaxCost: MaxCostLimit, LastGoodCapacity: CapacityLimit, NegativeCapacity: CapacityLimit}
	require.NoError(t, cfg.Validate())
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	c, err := New(cfg)
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	defer c.Close()
	assert.LessOrEqual(t, after.TotalAlloc-before.TotalAlloc, uint64(256+8)<<20, "New allocates at most 256 MiB, and a little")
	assert.EqualValues(t, MaxCostLimit, c.hot.MaxCost())
	assert.Equal(t, CapacityLimit, c.lkg.Cap())
	assert.Equal(t, CapacityLimit, c.neg.Cap())

	now := time.Now()
	c.Put("cpc?keyword=shoes", Entry{Value: 1.25, ObservedAt: now, StoredAt: now, Source: "p1", Confidence: 0.9, Layer: 1}, time.Minute)
	e, ok := c.Fresh("cpc?keyword=shoes", time.Minute, now.Add(time.Second))
	require.True(t, ok)
	assert.Equal(t, 1.25, e.Value)
}

func TestNewFillsDefaults(t *testing.T) {
	cfg := Config{}
	c, err := New(cfg)
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, Config{}, cfg, "New never writes into cfg")
	assert.EqualValues(t, DefaultMaxCost, c.hot.MaxCost())
	assert.Equal(t, DefaultLastGoodCapacity, c.lkg.Cap())
	assert.Equal(t, DefaultNegativeCapacity, c.neg.Cap())
}
