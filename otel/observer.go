package otel

import (
	"context"
	"errors"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/strata-go/strata/fallback"
)

// DurationBoundaries returns the bucket boundaries, in seconds, of the
// duration histograms: OpenTelemetry's advice for request durations, from
// 5 ms to 10 s. Each call returns a new slice, which the caller may
// change: no Observer, made before or after, sees the change.
func DurationBoundaries() []float64 {
	return []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}
}

// Observer is a fallback.Observer that makes a span per resolve, a child
// of the span in the context the event carries (the caller's), with a
// child span per provider attempt, and counts the events into the
// instruments of the package documentation's second table. Spans start
// and end at the times the events give (Event.Time − Event.Latency and
// Event.Time), not when the observer sees them.
//
// An attempt ends before the resolve it serves, so its span waits for the
// resolve's event (see the package documentation, Traces). An attempt
// made on the resolver's own account (a refresh-ahead walk's) is a child
// of the span in its own context at once.
//
// An Observer is safe for concurrent use and may serve several resolvers.
type Observer struct {
	tracer trace.Tracer

	resolves        metric.Int64Counter
	resolveDuration metric.Float64Histogram
	attempts        metric.Int64Counter
	attemptDuration metric.Float64Histogram
	inFlight        metric.Int64UpDownCounter
	transitions     metric.Int64Counter
	budgetSpent     metric.Float64Counter

	mu    sync.Mutex
	open  map[attempt]int          // requires mu held: attempts started and not yet ended
	held  map[uint64][]heldAttempt // requires mu held: attempts waiting for their resolve's event (hold.go)
	nHeld int                      // requires mu held: the attempts in held
}

// attempt identifies a provider attempt in its start and end events. The
// attempts of refresh-ahead walks (no resolve) may share one: they are
// counted.
type attempt struct {
	resolve  uint64
	provider string
	retry    int
	hedge    bool
}

func attemptOf(e fallback.Event) attempt {
	return attempt{resolve: e.Resolve, provider: e.Provider, retry: e.Retry, hedge: e.Hedge}
}

// openLimit bounds the attempts the Observer remembers as started: only
// an end event lost by an observer that fell behind leaves one open for
// good.
const openLimit = 1 << 16

var _ fallback.Observer = (*Observer)(nil)

// NewObserver returns an Observer that makes its spans with cfg's tracer
// provider and its instruments with cfg's meter provider. The error is
// the meter's, when it refuses an instrument.
func NewObserver(cfg Config) (*Observer, error) {
	m := cfg.meter()
	o := &Observer{tracer: cfg.tracer(), open: map[attempt]int{}, held: map[uint64][]heldAttempt{}}
	var errs [7]error
	o.resolves, errs[0] = m.Int64Counter("strata.resolves", metric.WithUnit("{resolve}"),
		metric.WithDescription(`Resolves that ended, by data type and the layer that answered ("none" when none did).`))
	o.resolveDuration, errs[1] = m.Float64Histogram("strata.resolve.duration", metric.WithUnit("s"),
		metric.WithDescription("How long resolves took, by data type and layer; fresh cache hits are not timed and not recorded here."),
		metric.WithExplicitBucketBoundaries(DurationBoundaries()...))
	o.attempts, errs[2] = m.Int64Counter("strata.provider.attempts", metric.WithUnit("{attempt}"),
		metric.WithDescription("Provider attempts, by provider and outcome, with the error class of a failed one (error.type) and the reason for a skipped one (strata.skip_reason)."))
	o.attemptDuration, errs[3] = m.Float64Histogram("strata.provider.attempt.duration", metric.WithUnit("s"),
		metric.WithDescription("How long provider calls took, by provider and outcome; attempts skipped or failed at their credentials, which call no provider, are not recorded here."),
		metric.WithExplicitBucketBoundaries(DurationBoundaries()...))
	o.inFlight, errs[4] = m.Int64UpDownCounter("strata.provider.in_flight", metric.WithUnit("{attempt}"),
		metric.WithDescription("Provider attempts started and not yet ended."))
	o.transitions, errs[5] = m.Int64Counter("strata.provider.breaker.transitions", metric.WithUnit("{transition}"),
		metric.WithDescription("Circuit breaker state changes, by provider and the state entered."))
	o.budgetSpent, errs[6] = m.Float64Counter("strata.budget.spent", metric.WithUnit("{cost}"),
		metric.WithDescription("Money provider attempts debited from callers' budgets (fallback.WithBudget), in the providers' cost unit."))
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	return o, nil
}

