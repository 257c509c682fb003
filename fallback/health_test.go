package fallback

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/breaker"
	"github.com/strata-go/strata/providers"
)

// Fleet-aware health: a breaker opening in one instance holds the
// provider in the others.

// fleetConfig is testConfig with fleet health on and a breaker that opens
// after two failures, for a minute, and closes after one good probe.
func fleetConfig() Config {
	cfg := testConfig()
	cfg.FleetHealth.Enabled = true
	cfg.Breaker = breaker.Config{ConsecutiveFailures: 2, OpenDuration: time.Minute, HalfOpenProbes: 1, Adaptive: breaker.AdaptiveConfig{Disabled: true}}
	return cfg
}

// told returns the events published, without the failures.
func told(b *memBus) []HealthEvent {
	var out []HealthEvent
	for _, ev := range b.events() {
		if ev.Kind != HealthFailed {
			out = append(out, ev)
		}
	}
	return out
}

// called reports whether a resolve's attempts include a call to name.
func called(res Result, name string) bool {
	for _, a := range res.Attempts {
		if a.Provider == name && a.Outcome != Skipped {
			return true
		}
	}
	return false
}

func TestFleetHoldsAProviderAnotherInstanceOpened(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bus := newMemBus()
		cfg := fleetConfig()
		ap1, as1 := newStub(1.25), newStub(1.1)
		a := newTestResolver(t, cfg, ap1, as1, WithHealthBus(bus), WithHistory(noHistory{}))
		bp1, bs1 := newStub(1.25), newStub(1.1)
		b := newTestResolver(t, cfg, bp1, bs1, WithHealthBus(bus), WithHistory(noHistory{}))
		synctest.Wait() // both subscribed

		// A's primary fails: two failures open its breaker.
		ap1.fail(providers.Transient)
		res, err := a.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		require.Equal(t, LayerSecondary, res.Layer)
		synctest.Wait() // the writer published it
		evs := told(bus)
		require.Len(t, evs, 1)
		assert.Equal(t, HealthEvent{Kind: HealthOpened, Provider: "p1", Instance: a.fleet.instance, At: evs[0].At, For: time.Minute}, evs[0])
		opened := evs[0].At

		// B holds p1 without having called it, and its own breaker is
		// untouched.
		res, err = b.Resolve(context.Background(), "cpc", Params{"keyword": "boots"})
		require.NoError(t, err)
		assert.Equal(t, LayerSecondary, res.Layer)
		assert.False(t, called(res, "p1"), "attempts: %+v", res.Attempts)
		assert.Zero(t, bp1.calls.Load(), "B never called p1")
		assert.Equal(t, breaker.Closed, b.byName["p1"].breaker.Snapshot().State, "B's own breaker stays closed")
		assert.Equal(t, opened.Add(time.Minute+cfg.Providers[0].Timeout), b.byName["p1"].breaker.heldUntil(), "held for the open duration plus the provider's timeout")
		snap := b.Snapshot().Providers[0]
		assert.Equal(t, "closed", snap.Breaker)
		assert.Equal(t, opened.Add(time.Minute+cfg.Providers[0].Timeout), snap.FleetHoldUntil, "the snapshot shows the hold")

		// After the open duration and the provider's timeout, B calls p1
		// again (A never probed: it had no traffic).
		time.Sleep(time.Minute + cfg.Providers[0].Timeout)
		res, err = b.Resolve(context.Background(), "cpc", Params{"keyword": "sandals"})
		require.NoError(t, err)
		assert.Equal(t, LayerPrimary, res.Layer)
		assert.EqualValues(t, 1, bp1.calls.Load())
		assert.Zero(t, b.Snapshot().Providers[0].FleetHoldUntil, "no hold any more")
	})
}

