package fake_test

import (
	"context"
	"fmt"
	"time"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fake"
)

// A provider that fails three times with a transient error, then answers.
func Example() {
	p, err := fake.New(fake.Config{
		Name:   "primary",
		Value:  1.25,
		Script: []fake.Step{{Times: 3, Do: fake.Fail(providers.Transient)}},
	})
	if err != nil {
		panic(err)
	}
	req := providers.Request{DataType: "cpc", Params: map[string]string{"keyword": "shoes"}}
	for range 4 {
		resp, err := p.Fetch(context.Background(), req)
		fmt.Println(resp.Value, err)
	}
	s := p.Stats()
	fmt.Println("calls:", s.Calls, "successes:", s.Successes, "transient failures:", s.Failures[providers.Transient])
	// Output:
	// 0 providers: transient: fake: injected failure by "primary"
	// 0 providers: transient: fake: injected failure by "primary"
	// 0 providers: transient: fake: injected failure by "primary"
	// 1.25 <nil>
	// calls: 4 successes: 1 transient failures: 3
}

// Outages by call index, garbage answers, and a request-dependent failure.
func Example_misbehaviour() {
	p, _ := fake.New(fake.Config{
		Value: 2,
		Outages: []fake.Outage{
			{FromCall: 1, ToCall: 3}, // calls 1 and 2: Unavailable
			{FromCall: 3, ToCall: 4, Do: fake.Return(fake.OutOfBounds)},
		},
		ByRequest: func(r providers.Request) fake.Outcome {
			if r.Params["keyword"] == "" {
				return fake.Fail(providers.Permanent)
			}
			return fake.Outcome{}
		},
	})
	good := providers.Request{DataType: "cpc", Params: map[string]string{"keyword": "shoes"}}
	for range 5 {
		resp, err := p.Fetch(context.Background(), good)
		if err != nil {
			fmt.Println("failed:", providers.Classify(err))
			continue
		}
		fmt.Println("answered", resp.Value)
	}
	_, err := p.Fetch(context.Background(), providers.Request{DataType: "cpc"})
	fmt.Println("no keyword:", providers.Classify(err))
	// Output:
	// answered 2
	// failed: unavailable
	// failed: unavailable
	// answered 2000
	// answered 2
	// no keyword: permanent
}

// Runtime controls, as a fault-scenario simulation uses them.
func ExampleProvider_SetDown() {
	p, _ := fake.New(fake.Config{Value: 1})
	ctx := context.Background()
	req := providers.Request{DataType: "cpc"}

	p.SetDown(providers.Unavailable)
	_, err := p.Fetch(ctx, req)
	fmt.Println(err)

	p.SetGarbage(fake.NaN)
	resp, err := p.Fetch(ctx, req)
	fmt.Println(resp.Value, err)

	p.SetUp()
	resp, err = p.Fetch(ctx, req)
	fmt.Println(resp.Value, err)
	// Output:
	// providers: unavailable: fake: injected failure by "fake"
	// NaN <nil>
	// 1 <nil>
}

// A provider with a quota reports what is left, and refuses once it is
// spent.
func ExampleQuota() {
	p, _ := fake.New(fake.Config{Value: 1, Quota: fake.Quota{Limit: 2, Window: time.Hour}, RetryAfter: time.Minute})
	for range 3 {
		resp, err := p.Fetch(context.Background(), providers.Request{DataType: "cpc"})
		if err != nil {
			fmt.Println(providers.Classify(err), "retry after ≤ 1h:", providers.RetryAfter(err) <= time.Hour)
			continue
		}
		fmt.Println("remaining", resp.Quota.Remaining, "of", resp.Quota.Limit)
	}
	// Output:
	// remaining 1 of 2
	// remaining 0 of 2
	// rate_limit retry after ≤ 1h: true
}

// A batching fake counts the FetchBatch calls the resolver makes.
func ExampleBatch() {
	b, _ := fake.NewBatch(fake.Config{
		ValueFunc: func(r providers.Request) float64 { return float64(len(r.Params["keyword"])) },
	})
	reqs := []providers.Request{
		{DataType: "cpc", Params: map[string]string{"keyword": "shoes"}},
		{DataType: "cpc", Params: map[string]string{"keyword": "boots"}},
		{DataType: "cpc", Params: map[string]string{"keyword": "sandals"}},
	}
	resps, errs := b.FetchBatch(context.Background(), reqs)
	for i := range reqs {
		fmt.Println(resps[i].Value, errs[i])
	}
	s := b.Stats()
	fmt.Println("batches:", s.Batches, "requests:", s.Batched, "calls:", s.Calls)
	// Output:
	// 5 <nil>
	// 5 <nil>
	// 7 <nil>
	// batches: 1 requests: 3 calls: 3
}
