package fake_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"testing/synctest"
	"time"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fake"
)

var (
	_ providers.BatchProvider = (*fake.Batch)(nil)
	_ providers.Provider      = (*fake.Provider)(nil)
)

func TestProviderIsNotABatchProvider(t *testing.T) {
	var p providers.Provider = mustNew(t, fake.Config{})
	if _, ok := p.(providers.BatchProvider); ok {
		t.Error("*fake.Provider implements BatchProvider; only *fake.Batch should")
	}
}

func mustBatch(t *testing.T, cfg fake.Config) *fake.Batch {
	t.Helper()
	b, err := fake.NewBatch(cfg)
	if err != nil {
		t.Fatalf("NewBatch: %v", err)
	}
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
		if took := time.Since(start); took != 300*time.Millisecond {
			t.Errorf("batch took %v, want its slowest request's 300ms", took)
		}
		if len(resps) != 4 || len(errs) != 4 {
			t.Fatalf("got %d responses and %d errors, want 4 of each", len(resps), len(errs))
		}
		if errs[0] != nil || resps[0].Value != 1 {
			t.Errorf("request 0: (%v, %v), want 1", resps[0].Value, errs[0])
		}
		if errs[1] != nil || !math.IsNaN(resps[1].Value) {
			t.Errorf("request 1: (%v, %v), want the scripted NaN (call index 1)", resps[1].Value, errs[1])
		}
		if providers.Classify(errs[2]) != providers.Permanent {
			t.Errorf("request 2: err %v, want permanent", errs[2])
		}
		if errs[3] != nil || resps[3].Value != 4 {
			t.Errorf("request 3: (%v, %v), want 4", resps[3].Value, errs[3])
		}
		b.Fetch(context.Background(), keyword("a"))
		s := b.Stats()
		if s.Calls != 5 || s.Batches != 1 || s.Batched != 4 || s.LargestBatch != 4 || s.Successes != 4 || s.Garbage != 1 ||
			s.Failures[providers.Permanent] != 1 || s.InFlight != 0 || s.MaxInFlight != 1 {
			t.Errorf("Stats = %+v", s)
		}
		if got := b.CallsFor(keyword("a")); got != 2 {
			t.Errorf("CallsFor(a) = %d, want 2", got)
		}
	})
}

func TestFetchBatchEmpty(t *testing.T) {
	b := mustBatch(t, fake.Config{})
	resps, errs := b.FetchBatch(context.Background(), nil)
	if len(resps) != 0 || len(errs) != 0 {
		t.Errorf("empty batch: %d responses, %d errors", len(resps), len(errs))
	}
	if s := b.Stats(); s.Batches != 1 || s.Calls != 0 {
		t.Errorf("Stats = %+v, want 1 batch of no calls", s)
	}
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
		if took := time.Since(start); took != 2*time.Second {
			t.Errorf("a batch with a hanging request returned after %v, want at the 2s deadline", took)
		}
		for i, err := range errs {
			if !errors.Is(err, context.DeadlineExceeded) || providers.Classify(err) != providers.Transient {
				t.Errorf("request %d: err %v, want a transient error wrapping DeadlineExceeded", i, err)
			}
		}

		cancelled, cancelNow := context.WithCancel(context.Background())
		cancelNow()
		_, errs = b.FetchBatch(cancelled, []providers.Request{keyword("d"), keyword("e")})
		for i, err := range errs {
			if !errors.Is(err, context.Canceled) || providers.Classify(err) != providers.Canceled {
				t.Errorf("cancelled batch, request %d: err %v, want canceled", i, err)
			}
		}
		if s := b.Stats(); s.Failures[providers.Transient] != 3 || s.Failures[providers.Canceled] != 2 || s.Hangs != 1 || s.InFlight != 0 {
			t.Errorf("Stats = %+v", s)
		}
	})
}

func TestFetchBatchPanics(t *testing.T) {
	b := mustBatch(t, fake.Config{Script: []fake.Step{{Times: 1}, {Do: fake.Panic()}}})
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		b.FetchBatch(context.Background(), []providers.Request{keyword("a"), keyword("b"), keyword("c")})
	}()
	if err, ok := recovered.(error); !ok || !errors.Is(err, fake.ErrPanic) {
		t.Fatalf("recovered %v, want an error wrapping ErrPanic", recovered)
	}
	if s := b.Stats(); s.Panics != 1 || s.InFlight != 0 || s.Successes != 0 {
		t.Errorf("Stats = %+v, want 1 panic, no successes, none in flight", s)
	}
}