// The instance that opened the breaker probes first; its closing ends the
// others' holds at once.
func TestFleetClosingEndsTheHold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bus := newMemBus()
		cfg := fleetConfig()
		ap1 := newStub(1.25)
		a := newTestResolver(t, cfg, ap1, newStub(1.1), WithHealthBus(bus), WithHistory(noHistory{}))
		bp1 := newStub(1.25)
		b := newTestResolver(t, cfg, bp1, newStub(1.1), WithHealthBus(bus), WithHistory(noHistory{}))
		synctest.Wait()
		ap1.fail(providers.Transient)
		_, err := a.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		synctest.Wait()
		require.False(t, b.byName["p1"].breaker.heldUntil().IsZero())

		time.Sleep(time.Minute)
		ap1.answer(1.3) // back
		res, err := a.Resolve(context.Background(), "cpc", Params{"keyword": "boots"})
		require.NoError(t, err)
		require.Equal(t, LayerPrimary, res.Layer, "A's probe succeeds")
		synctest.Wait()
		evs := told(bus)
		require.Len(t, evs, 3)
		assert.Equal(t, HealthSucceeded, evs[1].Kind, "A announced its answer")
		assert.Equal(t, HealthClosed, evs[2].Kind, "and its breaker closed")
		assert.True(t, b.byName["p1"].breaker.heldUntil().IsZero(), "B's hold ended before its time")
		res, err = b.Resolve(context.Background(), "cpc", Params{"keyword": "sandals"})
		require.NoError(t, err)
		assert.Equal(t, LayerPrimary, res.Layer)
	})
}

// A re-opening after a failed probe extends the others' holds.
func TestFleetReopeningExtendsTheHold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bus := newMemBus()
		cfg := fleetConfig()
		ap1 := newStub(1.25)
		a := newTestResolver(t, cfg, ap1, newStub(1.1), WithHealthBus(bus), WithHistory(noHistory{}))
		bp1 := newStub(1.25)
		b := newTestResolver(t, cfg, bp1, newStub(1.1), WithHealthBus(bus), WithHistory(noHistory{}))
		synctest.Wait()
		ap1.fail(providers.Transient)
		_, err := a.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		synctest.Wait()
		time.Sleep(time.Minute)
		// A probes, still failing, and opens again: B's hold is renewed
		// before it ran out.
		_, err = a.Resolve(context.Background(), "cpc", Params{"keyword": "boots"})
		require.NoError(t, err)
		synctest.Wait()
		evs := told(bus)
		require.Len(t, evs, 2)
		assert.Equal(t, HealthOpened, evs[1].Kind)
		assert.Equal(t, evs[1].At.Add(time.Minute+cfg.Providers[0].Timeout), b.byName["p1"].breaker.heldUntil())
		time.Sleep(30 * time.Second)
		res, err := b.Resolve(context.Background(), "cpc", Params{"keyword": "sandals"})
		require.NoError(t, err)
		assert.False(t, called(res, "p1"))
		assert.Zero(t, bp1.calls.Load(), "B spent no failed call on p1")
	})
}

