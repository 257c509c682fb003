package prometheus

import (
	"context"
	"errors"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/strata-go/strata/fallback"
)

// DurationBuckets returns the upper bounds, in seconds, of the duration
// histograms' buckets: OpenTelemetry's advice for request durations, from
// 5 ms to 10 s. Each call returns a new slice, which the caller may
// change: no Observer, made before or after, sees the change.
func DurationBuckets() []float64 {
	return []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}
}

// Observer is a fallback.Observer that counts the resolver's events into
// the counters, histograms and gauge of the package documentation's
// second table, and a prometheus.Collector that reports them.
//
// An Observer is safe for concurrent use and may serve several resolvers
// (their figures add up). It registers nothing itself: the host registers
// it with its own registry.
type Observer struct {
	resolves        *prometheus.CounterVec
	resolveDuration *prometheus.HistogramVec
	attempts        *prometheus.CounterVec
	attemptDuration *prometheus.HistogramVec
	inFlight        *prometheus.GaugeVec
	transitions     *prometheus.CounterVec
	budgetSpent     prometheus.Counter

	mu      sync.Mutex
	running map[string]int  // requires mu held: attempts started and not yet ended, by provider
	open    map[attempt]int // requires mu held: the same, by attempt
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

var (
	_ prometheus.Collector = (*Observer)(nil)
	_ fallback.Observer    = (*Observer)(nil)
)

// NewObserver returns an Observer with every count at zero.
func NewObserver() *Observer {
	return &Observer{
		resolves: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "resolves_total",
			Help: `Resolves that ended, by data type and the layer that answered ("none" when none did).`,
		}, []string{"data_type", "layer"}),
		resolveDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "resolve_duration_seconds",
			Help:    "How long resolves took, by data type and layer; fresh cache hits are not timed and not counted here.",
			Buckets: DurationBuckets(),
		}, []string{"data_type", "layer"}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "provider_attempts_total",
			Help: "Provider attempts, by provider, outcome and class (the error class of a failed attempt, the reason for a skipped one).",
		}, []string{"provider", "outcome", "class"}),
		attemptDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "provider_attempt_duration_seconds",
			Help:    "How long provider calls took, by provider and outcome; attempts skipped or failed at their credentials, which call no provider, are not counted here.",
			Buckets: DurationBuckets(),
		}, []string{"provider", "outcome"}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Name: "provider_in_flight",
			Help: "Provider attempts started and not yet ended.",
		}, []string{"provider"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "provider_breaker_transitions_total",
			Help: "Circuit breaker state changes, by provider and the state entered.",
		}, []string{"provider", "state"}),
		budgetSpent: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "budget_spent_total",
			Help: "Money provider attempts debited from callers' budgets (fallback.WithBudget), in the providers' cost unit.",
		}),
		running: map[string]int{},
		open:    map[attempt]int{},
	}
}

// Observe counts one event. Events of kinds the Observer does not count
// are ignored.
func (o *Observer) Observe(ctx context.Context, e fallback.Event) {
	switch e.Kind {
	case fallback.EventResolve:
		layer := e.Layer.String() // "none" when the resolve failed
		o.resolves.WithLabelValues(e.DataType, layer).Inc()
		if timed(e) {
			o.resolveDuration.WithLabelValues(e.DataType, layer).Observe(e.Latency.Seconds())
		}
	case fallback.EventAttemptStart:
		o.started(e)
	case fallback.EventAttempt:
		o.attempts.WithLabelValues(e.Provider, e.Outcome.String(), class(e)).Inc()
		if e.Cost > 0 && fallback.BudgetFrom(ctx) != nil {
			o.budgetSpent.Add(e.Cost)
		}
		if called(e) {
			o.attemptDuration.WithLabelValues(e.Provider, e.Outcome.String()).Observe(e.Latency.Seconds())
		}
		o.ended(e)
	case fallback.EventBreaker:
		o.transitions.WithLabelValues(e.Provider, e.To).Inc()
	}
}

// started counts the attempt e starts as in flight.
func (o *Observer) started(e fallback.Event) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.open) >= openLimit {
		for a := range o.open { // one left open by a lost end, most likely
			o.forget(a)
			break
		}
	}
	o.open[attemptOf(e)]++
	o.running[e.Provider]++
	o.inFlight.WithLabelValues(e.Provider).Set(float64(o.running[e.Provider]))
}

// ended counts the attempt e ends as no longer in flight, when its start
// was counted. Not every end has a start: a skipped attempt's has none,
// but for one whose call was refused after its start; an attempt that
// failed before its provider was to be called (its credentials could not
// be had) has none; and a start may have been lost (see
// fallback.Observer). So the count never goes below zero.
func (o *Observer) ended(e fallback.Event) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if a := attemptOf(e); o.open[a] > 0 {
		o.forget(a)
	}
}

// forget counts one attempt a as ended. It requires o.mu held and a
// open.
func (o *Observer) forget(a attempt) {
	if o.open[a]--; o.open[a] == 0 {
		delete(o.open, a)
	}
	o.running[a.provider]--
	o.inFlight.WithLabelValues(a.provider).Set(float64(o.running[a.provider]))
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

// class is an attempt's class label: the error class of a failed attempt,
// the skip reason of a skipped one, empty otherwise.
func class(e fallback.Event) string {
	switch e.Outcome {
	case fallback.Failed:
		return e.Class.String()
	case fallback.Skipped:
		return e.Skip.String()
	}
	return ""
}

// Describe sends the descriptors of every metric the Observer reports.
func (o *Observer) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range o.collectors() {
		c.Describe(ch)
	}
}

// Collect sends the Observer's current figures.
func (o *Observer) Collect(ch chan<- prometheus.Metric) {
	for _, c := range o.collectors() {
		c.Collect(ch)
	}
}

func (o *Observer) collectors() []prometheus.Collector {
	return []prometheus.Collector{o.resolves, o.resolveDuration, o.attempts, o.attemptDuration, o.inFlight, o.transitions, o.budgetSpent}
}
