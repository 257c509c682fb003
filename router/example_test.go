package router_test

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/strata-go/strata/router"
)

// The resolver's loop in miniature: record what each provider did, then
// rank the providers of a tier for the next resolve.
func Example() {
	tracker, err := router.NewTracker(router.Config{})
	if err != nil {
		panic(err)
	}
	r, err := router.NewRouter(router.Config{})
	if err != nil {
		panic(err)
	}
	for _, p := range []router.Profile{
		{Name: "adsapi", Confidence: 0.95, ExpectedLatency: 200 * time.Millisecond, Cost: 0.002},
		{Name: "scraper", Confidence: 0.7, ExpectedLatency: 800 * time.Millisecond},
		{Name: "premium", Confidence: 0.99, ExpectedLatency: 100 * time.Millisecond, Cost: 0.05},
	} {
		if err := tracker.Register(p); err != nil {
			panic(err)
		}
	}

	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for i := range 40 {
		at := start.Add(time.Duration(i) * time.Second)
		// adsapi is fast and sound, but every fourth answer is garbage.
		if i%4 == 3 {
			tracker.Record("adsapi", "cpc", router.Outcome{At: at, Latency: 150 * time.Millisecond, Class: router.DataQualityClass})
		} else {
			tracker.Record("adsapi", "cpc", router.Outcome{At: at, Latency: 150 * time.Millisecond, OK: true, Valid: true, Cost: 0.002})
		}
		tracker.Record("scraper", "cpc", router.Outcome{At: at, Latency: 700 * time.Millisecond, OK: true, Valid: true})
	}
	now := start.Add(40 * time.Second)

	cands := []router.Candidate{
		{Name: "adsapi", Order: 0, Cost: 0.002, Capacity: 1, Serves: true},
		{Name: "scraper", Order: 1, Capacity: 1, Serves: true},
		{Name: "premium", Order: 2, Cost: 0.05, Capacity: 1, Serves: true},
	}
	for i := range cands {
		cands[i].View = tracker.View(cands[i].Name, "cpc", now)
	}
	// premium has no history: it is judged by its profile, and leads while
	// money is no object. With 0.06 left, one premium call would take most
	// of it, and the free scraper leads. adsapi's garbage keeps it last.
	for _, budget := range []float64{router.Unlimited, 0.06} {
		if budget == router.Unlimited {
			fmt.Println("no budget:")
		} else {
			fmt.Printf("budget %v left:\n", budget)
		}
		for _, x := range r.Rank(cands, budget, now, nil) {
			c := cands[x.Index]
			fmt.Printf("  %-8s score %.3f  health %.3f %-9s quality %.2f\n", c.Name, x.Score, c.View.Score, c.View.Status, c.View.Quality)
		}
	}
	// Output:
	// no budget:
	//   premium  score 0.894  health 0.994 HEALTHY   quality 0.99
	//   scraper  score 0.890  health 0.964 HEALTHY   quality 0.94
	//   adsapi   score 0.865  health 0.874 DEGRADED  quality 0.79
	// budget 0.06 left:
	//   scraper  score 0.890  health 0.964 HEALTHY   quality 0.94
	//   premium  score 0.880  health 0.994 HEALTHY   quality 0.99
	//   adsapi   score 0.863  health 0.874 DEGRADED  quality 0.79
}

// Eligibility says why a candidate is left out of a ranking.
func ExampleRouter_Eligibility() {
	r, err := router.NewRouter(router.Config{})
	if err != nil {
		panic(err)
	}
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	view := router.View{Score: 1, Quality: 1}
	exhausted := view
	exhausted.Quota = router.Quota{Limit: 1000, Remaining: 0}
	exhausted.QuotaUntil = now.Add(time.Minute)
	cands := []router.Candidate{
		{Name: "open", View: view, Capacity: 1, Serves: true, BreakerOpen: true},
		{Name: "throttled", View: view, Capacity: 0, Serves: true},
		{Name: "quota", View: exhausted, Capacity: 1, Serves: true},
		{Name: "dear", View: view, Capacity: 1, Serves: true, Cost: 0.5},
		{Name: "elsewhere", View: view, Capacity: 1},
		{Name: "fine", View: view, Capacity: 1, Serves: true, Cost: 0.01},
	}
	for _, c := range cands {
		fmt.Printf("%-9s %v\n", c.Name, r.Eligibility(c, 0.25, now))
	}
	// Output:
	// open      breaker_open
	// throttled no_capacity
	// quota     no_capacity
	// dear      over_budget
	// elsewhere not_served
	// fine      eligible
}

