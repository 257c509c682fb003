package redisstore

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/strata-go/strata/cache"
)

// These tests bound how long a call may take with a generous margin
// (a third or less of how long the stuck server would hold it): what they
// check is that the call does not wait for the server.

// A paused server: a 1ms deadline returns at once, although the client
// (built without ContextTimeoutEnabled) would wait for its ReadTimeout.
func TestTimeoutAgainstPausedServer(t *testing.T) {
	srv := startRedis(t)
	c := newClient(t, srv.Addr) // default options: ignores context deadlines on the socket
	admin := newClient(t, srv.Addr)
	ctx := context.Background()
	s, err := New(c, Config{Timeout: 30 * time.Millisecond, Cooldown: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "k", cache.Entry{Value: 1, Confidence: 1}, 0); err != nil {
		t.Fatal(err) // also opens the connection before the pause
	}
	// CLIENT PAUSE ALL holds every command, CLIENT UNPAUSE included, so
	// the pause is short and the test waits for its end.
	const pause = 3 * time.Second
	if err := admin.Do(ctx, "CLIENT", "PAUSE", pause.Milliseconds(), "ALL").Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })

	// The caller's own deadline: an error at once, and no cooldown (the
	// caller was in a hurry; Redis is not known to be down).
	dctx, cancel := context.WithTimeout(ctx, time.Millisecond)
	start := time.Now()
	_, ok, err := s.Get(dctx, "k")
	elapsed := time.Since(start)
	cancel()
	if ok || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get with 1ms deadline = %v, %v; want a miss with context.DeadlineExceeded", ok, err)
	}
	if elapsed > pause/3 {
		t.Fatalf("Get with 1ms deadline took %v against a server paused for %v", elapsed, pause)
	}
	if f := s.Stats().Failures; f != 0 {
		t.Errorf("Failures = %d after the caller's own deadline, want 0", f)
	}

	// The Store's Timeout: an error, and a cooldown during which calls do
	// not reach Redis at all.
	start = time.Now()
	_, ok, err = s.Get(ctx, "k")
	elapsed = time.Since(start)
	if ok || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get = %v, %v; want a miss with context.DeadlineExceeded after Timeout", ok, err)
	}
	if elapsed > pause/3 {
		t.Fatalf("Get took %v with a 30ms Timeout", elapsed)
	}
	if f := s.Stats().Failures; f != 1 {
		t.Errorf("Failures = %d, want 1", f)
	}
	if _, _, err := s.Get(ctx, "k"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Get during the cooldown = %v, want ErrUnavailable", err)
	}
	if err := s.Set(ctx, "k", cache.Entry{Value: 2, Confidence: 1}, 0); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Set during the cooldown = %v, want ErrUnavailable", err)
	}

	// Back to normal once Redis answers and the cooldown is over.
	deadline := time.Now().Add(pause + 5*time.Second)
	for {
		e, ok, err := s.Get(ctx, "k")
		if err == nil {
			if !ok || e.Value != 1 {
				t.Fatalf("Get after the pause = %+v, %v; want the entry", e, ok)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Get still fails 5s after the pause ended: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// blackhole accepts connections and never answers; close releases them.
func blackhole(t *testing.T) (addr string, release func()) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	var once sync.Once
	release = func() {
		once.Do(func() {
			l.Close()
			<-done
			mu.Lock()
			for _, c := range conns {
				c.Close()
			}
			mu.Unlock()
		})
	}
	t.Cleanup(release)
	return l.Addr().String(), release
}

// A server that accepts and never answers (no Redis needed): every call
// returns by its deadline, and Close waits for the abandoned ones.
func TestTimeoutAgainstBlackhole(t *testing.T) {
	addr, release := blackhole(t)
	c := redis.NewClient(&redis.Options{Addr: addr, ReadTimeout: time.Minute, WriteTimeout: time.Minute})
	defer c.Close()
	s, err := New(c, Config{Timeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLimiter(c, LimiterConfig{Timeout: 20 * time.Millisecond, Instances: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	start := time.Now()
	_, ok, err := s.Get(ctx, "k")
	if ok || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get = %v, %v; want a miss with context.DeadlineExceeded", ok, err)
	}
	allowed, err := l.Allow(ctx, "ads", 10, 4)
	if !allowed || err != nil {
		t.Fatalf("Allow = %v, %v; want the local share to admit", allowed, err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("two calls took %v against a server that never answers, with 20ms timeouts", elapsed)
	}
	if st := s.Stats(); st.Failures != 1 {
		t.Errorf("Store Failures = %d, want 1", st.Failures)
	}
	if st := l.Stats(); st.Failures != 1 || st.LocalAllowed != 1 {
		t.Errorf("Limiter stats = %+v, want one failure and one local admission", st)
	}
	// The client is still waiting (its ReadTimeout is a minute); Close
	// waits for it, which ends when the server hangs up.
	closed := make(chan struct{})
	go func() { s.Close(); l.Close(); close(closed) }()
	release()
	select {
	case <-closed:
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return after the server hung up")
	}
}

// Nothing listening: the first call fails with the connection error and
// starts the cooldown; calls in it fail at once; after it, Redis is tried
// again.
func TestRedisDown(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: deadAddr(t)})
	defer c.Close()
	s, err := New(c, Config{Cooldown: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	_, ok, err := s.Get(ctx, "k")
	if ok || err == nil || errors.Is(err, ErrUnavailable) {
		t.Fatalf("first Get = %v, %v; want a miss with the connection's error", ok, err)
	}
	for range 10 {
		if _, ok, err := s.Get(ctx, "k"); ok || !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Get in the cooldown = %v, %v; want ErrUnavailable", ok, err)
		}
	}
	if ok, err := s.Delete(ctx, "k"); ok || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Delete in the cooldown = %v, %v; want ErrUnavailable", ok, err)
	}
	if n, err := s.DeleteMatching(ctx, func(string) bool { return true }); n != 0 || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("DeleteMatching in the cooldown = %v, %v; want ErrUnavailable", n, err)
	}
	if f := s.Stats().Failures; f != 1 {
		t.Fatalf("Failures = %d, want 1: the cooldown keeps calls from Redis", f)
	}
	time.Sleep(60 * time.Millisecond)
	if _, _, err := s.Get(ctx, "k"); err == nil || errors.Is(err, ErrUnavailable) {
		t.Fatalf("Get after the cooldown = %v, want the connection's error again", err)
	}
	if f := s.Stats().Failures; f != 2 {
		t.Fatalf("Failures = %d, want 2", f)
	}
}

// A caller that cancels gets its cancellation, and Redis is not taken for
// down.
func TestCallerCancellationIsNotAFailure(t *testing.T) {
	s, _ := newStore(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := s.Get(ctx, "k"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get with a cancelled context = %v, want context.Canceled", err)
	}
	if f := s.Stats().Failures; f != 0 {
		t.Fatalf("Failures = %d, want 0", f)
	}
	if _, _, err := s.Get(context.Background(), "k"); err != nil {
		t.Fatalf("Get after = %v, want a plain miss", err)
	}
}

// A caller that cancels while its call waits for Redis gets its
// cancellation at once, and Redis is not taken for down: no failure is
// counted and no cooldown starts.
func TestCancellationMidCallIsNotAFailure(t *testing.T) {
	addr, release := blackhole(t)
	c := redis.NewClient(&redis.Options{Addr: addr, ReadTimeout: time.Minute, WriteTimeout: time.Minute})
	defer c.Close()
	s, err := New(c, Config{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	if _, _, err := s.Get(ctx, "k"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get cancelled mid-call = %v, want context.Canceled", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("Get returned %v after it was cancelled", elapsed)
	}
	if f := s.Stats().Failures; f != 0 {
		t.Errorf("Failures = %d, want 0", f)
	}
	if s.g.downUntil.Load() != 0 {
		t.Error("a cancelled call started the cooldown")
	}
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	release()
	select {
	case <-closed:
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return after the server hung up")
	}
}

// A closed Store says so, even during a cooldown.
func TestClosedDuringCooldown(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: deadAddr(t), MaxRetries: -1})
	defer c.Close()
	s, err := New(c, Config{Cooldown: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	s.Get(context.Background(), "k") // fails, starts the cooldown
	if _, _, err := s.Get(context.Background(), "k"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Get in the cooldown = %v, want ErrUnavailable", err)
	}
	s.Close()
	if _, _, err := s.Get(context.Background(), "k"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Get after Close = %v, want ErrClosed", err)
	}
}
