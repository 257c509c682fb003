package otel

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers"
)

// telemetry is an SDK pipeline that keeps everything in memory: spans in
// an exporter fed synchronously, metrics in a manual reader.
type telemetry struct {
	cfg    Config
	spans  *tracetest.InMemoryExporter
	reader *sdkmetric.ManualReader
	tracer trace.Tracer // the test's own, for the caller's span
}

func newTelemetry(t testing.TB) *telemetry {
	t.Helper()
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() {
		_ = tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	return &telemetry{cfg: Config{TracerProvider: tp, MeterProvider: mp}, spans: spans, reader: reader, tracer: tp.Tracer("test")}
}

// named returns the ended spans called name, in the order they ended.
func (tel *telemetry) named(name string) tracetest.SpanStubs {
	var out tracetest.SpanStubs
	for _, s := range tel.spans.GetSpans() {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// attrs returns a span's attributes as a map.
func attrs(s tracetest.SpanStub) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes {
		m[kv.Key] = kv.Value
	}
	return m
}

// histPoint is a histogram data point of the given observations over
// DurationBoundaries.
func histPoint(set attribute.Set, values ...float64) metricdata.HistogramDataPoint[float64] {
	bounds := DurationBoundaries()
	counts := make([]uint64, len(bounds)+1)
	p := metricdata.HistogramDataPoint[float64]{Attributes: set, Bounds: bounds, BucketCounts: counts}
	lo, hi := values[0], values[0]
	for _, v := range values {
		i := 0
		for i < len(bounds) && v > bounds[i] {
			i++
		}
		counts[i]++
		p.Count++
		p.Sum += v
		lo, hi = min(lo, v), max(hi, v)
	}
	p.Min, p.Max = metricdata.NewExtrema(lo), metricdata.NewExtrema(hi)
	return p
}

func intPoint(v int64, kv ...attribute.KeyValue) metricdata.DataPoint[int64] {
	return metricdata.DataPoint[int64]{Attributes: attribute.NewSet(kv...), Value: v}
}

func sum(monotonic bool, points ...metricdata.DataPoint[int64]) metricdata.Sum[int64] {
	return metricdata.Sum[int64]{DataPoints: points, Temporality: metricdata.CumulativeTemporality, IsMonotonic: monotonic}
}

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// at is t0 plus ms milliseconds.
func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

// walkEvents are the events of a resolve of cpc{keyword=shoes} whose
// primary failed after 10 ms and whose secondary answered after 20 ms,
// ending 35 ms after t0.
func walkEvents() []fallback.Event {
	// One resolve (Event.Resolve 1) and its walk.
	params := fallback.Params{"keyword": "shoes"}
	return []fallback.Event{
		{Kind: fallback.EventAttemptStart, Time: at(1), DataType: "cpc", Params: params, Resolve: 1, Provider: "ads", Tier: fallback.Primary},
		{Kind: fallback.EventAttempt, Time: at(11), DataType: "cpc", Params: params, Resolve: 1, Provider: "ads", Tier: fallback.Primary,
			Outcome: fallback.Failed, Class: providers.Unavailable, Latency: 10 * time.Millisecond, Cost: 0.02, Err: errors.New("ads: down")},
		{Kind: fallback.EventAttempt, Time: at(11), DataType: "cpc", Params: params, Resolve: 1, Provider: "ads2", Tier: fallback.Primary,
			Outcome: fallback.Skipped, Skip: fallback.SkipBreakerOpen},
		{Kind: fallback.EventAttemptStart, Time: at(12), DataType: "cpc", Params: params, Resolve: 1, Provider: "bench", Tier: fallback.Secondary},
		{Kind: fallback.EventAttempt, Time: at(32), DataType: "cpc", Params: params, Resolve: 1, Provider: "bench", Tier: fallback.Secondary,
			Outcome: fallback.Succeeded, Latency: 20 * time.Millisecond, Cost: 0.005},
		{Kind: fallback.EventResolve, Time: at(35), DataType: "cpc", Params: params, Resolve: 1, Layer: fallback.LayerSecondary, Source: "bench",
			Value: 1.1, Confidence: 0.85, Cost: 0.025, Latency: 35 * time.Millisecond},
	}
}

func TestObserverNestsAttemptSpansUnderTheirResolve(t *testing.T) {
	tel := newTelemetry(t)
	o, err := NewObserver(tel.cfg)
	require.NoError(t, err)
	ctx, caller := tel.tracer.Start(context.Background(), "caller")
	for _, e := range walkEvents() {
		o.Observe(ctx, e)
	}
	caller.End()

	resolves := tel.named("strata.resolve")
	require.Len(t, resolves, 1)
	res := resolves[0]
	assert.Equal(t, caller.SpanContext().SpanID(), res.Parent.SpanID(), "the resolve is a child of the caller's span")
	assert.Equal(t, caller.SpanContext().TraceID(), res.SpanContext.TraceID())
	assert.Equal(t, at(0), res.StartTime, "Time − Latency")
	assert.Equal(t, at(35), res.EndTime, "Time")
	assert.Equal(t, trace.SpanKindInternal, res.SpanKind)
	assert.Equal(t, codes.Unset, res.Status.Code)
	assert.Equal(t, map[attribute.Key]attribute.Value{
		"strata.data_type":     attribute.StringValue("cpc"),
		"strata.layer":         attribute.StringValue("secondary"),
		"strata.source":        attribute.StringValue("bench"),
		"strata.confidence":    attribute.Float64Value(0.85),
		"strata.cost":          attribute.Float64Value(0.025),
		"strata.value":         attribute.Float64Value(1.1),
		"strata.param.keyword": attribute.StringValue("shoes"),
	}, attrs(res))
	assert.Equal(t, ScopeName, res.InstrumentationScope.Name)

	attempts := tel.named("strata.attempt")
	require.Len(t, attempts, 3)
	for _, a := range attempts {
		assert.Equal(t, res.SpanContext.SpanID(), a.Parent.SpanID(), "an attempt is a child of its resolve")
		assert.Equal(t, res.SpanContext.TraceID(), a.SpanContext.TraceID())
	}
	ads, skipped, bench := attempts[0], attempts[1], attempts[2]
	assert.Equal(t, at(1), ads.StartTime)
	assert.Equal(t, at(11), ads.EndTime)
	assert.Equal(t, codes.Error, ads.Status.Code)
	assert.Equal(t, "ads: down", ads.Status.Description)
	assert.Equal(t, map[attribute.Key]attribute.Value{
		"strata.provider":      attribute.StringValue("ads"),
		"strata.provider.tier": attribute.StringValue("primary"),
		"strata.outcome":       attribute.StringValue("failed"),
		"error.type":           attribute.StringValue("unavailable"),
		"strata.data_type":     attribute.StringValue("cpc"),
		"strata.cost":          attribute.Float64Value(0.02),
	}, attrs(ads))
	assert.Equal(t, at(11), skipped.StartTime, "a skipped attempt takes no time")
	assert.Equal(t, at(11), skipped.EndTime)
	assert.Equal(t, "breaker_open", attrs(skipped)["strata.skip_reason"].AsString())
	assert.Equal(t, codes.Unset, skipped.Status.Code)
	assert.Equal(t, at(12), bench.StartTime)
	assert.Equal(t, at(32), bench.EndTime)
	assert.Equal(t, codes.Unset, bench.Status.Code)
	assert.Equal(t, "succeeded", attrs(bench)["strata.outcome"].AsString())
}

func TestObserverCountsEvents(t *testing.T) {
	tel := newTelemetry(t)
	o, err := NewObserver(tel.cfg)
	require.NoError(t, err)
	ctx := context.Background()
	for _, e := range walkEvents() {
		o.Observe(ctx, e)
	}
	// A fresh cache hit (not timed), a failed resolve, a breaker opening.
	o.Observe(ctx, fallback.Event{Kind: fallback.EventResolve, Time: at(40), DataType: "cpc", Layer: fallback.LayerCache, Source: "bench"})
	o.Observe(ctx, fallback.Event{Kind: fallback.EventResolve, Time: at(90), DataType: "ctr", Latency: 50 * time.Millisecond,
		Err: context.DeadlineExceeded})
	o.Observe(ctx, fallback.Event{Kind: fallback.EventBreaker, Time: at(91), Provider: "ads", From: "closed", To: "open"})

	got := collect(t, tel.reader)
	cpc, ctr := attrDataType.String("cpc"), attrDataType.String("ctr")
	ads, bench := attrProvider.String("ads"), attrProvider.String("bench")

	m := got["strata.resolves"]
	assert.Equal(t, "{resolve}", m.Unit)
	metricdatatest.AssertAggregationsEqual(t, sum(true,
		intPoint(1, cpc, attrLayer.String("secondary")),
		intPoint(1, cpc, attrLayer.String("cache")),
		intPoint(1, ctr, attrLayer.String("none"), attrErrorType.String("deadline_exceeded")),
	), m.Data, metricdatatest.IgnoreTimestamp())

	m = got["strata.resolve.duration"]
	assert.Equal(t, "s", m.Unit)
	metricdatatest.AssertAggregationsEqual(t, metricdata.Histogram[float64]{
		Temporality: metricdata.CumulativeTemporality,
		DataPoints: []metricdata.HistogramDataPoint[float64]{
			histPoint(attribute.NewSet(cpc, attrLayer.String("secondary")), 0.035),
			histPoint(attribute.NewSet(ctr, attrLayer.String("none"), attrErrorType.String("deadline_exceeded")), 0.05),
		},
	}, m.Data, metricdatatest.IgnoreTimestamp())

	m = got["strata.provider.attempts"]
	assert.Equal(t, "{attempt}", m.Unit)
	metricdatatest.AssertAggregationsEqual(t, sum(true,
		intPoint(1, ads, attrOutcome.String("failed"), attrErrorType.String("unavailable")),
		intPoint(1, attrProvider.String("ads2"), attrOutcome.String("skipped"), attrSkipReason.String("breaker_open")),
		intPoint(1, bench, attrOutcome.String("succeeded")),
	), m.Data, metricdatatest.IgnoreTimestamp())

	m = got["strata.provider.attempt.duration"]
	assert.Equal(t, "s", m.Unit)
	metricdatatest.AssertAggregationsEqual(t, metricdata.Histogram[float64]{
		Temporality: metricdata.CumulativeTemporality,
		DataPoints: []metricdata.HistogramDataPoint[float64]{
			histPoint(attribute.NewSet(ads, attrOutcome.String("failed")), 0.01),
			histPoint(attribute.NewSet(bench, attrOutcome.String("succeeded")), 0.02),
		},
	}, m.Data, metricdatatest.IgnoreTimestamp())

	m = got["strata.provider.in_flight"]
	assert.Equal(t, "{attempt}", m.Unit)
	metricdatatest.AssertAggregationsEqual(t, sum(false, intPoint(0, ads), intPoint(0, bench)),
		m.Data, metricdatatest.IgnoreTimestamp())

	m = got["strata.provider.breaker.transitions"]
	metricdatatest.AssertAggregationsEqual(t, sum(true, intPoint(1, ads, attrBreakerState.String("open"))),
		m.Data, metricdatatest.IgnoreTimestamp())
	assert.Len(t, got, 6, "every instrument is checked above")

	// The failed resolve's span has an error status.
	var failed tracetest.SpanStubs
	for _, s := range tel.named("strata.resolve") {
		if s.Status.Code == codes.Error {
			failed = append(failed, s)
		}
	}
	require.Len(t, failed, 1)
	assert.Equal(t, "ctr", attrs(failed[0])["strata.data_type"].AsString())
	assert.Equal(t, "deadline_exceeded", attrs(failed[0])["error.type"].AsString())
	assert.Equal(t, context.DeadlineExceeded.Error(), failed[0].Status.Description)
	_, hasValue := attrs(failed[0])["strata.value"]
	assert.False(t, hasValue, "no value without an answer")
}

// The in-flight count follows attempt starts and ends, and never goes
// below zero when a start was lost.
func TestObserverInFlight(t *testing.T) {
	tel := newTelemetry(t)
	o, err := NewObserver(tel.cfg)
	require.NoError(t, err)
	ctx := context.Background()
	inFlight := func() int64 { return soleInFlight(t, tel.reader) }
	start := fallback.Event{Kind: fallback.EventAttemptStart, Time: at(0), Provider: "ads"}
	end := fallback.Event{Kind: fallback.EventAttempt, Time: at(5), Provider: "ads", Outcome: fallback.Succeeded, Latency: 5 * time.Millisecond}
	o.Observe(ctx, start)
	o.Observe(ctx, start)
	assert.Equal(t, int64(2), inFlight())
	o.Observe(ctx, end)
	assert.Equal(t, int64(1), inFlight())
	o.Observe(ctx, end)
	o.Observe(ctx, end) // its start was lost
	assert.Equal(t, int64(0), inFlight())
	o.Observe(ctx, start)
	assert.Equal(t, int64(1), inFlight(), "the lost start left no debt")
}

// An end counts only for the attempt it ends: one whose call was refused
// after its start (ended as skipped) ends it, and one that failed before
// its provider was to be called (no start: its credentials could not be
// had) takes nothing off the count of the others.
func TestObserverInFlightPairsEndsWithTheirStarts(t *testing.T) {
	tel := newTelemetry(t)
	o, err := NewObserver(tel.cfg)
	require.NoError(t, err)
	ctx := context.Background()
	inFlight := func() int64 { return soleInFlight(t, tel.reader) }
	o.Observe(ctx, fallback.Event{Kind: fallback.EventAttemptStart, Time: at(0), Resolve: 3, Provider: "ads"})
	o.Observe(ctx, fallback.Event{Kind: fallback.EventAttempt, Time: at(1), Resolve: 3, Provider: "ads", Outcome: fallback.Skipped, Skip: fallback.SkipClosed})
	assert.Equal(t, int64(0), inFlight(), "resolve 3's attempt ended, not called")
	o.Observe(ctx, fallback.Event{Kind: fallback.EventAttemptStart, Time: at(2), Resolve: 1, Provider: "ads"})
	o.Observe(ctx, fallback.Event{Kind: fallback.EventAttempt, Time: at(3), Resolve: 2, Provider: "ads", Outcome: fallback.Failed, Class: providers.Auth})
	assert.Equal(t, int64(1), inFlight(), "resolve 1's call is still in flight")
	o.Observe(ctx, fallback.Event{Kind: fallback.EventAttempt, Time: at(5), Resolve: 1, Provider: "ads", Outcome: fallback.Succeeded, Latency: 5 * time.Millisecond})
	assert.Equal(t, int64(0), inFlight())
	o.Flush()
}

// The attempts remembered as started are bounded: past openLimit (only
// ends lost by an observer that fell behind leave them open), one is
// forgotten as if it had ended.
func TestObserverForgetsAttemptsPastTheLimit(t *testing.T) {
	tel := newTelemetry(t)
	o, err := NewObserver(tel.cfg)
	require.NoError(t, err)
	for i := range openLimit + 1 {
		o.Observe(context.Background(), fallback.Event{Kind: fallback.EventAttemptStart, Resolve: uint64(i + 1), Provider: "ads"})
	}
	assert.Len(t, o.open, openLimit)
	s := collect(t, tel.reader)["strata.provider.in_flight"].Data.(metricdata.Sum[int64])
	require.Len(t, s.DataPoints, 1)
	assert.Equal(t, int64(openLimit), s.DataPoints[0].Value)
}

// A follower's resolve (Shared) gets no attempt spans: the walk was its
// leader's.
func TestObserverFollowerClaimsNoAttempts(t *testing.T) {
	tel := newTelemetry(t)
	o, err := NewObserver(tel.cfg)
	require.NoError(t, err)
	ctx, caller := tel.tracer.Start(context.Background(), "caller")
	evs := walkEvents()
	last := len(evs) - 1
	follower := evs[last]
	follower.Shared = true
	for _, e := range evs[:last] {
		o.Observe(ctx, e)
	}
	o.Observe(ctx, follower)
	o.Observe(ctx, evs[last])
	caller.End()

	resolves := tel.named("strata.resolve")
	require.Len(t, resolves, 2)
	assert.True(t, attrs(resolves[0])["strata.shared"].AsBool())
	leader := resolves[1]
	for _, a := range tel.named("strata.attempt") {
		assert.Equal(t, leader.SpanContext.SpanID(), a.Parent.SpanID())
	}
	assert.Len(t, tel.named("strata.attempt"), 3)
}

// Attempts are tied to their resolve by the caller's span and the key:
// two callers resolving at once each get their own attempts.
func TestObserverKeepsCallersApart(t *testing.T) {
	tel := newTelemetry(t)
	o, err := NewObserver(tel.cfg)
	require.NoError(t, err)
	ctxA, a := tel.tracer.Start(context.Background(), "a")
	ctxB, b := tel.tracer.Start(context.Background(), "b")
	as := func(e fallback.Event, resolve uint64, keyword string) fallback.Event {
		e.Resolve, e.Params = resolve, fallback.Params{"keyword": keyword}
		return e
	}
	evs := walkEvents()
	// Interleaved: resolve 1's attempt (A, shoes), resolve 2's (B, shoes),
	// resolve 3's (A again, boots); then the resolves in another order.
	o.Observe(ctxA, as(evs[1], 1, "shoes"))
	o.Observe(ctxB, as(evs[1], 2, "shoes"))
	o.Observe(ctxA, as(evs[4], 3, "boots"))
	o.Observe(ctxB, as(evs[5], 2, "shoes"))
	o.Observe(ctxA, as(evs[5], 3, "boots"))
	o.Observe(ctxA, as(evs[5], 1, "shoes"))
	a.End()
	b.End()

	parentOf := map[trace.SpanID]tracetest.SpanStub{}
	for _, r := range tel.named("strata.resolve") {
		parentOf[r.SpanContext.SpanID()] = r
	}
	require.Len(t, parentOf, 3)
	got := map[string]int{}
	for _, at := range tel.named("strata.attempt") {
		r, ok := parentOf[at.Parent.SpanID()]
		require.True(t, ok, "every attempt is under a resolve")
		caller := "a"
		if r.Parent.SpanID() == b.SpanContext().SpanID() {
			caller = "b"
		}
		got[caller+" "+attrs(r)["strata.param.keyword"].AsString()+" "+attrs(at)["strata.provider"].AsString()]++
	}
	assert.Equal(t, map[string]int{"a shoes ads": 1, "b shoes ads": 1, "a boots bench": 1}, got)
}

// An attempt whose resolve's event never comes becomes a child of its
// caller's span: holdFor after it ended by the events' clock, beyond
// heldLimit attempts, or at Flush.
func TestObserverLetsUnclaimedAttemptsGo(t *testing.T) {
	orphan := walkEvents()[1] // ads failed, ended at(11)
	t.Run("after holdFor", func(t *testing.T) {
		tel := newTelemetry(t)
		o, err := NewObserver(tel.cfg)
		require.NoError(t, err)
		ctx, caller := tel.tracer.Start(context.Background(), "caller")
		o.Observe(ctx, orphan)
		o.Observe(ctx, fallback.Event{Kind: fallback.EventAttemptStart, Time: orphan.Time.Add(holdFor), Provider: "x"})
		assert.Empty(t, tel.named("strata.attempt"), "held for holdFor")
		o.Observe(ctx, fallback.Event{Kind: fallback.EventAttemptStart, Time: orphan.Time.Add(holdFor + time.Millisecond), Provider: "x"})
		got := tel.named("strata.attempt")
		require.Len(t, got, 1)
		assert.Equal(t, caller.SpanContext().SpanID(), got[0].Parent.SpanID())
		assert.Equal(t, at(11), got[0].EndTime, "still the event's own times")
	})
	t.Run("beyond heldLimit", func(t *testing.T) {
		tel := newTelemetry(t)
		o, err := NewObserver(tel.cfg)
		require.NoError(t, err)
		ctx := context.Background()
		for i := range heldLimit + 1 {
			e := orphan
			e.Time = at(11 + i)
			e.Resolve = uint64(i + 1)
			o.Observe(ctx, e)
		}
		got := tel.named("strata.attempt")
		require.Len(t, got, 1, "only the oldest goes")
		assert.Equal(t, at(11), got[0].EndTime)
		assert.Equal(t, heldLimit, o.nHeld)
	})
	t.Run("at Flush", func(t *testing.T) {
		tel := newTelemetry(t)
		o, err := NewObserver(tel.cfg)
		require.NoError(t, err)
		o.Observe(context.Background(), orphan)
		o.Flush()
		assert.Len(t, tel.named("strata.attempt"), 1)
		assert.Zero(t, o.nHeld)
		o.Observe(context.Background(), walkEvents()[5])
		assert.Len(t, tel.named("strata.attempt"), 1, "a flushed attempt is not claimed again")
	})
}

// A failed resolve's span has an error status and error.type; so has its
// counter. error.type is one of a few names, never the error's text.
func TestErrorType(t *testing.T) {
	for err, want := range map[error]string{
		fallback.ErrClosed:                                 "closed",
		fallback.ErrBudgetExhausted:                        "budget_exhausted",
		context.DeadlineExceeded:                           "deadline_exceeded",
		context.Canceled:                                   "canceled",
		fallback.ErrNoAnswer:                               "no_answer",
		fallback.ErrInvalidParams:                          "invalid_params",
		fallback.ErrUnknownDataType:                        "unknown_data_type",
		errors.Join(errors.New("x"), fallback.ErrNoAnswer): "no_answer",
		errors.New("something else"):                       "_OTHER",
	} {
		assert.Equal(t, want, errorType(err), err.Error())
	}
}

// The zero Config uses the global providers.
func TestZeroConfigUsesTheGlobalProviders(t *testing.T) {
	tel := newTelemetry(t)
	restore := setGlobal(tel.cfg)
	defer restore()
	o, err := NewObserver(Config{})
	require.NoError(t, err)
	for _, e := range walkEvents() {
		o.Observe(context.Background(), e)
	}
	assert.Len(t, tel.named("strata.resolve"), 1)
	assert.Contains(t, collect(t, tel.reader), "strata.resolves")
}

// A no-op provider turns its half off, as Config says: with the global
// providers recording, a no-op tracer leaves no span and a no-op meter no
// measurement, while the other half still reaches the global one.
func TestNoopProvidersTurnEachOff(t *testing.T) {
	t.Run("tracer", func(t *testing.T) {
		tel := newTelemetry(t)
		defer setGlobal(tel.cfg)()
		o, err := NewObserver(Config{TracerProvider: tracenoop.NewTracerProvider()})
		require.NoError(t, err)
		for _, e := range walkEvents() {
			o.Observe(context.Background(), e)
		}
		assert.Empty(t, tel.spans.GetSpans())
		assert.Contains(t, collect(t, tel.reader), "strata.resolves")
	})
	t.Run("meter", func(t *testing.T) {
		tel := newTelemetry(t)
		defer setGlobal(tel.cfg)()
		o, err := NewObserver(Config{MeterProvider: metricnoop.NewMeterProvider()})
		require.NoError(t, err)
		for _, e := range walkEvents() {
			o.Observe(context.Background(), e)
		}
		sm, err := NewSnapshotMetrics(twoProviders, Config{MeterProvider: metricnoop.NewMeterProvider()})
		require.NoError(t, err)
		defer sm.Unregister()
		assert.Len(t, tel.named("strata.resolve"), 1)
		assert.Empty(t, collect(t, tel.reader))
	})
}

// NewObserver and NewSnapshotMetrics return the meter's error.
func TestMeterErrorsAreReturned(t *testing.T) {
	cfg := Config{MeterProvider: refusingMeterProvider{}}
	_, err := NewObserver(cfg)
	assert.ErrorIs(t, err, errRefused)
	_, err = NewSnapshotMetrics(twoProviders, cfg)
	assert.ErrorIs(t, err, errRefused)
}

// Events of kinds the Observer does not record leave no span and no
// measurement.
func TestObserverIgnoresOtherKinds(t *testing.T) {
	tel := newTelemetry(t)
	o, err := NewObserver(tel.cfg)
	require.NoError(t, err)
	o.Observe(context.Background(), fallback.Event{Kind: fallback.EventWarm, Time: at(0), DataType: "cpc", Done: 1, Total: 2})
	o.Observe(context.Background(), fallback.Event{Kind: fallback.EventCallback, Time: at(0), Source: "store.Get", Err: errors.New("x")})
	assert.Empty(t, tel.spans.GetSpans())
	assert.Empty(t, collect(t, tel.reader))
}

// An Observer serves several resolvers at once while being collected
// (the race detector checks the claim); each caller's attempts still land
// under its own resolve.
func TestObserverIsSafeForConcurrentUse(t *testing.T) {
	tel := newTelemetry(t)
	o, err := NewObserver(tel.cfg)
	require.NoError(t, err)
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 50 {
				ctx, caller := tel.tracer.Start(context.Background(), "caller")
				for _, e := range walkEvents() {
					o.Observe(ctx, e)
				}
				caller.End()
			}
		}()
	}
	for range 20 {
		collect(t, tel.reader)
	}
	for range 4 {
		<-done
	}
	resolves := map[trace.SpanID]bool{}
	for _, r := range tel.named("strata.resolve") {
		resolves[r.SpanContext.SpanID()] = true
	}
	assert.Len(t, resolves, 4*50)
	attempts := tel.named("strata.attempt")
	assert.Len(t, attempts, 4*50*3)
	for _, a := range attempts {
		assert.True(t, resolves[a.Parent.SpanID()])
	}
	assert.Zero(t, o.nHeld)
}

