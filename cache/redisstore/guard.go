package redisstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// guard runs calls to Redis so that none outlasts its caller's deadline or
// the configured timeout, whatever the client's own settings, and stops
// calling a Redis that just failed for a cooldown.
//
// Design note: go-redis honours a context's deadline on the socket only
// when the client was built with ContextTimeoutEnabled; otherwise a
// paused or black-holed server holds a command for the client's
// ReadTimeout (seconds). The host owns the client, so the guard cannot
// rely on that option: it runs each call in a goroutine and stops waiting
// for it at the deadline. The abandoned goroutine ends when the client
// gives up (at the deadline when ContextTimeoutEnabled is set, else at its
// ReadTimeout); Close waits for it. The cooldown keeps such goroutines
// from piling up during an outage: after a failure, calls return
// ErrUnavailable without starting one.
type guard struct {
	timeout  time.Duration
	cooldown time.Duration
	// downUntil is the Unix time in nanoseconds until which calls are
	// refused; 0 when Redis is believed up.
	downUntil atomic.Int64
	// failures counts the calls that failed to reach Redis.
	failures atomic.Uint64
	// shut is set by close, before it waits: a fast path for closed.
	shut atomic.Bool

	mu     sync.Mutex
	closed bool // requires mu held
	wg     sync.WaitGroup
}

// call runs fn with a context bounded by ctx and g's timeout, and
// returns when fn does or when that context is done, whichever comes
// first; in the second case fn may still be running, and its result is
// dropped.
func call[T any](ctx context.Context, g *guard, fn func(ctx context.Context) (T, error)) (T, error) {
	var zero T
	if g.shut.Load() {
		return zero, ErrClosed
	}
	if until := g.downUntil.Load(); until != 0 && time.Now().UnixNano() < until {
		return zero, ErrUnavailable
	}
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return zero, ErrClosed
	}
	g.wg.Add(1)
	g.mu.Unlock()

	type result struct {
		v   T
		err error
	}
	budget := g.timeout
	if d, ok := ctx.Deadline(); ok {
		budget = min(budget, time.Until(d))
	}
	cctx, cancel := context.WithTimeout(ctx, g.timeout)
	done := make(chan result, 1)
	go func() {
		defer g.wg.Done()
		defer cancel()
		v, err := fn(cctx)
		done <- result{v, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-cctx.Done():
		// fn may have finished at the same instant: prefer its answer.
		select {
		case r = <-done:
		default:
			r.err = cctx.Err()
		}
	}
	return r.v, g.judge(ctx, budget, r.err)
}

// judge classifies a call's error: a reply from Redis (including a
// server error) proves it up; anything else is a failure to reach it and
// starts the cooldown, unless the caller caused it: by cancelling, or by
// giving the call less than half of the timeout (a caller in a hurry
// proves nothing about Redis).
func (g *guard) judge(ctx context.Context, budget time.Duration, err error) error {
	var reply redis.Error // server replies, redis.Nil included
	switch {
	case err == nil || errors.As(err, &reply):
		if g.downUntil.Load() != 0 {
			g.downUntil.Store(0)
		}
		return err
	case errors.Is(ctx.Err(), context.Canceled):
		return ctx.Err()
	case budget < g.timeout/2 && errors.Is(err, context.DeadlineExceeded):
		return err
	}
	g.failures.Add(1)
	g.downUntil.Store(time.Now().Add(g.cooldown).UnixNano())
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no answer from redis within %v: %w", budget, context.DeadlineExceeded)
	}
	return err
}

// close refuses new calls and waits for those in flight.
func (g *guard) close() {
	g.shut.Store(true)
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.wg.Wait()
}
