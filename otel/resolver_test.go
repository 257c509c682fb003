package otel

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers"
)

// sleeper answers v after d, or fails with class c after d when c is
// not nil. It counts its calls.
type sleeper struct {
	d     time.Duration
	v     float64
	fail  atomic.Pointer[providers.Class]
	calls atomic.Int64
}

func (s *sleeper) Fetch(ctx context.Context, _ providers.Request) (providers.Response, error) {
	s.calls.Add(1)
	select {
	case <-time.After(s.d):
	case <-ctx.Done():
		return providers.Response{}, ctx.Err()
	}
	if c := s.fail.Load(); c != nil {
		return providers.Response{}, providers.Errorf(*c, "down")
	}
	return providers.Response{Value: s.v}, nil
}

// newResolver returns a resolver over a primary "ads" and a secondary
// "bench" serving cpc{keyword}, observed by obs, with opts.
func newResolver(t *testing.T, obs fallback.Observer, ads, bench *sleeper, refreshAhead time.Duration, opts ...fallback.Option) *fallback.Resolver {
	t.Helper()
	cfg := fallback.Config{
		Providers: []fallback.ProviderConfig{
			{Name: "ads", Tier: fallback.Primary, Cost: 0.02, DataTypes: []string{"cpc"}, Timeout: time.Second},
			{Name: "bench", Tier: fallback.Secondary, Cost: 0.005, DataTypes: []string{"cpc"}, Timeout: time.Second},
		},
		DataTypes: []fallback.DataTypeConfig{{
			Name: "cpc", Params: []fallback.ParamConfig{{Name: "keyword", Required: true}, {Name: "user", Sensitive: true}},
			TTL: time.Minute, RefreshAhead: refreshAhead,
		}},
	}
	opts = append(opts, fallback.WithProvider("ads", providers.Func(ads.Fetch)),
		fallback.WithProvider("bench", providers.Func(bench.Fetch)), fallback.WithObserver(obs),
		fallback.WithHashKey([]byte("0123456789abcdef0123456789abcdef")))
	r, err := fallback.New(cfg, opts...)
	require.NoError(t, err)
	return r
}

// Against a real resolver: the resolve span is the caller's child, the
// attempts the resolve's, at the times the resolver measured (virtual
// time, so exact), and the measurements match.
func TestObserverOnAResolver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tel := newTelemetry(t)
		o, err := NewObserver(tel.cfg)
		require.NoError(t, err)
		unavailable := providers.Unavailable
		ads, bench := &sleeper{d: 10 * time.Millisecond}, &sleeper{d: 20 * time.Millisecond, v: 1.1}
		ads.fail.Store(&unavailable)
		r := newResolver(t, o, ads, bench, 0)

		begin := time.Now()
		ctx, caller := tel.tracer.Start(context.Background(), "caller")
		res, err := r.Resolve(ctx, "cpc", fallback.Params{"keyword": "shoes", "user": "ann@example.com"})
		require.NoError(t, err)
		require.Equal(t, fallback.LayerSecondary, res.Layer)
		caller.End()
		require.NoError(t, r.Close()) // hands the observer every event
		o.Flush()

		resolves := tel.named("strata.resolve")
		require.Len(t, resolves, 1)
		rs := resolves[0]
		assert.Equal(t, caller.SpanContext().SpanID(), rs.Parent.SpanID())
		assert.Equal(t, begin, rs.StartTime, "no virtual time passes before the walk")
		assert.Equal(t, begin.Add(30*time.Millisecond), rs.EndTime)
		a := attrs(rs)
		assert.Equal(t, "secondary", a["strata.layer"].AsString())
		assert.Equal(t, "shoes", a["strata.param.keyword"].AsString())
		assert.Equal(t, providers.Redacted, a["strata.param.user"].AsString(), "a sensitive param is redacted")

		attempts := tel.named("strata.attempt")
		require.Len(t, attempts, 2)
		for _, at := range attempts {
			assert.Equal(t, rs.SpanContext.SpanID(), at.Parent.SpanID())
		}
		assert.Equal(t, "ads", attrs(attempts[0])["strata.provider"].AsString())
		assert.Equal(t, codes.Error, attempts[0].Status.Code)
		assert.Equal(t, begin, attempts[0].StartTime)
		assert.Equal(t, begin.Add(10*time.Millisecond), attempts[0].EndTime)
		assert.Equal(t, "bench", attrs(attempts[1])["strata.provider"].AsString())
		assert.Equal(t, begin.Add(10*time.Millisecond), attempts[1].StartTime)
		assert.Equal(t, begin.Add(30*time.Millisecond), attempts[1].EndTime)

		got := collect(t, tel.reader)
		d := got["strata.resolve.duration"].Data.(metricdata.Histogram[float64])
		require.Len(t, d.DataPoints, 1)
		assert.Equal(t, uint64(1), d.DataPoints[0].Count)
		assert.InDelta(t, 0.030, d.DataPoints[0].Sum, 1e-12)
		inFlight := got["strata.provider.in_flight"].Data.(metricdata.Sum[int64])
		for _, p := range inFlight.DataPoints {
			assert.Zero(t, p.Value, "every attempt started has ended")
		}
		assert.Len(t, inFlight.DataPoints, 2, "both providers were called")
		n := got["strata.provider.attempts"].Data.(metricdata.Sum[int64])
		assert.Len(t, n.DataPoints, 2)
		for _, p := range n.DataPoints {
			assert.Equal(t, int64(1), p.Value)
			v, _ := p.Attributes.Value(attrProvider)
			if v.AsString() == "ads" {
				assert.True(t, p.Attributes.HasValue(attrErrorType))
			}
		}
	})
}