// Attempts made under a caller's budget count what they debited from it;
// attempts without a budget do not.
func TestObserverCountsBudgetSpent(t *testing.T) {
	tel := newTelemetry(t)
	o, err := NewObserver(tel.cfg)
	require.NoError(t, err)
	budgeted := fallback.WithBudget(context.Background(), 1)
	for _, e := range walkEvents() {
		o.Observe(budgeted, e)
	}
	o.Observe(context.Background(), walkEvents()[1]) // no budget: not counted
	m, ok := collect(t, tel.reader)["strata.budget.spent"]
	require.True(t, ok)
	assert.Equal(t, "{cost}", m.Unit)
	s, ok := m.Data.(metricdata.Sum[float64])
	require.True(t, ok)
	require.Len(t, s.DataPoints, 1)
	assert.InDelta(t, 0.025, s.DataPoints[0].Value, 1e-12, "ads failed (0.02, paid) and bench answered (0.005)")
}

// The figures the package doc gives: attempts held for a minute by the
// events' clock, 1024 at most; and histogram boundaries from 5 ms to 10 s,
// OpenTelemetry's advice for request durations.
func TestDocumentedFigures(t *testing.T) {
	assert.Equal(t, 1024, heldLimit)
	assert.Equal(t, time.Minute, holdFor)
	assert.Equal(t, []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}, DurationBoundaries())
}

