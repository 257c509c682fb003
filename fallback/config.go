package fallback

import (
	"math"
	"regexp"
	"time"

	"github.com/strata-go/strata/breaker"
	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/defaults"
	"github.com/strata-go/strata/router"
	"github.com/strata-go/strata/stats"
)

// Config is the whole configuration of a Resolver: the providers, the data
// types and every weight and threshold of the layers. It reads from YAML
// with LoadConfig or ParseConfig, or is built in Go. A zero field means the
// documented default; New validates the config and never modifies it.
//
// The settings of the packages the resolver is built from are their own
// Config types, embedded whole: breaker.Config (breaker), router.Config
// (router), cache.Config (cache, inline beside the resolver's own cache
// settings), stats.Config and stats.MemoryConfig (forecast.model and
// forecast.history) and defaults.Config (defaults). Each documents its
// fields and their defaults; an error from its validation is a
// *ConfigError naming the field by its YAML path and unwrapping to the
// package's own error, so errors.Is(err, breaker.ErrInvalidConfig) holds.
//
// Every size is bounded (see CapacityLimit, ConcurrencyLimit, WindowLimit,
// ParamLengthLimit, BudgetThresholdsLimit, and cache.MaxCostLimit and
// cache.CapacityLimit), so a
// typo cannot ask for memory the process does not have; and names follow
// NamePattern.
type Config struct {
	// Providers declares every data source. Each needs an implementation
	// registered with WithProvider under the same name.
	Providers []ProviderConfig `yaml:"providers"`
	// DataTypes declares every fact the resolver answers.
	DataTypes []DataTypeConfig `yaml:"data_types"`
	// Resolve holds the deadline and the walk's settings.
	Resolve ResolveConfig `yaml:"resolve"`
	// Cache holds the cache's size and acceptance rule.
	Cache CacheConfig `yaml:"cache"`
	// Retry is the retry policy of every provider that does not set its
	// own.
	Retry RetryConfig `yaml:"retry"`
	// Breaker configures every provider's circuit breaker (see package
	// breaker for each field and its default: 5 consecutive failures, 60s
	// open, 3 half-open probes, adaptive open durations). A provider's own
	// Breaker replaces it whole. Its window_size, window_buckets and
	// adaptive.history are at most WindowLimit. An OnStateChange set here
	// or on a provider's Breaker is called by the resolver from a
	// goroutine of its own, in order, after the transition: one that
	// blocks holds no resolve (Close names it if it is still running), one
	// that panics is reported as an EventCallback, and transitions beyond
	// Resolve.ObserverQueue waiting are dropped (Snapshot's EventsDropped).
	Breaker breaker.Config `yaml:"breaker"`
	// Router configures provider health tracking and the source score
	// (see package router: weights health .30, quality .25, performance
	// .20, capacity .15, cost .10; status thresholds .9/.7/.5). Its window
	// is at most WindowLimit.
	Router router.Config `yaml:"router"`
	// Forecast configures the statistical layer and the history it reads.
	Forecast ForecastConfig `yaml:"forecast"`
	// Plausibility judges each provider answer against the key's last
	// good answer and its data type's volatility (see
	// PlausibilityConfig). On by default.
	Plausibility PlausibilityConfig `yaml:"plausibility"`
	// FleetHealth shares breaker openings between the instances of a
	// fleet (see FleetHealthConfig). Off by default.
	FleetHealth FleetHealthConfig `yaml:"fleet_health"`
	// Alerts raises typed alerts as events and lists them in the
	// Snapshot (see AlertsConfig). On by default.
	Alerts AlertsConfig `yaml:"alerts"`
	// Defaults configures the default engine (layer 5): the confidences,
	// the history window and the factor bounds (see package defaults). Its
	// Rules, Market and User are not configuration: New fills them from
	// the data types' defaults and from WithMarketFactor and
	// WithUserFactor, and refuses a Config that sets them.
	Defaults defaults.Config `yaml:"defaults"`
	// Retention is how long cached answers and history observations are
	// kept: older ones are deleted, not merely ignored (see Prune), and a
	// provider's answer observed longer ago than that is served but not
	// kept at all; the shared tier (WithStore) gets entries with a TTL no
	// longer than the retention, so it deletes them itself. A shared
	// history (WithSharedHistory) is pruned by every instance's Prune, so
	// only while some instance runs: give it a retention of its own too
	// (redisstore.HistoryConfig.Retention) for its series to expire by
	// themselves. A data type's ttl (and a learned TTL's adaptive_ttl.max
	// set by hand) must not exceed it; a learned TTL's default maximum is
	// cut to it. Zero keeps them until capacity pushes them out.
	Retention time.Duration `yaml:"retention"`
	// RetentionInterval is how often the resolver prunes by itself when a
	// Retention is set. Default 1h; at least MinRetentionInterval (a
	// shorter one would keep a core busy pruning).
	RetentionInterval time.Duration `yaml:"retention_interval"`
}

// Tier is a provider's layer: primary (layer 1) or secondary (layer 2).
type Tier string

// The provider tiers.
const (
	Primary   Tier = "primary"
	Secondary Tier = "secondary"
)

