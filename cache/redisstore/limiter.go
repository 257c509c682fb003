package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math"
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
// the quota during an outage too; the local buckets start full, so the
// switch itself may admit up to one local burst per instance beyond the
// shared bucket's state. Going back to Redis needs nothing: the next call
// after the cooldown tries it again.
type Limiter struct {
	rl        *redis_rate.Limiter
	ns        string // "prefix:version:quota:"
	instances int
	g         guard

	mu    sync.Mutex
	local map[string]*rate.Limiter // requires mu held; one per key, never pruned

	allowed, denied, localAllowed, localDenied atomic.Uint64
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
		rl:        redis_rate.NewLimiter(client),
		ns:        ns + "quota:",
		instances: instances,
		g:         guard{timeout: timeout, cooldown: cooldown},
		local:     make(map[string]*rate.Limiter),
	}, nil
}

// Allow reports whether one more event under key (a provider's name) may
// happen now, for a quota of perSecond events per second on average with
// bursts of up to burst. Every instance must pass the same perSecond and
// burst for a key.
//
// It fails only for a bad limit (ErrInvalidLimit) or a closed Limiter
// (ErrClosed). When Redis cannot be reached the answer comes from the
// local share (see Limiter) and the error is nil: a Redis outage never
// fails a resolve. Each call waits for Redis at most LimiterConfig.Timeout
// and until ctx is done.
func (l *Limiter) Allow(ctx context.Context, key string, perSecond float64, burst int) (bool, error) {
	limit, err := gcraLimit(perSecond, burst)
	if err != nil {
		return false, err
	}
	res, err := call(ctx, &l.g, func(ctx context.Context) (*redis_rate.Result, error) {
		return l.rl.Allow(ctx, l.ns+key, limit)
	})
	switch {
	case err == nil:
		if res.Allowed > 0 {
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
	// share because Redis could not be reached.
	LocalAllowed, LocalDenied uint64
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
