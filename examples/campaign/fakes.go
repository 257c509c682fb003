package main

import (
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fake"
)

// fakeNames are the embedded fake providers, in the order config.yaml
// declares them.
var fakeNames = []string{"ads_api", "analytics", "market_data", "benchmarks"}

// gapKeyword is the long-tail keyword the fake ad platform has no social
// data for: it answers Permanent ("not found") for it, so the default run
// shows a deterministic fallback to the secondary tier.
const gapKeyword = "trail shoes"

// fakeProviders builds the offline providers. Their values are
// deterministic functions of the request (see truth), and their only
// scripted fault is a data gap decided by the request, so a default run
// answers the same way whatever order the parallel resolves take. Faults
// from flags are applied on top with faults.apply.
func fakeProviders(seed uint64) (map[string]*fake.Provider, error) {
	specs := map[string]fake.Config{
		"ads_api": {
			Latency:   fake.Latency{Median: 40 * time.Millisecond, P99: 150 * time.Millisecond, Max: 300 * time.Millisecond},
			ValueFunc: truth(0),
			ByRequest: func(req providers.Request) fake.Outcome {
				if req.Params["channel"] == "social" && req.Params["keyword"] == gapKeyword {
					return fake.Fail(providers.Permanent)
				}
				return fake.Outcome{}
			},
		},
		"analytics": {
			Latency:   fake.Latency{Median: 20 * time.Millisecond, P99: 60 * time.Millisecond, Max: 120 * time.Millisecond},
			ValueFunc: truth(0),
		},
		"market_data": {
			Latency:   fake.Latency{Median: 60 * time.Millisecond, P99: 200 * time.Millisecond, Max: 400 * time.Millisecond},
			ValueFunc: truth(0),
		},
		"benchmarks": {
			Latency:   fake.Latency{Median: 15 * time.Millisecond, P99: 40 * time.Millisecond, Max: 80 * time.Millisecond},
			ValueFunc: truth(0.08), // coarser: off by up to 8%
			Age:       24 * time.Hour,
		},
	}
	out := make(map[string]*fake.Provider, len(specs))
	for i, name := range fakeNames {
		c := specs[name]
		c.Name = name
		c.Seed = seed + uint64(i)
		p, err := fake.New(c)
		if err != nil {
			return nil, fmt.Errorf("fake %s: %w", name, err)
		}
		out[name] = p
	}
	return out, nil
}

// faults are the faults a run injects into the fakes, from flags.
type faults struct {
	// Down are the providers that fail every call as Unavailable.
	Down []string
	// Slow are the providers whose latency is multiplied by SlowFactor.
	Slow       []string
	SlowFactor float64
}

// parseFaults reads the -outage and -slow flag values: comma-separated
// fake names, or "all".
func parseFaults(outage, slow string, factor float64) (faults, error) {
	f := faults{SlowFactor: factor}
	var err error
	if f.Down, err = fakeList("outage", outage); err != nil {
		return faults{}, err
	}
	if f.Slow, err = fakeList("slow", slow); err != nil {
		return faults{}, err
	}
	if len(f.Slow) > 0 && !(factor >= 1 && factor <= 1000) {
		return faults{}, fmt.Errorf("-slow-factor: want between 1 and 1000, got %v", factor)
	}
	return f, nil
}

func fakeList(flagName, v string) ([]string, error) {
	if strings.TrimSpace(v) == "all" {
		return slices.Clone(fakeNames), nil
	}
	names := splitList(v)
	for _, n := range names {
		if !slices.Contains(fakeNames, n) {
			return nil, fmt.Errorf("-%s %q: unknown provider %q (the providers are %s and %s, or all)", flagName, v, n, strings.Join(fakeNames[:len(fakeNames)-1], ", "), fakeNames[len(fakeNames)-1])
		}
	}
	return names, nil
}

// apply sets the faults on the fakes, after lifting any earlier ones.
func (f faults) apply(fakes map[string]*fake.Provider) {
	for _, p := range fakes {
		p.SetUp()
	}
	for _, n := range f.Slow {
		fakes[n].SetSlow(f.SlowFactor)
	}
	for _, n := range f.Down {
		fakes[n].SetDown(providers.Unavailable)
	}
}

// String describes the faults for the reports ("" when there are none).
func (f faults) String() string {
	var parts []string
	if len(f.Down) > 0 {
		parts = append(parts, strings.Join(f.Down, ", ")+" down")
	}
	if len(f.Slow) > 0 {
		parts = append(parts, fmt.Sprintf("%s slow ×%g", strings.Join(f.Slow, ", "), f.SlowFactor))
	}
	return strings.Join(parts, "; ")
}

// seasonality is a retail-like demand curve by month, 1.0 on average.
var seasonality = [12]float64{0.82, 0.78, 0.92, 0.96, 1.00, 0.94, 0.90, 0.97, 0.93, 1.02, 1.31, 1.45}

// truth returns a deterministic value for a request: a plausible level for
// the data type and its channel, varied by a hash of the params, off by up
// to bias (a coarser source).
func truth(bias float64) func(providers.Request) float64 {
	return func(req providers.Request) float64 {
		u := unit(req.DataType, req.Params)
		return trueValue(req.DataType, req.Params, u) * (1 + bias*(2*u-1))
	}
}

// trueValue is the fakes' world: what each figure is, before any source's
// bias. u in [0, 1) varies it by key.
func trueValue(dataType string, p map[string]string, u float64) float64 {
	ch := p["channel"]
	switch dataType {
	case "cpc":
		return pick(ch, 1.60, 0.95, 0.55) * (0.7 + 0.7*u)
	case "ctr":
		return pick(ch, 0.035, 0.012, 0.005) * (0.7 + 0.6*u)
	case "conversion_rate":
		return pick(ch, 0.030, 0.018, 0.008) * (0.8 + 0.4*u)
	case "market_growth":
		return 0.01 + 0.07*u
	case "competitor_spend":
		return 150000 + 300000*u
	case "seasonality_index":
		m := 0
		fmt.Sscanf(p["month"], "%d", &m)
		if m < 1 || m > 12 {
			return 1
		}
		return seasonality[m-1] * (0.95 + 0.1*u)
	case "sector_price":
		return 50 + 100*u
	}
	return 1
}

func pick(channel string, search, social, display float64) float64 {
	switch channel {
	case "social":
		return social
	case "display":
		return display
	}
	return search
}

// unit hashes a data type and its params to [0, 1).
func unit(dataType string, p map[string]string) float64 {
	h := fnv.New64a()
	h.Write([]byte(dataType))
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		h.Write([]byte(";" + k + "=" + p[k]))
	}
	return float64(h.Sum64()%10000) / 10000
}
