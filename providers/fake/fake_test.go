package fake_test

import (
	"context"
	"math"
	"slices"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fake"
)

var req = providers.Request{DataType: "cpc", Params: map[string]string{"keyword": "shoes", "market": "us"}}

func mustNew(t testing.TB, cfg fake.Config) *fake.Provider {
	t.Helper()
	p, err := fake.New(cfg)
	require.NoError(t, err, "New")
	return p
}

// outcome names what one call did: "ok 1.5", "ok NaN", a class name, or
// "panic".
func outcome(p providers.Provider, r providers.Request) (s string) {
	defer func() {
		if v := recover(); v != nil {
			s = "panic"
		}
	}()
	resp, err := p.Fetch(context.Background(), r)
	if err != nil {
		return providers.Classify(err).String()
	}
	return "ok " + strconv.FormatFloat(resp.Value, 'g', -1, 64)
}

func outcomes(p providers.Provider, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = outcome(p, req)
	}
	return out
}

func TestValueFunc(t *testing.T) {
	p := mustNew(t, fake.Config{
		Value: 7, // ignored: ValueFunc wins
		ValueFunc: func(r providers.Request) float64 {
			return float64(len(r.Params["keyword"]))
		},
	})
	resp, err := p.Fetch(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, 5.0, resp.Value, "the length of %q", "shoes")
}

func TestScript(t *testing.T) {
	p := mustNew(t, fake.Config{
		Value: 1.5,
		Script: []fake.Step{
			{Times: 3, Do: fake.Fail(providers.Transient)},
			{Do: fake.Succeed()},
			{Times: 2, Do: fake.Fail(providers.Auth)},
			{Do: fake.Return(fake.NaN)},
		},
	})
	got := outcomes(p, 9)
	assert.Equal(t, []string{"transient", "transient", "transient", "ok 1.5", "auth", "auth", "ok NaN", "ok 1.5", "ok 1.5"}, got)
	s := p.Stats()
	assert.EqualValues(t, 9, s.Calls)
	assert.EqualValues(t, 4, s.Successes)
	assert.EqualValues(t, 1, s.Garbage)
	assert.EqualValues(t, 3, s.Failures[providers.Transient])
	assert.EqualValues(t, 2, s.Failures[providers.Auth])
	assert.EqualValues(t, 5, s.Failed())
}

func TestScriptRepeats(t *testing.T) {
	p := mustNew(t, fake.Config{
		Value:        1,
		Script:       []fake.Step{{Times: 2, Do: fake.Fail(providers.Unavailable)}, {}},
		RepeatScript: true,
	})
	got := outcomes(p, 7)
	assert.Equal(t, []string{"unavailable", "unavailable", "ok 1", "unavailable", "unavailable", "ok 1", "unavailable"}, got)
}

// A step of math.MaxInt calls ("then forever") after another: the
// script's length does not wrap, so the steps before it still hold.
func TestScriptWithAStepWithoutEnd(t *testing.T) {
	p := mustNew(t, fake.Config{
		Value:  1,
		Script: []fake.Step{{Times: 2, Do: fake.Fail(providers.Transient)}, {Times: math.MaxInt, Do: fake.Fail(providers.Auth)}},
	})
	assert.Equal(t, []string{"transient", "transient", "auth", "auth"}, outcomes(p, 4))

	p = mustNew(t, fake.Config{
		Value:        1,
		Script:       []fake.Step{{Times: 2, Do: fake.Fail(providers.Transient)}, {Times: math.MaxInt, Do: fake.Fail(providers.Auth)}},
		RepeatScript: true,
	})
	assert.Equal(t, []string{"transient", "transient", "auth", "auth"}, outcomes(p, 4))
}

func TestOutagesByCallIndex(t *testing.T) {
	p := mustNew(t, fake.Config{
		Value: 1,
		Outages: []fake.Outage{
			{FromCall: 2, ToCall: 4},                                     // zero Do: Unavailable
			{FromCall: 3, ToCall: 6, Do: fake.Fail(providers.Permanent)}, // overlaps: the first wins
			{FromCall: 8, Do: fake.Fail(providers.RateLimit)},            // open-ended
		},
	})
	got := outcomes(p, 10)
	assert.Equal(t, []string{"ok 1", "ok 1", "unavailable", "unavailable", "permanent", "permanent", "ok 1", "ok 1", "rate_limit", "rate_limit"}, got)
}

func TestOutagesByTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		p := mustNew(t, fake.Config{
			Value: 1,
			Outages: []fake.Outage{
				{Start: 10 * time.Second, End: 20 * time.Second},
				{Start: 30 * time.Second, Do: fake.Fail(providers.Auth)}, // open-ended
				// Both windows must hold: call 1 only, and only in [5s, 40s).
				{Start: 5 * time.Second, End: 40 * time.Second, FromCall: 1, ToCall: 2, Do: fake.Return(fake.Negative)},
			},
		})
		var got []string
		for _, at := range []time.Duration{0, 9 * time.Second, 10 * time.Second, 19 * time.Second, 20 * time.Second, 30 * time.Second, time.Hour} {
			time.Sleep(time.Until(start.Add(at)))
			got = append(got, outcome(p, req))
		}
		assert.Equal(t, []string{"ok 1", "ok -1", "unavailable", "unavailable", "ok 1", "auth", "auth"}, got, "outcomes at 0s, 9s, 10s, 19s, 20s, 30s, 1h")
	})
}

func TestSlowWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, fake.Config{
			Value:   1,
			Latency: fake.Latency{Median: 10 * time.Millisecond},
			Outages: []fake.Outage{
				{FromCall: 1, ToCall: 3, Do: fake.Slow(4)},
				{FromCall: 2, ToCall: 3, Do: fake.Slow(2)}, // stacks with the first
			},
			Script: []fake.Step{{Times: 2}, {Do: fake.Fail(providers.Transient)}},
		})
		var took []time.Duration
		var got []string
		for range 4 {
			start := time.Now()
			got = append(got, outcome(p, req))
			took = append(took, time.Since(start))
		}
		assert.Equal(t, []time.Duration{10 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond, 10 * time.Millisecond}, took, "latencies")
		// A slow window only stretches the latency: call 2 still follows
		// the script.
		assert.Equal(t, []string{"ok 1", "ok 1", "transient", "ok 1"}, got)
	})
}

func TestRulePrecedence(t *testing.T) {
	// Every rule set to a different outcome for call 0; removing the
	// winning rule each time must hand the call to the next one.
	full := func() fake.Config {
		return fake.Config{
			Value:     1,
			ByRequest: func(providers.Request) fake.Outcome { return fake.Fail(providers.Auth) },
			Script:    []fake.Step{{Do: fake.Fail(providers.Permanent)}},
			Outages:   []fake.Outage{{ToCall: 1}},
			Errors:    map[providers.Class]float64{providers.DataQuality: 1},
		}
	}
	steps := []struct {
		name  string
		force bool
		strip func(*fake.Config)
		want  string
	}{
		{"Force", true, func(*fake.Config) {}, "transient"},
		{"ByRequest", false, func(*fake.Config) {}, "auth"},
		{"Script", false, func(c *fake.Config) { c.ByRequest = nil }, "permanent"},
		{"Outages", false, func(c *fake.Config) { c.ByRequest, c.Script = nil, nil }, "unavailable"},
		{"Errors", false, func(c *fake.Config) { c.ByRequest, c.Script, c.Outages = nil, nil, nil }, "data_quality"},
		{"Value", false, func(c *fake.Config) { c.ByRequest, c.Script, c.Outages, c.Errors = nil, nil, nil, nil }, "ok 1"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			cfg := full()
			s.strip(&cfg)
			p := mustNew(t, cfg)
			if s.force {
				p.SetDown(providers.Transient)
			}
			assert.Equal(t, s.want, outcome(p, req), "call 0")
		})
	}
}

func TestSucceedOverridesLowerRules(t *testing.T) {
	p := mustNew(t, fake.Config{
		Value:   3,
		Script:  []fake.Step{{Times: 2, Do: fake.Succeed()}},
		Outages: []fake.Outage{{ToCall: 10}},
		Errors:  map[providers.Class]float64{providers.Transient: 1},
	})
	assert.Equal(t, []string{"ok 3", "ok 3", "unavailable"}, outcomes(p, 3))
}