// ProviderConfig declares one provider.
type ProviderConfig struct {
	// Name identifies the provider; unique. Required; it follows
	// NamePattern.
	Name string `yaml:"name"`
	// Tier is primary or secondary. Required.
	Tier Tier `yaml:"tier"`
	// Confidence in the provider's data, in (0, 1]. Default 0.8. It is the
	// answer's confidence and the router's prior for data quality.
	Confidence float64 `yaml:"confidence"`
	// Cost is the money charged per request, debited from the context's
	// budget for every attempt (retries and hedges included). Default 0;
	// it must be finite, not negative and at most MaxBudget. A cost finer
	// than a nano-unit is charged, and reported, rounded up to the next
	// one (see Budget). Money totals (Snapshot) stop at the largest amount
	// rather than overflow.
	Cost float64 `yaml:"cost"`
	// ExpectedLatency is the provider's typical latency until one is
	// observed (then its observed p95 stands in): it decides whether a
	// retry, a hedge or a later attempt of the walk still fits the
	// deadline (or, when the deadline plan keeps time for a later tier,
	// its tier's share). The walk's first call, with no later tier to
	// keep time for, is made whenever time is left. Default 250ms.
	ExpectedLatency time.Duration `yaml:"expected_latency"`
	// Timeout bounds one attempt; it is always cut to fit the caller's
	// deadline. Default 1s.
	Timeout time.Duration `yaml:"timeout"`
	// DataTypes lists the data types the provider serves. A data type that
	// names no providers of its own uses every provider listing it.
	DataTypes []string `yaml:"data_types"`
	// Retry overrides the resolver-wide retry policy for this provider.
	Retry *RetryConfig `yaml:"retry"`
	// Breaker, when set, replaces the resolver-wide breaker configuration
	// for this provider.
	Breaker *breaker.Config `yaml:"breaker"`
	// RateLimit bounds the requests made to the provider; the zero value
	// means no limit. A provider without capacity left is skipped, never
	// queued for. A token is taken only for an attempt the breaker
	// admitted: one a half-open breaker turns away, its probes all out,
	// takes none. A token taken for an attempt then not made (its
	// credential failed, Close came, no time was left) is given back to
	// the process's bucket, never beyond its burst; a SharedLimiter's is
	// spent (see SharedLimiter).
	RateLimit RateLimitConfig `yaml:"rate_limit"`
	// MaxConcurrent bounds the provider's calls in flight (a bulkhead);
	// zero means no bound. A provider at its bound is skipped. A call the
	// resolver gave up on at its timeout holds its slot until the provider
	// returns: it is still in flight (a provider that ignores its context
	// keeps its slots, and is skipped, until it returns). At most
	// ConcurrencyLimit.
	MaxConcurrent int `yaml:"max_concurrent"`
	// Throttle turns on client-side adaptive throttling (Google SRE,
	// "Handling overload"): once the provider accepts too few requests,
	// the resolver rejects locally with probability
	// max(0, (requests − K × accepts) / (requests + 1)).
	Throttle ThrottleConfig `yaml:"throttle"`
	// Params lists the params the provider may receive (data
	// minimisation): it is handed only those, whatever the caller passed.
	// Empty means every param of the data type.
	Params []string `yaml:"params"`
	// Batch collects concurrent requests to the provider into one
	// FetchBatch call when the implementation is a
	// providers.BatchProvider.
	Batch BatchConfig `yaml:"batch"`
}

// BatchConfig turns on batching for a provider whose implementation is a
// providers.BatchProvider: requests arriving within Window of the first
// pending one, up to MaxSize, go out as one FetchBatch call; each gets its
// own answer or error. A batched request costs ItemCost instead of the
// provider's Cost (batch pricing).
type BatchConfig struct {
	// MaxSize is the largest batch; below 2 batching is off. At most
	// ConcurrencyLimit.
	MaxSize int `yaml:"max_size"`
	// Window is how long the first request of a batch waits for company.
	// Default 10ms.
	Window time.Duration `yaml:"window"`
	// ItemCost is the price of one request in a batch; it must be finite
	// and not negative.
	ItemCost float64 `yaml:"item_cost"`
}

// ThrottleConfig configures a provider's adaptive throttling, run by
// failsafe-go's adaptivethrottler over a time window. Its rejection draws
// come from failsafe-go's own random source, not the resolver's seed.
type ThrottleConfig struct {
	// Enabled turns throttling on.
	Enabled bool `yaml:"enabled"`
	// K is the SRE formula's multiplier: requests beyond K × accepts are
	// throttled. Default 2.
	K float64 `yaml:"k"`
	// Window is the period over which requests and accepts are counted.
	// Default 1m; at least MinThrottleWindow.
	Window time.Duration `yaml:"window"`
	// MinRequests is how many requests the window must hold before any is
	// throttled. Default 10.
	MinRequests int `yaml:"min_requests"`
	// MaxRejection caps the rejection probability. Default 0.9.
	MaxRejection float64 `yaml:"max_rejection"`
}

// RateLimitConfig is a token bucket: PerSecond requests per second on
// average, in bursts of up to Burst. Burst defaults to PerSecond rounded
// up (at least 1); a Burst without PerSecond is refused (it would limit
// nothing). With a SharedLimiter (WithSharedLimiter) the bucket is
// enforced across every instance sharing it.
type RateLimitConfig struct {
	PerSecond float64 `yaml:"per_second"`
	Burst     int     `yaml:"burst"`
}

