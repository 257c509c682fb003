// Package redisstore puts strata's shared state on Redis, so that a fleet
// of instances shares what each learns: a cache.Store (the shared tier:
// an answer one instance paid for serves them all, and stays readable past
// its TTL as a stale last good answer for an instance that has none, after
// a restart say), a History (the keys' series, one observation per key
// and period for the whole fleet, which every instance forecasts from), a
// HealthBus (breaker openings, so the fleet stops calling a provider that
// is down once one instance has learned it) and a Limiter (a provider's
// quota, per API key, so per fleet, across every instance).
//
// It is its own Go module (github.com/strata-go/strata/cache/redisstore)
// so that strata itself does not depend on a Redis client. It uses
// github.com/redis/go-redis/v9: the host builds the client (strata opens
// no sockets) and passes it to New, NewHistory, NewHealthBus and
// NewLimiter; the fleet-wide limit is github.com/go-redis/redis_rate's
// GCRA, which runs on the same client.
//
// # Composition
//
// The resolver in package fallback takes a Store with fallback.WithStore:
// on a miss of its in-process cache it asks the Store before any provider,
// writes every good provider answer to it from a goroutine of its own, and
// reads it for layer 3 when it has no acceptable last good answer of its own; with
// cache.claim set, it claims a key in the Store (a cache.Claimer) before
// calling a provider, so that instances missing a key at once pay for it
// once. It takes a History with fallback.WithSharedHistory, behind its own history,
// which it keeps; a HealthBus with fallback.WithHealthBus, with
// fleet_health.enabled set in its config; and a Limiter with
// fallback.WithSharedLimiter, which it asks before every call to a
// rate-limited provider.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "redis:6379", ContextTimeoutEnabled: true})
//	store, _ := redisstore.New(rdb, redisstore.Config{})
//	history, _ := redisstore.NewHistory(rdb, redisstore.HistoryConfig{Retention: 90 * 24 * time.Hour})
//	bus, _ := redisstore.NewHealthBus(rdb, redisstore.HealthBusConfig{})
//	quota, _ := redisstore.NewLimiter(rdb, redisstore.LimiterConfig{Instances: 8})
//	cfg.FleetHealth.Enabled = true
//	r, _ := fallback.New(cfg, fallback.WithStore(store), fallback.WithSharedHistory(history),
//		fallback.WithHealthBus(bus), fallback.WithSharedLimiter(quota), ...)
//
// # Keys and values
//
// An entry for the resolver's canonical key k lives at "strata:v1:k"
// (Config.Prefix and Config.Version); sensitive param values in k are
// already replaced by a keyed hash by the resolver. The value is a
// compact binary record with a format byte and a CRC-32C (see codec.go):
// a value that does not decode — another program's key, a partial write,
// a format from a later version, a key of another Redis type than a
// string — is a miss and is deleted, never served (Stats.Corrupt).
// An entry is at most MaxEntrySize (64 KiB) encoded: Set refuses a longer
// one, and Get deletes a longer value without transferring it (it checks
// the length first, in the same round trip), so another program's value
// of megabytes is a corrupt miss, not a read that outlasts the Timeout
// and passes for an outage.
// Times come back in UTC, equal to what was stored — but for an entry
// dated more than Config.ClockSkew ahead of Redis's own clock, which Set
// dates by Redis's clock, its age kept. Set never replaces a newer entry
// (a later StoredAt, see cache.Store) — unless it is dated that far
// ahead: it compares and writes in one Lua step.
//
// Names of the namespace that start with "#" are not the Store's entries:
// k's series is the sorted set "strata:v1:#h:k" (see History), k's fill
// claim the string "strata:v1:#c:k" (see Store.Claim), and the HealthBus
// publishes on the channel "strata:v1:#health". A Store's DeleteMatching
// never sees them; Forget reaches the series through the
// History. A key under "#h:" that is not a sorted set cannot be a series:
// the first History call that meets it (Append, AppendOnce, Observations,
// Prune) deletes it and goes on as if the series were missing
// (HistoryStats.Foreign), as the Store deletes another program's value;
// kept, it would make every call on that key fail with WRONGTYPE for
// good, and the namespace is strata's.
//
// # Failures
//
// Redis is an optimisation, never a dependency of an answer. Every call
// is bounded by its Timeout (50ms) and the caller's context and returns by
// then even when the client would wait longer. After a call fails to
// reach Redis each part stops calling it for its Cooldown (1s): the Store
// and the History answer ErrUnavailable at once (a miss, or the
// resolver's own history, for the resolver), the Limiter decides from
// each instance's local share of the quota, and a HealthBus subscription
// that fails or falls silent subscribes again on a new connection. The
// resolver keeps its own last good answers and history whatever Redis
// does; the real-server tests kill, pause, slow and flush Redis under it.
package redisstore
