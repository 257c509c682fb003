package breaker

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Breaker is an adaptive circuit breaker for one provider. Build it once per
// provider with New and share it: it is safe for concurrent use. The zero
// Breaker is not usable.
//
// A call asks for admission with Allow (or Acquire, its allocation-free
// form), runs, and reports its Outcome exactly once. Execute does all of that
// for a function.
type Breaker struct {
	s        settings // immutable after New
	onChange func(StateChange)

	// closedGen is gen<<1 | 1 while the breaker is closed and 0 otherwise,
	// written under mu at every transition. Acquire reads it to admit a
	// call to a closed breaker without taking the lock, and counts such
	// admissions in fastAdmitted: the success path then locks once, in
	// Done.
	closedGen    atomic.Uint64
	fastAdmitted atomic.Uint64

	mu sync.Mutex
	// Everything below is guarded by mu.
	state       State
	gen         uint64 // bumped on every transition: older permits are late
	since       time.Time
	openedAt    time.Time
	openFor     time.Duration // the current (or last) open period's length
	consecutive int           // failures in a row, closed state
	win         window
	probesOut   int // probe permits held, half-open state
	probesOK    int // probes that succeeded, half-open state

	history        ring // adaptive: the last s.history outcomes
	streak         int  // adaptive: trips since the last clean recovery
	probation      bool // adaptive: closed after half-open, not yet recovered
	healthy        int  // adaptive: healthy calls in a row on probation
	curConsecutive int  // consecutive-failure threshold in force (0 = off)
	curRate        float64
	trips          uint64
	totals         Counts
	atTrip         [3]int // the window's calls, failures and slow calls when the closed period ended

	events     []StateChange // waiting for delivery to onChange
	delivering bool          // a goroutine is draining events
}

// New returns a closed Breaker configured by cfg, with zero fields of cfg
// replaced by their documented defaults. It returns a *ConfigError (matching
// ErrInvalidConfig) naming the first invalid field. New never modifies cfg.
func New(cfg Config) (*Breaker, error) {
	s, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	b := &Breaker{
		s:              s,
		onChange:       cfg.OnStateChange,
		since:          now,
		openFor:        s.openDuration,
		curConsecutive: s.consecutive,
		curRate:        s.failureRate,
	}
	b.win = newWindow(&b.s, now)
	b.closedGen.Store(1)
	if s.adaptive {
		b.history = newRing(s.history)
	}
	return b, nil
}

// Permit is the admission of one call, returned by Acquire. Its Done method
// reports the call's outcome; only the first Done of a Permit (or of any copy
// of it) counts, and the zero Permit's Done does nothing. A Permit is a small
// value: pass it by value.
type Permit struct {
	s     *permitSlot
	seq   uint64
	probe bool
}

// permitSlot carries what Done needs to know about an admitted call. Slots
// are pooled; seq makes every use of a slot distinct, so a second Done of
// an old Permit cannot complete the call that now holds the slot.
type permitSlot struct {
	seq   atomic.Uint64
	b     *Breaker
	gen   uint64
	start time.Time
	probe bool
}

var slotPool = sync.Pool{New: func() any { return new(permitSlot) }}

// noop is the done func returned with an error.
var noop = func(Outcome) {}

// Allow asks to make one call. When the breaker admits it, Allow returns a
// done func that the caller must call exactly once, on every path — success,
// error, panic, and the caller's own cancellation — with the call's Outcome;
// calling it with defer is the safe way (see the examples). Calls of done
// after the first are ignored. The breaker measures the call's duration from
// Allow to done for slow-call detection.
//
// When the breaker refuses, Allow returns ErrOpen (open) or
// ErrTooManyProbes (half-open with every probe permit taken; it matches
// ErrOpen), and a done that does nothing.
//
// The done func is a closure over a Permit: one 32-byte allocation when it
// escapes the caller's frame, none when Allow is inlined and done stays
// local. Acquire is the form that never allocates.
func (b *Breaker) Allow() (done func(Outcome), err error) {
	p, err := b.Acquire()
	if err != nil {
		return noop, err
	}
	return p.Done, nil
}