// What heard makes of each event.
func TestFleetHeard(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := fleetConfig()
		cfg.FleetHealth.MaxHold = 5 * time.Minute
		r := newTestResolver(t, cfg, newStub(1), newStub(1), WithHealthBus(newMemBus()), WithHistory(noHistory{}))
		p1 := r.byName["p1"].breaker
		now := time.Now()
		timeout := cfg.Providers[0].Timeout

		r.heard(HealthEvent{Provider: "p1", Instance: r.fleet.instance, Kind: HealthOpened, At: now, For: time.Minute})
		assert.True(t, p1.heldUntil().IsZero(), "its own event")
		r.heard(HealthEvent{Provider: "nope", Instance: "x", Kind: HealthOpened, At: now, For: time.Minute})
		r.heard(HealthEvent{Provider: "p1", Instance: "x", Kind: HealthOpened, At: now.Add(-time.Hour), For: time.Minute})
		assert.True(t, p1.heldUntil().IsZero(), "an event older than its open duration and the clock skew")
		r.heard(HealthEvent{Provider: "p1", Instance: "x", Kind: HealthOpened, At: now, For: 0})
		assert.True(t, p1.heldUntil().IsZero(), "no duration")

		r.heard(HealthEvent{Provider: "p1", Instance: "x", Kind: HealthOpened, At: now, For: time.Hour})
		assert.Equal(t, now.Add(5*time.Minute+timeout), p1.heldUntil(), "capped by MaxHold")
		r.heard(HealthEvent{Provider: "p1", Instance: "y", Kind: HealthOpened, At: now, For: time.Minute})
		assert.Equal(t, now.Add(5*time.Minute+timeout), p1.heldUntil(), "a shorter hold does not cut a longer one")
		r.heard(HealthEvent{Provider: "p1", Instance: "y", Kind: HealthClosed, At: now})
		assert.False(t, p1.heldUntil().IsZero(), "only the instance that set the hold ends it")
		r.heard(HealthEvent{Provider: "p1", Instance: "x", Kind: HealthClosed, At: now})
		assert.True(t, p1.heldUntil().IsZero())

		// A clock a little behind: held for what is left.
		r.heard(HealthEvent{Provider: "p1", Instance: "x", Kind: HealthOpened, At: now.Add(-90 * time.Second), For: time.Minute})
		assert.Equal(t, now.Add(30*time.Second+timeout), p1.heldUntil())
		assert.Equal(t, breaker.Open, p1.State())
		_, err := p1.Acquire()
		assert.ErrorIs(t, err, ErrFleetHold)
		assert.ErrorIs(t, err, breaker.ErrOpen)
		time.Sleep(30*time.Second + timeout)
		assert.Equal(t, breaker.Closed, p1.State(), "the hold ran out")
		assert.True(t, p1.heldUntil().IsZero())
	})
}

// A lost message only means learning locally.
func TestFleetLostMessage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bus := newMemBus()
		cfg := fleetConfig()
		ap1 := newStub(1.25)
		a := newTestResolver(t, cfg, ap1, newStub(1.1), WithHealthBus(bus), WithHistory(noHistory{}))
		bp1 := newStub(1.25)
		b := newTestResolver(t, cfg, bp1, newStub(1.1), WithHealthBus(bus), WithHistory(noHistory{}))
		synctest.Wait()
		bus.setLose(true)
		ap1.fail(providers.Transient)
		bp1.fail(providers.Transient)
		_, err := a.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		synctest.Wait()
		res, err := b.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerSecondary, res.Layer)
		assert.EqualValues(t, 2, bp1.calls.Load(), "B learned on its own, as without a bus")
		assert.Equal(t, breaker.Open, b.byName["p1"].breaker.Snapshot().State)
	})
}

func TestFleetHealthConfig(t *testing.T) {
	cfg := testConfig()
	cfg.FleetHealth.Enabled = true
	_, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "fleet_health.enabled", ce.Field)

	_, err = New(testConfig(), WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)), WithHealthBus(newMemBus()))
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "fleet_health.enabled", ce.Field, "a bus, but fleet health off")

	for _, tc := range []struct {
		field string
		set   func(*Config)
	}{
		{"fleet_health.max_hold", func(c *Config) { c.FleetHealth.MaxHold = -1 }},
		{"fleet_health.queue", func(c *Config) { c.FleetHealth.Queue = ConcurrencyLimit + 1 }},
		{"cache.write_queue", func(c *Config) { c.Cache.WriteQueue = QueueLimit + 1 }},
	} {
		cfg := testConfig()
		tc.set(&cfg)
		_, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
		require.ErrorAs(t, err, &ce, tc.field)
		assert.Equal(t, tc.field, ce.Field)
	}

	c, p := fleetConfig().withDefaults()
	require.Empty(t, p)
	assert.Equal(t, DefaultMaxHold, c.FleetHealth.MaxHold)
	assert.Equal(t, DefaultHealthQueue, c.FleetHealth.Queue)
	assert.Equal(t, DefaultWriteQueue, c.Cache.WriteQueue)
	assert.Equal(t, DefaultStaleWindow, c.Cache.StaleWindow)
	off := testConfig()
	off.Cache.StaleWindow = -time.Second
	c, p = off.withDefaults()
	require.Empty(t, p)
	assert.Equal(t, -time.Second, c.Cache.StaleWindow, "negative turns it off")
}

