package fallback

import (
	"sync"
	"time"
)

// fitClock learns how long a forecast fit takes, in wall time (so CPU
// contention is in it): an EWMA of the fits' durations (weight 0.2 to the
// newest), read as twice that, to be safe; before the first fit, the
// time the configuration assumes (assume). It is safe for concurrent use.
//
// A clock that learned its estimate under contention could keep every fit
// from starting, and then never learn again: only a fit that runs
// updates it. So each skipped fit may shrink the estimate by a tenth —
// but at most once per expected fit time (skippedAt). Shrinking on every
// skip let a herd bring the fits back within a millisecond of each skip
// streak (80–170 fits in a blackout-herd run, each holding a P for a fit
// that no resolve could wait for); shrinking with time brings them back
// as time passes, however many resolves skip meanwhile (18–29 a run).
// The full fit's clock, while quick fits stand in for it, shrinks ten
// times slower still (see Resolver.fit).
type fitClock struct {
	mu       sync.Mutex
	ewma     time.Duration // requires mu held; 0 before the first fit or assume
	measured bool          // requires mu held: a fit has been timed
	shrunk   time.Time     // requires mu held: when a skip last shrank ewma
}

// assume sets the estimate to d while the clock has none: before the
// first fit is timed, the first fits are given the time the
// configuration assumes (Forecast.FitTime), not none.
func (c *fitClock) assume(d time.Duration) {
	c.mu.Lock()
	if !c.measured && c.ewma == 0 {
		c.ewma = d
	}
	c.mu.Unlock()
}

// observe learns a fit's duration d. The first replaces what was
// assumed.
func (c *fitClock) observe(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.measured {
		c.ewma, c.measured = d, true
		return
	}
	c.ewma += (d - c.ewma) / 5
}

// skippedAt records a fit skipped at now for lack of time: no new
// duration will correct the estimate otherwise, so it shrinks by a tenth
// if it has not shrunk for slow expected fit times.
func (c *fitClock) skippedAt(now time.Time, slow int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.shrunk) >= time.Duration(slow)*2*c.ewma {
		c.shrunk = now
		c.ewma -= c.ewma / 10
	}
}

// expect is the time a fit should be given: twice the EWMA.
func (c *fitClock) expect() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return 2 * c.ewma
}
