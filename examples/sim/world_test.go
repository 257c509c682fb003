package main

import (
	"context"
	"errors"
	"math"
	"testing"
	"testing/synctest"
	"time"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/stats"
)

func TestScheduleByRequestIndex(t *testing.T) {
	sc, err := parseScenario([]byte(minimal + `    events:
      - {from: 0.1, to: 0.3, kind: down, class: rate_limit}
      - {from: 0.2, to: 0.5, kind: slow, factor: 4}
      - {from: 0.4, to: 0.5, kind: slow, factor: 2}
      - {from: 0.5, to: 0.6, kind: garbage}
      - {from: 0.6, to: 1.0, kind: flapping, period: 10}
`))
	if err != nil {
		t.Fatal(err)
	}
	sc.Requests = 100
	s := newSchedule(sc.Providers[0].Events, sc.Requests)
	want := map[int64]string{
		0: "pass", 9: "pass",
		10: "fail(rate_limit)", 25: "fail(rate_limit)", // down wins over the slow event holding too
		30: "slow(×4)", 39: "slow(×4)",
		40: "slow(×8)", 49: "slow(×8)", // two slow events multiply
		50: "return(nan)", 51: "return(+inf)", 52: "return(negative)", 53: "return(out_of_bounds)", 54: "return(nan)",
		60: "fail(unavailable)", 69: "fail(unavailable)", 70: "pass", 79: "pass", 80: "fail(unavailable)", 99: "pass",
		100: "pass",
	}
	for idx, w := range want {
		if got := s.outcome(idx).String(); got != w {
			t.Errorf("request %d: %s, want %s", idx, got, w)
		}
	}
}

func TestTokenBucket(t *testing.T) {
	b := newTokenBucket(10, 2) // 10 per second, burst 2
	t0 := time.Unix(1000, 0)
	for i := range 2 {
		if ok, _ := b.take(t0); !ok {
			t.Fatalf("take %d of the burst refused", i)
		}
	}
	ok, wait := b.take(t0)
	if ok || wait != 100*time.Millisecond {
		t.Errorf("over the burst: (%v, %v), want refused, a token in 100ms", ok, wait)
	}
	if ok, _ := b.take(t0.Add(50 * time.Millisecond)); ok {
		t.Error("half a token taken")
	}
	if ok, _ := b.take(t0.Add(100 * time.Millisecond)); !ok {
		t.Error("a whole token refused")
	}
	if ok, _ := b.take(t0.Add(10 * time.Second)); !ok {
		t.Error("refill refused")
	}
	if ok, _ := b.take(t0.Add(10 * time.Second)); !ok {
		t.Error("refill beyond one token refused: burst is 2")
	}
	if ok, _ := b.take(t0.Add(10 * time.Second)); ok {
		t.Error("refill beyond the burst")
	}
}

func TestSimProvider(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sc, err := parseScenario([]byte(minimal + `    cost: 0.5
    bias: 0.1
    noise: 0.02
    rate_limit: {per_second: 1, burst: 1}
    events: [{from: 0.5, to: 0.6, kind: down}]
`))
		if err != nil {
			t.Fatal(err)
		}
		keys := compileKeys(sc)
		w, err := newWorld(sc, keys)
		if err != nil {
			t.Fatal(err)
		}
		p := w.provs[0]
		camp := &campaign{budget: fallback.NewBudget(1)}
		req := providers.Request{DataType: "cpc", Params: map[string]string{"keyword": "shoes"}}
		fetch := func(idx int64) (providers.Response, error) {
			return p.Fetch(withRequest(context.Background(), &reqInfo{index: idx, key: keys[0], campaign: camp}), req)
		}

		resp, err := fetch(2)
		if err != nil {
			t.Fatal(err)
		}
		want := keys[0].truth * (1 + 0.1 + 0.02*hashNormal(sc.Seed, 0, 2, 0))
		if resp.Value != want {
			t.Errorf("value %v, want truth × (1 + bias + noise × ε) = %v", resp.Value, want)
		}
		if len(req.Params) != 1 {
			t.Errorf("Fetch wrote into the caller's params: %v", req.Params)
		}

		// The bucket is empty until a virtual second (0.1 s real) passes.
		_, err = fetch(3)
		var perr *providers.Error
		if !errors.As(err, &perr) || perr.Class != providers.RateLimit || perr.RetryAfter <= 0 || perr.RetryAfter > 100*time.Millisecond {
			t.Errorf("second call: %v, want RateLimit with a Retry-After of at most 100ms", err)
		}
		time.Sleep(100 * time.Millisecond)
		if _, err := fetch(5); providers.Classify(err) != providers.Unavailable {
			t.Errorf("request 5 of 10 (the down event): %v, want unavailable", err)
		}
		if got := w.calls.Load(); got != 3 {
			t.Errorf("calls = %d, want 3 (refused ones count)", got)
		}
		if got := float64(camp.spent.Load()) / nano; math.Abs(got-1.5) > 1e-9 {
			t.Errorf("campaign billed %v, want 3 × 0.5", got)
		}
		if got := float64(w.spent.Load()) / nano; math.Abs(got-1.5) > 1e-9 {
			t.Errorf("world billed %v, want 1.5", got)
		}
	})
}

func TestLoadHistory(t *testing.T) {
	sc, err := parseScenario([]byte(minimal + "history: {points: 5, period: 1h}\n"))
	if err != nil {
		t.Fatal(err)
	}
	keys := compileKeys(sc)
	w, err := newWorld(sc, keys)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := stats.NewMemoryHistory(stats.MemoryConfig{})
	now := time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC)
	if err := w.loadHistory(context.Background(), h, now); err != nil {
		t.Fatal(err)
	}
	obs, _ := h.Observations(context.Background(), "cpc?keyword=shoes")
	if len(obs) != 5 {
		t.Fatalf("%d observations, want 5", len(obs))
	}
	p := stats.PeriodOf(time.Hour)
	for i, o := range obs {
		if o.Value != keys[0].history[i] {
			t.Errorf("t=%d: %v, want %v", i, o.Value, keys[0].history[i])
		}
		if got, want := p.Index(o.At), p.Index(now)-int64(5-i); got != want {
			t.Errorf("t=%d: period %d, want %d", i, got, want)
		}
	}
}
