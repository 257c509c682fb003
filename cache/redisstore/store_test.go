package redisstore

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/cache"
)

// newStore returns a Store on the shared test server in a namespace of
// its own, and the raw client to look behind it.
// testTimeout is the stores' timeout in tests that do not test timeouts:
// the 50ms default is too little for a loaded 2-CPU CI machine under the
// race detector, where TestClaim's 20 concurrent claims once timed out.
const testTimeout = 2 * time.Second

func newStore(t *testing.T, cfg Config) (*Store, *redis.Client) {
	t.Helper()
	c := newClient(t, redisAddr(t))
	if cfg.Prefix == "" {
		cfg.Prefix = testPrefix(t, c)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = testTimeout
	}
	s, err := New(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, c
}

func TestRoundTrip(t *testing.T) {
	s, _ := newStore(t, Config{})
	ctx := context.Background()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		paris = time.FixedZone("CET", 3600)
	}
	now := time.Now() // with a monotonic reading
	tests := []struct {
		name string
		e    cache.Entry
	}{
		{"typical", cache.Entry{Value: 1.32, ObservedAt: now.Add(-time.Minute), StoredAt: now, Source: "ads", Confidence: 0.95, Layer: 1}},
		{"zero times and source", cache.Entry{Value: -0.5, Confidence: 0, Layer: 2}},
		{"other location", cache.Entry{Value: 7, ObservedAt: time.Date(2026, 3, 29, 1, 59, 59, 999999999, paris), StoredAt: time.Date(1969, 12, 31, 23, 59, 59, 1, time.UTC), Source: "bench", Confidence: 1}},
		// A StoredAt ahead of Redis's clock would be dated by it (see Set).
		{"far times", cache.Entry{Value: math.MaxFloat64, ObservedAt: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), StoredAt: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), Source: "x", Confidence: 0.5}},
		{"unicode source", cache.Entry{Value: math.SmallestNonzeroFloat64, ObservedAt: now, StoredAt: now, Source: "fournisseur·é—日本", Confidence: 0.25, Layer: 255}},
		{"long source", cache.Entry{Value: 3, Source: strings.Repeat("s", 10000), Confidence: 0.8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "cpc|keyword=" + tt.name
			if err := s.Set(ctx, key, tt.e, time.Minute); err != nil {
				t.Fatal(err)
			}
			got, ok, err := s.Get(ctx, key)
			if err != nil || !ok {
				t.Fatalf("Get = ok %v, err %v; want the entry", ok, err)
			}
			want := tt.e
			if got.Value != want.Value || math.Signbit(got.Value) != math.Signbit(want.Value) ||
				got.Confidence != want.Confidence || got.Source != want.Source || got.Layer != want.Layer {
				t.Errorf("Get = %+v, want %+v", got, want)
			}
			for _, tm := range []struct {
				name      string
				got, want time.Time
			}{{"ObservedAt", got.ObservedAt, want.ObservedAt}, {"StoredAt", got.StoredAt, want.StoredAt}} {
				if !tm.got.Equal(tm.want) {
					t.Errorf("%s = %v, want an instant equal to %v", tm.name, tm.got, tm.want)
				}
				if tm.got.Location() != time.UTC {
					t.Errorf("%s location = %v, want UTC", tm.name, tm.got.Location())
				}
				if tm.got != tm.want.UTC().Round(0) && !tm.want.IsZero() {
					t.Errorf("%s = %#v, want exactly %#v (UTC, no monotonic reading)", tm.name, tm.got, tm.want.UTC().Round(0))
				}
				if tm.got.IsZero() != tm.want.IsZero() {
					t.Errorf("%s.IsZero() = %v, want %v", tm.name, tm.got.IsZero(), tm.want.IsZero())
				}
			}
		})
	}
	if st := s.Stats(); st.Hits != uint64(len(tests)) || st.Sets != uint64(len(tests)) || st.Misses != 0 || st.Corrupt != 0 {
		t.Errorf("Stats = %+v, want %d hits and sets", st, len(tests))
	}
}

func TestGetMissing(t *testing.T) {
	s, _ := newStore(t, Config{})
	e, ok, err := s.Get(context.Background(), "nothing here")
	if ok || err != nil || e != (cache.Entry{}) {
		t.Fatalf("Get = %+v, %v, %v; want a miss without error", e, ok, err)
	}
	if st := s.Stats(); st.Misses != 1 || st.Hits != 0 {
		t.Errorf("Stats = %+v, want one miss", st)
	}
}

