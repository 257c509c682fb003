package fallback

import "sync"

// retryBudget bounds a provider's extra attempts — retries and hedges —
// to a share of its requests in flight, as Finagle's and failsafe-go's
// retry budgets do: an extra attempt may start while the extras in flight
// are fewer than max(min, ratio × requests in flight). In an outage, when
// every request fails, retries then add at most ratio to the load
// instead of multiplying it by the attempt count.
type retryBudget struct {
	ratio float64 // RetryConfig.BudgetRatio
	min   int     // RetryConfig.BudgetMinConcurrency

	mu       sync.Mutex
	inflight int // requests (first attempts' calls) in flight; requires mu
	extra    int // retries and hedges in flight; requires mu
}

// begin counts a request in flight; end when it is over.
func (b *retryBudget) begin() {
	b.mu.Lock()
	b.inflight++
	b.mu.Unlock()
}

func (b *retryBudget) end() {
	b.mu.Lock()
	b.inflight--
	b.mu.Unlock()
}

// acquire takes a permit for one extra attempt, reporting false when the
// budget is spent. A permit taken is given back by release.
func (b *retryBudget) acquire() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.extra >= max(b.min, int(b.ratio*float64(b.inflight))) {
		return false
	}
	b.extra++
	return true
}

func (b *retryBudget) release() {
	b.mu.Lock()
	b.extra--
	b.mu.Unlock()
}
