package fallback

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fake"
)

func TestBudgetCountsExactly(t *testing.T) {
	b := NewBudget(1)
	for i := range 10000 {
		require.True(t, b.TryDebit(0.0001), "debit %d of 10000", i)
	}
	assert.Zero(t, b.Remaining(), "10000 × 0.0001 is exactly 1")
	assert.Equal(t, 1.0, b.Spent())
	assert.False(t, b.TryDebit(0.0001))

	b = NewBudget(0.3)
	require.True(t, b.TryDebit(0.1))
	require.True(t, b.TryDebit(0.2))
	assert.Zero(t, b.Remaining(), "0.1 + 0.2 is 0.3 here")
	assert.False(t, b.CanAfford(1e-9))
}

func TestBudgetRoundsSubUnitCostsUpAndAmountsDown(t *testing.T) {
	b := NewBudget(1e-9)
	paid := 0
	for range 100 {
		if b.TryDebit(1e-10) {
			paid++
		}
	}
	assert.Equal(t, 1, paid, "a cost below a nano-unit is charged one: no cost is free")

	b = NewBudget(1)
	require.True(t, b.TryDebit(1.5e-9))
	assert.Equal(t, 2e-9, b.Spent(), "1.5 nano-units are charged 2")

	assert.Equal(t, 1.0, NewBudget(1.0000000005).Limit(), "half a nano-unit of budget is not given")
	assert.Zero(t, NewBudget(1e-10).Limit())
}

func TestBudgetBadAmounts(t *testing.T) {
	for _, amount := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), -1, -1e-12} {
		t.Run(fmt.Sprint(amount), func(t *testing.T) {
			b := NewBudget(amount)
			assert.Zero(t, b.Limit(), "a budget of no money is exhausted")
			assert.False(t, b.TryDebit(0.01))
			assert.True(t, b.TryDebit(0), "a free attempt is always paid")

			b = NewBudget(1)
			assert.False(t, b.TryDebit(amount), "a cost that is not money is refused")
			assert.False(t, b.CanAfford(amount))
			b.Refund(amount)
			assert.Equal(t, 1.0, b.Remaining(), "nothing debited or refunded")
			require.True(t, b.TryDebit(0.5))
			b.Refund(amount)
			assert.Equal(t, 0.5, b.Remaining())
		})
	}
}

func TestBudgetLargestAmount(t *testing.T) {
	for _, amount := range []float64{MaxBudget, 1e12, math.MaxFloat64} {
		b := NewBudget(amount)
		assert.InDelta(t, MaxBudget, b.Limit(), 1e-6*MaxBudget, "%v", amount)
		assert.True(t, b.TryDebit(1e9))
		assert.False(t, b.TryDebit(math.MaxFloat64))
	}
}

func TestBudgetRefundNeverExceedsWhatWasSpent(t *testing.T) {
	b := NewBudget(1)
	b.Refund(5)
	assert.Equal(t, 1.0, b.Remaining(), "nothing was spent")
	require.True(t, b.TryDebit(0.3))
	b.Refund(0.5)
	assert.Equal(t, 1.0, b.Remaining(), "only the 0.3 spent comes back")
	require.True(t, b.TryDebit(0.3))
	b.Refund(0.1)
	assert.Equal(t, 0.8, b.Remaining())
	assert.InDelta(t, 0.2, b.Spent(), 1e-15)
}

// Goroutines debiting and refunding at random never take a budget below
// zero or above its limit, and it accounts for every nano-unit.
func TestBudgetConcurrentDebitsNeverOverspend(t *testing.T) {
	const limit = 3.0
	b := NewBudget(limit)
	var debited, refunded atomic.Int64 // nano-units
	var wg sync.WaitGroup
	for g := range 64 {
		rng := rand.New(rand.NewPCG(uint64(g), 7))
		wg.Go(func() {
			for range 500 {
				cost := float64(rng.IntN(100)+1) * 0.0001
				if !b.TryDebit(cost) {
					continue
				}
				debited.Add(toNano(cost))
				if rng.IntN(4) == 0 {
					b.Refund(cost)
					refunded.Add(toNano(cost))
				}
			}
		})
	}
	wg.Wait()
	spent := debited.Load() - refunded.Load()
	assert.LessOrEqual(t, spent, toNano(limit), "never overspent")
	assert.Equal(t, toNano(limit)-spent, b.remaining.Load(), "every debit and refund counted exactly")
	assert.Greater(t, spent, toNano(limit)/2, "the goroutines contended for the budget")
}

