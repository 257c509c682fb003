package breaker

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func mustNew(t testing.TB, cfg Config) *Breaker {
	t.Helper()
	b, err := New(cfg)
	require.NoError(t, err, "New")
	return b
}

// report admits one call and reports o at once; it fails the test when the
// breaker refuses.
func report(t testing.TB, b *Breaker, o Outcome) {
	t.Helper()
	p, err := b.Acquire()
	require.NoError(t, err, "Acquire before reporting %v (state %v)", o, b.State())
	p.Done(o)
}

func reportN(t testing.TB, b *Breaker, o Outcome, n int) {
	t.Helper()
	for range n {
		report(t, b, o)
	}
}

// reportSeq reports each outcome in turn: 'S' success, 'F' failure, 'N'
// neutral.
func reportSeq(t testing.TB, b *Breaker, seq string) {
	t.Helper()
	for _, c := range seq {
		report(t, b, outcomeOfRune(t, c))
	}
}

func outcomeOfRune(t testing.TB, c rune) Outcome {
	switch c {
	case 'S':
		return Success
	case 'F':
		return Failure
	case 'N':
		return Neutral
	}
	require.Failf(t, "bad outcome rune", "%q", c)
	return 0
}

// timed admits one call, sleeps d inside it and reports o.
func timed(t testing.TB, b *Breaker, d time.Duration, o Outcome) {
	t.Helper()
	p, err := b.Acquire()
	require.NoError(t, err, "Acquire")
	time.Sleep(d)
	p.Done(o)
}

// recorder collects state changes.
type recorder struct {
	mu  sync.Mutex
	evs []StateChange
}

func (r *recorder) on(ev StateChange) {
	r.mu.Lock()
	r.evs = append(r.evs, ev)
	r.mu.Unlock()
}

func (r *recorder) events() []StateChange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]StateChange(nil), r.evs...)
}

// path renders the transitions as "closed>open(consecutive_failures) ...".
func (r *recorder) path() []string {
	var out []string
	for _, ev := range r.events() {
		out = append(out, fmt.Sprintf("%v>%v(%v)", ev.From, ev.To, ev.Cause))
	}
	return out
}

// openDurations lists the OpenDuration of every transition to Open.
func (r *recorder) openDurations() []time.Duration {
	var out []time.Duration
	for _, ev := range r.events() {
		if ev.To == Open {
			out = append(out, ev.OpenDuration)
		}
	}
	return out
}

// inner reads internal fields under the lock.
func inner(b *Breaker) (probesOut, probesOK int, gen uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.probesOut, b.probesOK, b.gen
}
