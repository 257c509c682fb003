package fallback_test

import (
	"context"
	"fmt"
	"log"
	"sort"
	"strings"
	"sync"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers"
)

// counterVec is the shape of a Prometheus *CounterVec (and, with Add, of
// an OpenTelemetry Int64Counter with attributes): the host's metrics
// library, not strata's. Here a map stands in for it.
type counterVec struct {
	mu sync.Mutex
	m  map[string]float64
}

func (c *counterVec) add(v float64, labels ...string) {
	c.mu.Lock()
	c.m[strings.Join(labels, ",")] += v
	c.mu.Unlock()
}

// metricsObserver maps strata's events onto the host's metrics. With
// Prometheus the same function reads:
//
//	resolves.WithLabelValues(e.DataType, e.Layer.String()).Inc()
//	attempts.WithLabelValues(e.Provider, e.Outcome.String(), e.Class.String()).Inc()
//	cost.WithLabelValues(e.Provider).Add(e.Cost)
//	latency.WithLabelValues(e.DataType).Observe(e.Latency.Seconds())
//
// and with OpenTelemetry, counter.Add(ctx, 1, metric.WithAttributes(...)).
// strata depends on neither.
func metricsObserver(resolves, attempts, cost *counterVec) fallback.Observer {
	return fallback.ObserverFunc(func(_ context.Context, e fallback.Event) {
		switch e.Kind {
		case fallback.EventResolve:
			resolves.add(1, e.DataType, e.Layer.String())
		case fallback.EventAttempt:
			class := ""
			if e.Outcome == fallback.Failed {
				class = e.Class.String()
			}
			attempts.add(1, e.Provider, e.Outcome.String(), class)
			cost.add(e.Cost, e.Provider)
		}
	})
}

// Feeding a metrics system from the observer: the pattern for Prometheus
// or OpenTelemetry.
func ExampleObserver_metrics() {
	resolves := &counterVec{m: map[string]float64{}}
	attempts := &counterVec{m: map[string]float64{}}
	cost := &counterVec{m: map[string]float64{}}

	cfg := fallback.Config{
		Providers: []fallback.ProviderConfig{
			{Name: "ads", Tier: fallback.Primary, Cost: 0.02, DataTypes: []string{"cpc"}},
			{Name: "bench", Tier: fallback.Secondary, Cost: 0.005, DataTypes: []string{"cpc"}},
		},
		DataTypes: []fallback.DataTypeConfig{{Name: "cpc", Params: []fallback.ParamConfig{{Name: "keyword", Required: true}}}},
	}
	calls := 0
	ads := providers.Func(func(context.Context, providers.Request) (providers.Response, error) {
		calls++
		if calls == 2 {
			return providers.Response{}, providers.Errorf(providers.Unavailable, "down")
		}
		return providers.Response{Value: 1.2}, nil
	})
	bench := providers.Func(func(context.Context, providers.Request) (providers.Response, error) {
		return providers.Response{Value: 1.1}, nil
	})
	r, err := fallback.New(cfg, fallback.WithProvider("ads", ads), fallback.WithProvider("bench", bench),
		fallback.WithObserver(metricsObserver(resolves, attempts, cost)))
	if err != nil {
		log.Fatal(err)
	}
	for _, kw := range []string{"shoes", "boots", "shoes"} {
		if _, err := r.Resolve(context.Background(), "cpc", fallback.Params{"keyword": kw}); err != nil {
			log.Fatal(err)
		}
	}
	// Events reach the observer from a goroutine of its own, in order;
	// Close hands it every event queued before it returns.
	if err := r.Close(); err != nil {
		log.Fatal(err)
	}
	for _, c := range []*counterVec{resolves, attempts, cost} {
		keys := make([]string, 0, len(c.m))
		for k := range c.m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Printf("%s = %g\n", k, c.m[k])
		}
	}
	// Output:
	// cpc,cache = 1
	// cpc,primary = 1
	// cpc,secondary = 1
	// ads,failed,unavailable = 1
	// ads,succeeded, = 1
	// bench,succeeded, = 1
	// ads = 0.04
	// bench = 0.005
}
