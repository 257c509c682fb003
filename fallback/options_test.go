package fallback

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/defaults"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/stats"
)

func TestMarketAndUserFactorsReachTheDefault(t *testing.T) {
	p1, s1 := newStub(0), newStub(0)
	p1.fail(providers.Permanent)
	s1.fail(providers.Permanent)
	market := defaults.FactorFunc(func(_ context.Context, dataType string, params map[string]string) (float64, bool) {
		return 1.2, dataType == "cpc" && params["market"] == "us"
	})
	user := defaults.FactorFunc(func(context.Context, string, map[string]string) (float64, bool) { return 0.5, true })
	r := newTestResolver(t, testConfig(), p1, s1, WithHistory(noHistory{}), WithMarketFactor(market), WithUserFactor(user))
	res, err := r.Resolve(context.Background(), "cpc", shoes)
	require.NoError(t, err)
	assert.Equal(t, LayerDefault, res.Layer)
	assert.InDelta(t, 1.0*1.2*0.5, res.Value, 1e-12)
	assert.Equal(t, []Adjustment{{Name: "market", Factor: 1.2}, {Name: "user", Factor: 0.5}}, res.Default.Adjustments)
	assert.InDelta(t, 0.3, res.Confidence, 1e-12, "no factor guessed: the base confidence, undiscounted")
}

func TestLoadConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "strata.yaml")
	require.NoError(t, os.WriteFile(path, []byte(validYAML), 0o600))
	cfg, err := LoadConfig(path)
	require.NoError(t, err)
	assert.Len(t, cfg.Providers, 2)
	assert.Equal(t, "cpc", cfg.DataTypes[0].Name)

	bad := strings.Replace(validYAML, "confidence: 0.95", "confidence: 2", 1)
	require.NoError(t, os.WriteFile(path, []byte(bad), 0o600))
	_, err = LoadConfig(path)
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "providers[0].confidence", ce.Field)

	_, err = LoadConfig(filepath.Join(t.TempDir(), "missing.yaml"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// A nil *stats.MemoryHistory — what a constructor whose error was
// ignored returns — is refused at New. It was read directly, unguarded,
// as the resolver's own history is, and panicked the first resolve that
// reached the statistical layer: the first outage.
func TestANilMemoryHistoryIsRefused(t *testing.T) {
	var h *stats.MemoryHistory
	_, err := New(testConfig(), WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)), WithHistory(h))
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "forecast.history", ce.Field)
}

// A market or user factor gets its own copy of the params: one abandoned
// at its deadline read the caller's map after Resolve had returned and
// the caller reused it (a data race; without -race a fatal concurrent map
// access), and one that changed its map changed the caller's.
func TestAFactorGetsItsOwnParams(t *testing.T) {
	for _, which := range []string{"market", "user"} {
		t.Run(which, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				seen := make(chan string, 1)
				f := defaults.FactorFunc(func(_ context.Context, _ string, params map[string]string) (float64, bool) {
					time.Sleep(time.Second) // ignores its context
					seen <- params["market"]
					params["market"] = "changed by the factor"
					return 1.2, true
				})
				opt := WithMarketFactor(f)
				if which == "user" {
					opt = WithUserFactor(f)
				}
				p1, s1 := newStub(0), newStub(0)
				p1.fail(providers.Permanent)
				s1.fail(providers.Permanent)
				r := newTestResolver(t, testConfig(), p1, s1, WithHistory(noHistory{}), opt)
				params := Params{"keyword": "shoes", "market": "us"}
				ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
				defer cancel()
				res, err := r.Resolve(ctx, "cpc", params)
				require.NoError(t, err)
				assert.Equal(t, LayerDefault, res.Layer)
				params["market"] = "uk" // the caller reuses its map
				assert.Equal(t, "us", <-seen, "the factor read the params of its resolve")
				time.Sleep(time.Second)
				assert.Equal(t, Params{"keyword": "shoes", "market": "uk"}, params, "the factor changed nobody else's")
			})
		})
	}
}
