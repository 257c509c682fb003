package prometheus

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers"
)

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// at is t0 plus ms milliseconds.
func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

// walkEvents are the events of a resolve of cpc{keyword=shoes} whose
// primary failed after 10 ms, whose second primary was skipped and whose
// secondary answered after 20 ms; then a fresh cache hit, a failed
// resolve and a breaker opening.
func walkEvents() []fallback.Event {
	params := fallback.Params{"keyword": "shoes"}
	return []fallback.Event{
		{Kind: fallback.EventAttemptStart, Time: at(1), DataType: "cpc", Params: params, Provider: "ads", Tier: fallback.Primary},
		{Kind: fallback.EventAttempt, Time: at(11), DataType: "cpc", Params: params, Provider: "ads", Tier: fallback.Primary,
			Outcome: fallback.Failed, Class: providers.Unavailable, Latency: 10 * time.Millisecond, Cost: 0.02, Err: errors.New("ads: down")},
		{Kind: fallback.EventAttempt, Time: at(11), DataType: "cpc", Params: params, Provider: "ads2", Tier: fallback.Primary,
			Outcome: fallback.Skipped, Skip: fallback.SkipBreakerOpen},
		{Kind: fallback.EventAttemptStart, Time: at(12), DataType: "cpc", Params: params, Provider: "bench", Tier: fallback.Secondary},
		{Kind: fallback.EventAttempt, Time: at(32), DataType: "cpc", Params: params, Provider: "bench", Tier: fallback.Secondary,
			Outcome: fallback.Succeeded, Latency: 20 * time.Millisecond, Cost: 0.005},
		{Kind: fallback.EventResolve, Time: at(35), DataType: "cpc", Params: params, Layer: fallback.LayerSecondary, Source: "bench",
			Value: 1.1, Confidence: 0.85, Cost: 0.025, Latency: 35 * time.Millisecond},
		{Kind: fallback.EventResolve, Time: at(40), DataType: "cpc", Params: params, Layer: fallback.LayerCache, Source: "bench"},
		{Kind: fallback.EventResolve, Time: at(90), DataType: "ctr", Latency: 50 * time.Millisecond, Err: context.DeadlineExceeded},
		{Kind: fallback.EventBreaker, Time: at(91), Provider: "ads", From: "closed", To: "open"},
	}
}

