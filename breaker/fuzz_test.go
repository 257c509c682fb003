package breaker

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// FuzzConfig checks that New either rejects a config with a *ConfigError or
// returns a breaker whose resolved settings are coherent.
func FuzzConfig(f *testing.F) {
	f.Add(0, 0.0, 0, 0, int64(0), int64(0), 0.0, int64(0), 0, 0.0, int64(0))
	f.Add(-1, -1.0, 5, 10, int64(time.Second), int64(time.Second), 0.3, int64(time.Minute), 2, 1.5, int64(time.Hour))
	f.Add(3, 1.5, -1, 0, int64(-1), int64(5), -0.5, int64(-1), -2, 0.5, int64(1))
	f.Fuzz(func(t *testing.T, consecutive int, rate float64, minCalls, size int, winDur, slow int64, slowRate float64,
		open int64, probes int, mult float64, maxOpen int64) {
		cfg := Config{
			ConsecutiveFailures: consecutive, FailureRateThreshold: rate, MinimumCalls: minCalls % 1000, WindowSize: size % 1000,
			WindowDuration: time.Duration(winDur), SlowCallThreshold: time.Duration(slow), SlowCallRateThreshold: slowRate,
			OpenDuration: time.Duration(open), HalfOpenProbes: probes % 100,
			Adaptive: AdaptiveConfig{Multiplier: mult, MaxOpenDuration: time.Duration(maxOpen)},
		}
		b, err := New(cfg)
		if err != nil {
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			require.ErrorIs(t, err, ErrInvalidConfig)
			require.NotEmpty(t, ce.Field, "error %v names no field", err)
			return
		}
		s := b.s
		coherent := !(s.consecutive < 0 || s.failureRate < 0 || s.failureRate > 1 || s.minimumCalls < 1 || s.probes < 1 ||
			s.openDuration <= 0 || s.maxOpen < s.openDuration || s.multiplier < 1 ||
			s.slowThreshold > 0 && (s.slowRate <= 0 || s.slowRate > 1) ||
			s.consecutive == 0 && s.failureRate == 0 && s.slowThreshold == 0 ||
			s.windowDuration == 0 && s.minimumCalls > s.windowSize)
		require.True(t, coherent, "incoherent settings %+v from %+v", s, cfg)
		for k := range 70 {
			d := s.openDurationFor(k)
			require.GreaterOrEqual(t, d, s.openDuration, "open duration for k=%d", k)
			require.LessOrEqual(t, d, s.maxOpen, "open duration for k=%d", k)
		}
	})
}

// FuzzOutcomeSequence drives a small breaker with a byte string of
// operations and checks the invariants of TestPropertyRandomSequences
// after each.
func FuzzOutcomeSequence(f *testing.F) {
	f.Add([]byte("aaaaFFFFFzzzzaSaSaS"))
	f.Add([]byte("aFaFaFaFaFaFzzzaaaaNNNNzSSSS"))
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 2000 {
			return
		}
		synctest.Test(t, func(t *testing.T) {
			rec := &recorder{}
			b := mustNew(t, Config{ConsecutiveFailures: 3, WindowSize: 6, MinimumCalls: 4, HalfOpenProbes: 2,
				OpenDuration: time.Second, SlowCallThreshold: 300 * time.Millisecond,
				Adaptive: AdaptiveConfig{History: 8, RecoveryCalls: 2}, OnStateChange: rec.on})
			var held []heldPermit
			var tally Counts
			for _, op := range ops {
				switch op % 8 {
				case 0, 1, 2: // admit
					p, err := b.Acquire()
					if err != nil {
						tally.Rejected++
						break
					}
					tally.Admitted++
					held = append(held, heldPermit{p, p.s.gen})
				case 3, 4, 5: // report the oldest held call
					if len(held) == 0 {
						break
					}
					o := [...]Outcome{Success, Failure, Neutral}[int(op/8)%3]
					held[0].p.Done(o)
					held[0].p.Done(Failure)
					held = held[1:]
					switch o {
					case Success:
						tally.Successes++
					case Failure:
						tally.Failures++
					default:
						tally.Neutral++
					}
				default: // wait
					time.Sleep(time.Duration(op) * 10 * time.Millisecond)
				}
				checkInvariants(t, b, held, tally, rec)
			}
		})
	})
}
