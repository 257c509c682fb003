package providers

import (
	"context"
	"time"
)

// Provider fetches one numeric fact from a data source.
//
// Fetch must honour ctx: return promptly once it is done, with an error that
// wraps ctx.Err(). It reports failures with an *Error whose Class says what
// went wrong (or with any error that Classify understands). It must be safe
// for concurrent use: the resolver calls it from many goroutines.
//
// A Provider must not return NaN or an infinity as a successful Value; the
// resolver treats such a response as a DataQuality failure of the provider
// and never caches it.
type Provider interface {
	Fetch(ctx context.Context, req Request) (Response, error)
}

// Func adapts an ordinary function to the Provider interface, as
// http.HandlerFunc does for handlers.
type Func func(ctx context.Context, req Request) (Response, error)

// Fetch calls f(ctx, req).
func (f Func) Fetch(ctx context.Context, req Request) (Response, error) { return f(ctx, req) }

// Request is what the resolver asks a provider for.
type Request struct {
	// DataType names the fact, as declared in the resolver's configuration
	// ("cpc", "market_growth").
	DataType string
	// Params qualify it ({"keyword": "shoes", "market": "us"}). The map
	// holds only the params the provider is configured to receive; a
	// provider must treat it as read-only.
	Params map[string]string
	// Credential is the provider's secret, asked of the host's Credentials
	// at call time; zero when the host supplies none.
	Credential Secret
}

// Response is a provider's answer.
type Response struct {
	// Value is the fact. It must be finite.
	Value float64
	// ObservedAt is when the source measured the value. The zero time means
	// now: the resolver stamps it with the time the response arrived. The
	// resolver serves a valid answer whatever its age, reporting it in
	// Result.Freshness: a provider that may answer with old data should
	// fail instead when an old value is no answer.
	ObservedAt time.Time
	// Quota optionally reports the provider's own view of its remaining
	// request quota, as API rate-limit headers do. Nil means unknown.
	Quota *Quota
}

// Quota is a provider's remaining request allowance as the provider itself
// reports it (X-RateLimit-Remaining and friends). The router uses it, beside
// the resolver's own rate limiter, to steer traffic away from a provider
// that is about to run out.
type Quota struct {
	// Limit is the allowance per window; zero means unknown.
	Limit int64
	// Remaining is what is left of it in the current window.
	Remaining int64
	// Reset is when the window renews; the zero time means unknown.
	Reset time.Time
}

// BatchProvider is an optional capability of a Provider: fetching many
// requests in one call. The resolver finds it by type assertion and, when
// batching is configured for the provider, collects concurrent misses into
// one FetchBatch call.
//
// FetchBatch returns one Response and one error per request, in the order
// of reqs; both slices must have len(reqs) elements. A whole-call failure
// may be reported by returning the same error for every request.
type BatchProvider interface {
	Provider
	FetchBatch(ctx context.Context, reqs []Request) ([]Response, []error)
}
