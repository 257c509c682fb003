package fake_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fake"
)

var req = providers.Request{DataType: "cpc", Params: map[string]string{"keyword": "shoes", "market": "us"}}

func mustNew(t testing.TB, cfg fake.Config) *fake.Provider {
	t.Helper()
	p, err := fake.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
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
	if err != nil || resp.Value != 5 {
		t.Errorf("Fetch = (%v, %v), want 5 (the length of %q)", resp.Value, err, "shoes")
	}
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
	want := []string{"transient", "transient", "transient", "ok 1.5", "auth", "auth", "ok NaN", "ok 1.5", "ok 1.5"}
	if !slices.Equal(got, want) {
		t.Errorf("outcomes = %q, want %q", got, want)
	}
	s := p.Stats()
	if s.Calls != 9 || s.Successes != 4 || s.Garbage != 1 || s.Failures[providers.Transient] != 3 || s.Failures[providers.Auth] != 2 || s.Failed() != 5 {
		t.Errorf("Stats = %+v", s)
	}
}

func TestScriptRepeats(t *testing.T) {
	p := mustNew(t, fake.Config{
		Value:        1,
		Script:       []fake.Step{{Times: 2, Do: fake.Fail(providers.Unavailable)}, {}},
		RepeatScript: true,
	})
	got := outcomes(p, 7)
	want := []string{"unavailable", "unavailable", "ok 1", "unavailable", "unavailable", "ok 1", "unavailable"}
	if !slices.Equal(got, want) {
		t.Errorf("outcomes = %q, want %q", got, want)
	}
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
	want := []string{"ok 1", "ok 1", "unavailable", "unavailable", "permanent", "permanent", "ok 1", "ok 1", "rate_limit", "rate_limit"}
	if !slices.Equal(got, want) {
		t.Errorf("outcomes = %q, want %q", got, want)
	}
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
		want := []string{"ok 1", "ok -1", "unavailable", "unavailable", "ok 1", "auth", "auth"}
		if !slices.Equal(got, want) {
			t.Errorf("outcomes at 0s, 9s, 10s, 19s, 20s, 30s, 1h = %q, want %q", got, want)
		}
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
		wantTook := []time.Duration{10 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond, 10 * time.Millisecond}
		if !slices.Equal(took, wantTook) {
			t.Errorf("latencies = %v, want %v", took, wantTook)
		}
		// A slow window only stretches the latency: call 2 still follows
		// the script.
		want := []string{"ok 1", "ok 1", "transient", "ok 1"}
		if !slices.Equal(got, want) {
			t.Errorf("outcomes = %q, want %q", got, want)
		}
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
			if got := outcome(p, req); got != s.want {
				t.Errorf("call 0 = %q, want %q", got, s.want)
			}
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
	got := outcomes(p, 3)
	want := []string{"ok 3", "ok 3", "unavailable"}
	if !slices.Equal(got, want) {
		t.Errorf("outcomes = %q, want %q", got, want)
	}
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
			if err != nil {
				t.Fatalf("Fetch error %v, want garbage with a nil error", err)
			}
			if tc.wantIsNaN != math.IsNaN(resp.Value) || (!tc.wantIsNaN && resp.Value != tc.want) {
				t.Errorf("garbage %v of %v = %v, want %v (NaN: %v)", tc.g, tc.v, resp.Value, tc.want, tc.wantIsNaN)
			}
			if s := p.Stats(); s.Successes != 1 || s.Garbage != 1 {
				t.Errorf("Stats = %+v, want 1 success, 1 garbage", s)
			}
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
	if !errors.As(err, &pe) || pe.Class != providers.RateLimit || pe.RetryAfter != 30*time.Second {
		t.Fatalf("err = %#v, want a *providers.Error of class rate_limit with RetryAfter 30s", err)
	}
	if !errors.Is(err, fake.ErrInjected) || !errors.Is(err, providers.ErrRateLimit) {
		t.Errorf("err %v: want errors.Is ErrInjected and providers.ErrRateLimit", err)
	}
	if want := `providers: rate_limit (retry after 30s): fake: injected failure by "primary"`; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
	_, err = p.Fetch(context.Background(), req)
	if providers.RetryAfter(err) != 0 || !errors.Is(err, providers.ErrUnavailable) {
		t.Errorf("err = %v, want unavailable without a Retry-After", err)
	}
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
		if got := float64(counts[name]); math.Abs(got-mean) > 5*sd {
			t.Errorf("%s: %v of %d calls, want %.0f ± %.0f", name, got, n, mean, 5*sd)
		}
	}
	if len(counts) != 5 {
		t.Errorf("outcomes %v: want only the five configured ones", counts)
	}
	s := p.Stats()
	if s.Calls != n || s.Panics != int64(counts["panic"]) || s.Failures[providers.Transient] != int64(counts["transient"]) ||
		s.Garbage != int64(counts["ok +Inf"]) || s.Successes != int64(counts["ok 1"]+counts["ok +Inf"]) || s.InFlight != 0 {
		t.Errorf("Stats = %+v disagree with the outcomes %v", s, counts)
	}
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
		if !slices.Equal(a, b) || !slices.Equal(at, bt) {
			t.Error("two fakes with the same seed answered differently")
		}
		if slices.Equal(a, c) || slices.Equal(at, ct) {
			t.Error("fakes with seeds 42 and 43 answered identically")
		}
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
		if !slices.Equal(plain, scripted) {
			t.Errorf("latencies with a script %v differ from those without %v", scripted, plain)
		}
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
	if !ok || !errors.Is(err, fake.ErrPanic) {
		t.Fatalf("recovered %v, want an error wrapping ErrPanic", recovered)
	}
	if want := `fake: injected panic by "flaky" (call 1)`; err.Error() != want {
		t.Errorf("panic value = %q, want %q", err, want)
	}
	if s := p.Stats(); s.Panics != 1 || s.InFlight != 0 || s.Calls != 2 {
		t.Errorf("Stats = %+v, want 2 calls, 1 panic, none in flight", s)
	}
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
		if took := time.Since(start); took != 3*time.Second {
			t.Errorf("hang returned after %v, want the context's 3s", took)
		}
		if !errors.Is(err, context.DeadlineExceeded) || providers.Classify(err) != providers.Transient {
			t.Errorf("err = %v, want one wrapping context.DeadlineExceeded, class transient", err)
		}

		ctx, cancel = context.WithCancel(context.Background())
		errc := make(chan error)
		go func() {
			_, err := p.Fetch(ctx, req)
			errc <- err
		}()
		synctest.Wait()
		if s := p.Stats(); s.InFlight != 1 || s.Hangs != 2 {
			t.Errorf("while hanging: Stats = %+v, want 1 in flight, 2 hangs", s)
		}
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) || providers.Classify(err) != providers.Canceled {
			t.Errorf("err = %v, want one wrapping context.Canceled, class canceled", err)
		}
		if s := p.Stats(); s.InFlight != 0 || s.Failures[providers.Canceled] != 1 || s.Failures[providers.Transient] != 1 {
			t.Errorf("Stats = %+v, want one canceled and one transient failure", s)
		}
	})
}

func TestFixedLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, fake.Config{Latency: fake.Latency{Median: 250 * time.Millisecond}, Script: []fake.Step{{Do: fake.Fail(providers.Auth)}}})
		for i := range 3 {
			start := time.Now()
			outcome(p, req)
			if took := time.Since(start); took != 250*time.Millisecond {
				t.Errorf("call %d took %v, want 250ms (failures take their latency too)", i, took)
			}
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
		if took := time.Since(start); took != time.Second {
			t.Errorf("Fetch returned after %v, want at the 1s deadline", took)
		}
		var pe *providers.Error
		if !errors.As(err, &pe) || pe.Class != providers.Transient || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want a transient *providers.Error wrapping context.DeadlineExceeded", err)
		}

		done, cancelDone := context.WithCancel(context.Background())
		cancelDone()
		start = time.Now()
		if _, err := p.Fetch(done, req); time.Since(start) != 0 || providers.Classify(err) != providers.Canceled || !errors.Is(err, context.Canceled) {
			t.Errorf("with a cancelled context: err = %v after %v, want canceled at once", err, time.Since(start))
		}
		if s := p.Stats(); s.Successes != 0 || s.Failures[providers.Transient] != 1 || s.Failures[providers.Canceled] != 1 {
			t.Errorf("Stats = %+v", s)
		}
	})
}

