package fallback_test

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers"
)

// claimingStore is a cache.Store and cache.Claimer in a map, shared by the
// example's two instances as they would share a Redis
// (cache/redisstore's Store is both).
type claimingStore struct {
	mu      sync.Mutex
	entries map[string]cache.Entry
	claims  map[string]time.Time // when each key's claim ends
}

func (s *claimingStore) Get(_ context.Context, key string) (cache.Entry, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[key]
	return e, ok, nil
}

func (s *claimingStore) Set(_ context.Context, key string, e cache.Entry, _ time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries[key] = e
	return nil
}

func (s *claimingStore) Delete(_ context.Context, key string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.entries[key]
	delete(s.entries, key)
	return ok, nil
}

func (s *claimingStore) Claim(_ context.Context, key string, hold time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Now().Before(s.claims[key]) {
		return false, nil
	}
	s.claims[key] = time.Now().Add(hold)
	return true, nil
}

// Fill claims: two instances of a program miss the same key at once. The
// first claims it in the shared store and pays its provider; the second
// finds the claim taken, waits for the first's answer in the shared tier,
// and serves it without calling anyone.
func ExampleCacheConfig_claim() {
	store := &claimingStore{entries: map[string]cache.Entry{}, claims: map[string]time.Time{}}
	cfg := fallback.Config{
		Providers: []fallback.ProviderConfig{{Name: "ads", Tier: fallback.Primary, Cost: 0.02, DataTypes: []string{"cpc"}}},
		DataTypes: []fallback.DataTypeConfig{{
			Name:    "cpc",
			Params:  []fallback.ParamConfig{{Name: "keyword", Required: true}},
			TTL:     10 * time.Minute,
			Default: &fallback.DefaultConfig{Base: 1.50},
		}},
		Cache: fallback.CacheConfig{Claim: time.Second, ClaimPolls: 20},
	}
	started := make(chan struct{})
	calling := sync.OnceFunc(func() { close(started) })
	instance := func() (*fallback.Resolver, *int) {
		calls := new(int)
		ads := providers.Func(func(ctx context.Context, req providers.Request) (providers.Response, error) {
			*calls++
			calling()
			time.Sleep(50 * time.Millisecond) // a paid API takes a while
			return providers.Response{Value: 1.32}, nil
		})
		r, err := fallback.New(cfg, fallback.WithStore(store), fallback.WithProvider("ads", ads))
		if err != nil {
			log.Fatal(err)
		}
		return r, calls
	}
	a, aCalls := instance()
	defer a.Close()
	b, bCalls := instance()
	defer b.Close()

	params := fallback.Params{"keyword": "trail shoes"}
	done := make(chan fallback.Result)
	go func() {
		res, err := a.Resolve(context.Background(), "cpc", params)
		if err != nil {
			log.Fatal(err)
		}
		done <- res
	}()
	<-started // A holds the claim and is calling its provider
	resB, err := b.Resolve(context.Background(), "cpc", params)
	if err != nil {
		log.Fatal(err)
	}
	resA := <-done
	fmt.Printf("A: %.2f from %s (%s layer), provider calls %d\n", resA.Value, resA.Source, resA.Layer, *aCalls)
	fmt.Printf("B: %.2f from %s (%s layer), provider calls %d\n", resB.Value, resB.Source, resB.Layer, *bCalls)
	fmt.Printf("B's snapshot: claims lost %d, waits served %d\n", b.Snapshot().Overall.ClaimsLost, b.Snapshot().Overall.ClaimWaitsServed)
	// Output:
	// A: 1.32 from ads (primary layer), provider calls 1
	// B: 1.32 from ads (cache layer), provider calls 0
	// B's snapshot: claims lost 1, waits served 1
}
