package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
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

// report is the -json output: the three scenes' figures.
type report struct {
	Restart restartReport `json:"restart"`
	Fleet   fleetReport   `json:"fleet"`
	Shared  sharedReport  `json:"shared"`
}

type restartReport struct {
	// Resolves is how many resolves instance B made, Layers which layer
	// answered them.
	Resolves int    `json:"resolves"`
	Layers   layers `json:"layers"`
}

// layers counts answers by layer, in the layers' order.
type layers struct {
	Primary     int `json:"primary"`
	Secondary   int `json:"secondary"`
	Cache       int `json:"cache"`
	Statistical int `json:"statistical"`
	Default     int `json:"default"`
}

func (l *layers) add(layer fallback.Layer) {
	switch layer {
	case fallback.LayerPrimary:
		l.Primary++
	case fallback.LayerSecondary:
		l.Secondary++
	case fallback.LayerCache:
		l.Cache++
	case fallback.LayerStatistical:
		l.Statistical++
	case fallback.LayerDefault:
		l.Default++
	}
}

type fleetReport struct {
	Instances                 int   `json:"instances"`
	FailedCalls               int64 `json:"failed_calls"`
	SingleInstanceFailedCalls int64 `json:"single_instance_failed_calls"`
}

type sharedReport struct {
	CallsPerResolve               float64 `json:"calls_per_resolve"`
	SingleInstanceCallsPerResolve float64 `json:"single_instance_calls_per_resolve"`
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("multiinstance", flag.ContinueOnError)
	addr := fs.String("redis", "127.0.0.1:6379", "address of the Redis server the instances share")
	asJSON := fs.Bool("json", false, "print one JSON object with the three scenes' figures")
	fs.SetOutput(stdout)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // -help printed the usage, as asked
		}
		return err
	}
	rdb := redis.NewClient(&redis.Options{Addr: *addr, MaxRetries: -1})
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis at %s: %w", *addr, err)
	}
	// A namespace of its own for each run, so that runs do not see each
	// other's answers, histories, buses or quotas; deleted at the end.
	var nonce [6]byte
	_, _ = rand.Read(nonce[:])
	prefix := "strata-example-" + hex.EncodeToString(nonce[:])
	defer deleteNamespace(context.WithoutCancel(ctx), rdb, prefix)

	w := io.Discard
	if !*asJSON {
		w = stdout
	}
	var rep report
	var err error
	if rep.Restart, err = restartScene(ctx, w, *addr, prefix+"-restart"); err != nil {
		return err
	}
	if rep.Fleet, err = fleetScene(ctx, w, *addr, prefix+"-fleet"); err != nil {
		return err
	}
	if rep.Shared, err = sharedScene(ctx, w, *addr, prefix+"-shared"); err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		return enc.Encode(rep)
	}
	return quotaScene(ctx, w, *addr, prefix+"-quota")
}

// deleteNamespace deletes every key whose name starts with prefix.
func deleteNamespace(ctx context.Context, rdb *redis.Client, prefix string) {
	iter := rdb.Scan(ctx, 0, prefix+"*", 512).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
}

// parts says what an instance shares through Redis.
type parts struct {
	store, history, health bool
	quota                  int // the fleet's size for a shared quota; 0: none
}

// instance is one process of the fleet: its own Redis client and
// Redis-backed parts, its own connection to the provider, its resolver.
type instance struct {
	name    string
	rdb     *redis.Client
	store   *redisstore.Store
	history *redisstore.History
	bus     *redisstore.HealthBus
	quota   *redisstore.Limiter
	ads     *fake.Provider
	r       *fallback.Resolver
}

// redisTimeout bounds each call to Redis (the parts' Timeout and the
// resolver's cache.store_timeout). The default, 50ms, is a production
// figure for a Redis next door; the example is often run on a loaded
// laptop or CI machine, where a round trip can take longer, and every
// timeout starts a second's cooldown that the figures would measure.
//
// A var: the tests lengthen it under the race detector (race_test.go).
var redisTimeout = 250 * time.Millisecond

