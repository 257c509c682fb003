package fallback

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/strata-go/strata/breaker"
)

// HealthEvent is what one instance saw of a provider, as a fleet shares
// it through a HealthBus: a plain value, with nothing of the bus in it.
type HealthEvent struct {
	// Kind says what happened.
	Kind HealthKind
	// Provider is the provider's name, as declared in the config.
	Provider string
	// Instance names the resolver that saw it: random, made by New, the
	// same for the resolver's life. A resolver ignores its own events.
	Instance string
	// At is when it happened, on the sender's clock.
	At time.Time
	// For is how long the provider is held (HealthOpened only).
	For time.Duration
}

// HealthKind is what a HealthEvent says happened.
type HealthKind uint8

// The kinds of HealthEvent.
const (
	// HealthOpened: the instance holds the provider for For — its
	// breaker opened, or the fleet's failures reached the breaker's
	// threshold (see FleetHealthConfig).
	HealthOpened HealthKind = iota + 1
	// HealthClosed: the instance's breaker closed again (its half-open
	// probes succeeded).
	HealthClosed
	// HealthFailed: a call to the provider failed by the provider's
	// fault — an error of a class that counts against a provider, or no
	// answer in time; not a refused credential (Auth), which is the
	// instance's own.
	HealthFailed
	// HealthSucceeded: a call to the provider succeeded after failures.
	HealthSucceeded
)

var healthKinds = [...]string{"", "opened", "closed", "failed", "succeeded"}

// String returns "opened", "closed", "failed" or "succeeded".
func (k HealthKind) String() string {
	if int(k) < len(healthKinds) && k > 0 {
		return healthKinds[k]
	}
	return fmt.Sprintf("HealthKind(%d)", k)
}

// HealthBus carries what the instances of a fleet see of their providers
// (for example cache/redisstore's HealthBus, on Redis pub/sub), for
// fleet-aware health (Config.FleetHealth; see FleetHealthConfig).
//
// Publish sends ev to every instance subscribed; the resolver calls it
// from a goroutine of its own, never from a resolve, bounded by
// Config.Cache.StoreTimeout. Subscribe delivers every event sent by any
// instance, its own included, to deliver, until ctx ends; it returns then
// (or when it fails: the resolver subscribes again a second later).
// deliver is quick and never blocks. A bus may lose events: an instance
// that misses them learns about the provider from its own calls, as
// without a bus.
type HealthBus interface {
	Publish(ctx context.Context, ev HealthEvent) error
	Subscribe(ctx context.Context, deliver func(HealthEvent)) error
}

// resubscribeDelay is how long the resolver waits before subscribing to
// the health bus again after Subscribe returned before Close.
const resubscribeDelay = time.Second

// announce queues a breaker transition of provider name for the fleet, if
// fleet health is on. It never waits: it runs inside a resolve.
func (r *Resolver) announce(name string, sc breaker.StateChange) {
	switch sc.To {
	case breaker.Open:
		if p := r.byName[name]; p != nil && p.breaker.heldBySelf(r.fleet.instance, sc.At.Add(sc.OpenDuration)) {
			return // the fleet's run of failures opened it here first, and said so
		} else if p != nil && p.authFailed.Load() {
			return // opened by this instance's refused credential: not the fleet's business
		}
		r.tell(HealthEvent{Kind: HealthOpened, Provider: name, At: sc.At, For: sc.OpenDuration})
	case breaker.Closed:
		r.tell(HealthEvent{Kind: HealthClosed, Provider: name, At: sc.At})
	}
	// Half-open: the others keep holding until it decides.
}

// tell queues ev, from this resolver, for the fleet, without waiting; a
// full queue drops it (reported).
func (r *Resolver) tell(ev HealthEvent) {
	if r.fleet.outbox == nil || r.closed.Load() {
		return
	}
	ev.Instance = r.fleet.instance
	select {
	case r.fleet.outbox <- ev:
	default:
		r.callbackFailed(&r.fleet.publish, "", errQueueFull)
	}
}

