package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/strata-go/strata/cache/redisstore"
	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fake"
	"github.com/strata-go/strata/stats"
)

// A Store on a Redis that cannot be reached: every call is a miss, never a
// failure of the resolve, and after the first failure the Store stops
// calling Redis for the cooldown.
func ExampleStore_redisDown() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1}) // nothing listens there
	defer rdb.Close()
	store, err := redisstore.New(rdb, redisstore.Config{Prefix: "campaigns"})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	ctx := context.Background()
	for range 3 {
		_, ok, err := store.Get(ctx, "cpc|keyword=shoes|market=us")
		fmt.Printf("hit %v, error %v, in cooldown %v\n", ok, err != nil, errors.Is(err, redisstore.ErrUnavailable))
	}
	fmt.Println("entries live at", store.Key("cpc|keyword=shoes|market=us"))
	fmt.Printf("%+v\n", store.Stats())
	// Output:
	// hit false, error true, in cooldown false
	// hit false, error true, in cooldown true
	// hit false, error true, in cooldown true
	// entries live at campaigns:v1:cpc|keyword=shoes|market=us
	// {Hits:0 Misses:0 Corrupt:0 Sets:0 Deletes:0 Superseded:0 Claims:0 ClaimsLost:0 Failures:1}
}

// A fleet of four instances shares a quota of 0.4 calls per second with a
// burst of 8. While Redis is unreachable each instance admits its share,
// 8/4 = 2 at once, so the fleet as a whole still admits at most 8.
func ExampleLimiter_localShare() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1}) // nothing listens there
	defer rdb.Close()
	quota, err := redisstore.NewLimiter(rdb, redisstore.LimiterConfig{Instances: 4})
	if err != nil {
		log.Fatal(err)
	}
	defer quota.Close()

	for range 4 {
		ok, err := quota.Allow(context.Background(), "ads", 0.4, 8)
		fmt.Println(ok, err)
	}
	fmt.Printf("%+v\n", quota.Stats())
	// Output:
	// true <nil>
	// true <nil>
	// false <nil>
	// false <nil>
	// {Allowed:0 Denied:0 LocalAllowed:2 LocalDenied:2 Corrupt:0 Ahead:0 Failures:1}
}

// A configuration error names the field.
func ExampleNew_invalidConfig() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	_, err := redisstore.New(rdb, redisstore.Config{Version: "v:2"})
	fmt.Println(err)
	// Output:
	// redisstore: invalid config: version: "v:2": must not contain ':'
}

// A History on a Redis that cannot be reached, shared behind a resolver's
// own history: the resolver still forecasts from what it recorded itself,
// within the resolve's deadline.
func ExampleNewHistory_redisDown() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1}) // nothing listens there
	defer rdb.Close()
	shared, err := redisstore.NewHistory(rdb, redisstore.HistoryConfig{Prefix: "campaigns"})
	if err != nil {
		log.Fatal(err)
	}
	defer shared.Close()
	own, err := stats.NewMemoryHistory(stats.MemoryConfig{})
	if err != nil {
		log.Fatal(err)
	}
	ads, err := fake.New(fake.Config{Name: "ads", Errors: map[providers.Class]float64{providers.Transient: 1}}) // down
	if err != nil {
		log.Fatal(err)
	}
	cfg := fallback.Config{
		Providers: []fallback.ProviderConfig{{Name: "ads", Tier: fallback.Primary, DataTypes: []string{"cpc"}}},
		DataTypes: []fallback.DataTypeConfig{{Name: "cpc", Params: []fallback.ParamConfig{{Name: "keyword", Required: true}}}},
	}
	r, err := fallback.New(cfg, fallback.WithProvider("ads", ads), fallback.WithHistory(own), fallback.WithSharedHistory(shared))
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()

	// Forty days of the key's CPC, in the resolver's own history.
	ctx := context.Background()
	params := fallback.Params{"keyword": "shoes"}
	key, _ := r.Key("cpc", params)
	today := stats.Daily.Index(time.Now())
	for d := range 40 {
		at := stats.Daily.Start(today - 40 + int64(d)).Add(12 * time.Hour)
		_ = own.Append(ctx, key, stats.Observation{At: at, Value: 1.20 + 0.01*float64(d%7)})
	}
	res, err := r.Resolve(ctx, "cpc", params)
	fmt.Println(res.Layer, err)
	fmt.Println("the shared history failed:", shared.Stats().Failures > 0)
	// Output:
	// statistical <nil>
	// the shared history failed: true
}
