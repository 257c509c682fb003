package fallback

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/breaker"
	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/providers"
)

// scanStore is a memStore that can delete by key (cache.Scanner), whose
// Set takes set and ignores its context, and whose DeleteMatching takes
// del.
type scanStore struct {
	*memStore
	set, del time.Duration
}

func (s scanStore) Set(ctx context.Context, key string, e cache.Entry, ttl time.Duration) error {
	time.Sleep(s.set)
	return s.memStore.Set(ctx, key, e, ttl)
}

func (s scanStore) DeleteMatching(_ context.Context, match func(string) bool) (int, error) {
	time.Sleep(s.del)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k := range s.entries {
		if match(k) {
			delete(s.entries, k)
			n++
		}
	}
	return n, nil
}

func (s scanStore) has(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.entries[key]
	return ok
}

// A write the writer gave up on at the store timeout may still land:
// Forget waits for it before it deletes, so the answer is not back after
// Forget returns.
func TestForgetWaitsForAWriteTheWriterGaveUpOn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := scanStore{memStore: newMemStore(), set: 80 * time.Millisecond} // over the 50 ms store timeout
		r := newTestResolver(t, testConfig(), newStub(1.25), newStub(1), WithStore(store), WithHistory(noHistory{}))
		params := Params{"keyword": "person0"}
		key, err := r.Key("cpc", params)
		require.NoError(t, err)
		_, err = r.Resolve(context.Background(), "cpc", params)
		require.NoError(t, err)
		time.Sleep(60 * time.Millisecond) // the writer has given up on the Set, which runs on
		start := time.Now()
		_, err = r.Forget(context.Background(), "keyword", "person0")
		require.NoError(t, err)
		assert.Equal(t, 20*time.Millisecond, time.Since(start), "Forget waited for the Set to return")
		time.Sleep(time.Second)
		assert.False(t, store.has(key), "the answer was written back after Forget returned")
	})
}

// A write queued while Forget runs — behind a backlog of other writes or
// not — is dropped, even when the writer reaches it after Forget returned;
// writes queued after Forget returned are made.
func TestForgetDropsWritesQueuedWhileItRuns(t *testing.T) {
	for _, backlog := range []int{0, 20} {
		t.Run(fmt.Sprint("backlog=", backlog), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				store := scanStore{memStore: newMemStore(), set: 10 * time.Millisecond, del: 100 * time.Millisecond}
				r := newTestResolver(t, testConfig(), newStub(1.25), newStub(1), WithStore(store), WithHistory(noHistory{}))
				victim, err := r.Key("cpc", Params{"keyword": "victim"})
				require.NoError(t, err)
				done := make(chan error, 1)
				go func() { _, err := r.Forget(context.Background(), "keyword", "victim"); done <- err }()
				synctest.Wait() // Forget is in DeleteMatching, its hold on
				for i := range backlog {
					_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("other", i)})
					require.NoError(t, err)
				}
				_, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "victim"})
				require.NoError(t, err)
				require.NoError(t, <-done)
				time.Sleep(time.Second)
				assert.False(t, store.has(victim), "written back after Forget")
				other, err := r.Key("cpc", Params{"keyword": "other0"})
				require.NoError(t, err)
				assert.Equal(t, backlog > 0, store.has(other), "other keys are written")

				// After Forget, the victim's answers are written again.
				r.cache.Delete(victim)
				_, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "victim"})
				require.NoError(t, err)
				time.Sleep(time.Second)
				assert.True(t, store.has(victim), "a write queued after Forget returned")
			})
		})
	}
}

// Close names the observer only when it is stuck in the host's Observe,
// not when it is merely idle while something else was abandoned.
func TestCloseNamesOnlyAStuckObserver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hang := &blockingStore{release: make(chan struct{})}
		r := newTestResolver(t, testConfig(), newStub(1.25), newStub(1), WithStore(hang), WithHistory(noHistory{}), WithObserver(&recorder{}))
		_, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		synctest.Wait() // the writer hangs in Set
		var ce *CloseError
		require.ErrorAs(t, r.Close(), &ce)
		assert.Equal(t, []string{"store.Set"}, ce.Abandoned, "the observer is idle")
		close(hang.release)
	})
	synctest.Test(t, func(t *testing.T) {
		block := make(chan struct{})
		r := newTestResolver(t, testConfig(), newStub(1.25), newStub(1), WithObserver(ObserverFunc(func(context.Context, Event) { <-block })))
		_, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		var ce *CloseError
		require.ErrorAs(t, r.Close(), &ce)
		assert.Equal(t, []string{"observer"}, ce.Abandoned, "stuck in Observe")
		close(block)
	})
}

