package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/strata-go/strata/cache"
)

// Store is a cache.Store, cache.Scanner and cache.Claimer on Redis,
// shared by every instance that uses the same Redis, Prefix and Version.
// It is safe for concurrent use. It never opens a connection itself: it uses the host's
// client, which it does not close.
//
// Every call is bounded by Config.Timeout and by its context, and returns
// by then even when the client would wait longer (see Config.Cooldown for
// what follows a failure). Close waits for calls still in flight.
type Store struct {
	client redis.UniversalClient
	ns     string // "prefix:version:"
	g      guard
	skew   time.Duration // Config.ClockSkew

	hits, misses, corrupt, sets, deletes atomic.Uint64
	superseded                           atomic.Uint64
	claims, claimsLost                   atomic.Uint64
}

var (
	_ cache.Store   = (*Store)(nil)
	_ cache.Scanner = (*Store)(nil)
	_ cache.Claimer = (*Store)(nil)
)

// New returns a Store on client configured by cfg. client is typically a
// *redis.Client; a *redis.ClusterClient or *redis.Ring works too
// (DeleteMatching then scans every node). For an abandoned call to end at
// its deadline rather than at the client's ReadTimeout, build the client
// with ContextTimeoutEnabled.
func New(client redis.UniversalClient, cfg Config) (*Store, error) {
	if client == nil {
		return nil, errors.New("redisstore: New: nil client")
	}
	ns, err := namespace(cfg.Prefix, cfg.Version)
	if err != nil {
		return nil, err
	}
	timeout, cooldown, err := durations(cfg.Timeout, cfg.Cooldown)
	if err != nil {
		return nil, err
	}
	skew := cfg.ClockSkew
	switch {
	case skew < 0:
		return nil, fmt.Errorf("redisstore: invalid config: clock_skew: must not be negative, got %v", skew)
	case skew == 0:
		skew = DefaultClockSkew
	}
	return &Store{client: client, ns: ns, g: guard{timeout: timeout, cooldown: cooldown}, skew: skew}, nil
}

// Key returns the Redis key under which key is stored: the namespace
// ("strata:v1:" by default) followed by key as given.
func (s *Store) Key(key string) string { return s.ns + key }

// Get returns the entry stored under key. A missing key is (Entry{},
// false, nil). A value that does not decode is a miss too, with an error
// matching ErrCorrupt; it is deleted unless another instance replaced it
// meanwhile, if the Timeout leaves time for it: the read and the delete
// share one Timeout. A value longer than MaxEntrySize, or a key of another Redis
// type than a string (a list, a hash, ...), is not read at all: the same
// round trip that finds its length or type deletes it, so another
// program's key costs one small reply, not a WRONGTYPE error nor a
// transfer that outlasts the Timeout. An entry of a later format (its
// first byte 2 to 31: a newer strata writing the same namespace during a
// rolling upgrade) is a miss, neither an error nor deleted; Set replaces
// it. When Redis cannot be reached in time the error says why
// (ErrUnavailable during a cooldown, context.DeadlineExceeded on a
// timeout); the resolver treats every error as a miss.
func (s *Store) Get(ctx context.Context, key string) (cache.Entry, bool, error) {
	// One Timeout for the whole call: the delete of a corrupt value gets
	// what the read left (a delete cut short by it is not a failure, see
	// guard.judge, and the next Get of the value tries again).
	ctx, cancel := context.WithTimeout(ctx, s.g.timeout)
	defer cancel()
	v, err := call(ctx, &s.g, func(ctx context.Context) (any, error) {
		return getScript.Run(ctx, s.client, []string{s.ns + key}, MaxEntrySize).Result()
	})
	if errors.Is(err, redis.Nil) {
		s.misses.Add(1)
		return cache.Entry{}, false, nil
	}
	if err != nil {
		return cache.Entry{}, false, fmt.Errorf("redisstore: get %q: %w", key, err)
	}
	raw, ok := v.(string)
	if !ok {
		// getScript found no entry there and deleted it.
		s.corrupt.Add(1)
		return cache.Entry{}, false, &CorruptError{Key: key, Reason: refusedReason(v)}
	}
	if laterFormat([]byte(raw)) {
		// A newer strata's entry, during a rolling upgrade: not this
		// version's to read, nor to delete as corrupt (Set replaces it,
		// and a newer strata reads this version's format).
		s.misses.Add(1)
		return cache.Entry{}, false, nil
	}
	e, reason := decodeEntry([]byte(raw))
	if reason != "" {
		s.corrupt.Add(1)
		// Best effort: the resolver will write a good answer over it
		// anyway, and a failure here changes nothing for the caller.
		_, _ = call(ctx, &s.g, func(ctx context.Context) (any, error) {
			return deleteIfEqual.Run(ctx, s.client, []string{s.ns + key}, raw).Result()
		})
		return cache.Entry{}, false, &CorruptError{Key: key, Reason: reason}
	}
	s.hits.Add(1)
	return e, true, nil
}

