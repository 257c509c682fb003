package fallback

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/strata-go/strata/providers"
)

// batcher collects a BatchProvider's concurrent requests into FetchBatch
// calls: a batch goes out when it reaches its maximum size or when its
// first request has waited the window.
type batcher struct {
	name   string
	bp     providers.BatchProvider
	max    int
	window time.Duration
	tasks  *tasks
	task   *taskKind       // a flush, for Close's report
	life   context.Context // cancelled by Close
	raw    bool            // WithProviderErrors: see scrub

	mu      sync.Mutex
	pending []*batchItem // requires mu held
	timer   *time.Timer  // requires mu held; runs while pending is not empty
}

type batchItem struct {
	ctx     context.Context
	req     providers.Request
	secrets []string          // what the request's resolve must not report (see secretsOf)
	ch      chan invokeResult // buffered: the flush never blocks on a gone caller
	release func()            // frees the request's bulkhead slot
}

// submit adds req to the pending batch and waits for its answer or for
// ctx to end. secrets are the values its resolve must not report: no
// other request's error in the batch carries them. release is called once
// the batch holding req has returned (or was not sent), however long
// after submit returned.
func (b *batcher) submit(ctx context.Context, req providers.Request, secrets []string, release func()) (providers.Response, error) {
	it := &batchItem{ctx: ctx, req: req, secrets: secrets, ch: make(chan invokeResult, 1), release: release}
	b.mu.Lock()
	b.pending = append(b.pending, it)
	var full []*batchItem
	switch {
	case len(b.pending) >= b.max:
		full = b.takeLocked()
	case len(b.pending) == 1:
		b.timer = time.AfterFunc(b.window, b.onTimer)
	}
	b.mu.Unlock()
	if full != nil {
		b.flush(full)
	}
	select {
	case res := <-it.ch:
		if res.err == nil && ctx.Err() != nil {
			return providers.Response{}, fmt.Errorf("answer arrived after the attempt's deadline: %w", ctx.Err())
		}
		return res.resp, res.err
	case <-ctx.Done():
		return providers.Response{}, fmt.Errorf("%w: %w", errAbandoned, ctx.Err())
	}
}

// takeLocked empties the pending batch. It requires b.mu held.
func (b *batcher) takeLocked() []*batchItem {
	batch := b.pending
	b.pending = nil
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	return batch
}

func (b *batcher) onTimer() {
	b.mu.Lock()
	batch := b.takeLocked()
	b.mu.Unlock()
	if len(batch) > 0 {
		b.flush(batch)
	}
}

// flush sends a batch in a goroutine of its own, bounded by the latest
// deadline among its requests, and hands each request its answer.
func (b *batcher) flush(batch []*batchItem) {
	if !b.tasks.add(b.task) {
		for _, it := range batch {
			it.release()
			it.ch <- invokeResult{err: errNotCalled}
		}
		return
	}
	go func() {
		defer b.tasks.done(b.task)
		var deadline time.Time
		reqs := make([]providers.Request, len(batch))
		for i, it := range batch {
			reqs[i] = it.req
			if d, ok := it.ctx.Deadline(); ok && d.After(deadline) {
				deadline = d
			}
		}
		ctx, cancel := context.WithDeadline(withTask(b.life, TaskBatch), deadline)
		defer cancel()
		resps, errs := b.call(ctx, reqs)
		if b.life.Err() != nil {
			// Close ended the batch: its errors are Close's, not the
			// provider's, whichever the walks learn first (see settle).
			for i, err := range errs {
				if err != nil && !errors.Is(err, ErrClosed) {
					errs[i] = fmt.Errorf("%w: %w", ErrClosed, err)
				}
			}
		}
		if len(batch) > 1 {
			// An error may quote the whole batch (a panic's value, the
			// same error for every request): each resolve scrubs its
			// own values from what it reports, so each error is scrubbed
			// of every request's here.
			var secrets []string
			for _, it := range batch {
				secrets = append(secrets, it.secrets...)
			}
			for i, err := range errs {
				if err != nil && len(secrets) > 0 {
					errs[i] = scrub(err, secrets, b.raw)
				}
			}
		}
		for i, it := range batch {
			it.release()
			it.ch <- invokeResult{resp: resps[i], err: errs[i]}
		}
	}()
}

// call runs FetchBatch, turning a panic or a malformed answer into a
// DataQuality error for every request.
func (b *batcher) call(ctx context.Context, reqs []providers.Request) (resps []providers.Response, errs []error) {
	fail := func(err error) ([]providers.Response, []error) {
		resps, errs = make([]providers.Response, len(reqs)), make([]error, len(reqs))
		for i := range errs {
			errs[i] = err
		}
		return resps, errs
	}
	defer func() {
		if v := recover(); v != nil {
			resps, errs = fail(providers.Errorf(providers.DataQuality, "provider %q panicked in FetchBatch: %v", b.name, v))
		}
	}()
	resps, errs = b.bp.FetchBatch(ctx, reqs)
	if len(resps) != len(reqs) || len(errs) != len(reqs) {
		return fail(providers.Errorf(providers.DataQuality, "provider %q answered %d responses and %d errors for %d requests", b.name, len(resps), len(errs), len(reqs)))
	}
	return resps, errs
}
