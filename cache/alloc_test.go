//go:build !race

// The race detector's instrumentation allocates where the code does not,
// so the allocation promises are checked without it.

package cache

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Fresh and FreshBytes do not allocate when the read-through tier has the
// entry.
func TestAFreshHitDoesNotAllocate(t *testing.T) {
	c, err := New(Config{})
	require.NoError(t, err)
	defer c.Close()
	now := time.Now()
	c.Put("cpc?keyword=shoes", Entry{Value: 1, StoredAt: now, Source: "p1"}, time.Hour)
	_, ok := c.hotGet(c.hash("cpc?keyword=shoes"))
	require.True(t, ok, "the read-through tier holds the entry")
	key := []byte("cpc?keyword=shoes")
	allocs := testing.AllocsPerRun(100, func() {
		if _, ok := c.Fresh("cpc?keyword=shoes", time.Hour, now); !ok {
			t.Fatal("Fresh missed")
		}
		if _, _, ok := c.FreshBytes(key, time.Hour); !ok {
			t.Fatal("FreshBytes missed")
		}
	})
	assert.Zero(t, allocs)
}

// Validate allocates nothing for a valid Config (zero, every field at its
// limit).
func TestValidateOfAValidConfigDoesNotAllocate(t *testing.T) {
	for _, cfg := range []Config{{}, {MaxCost: MaxCostLimit, LastGoodCapacity: CapacityLimit, NegativeCapacity: CapacityLimit}} {
		allocs := testing.AllocsPerRun(100, func() {
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
		})
		assert.Zero(t, allocs, "%+v", cfg)
	}
}
