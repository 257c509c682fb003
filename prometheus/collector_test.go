package prometheus

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/router"
)

// fixed is a Snapshotter that returns the same snapshot every time.
type fixed fallback.Snapshot

func (f fixed) Snapshot() fallback.Snapshot { return fallback.Snapshot(f) }

// twoProviders is a snapshot with every figure set, so that a mapping
// that reads the wrong field shows.
var twoProviders = fixed{
	Providers: []fallback.ProviderSnapshot{
		{
			Name: "ads", Tier: fallback.Primary, Status: router.Degraded, Health: 0.75, Breaker: "half-open",
			Requests: 40, SuccessRate: 0.8, Quality: 0.9, Uptime: 0.95, P50Ms: 12, P95Ms: 80, P99Ms: 250,
			Cost: 0.8, CostByDataType: map[string]float64{"cpc": 0.5, "ctr": 0.3}, BreakerTrips: 2,
		},
		{
			Name: "bench", Tier: fallback.Secondary, Status: router.Healthy, Health: 1, Breaker: "closed",
			Requests: 7, SuccessRate: 1, Quality: 1, Uptime: 1, P50Ms: 3, P95Ms: 5, P99Ms: 9,
			CostByDataType: map[string]float64{},
		},
	},
	Overall: fallback.OverallSnapshot{
		Resolves: 50, Answered: 48, Cost: 0.8, CostPerHour: 0.2, DailyProjection: 4.8, MonthlyProjection: 144,
		CallbackFailures: 3, ForecastFits: 5, ForecastQuickFits: 2, EventsDropped: 6,
		ClaimsWon: 7, ClaimsLost: 4, ClaimWaitsServed: 3,
	},
}

func TestCollectorReportsEverySnapshotFigure(t *testing.T) {
	const want = `
# HELP strata_callback_failures_total Host callback failures the resolver contained: panics, calls abandoned at their deadline, shared entries refused.
# TYPE strata_callback_failures_total counter
strata_callback_failures_total 3
# HELP strata_claim_waits_served_total Walks that found their key's claim taken and served the claimant's answer.
# TYPE strata_claim_waits_served_total counter
strata_claim_waits_served_total 3
# HELP strata_claims_total Fill claims: walks that took their key's claim (won) and that found it taken (lost).
# TYPE strata_claims_total counter
strata_claims_total{result="lost"} 4
strata_claims_total{result="won"} 7
# HELP strata_cost_projected Cost projected over a period at the current rate, in the providers' cost unit.
# TYPE strata_cost_projected gauge
strata_cost_projected{period="day"} 4.8
strata_cost_projected{period="hour"} 0.2
strata_cost_projected{period="month"} 144
# HELP strata_cost_total Money spent on provider attempts, in the providers' cost unit.
# TYPE strata_cost_total counter
strata_cost_total{data_type="cpc",provider="ads"} 0.5
strata_cost_total{data_type="ctr",provider="ads"} 0.3
# HELP strata_events_dropped_total Events the observer did not get because it fell behind by more than its queue holds.
# TYPE strata_events_dropped_total counter
strata_events_dropped_total 6
# HELP strata_forecast_fits_total Forecasts fitted (not taken from the memo).
# TYPE strata_forecast_fits_total counter
strata_forecast_fits_total 5
# HELP strata_forecast_quick_fits_total Forecasts fitted quick, without auto's challengers, for lack of time.
# TYPE strata_forecast_quick_fits_total counter
strata_forecast_quick_fits_total 2
# HELP strata_provider_breaker_state 1 for the provider's circuit breaker's current state, 0 for the others.
# TYPE strata_provider_breaker_state gauge
strata_provider_breaker_state{provider="ads",state="closed"} 0
strata_provider_breaker_state{provider="ads",state="half-open"} 1
strata_provider_breaker_state{provider="ads",state="open"} 0
strata_provider_breaker_state{provider="bench",state="closed"} 1
strata_provider_breaker_state{provider="bench",state="half-open"} 0
strata_provider_breaker_state{provider="bench",state="open"} 0
# HELP strata_provider_breaker_trips_total Times the provider's circuit breaker opened.
# TYPE strata_provider_breaker_trips_total counter
strata_provider_breaker_trips_total{provider="ads"} 2
strata_provider_breaker_trips_total{provider="bench"} 0
# HELP strata_provider_health The provider's health score, in [0, 1].
# TYPE strata_provider_health gauge
strata_provider_health{provider="ads",tier="primary"} 0.75
strata_provider_health{provider="bench",tier="secondary"} 1
# HELP strata_provider_latency_seconds Percentiles of the provider's attempt latency.
# TYPE strata_provider_latency_seconds gauge
strata_provider_latency_seconds{percentile="p50",provider="ads"} 0.012
strata_provider_latency_seconds{percentile="p95",provider="ads"} 0.08
strata_provider_latency_seconds{percentile="p99",provider="ads"} 0.25
strata_provider_latency_seconds{percentile="p50",provider="bench"} 0.003
strata_provider_latency_seconds{percentile="p95",provider="bench"} 0.005
strata_provider_latency_seconds{percentile="p99",provider="bench"} 0.009
# HELP strata_provider_quality_ratio The provider's data-quality score, in [0, 1].
# TYPE strata_provider_quality_ratio gauge
strata_provider_quality_ratio{provider="ads"} 0.9
strata_provider_quality_ratio{provider="bench"} 1
# HELP strata_provider_status 1 for the provider's current health status, 0 for the others.
# TYPE strata_provider_status gauge
strata_provider_status{provider="ads",status="CRITICAL"} 0
strata_provider_status{provider="ads",status="DEGRADED"} 1
strata_provider_status{provider="ads",status="HEALTHY"} 0
strata_provider_status{provider="ads",status="UNHEALTHY"} 0
strata_provider_status{provider="bench",status="CRITICAL"} 0
strata_provider_status{provider="bench",status="DEGRADED"} 0
strata_provider_status{provider="bench",status="HEALTHY"} 1
strata_provider_status{provider="bench",status="UNHEALTHY"} 0
# HELP strata_provider_success_ratio Share of the provider's attempts that succeeded, in [0, 1].
# TYPE strata_provider_success_ratio gauge
strata_provider_success_ratio{provider="ads"} 0.8
strata_provider_success_ratio{provider="bench"} 1
# HELP strata_provider_uptime_ratio Share of time the provider was up, in [0, 1].
# TYPE strata_provider_uptime_ratio gauge
strata_provider_uptime_ratio{provider="ads"} 0.95
strata_provider_uptime_ratio{provider="bench"} 1
`
	c := NewCollector(twoProviders)
	require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(want)))
	// One series per provider and state for the one-hot metrics.
	assert.Equal(t, 2*4, testutil.CollectAndCount(c, "strata_provider_status"))
	assert.Equal(t, 2*3, testutil.CollectAndCount(c, "strata_provider_breaker_state"))
}

