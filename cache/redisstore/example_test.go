package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/redis/go-redis/v9"

	"github.com/strata-go/strata/cache/redisstore"
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
	// {Hits:0 Misses:0 Corrupt:0 Sets:0 Deletes:0 Failures:1}
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
	// {Allowed:0 Denied:0 LocalAllowed:2 LocalDenied:2 Failures:1}
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