// A refresh-ahead walk's attempt has no resolve to wait for: its span is
// recorded at once, as a root (no caller's span is in its context).
func TestObserverRecordsRefreshAttemptsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tel := newTelemetry(t)
		o, err := NewObserver(tel.cfg)
		require.NoError(t, err)
		ads, bench := &sleeper{d: 10 * time.Millisecond, v: 1.5}, &sleeper{d: 20 * time.Millisecond, v: 1.1}
		r := newResolver(t, o, ads, bench, 30*time.Second)
		defer r.Close()

		_, err = r.Resolve(context.Background(), "cpc", fallback.Params{"keyword": "shoes"})
		require.NoError(t, err)
		time.Sleep(40 * time.Second) // past RefreshAhead, within the TTL
		ctx, caller := tel.tracer.Start(context.Background(), "caller")
		res, err := r.Resolve(ctx, "cpc", fallback.Params{"keyword": "shoes"}) // a hit that starts a refresh
		require.NoError(t, err)
		require.Equal(t, fallback.LayerCache, res.Layer)
		caller.End()
		time.Sleep(time.Second) // the refresh's call
		synctest.Wait()         // and its event's delivery
		require.Equal(t, int64(2), ads.calls.Load())

		attempts := tel.named("strata.attempt")
		require.Len(t, attempts, 2, "the first resolve's attempt and the refresh's, without Flush")
		refresh := attempts[1]
		assert.False(t, refresh.Parent.IsValid(), "a root span")
		assert.NotEqual(t, caller.SpanContext().TraceID(), refresh.SpanContext.TraceID())
		hit := tel.named("strata.resolve")[1]
		assert.Equal(t, caller.SpanContext().SpanID(), hit.Parent.SpanID())
		assert.Equal(t, hit.StartTime, hit.EndTime, "a fresh hit is not timed")
		assert.Equal(t, attribute.StringValue("cache"), attrs(hit)["strata.layer"])
	})
}

// Warm's resolves are traced like a caller's: each attempt under its
// resolve, each resolve under the span in the context passed to Warm.
func TestObserverTracesWarm(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tel := newTelemetry(t)
		o, err := NewObserver(tel.cfg)
		require.NoError(t, err)
		ads, bench := &sleeper{d: 10 * time.Millisecond, v: 1.5}, &sleeper{d: 20 * time.Millisecond, v: 1.1}
		r := newResolver(t, o, ads, bench, 0)

		ctx, boot := tel.tracer.Start(context.Background(), "boot")
		_, err = r.Warm(ctx, []fallback.WarmKey{
			{DataType: "cpc", Params: fallback.Params{"keyword": "shoes"}},
			{DataType: "cpc", Params: fallback.Params{"keyword": "boots"}},
		})
		require.NoError(t, err)
		boot.End()
		require.NoError(t, r.Close())

		resolves := tel.named("strata.resolve")
		require.Len(t, resolves, 2)
		byID := map[string]string{}
		for _, rs := range resolves {
			assert.Equal(t, boot.SpanContext().SpanID(), rs.Parent.SpanID())
			byID[rs.SpanContext.SpanID().String()] = attrs(rs)["strata.param.keyword"].AsString()
		}
		got := map[string]string{}
		for _, a := range tel.named("strata.attempt") {
			kw, ok := byID[a.Parent.SpanID().String()]
			require.True(t, ok, "every attempt is under a resolve")
			got[kw] = attrs(a)["strata.provider"].AsString()
		}
		assert.Equal(t, map[string]string{"shoes": "ads", "boots": "ads"}, got)
		assert.Zero(t, o.nHeld)
	})
}

