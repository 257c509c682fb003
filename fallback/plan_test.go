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

// The deadline plan and the money of a walk a resolve leaves (helper-36's
// review of the session's changes).

// The plan leaves a later tier's candidate at least the reserve the
// resolve keeps — a quarter of a short deadline, not the configured 50 ms
// — so the primary of a short deadline still gets its share: with 80 ms
// (a 60 ms walk) a 20 ms primary had 10 ms and was never called.
func TestShortDeadlinesLeaveThePrimaryItsShare(t *testing.T) {
	for _, d := range []time.Duration{60 * time.Millisecond, 80 * time.Millisecond, 120 * time.Millisecond} {
		t.Run(d.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				r := newTestResolver(t, cfg, newStub(1), newStub(2), WithHistory(noHistory{}))
				ctx, cancel := context.WithTimeout(context.Background(), d)
				defer cancel()
				res, err := r.Resolve(ctx, "cpc", Params{"keyword": fmt.Sprint("k", d)})
				require.NoError(t, err)
				assert.Equal(t, LayerPrimary, res.Layer, "%+v", res.Attempts)
			})
		})
	}
}

// Only the walk's first call is made whatever its expected latency: the
// second provider of a tier, after a hanging first, is skipped (no_time)
// when what is left (50 ms) cannot cover its 100 ms — made, each call
// would time out and count against a healthy provider, and its breaker
// would open with the hanging one's. Once p1's breaker is open, p2
// answers.
func TestOnlyTheWalksFirstCallIgnoresTheExpectedLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers = []ProviderConfig{
			{Name: "p1", Tier: Primary, Confidence: 0.95, Cost: 0.02, DataTypes: []string{"cpc"}, Timeout: 400 * time.Millisecond, ExpectedLatency: 20 * time.Millisecond},
			{Name: "p2", Tier: Primary, Confidence: 0.9, Cost: 0.02, DataTypes: []string{"cpc"}, Timeout: time.Second, ExpectedLatency: 100 * time.Millisecond},
		}
		cfg.Retry.MaxAttempts = 1
		p1 := newStub(1)
		p1.hang()
		p2 := newStub(2)
		p2.set(slowly(100*time.Millisecond, 2, nil))
		r, err := New(cfg, WithProvider("p1", p1), WithProvider("p2", p2), WithSeed(1), WithHistory(noHistory{}))
		require.NoError(t, err)
		defer r.Close()
		var layers []Layer
		cost := 0.0
		for i := range 10 {
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			res, err := r.Resolve(ctx, "cpc", Params{"keyword": fmt.Sprint("k", i)})
			cancel()
			require.NoError(t, err)
			layers = append(layers, res.Layer)
			cost += res.Cost
		}
		t.Logf("layers %v, cost %.2f, p2 calls %d", layers, cost, p2.calls.Load())
		assert.Equal(t, LayerPrimary, layers[9], "p2 is healthy: once p1's breaker is open it should answer")
	})
}

// A hedge that fires 50 ms before the walk's deadline to a provider that
// needs 100 ms is not made (not paid, not counted against it).
func TestAHedgeThatCannotAnswerInTimeIsNotMade(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers = []ProviderConfig{
			{Name: "p1", Tier: Primary, Confidence: 0.95, Cost: 0.02, DataTypes: []string{"cpc"}, Timeout: time.Second, ExpectedLatency: 20 * time.Millisecond},
			{Name: "p2", Tier: Primary, Confidence: 0.8, Cost: 0.05, DataTypes: []string{"cpc"}, Timeout: time.Second, ExpectedLatency: 100 * time.Millisecond},
		}
		cfg.DataTypes[0].Hedge = HedgeConfig{Enabled: true, Delay: 400 * time.Millisecond}
		p1 := newStub(1)
		p1.hang()
		p2 := newStub(2)
		p2.set(slowly(100*time.Millisecond, 2, nil))
		r, err := New(cfg, WithProvider("p1", p1), WithProvider("p2", p2), WithSeed(1), WithHistory(noHistory{}))
		require.NoError(t, err)
		defer r.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		res, err := r.Resolve(ctx, "cpc", Params{"keyword": "k"})
		cancel()
		require.NoError(t, err)
		t.Logf("cost %.2f attempts %+v", res.Cost, res.Attempts)
		assert.Zero(t, p2.calls.Load(), "a hedge with 50ms left to a 100ms provider")
	})
}