func TestGarbageKinds(t *testing.T) {
	cases := []struct {
		g         fake.Garbage
		v, want   float64
		wantIsNaN bool
	}{
		{fake.NaN, 2, 0, true},
		{fake.PosInf, 2, math.Inf(1), false},
		{fake.NegInf, 2, math.Inf(-1), false},
		{fake.Negative, 2, -2, false},
		{fake.Negative, -2, -2, false},
		{fake.Negative, 0, -1, false},
		{fake.OutOfBounds, 2, 2000, false},
		{fake.OutOfBounds, 0, 1000, false},
	}
	for _, tc := range cases {
		t.Run(tc.g.String(), func(t *testing.T) {
			p := mustNew(t, fake.Config{Value: tc.v, Script: []fake.Step{{Do: fake.Return(tc.g)}}})
			resp, err := p.Fetch(context.Background(), req)
			require.NoError(t, err, "garbage comes with a nil error")
			if tc.wantIsNaN {
				assert.True(t, math.IsNaN(resp.Value), "garbage %v of %v = %v, want NaN", tc.g, tc.v, resp.Value)
			} else {
				assert.Equal(t, tc.want, resp.Value, "garbage %v of %v", tc.g, tc.v)
			}
			s := p.Stats()
			assert.EqualValues(t, 1, s.Successes)
			assert.EqualValues(t, 1, s.Garbage)
		})
	}
}

func TestInjectedErrors(t *testing.T) {
	p := mustNew(t, fake.Config{
		Name:       "primary",
		RetryAfter: 30 * time.Second,
		Script:     []fake.Step{{Do: fake.Fail(providers.RateLimit)}, {Do: fake.Fail(providers.Unavailable)}},
	})
	_, err := p.Fetch(context.Background(), req)
	var pe *providers.Error
	require.ErrorAs(t, err, &pe)
	require.Equal(t, providers.RateLimit, pe.Class)
	require.Equal(t, 30*time.Second, pe.RetryAfter)
	assert.ErrorIs(t, err, fake.ErrInjected)
	assert.ErrorIs(t, err, providers.ErrRateLimit)
	assert.EqualError(t, err, `providers: rate_limit (retry after 30s): fake: injected failure by "primary"`)
	_, err = p.Fetch(context.Background(), req)
	assert.Zero(t, providers.RetryAfter(err), "unavailable without a Retry-After")
	assert.ErrorIs(t, err, providers.ErrUnavailable)
}

func TestErrorRates(t *testing.T) {
	p := mustNew(t, fake.Config{
		Value:     1,
		Errors:    map[providers.Class]float64{providers.Transient: 0.2, providers.RateLimit: 0.05},
		Garbage:   map[fake.Garbage]float64{fake.PosInf: 0.05},
		PanicRate: 0.02,
		Seed:      7,
	})
	const n = 20000
	counts := map[string]int{}
	for range n {
		counts[outcome(p, req)]++
	}
	// Each count is binomial; allow 5 standard deviations.
	for name, prob := range map[string]float64{"transient": 0.2, "rate_limit": 0.05, "ok +Inf": 0.05, "panic": 0.02, "ok 1": 0.68} {
		mean := n * prob
		sd := math.Sqrt(n * prob * (1 - prob))
		assert.InDelta(t, mean, float64(counts[name]), 5*sd, "%s: of %d calls", name, n)
	}
	assert.Len(t, counts, 5, "outcomes %v: want only the five configured ones", counts)
	s := p.Stats()
	assert.EqualValues(t, n, s.Calls)
	assert.EqualValues(t, counts["panic"], s.Panics)
	assert.EqualValues(t, counts["transient"], s.Failures[providers.Transient])
	assert.EqualValues(t, counts["ok +Inf"], s.Garbage)
	assert.EqualValues(t, counts["ok 1"]+counts["ok +Inf"], s.Successes)
	assert.Zero(t, s.InFlight)
}

func TestSeedDeterminism(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		run := func(seed uint64) (got []string, took []time.Duration) {
			p := mustNew(t, fake.Config{
				Value:   1,
				Latency: fake.Latency{Median: 10 * time.Millisecond, P99: 100 * time.Millisecond},
				Errors:  map[providers.Class]float64{providers.Transient: 0.3, providers.Auth: 0.1},
				Garbage: map[fake.Garbage]float64{fake.NaN: 0.1},
				Seed:    seed,
			})
			for range 200 {
				start := time.Now()
				got = append(got, outcome(p, req))
				took = append(took, time.Since(start))
			}
			return got, took
		}
		a, at := run(42)
		b, bt := run(42)
		c, ct := run(43)
		assert.Equal(t, a, b, "two fakes with the same seed answered differently")
		assert.Equal(t, at, bt, "two fakes with the same seed answered differently")
		assert.NotEqual(t, a, c, "fakes with seeds 42 and 43 answered identically")
		assert.NotEqual(t, at, ct, "fakes with seeds 42 and 43 answered identically")
	})
}

func TestScriptDoesNotShiftTheRandomStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := fake.Config{Latency: fake.Latency{Median: time.Millisecond, P99: 50 * time.Millisecond}, Seed: 3}
		latencies := func(p *fake.Provider) []time.Duration {
			var took []time.Duration
			for range 20 {
				start := time.Now()
				outcome(p, req)
				took = append(took, time.Since(start))
			}
			return took
		}
		plain := latencies(mustNew(t, cfg))
		cfg.Script = []fake.Step{{Times: 5, Do: fake.Fail(providers.Transient)}}
		scripted := latencies(mustNew(t, cfg))
		assert.Equal(t, plain, scripted, "latencies with a script differ from those without")
	})
}

func TestPanic(t *testing.T) {
	p := mustNew(t, fake.Config{Name: "flaky", Script: []fake.Step{{Times: 1}, {Do: fake.Panic()}}})
	outcome(p, req)
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		p.Fetch(context.Background(), req)
	}()
	err, ok := recovered.(error)
	require.True(t, ok, "recovered %v, want an error", recovered)
	require.ErrorIs(t, err, fake.ErrPanic)
	assert.EqualError(t, err, `fake: injected panic by "flaky" (call 1)`)
	s := p.Stats()
	assert.EqualValues(t, 1, s.Panics)
	assert.Zero(t, s.InFlight)
	assert.EqualValues(t, 2, s.Calls)
}

func TestHang(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, fake.Config{
			Latency: fake.Latency{Median: time.Millisecond},
			Script:  []fake.Step{{Times: 2, Do: fake.Hang()}},
		})

		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		start := time.Now()
		_, err := p.Fetch(ctx, req)
		assert.Equal(t, 3*time.Second, time.Since(start), "a hang returns at the context's deadline")
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, providers.Transient, providers.Classify(err))

		ctx, cancel = context.WithCancel(context.Background())
		errc := make(chan error)
		go func() {
			_, err := p.Fetch(ctx, req)
			errc <- err
		}()
		synctest.Wait()
		s := p.Stats()
		assert.EqualValues(t, 1, s.InFlight, "while hanging")
		assert.EqualValues(t, 2, s.Hangs, "while hanging")
		cancel()
		err = <-errc
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, providers.Canceled, providers.Classify(err))
		s = p.Stats()
		assert.Zero(t, s.InFlight)
		assert.EqualValues(t, 1, s.Failures[providers.Canceled])
		assert.EqualValues(t, 1, s.Failures[providers.Transient])
	})
}

func TestFixedLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, fake.Config{Latency: fake.Latency{Median: 250 * time.Millisecond}, Script: []fake.Step{{Do: fake.Fail(providers.Auth)}}})
		for i := range 3 {
			start := time.Now()
			outcome(p, req)
			assert.Equal(t, 250*time.Millisecond, time.Since(start), "call %d (failures take their latency too)", i)
		}
	})
}

func TestLatencyHonoursContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, fake.Config{Value: 1, Latency: fake.Latency{Median: 10 * time.Second}})

		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		_, err := p.Fetch(ctx, req)
		assert.Equal(t, time.Second, time.Since(start), "Fetch returns at the 1s deadline")
		var pe *providers.Error
		if assert.ErrorAs(t, err, &pe) {
			assert.Equal(t, providers.Transient, pe.Class)
		}
		assert.ErrorIs(t, err, context.DeadlineExceeded)

		done, cancelDone := context.WithCancel(context.Background())
		cancelDone()
		start = time.Now()
		_, err = p.Fetch(done, req)
		assert.Zero(t, time.Since(start), "with a cancelled context: canceled at once")
		assert.Equal(t, providers.Canceled, providers.Classify(err))
		assert.ErrorIs(t, err, context.Canceled)
		s := p.Stats()
		assert.Zero(t, s.Successes)
		assert.EqualValues(t, 1, s.Failures[providers.Transient])
		assert.EqualValues(t, 1, s.Failures[providers.Canceled])
	})
}

func TestZeroLatencyChecksContext(t *testing.T) {
	p := mustNew(t, fake.Config{Value: 1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.Fetch(ctx, req)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestLognormalLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const median, p99 = 80 * time.Millisecond, 400 * time.Millisecond
		p := mustNew(t, fake.Config{Latency: fake.Latency{Median: median, P99: p99}, Seed: 11})
		const n = 20000
		took := make([]time.Duration, n)
		for i := range took {
			start := time.Now()
			outcome(p, req)
			took[i] = time.Since(start)
		}
		slices.Sort(took)
		within := func(name string, got, want time.Duration, tol float64) {
			assert.InEpsilon(t, float64(want), float64(got), tol, "%s = %v, want %v ± %.0f%%", name, got, want, tol*100)
		}
		within("median", took[n/2], median, 0.03)
		within("p99", took[n*99/100], p99, 0.08)
	})
}