// DataTypeConfig declares one data type: its params, the values it may
// take, how long answers stay fresh, where they come from and its default.
type DataTypeConfig struct {
	// Name identifies the data type ("cpc"); unique. Required; it follows
	// NamePattern.
	Name string `yaml:"name"`
	// Params is the schema of the params; a param it does not declare is
	// refused.
	Params []ParamConfig `yaml:"params"`
	// CorrelateBy names the params whose values group keys that move
	// together ("market"): a forecast is adjusted by what the fresh
	// answers of keys sharing a value show (see MarketConfig). Default:
	// every param that is not sensitive.
	CorrelateBy []string `yaml:"correlate_by"`
	// Bounds are the plausible values; an answer outside them is a
	// DataQuality failure of its provider. The zero Bounds means any finite
	// value; use .inf / math.Inf for an open side.
	Bounds Bounds `yaml:"bounds"`
	// TTL is how long an answer is served from cache without asking any
	// provider. Default 10m; it must not be negative.
	TTL time.Duration `yaml:"ttl"`
	// HalfLife is the age at which a cached answer's freshness score has
	// halved (freshness = 2^(-age/half_life)). Default 1h.
	HalfLife time.Duration `yaml:"half_life"`
	// Period is the spacing of the key's history for forecasting: hourly,
	// daily, weekly, monthly or a duration. Default daily.
	Period stats.Period `yaml:"period"`
	// Season is the seasonal cycle of the history in periods. Default from
	// the period: 24 hourly, 7 daily, 52 weekly, 12 monthly, else 1. At
	// most SeasonLimit, and under half of forecast.max_points (and of the
	// in-memory history's forecast.history.max_points, 512 by default,
	// when the host supplies no history of its own): the model
	// uses a season only on a series longer than two of them (a weekly
	// season of 168 hours needs max_points above 336, and the test for
	// seasonality passes reliably from about four seasons).
	Season int `yaml:"season"`
	// Primary lists the primary providers in order; each must list this
	// data type in its data_types. When neither Primary nor Secondary is
	// set, every provider that lists this data type is used, in
	// declaration order, in its own tier.
	Primary []string `yaml:"primary"`
	// Secondary lists the secondary providers in order, as Primary.
	Secondary []string `yaml:"secondary"`
	// Default is the default engine's configuration for this data type;
	// nil means layer 5 cannot answer it.
	Default *DefaultConfig `yaml:"default"`
	// Hedge configures hedged requests within a tier.
	Hedge HedgeConfig `yaml:"hedge"`
	// RefreshAhead turns on stale-while-revalidate: a cached answer older
	// than this but still within its TTL is served at once and refreshed
	// in the background (at most one refresh per key at a time), on the
	// budget of the resolve that was served (see WithBudget): a caller
	// whose budget cannot pay causes no paid call. What the refresh
	// spends is debited after that resolve returned and is in no
	// Result's Cost (its Result is a cache hit, cost 0): the Observer
	// sees its attempts (TaskRefresh), and Budget.Spent counts them, so
	// a budget's Spent may exceed the sum of its resolves' Costs. Zero
	// turns it off; it must be less than the TTL.
	RefreshAhead time.Duration `yaml:"refresh_ahead"`
	// NegativeTTL caches "not found": when every provider that answered
	// failed with a Permanent error, and none was left unasked (skipped
	// for the caller's budget or deadline, an open breaker, a spent rate
	// limit), the providers are not asked again for the key for this long
	// (the local layers still answer). Default 30s; negative turns it off.
	NegativeTTL time.Duration `yaml:"negative_ttl"`
	// AdaptiveTTL learns the TTL from how fast the data type's values
	// change.
	AdaptiveTTL AdaptiveTTLConfig `yaml:"adaptive_ttl"`
}

// AdaptiveTTLConfig learns a data type's TTL from its values. On every
// provider answer for a key that had an earlier one, the relative change
// per second, |v1 − v0| / |v0| / (t1 − t0), feeds an exponentially
// weighted mean over the data type (weight Smoothing for the newest). The
// TTL is then the time the mean rate takes to move a value by Tolerance:
//
//	ttl = clamp(Tolerance / rate, Min, Max)
//
// so volatile data is refetched sooner and stable data costs fewer calls.
// Until the first change is seen the configured TTL applies. A change too
// large for a float64 rate (from a value near zero) is not learned.
type AdaptiveTTLConfig struct {
	// Enabled turns learning on.
	Enabled bool `yaml:"enabled"`
	// Min and Max bound the learned TTL. Defaults: a tenth of the TTL and
	// ten times the TTL.
	Min time.Duration `yaml:"min"`
	Max time.Duration `yaml:"max"`
	// Tolerance is the relative change a cached value may go through
	// before it should be refetched. Default 0.02.
	Tolerance float64 `yaml:"tolerance"`
	// Smoothing is the weight of the newest rate in the mean. Default 0.2.
	Smoothing float64 `yaml:"smoothing"`
}

