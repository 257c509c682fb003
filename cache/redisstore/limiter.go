package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// Limiter is a rate limiter shared by every instance that uses the same
// Redis, Prefix and Version: a provider's quota, which is per API key,
// holds for the whole fleet. It is safe for concurrent use.
//
// While Redis answers, Allow is decided by GCRA (the generic cell rate
// algorithm of github.com/go-redis/redis_rate) in one Lua script on
// Redis's clock, so the instances together admit at most burst events at
// once and perSecond on average, whatever their clocks say.
//
// When Redis cannot be reached in time (an error, a timeout, or the
// cooldown after one), each instance decides alone with a local token
// bucket (golang.org/x/time/rate) holding its share of the quota:
// perSecond / Instances per second, and a burst of burst / Instances (at
// least 1). With Instances set to the fleet's size the fleet stays within
// the quota when every instance has lost Redis; the local buckets start
// full, so the switch itself may admit up to one local burst per instance
// beyond the shared bucket's state. Going back to Redis needs nothing: the
// next call after the cooldown tries it again.
//
// An outage of some instances only — a partition, one instance's network,
// its client's pool exhausted — is not covered: the instances that still
// reach Redis share the whole quota there, and each instance that does
// not admits its local share besides, so the fleet admits up to the quota
// plus one local share per instance cut off (with half the fleet cut off,
// one and a half times the quota). Instances set to k times the fleet's
// size bounds that excess to 1/k of the quota while burst / Instances is
// at least 1 (a local burst is never below 1), and leaves the fleet 1/k
// of the quota when every instance has lost Redis.
//
// A state at a key that GCRA could not have written — not a string, not a
// number, NaN or infinite, or a number without an expiry (GCRA always
// sets one) — would otherwise admit everything (NaN) or nothing (a
// far-future time without expiry) for ever. The call that meets it (the
// script fails, or answers what GCRA cannot: a negative or NaN remaining,
// a reset time that is not positive or beyond twice a whole burst's
// refill) checks the state in a second step on Redis, within the same
// Timeout, deletes it if it is one of those, counts it in
// LimiterStats.Corrupt and decides from the local share; the next call
// starts a fresh shared bucket. So is a state dated further ahead of
// Redis's clock than its own expiry reaches: GCRA, whatever its limit,
// sets the expiry to the time it dates the state ahead, rounded up to the
// second.
//
// A state dated further ahead than GCRA dates one for the limit at hand
// (twice a whole burst's refill), with an expiry that reaches that far,
// is kept, and the call decides from the local share
// (LimiterStats.Ahead): an instance with another limit for the key, one
// whose burst takes longer to refill — a new limit being rolled out,
// instance by instance — writes such states, and deleting them gave that
// instance a fresh burst at every call of the other. One set by hand or
// by another program is
// treated the same way: the fleet decides from its local shares, not
// denied, until the state expires. Any other well-formed state with an
// expiry is kept and decides: it ends by itself, within that time.
type Limiter struct {
	client    redis.UniversalClient
	rl        *redis_rate.Limiter
	ns        string // "prefix:version:quota:"
	instances int
	g         guard

	mu    sync.Mutex
	local map[string]*rate.Limiter // requires mu held; one per key, never pruned

	allowed, denied, localAllowed, localDenied, corrupt, ahead atomic.Uint64
}

// NewLimiter returns a Limiter on client configured by cfg.
func NewLimiter(client redis.UniversalClient, cfg LimiterConfig) (*Limiter, error) {
	if client == nil {
		return nil, errors.New("redisstore: NewLimiter: nil client")
	}
	ns, err := namespace(cfg.Prefix, cfg.Version)
	if err != nil {
		return nil, err
	}
	timeout, cooldown, err := durations(cfg.Timeout, cfg.Cooldown)
	if err != nil {
		return nil, err
	}
	if cfg.Instances < 0 {
		return nil, fmt.Errorf("redisstore: invalid config: instances: must not be negative, got %d", cfg.Instances)
	}
	instances := max(cfg.Instances, 1)
	return &Limiter{
		client:    client,
		rl:        redis_rate.NewLimiter(client),
		ns:        ns + "quota:",
		instances: instances,
		g:         guard{timeout: timeout, cooldown: cooldown},
		local:     make(map[string]*rate.Limiter),
	}, nil
}