// Every metric the Collector describes passes the Prometheus linter, and
// a pedantic registry accepts it (what it collects matches what it
// describes).
func TestCollectorLintsClean(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(NewCollector(twoProviders)))
	problems, err := testutil.GatherAndLint(reg)
	require.NoError(t, err)
	assert.Empty(t, problems)
}

// Labels stay low-cardinality: no label carries a param or key, and
// resolving more keys adds no series.
func TestLabelsAreLowCardinality(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := NewObserver()
		r := newResolver(t, obs, okProvider(1.5))
		reg, series := registered(t, r, obs)
		resolve := func(i int) {
			_, err := r.Resolve(context.Background(), "cpc", fallback.Params{"keyword": fmt.Sprintf("kw-%d", i)})
			require.NoError(t, err)
		}

		resolve(0)
		one := series()
		for i := 1; i <= 50; i++ {
			resolve(i)
		}
		assert.Equal(t, one, series(), "50 more keys, no more series")

		assertLabels(t, reg)
	})
}

// Error text never becomes a label: failures quoting their keys add no
// series.
func TestErrorTextAddsNoSeries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := NewObserver()
		quoting := providers.Func(func(_ context.Context, req providers.Request) (providers.Response, error) {
			return providers.Response{}, providers.Errorf(providers.Permanent, "no data for %s", req.Params["keyword"])
		})
		r := newResolver(t, obs, quoting)
		reg, series := registered(t, r, obs)
		resolve := func(i int) {
			_, err := r.Resolve(context.Background(), "cpc", fallback.Params{"keyword": fmt.Sprintf("kw-%d", i)})
			require.ErrorContains(t, err, fmt.Sprintf("no data for kw-%d", i))
		}

		resolve(0)
		one := series()
		for i := 1; i <= 50; i++ {
			resolve(i)
		}
		assert.Equal(t, one, series(), "50 more failures, no more series")
		assertLabels(t, reg)
	})
}

// registered returns a pedantic registry holding a Collector of r and obs,
// and a count of its series once obs has every event (in a synctest
// bubble).
func registered(t *testing.T, r *fallback.Resolver, obs *Observer) (*prometheus.Registry, func() int) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(NewCollector(r)))
	require.NoError(t, reg.Register(obs))
	return reg, func() int {
		synctest.Wait() // the observer has every event
		n, err := testutil.GatherAndCount(reg)
		require.NoError(t, err)
		return n
	}
}

// assertLabels checks every label reg gathers: a name this package uses,
// and no param value ("kw-…") in the value.
func assertLabels(t *testing.T, reg *prometheus.Registry) {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	require.NotEmpty(t, families)
	for _, mf := range families {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				assert.Contains(t, allowedLabels, l.GetName(), mf.GetName())
				assert.NotContains(t, l.GetValue(), "kw-", "%s{%s}", mf.GetName(), l.GetName())
			}
		}
	}
}

// allowedLabels are every label name this package uses.
var allowedLabels = []string{"provider", "tier", "status", "state", "percentile", "data_type", "period", "layer", "outcome", "class", "result"}