// getScript returns KEYS[1]'s value if it is a string of at most ARGV[1]
// bytes, and nil if there is none. Anything else cannot be an entry:
// another type, or a longer string. The script deletes it in the same
// step, without sending it (UNLINK: freeing a large one does not hold
// Redis), and returns {its type, its length (0 for a type other than a
// string)} instead.
var getScript = redis.NewScript(`
local t = redis.call("TYPE", KEYS[1]).ok
if t == "none" then
	return false
end
local n = 0
if t == "string" then
	n = redis.call("STRLEN", KEYS[1])
	if n <= tonumber(ARGV[1]) then
		return redis.call("GET", KEYS[1])
	end
end
redis.call("UNLINK", KEYS[1])
return {t, n}
`)

// refusedReason describes what getScript deleted, for CorruptError.
func refusedReason(v any) string {
	if r, ok := v.([]any); ok && len(r) == 2 {
		t, _ := r[0].(string)
		n, _ := r[1].(int64)
		if t != "string" {
			return fmt.Sprintf("a Redis %s, not a string", t)
		}
		return fmt.Sprintf("%d bytes, more than MaxEntrySize (%d)", n, MaxEntrySize)
	}
	return fmt.Sprintf("unexpected reply %v", v)
}

// deleteIfEqual deletes KEYS[1] if it still holds ARGV[1], so that
// dropping a corrupt value cannot delete a good one another instance has
// just written.
var deleteIfEqual = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0
`)

// Set stores e under key for ttl; zero means no expiry, and a positive
// ttl is rounded up to Redis's millisecond. An entry with a NaN or
// infinite Value, a Confidence outside [0, 1], or an encoding longer than
// MaxEntrySize (a Source of more than MaxEntrySize-46 bytes) is refused
// with ErrInvalidEntry, so no other instance can be served it.
//
// Set never replaces a newer entry (cache.Store): when the entry stored
// under key has a StoredAt after e's, Set leaves it, and its expiry, as
// they are and returns nil (Stats.Superseded counts it). The comparison
// and the write are one Lua step, so two instances' writes of a key end
// with the newer entry whatever order they reach Redis in. A value there
// that is not an entry — another program's, a corrupt one, a key of
// another Redis type, a longer one than MaxEntrySize — is replaced, as
// is an entry with the same StoredAt, and a newer one dated more than
// Config.ClockSkew ahead of Redis's clock (its writer's clock runs ahead).
//
// An entry e itself dated more than Config.ClockSkew ahead of Redis's
// clock (this instance's clock runs ahead) is stored dated by Redis's
// clock instead: its StoredAt is Redis's time (TIME) and its ObservedAt
// moves as much, so that its age is kept. Every instance then sees a
// fresh answer (dated ahead, it would be fresh for nobody, not even for
// the instances waiting on this one's fill claim), and none a time in
// the future.
func (s *Store) Set(ctx context.Context, key string, e cache.Entry, ttl time.Duration) error {
	if ttl < 0 {
		return fmt.Errorf("redisstore: set %q: negative ttl %v", key, ttl)
	}
	if err := checkEntry(e); err != nil {
		return fmt.Errorf("redisstore: set %q: %w", key, err)
	}
	if ttl > 0 && ttl%time.Millisecond != 0 && ttl < math.MaxInt64-time.Millisecond {
		ttl = ttl.Truncate(time.Millisecond) + time.Millisecond // rounded up, unless that overflows
	}
	raw := appendEntry(make([]byte, 0, minSize+len(e.Source)), e)
	written, err := call(ctx, &s.g, func(ctx context.Context) (bool, error) {
		// setScript judges a value's format and StoredAt only; one whose
		// StoredAt is after e's comes back to be decoded here. If it does
		// not decode, it is no entry: the script runs again, told to
		// replace it if it is still there. Another value in its place
		// (another instance wrote meanwhile) is judged in turn.
		corrupt := ""
		for range maxSetRounds {
			v, err := setScript.Run(ctx, s.client, []string{s.ns + key}, raw, ttl.Milliseconds(), MaxEntrySize, corrupt, s.skew.Milliseconds(), minSize).Result()
			if err != nil {
				return false, err
			}
			if now, ok := redisTime(v); ok {
				// e is dated ahead of Redis's clock by more than the
				// skew: it is dated by Redis's clock instead, its age
				// kept (see above).
				age := e.StoredAt.Sub(e.ObservedAt)
				e.StoredAt, e.ObservedAt = now, now.Add(-age)
				raw = appendEntry(raw[:0], e)
				continue
			}
			newer, ok := v.(string)
			if !ok {
				return true, nil
			}
			if _, reason := decodeEntry([]byte(newer)); reason == "" {
				return false, nil
			}
			corrupt = newer
		}
		return false, &CorruptError{Key: key, Reason: fmt.Sprintf("replaced by another corrupt value %d times while set tried to replace it", maxSetRounds)}
	})
	if err != nil {
		return fmt.Errorf("redisstore: set %q: %w", key, err)
	}
	if written {
		s.sets.Add(1)
	} else {
		s.superseded.Add(1)
	}
	return nil
}

// maxSetRounds bounds Set's runs of setScript: one, one more for an
// entry dated ahead of Redis's clock, and one more for each corrupt value
// found in place with a StoredAt that looked newer (each a different
// value: another program keeps writing the key).
const maxSetRounds = 4

// redisTime decodes setScript's answer for an entry dated ahead of
// Redis's clock: Redis's TIME, {seconds, microseconds}.
func redisTime(v any) (time.Time, bool) {
	t, ok := v.([]any)
	if !ok || len(t) != 2 {
		return time.Time{}, false
	}
	sec, _ := t[0].(string)
	usec, _ := t[1].(string)
	s, err1 := strconv.ParseInt(sec, 10, 64)
	us, err2 := strconv.ParseInt(usec, 10, 64)
	if err1 != nil || err2 != nil {
		return time.Time{}, false
	}
	return time.Unix(s, us*1000), true
}

// setScript stores ARGV[1], an entry's encoding, at KEYS[1] for ARGV[2]
// milliseconds (0: no expiry) and returns 1, unless KEYS[1] holds a value
// that may be a newer entry: a string of MaxEntrySize (ARGV[3]) bytes at
// most, of entry format 1, other than ARGV[4] (a value the caller found
// corrupt, or ""), whose StoredAt is after ARGV[1]'s. That value is
// returned, unchanged, for the caller to decode. Anything else there —
// another type, a string of another length or format, an older entry, one
// with the same StoredAt — is replaced, and so is an entry whose StoredAt
// is more than ARGV[5] milliseconds ahead of Redis's clock (TIME): its
// writer's clock runs ahead, and it would refuse every other instance's
// newer answer for as long. When ARGV[1] itself is dated that far ahead,
// the script writes nothing and returns Redis's TIME, for the caller to
// date the entry by it.
//
// ARGV[6] is the shortest encoding (minSize). StoredAt is at bytes
// 31-42 of the encoding (1-based, see codec.go): its
// Unix seconds as a signed little-endian int64 (31-38), then its
// nanoseconds as a little-endian uint32 (39-42). The bytes are compared
// most significant first, the sign bit of the seconds flipped, which
// orders the times as numbers without Lua's floats (an int64 does not fit
// one) nor string comparison (which follows the locale).
var setScript = redis.NewScript(`
if redis.replicate_commands then
	redis.replicate_commands() -- TIME before a write (Redis < 5)
