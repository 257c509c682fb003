package otel

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/strata-go/strata/fallback"
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

// newMeter returns a Config whose meter provider feeds a manual reader.
func newMeter(t *testing.T) (Config, *sdkmetric.ManualReader) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	return Config{MeterProvider: mp}, reader
}

// collect reads every metric of this package's scope, by name.
func collect(t *testing.T, reader *sdkmetric.ManualReader) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	got := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != ScopeName {
			continue
		}
		for _, m := range sm.Metrics {
			got[m.Name] = m
		}
	}
	return got
}

func gaugePoint(v float64, kv ...attribute.KeyValue) metricdata.DataPoint[float64] {
	return metricdata.DataPoint[float64]{Attributes: attribute.NewSet(kv...), Value: v}
}

func TestSnapshotMetricsReportEverySnapshotFigure(t *testing.T) {
	cfg, reader := newMeter(t)
	sm, err := NewSnapshotMetrics(twoProviders, cfg)
	require.NoError(t, err)
	defer sm.Unregister()

	got := collect(t, reader)
	ads, bench := attrProvider.String("ads"), attrProvider.String("bench")
	gauge := func(name, unit string, points ...metricdata.DataPoint[float64]) {
		t.Helper()
		m, ok := got[name]
		require.True(t, ok, "no %s", name)
		assert.Equal(t, unit, m.Unit, name)
		assert.NotEmpty(t, m.Description, name)
		metricdatatest.AssertAggregationsEqual(t, metricdata.Gauge[float64]{DataPoints: points}, m.Data, metricdatatest.IgnoreTimestamp())
	}
	counter := func(name, unit string, points ...metricdata.DataPoint[float64]) {
		t.Helper()
		m, ok := got[name]
		require.True(t, ok, "no %s", name)
		assert.Equal(t, unit, m.Unit, name)
		assert.NotEmpty(t, m.Description, name)
		metricdatatest.AssertAggregationsEqual(t, metricdata.Sum[float64]{
			DataPoints: points, Temporality: metricdata.CumulativeTemporality, IsMonotonic: true,
		}, m.Data, metricdatatest.IgnoreTimestamp())
	}

	gauge("strata.provider.health", "1",
		gaugePoint(0.75, ads, attrTier.String("primary")),
		gaugePoint(1, bench, attrTier.String("secondary")))
	gauge("strata.provider.status", "1",
		gaugePoint(0, ads, attrStatus.String("HEALTHY")),
		gaugePoint(1, ads, attrStatus.String("DEGRADED")),
		gaugePoint(0, ads, attrStatus.String("UNHEALTHY")),
		gaugePoint(0, ads, attrStatus.String("CRITICAL")),
		gaugePoint(1, bench, attrStatus.String("HEALTHY")),
		gaugePoint(0, bench, attrStatus.String("DEGRADED")),
		gaugePoint(0, bench, attrStatus.String("UNHEALTHY")),
		gaugePoint(0, bench, attrStatus.String("CRITICAL")))
	gauge("strata.provider.breaker.state", "1",
		gaugePoint(0, ads, attrBreakerState.String("closed")),
		gaugePoint(0, ads, attrBreakerState.String("open")),
		gaugePoint(1, ads, attrBreakerState.String("half-open")),
		gaugePoint(1, bench, attrBreakerState.String("closed")),
		gaugePoint(0, bench, attrBreakerState.String("open")),
		gaugePoint(0, bench, attrBreakerState.String("half-open")))
	counter("strata.provider.breaker.trips", "{trip}", gaugePoint(2, ads), gaugePoint(0, bench))
	gauge("strata.provider.success_ratio", "1", gaugePoint(0.8, ads), gaugePoint(1, bench))
	gauge("strata.provider.quality", "1", gaugePoint(0.9, ads), gaugePoint(1, bench))
	gauge("strata.provider.uptime", "1", gaugePoint(0.95, ads), gaugePoint(1, bench))
	counter("strata.cost", "{cost}",
		gaugePoint(0.5, ads, attrDataType.String("cpc")),
		gaugePoint(0.3, ads, attrDataType.String("ctr")))
	gauge("strata.cost.projected", "{cost}",
		gaugePoint(0.2, attrPeriod.String("hour")),
		gaugePoint(4.8, attrPeriod.String("day")),
		gaugePoint(144, attrPeriod.String("month")))
	counter("strata.callback.failures", "{failure}", gaugePoint(3))
	counter("strata.forecast.fits", "{fit}", gaugePoint(5))
	counter("strata.forecast.quick_fits", "{fit}", gaugePoint(2))
	counter("strata.events.dropped", "{event}", gaugePoint(6))
	counter("strata.claims", "{claim}",
		gaugePoint(7, attrClaimResult.String("won")),
		gaugePoint(4, attrClaimResult.String("lost")))
	counter("strata.claim.waits_served", "{wait}", gaugePoint(3))
	assert.Len(t, got, 15, "every instrument is checked above")
}