// Acquire is Allow returning a Permit instead of a func, so that the
// success path allocates nothing. The same rules hold: call p.Done exactly
// once on every path; later calls are ignored. On refusal it returns the
// zero Permit and ErrOpen or ErrTooManyProbes.
func (b *Breaker) Acquire() (Permit, error) {
	var start time.Time
	if b.s.slowThreshold > 0 {
		start = time.Now()
	}
	if cg := b.closedGen.Load(); cg != 0 {
		// Closed: admitted, as if under the lock at the moment of the load.
		b.fastAdmitted.Add(1)
		sl := slotPool.Get().(*permitSlot)
		sl.b, sl.gen, sl.start, sl.probe = b, cg>>1, start, false
		return Permit{s: sl, seq: sl.seq.Load()}, nil
	}
	b.mu.Lock()
	gen, probe, err := b.admitLocked(start)
	deliver := b.takeDeliveryLocked()
	b.mu.Unlock()
	var p Permit
	if err == nil {
		sl := slotPool.Get().(*permitSlot)
		sl.b, sl.gen, sl.start, sl.probe = b, gen, start, probe
		p = Permit{s: sl, seq: sl.seq.Load(), probe: probe}
	}
	if deliver {
		deliverAdmitting(b, p)
	}
	return p, err
}

// deliverAdmitting delivers events on behalf of Acquire. Should OnStateChange
// panic, the caller never receives p, so p is reported Neutral: a probe
// permit goes back rather than leaking.
func deliverAdmitting(b *Breaker, p Permit) {
	delivered := false
	defer func() {
		if !delivered {
			p.Done(Neutral)
		}
	}()
	b.deliver()
	delivered = true
}

// Probe reports whether the permit was a half-open probe.
func (p Permit) Probe() bool { return p.probe }

// Done reports the outcome of the call p admitted. Only the first Done of a
// permit counts; an unknown Outcome counts as Failure. Done is safe to call
// from any goroutine.
func (p Permit) Done(o Outcome) {
	sl := p.s
	if sl == nil || !sl.seq.CompareAndSwap(p.seq, p.seq+1) {
		return
	}
	b, gen, start, probe := sl.b, sl.gen, sl.start, sl.probe
	sl.b = nil
	slotPool.Put(sl)
	b.record(gen, probe, start, o)
}

// setStateLocked moves to st and starts a new generation. Requires b.mu
// held.
func (b *Breaker) setStateLocked(st State) {
	b.state = st
	b.gen++
	if st == Closed {
		b.closedGen.Store(b.gen<<1 | 1)
	} else {
		b.closedGen.Store(0)
	}
}

// totalsLocked returns the running totals. Requires b.mu held.
func (b *Breaker) totalsLocked() Counts {
	t := b.totals
	t.Admitted += b.fastAdmitted.Load()
	return t
}

// admitLocked decides whether to admit a call. start is the call's start
// time when slow-call detection is on, else zero. Requires b.mu held.
func (b *Breaker) admitLocked(start time.Time) (gen uint64, probe bool, err error) {
	switch b.state {
	case Closed:
		b.totals.Admitted++
		return b.gen, false, nil
	case Open:
		now := orNow(start)
		if now.Sub(b.openedAt) < b.openFor {
			b.totals.Rejected++
			return 0, false, ErrOpen
		}
		b.toHalfOpenLocked(now)
	}
	// Half-open: a permit is free while held permits plus successful probes
	// stay under the probe count, so no more than HalfOpenProbes probes are
	// ever in flight, and the breaker closes after exactly HalfOpenProbes
	// successes.
	if b.probesOut+b.probesOK >= b.s.probes {
		b.totals.Rejected++
		return 0, false, ErrTooManyProbes
	}
	b.probesOut++
	b.totals.Admitted++
	return b.gen, true, nil
}

// record applies one outcome reported by Done.
func (b *Breaker) record(gen uint64, probe bool, start time.Time, o Outcome) {
	if o != Success && o != Neutral {
		o = Failure
	}
	var now time.Time
	slow := false
	if b.s.slowThreshold > 0 {
		now = time.Now()
		slow = o != Neutral && now.Sub(start) > b.s.slowThreshold
	} else if b.win.timed {
		now = time.Now()
	}
	b.mu.Lock()
	b.recordLocked(now, gen, probe, o, slow)
	deliver := b.takeDeliveryLocked()
	b.mu.Unlock()
	if deliver {
		b.deliver()
	}
}

