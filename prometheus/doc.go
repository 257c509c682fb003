// Package prometheus reports a strata resolver to Prometheus
// (github.com/prometheus/client_golang). It is a module of its own, so
// that the root module does not depend on client_golang.
//
// It has two parts, each a prometheus.Collector the host registers with
// its own registry — this package registers nothing, and serves nothing:
//
//	reg := prometheus.NewRegistry()
//	obs := strataprom.NewObserver()
//	r, err := fallback.New(cfg, fallback.WithObserver(obs), ...)
//	reg.MustRegister(obs, strataprom.NewCollector(r))
//	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
//
// A Collector reads the resolver's Snapshot at each scrape: the state of
// each provider and the resolver's own counters, exact even when events
// are lost. An Observer counts the resolver's events (fallback.Observer):
// the traffic, with its latency distributions. Either works without the
// other; a host that needs a second observer (logs) combines them in a
// fallback.ObserverFunc. With several resolvers in one registry, give
// each its own labels with prometheus.WrapRegistererWith.
//
// Labels stay low-cardinality: data types, layers, provider names,
// outcomes, error classes, skip reasons and fixed state names — all from
// the resolver's configuration or from enumerations — never params, keys
// or error text.
//
// # Metrics from the Snapshot (Collector)
//
//	name                                 type     labels             what
//	strata_provider_health               gauge    provider, tier     health score in [0, 1]
//	strata_provider_status               gauge    provider, status   1 for the current status (HEALTHY, DEGRADED, UNHEALTHY, CRITICAL), 0 for the others
//	strata_provider_breaker_state        gauge    provider, state    1 for the breaker's current state (closed, open, half-open), 0 for the others
//	strata_provider_breaker_trips_total  counter  provider           times the breaker opened
//	strata_provider_success_ratio        gauge    provider           share of attempts that succeeded
//	strata_provider_quality_ratio        gauge    provider           data-quality score
//	strata_provider_uptime_ratio         gauge    provider           share of time up
//	strata_provider_latency_seconds      gauge    provider, percentile  attempt latency at p50, p95, p99
//	strata_cost_total                    counter  provider, data_type   money spent on attempts, in the providers' cost unit
//	strata_cost_projected                gauge    period             cost per hour, day and month at the current rate
//	strata_callback_failures_total       counter  -                  host callbacks' failures the resolver contained
//	strata_forecast_fits_total           counter  -                  forecasts fitted
//	strata_forecast_quick_fits_total     counter  -                  of those, fitted quick (without auto's challengers) for lack of time
//	strata_claims_total                  counter  result             fill claims taken (won) and found taken (lost)
//	strata_claim_waits_served_total      counter  -                  claims found taken whose wait served the claimant's answer
//	strata_events_dropped_total          counter  -                  events the observer lost by falling behind
//
// A figure whose label value is not valid UTF-8 (from a Snapshotter of
// the host's own) is reported as an invalid metric: the registry's Gather
// returns an error naming it and keeps every other figure. Collect never
// panics: a Snapshotter that panics is reported as one invalid metric
// saying so.
//
// The latency percentiles are gauges with a percentile label ("p50",
// "p95", "p99"): Prometheus keeps the label quantile for summaries, which
// need a sum the snapshot does not keep. For distributions to aggregate
// across instances, use the Observer's histograms.
//
// # Metrics from events (Observer)
//
//	name                                       type       labels                    what
//	strata_resolves_total                      counter    data_type, layer          resolves ended, by the layer that answered ("none": none did)
//	strata_resolve_duration_seconds            histogram  data_type, layer          resolve latency; fresh cache hits are not timed and not observed
//	strata_provider_attempts_total             counter    provider, outcome, class  attempts; class is the error class of a failed attempt, the skip reason of a skipped one, empty otherwise
//	strata_provider_attempt_duration_seconds   histogram  provider, outcome         attempt latency; attempts skipped or failed at their credentials (no call) are not observed
//	strata_provider_in_flight                  gauge      provider                  attempts started and not yet ended
//	strata_provider_breaker_transitions_total  counter    provider, state           breaker changes, by the state entered
//	strata_budget_spent_total                  counter    (none)                    money attempts debited from callers' budgets
//
// The histograms' buckets are DurationBuckets(). The in-flight gauge comes
// from fallback.EventAttemptStart and the EventAttempt that ends it (the
// same Event.Resolve, provider, retry and hedge; an EventAttempt without a
// start moves nothing). An
// observer that falls behind loses events (strata_events_dropped_total
// counts them): a lost start makes it read one low until that attempt
// ends, never below zero; a lost end leaves it one high for that provider
// from then on.
package prometheus
