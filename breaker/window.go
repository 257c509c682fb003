package breaker

import "time"

// mark is one recorded call: whether it failed and whether it was slow.
type mark uint8

const (
	markFailure mark = 1 << iota
	markSlow
)

// ring keeps the last len(buf) marks and running counts over them. It is the
// count-based window and the adaptive history. Not safe for concurrent use.
type ring struct {
	buf      []mark
	next     int // where the next mark goes
	n        int // marks held, ≤ len(buf)
	failures int
	slow     int
}

func newRing(size int) ring { return ring{buf: make([]mark, size)} }

func (r *ring) add(m mark) {
	if r.n == len(r.buf) {
		r.sub(r.buf[r.next])
	} else {
		r.n++
	}
	r.buf[r.next] = m
	r.failures += int(m & markFailure)
	r.slow += int(m&markSlow) >> 1
	r.next++
	if r.next == len(r.buf) {
		r.next = 0
	}
}

func (r *ring) sub(m mark) {
	r.failures -= int(m & markFailure)
	r.slow -= int(m&markSlow) >> 1
}

func (r *ring) reset() {
	clear(r.buf)
	r.next, r.n, r.failures, r.slow = 0, 0, 0, 0
}

// failureRate returns failures/n, or 0 when empty.
func (r *ring) failureRate() float64 {
	if r.n == 0 {
		return 0
	}
	return float64(r.failures) / float64(r.n)
}

// bucket holds the counts of one slice of a time-based window.
type bucket struct {
	calls, failures, slow int
}

// timeRing is the time-based window: the calls recorded in the last
// len(buckets) × width, in buckets of width. Time is measured from origin on
// the monotonic clock. Not safe for concurrent use.
type timeRing struct {
	buckets []bucket
	width   time.Duration
	origin  time.Time
	head    int64 // absolute index of the newest bucket
	sum     bucket
}

func newTimeRing(d time.Duration, n int, origin time.Time) timeRing {
	return timeRing{buckets: make([]bucket, n), width: d / time.Duration(n), origin: origin}
}

// advance drops the buckets that have slid out of the window by now.
func (w *timeRing) advance(now time.Time) {
	idx := int64(now.Sub(w.origin) / w.width)
	if idx <= w.head {
		return
	}
	n := int64(len(w.buckets))
	steps := min(idx-w.head, n)
	for i := int64(1); i <= steps; i++ {
		b := &w.buckets[(w.head+i)%n]
		w.sum.calls -= b.calls
		w.sum.failures -= b.failures
		w.sum.slow -= b.slow
		*b = bucket{}
	}
	w.head = idx
}

func (w *timeRing) add(now time.Time, m mark) {
	w.advance(now)
	b := &w.buckets[w.head%int64(len(w.buckets))]
	f, s := int(m&markFailure), int(m&markSlow)>>1
	b.calls++
	b.failures += f
	b.slow += s
	w.sum.calls++
	w.sum.failures += f
	w.sum.slow += s
}

func (w *timeRing) reset(now time.Time) {
	clear(w.buckets)
	w.sum = bucket{}
	w.head = int64(now.Sub(w.origin) / w.width)
}

// window is the sliding window of a closed breaker, count-based or
// time-based. Not safe for concurrent use.
type window struct {
	timed bool
	count ring
	time  timeRing
}

func newWindow(s *settings, origin time.Time) window {
	if s.windowDuration > 0 {
		return window{timed: true, time: newTimeRing(s.windowDuration, s.windowBuckets, origin)}
	}
	return window{count: newRing(s.windowSize)}
}

// add records a call; now is used only by a time-based window.
func (w *window) add(now time.Time, m mark) {
	if w.timed {
		w.time.add(now, m)
		return
	}
	w.count.add(m)
}

// counts returns the calls, failures and slow calls in the window at now.
func (w *window) counts(now time.Time) (calls, failures, slow int) {
	if w.timed {
		w.time.advance(now)
		return w.time.sum.calls, w.time.sum.failures, w.time.sum.slow
	}
	return w.count.n, w.count.failures, w.count.slow
}

func (w *window) reset(now time.Time) {
	if w.timed {
		w.time.reset(now)
		return
	}
	w.count.reset()
}
