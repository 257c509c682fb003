package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers/fake"
)

// quotaScene shows two instances sharing one paid provider whose API key
// allows 0.1 calls per second in bursts of 3: the answer A pays for
// serves B, and the quota holds for both together.
func quotaScene(ctx context.Context, w io.Writer, addr, prefix string) error {
	cfg := baseConfig()
	cfg.Providers[0].RateLimit = fallback.RateLimitConfig{PerSecond: 0.1, Burst: 3}
	healthy := fake.Config{Value: 1.32}
	shares := parts{store: true, quota: 2}
	a, err := start(ctx, "A", addr, prefix, cfg, healthy, shares)
	if err != nil {
		return err
	}
	defer a.close()
	b, err := start(ctx, "B", addr, prefix, cfg, healthy, shares)
	if err != nil {
		return err
	}
	defer b.close()

	fmt.Fprintln(w, "quota: one paid provider allowing 0.1 calls per second in bursts of 3, for the fleet")
	params := fallback.Params{"keyword": "running shoes"}
	for i, in := range []*instance{a, b} {
		res, err := in.r.Resolve(ctx, "cpc", params)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  instance %s: cpc %.2f from %s (%s layer), cost $%.2f, provider calls %d\n",
			in.name, res.Value, res.Source, res.Layer, res.Cost, in.ads.Calls())
		if i == 0 {
			// A writes its answer to the shared tier off the resolve's
			// path; B asks a moment later.
			for a.store.Stats().Sets == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}
	for i, kw := range []string{"trail shoes", "hiking boots", "sandals", "sneakers", "slippers", "loafers"} {
		in := []*instance{a, b}[i%2]
		res, err := in.r.Resolve(ctx, "cpc", fallback.Params{"keyword": kw})
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  instance %s: %-12s %.2f (%s layer)\n", in.name, kw, res.Value, res.Layer)
	}
	qa, qb := a.quota.Stats(), b.quota.Stats()
	fmt.Fprintf(w, "  provider calls: A %d, B %d; quota admitted %d, refused %d\n",
		a.ads.Calls(), b.ads.Calls(), qa.Allowed+qb.Allowed, qa.Denied+qb.Denied)
	return nil
}