// called tells fleet health what a call to p said of it (see
// provider.report): failed, or answered. A failure adds to the fleet's run
// of failures of p and is published; the failure that takes the run to
// the breaker's consecutive-failure threshold holds p here for the
// breaker's open duration and is published as an opening, so that the
// others hold p too, a little longer (see heard): this instance probes
// first. An answer after failures ends the run and every hold of p, and
// is published.
func (r *Resolver) called(p *provider, failed bool) {
	b := p.breaker
	if !failed {
		if b.streak.Swap(0) > 0 {
			b.releaseAll()
			r.tell(HealthEvent{Kind: HealthSucceeded, Provider: p.name, At: time.Now()})
		}
		return
	}
	now := time.Now()
	r.tell(HealthEvent{Kind: HealthFailed, Provider: p.name, At: now})
	if d, ok := b.tripped(b.failed(now, r.cfg.FleetHealth.RunWindow)); ok && !b.holding(time.Now) {
		d = min(d, r.cfg.FleetHealth.MaxHold)
		b.hold(r.fleet.instance, now.Add(d))
		r.tell(HealthEvent{Kind: HealthOpened, Provider: p.name, At: now, For: d})
	}
}

func (r *Resolver) publishHealth(ev HealthEvent) {
	ctx, cancel := context.WithTimeout(r.life, r.cfg.Cache.StoreTimeout)
	defer cancel()
	if _, err := guarded(ctx, r, &r.fleet.publish, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, r.fleet.bus.Publish(ctx, ev)
	}); err != nil {
		r.callbackFailed(&r.fleet.publish, "", err)
	}
}

// listen keeps the resolver subscribed to the health bus until Close.
func (r *Resolver) listen() {
	defer r.tasks.done(&r.fleet.subscribe)
	for {
		err := r.subscribeOnce()
		if r.life.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("returned before Close")
		}
		r.callbackFailed(&r.fleet.subscribe, "", err)
		t := time.NewTimer(resubscribeDelay)
		select {
		case <-r.life.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// subscribeOnce runs the bus's Subscribe, its panic turned into an error.
func (r *Resolver) subscribeOnce() (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = callbackPanic(r.fleet.subscribe.name, v)
		}
	}()
	return r.fleet.bus.Subscribe(r.life, r.heard)
}

// heard takes an event from the bus. Another instance's opening holds the
// provider here for the duration it announced (at most MaxHold) plus the
// provider's timeout, so that the instance that opened it probes first
// and speaks first; its closing ends the hold it set. Its failures add to
// the fleet's run of failures of the provider: a run that reaches the
// breaker's consecutive-failure threshold holds the provider here for the
// breaker's open duration plus the provider's timeout (a failure heard
// more than FleetHealth.RunWindow after the run's latest starts a new
// run); its success ends
// the run and every hold. An event from this resolver, for an unknown
// provider, or an opening older than its own duration (beyond
// maxClockSkew) changes nothing.
func (r *Resolver) heard(ev HealthEvent) {
	if ev.Instance == r.fleet.instance || r.closed.Load() {
		return
	}
	p, ok := r.byName[ev.Provider]
	if !ok {
		return
	}
	b := p.breaker
	now := time.Now()
	switch ev.Kind {
	case HealthClosed:
		b.release(ev.Instance)
	case HealthSucceeded:
		b.streak.Store(0)
		b.releaseAll()
	case HealthFailed:
		if d, ok := b.tripped(b.failed(now, r.cfg.FleetHealth.RunWindow)); ok && !b.holding(time.Now) {
			b.hold(ev.Instance, now.Add(min(d, r.cfg.FleetHealth.MaxHold)+p.cfg.Timeout))
		}
	case HealthOpened:
		d := min(ev.For, r.cfg.FleetHealth.MaxHold)
		if d <= 0 {
			return
		}
		until := now.Add(d)
		if end := ev.At.Add(d + maxClockSkew); end.Before(until) {
			until = end // an old event (a bus that replays) holds for what is left of it
		}
		if !until.After(now) {
			return
		}
		b.hold(ev.Instance, until.Add(p.cfg.Timeout))
	}
}

