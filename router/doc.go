// Package router tracks the health of strata's providers and ranks them for
// each resolve.
//
// It has two halves. A Tracker is fed the outcome of every attempt the
// resolver makes (Record) and keeps, per provider and per provider × data
// type, a sliding window of recent outcomes. From it come the hot-path View
// (health score, status, quality, latency, p95, quota) and the dashboard's
// Health report. A Router turns the resolver's candidates — each a View plus
// what the resolver knows of the provider's breaker, rate limiter and cost —
// into a ranking by source score, leaving out those that may not be called.
// Scoring is a pure function of the candidates, the remaining budget and
// now, so it is cheap and testable; it does not allocate.
//
// A Pool is the same ranking for a fixed tier of providers: it finds each
// member's tracker entry once, and a Pool.Pick scores every member with
// Router.Score of its view, under one hold of the tracker's mutex, without
// copying a View or looking a name up.
//
// Every method that takes a now reads the zero time as time.Now(), as
// Record does Outcome.At's; any other now is used as given.
//
// Package router imports nothing else from strata. Package fallback owns
// the Tracker and the Router: it records the outcomes that are a
// provider's doing (successes and provider faults, not the caller's
// cancellations), and keeps a Pool per tier of each data type. A walk
// through a tier reads each provider's breaker and limiter once, at its
// start, and picks from the Pool with them: the pick is called first, the
// next pick is the hedge, launched after the first one's View.P95, or the
// next to try when the first fails.
//
// # Metrics
//
// Each window holds the last Config.Window outcomes (and, with
// Config.WindowDuration, none older than that). Over it the tracker keeps:
// the success rate (OK outcomes over all), the error rate by class, data
// quality (valid responses over responses, a response being an outcome that
// is OK, Valid, or of class DataQualityClass), latency percentiles p50, p95
// and p99 of responses (nearest rank, cached and recomputed lazily every
// Config.PercentileEvery changes), and uptime. Over all time it keeps an
// EWMA of response latency (smoothing Config.EWMAAlpha), request and
// success counts, and cost. The provider's last reported Quota is kept
// until its Reset, or for Config.QuotaStaleAfter when it has none, and for
// Config.QuotaMaxAge at most.
//
// An attempt cut before the provider answered (Outcome.Lost: a hedge that
// another attempt beat, a call its caller left) is no outcome, but how
// long it ran is a lower bound of the provider's latency. When that bound
// is above the window's EWMA (the profile's ExpectedLatency while it has
// none) it takes a slot of the window as a latency sample — for the EWMA,
// the percentiles and the health score's latency, for nothing else — so a
// provider that turned slow, or was configured as faster than it is, and
// loses every hedge is seen slow and stops being picked first.
//
// # Uptime
//
// A provider is in an outage from the Config.OutageStreak-th consecutive
// unanswered failure (a failure that is not a data-quality failure: the
// provider did not answer at all) until its next response. Uptime is the
// share of the window's time — from its oldest slot (an outcome, or a lost
// attempt's latency sample) to now — that the provider was not in an
// outage. A provider in an outage is down until now, so its uptime keeps
// falling until it answers again.
//
// # Cold start
//
// A provider with no history is not scored from zero. Its Profile supplies
// a prior worth k = Config.PriorWeight pseudo-observations, blended with
// the window's n observations:
//
//	success = (k·Confidence + successes) / (k + n)
//	quality = (k·Confidence + valid responses) / (k + responses)
//	latency = (k·ExpectedLatency + m·EWMA) / (k + m), m = latency samples in the window
//
// so a new provider starts at its configured confidence and expected
// latency and moves towards what is observed as outcomes arrive (half-way
// after k outcomes). A provider × data type window blends the same way, its
// prior being the profile blended with the provider's outcomes for other
// data types (their latency taken as the provider's EWMA), so a data type
// the provider has not served yet starts from what is known of the
// provider, and no outcome is counted twice. Uptime and P95 with no
// observation are those of the level above (1, and unknown, for a
// provider).
//
// # Health score
//
// The health score, in [0, 1], is the weighted sum, with the normalised
// Config.HealthWeights (defaults in parentheses), of:
//
//   - the estimated success rate (0.40);
//   - the latency factor, ExpectedLatency / estimated latency clipped to
//     [0, 1]: 1 while the provider is as fast as its profile says (0.15);
//   - the estimated data quality (0.20);
//   - uptime (0.15);
//   - the provider-reported quota ratio, View.QuotaRatio (0.10).
//
// The status is HEALTHY at or above Config.Thresholds.Healthy (0.9),
// DEGRADED at or above Degraded (0.7), UNHEALTHY at or above Unhealthy
// (0.5), and CRITICAL below. A provider that has stopped answering keeps
// only its latency, quality and quota terms (0.45 at most with the default
// weights) and what is left of its success-rate prior, so it sinks to
// CRITICAL as its failures fill the window.
//
// # Source score
//
// Router.Score documents the source score: health 0.30, quality 0.25,
// performance 0.20, capacity 0.15 and cost 0.10 by default
// (Config.ScoreWeights). A candidate whose breaker is open, who has no
// capacity, whose call costs more than the remaining budget, or who does
// not serve the data type is not ranked at all (Router.Eligibility says
// which). Ties break by configured order, then name.
//
// # Cost
//
// A Tracker has one mutex; every method holds it for the whole call, so a
// View, a Pick and a Record of any provider wait for one another. Each
// window keeps the part of its view that does not depend on now — the
// blended rates and latency, the quota report, the success, latency and
// quality terms of the health score — and works it out again only after a
// change to its provider: a Record or Register of the provider (a data
// type's prior is the provider's own window), or an outcome ageing out of
// the window (Config.WindowDuration). The rest — uptime, the quota ratio,
// the health score and the status — is worked out from it and now on
// every read, in O(1), when an outage lies in the window or the provider
// has reported a quota, and with the rest otherwise. The latency
// percentiles, which only View and Health report, are refreshed by them.
// A Pool keeps, per member, the part of the source score its view decides
// (the health, quality and performance terms) and its quota ratio, with
// the provider's change count they hold for: a pick after a Record works
// the figures out again for the recorded provider's member only (and for
// a member whose view follows now, or that the tracker does not know),
// and scores every other member from what it kept, its State, its cost
// and the budget. View, Rank, Pick and a Pool's Pick and Rank do not
// allocate.
package router
