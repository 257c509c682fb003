package fallback

import (
	"bytes"
	"context"
	"io"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/stats"
)

// An answer that a walk under way when Forget was called brings later is
// not kept: not an attempt a cancelled resolve left in flight for the
// walk, not a refresh-ahead a cache hit started. Every resolve of the
// person had returned before Forget was called, and Forget had returned:
// nothing of the person may come back.
func TestForgetKeepsOutWhatAWalkUnderWayBringsLater(t *testing.T) {
	for _, how := range []string{"a cancelled resolve's walk", "a refresh-ahead"} {
		t.Run(how, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				slow := func(ctx context.Context, _ providers.Request) (providers.Response, error) {
					select {
					case <-time.After(500 * time.Millisecond):
						return providers.Response{Value: 1.2}, nil
					case <-ctx.Done():
						return providers.Response{}, ctx.Err()
					}
				}
				p1, s1 := newStub(0), newStub(0)
				p1.set(slow)
				s1.set(slow)
				cfg := testConfig()
				cfg.Providers[0].Timeout, cfg.Providers[1].Timeout = time.Second, time.Second
				cfg.DataTypes[0].TTL = time.Minute
				cfg.DataTypes[0].RefreshAhead = 30 * time.Second
				r := newTestResolver(t, cfg, p1, s1)
				key, err := r.Key("cpc", shoes)
				require.NoError(t, err)
				switch how {
				case "a cancelled resolve's walk":
					ctx, cancel := context.WithCancel(context.Background())
					time.AfterFunc(100*time.Millisecond, cancel)
					_, err := r.Resolve(ctx, "cpc", shoes)
					require.ErrorIs(t, err, context.Canceled)
				case "a refresh-ahead":
					_, err := r.Resolve(context.Background(), "cpc", shoes)
					require.NoError(t, err)
					time.Sleep(40 * time.Second)
					res, err := r.Resolve(context.Background(), "cpc", shoes) // a hit: it starts the refresh
					require.NoError(t, err)
					require.Equal(t, LayerCache, res.Layer)
				}
				_, err = r.Forget(context.Background(), "keyword", "shoes")
				require.NoError(t, err)
				time.Sleep(2 * time.Second) // the walk's answer has come
				synctest.Wait()
				_, ok := r.cache.LastGood(key)
				assert.False(t, ok, "the answer came back to the cache after Forget")
				obs, err := r.history.Observations(context.Background(), key)
				require.NoError(t, err)
				assert.Empty(t, obs, "the answer came back to the history after Forget")
				rep, err := r.Forget(context.Background(), "keyword", "shoes")
				require.NoError(t, err)
				assert.Zero(t, rep.Total(), "a second Forget finds the person again")
			})
		})
	}
}

// The log keeps a Forget only while a walk that began before it is under
// way, and a walk heeds only the Forgets after it began.
func TestForgetLogKeepsOnlyWhatAWalkUnderWayNeeds(t *testing.T) {
	var f forgetLog
	is := func(k string) func(string) bool { return func(key string) bool { return key == k } }
	f.add(is("a")) // no walk under way: nothing to keep
	assert.Empty(t, f.entries)
	first := f.begin()
	f.add(is("a"))
	second := f.begin()
	f.add(is("b"))
	assert.True(t, f.forgotten(first, "a"))
	assert.True(t, f.forgotten(first, "b"))
	assert.False(t, f.forgotten(first, "c"))
	assert.False(t, f.forgotten(second, "a"), "a Forget before the walk began is not its concern")
	assert.True(t, f.forgotten(second, "b"))
	f.end(first)
	assert.Len(t, f.entries, 1, "only the Forget after the second walk began is kept")
	f.end(second)
	assert.Empty(t, f.entries)
	assert.Empty(t, f.active)
}