// HedgeConfig enables hedging: when the chosen provider has not answered
// by the hedge delay, the next candidate of the same tier is started too;
// the first valid answer wins and the others are cancelled. Hedges are
// paid like any attempt and draw on the hedged-to provider's retry budget.
type HedgeConfig struct {
	// Enabled turns hedging on for the data type.
	Enabled bool `yaml:"enabled"`
	// Delay is how long to wait before hedging; zero means the provider's
	// observed p95 latency (its expected latency until it has history).
	Delay time.Duration `yaml:"delay"`
	// MaxHedges bounds the extra attempts started per tier. Default 1.
	MaxHedges int `yaml:"max_hedges"`
	// AcrossTiers lets a hedge cross into the secondary tier when the
	// primary tier has no provider left to hedge to — a data type with a
	// single primary then gets a hedge at all. The first valid answer
	// still wins, and answers as the tier it came from. Default false:
	// the secondary tier is tried only after the primary tier failed.
	AcrossTiers bool `yaml:"across_tiers"`
}

// ParamConfig declares one param of a data type.
type ParamConfig struct {
	// Name of the param. Required; unique within the data type; it
	// follows NamePattern.
	Name string `yaml:"name"`
	// Required params must be present.
	Required bool `yaml:"required"`
	// Allowed, when set, lists the only values accepted; the empty value
	// cannot be one (an empty param is refused as ParamEmpty).
	Allowed []string `yaml:"allowed"`
	// Pattern, when set, is a regular expression (RE2, anchored at both
	// ends) the value must match.
	Pattern string `yaml:"pattern"`
	// MaxLength is the longest value accepted, in bytes. Default 128; at
	// most ParamLengthLimit.
	MaxLength int `yaml:"max_length"`
	// Sensitive marks personal data (a user id, an email): its value is
	// redacted in events and errors and replaced by a keyed hash in cache
	// keys (see WithHashKey).
	Sensitive bool `yaml:"sensitive"`
}

// Bounds are the plausible values of a data type: from Min to Max, both
// included. The zero Bounds accepts any finite value.
type Bounds struct {
	Min float64 `yaml:"min"`
	Max float64 `yaml:"max"`
}

func (b Bounds) isZero() bool { return b.Min == 0 && b.Max == 0 }

// Contains reports whether v is finite and within the bounds.
func (b Bounds) Contains(v float64) bool {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return false
	}
	return b.isZero() || (v >= b.Min && v <= b.Max)
}

// DefaultConfig is a data type's configured default (layer 5).
type DefaultConfig struct {
	// Base is the value answered when nothing better is known.
	Base float64 `yaml:"base"`
	// Segments override Base for params that match; the most specific
	// matching segment (the one matching most params) wins, ties going to
	// the first declared.
	Segments []SegmentConfig `yaml:"segments"`
}

// SegmentConfig is a default for the params it matches.
type SegmentConfig struct {
	// Match lists param values that must all be equal for the segment to
	// apply ({industry: retail}): declared params, not sensitive ones
	// (Result.Default.Segment names the values), each value one the
	// param allows.
	Match map[string]string `yaml:"match"`
	// Base is the segment's default value.
	Base float64 `yaml:"base"`
}

// ResolveConfig holds the deadline and the walk's settings.
type ResolveConfig struct {
	// Deadline is given to a resolve whose context has none. Default 2s,
	// the seed's response-time target.
	Deadline time.Duration `yaml:"deadline"`
	// Reserve is the part of every deadline kept back for the layers that
	// need no provider (cache, forecast, default), so a resolve answers
	// before its deadline whatever the providers do. Default 50ms; it is
	// never more than a quarter of the deadline. The resolver keeps back
	// more when resolves have needed more lately: how long the local
	// layers took after a walk ran out of time, and how late the walk's
	// deadline woke the resolve (a loaded host runs timers late) — the
	// largest such need, halving every ReserveHalfLife, at most half the
	// deadline.
	Reserve time.Duration `yaml:"reserve"`
	// ReserveHalfLife is how fast the learned part of the reserve wears
	// off. Default 1m.
	ReserveHalfLife time.Duration `yaml:"reserve_half_life"`
	// FixedReserve keeps the reserve at Reserve: nothing is learned.
	FixedReserve bool `yaml:"fixed_reserve"`
	// DisableCoalescing turns off request coalescing: by default,
	// concurrent resolves of the same key share one walk through the
	// providers. The shared walk runs on the first caller's deadline and
	// budget and goes on when that caller is cancelled, as long as
	// another still waits for it (what it spends after that caller left
	// is reported by the others: see Result.Cost); when none waits any
	// more it stops, starting no retry, hedge or later tier, nor a call
	// not made yet. A resolve whose shared walk ended with no answer on
	// the first caller's deadline (earlier than its own) or budget (not
	// its own) walks once more on its own deadline and budget, rather
	// than settle for a lower layer than it would have reached alone.
	DisableCoalescing bool `yaml:"disable_coalescing"`
	// PlanMargin is the deadline plan's margin: while a later tier has a
	// candidate, a tier may walk only until the walk's deadline less that
	// candidate's expected latency (its observed p95, else its
	// expected_latency) times 1 + PlanMargin, so that it still finds its
	// expected latency left when the tier before ends a little late — and
	// never less than the reserve the resolve keeps (Reserve, at most a
	// quarter of the deadline), the time a hand-off needs even to a
	// candidate that answers in microseconds; nothing is kept for a
	// candidate that could not answer in all the time left. Default 0.1;
	// in [0, 1].
	PlanMargin float64 `yaml:"plan_margin"`
	// CloseTimeout bounds how long Close waits for what the resolver
	// started (walks, provider calls, refreshes, batches, the observer)
	// after cancelling it; what has not ended then is abandoned and
	// named in Close's *CloseError. Default 1s.
	CloseTimeout time.Duration `yaml:"close_timeout"`
	// ObserverQueue is how many events wait for a slow observer before
	// the newest are dropped (Snapshot.Overall.EventsDropped). Default
	// 4096; at most QueueLimit.
	ObserverQueue int `yaml:"observer_queue"`
}