// recordLocked requires b.mu held.
func (b *Breaker) recordLocked(now time.Time, gen uint64, probe bool, o Outcome, slow bool) {
	var m mark
	switch o {
	case Success:
		b.totals.Successes++
	case Failure:
		b.totals.Failures++
		m |= markFailure
	case Neutral:
		b.totals.Neutral++
	}
	if slow {
		b.totals.Slow++
		m |= markSlow
	}
	if o != Neutral && b.s.adaptive {
		// The history is the provider's record, so late outcomes count too.
		b.history.add(m & markFailure)
	}
	if gen != b.gen {
		// Admitted in a state that has since ended (gobreaker's generation
		// rule): the outcome must not decide the current state. Permits of
		// an ended half-open state were reset with it, so nothing leaks.
		b.totals.Late++
		return
	}
	switch b.state {
	case Closed:
		b.closedOutcomeLocked(now, o, m)
	case HalfOpen:
		if probe {
			b.probeOutcomeLocked(now, o, slow)
		}
	}
}

// closedOutcomeLocked requires b.mu held.
func (b *Breaker) closedOutcomeLocked(now time.Time, o Outcome, m mark) {
	if o == Neutral {
		return
	}
	if o == Failure {
		b.consecutive++
	} else {
		b.consecutive = 0
	}
	if b.probation {
		if m == 0 {
			b.healthy++
			if b.healthy >= b.s.recoveryCalls {
				b.recoveredLocked()
			}
		} else {
			b.healthy = 0
		}
	}
	b.win.add(now, m)
	if b.curConsecutive > 0 && b.consecutive >= b.curConsecutive {
		b.tripLocked(now, CauseConsecutiveFailures,
			fmt.Sprintf("%d consecutive failures reached the threshold of %d", b.consecutive, b.curConsecutive))
		return
	}
	calls, failures, slow := b.win.counts(now)
	if calls < b.s.minimumCalls {
		return
	}
	if r := float64(failures) / float64(calls); b.curRate > 0 && r >= b.curRate {
		b.tripLocked(now, CauseFailureRate,
			fmt.Sprintf("failure rate %.3g (%d of %d calls) reached the threshold of %.3g", r, failures, calls, b.curRate))
		return
	}
	if r := float64(slow) / float64(calls); b.s.slowRate > 0 && r >= b.s.slowRate {
		b.tripLocked(now, CauseSlowCallRate,
			fmt.Sprintf("slow-call rate %.3g (%d of %d calls over %v) reached the threshold of %.3g", r, slow, calls, b.s.slowThreshold, b.s.slowRate))
	}
}

// probeOutcomeLocked requires b.mu held.
func (b *Breaker) probeOutcomeLocked(now time.Time, o Outcome, slow bool) {
	b.probesOut--
	switch {
	case o == Neutral:
		// The permit goes back: another caller may probe in its place.
	case o == Failure:
		b.tripLocked(now, CauseProbeFailed, "a half-open probe failed")
	case slow:
		b.tripLocked(now, CauseProbeSlow, fmt.Sprintf("a half-open probe took longer than %v", b.s.slowThreshold))
	default:
		b.probesOK++
		if b.probesOK >= b.s.probes {
			b.closeLocked(now)
		}
	}
}