func TestObserverCountsEvents(t *testing.T) {
	o := NewObserver()
	for _, e := range walkEvents() {
		o.Observe(context.Background(), e)
	}
	const want = `
# HELP strata_provider_attempts_total Provider attempts, by provider, outcome and class (the error class of a failed attempt, the reason for a skipped one).
# TYPE strata_provider_attempts_total counter
strata_provider_attempts_total{class="unavailable",outcome="failed",provider="ads"} 1
strata_provider_attempts_total{class="breaker_open",outcome="skipped",provider="ads2"} 1
strata_provider_attempts_total{class="",outcome="succeeded",provider="bench"} 1
# HELP strata_provider_breaker_transitions_total Circuit breaker state changes, by provider and the state entered.
# TYPE strata_provider_breaker_transitions_total counter
strata_provider_breaker_transitions_total{provider="ads",state="open"} 1
# HELP strata_provider_in_flight Provider attempts started and not yet ended.
# TYPE strata_provider_in_flight gauge
strata_provider_in_flight{provider="ads"} 0
strata_provider_in_flight{provider="bench"} 0
# HELP strata_resolves_total Resolves that ended, by data type and the layer that answered ("none" when none did).
# TYPE strata_resolves_total counter
strata_resolves_total{data_type="cpc",layer="cache"} 1
strata_resolves_total{data_type="cpc",layer="secondary"} 1
strata_resolves_total{data_type="ctr",layer="none"} 1
`
	require.NoError(t, testutil.CollectAndCompare(o, strings.NewReader(want),
		"strata_provider_attempts_total", "strata_provider_breaker_transitions_total", "strata_provider_in_flight", "strata_resolves_total"))

	// The histograms: one observation per timed resolve (the fresh hit
	// is not timed) and per attempt made (the skip is not).
	const hist = `
# HELP strata_resolve_duration_seconds How long resolves took, by data type and layer; fresh cache hits are not timed and not counted here.
# TYPE strata_resolve_duration_seconds histogram
strata_resolve_duration_seconds_bucket{data_type="cpc",layer="secondary",le="0.005"} 0
strata_resolve_duration_seconds_bucket{data_type="cpc",layer="secondary",le="0.01"} 0
strata_resolve_duration_seconds_bucket{data_type="cpc",layer="secondary",le="0.025"} 0
strata_resolve_duration_seconds_bucket{data_type="cpc",layer="secondary",le="0.05"} 1
strata_resolve_duration_seconds_bucket{data_type="cpc",layer="secondary",le="0.075"} 1
strata_resolve_duration_seconds_bucket{data_type="cpc",layer="secondary",le="0.1"} 1
strata_resolve_duration_seconds_bucket{data_type="cpc",layer="secondary",le="0.25"} 1
strata_resolve_duration_seconds_bucket{data_type="cpc",layer="secondary",le="0.5"} 1
strata_resolve_duration_seconds_bucket{data_type="cpc",layer="secondary",le="0.75"} 1
strata_resolve_duration_seconds_bucket{data_type="cpc",layer="secondary",le="1"} 1
strata_resolve_duration_seconds_bucket{data_type="cpc",layer="secondary",le="2.5"} 1
strata_resolve_duration_seconds_bucket{data_type="cpc",layer="secondary",le="5"} 1
strata_resolve_duration_seconds_bucket{data_type="cpc",layer="secondary",le="7.5"} 1
strata_resolve_duration_seconds_bucket{data_type="cpc",layer="secondary",le="10"} 1
strata_resolve_duration_seconds_bucket{data_type="cpc",layer="secondary",le="+Inf"} 1
strata_resolve_duration_seconds_sum{data_type="cpc",layer="secondary"} 0.035
strata_resolve_duration_seconds_count{data_type="cpc",layer="secondary"} 1
strata_resolve_duration_seconds_bucket{data_type="ctr",layer="none",le="0.005"} 0
strata_resolve_duration_seconds_bucket{data_type="ctr",layer="none",le="0.01"} 0
strata_resolve_duration_seconds_bucket{data_type="ctr",layer="none",le="0.025"} 0
strata_resolve_duration_seconds_bucket{data_type="ctr",layer="none",le="0.05"} 1
strata_resolve_duration_seconds_bucket{data_type="ctr",layer="none",le="0.075"} 1
strata_resolve_duration_seconds_bucket{data_type="ctr",layer="none",le="0.1"} 1
strata_resolve_duration_seconds_bucket{data_type="ctr",layer="none",le="0.25"} 1
strata_resolve_duration_seconds_bucket{data_type="ctr",layer="none",le="0.5"} 1
strata_resolve_duration_seconds_bucket{data_type="ctr",layer="none",le="0.75"} 1
strata_resolve_duration_seconds_bucket{data_type="ctr",layer="none",le="1"} 1
strata_resolve_duration_seconds_bucket{data_type="ctr",layer="none",le="2.5"} 1
strata_resolve_duration_seconds_bucket{data_type="ctr",layer="none",le="5"} 1
strata_resolve_duration_seconds_bucket{data_type="ctr",layer="none",le="7.5"} 1
strata_resolve_duration_seconds_bucket{data_type="ctr",layer="none",le="10"} 1
strata_resolve_duration_seconds_bucket{data_type="ctr",layer="none",le="+Inf"} 1
strata_resolve_duration_seconds_sum{data_type="ctr",layer="none"} 0.05
strata_resolve_duration_seconds_count{data_type="ctr",layer="none"} 1
`
	require.NoError(t, testutil.CollectAndCompare(o, strings.NewReader(hist), "strata_resolve_duration_seconds"))
	assert.Equal(t, 2, testutil.CollectAndCount(o, "strata_provider_attempt_duration_seconds"), "ads failed and bench succeeded; the skip has no duration")
	assert.Equal(t, 3+1+2+3+2+2+1, testutil.CollectAndCount(o), "every series above, and the budget counter")
}

// The in-flight gauge follows attempt starts and ends, and never goes
// below zero when a start was lost.
func TestObserverInFlight(t *testing.T) {
	o := NewObserver()
	ctx := context.Background()
	inFlight := func() float64 {
		return testutil.ToFloat64(o.inFlight.WithLabelValues("ads"))
	}
	start := fallback.Event{Kind: fallback.EventAttemptStart, Time: at(0), Provider: "ads"}
	end := fallback.Event{Kind: fallback.EventAttempt, Time: at(5), Provider: "ads", Outcome: fallback.Succeeded, Latency: 5 * time.Millisecond}
	o.Observe(ctx, start)
	o.Observe(ctx, start)
	assert.Equal(t, 2.0, inFlight())
	o.Observe(ctx, end)
	assert.Equal(t, 1.0, inFlight())
	o.Observe(ctx, end)
	o.Observe(ctx, end) // its start was lost
	assert.Equal(t, 0.0, inFlight())
	o.Observe(ctx, start)
	assert.Equal(t, 1.0, inFlight(), "the lost start left no debt")
}