// Observe records one event: a span and measurements for a resolve or an
// attempt, the in-flight count for an attempt's start, a transition for a
// breaker change. Events of other kinds are ignored.
func (o *Observer) Observe(ctx context.Context, e fallback.Event) {
	switch e.Kind {
	case fallback.EventResolve:
		o.resolve(ctx, e)
	case fallback.EventAttemptStart:
		o.started(ctx, e)
	case fallback.EventAttempt:
		o.attempt(ctx, e)
	case fallback.EventBreaker:
		o.transitions.Add(ctx, 1, metric.WithAttributes(attrProvider.String(e.Provider), attrBreakerState.String(e.To)))
	}
	if !e.Time.IsZero() {
		o.expire(e.Time)
	}
}

func (o *Observer) resolve(ctx context.Context, e fallback.Event) {
	attrs := []attribute.KeyValue{attrDataType.String(e.DataType), attrLayer.String(e.Layer.String())}
	if e.Err != nil {
		attrs = append(attrs, attrErrorType.String(errorType(e.Err)))
	}
	set := metric.WithAttributeSet(attribute.NewSet(attrs...))
	o.resolves.Add(ctx, 1, set)
	if timed(e) {
		o.resolveDuration.Record(ctx, e.Latency.Seconds(), set)
	}

	spanAttrs := append(attrs,
		attrSource.String(e.Source),
		attrConfidence.Float64(e.Confidence),
		attrCost.Float64(e.Cost),
	)
	if e.Err == nil {
		spanAttrs = append(spanAttrs, attrValue.Float64(e.Value))
	}
	if e.Shared {
		spanAttrs = append(spanAttrs, attrShared.Bool(true))
	}
	for name, v := range e.Params {
		spanAttrs = append(spanAttrs, attribute.String(paramPrefix+name, v))
	}
	var attempts []heldAttempt
	if !e.Shared { // a follower's walk was its leader's, and so are the attempts
		attempts = o.claim(e.Resolve)
	}
	rctx, span := o.start(ctx, "strata.resolve", e, spanAttrs)
	for _, a := range attempts {
		o.attemptSpan(rctx, a.e)
	}
	o.end(span, e, e.Err)
}

func (o *Observer) attempt(ctx context.Context, e fallback.Event) {
	attrs := []attribute.KeyValue{attrProvider.String(e.Provider), attrOutcome.String(e.Outcome.String())}
	switch e.Outcome {
	case fallback.Failed:
		attrs = append(attrs, attrErrorType.String(e.Class.String()))
	case fallback.Skipped:
		attrs = append(attrs, attrSkipReason.String(e.Skip.String()))
	}
	o.attempts.Add(ctx, 1, metric.WithAttributes(attrs...))
	if e.Cost > 0 && fallback.BudgetFrom(ctx) != nil {
		o.budgetSpent.Add(ctx, e.Cost)
	}
	if called(e) {
		o.attemptDuration.Record(ctx, e.Latency.Seconds(), metric.WithAttributes(attrs[:2]...))
	}
	o.ended(ctx, e)

	if task, ok := fallback.TaskFrom(ctx); ok && task != fallback.TaskWarm {
		// Made on the resolver's own account (a refresh-ahead walk): no
		// resolve event will come for it. Warm's resolves have theirs.
		o.attemptSpan(ctx, e)
		return
	}
	o.hold(ctx, e)
}

// attemptSpan records the span of the attempt e as a child of the span in
// ctx.
func (o *Observer) attemptSpan(ctx context.Context, e fallback.Event) {
	attrs := []attribute.KeyValue{
		attrProvider.String(e.Provider),
		attrOutcome.String(e.Outcome.String()),
		attrDataType.String(e.DataType),
		attrTier.String(string(e.Tier)),
		attrCost.Float64(e.Cost),
	}
	var err error
	switch e.Outcome {
	case fallback.Failed:
		attrs = append(attrs, attrErrorType.String(e.Class.String()))
		err = e.Err
		if err == nil {
			err = errors.New(e.Class.String())
		}
	case fallback.Skipped:
		attrs = append(attrs, attrSkipReason.String(e.Skip.String()))
	}
	if e.Retry > 0 {
		attrs = append(attrs, attrRetry.Int(e.Retry))
	}
	if e.Hedge {
		attrs = append(attrs, attrHedge.Bool(true))
	}
	if e.Audit {
		attrs = append(attrs, attrAudit.Bool(true))
	}
	_, span := o.start(ctx, "strata.attempt", e, attrs)
	o.end(span, e, err)
}