// In real time (for -race): coalesced leaders leave their walks at the
// walk deadline while attempts settle; followers share. Every leader's
// Result.Cost is what its own budget was charged, attempts still under
// way included (Lost, Canceled, no latency).
func TestALeaderLeavingItsWalkReportsWhatItPaidRealTime(t *testing.T) {
	cfg := testConfig()
	cfg.Providers[0].Timeout = 2 * time.Second
	cfg.Resolve.Reserve = 5 * time.Millisecond
	p1 := newStub(1)
	p1.set(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
		time.Sleep(80 * time.Millisecond) // ignores its context
		return providers.Response{Value: 1}, nil
	})
	s1 := newStub(2)
	s1.hang()
	r := newTestResolver(t, cfg, p1, s1, WithHistory(noHistory{}))
	inflightSeen, mismatch := 0, 0
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 40 {
		key := fmt.Sprint("k", i)
		for j := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx := WithBudget(context.Background(), 1)
				d := 30*time.Millisecond + time.Duration(j)*time.Millisecond
				rctx, cancel := context.WithTimeout(ctx, d)
				defer cancel()
				res, err := r.Resolve(rctx, "cpc", Params{"keyword": key})
				if err != nil {
					return
				}
				time.Sleep(100 * time.Millisecond) // let late attempts settle
				mu.Lock()
				defer mu.Unlock()
				for _, a := range res.Attempts {
					if a.Outcome == Lost && a.Latency == 0 && a.Class == providers.Canceled {
						inflightSeen++
					}
				}
				if !res.Shared && BudgetFrom(ctx).Spent() != res.Cost {
					mismatch++
					t.Logf("%s: budget %.3f result %.3f %+v", key, BudgetFrom(ctx).Spent(), res.Cost, res.Attempts)
				}
			}()
		}
	}
	wg.Wait()
	t.Logf("in-flight attempts reported: %d, cost mismatches: %d", inflightSeen, mismatch)
	assert.Zero(t, mismatch)
}

// An attempt noted as started is reported until it settles — Lost, with
// its cost once its provider was called (none before) — and once after.
func TestSofarReportsAnAttemptUnderWayOnce(t *testing.T) {
	r := newTestResolver(t, testConfig(), newStub(1), newStub(2))
	dt := r.types["cpc"]
	require.NotNil(t, dt)
	w := r.newWalk(context.Background(), dt, "k", Params{"keyword": "k"}, time.Now().Add(time.Second))
	pa := &pendingAttempt{start: time.Now()}
	w.started(pa, Attempt{Provider: "p1", Outcome: Lost, Cost: 0.02})
	as, cost := w.sofar()
	require.Len(t, as, 1)
	assert.Zero(t, cost, "not called yet")
	require.True(t, pa.begin())
	as, cost = w.sofar()
	require.Len(t, as, 1)
	assert.Equal(t, Lost, as[0].Outcome)
	assert.Equal(t, 0.02, cost)
	w.settle(pa, Attempt{Provider: "p1", Outcome: Failed, Cost: 0.02}, time.Now())
	as, cost = w.sofar()
	require.Len(t, as, 1)
	assert.Equal(t, Failed, as[0].Outcome)
	assert.Equal(t, 0.02, cost)
}

// A provider's observed p95, once it has one, is its expected latency
// everywhere the walk uses it: a provider configured at 3 s that answers
// in 10 ms gets its retry, and is called after another provider of its
// tier failed, within a 500 ms deadline.
func TestTheObservedLatencyStandsInForTheConfiguredOne(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers = []ProviderConfig{
			{Name: "p1", Tier: Primary, Confidence: 0.95, Cost: 0.02, DataTypes: []string{"cpc"}, Timeout: time.Second, ExpectedLatency: 3 * time.Second},
			{Name: "p2", Tier: Primary, Confidence: 0.9, Cost: 0.02, DataTypes: []string{"cpc"}, Timeout: time.Second, ExpectedLatency: 3 * time.Second},
		}
		quick := func(v float64) func(context.Context, providers.Request) (providers.Response, error) {
			return func(context.Context, providers.Request) (providers.Response, error) {
				time.Sleep(10 * time.Millisecond)
				return providers.Response{Value: v}, nil
			}
		}
		p1, p2 := newStub(1), newStub(2)
		p1.set(quick(1))
		p2.set(quick(2))
		r, err := New(cfg, WithProvider("p1", p1), WithProvider("p2", p2), WithSeed(1), WithHistory(noHistory{}))
		require.NoError(t, err)
		defer r.Close()
		resolve := func(kw string, d time.Duration) Result {
			ctx, cancel := context.WithTimeout(context.Background(), d)
			defer cancel()
			res, err := r.Resolve(ctx, "cpc", Params{"keyword": kw})
			require.NoError(t, err)
			return res
		}
		// With time to spare, both answer: each has an observed p95 of
		// 10 ms (p2 after p1 failed).
		resolve("warm1", 10*time.Second)
		p1.fail(providers.Unavailable)
		resolve("warm2", 10*time.Second)
		require.Equal(t, int64(1), p2.calls.Load())
		p1.set(quick(1))

		// p1 fails once, then answers: its retry fits 10 ms, not 3 s.
		failed := false
		p1.set(func(ctx context.Context, req providers.Request) (providers.Response, error) {
			if !failed {
				failed = true
				return providers.Response{}, providers.Errorf(providers.Transient, "blip")
			}
			return quick(1)(ctx, req)
		})
		res := resolve("retry", 500*time.Millisecond)
		assert.Equal(t, "p1", res.Source, "%+v", res.Attempts)

		// p1 fails for good: p2, whose 10 ms fit what is left, answers.
		p1.fail(providers.Unavailable)
		res = resolve("next", 500*time.Millisecond)
		assert.Equal(t, "p2", res.Source, "%+v", res.Attempts)
	})
}

