package breaker

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRing(t *testing.T) {
	r := newRing(3)
	require.Zero(t, r.failureRate(), "empty ring has a rate")
	steps := []struct {
		m                mark
		n, failures, slo int
	}{
		{markFailure, 1, 1, 0},
		{markSlow, 2, 1, 1},
		{markFailure | markSlow, 3, 2, 2},
		{0, 3, 1, 2},           // drops the first failure
		{0, 3, 1, 1},           // drops the slow success
		{markFailure, 3, 1, 0}, // drops the slow failure
	}
	for i, s := range steps {
		r.add(s.m)
		require.Equal(t, s.n, r.n, "step %d: n", i)
		require.Equal(t, s.failures, r.failures, "step %d: failures", i)
		require.Equal(t, s.slo, r.slow, "step %d: slow", i)
	}
	r.reset()
	require.Zero(t, r.n, "reset left n")
	require.Zero(t, r.failures, "reset left failures")
	require.Zero(t, r.slow, "reset left slow")
	require.Zero(t, r.next, "reset left next")
}

func TestTimeRing(t *testing.T) {
	origin := time.Unix(1000, 0)
	at := func(d time.Duration) time.Time { return origin.Add(d) }
	w := newTimeRing(10*time.Second, 10, origin) // 1 s buckets
	w.add(at(0), markFailure)
	w.add(at(500*time.Millisecond), 0)
	w.add(at(3*time.Second), markSlow)
	require.Equal(t, bucket{3, 1, 1}, w.sum)
	w.advance(at(9999 * time.Millisecond)) // bucket 9: bucket 0 still in
	require.Equal(t, bucket{3, 1, 1}, w.sum, "sum at 9.999s")
	w.advance(at(10 * time.Second)) // bucket 10 replaces bucket 0
	require.Equal(t, bucket{1, 0, 1}, w.sum, "sum at 10s")
	w.advance(at(time.Hour)) // far ahead: everything gone
	require.Equal(t, bucket{}, w.sum, "sum after an hour")
	w.add(at(time.Hour), markFailure)
	w.reset(at(time.Hour + time.Second))
	require.Equal(t, bucket{}, w.sum, "sum after reset")
	w.add(at(time.Hour+2*time.Second), 0)
	require.Equal(t, bucket{1, 0, 0}, w.sum)
}

func TestOpenDurationFor(t *testing.T) {
	s, _ := (&Config{}).resolve()
	for k, want := range []time.Duration{60, 60, 120, 240, 480, 600, 600} {
		assert.Equal(t, want*time.Second, s.openDurationFor(k), "k=%d", k)
	}
	assert.Equal(t, 600*time.Second, s.openDurationFor(1<<20), "huge k")
}
