// Package redisstore puts strata's shared tier on Redis: a cache.Store
// that many instances of a program share, so that an answer one instance
// paid for serves them all, and a Limiter that holds a provider's quota
// (per API key, so per fleet) across every instance.
//
// It is its own Go module (github.com/strata-go/strata/cache/redisstore)
// so that strata itself does not depend on a Redis client. It uses
// github.com/redis/go-redis/v9: the host builds the client (strata opens
// no sockets) and passes it to New and NewLimiter; the fleet-wide limit is
// github.com/go-redis/redis_rate's GCRA, which runs on the same client.
//
// # Composition
//
// The resolver in package fallback takes a Store with fallback.WithStore:
// on a miss of its in-process cache it asks the Store before any provider,
// and it writes every good provider answer to it. It takes a Limiter with
// fallback.WithSharedLimiter and asks it before every call to a
// rate-limited provider.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "redis:6379", ContextTimeoutEnabled: true})
//	store, _ := redisstore.New(rdb, redisstore.Config{})
//	quota, _ := redisstore.NewLimiter(rdb, redisstore.LimiterConfig{Instances: 8})
//	r, _ := fallback.New(cfg, fallback.WithStore(store), fallback.WithSharedLimiter(quota), ...)
//
// # Keys and values
//
// An entry for the resolver's canonical key k lives at "strata:v1:k"
// (Config.Prefix and Config.Version); sensitive param values in k are
// already replaced by a keyed hash by the resolver. The value is a
// compact binary record with a format byte and a CRC-32C (see codec.go):
// a value that does not decode — another program's key, a partial write,
// a format from a later version — is a miss and is deleted, never served.
// Times come back in UTC, equal to what was stored.
//
// # Failures
//
// Redis is an optimisation, never a dependency of an answer. Every call
// is bounded by Config.Timeout (50ms) and the caller's context and returns
// by then even when the client would wait longer. After a call fails to
// reach Redis the Store and the Limiter stop calling it for
// Config.Cooldown (1s): the Store answers ErrUnavailable at once (a miss
// for the resolver) and the Limiter decides from each instance's local
// share of the quota.
package redisstore
