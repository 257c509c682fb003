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

	"github.com/strata-go/strata/providers"
)

// recorder keeps every event with its context.
type recorder struct {
	mu   sync.Mutex
	evs  []Event
	ctxs []context.Context
}

func (o *recorder) Observe(ctx context.Context, e Event) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.evs = append(o.evs, e)
	o.ctxs = append(o.ctxs, ctx)
}

// of returns the events of kind k and their contexts, in order.
func (o *recorder) of(k EventKind) ([]Event, []context.Context) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var evs []Event
	var ctxs []context.Context
	for i, e := range o.evs {
		if e.Kind == k {
			evs, ctxs = append(evs, e), append(ctxs, o.ctxs[i])
		}
	}
	return evs, ctxs
}

type callerKey struct{}

func caller(ctx context.Context) string { s, _ := ctx.Value(callerKey{}).(string); return s }

func TestEventsCarryTheCallersContextNeverDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := &recorder{}
		r := newTestResolver(t, testConfig(), newStub(1.5), newStub(1), WithObserver(obs))
		ctx, cancel := context.WithCancel(context.WithValue(context.Background(), callerKey{}, "alice"))
		_, err := r.Resolve(ctx, "cpc", Params{"keyword": "shoes"}) // a miss: p1 answers
		require.NoError(t, err)
		_, err = r.Resolve(ctx, "cpc", Params{"keyword": "shoes"}) // a fresh hit
		require.NoError(t, err)
		cancel()
		flushEvents(r)
		for _, k := range []EventKind{EventAttemptStart, EventAttempt, EventResolve} {
			evs, ctxs := obs.of(k)
			want := 1
			if k == EventResolve {
				want = 2
			}
			require.Len(t, evs, want, k.String())
			for _, c := range ctxs {
				assert.Equal(t, "alice", caller(c), k.String())
				assert.NoError(t, c.Err(), "%s: the caller's cancellation is not passed on", k)
				_, ok := c.Deadline()
				assert.False(t, ok, "%s: nor its deadline", k)
				_, isTask := TaskFrom(c)
				assert.False(t, isTask, k.String())
			}
		}
	})
}

func TestCoalescedWalkCarriesTheLeadersContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := &recorder{}
		p1 := newStub(0)
		p1.set(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
			time.Sleep(10 * time.Millisecond)
			return providers.Response{Value: 2}, nil
		})
		r := newTestResolver(t, testConfig(), p1, newStub(1), WithObserver(obs))
		var wg sync.WaitGroup
		for _, who := range []string{"leader", "follower"} {
			wg.Go(func() {
				ctx := context.WithValue(context.Background(), callerKey{}, who)
				_, err := r.Resolve(ctx, "cpc", Params{"keyword": "shoes"})
				assert.NoError(t, err)
			})
			synctest.Wait() // the leader is in p1 before the follower asks
		}
		wg.Wait()
		flushEvents(r)
		assert.EqualValues(t, 1, p1.calls.Load(), "one walk for both")
		_, ctxs := obs.of(EventAttempt)
		require.Len(t, ctxs, 1)
		assert.Equal(t, "leader", caller(ctxs[0]))
		evs, ctxs := obs.of(EventResolve)
		require.Len(t, evs, 2)
		got := map[string]bool{}
		for i, c := range ctxs {
			got[caller(c)] = evs[i].Shared
		}
		assert.Equal(t, map[string]bool{"leader": false, "follower": true}, got, "each resolve event carries its own caller's")
	})
}

func TestEventsNoCallerMadeNameTheirTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := &recorder{}
		cfg := testConfig()
		cfg.DataTypes[0].RefreshAhead = 30 * time.Second
		p1 := newStub(1.5)
		var refreshTask Task
		r := newTestResolver(t, cfg, p1, newStub(1), WithObserver(obs))
		_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		time.Sleep(40 * time.Second) // past RefreshAhead, within the TTL
		p1.set(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
			refreshTask, _ = TaskFrom(ctx)
			return providers.Response{Value: 1.6}, nil
		})
		_, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"}) // a hit that starts a refresh
		require.NoError(t, err)
		synctest.Wait()
		flushEvents(r)
		assert.Equal(t, TaskRefresh, refreshTask, "the provider is called with the refresh's context")
		evs, ctxs := obs.of(EventAttempt)
		require.Len(t, evs, 2)
		_, ok := TaskFrom(ctxs[0])
		assert.False(t, ok, "the first attempt was a caller's")
		task, ok := TaskFrom(ctxs[1])
		assert.True(t, ok)
		assert.Equal(t, TaskRefresh, task)
		assert.NoError(t, ctxs[1].Err())

		// A breaker transition and a callback's failure.
		p1.fail(providers.Unavailable)
		for _, kw := range []string{"a", "b", "c", "d", "e"} {
			_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": kw})
			require.NoError(t, err)
		}
		flushEvents(r)
		evs, ctxs = obs.of(EventBreaker)
		require.Len(t, evs, 1)
		task, _ = TaskFrom(ctxs[0])
		assert.Equal(t, TaskBreaker, task)
		r.callbackFailed(&r.callbacks.storeGet, "cpc", assert.AnError)
		flushEvents(r)
		_, ctxs = obs.of(EventCallback)
		require.Len(t, ctxs, 1)
		task, _ = TaskFrom(ctxs[0])
		assert.Equal(t, TaskCallback, task)
	})
}

func TestWarmEventsCarryTaskWarmAndTheCallersValues(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := &recorder{}
		var seen Task
		p1 := newStub(0)
		p1.set(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
			seen, _ = TaskFrom(ctx)
			return providers.Response{Value: 1}, nil
		})
		r := newTestResolver(t, testConfig(), p1, newStub(1), WithObserver(obs))
		ctx := context.WithValue(context.Background(), callerKey{}, "boot")
		_, err := r.Warm(ctx, []WarmKey{{DataType: "cpc", Params: Params{"keyword": "shoes"}}})
		require.NoError(t, err)
		flushEvents(r)
		assert.Equal(t, TaskWarm, seen)
		for _, k := range []EventKind{EventAttempt, EventResolve, EventWarm} {
			_, ctxs := obs.of(k)
			require.Len(t, ctxs, 1, k.String())
			task, _ := TaskFrom(ctxs[0])
			assert.Equal(t, TaskWarm, task, k.String())
			assert.Equal(t, "boot", caller(ctxs[0]), k.String())
		}
	})
}

// batchStub is a BatchProvider that reports the task of its context.
type batchStub struct{ task chan Task }

func (b batchStub) Fetch(context.Context, providers.Request) (providers.Response, error) {
	return providers.Response{Value: 1}, nil
}

func (b batchStub) FetchBatch(ctx context.Context, reqs []providers.Request) ([]providers.Response, []error) {
	t, _ := TaskFrom(ctx)
	b.task <- t
	return make([]providers.Response, len(reqs)), make([]error, len(reqs))
}

func TestBatchCallCarriesTaskBatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers[0].Batch = BatchConfig{MaxSize: 2, Window: 5 * time.Millisecond}
		b := batchStub{task: make(chan Task, 1)}
		r := newTestResolver(t, cfg, b, newStub(1))
		_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, TaskBatch, <-b.task)
	})
}