// An end counts only for the attempt it ends: one that failed before its
// provider was to be called (no start: its credentials could not be had)
// takes nothing off the count of the others, and one whose call was
// refused after its start (ended as skipped) ends it.
func TestObserverInFlightPairsEndsWithTheirStarts(t *testing.T) {
	o := NewObserver()
	ctx := context.Background()
	inFlight := func() float64 {
		return testutil.ToFloat64(o.inFlight.WithLabelValues("ads"))
	}
	o.Observe(ctx, fallback.Event{Kind: fallback.EventAttemptStart, Time: at(0), Resolve: 3, Provider: "ads"})
	o.Observe(ctx, fallback.Event{Kind: fallback.EventAttempt, Time: at(1), Resolve: 3, Provider: "ads", Outcome: fallback.Skipped, Skip: fallback.SkipClosed})
	assert.Equal(t, 0.0, inFlight(), "resolve 3's attempt ended, not called")
	o.Observe(ctx, fallback.Event{Kind: fallback.EventAttemptStart, Time: at(2), Resolve: 1, Provider: "ads"})
	o.Observe(ctx, fallback.Event{Kind: fallback.EventAttempt, Time: at(3), Resolve: 2, Provider: "ads", Outcome: fallback.Failed, Class: providers.Auth})
	assert.Equal(t, 1.0, inFlight(), "resolve 1's call is still in flight")
	o.Observe(ctx, fallback.Event{Kind: fallback.EventAttempt, Time: at(5), Resolve: 1, Provider: "ads", Outcome: fallback.Succeeded, Latency: 5 * time.Millisecond})
	assert.Equal(t, 0.0, inFlight())
}

// Against a real resolver: a call in flight stays counted while another
// attempt of its provider fails at its credentials.
func TestObserverInFlightThroughACredentialFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := NewObserver()
		creds := secondCredentialFails()
		r := newResolver(t, o, &sleeper{d: 500 * time.Millisecond, v: 1}, fallback.WithCredentials(creds))
		inFlight := func() float64 {
			synctest.Wait() // the observer has every event
			return testutil.ToFloat64(o.inFlight.WithLabelValues("ads"))
		}
		resolve := func(kw string) {
			go func() { _, _ = r.Resolve(context.Background(), "cpc", fallback.Params{"keyword": kw}) }()
		}
		resolve("shoes")
		assert.Equal(t, 1.0, inFlight(), "shoes's call")
		resolve("boots") // fails at its credentials
		time.Sleep(time.Millisecond)
		assert.Equal(t, 1.0, inFlight(), "shoes's call, still")
		time.Sleep(time.Second)
		assert.Equal(t, 0.0, inFlight())
	})
}

// An attempt that failed at its credentials was not a call of its
// provider: it is counted (failed, auth) but has no latency to observe,
// and takes no 0 s sample in the duration histogram; one the provider
// refused has one.
func TestObserverTimesNoCredentialFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := NewObserver()
		creds := secondCredentialFails()
		ads := &sleeper{d: 500 * time.Millisecond, v: 1}
		r := newResolver(t, o, ads, fallback.WithCredentials(creds))
		for _, kw := range []string{"shoes", "boots", "socks"} {
			if kw == "socks" {
				ads.fail.Store(new(providers.Auth))
			}
			_, _ = r.Resolve(context.Background(), "cpc", fallback.Params{"keyword": kw})
		}
		synctest.Wait() // the observer has every event
		assert.Equal(t, 2.0, testutil.ToFloat64(o.attempts.WithLabelValues("ads", "failed", "auth")), "boots's at its credentials, socks's refused")
		timed := func(outcome string) (uint64, float64) {
			var m dto.Metric
			require.NoError(t, o.attemptDuration.WithLabelValues("ads", outcome).(prometheus.Metric).Write(&m))
			return m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()
		}
		count, sum := timed("failed")
		assert.Equal(t, uint64(1), count, "socks's refusal, not boots's credentials")
		assert.Equal(t, 0.5, sum)
		count, _ = timed("succeeded")
		assert.Equal(t, uint64(1), count)
	})
}

