package fallback

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/router"
	"github.com/strata-go/strata/stats"
)

// The test hooks: the few internals tests read or nudge, named here so
// that no test reaches into the resolver's fields.

// ttlOf is the TTL in force for a data type (learned when adaptive).
func ttlOf(r *Resolver, dataType string) time.Duration { return r.types[dataType].currentTTL() }

// spendRateToken takes one token of a provider's local rate limit.
func spendRateToken(r *Resolver, provider string) { r.byName[provider].limiter.Allow() }

// throttleRejection is a provider's adaptive throttler's rejection rate.
func throttleRejection(r *Resolver, provider string) float64 {
	return r.byName[provider].throttle.RejectionRate()
}

// recordOutcome feeds an outcome to the resolver's health tracker.
func recordOutcome(r *Resolver, provider, dataType string, o router.Outcome) {
	r.tracker.Record(provider, dataType, o)
}

// cachedKeys is how many keys the last-known-good store holds.
func cachedKeys(r *Resolver) int { return r.cache.Len() }

// lastGood is the last good answer cached for key.
func lastGood(r *Resolver, key string) (cache.Entry, bool) { return r.cache.LastGood(key) }

// dumpState writes every cached key and entry and every history key, for
// leak checks.
func dumpState(r *Resolver, b *strings.Builder) {
	r.cache.DeleteFunc(func(k string, e cache.Entry, _ bool) bool {
		fmt.Fprintf(b, "%s %+v\n", k, e)
		return false
	})
	if l, ok := r.history.(stats.Lister); ok {
		keys, _ := l.Keys(context.Background())
		b.WriteString(strings.Join(keys, "\n"))
	}
}

// learnFitTime makes the resolver believe forecast fits take d, quick
// ones too.
func learnFitTime(r *Resolver, d time.Duration) {
	r.fitTime.observe(d)
	r.quickTime.observe(d)
}

// learnFitTimes makes the resolver believe full forecast fits take full,
// and quick ones quick, as if each had just been timed the first time.
func learnFitTimes(r *Resolver, full, quick time.Duration) {
	for _, c := range []struct {
		clock *fitClock
		d     time.Duration
	}{{&r.fitTime, full}, {&r.quickTime, quick}} {
		c.clock.mu.Lock()
		c.clock.ewma, c.clock.measured, c.clock.shrunk = c.d, true, time.Time{}
		c.clock.mu.Unlock()
	}
}

// fitTimes is what the resolver expects full and quick fits to take.
func fitTimes(r *Resolver) (full, quick time.Duration) {
	return r.fitTime.expect(), r.quickTime.expect()
}

// flushEvents waits until the observer has been handed every event
// queued so far.
func flushEvents(r *Resolver) {
	for r.events.pending.Load() > 0 {
		time.Sleep(time.Millisecond)
	}
}
