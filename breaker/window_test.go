package breaker

import (
	"testing"
	"time"
)

func TestRing(t *testing.T) {
	r := newRing(3)
	if r.failureRate() != 0 {
		t.Fatal("empty ring has a rate")
	}
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
		if r.n != s.n || r.failures != s.failures || r.slow != s.slo {
			t.Fatalf("step %d: n=%d failures=%d slow=%d, want %d %d %d", i, r.n, r.failures, r.slow, s.n, s.failures, s.slo)
		}
	}
	r.reset()
	if r.n != 0 || r.failures != 0 || r.slow != 0 || r.next != 0 {
		t.Fatalf("reset left %+v", r)
	}
}

func TestTimeRing(t *testing.T) {
	origin := time.Unix(1000, 0)
	at := func(d time.Duration) time.Time { return origin.Add(d) }
	w := newTimeRing(10*time.Second, 10, origin) // 1 s buckets
	w.add(at(0), markFailure)
	w.add(at(500*time.Millisecond), 0)
	w.add(at(3*time.Second), markSlow)
	if w.sum != (bucket{3, 1, 1}) {
		t.Fatalf("sum %+v", w.sum)
	}
	w.advance(at(9999 * time.Millisecond)) // bucket 9: bucket 0 still in
	if w.sum != (bucket{3, 1, 1}) {
		t.Fatalf("sum at 9.999s %+v", w.sum)
	}
	w.advance(at(10 * time.Second)) // bucket 10 replaces bucket 0
	if w.sum != (bucket{1, 0, 1}) {
		t.Fatalf("sum at 10s %+v", w.sum)
	}
	w.advance(at(time.Hour)) // far ahead: everything gone
	if w.sum != (bucket{}) {
		t.Fatalf("sum after an hour %+v", w.sum)
	}
	w.add(at(time.Hour), markFailure)
	w.reset(at(time.Hour + time.Second))
	if w.sum != (bucket{}) {
		t.Fatalf("sum after reset %+v", w.sum)
	}
	w.add(at(time.Hour+2*time.Second), 0)
	if w.sum != (bucket{1, 0, 0}) {
		t.Fatalf("sum %+v", w.sum)
	}
}

func TestOpenDurationFor(t *testing.T) {
	s, _ := (&Config{}).resolve()
	for k, want := range []time.Duration{60, 60, 120, 240, 480, 600, 600} {
		if got := s.openDurationFor(k); got != want*time.Second {
			t.Errorf("k=%d: %v, want %vs", k, got, want)
		}
	}
	if got := s.openDurationFor(1 << 20); got != 600*time.Second {
		t.Errorf("huge k: %v", got)
	}
}
