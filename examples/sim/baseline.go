package main

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/failsafe-go/failsafe-go/retrypolicy"
	"github.com/failsafe-go/failsafe-go/timeout"

	"github.com/strata-go/strata/providers"
)

// The baseline's policy settings, in virtual time where they are
// durations: what a competent engineer configures with failsafe-go in an
// afternoon.
const (
	baselineAttempts       = 3
	baselineBaseDelay      = 100 * time.Millisecond // as strata's default
	baselineMaxDelay       = 2 * time.Second
	baselineJitter         = 0.1
	baselineBreakerFails   = 5
	baselineBreakerOpen    = 60 * time.Second
	baselineBreakerSuccess = 3
)

// baseline is the comparison system: per provider, built once, a
// failsafe-go timeout, retry policy (3 attempts, exponential backoff with
// jitter) and circuit breaker (5 consecutive failures, 60 s open, 3
// half-open successes); providers tried in config order, primaries then
// secondaries; NaN and infinities rejected; then the last value seen for
// the key at any age; then the key's default. No router, hedging,
// budgets, freshness or forecast.
type baseline struct {
	byType map[string][]*baseProvider // primaries then secondaries

	mu   sync.Mutex
	last map[int]float64 // by key index; requires mu held
}

type baseProvider struct {
	layer string
	impl  providers.Provider
	exec  failsafe.Executor[float64]
}

var errNotFinite = errors.New("baseline: provider answered a value that is not finite")

func newBaseline(sc *scenario, w *world) *baseline {
	b := &baseline{byType: map[string][]*baseProvider{}, last: map[int]float64{}}
	for _, tier := range []string{"primary", "secondary"} {
		for _, p := range w.provs {
			if p.spec.Tier != tier {
				continue
			}
			rp := retrypolicy.NewBuilder[float64]().
				WithMaxAttempts(baselineAttempts).
				WithBackoff(sc.scale(baselineBaseDelay), sc.scale(baselineMaxDelay)).
				WithJitterFactor(baselineJitter).
				AbortOnErrors(circuitbreaker.ErrOpen). // no point waiting on an open breaker
				Build()
			cb := circuitbreaker.NewBuilder[float64]().
				WithFailureThreshold(baselineBreakerFails).
				WithDelay(sc.scale(baselineBreakerOpen)).
				WithSuccessThreshold(baselineBreakerSuccess).
				Build()
			to := timeout.New[float64](sc.scale(providerTimeout(sc, p.spec)))
			bp := &baseProvider{layer: tier, impl: p, exec: failsafe.With[float64](rp, cb, to)}
			for _, dt := range p.spec.DataTypes {
				b.byType[dt] = append(b.byType[dt], bp)
			}
		}
	}
	return b
}

func (b *baseline) resolve(ctx context.Context, k *simKey) answer {
	req := providers.Request{DataType: k.dataType, Params: k.params}
	for _, p := range b.byType[k.dataType] {
		v, err := p.exec.WithContext(ctx).GetWithExecution(func(exec failsafe.Execution[float64]) (float64, error) {
			resp, err := p.impl.Fetch(exec.Context(), req)
			if err != nil {
				return 0, err
			}
			if math.IsNaN(resp.Value) || math.IsInf(resp.Value, 0) {
				return 0, errNotFinite
			}
			return resp.Value, nil
		})
		if err == nil {
			b.mu.Lock()
			b.last[k.index] = v
			b.mu.Unlock()
			return answer{value: v, layer: p.layer}
		}
	}
	b.mu.Lock()
	v, ok := b.last[k.index]
	b.mu.Unlock()
	if ok {
		return answer{value: v, layer: "cache"}
	}
	return answer{value: k.def, layer: "default"}
}

func (b *baseline) close() error { return nil }
