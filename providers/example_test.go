package providers_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/strata-go/strata/providers"
)

// A provider is a function of a context and a request. It honours the
// context, reads its credential from the request, and says what went wrong
// with an error class, which is all the resolver looks at to decide what
// to do next.
func Example() {
	prices := map[string]float64{"IBM": 188.2}
	quote := providers.Func(func(ctx context.Context, req providers.Request) (providers.Response, error) {
		if err := ctx.Err(); err != nil {
			return providers.Response{}, providers.NewError(providers.Classify(err), err)
		}
		if req.Credential.Reveal() != "demo-key" {
			// The Secret prints as the marker, never as the key.
			return providers.Response{}, providers.Errorf(providers.Auth, "key %v refused", req.Credential)
		}
		symbol := req.Params["symbol"]
		switch symbol {
		case "BUSY":
			return providers.Response{}, &providers.Error{Class: providers.RateLimit, RetryAfter: 30 * time.Second,
				Err: errors.New("quota exhausted")}
		case "FLAKY":
			return providers.Response{}, providers.Errorf(providers.Transient, "upstream %s timed out", "quotes-2")
		}
		v, ok := prices[symbol]
		if !ok {
			return providers.Response{}, providers.Errorf(providers.Permanent, "no symbol %q", symbol)
		}
		return providers.Response{Value: v}, nil
	})

	ask := func(ctx context.Context, key, symbol string) {
		res, err := quote.Fetch(ctx, providers.Request{
			DataType:   "stock_price",
			Params:     map[string]string{"symbol": symbol},
			Credential: providers.NewSecret(key),
		})
		if err != nil {
			class := providers.Classify(err)
			fmt.Printf("%-6s %s, %s, retry after %v: %v\n", symbol, class, class.Recovery(), providers.RetryAfter(err), err)
			return
		}
		fmt.Printf("%-6s %v\n", symbol, res.Value)
	}
	ctx := context.Background()
	ask(ctx, "demo-key", "IBM")
	ask(ctx, "demo-key", "BUSY")
	ask(ctx, "demo-key", "FLAKY")
	ask(ctx, "demo-key", "NOPE")
	ask(ctx, "stolen-key", "IBM")
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	ask(canceled, "demo-key", "IBM")
	// Output:
	// IBM    188.2
	// BUSY   rate_limit, wait_then_retry, retry after 30s: providers: rate_limit (retry after 30s): quota exhausted
	// FLAKY  transient, retry_with_backoff, retry after 0s: providers: transient: upstream quotes-2 timed out
	// NOPE   permanent, fallback_now, retry after 0s: providers: permanent: no symbol "NOPE"
	// IBM    auth, refresh_then_retry, retry after 0s: providers: auth: key [REDACTED] refused
	// IBM    canceled, stop, retry after 0s: providers: canceled: context canceled
}

// Classify reads a class from any error, not only an *Error: a provider
// that returns plain errors still works.
func ExampleClassify() {
	for _, err := range []error{
		providers.Errorf(providers.Unavailable, "down for maintenance"),
		fmt.Errorf("fetch: %w", context.DeadlineExceeded),
		fmt.Errorf("fetch: %w", context.Canceled),
		providers.StatusError(429, time.Minute, nil),
		errors.New("something else"),
	} {
		fmt.Println(providers.Classify(err), providers.RetryAfter(err))
	}
	// Output:
	// unavailable 0s
	// transient 0s
	// canceled 0s
	// rate_limit 1m0s
	// transient 0s
}

// A Secret prints as the marker wherever it ends up; only Reveal returns
// the value.
func ExampleSecret() {
	key := providers.NewSecret("sk-live-1234")
	req := providers.Request{DataType: "cpc", Credential: key}
	fmt.Println(key)
	fmt.Printf("%+v\n", req)
	fmt.Printf("%q %x\n", key, key)
	fmt.Println(key.Reveal())
	// Output:
	// [REDACTED]
	// {DataType:cpc Params:map[] Credential:[REDACTED]}
	// [REDACTED] [REDACTED]
	// sk-live-1234
}
