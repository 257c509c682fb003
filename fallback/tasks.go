package fallback

import (
	"sort"
	"sync"
	"time"
)

// tasks tracks the goroutines the resolver starts — walks, provider
// calls, refreshes, batches, the janitor — each with what it is, so Close
// can wait for them and say which it gave up on. Once closed it refuses
// new ones.
type tasks struct {
	mu      sync.Mutex
	closed  bool              // requires mu held
	next    uint64            // requires mu held
	running map[uint64]string // requires mu held: what each task is
	idle    chan struct{}     // requires mu held: made by close, closed when running empties
}

// add registers a task described by what and returns its id, or false
// when the tasks are closed.
func (t *tasks) add(what string) (uint64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return 0, false
	}
	if t.running == nil {
		t.running = make(map[uint64]string)
	}
	t.next++
	t.running[t.next] = what
	return t.next, true
}

// done ends task id.
func (t *tasks) done(id uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.running, id)
	if t.idle != nil && len(t.running) == 0 {
		close(t.idle)
		t.idle = nil
	}
}

// close refuses new tasks and waits up to bound for the running ones to
// end. It returns what is still running then, sorted: those are abandoned
// (a provider that ignores its context, say) and end on their own.
func (t *tasks) close(bound time.Duration) []string {
	t.mu.Lock()
	t.closed = true
	if len(t.running) == 0 {
		t.mu.Unlock()
		return nil
	}
	idle := make(chan struct{})
	t.idle = idle
	t.mu.Unlock()
	timer := time.NewTimer(bound)
	defer timer.Stop()
	select {
	case <-idle:
		return nil
	case <-timer.C:
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	left := make([]string, 0, len(t.running))
	for _, what := range t.running {
		left = append(left, what)
	}
	sort.Strings(left)
	return left
}
