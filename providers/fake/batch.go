package fake

import (
	"context"
	"time"

	"github.com/strata-go/strata/providers"
)

// Batch is a fake that also implements providers.BatchProvider. It embeds
// the *Provider, whose controls and counters it shares: each request of a
// batch is one call for the rules (it takes its own call index, script
// step and draws, in the order of the batch), and Stats.Batches counts the
// FetchBatch calls.
type Batch struct {
	*Provider
}

// NewBatch returns a batching fake for cfg; see New.
func NewBatch(cfg Config) (*Batch, error) {
	p, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return &Batch{Provider: p}, nil
}

// FetchBatch answers every request in reqs, one Response and one error per
// request in order. The batch takes as long as its slowest request. If any
// request's outcome is a hang, the whole batch hangs until ctx is done; if
// any panics, the whole call panics after the latency; a context done
// before the answers fails every request with the context's error.
func (b *Batch) FetchBatch(ctx context.Context, reqs []providers.Request) ([]providers.Response, []error) {
	p := b.Provider
	resps := make([]providers.Response, len(reqs))
	errs := make([]error, len(reqs))

	byReq := make([]Outcome, len(reqs))
	if p.byRequest != nil {
		for i, r := range reqs {
			byReq[i] = p.byRequest(r)
		}
	}
	var keys []string
	if p.trackKeys {
		keys = make([]string, len(reqs))
		for i, r := range reqs {
			keys[i] = requestKey(r)
		}
	}
	var now time.Time
	if p.needNow {
		now = time.Now()
	}

	plans := make([]plan, len(reqs))
	var slowest time.Duration
	hang, panics := false, -1
	p.mu.Lock()
	p.batches++
	p.batched += int64(len(reqs))
	p.maxBatch = max(p.maxBatch, len(reqs))
	p.enter()
	for i := range reqs {
		plans[i] = p.plan(byReq[i], now)
		slowest = max(slowest, plans[i].latency)
		switch plans[i].kind {
		case kindHang:
			hang = true
		case kindPanic:
			if panics < 0 {
				panics = i
			}
		}
		if p.trackKeys {
			p.keys[keys[i]]++
		}
	}
	p.mu.Unlock()

	var ctxErr error
	if hang {
		<-ctx.Done()
		ctxErr = ctx.Err()
	} else {
		ctxErr = wait(ctx, slowest)
	}
	if ctxErr != nil {
		err := ctxError(ctxErr)
		p.mu.Lock()
		p.failures[err.Class] += int64(len(reqs))
		p.inFlight--
		p.mu.Unlock()
		for i := range errs {
			errs[i] = err
		}
		return resps, errs
	}
	if panics >= 0 {
		p.answer(reqs[panics], &plans[panics], 1) // panics
	}
	for i, r := range reqs {
		resps[i], errs[i] = p.answer(r, &plans[i], 0)
	}
	p.mu.Lock()
	p.inFlight--
	p.mu.Unlock()
	return resps, errs
}