// CacheConfig holds the cache's sizes and the resolver's own cache
// settings: the acceptance rule, the shared tier's timeout and the
// concurrency of refreshes and warming.
type CacheConfig struct {
	// Config sizes the cache: max_cost, last_good_capacity and
	// negative_capacity, read inline (see package cache for their
	// defaults and maxima).
	cache.Config `yaml:",inline"`
	// Acceptance decides when a stale entry may answer as layer 3.
	Acceptance AcceptanceConfig `yaml:"acceptance"`
	// StoreTimeout bounds each call to the shared second tier (WithStore),
	// and twice it each call to a SharedLimiter. Default 50ms.
	StoreTimeout time.Duration `yaml:"store_timeout"`
	// RefreshConcurrency bounds the background refreshes of
	// stale-while-revalidate running at once; a refresh that finds no
	// room is skipped (the next hit tries again). Default 4; at most
	// ConcurrencyLimit.
	RefreshConcurrency int `yaml:"refresh_concurrency"`
	// WarmConcurrency is how many resolves Warm runs at once. Default 4;
	// at most ConcurrencyLimit.
	WarmConcurrency int `yaml:"warm_concurrency"`
	// StaleWindow is how long the shared tier (WithStore) keeps an entry
	// past its TTL: the resolver asks the store to keep it for the TTL
	// plus StaleWindow, never beyond the Retention, and judges freshness
	// itself from the entry's StoredAt. An instance with no last good
	// answer of its own for a key — a new one, or one just restarted — or
	// only one the acceptance rule refuses reads it as layer 3 when the providers fail (stale-if-error),
	// checked as a provider's answer is and scored by the acceptance rule
	// like any cached answer. Default 24h; negative turns it off (entries
	// expire at their TTL and are read only while fresh).
	StaleWindow time.Duration `yaml:"stale_window"`
	// SharedJitter spreads the expiry of the answers an instance reads
	// from the shared tier: its copy of one expires early by a random
	// share of the TTL, uniform in [0, SharedJitter], so that the
	// instances of a fleet do not all miss a key at once and all pay for
	// it — the first to miss it pays, and the others, missing it a
	// little later, find its answer in the shared tier. It helps a key
	// that every instance resolves more often than its provider takes to
	// answer (many instances missing it within one provider call); for
	// others it only shortens the fleet's refresh period (the earliest
	// copy expires first), so it is off by default. In [0, 1]; 0.05 is a
	// good start (about 30s at a 10m TTL).
	SharedJitter float64 `yaml:"shared_jitter"`
	// ClockSkew is how far in the future, by this instance's clock, a
	// shared entry's StoredAt may be and still count as stored now: the
	// instances' clocks differ a little. One stored later than that was
	// written by an instance whose clock runs ahead, and its age is
	// unknown: it is never a fresh hit here (it would stay fresh for its
	// TTL plus the skew, for every instance) and serves only
	// stale-if-error, as an entry just past its TTL. An observation time
	// in the future is taken as now. Default 1s; at most a minute (an
	// entry dated further ahead is refused).
	ClockSkew time.Duration `yaml:"clock_skew"`
	// Claim turns on fill claims; it needs a Store that is a
	// cache.Claimer (redisstore.Store is), else New refuses the config.
	// Before its walk calls a provider, an instance claims the key in the
	// store, for Claim or for as long as its walk and the write of its
	// answer can last, whichever is shorter. An instance that finds the
	// claim taken — another instance is fetching the same answer now —
	// waits for that answer instead of paying for its own: it reads the
	// shared tier ClaimPolls times over its wait and serves the first
	// fresh answer stored since the claim could have been taken (allowing
	// the instances' clocks a minute) that is not the answer it is
	// replacing (layer cache, no attempts, no cost). Its wait lasts its
	// own hold, counted from when it found the claim taken — or less,
	// where waiting longer would cost the walk its deadline plan (see
	// ResolveConfig: the first tier's best provider keeps its expected
	// latency before the tier's share ends) — and the claim call (cut at
	// StoreTimeout too) and every read end by then, however slow the
	// store; then the instance calls the providers itself. A walk with no
	// provider to call (none eligible or affordable) claims nothing. A
	// claim that fails, panics or does not answer in time counts as taken
	// by this instance and is reported as a failed "store.Claim" callback
	// (not one the wait's end, the walk's deadline or Close cut). Without
	// claims, the instances that miss a key within one provider call of
	// each other each pay for it; with them one pays — but a claimant
	// whose walk stores no answer (its providers failed, or had nothing)
	// makes the others wait out their wait before they call. The
	// providers' p95 plus a store round trip is a good value. Zero (the
	// default) turns claims off. Each walk that calls a provider makes one
	// store call more, and a waiting one up to ClaimPolls reads; the
	// snapshot counts claims won and lost and the waits served.
	Claim time.Duration `yaml:"claim"`
	// ClaimPolls is how many times an instance waiting for a claimed
	// answer reads the shared tier: at every (ClaimPolls+1)th part of its
	// wait, so that the last read ends by the wait's end. Default 8; at
	// most ClaimPollLimit.
	ClaimPolls int `yaml:"claim_polls"`
	// WriteQueue bounds the writes waiting for the resolver's writer, the
	// one goroutine that writes good answers to the shared tier and
	// observations to the shared history (WithSharedHistory), off every
	// caller's path. A write that finds the queue full is dropped and
	// reported as a failed callback. Default 1024; at most QueueLimit.
	WriteQueue int `yaml:"write_queue"`
}

