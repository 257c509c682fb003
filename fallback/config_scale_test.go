//go:build !race

// The race detector's instrumentation slows these 5–10 times, and a loaded
// machine more: they guard against time that grows faster than the config
// (the code they pinned took 20 s and minutes where it now takes about a
// second uninstrumented), so their bounds leave ten times that, and they
// run without the detector.

package fallback

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/strata-go/strata/providers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A config's checks take time in proportion to its size: a data type of
// many params, each listed by its provider's params, its correlate_by and
// a segment of its default, is checked in well under a second, not in the
// minutes that looking each name up in the list of params took.
func TestConfigChecksAreLinearInTheParams(t *testing.T) {
	const n = 100_000
	names := make([]string, n)
	params := make([]ParamConfig, n)
	segments := make([]SegmentConfig, n)
	for i := range n {
		names[i] = fmt.Sprintf("k%d", i)
		params[i] = ParamConfig{Name: names[i]}
		segments[i] = SegmentConfig{Match: map[string]string{names[i]: "v"}, Base: 2}
	}
	cfg := Config{
		Providers: []ProviderConfig{{Name: "p", Tier: Primary, DataTypes: []string{"t"}, Params: names}},
		DataTypes: []DataTypeConfig{{Name: "t", Params: params, CorrelateBy: names, Default: &DefaultConfig{Base: 1, Segments: segments}}},
	}
	done := make(chan problems, 1)
	go func() {
		_, p := cfg.withDefaults()
		done <- p
	}()
	select {
	case p := <-done:
		require.NoError(t, p.err())
	case <-time.After(20 * time.Second):
		t.Fatalf("checking a config of %d params took over 20s", n)
	}
}

// New finds the providers serving each data type in one pass over the
// providers: 300 providers of 300 data types each (90 000 data types)
// took 20s, looking every data type up in every provider's list.
func TestNewIsLinearInProvidersAndDataTypes(t *testing.T) {
	const n = 300
	var cfg Config
	var opts []Option
	for i := range n {
		pc := ProviderConfig{Name: fmt.Sprintf("p%d", i), Tier: Primary}
		for j := range n {
			name := fmt.Sprintf("t%d_%d", i, j)
			pc.DataTypes = append(pc.DataTypes, name)
			cfg.DataTypes = append(cfg.DataTypes, DataTypeConfig{Name: name})
		}
		cfg.Providers = append(cfg.Providers, pc)
		opts = append(opts, WithProvider(pc.Name, providers.Func(func(context.Context, providers.Request) (providers.Response, error) {
			return providers.Response{Value: 1}, nil
		})))
	}
	type built struct {
		r   *Resolver
		err error
	}
	done := make(chan built, 1)
	go func() {
		r, err := New(cfg, opts...)
		done <- built{r, err}
	}()
	select {
	case b := <-done:
		require.NoError(t, b.err)
		defer b.r.Close()
		dt := b.r.types["t7_42"]
		require.Len(t, dt.primary, 1)
		assert.Equal(t, "p7", dt.primary[0].name)
		assert.Empty(t, dt.secondary)
	case <-time.After(10 * time.Second):
		t.Fatalf("New of %d providers and %d data types took over 10s", n, n*n)
	}
}