// tripLocked opens the breaker and applies the adaptive rule. Requires b.mu
// held.
func (b *Breaker) tripLocked(now time.Time, cause Cause, reason string) {
	now = orNow(now)
	from := b.state
	if from == Closed {
		// Snapshot reports these while open or half-open: a time-based
		// window would age them out.
		c, f, s := b.win.counts(now)
		b.atTrip = [3]int{c, f, s}
	}
	b.trips++
	if b.s.adaptive {
		b.streak++
		b.probation, b.healthy = false, 0
		if b.history.n > 0 && b.history.failureRate() >= b.s.chronicRate {
			b.curConsecutive, b.curRate = b.s.tightened()
		} else {
			b.curConsecutive, b.curRate = b.s.consecutive, b.s.failureRate
		}
	}
	b.openFor = b.s.openDurationFor(b.streak)
	b.setStateLocked(Open)
	b.since, b.openedAt = now, now
	b.probesOut, b.probesOK = 0, 0
	b.emitLocked(StateChange{From: from, To: Open, At: now, Cause: cause, Reason: reason, OpenDuration: b.openFor})
}

// toHalfOpenLocked requires b.mu held.
func (b *Breaker) toHalfOpenLocked(now time.Time) {
	b.setStateLocked(HalfOpen)
	b.since = now
	b.probesOut, b.probesOK = 0, 0
	b.emitLocked(StateChange{From: Open, To: HalfOpen, At: now, Cause: CauseOpenElapsed,
		Reason: fmt.Sprintf("open duration of %v elapsed", b.openFor)})
}

// closeLocked requires b.mu held.
func (b *Breaker) closeLocked(now time.Time) {
	now = orNow(now)
	b.setStateLocked(Closed)
	b.since = now
	b.consecutive = 0
	b.win.reset(now)
	b.probesOut, b.probesOK = 0, 0
	if b.s.adaptive {
		b.probation, b.healthy = true, 0
	}
	b.emitLocked(StateChange{From: HalfOpen, To: Closed, At: now, Cause: CauseProbesSucceeded,
		Reason: fmt.Sprintf("%d of %d half-open probes succeeded", b.s.probes, b.s.probes)})
}

// recoveredLocked ends probation: a clean recovery restores the configured
// thresholds and open duration. Requires b.mu held.
func (b *Breaker) recoveredLocked() {
	b.probation, b.healthy = false, 0
	b.streak = 0
	b.curConsecutive, b.curRate = b.s.consecutive, b.s.failureRate
}

// refreshLocked turns an open breaker half-open once its open duration has
// passed, so that State and Snapshot never report a stale Open to a router
// that would then never probe. It returns the time it read, or zero.
// Requires b.mu held.
func (b *Breaker) refreshLocked() time.Time {
	if b.state != Open {
		return time.Time{}
	}
	now := time.Now()
	if now.Sub(b.openedAt) >= b.openFor {
		b.toHalfOpenLocked(now)
	}
	return now
}

// emitLocked queues ev for OnStateChange. Requires b.mu held.
func (b *Breaker) emitLocked(ev StateChange) {
	if b.onChange != nil {
		b.events = append(b.events, ev)
	}
}

// takeDeliveryLocked reports whether the caller must deliver queued events
// after unlocking; at most one goroutine delivers at a time, which keeps the
// events in order. Requires b.mu held.
func (b *Breaker) takeDeliveryLocked() bool {
	if len(b.events) == 0 || b.delivering {
		return false
	}
	b.delivering = true
	return true
}

// deliver calls OnStateChange for each queued event, without holding b.mu,
// until the queue is empty. Events queued meanwhile by other goroutines are
// delivered here too. If OnStateChange panics, the panic propagates, and
// the events still queued go out with the next transition.
func (b *Breaker) deliver() {
	finished := false
	defer func() {
		if !finished {
			b.mu.Lock()
			b.delivering = false
			b.mu.Unlock()
		}
	}()
	for {
		b.mu.Lock()
		if len(b.events) == 0 {
			b.events = nil
			b.delivering = false
			b.mu.Unlock()
			finished = true
			return
		}
		ev := b.events[0]
		b.events = b.events[1:]
		b.mu.Unlock()
		b.onChange(ev)
	}
}

// State returns the breaker's current state. An open breaker whose open
// duration has passed is turned half-open first (and OnStateChange hears of
// it), so a router that skips open providers still lets the probes through.
func (b *Breaker) State() State {
	b.mu.Lock()
	b.refreshLocked()
	st := b.state
	deliver := b.takeDeliveryLocked()
	b.mu.Unlock()
	if deliver {
		b.deliver()
	}
	return st
}

func orNow(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}