// Close ending a Warm's resolves ends the Warm with ErrClosed, also when
// every key had been handed out.
func TestWarmEndedByCloseSaysSo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		called := make(chan struct{}, 4)
		hangs := func(ctx context.Context, _ providers.Request) (providers.Response, error) {
			called <- struct{}{}
			<-ctx.Done()
			return providers.Response{}, ctx.Err()
		}
		p1, s1 := newStub(1), newStub(2)
		p1.set(hangs)
		s1.set(hangs)
		r := newTestResolver(t, testConfig(), p1, s1)
		go func() { <-called; _ = r.Close() }()
		rep, err := r.Warm(context.Background(), []WarmKey{{DataType: "cpc", Params: shoes}})
		assert.ErrorIs(t, err, ErrClosed)
		assert.Equal(t, 1, rep.Failed)
		assert.InDelta(t, 0.02, rep.Cost, 1e-12, "p1's call was paid")
	})
}

// ctx ending a Warm's resolves ends the Warm with ctx's error, as Close
// does with ErrClosed, also when every key had been handed out: Warm
// returned nil with every key failed by the cancellation.
func TestWarmEndedByItsContextSaysSo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(1), newStub(2)
		p1.hang()
		s1.hang()
		r := newTestResolver(t, testConfig(), p1, s1)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		rep, err := r.Warm(ctx, []WarmKey{{DataType: "cpc", Params: shoes}, {DataType: "cpc", Params: Params{"keyword": "boots"}}})
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 2, rep.Failed)
		assert.Zero(t, rep.Skipped, "both keys had been started")
	})
}

// The host's OnStateChange hears every transition in order, through the
// resolver's own goroutine: a panic is reported as an EventCallback, and
// one still running at Close is named.
func TestBreakerCallbackThroughTheResolver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		var heard []string // read once the callback's goroutine is idle
		block := make(chan struct{})
		cfg.Breaker = breaker.Config{ConsecutiveFailures: 1, OpenDuration: time.Minute, HalfOpenProbes: 1, OnStateChange: func(sc breaker.StateChange) {
			heard = append(heard, sc.From.String()+">"+sc.To.String())
			switch len(heard) {
			case 1:
				panic("boom")
			case 3:
				<-block
			}
		}}
		obs := &recorder{}
		p1 := newStub(1)
		p1.fail(providers.Unavailable)
		r := newTestResolver(t, cfg, p1, newStub(2), WithObserver(obs))
		_, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		synctest.Wait()
		flushEvents(r)
		evs, _ := obs.of(EventCallback)
		require.Len(t, evs, 1)
		assert.Equal(t, "breaker.OnStateChange", evs[0].Source)
		assert.ErrorIs(t, evs[0].Err, ErrCallbackPanic)

		time.Sleep(2 * time.Minute) // open, then half-open at the next call
		p1.answer(1)
		_, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "boots"})
		require.NoError(t, err)
		synctest.Wait()
		assert.Equal(t, []string{"closed>open", "open>half-open", "half-open>closed"}, heard)
		var ce *CloseError
		require.ErrorAs(t, r.Close(), &ce)
		assert.Equal(t, []string{"breaker.OnStateChange"}, ce.Abandoned)
		close(block)
	})
}

// An attempt settled before its provider was called — its context ended
// first, or Close came — is not paid, and the provider is never called
// for it after.
func TestAnAttemptSettledBeforeItsCallIsNotPaid(t *testing.T) {
	r := newTestResolver(t, testConfig(), newStub(1.25), newStub(1))
	p := r.byName["p1"]
	ctx := WithBudget(context.Background(), 1)
	b := BudgetFrom(ctx)
	require.True(t, b.TryDebit(p.price))
	key, err := r.Key("cpc", shoes)
	require.NoError(t, err)
	w := r.newWalk(ctx, r.types["cpc"], key, shoes, time.Now().Add(time.Second))
	permit, err := p.breaker.Acquire()
	require.NoError(t, err)
	actx, cancel := context.WithCancel(ctx)
	cancel()
	a := &pendingAttempt{c: &call{w: w, p: p, ctx: ctx, until: w.deadline}, n: 1, permit: permit, start: time.Now(), ctx: actx}
	reported, perr := a.settle(providers.Response{}, fmt.Errorf("%w: %w", errAbandoned, actx.Err()))
	assert.Nil(t, perr, "nothing to retry")
	assert.Error(t, reported)
	assert.False(t, a.begin(), "never called after")
	assert.Zero(t, b.Spent(), "refunded")
	require.Len(t, w.attempts, 1)
	assert.Equal(t, Skipped, w.attempts[0].Outcome)
	assert.Zero(t, w.attempts[0].Cost)
	assert.Zero(t, w.cost)
}