func TestBudgetOnContext(t *testing.T) {
	assert.Nil(t, BudgetFrom(context.Background()))
	ctx := WithBudget(context.Background(), 0.5)
	assert.Equal(t, 0.5, BudgetFrom(ctx).Limit())
	child, cancel := context.WithCancel(ctx)
	defer cancel()
	assert.Same(t, BudgetFrom(ctx), BudgetFrom(child), "derived contexts share it")
	b := NewBudget(1)
	assert.Same(t, b, BudgetFrom(WithBudgetOf(context.Background(), b)))
	assert.Zero(t, BudgetFrom(WithBudget(context.Background(), math.NaN())).Limit())
}

func TestBudgetSharedBy32GoroutinesNeverOverspends(t *testing.T) {
	cfg := testConfig()
	cfg.Resolve.DisableCoalescing = true
	cfg.Retry = RetryConfig{MaxAttempts: 3, BaseDelay: time.Millisecond, Jitter: JitterNone}
	// p1 fails half its calls (transient: retried, each retry paid).
	p1, err := fake.New(fake.Config{Value: 1, Errors: map[providers.Class]float64{providers.Transient: 0.5}, Seed: 3})
	require.NoError(t, err)
	s1, err := fake.New(fake.Config{Value: 2, Seed: 4})
	require.NoError(t, err)
	r := newTestResolver(t, cfg, p1, s1)
	budget := NewBudget(1.00)
	ctx := WithBudgetOf(context.Background(), budget)
	var mu sync.Mutex
	var resultCost float64
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Go(func() {
			for i := range 40 {
				res, _ := r.Resolve(ctx, "cpc", Params{"keyword": fmt.Sprintf("g%d-%d", g, i)})
				mu.Lock()
				resultCost += res.Cost
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	spent := budget.Spent()
	assert.LessOrEqual(t, spent, 1.00+1e-12, "never overspent")
	assert.GreaterOrEqual(t, budget.Remaining(), 0.0)
	want := 0.02*float64(p1.Calls()) + 0.01*float64(s1.Calls())
	assert.InDelta(t, want, spent, 1e-9, "every attempt, retries included, debited exactly once")
	assert.InDelta(t, spent, resultCost, 1e-9, "results account for every cent")
	assert.Greater(t, p1.Stats().Failures[providers.Transient], int64(0), "retries happened")
	assert.Less(t, budget.Remaining(), 0.02, "the budget was used up")
}

func TestBudgetExhaustedOnlyWhenNothingFreeAnswers(t *testing.T) {
	cfg := testConfig()
	p1, s1 := newStub(1), newStub(2)
	r := newTestResolver(t, cfg, p1, s1, WithHistory(noHistory{}))
	ctx := WithBudget(context.Background(), 0.005) // affords neither provider
	res, err := r.Resolve(ctx, "cpc", shoes)
	require.NoError(t, err)
	assert.Equal(t, LayerDefault, res.Layer, "the free layers answer")
	assert.EqualValues(t, 0, p1.calls.Load()+s1.calls.Load())
	assert.Equal(t, SkipOverBudget, res.Attempts[0].Skip)

	cfg.DataTypes[0].Default = nil
	r2 := newTestResolver(t, cfg, p1, s1, WithHistory(noHistory{}))
	_, err = r2.Resolve(ctx, "cpc", shoes)
	assert.ErrorIs(t, err, ErrBudgetExhausted)
	assert.ErrorIs(t, err, ErrNoAnswer)
}

// A call Close refused after its cost was debited (Close began between
// the attempt's gates and the call) is not paid: the budget gets the
// cost back and the attempt costs nothing. Here the resolver's tasks are
// closed by hand, as Close does just after cancelling the walks, while
// the walk still runs: that instant, made to last.
func TestACallCloseRefusedIsNotPaid(t *testing.T) {
	cfg := testConfig()
	cfg.Resolve.DisableCoalescing = true
	p1, s1 := newStub(1), newStub(2)
	r := newTestResolver(t, cfg, p1, s1)
	require.Empty(t, r.tasks.close(0))
	ctx := WithBudget(context.Background(), 1)
	res, _ := r.Resolve(ctx, "cpc", shoes)
	assert.Zero(t, p1.calls.Load()+s1.calls.Load(), "no provider was called")
	require.NotEmpty(t, res.Attempts)
	for _, a := range res.Attempts {
		assert.Equal(t, Skipped, a.Outcome, a.Provider)
		assert.Equal(t, SkipClosed, a.Skip, a.Provider)
		assert.Zero(t, a.Cost, a.Provider)
	}
	assert.Zero(t, res.Cost)
	assert.Zero(t, BudgetFrom(ctx).Spent(), "every debit refunded")
}

// A resolve whose walk is cut at its deadline reports what the walk spent
// for it, the attempt still under way included: the sum of Result.Cost
// is what the budget was charged.
func TestResultCostIsWhatTheBudgetPaidWhenTheWalkIsCut(t *testing.T) {
	for _, coalescing := range []bool{true, false} {
		t.Run(fmt.Sprint("coalescing=", coalescing), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				cfg.Providers = cfg.Providers[:1]
				cfg.Providers[0].Timeout = 5 * time.Second
				cfg.Resolve.DisableCoalescing = !coalescing
				p1 := newStub(1)
				p1.hang()
				r, err := New(cfg, WithProvider("p1", p1), WithSeed(1), WithHistory(noHistory{}))
				require.NoError(t, err)
				defer r.Close()
				ctx := WithBudget(context.Background(), 1)
				total := 0.0
				for i := range 5 {
					rctx, cancel := context.WithTimeout(ctx, 600*time.Millisecond)
					res, err := r.Resolve(rctx, "cpc", Params{"keyword": fmt.Sprint("k", i)})
					cancel()
					require.NoError(t, err)
					assert.Equal(t, LayerDefault, res.Layer)
					require.NotEmpty(t, res.Attempts, "the cut attempt is reported")
					total += res.Cost
				}
				assert.InDelta(t, BudgetFrom(ctx).Spent(), total, 1e-9)
				assert.InDelta(t, 0.1, total, 1e-9, "five calls of 0.02")
			})
		})
	}
}

