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

// quotingBatch fails every batch with an error, or a panic, that quotes
// every request of the batch, as a careless batch endpoint does.
type quotingBatch struct{ panics bool }

func (q quotingBatch) Fetch(context.Context, providers.Request) (providers.Response, error) {
	return providers.Response{}, providers.Errorf(providers.Unavailable, "batches only")
}

func (q quotingBatch) FetchBatch(_ context.Context, reqs []providers.Request) ([]providers.Response, []error) {
	dump := fmt.Sprint(reqs)
	if q.panics {
		panic("batch failed: " + dump)
	}
	errs := make([]error, len(reqs))
	for i := range errs {
		errs[i] = providers.Errorf(providers.Transient, "batch failed: %s", dump)
	}
	return make([]providers.Response, len(reqs)), errs
}

// A batch holds several resolves' requests: what one reports must not
// carry another's sensitive value, which its own scrubbing does not know.
func TestABatchErrorDoesNotLeakTheOtherRequests(t *testing.T) {
	emails := []string{"jane.doe@example.org", "john.roe@corp.example", "ann.poe@mail.example"}
	for _, panics := range []bool{false, true} {
		t.Run(fmt.Sprint("panics=", panics), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				obs := &captured{}
				cfg := securityConfig()
				cfg.Providers[0].Batch = BatchConfig{MaxSize: len(emails), Window: 5 * time.Millisecond}
				r := newTestResolver(t, cfg, quotingBatch{panics: panics}, newStub(1), WithObserver(obs), WithHashKey([]byte("host-key")))
				var (
					wg      sync.WaitGroup
					mu      sync.Mutex
					results []Result
					errs    []error
				)
				for _, email := range emails {
					wg.Go(func() {
						res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes", "email": email})
						mu.Lock()
						defer mu.Unlock()
						results = append(results, res)
						if err != nil {
							errs = append(errs, err)
						}
					})
				}
				wg.Wait()
				require.Len(t, results, len(emails))
				for _, res := range results {
					require.NotEmpty(t, res.Attempts)
					assert.Equal(t, "p1", res.Attempts[0].Provider)
					require.Error(t, res.Attempts[0].Err, "the batch failed")
				}
				all := dump(t, r, obs, errs, results)
				for _, email := range emails {
					assert.NotContains(t, all, email)
				}
				assert.Contains(t, all, "shoes", "the rest of the batch's error is reported")
			})
		})
	}
}

// closingBatch answers every request of a batch with the context's error
// once Close has ended it, as a provider honouring its context does.
type closingBatch struct{ quotingBatch }

func (closingBatch) FetchBatch(ctx context.Context, reqs []providers.Request) ([]providers.Response, []error) {
	<-ctx.Done()
	errs := make([]error, len(reqs))
	for i := range errs {
		errs[i] = ctx.Err()
	}
	return make([]providers.Response, len(reqs)), errs
}

// A batch that Close ended fails with ErrClosed, whatever the provider
// returned: a walk that learns of it before its own context is cancelled
// must not count it against the provider (breaker, router, fleet health).
func TestABatchEndedByCloseFailsWithErrClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		life, closeLife := context.WithCancel(context.Background())
		b := &batcher{name: "p1", bp: closingBatch{}, max: 2, window: time.Millisecond, tasks: &tasks{}, task: &taskKind{name: "batch p1"}, life: life}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		errs := make(chan error, 1)
		go func() {
			_, err := b.submit(ctx, providers.Request{DataType: "cpc"}, nil, func() {})
			errs <- err
		}()
		time.Sleep(time.Second) // the window passed: the batch is out, waiting
		closeLife()
		err := <-errs
		require.ErrorIs(t, err, ErrClosed)
		assert.ErrorIs(t, err, context.Canceled, "the provider's own error is kept")
	})
}

// malformedBatch answers every batch in one of the ways a batch endpoint
// can go wrong.
type malformedBatch struct{ mode string }

func (malformedBatch) Fetch(context.Context, providers.Request) (providers.Response, error) {
	return providers.Response{}, providers.Errorf(providers.Unavailable, "batches only")
}

func (m malformedBatch) FetchBatch(_ context.Context, reqs []providers.Request) ([]providers.Response, []error) {
	switch m.mode {
	case "panics":
		panic("batch endpoint broke")
	case "short":
		return make([]providers.Response, len(reqs)-1), make([]error, len(reqs)-1)
	case "nil":
		return nil, nil
	}
	return make([]providers.Response, len(reqs)), make([]error, len(reqs)+1)
}

// A FetchBatch that panics or breaks BatchProvider's contract (one
// Response and one error per request) is a DataQuality failure of the
// provider for every request of the batch, as a panic of Fetch is
// (README: "contained, classified and never cached"): each resolve goes
// on to the next provider, and nothing of the batch is served.
func TestAMalformedBatchIsADataQualityFailureOfEachRequest(t *testing.T) {
	for _, mode := range []string{"panics", "short", "nil", "long"} {
		t.Run(mode, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				cfg.Providers[0].Batch = BatchConfig{MaxSize: 2, Window: 5 * time.Millisecond}
				r := newTestResolver(t, cfg, malformedBatch{mode: mode}, newStub(7))
				var wg sync.WaitGroup
				results := make([]Result, 2)
				errs := make([]error, 2)
				for i := range results {
					wg.Go(func() {
						results[i], errs[i] = r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i)})
					})
				}
				wg.Wait()
				for i, res := range results {
					require.NoError(t, errs[i])
					assert.Equal(t, 7.0, res.Value, "request %d: the secondary's answer", i)
					assert.Equal(t, "s1", res.Source)
					require.NotEmpty(t, res.Attempts)
					first := res.Attempts[0]
					assert.Equal(t, "p1", first.Provider)
					assert.Equal(t, Failed, first.Outcome)
					assert.Equal(t, providers.DataQuality, first.Class, "request %d: %v", i, first.Err)
					assert.ErrorIs(t, first.Err, providers.ErrDataQuality)
				}
			})
		})
	}
}
