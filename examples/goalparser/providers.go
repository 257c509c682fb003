package main

import (
	"context"
	_ "embed"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/strata-go/strata/examples/goalparser/goal"
	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fake"
	"github.com/strata-go/strata/stats"
)

//go:embed config.yaml
var configYAML []byte

// The providers of config.yaml.
const (
	primaryName   = "benchmarks_api"
	secondaryName = "industry_reports"
)

// The data types of config.yaml.
const (
	dtGrowth = "metric_growth"
	dtLevel  = "metric_level"
	dtCost   = "cost_per_result"
)

// The outage modes of the -outage flag.
const (
	outageNone    = "none"
	outagePrimary = "primary"
	outageAll     = "all"
)

// world is the fake benchmark data behind the providers. Every figure is
// the configured default for its data type and metric (the published
// average), varied per industry and market by a hash of the request and
// the seed: the primary within ±15% of the average, the secondary a
// further ±8% off the primary (coarser data). The same request always gets
// the same value.
type world struct {
	seed uint64
	// base maps a data type and a metric to the default's segment base.
	base map[string]map[string]float64
}

// newWorld reads the per-metric defaults out of cfg.
func newWorld(cfg fallback.Config, seed uint64) *world {
	w := &world{seed: seed, base: map[string]map[string]float64{}}
	for _, dt := range cfg.DataTypes {
		if dt.Default == nil {
			continue
		}
		m := map[string]float64{}
		for _, s := range dt.Default.Segments {
			if metric, ok := s.Match["metric"]; ok && len(s.Match) == 1 {
				m[metric] = s.Base
			}
		}
		w.base[dt.Name] = m
	}
	return w
}

// known reports whether the world has data for the request's metric.
func (w *world) known(req providers.Request) bool {
	_, ok := w.base[req.DataType][req.Params["metric"]]
	return ok
}

// truth returns the primary's answer to req: the average within ±15%.
func (w *world) truth(req providers.Request) float64 {
	return w.base[req.DataType][req.Params["metric"]] * (0.85 + 0.3*w.unit(req, "truth"))
}

// coarse returns the secondary's answer to req: the truth within ±8%.
func (w *world) coarse(req providers.Request) float64 {
	return w.truth(req) * (0.92 + 0.16*w.unit(req, "coarse"))
}

// unit hashes the seed, salt, data type and params of req to [0, 1).
func (w *world) unit(req providers.Request, salt string) float64 {
	h := fnv.New64a()
	h.Write([]byte(strconv.FormatUint(w.seed, 10) + ";" + salt + ";" + req.DataType + ";"))
	keys := make([]string, 0, len(req.Params))
	for k := range req.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		h.Write([]byte(k + "=" + req.Params[k] + ";"))
	}
	return float64(h.Sum64()%1_000_000) / 1_000_000
}

// fakeProviders builds the two providers of config.yaml over w, with the
// outage applied: "primary" takes the benchmark API down (every call fails
// Unavailable, at once), "all" both providers. A request for a metric the world
// does not know fails Permanent, as "no data" from a real API would.
func fakeProviders(w *world, seed uint64, outage string) (map[string]*fake.Provider, error) {
	noData := func(req providers.Request) fake.Outcome {
		if !w.known(req) {
			return fake.Fail(providers.Permanent)
		}
		return fake.Outcome{}
	}
	specs := []fake.Config{
		{
			Name:      primaryName,
			ValueFunc: w.truth,
			ByRequest: noData,
			Latency:   fake.Latency{Median: 30 * time.Millisecond, P99: 120 * time.Millisecond, Max: 200 * time.Millisecond},
		},
		{
			Name:      secondaryName,
			ValueFunc: w.coarse,
			ByRequest: noData,
			Latency:   fake.Latency{Median: 15 * time.Millisecond, P99: 60 * time.Millisecond, Max: 100 * time.Millisecond},
		},
	}
	var down []string
	switch outage {
	case outageNone:
	case outagePrimary:
		down = []string{primaryName}
	case outageAll:
		down = []string{primaryName, secondaryName}
	default:
		return nil, fmt.Errorf("-outage %q: want %s, %s or %s", outage, outageNone, outagePrimary, outageAll)
	}
	out := make(map[string]*fake.Provider, len(specs))
	for i, c := range specs {
		c.Seed = seed + uint64(i)
		if slices.Contains(down, c.Name) {
			// A service that is down refuses connections at once.
			c.Latency = fake.Latency{}
		}
		p, err := fake.New(c)
		if err != nil {
			return nil, fmt.Errorf("fake %s: %w", c.Name, err)
		}
		if slices.Contains(down, c.Name) {
			p.SetDown(providers.Unavailable)
		}
		out[c.Name] = p
	}
	return out, nil
}

// preloadHistory loads months of monthly metric_growth observations for
// every metric, in the industry and market, into h — the record a host
// keeps of the benchmarks it has seen — so that the statistical layer can
// forecast the benchmark when the providers are down. The observations
// follow the truth with a yearly cycle of ±5% and ±3% of noise, the last
// one a month before now.
func preloadHistory(ctx context.Context, r *fallback.Resolver, h stats.History, w *world, industry, market string, months int, now time.Time) error {
	for _, m := range goal.Metrics() {
		params := fallback.Params{"metric": m.Name, "industry": industry, "market": market}
		key, err := r.Key(dtGrowth, params)
		if err != nil {
			return err
		}
		req := providers.Request{DataType: dtGrowth, Params: params}
		truth := w.truth(req)
		for k := months; k >= 1; k-- {
			noise := 2*w.unit(req, "history:"+strconv.Itoa(k)) - 1
			v := truth * (1 + 0.05*math.Sin(2*math.Pi*float64(k)/12) + 0.03*noise)
			if err := h.Append(ctx, key, stats.Observation{At: now.AddDate(0, -k, 0), Value: v}); err != nil {
				return err
			}
		}
	}
	return nil
}