func TestFleetHealthYAML(t *testing.T) {
	cfg, err := ParseConfig([]byte(`
providers:
  - {name: p1, tier: primary, data_types: [cpc]}
data_types:
  - name: cpc
    params: [{name: keyword, required: true}]
cache:
  stale_window: 2h
  write_queue: 16
fleet_health:
  enabled: true
  max_hold: 3m
  queue: 8
`))
	require.NoError(t, err)
	assert.Equal(t, 2*time.Hour, cfg.Cache.StaleWindow)
	assert.Equal(t, 16, cfg.Cache.WriteQueue)
	assert.Equal(t, FleetHealthConfig{Enabled: true, MaxHold: 3 * time.Minute, Queue: 8}, cfg.FleetHealth)
	_, err = ParseConfig([]byte("data_types: [{name: cpc}]\nfleet_health: {queue: -1}\n"))
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "fleet_health.queue", ce.Field)
	assert.Equal(t, 2, ce.Line)
}

// A bus whose Subscribe fails, returns or panics is subscribed to again a
// second later; each failure is reported.
func TestFleetResubscribes(t *testing.T) {
	for _, mode := range []string{"fails", "returns", "panics"} {
		t.Run(mode, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				bus := &flakyBus{mode: mode}
				r := newTestResolver(t, fleetConfig(), newStub(1), newStub(1), WithHealthBus(bus), WithHistory(noHistory{}))
				time.Sleep(3500 * time.Millisecond)
				assert.EqualValues(t, 4, bus.subscribes.Load(), "at once, then every second")
				assert.EqualValues(t, 4, r.Snapshot().Overall.CallbackFailures)
			})
		})
	}
}

type flakyBus struct {
	mode       string
	subscribes atomic.Int64
}

func (b *flakyBus) Publish(context.Context, HealthEvent) error { return nil }
func (b *flakyBus) Subscribe(context.Context, func(HealthEvent)) error {
	b.subscribes.Add(1)
	switch b.mode {
	case "fails":
		return errors.New("no connection")
	case "panics":
		panic("bus")
	}
	return nil
}

// A Subscribe that ignores its context is abandoned by Close, and named.
func TestFleetCloseAbandonsAStuckSubscribe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bus := &stuckBus{release: make(chan struct{})}
		r, err := New(fleetConfig(), WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)), WithHealthBus(bus))
		require.NoError(t, err)
		synctest.Wait()
		err = r.Close()
		var ce *CloseError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, []string{"health bus.Subscribe"}, ce.Abandoned)
		close(bus.release)
	})
}

type stuckBus struct{ release chan struct{} }

func (b *stuckBus) Publish(context.Context, HealthEvent) error { return nil }
func (b *stuckBus) Subscribe(context.Context, func(HealthEvent)) error {
	<-b.release
	return nil
}

// Transitions wait in a bounded queue for the writer: a full queue drops
// the newest, reported.
func TestFleetPublishQueueBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bus := &slowBus{release: make(chan struct{})}
		cfg := fleetConfig()
		cfg.FleetHealth.Queue = 1
		r := newTestResolver(t, cfg, newStub(1), newStub(1), WithHealthBus(bus), WithHistory(noHistory{}))
		open := breaker.StateChange{From: breaker.Closed, To: breaker.Open, At: time.Now(), OpenDuration: time.Minute}
		r.announce("p1", open)
		synctest.Wait() // the writer is publishing it, held by the bus
		r.announce("s1", open)
		r.announce("p1", breaker.StateChange{From: breaker.Open, To: breaker.HalfOpen})
		assert.EqualValues(t, 0, r.Snapshot().Overall.CallbackFailures, "half-open is not announced")
		r.announce("s1", open)
		assert.EqualValues(t, 1, r.Snapshot().Overall.CallbackFailures, "dropped")
		close(bus.release)
		synctest.Wait()
		bus.mu.Lock()
		defer bus.mu.Unlock()
		assert.Equal(t, []string{"p1", "s1"}, bus.sent)
	})
}