func TestLatencyMax(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, fake.Config{Latency: fake.Latency{Median: 10 * time.Millisecond, P99: time.Second, Max: 50 * time.Millisecond}})
		var longest time.Duration
		for range 1000 {
			start := time.Now()
			outcome(p, req)
			longest = max(longest, time.Since(start))
		}
		assert.Equal(t, 50*time.Millisecond, longest, "the longest latency is the cap (reached with this P99)")
	})
}

func TestConcurrentCountsAreExact(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, fake.Config{
			Value:   1,
			Latency: fake.Latency{Median: time.Millisecond},
			Script:  []fake.Step{{Times: 100, Do: fake.Fail(providers.Transient)}},
			Outages: []fake.Outage{{FromCall: 500, ToCall: 600, Do: fake.Fail(providers.RateLimit)}},
		})
		var wg sync.WaitGroup
		for range 32 {
			wg.Go(func() {
				for range 50 {
					p.Fetch(context.Background(), req)
				}
			})
		}
		wg.Wait()
		s := p.Stats()
		assert.EqualValues(t, 1600, s.Calls)
		assert.EqualValues(t, 1400, s.Successes)
		assert.Equal(t, map[providers.Class]int64{providers.Transient: 100, providers.RateLimit: 100}, s.Failures)
		// In the bubble all 32 goroutines block on their timers together.
		assert.EqualValues(t, 32, s.MaxInFlight)
		assert.Zero(t, s.InFlight)
	})
}

func TestAge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, fake.Config{Value: 1, Age: time.Hour, Latency: fake.Latency{Median: time.Second}})
		resp, err := p.Fetch(context.Background(), req)
		require.NoError(t, err)
		assert.True(t, resp.ObservedAt.Equal(time.Now().Add(-time.Hour)), "ObservedAt = %v, want an hour before the answer, %v", resp.ObservedAt, time.Now().Add(-time.Hour))
	})
}

func TestQuota(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		p := mustNew(t, fake.Config{Value: 1, Quota: fake.Quota{Limit: 3, Window: time.Minute}})
		reset := start.Add(time.Minute)
		for i, want := range []int64{2, 1, 0} {
			resp, err := p.Fetch(context.Background(), req)
			require.NoError(t, err, "call %d", i)
			require.NotNil(t, resp.Quota, "call %d", i)
			require.Equal(t, providers.Quota{Limit: 3, Remaining: want, Reset: reset}, *resp.Quota, "call %d", i)
		}
		time.Sleep(20 * time.Second)
		_, err := p.Fetch(context.Background(), req)
		assert.Equal(t, providers.RateLimit, providers.Classify(err), "over quota")
		assert.ErrorIs(t, err, fake.ErrQuotaExhausted, "over quota")
		assert.Equal(t, 40*time.Second, providers.RetryAfter(err), "over quota")
		time.Sleep(40 * time.Second)
		resp, err := p.Fetch(context.Background(), req)
		require.NoError(t, err, "next window")
		assert.EqualValues(t, 2, resp.Quota.Remaining, "next window")
		assert.True(t, resp.Quota.Reset.Equal(start.Add(2*time.Minute)), "next window: reset at %v, want 2m", resp.Quota.Reset)
	})
}

func TestQuotaWithoutWindow(t *testing.T) {
	p := mustNew(t, fake.Config{Value: 1, RetryAfter: time.Hour, Quota: fake.Quota{Limit: 1}})
	resp, err := p.Fetch(context.Background(), req)
	require.NoError(t, err, "first call")
	require.Zero(t, resp.Quota.Remaining, "first call")
	require.True(t, resp.Quota.Reset.IsZero(), "first call: no reset")
	for range 3 {
		_, err := p.Fetch(context.Background(), req)
		assert.Equal(t, time.Hour, providers.RetryAfter(err), "the configured RetryAfter")
		assert.ErrorIs(t, err, providers.ErrRateLimit)
	}
}

func TestFetchDoesNotTouchParams(t *testing.T) {
	params := map[string]string{"keyword": "shoes"}
	p := mustNew(t, fake.Config{TrackKeys: true, ByRequest: func(r providers.Request) fake.Outcome { return fake.Outcome{} }})
	p.Fetch(context.Background(), providers.Request{DataType: "cpc", Params: params})
	assert.Equal(t, map[string]string{"keyword": "shoes"}, params, "after Fetch")
}