func TestAttemptStartAndEventTimesAreTheResolversClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := &recorder{}
		p1 := newStub(0)
		p1.set(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
			time.Sleep(12 * time.Millisecond)
			return providers.Response{}, providers.Errorf(providers.Unavailable, "down")
		})
		s1 := newStub(0)
		s1.set(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
			time.Sleep(7 * time.Millisecond)
			return providers.Response{Value: 3}, nil
		})
		cfg := testConfig()
		cfg.Retry.MaxAttempts = 1
		r := newTestResolver(t, cfg, p1, s1, WithObserver(obs))
		t0 := time.Now()
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		require.Equal(t, "s1", res.Source)
		flushEvents(r)

		starts, _ := obs.of(EventAttemptStart)
		ends, _ := obs.of(EventAttempt)
		require.Len(t, starts, 2)
		require.Len(t, ends, 2)
		for i, s := range starts {
			e := ends[i]
			assert.Equal(t, e.Provider, s.Provider)
			assert.Equal(t, e.Tier, s.Tier)
			assert.Equal(t, e.Retry, s.Retry)
			assert.Equal(t, e.Hedge, s.Hedge)
			assert.Equal(t, map[string]string{"keyword": "shoes"}, map[string]string(s.Params))
			assert.True(t, e.Time.Add(-e.Latency).Equal(s.Time), "%s: the end's Time − Latency is the start's Time", s.Provider)
		}
		assert.True(t, starts[0].Time.Equal(t0), "p1 starts at once")
		assert.Equal(t, 12*time.Millisecond, ends[0].Latency)
		assert.True(t, starts[1].Time.Equal(t0.Add(12*time.Millisecond)), "s1 starts as p1 fails")
		assert.Equal(t, 7*time.Millisecond, ends[1].Latency)

		// The whole event order: start, end, start, end, resolve.
		obs.mu.Lock()
		kinds := make([]EventKind, len(obs.evs))
		for i, e := range obs.evs {
			kinds[i] = e.Kind
		}
		obs.mu.Unlock()
		assert.Equal(t, []EventKind{EventAttemptStart, EventAttempt, EventAttemptStart, EventAttempt, EventResolve}, kinds)

		resolved, _ := obs.of(EventResolve)
		require.Len(t, resolved, 1)
		assert.Equal(t, 19*time.Millisecond, resolved[0].Latency)
		assert.True(t, resolved[0].Time.Add(-resolved[0].Latency).Equal(t0), "Time − Latency is when the resolve started")

		// A fresh hit is stamped with the cache's clock reading.
		time.Sleep(time.Second)
		t1 := time.Now()
		_, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		flushEvents(r)
		resolved, _ = obs.of(EventResolve)
		require.Len(t, resolved, 2)
		assert.True(t, resolved[1].Time.Equal(t1))
		assert.Zero(t, resolved[1].Latency)
	})
}

func TestEventKindNames(t *testing.T) {
	assert.Equal(t, "attempt_start", EventAttemptStart.String())
	b, err := EventAttemptStart.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "attempt_start", string(b))
	_, ok := TaskFrom(context.Background())
	assert.False(t, ok)
}

// Close cancels an attempt in flight, and the observer still hears its
// end: every EventAttemptStart is followed by its EventAttempt, so a
// gauge of calls in flight returns to zero, whatever the configuration.
func TestEveryAttemptStartGetsItsEndAcrossClose(t *testing.T) {
	// Which goroutine settles a cancelled attempt first varies from run to
	// run: five runs of each configuration.
	for i := range 10 {
		coalescing := i%2 == 0
		t.Run(fmt.Sprint("coalescing=", coalescing), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				cfg.Resolve.DisableCoalescing = !coalescing
				obs := &recorder{}
				p1 := newStub(1)
				called := make(chan struct{}, 1)
				p1.set(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
					called <- struct{}{}
					<-ctx.Done()
					return providers.Response{}, ctx.Err()
				})
				r, err := New(cfg, WithProvider("p1", p1), WithProvider("s1", newStub(2)), WithObserver(obs))
				require.NoError(t, err)
				done := make(chan error, 1)
				go func() {
					_, err := r.Resolve(context.Background(), "cpc", shoes)
					done <- err
				}()
				<-called
				require.NoError(t, r.Close())
				starts, _ := obs.of(EventAttemptStart)
				ends, _ := obs.of(EventAttempt)
				assert.Len(t, starts, 1)
				assert.Len(t, ends, len(starts), "each start has its end, delivered before Close returns")
				assert.ErrorIs(t, <-done, ErrClosed)
			})
		})
	}
}
