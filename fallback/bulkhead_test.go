package fallback

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
)

// A retry's backoff is not a call in flight: the bulkhead slot is free
// while the walk waits out the delay (it was held through it, and another
// resolve found the provider busy).
func TestABackoffHoldsNoBulkheadSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers[0].MaxConcurrent = 1
		cfg.Retry = RetryConfig{MaxAttempts: 2, BaseDelay: 200 * time.Millisecond, MaxDelay: 200 * time.Millisecond, Jitter: JitterNone}
		cfg.Breaker.ConsecutiveFailures = 1000
		p1 := newStub(0)
		p1.set(func(_ context.Context, req providers.Request) (providers.Response, error) {
			if req.Params["keyword"] == "a" {
				return providers.Response{}, providers.Errorf(providers.Transient, "flaky")
			}
			return providers.Response{Value: 5}, nil
		})
		r := newTestResolver(t, cfg, p1, newStub(1.2))
		var wg sync.WaitGroup
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_, _ = r.Resolve(ctx, "cpc", Params{"keyword": "a"})
		})
		time.Sleep(50 * time.Millisecond) // "a" is waiting out its 200ms backoff, nothing in flight
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		res, err := r.Resolve(ctx, "cpc", Params{"keyword": "b"})
		require.NoError(t, err)
		a := attemptsByProvider(res.Attempts)["p1"]
		assert.Equal(t, Succeeded, a.Outcome, "skip=%v", a.Skip)
		assert.Equal(t, 5.0, res.Value)
		wg.Wait()
	})
}

type hangingBatch struct {
	release        chan struct{}
	inFlight, peak *atomicCounter
}

type atomicCounter struct {
	mu   sync.Mutex
	n, p int
}

func (c *atomicCounter) add(d int) {
	c.mu.Lock()
	c.n += d
	if c.n > c.p {
		c.p = c.n
	}
	c.mu.Unlock()
}

func (h hangingBatch) Fetch(context.Context, providers.Request) (providers.Response, error) {
	return providers.Response{Value: 1}, nil
}

func (h hangingBatch) FetchBatch(ctx context.Context, reqs []providers.Request) ([]providers.Response, []error) {
	h.inFlight.add(len(reqs))
	defer h.inFlight.add(-len(reqs))
	<-h.release // ignores its context
	errs := make([]error, len(reqs))
	for i := range errs {
		errs[i] = providers.Errorf(providers.Transient, "late")
	}
	return make([]providers.Response, len(reqs)), errs
}

// A batched request the resolver gave up on at its timeout holds its
// bulkhead slot until its batch returns, as a single call does (it was
// freed at the timeout: 20 requests in flight behind a bulkhead of 2).
func TestABulkheadBoundsBatchedRequestsInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers[0].MaxConcurrent = 2
		cfg.Providers[0].Timeout = 20 * time.Millisecond
		cfg.Providers[0].Batch = BatchConfig{MaxSize: 2, Window: time.Millisecond}
		cfg.Retry.MaxAttempts = 1
		cfg.Breaker.ConsecutiveFailures = 1000
		cfg.Resolve.CloseTimeout = 10 * time.Millisecond
		c := &atomicCounter{}
		h := hangingBatch{release: make(chan struct{}), inFlight: c}
		r := newTestResolver(t, cfg, h, newStub(1.2))
		for i := range 20 {
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			_, err := r.Resolve(ctx, "cpc", Params{"keyword": "k" + string(rune('a'+i))})
			cancel()
			require.NoError(t, err)
		}
		c.mu.Lock()
		peak := c.p
		c.mu.Unlock()
		assert.LessOrEqual(t, peak, 2, "requests in flight in FetchBatch")
		close(h.release)
		synctest.Wait()
	})
}