// Health is the dashboard's report, ready for JSON.
func ExampleTracker_Health() {
	tracker, err := router.NewTracker(router.Config{})
	if err != nil {
		panic(err)
	}
	if err := tracker.Register(router.Profile{Name: "adsapi", Confidence: 0.95, ExpectedLatency: 200 * time.Millisecond}); err != nil {
		panic(err)
	}
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for i := range 20 {
		o := router.Outcome{At: start.Add(time.Duration(i) * time.Second), Latency: time.Duration(100+10*i) * time.Millisecond, OK: true, Valid: true, Cost: 0.125}
		if i%5 == 4 {
			o = router.Outcome{At: o.At, Latency: 2 * time.Second, Class: "transient"}
		}
		tracker.Record("adsapi", "cpc", o)
	}
	reset := start.Add(time.Hour)
	tracker.Record("adsapi", "cpc", router.Outcome{At: start.Add(20 * time.Second), Latency: 90 * time.Millisecond, OK: true, Valid: true,
		Quota: &router.Quota{Limit: 1000, Remaining: 250, Reset: reset}})

	h := tracker.Health("adsapi", start.Add(21*time.Second))
	h.DataTypes = nil // keep the example short
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(h); err != nil {
		panic(err)
	}
	// Output:
	// {
	//   "provider": "adsapi",
	//   "status": "DEGRADED",
	//   "score": 0.8604704593520913,
	//   "requests": 21,
	//   "successes": 17,
	//   "samples": 21,
	//   "success_rate": 0.8095238095238095,
	//   "error_rate": 0.19047619047619047,
	//   "error_rates": {
	//     "transient": 0.19047619047619047
	//   },
	//   "quality": 1,
	//   "latency_ewma_ns": 205957166,
	//   "p50_ns": 180000000,
	//   "p95_ns": 280000000,
	//   "p99_ns": 280000000,
	//   "uptime": 1,
	//   "total_cost": 2,
	//   "cost_by_data_type": {
	//     "cpc": 2
	//   },
	//   "quota": {
	//     "limit": 1000,
	//     "remaining": 250,
	//     "reset": "2025-06-01T13:00:00Z"
	//   },
	//   "quota_ratio": 0.25
	// }
}

// StatusThresholds grades a score.
func ExampleStatusThresholds_Status() {
	var t router.StatusThresholds // the defaults: 0.9, 0.7, 0.5
	for _, s := range []float64{0.95, 0.9, 0.75, 0.5, 0.2} {
		fmt.Println(s, t.Status(s))
	}
	// Output:
	// 0.95 HEALTHY
	// 0.9 HEALTHY
	// 0.75 DEGRADED
	// 0.5 UNHEALTHY
	// 0.2 CRITICAL
}

// View gives each candidate its health before a ranking.
func ExampleTracker_View() {
	tracker, err := router.NewTracker(router.Config{})
	if err != nil {
		panic(err)
	}
	r, err := router.NewRouter(router.Config{})
	if err != nil {
		panic(err)
	}
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for i := range 20 {
		at := start.Add(time.Duration(i) * time.Second)
		tracker.Record("fast", "cpc", router.Outcome{At: at, Latency: 80 * time.Millisecond, OK: true, Valid: true})
		tracker.Record("flaky", "cpc", router.Outcome{At: at, Latency: 300 * time.Millisecond, OK: i%2 == 0, Valid: i%2 == 0, Class: "transient"})
	}
	cands := []router.Candidate{
		{Name: "flaky", Order: 0, Capacity: 1, Serves: true},
		{Name: "fast", Order: 1, Capacity: 1, Serves: true},
	}
	now := start.Add(20 * time.Second)
	for i := range cands {
		cands[i].View = tracker.View(cands[i].Name, "cpc", now)
	}
	for _, rk := range r.Rank(cands, router.Unlimited, now, nil) {
		c := cands[rk.Index]
		fmt.Printf("%s: success %.2f, %s, source score %.3f\n", c.Name, c.View.SuccessRate, c.View.Status, rk.Score)
	}
	// Output:
	// fast: success 0.97, HEALTHY, source score 0.930
	// flaky: success 0.63, DEGRADED, source score 0.862
}

// A Pool picks from a fixed tier: the tracker gives each member's health,
// the resolver passes its breaker and limiter at the moment of the pick.
func ExamplePool() {
	tracker, err := router.NewTracker(router.Config{})
	if err != nil {
		panic(err)
	}
	r, err := router.NewRouter(router.Config{})
	if err != nil {
		panic(err)
	}
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for i := range 20 {
		at := start.Add(time.Duration(i) * time.Second)
		tracker.Record("fast", "cpc", router.Outcome{At: at, Latency: 80 * time.Millisecond, OK: true, Valid: true})
		tracker.Record("flaky", "cpc", router.Outcome{At: at, Latency: 300 * time.Millisecond, OK: i%2 == 0, Valid: i%2 == 0, Class: "transient"})
	}
	pool, err := router.NewPool(tracker, r, "cpc", []router.Member{
		{Name: "flaky", Order: 0, Cost: 0.01},
		{Name: "fast", Order: 1, Cost: 0.02},
	})
	if err != nil {
		panic(err)
	}
	now := start.Add(20 * time.Second)
	states := []router.State{{Capacity: 1}, {Capacity: 1}}
	i, score, _ := pool.Pick(states, router.Unlimited, now)
	fmt.Printf("pick %s (%.3f)\n", pool.Member(i).Name, score)

	states[1].BreakerOpen = true // fast's breaker opens
	i, score, _ = pool.Pick(states, router.Unlimited, now)
	fmt.Printf("pick %s (%.3f)\n", pool.Member(i).Name, score)
	fmt.Println(pool.Eligibility(1, states[1], router.Unlimited, now))
	// Output:
	// pick fast (0.863)
	// pick flaky (0.812)
	// breaker_open
}
