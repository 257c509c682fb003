package breaker

import (
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
						assert.ErrorIs(t, err, ErrOpen, "Acquire")
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
		// The breaker's own counts (Late, Slow) are not the workers'.
		total.Late, total.Slow = got.Late, got.Slow
		require.Equal(t, total, got, "breaker totals, workers'")
		require.Equal(t, uint64(workers*calls), got.Admitted+got.Rejected, "admitted + rejected")
		require.Equal(t, 0, s.ProbesInFlight, "probe permits leaked")
		for gen, m := range maxByGen {
			require.LessOrEqual(t, m, probes, "half-open generation %d: probes in flight", gen)
		}
		var opens uint64
		prev := Closed
		for i, ev := range rec.events() {
			require.Equal(t, prev, ev.From, "event %d %v>%v", i, ev.From, ev.To)
			prev = ev.To
			if ev.To == Open {
				opens++
			}
		}
		require.Equal(t, s.Trips, opens, "opens in the events, against trips")
		require.Equal(t, s.State, prev, "last event's state, against the breaker's")
		// The run exercised the breaker.
		require.GreaterOrEqual(t, s.Trips, uint64(5), "trips")
		require.GreaterOrEqual(t, len(maxByGen), 3, "half-open periods with probes")
		require.NotZero(t, got.Late, "late outcomes")
		require.NotZero(t, got.Slow, "slow calls")
		t.Logf("trips %d, half-open periods with probes %d, totals %+v", s.Trips, len(maxByGen), got)
	})
}
