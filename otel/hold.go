package otel

import (
	"context"
	"slices"
	"time"

	"github.com/strata-go/strata/fallback"
)

// An attempt's event comes before the event of the resolve it serves, and
// a span's parent must exist before the span is started; so the Observer
// holds each attempt until its resolve's event — the one with the same
// Event.Resolve — then starts the resolve's span and the attempts' spans
// under it, each with the times its event gives. A follower of a shared
// walk has no attempts of its own: the walk's carry its leader's identity.
//
// An attempt whose resolve's event never comes — it was dropped when the
// observer fell behind, or the attempt ended after its caller had given up
// — is not held for ever: past heldLimit attempts, or holdFor after it
// ended by the events' clock, it becomes a child of the span in its own
// context (the caller's); Flush lets them all go at once.
const (
	heldLimit = 1024
	holdFor   = time.Minute
)

// heldAttempt is an attempt's event waiting for its resolve's.
type heldAttempt struct {
	ctx context.Context
	e   fallback.Event
}

// hold keeps an attempt until its resolve's event, letting the oldest
// held attempts go when there are more than heldLimit.
func (o *Observer) hold(ctx context.Context, e fallback.Event) {
	k := e.Resolve
	var out []heldAttempt
	o.mu.Lock()
	o.held[k] = append(o.held[k], heldAttempt{ctx: ctx, e: e})
	o.nHeld++
	for o.nHeld > heldLimit {
		out = append(out, o.releaseOldest()...)
	}
	o.mu.Unlock()
	o.emit(out)
}

// claim returns and forgets the attempts held under k.
func (o *Observer) claim(k uint64) []heldAttempt {
	o.mu.Lock()
	defer o.mu.Unlock()
	a := o.held[k]
	delete(o.held, k)
	o.nHeld -= len(a)
	return a
}

// expire lets go of every held attempt that ended more than holdFor
// before now.
func (o *Observer) expire(now time.Time) {
	var out []heldAttempt
	o.mu.Lock()
	for k, as := range o.held {
		if now.Sub(as[0].e.Time) > holdFor {
			out = append(out, as...)
			delete(o.held, k)
			o.nHeld -= len(as)
		}
	}
	o.mu.Unlock()
	o.emit(out)
}

// releaseOldest forgets and returns the group of held attempts whose
// first ended earliest. It requires o.mu held and something held.
func (o *Observer) releaseOldest() []heldAttempt {
	var oldest uint64
	var at time.Time
	first := true
	for k, as := range o.held {
		if first || as[0].e.Time.Before(at) {
			oldest, at, first = k, as[0].e.Time, false
		}
	}
	as := o.held[oldest]
	delete(o.held, oldest)
	o.nHeld -= len(as)
	return as
}

// emit records the spans of attempts let go without their resolve, each a
// child of the span in its own context.
func (o *Observer) emit(as []heldAttempt) {
	for _, a := range as {
		o.attemptSpan(a.ctx, a.e)
	}
}

// Flush records the span of every attempt still waiting for its resolve's
// event, each a child of the span in its own context. Call it after the
// resolver's Close, which hands the observer every queued event, so that
// no attempt's span is lost at shutdown.
func (o *Observer) Flush() {
	o.mu.Lock()
	var out []heldAttempt
	for k, as := range o.held {
		out = append(out, as...)
		delete(o.held, k)
	}
	o.nHeld = 0
	o.mu.Unlock()
	slices.SortStableFunc(out, func(a, b heldAttempt) int { return a.e.Time.Compare(b.e.Time) })
	o.emit(out)
}
