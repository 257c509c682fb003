package fallback

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/defaults"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/stats"
)

// panickingLimiter's Allow panics.
type panickingLimiter struct{}

func (panickingLimiter) Allow(context.Context, string, float64, int) (bool, error) {
	panic("limiter exploded")
}

// panickingRefresher hands out a key and panics when asked to refresh it.
type panickingRefresher struct{}

func (panickingRefresher) Credential(context.Context, string) (providers.Secret, error) {
	return providers.NewSecret("k"), nil
}

func (panickingRefresher) Refresh(context.Context, string) error { panic("vault exploded") }

// appendPanics is a history whose Append panics.
type appendPanics struct{ noHistory }

func (appendPanics) Append(context.Context, string, stats.Observation) error {
	panic("history exploded")
}

// The host callbacks docs/hostile.md's table leaves out — the user factor,
// a Refresher's Refresh, a SharedLimiter's Allow, a history's Append —
// are contained as README promises for every host callback: the resolve
// answers from the layer the fault leaves, and the panic is an
// EventCallback naming the callback, matching ErrCallbackPanic.
func TestEveryHostCallbackPanicIsContained(t *testing.T) {
	cases := []struct {
		name   string
		source string
		setup  func(cfg *Config, p1, s1 *stub) []Option
		layer  Layer
		value  float64
	}{
		{"user factor", "user factor", func(cfg *Config, p1, s1 *stub) []Option {
			p1.fail(providers.Unavailable)
			s1.fail(providers.Unavailable)
			user := defaults.FactorFunc(func(context.Context, string, map[string]string) (float64, bool) { panic("factor exploded") })
			return []Option{WithHistory(noHistory{}), WithUserFactor(user)}
		}, LayerDefault, 1},
		{"refresh", "credentials.Refresh", func(cfg *Config, p1, s1 *stub) []Option {
			p1.fail(providers.Auth)
			return []Option{WithCredentials(panickingRefresher{})}
		}, LayerSecondary, 2},
		{"limiter", "limiter.Allow", func(cfg *Config, p1, s1 *stub) []Option {
			cfg.Providers[0].RateLimit = RateLimitConfig{PerSecond: 10, Burst: 10}
			return []Option{WithSharedLimiter(panickingLimiter{})}
		}, LayerPrimary, 1},
		{"history append", "history.Append", func(cfg *Config, p1, s1 *stub) []Option {
			return []Option{WithHistory(appendPanics{})}
		}, LayerPrimary, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				p1, s1 := newStub(1), newStub(2)
				obs := &recorder{}
				opts := append(tc.setup(&cfg, p1, s1), WithObserver(obs))
				r := newTestResolver(t, cfg, p1, s1, opts...)
				res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
				require.NoError(t, err)
				assert.Equal(t, tc.layer, res.Layer)
				assert.Equal(t, tc.value, res.Value)
				synctest.Wait()
				flushEvents(r)
				evs, _ := obs.of(EventCallback)
				require.NotEmpty(t, evs, "the panic is reported")
				assert.Equal(t, tc.source, evs[0].Source)
				assert.ErrorIs(t, evs[0].Err, ErrCallbackPanic)
			})
		})
	}
}
