// Package breaker is strata's adaptive circuit breaker: one Breaker per
// provider, built once and shared by every call to that provider.
//
// # States
//
// A Breaker is Closed, Open or HalfOpen.
//
//   - Closed admits every call and watches outcomes. It trips (opens) on
//     whichever condition is met first: ConsecutiveFailures failures in a
//     row (default 5, the seed's threshold); a failure rate of at least
//     FailureRateThreshold (default 0.5) over the sliding window once it
//     holds MinimumCalls calls (default 20); and, when SlowCallThreshold is
//     set, a slow-call rate of at least SlowCallRateThreshold (default 0.5)
//     over the same window. The window is count-based (the last WindowSize
//     calls, default 100) or, when WindowDuration is set, time-based (the
//     calls of the last WindowDuration, in WindowBuckets buckets). Each
//     condition can be turned off; at least one must stay on.
//   - Open refuses every call with ErrOpen for the open duration (default
//     60 s before adaptation). The move to HalfOpen is lazy: the first
//     Allow, State or Snapshot after the duration makes it; there is no
//     background goroutine and nothing to Close.
//   - HalfOpen admits HalfOpenProbes probes (default 3) and refuses the rest
//     with ErrTooManyProbes, which matches ErrOpen. It never has more than
//     HalfOpenProbes probes in flight, and it closes after exactly
//     HalfOpenProbes successful probes. The first failed probe — or, with
//     slow-call detection on, the first slow one — re-opens it. A probe
//     that ends Neutral hands its permit back for another caller.
//
// # Outcomes and permits
//
// Every admitted call reports one Outcome: Success, Failure or Neutral.
// Neutral is for calls that say nothing about the provider — the caller's
// own cancellation (context.Canceled) and errors that are the caller's fault
// (a Permanent error such as bad params): they count neither as failures nor
// as successes, do not break a run of failures, and enter no window.
//
// A permit is released on every path because the caller reports on every
// path: done (or Permit.Done) must be called exactly once, from a defer,
// with Failure when the call panicked; Execute does this itself. Only the
// first report of a permit counts, so a double report cannot release a
// probe permit twice. Outcomes reported after the state that admitted the
// call has ended are "late": they enter the totals and the adaptive history
// but cannot move the current state, and the permits of an ended half-open
// state were reset with it, so a late report never over-admits.
//
// The breaker measures each call itself, from Allow to done. A call longer
// than SlowCallThreshold is slow, whether it succeeded or failed.
//
// # Adaptive rule
//
// Unless Adaptive.Disabled is set, the breaker keeps the last
// Adaptive.History outcomes (default 100, the seed's
// adjust_adaptive_thresholds window; late outcomes and probes included,
// neutral ones not) and the trip streak k, the number of trips since the
// last clean recovery. At each trip:
//
//	k = k + 1
//	openDuration = min(OpenDuration × Multiplier^(k−1), MaxOpenDuration)
//	r = failures / calls over the history
//	if r ≥ ChronicFailureRate:                           (default 0.5)
//	    consecutive threshold = max(1, ⌈ConsecutiveFailures × TightenFactor⌉)
//	    failure-rate threshold = FailureRateThreshold × TightenFactor
//	else:
//	    both thresholds = their configured values
//
// With the defaults (60 s, ×2, cap 600 s, factor 0.5) a provider that keeps
// failing its probes stays open 60, 120, 240, 480, 600, 600 … seconds, and
// a provider whose recent history is mostly failures trips after 3 failures
// in a row instead of 5, or at a 25% failure rate instead of 50%.
//
// A clean recovery is a half-open breaker closing and then seeing
// Adaptive.RecoveryCalls (default 20) successful, not slow, calls in a row
// (neutral ones neither count nor break the run). It sets k back to 0 and
// restores the configured thresholds, so the next trip is open for
// OpenDuration again. A trip before the clean recovery escalates k further:
// a provider that flaps is not given a fresh start.
//
// The open duration grows with k rather than with the history's failure
// rate because failed probes are the direct evidence that a provider is
// still down, while a history of 100 calls that were mostly fine before the
// outage would hide it for many rounds. The history instead decides how
// quickly a provider with a bad record is tripped again.
//
// # Two-step use, events and reading the state
//
// Allow returns a done func(Outcome); Acquire returns a Permit whose Done
// method is the same thing without the allocation. Config.OnStateChange
// hears of every transition in order, never under the breaker's lock, so it
// may call State or Snapshot. State reports the state for the router,
// Snapshot the figures for dashboards.
//
// # Why not failsafe-go's circuit breaker
//
// The breaker is strata's own, not built on failsafe-go. The benchmarks
// measure it against failsafe-go's circuitbreaker (v0.9.8), which falls
// short where our users' complaints about breakers are:
//
//   - no slow-call detection at all;
//   - only two outcomes: a result that is not a failure is recorded as a
//     success, and a half-open permit is released only by recording one, so
//     a caller's cancellation or a bad-params error either counts against
//     the provider or counts for it;
//   - a panic in the executed function skips the recording and leaks the
//     half-open permit; and a result recorded after a state change is
//     applied to the new state with no generation check, so a call admitted
//     while closed that ends while half-open releases a permit it never took
//     and the half-open state over-admits;
//   - it releases its lock in the middle of an operation to call the state
//     listeners, so other calls interleave with an operation that has not
//     finished;
//   - a breaker has one trip condition, a failure count (or count ratio) or
//     a time-based failure rate, not a consecutive-failure limit together
//     with a rate; and a DelayFunc cannot see the breaker's history, so
//     neither durations nor thresholds can adapt to it.
//
// Package breaker therefore keeps its own small state machine behind one
// mutex (a closed breaker admits through an atomic read, so the success path
// takes the lock once, to record), and imports only the standard library.
// Its parts come from three places, all written here: the default
// thresholds and the adaptive history's length are the seed's (5 failures
// in a row, 60 s open, 3 probes, the last 100 calls); the two-step Allow
// form and the generation that keeps a late outcome from moving a newer
// state are sony/gobreaker's designs; Neutral outcomes, slow-call
// detection, the trip conditions combined, per-permit reporting and the
// adaptive rule are strata's.
package breaker
