package fallback

import (
	"math"
	"sync"
	"time"
)

// reserveClock learns how much of a deadline a resolve needs once its
// walk through the providers has run out of time: the local layers' work
// and how late the walk's deadline woke the resolve (a loaded host runs
// timers late). It keeps a decaying maximum — the largest need seen,
// halving every half-life — so one stall raises the reserve at once and
// the raise wears off when the host is quiet again.
type reserveClock struct {
	mu   sync.Mutex
	need time.Duration // requires mu held: the largest need, as of at
	at   time.Time     // requires mu held
}

// observe notes a resolve that needed need after its walk's deadline, at
// now.
func (c *reserveClock) observe(need time.Duration, now time.Time, halfLife time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if need > c.decayedLocked(now, halfLife) {
		c.need, c.at = need, now
	}
}

// current is the learned need at now.
func (c *reserveClock) current(now time.Time, halfLife time.Duration) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.decayedLocked(now, halfLife)
}

func (c *reserveClock) decayedLocked(now time.Time, halfLife time.Duration) time.Duration {
	age := now.Sub(c.at)
	if c.need <= 0 || age <= 0 {
		return max(c.need, 0)
	}
	return time.Duration(float64(c.need) * math.Exp2(-float64(age)/float64(halfLife)))
}

// reserve is the part of the time left before a resolve's deadline kept
// back for the local layers (see ResolveConfig.Reserve): the configured
// reserve, at most a quarter of left, or what resolves needed lately
// after their walk's deadline when that is more, at most half of left.
func (r *Resolver) reserve(left time.Duration, now time.Time) time.Duration {
	rc := &r.cfg.Resolve
	res := min(rc.Reserve, left/4)
	if !rc.FixedReserve {
		res = max(res, min(r.reserveNeed.current(now, rc.ReserveHalfLife), left/2))
	}
	return res
}