// hangingFor is Credentials (and a Refresher) that hang for one provider,
// ignoring their context until release is closed, and answer at once for
// the others.
type hangingFor struct {
	provider string
	release  chan struct{}
	refresh  bool // Refresh hangs, not Credential
}

func (h hangingFor) Credential(_ context.Context, provider string) (providers.Secret, error) {
	if provider == h.provider && !h.refresh {
		<-h.release
	}
	return providers.NewSecret("key-" + provider), nil
}

func (h hangingFor) Refresh(_ context.Context, provider string) error {
	if provider == h.provider && h.refresh {
		<-h.release
	}
	return nil
}

// A credential store, or its refresh, that hangs for the primary takes
// the primary's share of the deadline, not the walk: the secondary, which
// answers at once, still answers.
func TestAHangingCredentialLeavesTheLaterTierItsShare(t *testing.T) {
	for _, refresh := range []bool{false, true} {
		t.Run(fmt.Sprint("refresh=", refresh), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				creds := hangingFor{provider: "p1", release: make(chan struct{}), refresh: refresh}
				p1 := newStub(1)
				if refresh {
					p1.fail(providers.Auth)
				}
				r, err := New(testConfig(), WithProvider("p1", p1), WithProvider("s1", newStub(2)), WithSeed(1), WithCredentials(creds))
				require.NoError(t, err)
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				res, err := r.Resolve(ctx, "cpc", Params{"keyword": "shoes"})
				require.NoError(t, err)
				assert.Equal(t, LayerSecondary, res.Layer, "%v", res.Attempts)
				assert.Equal(t, "s1", res.Source)
				close(creds.release)
				_ = r.Close()
				synctest.Wait()
			})
		})
	}
}

// A later tier's candidate that cannot answer before the deadline even
// with all of it (a secondary expected at 3s behind a 2s deadline) is no
// reason to keep time from the tier before it: the primary, which answers
// in 100 ms, is called, rather than skipped for a secondary that then
// times out itself.
func TestACandidateThatCannotFitTakesNoTimeFromTheTierBefore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers[0].ExpectedLatency = 100 * time.Millisecond
		cfg.Providers[1].ExpectedLatency = 3 * time.Second
		cfg.Providers[1].Timeout = 5 * time.Second
		p1, s1 := newStub(1), newStub(2)
		p1.set(slowly(100*time.Millisecond, 1, nil))
		s1.set(slowly(3*time.Second, 2, nil))
		r := newTestResolver(t, cfg, p1, s1, WithHistory(noHistory{}))
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		res, err := r.Resolve(ctx, "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, LayerPrimary, res.Layer, "%v", res.Attempts)
		assert.EqualValues(t, 0, s1.calls.Load())
	})
}

// A later tier's candidate that can answer in the time left, though not
// with the plan's margin on top (a secondary expected at 1.8s behind a
// walk deadline of 1.95s), still has the time kept for it: given to the
// tier before, a primary that hangs took all of it and the default
// answered.
func TestACandidateThatFitsOnlyWithoutTheMarginKeepsItsTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Resolve.Reserve, cfg.Resolve.FixedReserve = 50*time.Millisecond, true
		cfg.Providers[0].Timeout = 5 * time.Second
		cfg.Providers[1].ExpectedLatency = 1800 * time.Millisecond
		cfg.Providers[1].Timeout = 5 * time.Second
		p1, s1 := newStub(1), newStub(2)
		p1.set(slowly(time.Hour, 1, nil))
		s1.set(slowly(1800*time.Millisecond, 2, nil))
		r := newTestResolver(t, cfg, p1, s1, WithHistory(noHistory{}))
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		res, err := r.Resolve(ctx, "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, LayerSecondary, res.Layer, "%v", res.Attempts)
		assert.Equal(t, 2.0, res.Value)
	})
}
