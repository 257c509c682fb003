package providertest_test

import (
	"context"
	"fmt"
	"math"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/providertest"
)

// Check runs the suite outside a test; in a test, use Run. A provider
// that honours its context and classifies its failures passes.
func ExampleCheck() {
	p := providers.Func(func(ctx context.Context, req providers.Request) (providers.Response, error) {
		if err := ctx.Err(); err != nil {
			return providers.Response{}, providers.NewError(providers.Classify(err), err)
		}
		if req.Params["keyword"] == "" {
			return providers.Response{}, providers.Errorf(providers.Permanent, "missing keyword")
		}
		return providers.Response{Value: 1.25}, nil
	})
	err := providertest.Check(providertest.Subject{
		Provider: p,
		Request:  providers.Request{DataType: "cpc", Params: map[string]string{"keyword": "shoes"}},
		Failures: []providertest.Failure{{Name: "no keyword", Request: providers.Request{DataType: "cpc"}, Class: providers.Permanent}},
	})
	fmt.Println(err)
	// Output: <nil>
}

// A provider that ignores its context and passes a parse failure off as
// a NaN fails, and each error says what was expected.
func ExampleCheck_broken() {
	p := providers.Func(func(ctx context.Context, req providers.Request) (providers.Response, error) {
		return providers.Response{Value: math.NaN()}, nil
	})
	err := providertest.Check(providertest.Subject{
		Provider:          p,
		Request:           providers.Request{DataType: "cpc", Params: map[string]string{"keyword": "shoes"}},
		Goroutines:        2,
		CallsPerGoroutine: 2,
	})
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		fmt.Println(e)
	}
	// Output:
	// providertest: Success: Fetch(cpc{keyword=shoes}) = NaN with a nil error; want a finite value: a provider must never return NaN or an infinity as a success, but a *providers.Error of class data_quality
	// providertest: CanceledContext: Fetch(cpc{keyword=shoes}) with an already-cancelled context succeeded (value NaN); want an error wrapping context canceled: check ctx.Err() before starting work, and select on ctx.Done() wherever Fetch waits
	// providertest: ExpiredDeadline: Fetch(cpc{keyword=shoes}) with a deadline already past succeeded (value NaN); want an error wrapping context deadline exceeded: check ctx.Err() before starting work, and select on ctx.Done() wherever Fetch waits
	// providertest: Concurrent: 4 of 4 concurrent calls (2 goroutines × 2) misbehaved, though each must behave as it does alone:
	// 	1× Fetch(cpc{keyword=shoes}) with an already-cancelled context succeeded (value NaN); want an error wrapping context canceled: check ctx.Err() before starting work, and select on ctx.Done() wherever Fetch waits
	// 	3× Fetch(cpc{keyword=shoes}) = NaN with a nil error; want a finite value: a provider must never return NaN or an infinity as a success, but a *providers.Error of class data_quality
}