// FleetHealthConfig turns on fleet-aware health (see HealthBus): the
// instances sharing a bus learn together that a provider is down, so that
// a fleet spends about what one instance would in failed calls before it
// stops calling it, not that many times over.
//
// Each instance publishes its breakers' openings and closings, and each
// call to a provider that fails by the provider's fault (or an answer
// after failures) — but for a refused credential (Auth), which is this
// instance's own: neither the failure nor an opening that follows it is
// published. An opening heard from another instance holds the
// provider here — skipped as if its breaker were open — for the open
// duration it announced plus the provider's timeout. Failures heard add to
// a run of failures of the provider across the fleet; a run that reaches
// the breaker's consecutive-failure threshold (breaker.consecutive_failures)
// holds the provider in every instance for the breaker's open duration —
// in the instance whose failure completed the run for exactly that, in the
// others for that plus the provider's timeout, so that the first probes
// the provider first and tells the others: a new opening extends their
// holds, an answer ends the run and every hold. Holds are capped by
// MaxHold.
//
// Each instance's own breaker is left as it is and stays authoritative
// for it: a hold never opens, closes or counts against it. A lost message
// only means that instance learns on its own, as without a bus.
type FleetHealthConfig struct {
	// Enabled turns fleet-aware health on; it needs a HealthBus
	// (WithHealthBus). Default off.
	Enabled bool `yaml:"enabled"`
	// MaxHold caps the hold one opening can ask for, whatever it
	// announces. Default 10m.
	MaxHold time.Duration `yaml:"max_hold"`
	// RunWindow bounds the fleet's run of failures of a provider in time:
	// a failure, this instance's or heard, that comes longer than
	// RunWindow after the run's latest one starts a new run. An answer
	// ends a run only when an instance that saw failures publishes it, so
	// without this bound a failure heard hours ago from an instance since
	// restarted (its answers unpublished) would still count. Default 1m.
	RunWindow time.Duration `yaml:"run_window"`
	// Queue bounds the breaker transitions waiting to be published; one
	// that finds the queue full is dropped (the others learn on their
	// own). Default 64; at most ConcurrencyLimit.
	Queue int `yaml:"queue"`
}

// AcceptanceConfig is the rule for serving a stale cached answer:
//
//	confidence_weight × confidence + freshness_weight × freshness ≥ threshold
//
// The defaults are the seed's: 0.6, 0.4 and 0.65. When both weights are
// zero they take their defaults; otherwise they are used as given.
type AcceptanceConfig struct {
	ConfidenceWeight float64 `yaml:"confidence_weight"`
	FreshnessWeight  float64 `yaml:"freshness_weight"`
	Threshold        float64 `yaml:"threshold"`
}

// RetryConfig is the retry policy of a provider. Delays grow
// exponentially from BaseDelay by Multiplier up to MaxDelay, then get
// jitter; the error class scales them: a timeout (a Transient failure
// from a deadline) by TimeoutFactor, a RateLimit by RateLimitFactor unless
// the provider sent a Retry-After, which is honoured as given. A retry is
// never started when what is left of the deadline cannot cover the delay
// plus the provider's expected latency (its observed p95, else
// ExpectedLatency).
//
// A provider's own RetryConfig overrides the resolver-wide one field by
// field: its zero fields inherit.
type RetryConfig struct {
	// MaxAttempts bounds the attempts on one provider in one resolve,
	// first included. Default 3; 1 disables retries.
	MaxAttempts int `yaml:"max_attempts"`
	// BaseDelay is the delay before the first retry. Default 100ms.
	BaseDelay time.Duration `yaml:"base_delay"`
	// MaxDelay caps the delay (before jitter). Default 2s.
	MaxDelay time.Duration `yaml:"max_delay"`
	// Multiplier is the growth per retry. Default 2.
	Multiplier float64 `yaml:"multiplier"`
	// Jitter is proportional (the seed's ±JitterFraction), full (uniform
	// in [0, delay], as AWS and Envoy do) or none. Default proportional.
	Jitter Jitter `yaml:"jitter"`
	// JitterFraction is the proportional jitter's spread. Default 0.1.
	JitterFraction float64 `yaml:"jitter_fraction"`
	// TimeoutFactor scales the delay after a timeout. Default 0.5.
	TimeoutFactor float64 `yaml:"timeout_factor"`
	// RateLimitFactor scales the delay after a RateLimit without
	// Retry-After. Default 2.
	RateLimitFactor float64 `yaml:"rate_limit_factor"`
	// BudgetRatio is the retry budget: retries and hedges may be at most
	// this share of a provider's in-flight requests. Default 0.2.
	BudgetRatio float64 `yaml:"budget_ratio"`
	// BudgetMinConcurrency lets this many retries and hedges run whatever
	// the ratio. Default 3.
	BudgetMinConcurrency int `yaml:"budget_min_concurrency"`
}

