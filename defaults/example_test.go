package defaults_test

import (
	"context"
	"fmt"

	"github.com/strata-go/strata/defaults"
)

// An engine with a base CPC and a cheaper UK segment answers from the
// segment until the key has history, then from the history's level and
// trend, adjusted by the host's market factor.
func Example() {
	market := defaults.FactorFunc(func(_ context.Context, _ string, params map[string]string) (float64, bool) {
		if params["industry"] == "retail" {
			return 1.15, true // retail runs 15% hot this quarter
		}
		return 0, false // no opinion
	})
	e, err := defaults.New(defaults.Config{
		Rules: map[string]defaults.Rule{"cpc": {
			Base:     1.20,
			Segments: []defaults.Segment{{Match: map[string]string{"market": "uk"}, Base: 0.90}},
		}},
		Market: market,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	params := map[string]string{"market": "uk", "industry": "retail"}

	a, _ := e.Default(ctx, defaults.Query{DataType: "cpc", Params: params})
	fmt.Printf("%s %s: %.3f (confidence %.2f)\n", a.From, a.Segment, a.Value, a.Confidence)

	history := []float64{1.00, 1.02, 1.04, 1.06, 1.08, 1.10}
	a, _ = e.Default(ctx, defaults.Query{DataType: "cpc", Params: params, History: history})
	fmt.Printf("%s: average %.2f, trend %.3f, market %.2f: %.3f (confidence %.2f)\n",
		a.From, a.Base, a.Adjustments[0].Factor, a.Adjustments[1].Factor, a.Value, a.Confidence)

	_, err = defaults.New(defaults.Config{Window: 20000})
	fmt.Println(err)
	// Output:
	// segment market=uk: 1.035 (confidence 0.36)
	// history: average 1.05, trend 1.067, market 1.15: 1.288 (confidence 0.54)
	// defaults: invalid config: window: must be at most 10000, got 20000
}
