package main

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/strata-go/strata/fallback"
	strataprom "github.com/strata-go/strata/prometheus"
)

// metrics is the dashboard's /metrics, in Prometheus's text format:
// strata's prometheus module — an Observer counting the resolver's events
// and a Collector over its Snapshot — in a registry of the host's own.
// This example is a module of its own so that client_golang stays out of
// strata's root module.
type metrics struct {
	reg *prometheus.Registry
	obs *strataprom.Observer
}

func newMetrics() *metrics {
	return &metrics{reg: prometheus.NewRegistry(), obs: strataprom.NewObserver()}
}

// observer is what the resolver must be built with for the event-driven
// metrics.
func (m *metrics) observer() fallback.Observer { return m.obs }

// attach registers the observer and a Collector over r's snapshot.
func (m *metrics) attach(r *fallback.Resolver) error {
	if err := m.reg.Register(m.obs); err != nil {
		return err
	}
	return m.reg.Register(strataprom.NewCollector(r))
}

// handler serves the registry.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
