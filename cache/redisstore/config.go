package redisstore

import (
	"fmt"
	"strings"
	"time"
)

// Config configures a Store. Zero fields take the defaults.
type Config struct {
	// Prefix is the first part of every key's namespace. Default
	// "strata". It may contain ':' but no whitespace, control character
	// or glob character (*?[]\), so that DeleteMatching can SCAN for the
	// namespace exactly.
	Prefix string
	// Version is the second part of the namespace: a Store with another
	// Version neither sees nor deletes the keys of this one. Default "v1".
	// Change it when the entries' meaning changes (the encoding carries
	// its own format version). Same characters as Prefix, and no ':'.
	Version string
	// Timeout bounds every round trip to Redis; the caller's context
	// bounds it too. Default 50ms; it must not be negative. The default
	// suits a Redis on the same network: a new connection takes several
	// round trips (dial, handshake) within one Timeout, and a call that
	// times out closes its connection, so with a Redis 20ms away the
	// default fails every call made at once while serial ones pass. For
	// a distant Redis raise Timeout, or keep connections open
	// (redis.Options.MinIdleConns).
	Timeout time.Duration
	// Cooldown is how long the Store stops calling Redis after a call
	// failed to reach it (a connection error, or no answer within
	// Timeout): in the meantime every call fails at once with
	// ErrUnavailable, so an outage costs each resolve nothing rather than
	// a Timeout. A call that its caller cancels, or gives less than half
	// of Timeout before its deadline, does not count. Default 1s; it must
	// not be negative.
	Cooldown time.Duration
	// ClockSkew is how far ahead of Redis's own clock an entry's StoredAt
	// may be and still win against a write with an earlier one (see Set):
	// an entry dated further ahead was written by an instance whose clock
	// runs ahead, and a write replaces it — else every other instance's
	// newer answer would be refused for as long as that clock is ahead.
	// So Redis's clock must agree with the instances' within ClockSkew, as
	// theirs must with each other's: a Redis clock behind them would see
	// their newest entries as ahead and let an older write replace one.
	// Default 1s (the resolver's cache.clock_skew); it must not be
	// negative.
	ClockSkew time.Duration
}

// LimiterConfig configures a Limiter. Zero fields take the defaults.
type LimiterConfig struct {
	// Prefix and Version namespace the limiter's keys as in Config; the
	// rate-limiting library adds its own "rate:" in front, so a limiter's
	// key for "ads" is "rate:strata:v1:quota:ads" (the resolver asks for
	// provider ads' quota as "provider:ads": "rate:strata:v1:quota:provider:ads").
	// Defaults "strata" and "v1".
	Prefix  string
	Version string
	// Instances is the number of instances sharing the quota. When Redis
	// cannot be reached each instance admits its local share: perSecond
	// / Instances, with a burst of burst / Instances (at least 1).
	// Instances that still reach Redis share the whole quota there, so
	// while only some have lost it the fleet admits up to the quota plus
	// their local shares (see Limiter); a larger Instances makes that
	// excess smaller. Default 1 (the whole quota); it must not be
	// negative.
	Instances int
	// Timeout bounds every round trip to Redis, as in Config. Default
	// 50ms. Keep it at most the resolver's cache.store_timeout: the
	// resolver waits for a SharedLimiter twice that, then uses its own
	// bucket — the whole quota in every instance — instead of this
	// Limiter's local share.
	Timeout time.Duration
	// Cooldown is how long the Limiter decides locally without calling
	// Redis after a call failed to reach it, as in Config. Default 1s.
	Cooldown time.Duration
}

// HistoryConfig configures a History. Zero fields take the defaults.
type HistoryConfig struct {
	// Prefix and Version namespace the series as in Config: the series of
	// key k is the sorted set "prefix:version:#h:k" (a Store of the same
	// Prefix and Version leaves it alone). Defaults "strata" and "v1".
	Prefix  string
	Version string
	// MaxPoints bounds each key's series: appending beyond it drops the
	// oldest observations, and Observations reads at most the MaxPoints
	// newest (one LIMIT), whatever the sorted set holds. Default 512
	// (stats.DefaultMaxPoints); at most MaxPointsLimit.
	MaxPoints int
	// Retention is how long an observation is kept, counted from its
	// time: an older one is not recorded, not returned, and deleted by
	// Prune; and a key's whole series expires Retention after its last
	// append. Zero keeps observations until MaxPoints pushes them out;
	// it must not be negative.
	Retention time.Duration
	// Timeout and Cooldown bound every round trip to Redis as in Config.
	// Defaults 50ms and 1s.
	Timeout  time.Duration
	Cooldown time.Duration
}

// HealthBusConfig configures a HealthBus. Zero fields take the defaults.
type HealthBusConfig struct {
	// Prefix and Version namespace the channel as in Config: the bus
	// publishes on "prefix:version:#health". Defaults "strata" and "v1".
	Prefix  string
	Version string
	// Timeout and Cooldown bound every Publish as in Config. Defaults
	// 50ms and 1s.
	Timeout  time.Duration
	Cooldown time.Duration
	// Ping is how often a subscription that hears nothing pings Redis to
	// find a dead connection and reconnect. Default 1s; it must not be
	// negative.
	Ping time.Duration
}

// Defaults of Config, LimiterConfig, HistoryConfig and HealthBusConfig.
const (
	DefaultPrefix    = "strata"
	DefaultVersion   = "v1"
	DefaultTimeout   = 50 * time.Millisecond
	DefaultCooldown  = time.Second
	DefaultClockSkew = time.Second
	DefaultMaxPoints = 512
	DefaultPing      = time.Second
)

// MaxPointsLimit bounds HistoryConfig.MaxPoints: 10000 holds an hourly
// series over a year.
const MaxPointsLimit = 10_000

// namespace validates prefix and version and returns "prefix:version:".
func namespace(prefix, version string) (string, error) {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if version == "" {
		version = DefaultVersion
	}
	if err := checkName(prefix, false); err != nil {
		return "", fmt.Errorf("redisstore: invalid config: prefix: %s", err)
	}
	if err := checkName(version, true); err != nil {
		return "", fmt.Errorf("redisstore: invalid config: version: %s", err)
	}
	return prefix + ":" + version + ":", nil
}

func checkName(s string, noColon bool) error {
	for _, r := range s {
		switch {
		case r <= ' ' || r == 0x7f:
			return fmt.Errorf("%q: must not contain whitespace or control characters", s)
		case strings.ContainsRune(`*?[]\`, r):
			return fmt.Errorf("%q: must not contain the glob character %q", s, r)
		case noColon && r == ':':
			return fmt.Errorf("%q: must not contain ':'", s)
		}
	}
	return nil
}

// durations validates and defaults a timeout and a cooldown.
func durations(timeout, cooldown time.Duration) (time.Duration, time.Duration, error) {
	if timeout < 0 {
		return 0, 0, fmt.Errorf("redisstore: invalid config: timeout: must not be negative, got %v", timeout)
	}
	if cooldown < 0 {
		return 0, 0, fmt.Errorf("redisstore: invalid config: cooldown: must not be negative, got %v", cooldown)
	}
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	if cooldown == 0 {
		cooldown = DefaultCooldown
	}
	return timeout, cooldown, nil
}
