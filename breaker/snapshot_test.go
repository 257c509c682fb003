package breaker

import (
	"testing"
	"testing/synctest"
	"time"
)

func TestSnapshotRates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, Config{SlowCallThreshold: time.Second, ConsecutiveFailures: -1, WindowDuration: time.Minute})
		if s := b.Snapshot(); s.WindowFailureRate() != 0 || s.WindowSlowCallRate() != 0 {
			t.Fatalf("empty window rates %v %v", s.WindowFailureRate(), s.WindowSlowCallRate())
		}
		timed(t, b, 2*time.Second, Failure)
		timed(t, b, 0, Success)
		timed(t, b, 0, Success)
		timed(t, b, 0, Failure)
		s := b.Snapshot()
		if s.WindowCalls != 4 || s.WindowFailureRate() != 0.5 || s.WindowSlowCallRate() != 0.25 {
			t.Fatalf("snapshot %+v: rates %v %v, want 0.5 0.25", s, s.WindowFailureRate(), s.WindowSlowCallRate())
		}
		if !s.Since.Equal(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)) || s.HistoryCalls != 4 || s.HistoryFailureRate != 0.5 {
			t.Fatalf("snapshot %+v", s)
		}
	})
}
