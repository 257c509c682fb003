package fallback_test

import (
	"context"
	"fmt"
	"log"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers"
)

// The quick start of the README: one data type, a primary provider that is
// down and a secondary that answers.
func Example() {
	cfg := fallback.Config{
		Providers: []fallback.ProviderConfig{
			{Name: "ads", Tier: fallback.Primary, Confidence: 0.95, Cost: 0.02, DataTypes: []string{"cpc"}},
			{Name: "bench", Tier: fallback.Secondary, Confidence: 0.8, Cost: 0.005, DataTypes: []string{"cpc"}},
		},
		DataTypes: []fallback.DataTypeConfig{{
			Name: "cpc",
			Params: []fallback.ParamConfig{
				{Name: "keyword", Required: true},
				{Name: "market", Allowed: []string{"us", "uk"}},
			},
			Bounds:  fallback.Bounds{Min: 0, Max: 100},
			Default: &fallback.DefaultConfig{Base: 1.50},
		}},
	}
	ads := providers.Func(func(ctx context.Context, req providers.Request) (providers.Response, error) {
		return providers.Response{}, providers.Errorf(providers.Unavailable, "maintenance")
	})
	bench := providers.Func(func(ctx context.Context, req providers.Request) (providers.Response, error) {
		return providers.Response{Value: 1.32}, nil
	})

	r, err := fallback.New(cfg, fallback.WithProvider("ads", ads), fallback.WithProvider("bench", bench))
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()

	res, err := r.Resolve(context.Background(), "cpc", fallback.Params{"keyword": "shoes", "market": "us"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%.2f from %s (%s layer), confidence %.2f, cost $%.3f\n", res.Value, res.Source, res.Layer, res.Confidence, res.Cost)
	for _, a := range res.Attempts {
		fmt.Printf("  %s: %s %s\n", a.Provider, a.Outcome, a.Class)
	}
	// Output:
	// 1.32 from bench (secondary layer), confidence 0.80, cost $0.025
	//   ads: failed unavailable
	//   bench: succeeded transient
}

// Bad input is refused with a typed error before any provider is called.
func ExampleResolver_Resolve_invalidParams() {
	cfg := fallback.Config{
		Providers: []fallback.ProviderConfig{{Name: "ads", Tier: fallback.Primary, DataTypes: []string{"cpc"}}},
		DataTypes: []fallback.DataTypeConfig{{
			Name:   "cpc",
			Params: []fallback.ParamConfig{{Name: "keyword", Required: true, MaxLength: 16}},
		}},
	}
	ads := providers.Func(func(ctx context.Context, req providers.Request) (providers.Response, error) {
		panic("never called")
	})
	r, _ := fallback.New(cfg, fallback.WithProvider("ads", ads))
	defer r.Close()
	_, err := r.Resolve(context.Background(), "cpc", fallback.Params{"keyword": "a very long keyword indeed"})
	fmt.Println(err)
	// Output:
	// fallback: invalid params for "cpc": param "keyword": too long (max 16 bytes, got 26)
}
