package fallback

import "runtime"

// Design note: why fits leave a P free.
//
// A forecast fit is milliseconds of CPU in gonum's loops, and Go's
// scheduler takes a P from a running goroutine only when it blocks or,
// failing that, when sysmon preempts it after 10 ms. When fits hold every
// P, nothing else in the process runs until one of them ends or is
// preempted: not the timer of a resolve waiting for a fit, not the
// default layer of a resolve that skipped the fit, not the walk of a key
// whose providers are down. Measured in the simulator's blackout-herd
// (2 CPUs, two fits at once, a 20 ms deadline): a resolve waiting 10 ms
// for a fit woke at 20 ms and missed its deadline, whatever the fit clock
// said. So however many fits forecast.max_fits allows, at most
// GOMAXPROCS−1 run at once (one when GOMAXPROCS is 1): the rest of the
// resolver always has a P. GOMAXPROCS is read at each fit, not at New,
// because the runtime changes it when the container's CPU limit changes.

// fitsAllowed is how many fits may run at once: maxFits, and never every
// one of procs Ps (at least one fit, so a single-P process still fits).
func fitsAllowed(maxFits, procs int) int {
	return max(1, min(maxFits, procs-1))
}

// takeFitSlot takes a fit slot, or reports that fitsAllowed are running.
// The caller gives it back with releaseFitSlot.
func (r *Resolver) takeFitSlot() bool {
	select {
	case r.fitSlots <- struct{}{}:
	default:
		return false
	}
	// Counted after taking: two fits that race past the limit both give
	// their slots back, which is safe (the default answers), never more
	// than allowed running.
	if len(r.fitSlots) > fitsAllowed(cap(r.fitSlots), runtime.GOMAXPROCS(0)) {
		<-r.fitSlots
		return false
	}
	return true
}

func (r *Resolver) releaseFitSlot() { <-r.fitSlots }
