package fake_test

import (
	"context"
	"math"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fake"
)

var (
	_ providers.BatchProvider = (*fake.Batch)(nil)
	_ providers.Provider      = (*fake.Provider)(nil)
)

func TestProviderIsNotABatchProvider(t *testing.T) {
	var p providers.Provider = mustNew(t, fake.Config{})
	assert.NotImplements(t, (*providers.BatchProvider)(nil), p, "only *fake.Batch should implement BatchProvider")
}

func mustBatch(t *testing.T, cfg fake.Config) *fake.Batch {
	t.Helper()
	b, err := fake.NewBatch(cfg)
	require.NoError(t, err, "NewBatch")
	return b
}

func keyword(k string) providers.Request {
	return providers.Request{DataType: "cpc", Params: map[string]string{"keyword": k}}
}

func TestFetchBatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustBatch(t, fake.Config{
			ValueFunc: func(r providers.Request) float64 { return float64(len(r.Params["keyword"])) },
			Latency:   fake.Latency{Median: 100 * time.Millisecond},
			ByRequest: func(r providers.Request) fake.Outcome {
				switch r.Params["keyword"] {
				case "missing":
					return fake.Fail(providers.Permanent)
				case "slow":
					return fake.Slow(3)
				}
				return fake.Outcome{}
			},
			Script:    []fake.Step{{Times: 1}, {Do: fake.Return(fake.NaN)}}, // call 1: garbage
			TrackKeys: true,
		})
		reqs := []providers.Request{keyword("a"), keyword("bb"), keyword("missing"), keyword("slow")}
		start := time.Now()
		resps, errs := b.FetchBatch(context.Background(), reqs)
		assert.Equal(t, 300*time.Millisecond, time.Since(start), "a batch takes its slowest request's latency")
		require.Len(t, resps, 4)
		require.Len(t, errs, 4)
		if assert.NoError(t, errs[0], "request 0") {
			assert.Equal(t, 1.0, resps[0].Value, "request 0")
		}
		if assert.NoError(t, errs[1], "request 1") {
			assert.True(t, math.IsNaN(resps[1].Value), "request 1: %v, want the scripted NaN (call index 1)", resps[1].Value)
		}
		assert.Equal(t, providers.Permanent, providers.Classify(errs[2]), "request 2: %v", errs[2])
		if assert.NoError(t, errs[3], "request 3") {
			assert.Equal(t, 4.0, resps[3].Value, "request 3")
		}
		b.Fetch(context.Background(), keyword("a"))
		s := b.Stats()
		assert.EqualValues(t, 5, s.Calls)
		assert.EqualValues(t, 1, s.Batches)
		assert.EqualValues(t, 4, s.Batched)
		assert.EqualValues(t, 4, s.LargestBatch)
		assert.EqualValues(t, 4, s.Successes)
		assert.EqualValues(t, 1, s.Garbage)
		assert.EqualValues(t, 1, s.Failures[providers.Permanent])
		assert.Zero(t, s.InFlight)
		assert.EqualValues(t, 1, s.MaxInFlight)
		assert.EqualValues(t, 2, b.CallsFor(keyword("a")))
	})
}

func TestFetchBatchEmpty(t *testing.T) {
	b := mustBatch(t, fake.Config{})
	resps, errs := b.FetchBatch(context.Background(), nil)
	assert.Empty(t, resps)
	assert.Empty(t, errs)
	s := b.Stats()
	assert.EqualValues(t, 1, s.Batches, "1 batch of no calls")
	assert.Zero(t, s.Calls, "1 batch of no calls")
}

func TestFetchBatchContextDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustBatch(t, fake.Config{
			Latency: fake.Latency{Median: time.Millisecond},
			Script:  []fake.Step{{Times: 1}, {Do: fake.Hang()}},
		})
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		start := time.Now()
		_, errs := b.FetchBatch(ctx, []providers.Request{keyword("a"), keyword("b"), keyword("c")})
		assert.Equal(t, 2*time.Second, time.Since(start), "a batch with a hanging request returns at the deadline")
		for i, err := range errs {
			assert.ErrorIs(t, err, context.DeadlineExceeded, "request %d", i)
			assert.Equal(t, providers.Transient, providers.Classify(err), "request %d", i)
		}

		cancelled, cancelNow := context.WithCancel(context.Background())
		cancelNow()
		_, errs = b.FetchBatch(cancelled, []providers.Request{keyword("d"), keyword("e")})
		for i, err := range errs {
			assert.ErrorIs(t, err, context.Canceled, "cancelled batch, request %d", i)
			assert.Equal(t, providers.Canceled, providers.Classify(err), "cancelled batch, request %d", i)
		}
		s := b.Stats()
		assert.EqualValues(t, 3, s.Failures[providers.Transient])
		assert.EqualValues(t, 2, s.Failures[providers.Canceled])
		assert.EqualValues(t, 1, s.Hangs)
		assert.Zero(t, s.InFlight)
	})
}

func TestFetchBatchPanics(t *testing.T) {
	b := mustBatch(t, fake.Config{Script: []fake.Step{{Times: 1}, {Do: fake.Panic()}}})
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		b.FetchBatch(context.Background(), []providers.Request{keyword("a"), keyword("b"), keyword("c")})
	}()
	err, ok := recovered.(error)
	require.True(t, ok, "recovered %v, want an error", recovered)
	require.ErrorIs(t, err, fake.ErrPanic)
	s := b.Stats()
	assert.EqualValues(t, 1, s.Panics)
	assert.Zero(t, s.InFlight)
	assert.Zero(t, s.Successes)
}
