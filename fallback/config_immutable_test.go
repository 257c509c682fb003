package fallback

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/breaker"
)

// Config's doc: "New validates the config and never modifies it" — not
// its slices, not what its pointers point to — whether built in Go with
// per-provider overrides or read from YAML (TestWithDefaultsDoesNotModifyCaller
// checks the defaulting step alone).
func TestNewNeverModifiesTheConfig(t *testing.T) {
	build := func() Config {
		cfg := testConfig()
		cfg.Providers[0].Retry = &RetryConfig{BaseDelay: 5 * time.Millisecond}
		cfg.Providers[0].Breaker = &breaker.Config{OpenDuration: time.Minute}
		cfg.Providers[0].Params = []string{"keyword", "market"}
		cfg.Providers[1].Batch = BatchConfig{MaxSize: 2}
		cfg.DataTypes[0].Primary = []string{"p1"}
		cfg.DataTypes[0].Hedge.Enabled = true
		return cfg
	}
	cfg := build()
	r, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
	require.NoError(t, err)
	defer r.Close()
	assert.Equal(t, build(), cfg)

	parsed, err := ParseConfig([]byte(validYAML))
	require.NoError(t, err)
	again, err := ParseConfig([]byte(validYAML))
	require.NoError(t, err)
	r, err = New(parsed, WithProvider("ads", newStub(1)), WithProvider("backup", newStub(1)))
	require.NoError(t, err)
	defer r.Close()
	assert.Equal(t, again, parsed)
}