// Jitter is the kind of randomness added to retry delays.
type Jitter string

// The jitter kinds.
const (
	JitterProportional Jitter = "proportional"
	JitterFull         Jitter = "full"
	JitterNone         Jitter = "none"
)

// ForecastConfig configures the statistical layer.
type ForecastConfig struct {
	// Model configures the forecaster (method, interval levels, minimum
	// points). For a data type whose values may be negative (bounds with
	// a negative minimum, or none) its Selection.AllowNegative is set: a
	// history above zero so far may cross it (a growth rate), and only a
	// positive quantity's forecast leaves out the members below zero.
	Model stats.Config `yaml:"model"`
	// MinConfidence is the least confidence a forecast needs to answer
	// ahead of the default engine. A forecast below it is held back, and
	// answers after all when the default engine has no answer or a lower
	// confidence than the forecast's. Default 0.5.
	MinConfidence float64 `yaml:"min_confidence"`
	// MaxPoints is the longest regular series handed to the model; older
	// periods are ignored. Default 256; at most WindowLimit.
	MaxPoints int `yaml:"max_points"`
	// MaxHorizon is how many periods past a key's last observation a
	// forecast may reach: a key observed longer ago is not forecast (the
	// default engine answers), since each period forecast costs the fit
	// memory and says less. Default 366; at most stats.MaxHorizon. A
	// forecast is for the resolve's period: as many periods past the last
	// observation's as have begun since, and one when the last
	// observation is in the resolve's own period (a model forecasts at
	// least a step ahead, and the observation is older than the
	// resolve), so a series ending today forecasts what the same series
	// ending yesterday does.
	MaxHorizon int `yaml:"max_horizon"`
	// History bounds the in-memory history used when the host supplies
	// none with WithHistory. Its max_keys is at most CapacityLimit, its
	// max_points at most WindowLimit.
	History stats.MemoryConfig `yaml:"history"`
	// Disabled turns the statistical layer off.
	Disabled bool `yaml:"disabled"`
	// MemoCapacity bounds, in keys, the memo of each key's last forecast
	// (reused while the key's history and period are unchanged) and the
	// record of the period each key last added an observation in (at
	// most one per period). Default 10000; at most CapacityLimit.
	MemoCapacity int `yaml:"memo_capacity"`
	// MaxFits bounds the forecast fits running at once, across keys: a
	// fit is CPU work, and in a blackout every key wants one. Whatever
	// its value, fits never hold every P: at most GOMAXPROCS−1 run at
	// once (one when GOMAXPROCS is 1), GOMAXPROCS read at each fit, so
	// that the rest of the resolver — timers, walks, the default layer —
	// always has a P to run on. A resolve that finds no free slot skips
	// the statistical layer (the default answers). Default: the number
	// of CPUs Go may use (GOMAXPROCS at New); at most ConcurrencyLimit.
	MaxFits int `yaml:"max_fits"`
	// FitTime is the wall time a forecast fit is assumed to take until
	// the resolver has timed one. The statistical layer starts a fit only
	// when the time a resolve can wait for it (half of what is left of
	// its deadline) covers twice the fit time it expects: learned from
	// the fits it has run, FitTime before the first, so that the first
	// fits are not started blind in a resolve that has a millisecond
	// left. It is CPU time, not scaled with anything: a fit of the auto
	// method on 120 points takes 2–9 ms on the machines measured
	// (docs/sim.md). Default 10ms; at most FitTimeLimit.
	FitTime time.Duration `yaml:"fit_time"`
	// DisableQuickFit turns off the quick fit. When the time a resolve
	// can wait for a fit does not cover the fit time expected, and the
	// model is auto with challengers (stats.Selection.Challengers; ARIMA
	// by default), the statistical layer fits auto without its
	// challengers instead, if the time covers that fit's own expected
	// time (learned apart, FitTime before the first): the challengers'
	// search is most of auto's fit (about 9 ms against 2.3 ms on 120
	// points), and a herd that cannot wait for it would otherwise get the
	// default. A quick forecast is memoised, for as long as the key's
	// history and period are unchanged, but answers only the resolves
	// that cannot wait for a full fit either: one that can fits in full
	// (and falls back on the quick forecast if that fit fails). While
	// quick fits stand in, the full fit's learned time shrinks a tenth per
	// ten expected full fits, so that an estimate learned under contention
	// does not keep full fits off for good.
	DisableQuickFit bool `yaml:"disable_quick_fit"`
	// Market adjusts forecasts by the fresh answers of peer keys and the
	// host's market factor (see MarketConfig). On by default.
	Market MarketConfig `yaml:"market"`
}