func TestZeroLatencyChecksContext(t *testing.T) {
	p := mustNew(t, fake.Config{Value: 1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Fetch(ctx, req); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
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
			if r := float64(got) / float64(want); math.Abs(r-1) > tol {
				t.Errorf("%s = %v, want %v ± %.0f%%", name, got, want, tol*100)
			}
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
		if longest != 50*time.Millisecond {
			t.Errorf("longest latency = %v, want the 50ms cap (reached with this P99)", longest)
		}
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
		if s.Calls != 1600 || s.Successes != 1400 || s.Failures[providers.Transient] != 100 || s.Failures[providers.RateLimit] != 100 || len(s.Failures) != 2 {
			t.Errorf("Stats = %+v, want 1600 calls: 1400 successes, 100 transient, 100 rate_limit", s)
		}
		// In the bubble all 32 goroutines block on their timers together.
		if s.MaxInFlight != 32 || s.InFlight != 0 {
			t.Errorf("MaxInFlight = %d, InFlight = %d; want 32 and 0", s.MaxInFlight, s.InFlight)
		}
	})
}

func TestAge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, fake.Config{Value: 1, Age: time.Hour, Latency: fake.Latency{Median: time.Second}})
		resp, err := p.Fetch(context.Background(), req)
		if err != nil || !resp.ObservedAt.Equal(time.Now().Add(-time.Hour)) {
			t.Errorf("ObservedAt = %v (err %v), want an hour before the answer, %v", resp.ObservedAt, err, time.Now().Add(-time.Hour))
		}
	})
}

func TestQuota(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		p := mustNew(t, fake.Config{Value: 1, Quota: fake.Quota{Limit: 3, Window: time.Minute}})
		reset := start.Add(time.Minute)
		for i, want := range []int64{2, 1, 0} {
			resp, err := p.Fetch(context.Background(), req)
			if err != nil || resp.Quota == nil || *resp.Quota != (providers.Quota{Limit: 3, Remaining: want, Reset: reset}) {
				t.Fatalf("call %d: (%+v, %v), want a quota of 3 with %d remaining, reset at %v", i, resp.Quota, err, want, reset)
			}
		}
		time.Sleep(20 * time.Second)
		_, err := p.Fetch(context.Background(), req)
		if providers.Classify(err) != providers.RateLimit || !errors.Is(err, fake.ErrQuotaExhausted) || providers.RetryAfter(err) != 40*time.Second {
			t.Errorf("over quota: err = %v, want rate_limit, ErrQuotaExhausted, retry after 40s", err)
		}
		time.Sleep(40 * time.Second)
		resp, err := p.Fetch(context.Background(), req)
		if err != nil || resp.Quota.Remaining != 2 || !resp.Quota.Reset.Equal(start.Add(2*time.Minute)) {
			t.Errorf("next window: (%+v, %v), want 2 remaining, reset at 2m", resp.Quota, err)
		}
	})
}

func TestQuotaWithoutWindow(t *testing.T) {
	p := mustNew(t, fake.Config{Value: 1, RetryAfter: time.Hour, Quota: fake.Quota{Limit: 1}})
	resp, err := p.Fetch(context.Background(), req)
	if err != nil || resp.Quota.Remaining != 0 || !resp.Quota.Reset.IsZero() {
		t.Fatalf("first call: (%+v, %v), want 0 remaining, no reset", resp.Quota, err)
	}
	for range 3 {
		if _, err := p.Fetch(context.Background(), req); providers.RetryAfter(err) != time.Hour || !errors.Is(err, providers.ErrRateLimit) {
			t.Errorf("err = %v, want rate_limit with the configured RetryAfter", err)
		}
	}
}

func TestFetchDoesNotTouchParams(t *testing.T) {
	params := map[string]string{"keyword": "shoes"}
	p := mustNew(t, fake.Config{TrackKeys: true, ByRequest: func(r providers.Request) fake.Outcome { return fake.Outcome{} }})
	p.Fetch(context.Background(), providers.Request{DataType: "cpc", Params: params})
	if len(params) != 1 || params["keyword"] != "shoes" {
		t.Errorf("params = %v after Fetch", params)
	}
}
