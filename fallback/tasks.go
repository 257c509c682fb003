package fallback

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// tasks tracks the goroutines the resolver starts — walks, provider
// calls, refreshes, batches, the janitor — counted by kind, so Close can
// wait for them and say which it gave up on. Once closed it refuses new
// ones.
type tasks struct {
	mu     sync.Mutex
	closed bool          // requires mu held
	n      int           // running; requires mu held
	idle   chan struct{} // requires mu held: made by close, closed when n drops to 0
	kinds  []*taskKind   // requires mu held: every kind ever added, for close's report
}

// taskKind is one kind of task ("provider p1", "refresh cpc").
type taskKind struct {
	name    string
	running int  // requires the tasks' mu held
	listed  bool // in tasks.kinds; requires the tasks' mu held
}

// add registers a task of kind k, reporting false when the tasks are
// closed.
func (t *tasks) add(k *taskKind) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.n++
	k.running++
	if !k.listed {
		k.listed = true
		t.kinds = append(t.kinds, k)
	}
	return true
}

// done ends a task of kind k.
func (t *tasks) done(k *taskKind) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n--
	k.running--
	if t.idle != nil && t.n == 0 {
		close(t.idle)
		t.idle = nil
	}
}

// close refuses new tasks and waits up to bound for the running ones to
// end. It returns what is still running then, sorted ("provider p1 (2
// calls)"): those are abandoned — a provider that ignores its context,
// say — and end on their own.
func (t *tasks) close(bound time.Duration) []string {
	t.mu.Lock()
	t.closed = true
	if t.n == 0 {
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
	var left []string
	for _, k := range t.kinds {
		switch {
		case k.running == 1:
			left = append(left, k.name)
		case k.running > 1:
			left = append(left, fmt.Sprintf("%s (%d)", k.name, k.running))
		}
	}
	slices.Sort(left)
	return left
}