func TestSetRefusesInvalidEntries(t *testing.T) {
	s, c := newStore(t, Config{})
	ctx := context.Background()
	tests := []struct {
		name string
		e    cache.Entry
		ttl  time.Duration
		want error
	}{
		{"NaN value", cache.Entry{Value: math.NaN(), Confidence: 0.9}, time.Minute, ErrInvalidEntry},
		{"+Inf value", cache.Entry{Value: math.Inf(1), Confidence: 0.9}, time.Minute, ErrInvalidEntry},
		{"-Inf value", cache.Entry{Value: math.Inf(-1), Confidence: 0.9}, time.Minute, ErrInvalidEntry},
		{"confidence above 1", cache.Entry{Value: 1, Confidence: 1.01}, time.Minute, ErrInvalidEntry},
		{"negative confidence", cache.Entry{Value: 1, Confidence: -0.1}, time.Minute, ErrInvalidEntry},
		{"NaN confidence", cache.Entry{Value: 1, Confidence: math.NaN()}, time.Minute, ErrInvalidEntry},
		{"longer than MaxEntrySize", cache.Entry{Value: 1, Confidence: 0.9, Source: strings.Repeat("s", MaxEntrySize-minSize+1)}, time.Minute, ErrInvalidEntry},
		{"negative ttl", cache.Entry{Value: 1, Confidence: 0.9}, -time.Second, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Set(ctx, tt.name, tt.e, tt.ttl)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("Set = %v, want an error matching %v", err, tt.want)
			}
			if n := c.Exists(ctx, s.Key(tt.name)).Val(); n != 0 {
				t.Errorf("the refused entry was written")
			}
		})
	}
}

func TestTTL(t *testing.T) {
	s, c := newStore(t, Config{})
	ctx := context.Background()
	e := cache.Entry{Value: 2, Source: "ads", Confidence: 0.9}

	if err := s.Set(ctx, "forever", e, 0); err != nil {
		t.Fatal(err)
	}
	if ttl := c.PTTL(ctx, s.Key("forever")).Val(); ttl != -1 {
		t.Errorf("PTTL of a key set with ttl 0 = %v, want -1 (no expiry)", ttl)
	}
	if err := s.Set(ctx, "sub-millisecond", e, 1500*time.Microsecond); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "short", e, time.Second); err != nil {
		t.Fatal(err)
	}
	if ttl := c.PTTL(ctx, s.Key("short")).Val(); ttl <= 0 || ttl > time.Second {
		t.Errorf("PTTL = %v, want in (0, 1s]", ttl)
	}
	if _, ok, err := s.Get(ctx, "short"); !ok || err != nil {
		t.Fatalf("Get right after Set = %v, %v; want a hit", ok, err)
	}
	// Real Redis expiry: wait for it, boundedly.
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, ok, err := s.Get(ctx, "short")
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the entry was still served 5s after a 1s TTL")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, ok, _ := s.Get(ctx, "sub-millisecond"); ok {
		t.Error("a 1.5ms entry (rounded up to 2ms) outlived a 1s one")
	}
	if _, ok, err := s.Get(ctx, "forever"); !ok || err != nil {
		t.Errorf("the entry without expiry is gone: %v, %v", ok, err)
	}
}