end
local function write()
	if tonumber(ARGV[2]) > 0 then
		redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
	else
		redis.call("SET", KEYS[1], ARGV[1])
	end
	return 1
end
-- ahead reports whether v's StoredAt is more than ARGV[5] ms ahead of
-- Redis's clock. A time before 1970 is not; the seconds are exact in a
-- double up to 2^53, far past any clock.
local function ahead(v)
	if string.byte(v, 38) >= 128 then
		return false
	end
	local sec, ns = 0, 0
	for p = 38, 31, -1 do
		sec = sec * 256 + string.byte(v, p)
	end
	for p = 42, 39, -1 do
		ns = ns * 256 + string.byte(v, p)
	end
	local t = redis.call("TIME")
	local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
	return sec * 1000 + math.floor(ns / 1000000) > now + tonumber(ARGV[5])
end
if ahead(ARGV[1]) then
	return redis.call("TIME")
end
if redis.call("TYPE", KEYS[1]).ok ~= "string" then
	return write()
end
local n = redis.call("STRLEN", KEYS[1])
if n < tonumber(ARGV[6]) or n > tonumber(ARGV[3]) then
	return write()
end
local old = redis.call("GET", KEYS[1])
if old == ARGV[4] or string.byte(old, 1) ~= 1 then
	return write()
end
local order = {38, 37, 36, 35, 34, 33, 32, 31, 42, 41, 40, 39}
for i, p in ipairs(order) do
	local a, b = string.byte(old, p), string.byte(ARGV[1], p)
	if i == 1 then
		a, b = (a + 128) % 256, (b + 128) % 256
	end
	if a ~= b then
		if a > b and not ahead(old) then
			return old
		end
		return write()
	end
