package fallback

import (
	"context"
	"errors"
	"fmt"
	"sync"
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

	// barrier, when set, is no write: the writer closes it when it gets
	// to it, once every write queued before it is done (see Forget).
	barrier chan struct{}
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
			switch {
			case w.barrier != nil:
				close(w.barrier)
			case r.fleet.forgetting(w.key):
				// Forget is removing this key's person: not written back.
			case w.obs.At.IsZero():
				r.writeStore(w)
			default:
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

// forgets are the matchers of the Forget calls under way: the writer
// drops the queued writes they match.
type forgets struct {
	mu      sync.Mutex
	matches map[*func(string) bool]struct{}
}

// forgetting reports whether a Forget under way matches key.
func (f *fleetState) forgetting(key string) bool {
	f.forgets.mu.Lock()
	defer f.forgets.mu.Unlock()
	for m := range f.forgets.matches {
		if (*m)(key) {
			return true
		}
	}
	return false
}

// holdWrites makes the writer drop every queued write match matches,
// and waits until the writer has finished every write queued before, so
// that nothing of what Forget is about to delete is written back after
// it. The returned func lifts the hold; call it when the deleting is
// done. It returns ctx's error if ctx ends first (the hold is lifted
// then).
func (r *Resolver) holdWrites(ctx context.Context, match func(string) bool) (release func(), err error) {
	f := &r.fleet
	if f.writes == nil {
		return func() {}, nil
	}
	f.forgets.mu.Lock()
	if f.forgets.matches == nil {
		f.forgets.matches = map[*func(string) bool]struct{}{}
	}
	f.forgets.matches[&match] = struct{}{}
	f.forgets.mu.Unlock()
	release = func() {
		f.forgets.mu.Lock()
		delete(f.forgets.matches, &match)
		f.forgets.mu.Unlock()
	}
	barrier := make(chan struct{})
	select {
	case f.writes <- sharedWrite{barrier: barrier}:
	case <-ctx.Done():
		release()
		return nil, fmt.Errorf("waiting for the shared writes queued before: %w", ctx.Err())
	case <-r.life.Done():
		return release, nil // the writer has stopped: nothing more is written
	}
	select {
	case <-barrier:
	case <-ctx.Done():
		release()
		return nil, fmt.Errorf("waiting for the shared writes queued before: %w", ctx.Err())
	case <-r.life.Done():
	}
	return release, nil
}
