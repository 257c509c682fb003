package fallback

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/strata-go/strata/internal/sat"
)

// ringSlots is how many periods a ring holds: a minute of seconds, an
// hour of minutes.
const ringSlots = 60

// windows count resolves by layer and money spent over the trailing
// minute and hour. A count touches one slot, its second's: when a
// second's slot is taken for a new second, what it held is added to its
// minute's slot in the hour ring (rolled up), so the hour is the minutes'
// slots plus the seconds not yet rolled up. The zero value is ready.
type windows struct {
	seconds ring // the last 60 seconds, rolled up into minutes as reused
	minutes ring // the last 60 minutes, of seconds rolled up
}

// resolved counts a resolve answered from layer (0: failed) at now.
func (w *windows) resolved(now time.Time, layer Layer) {
	if s := w.second(now); s != nil {
		s.layers[layer].Add(1)
	}
}

// spent counts c nano-units spent at now.
func (w *windows) spent(now time.Time, c int64) {
	if s := w.second(now); s != nil {
		addSaturating(&s.cost, c)
	}
}

// second is the seconds ring's slot for now, its previous second rolled
// up into the minutes ring when it is taken.
func (w *windows) second(now time.Time) *slot {
	return w.seconds.slotAt(period(now, time.Second), &w.minutes)
}

// lastMinute is the trailing minute as of now, for a resolver started at
// since.
func (w *windows) lastMinute(now, since time.Time) window {
	return w.seconds.trailing(now, time.Second, ringSlots, since)
}

// lastMinutes is the trailing k minutes (at most an hour) as of now: the
// minutes' slots and the seconds in them not rolled up yet, read under
// the seconds ring's lock so that no second is counted twice.
func (w *windows) lastMinutes(now, since time.Time, k int) window {
	w.seconds.mu.Lock()
	defer w.seconds.mu.Unlock()
	sum := w.minutes.trailing(now, time.Minute, k, since)
	from := (period(now, time.Minute) - int64(min(max(k, 1), ringSlots)) + 1) * 60 // its first second
	for i := range w.seconds.slots {
		s := &w.seconds.slots[i]
		if sec := s.period.Load() - 1; sec >= from {
			for l := range s.layers {
				sum.layers[l] += s.layers[l].Load()
			}
			sum.cost = sat.Add(sum.cost, s.cost.Load())
		}
	}
	return sum
}

// ring counts resolves by layer and money spent over a trailing window
// of ringSlots periods of one width (a second, a minute; its callers know
// which, and pass periods or the width): period k is the k-th width since
// the Unix epoch, so periods begin on the clock's seconds and minutes, and
// the window is the last ringSlots periods, the current one (partial)
// included. Counting is lock-free; a slot whose period is over is zeroed
// under the lock when a new period first needs it (once per width). A
// count that arrives later than the whole window (a goroutine held up for
// ringSlots widths) is dropped. The zero value is an empty ring.
type ring struct {
	mu    sync.Mutex // turns a slot over to a new period
	slots [ringSlots]slot
}

// slot is one period's counts: 64 bytes, one cache line.
type slot struct {
	period atomic.Int64                  // the period it counts, plus one; 0: none yet
	layers [len(layerNames)]atomic.Int64 // resolves by layer; [0] failed
	cost   atomic.Int64                  // nano-units
}

// period is the period of the given width now falls in.
func period(now time.Time, width time.Duration) int64 {
	return max(now.UnixNano()/int64(width), 0)
}

// slotAt returns the slot counting period p, turned over to it if it
// held an older one, or nil when it already holds a newer one (p is more
// than the window late). Before a slot is turned over, its counts are
// added to the slot of up (when not nil) for the period ringSlots times
// as wide that held its period: a second's to its minute's.
func (r *ring) slotAt(p int64, up *ring) *slot {
	p++
	s := &r.slots[p%ringSlots]
	if s.period.Load() == p {
		return s
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch q := s.period.Load(); {
	case q > p:
		return nil
	case q < p:
		if q > 0 && up != nil {
			up.add((q-1)/ringSlots, s)
		}
		for i := range s.layers {
			s.layers[i].Store(0)
		}
		s.cost.Store(0)
		s.period.Store(p) // after the zeroing: an adder that sees p adds to zeroed counts
	}
	return s
}

// add adds a slot's counts to period p's, unless p is more than the
// window late.
func (r *ring) add(p int64, from *slot) {
	s := r.slotAt(p, nil)
	if s == nil {
		return
	}
	for i := range from.layers {
		s.layers[i].Add(from.layers[i].Load())
	}
	addSaturating(&s.cost, from.cost.Load())
}

// trailing sums the last k periods up to now's, and returns the time
// they cover: k−1 widths and the part of the current one gone by, or the
// time since since when that is shorter.
func (r *ring) trailing(now time.Time, width time.Duration, k int, since time.Time) window {
	k = min(max(k, 1), ringSlots)
	p := period(now, width)
	var w window
	for j := range int64(k) {
		q := p - j + 1
		if q < 1 {
			break
		}
		s := &r.slots[q%ringSlots]
		if s.period.Load() != q {
			continue
		}
		for l := range s.layers {
			w.layers[l] += s.layers[l].Load()
		}
		w.cost = sat.Add(w.cost, s.cost.Load())
	}
	into := time.Duration(now.UnixNano() - p*int64(width)) // of the current period
	w.span = min(max(now.Sub(since), 0), time.Duration(k-1)*width+into)
	w.width = width
	return w
}

// window is what a ring counted over a trailing span.
type window struct {
	span   time.Duration
	width  time.Duration          // of a period: a rate is never taken over less
	layers [len(layerNames)]int64 // resolves by layer; [0] failed
	cost   int64                  // nano-units
}

// resolves is the number of resolves counted, failed ones included.
func (w window) resolves() int64 {
	var n int64
	for _, c := range w.layers {
		n += c
	}
	return n
}

// per returns n per unit over the window's span, taken as at least one
// period (a second of the minute's window, a minute of the hour's): a
// rate over the first milliseconds after start would project one answer
// into thousands an hour. 0 for an empty span.
func (w window) per(n float64, unit time.Duration) float64 {
	if w.span <= 0 {
		return 0
	}
	return n * float64(unit) / float64(max(w.span, w.width))
}