end
return write()
`)

// Delete removes key and reports whether it was there.
func (s *Store) Delete(ctx context.Context, key string) (bool, error) {
	n, err := call(ctx, &s.g, func(ctx context.Context) (int64, error) {
		return s.client.Del(ctx, s.ns+key).Result()
	})
	if err != nil {
		return false, fmt.Errorf("redisstore: delete %q: %w", key, err)
	}
	s.deletes.Add(uint64(n))
	return n > 0, nil
}

// Claim takes key's claim for hold, for the instances sharing this
// namespace (cache.Claimer): one SET NX with hold as its expiry, under
// the reserved part of the namespace ("strata:v1:#c:" + key), so that
// DeleteMatching neither sees nor deletes it. It reports false when
// another caller took the claim less than its hold ago. A claim records
// its hold (in milliseconds, as the key's value), and a claim key that
// expires later than the hold it records, or never — another program's,
// a SET by hand, a crashed instance's claim whose expiry was edited, an
// older version's (which recorded none) — is lost to and then given hold
// as its expiry, in the same step: it is trusted no longer than the
// caller's hold, and ends like any claim rather than making every miss
// of the key wait out its hold until it expires. A claim taken by Claim
// keeps its own expiry, whatever the losers' holds. hold is rounded up
// to Redis's millisecond and must be positive.
func (s *Store) Claim(ctx context.Context, key string, hold time.Duration) (bool, error) {
	if hold <= 0 {
		return false, fmt.Errorf("redisstore: claim %q: hold %v is not positive", key, hold)
	}
	if hold%time.Millisecond != 0 {
		hold = hold.Truncate(time.Millisecond) + time.Millisecond
	}
	won, err := call(ctx, &s.g, func(ctx context.Context) (bool, error) {
		n, err := claimScript.Run(ctx, s.client, []string{s.ns + reserved + "c:" + key}, hold.Milliseconds()).Int()
		return n == 1, err
	})
	if err != nil {
		return false, fmt.Errorf("redisstore: claim %q: %w", key, err)
	}
	if won {
		s.claims.Add(1)
	} else {
		s.claimsLost.Add(1)
	}
	return won, nil
}

// claimScript sets KEYS[1] to ARGV[1] for ARGV[1] milliseconds unless it
// exists, and returns 1 if it did. A key that exists without an expiry,
// or with a longer one than ARGV[1] and than the hold it records (a
// string of digits; anything else records none), gets ARGV[1] as its
// expiry, and the script returns 0.
var claimScript = redis.NewScript(`
local hold = tonumber(ARGV[1])
if redis.call("SET", KEYS[1], ARGV[1], "NX", "PX", hold) then
	return 1
end
local pttl = redis.call("PTTL", KEYS[1])
if pttl ~= -1 and pttl <= hold then
	return 0
end
local own
if redis.call("TYPE", KEYS[1]).ok == "string" and redis.call("STRLEN", KEYS[1]) <= 20 then
	local v = redis.call("GET", KEYS[1])
	-- Digits only: tonumber also reads "nan", "inf", "1e30" and " 5".
	if string.match(v, "^%d+$") then
		own = tonumber(v)
	end
end
if pttl == -1 or own == nil or pttl > own then
	redis.call("PEXPIRE", KEYS[1], hold)
end
return 0
`)

// Stats counts what a Store did since New.
type Stats struct {
	// Hits and Misses count Get calls that found an entry and that found
	// none; Corrupt counts those that found a value that did not decode
	// (a miss too, not counted in Misses).
	Hits, Misses, Corrupt uint64
	// Sets counts entries written; Deletes counts keys deleted by Delete
	// and DeleteMatching.
	Sets, Deletes uint64
	// Superseded counts Set calls that wrote nothing because the entry
	// stored under the key was newer (see Set).
	Superseded uint64
	// Claims counts claims taken, ClaimsLost those another caller held.
	Claims, ClaimsLost uint64
	// Failures counts calls that could not reach Redis in time; each
	// starts a cooldown.
	Failures uint64
}

// Stats returns the counts so far.
func (s *Store) Stats() Stats {
	return Stats{
		Hits:       s.hits.Load(),
		Misses:     s.misses.Load(),
		Corrupt:    s.corrupt.Load(),
		Sets:       s.sets.Load(),
		Deletes:    s.deletes.Load(),
		Superseded: s.superseded.Load(),
		Claims:     s.claims.Load(),
		ClaimsLost: s.claimsLost.Load(),
		Failures:   s.g.failures.Load(),
	}
}

// Close makes every later call fail with ErrClosed and waits for the
// calls in flight, including those whose callers stopped waiting. It
// does not close the client. Close is idempotent.
func (s *Store) Close() error {
	s.g.close()
	return nil
}