// An Import under way when Forget is called keeps none of the person's
// records, though it reads them after Forget deleted what the process
// held: nothing of the person is there once both have returned.
func TestForgetKeepsOutWhatAnImportUnderWayTakesLater(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newTestResolver(t, testConfig(), newStub(1.2), newStub(1.3))
		other := Params{"keyword": "boots", "market": "us"}
		for _, ps := range []Params{shoes, other} {
			_, err := r.Resolve(context.Background(), "cpc", ps)
			require.NoError(t, err)
		}
		var file bytes.Buffer
		_, err := r.Export(context.Background(), &file)
		require.NoError(t, err)

		r2 := newTestResolver(t, testConfig(), newStub(1.2), newStub(1.3))
		rd := &trickle{r: &file, started: make(chan struct{})}
		imported := make(chan ImportReport)
		go func() {
			rep, err := r2.Import(context.Background(), rd)
			assert.NoError(t, err)
			imported <- rep
		}()
		<-rd.started // the Import is under way, the person's records not read yet
		_, err = r2.Forget(context.Background(), "keyword", "shoes")
		require.NoError(t, err)
		rep := <-imported
		assert.Equal(t, 2, rep.Answers+rep.Evicted, "both answers were read and taken")

		key, err := r2.Key("cpc", shoes)
		require.NoError(t, err)
		_, ok := r2.cache.LastGood(key)
		assert.False(t, ok, "the person's answer is back after Forget returned")
		obs, err := r2.history.Observations(context.Background(), key)
		require.NoError(t, err)
		assert.Empty(t, obs, "the person's series is back after Forget returned")
		otherKey, err := r2.Key("cpc", other)
		require.NoError(t, err)
		_, ok = r2.cache.LastGood(otherKey)
		assert.True(t, ok, "the others' answers are taken")
	})
}

// trickle reads a few bytes at a time, each after 100ms.
type trickle struct {
	r       io.Reader
	started chan struct{}
	once    sync.Once
}

func (tr *trickle) Read(p []byte) (int, error) {
	tr.once.Do(func() { close(tr.started) })
	time.Sleep(100 * time.Millisecond)
	return tr.r.Read(p[:min(len(p), 64)])
}

// A shared history's write that a walk or an Import queued for a key
// after a Forget of it had let go of the queue, which lands after the
// process deleted what it kept, is dropped or deleted too: nothing of the
// person is in the shared history once Forget, the resolve and the
// Import have returned and the queue is flushed.
func TestForgetKeepsOutWhatIsQueuedForTheSharedHistoryLater(t *testing.T) {
	for _, how := range []string{"a walk", "an Import"} {
		t.Run(how, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				local := &gatedHistory{MemoryHistory: newMemShared().MemoryHistory, entered: make(chan struct{}), release: make(chan struct{})}
				shared := slowAppends{newMemShared().MemoryHistory}
				var file bytes.Buffer
				if how == "an Import" {
					r0 := newTestResolver(t, testConfig(), newStub(1.2), newStub(1.3))
					_, err := r0.Resolve(ctx, "cpc", shoes)
					require.NoError(t, err)
					_, err = r0.Export(ctx, &file)
					require.NoError(t, err)
				}
				r := newTestResolver(t, testConfig(), newStub(1.2), newStub(1.3), WithHistory(local), WithSharedHistory(shared))
				key, err := r.Key("cpc", shoes)
				require.NoError(t, err)
				done := make(chan struct{})
				go func() {
					defer close(done)
					switch how {
					case "a walk":
						_, err := r.Resolve(ctx, "cpc", shoes)
						assert.NoError(t, err)
					case "an Import":
						_, err := r.Import(ctx, &file)
						assert.NoError(t, err)
					}
				}()
				<-local.entered // the person's observation is being kept
				_, err = r.Forget(ctx, "keyword", "shoes")
				require.NoError(t, err)
				close(local.release)
				<-done
				require.NoError(t, r.Flush(ctx))
				time.Sleep(time.Second)
				synctest.Wait()
				obs, err := shared.Observations(ctx, key)
				require.NoError(t, err)
				assert.Empty(t, obs, "the person's observation reached the shared history after Forget")
				obs, err = local.Observations(ctx, key)
				require.NoError(t, err)
				assert.Empty(t, obs, "the person's observation is back in the history after Forget")
			})
		})
	}
}

// gatedHistory's first Append waits for release, once it said so on
// entered.
type gatedHistory struct {
	*stats.MemoryHistory
	entered, release chan struct{}
	once             sync.Once
}

func (h *gatedHistory) Append(ctx context.Context, key string, o stats.Observation) error {
	h.once.Do(func() {
		close(h.entered)
		<-h.release
	})
	return h.MemoryHistory.Append(ctx, key, o)
}

// slowAppends takes 10ms to append.
type slowAppends struct{ *stats.MemoryHistory }

func (h slowAppends) Append(ctx context.Context, key string, o stats.Observation) error {
	time.Sleep(10 * time.Millisecond)
	return h.MemoryHistory.Append(ctx, key, o)
}