// Each collection takes a new snapshot.
func TestSnapshotMetricsReadEachCollection(t *testing.T) {
	cfg, reader := newMeter(t)
	src := &changing{s: fallback.Snapshot(twoProviders)}
	sm, err := NewSnapshotMetrics(src, cfg)
	require.NoError(t, err)
	defer sm.Unregister()

	health := func() float64 {
		g := collect(t, reader)["strata.provider.health"].Data.(metricdata.Gauge[float64])
		for _, p := range g.DataPoints {
			if v, _ := p.Attributes.Value(attrProvider); v.AsString() == "ads" {
				return p.Value
			}
		}
		t.Fatal("no point for ads")
		return 0
	}
	assert.Equal(t, 0.75, health())
	src.s.Providers = []fallback.ProviderSnapshot{{Name: "ads", Tier: fallback.Primary, Health: 0.5, CostByDataType: map[string]float64{}}}
	assert.Equal(t, 0.5, health())
	assert.Equal(t, 2, src.calls)
}

// Two resolvers on one meter provider report into the same series, as
// NewSnapshotMetrics warns: ads's trips add up (2 + 2) with no error.
func TestTwoResolversOnOneMeterMerge(t *testing.T) {
	cfg, reader := newMeter(t)
	for range 2 {
		sm, err := NewSnapshotMetrics(twoProviders, cfg)
		require.NoError(t, err)
		defer sm.Unregister()
	}
	m := collect(t, reader)["strata.provider.breaker.trips"]
	var trips []float64
	switch d := m.Data.(type) {
	case metricdata.Sum[float64]:
		for _, p := range d.DataPoints {
			if v, _ := p.Attributes.Value(attrProvider); v.AsString() == "ads" {
				trips = append(trips, p.Value)
			}
		}
	default:
		t.Fatalf("trips is a %T", m.Data)
	}
	assert.Equal(t, []float64{4}, trips)
}

// changing is a Snapshotter whose snapshot the test changes between
// collections (collections run on the test's goroutine).
type changing struct {
	s     fallback.Snapshot
	calls int
}

func (c *changing) Snapshot() fallback.Snapshot { c.calls++; return c.s }

// After Unregister, collections no longer read the resolver; a second
// Unregister is harmless.
func TestSnapshotMetricsUnregister(t *testing.T) {
	cfg, reader := newMeter(t)
	src := &changing{s: fallback.Snapshot(twoProviders)}
	sm, err := NewSnapshotMetrics(src, cfg)
	require.NoError(t, err)
	require.NotEmpty(t, collect(t, reader))
	require.Equal(t, 1, src.calls)

	require.NoError(t, sm.Unregister())
	require.NoError(t, sm.Unregister())
	collect(t, reader)
	assert.Equal(t, 1, src.calls, "no snapshot taken after Unregister")
}

// Only the first Unregister unregisters; later calls return its error.
func TestSnapshotMetricsUnregisterOnce(t *testing.T) {
	reg := &failingRegistration{}
	sm, err := NewSnapshotMetrics(twoProviders, Config{MeterProvider: registeringMeterProvider{reg: reg}})
	require.NoError(t, err)
	assert.ErrorIs(t, sm.Unregister(), errRefused)
	assert.ErrorIs(t, sm.Unregister(), errRefused)
	assert.Equal(t, 1, reg.calls)
}

// A nil source, such as the resolver fallback.New returns with its
// error, is refused at once, not left to panic at each collection.
func TestSnapshotMetricsRefuseANilSource(t *testing.T) {
	cfg, reader := newMeter(t)
	for _, src := range []Snapshotter{nil, (*fallback.Resolver)(nil)} {
		sm, err := NewSnapshotMetrics(src, cfg)
		assert.Error(t, err)
		assert.Nil(t, sm)
	}
	assert.Empty(t, collect(t, reader))
}

// The package doc's table lists every metric SnapshotMetrics reports.
func TestDocListsEverySnapshotMetric(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	cfg, reader := newMeter(t)
	sm, err := NewSnapshotMetrics(twoProviders, cfg)
	require.NoError(t, err)
	defer sm.Unregister()
	got := collect(t, reader)
	assert.Greater(t, len(got), 10)
	for name := range got {
		assert.Contains(t, string(doc), "//\t"+name+" ", "doc.go's table lacks %s", name)
	}
}

// wrapped is a Snapshotter of the host's own around a resolver, which
// NewSnapshotMetrics cannot see is nil.
type wrapped struct{ r *fallback.Resolver }

func (w wrapped) Snapshot() fallback.Snapshot { return w.r.Snapshot() }

// A Snapshotter that panics fails its collection with an error instead
// of ending the process (the callback runs in the reader's goroutine),
// and every other callback's figures are kept.
func TestSnapshotMetricsContainAPanickingSnapshotter(t *testing.T) {
	cfg, reader := newMeter(t)
	bad, err := NewSnapshotMetrics(wrapped{}, cfg)
	require.NoError(t, err)
	defer bad.Unregister()
	good, err := NewSnapshotMetrics(fixed{Overall: fallback.OverallSnapshot{ForecastFits: 5}}, cfg)
	require.NoError(t, err)
	defer good.Unregister()
	var rm metricdata.ResourceMetrics
	require.NotPanics(t, func() { err = reader.Collect(context.Background(), &rm) })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "otel: Snapshot panicked")
	var fits []metricdata.DataPoint[float64]
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == "strata.forecast.fits" {
				fits = m.Data.(metricdata.Sum[float64]).DataPoints
			}
		}
	}
	require.Len(t, fits, 1)
	assert.Equal(t, 5.0, fits[0].Value)
}
