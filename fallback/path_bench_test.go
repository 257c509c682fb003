package fallback

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/failsafe-go/failsafe-go/retrypolicy"
	"github.com/failsafe-go/failsafe-go/timeout"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/router"
)

// benchLatency is how long benchSlow takes to answer: a fast provider
// (real ones take tens to hundreds of milliseconds).
const benchLatency = time.Millisecond

// benchFetch answers at once: the path benchmarks' Overhead variants use
// it to show the fixed cost of each stack on its own.
var benchFetch = providers.Func(func(context.Context, providers.Request) (providers.Response, error) {
	return providers.Response{Value: 1.25}, nil
})

// benchSlow answers after benchLatency, as a provider is used.
var benchSlow = providers.Func(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
	t := time.NewTimer(benchLatency)
	defer t.Stop()
	select {
	case <-t.C:
		return providers.Response{Value: 1.25}, nil
	case <-ctx.Done():
		return providers.Response{}, ctx.Err()
	}
})

// BenchmarkProviderPathSuccess runs one provider attempt through strata's
// whole per-provider stack: deadline check, the retry loop, bulkhead,
// rate limit, budget, breaker permit, per-attempt timeout and its
// watchdog, the call, validation, health record and attempt record. The
// provider answers after benchLatency. Compare with
// BenchmarkFailsafeBaseline in the same run.
func BenchmarkProviderPathSuccess(b *testing.B) { benchProviderPath(b, benchSlow) }

// BenchmarkProviderPathOverhead is BenchmarkProviderPathSuccess with a
// provider that answers at once: the stack's fixed cost. Compare with
// BenchmarkFailsafeOverhead.
func BenchmarkProviderPathOverhead(b *testing.B) { benchProviderPath(b, benchFetch) }

