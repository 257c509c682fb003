package prometheus

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/strata-go/strata/breaker"
	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/router"
)

// Snapshotter is what a Collector reads: *fallback.Resolver is one.
type Snapshotter interface {
	Snapshot() fallback.Snapshot
}

// breakerStates and statuses are the values of the one-hot state labels,
// in the order they are collected.
var (
	breakerStates = [...]string{breaker.Closed.String(), breaker.Open.String(), breaker.HalfOpen.String()}
	statuses      = [...]string{router.Healthy.String(), router.Degraded.String(), router.Unhealthy.String(), router.Critical.String()}
)

// periods are the cost projections' period label values, in the order
// they are collected.
var periods = [...]string{"hour", "day", "month"}

// percentiles are the provider latency percentiles' label values.
// (Prometheus reserves the label "quantile" for summaries, which need a
// sum the snapshot does not keep.)
var percentiles = [...]string{"p50", "p95", "p99"}

// Collector is a prometheus.Collector over a resolver's Snapshot: each
// scrape takes one snapshot and reports the figures in the package
// documentation's first table. Its counters are the resolver's own, exact
// even when the observer falls behind and loses events.
//
// A Collector is safe for concurrent use. It registers nothing itself:
// the host registers it with its own registry.
type Collector struct {
	src Snapshotter

	health, status, breakerState, breakerTrips *prometheus.Desc
	success, quality, uptime, latency          *prometheus.Desc

	cost, projected                               *prometheus.Desc
	callbackFailures, forecastFits, eventsDropped *prometheus.Desc
	claims, claimWaits, quickFits                 *prometheus.Desc
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns a Collector over src's snapshots. It panics when
// src is nil — a nil *fallback.Resolver too, what fallback.New returns
// with its error — rather than let every scrape fail.
func NewCollector(src Snapshotter) *Collector {
	if r, ok := src.(*fallback.Resolver); src == nil || ok && r == nil {
		panic("prometheus: NewCollector: nil Snapshotter")
	}
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(namespace+"_"+name, help, labels, nil)
	}
	return &Collector{
		src: src,

		health:       d("provider_health", "The provider's health score, in [0, 1].", "provider", "tier"),
		status:       d("provider_status", "1 for the provider's current health status, 0 for the others.", "provider", "status"),
		breakerState: d("provider_breaker_state", "1 for the provider's circuit breaker's current state, 0 for the others.", "provider", "state"),
		breakerTrips: d("provider_breaker_trips_total", "Times the provider's circuit breaker opened.", "provider"),
		success:      d("provider_success_ratio", "Share of the provider's attempts that succeeded, in [0, 1].", "provider"),
		quality:      d("provider_quality_ratio", "The provider's data-quality score, in [0, 1].", "provider"),
		uptime:       d("provider_uptime_ratio", "Share of time the provider was up, in [0, 1].", "provider"),
		latency:      d("provider_latency_seconds", "Percentiles of the provider's attempt latency.", "provider", "percentile"),

		cost:             d("cost_total", "Money spent on provider attempts, in the providers' cost unit.", "provider", "data_type"),
		projected:        d("cost_projected", "Cost projected over a period at the current rate, in the providers' cost unit.", "period"),
		callbackFailures: d("callback_failures_total", "Host callback failures the resolver contained: panics, calls abandoned at their deadline, shared entries refused."),
		forecastFits:     d("forecast_fits_total", "Forecasts fitted (not taken from the memo)."),
		quickFits:        d("forecast_quick_fits_total", "Forecasts fitted quick, without auto's challengers, for lack of time."),
		claims:           d("claims_total", "Fill claims: walks that took their key's claim (won) and that found it taken (lost).", "result"),
		claimWaits:       d("claim_waits_served_total", "Walks that found their key's claim taken and served the claimant's answer."),
		eventsDropped:    d("events_dropped_total", "Events the observer did not get because it fell behind by more than its queue holds."),
	}
}

// snapshotOf returns src's snapshot, or an error when src panics.
func snapshotOf(src Snapshotter) (s fallback.Snapshot, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("prometheus: Snapshot panicked: %v", v)
		}
	}()
	return src.Snapshot(), nil
}

// namespace prefixes every metric's name.
const namespace = "strata"

// Describe sends the descriptors of every metric the Collector reports.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.health, c.status, c.breakerState, c.breakerTrips,
		c.success, c.quality, c.uptime, c.latency,
		c.cost, c.projected, c.callbackFailures, c.forecastFits, c.eventsDropped,
		c.claims, c.claimWaits, c.quickFits,
	} {
		ch <- d
	}
}

// Collect takes one snapshot and sends its figures. It never panics: a
// figure whose label value is not valid UTF-8 (a Snapshotter of the
// host's own may give one) is sent as an invalid metric
// (prometheus.NewInvalidMetric), so that the registry's Gather returns an
// error naming it and keeps every other figure; a Snapshotter of the
// host's own that panics (one wrapping a nil *fallback.Resolver, say)
// makes one invalid metric saying so, and no figure of this Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s, err := snapshotOf(c.src)
	if err != nil {
		// The registry runs Collect in a goroutine of its own, where the
		// panic would end the process.
		ch <- prometheus.NewInvalidMetric(c.health, err)
		return
	}
	send := func(d *prometheus.Desc, t prometheus.ValueType, v float64, labels []string) {
		m, err := prometheus.NewConstMetric(d, t, v, labels...)
		if err != nil {
			m = prometheus.NewInvalidMetric(d, err)
		}
		ch <- m
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		send(d, prometheus.GaugeValue, v, labels)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		send(d, prometheus.CounterValue, v, labels)
	}
	for _, p := range s.Providers {
		gauge(c.health, p.Health, p.Name, string(p.Tier))
		for _, st := range statuses {
			gauge(c.status, oneIf(p.Status.String() == st), p.Name, st)
		}
		for _, st := range breakerStates {
			gauge(c.breakerState, oneIf(p.Breaker == st), p.Name, st)
		}
		counter(c.breakerTrips, float64(p.BreakerTrips), p.Name)
		gauge(c.success, p.SuccessRate, p.Name)
		gauge(c.quality, p.Quality, p.Name)
		gauge(c.uptime, p.Uptime, p.Name)
		for i, ms := range [...]float64{p.P50Ms, p.P95Ms, p.P99Ms} {
			gauge(c.latency, ms/1000, p.Name, percentiles[i])
		}
		for dt, v := range p.CostByDataType {
			counter(c.cost, v, p.Name, dt)
		}
	}
	o := s.Overall
	for i, v := range [...]float64{o.CostPerHour, o.DailyProjection, o.MonthlyProjection} {
		gauge(c.projected, v, periods[i])
	}
	counter(c.callbackFailures, float64(o.CallbackFailures))
	counter(c.forecastFits, float64(o.ForecastFits))
	counter(c.quickFits, float64(o.ForecastQuickFits))
	counter(c.claims, float64(o.ClaimsWon), "won")
	counter(c.claims, float64(o.ClaimsLost), "lost")
	counter(c.claimWaits, float64(o.ClaimWaitsServed))
	counter(c.eventsDropped, float64(o.EventsDropped))
}

func oneIf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