// The documented defaults.
const (
	DefaultDeadline          = 2 * time.Second
	DefaultReserve           = 50 * time.Millisecond
	DefaultReserveHalfLife   = time.Minute
	DefaultPlanMargin        = 0.1
	DefaultCloseTimeout      = time.Second
	DefaultObserverQueue     = 4096
	DefaultConfidence        = 0.8
	DefaultExpectedLatency   = 250 * time.Millisecond
	DefaultTimeout           = time.Second
	DefaultTTL               = 10 * time.Minute
	DefaultHalfLife          = time.Hour
	DefaultMaxParamLength    = 128
	DefaultStoreTimeout      = 50 * time.Millisecond
	DefaultRetentionInterval = time.Hour
	MinRetentionInterval     = time.Second
	DefaultRefreshConc       = 4
	DefaultWarmConcurrency   = 4
	DefaultNegativeTTL       = 30 * time.Second
	DefaultTTLTolerance      = 0.02
	DefaultTTLSmoothing      = 0.2
	DefaultBatchWindow       = 10 * time.Millisecond
	DefaultThrottleK         = 2.0
	DefaultThrottleWindow    = time.Minute
	MinThrottleWindow        = time.Millisecond
	DefaultThrottleMin       = 10
	DefaultThrottleMaxReject = 0.9
	DefaultConfidenceWeight  = 0.6
	DefaultFreshnessWeight   = 0.4
	DefaultAcceptance        = 0.65
	DefaultMaxAttempts       = 3
	DefaultBaseDelay         = 100 * time.Millisecond
	DefaultMaxDelay          = 2 * time.Second
	DefaultMultiplier        = 2.0
	DefaultJitterFraction    = 0.1
	DefaultTimeoutFactor     = 0.5
	DefaultRateLimitFactor   = 2.0
	DefaultBudgetRatio       = 0.2
	DefaultBudgetMinConc     = 3
	DefaultMinForecastConf   = 0.5
	DefaultForecastPoints    = 256
	DefaultMaxHorizon        = 366
	DefaultMemoCapacity      = 10000
	DefaultFitTime           = 10 * time.Millisecond
	DefaultStaleWindow       = 24 * time.Hour
	DefaultWriteQueue        = 1024
	DefaultClaimPolls        = 8
	DefaultMaxHold           = 10 * time.Minute
	DefaultRunWindow         = time.Minute
	DefaultClockSkew         = time.Second
	DefaultHealthQueue       = 64
)

// The documented maxima of the sizes the resolver owns; a larger value is
// a *ConfigError naming the field. The cache's own are cache.MaxCostLimit
// and cache.CapacityLimit, the default engine's defaults.WindowLimit.
const (
	// CapacityLimit bounds the keyed stores, in keys:
	// forecast.memo_capacity and forecast.history.max_keys.
	CapacityLimit = 10_000_000
	// ConcurrencyLimit bounds what runs at once: cache.refresh_concurrency,
	// cache.warm_concurrency, providers[].max_concurrent and
	// providers[].batch.max_size.
	ConcurrencyLimit = 10_000
	// WindowLimit bounds series and window lengths: forecast.max_points,
	// forecast.history.max_points, the breakers'
	// window_size, window_buckets and adaptive.history, and router.window;
	// and a resolve reads at most the last WindowLimit observations of a
	// key's history, its own or the shared one (see WithHistory).
	// 10000 holds an hourly series over a year.
	WindowLimit = 10_000
	// SeasonLimit bounds data_types[].season: a season is used only on a
	// series longer than two of them, and a series is at most WindowLimit
	// points long.
	SeasonLimit = WindowLimit/2 - 1
	// ClaimPollLimit bounds cache.claim_polls.
	ClaimPollLimit = 1000
	// QueueLimit bounds the queues New allocates whole, in entries:
	// resolve.observer_queue (an event waiting takes about 260 bytes, so
	// 100000 take 26 MB before any is queued) and cache.write_queue.
	QueueLimit = 100_000
	// FitTimeLimit bounds forecast.fit_time: a fit assumed to take longer
	// is one no resolve waits for, and the statistical layer would stay
	// off until skips had shrunk the assumption, hours later.
	FitTimeLimit = 10 * time.Second
	// ParamLengthLimit bounds data_types[].params[].max_length, in bytes:
	// a param's value is part of the cache key.
	ParamLengthLimit = 4096
	// BudgetThresholdsLimit bounds how many alerts.budget_thresholds there
	// are: every spending of a budget looks through them (100 is one per
	// percent).
	BudgetThresholdsLimit = 100
)

// NamePattern is the form of every name in a Config — data types,
// providers and params: a lowercase ASCII letter, then up to 63 lowercase
// letters, digits, '_', '.' or '-'. Names are parts of cache keys
// ("cpc?keyword=shoes"), of metric labels and of log lines; this set keeps
// '?', '&', '=', spaces and control characters out of them, so no two
// keys can be spelled alike.
const NamePattern = `^[a-z][a-z0-9_.-]{0,63}$`

var namePattern = regexp.MustCompile(NamePattern)