func TestNamespaces(t *testing.T) {
	c := newClient(t, redisAddr(t))
	prefix := testPrefix(t, c)
	ctx := context.Background()
	open := func(cfg Config) *Store {
		cfg.Timeout = testTimeout
		s, err := New(c, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	v1 := open(Config{Prefix: prefix})
	v2 := open(Config{Prefix: prefix, Version: "v2"})
	other := open(Config{Prefix: prefix + "-other"})

	if got, want := v1.Key("cpc|keyword=shoes"), prefix+":v1:cpc|keyword=shoes"; got != want {
		t.Errorf("Key = %q, want %q", got, want)
	}
	e := cache.Entry{Value: 1, Source: "ads", Confidence: 0.9, Layer: 1}
	if err := v1.Set(ctx, "k", e, time.Minute); err != nil {
		t.Fatal(err)
	}
	if n := c.Exists(ctx, prefix+":v1:k").Val(); n != 1 {
		t.Fatalf("the entry is not at %q", prefix+":v1:k")
	}
	for name, s := range map[string]*Store{"another version": v2, "another prefix": other} {
		if _, ok, err := s.Get(ctx, "k"); ok || err != nil {
			t.Errorf("%s: Get = %v, %v; want a miss", name, ok, err)
		}
		if n, err := s.DeleteMatching(ctx, func(string) bool { return true }); n != 0 || err != nil {
			t.Errorf("%s: DeleteMatching = %d, %v; want 0 deleted", name, n, err)
		}
		if ok, err := s.Delete(ctx, "k"); ok || err != nil {
			t.Errorf("%s: Delete = %v, %v; want false", name, ok, err)
		}
	}
	if _, ok, err := v1.Get(ctx, "k"); !ok || err != nil {
		t.Errorf("v1 lost its entry: %v, %v", ok, err)
	}
}

func TestCorruptValuesAreDropped(t *testing.T) {
	s, c := newStore(t, Config{})
	ctx := context.Background()
	good := appendEntry(nil, cache.Entry{Value: 1.5, Source: "ads", Confidence: 0.9, Layer: 1, StoredAt: time.Unix(1e9, 0)})
	flip := func(i int) []byte {
		b := append([]byte(nil), good...)
		b[i] ^= 0x10
		return b
	}
	resum := func(b []byte) []byte { // a valid checksum over bad content
		b = append([]byte(nil), b[:len(b)-sumSize]...)
		return appendSum(b)
	}
	nan := resum(append(append(append([]byte(nil), good[:2]...), []byte{0, 0, 0, 0, 0, 0, 0xf8, 0x7f}...), good[10:]...))
	badNanos := append([]byte(nil), good...)
	copy(badNanos[26:], []byte{0xff, 0xff, 0xff, 0xff})
	badNanos = resum(badNanos)
	format2 := append([]byte(nil), good...)
	format2[0] = 2
	format2 = resum(format2)

	tests := []struct {
		name   string
		raw    []byte
		reason string
	}{
		{"text", []byte("hello"), "5 bytes"},
		{"empty", []byte{}, "0 bytes"},
		{"json", []byte(`{"value":1.5,"source":"ads","confidence":0.9,"layer":1}`), "unknown format 123"},
		{"flipped value bit", flip(5), "checksum"},
		{"flipped source bit", flip(headerSize), "checksum"},
		{"truncated", good[:len(good)-1], "checksum"},
		{"extended", append(append([]byte(nil), good...), 0), "checksum"},
		{"NaN value", nan, "not finite"},
		{"nanoseconds out of range", badNanos, "nanoseconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "corrupt|" + tt.name
			if err := c.Set(ctx, s.Key(key), tt.raw, time.Minute).Err(); err != nil {
				t.Fatal(err)
			}
			e, ok, err := s.Get(ctx, key)
			if ok || e != (cache.Entry{}) {
				t.Fatalf("Get = %+v, %v; want a miss", e, ok)
			}
			var ce *CorruptError
			if !errors.Is(err, ErrCorrupt) || !errors.As(err, &ce) || ce.Key != key || !strings.Contains(ce.Reason, tt.reason) {
				t.Fatalf("Get error = %v, want a *CorruptError for %q mentioning %q", err, key, tt.reason)
			}
			if n := c.Exists(ctx, s.Key(key)).Val(); n != 0 {
				t.Error("the corrupt value was not deleted")
			}
		})
	}
	if st := s.Stats(); st.Corrupt != uint64(len(tests)) || st.Hits != 0 || st.Failures != 0 {
		t.Errorf("Stats = %+v, want %d corrupt and no failure", st, len(tests))
	}
}

// An entry of a later format (a newer strata writing the same namespace,
// during a rolling upgrade) was taken for a corrupt value: every read of
// it deleted it, and failed with ErrCorrupt, which the resolver reports
// as a failed callback. It is a miss, left in place; Set replaces it (a
// newer strata reads this one's format). A first byte that is printable
// (text, JSON) is no format: that value is still corrupt.
func TestALaterFormatIsAMissLeftInPlace(t *testing.T) {
	s, c := newStore(t, Config{})
	ctx := context.Background()
	later := appendEntry(nil, cache.Entry{Value: 1.5, Source: "ads", Confidence: 0.9, Layer: 1, StoredAt: time.Unix(1e9, 0)})
	later[0] = 2
	later = append(later, "and a field of its own"...)
	require.NoError(t, c.Set(ctx, s.Key("later"), later, time.Minute).Err())
	e, ok, err := s.Get(ctx, "later")
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Zero(t, e)
	assert.EqualValues(t, 1, c.Exists(ctx, s.Key("later")).Val(), "left in place")
	assert.Equal(t, Stats{Misses: 1}, s.Stats())

	now := time.Now()
	require.NoError(t, s.Set(ctx, "later", cache.Entry{Value: 2, Source: "ads", Confidence: 0.9, Layer: 1, StoredAt: now, ObservedAt: now}, time.Minute))
	e, ok, err = s.Get(ctx, "later")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, 2.0, e.Value, "Set replaced it")
}

