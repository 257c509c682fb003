// Package fallback is strata's resolver: it answers one numeric fact —
// the CPC of a keyword, an industry's growth — with the best value that can
// be had inside the caller's deadline and budget, and says where it came
// from.
//
//	r, err := fallback.New(cfg, fallback.WithProvider("ads", ads), fallback.WithProvider("bench", bench))
//	res, err := r.Resolve(ctx, "cpc", fallback.Params{"keyword": "shoes", "market": "us"})
//	// res.Value, res.Layer, res.Source, res.Confidence, res.Cost, res.Attempts
//
// # The walk
//
// A resolve first validates the data type and params (bad input never
// reaches a provider), then serves a fresh cached answer — younger than the
// data type's TTL — without calling anyone. Otherwise it walks the layers
// and stops at the first acceptable answer:
//
//  1. the primary providers, in order, each through its policy stack (a
//     valid answer is served whatever its age: freshness weighs only in
//     layer 3, and Result.Freshness reports it);
//  2. the secondary providers, the same way;
//  3. the last good answer for the key, if its acceptance score
//     (confidence weight × confidence + freshness weight × freshness,
//     seed 0.6 / 0.4, threshold 0.65) passes, freshness halving every
//     half-life of the data type;
//  4. a forecast of the key's history (package stats), if its confidence
//     passes;
//  5. the default engine (package defaults): the key's historical level,
//     a segment's or the data type's base value.
//
// Concurrent resolves of a key share one walk through the providers
// (request coalescing); when every provider's breaker is open a resolve
// records them as skipped, alone, and goes on to the layers below. The providers
// get the caller's deadline minus a reserve (Config.Resolve.Reserve), so
// whatever they do, the layers below still answer before the deadline.
//
// # Providers
//
// Each provider of a tier runs in a goroutine the tier starts for it (its
// flight: the attempts and retries), bounded by the provider's timeout.
// When an attempt's context ends before the provider returns — it ignores
// its context, say — a watchdog abandons the call at once: the attempt is
// recorded as failed (Transient at its timeout; Canceled, or Lost for a
// hedge, when the walk's context ended), its retries go on without it, and
// the walk with them, so a provider cannot hold a resolve past its
// deadline.
// An answer is validated: NaN, an infinity or a
// value outside the data type's bounds is a DataQuality failure, as is a
// panic, and is never cached. Failures are classified (providers.Classify)
// and the class decides the retry: Transient retries with exponential,
// jittered backoff (shorter after a timeout), RateLimit waits longer or
// for the provider's Retry-After, Auth refreshes credentials once, the
// other classes move on at once. A retry never starts when the deadline
// cannot cover its delay and the provider's expected latency, nor when it
// would cut into the time the deadline plan leaves the next tier's best
// provider (see ResolveConfig.PlanMargin). Host callbacks (store,
// history, credentials, factors) run guarded the same way, and the
// observer is fed from a goroutine of its own; docs/hostile.md lists the
// faults the tests hold these promises against.
//
// # Money
//
// WithBudget puts a money budget on a context; every attempt's cost is
// debited from it, and a provider the budget cannot pay for is skipped.
//
// # Reporting
//
// Every answer is a Result with its layer, source, confidence, freshness,
// cost and attempts. An Observer receives, with the caller's context, an
// event before and after each provider attempt and one per resolve, and
// breaker transitions, contained callback failures, Warm's progress and
// alerts (see EventKind). Config, errors and every default are documented
// on their types.
package fallback
