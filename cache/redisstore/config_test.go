package redisstore

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/stats"
)

// The zero configs take the values their doc comments give: the
// namespace "strata:v1:", 50ms and 1s for every part's Timeout and
// Cooldown, a ClockSkew of 1s, 512 points a series (stats.DefaultMaxPoints),
// a ping every second, one instance's quota, and the keys the package doc
// names.
func TestDocumentedDefaults(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: deadAddr(t)})
	defer c.Close()
	want := guard{timeout: 50 * time.Millisecond, cooldown: time.Second}

	s, err := New(c, Config{})
	require.NoError(t, err)
	assert.Equal(t, "strata:v1:cpc?keyword=shoes", s.Key("cpc?keyword=shoes"))
	assert.Equal(t, want.timeout, s.g.timeout, "Store timeout")
	assert.Equal(t, want.cooldown, s.g.cooldown, "Store cooldown")
	assert.Equal(t, time.Second, s.skew, "ClockSkew")

	h, err := NewHistory(c, HistoryConfig{})
	require.NoError(t, err)
	assert.Equal(t, "strata:v1:#h:cpc?keyword=shoes", h.Key("cpc?keyword=shoes"))
	assert.Equal(t, 512, h.maxPoints, "MaxPoints")
	assert.Equal(t, stats.DefaultMaxPoints, h.maxPoints, "MaxPoints: stats.DefaultMaxPoints")
	assert.Equal(t, want.timeout, h.g.timeout, "History timeout")
	assert.Equal(t, want.cooldown, h.g.cooldown, "History cooldown")

	b, err := NewHealthBus(c, HealthBusConfig{})
	require.NoError(t, err)
	assert.Equal(t, "strata:v1:#health", b.Channel())
	assert.Equal(t, time.Second, b.ping, "Ping")
	assert.Equal(t, want.timeout, b.g.timeout, "HealthBus timeout")
	assert.Equal(t, want.cooldown, b.g.cooldown, "HealthBus cooldown")

	l, err := NewLimiter(c, LimiterConfig{})
	require.NoError(t, err)
	assert.Equal(t, "rate:strata:v1:quota:ads", rateKeyPrefix+l.ns+"ads", "the limiter's key for ads")
	assert.Equal(t, 1, l.instances, "Instances")
	assert.Equal(t, want.timeout, l.g.timeout, "Limiter timeout")
	assert.Equal(t, want.cooldown, l.g.cooldown, "Limiter cooldown")

	assert.Equal(t, 64<<10, MaxEntrySize, "MaxEntrySize: 64 KiB")
	assert.Equal(t, 10_000, MaxPointsLimit, "MaxPointsLimit")
}