// A value too long to be an entry (another program's, of megabytes) is
// deleted without being read, in the round trip that finds its length:
// reading it would outlast the Timeout, be taken for Redis not answering
// and start the cooldown for every key, at every read of it. The largest
// entry Set accepts still round-trips.
func TestOversizedValueIsDroppedUnread(t *testing.T) {
	s, c := newStore(t, Config{Timeout: 50 * time.Millisecond})
	ctx := context.Background()
	largest := cache.Entry{Value: 1, Confidence: 1, Source: strings.Repeat("s", MaxEntrySize-minSize)}
	if err := s.Set(ctx, "largest", largest, time.Minute); err != nil {
		t.Fatal(err)
	}
	if e, ok, err := s.Get(ctx, "largest"); !ok || err != nil || e.Source != largest.Source {
		t.Fatalf("Get of an entry of MaxEntrySize = %v, %v; want it", ok, err)
	}
	// 64 MiB: format byte 1, a bad checksum. Reading it takes longer than
	// 50ms even on loopback.
	huge := bytes.Repeat([]byte{format1}, 64<<20)
	if err := c.Set(ctx, s.Key("huge"), huge, time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, s.Key("just over"), huge[:MaxEntrySize+1], time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"huge", "just over"} {
		_, ok, err := s.Get(ctx, key)
		var ce *CorruptError
		if ok || !errors.As(err, &ce) || !strings.Contains(ce.Reason, "more than MaxEntrySize") {
			t.Fatalf("Get(%q) = %v, %v; want a miss and a *CorruptError naming MaxEntrySize", key, ok, err)
		}
		if n := c.Exists(ctx, s.Key(key)).Val(); n != 0 {
			t.Errorf("%q was not deleted", key)
		}
	}
	if _, ok, err := s.Get(ctx, "largest"); !ok || err != nil {
		t.Errorf("Get of a good key after them = %v, %v; want a hit (no cooldown)", ok, err)
	}
	if st := s.Stats(); st.Corrupt != 2 || st.Failures != 0 || st.Hits != 2 {
		t.Errorf("Stats = %+v, want 2 hits, 2 corrupt and no failure", st)
	}
}

// A key of another Redis type at an entry's name (another program's) is a
// corrupt miss, deleted in the same round trip, not a WRONGTYPE error
// that leaves it there.
func TestForeignTypeIsDropped(t *testing.T) {
	s, c := newStore(t, Config{})
	ctx := context.Background()
	require := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	require(c.RPush(ctx, s.Key("list"), "x", "y").Err())
	require(c.HSet(ctx, s.Key("hash"), "f", "v").Err())
	require(c.ZAdd(ctx, s.Key("zset"), redis.Z{Score: 1, Member: "m"}).Err())
	require(c.SAdd(ctx, s.Key("set"), "m").Err())
	for _, typ := range []string{"list", "hash", "zset", "set"} {
		_, ok, err := s.Get(ctx, typ)
		var ce *CorruptError
		if ok || !errors.As(err, &ce) || ce.Reason != "a Redis "+typ+", not a string" {
			t.Errorf("Get of a %s = %v, %v; want a miss and a *CorruptError naming its type", typ, ok, err)
		}
		if n := c.Exists(ctx, s.Key(typ)).Val(); n != 0 {
			t.Errorf("the %s was not deleted", typ)
		}
	}
	if st := s.Stats(); st.Corrupt != 4 || st.Failures != 0 {
		t.Errorf("Stats = %+v, want 4 corrupt and no failure", st)
	}
}

