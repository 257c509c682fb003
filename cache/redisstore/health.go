package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/strata-go/strata/fallback"
)

// HealthBus is a fallback.HealthBus on Redis pub/sub: every instance that
// uses the same Redis, Prefix and Version hears what every other saw of
// its providers — breaker openings and closings, failed calls and the
// answer that ends a run of them — within a round trip. Give it to the resolver with
// fallback.WithHealthBus and turn fleet health on in the config
// (fleet_health.enabled). It is safe for concurrent use and uses the
// host's client, which it does not close.
//
// Pub/sub keeps nothing: an instance that is not subscribed when an
// opening is published — Redis down, a connection being re-established,
// an instance starting — misses it and learns about the provider from its
// own calls, as without a bus. Messages are small (about 150 bytes) and
// few: an instance publishes a failure only while the provider fails, and
// nothing while it answers. Publish is bounded by HealthBusConfig's
// Timeout and Cooldown as Store's calls are; a subscription pings Redis
// every HealthBusConfig.Ping while it hears nothing, and subscribes again
// on a new connection when one fails or falls silent (see Subscribe).
type HealthBus struct {
	client  redis.UniversalClient
	channel string // "prefix:version:#health"
	ping    time.Duration
	g       guard

	done      chan struct{} // closed by Close: ends every Subscribe
	closeOnce sync.Once
	mu        sync.Mutex
	closed    bool // requires mu held
	subs      sync.WaitGroup

	published, received, malformed, resubscribes atomic.Uint64
}

var _ fallback.HealthBus = (*HealthBus)(nil)

// NewHealthBus returns a HealthBus on client configured by cfg.
func NewHealthBus(client redis.UniversalClient, cfg HealthBusConfig) (*HealthBus, error) {
	if client == nil {
		return nil, errors.New("redisstore: NewHealthBus: nil client")
	}
	ns, err := namespace(cfg.Prefix, cfg.Version)
	if err != nil {
		return nil, err
	}
	timeout, cooldown, err := durations(cfg.Timeout, cfg.Cooldown)
	if err != nil {
		return nil, err
	}
	if cfg.Ping < 0 {
		return nil, fmt.Errorf("redisstore: invalid config: ping: must not be negative, got %v", cfg.Ping)
	}
	if cfg.Ping == 0 {
		cfg.Ping = DefaultPing
	}
	return &HealthBus{
		client:  client,
		channel: ns + reserved + "health",
		ping:    cfg.Ping,
		g:       guard{timeout: timeout, cooldown: cooldown},
		done:    make(chan struct{}),
	}, nil
}

// Channel returns the pub/sub channel the bus uses.
func (b *HealthBus) Channel() string { return b.channel }

// Publish sends ev to every instance subscribed, this one included.
func (b *HealthBus) Publish(ctx context.Context, ev fallback.HealthEvent) error {
	msg, err := encodeHealth(ev)
	if err != nil {
		return err
	}
	_, err = call(ctx, &b.g, func(ctx context.Context) (int64, error) {
		return b.client.Publish(ctx, b.channel, msg).Result()
	})
	if err != nil {
		return fmt.Errorf("redisstore: publish health: %w", err)
	}
	b.published.Add(1)
	return nil
}

// Subscribe delivers every event published on the bus to deliver, from
// the calling goroutine, until ctx ends (it returns ctx's error) or the
// bus is closed (ErrClosed). A message that does not decode as an event
// is skipped (HealthBusStats.Malformed).
//
// It keeps itself subscribed: when the connection fails, or hears nothing
// — not even the answer to its own ping — for two HealthBusConfig.Ping
// intervals (a paused Redis, a half-open connection), it drops it and
// subscribes again on a new one, a Ping interval later
// (HealthBusStats.Resubscribes).
func (b *HealthBus) Subscribe(ctx context.Context, deliver func(fallback.HealthEvent)) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrClosed
	}
	b.subs.Add(1)
	b.mu.Unlock()
	defer b.subs.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-b.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		b.listen(ctx, deliver)
		select {
		case <-b.done:
			return ErrClosed
		case <-ctx.Done():
			if b.isClosed() {
				return ErrClosed
			}
			return ctx.Err()
		case <-time.After(b.ping):
			b.resubscribes.Add(1)
		}
	}
}

