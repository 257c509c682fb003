// Package otel reports a strata resolver to OpenTelemetry: traces and
// metrics, through the host's tracer and meter providers (the global ones
// by default). It is a module of its own, so that the root module does
// not depend on OpenTelemetry.
//
// It has two parts:
//
//	obs, err := strataotel.NewObserver(strataotel.Config{TracerProvider: tp, MeterProvider: mp})
//	r, err := fallback.New(cfg, fallback.WithObserver(obs), ...)
//	sm, err := strataotel.NewSnapshotMetrics(r, strataotel.Config{MeterProvider: mp})
//	...
//	r.Close()
//	obs.Flush()
//	sm.Unregister()
//
// An Observer (a fallback.Observer) turns the resolver's events into
// spans and measurements: the traffic, with its latency distributions.
// SnapshotMetrics reports the resolver's Snapshot through observable
// instruments at each collection: the state of each provider and the
// resolver's own counters, exact even when events are lost. Either works
// without the other; a host that needs a second observer (logs) combines
// them in a fallback.ObserverFunc.
//
// Names follow OpenTelemetry's semantic conventions: dotted, under the
// strata namespace, durations in seconds ("s") as histograms, counts in
// curly-brace annotations ("{resolve}"), ratios in "1", counters not
// suffixed with _total (an exporter to Prometheus adds the suffixes), and
// the error class in error.type. Every instrument and span has the
// instrumentation scope ScopeName.
//
// # Traces
//
// Each resolve is a span named strata.resolve, a child of the span in the
// context passed to Resolve; each provider attempt it made, skipped ones
// included, is a span named strata.attempt under it. Their start and end
// are the times the resolver measured (Event.Time − Event.Latency and
// Event.Time), so a trace shows when things happened, not when the
// observer was told. A failed attempt or resolve has an error status.
// Resolve spans carry the data type, layer, source, value, confidence,
// cost and the params, redacted as in every event (a sensitive param's
// value is replaced); attempt spans the provider, tier, outcome, class or
// skip reason, cost, retry, hedge and audit. A fresh cache hit is a resolve span
// of no length.
//
// An attempt's event comes before its resolve's (but for an attempt still
// under way when its resolve left the walk at the walk's deadline, whose
// event comes after, and which is recorded as below, as one whose resolve
// never reports), so the Observer holds attempts until the resolve's
// event comes, and ties them to it by Event.Resolve; a follower of a coalesced walk (Event.Shared) gets
// no attempt spans, its leader has them. An attempt made on the
// resolver's own account — its context carries a fallback.Task other than
// TaskWarm, as a refresh-ahead walk's attempts' do — is recorded at once,
// under whatever span its context holds (none: a root span); Warm's
// resolves are traced like any other. An attempt whose resolve's event
// never comes (lost by an observer that fell behind, or ended after its
// caller gave up) is recorded under the caller's span after a minute by
// the events' clock, when more than 1024 attempts are held, or at Flush.
//
// # Metrics from the Snapshot (SnapshotMetrics)
//
//	name                           instrument                unit       attributes                               what
//	strata.provider.health         gauge                     1          strata.provider, strata.provider.tier    health score in [0, 1]
//	strata.provider.status         gauge                     1          strata.provider, strata.provider.status  1 for the current status (HEALTHY, DEGRADED, UNHEALTHY, CRITICAL), 0 for the others
//	strata.provider.breaker.state  gauge                     1          strata.provider, strata.breaker.state    1 for the breaker's current state (closed, open, half-open), 0 for the others
//	strata.provider.breaker.trips  counter                   {trip}     strata.provider                          times the breaker opened
//	strata.provider.success_ratio  gauge                     1          strata.provider                          share of attempts that succeeded
//	strata.provider.quality        gauge                     1          strata.provider                          data-quality score
//	strata.provider.uptime         gauge                     1          strata.provider                          share of time up
//	strata.cost                    counter                   {cost}     strata.provider, strata.data_type        money spent on attempts, in the providers' cost unit
//	strata.cost.projected          gauge                     {cost}     strata.period                            cost per hour, day and month at the current rate
//	strata.callback.failures       counter                   {failure}  -                                        host callbacks' failures the resolver contained
//	strata.forecast.fits           counter                   {fit}      -                                        forecasts fitted
//	strata.forecast.quick_fits     counter                   {fit}      -                                        of those, fitted quick (without auto's challengers) for lack of time
//	strata.claims                  counter                   {claim}    strata.claim.result                      fill claims taken (won) and found taken (lost)
//	strata.claim.waits_served      counter                   {wait}     -                                        claims found taken whose wait served the claimant's answer
//	strata.events.dropped          counter                   {event}    -                                        events the observer lost by falling behind
//
// Gauges are Float64ObservableGauge, counters Float64ObservableCounter.
//
// # Metrics from events (Observer)
//
//	name                                 instrument     unit          attributes                                            what
//	strata.resolves                      counter        {resolve}     strata.data_type, strata.layer, error.type            resolves ended, by the layer that answered ("none": none did)
//	strata.resolve.duration              histogram      s             strata.data_type, strata.layer, error.type            resolve latency; fresh cache hits are not timed and not recorded
//	strata.provider.attempts             counter        {attempt}     strata.provider, strata.outcome, error.type, strata.skip_reason  attempts; error.type for failed ones, strata.skip_reason for skipped ones
//	strata.provider.attempt.duration     histogram      s             strata.provider, strata.outcome                       attempt latency; attempts skipped or failed at their credentials (no call) are not recorded
//	strata.provider.in_flight            updowncounter  {attempt}     strata.provider                                       attempts started and not yet ended
//	strata.provider.breaker.transitions  counter        {transition}  strata.provider, strata.breaker.state                 breaker changes, by the state entered
//	strata.budget.spent                  counter        {cost}        (none)                                                money attempts debited from callers' budgets
//
// error.type is set only on failures: for a resolve one of closed,
// budget_exhausted, deadline_exceeded, canceled, no_answer,
// invalid_params, unknown_data_type or _OTHER; for an attempt its error
// class (providers.Class: transient, auth, rate_limit, data_quality,
// unavailable, permanent, canceled). The histograms' bucket boundaries are
// DurationBoundaries() (given as advice; a View can change them). The
// in-flight count comes from fallback.EventAttemptStart and the
// EventAttempt that ends it (the same Event.Resolve, provider, retry and
// hedge; an EventAttempt without a start moves nothing): a lost start
// makes it read one low until that attempt ends, never below zero; a lost
// end leaves it one high for that provider from then on
// (strata.events.dropped counts lost events).
//
// Attributes stay low-cardinality: data types, layers, provider names,
// outcomes, error classes, skip reasons and fixed state names — all from
// the resolver's configuration or from enumerations — never params, keys
// or error text. Params appear only on spans.
//
// The exported signatures hold OpenTelemetry's API types (Config's
// providers) and strata's: bridging the two is what the package is for.
package otel