// DurationBoundaries returns a new slice each time: a host that changes
// one changes no Observer's histograms, made before or after.
func TestDurationBoundariesAreTheCallers(t *testing.T) {
	tel := newTelemetry(t)
	before := DurationBoundaries()
	o, err := NewObserver(tel.cfg)
	require.NoError(t, err)
	for _, b := range [][]float64{before, DurationBoundaries()} {
		b[0] = 0.001
		_ = append(b[:3], 99)
	}
	after, err := NewObserver(tel.cfg)
	require.NoError(t, err)
	assert.Equal(t, []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}, DurationBoundaries())
	for _, obs := range []*Observer{o, after} {
		obs.Observe(context.Background(), fallback.Event{Kind: fallback.EventAttempt, Time: at(3), Provider: "ads", Outcome: fallback.Succeeded, Latency: 3 * time.Millisecond})
	}
	h := collect(t, tel.reader)["strata.provider.attempt.duration"].Data.(metricdata.Histogram[float64])
	require.Len(t, h.DataPoints, 1)
	assert.Equal(t, DurationBoundaries(), h.DataPoints[0].Bounds)
	assert.Equal(t, uint64(2), h.DataPoints[0].BucketCounts[0], "3 ms is under 5 ms")
}

// soleInFlight returns the in-flight count of the one provider the
// observed events named.
func soleInFlight(t *testing.T, reader *sdkmetric.ManualReader) int64 {
	t.Helper()
	s := collect(t, reader)["strata.provider.in_flight"].Data.(metricdata.Sum[int64])
	require.Len(t, s.DataPoints, 1)
	return s.DataPoints[0].Value
}
