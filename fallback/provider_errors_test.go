package fallback

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
)

// providers.Error's doc: the resolver wraps every provider failure it
// reports in a *providers.Error, so errors.As finds the class whatever the
// provider returned — a plain error, a context error, a typed nil
// *providers.Error, a panic — with WithProviderErrors or without.
func TestEveryReportedProviderFailureIsAProvidersError(t *testing.T) {
	var typedNil *providers.Error
	failures := map[string]struct {
		fetch func(context.Context, providers.Request) (providers.Response, error)
		class providers.Class
	}{
		"plain": {func(context.Context, providers.Request) (providers.Response, error) {
			return providers.Response{}, errors.New("plain")
		}, providers.Transient},
		"deadline": {func(context.Context, providers.Request) (providers.Response, error) {
			return providers.Response{}, fmt.Errorf("upstream: %w", context.DeadlineExceeded)
		}, providers.Transient},
		"typed nil": {func(context.Context, providers.Request) (providers.Response, error) {
			return providers.Response{}, typedNil
		}, providers.Transient},
		"classified": {func(context.Context, providers.Request) (providers.Response, error) {
			return providers.Response{}, fmt.Errorf("wrapped: %w", providers.Errorf(providers.Unavailable, "down"))
		}, providers.Unavailable},
		"panic": {func(context.Context, providers.Request) (providers.Response, error) {
			panic("boom")
		}, providers.DataQuality},
	}
	for name, f := range failures {
		for _, raw := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/raw=%v", name, raw), func(t *testing.T) {
				cfg := testConfig()
				cfg.Retry.MaxAttempts = 1
				p1 := newStub(0)
				p1.set(f.fetch)
				var opts []Option
				if raw {
					opts = append(opts, WithProviderErrors())
				}
				r := newTestResolver(t, cfg, p1, newStub(2), opts...)
				res, err := r.Resolve(context.Background(), "cpc", shoes)
				require.NoError(t, err)
				require.NotEmpty(t, res.Attempts)
				a := res.Attempts[0]
				require.Equal(t, Failed, a.Outcome)
				assert.Equal(t, f.class, a.Class)
				var pe *providers.Error
				require.ErrorAs(t, a.Err, &pe)
				require.NotNil(t, pe)
				assert.Equal(t, f.class, pe.Class)
			})
		}
	}
}
