package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

func TestGCRALimit(t *testing.T) {
	tests := []struct {
		perSecond float64
		burst     int
		want      redis_rate.Limit
	}{
		{10, 5, redis_rate.Limit{Rate: 10, Period: time.Second, Burst: 5}},
		{1, 1, redis_rate.Limit{Rate: 1, Period: time.Second, Burst: 1}},
		{0.5, 2, redis_rate.Limit{Rate: 1, Period: 2 * time.Second, Burst: 2}},
		{2.5, 3, redis_rate.Limit{Rate: 1, Period: 400 * time.Millisecond, Burst: 3}},
		{1.0 / 60, 1, redis_rate.Limit{Rate: 1, Period: time.Minute, Burst: 1}},
	}
	for _, tt := range tests {
		got, err := gcraLimit(tt.perSecond, tt.burst)
		if err != nil || got != tt.want {
			t.Errorf("gcraLimit(%v, %d) = %+v, %v; want %+v", tt.perSecond, tt.burst, got, err, tt.want)
		}
	}
	for _, bad := range []struct {
		perSecond float64
		burst     int
	}{{0, 1}, {-1, 1}, {math.NaN(), 1}, {math.Inf(1), 1}, {1, 0}, {1, -3}, {1e-300, 1}} {
		if _, err := gcraLimit(bad.perSecond, bad.burst); !errors.Is(err, ErrInvalidLimit) {
			t.Errorf("gcraLimit(%v, %d) = %v, want ErrInvalidLimit", bad.perSecond, bad.burst, err)
		}
	}
}

