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

	seq uint64 // its place in the queue (writeHolds.seq)

	// flushed, when set, is no write: the writer closes it when it gets
	// to it, every write queued before it done (see Flush).
	flushed chan struct{}
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
			if w.flushed != nil {
				close(w.flushed)
				continue
			}
			done, ok := r.fleet.holds.begin(w)
			switch {
			case !ok:
				// Forget is removing this key's person: not written back;
				// or a newer answer for the key is queued (superseded).
			case w.obs.At.IsZero():
				r.writeStore(w, done)
			default:
				r.writeHistory(w, done)
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
	if !r.fleet.holds.queue(r.fleet.writes, w) {
		r.callbackFailed(kind, w.dt.cfg.Name, errQueueFull)
	}
}

// writeHolds keep the writer from putting back what Forget deletes: a
// write queued before or while a Forget runs, for a key it matches, is
// dropped, and Forget waits for the host's writes of such keys already
// under way — those the writer gave up on at the store timeout too,
// which may still land — to return.
//
// They also drop a superseded answer for the shared tier: one for which
// a newer answer for the same key (a later StoredAt) is in the queue, or
// went through it while this one waited — this instance resolved the key
// again while its writes were slow. The store would keep the newer answer
// anyway (cache.Store's Set never replaces a newer entry); dropping the
// older one spares the round trip, and keeps a store that does not follow
// that rule from going back to it, at least for this instance's writes.
type writeHolds struct {
	mu      sync.Mutex
	seq     uint64                 // requires mu: the last write queued
	holds   map[*writeHold]bool    // requires mu
	writing map[string]int         // requires mu: keys of host writes not returned
	changed chan struct{}          // requires mu: closed when one returns
	newest  map[string]newestWrite // requires mu: by key, answers queued
}

// newestWrite is, for a key, the queued answer of latest StoredAt (the
// latest queued on a tie) since the key last had none queued, and how
// many of its answers are queued.
type newestWrite struct {
	seq      uint64
	storedAt time.Time
	queued   int
}

// writeHold is one Forget's hold.
type writeHold struct {
	match func(key string) bool
	until uint64 // 0 while Forget runs; then the last write queued when it ended
}

// queue hands w to the writer's queue without waiting, in order: the
// writes' seq is their order in the queue. It reports false when the
// queue is full.
func (h *writeHolds) queue(writes chan<- sharedWrite, w sharedWrite) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	w.seq = h.seq + 1
	select {
	case writes <- w:
		h.seq++
	default:
		return false
	}
	if w.isAnswer() {
		if h.newest == nil {
			h.newest = map[string]newestWrite{}
		}
		n := h.newest[w.key]
		if n.queued == 0 || !w.entry.StoredAt.Before(n.storedAt) {
			n.seq, n.storedAt = w.seq, w.entry.StoredAt
		}
		n.queued++
		h.newest[w.key] = n
	}
	return true
}

// isAnswer reports whether w is an answer for the shared tier (not an
// observation, nor Flush's mark).
func (w *sharedWrite) isAnswer() bool { return w.flushed == nil && w.obs.At.IsZero() }

// superseded takes w, an answer the writer got from the queue, off its
// key's queued answers and reports whether the newest of them (see
// newestWrite) is another.
func (h *writeHolds) superseded(w sharedWrite) bool {
	n, ok := h.newest[w.key]
	if !ok {
		return false // not queued by queue
	}
	if n.queued--; n.queued <= 0 {
		delete(h.newest, w.key)
	} else {
		h.newest[w.key] = n
	}
	return n.seq != w.seq
}

// begin decides whether the writer may make w: not when a hold matches
// it (a Forget under way, or one that ended after w was queued), nor when
// it is a superseded answer. When it may, w's key counts as being written
// until done is called — when the host's call returns, not when the
// writer gives up on it.
func (h *writeHolds) begin(w sharedWrite) (done func(), ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if w.isAnswer() && h.superseded(w) {
		return nil, false
	}
	for hold := range h.holds {
		switch {
		case hold.until != 0 && w.seq > hold.until:
			delete(h.holds, hold) // its Forget ended before w was queued
		case hold.match(w.key):
			return nil, false
		}
	}
	if h.writing == nil {
		h.writing = map[string]int{}
	}
	h.writing[w.key]++
	var once sync.Once
	return func() { once.Do(func() { h.end(w.key) }) }, true
}

// end notes that the host's write of key returned.
func (h *writeHolds) end(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.writing[key]--; h.writing[key] <= 0 {
		delete(h.writing, key)
	}
	if h.changed != nil {
		close(h.changed)
		h.changed = nil
	}
}

// hold starts a hold for match, and waits until no host write of a key
// it matches is under way. It returns ctx's error, or ErrClosed when
// closed is closed (Close), the hold released, if either comes first.
func (h *writeHolds) hold(ctx context.Context, closed <-chan struct{}, match func(string) bool) (*writeHold, error) {
	hold := &writeHold{match: match}
	h.mu.Lock()
	if h.holds == nil {
		h.holds = map[*writeHold]bool{}
	}
	h.holds[hold] = true
	h.mu.Unlock()
	for {
		h.mu.Lock()
		busy := false
		for key := range h.writing {
			if match(key) {
				busy = true
				break
			}
		}
		if !busy {
			h.mu.Unlock()
			return hold, nil
		}
		if h.changed == nil {
			h.changed = make(chan struct{})
		}
		changed := h.changed
		h.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			h.release(hold)
			return nil, fmt.Errorf("waiting for a shared write under way: %w", ctx.Err())
		case <-closed:
			h.release(hold)
			return nil, ErrClosed
		}
	}
}

// release ends a hold in queue order: the writes queued until now that
// it matches are still dropped; those queued later are not.
func (h *writeHolds) release(hold *writeHold) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.seq == 0 {
		delete(h.holds, hold)
		return
	}
	hold.until = h.seq
}

// Flush waits until every answer and observation the resolver has queued
// for the shared tier and the shared history (WithStore,
// WithSharedHistory) before it was called is written, or given up on at
// the store timeout. Close drops what is still queued: a host that wants
// its last answers kept for the fleet and for its own restart calls Flush
// first. It returns ctx's error if ctx ends first, ErrClosed after Close,
// and nil at once without a shared tier or history.
func (r *Resolver) Flush(ctx context.Context) error {
	if r.closed.Load() {
		return ErrClosed
	}
	if r.fleet.writes == nil {
		return nil
	}
	flushed := make(chan struct{})
	select {
	case r.fleet.writes <- sharedWrite{flushed: flushed}:
	case <-ctx.Done():
		return fmt.Errorf("fallback: flush: %w", ctx.Err())
	case <-r.life.Done():
		return ErrClosed
	}
	select {
	case <-flushed:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("fallback: flush: %w", ctx.Err())
	case <-r.life.Done():
		return ErrClosed
	}
}