type slowBus struct {
	release chan struct{}
	mu      sync.Mutex
	sent    []string
}

func (b *slowBus) Publish(ctx context.Context, ev HealthEvent) error {
	select {
	case <-b.release:
	case <-ctx.Done():
		<-b.release
	}
	b.mu.Lock()
	b.sent = append(b.sent, ev.Provider)
	b.mu.Unlock()
	return nil
}

func (b *slowBus) Subscribe(ctx context.Context, _ func(HealthEvent)) error {
	<-ctx.Done()
	return ctx.Err()
}

// kinds returns the kinds of the events published.
func kinds(b *memBus) []HealthKind {
	var out []HealthKind
	for _, ev := range b.events() {
		out = append(out, ev.Kind)
	}
	return out
}

// The fleet's failures add up: when they reach the breaker's threshold
// together, every instance holds the provider, none with its own breaker
// open, and one that never called it spends nothing.
func TestFleetRunOfFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bus := newMemBus()
		cfg := fleetConfig() // the breaker's threshold: two failures in a row
		cfg.Retry.MaxAttempts = 1
		var fleet []*Resolver
		var primaries []*stub
		for range 3 {
			p1 := newStub(1.25)
			p1.fail(providers.Transient)
			fleet = append(fleet, newTestResolver(t, cfg, p1, newStub(1.1), WithHealthBus(bus), WithHistory(noHistory{})))
			primaries = append(primaries, p1)
		}
		synctest.Wait()
		for i := range 2 {
			res, err := fleet[i].Resolve(context.Background(), "cpc", shoes)
			require.NoError(t, err)
			require.Equal(t, LayerSecondary, res.Layer)
			synctest.Wait()
		}
		assert.Equal(t, []HealthKind{HealthFailed, HealthFailed, HealthOpened}, kinds(bus), "the second failure completed the run")
		timeout := cfg.Providers[0].Timeout
		now := time.Now()
		assert.Equal(t, now.Add(time.Minute), fleet[1].byName["p1"].breaker.heldUntil(), "the instance that completed the run probes first")
		assert.Equal(t, now.Add(time.Minute+timeout), fleet[0].byName["p1"].breaker.heldUntil())
		assert.Equal(t, now.Add(time.Minute+timeout), fleet[2].byName["p1"].breaker.heldUntil())
		for i, r := range fleet {
			assert.Equal(t, breaker.Closed, r.byName["p1"].breaker.Snapshot().State, "instance %d's own breaker saw one failure", i)
		}
		res, err := fleet[2].Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.False(t, called(res, "p1"))
		assert.Zero(t, primaries[2].calls.Load(), "the third instance spent no failed call")
	})
}

// An answer anywhere ends the run: failures either side of it do not add
// up to a hold.
func TestFleetSuccessEndsTheRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bus := newMemBus()
		cfg := fleetConfig()
		cfg.Retry.MaxAttempts = 1
		var fleet []*Resolver
		var primaries []*stub
		for range 3 {
			p1 := newStub(1.25)
			fleet = append(fleet, newTestResolver(t, cfg, p1, newStub(1.1), WithHealthBus(bus), WithHistory(noHistory{})))
			primaries = append(primaries, p1)
		}
		synctest.Wait()
		primaries[0].fail(providers.Transient)
		primaries[2].fail(providers.Transient)
		for i, kw := range []string{"a", "b", "c"} {
			_, err := fleet[i].Resolve(context.Background(), "cpc", Params{"keyword": kw})
			require.NoError(t, err)
			synctest.Wait()
		}
		assert.Equal(t, []HealthKind{HealthFailed, HealthSucceeded, HealthFailed}, kinds(bus))
		for i, r := range fleet {
			assert.True(t, r.byName["p1"].breaker.heldUntil().IsZero(), "instance %d holds nothing", i)
			assert.EqualValues(t, 1, r.byName["p1"].breaker.streak.Load(), "instance %d: a run of one", i)
		}
	})
}

