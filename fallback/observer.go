package fallback

import (
	"time"

	"github.com/strata-go/strata/providers"
)

// Observer receives the resolver's events: one per provider attempt (the
// audit trail), one per resolve, and one per breaker state change. The
// host feeds its logs and metrics from it; strata registers no metrics of
// its own. Observe is called from one goroutine of the resolver's, in the
// order the events happened, never under a lock and never from a
// resolving goroutine: an observer that blocks, is slow or panics cannot
// hold a resolve or crash the process. Events wait in a queue
// (Config.Resolve.ObserverQueue, default 4096); an
// observer that falls further behind loses the newest (counted in
// Snapshot.Overall.EventsDropped), and one that panics loses that event
// (counted in CallbackFailures). Close hands the observer every event
// queued before it began, within Close's bound. Params in events are
// redacted copies: the values of sensitive params are replaced.
//
// A nil Observer costs nothing: no event is built.
type Observer interface {
	Observe(Event)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(Event)

// Observe calls f(e).
func (f ObserverFunc) Observe(e Event) { f(e) }

// EventKind says what an Event reports.
type EventKind uint8

// The event kinds.
const (
	// EventAttempt: one provider attempt ended (or was skipped). Provider,
	// Tier, Outcome, Class, Skip, Latency, Cost and Err are set.
	EventAttempt EventKind = iota + 1
	// EventResolve: a resolve ended. Layer, Source, Value, Confidence,
	// Cost, Latency and Err (when it failed) are set; Latency is zero for
	// a fresh cache hit, which is not timed.
	EventResolve
	// EventBreaker: a provider's circuit breaker changed state. Provider,
	// From and To are set.
	EventBreaker
	// EventWarm: Warm finished one key. Done and Total give the progress.
	EventWarm
	// EventCallback: a host callback failed in a way the resolver
	// contained: it panicked, did not return before its deadline and was
	// abandoned, or (the shared tier) returned an entry that fails the
	// checks a provider's answer passes, which is dropped. Source names
	// the callback ("store.Get"), DataType the resolve's data type when
	// there is one, and Err says what happened.
	EventCallback
)

var eventNames = [...]string{"", "attempt", "resolve", "breaker", "warm", "callback"}

// String returns the kind's name.
func (k EventKind) String() string {
	if int(k) < len(eventNames) {
		return eventNames[k]
	}
	return "event"
}

// MarshalText encodes the kind as its name.
func (k EventKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Event is one thing that happened in the resolver.
type Event struct {
	Kind     EventKind
	Time     time.Time
	DataType string
	// Params are the resolve's params, redacted.
	Params   Params
	Provider string
	Tier     Tier
	Outcome  Outcome
	Class    providers.Class
	Skip     SkipReason
	Retry    int
	Hedge    bool
	Layer    Layer
	Source   string
	Value    float64
	// Confidence of the answer (resolve events).
	Confidence float64
	Cost       float64
	Latency    time.Duration
	Shared     bool
	// From and To are breaker states ("closed", "open", "half-open").
	From, To string
	// Done and Total are a Warm's progress.
	Done, Total int
	Err         error
}