func (b *HealthBus) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// listen subscribes on a connection of its own and delivers what it hears
// until ctx ends or the connection fails or falls silent.
func (b *HealthBus) listen(ctx context.Context, deliver func(fallback.HealthEvent)) {
	// Subscribing does not fail when Redis is down: the first receive
	// reports it.
	ps := b.client.Subscribe(ctx, b.channel)
	stop := context.AfterFunc(ctx, func() { ps.Close() }) // unblocks a receive
	defer func() {
		stop()
		ps.Close()
	}()
	quiet := 0
	for ctx.Err() == nil {
		msg, err := ps.ReceiveTimeout(ctx, b.ping)
		if err != nil {
			var ne interface{ Timeout() bool }
			if !errors.As(err, &ne) || !ne.Timeout() {
				return // a failed connection: subscribe anew
			}
			if quiet++; quiet >= 2 {
				return // a silent one too
			}
			_ = ps.Ping(ctx) // its answer proves the connection alive
			continue
		}
		quiet = 0
		m, ok := msg.(*redis.Message)
		if !ok {
			continue // a pong, a subscription's confirmation
		}
		ev, err := decodeHealth(m.Payload)
		if err != nil {
			b.malformed.Add(1)
			continue
		}
		b.received.Add(1)
		deliver(ev)
	}
}

// HealthBusStats counts what a HealthBus did since NewHealthBus.
type HealthBusStats struct {
	// Published counts the events sent; Received those delivered to a
	// subscriber (each subscriber's count); Malformed the messages
	// skipped because they did not decode.
	Published, Received, Malformed uint64
	// Resubscribes counts the subscriptions dropped and made again
	// because their connection failed or fell silent.
	Resubscribes uint64
	// Failures counts Publish calls that could not reach Redis in time;
	// each starts a cooldown.
	Failures uint64
}

// Stats returns the counts so far.
func (b *HealthBus) Stats() HealthBusStats {
	return HealthBusStats{
		Published:    b.published.Load(),
		Received:     b.received.Load(),
		Malformed:    b.malformed.Load(),
		Resubscribes: b.resubscribes.Load(),
		Failures:     b.g.failures.Load(),
	}
}

// Close ends every Subscribe, makes every later call fail with ErrClosed
// and waits for the calls in flight. It does not close the client. Close
// is idempotent.
func (b *HealthBus) Close() error {
	b.closeOnce.Do(func() {
		b.mu.Lock()
		b.closed = true
		b.mu.Unlock()
		close(b.done)
	})
	b.subs.Wait()
	b.g.close()
	return nil
}

// healthMessage is an event on the wire, format 1, as JSON:
//
//	{"v":1,"kind":"opened","provider":"ads","instance":"9f2c…","at":"2026-12-04T10:00:00.123456789Z","for_ns":60000000000}
//
// kind is one of opened, closed, failed and succeeded
// (fallback.HealthKind's String).
type healthMessage struct {
	V        int       `json:"v"`
	Kind     string    `json:"kind"`
	Provider string    `json:"provider"`
	Instance string    `json:"instance"`
	At       time.Time `json:"at"`
	ForNS    int64     `json:"for_ns,omitempty"`
}

// maxHealthMessage bounds a message the bus decodes, and the provider and
// instance names in it.
const (
	maxHealthMessage = 1024
	maxHealthName    = 128
)

var healthKinds = map[string]fallback.HealthKind{}

func init() {
	for _, k := range []fallback.HealthKind{fallback.HealthOpened, fallback.HealthClosed, fallback.HealthFailed, fallback.HealthSucceeded} {
		healthKinds[k.String()] = k
	}
}

func encodeHealth(ev fallback.HealthEvent) ([]byte, error) {
	if _, ok := healthKinds[ev.Kind.String()]; !ok || ev.Provider == "" || len(ev.Provider) > maxHealthName || len(ev.Instance) > maxHealthName || ev.For < 0 {
		return nil, fmt.Errorf("redisstore: publish health: invalid event (%v, provider %q, for %v)", ev.Kind, ev.Provider, ev.For)
	}
	return json.Marshal(healthMessage{V: 1, Kind: ev.Kind.String(), Provider: ev.Provider, Instance: ev.Instance, At: ev.At.UTC(), ForNS: int64(ev.For)})
}

func decodeHealth(s string) (fallback.HealthEvent, error) {
	if len(s) > maxHealthMessage {
		return fallback.HealthEvent{}, errors.New("too long")
	}
	var m healthMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return fallback.HealthEvent{}, err
	}
	kind, ok := healthKinds[m.Kind]
	if m.V != 1 || !ok || m.Provider == "" || len(m.Provider) > maxHealthName || len(m.Instance) > maxHealthName || m.ForNS < 0 || m.At.IsZero() {
		return fallback.HealthEvent{}, errors.New("not a format 1 event")
	}
	return fallback.HealthEvent{Kind: kind, Provider: m.Provider, Instance: m.Instance, At: m.At, For: time.Duration(m.ForNS)}, nil
}