// Against a real resolver, the Collector reads what the resolver counted.
func TestCollectorReadsAResolver(t *testing.T) {
	r := newResolver(t, nil, okProvider(1.5))
	for _, kw := range []string{"shoes", "boots", "shoes"} {
		_, err := r.Resolve(context.Background(), "cpc", fallback.Params{"keyword": kw})
		require.NoError(t, err)
	}
	c := NewCollector(r)
	// Two provider calls (the third resolve is a fresh cache hit) at 0.02 each.
	const want = `
# HELP strata_cost_total Money spent on provider attempts, in the providers' cost unit.
# TYPE strata_cost_total counter
strata_cost_total{data_type="cpc",provider="ads"} 0.04
# HELP strata_provider_breaker_state 1 for the provider's circuit breaker's current state, 0 for the others.
# TYPE strata_provider_breaker_state gauge
strata_provider_breaker_state{provider="ads",state="closed"} 1
strata_provider_breaker_state{provider="ads",state="half-open"} 0
strata_provider_breaker_state{provider="ads",state="open"} 0
# HELP strata_provider_status 1 for the provider's current health status, 0 for the others.
# TYPE strata_provider_status gauge
strata_provider_status{provider="ads",status="CRITICAL"} 0
strata_provider_status{provider="ads",status="DEGRADED"} 0
strata_provider_status{provider="ads",status="HEALTHY"} 1
strata_provider_status{provider="ads",status="UNHEALTHY"} 0
# HELP strata_provider_success_ratio Share of the provider's attempts that succeeded, in [0, 1].
# TYPE strata_provider_success_ratio gauge
strata_provider_success_ratio{provider="ads"} 1
`
	require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(want),
		"strata_cost_total", "strata_provider_breaker_state", "strata_provider_status", "strata_provider_success_ratio"))
}

// okProvider answers v.
func okProvider(v float64) providers.Provider {
	return providers.Func(func(context.Context, providers.Request) (providers.Response, error) {
		return providers.Response{Value: v}, nil
	})
}

// newResolver returns a resolver with one primary provider "ads" (cost
// 0.02) serving "cpc" with a required "keyword" param, and opts, closed
// when the test ends.
func newResolver(t *testing.T, obs fallback.Observer, ads providers.Provider, opts ...fallback.Option) *fallback.Resolver {
	t.Helper()
	cfg := fallback.Config{
		Providers: []fallback.ProviderConfig{{Name: "ads", Tier: fallback.Primary, Cost: 0.02, DataTypes: []string{"cpc"}}},
		DataTypes: []fallback.DataTypeConfig{{Name: "cpc", Params: []fallback.ParamConfig{{Name: "keyword", Required: true}}}},
	}
	opts = append(opts, fallback.WithProvider("ads", ads))
	if obs != nil {
		opts = append(opts, fallback.WithObserver(obs))
	}
	r, err := fallback.New(cfg, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// Several resolvers share a registry when each is wrapped with labels of
// its own, as the package documentation says.
func TestSeveralResolversInOneRegistry(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	for _, name := range []string{"eu", "us"} {
		wrapped := prometheus.WrapRegistererWith(prometheus.Labels{"resolver": name}, reg)
		require.NoError(t, wrapped.Register(NewCollector(twoProviders)))
		require.NoError(t, wrapped.Register(NewObserver()))
	}
	n, err := testutil.GatherAndCount(reg, "strata_provider_health")
	require.NoError(t, err)
	assert.Equal(t, 2*2, n, "two providers per resolver")
	err = reg.Register(NewCollector(twoProviders))
	assert.Error(t, err, "unwrapped, a second Collector collides")
}

// Neither the Collector nor the Observer registers itself: the default
// registry gathers the same families before and after they are made and
// used.
func TestNothingIsRegisteredGlobally(t *testing.T) {
	families := func() []string {
		mfs, err := prometheus.DefaultGatherer.Gather()
		require.NoError(t, err)
		var names []string
		for _, mf := range mfs {
			names = append(names, mf.GetName())
		}
		return names
	}
	before := families()
	o := NewObserver()
	for _, e := range walkEvents() {
		o.Observe(context.Background(), e)
	}
	testutil.CollectAndCount(NewCollector(twoProviders))
	testutil.CollectAndCount(o)
	assert.Equal(t, before, families())
}

// A nil source, such as the resolver fallback.New returns with its
// error, is refused at once, not left to fail every scrape.
func TestNewCollectorRefusesANilSource(t *testing.T) {
	assert.Panics(t, func() { NewCollector(nil) })
	assert.Panics(t, func() { NewCollector((*fallback.Resolver)(nil)) })
}

// The package doc's table lists every metric the collector describes.
func TestDocListsEveryCollectorMetric(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	ch := make(chan *prometheus.Desc, 64)
	go func() {
		NewCollector(twoProviders).Describe(ch)
		close(ch)
	}()
	n := 0
	for d := range ch {
		name := regexp.MustCompile(`fqName: "([^"]+)"`).FindStringSubmatch(d.String())
		require.Len(t, name, 2, d.String())
		assert.Contains(t, string(doc), "//\t"+name[1]+" ", "doc.go's table lacks %s", name[1])
		n++
	}
	assert.Greater(t, n, 10)
}
