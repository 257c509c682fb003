package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/strata-go/strata/cache/redisstore"
	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers/fake"
)

// instance is one process of the fleet: its own Redis client, shared
// tier, quota and resolver, and its own connection to the provider.
type instance struct {
	name  string
	rdb   *redis.Client
	store *redisstore.Store
	quota *redisstore.Limiter
	ads   *fake.Provider
	r     *fallback.Resolver
}

// config is the fleet's configuration: one paid provider whose API key
// allows 0.1 calls per second in bursts of 3, and a default of last
// resort.
func config() fallback.Config {
	return fallback.Config{
		Providers: []fallback.ProviderConfig{{
			Name: "ads", Tier: fallback.Primary, Confidence: 0.95, Cost: 0.02,
			DataTypes: []string{"cpc"},
			RateLimit: fallback.RateLimitConfig{PerSecond: 0.1, Burst: 3},
		}},
		DataTypes: []fallback.DataTypeConfig{{
			Name: "cpc",
			Params: []fallback.ParamConfig{
				{Name: "keyword", Required: true},
				{Name: "market", Allowed: []string{"us", "uk"}},
			},
			TTL:     10 * time.Minute,
			Default: &fallback.DefaultConfig{Base: 1.50},
		}},
	}
}

func newInstance(name, addr, prefix string, fleetSize int) (*instance, error) {
	in := &instance{name: name}
	in.rdb = redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	var err error
	if in.store, err = redisstore.New(in.rdb, redisstore.Config{Prefix: prefix}); err != nil {
		return nil, errors.Join(err, in.close())
	}
	if in.quota, err = redisstore.NewLimiter(in.rdb, redisstore.LimiterConfig{Prefix: prefix, Instances: fleetSize}); err != nil {
		return nil, errors.Join(err, in.close())
	}
	if in.ads, err = fake.New(fake.Config{Name: "ads", Value: 1.32}); err != nil {
		return nil, errors.Join(err, in.close())
	}
	in.r, err = fallback.New(config(),
		fallback.WithProvider("ads", in.ads),
		fallback.WithStore(in.store),
		fallback.WithSharedLimiter(in.quota))
	if err != nil {
		return nil, errors.Join(err, in.close())
	}
	return in, nil
}

func (in *instance) close() error {
	if in.r != nil {
		in.r.Close()
	}
	if in.quota != nil {
		in.quota.Close()
	}
	if in.store != nil {
		in.store.Close()
	}
	return in.rdb.Close()
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("multiinstance", flag.ContinueOnError)
	addr := fs.String("redis", "127.0.0.1:6379", "address of the Redis server the instances share")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// A namespace of its own for each run, so that runs do not see each
	// other's answers or quota.
	var nonce [6]byte
	_, _ = rand.Read(nonce[:])
	prefix := "strata-example-" + hex.EncodeToString(nonce[:])

	a, err := newInstance("A", *addr, prefix, 2)
	if err != nil {
		return err
	}
	defer a.close()
	b, err := newInstance("B", *addr, prefix, 2)
	if err != nil {
		return err
	}
	defer b.close()
	if err := a.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis at %s: %w", *addr, err)
	}
	// Leave nothing behind: the entries go now, the quota's state expires
	// by itself.
	defer a.store.DeleteMatching(context.WithoutCancel(ctx), func(string) bool { return true })

	// 1. The shared tier: A pays, B is served.
	fmt.Fprintln(stdout, "shared tier:")
	params := fallback.Params{"keyword": "running shoes", "market": "us"}
	for _, in := range []*instance{a, b} {
		res, err := in.r.Resolve(ctx, "cpc", params)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "  instance %s: cpc %.2f from %s (%s layer), cost $%.2f, provider calls %d\n",
			in.name, res.Value, res.Source, res.Layer, res.Cost, in.ads.Calls())
	}
	as, bs := a.store.Stats(), b.store.Stats()
	fmt.Fprintf(stdout, "  store A wrote %d entry; store B read %d hit\n", as.Sets, bs.Hits)

	// 2. The shared quota: 3 calls at once for the fleet, the first of
	// which A already made. New keywords, alternating instances.
	fmt.Fprintln(stdout, "shared quota (burst 3 for the fleet):")
	for i, kw := range []string{"trail shoes", "hiking boots", "sandals", "sneakers", "slippers", "loafers"} {
		in := []*instance{a, b}[i%2]
		res, err := in.r.Resolve(ctx, "cpc", fallback.Params{"keyword": kw, "market": "us"})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "  instance %s: %-12s %.2f (%s layer)\n", in.name, kw, res.Value, res.Layer)
	}
	qa, qb := a.quota.Stats(), b.quota.Stats()
	fmt.Fprintf(stdout, "  provider calls: A %d, B %d; quota admitted %d, refused %d\n",
		a.ads.Calls(), b.ads.Calls(), qa.Allowed+qb.Allowed, qa.Denied+qb.Denied)
	return nil
}
