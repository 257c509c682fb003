package fallback

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
)

// stub is a provider whose answer the test sets; it counts calls.
type stub struct {
	calls atomic.Int64
	fn    atomic.Pointer[func(ctx context.Context, req providers.Request) (providers.Response, error)]
}

func newStub(v float64) *stub {
	s := &stub{}
	s.answer(v)
	return s
}

func (s *stub) Fetch(ctx context.Context, req providers.Request) (providers.Response, error) {
	s.calls.Add(1)
	return (*s.fn.Load())(ctx, req)
}

func (s *stub) set(f func(ctx context.Context, req providers.Request) (providers.Response, error)) {
	s.fn.Store(&f)
}

func (s *stub) answer(v float64) {
	s.set(func(context.Context, providers.Request) (providers.Response, error) {
		return providers.Response{Value: v}, nil
	})
}

func (s *stub) fail(class providers.Class) {
	s.set(func(context.Context, providers.Request) (providers.Response, error) {
		return providers.Response{}, providers.Errorf(class, "scripted %s", class)
	})
}

func (s *stub) hang() {
	s.set(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
		<-ctx.Done()
		return providers.Response{}, ctx.Err()
	})
}

// testConfig declares one data type "cpc" (keyword required, market one
// of us/uk/de) served by primary "p1" and secondary "s1", with a default.
func testConfig() Config {
	return Config{
		Providers: []ProviderConfig{
			{Name: "p1", Tier: Primary, Confidence: 0.95, Cost: 0.02, DataTypes: []string{"cpc"}, Timeout: 300 * time.Millisecond, ExpectedLatency: 20 * time.Millisecond},
			{Name: "s1", Tier: Secondary, Confidence: 0.85, Cost: 0.01, DataTypes: []string{"cpc"}, Timeout: 300 * time.Millisecond, ExpectedLatency: 20 * time.Millisecond},
		},
		DataTypes: []DataTypeConfig{{
			Name: "cpc",
			Params: []ParamConfig{
				{Name: "keyword", Required: true, MaxLength: 32},
				{Name: "market", Allowed: []string{"us", "uk", "de"}},
				{Name: "industry", Pattern: `[a-z_]+`},
			},
			Bounds:   Bounds{Min: 0, Max: 100},
			TTL:      time.Minute,
			HalfLife: time.Hour,
			Default: &DefaultConfig{Base: 1.0, Segments: []SegmentConfig{
				{Match: map[string]string{"industry": "retail"}, Base: 0.8},
				{Match: map[string]string{"industry": "retail", "market": "uk"}, Base: 0.7},
			}},
		}},
		Retry: RetryConfig{BaseDelay: 10 * time.Millisecond, MaxDelay: 50 * time.Millisecond},
	}
}

// newTestResolver builds a resolver over stubs p1 and s1.
func newTestResolver(t *testing.T, cfg Config, p1, s1 providers.Provider, opts ...Option) *Resolver {
	t.Helper()
	opts = append([]Option{WithProvider("p1", p1), WithProvider("s1", s1), WithSeed(1)}, opts...)
	r, err := New(cfg, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// attemptsByProvider indexes attempts by provider name (the last of each).
func attemptsByProvider(attempts []Attempt) map[string]Attempt {
	m := make(map[string]Attempt, len(attempts))
	for _, a := range attempts {
		m[a.Provider] = a
	}
	return m
}
