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