// Get of a corrupt value makes two round trips (the read, then the
// delete); both share one Timeout, so the call still returns within it on
// a slow network, and the delete cut short is not taken for an outage.
func TestCorruptGetKeepsOneTimeout(t *testing.T) {
	addr := redisAddr(t)
	direct := newClient(t, addr)
	proxy := newStallProxy(t, addr)
	const timeout = 300 * time.Millisecond
	s, err := New(newClient(t, proxy.Addr), Config{Prefix: testPrefix(t, direct), Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if _, _, err := s.Get(ctx, "warm"); err != nil { // a connection, and the script loaded
		t.Fatal(err)
	}
	if err := direct.Set(ctx, s.Key("k"), "garbage from another program", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	proxy.Slow(200 * time.Millisecond) // each round trip takes two thirds of the Timeout
	t0 := time.Now()
	_, ok, err := s.Get(ctx, "k")
	d := time.Since(t0)
	proxy.Slow(0)
	if ok || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Get = %v, %v; want a corrupt miss", ok, err)
	}
	if d > timeout+80*time.Millisecond {
		t.Errorf("Get took %v, more than its Timeout %v", d, timeout)
	}
	if st := s.Stats(); st.Failures != 0 {
		t.Errorf("Stats = %+v: the delete cut short by the Timeout counted as a failure", st)
	}
}

// A corrupt value replaced by a good one between Get's read and its
// delete is not deleted.
func TestDeleteIfEqualKeepsANewerValue(t *testing.T) {
	s, c := newStore(t, Config{})
	ctx := context.Background()
	good := appendEntry(nil, cache.Entry{Value: 2, Source: "ads", Confidence: 0.9})
	c.Set(ctx, s.Key("k"), good, time.Minute)
	if n, err := deleteIfEqual.Run(ctx, c, []string{s.Key("k")}, []byte("garbage")).Int(); n != 0 || err != nil {
		t.Fatalf("deleteIfEqual of another value = %d, %v; want 0", n, err)
	}
	if _, ok, err := s.Get(ctx, "k"); !ok || err != nil {
		t.Fatalf("the good value is gone: %v, %v", ok, err)
	}
	if n, err := deleteIfEqual.Run(ctx, c, []string{s.Key("k")}, good).Int(); n != 1 || err != nil {
		t.Fatalf("deleteIfEqual of the same value = %d, %v; want 1", n, err)
	}
}

func TestDelete(t *testing.T) {
	s, _ := newStore(t, Config{})
	ctx := context.Background()
	s.Set(ctx, "k", cache.Entry{Value: 1, Confidence: 1}, 0)
	if ok, err := s.Delete(ctx, "k"); !ok || err != nil {
		t.Fatalf("Delete = %v, %v; want true", ok, err)
	}
	if ok, err := s.Delete(ctx, "k"); ok || err != nil {
		t.Fatalf("second Delete = %v, %v; want false", ok, err)
	}
	if _, ok, _ := s.Get(ctx, "k"); ok {
		t.Fatal("deleted entry still served")
	}
	if st := s.Stats(); st.Deletes != 1 {
		t.Errorf("Stats.Deletes = %d, want 1", st.Deletes)
	}
}

func TestClosedStore(t *testing.T) {
	s, _ := newStore(t, Config{})
	ctx := context.Background()
	s.Close()
	s.Close() // idempotent
	if _, _, err := s.Get(ctx, "k"); !errors.Is(err, ErrClosed) {
		t.Errorf("Get after Close = %v, want ErrClosed", err)
	}
	if err := s.Set(ctx, "k", cache.Entry{Value: 1, Confidence: 1}, 0); !errors.Is(err, ErrClosed) {
		t.Errorf("Set after Close = %v, want ErrClosed", err)
	}
}

func TestConfigValidation(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: deadAddr(t)})
	defer c.Close()
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"glob in prefix", Config{Prefix: "app*"}, `redisstore: invalid config: prefix: "app*": must not contain the glob character '*'`},
		{"space in prefix", Config{Prefix: "my app"}, `redisstore: invalid config: prefix: "my app": must not contain whitespace or control characters`},
		{"colon in version", Config{Version: "v:2"}, `redisstore: invalid config: version: "v:2": must not contain ':'`},
		{"bracket in version", Config{Version: "v[2]"}, `redisstore: invalid config: version: "v[2]": must not contain the glob character '['`},
		{"negative timeout", Config{Timeout: -time.Millisecond}, "redisstore: invalid config: timeout: must not be negative, got -1ms"},
		{"negative cooldown", Config{Cooldown: -time.Second}, "redisstore: invalid config: cooldown: must not be negative, got -1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			_, err := New(c, cfg)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("New = %v, want %q", err, tt.want)
			}
			if cfg != tt.cfg {
				t.Error("New modified the config")
			}
		})
	}
	if _, err := New(nil, Config{}); err == nil {
		t.Error("New(nil) succeeded")
	}
	if _, err := NewLimiter(c, LimiterConfig{Instances: -1}); err == nil || err.Error() != "redisstore: invalid config: instances: must not be negative, got -1" {
		t.Errorf("NewLimiter(Instances -1) = %v", err)
	}
	if _, err := NewLimiter(c, LimiterConfig{Prefix: "a?"}); err == nil {
		t.Error("NewLimiter accepted a glob in the prefix")
	}
	s, err := New(c, Config{Prefix: "app:cache"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Key("k") != "app:cache:v1:k" || s.g.timeout != DefaultTimeout || s.g.cooldown != DefaultCooldown {
		t.Errorf("defaults: key %q, timeout %v, cooldown %v", s.Key("k"), s.g.timeout, s.g.cooldown)
	}
}
