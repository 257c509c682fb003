package fallback

import (
	"context"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/defaults"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/stats"
)

// Option configures a Resolver at New.
type Option func(*options)

type options struct {
	rawErrors   bool
	providers   map[string]providers.Provider
	dupProvider []string
	observer    Observer
	history     stats.History
	seed        uint64
	seeded      bool
	market      defaults.Factor
	user        defaults.Factor
	credentials providers.Credentials
	store       cache.Store
	limiter     SharedLimiter
	hashKey     []byte

	sharedHistory stats.History
	healthBus     HealthBus
}

// WithProvider registers the implementation of the provider the config
// declares under name. Every declared provider needs one; registering a
// name the config does not declare, or the same name twice, is an error
// at New.
func WithProvider(name string, p providers.Provider) Option {
	return func(o *options) {
		if _, dup := o.providers[name]; dup || p == nil {
			o.dupProvider = append(o.dupProvider, name)
			return
		}
		o.providers[name] = p
	}
}

// WithObserver sets the observer that receives every event, from a
// goroutine of the resolver's (see Observer). Without one, no event is
// built.
func WithObserver(obs Observer) Option { return func(o *options) { o.observer = obs } }

// WithHistory sets the history the resolver records good answers into and
// forecasts from. Without one it keeps a bounded in-memory history
// (Config.Forecast.History). A resolve reads at most the last WindowLimit
// observations of a key's series (the newest: a History returns them
// oldest first), so that a series of millions costs no more than one of
// WindowLimit. A nil *stats.MemoryHistory is an error at New.
func WithHistory(h stats.History) Option { return func(o *options) { o.history = h } }

// WithSeed seeds the resolver's randomness (retry jitter, the answers
// drawn for an audit: PlausibilityConfig.AuditRate). Without it the seed
// comes from the clock, so that many instances do not retry in step.
func WithSeed(seed uint64) Option {
	return func(o *options) { o.seed, o.seeded = seed, true }
}

// WithMarketFactor sets the default engine's market-condition factor. It
// is called guarded (see ErrCallbackPanic), with its own copy of the
// resolve's params.
func WithMarketFactor(f defaults.Factor) Option { return func(o *options) { o.market = f } }

// WithUserFactor sets the default engine's per-user behaviour factor,
// called as the market factor is (WithMarketFactor).
func WithUserFactor(f defaults.Factor) Option { return func(o *options) { o.user = f } }

// WithCredentials sets the source of the providers' secrets, asked before
// every attempt; when it also implements providers.Refresher, an Auth
// failure refreshes the provider's credential once and retries once. When
// it gives no secret (an error, a panic, no answer before the tier's share
// of the deadline), the attempt fails Auth without calling the provider,
// and its error matches ErrCredentials.
func WithCredentials(c providers.Credentials) Option { return func(o *options) { o.credentials = c } }

// WithStore sets a second-level cache shared between instances (for
// example cache/redisstore): consulted after the in-process cache and
// before any provider; written after every good provider answer, by the
// resolver's writer, off the caller's path (Config.Cache.WriteQueue), to
// be kept for the TTL plus Config.Cache.StaleWindow; and read for layer 3
// when the process has no acceptable last good answer of its own for a key. A Store
// that is a cache.Claimer also takes fill claims when Config.Cache.Claim
// is set. Its failures and timeouts (Config.Cache.StoreTimeout) count as
// misses and never fail a resolve.
func WithStore(s cache.Store) Option { return func(o *options) { o.store = s } }

// WithSharedHistory adds a history shared by every instance of a fleet
// (for example cache/redisstore's History) behind the resolver's own
// (WithHistory, or the in-memory default), which it keeps: every
// observation the resolver records goes to both, to the shared one from
// the resolver's writer, off the caller's path (Config.Cache.WriteQueue);
// and the statistical layer forecasts from the shared one's series when
// it answers within the store timeout (and half of what is left of the
// resolve's deadline) with at least as many observations as the
// resolver's own, else from its own — so a shared history that fails,
// hangs or was flushed costs no forecast the process could make alone.
// When the shared history implements OnceAppender the fleet records one
// observation per key and period, whichever instance made it first.
// Forget and Prune reach both, through their optional capabilities
// (stats.Lister, stats.Deleter, stats.Pruner).
func WithSharedHistory(h stats.History) Option {
	return func(o *options) { o.sharedHistory = h }
}

// WithHealthBus sets the bus fleet-aware health uses (see
// FleetHealthConfig and HealthBus); it is required when
// Config.FleetHealth.Enabled is set, and refused when it is not.
func WithHealthBus(b HealthBus) Option { return func(o *options) { o.healthBus = b } }

// SharedLimiter enforces a rate limit across every instance sharing it
// (for example cache/redisstore's Limiter), so a fleet sharing one API key
// stays within the provider's quota. Allow takes one request of the bucket
// named key. The resolver waits for it up to twice Config.Cache.StoreTimeout,
// and no longer than the attempt's share of the deadline (with none left
// it is not asked):
// a limiter should decide by itself within the store timeout when its
// backend is slow (cache/redisstore's Limiter falls back to a local share
// of the quota, so a fleet keeps within it through an outage). An error,
// or no answer by then, makes the resolver fall back to the provider's
// local bucket for that request — the whole quota, in every instance.
// Allow is the last gate of an attempt, asked only for one the budget and
// the breaker admitted: while it decides, the attempt's cost is held on
// the budget (a resolve sharing the budget sees it spent) and a half-open
// breaker's probe is held; a refusal gives both back.
// A request Allow granted for an attempt that is then not made (its
// credential failed, Close came, no time was left) is spent: the
// interface has no way to give it back, where the local bucket takes its
// token back.
type SharedLimiter interface {
	Allow(ctx context.Context, key string, perSecond float64, burst int) (bool, error)
}

// WithSharedLimiter enforces the providers' rate limits (ProviderConfig's
// RateLimit) through l instead of per process.
func WithSharedLimiter(l SharedLimiter) Option { return func(o *options) { o.limiter = l } }

// WithHashKey sets the key of the keyed hash (HMAC-SHA256) that stands
// for a sensitive param's value in cache keys, in process and in the
// shared tier, so no key holds a person's data. Instances sharing a Store
// must share the key; keep it secret. It is required when any param is
// marked sensitive.
func WithHashKey(key []byte) Option {
	return func(o *options) { o.hashKey = append([]byte(nil), key...) }
}

// WithProviderErrors makes the errors a resolve reports — Attempt.Err,
// Event.Err, the error Resolve returns — unwrap to the provider's own
// error values, for a host that needs its providers' error types. Without
// it they do not: a provider's error is reported as a *providers.Error of
// its class around a scrubbed message, which matches the class sentinels,
// context errors and strata's sentinels the original matched, and nothing
// else. Warning: with it, the chain below the scrubbed message is the
// provider's own, unscrubbed; an error reporter that walks the chain can
// print a secret or a sensitive value the provider echoed.
func WithProviderErrors() Option { return func(o *options) { o.rawErrors = true } }