// Allow reports whether one more event under key (a provider's name) may
// happen now, for a quota of perSecond events per second on average with
// bursts of up to burst. Every instance should pass the same perSecond
// and burst for a key; while they differ (a new limit being rolled out),
// one decides from its local share whenever another, whose burst takes
// longer to refill, has dated the shared state beyond what its own limit
// would (LimiterStats.Ahead), and neither resets the other's bucket.
//
// It fails only for a bad limit (ErrInvalidLimit) or a closed Limiter
// (ErrClosed). When Redis cannot be reached, answers with an error, or
// holds a state at key that GCRA could not have written (deleted, see
// Limiter), the answer comes from the local share and the error is nil: a
// Redis outage never fails a resolve. Each call waits for Redis at most LimiterConfig.Timeout
// and until ctx is done.
func (l *Limiter) Allow(ctx context.Context, key string, perSecond float64, burst int) (bool, error) {
	limit, err := gcraLimit(perSecond, burst)
	if err != nil {
		return false, err
	}
	type decision struct{ allowed, local bool }
	d, err := call(ctx, &l.g, func(ctx context.Context) (decision, error) {
		res, err := l.rl.Allow(ctx, l.ns+key, limit)
		var reply redis.Error
		var num *strconv.NumError // redis_rate parsing "-nan"
		switch {
		case err == nil && plausible(res, limit):
			return decision{allowed: res.Allowed > 0}, nil
		case err != nil && !errors.As(err, &reply) && !errors.As(err, &num):
			return decision{}, err // Redis not reached: the guard judges
		}
		// The script failed or answered what GCRA cannot: look at the
		// state itself.
		verdict, rerr := deleteBadState.Run(ctx, l.client, []string{rateKeyPrefix + l.ns + key}, plausibleBound(limit).Seconds(), stateSlack.Seconds()).Int()
		switch {
		case rerr != nil:
			return decision{}, rerr
		case verdict == stateDeleted:
			l.corrupt.Add(1)
			return decision{local: true}, nil
		case verdict == stateAhead:
			l.ahead.Add(1)
			return decision{local: true}, nil
		case err != nil:
			// A server error that is not the state's (OOM, BUSY, ...), or
			// an odd reply: Redis answered, so no cooldown.
			return decision{local: true}, nil
		}
		return decision{allowed: res.Allowed > 0}, nil
	})
	switch {
	case err == nil && !d.local:
		if d.allowed {
			l.allowed.Add(1)
			return true, nil
		}
		l.denied.Add(1)
		return false, nil
	case errors.Is(err, ErrClosed):
		return false, ErrClosed
	}
	ok := l.localLimiter(key, perSecond, burst).Allow()
	if ok {
		l.localAllowed.Add(1)
	} else {
		l.localDenied.Add(1)
	}
	return ok, nil
}

// rateKeyPrefix is what redis_rate puts in front of every key.
const rateKeyPrefix = "rate:"

// plausible reports whether res is an answer GCRA can give for limit
// from a state it wrote: Remaining in [0, Burst], ResetAfter positive and
// at most twice a whole burst's refill (with one emission interval to
// spare), RetryAfter -1 when allowed and in [0, that] when not. A NaN
// state yields a NaN or out-of-range Remaining or ResetAfter; a state far
// in the future a huge ResetAfter. An implausible answer is only a reason
// to look at the state (deleteBadState), which decides.
func plausible(res *redis_rate.Result, limit redis_rate.Limit) bool {
	bound := plausibleBound(limit)
	switch {
	case res.Remaining < 0 || res.Remaining > limit.Burst:
		return false
	case res.ResetAfter <= 0 || res.ResetAfter > bound:
		return false
	case res.Allowed > 0:
		return res.RetryAfter == -1
	}
	return res.RetryAfter >= 0 && res.RetryAfter <= bound
}

// plausibleBound is the furthest ahead GCRA can date a state for limit:
// twice a whole burst's refill, with one emission interval to spare.
func plausibleBound(limit redis_rate.Limit) time.Duration {
	if b := 2 * float64(limit.Burst+1) * float64(limit.Period) / float64(limit.Rate); b < math.MaxInt64 {
		return time.Duration(b)
	}
	return time.Duration(math.MaxInt64)
}

// deleteBadState's verdicts on a state.
const (
	stateKept    = 0 // GCRA's for the limit at hand, or none
	stateDeleted = 1 // no GCRA could have written it: deleted
	stateAhead   = 2 // GCRA's for a slower limit, or set so by hand: kept
)

// stateSlack is what a GCRA state may be dated ahead of Redis's clock
// beyond its expiry and still be GCRA's: redis_rate rounds the expiry up
// to the second, so a margin for the clock's reading alone.
const stateSlack = time.Second