// What counts as a failure: the provider's fault or no answer in time;
// not a "not found", not a caller that left.
func TestFleetWhatCountsAsAFailure(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(p *stub)
		want []HealthKind
	}{
		{"transient", func(p *stub) { p.fail(providers.Transient) }, []HealthKind{HealthFailed}},
		{"rate limited", func(p *stub) { p.fail(providers.RateLimit) }, []HealthKind{HealthFailed}},
		{"no answer in time", func(p *stub) { p.hang() }, []HealthKind{HealthFailed}},
		{"not found", func(p *stub) { p.fail(providers.Permanent) }, nil},
		{"cancelled itself", func(p *stub) {
			p.set(func(context.Context, providers.Request) (providers.Response, error) {
				return providers.Response{}, fmt.Errorf("transport closed: %w", context.Canceled)
			})
		}, []HealthKind{HealthFailed}},
		{"answered", func(p *stub) {}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				bus := newMemBus()
				cfg := fleetConfig()
				cfg.Retry.MaxAttempts = 1
				p1 := newStub(1.25)
				tc.set(p1)
				r := newTestResolver(t, cfg, p1, newStub(1.1), WithHealthBus(bus), WithHistory(noHistory{}))
				_, err := r.Resolve(context.Background(), "cpc", shoes)
				require.NoError(t, err)
				synctest.Wait()
				assert.Equal(t, tc.want, kinds(bus))
			})
		})
	}
	t.Run("the caller left", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			bus := newMemBus()
			cfg := fleetConfig()
			cfg.Retry.MaxAttempts = 1
			cfg.Resolve.DisableCoalescing = true
			p1 := newStub(1.25)
			p1.hang()
			r := newTestResolver(t, cfg, p1, newStub(1.1), WithHealthBus(bus), WithHistory(noHistory{}))
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(10*time.Millisecond, cancel)
			_, err := r.Resolve(ctx, "cpc", shoes)
			require.ErrorIs(t, err, context.Canceled)
			synctest.Wait()
			assert.Empty(t, kinds(bus))
		})
	})
	t.Run("a hedge won", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			bus := newMemBus()
			cfg := fleetConfig()
			cfg.Retry.MaxAttempts = 1
			cfg.DataTypes[0].Hedge = HedgeConfig{Enabled: true, Delay: 10 * time.Millisecond, AcrossTiers: true}
			p1 := newStub(1.25)
			p1.hang() // returns context.Canceled when the hedge wins
			r := newTestResolver(t, cfg, p1, newStub(1.1), WithHealthBus(bus), WithHistory(noHistory{}))
			res, err := r.Resolve(context.Background(), "cpc", shoes)
			require.NoError(t, err)
			require.Equal(t, "s1", res.Source)
			synctest.Wait()
			assert.Empty(t, kinds(bus), "the loser's cancellation is the walk's, not p1's failure")
			assert.Zero(t, r.byName["p1"].breaker.streak.Load())
		})
	})
}

// An instance whose credential the provider refuses (Auth) opens its own
// breaker, but tells the fleet nothing: the others' credentials may be
// good, and they keep calling the provider.
func TestARefusedCredentialIsNotTheFleetsBusiness(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bus := newMemBus()
		cfg := fleetConfig()
		ap1, as1 := newStub(1.25), newStub(1.1)
		a := newTestResolver(t, cfg, ap1, as1, WithHealthBus(bus), WithHistory(noHistory{}))
		bp1, bs1 := newStub(1.25), newStub(1.1)
		b := newTestResolver(t, cfg, bp1, bs1, WithHealthBus(bus), WithHistory(noHistory{}))
		synctest.Wait() // both subscribed

		ap1.fail(providers.Auth)
		for i := range 3 {
			res, err := a.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i)})
			require.NoError(t, err)
			require.Equal(t, LayerSecondary, res.Layer)
		}
		synctest.Wait()
		assert.Equal(t, breaker.Open, a.byName["p1"].breaker.Snapshot().State, "A's own breaker opened")
		assert.Empty(t, told(bus), "nothing told the fleet")
		res, err := b.Resolve(context.Background(), "cpc", Params{"keyword": "boots"})
		require.NoError(t, err)
		assert.Equal(t, LayerPrimary, res.Layer, "B calls p1 with its own credential")
	})
}

