package redisstore

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers"
)

// Set never replaces a newer entry (by StoredAt), whichever order the two
// writes arrive in, and leaves the newer entry's expiry alone; an entry
// with the same StoredAt is replaced. The pairs cross the places where a
// comparison of the encoding's bytes could go wrong: the nanoseconds, a
// byte boundary of the seconds, their sign, the zero time.
func TestSetNeverReplacesANewerEntry(t *testing.T) {
	// The longest ClockSkew: entries dated up to 292 years ahead of
	// Redis's clock are still ordered by StoredAt alone (see
	// TestSetReplacesAnEntryFromAClockAhead).
	s, c := newStore(t, Config{ClockSkew: math.MaxInt64})
	ctx := context.Background()
	base := time.Date(2026, 12, 5, 12, 0, 0, 500, time.UTC)
	pairs := []struct {
		name          string
		older, newer  time.Time
		equalReplaces bool
	}{
		{"one nanosecond", base, base.Add(time.Nanosecond), false},
		{"nanoseconds carry", time.Unix(1e9, 999999999), time.Unix(1e9+1, 0), false},
		{"seconds byte boundary", time.Unix(255, 0), time.Unix(256, 0), false},
		{"high seconds byte", time.Unix(1<<32-1, 0), time.Unix(1<<32, 0), false},
		{"before and after 1970", time.Unix(-1, 999999999), time.Unix(0, 0), false},
		{"both before 1970", time.Unix(-256, 0), time.Unix(-255, 0), false},
		{"zero time", time.Time{}, base, false},
		{"far future", base, time.Date(2300, 12, 31, 23, 59, 59, 999999999, time.UTC), false},
	}
	entry := func(v float64, at time.Time) cache.Entry {
		return cache.Entry{Value: v, ObservedAt: at, StoredAt: at, Source: "ads", Confidence: 0.9, Layer: 1}
	}
	superseded := uint64(0)
	for _, p := range pairs {
		t.Run(p.name+"/newer first", func(t *testing.T) {
			key := "newer first|" + p.name
			if err := s.Set(ctx, key, entry(2, p.newer), time.Minute); err != nil {
				t.Fatal(err)
			}
			if err := s.Set(ctx, key, entry(1, p.older), time.Hour); err != nil {
				t.Fatalf("Set of the older entry = %v, want nil (superseded is no failure)", err)
			}
			superseded++
			e, ok, err := s.Get(ctx, key)
			if err != nil || !ok || e.Value != 2 || !e.StoredAt.Equal(p.newer) {
				t.Errorf("Get = %+v, %v, %v; want the newer entry (2, stored %v)", e, ok, err, p.newer)
			}
			if ttl := c.PTTL(ctx, s.Key(key)).Val(); ttl <= 0 || ttl > time.Minute {
				t.Errorf("PTTL = %v, want the newer entry's (at most 1m)", ttl)
			}
		})
		t.Run(p.name+"/older first", func(t *testing.T) {
			key := "older first|" + p.name
			if err := s.Set(ctx, key, entry(1, p.older), time.Minute); err != nil {
				t.Fatal(err)
			}
			if err := s.Set(ctx, key, entry(2, p.newer), time.Hour); err != nil {
				t.Fatal(err)
			}
			e, ok, err := s.Get(ctx, key)
			if err != nil || !ok || e.Value != 2 || !e.StoredAt.Equal(p.newer) {
				t.Errorf("Get = %+v, %v, %v; want the newer entry (2, stored %v)", e, ok, err, p.newer)
			}
			if ttl := c.PTTL(ctx, s.Key(key)).Val(); ttl <= time.Minute {
				t.Errorf("PTTL = %v, want the newer write's (over 1m)", ttl)
			}
		})
	}
	t.Run("same StoredAt", func(t *testing.T) {
		if err := s.Set(ctx, "same", entry(1, base), time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := s.Set(ctx, "same", entry(2, base), 0); err != nil {
			t.Fatal(err)
		}
		if e, ok, err := s.Get(ctx, "same"); err != nil || !ok || e.Value != 2 {
			t.Errorf("Get = %+v, %v, %v; want the second write", e, ok, err)
		}
		if ttl := c.PTTL(ctx, s.Key("same")).Val(); ttl != -1 {
			t.Errorf("PTTL = %v, want -1 (the second write's: no expiry)", ttl)
		}
	})
	if st := s.Stats(); st.Superseded != superseded || st.Sets != uint64(3*len(pairs)+2) || st.Failures != 0 {
		t.Errorf("Stats = %+v, want %d superseded and %d sets", st, superseded, 3*len(pairs)+2)
	}
}

// An entry dated more than ClockSkew ahead of Redis's clock was written by
// an instance whose clock runs ahead: a write replaces it (it refused every
// other instance's newer answer for as long as that clock stayed ahead).
// One within the skew still wins.
func TestSetReplacesAnEntryFromAClockAhead(t *testing.T) {
	s, _ := newStore(t, Config{})
	ctx := context.Background()
	now := time.Now()
	entry := func(v float64, at time.Time) cache.Entry {
		return cache.Entry{Value: v, ObservedAt: at, StoredAt: at, Source: "ads", Confidence: 0.9, Layer: 1}
	}
	for _, tc := range []struct {
		ahead    time.Duration
		replaced bool
	}{{10 * time.Second, true}, {time.Hour, true}, {300 * time.Millisecond, false}} {
		key := fmt.Sprint("ahead|", tc.ahead)
		// Written as it is (Set would date it by Redis's clock): by an
		// older version, or another program.
		if err := s.client.Set(ctx, s.Key(key), appendEntry(nil, entry(1, now.Add(tc.ahead))), time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		if err := s.Set(ctx, key, entry(2, now), time.Minute); err != nil {
			t.Fatal(err)
		}
		e, ok, err := s.Get(ctx, key)
		want := 1.0
		if tc.replaced {
			want = 2
		}
		if err != nil || !ok || e.Value != want {
			t.Errorf("%v ahead: Get = %+v, %v, %v; want value %v", tc.ahead, e, ok, err, want)
		}
	}
	if _, err := New(s.client, Config{ClockSkew: -time.Second}); err == nil || !strings.Contains(err.Error(), "clock_skew") {
		t.Errorf("New with a negative ClockSkew = %v, want an error naming clock_skew", err)
	}
}

// What is in place but no entry — another program's value, a corrupt or
// later-format one whose StoredAt bytes read as newer, a key of another
// type, a value longer than MaxEntrySize — is replaced by Set, with the
// new write's expiry.
func TestSetReplacesWhatIsNoEntry(t *testing.T) {
	s, c := newStore(t, Config{})
	ctx := context.Background()
	future := appendEntry(nil, cache.Entry{Value: 1.5, Source: "ads", Confidence: 0.9, Layer: 1,
		StoredAt: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)})
	resum := func(b []byte) []byte {
		return appendSum(append([]byte(nil), b[:len(b)-sumSize]...))
	}
	badSum := append([]byte(nil), future...)
	badSum[headerSize] ^= 0x10
	nan := append([]byte(nil), future...)
	copy(nan[2:], []byte{0, 0, 0, 0, 0, 0, 0xf8, 0x7f})
	nan = resum(nan)
	format2 := append([]byte(nil), future...)
	format2[0] = 2
	format2 = resum(format2)
	oversized := append(append([]byte(nil), future[:headerSize]...), strings.Repeat("s", MaxEntrySize)...)

	tests := []struct {
		name  string
		plant func(key string) error
	}{
		{"text", func(k string) error { return c.Set(ctx, k, "garbage from another program", 0).Err() }},
		{"empty", func(k string) error { return c.Set(ctx, k, "", 0).Err() }},
		{"bad checksum, newer StoredAt", func(k string) error { return c.Set(ctx, k, badSum, 0).Err() }},
		{"NaN value, newer StoredAt", func(k string) error { return c.Set(ctx, k, nan, 0).Err() }},
		{"later format, newer StoredAt", func(k string) error { return c.Set(ctx, k, format2, 0).Err() }},
		{"longer than MaxEntrySize", func(k string) error { return c.Set(ctx, k, oversized, 0).Err() }},
		{"a list", func(k string) error { return c.RPush(ctx, k, "a", "b").Err() }},
		{"a hash", func(k string) error { return c.HSet(ctx, k, "f", "v").Err() }},
	}
	now := time.Now()
	e := cache.Entry{Value: 3, ObservedAt: now, StoredAt: now, Source: "ads", Confidence: 0.9, Layer: 1}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "foreign|" + tt.name
			if err := tt.plant(s.Key(key)); err != nil {
				t.Fatal(err)
			}
			if err := s.Set(ctx, key, e, time.Minute); err != nil {
				t.Fatalf("Set = %v", err)
			}
			got, ok, err := s.Get(ctx, key)
			if err != nil || !ok || got.Value != 3 {
				t.Errorf("Get = %+v, %v, %v; want the entry Set wrote", got, ok, err)
			}
			if ttl := c.PTTL(ctx, s.Key(key)).Val(); ttl <= 0 || ttl > time.Minute {
				t.Errorf("PTTL = %v, want Set's (at most 1m)", ttl)
			}
		})
	}
	if st := s.Stats(); st.Sets != uint64(len(tests)) || st.Superseded != 0 || st.Corrupt != 0 || st.Failures != 0 {
		t.Errorf("Stats = %+v, want %d sets and nothing else", st, len(tests))
	}
}