// The attempts remembered as started are bounded: past openLimit (only
// ends lost by an observer that fell behind leave them open), one is
// forgotten as if it had ended.
func TestObserverForgetsAttemptsPastTheLimit(t *testing.T) {
	o := NewObserver()
	for i := range openLimit + 1 {
		o.Observe(context.Background(), fallback.Event{Kind: fallback.EventAttemptStart, Resolve: uint64(i + 1), Provider: "ads"})
	}
	assert.Len(t, o.open, openLimit)
	assert.Equal(t, float64(openLimit), testutil.ToFloat64(o.inFlight.WithLabelValues("ads")))
}

// The Observer and the Collector register side by side in one pedantic
// registry (no name is reported twice), and every metric passes the
// Prometheus linter.
func TestObserverAndCollectorLintClean(t *testing.T) {
	o := NewObserver()
	for _, e := range walkEvents() {
		o.Observe(context.Background(), e)
	}
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(o))
	require.NoError(t, reg.Register(NewCollector(twoProviders)))
	problems, err := testutil.GatherAndLint(reg)
	require.NoError(t, err)
	assert.Empty(t, problems)
	n, err := testutil.GatherAndCount(reg)
	require.NoError(t, err)
	// The Collector's: per provider 1 health, 4 statuses, 3 breaker
	// states, 1 trips, 3 ratios, 3 percentiles; 2 costs; 3 projections
	// and 4 resolver counters; 2 claim results and the waits served.
	assert.Equal(t, 14+2*(1+4+3+1+3+3)+2+3+4+3, n, "the Observer's series (with the budget counter) and the Collector's")
}

// sleeper answers v after d, or fails with class c after d when fail is
// set.
type sleeper struct {
	d    time.Duration
	v    float64
	fail atomic.Pointer[providers.Class]
}

func (s *sleeper) Fetch(ctx context.Context, _ providers.Request) (providers.Response, error) {
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

// Against a real resolver, in virtual time: the figures are exact.
func TestObserverOnAResolver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := NewObserver()
		unavailable := providers.Unavailable
		ads, bench := &sleeper{d: 10 * time.Millisecond}, &sleeper{d: 20 * time.Millisecond, v: 1.1}
		ads.fail.Store(&unavailable)
		cfg := fallback.Config{
			Providers: []fallback.ProviderConfig{
				{Name: "ads", Tier: fallback.Primary, Cost: 0.02, DataTypes: []string{"cpc"}, Timeout: time.Second},
				{Name: "bench", Tier: fallback.Secondary, Cost: 0.005, DataTypes: []string{"cpc"}, Timeout: time.Second},
			},
			DataTypes: []fallback.DataTypeConfig{{Name: "cpc", Params: []fallback.ParamConfig{{Name: "keyword", Required: true}}, TTL: time.Minute}},
		}
		r, err := fallback.New(cfg, fallback.WithProvider("ads", providers.Func(ads.Fetch)),
			fallback.WithProvider("bench", providers.Func(bench.Fetch)), fallback.WithObserver(o))
		require.NoError(t, err)
		for _, kw := range []string{"shoes", "boots", "shoes"} {
			_, err := r.Resolve(context.Background(), "cpc", fallback.Params{"keyword": kw})
			require.NoError(t, err)
		}
		require.NoError(t, r.Close()) // hands the observer every event

		const want = `
# HELP strata_provider_attempts_total Provider attempts, by provider, outcome and class (the error class of a failed attempt, the reason for a skipped one).
# TYPE strata_provider_attempts_total counter
strata_provider_attempts_total{class="unavailable",outcome="failed",provider="ads"} 2
strata_provider_attempts_total{class="",outcome="succeeded",provider="bench"} 2
# HELP strata_provider_in_flight Provider attempts started and not yet ended.
# TYPE strata_provider_in_flight gauge
strata_provider_in_flight{provider="ads"} 0
strata_provider_in_flight{provider="bench"} 0
# HELP strata_resolves_total Resolves that ended, by data type and the layer that answered ("none" when none did).
# TYPE strata_resolves_total counter
strata_resolves_total{data_type="cpc",layer="cache"} 1
strata_resolves_total{data_type="cpc",layer="secondary"} 2
`
		require.NoError(t, testutil.CollectAndCompare(o, strings.NewReader(want),
			"strata_provider_attempts_total", "strata_provider_in_flight", "strata_resolves_total"))
		// Two timed resolves of 30 ms each (the fresh hit is not timed).
		var m dto.Metric
		require.NoError(t, o.resolveDuration.WithLabelValues("cpc", "secondary").(prometheus.Metric).Write(&m))
		assert.Equal(t, uint64(2), m.GetHistogram().GetSampleCount())
		assert.InDelta(t, 0.060, m.GetHistogram().GetSampleSum(), 1e-12)
	})
}