// Metric attributes stay low-cardinality: none carries a param or key,
// and resolving more keys adds no data point.
func TestMetricAttributesAreLowCardinality(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tel := newTelemetry(t)
		o, err := NewObserver(tel.cfg)
		require.NoError(t, err)
		ads, bench := &sleeper{d: 10 * time.Millisecond, v: 1.5}, &sleeper{d: 20 * time.Millisecond, v: 1.1}
		r := newResolver(t, o, ads, bench, 0)
		defer r.Close()
		sm, err := NewSnapshotMetrics(r, tel.cfg)
		require.NoError(t, err)
		defer sm.Unregister()

		resolve := func(i int) {
			_, err := r.Resolve(context.Background(), "cpc", fallback.Params{"keyword": fmt.Sprintf("kw-%d", i)})
			require.NoError(t, err)
		}
		resolve(0)
		one := lowCardinalityPoints(t, tel)
		for i := 1; i <= 50; i++ {
			resolve(i)
		}
		assert.Equal(t, one, lowCardinalityPoints(t, tel), "50 more keys, no more data points")
	})
}

// Against a real resolver: a call in flight stays counted while another
// attempt of its provider fails at its credentials.
func TestObserverInFlightThroughACredentialFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tel := newTelemetry(t)
		o, err := NewObserver(tel.cfg)
		require.NoError(t, err)
		creds := secondCredentialFails()
		r := newResolver(t, o, &sleeper{d: 500 * time.Millisecond, v: 1.5}, &sleeper{d: 20 * time.Millisecond, v: 1.1}, 0, fallback.WithCredentials(creds))
		defer r.Close()
		adsInFlight := func() int64 {
			synctest.Wait() // the observer has every event
			s := collect(t, tel.reader)["strata.provider.in_flight"].Data.(metricdata.Sum[int64])
			for _, p := range s.DataPoints {
				if v, _ := p.Attributes.Value(attrProvider); v.AsString() == "ads" {
					return p.Value
				}
			}
			return 0
		}
		resolve := func(kw string) {
			go func() { _, _ = r.Resolve(context.Background(), "cpc", fallback.Params{"keyword": kw}) }()
		}
		resolve("shoes")
		assert.Equal(t, int64(1), adsInFlight(), "shoes's call")
		resolve("boots") // fails at ads's credentials, then asks bench
		time.Sleep(100 * time.Millisecond)
		assert.Equal(t, int64(1), adsInFlight(), "shoes's call, still")
		time.Sleep(time.Second)
		assert.Equal(t, int64(0), adsInFlight())
	})
}

// An attempt that failed at its credentials was not a call of its
// provider: it is counted (failed, auth) but has no latency to record,
// and takes no 0 s sample in the duration histogram; one the provider
// refused has one.
func TestObserverTimesNoCredentialFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tel := newTelemetry(t)
		o, err := NewObserver(tel.cfg)
		require.NoError(t, err)
		creds := secondCredentialFails()
		ads := &sleeper{d: 500 * time.Millisecond, v: 1.5}
		r := newResolver(t, o, ads, &sleeper{d: 20 * time.Millisecond, v: 1.1}, 0, fallback.WithCredentials(creds))
		defer r.Close()
		for _, kw := range []string{"shoes", "boots", "socks"} {
			if kw == "socks" {
				ads.fail.Store(new(providers.Auth))
			}
			_, _ = r.Resolve(context.Background(), "cpc", fallback.Params{"keyword": kw})
		}
		synctest.Wait() // the observer has every event
		got := collect(t, tel.reader)
		failedAds := attribute.NewSet(attrProvider.String("ads"), attrOutcome.String("failed"))
		var failed int64
		for _, p := range got["strata.provider.attempts"].Data.(metricdata.Sum[int64]).DataPoints {
			if v, _ := p.Attributes.Value(attrOutcome); v.AsString() == "failed" {
				pv, _ := p.Attributes.Value(attrProvider)
				et, _ := p.Attributes.Value(attrErrorType)
				assert.Equal(t, "ads", pv.AsString())
				assert.Equal(t, "auth", et.AsString())
				failed += p.Value
			}
		}
		assert.Equal(t, int64(2), failed, "boots's at its credentials, socks's refused")
		var timed bool
		for _, p := range got["strata.provider.attempt.duration"].Data.(metricdata.Histogram[float64]).DataPoints {
			if p.Attributes.Equals(&failedAds) {
				timed = true
				assert.Equal(t, uint64(1), p.Count, "socks's refusal, not boots's credentials")
				assert.Equal(t, 0.5, p.Sum)
			}
		}
		assert.True(t, timed, "socks's refusal is timed")
	})
}

