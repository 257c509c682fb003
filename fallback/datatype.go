package fallback

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/router"
)

// dataType is a declared data type, compiled.
type dataType struct {
	cfg       DataTypeConfig
	schema    *schema
	primary   []*provider
	secondary []*provider
	metrics   *typeMetrics

	walkTask, refreshTask *taskKind       // for Close's report
	pools                 [2]*router.Pool // primary, secondary: the router's view of each tier

	ttl      atomic.Int64 // the TTL in force (learned when adaptive)
	rateMu   sync.Mutex
	rateEWMA float64 // requires rateMu: mean relative change per second
	rateSeen bool    // requires rateMu
}

// currentTTL returns the data type's TTL in force.
func (dt *dataType) currentTTL() time.Duration { return time.Duration(dt.ttl.Load()) }

// learn feeds an observed change of a key's value into the adaptive TTL.
func (dt *dataType) learn(prev cache.Entry, v float64, at time.Time) {
	at2 := dt.cfg.AdaptiveTTL
	if !at2.Enabled || prev.Value == 0 {
		return
	}
	dtSec := at.Sub(prev.ObservedAt).Seconds()
	if dtSec <= 0 {
		return
	}
	rate := math.Abs(v-prev.Value) / math.Abs(prev.Value) / dtSec
	if math.IsInf(rate, 0) {
		// A move from a value near zero (5e-324 to 1) no float64 holds:
		// learned, the mean stayed +Inf for good, the TTL at its minimum,
		// and every Export failed on it.
		return
	}
	dt.rateMu.Lock()
	if dt.rateSeen {
		dt.rateEWMA = at2.Smoothing*rate + (1-at2.Smoothing)*dt.rateEWMA
	} else {
		dt.rateEWMA, dt.rateSeen = rate, true
	}
	r := dt.rateEWMA
	dt.rateMu.Unlock()
	dt.setTTL(r)
}

// setTTL sets the TTL in force from the mean rate of change r.
func (dt *dataType) setTTL(r float64) {
	at2 := dt.cfg.AdaptiveTTL
	ttl := at2.Max
	if r > 0 {
		ttl = time.Duration(min(float64(at2.Max), at2.Tolerance/r*float64(time.Second)))
	}
	dt.ttl.Store(int64(max(at2.Min, ttl)))
}

// rate returns the learned mean rate of change, if one was learned.
func (dt *dataType) rate() (float64, bool) {
	dt.rateMu.Lock()
	defer dt.rateMu.Unlock()
	return dt.rateEWMA, dt.rateSeen
}

// restoreRate takes a mean rate of change learned before (Import) as if
// it had been learned here: the TTL follows from it.
func (dt *dataType) restoreRate(r float64) {
	dt.rateMu.Lock()
	dt.rateEWMA, dt.rateSeen = r, true
	dt.rateMu.Unlock()
	dt.setTTL(r)
}