func newLimiter(t *testing.T, c redis.UniversalClient, cfg LimiterConfig) *Limiter {
	t.Helper()
	l, err := NewLimiter(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// Two instances (two clients) share one quota: together they admit at
// most burst + perSecond × elapsed, and no fewer than the rate allows.
func TestLimiterFleetStaysWithinQuota(t *testing.T) {
	addr := redisAddr(t)
	c1, c2 := newClient(t, addr), newClient(t, addr)
	prefix := testPrefix(t, c1)
	cfg := LimiterConfig{Prefix: prefix, Instances: 2, Timeout: time.Second}
	fleet := []*Limiter{newLimiter(t, c1, cfg), newLimiter(t, c2, cfg)}

	const perSecond, burst = 50.0, 10
	const window = time.Second
	var allowed, calls atomic.Int64
	ctx := context.Background()
	var wg sync.WaitGroup
	start := time.Now()
	for w := range 4 {
		wg.Go(func() {
			l := fleet[w%2]
			for time.Since(start) < window {
				ok, err := l.Allow(ctx, "ads", perSecond, burst)
				if err != nil {
					t.Error(err)
					return
				}
				calls.Add(1)
				if ok {
					allowed.Add(1)
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	limit := burst + perSecond*elapsed.Seconds()
	t.Logf("%d calls in %v, %d admitted; quota allows %.1f", calls.Load(), elapsed, allowed.Load(), limit)
	if got := float64(allowed.Load()); got > limit {
		t.Fatalf("the fleet admitted %v events in %v; the quota allows %.1f", got, elapsed, limit)
	}
	if got := float64(allowed.Load()); got < burst+perSecond*window.Seconds()/2 {
		t.Fatalf("the fleet admitted only %v events in %v: the limiter is denying more than the quota", got, elapsed)
	}
	var shared, local uint64
	for _, l := range fleet {
		st := l.Stats()
		shared += st.Allowed
		local += st.LocalAllowed + st.LocalDenied
		if st.Allowed == 0 {
			t.Errorf("an instance was never admitted: %+v", st)
		}
	}
	if shared != uint64(allowed.Load()) || local != 0 {
		t.Errorf("stats: %d shared admissions, %d local decisions; want %d and 0", shared, local, allowed.Load())
	}
}

// A fractional rate: 0.5 per second with a burst of 2 admits 2 at once.
func TestLimiterFractionalRate(t *testing.T) {
	c := newClient(t, redisAddr(t))
	l := newLimiter(t, c, LimiterConfig{Prefix: testPrefix(t, c), Timeout: time.Second})
	got := 0
	for range 10 {
		ok, err := l.Allow(context.Background(), "slow", 0.5, 2)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			got++
		}
	}
	if got != 2 {
		t.Fatalf("admitted %d of 10 immediate calls at 0.5/s with burst 2, want 2", got)
	}
	// Keys are namespaced: another key has its own bucket.
	if ok, _ := l.Allow(context.Background(), "other", 0.5, 2); !ok {
		t.Fatal("another key shares the first key's bucket")
	}
}

// Redis down: each instance admits its local share, without error.
func TestLimiterLocalShareWhenRedisDown(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: deadAddr(t)})
	defer c.Close()
	// The whole fleet: 4 instances sharing 0.4/s (a refill every 10s per
	// instance, so none happens during the test) with a burst of 8.
	var fleet []*Limiter
	for range 4 {
		fleet = append(fleet, newLimiter(t, c, LimiterConfig{Instances: 4, Cooldown: time.Minute}))
	}
	ctx := context.Background()
	admitted := 0
	for _, l := range fleet {
		for range 10 {
			ok, err := l.Allow(ctx, "ads", 0.4, 8)
			if err != nil {
				t.Fatalf("Allow with Redis down = %v, want no error", err)
			}
			if ok {
				admitted++
			}
		}
		if st := l.Stats(); st.LocalAllowed != 2 || st.LocalDenied != 8 || st.Failures != 1 || st.Allowed+st.Denied != 0 {
			t.Errorf("instance stats = %+v; want 2 local admissions (8/4), 8 denials, one failure (then the cooldown)", st)
		}
	}
	if admitted != 8 {
		t.Fatalf("the fleet admitted %d with Redis down, want the burst, 8", admitted)
	}
	// A burst below the instance count still admits one per instance.
	l := newLimiter(t, c, LimiterConfig{Instances: 4})
	if ok, _ := l.Allow(ctx, "tiny", 0.4, 2); !ok {
		t.Error("a burst of 2 over 4 instances admitted nothing locally, want at least 1")
	}
	if ok, _ := l.Allow(ctx, "tiny", 0.4, 2); ok {
		t.Error("a burst of 2 over 4 instances admitted 2 locally, want 1")
	}
}

// Redis killed mid-run: Allow keeps answering, from the local share.
func TestLimiterSurvivesRedisKilled(t *testing.T) {
	srv := startRedis(t)
	c := newClient(t, srv.Addr)
	l := newLimiter(t, c, LimiterConfig{Instances: 2, Timeout: testTimeout, Cooldown: 100 * time.Millisecond})
	ctx := context.Background()
	for range 5 {
		if _, err := l.Allow(ctx, "ads", 1000, 100); err != nil {
			t.Fatal(err)
		}
	}
	srv.Kill()
	for range 50 {
		if _, err := l.Allow(ctx, "ads", 1000, 100); err != nil {
			t.Fatalf("Allow after Redis died = %v, want no error", err)
		}
	}
	st := l.Stats()
	if st.Allowed != 5 || st.LocalAllowed != 50 || st.Failures == 0 {
		t.Fatalf("stats = %+v; want 5 shared admissions, then 50 local ones (burst 100/2)", st)
	}
}

func TestLimiterErrors(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: deadAddr(t)})
	defer c.Close()
	l := newLimiter(t, c, LimiterConfig{})
	if _, err := l.Allow(context.Background(), "ads", 0, 1); !errors.Is(err, ErrInvalidLimit) {
		t.Errorf("Allow(rate 0) = %v, want ErrInvalidLimit", err)
	}
	l.Close()
	if ok, err := l.Allow(context.Background(), "ads", 1, 1); ok || !errors.Is(err, ErrClosed) {
		t.Errorf("Allow after Close = %v, %v; want ErrClosed", ok, err)
	}
	if _, err := NewLimiter(nil, LimiterConfig{}); err == nil {
		t.Error("NewLimiter(nil) succeeded")
	}
}

// A state at a limiter's key that GCRA could not have written (another
// program's value, a key of another type, a number without expiry that
// holds the bucket shut for ever) is deleted by the call that meets it,
// which decides from the local share; the shared bucket then works again.
// Before, "nan" admitted everything for ever and "inf" or 1e300 nothing;
// and a state dated further ahead than GCRA can date one, with an
// expiry, nothing until it expired.
func TestLimiterDeletesAnImpossibleState(t *testing.T) {
	c := newClient(t, redisAddr(t))
	prefix := testPrefix(t, c)
	l := newLimiter(t, c, LimiterConfig{Prefix: prefix, Timeout: testTimeout})
	ctx := context.Background()
	cases := []struct {
		name string
		set  func(key string) error
	}{
		{"nan", func(k string) error { return c.Set(ctx, k, "nan", 0).Err() }},
		{"-nan", func(k string) error { return c.Set(ctx, k, "-nan", 0).Err() }},
		{"inf", func(k string) error { return c.Set(ctx, k, "inf", 0).Err() }},
		{"1e300", func(k string) error { return c.Set(ctx, k, "1e300", 0).Err() }},
		{"text", func(k string) error { return c.Set(ctx, k, "not-a-number", 0).Err() }},
		{"list", func(k string) error { return c.RPush(ctx, k, "x").Err() }},
		// A state with an expiry that holds the bucket shut further ahead
		// than its expiry reaches, which no GCRA does: set by hand, it
		// denied the whole fleet until it expired.
		{"1e300 expiring", func(k string) error { return c.Set(ctx, k, "1e300", time.Hour).Err() }},
		{"an hour ahead expiring in a minute", func(k string) error {
			ahead := time.Since(time.Unix(1483228800, 0)) + time.Hour // redis_rate counts from 2017
			return c.Set(ctx, k, strconv.FormatFloat(ahead.Seconds(), 'f', -1, 64), time.Minute).Err()
		}},
	}
	for i, tt := range cases {
		key := "provider:" + tt.name
		rkey := "rate:" + prefix + ":v1:quota:" + key
		if err := tt.set(rkey); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Allow(ctx, key, 1, 1); err != nil {
			t.Fatalf("%s: Allow = %v", tt.name, err)
		}
		if typ := c.Type(ctx, rkey).Val(); typ != "none" {
			t.Errorf("%s: the state is still there (a %s)", tt.name, typ)
		}
		// The shared bucket, fresh: one event, then none for a second.
		first, err1 := l.Allow(ctx, key, 1, 1)
		second, err2 := l.Allow(ctx, key, 1, 1)
		if !first || second || err1 != nil || err2 != nil {
			t.Errorf("%s: after it, Allow twice = %v, %v (%v, %v); want true then false", tt.name, first, second, err1, err2)
		}
		if pttl := c.PTTL(ctx, rkey).Val(); pttl <= 0 {
			t.Errorf("%s: the new state's PTTL = %v, want an expiry", tt.name, pttl)
		}
		want := LimiterStats{Allowed: uint64(i + 1), Denied: uint64(i + 1), LocalAllowed: uint64(i + 1), Corrupt: uint64(i + 1)}
		if st := l.Stats(); st != want {
			t.Errorf("%s: Stats = %+v, want %+v", tt.name, st, want)
		}
	}
}

// Some instances lose Redis while the others keep it (a partition): the
// ones that reach it share the whole quota there, and each one cut off
// admits its local share besides, so the fleet admits up to the quota plus
// one local share per instance cut off, never more; Instances set to twice
// the fleet halves that excess, and leaves the fleet half the quota when
// every instance has lost Redis. The rate, 0.4/s, refills nothing during
// the test, so the counts are the bursts.
func TestLimiterPartialOutageAdmitsTheLocalSharesBeyondTheQuota(t *testing.T) {
	addr := redisAddr(t)
	const burst = 8
	for _, tt := range []struct {
		instances, cut int // of a fleet of four, cut have lost Redis
		shared, local  int // burst shared when any reaches Redis; burst/instances per instance cut off
	}{
		{instances: 4, cut: 2, shared: burst, local: 2 + 2},
		{instances: 8, cut: 2, shared: burst, local: 1 + 1},
		{instances: 8, cut: 4, shared: 0, local: 4 * 1},
	} {
		t.Run(fmt.Sprintf("instances=%d/cut=%d", tt.instances, tt.cut), func(t *testing.T) {
			live := newClient(t, addr)
			prefix := testPrefix(t, live)
			dead := redis.NewClient(&redis.Options{Addr: deadAddr(t)})
			defer dead.Close()
			cfg := LimiterConfig{Prefix: prefix, Instances: tt.instances, Timeout: testTimeout, Cooldown: time.Minute}
			cutCfg := cfg
			cutCfg.Timeout = 0 // the default: the dial fails at once, or within it
			// Those cut off decide first, so that the shared bucket does
			// not refill while they find out.
			var fleet []*Limiter
			for i := range 4 {
				if i < tt.cut {
					fleet = append(fleet, newLimiter(t, dead, cutCfg))
				} else {
					fleet = append(fleet, newLimiter(t, live, cfg))
				}
			}
			admitted := 0
			for _, l := range fleet {
				for range 10 {
					ok, err := l.Allow(context.Background(), "ads", 0.4, burst)
					if err != nil {
						t.Fatal(err)
					}
					if ok {
						admitted++
					}
				}
			}
			var shared, local uint64
			for _, l := range fleet {
				st := l.Stats()
				shared += st.Allowed
				local += st.LocalAllowed
			}
			if want := tt.shared + tt.local; admitted != want || shared != uint64(tt.shared) || local != uint64(tt.local) {
				t.Fatalf("the fleet admitted %d (%d shared, %d local) of a quota of %d; want %d shared and %d local",
					admitted, shared, local, burst, tt.shared, tt.local)
			}
		})
	}
}

// A state dated further ahead than GCRA dates one for the limit at hand,
// within its expiry — an instance with a slower limit for the key, during
// a rollout of a new limit, or a state set so by hand — is kept, and the
// call decides from the local share. Deleted, it gave the instance with
// the slower limit a fresh burst at every call of the one with the faster
// limit: the fleet admitted several times either limit. The rates refill
// nothing during the test, so the counts are the bursts.
func TestLimiterKeepsAStateAheadWithinItsExpiry(t *testing.T) {
	c := newClient(t, redisAddr(t))
	cfg := LimiterConfig{Prefix: testPrefix(t, c), Instances: 2, Timeout: testTimeout}
	slow, fast := newLimiter(t, c, cfg), newLimiter(t, c, cfg)
	ctx := context.Background()
	round := func(l *Limiter, perSecond float64, burst int) int {
		n := 0
		for range 10 {
			ok, err := l.Allow(ctx, "ads", perSecond, burst)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				n++
			}
		}
		return n
	}
	// slow: one event per 20s, burst 4: its state is dated 80s ahead.
	// fast: one per 2s, burst 2: GCRA dates its states 12s ahead at most.
	if n := round(slow, 0.05, 4); n != 4 {
		t.Fatalf("slow admitted %d, want its burst, 4", n)
	}
	if n := round(fast, 0.5, 2); n != 1 {
		t.Errorf("fast admitted %d, want its local share's burst, 1", n)
	}
	if n := round(slow, 0.05, 4); n != 0 {
		t.Errorf("slow admitted %d more after fast's calls, want 0: its bucket is empty", n)
	}
	if st := fast.Stats(); st != (LimiterStats{LocalAllowed: 1, LocalDenied: 9, Ahead: 10}) {
		t.Errorf("fast: %+v; want 10 states ahead, decided locally", st)
	}
	if st := slow.Stats(); st != (LimiterStats{Allowed: 4, Denied: 16}) {
		t.Errorf("slow: %+v; want 4 shared admissions and 16 denials", st)
	}
	// A state set by hand an hour ahead, expiring in an hour, is the same:
	// kept, and decided locally until it expires.
	rkey := "rate:" + cfg.Prefix + ":v1:quota:hand"
	ahead := time.Since(time.Unix(1483228800, 0)) + time.Hour // redis_rate counts from 2017
	if err := c.Set(ctx, rkey, strconv.FormatFloat(ahead.Seconds(), 'f', -1, 64), time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	if ok, err := fast.Allow(ctx, "hand", 0.5, 2); !ok || err != nil {
		t.Errorf("Allow on a state an hour ahead = %v, %v; want the local share's admission", ok, err)
	}
	if pttl := c.PTTL(ctx, rkey).Val(); pttl < 59*time.Minute {
		t.Errorf("the state's PTTL = %v; want it kept, about an hour", pttl)
	}
	if st := fast.Stats(); st.Ahead != 11 || st.Corrupt != 0 {
		t.Errorf("fast: %+v; want 11 states ahead, none deleted", st)
	}
}
