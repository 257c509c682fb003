package redisstore

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/fallback"
)

// newBus returns a HealthBus on the shared test server in a namespace of
// its own (prefix, when given), and the raw client.
func newBus(t *testing.T, prefix string) (*HealthBus, *redis.Client) {
	t.Helper()
	c := newClient(t, redisAddr(t))
	if prefix == "" {
		prefix = testPrefix(t, c)
	}
	b, err := NewHealthBus(c, HealthBusConfig{Prefix: prefix, Ping: 100 * time.Millisecond, Timeout: testTimeout})
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return b, c
}

// listener subscribes b and collects what it delivers.
type listener struct {
	mu   sync.Mutex
	evs  []fallback.HealthEvent
	done chan error
}

func listen(ctx context.Context, b *HealthBus) *listener {
	l := &listener{done: make(chan error, 1)}
	go func() {
		l.done <- b.Subscribe(ctx, func(ev fallback.HealthEvent) {
			l.mu.Lock()
			l.evs = append(l.evs, ev)
			l.mu.Unlock()
		})
	}()
	return l
}

func (l *listener) events() []fallback.HealthEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]fallback.HealthEvent(nil), l.evs...)
}

// subscribed waits until l hears a probe published on pub.
func subscribed(t *testing.T, pub *HealthBus, l *listener) {
	t.Helper()
	probe := fallback.HealthEvent{Kind: fallback.HealthSucceeded, Provider: "probe", At: time.Now()}
	require.Eventually(t, func() bool {
		require.NoError(t, pub.Publish(context.Background(), probe))
		return len(l.events()) > 0
	}, 10*time.Second, 20*time.Millisecond)
}

// Every kind of event crosses the bus as it was sent, to every subscriber.
func TestHealthBusRoundTrip(t *testing.T) {
	pub, _ := newBus(t, "")
	sub, _ := newBus(t, pub.channel[:len(pub.channel)-len(":v1:#health")])
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l1, l2 := listen(ctx, sub), listen(ctx, pub)
	subscribed(t, pub, l1)
	subscribed(t, pub, l2)
	at := time.Date(2026, 12, 4, 10, 0, 0, 123456789, time.FixedZone("X", 3600))
	sent := []fallback.HealthEvent{
		{Kind: fallback.HealthOpened, Provider: "ads", Instance: "9f2c", At: at, For: time.Minute},
		{Kind: fallback.HealthClosed, Provider: "ads", Instance: "9f2c", At: at},
		{Kind: fallback.HealthFailed, Provider: "ads", Instance: "77aa", At: at},
		{Kind: fallback.HealthSucceeded, Provider: "ads", Instance: "77aa", At: at},
	}
	for _, ev := range sent {
		require.NoError(t, pub.Publish(ctx, ev))
	}
	for _, l := range []*listener{l1, l2} {
		ads := func() []fallback.HealthEvent {
			var got []fallback.HealthEvent
			for _, ev := range l.events() {
				if ev.Provider == "ads" {
					got = append(got, ev)
				}
			}
			return got
		}
		require.Eventually(t, func() bool { return len(ads()) == len(sent) }, 5*time.Second, time.Millisecond)
		got := ads()
		for i := range sent {
			assert.True(t, sent[i].At.Equal(got[i].At))
			got[i].At = sent[i].At
			assert.Equal(t, sent[i], got[i])
		}
	}
	assert.Positive(t, pub.Stats().Published)
}

