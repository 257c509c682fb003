package breaker

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// randomConfig draws a small breaker configuration from rng.
func randomConfig(rng *rand.Rand) Config {
	cfg := Config{
		ConsecutiveFailures: rng.IntN(6) - 1, // -1 (off) … 4; 0 is the default 5
		WindowSize:          5 + rng.IntN(16),
		OpenDuration:        time.Duration(1+rng.IntN(5)) * time.Second,
		HalfOpenProbes:      1 + rng.IntN(4),
		Adaptive: AdaptiveConfig{
			Disabled:      rng.IntN(4) == 0,
			History:       5 + rng.IntN(20),
			RecoveryCalls: 1 + rng.IntN(6),
		},
	}
	cfg.MinimumCalls = 1 + rng.IntN(cfg.WindowSize)
	if rng.IntN(2) == 0 {
		cfg.SlowCallThreshold = time.Duration(1+rng.IntN(3)) * 500 * time.Millisecond
	}
	if rng.IntN(3) == 0 {
		cfg.WindowDuration = time.Duration(5+rng.IntN(20)) * time.Second
	}
	return cfg
}

type heldPermit struct {
	p   Permit
	gen uint64
}

// checkInvariants fails t unless every invariant that must hold between
// any two operations holds.
func checkInvariants(t *testing.T, b *Breaker, held []heldPermit, tally Counts, rec *recorder) {
	t.Helper()
	// One assertion per step: the property tests make millions of checks.
	require.Empty(t, brokenInvariants(b, held, tally, rec))
}

// brokenInvariants returns a line for each invariant b breaks, given the
// permits the caller holds, the caller's tally and the events so far.
func brokenInvariants(b *Breaker, held []heldPermit, tally Counts, rec *recorder) []string {
	var broken []string
	fail := func(format string, args ...any) { broken = append(broken, fmt.Sprintf(format, args...)) }
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.s.probes
	switch b.state {
	case HalfOpen:
		if b.probesOut < 0 || b.probesOK < 0 || b.probesOut+b.probesOK > n || b.probesOK >= n {
			fail("half-open with %d out, %d ok, %d probes", b.probesOut, b.probesOK, n)
		}
		mine := 0
		for _, h := range held {
			if h.p.probe && h.gen == b.gen {
				mine++
			}
		}
		if mine != b.probesOut {
			fail("breaker counts %d probes out, the caller holds %d", b.probesOut, mine)
		}
	default:
		if b.probesOut != 0 || b.probesOK != 0 {
			fail("%v with probe counters %d/%d", b.state, b.probesOut, b.probesOK)
		}
	}
	if b.state == Closed && b.curConsecutive > 0 && b.consecutive >= b.curConsecutive {
		fail("closed with %d consecutive failures, threshold %d", b.consecutive, b.curConsecutive)
	}
	if b.openFor < b.s.openDuration || b.openFor > b.s.maxOpen {
		fail("open duration %v outside [%v, %v]", b.openFor, b.s.openDuration, b.s.maxOpen)
	}
	tot := b.totalsLocked()
	if tot.Admitted != tally.Admitted || tot.Rejected != tally.Rejected ||
		tot.Successes != tally.Successes || tot.Failures != tally.Failures || tot.Neutral != tally.Neutral {
		fail("totals %+v, caller's tally %+v", tot, tally)
	}
	if inFlight := tot.Admitted - tot.Successes - tot.Failures - tot.Neutral; inFlight != uint64(len(held)) {
		fail("%d in flight by the totals, %d held", inFlight, len(held))
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	prev := Closed
	opens := uint64(0)
	for i, ev := range rec.evs {
		if ev.From != prev || ev.From == ev.To {
			fail("event %d %v>%v after %v", i, ev.From, ev.To, prev)
		}
		prev = ev.To
		if ev.To == Open {
			opens++
		}
	}
	if prev != b.state || opens != b.trips {
		fail("events end in %v with %d opens; breaker %v with %d trips", prev, opens, b.state, b.trips)
	}
	return broken
}

// TestPropertyRandomSequences drives breakers with seeded random configs and
// random interleavings of admissions, reports (double ones included) and
// waits, checking the invariants after every step.
func TestPropertyRandomSequences(t *testing.T) {
	for seed := uint64(1); seed <= 60; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, 0x5eed))
				cfg := randomConfig(rng)
				rec := &recorder{}
				cfg.OnStateChange = rec.on
				b := mustNew(t, cfg)
				var held []heldPermit
				var tally Counts
				outcomes := [...]Outcome{Success, Success, Success, Failure, Failure, Neutral}
				finish := func(i int) {
					h := held[i]
					held = append(held[:i], held[i+1:]...)
					o := outcomes[rng.IntN(len(outcomes))]
					h.p.Done(o)
					if rng.IntN(10) == 0 {
						h.p.Done(Failure) // must be ignored
					}
					switch o {
					case Success:
						tally.Successes++
					case Failure:
						tally.Failures++
					case Neutral:
						tally.Neutral++
					}
				}
				for range 3000 {
					switch r := rng.IntN(10); {
					case r < 4:
						p, err := b.Acquire()
						if err != nil {
							require.ErrorIs(t, err, ErrOpen, "Acquire")
							tally.Rejected++
							break
						}
						tally.Admitted++
						held = append(held, heldPermit{p, p.s.gen})
					case r < 8:
						if len(held) > 0 {
							finish(rng.IntN(len(held)))
						}
					default:
						time.Sleep(time.Duration(rng.IntN(2000)) * time.Millisecond)
					}
					checkInvariants(t, b, held, tally, rec)
				}
				for len(held) > 0 {
					finish(0)
					checkInvariants(t, b, held, tally, rec)
				}
				out, _, _ := inner(b)
				require.Equal(t, 0, out, "probe permits out after every call ended")
				if b.Snapshot().Trips == 0 {
					t.Logf("seed %d never tripped", seed)
				}
			})
		})
	}
}