// Flush waits for every shared write queued before it: after Flush and
// Close the shared tier holds every answer; Close alone drops the queue.
func TestFlushKeepsWhatCloseWouldDrop(t *testing.T) {
	for _, flush := range []bool{true, false} {
		t.Run(fmt.Sprint("flush=", flush), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				store := scanStore{memStore: newMemStore(), set: 10 * time.Millisecond}
				r, err := New(testConfig(), WithProvider("p1", newStub(1.25)), WithProvider("s1", newStub(1)), WithSeed(1), WithStore(store), WithHistory(noHistory{}))
				require.NoError(t, err)
				const n = 20
				for i := range n {
					_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i)})
					require.NoError(t, err)
				}
				if flush {
					require.NoError(t, r.Flush(context.Background()))
				}
				_ = r.Close()
				store.mu.Lock()
				kept := len(store.entries)
				store.mu.Unlock()
				if flush {
					assert.Equal(t, n, kept)
				} else {
					assert.Less(t, kept, n, "Close drops what is queued")
				}
				assert.ErrorIs(t, r.Flush(context.Background()), ErrClosed)
			})
		})
	}
}

// Forget and Prune after Close fail with ErrClosed, as every other
// method does, whatever the history and store can do, and Close ends a
// Forget waiting for a write under way. Forget returned nil, having
// deleted nothing, with a history that cannot list its keys, or waited
// as long as its context let it — for ever — for a write the writer gave
// up on before Close; Prune returned nil without a retention.
func TestForgetAndPruneAfterClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := scanStore{memStore: newMemStore(), set: time.Hour} // a write that outlives Close
		r := newTestResolver(t, testConfig(), newStub(1.25), newStub(1), WithStore(store), WithHistory(noHistory{}))
		_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "person0"})
		require.NoError(t, err)
		time.Sleep(time.Second) // the writer has given up on the Set, which runs on
		forgot := make(chan error, 1)
		var forgotAt time.Time
		go func() {
			_, err := r.Forget(context.Background(), "keyword", "person0")
			forgotAt = time.Now()
			forgot <- err
		}()
		synctest.Wait() // Forget waits for the Set
		start := time.Now()
		var ce *CloseError
		require.ErrorAs(t, r.Close(), &ce, "the Set is abandoned")
		assert.ErrorIs(t, <-forgot, ErrClosed, "Close ended the wait")
		assert.Equal(t, start, forgotAt, "at once")

		start = time.Now()
		_, err = r.Forget(context.Background(), "keyword", "person0")
		assert.ErrorIs(t, err, ErrClosed)
		assert.Zero(t, time.Since(start), "Forget returned at once")
		_, err = r.Prune(context.Background())
		assert.ErrorIs(t, err, ErrClosed)
		time.Sleep(time.Hour) // the abandoned Set ends on its own
	})
}

// Close's doc: called from inside a callback the resolver runs — an
// Observer, a provider's Fetch, a breaker's OnStateChange — Close waits
// out CloseTimeout for that very callback and names it: bounded, not a
// deadlock, and the resolver is closed when it returns.
func TestCloseFromInsideACallbackWaitsItOutAndNamesIt(t *testing.T) {
	type closed struct {
		err  error
		took time.Duration
	}
	cases := []struct {
		name  string
		named string
		setup func(closeIt func()) (Config, providers.Provider, []Option)
	}{
		{"observer", "observer", func(closeIt func()) (Config, providers.Provider, []Option) {
			obs := ObserverFunc(func(_ context.Context, e Event) {
				if e.Kind == EventResolve {
					closeIt()
				}
			})
			return testConfig(), newStub(1), []Option{WithObserver(obs)}
		}},
		{"provider", "provider p1", func(closeIt func()) (Config, providers.Provider, []Option) {
			p1 := newStub(0)
			p1.set(func(context.Context, providers.Request) (providers.Response, error) {
				closeIt()
				return providers.Response{Value: 1}, nil
			})
			return testConfig(), p1, nil
		}},
		{"breaker callback", "breaker.OnStateChange", func(closeIt func()) (Config, providers.Provider, []Option) {
			cfg := testConfig()
			cfg.Breaker = breaker.Config{ConsecutiveFailures: 1, OnStateChange: func(breaker.StateChange) { closeIt() }}
			p1 := newStub(0)
			p1.fail(providers.Unavailable)
			return cfg, p1, nil
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var r *Resolver
				var once sync.Once
				got := make(chan closed, 1)
				closeIt := func() {
					once.Do(func() {
						start := time.Now()
						err := r.Close()
						got <- closed{err, time.Since(start)}
					})
				}
				cfg, p1, opts := tc.setup(closeIt)
				r = newTestResolver(t, cfg, p1, newStub(2), opts...)
				_, _ = r.Resolve(context.Background(), "cpc", shoes)
				c := <-got
				var ce *CloseError
				require.ErrorAs(t, c.err, &ce)
				assert.Equal(t, []string{tc.named}, ce.Abandoned)
				assert.Equal(t, DefaultCloseTimeout, c.took, "Close waited out CloseTimeout for the callback it was called from")
				_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "boots"})
				assert.ErrorIs(t, err, ErrClosed)
			})
		})
	}
}
