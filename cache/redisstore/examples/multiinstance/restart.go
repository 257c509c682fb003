package main

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"time"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fake"
	"github.com/strata-go/strata/stats"
)

// The restart scene, on a compressed clock: answers stay fresh for 200ms
// (TTL), lose half their freshness every 2s (half-life), and the history
// keeps one observation per key and 200ms period.
const (
	restartKeys   = 40
	restartRounds = 15                     // instance A's rounds over the keys,
	restartEvery  = 200 * time.Millisecond // one per period: A builds 15 periods of history
	outageRounds  = 5                      // instance B's rounds, during the outage,
	outageEvery   = 600 * time.Millisecond // spread over 3 seconds
)

// keyword returns the i-th keyword of a scene.
func keyword(i int) fallback.Params { return fallback.Params{"keyword": fmt.Sprintf("kw%02d", i)} }

// drifting answers each keyword's own CPC, drifting up by 1% a second
// from start.
func drifting(start time.Time) func(providers.Request) float64 {
	return func(req providers.Request) float64 {
		h := fnv.New32a()
		h.Write([]byte(req.Params["keyword"]))
		base := 0.5 + float64(h.Sum32()%300)/100
		return base * (1 + 0.01*time.Since(start).Seconds())
	}
}

// restartScene runs instance A against a healthy provider for a while,
// stops it, and starts instance B during a total outage of the provider:
// B answers the keys A saw from the last good answers A left in the
// shared tier (kept past their TTL for the stale window) while they are
// fresh enough for the acceptance rule, and from the fleet's history
// after. Without the stale window and the shared history (what strata
// did before), B could answer only defaults.
func restartScene(ctx context.Context, w io.Writer, addr, prefix string) (restartReport, error) {
	cfg := baseConfig()
	dt := &cfg.DataTypes[0]
	dt.TTL, dt.HalfLife, dt.Period = 200*time.Millisecond, time.Second, stats.PeriodOf(restartEvery)
	healthy := fake.Config{ValueFunc: drifting(time.Now()), Latency: fake.Latency{Median: 2 * time.Millisecond}}
	down := fake.Config{Errors: map[providers.Class]float64{providers.Transient: 1}, Latency: fake.Latency{Median: 2 * time.Millisecond}}
	shares := parts{store: true, history: true}

	a, err := start(ctx, "A", addr, prefix, cfg, healthy, shares)
	if err != nil {
		return restartReport{}, err
	}
	next := time.Now()
	for range restartRounds {
		for k := range restartKeys {
			if _, err := a.r.Resolve(ctx, "cpc", keyword(k)); err != nil {
				return restartReport{}, errors.Join(err, a.close())
			}
		}
		next = next.Add(restartEvery)
		time.Sleep(time.Until(next))
	}
	calls := a.ads.Calls()
	// A exits. Its writer writes off the resolves' path: give it a moment
	// for the last round's writes, as a host's shutdown would.
	time.Sleep(100 * time.Millisecond)
	if err := a.close(); err != nil {
		return restartReport{}, err
	}
	fmt.Fprintf(w, "restart: instance A resolved %d keys %d times, over %v, with %d provider calls, and exited;\n",
		restartKeys, restartRounds, time.Duration(restartRounds)*restartEvery, calls)

	b, err := start(ctx, "B", addr, prefix, cfg, down, shares)
	if err != nil {
		return restartReport{}, err
	}
	defer b.close()
	var rep restartReport
	next = time.Now()
	for range outageRounds {
		for k := range restartKeys {
			res, err := b.r.Resolve(ctx, "cpc", keyword(k))
			if err != nil {
				return rep, err
			}
			rep.Resolves++
			rep.Layers.add(res.Layer)
		}
		next = next.Add(outageEvery)
		time.Sleep(time.Until(next))
	}
	l := rep.Layers
	fmt.Fprintf(w, "  instance B, started during a total outage, resolved them %d times over %v: cache %d, statistical %d, default %d — %.1f%% from cache or statistics\n",
		outageRounds, time.Duration(outageRounds)*outageEvery, l.Cache, l.Statistical, l.Default, 100*ratio(float64(l.Cache+l.Statistical), float64(rep.Resolves)))

	// What strata did before: no stale window (entries read only while
	// fresh) and no shared history.
	before := cfg
	before.Cache.StaleWindow = -1
	b0, err := start(ctx, "B0", addr, prefix, before, down, parts{store: true})
	if err != nil {
		return rep, err
	}
	defer b0.close()
	var l0 layers
	for k := range restartKeys {
		res, err := b0.r.Resolve(ctx, "cpc", keyword(k))
		if err != nil {
			return rep, err
		}
		l0.add(res.Layer)
	}
	fmt.Fprintf(w, "  without the stale window and the shared history, the same outage gets cache %d, statistical %d, default %d of %d\n",
		l0.Cache, l0.Statistical, l0.Default, restartKeys)
	return rep, nil
}
