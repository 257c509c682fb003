package main

import (
	"context"
	"fmt"
	"os"
)

// The program with every provider down and no history: each figure comes
// from the defaults in config.yaml, so the verdict stands but its
// confidence is low, and the text says which figures were degraded.
func Example() {
	err := run(context.Background(), []string{"-now", "2026-11-25", "-outage", "all", "-history", "0",
		"increase qualified leads by 20% in Q3 with a $50k budget"}, os.Stdout)
	fmt.Println("error:", err)
	// Output:
	// increase qualified leads by 20% in Q3 with a $50k budget
	//   parsed     increase qualified_leads by 20% by 2027-09-30 on a budget of 50000 USD
	//   verdict    realistic, confidence 0.16
	//   levels     200 now (benchmark), 240 targeted
	//   needs      +1.8% a month for 10.19 months (deadline)
	//   benchmark  +4.0% a month achievable, +8.0% at a stretch
	//   budget     $50,000 against $6,400 needed
	//   degraded   metric_growth from default, metric_level from default, cost_per_result from default
	//   figures    metric_growth    0.0400  default  default:segment  0.32
	//              metric_level     200.00  default  default:segment  0.32
	//              cost_per_result  160.00  default  default:segment  0.32
	//
	// 1 goal: 1 realistic, 0 stretch, 0 unrealistic, 0 failed; benchmarks by layer: default 3; data cost $0.060
	// error: <nil>
}

// With -json, one object per goal on its own line; a goal that cannot be
// read gets an error naming the part, and run fails after every goal.
func Example_json() {
	err := run(context.Background(), []string{"-json", "-now", "2026-11-25", "-outage", "all", "-history", "0",
		"cut CPA to $35 by March", "cut CPA to $35 by Smarch"}, os.Stdout)
	fmt.Println("error:", err)
	// Output:
	// {"goal":"cut CPA to $35 by March","parsed":{"metric":"cpa","direction":"reach","amount":35,"unit":"currency","deadline":"2027-03-31","budget":null,"metric_label":"CPA","intent":"decrease","currency":"USD","deadline_text":"by March"},"verdict":"stretch","confidence":0.2,"error":null,"months":4.17257,"months_from":"deadline","current":45,"current_from":"benchmark","target":35,"required_monthly":0.0584522,"benchmark_monthly":0.03,"stretch_monthly":0.06,"degraded":["metric_growth from default","metric_level from default"],"benchmarks":[{"data_type":"metric_growth","params":{"industry":"saas","market":"us","metric":"cpa"},"value":0.03,"layer":"default","source":"default:segment","confidence":0.32,"cost":0.02},{"data_type":"metric_level","params":{"industry":"saas","market":"us","metric":"cpa"},"value":45,"layer":"default","source":"default:segment","confidence":0.32,"cost":0.02}]}
	// {"goal":"cut CPA to $35 by Smarch","parsed":null,"verdict":null,"confidence":null,"error":"goal: cannot read the deadline in \"cut CPA to $35 by Smarch\": \"by Smarch\" is not a date (write a month, a quarter such as Q3, or a date such as 2027-06-30)","error_field":"deadline"}
	// error: goals could not be read: 1 of 2
}
