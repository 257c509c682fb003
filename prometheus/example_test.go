package prometheus_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/strata-go/strata/fallback"
	strataprom "github.com/strata-go/strata/prometheus"
	"github.com/strata-go/strata/providers"
)

// A resolver's metrics on a /metrics endpoint: the Observer counts its
// events, the Collector reads its Snapshot at each scrape, and both go in
// the host's own registry.
func Example() {
	cfg := fallback.Config{
		Providers: []fallback.ProviderConfig{
			{Name: "ads", Tier: fallback.Primary, Cost: 0.02, DataTypes: []string{"cpc"}},
			{Name: "bench", Tier: fallback.Secondary, Cost: 0.005, DataTypes: []string{"cpc"}},
		},
		DataTypes: []fallback.DataTypeConfig{{Name: "cpc", Params: []fallback.ParamConfig{{Name: "keyword", Required: true}}}},
	}
	ads := providers.Func(func(context.Context, providers.Request) (providers.Response, error) {
		return providers.Response{}, providers.Errorf(providers.Unavailable, "down")
	})
	bench := providers.Func(func(context.Context, providers.Request) (providers.Response, error) {
		return providers.Response{Value: 1.1}, nil
	})

	obs := strataprom.NewObserver()
	r, err := fallback.New(cfg, fallback.WithProvider("ads", ads), fallback.WithProvider("bench", bench),
		fallback.WithObserver(obs))
	if err != nil {
		log.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(obs, strataprom.NewCollector(r))

	for _, kw := range []string{"shoes", "boots", "shoes"} {
		if _, err := r.Resolve(context.Background(), "cpc", fallback.Params{"keyword": kw}); err != nil {
			log.Fatal(err)
		}
	}
	if err := r.Close(); err != nil { // hands the observer every event
		log.Fatal(err)
	}

	// What a scrape of /metrics reads (a few of the lines).
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	w := httptest.NewRecorder()
	metrics.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	sc := bufio.NewScanner(w.Body)
	for sc.Scan() {
		line := sc.Text()
		for _, name := range []string{"strata_resolves_total{", "strata_provider_attempts_total{", "strata_cost_total{"} {
			if strings.HasPrefix(line, name) {
				fmt.Println(line)
			}
		}
	}
	// Output:
	// strata_cost_total{data_type="cpc",provider="ads"} 0.04
	// strata_cost_total{data_type="cpc",provider="bench"} 0.01
	// strata_provider_attempts_total{class="",outcome="succeeded",provider="bench"} 2
	// strata_provider_attempts_total{class="unavailable",outcome="failed",provider="ads"} 2
	// strata_resolves_total{data_type="cpc",layer="cache"} 1
	// strata_resolves_total{data_type="cpc",layer="secondary"} 2
}
