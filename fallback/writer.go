package fallback

import (
	"errors"
	"time"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/stats"
)

// sharedWrite is one write for the writer: a good answer for the shared
// tier, or, when obs.At is set, an observation for the shared history.
type sharedWrite struct {
	dt    *dataType
	key   string
	entry cache.Entry
	keep  time.Duration // how long the shared tier keeps entry
	obs   stats.Observation
}

// errQueueFull is reported when a write or an event finds its queue full.
var errQueueFull = errors.New("queue full: dropped")

// write is the writer: it publishes breaker transitions first, then
// writes queued answers and observations, one at a time, each bounded by
// the store timeout, until Close. What is queued when Close begins is
// dropped: Close starts nothing new.
func (r *Resolver) write() {
	defer r.tasks.done(&r.fleet.writer)
	for {
		select {
		case ev := <-r.fleet.outbox:
			r.publishHealth(ev)
			continue
		case <-r.life.Done():
			return
		default:
		}
		select {
		case ev := <-r.fleet.outbox:
			r.publishHealth(ev)
		case w := <-r.fleet.writes:
			if w.obs.At.IsZero() {
				r.writeStore(w)
			} else {
				r.writeHistory(w)
			}
		case <-r.life.Done():
			return
		}
	}
}

// queueWrite hands w to the writer without waiting; a full queue drops it
// and reports it as a failure of kind.
func (r *Resolver) queueWrite(w sharedWrite, kind *taskKind) {
	if r.closed.Load() {
		return
	}
	select {
	case r.fleet.writes <- w:
	default:
		r.callbackFailed(kind, w.dt.cfg.Name, errQueueFull)
	}
}