// A price finer than a nano-unit is charged rounded up: the resolve's
// Cost, its attempts' and the snapshot's say what the budget paid.
func TestACostFinerThanANanoUnitIsReportedAsCharged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers[0].Cost = 1.5e-9
		cfg.Plausibility.AuditRate = -1 // no sampled second opinion: the charge is exact
		r := newTestResolver(t, cfg, newStub(1), newStub(1))
		ctx := WithBudget(context.Background(), 1)
		total := 0.0
		for i := range 10 {
			res, err := r.Resolve(ctx, "cpc", Params{"keyword": fmt.Sprint("k", i)})
			require.NoError(t, err)
			require.Equal(t, LayerPrimary, res.Layer)
			assert.Equal(t, 2e-9, res.Cost, "1.5 nano-units are charged 2")
			assert.Equal(t, 2e-9, res.Attempts[0].Cost)
			total += res.Cost
		}
		assert.InDelta(t, BudgetFrom(ctx).Spent(), total, 1e-15)
		snap := r.Snapshot()
		assert.InDelta(t, BudgetFrom(ctx).Spent(), snap.Overall.Cost, 1e-15)
		assert.InDelta(t, BudgetFrom(ctx).Spent(), snap.Providers[0].Cost, 1e-15)
	})
}

// A resolve's Cost is what its budget paid, exactly: the walk summed its
// attempts' costs as floats, 0.1 then 0.2 costing 0.30000000000000004
// where the budget, which counts in nano-units, says 0.3.
func TestResultCostIsWhatTheBudgetPaidExactly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers[0].Cost, cfg.Providers[1].Cost = 0.1, 0.2
		cfg.Plausibility.AuditRate = -1
		p1 := newStub(1)
		p1.fail(providers.Permanent)
		r := newTestResolver(t, cfg, p1, newStub(1))
		ctx := WithBudget(context.Background(), 5)
		res, err := r.Resolve(ctx, "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		require.Equal(t, LayerSecondary, res.Layer)
		require.Len(t, res.Attempts, 2, "%v", res.Attempts)
		assert.Equal(t, 0.3, BudgetFrom(ctx).Spent())
		assert.Equal(t, BudgetFrom(ctx).Spent(), res.Cost)
	})
}
