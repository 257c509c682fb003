package fallback

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/strata-go/strata/providers"
)

// resolveIDs numbers the resolves of every resolver in the process (see
// Event.Resolve).
var resolveIDs atomic.Uint64

// Observer receives the resolver's events: one as each provider attempt
// starts and one as it ends (the audit trail), one per resolve, one per
// breaker state change. The host feeds its logs, metrics and traces from
// it; strata registers no metrics of its own. Observe is called from one
// goroutine of the resolver's, in the order the events happened, never
// under a lock and never from a resolving goroutine: an observer that
// blocks, is slow or panics cannot hold a resolve or crash the process.
// Events wait in a queue (Config.Resolve.ObserverQueue, default 4096); an
// observer that falls further behind loses the newest (counted in
// Snapshot.Overall.EventsDropped), and one that panics loses that event
// (counted in CallbackFailures). Close hands the observer every event
// queued before it began, within Close's bound. Params in events are
// redacted copies: the values of sensitive params are replaced.
//
// ctx, like slog.Handler.Handle's, carries values, not a deadline. For an
// event about a resolve or one of its attempts it is the context passed
// to Resolve — for a walk shared by concurrent resolves of a key (see
// ResolveConfig.DisableCoalescing), the first caller's — so that a span
// can be parented and a logger can attach trace IDs. An event no caller
// made (a refresh-ahead walk's attempts, a breaker transition, a contained
// callback failure) has a context TaskFrom recognises. Either way the
// event arrives after the fact, so ctx is never done: its cancellation
// and deadline are not passed on (context.WithoutCancel).
//
// A nil Observer costs nothing: no event is built.
type Observer interface {
	Observe(ctx context.Context, e Event)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(context.Context, Event)

// Observe calls f(ctx, e).
func (f ObserverFunc) Observe(ctx context.Context, e Event) { f(ctx, e) }

// Task names work the resolver does on its own account, with no caller
// of Resolve waiting for it: TaskFrom finds it on an event's context, and
// on the context a provider is called with.
type Task string

// The tasks.
const (
	// TaskRefresh: a refresh-ahead walk (DataTypeConfig.RefreshAhead),
	// started by a cache hit and run in the background. Its attempts'
	// events, and its provider calls, carry it.
	TaskRefresh Task = "refresh"
	// TaskBatch: a BatchProvider's FetchBatch call, which serves the
	// requests of several resolves at once and so has no one caller.
	TaskBatch Task = "batch"
	// TaskWarm: Warm. The resolves Warm makes carry it on top of the
	// values of the context passed to Warm, and so do their events and
	// EventWarm.
	TaskWarm Task = "warm"
	// TaskBreaker: a breaker transition (EventBreaker).
	TaskBreaker Task = "breaker"
	// TaskCallback: a host callback's contained failure (EventCallback).
	TaskCallback Task = "callback"
	// TaskAlert: an alert raised or resolved by the rules (EventAlert).
	TaskAlert Task = "alert"
)

type taskKey struct{}

// withTask returns ctx marked as the resolver's task t.
func withTask(ctx context.Context, t Task) context.Context {
	return context.WithValue(ctx, taskKey{}, t)
}

// TaskFrom returns the resolver's task ctx belongs to, and false for a
// context that belongs to a caller's resolve alone.
func TaskFrom(ctx context.Context) (Task, bool) {
	t, ok := ctx.Value(taskKey{}).(Task)
	return t, ok
}

// EventKind says what an Event reports.
type EventKind uint8

// The event kinds.
const (
	// EventAttempt: one provider attempt ended (or was skipped). Provider,
	// Tier, Outcome, Class, Skip, Latency, Cost, Retry, Hedge, Audit and
	// Err are set; Time is when it ended, and Time − Latency when it
	// started.
	EventAttempt EventKind = iota + 1
	// EventResolve: a resolve ended. Layer, Source, Value, Confidence,
	// Cost, Latency and Err (when it failed) are set; Latency is zero for
	// a fresh cache hit, which is not timed. Time is read once with the
	// resolve's latency: Time − Latency is when the resolve started.
	EventResolve
	// EventBreaker: a provider's circuit breaker changed state. Provider,
	// From and To are set.
	EventBreaker
	// EventWarm: Warm finished one key, or skipped the rest. Done and
	// Total give the progress; Outcome is Succeeded or Failed, or Skipped
	// (Err says why, Done is Total) once for all the keys not started
	// before Warm's ctx ended or Close.
	EventWarm
	// EventCallback: a host callback failed in a way the resolver
	// contained: it panicked, did not return before its deadline and was
	// abandoned, or (the shared tier) returned an entry that fails the
	// checks a provider's answer passes, which is dropped. Source names
	// the callback ("store.Get"), DataType the resolve's data type when
	// there is one, and Err says what happened.
	EventCallback
	// EventAttemptStart: a provider is about to be called. Provider,
	// Tier, Retry and Hedge are set, and Time is the clock reading the
	// attempt's latency is measured from: every EventAttemptStart is
	// followed by the EventAttempt that ends it, with the same Resolve,
	// Provider, Retry and Hedge and, when the provider was called, Time −
	// Latency equal to this Time, so that a host can keep a gauge of the
	// calls in flight. An attempt skipped before its call has none, and so
	// has one that failed before it (its credentials could not be had:
	// its Err matches ErrCredentials);
	// one whose call was refused after its start (Close came, or its
	// deadline) ends skipped.
	EventAttemptStart
	// EventAlert: an alert was raised, changed severity or was resolved
	// (see Alert and AlertsConfig). Alert is set, and Provider for an
	// alert about one. Its context names TaskAlert, but for a budget
	// alert, which carries the context of the resolve that spent.
	EventAlert
)

var eventNames = [...]string{"", "attempt", "resolve", "breaker", "warm", "callback", "attempt_start", "alert"}

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
	Kind EventKind
	// Time is when it happened, read from the clock the resolver times
	// the resolve or the attempt with (see the kinds).
	Time time.Time
	// DataType is a declared data type's name, or empty (an EventWarm for
	// a key naming no declared data type: its Err names it, cut short).
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
	// Audit is set on an attempt's events when it is a second or third
	// opinion on an answer held for an audit (see Attempt.Audit).
	Audit  bool
	Layer  Layer
	Source string
	Value  float64
	// Confidence of the answer (resolve events).
	Confidence float64
	Cost       float64
	Latency    time.Duration
	Shared     bool
	// Resolve identifies the resolve the event is about: a resolve's event
	// and the attempt events of its walk carry the same number, unique in
	// the process — among every resolver's resolves, so that an observer
	// serving several resolvers can tell them apart (a follower of a
	// shared walk has its own; the walk's
	// attempts carry its leader's). Zero for an event of no resolve (a
	// refresh-ahead walk, a breaker, an alert).
	Resolve uint64
	// From and To are breaker states ("closed", "open", "half-open").
	From, To string
	// Done and Total are a Warm's progress.
	Done, Total int
	// Alert is the alert an EventAlert reports; nil otherwise.
	Alert *Alert
	Err   error
}