// slowSetStore is a Store on a slow link: each Set waits delay first,
// honouring its context.
type slowSetStore struct {
	*Store
	delay time.Duration
}

func (s slowSetStore) Set(ctx context.Context, key string, e cache.Entry, ttl time.Duration) error {
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
		return ctx.Err()
	}
	return s.Store.Set(ctx, key, e, ttl)
}

// Instance A's write of a key, queued behind a backlog on a slow link,
// reaches Redis after instance B wrote its newer answer for the key: it
// is superseded, not written, and a restarted instance whose provider is
// down is served B's answer as its stale-if-error value, not A's older
// one (before the fix the shared tier went back to A's).
func TestResolversKeepTheNewerAnswer(t *testing.T) {
	addr := redisAddr(t)
	prefix := testPrefix(t, newClient(t, addr))
	cfg := resolverConfig(fallback.RateLimitConfig{})
	cfg.DataTypes[0].TTL = time.Second
	cfg.Plausibility.Disabled = true
	cfg.Cache.StoreTimeout = time.Second // A's slow writes are slow, not lost
	sa := openStore(t, addr, Config{Prefix: prefix, Timeout: testTimeout})
	sb := openStore(t, addr, Config{Prefix: prefix, Timeout: testTimeout})
	sc := openStore(t, addr, Config{Prefix: prefix, Timeout: testTimeout})
	value := func(v float64) providers.Provider {
		return providers.Func(func(context.Context, providers.Request) (providers.Response, error) {
			return providers.Response{Value: v}, nil
		})
	}
	a, err := fallback.New(cfg, fallback.WithStore(slowSetStore{sa, 30 * time.Millisecond}), fallback.WithProvider("ads", value(1.0)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := fallback.New(cfg, fallback.WithStore(sb), fallback.WithProvider("ads", value(2.0)))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	hot := fallback.Params{"keyword": "hot"}
	for i := range 20 {
		if _, err := a.Resolve(ctx, "cpc", fallback.Params{"keyword": fmt.Sprint("k", i)}); err != nil {
			t.Fatal(err)
		}
	}
	old, err := a.Resolve(ctx, "cpc", hot) // queued behind 20 writes of 30ms
	if err != nil || old.Value != 1 {
		t.Fatalf("a: %+v %v", old, err)
	}
	time.Sleep(10 * time.Millisecond)
	newer, err := b.Resolve(ctx, "cpc", hot)
	if err != nil || newer.Layer != fallback.LayerPrimary || newer.Value != 2 {
		t.Fatalf("b: %+v %v; want its provider's answer (the shared tier has none yet)", newer, err)
	}
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if st := sa.Stats(); st.Sets+st.Superseded >= 21 {
		t.Fatal("a's writes were not slow enough: the test proves nothing")
	}
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if st := sa.Stats(); st.Superseded != 1 || st.Sets != 20 {
		t.Errorf("a's store: %+v; want its 20 other keys written and the hot key superseded", st)
	}
	key, _ := a.Key("cpc", hot)
	e, ok, err := sc.Get(ctx, key)
	if err != nil || !ok || e.Value != 2 || e.StoredAt.Before(newer.ObservedAt) {
		t.Fatalf("the shared tier holds %+v, %v, %v; want b's newer answer (2)", e, ok, err)
	}

	// A restarted instance, its provider down, past the TTL: stale-if-error.
	time.Sleep(time.Until(e.StoredAt.Add(cfg.DataTypes[0].TTL + 50*time.Millisecond)))
	down := providers.Func(func(context.Context, providers.Request) (providers.Response, error) {
		return providers.Response{}, providers.Errorf(providers.Unavailable, "down")
	})
	c, err := fallback.New(cfg, fallback.WithStore(sc), fallback.WithProvider("ads", down))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Resolve(ctx, "cpc", hot)
	if err != nil || res.Value != 2 {
		t.Errorf("the restarted instance served %+v, %v; want the fleet's last good answer, 2", res, err)
	}
}

// A ttl of the largest Duration is kept as no rounding can overflow it
// (rounded up to a millisecond, it wrapped to a negative expiry).
func TestSetTheLongestTTL(t *testing.T) {
	s, c := newStore(t, Config{})
	ctx := context.Background()
	now := time.Now()
	e := cache.Entry{Value: 1, ObservedAt: now, StoredAt: now, Source: "ads", Confidence: 0.9, Layer: 1}
	if err := s.Set(ctx, "longest", e, math.MaxInt64); err != nil {
		t.Fatal(err)
	}
	if ttl := c.PTTL(ctx, s.Key("longest")).Val(); ttl < 100*365*24*time.Hour {
		t.Errorf("PTTL = %v, want about 292 years", ttl)
	}
}

// Set dates an entry more than ClockSkew ahead of Redis's clock by
// Redis's clock, its age kept; one within the skew is stored as it is.
func TestSetDatesAnEntryFromAClockAheadByRedis(t *testing.T) {
	s, _ := newStore(t, Config{})
	ctx := context.Background()
	for _, ahead := range []time.Duration{10 * time.Second, time.Hour, 300 * time.Millisecond} {
		now := time.Now()
		at := now.Add(ahead)
		key := fmt.Sprint("dated|", ahead)
		in := cache.Entry{Value: 1, ObservedAt: at.Add(-3 * time.Second), StoredAt: at, Source: "ads", Confidence: 0.9, Layer: 1}
		require.NoError(t, s.Set(ctx, key, in, time.Minute))
		e, ok, err := s.Get(ctx, key)
		require.NoError(t, err)
		require.True(t, ok)
		if ahead < DefaultClockSkew {
			assert.True(t, e.StoredAt.Equal(at), "%v ahead: stored as it is", ahead)
		} else {
			assert.WithinDuration(t, now, e.StoredAt, 200*time.Millisecond, "%v ahead: dated by Redis's clock", ahead)
		}
		assert.Equal(t, 3*time.Second, e.StoredAt.Sub(e.ObservedAt), "%v ahead: its age kept", ahead)
	}
	assert.EqualValues(t, 3, s.Stats().Sets)
}