// start starts an instance on the Redis at addr in namespace prefix.
func start(ctx context.Context, name, addr, prefix string, cfg fallback.Config, ads fake.Config, p parts) (*instance, error) {
	in := &instance{name: name}
	in.rdb = redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	// A first connection can take longer than the parts' 50ms timeout;
	// make it before the resolver counts on it.
	if err := in.rdb.Ping(ctx).Err(); err != nil {
		return nil, errors.Join(err, in.close())
	}
	var err error
	opts := []fallback.Option{fallback.WithSeed(1)}
	if p.store {
		if in.store, err = redisstore.New(in.rdb, redisstore.Config{Prefix: prefix, Timeout: redisTimeout}); err != nil {
			return nil, errors.Join(err, in.close())
		}
		opts = append(opts, fallback.WithStore(in.store))
	}
	if p.history {
		if in.history, err = redisstore.NewHistory(in.rdb, redisstore.HistoryConfig{Prefix: prefix, Retention: time.Hour, Timeout: redisTimeout}); err != nil {
			return nil, errors.Join(err, in.close())
		}
		opts = append(opts, fallback.WithSharedHistory(in.history))
	}
	if p.health {
		if in.bus, err = redisstore.NewHealthBus(in.rdb, redisstore.HealthBusConfig{Prefix: prefix, Timeout: redisTimeout}); err != nil {
			return nil, errors.Join(err, in.close())
		}
		cfg.FleetHealth.Enabled = true
		opts = append(opts, fallback.WithHealthBus(in.bus))
	}
	if p.quota > 0 {
		if in.quota, err = redisstore.NewLimiter(in.rdb, redisstore.LimiterConfig{Prefix: prefix, Instances: p.quota, Timeout: redisTimeout}); err != nil {
			return nil, errors.Join(err, in.close())
		}
		opts = append(opts, fallback.WithSharedLimiter(in.quota))
	}
	cfg.Cache.StoreTimeout = redisTimeout
	ads.Name = "ads"
	if in.ads, err = fake.New(ads); err != nil {
		return nil, errors.Join(err, in.close())
	}
	if in.r, err = fallback.New(cfg, append(opts, fallback.WithProvider("ads", in.ads))...); err != nil {
		return nil, errors.Join(err, in.close())
	}
	return in, nil
}

// close stops the instance: the resolver first (its writer stops), then
// the Redis parts, then the client.
func (in *instance) close() error {
	var errs []error
	if in.r != nil {
		errs = append(errs, in.r.Close())
	}
	if in.quota != nil {
		errs = append(errs, in.quota.Close())
	}
	if in.bus != nil {
		errs = append(errs, in.bus.Close())
	}
	if in.history != nil {
		errs = append(errs, in.history.Close())
	}
	if in.store != nil {
		errs = append(errs, in.store.Close())
	}
	return errors.Join(append(errs, in.rdb.Close())...)
}

// closeAll closes every instance.
func closeAll(fleet []*instance) error {
	var errs []error
	for _, in := range fleet {
		errs = append(errs, in.close())
	}
	return errors.Join(errs...)
}

// baseConfig is one paid provider, "ads", answering "cpc" for a keyword,
// with a default of last resort.
func baseConfig() fallback.Config {
	return fallback.Config{
		Providers: []fallback.ProviderConfig{{
			Name: "ads", Tier: fallback.Primary, Confidence: 0.95, Cost: 0.02,
			DataTypes: []string{"cpc"}, ExpectedLatency: 20 * time.Millisecond,
		}},
		DataTypes: []fallback.DataTypeConfig{{
			Name:    "cpc",
			Params:  []fallback.ParamConfig{{Name: "keyword", Required: true}},
			TTL:     10 * time.Minute,
			Default: &fallback.DefaultConfig{Base: 1.50},
		}},
	}
}

// ratio is a / b, or 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