// start starts the span of the event e, which began at e.Time − e.Latency,
// as a child of the span in ctx.
func (o *Observer) start(ctx context.Context, name string, e fallback.Event, attrs []attribute.KeyValue) (context.Context, trace.Span) {
	return o.tracer.Start(ctx, name,
		trace.WithTimestamp(e.Time.Add(-e.Latency)),
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(attrs...))
}

// end ends span at e.Time, with an error status when err is not nil.
func (o *Observer) end(span trace.Span, e fallback.Event, err error) {
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
	}
	span.End(trace.WithTimestamp(e.Time))
}

// started counts the attempt e starts as in flight.
func (o *Observer) started(ctx context.Context, e fallback.Event) {
	var forgot *attempt
	o.mu.Lock()
	if len(o.open) >= openLimit {
		for a := range o.open { // one left open by a lost end, most likely
			o.forget(a)
			forgot = &a
			break
		}
	}
	o.open[attemptOf(e)]++
	o.mu.Unlock()
	if forgot != nil {
		o.inFlight.Add(ctx, -1, metric.WithAttributes(attrProvider.String(forgot.provider)))
	}
	o.inFlight.Add(ctx, 1, metric.WithAttributes(attrProvider.String(e.Provider)))
}

// ended counts the attempt e ends as no longer in flight, when its start
// was counted. Not every end has a start: a skipped attempt's has none,
// but for one whose call was refused after its start; an attempt that
// failed before its provider was to be called (its credentials could not
// be had) has none; and a start may have been lost (see
// fallback.Observer). So the count never goes below zero.
func (o *Observer) ended(ctx context.Context, e fallback.Event) {
	a := attemptOf(e)
	o.mu.Lock()
	ok := o.open[a] > 0
	if ok {
		o.forget(a)
	}
	o.mu.Unlock()
	if ok {
		o.inFlight.Add(ctx, -1, metric.WithAttributes(attrProvider.String(e.Provider)))
	}
}

// forget counts one attempt a as ended. It requires o.mu held and a
// open.
func (o *Observer) forget(a attempt) {
	if o.open[a]--; o.open[a] == 0 {
		delete(o.open, a)
	}
}

// timed reports whether a resolve event carries a latency: every resolve
// but a fresh cache hit, which is not timed.
func timed(e fallback.Event) bool {
	return e.Latency > 0 || e.Layer != fallback.LayerCache
}

// called reports whether an attempt's event carries the latency of a
// call of its provider: not when it was skipped, nor when it failed at
// its credentials (fallback.ErrCredentials), before any call.
func called(e fallback.Event) bool {
	return e.Outcome != fallback.Skipped && (e.Outcome != fallback.Failed || !errors.Is(e.Err, fallback.ErrCredentials))
}

// errorType names a failed resolve's error for the error.type attribute:
// one of a few fixed values, never the error's text.
func errorType(err error) string {
	switch {
	case errors.Is(err, fallback.ErrClosed):
		return "closed"
	case errors.Is(err, fallback.ErrBudgetExhausted):
		return "budget_exhausted"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline_exceeded"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, fallback.ErrNoAnswer):
		return "no_answer"
	case errors.Is(err, fallback.ErrInvalidParams):
		return "invalid_params"
	case errors.Is(err, fallback.ErrUnknownDataType):
		return "unknown_data_type"
	}
	return "_OTHER"
}

// The attribute keys of events (see also snapshot.go's).
const (
	attrLayer      = attribute.Key("strata.layer")
	attrOutcome    = attribute.Key("strata.outcome")
	attrSkipReason = attribute.Key("strata.skip_reason")
	attrErrorType  = attribute.Key("error.type")
	// Span attributes only: too many values for a metric.
	attrSource     = attribute.Key("strata.source")
	attrConfidence = attribute.Key("strata.confidence")
	attrValue      = attribute.Key("strata.value")
	attrCost       = attribute.Key("strata.cost")
	attrShared     = attribute.Key("strata.shared")
	attrRetry      = attribute.Key("strata.retry")
	attrHedge      = attribute.Key("strata.hedge")
	attrAudit      = attribute.Key("strata.audit")
	paramPrefix    = "strata.param."
)