// Events of kinds the Observer does not count leave no series.
func TestObserverIgnoresOtherKinds(t *testing.T) {
	o := NewObserver()
	o.Observe(context.Background(), fallback.Event{Kind: fallback.EventWarm, Time: at(0), DataType: "cpc", Done: 1, Total: 2})
	o.Observe(context.Background(), fallback.Event{Kind: fallback.EventCallback, Time: at(0), Source: "store.Get", Err: errors.New("x")})
	assert.Equal(t, 1, testutil.CollectAndCount(o), "only the budget counter, which has no labels")
	assert.Zero(t, testutil.ToFloat64(o.budgetSpent))
}

// Attempts made under a caller's budget count what they debited from it;
// attempts without a budget do not.
func TestObserverCountsBudgetSpent(t *testing.T) {
	o := NewObserver()
	budgeted := fallback.WithBudget(context.Background(), 1)
	for _, e := range walkEvents() {
		o.Observe(budgeted, e)
	}
	o.Observe(context.Background(), walkEvents()[1]) // no budget: not counted
	assert.InDelta(t, 0.025, testutil.ToFloat64(o.budgetSpent), 1e-12, "ads failed (0.02, paid) and bench answered (0.005)")
}

// An Observer serves several resolvers at once while being scraped (the
// race detector checks the claim).
func TestObserverIsSafeForConcurrentUse(t *testing.T) {
	o := NewObserver()
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 50 {
				for _, e := range walkEvents() {
					o.Observe(context.Background(), e)
				}
			}
		}()
	}
	for range 20 {
		testutil.CollectAndCount(o)
	}
	for range 4 {
		<-done
	}
	assert.Equal(t, float64(4*50), testutil.ToFloat64(o.resolves.WithLabelValues("cpc", "secondary")))
	assert.Zero(t, testutil.ToFloat64(o.inFlight.WithLabelValues("bench")))
}

// The histograms' buckets the package doc gives: OpenTelemetry's advice
// for request durations, from 5 ms to 10 s.
func TestDurationBucketsAreTheDocumented(t *testing.T) {
	assert.Equal(t, []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}, DurationBuckets())
}

// DurationBuckets returns a new slice each time: a host that changes one
// changes no Observer's histograms, made before or after.
func TestDurationBucketsAreTheCallers(t *testing.T) {
	before := DurationBuckets()
	o := NewObserver()
	for _, b := range [][]float64{before, DurationBuckets()} {
		b[0] = 0.001
		_ = append(b[:3], 99)
	}
	after := NewObserver()
	assert.Equal(t, []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}, DurationBuckets())
	for _, obs := range []*Observer{o, after} {
		obs.Observe(context.Background(), fallback.Event{Kind: fallback.EventAttempt, Provider: "ads", Outcome: fallback.Succeeded, Latency: 3 * time.Millisecond})
		var m dto.Metric
		require.NoError(t, obs.attemptDuration.WithLabelValues("ads", "succeeded").(prometheus.Metric).Write(&m))
		var bounds []float64
		for _, b := range m.GetHistogram().GetBucket() {
			bounds = append(bounds, b.GetUpperBound())
		}
		assert.Equal(t, DurationBuckets(), bounds)
		assert.Equal(t, uint64(1), m.GetHistogram().GetBucket()[0].GetCumulativeCount(), "3 ms is under 5 ms")
	}
}

// secondCredentialFails is a credential source whose second request
// fails.
func secondCredentialFails() providers.Credentials {
	var n atomic.Int64
	return providers.CredentialsFunc(func(context.Context, string) (providers.Secret, error) {
		if n.Add(1) == 2 {
			return providers.Secret{}, errors.New("vault: down")
		}
		return providers.NewSecret("key"), nil
	})
}