// deleteBadState deletes KEYS[1], a limiter's state, if no GCRA could
// have written it: not a string, not a number, NaN or infinite, without
// an expiry (GCRA sets one with every write), or dated more than its
// expiry and ARGV[2] seconds ahead of Redis's clock (TIME, counted from
// 2017 as redis_rate counts; GCRA, whatever its limit, sets the expiry to
// the time it dates the state ahead, rounded up). It returns stateDeleted
// then. A state dated more than ARGV[1] seconds (plausible's bound)
// ahead, within its expiry, is GCRA's for a slower limit than the one at
// hand (another instance's), or set so by hand: it is kept, and the
// script returns stateAhead. Otherwise it returns stateKept.
var deleteBadState = redis.NewScript(`
if redis.replicate_commands then
	redis.replicate_commands() -- TIME before a write (Redis < 5)
end
local t = redis.call("TYPE", KEYS[1]).ok
if t == "none" then
	return 0
end
if t == "string" then
	local tat = tonumber(redis.call("GET", KEYS[1]))
	local pttl = redis.call("PTTL", KEYS[1])
	if tat and tat == tat and tat > -math.huge and tat < math.huge and pttl >= 0 then
		local now = redis.call("TIME")
		now = (now[1] - 1483228800) + (now[2] / 1000000)
		if tat <= now + tonumber(ARGV[1]) then
			return 0
		end
		if tat <= now + pttl / 1000 + tonumber(ARGV[2]) then
			return 2
		end
	end
end
redis.call("UNLINK", KEYS[1])
return 1
`)

// gcraLimit converts a rate and a burst to redis_rate's integer rate per
// period: a whole rate per second as is, any other as one event per
// 1/perSecond.
func gcraLimit(perSecond float64, burst int) (redis_rate.Limit, error) {
	if !(perSecond > 0) || math.IsInf(perSecond, 0) || burst < 1 {
		return redis_rate.Limit{}, fmt.Errorf("%w: %v per second with burst %d: want a positive finite rate and a burst of at least 1", ErrInvalidLimit, perSecond, burst)
	}
	if perSecond == math.Trunc(perSecond) && perSecond <= math.MaxInt32 {
		return redis_rate.Limit{Rate: int(perSecond), Period: time.Second, Burst: burst}, nil
	}
	period := float64(time.Second) / perSecond
	if period >= math.MaxInt64 {
		return redis_rate.Limit{}, fmt.Errorf("%w: %v per second is too slow", ErrInvalidLimit, perSecond)
	}
	return redis_rate.Limit{Rate: 1, Period: time.Duration(period), Burst: burst}, nil
}

// localLimiter returns the local share's bucket for key, set to the
// current limit.
func (l *Limiter) localLimiter(key string, perSecond float64, burst int) *rate.Limiter {
	r := rate.Limit(perSecond / float64(l.instances))
	b := max(burst/l.instances, 1)
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.local[key]
	if !ok {
		lim = rate.NewLimiter(r, b)
		l.local[key] = lim
		return lim
	}
	if lim.Limit() != r {
		lim.SetLimit(r)
	}
	if lim.Burst() != b {
		lim.SetBurst(b)
	}
	return lim
}

// LimiterStats counts a Limiter's decisions since NewLimiter.
type LimiterStats struct {
	// Allowed and Denied count the decisions made by the shared bucket in
	// Redis.
	Allowed, Denied uint64
	// LocalAllowed and LocalDenied count the decisions made by the local
	// share because Redis could not be reached, answered with an error,
	// held a corrupt state, or one dated ahead (Ahead).
	LocalAllowed, LocalDenied uint64
	// Corrupt counts states GCRA could not have written (see Limiter)
	// found at a key and deleted.
	Corrupt uint64
	// Ahead counts calls that met a state dated further ahead than GCRA
	// dates one for their limit, within its expiry — an instance with a
	// slower limit for the key, or a state set by hand (see Limiter) —
	// kept, the call decided from the local share. Not zero while the
	// fleet's instances pass different limits for a key.
	Ahead uint64
	// Failures counts calls that could not reach Redis in time; each
	// starts a cooldown.
	Failures uint64
}

// Stats returns the counts so far.
func (l *Limiter) Stats() LimiterStats {
	return LimiterStats{
		Allowed:      l.allowed.Load(),
		Denied:       l.denied.Load(),
		LocalAllowed: l.localAllowed.Load(),
		LocalDenied:  l.localDenied.Load(),
		Corrupt:      l.corrupt.Load(),
		Ahead:        l.ahead.Load(),
		Failures:     l.g.failures.Load(),
	}
}

// Close makes every later Allow fail with ErrClosed and waits for the
// calls to Redis in flight. It does not close the client. Close is
// idempotent.
func (l *Limiter) Close() error {
	l.g.close()
	return nil
}
