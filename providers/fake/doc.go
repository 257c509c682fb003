// Package fake provides a scriptable, seeded fake provider for tests,
// examples and simulations of strata.
//
// A fake answers a configured value — a constant, or a function of the
// request — after a configured latency, fixed or lognormal (given as a
// median and a 99th percentile), and can be made to misbehave in every way
// a real data source does:
//
//   - fail with a given probability per error class (Config.Errors), with
//     a Retry-After on rate-limit failures;
//   - follow a script by call index ("fail 3 times with Transient, then
//     succeed": Config.Script);
//   - go down, or slow, for a window of calls or of time (Config.Outages);
//   - answer garbage with a nil error — NaN, ±Inf, a negative value, a
//     value a thousand times too large (Config.Garbage, Return);
//   - panic, or hang until the caller's context is done;
//   - run out of quota, reporting what is left in Response.Quota;
//   - change behaviour at run time while calls are in flight: SetDown,
//     SetSlow, SetGarbage, Force, SetUp.
//
// It counts what it did (Stats: calls, successes, failures by class,
// panics, calls in flight and the most at once, batches) so a test can
// assert how the resolver used it. Batch adds providers.BatchProvider.
//
// A minimal fake:
//
//	p, err := fake.New(fake.Config{
//		Value:   1.25,
//		Latency: fake.Latency{Median: 80 * time.Millisecond, P99: 400 * time.Millisecond},
//		Errors:  map[providers.Class]float64{providers.Transient: 0.05},
//		Script:  []fake.Step{{Times: 3, Do: fake.Fail(providers.Unavailable)}},
//		Seed:    1,
//	})
//
// Time-dependent behaviour (latency, outage windows, quota windows) uses
// time.Now and real timers, so inside a testing/synctest bubble it runs in
// virtual time, instantly and exactly; create the fake inside the bubble.
// Randomness comes only from the Seed (see Provider for what is
// deterministic under concurrency).
//
// The fake follows the providers.Provider contract — it honours
// cancellation and classifies every failure — except where it is told not
// to: Return, Config.Garbage and Panic exist to break it, and a fake
// configured with them fails the providertest conformance suite on
// purpose.
package fake
