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
