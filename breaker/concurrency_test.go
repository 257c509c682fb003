package breaker

import (
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// TestConcurrentExactAccounting runs 64 goroutines against one breaker, each
// with its own seeded outcome sequence and hold times, and checks that every
// admission and outcome is accounted for exactly, that no half-open state
// ever has more probes in flight than allowed, and that the events form one
// valid chain. Run it with -race.
func TestConcurrentExactAccounting(t *testing.T) {
	const (
		workers = 64
		calls   = 300
		probes  = 3
	)
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		b := mustNew(t, Config{
			ConsecutiveFailures: 4,
			WindowSize:          30,
			MinimumCalls:        10,
			SlowCallThreshold:   55 * time.Millisecond,
			OpenDuration:        50 * time.Millisecond,
			HalfOpenProbes:      probes,
			Adaptive:            AdaptiveConfig{MaxOpenDuration: 400 * time.Millisecond, RecoveryCalls: 5},
			OnStateChange:       rec.on,
		})

		var mu sync.Mutex
		probesByGen := map[uint64]int{} // probes in flight per half-open generation
		maxByGen := map[uint64]int{}
		var total Counts

		start := time.Now()
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(42, uint64(w)))
				var c Counts
				// The provider is healthy and failing in alternate seconds,
				// so the breaker goes round its states many times.
				for range calls {
					p, err := b.Acquire()
					if err != nil {
						if !errors.Is(err, ErrOpen) {
							t.Errorf("Acquire: %v", err)
						}
						c.Rejected++
						time.Sleep(time.Duration(rng.IntN(100)) * time.Millisecond)
						continue
					}
					c.Admitted++
					gen := p.s.gen
					if p.Probe() {
						mu.Lock()
						probesByGen[gen]++
						maxByGen[gen] = max(maxByGen[gen], probesByGen[gen])
						mu.Unlock()
					}
					time.Sleep(time.Duration(rng.IntN(60)) * time.Millisecond)
					o := Success
					switch r := rng.IntN(10); {
					case (time.Since(start)/time.Second)%2 == 1 && r < 6, r == 0:
						o = Failure
					case r == 1:
						o = Neutral
					}
					if p.Probe() {
						mu.Lock()
						probesByGen[gen]--
						mu.Unlock()
					}
					p.Done(o)
					p.Done(Failure) // ignored
					switch o {
					case Success:
						c.Successes++
					case Failure:
						c.Failures++
					case Neutral:
						c.Neutral++
					}
				}
				mu.Lock()
				total.Admitted += c.Admitted
				total.Rejected += c.Rejected
				total.Successes += c.Successes
				total.Failures += c.Failures
				total.Neutral += c.Neutral
				mu.Unlock()
			})
		}
		wg.Wait()

		s := b.Snapshot()
		got := s.Totals
		if got.Admitted != total.Admitted || got.Rejected != total.Rejected || got.Successes != total.Successes ||
			got.Failures != total.Failures || got.Neutral != total.Neutral {
			t.Fatalf("breaker totals %+v, workers' %+v", got, total)
		}
		if got.Admitted+got.Rejected != workers*calls {
			t.Fatalf("admitted %d + rejected %d != %d calls", got.Admitted, got.Rejected, workers*calls)
		}
		if s.ProbesInFlight != 0 {
			t.Fatalf("%d probe permits leaked", s.ProbesInFlight)
		}
		for gen, m := range maxByGen {
			if m > probes {
				t.Fatalf("half-open generation %d had %d probes in flight, limit %d", gen, m, probes)
			}
		}
		var opens uint64
		prev := Closed
		for i, ev := range rec.events() {
			if ev.From != prev {
				t.Fatalf("event %d %v>%v follows %v", i, ev.From, ev.To, prev)
			}
			prev = ev.To
			if ev.To == Open {
				opens++
			}
		}
		if opens != s.Trips || prev != s.State {
			t.Fatalf("%d opens in the events, %d trips; last event to %v, state %v", opens, s.Trips, prev, s.State)
		}
		if s.Trips < 5 || len(maxByGen) < 3 || got.Late == 0 || got.Slow == 0 {
			t.Fatalf("the run did not exercise the breaker: %+v, %d half-open periods with probes", s, len(maxByGen))
		}
		t.Logf("trips %d, half-open periods with probes %d, totals %+v", s.Trips, len(maxByGen), got)
	})
}