// What is not an event is skipped, counted; an event the bus would not
// send is refused.
func TestHealthBusMalformed(t *testing.T) {
	b, c := newBus(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l := listen(ctx, b)
	subscribed(t, b, l)
	for _, m := range []string{
		"garbage",
		`{"v":2,"kind":"opened","provider":"ads","at":"2026-12-04T10:00:00Z"}`,
		`{"v":1,"kind":"exploded","provider":"ads","at":"2026-12-04T10:00:00Z"}`,
		`{"v":1,"kind":"opened","provider":"","at":"2026-12-04T10:00:00Z"}`,
		`{"v":1,"kind":"opened","provider":"ads","at":"2026-12-04T10:00:00Z","for_ns":-1}`,
		`{"v":1,"kind":"opened","provider":"ads"}`,
		string(make([]byte, maxHealthMessage+1)),
	} {
		require.NoError(t, c.Publish(ctx, b.Channel(), m).Err())
	}
	require.Eventually(t, func() bool { return b.Stats().Malformed == 7 }, 5*time.Second, time.Millisecond)
	for _, ev := range l.events() {
		assert.Equal(t, "probe", ev.Provider, "only the probes were delivered")
	}
	for _, ev := range []fallback.HealthEvent{
		{Provider: "ads", At: time.Now()},
		{Kind: fallback.HealthOpened, At: time.Now()},
		{Kind: fallback.HealthOpened, Provider: "ads", For: -time.Second},
	} {
		assert.Error(t, b.Publish(ctx, ev), "%+v", ev)
	}
}

// Subscribe ends with its context, or with Close; Close waits for it.
func TestHealthBusEnds(t *testing.T) {
	b, _ := newBus(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	l := listen(ctx, b)
	subscribed(t, b, l)
	cancel()
	select {
	case err := <-l.done:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("Subscribe did not end with its context")
	}

	l = listen(context.Background(), b)
	subscribed(t, b, l)
	require.NoError(t, b.Close())
	// Close waits for Subscribe to return (b.subs); the listener's goroutine
	// hands the result over just after, so give it a moment under load.
	select {
	case err := <-l.done:
		assert.ErrorIs(t, err, ErrClosed)
	case <-time.After(5 * time.Second):
		t.Fatal("Subscribe did not end with Close")
	}
	assert.ErrorIs(t, b.Subscribe(context.Background(), func(fallback.HealthEvent) {}), ErrClosed)
	assert.ErrorIs(t, b.Publish(context.Background(), fallback.HealthEvent{Kind: fallback.HealthFailed, Provider: "ads"}), ErrClosed)
	require.NoError(t, b.Close(), "idempotent")
}

// Redis down: Publish fails within its timeout, then at once in the
// cooldown; Subscribe keeps trying, and hears once Redis is back.
func TestHealthBusRedisDown(t *testing.T) {
	srv := startRedis(t)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1})
	defer c.Close()
	b, err := NewHealthBus(c, HealthBusConfig{Timeout: 100 * time.Millisecond, Cooldown: time.Minute, Ping: 100 * time.Millisecond})
	require.NoError(t, err)
	defer b.Close()
	srv.Kill()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l := listen(ctx, b)
	ev := fallback.HealthEvent{Kind: fallback.HealthFailed, Provider: "ads", At: time.Now()}
	err = b.Publish(ctx, ev)
	require.Error(t, err)
	assert.ErrorIs(t, b.Publish(ctx, ev), ErrUnavailable)
	assert.EqualValues(t, 1, b.Stats().Failures)
	time.Sleep(500 * time.Millisecond)
	assert.Positive(t, b.Stats().Resubscribes, "it keeps trying")

	srv.Restart(t)
	pub, err := NewHealthBus(newClient(t, srv.Addr), HealthBusConfig{Timeout: testTimeout})
	require.NoError(t, err)
	defer pub.Close()
	subscribed(t, pub, l)
	select {
	case err := <-l.done:
		t.Fatalf("Subscribe ended: %v", err)
	default:
	}
}

func TestHealthBusConfig(t *testing.T) {
	c := newClient(t, "127.0.0.1:1")
	for _, cfg := range []HealthBusConfig{{Ping: -1}, {Timeout: -1}, {Cooldown: -1}, {Prefix: "a*"}, {Version: "v:1"}} {
		_, err := NewHealthBus(c, cfg)
		assert.Error(t, err, "%+v", cfg)
	}
	_, err := NewHealthBus(nil, HealthBusConfig{})
	assert.Error(t, err)
	b, err := NewHealthBus(c, HealthBusConfig{Prefix: "fleet", Version: "v2"})
	require.NoError(t, err)
	assert.Equal(t, "fleet:v2:#health", b.Channel())
}