// A restarted instance's answers do not end the run of failures the others
// heard before the restart (it publishes an answer only after failures of
// its own). The run window does: one failure of it, an hour and a hundred
// good answers later, is a new run at the other instance, not the second
// failure of the old one — which held a healthy provider for the open
// duration (fleet_health.run_window).
func TestAFleetRunOfFailuresEndsWithItsWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bus := newMemBus()
		cfg := fleetConfig() // threshold: two failures in a row
		cfg.Retry.MaxAttempts = 1
		ap1 := newStub(1.25)
		a := newTestResolver(t, cfg, ap1, newStub(1.1), WithHealthBus(bus), WithHistory(noHistory{}))
		bp1 := newStub(1.25)
		b := newTestResolver(t, cfg, bp1, newStub(1.1), WithHealthBus(bus), WithHistory(noHistory{}))
		synctest.Wait()

		ap1.fail(providers.Transient)
		_, err := a.Resolve(context.Background(), "cpc", Params{"keyword": "x"})
		require.NoError(t, err)
		synctest.Wait()
		require.EqualValues(t, 1, b.byName["p1"].breaker.streak.Load())

		// A restarts; the provider is healthy again.
		require.NoError(t, a.Close())
		a2p1 := newStub(1.25)
		a2 := newTestResolver(t, cfg, a2p1, newStub(1.1), WithHealthBus(bus), WithHistory(noHistory{}))
		synctest.Wait()
		for i := range 100 {
			time.Sleep(36 * time.Second)
			res, err := a2.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i)})
			require.NoError(t, err)
			require.Equal(t, LayerPrimary, res.Layer)
		}
		synctest.Wait()

		// One failure at A.
		a2p1.fail(providers.Transient)
		_, err = a2.Resolve(context.Background(), "cpc", Params{"keyword": "y"})
		require.NoError(t, err)
		synctest.Wait()
		a2p1.answer(1.25)
		res, err := b.Resolve(context.Background(), "cpc", Params{"keyword": "z"})
		require.NoError(t, err)
		assert.True(t, b.byName["p1"].breaker.heldUntil().IsZero(), "one failure after a hundred answers is not a run of two")
		assert.Equal(t, LayerPrimary, res.Layer, "B calls its healthy primary")
	})
}

// A refusal for quota with a Retry-After is not told to the fleet as a
// failure: the provider is busy, not failing.
func TestARateLimitWithRetryAfterIsNoFleetFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bus := newMemBus()
		cfg := fleetConfig()
		cfg.Retry.MaxAttempts = 1
		ap1 := newStub(0)
		ap1.set(func(context.Context, providers.Request) (providers.Response, error) {
			return providers.Response{}, &providers.Error{Class: providers.RateLimit, Err: errors.New("429"), RetryAfter: time.Minute}
		})
		a := newTestResolver(t, cfg, ap1, newStub(1.1), WithHealthBus(bus), WithHistory(noHistory{}))
		b := newTestResolver(t, cfg, newStub(1.25), newStub(1.1), WithHealthBus(bus), WithHistory(noHistory{}))
		synctest.Wait()
		_, err := a.Resolve(context.Background(), "cpc", Params{"keyword": "x"})
		require.NoError(t, err)
		synctest.Wait()
		assert.Zero(t, b.byName["p1"].breaker.streak.Load())
		assert.Zero(t, a.byName["p1"].breaker.streak.Load())
	})
}
