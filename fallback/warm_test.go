package fallback

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every key of a Warm has its EventWarm, the keys ctx ended before they
// were started too (Outcome Skipped, Err ctx's error), so that an
// observer's Done reaches Total: the skipped keys had none, and a
// progress bar stopped short.
func TestWarmReportsSkippedKeys(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := &recorder{}
		p1, s1 := newStub(1), newStub(2)
		p1.hang()
		s1.hang()
		cfg := testConfig()
		cfg.Cache.WarmConcurrency = 1
		r := newTestResolver(t, cfg, p1, s1, WithObserver(obs))
		keys := make([]WarmKey, 5)
		for i := range keys {
			keys[i] = WarmKey{DataType: "cpc", Params: Params{"keyword": fmt.Sprint("k", i)}}
		}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		rep, err := r.Warm(ctx, keys)
		assert.ErrorIs(t, err, context.Canceled)
		require.Positive(t, rep.Skipped)
		flushEvents(r)
		evs, _ := obs.of(EventWarm)
		require.Len(t, evs, len(keys), "one EventWarm per key")
		var done []int
		skipped := 0
		for _, e := range evs {
			done = append(done, e.Done)
			assert.Equal(t, len(keys), e.Total)
			assert.Equal(t, "cpc", e.DataType)
			if e.Outcome == Skipped {
				skipped++
				assert.ErrorIs(t, e.Err, context.Canceled)
				assert.Zero(t, e.Layer)
			}
		}
		assert.Equal(t, []int{1, 2, 3, 4, 5}, done)
		assert.Equal(t, rep.Skipped, skipped)
	})
}
