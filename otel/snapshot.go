package otel

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/strata-go/strata/breaker"
	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/router"
)

// Snapshotter is what SnapshotMetrics reads: *fallback.Resolver is one.
type Snapshotter interface {
	Snapshot() fallback.Snapshot
}

// breakerStates and statuses are the values of the one-hot state
// attributes.
var (
	breakerStates = [...]string{breaker.Closed.String(), breaker.Open.String(), breaker.HalfOpen.String()}
	statuses      = [...]string{router.Healthy.String(), router.Degraded.String(), router.Unhealthy.String(), router.Critical.String()}
)

// periods are the cost projections' strata.period values.
var periods = [...]string{"hour", "day", "month"}

// SnapshotMetrics reports a resolver's Snapshot through observable
// instruments (the package documentation's first table): the meter calls
// back at each collection, which takes one snapshot. Its counters are the
// resolver's own, exact even when the observer falls behind and loses
// events.
type SnapshotMetrics struct {
	unregister func() error
}

// NewSnapshotMetrics registers the observable instruments over src's
// snapshots with cfg's meter provider. Unregister stops them. The error
// is the meter's, when it refuses an instrument or the callback, or says
// that src is nil — a nil *fallback.Resolver too, what fallback.New
// returns with its error: each collection, in the meter's goroutine,
// would panic.
//
// A Snapshotter of the host's own that panics fails that collection's
// callback with an error (the reader's Collect returns it, with every
// other callback's figures) instead of ending the process.
//
// The instruments carry no attribute naming the resolver: two resolvers
// registered on one meter provider report into the same series (a
// provider's status is the last one observed, its counters add up) with
// no error. Give each resolver its own meter provider, or a resource or
// scope that tells them apart.
func NewSnapshotMetrics(src Snapshotter, cfg Config) (*SnapshotMetrics, error) {
	if r, ok := src.(*fallback.Resolver); src == nil || ok && r == nil {
		return nil, errors.New("otel: NewSnapshotMetrics: nil Snapshotter")
	}
	m := cfg.meter()
	var errs []error
	gauge := func(name, unit, desc string) metric.Float64ObservableGauge {
		g, err := m.Float64ObservableGauge(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return g
	}
	counter := func(name, unit, desc string) metric.Float64ObservableCounter {
		c, err := m.Float64ObservableCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	health := gauge("strata.provider.health", "1", "The provider's health score, in [0, 1].")
	status := gauge("strata.provider.status", "1", "1 for the provider's current health status, 0 for the others.")
	state := gauge("strata.provider.breaker.state", "1", "1 for the provider's circuit breaker's current state, 0 for the others.")
	trips := counter("strata.provider.breaker.trips", "{trip}", "Times the provider's circuit breaker opened.")
	success := gauge("strata.provider.success_ratio", "1", "Share of the provider's attempts that succeeded, in [0, 1].")
	quality := gauge("strata.provider.quality", "1", "The provider's data-quality score, in [0, 1].")
	uptime := gauge("strata.provider.uptime", "1", "Share of time the provider was up, in [0, 1].")
	cost := counter("strata.cost", "{cost}", "Money spent on provider attempts, in the providers' cost unit.")
	projected := gauge("strata.cost.projected", "{cost}", "Cost projected over a period at the current rate, in the providers' cost unit.")
	callbacks := counter("strata.callback.failures", "{failure}", "Host callback failures the resolver contained: panics, calls abandoned at their deadline, shared entries refused.")
	fits := counter("strata.forecast.fits", "{fit}", "Forecasts fitted (not taken from the memo).")
	quickFits := counter("strata.forecast.quick_fits", "{fit}", "Forecasts fitted quick, without auto's challengers, for lack of time.")
	claims := counter("strata.claims", "{claim}", "Fill claims: walks that took their key's claim (won) and that found it taken (lost).")
	claimWaits := counter("strata.claim.waits_served", "{wait}", "Walks that found their key's claim taken and served the claimant's answer.")
	dropped := counter("strata.events.dropped", "{event}", "Events the observer did not get because it fell behind by more than its queue holds.")
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	reg, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		s, err := snapshotOf(src)
		if err != nil {
			return err
		}
		for _, p := range s.Providers {
			prov := attrProvider.String(p.Name)
			one := metric.WithAttributes(prov)
			o.ObserveFloat64(health, p.Health, metric.WithAttributes(prov, attrTier.String(string(p.Tier))))
			for _, st := range statuses {
				o.ObserveFloat64(status, oneIf(p.Status.String() == st), metric.WithAttributes(prov, attrStatus.String(st)))
			}
			for _, st := range breakerStates {
				o.ObserveFloat64(state, oneIf(p.Breaker == st), metric.WithAttributes(prov, attrBreakerState.String(st)))
			}
			o.ObserveFloat64(trips, float64(p.BreakerTrips), one)
			o.ObserveFloat64(success, p.SuccessRate, one)
			o.ObserveFloat64(quality, p.Quality, one)
			o.ObserveFloat64(uptime, p.Uptime, one)
			for dt, v := range p.CostByDataType {
				o.ObserveFloat64(cost, v, metric.WithAttributes(prov, attrDataType.String(dt)))
			}
		}
		ov := s.Overall
		for i, v := range [...]float64{ov.CostPerHour, ov.DailyProjection, ov.MonthlyProjection} {
			o.ObserveFloat64(projected, v, metric.WithAttributes(attrPeriod.String(periods[i])))
		}
		o.ObserveFloat64(callbacks, float64(ov.CallbackFailures))
		o.ObserveFloat64(fits, float64(ov.ForecastFits))
		o.ObserveFloat64(quickFits, float64(ov.ForecastQuickFits))
		o.ObserveFloat64(claims, float64(ov.ClaimsWon), metric.WithAttributes(attrClaimResult.String("won")))
		o.ObserveFloat64(claims, float64(ov.ClaimsLost), metric.WithAttributes(attrClaimResult.String("lost")))
		o.ObserveFloat64(claimWaits, float64(ov.ClaimWaitsServed))
		o.ObserveFloat64(dropped, float64(ov.EventsDropped))
		return nil
	}, health, status, state, trips, success, quality, uptime, cost, projected, callbacks, fits, quickFits, dropped, claims, claimWaits)
	if err != nil {
		return nil, err
	}
	return &SnapshotMetrics{unregister: sync.OnceValue(reg.Unregister)}, nil
}

// snapshotOf returns src's snapshot, or an error when src panics: the
// callback runs in the meter's goroutine, where a panic ends the process.
func snapshotOf(src Snapshotter) (s fallback.Snapshot, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("otel: Snapshot panicked: %v", v)
		}
	}()
	return src.Snapshot(), nil
}

// Unregister stops the instruments' callback: later collections report
// nothing from this resolver. Only the first call unregisters; later
// calls return its error.
func (s *SnapshotMetrics) Unregister() error { return s.unregister() }

// The attribute keys. Values are low-cardinality by construction: names
// from the resolver's configuration and enumerations, never params or
// keys.
const (
	attrProvider     = attribute.Key("strata.provider")
	attrTier         = attribute.Key("strata.provider.tier")
	attrStatus       = attribute.Key("strata.provider.status")
	attrBreakerState = attribute.Key("strata.breaker.state")
	attrDataType     = attribute.Key("strata.data_type")
	attrPeriod       = attribute.Key("strata.period")
	attrClaimResult  = attribute.Key("strata.claim.result")
)

func oneIf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
