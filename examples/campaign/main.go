// Command campaign is strata's first host: a campaign generator. From a
// brief — industry, market, month, monthly budget, channels, keywords and
// a goal — it resolves every figure the plan needs (CPC and CTR per
// keyword and channel, conversion rate per channel, market growth,
// competitor spend, seasonality) through one strata resolver, in parallel,
// with one money budget and one deadline for the whole generation; then it
// splits the budget across channels and keywords by expected cost per
// conversion and says, for every figure, which layer answered, from which
// source, how confident and how old it is.
//
// It runs offline on seeded fake providers, so its output is the same
// every time:
//
//	go run ./examples/campaign                           # the text report
//	go run ./examples/campaign -json                     # one JSON object
//	go run ./examples/campaign -html report.html         # a self-contained HTML report
//	go run ./examples/campaign -brief examples/campaign/brief.yaml   # the brief from a file (YAML or JSON)
//
// Flags inject faults, to watch the fallbacks work:
//
//	go run ./examples/campaign -outage ads_api           # the ad platform is down: secondary
//	go run ./examples/campaign -slow market_data         # 20× slower: timeouts, retries, fallbacks
//	go run ./examples/campaign -data-budget 0.05         # a budget squeeze: cheaper sources, defaults
//	go run ./examples/campaign -outage all               # nothing answers: defaults
//	go run ./examples/campaign -outage all -history 60   # ... with history: forecasts and their intervals
//
// A live dashboard of the resolver's snapshot, with campaigns generated in
// a loop (bound to loopback unless -serve-public):
//
//	go run ./examples/campaign -serve 127.0.0.1:8080 -chaos -history 60
//
// Real data: -fred-key (or STRATA_FRED_KEY) makes FRED the primary source
// of US market growth, with the World Bank as its secondary (-worldbank
// alone adds only the latter); -alphavantage-key (or
// STRATA_ALPHAVANTAGE_KEY) adds the industry's sector ETF price as market
// context. The program reads the keys and hands them to strata through
// fallback.WithCredentials; strata itself reads no environment.
//
// How the plan is made (the allocation rule, the demand multiplier, the
// ranges) is documented on the plan type in plan.go. screenshot.sh renders
// the HTML report in headless Chromium (the browser check; not part of go
// test).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "campaign:", err)
		os.Exit(1)
	}
}
