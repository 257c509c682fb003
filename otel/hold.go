package otel

import (
	"context"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/strata-go/strata/fallback"
)

// An attempt's event comes before the event of the resolve it serves, and
// a span's parent must exist before the span is started; so the Observer
// holds each attempt until its resolve's event, then starts the resolve's
// span and the attempts' spans under it, each with the times its event
// gives. Events carry no resolve identity: an attempt belongs to the next
// resolve event with the same parent span (the caller's, from the
// context), data type and params that is not a follower's (Event.Shared),
// which is the resolve that led the walk. Resolves of one key under one
// caller's span at once share a walk unless coalescing is off; if it is,
// their attempts may land under either resolve span, always in the right
// trace.
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

// spanKey is what ties an attempt to its resolve: the caller's span and
// the resolve's data type and (redacted) params.
type spanKey struct {
	trace    trace.TraceID
	span     trace.SpanID
	dataType string
	params   string
}

// heldAttempt is an attempt's event waiting for its resolve's.
type heldAttempt struct {
	ctx context.Context
	e   fallback.Event
}

func keyOf(ctx context.Context, e fallback.Event) spanKey {
	sc := trace.SpanContextFromContext(ctx)
	names := make([]string, 0, len(e.Params))
	for n := range e.Params {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, n := range names {
		// NUL cannot occur in a valid param (control characters are refused).
		b.WriteString(n)
		b.WriteByte(0)
		b.WriteString(e.Params[n])
		b.WriteByte(0)
	}
	return spanKey{trace: sc.TraceID(), span: sc.SpanID(), dataType: e.DataType, params: b.String()}
}

// hold keeps an attempt until its resolve's event, letting the oldest
// held attempts go when there are more than heldLimit.
func (o *Observer) hold(ctx context.Context, e fallback.Event) {
	k := keyOf(ctx, e)
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
func (o *Observer) claim(k spanKey) []heldAttempt {
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
	var oldest spanKey
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