// fleetBreaker is a provider's breaker with the fleet's word on it (see
// FleetHealthConfig): while another instance's opening holds the
// provider, Acquire refuses with ErrFleetHold (which matches
// breaker.ErrOpen) and State reports Open, so the router and every
// attempt skip the provider as if its breaker were open. The breaker
// itself is never touched by a hold: its state, counts and trips are this
// instance's own, and Snapshot reports them (and the hold apart, as
// ProviderSnapshot.FleetHoldUntil).
type fleetBreaker struct {
	*breaker.Breaker
	// until is the Unix time in nanoseconds the hold ends at; 0: none.
	// Read without the lock on every Acquire.
	until atomic.Int64
	// streak is the fleet's run of failures of the provider, as this
	// instance heard it: its own and the others', since the last success
	// anywhere, each within the run window of the one before (lastFail,
	// Unix nanoseconds).
	streak   atomic.Int64
	lastFail atomic.Int64
	// mu guards by, and a failure's change of lastFail and streak (see
	// failed).
	mu sync.Mutex
	by string // requires mu held: the instance whose opening set until
}

// failed adds a failure at now to the fleet's run and returns the run's
// length: a failure more than window after the run's latest starts a new
// run. The run's end and length change together, under the lock: apart,
// a failure racing another could add to a run the other had just found
// expired.
func (b *fleetBreaker) failed(now time.Time, window time.Duration) int64 {
	at := now.UnixNano()
	b.mu.Lock()
	defer b.mu.Unlock()
	last := b.lastFail.Load()
	if at-last > int64(window) {
		b.streak.Store(0)
	}
	b.lastFail.Store(max(last, at)) // a failure timed before the latest does not move it back
	return b.streak.Add(1)
}

// tripped reports whether a run of n failures reaches the breaker's
// consecutive-failure threshold in force, and for how long the breaker
// would then open. A breaker without that threshold (failure rates only)
// never trips on a run.
func (b *fleetBreaker) tripped(n int64) (time.Duration, bool) {
	s := b.Breaker.Snapshot()
	if s.ConsecutiveFailureThreshold <= 0 || n < int64(s.ConsecutiveFailureThreshold) {
		return 0, false
	}
	return s.OpenDuration, true
}

// heldBySelf reports whether instance self holds the provider until at
// least until.
func (b *fleetBreaker) heldBySelf(self string, until time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.by == self && b.until.Load() >= until.UnixNano()
}

// releaseAll ends the hold, whoever set it.
func (b *fleetBreaker) releaseAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.until.Store(0)
	b.by = ""
}

// ErrFleetHold is the error a provider's admission fails with while
// another instance's breaker opening holds it (see FleetHealthConfig). It
// matches breaker.ErrOpen.
var ErrFleetHold = fmt.Errorf("fallback: held by the fleet: %w", breaker.ErrOpen)

// Acquire is the breaker's Acquire, refused while the fleet holds the
// provider.
func (b *fleetBreaker) Acquire() (breaker.Permit, error) {
	if b.holding(time.Now) {
		return breaker.Permit{}, ErrFleetHold
	}
	return b.Breaker.Acquire()
}

// State is the breaker's State, Open while the fleet holds the provider.
func (b *fleetBreaker) State() breaker.State {
	if b.holding(time.Now) {
		return breaker.Open
	}
	return b.Breaker.State()
}

// holding reports whether a hold is in force, reading the clock only when
// one was set; an ended hold is cleared.
func (b *fleetBreaker) holding(now func() time.Time) bool {
	u := b.until.Load()
	if u == 0 {
		return false
	}
	if now().UnixNano() < u {
		return true
	}
	b.until.CompareAndSwap(u, 0)
	return false
}

// hold holds the provider until the given time on the word of instance
// by, unless a hold that ends later is in force.
func (b *fleetBreaker) hold(by string, until time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if u := until.UnixNano(); u > b.until.Load() {
		b.until.Store(u)
		b.by = by
	}
}

// release ends the hold if instance by set it.
func (b *fleetBreaker) release(by string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.by == by {
		b.until.Store(0)
		b.by = ""
	}
}

// heldUntil returns when the hold in force ends, or the zero time.
func (b *fleetBreaker) heldUntil() time.Time {
	if u := b.until.Load(); u != 0 {
		return time.Unix(0, u)
	}
	return time.Time{}
}