func benchProviderPath(b *testing.B, fetch providers.Provider) {
	cfg := testConfig()
	cfg.Providers[0].RateLimit = RateLimitConfig{PerSecond: 1e9, Burst: 1 << 30}
	cfg.Providers[0].MaxConcurrent = 64
	r, err := New(cfg, WithProvider("p1", fetch), WithProvider("s1", fetch), WithSeed(1))
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	dt := r.types["cpc"]
	p := r.byName["p1"]
	ctx := WithBudget(context.Background(), 1e12)
	params := Params{"keyword": "shoes"}
	w := &walk{r: r, dt: dt, key: "cpc?keyword=shoes", params: params, budget: BudgetFrom(ctx), attempts: make([]Attempt, 0, 1)}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w.deadline = time.Now().Add(time.Second)
		w.attempts = w.attempts[:0]
		if _, err := w.tryProvider(ctx, p, w.deadline, false, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProviderPathTier is BenchmarkProviderPathSuccess as a walk
// makes it: a tier's run with one provider, its flight in the goroutine
// that keeps the walk free of a provider that ignores its context, the
// answer cached. The goroutine's hand-over is the price of that promise
// (failsafe-go calls in the caller's goroutine and cannot make it).
// Compare with BenchmarkProviderPathSuccess and BenchmarkFailsafeBaseline.
func BenchmarkProviderPathTier(b *testing.B) {
	cfg := testConfig()
	cfg.Providers[0].RateLimit = RateLimitConfig{PerSecond: 1e9, Burst: 1 << 30}
	cfg.Providers[0].MaxConcurrent = 64
	r, err := New(cfg, WithProvider("p1", benchSlow), WithProvider("s1", benchSlow), WithSeed(1), WithHistory(noHistory{}))
	require.NoError(b, err)
	defer r.Close()
	dt := r.types["cpc"]
	ctx := WithBudget(context.Background(), 1e12)
	t := tier{LayerPrimary, dt.primary, dt.pools[0]}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := &walk{r: r, dt: dt, key: "cpc?keyword=shoes", params: Params{"keyword": "shoes"}, budget: BudgetFrom(ctx), deadline: time.Now().Add(time.Second)}
		if won, _ := w.runTier(ctx, w.startTier(t, w.deadline), nil); !won {
			b.Fatal(w.attempts)
		}
	}
}

// BenchmarkFailsafeBaseline is what a user would write instead: a
// failsafe-go executor with retry, circuit breaker and timeout, built
// once, around the same provider call (answering after benchLatency).
// failsafe-go calls the function in the caller's goroutine: a provider
// that ignores its context holds the caller past the timeout.
func BenchmarkFailsafeBaseline(b *testing.B) { benchFailsafe(b, benchSlow) }

// BenchmarkFailsafeOverhead is BenchmarkFailsafeBaseline with a provider
// that answers at once.
func BenchmarkFailsafeOverhead(b *testing.B) { benchFailsafe(b, benchFetch) }

func benchFailsafe(b *testing.B, fetch providers.Provider) {
	rp := retrypolicy.NewBuilder[providers.Response]().WithMaxAttempts(3).WithBackoff(100*time.Millisecond, 2*time.Second).WithJitterFactor(0.1).Build()
	cb := circuitbreaker.NewBuilder[providers.Response]().WithFailureThreshold(5).WithDelay(60 * time.Second).WithSuccessThreshold(3).Build()
	to := timeout.New[providers.Response](time.Second)
	exec := failsafe.With[providers.Response](rp, cb, to)
	ctx := context.Background()
	req := providers.Request{DataType: "cpc", Params: map[string]string{"keyword": "shoes"}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := exec.WithContext(ctx).GetWithExecution(func(e failsafe.Execution[providers.Response]) (providers.Response, error) {
			return fetch.Fetch(e.Context(), req)
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// routerBench builds n providers with varied histories — confidence,
// latency, a 5% failure rate, three prices — and the Pool a tier of them
// would have, with every State open and a campaign's budget.
func routerBench(b *testing.B, n int) (*router.Tracker, *router.Pool, []router.Member, []router.State, time.Time) {
	b.Helper()
	tr, _ := router.NewTracker(router.Config{})
	rt, _ := router.NewRouter(router.Config{})
	rng := rand.New(rand.NewPCG(3, uint64(n)))
	members := make([]router.Member, n)
	states := make([]router.State, n)
	now := time.Now()
	for i := range members {
		name := "p" + benchName(i)
		cost := float64(rng.IntN(3)) * 0.005
		_ = tr.Register(router.Profile{Name: name, Confidence: 0.7 + 0.3*rng.Float64(), ExpectedLatency: time.Duration(50+rng.IntN(200)) * time.Millisecond, Cost: cost})
		for j := range 50 {
			o := router.Outcome{At: now.Add(time.Duration(j-50) * time.Second), Latency: time.Duration(20+rng.IntN(300)) * time.Millisecond, OK: true, Valid: true, Cost: cost}
			if rng.IntN(20) == 0 {
				o.OK, o.Valid, o.Class = false, false, "transient"
			}
			tr.Record(name, "cpc", o)
		}
		members[i] = router.Member{Name: name, Order: i, Cost: cost}
		states[i] = router.State{Capacity: 1}
	}
	pool, err := router.NewPool(tr, rt, "cpc", members)
	require.NoError(b, err)
	return tr, pool, members, states, now
}

// BenchmarkRouterPickAfterRecord is the router's part of a walk's step
// through a tier of n providers, as a walk does it: the outcome of the
// provider just tried is recorded (a failure, one in ten; which provider
// varies), then Pool.Pick chooses the next with a campaign's budget.
// Compare with BenchmarkProviderPathSuccess in the same run.
func BenchmarkRouterPickAfterRecord(b *testing.B) {
	for _, n := range []int{2, 8, 32} {
		b.Run(benchName(n), func(b *testing.B) {
			tr, pool, members, states, now := routerBench(b, n)
			rng := rand.New(rand.NewPCG(11, uint64(n)))
			outcomes := make([]router.Outcome, 1024)
			who := make([]string, len(outcomes))
			for i := range outcomes {
				outcomes[i] = router.Outcome{Latency: time.Duration(20+rng.IntN(300)) * time.Millisecond, OK: true, Valid: true}
				if rng.IntN(10) == 0 {
					outcomes[i] = router.Outcome{Latency: 300 * time.Millisecond, Class: "transient"}
				}
				who[i] = members[rng.IntN(n)].Name
			}
			picked := 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				now = now.Add(time.Millisecond)
				o := outcomes[i%len(outcomes)]
				o.At = now
				tr.Record(who[i%len(who)], "cpc", o)
				if _, _, ok := pool.Pick(states, 1, now); ok {
					picked++
				}
			}
			require.Positive(b, picked)
		})
	}
}

func benchName(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return "n" + digits[n:n+1]
	}
	return "n" + digits[n/10:n/10+1] + digits[n%10:n%10+1]
}
