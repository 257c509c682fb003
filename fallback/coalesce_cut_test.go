package fallback

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
)

// A coalesced walk runs on its first caller's deadline and budget. When
// either ends it with nothing, a resolve that joined it with time of
// its own left walks again rather than settle for a default: joining
// must not make an answer worse than the resolve would have got alone.
// Between them the resolves still report every attempt paid for, once.
func TestAFollowerOutlivingTheLeadersDeadlineWalksOnItsOwn(t *testing.T) {
	cases := []struct {
		name   string
		leader time.Duration // its deadline
		budget float64       // its budget: p1 costs 0.02, s1 0.01
	}{
		{"deadline 5ms", 5 * time.Millisecond, 1},
		{"deadline 150ms", 150 * time.Millisecond, 1},
		{"budget for one call", 2 * time.Second, 0.02},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p1, s1 := newStub(0), newStub(1.1)
				p1.set(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
					select {
					case <-time.After(100 * time.Millisecond):
						return providers.Response{}, providers.Errorf(providers.Transient, "flaky")
					case <-ctx.Done():
						return providers.Response{}, ctx.Err()
					}
				})
				s1.set(func(context.Context, providers.Request) (providers.Response, error) {
					time.Sleep(50 * time.Millisecond)
					return providers.Response{Value: 1.1}, nil
				})
				r := newTestResolver(t, testConfig(), p1, s1, WithHistory(noHistory{}))
				budgets := []*Budget{NewBudget(c.budget), NewBudget(1)}
				results := make([]Result, 2)
				var wg sync.WaitGroup
				for i, d := range []time.Duration{c.leader, 2 * time.Second} {
					wg.Go(func() {
						time.Sleep(time.Duration(i) * time.Millisecond) // the leader first
						ctx, cancel := context.WithTimeout(WithBudgetOf(context.Background(), budgets[i]), d)
						defer cancel()
						var err error
						results[i], err = r.Resolve(ctx, "cpc", shoes)
						require.NoError(t, err)
					})
				}
				wg.Wait()
				synctest.Wait()
				assert.Equal(t, LayerDefault, results[0].Layer, "the leader's deadline or budget leaves it the default")
				follower := results[1]
				assert.Equal(t, LayerSecondary, follower.Layer, "the follower had 2s: its attempts: %v", follower.Attempts)
				assert.Equal(t, 1.1, follower.Value)
				assert.False(t, follower.Shared, "its answer is its own walk's")
				var reported, spent float64
				for i := range results {
					reported += results[i].Cost
					spent += budgets[i].Spent()
					var sum float64
					for _, a := range results[i].Attempts {
						sum += a.Cost
					}
					assert.InDelta(t, results[i].Cost, sum, 1e-12, "resolve %d: Cost is its attempts'", i)
				}
				assert.InDelta(t, spent, reported, 1e-12, "the Results add up to what the budgets paid")
			})
		})
	}
}
