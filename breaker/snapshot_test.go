package breaker

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSnapshotRates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, Config{SlowCallThreshold: time.Second, ConsecutiveFailures: -1, WindowDuration: time.Minute})
		s := b.Snapshot()
		require.Zero(t, s.WindowFailureRate(), "empty window")
		require.Zero(t, s.WindowSlowCallRate(), "empty window")
		timed(t, b, 2*time.Second, Failure)
		timed(t, b, 0, Success)
		timed(t, b, 0, Success)
		timed(t, b, 0, Failure)
		s = b.Snapshot()
		require.Equal(t, 4, s.WindowCalls)
		require.Equal(t, 0.5, s.WindowFailureRate())
		require.Equal(t, 0.25, s.WindowSlowCallRate())
		require.WithinDuration(t, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), s.Since, 0, "since")
		require.Equal(t, 4, s.HistoryCalls)
		require.Equal(t, 0.5, s.HistoryFailureRate)
	})
}

// While open, the window counts are those of the closed period that ended
// in the trip, also when the window is time-based and they would have
// aged out of it.
func TestSnapshotKeepsTheTripsWindowWhileOpen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, Config{ConsecutiveFailures: 3, FailureRateThreshold: -1, WindowDuration: 100 * time.Millisecond, OpenDuration: time.Minute})
		for range 3 {
			report(t, b, Failure)
		}
		s := b.Snapshot()
		require.Equal(t, Open, s.State)
		require.Equal(t, 3, s.WindowCalls)
		time.Sleep(250 * time.Millisecond)
		s = b.Snapshot()
		require.Equal(t, Open, s.State)
		require.Equal(t, 3, s.WindowCalls, "the closed period's, not aged out")
		require.Equal(t, 3, s.WindowFailures)
	})
}