// Error text never becomes a metric attribute: failures quoting their
// keys add no data point.
func TestErrorTextAddsNoDataPoints(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tel := newTelemetry(t)
		o, err := NewObserver(tel.cfg)
		require.NoError(t, err)
		quoting := providers.Func(func(_ context.Context, req providers.Request) (providers.Response, error) {
			return providers.Response{}, providers.Errorf(providers.Permanent, "no data for %s", req.Params["keyword"])
		})
		cfg := fallback.Config{
			Providers: []fallback.ProviderConfig{{Name: "ads", Tier: fallback.Primary, DataTypes: []string{"cpc"}}},
			DataTypes: []fallback.DataTypeConfig{{Name: "cpc", Params: []fallback.ParamConfig{{Name: "keyword", Required: true}}}},
		}
		r, err := fallback.New(cfg, fallback.WithProvider("ads", quoting), fallback.WithObserver(o))
		require.NoError(t, err)
		defer r.Close()
		resolve := func(i int) {
			_, err := r.Resolve(context.Background(), "cpc", fallback.Params{"keyword": fmt.Sprintf("kw-%d", i)})
			require.ErrorContains(t, err, fmt.Sprintf("no data for kw-%d", i))
		}
		resolve(0)
		one := lowCardinalityPoints(t, tel)
		for i := 1; i <= 50; i++ {
			resolve(i)
		}
		assert.Equal(t, one, lowCardinalityPoints(t, tel), "50 more failures, no more data points")
	})
}

// attributeSets returns the attribute sets of m's data points (m is one
// of this package's instruments, named name).
func attributeSets(t *testing.T, name string, m metricdata.Metrics) []attribute.Set {
	t.Helper()
	var sets []attribute.Set
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			sets = append(sets, p.Attributes)
		}
	case metricdata.Sum[float64]:
		for _, p := range d.DataPoints {
			sets = append(sets, p.Attributes)
		}
	case metricdata.Gauge[float64]:
		for _, p := range d.DataPoints {
			sets = append(sets, p.Attributes)
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			sets = append(sets, p.Attributes)
		}
	default:
		t.Fatalf("%s: unexpected %T", name, d)
	}
	return sets
}

// secondCredentialFails is a credential source whose second request for
// ads's credential fails (every other provider's succeeds).
func secondCredentialFails() providers.Credentials {
	var n atomic.Int64
	return providers.CredentialsFunc(func(_ context.Context, provider string) (providers.Secret, error) {
		if provider == "ads" && n.Add(1) == 2 {
			return providers.Secret{}, errors.New("vault: down")
		}
		return providers.NewSecret("key"), nil
	})
}

// lowCardinalityPoints counts the data points tel's reader collects once
// the observer has every event, asserting that no attribute carries a
// keyword ("kw-…") or names a param.
func lowCardinalityPoints(t *testing.T, tel *telemetry) (n int) {
	t.Helper()
	synctest.Wait()
	for name, m := range collect(t, tel.reader) {
		sets := attributeSets(t, name, m)
		for _, set := range sets {
			for _, kv := range set.ToSlice() {
				assert.NotContains(t, kv.Value.Emit(), "kw-", "%s %s", name, kv.Key)
				assert.NotContains(t, string(kv.Key), "param", name)
			}
		}
		n += len(sets)
	}
	return n
}
