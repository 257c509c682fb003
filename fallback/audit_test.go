package fallback

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
)

// README's audit promise: "every provider request is an observer event
// with provider, data type, redacted params, outcome and cost" — a
// sensitive param's value replaced by the marker, the others as given.
func TestEveryProviderRequestIsAnAuditEvent(t *testing.T) {
	obs := &recorder{}
	cfg := securityConfig()
	cfg.Retry.MaxAttempts = 1
	p1 := newStub(0)
	p1.fail(providers.Unavailable)
	r := newTestResolver(t, cfg, p1, newStub(1.25), WithObserver(obs), WithHashKey([]byte("host-key")))
	params := Params{"keyword": "shoes", "email": "jane.doe@example.org"}
	res, err := r.Resolve(context.Background(), "cpc", params)
	require.NoError(t, err)
	require.Equal(t, "s1", res.Source)
	require.NoError(t, r.Close()) // hands the observer every event

	redacted := Params{"keyword": "shoes", "email": providers.Redacted}
	attempts, _ := obs.of(EventAttempt)
	require.Len(t, attempts, 2, "one event per provider request")
	want := []struct {
		provider string
		outcome  Outcome
		cost     float64
	}{{"p1", Failed, 0.02}, {"s1", Succeeded, 0.01}}
	for i, e := range attempts {
		assert.Equal(t, want[i].provider, e.Provider)
		assert.Equal(t, "cpc", e.DataType)
		assert.Equal(t, redacted, e.Params)
		assert.Equal(t, want[i].outcome, e.Outcome)
		assert.InDelta(t, want[i].cost, e.Cost, 1e-12)
	}
	starts, _ := obs.of(EventAttemptStart)
	require.Len(t, starts, 2)
	for _, e := range starts {
		assert.Equal(t, redacted, e.Params)
	}
	assert.Equal(t, "jane.doe@example.org", params["email"], "the caller's params are left as they were")
}
