package fallback

import "sync"

// tasks tracks the goroutines the resolver starts, so Close can wait for
// them; once closed it refuses new ones.
type tasks struct {
	mu     sync.Mutex
	closed bool // requires mu held
	wg     sync.WaitGroup
}

func (t *tasks) add() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.wg.Add(1)
	return true
}

func (t *tasks) done() { t.wg.Done() }

func (t *tasks) close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.wg.Wait()
}
