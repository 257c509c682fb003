package cache_test

import (
	"fmt"
	"time"

	"github.com/strata-go/strata/cache"
)

// A fresh entry is served as is; once past its TTL it is still the last
// good answer, scored by freshness for the stale-if-error layer.
func Example() {
	c, err := cache.New(cache.Config{})
	if err != nil {
		panic(err)
	}
	defer c.Close()

	stored := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	c.Put("cpc?keyword=shoes", cache.Entry{Value: 1.32, ObservedAt: stored, StoredAt: stored, Source: "ads", Confidence: 0.9}, 10*time.Minute)

	if e, ok := c.Fresh("cpc?keyword=shoes", 10*time.Minute, stored.Add(time.Minute)); ok {
		fmt.Printf("fresh: %.2f from %s\n", e.Value, e.Source)
	}

	later := stored.Add(time.Hour)
	if _, ok := c.Fresh("cpc?keyword=shoes", 10*time.Minute, later); !ok {
		e, _ := c.LastGood("cpc?keyword=shoes")
		rule := cache.Acceptance{ConfidenceWeight: 0.6, FreshnessWeight: 0.4, Threshold: 0.65}
		f := e.Freshness(time.Hour, later)
		score, ok := rule.Accept(e.Confidence, f)
		fmt.Printf("stale: freshness %.2f, score %.2f, accepted %v\n", f, score, ok)
	}
	// Output:
	// fresh: 1.32 from ads
	// stale: freshness 0.50, score 0.74, accepted true
}
