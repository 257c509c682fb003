package redisstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/strata-go/strata/stats"
)

// History is a stats.History on Redis, shared by every instance that uses
// the same Redis, Prefix and Version, with the optional stats.Deleter,
// stats.Pruner and stats.Lister, and AppendOnce, which the resolver uses
// (fallback.OnceAppender) to record one observation per key and period
// for the whole fleet. Give it to the resolver with
// fallback.WithSharedHistory: the resolver keeps its own history in front
// of it, so a Redis that fails costs no forecast the process could make
// alone. It is safe for concurrent use and uses the host's client, which
// it does not close.
//
// A key's series is a sorted set scored by the observations' times in
// milliseconds, each member a 25-byte record (format, time, value,
// CRC-32C): bounded by HistoryConfig.MaxPoints, the oldest dropped first;
// with a HistoryConfig.Retention, observations older than it by Redis's
// clock (TIME, not the instance's: one whose clock runs ahead by more
// than the retention would delete everyone's) are neither recorded nor
// returned, Prune deletes them, and a series nobody appends to expires.
// Keys are the resolver's canonical keys, in which sensitive
// values are already replaced by their keyed hash. A key of the namespace
// holding another Redis type than a sorted set is not a series: every
// call that meets it deletes it (in the same step, so it never fails
// with WRONGTYPE) and counts it in HistoryStats.Foreign. A member of
// another length than a record's is none either: Observations skips it
// without transferring it (HistoryStats.Corrupt), so another program's
// member of megabytes costs a read no more than a record does.
//
// Every call is bounded by HistoryConfig.Timeout and its context, with the
// cooldown after a failure that Config.Cooldown describes.
type History struct {
	client    redis.UniversalClient
	ns        string // "prefix:version:#h:"
	maxPoints int
	retention time.Duration
	g         guard
	now       func() time.Time // time.Now; a test's clock that runs ahead

	appends, duplicates, expired, ahead, corrupt, foreign atomic.Uint64
}

var (
	_ stats.History = (*History)(nil)
	_ stats.Deleter = (*History)(nil)
	_ stats.Pruner  = (*History)(nil)
	_ stats.Lister  = (*History)(nil)
)

// NewHistory returns a History on client configured by cfg.
func NewHistory(client redis.UniversalClient, cfg HistoryConfig) (*History, error) {
	if client == nil {
		return nil, errors.New("redisstore: NewHistory: nil client")
	}
	ns, err := namespace(cfg.Prefix, cfg.Version)
	if err != nil {
		return nil, err
	}
	timeout, cooldown, err := durations(cfg.Timeout, cfg.Cooldown)
	if err != nil {
		return nil, err
	}
	switch {
	case cfg.MaxPoints < 0 || cfg.MaxPoints > MaxPointsLimit:
		return nil, fmt.Errorf("redisstore: invalid config: max_points: must be in [0, %d], got %d", MaxPointsLimit, cfg.MaxPoints)
	case cfg.Retention < 0:
		return nil, fmt.Errorf("redisstore: invalid config: retention: must not be negative, got %v", cfg.Retention)
	}
	if cfg.MaxPoints == 0 {
		cfg.MaxPoints = DefaultMaxPoints
	}
	return &History{
		client:    client,
		ns:        ns + reserved + "h:",
		maxPoints: cfg.MaxPoints,
		retention: cfg.Retention,
		g:         guard{timeout: timeout, cooldown: cooldown},
		now:       time.Now,
	}, nil
}

// maxAhead is how far ahead of Redis's clock an observation may be dated:
// the resolver reads none dated further ahead of its own (a minute), and
// one that is would hold its series for good — it has the highest score,
// so it outlives every right observation MaxPoints pushes out, and it is
// among the MaxPoints newest that Observations reads. Append does not
// record one, and deletes those a writer whose clock ran ahead left (an
// older version recorded them); Observations does not read them.
const maxAhead = time.Minute

// Key returns the Redis key of key's series.
func (h *History) Key(key string) string { return h.ns + key }

// appendScript adds ARGV[2] at score ARGV[1] to the series KEYS[1] —
// unless ARGV[5] is set and the series holds a score in [ARGV[5],
// ARGV[6]) — then drops all but the ARGV[3] highest scores, and sets the
// series to expire in ARGV[4] ms, the retention (when not 0). A key of
// another type than a sorted set is deleted first, and so are the scores
// more than ARGV[7] ms ahead of Redis's clock (TIME) and, with a
// retention, those older than it by Redis's clock; a score ARGV[1] that
// far ahead, or that old, is not added. It returns {1 when it added the
// member, 0 when the period held one, 2 when it was too far ahead, 3 when
// it was older than the retention; 1 when it deleted a key of another
// type, else 0}. The retention is counted on Redis's clock, not the
// caller's: an instance whose clock runs ahead by more than the
// retention would cut every instance's observations.
var appendScript = redis.NewScript(`
if redis.replicate_commands then
	redis.replicate_commands() -- TIME before a write (Redis < 5)
end
local t = redis.call("TYPE", KEYS[1]).ok
local foreign = 0
if t ~= "none" and t ~= "zset" then
	redis.call("UNLINK", KEYS[1])
	foreign = 1
end
local now = redis.call("TIME")
now = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local latest = now + tonumber(ARGV[7])
redis.call("ZREMRANGEBYSCORE", KEYS[1], string.format("(%d", latest), "+inf")
if tonumber(ARGV[1]) > latest then
	return {2, foreign}
end
local retention = tonumber(ARGV[4])
if retention > 0 then
	local oldest = now - retention
	redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", string.format("(%d", oldest))
	if tonumber(ARGV[1]) < oldest then
		return {3, foreign}
	end
end
if ARGV[5] ~= "" and redis.call("ZCOUNT", KEYS[1], ARGV[5], "(" .. ARGV[6]) > 0 then
	return {0, foreign}
end
redis.call("ZADD", KEYS[1], ARGV[1], ARGV[2])
redis.call("ZREMRANGEBYRANK", KEYS[1], 0, -(tonumber(ARGV[3]) + 1))
if ARGV[4] ~= "0" then
	redis.call("PEXPIRE", KEYS[1], ARGV[4])
end
return {1, foreign}
`)

// Append records obs for key. A NaN or infinite value, or a zero time or
// one outside the years 1 to 9999, is refused with an error matching
// stats.ErrInvalidObservation; an observation older than the retention
// by Redis's clock, or dated more than a minute ahead of it, is not
// recorded (and nil is returned; see maxAhead).
func (h *History) Append(ctx context.Context, key string, obs stats.Observation) error {
	_, err := h.add(ctx, key, obs, time.Time{}, time.Time{})
	return err
}

// AppendOnce records obs for key unless key already holds an observation
// at or after from and before to (to the millisecond), and reports
// whether it recorded it: the check and the append are one step on
// Redis, so among instances appending to the same period at once exactly
// one records. It refuses what Append refuses.
func (h *History) AppendOnce(ctx context.Context, key string, obs stats.Observation, from, to time.Time) (bool, error) {
	if !from.Before(to) {
		return false, fmt.Errorf("redisstore: append %q: empty period [%v, %v)", key, from, to)
	}
	return h.add(ctx, key, obs, from, to)
}

func (h *History) add(ctx context.Context, key string, obs stats.Observation, from, to time.Time) (bool, error) {
	if err := checkObservation(obs); err != nil {
		return false, fmt.Errorf("redisstore: append %q: %w", key, err)
	}
	var lo, hi string
	if !to.IsZero() {
		lo, hi = strconv.FormatInt(from.UnixMilli(), 10), strconv.FormatInt(to.UnixMilli(), 10)
	}
	args := []any{
		obs.At.UnixMilli(), appendObservation(make([]byte, 0, obsSize), obs), h.maxPoints,
		h.retention.Milliseconds(), lo, hi, maxAhead.Milliseconds(),
	}
	r, err := call(ctx, &h.g, func(ctx context.Context) ([]int64, error) {
		return appendScript.Run(ctx, h.client, []string{h.ns + key}, args...).Int64Slice()
	})
	if err != nil {
		return false, fmt.Errorf("redisstore: append %q: %w", key, err)
	}
	if len(r) != 2 {
		return false, fmt.Errorf("redisstore: append %q: unexpected reply %v", key, r)
	}
	added, foreign := r[0], r[1]
	h.foreign.Add(uint64(foreign))
	switch added {
	case 2:
		h.ahead.Add(1)
		return false, nil
	case 3:
		h.expired.Add(1)
		return false, nil
	}
	if added == 0 {
		h.duplicates.Add(1)
		return false, nil
	}
	h.appends.Add(1)
	return true, nil
}

// Observations returns key's observations, oldest first, without those
// older than the retention by Redis's clock, or nil when there are none.
// It reads at most the MaxPoints newest members, however many the sorted
// set holds (a series written by another program, or by an instance with
// a larger MaxPoints, is cut, not read whole past the Timeout). A member
// that does not decode is skipped (and counted in HistoryStats.Corrupt), and so is
// one dated more than a minute ahead of Redis's clock (see maxAhead). A
// member of another length than a record's is not transferred at all:
// another program's member of megabytes would outlast the Timeout on
// every read of its key and pass for Redis not answering, stopping the
// History for every key (the cooldown), read after read.
func (h *History) Observations(ctx context.Context, key string) ([]stats.Observation, error) {
	reply, err := call(ctx, &h.g, func(ctx context.Context) (any, error) {
		return observationsScript.Run(ctx, h.client, []string{h.ns + key}, h.retention.Milliseconds(), h.maxPoints, maxAhead.Milliseconds(), obsSize).Result()
	})
	if err != nil {
		return nil, fmt.Errorf("redisstore: observations %q: %w", key, err)
	}
	members, ok := reply.([]any)
	if !ok {
		// observationsScript found a key of another type and deleted it.
		h.foreign.Add(1)
		return nil, nil
	}
	if len(members) == 0 {
		return nil, nil
	}
	out := make([]stats.Observation, 0, len(members))
	for _, m := range members {
		s, _ := m.(string)
		o, ok := decodeObservation([]byte(s))
		if !ok {
			h.corrupt.Add(1)
			continue
		}
		out = append(out, o)
	}
	// Newest first from Redis; scores are milliseconds: order within one
	// by the exact time.
	slices.Reverse(out)
	slices.SortStableFunc(out, func(a, b stats.Observation) int { return a.At.Compare(b.At) })
	return out, nil
}

// observationsScript returns the ARGV[2] highest-scored members of the
// series KEYS[1] scored at most ARGV[3] ms ahead of Redis's clock (TIME)
// and, when ARGV[1] (the retention, in ms) is not 0, at most that much
// behind it, highest first, each member of another length than ARGV[4]
// (a record's, obsSize) replaced by "", which does not decode: it is not
// sent. A key of another type than a sorted set is deleted, and the
// script returns 1 instead.
var observationsScript = redis.NewScript(`
local t = redis.call("TYPE", KEYS[1]).ok
if t == "zset" then
	local now = redis.call("TIME")
	now = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
	local lowest = "-inf"
	if tonumber(ARGV[1]) > 0 then
		lowest = string.format("%d", now - tonumber(ARGV[1]))
	end
	local members = redis.call("ZREVRANGEBYSCORE", KEYS[1], string.format("%d", now + tonumber(ARGV[3])), lowest, "LIMIT", 0, ARGV[2])
	local size = tonumber(ARGV[4])
	for i, m in ipairs(members) do
		if #m ~= size then
			members[i] = ""
		end
	end
	return members
end
if t == "none" then
	return {}
end
redis.call("UNLINK", KEYS[1])
return 1
`)

// Delete removes key's series and reports whether it was there.
func (h *History) Delete(ctx context.Context, key string) (bool, error) {
	n, err := call(ctx, &h.g, func(ctx context.Context) (int64, error) {
		return h.client.Del(ctx, h.ns+key).Result()
	})
	if err != nil {
		return false, fmt.Errorf("redisstore: delete history %q: %w", key, err)
	}
	return n > 0, nil
}

// Prune deletes every observation older than before (to the millisecond)
// from every series of the namespace, walking it with SCAN as
// DeleteMatching does; a series left empty is gone (Redis deletes an
// empty sorted set). A key of the namespace that is not a sorted set
// cannot be a series (another program wrote it): Prune deletes it, counts
// it in HistoryStats.Foreign, and walks on. It returns how many
// observations it deleted; on an error, the count so far and the error.
//
// before is read by the caller's clock, which Prune first compares with
// Redis's (TIME): when it runs ahead, before is moved back by as much, so
// that an instance whose clock runs ahead by more than the retention
// does not delete every instance's newest observations.
func (h *History) Prune(ctx context.Context, before time.Time) (int, error) {
	local := h.now() // before Redis's reading: the lead is not overestimated
	redisNow, err := call(ctx, &h.g, func(ctx context.Context) (time.Time, error) {
		return h.client.Time(ctx).Result()
	})
	if err != nil {
		return 0, fmt.Errorf("redisstore: prune history: %w", err)
	}
	if lead := local.Sub(redisNow); lead > 0 {
		before = before.Add(-lead)
	}
	below := "(" + strconv.FormatInt(before.UnixMilli(), 10)
	n, err := scanNodes(ctx, h.client, &h.g, h.ns+"*", func(ctx context.Context, c redis.Cmdable, keys []string) (int, error) {
		if len(keys) == 0 {
			return 0, nil
		}
		type pruned struct {
			n       int
			foreign []string // keys that answered WRONGTYPE
		}
		p, err := call(ctx, &h.g, func(ctx context.Context) (pruned, error) {
			cmds, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
				for _, k := range keys {
					p.ZRemRangeByScore(ctx, k, "-inf", below)
				}
				return nil
			})
			var p pruned
			for i, cmd := range cmds {
				d, cerr := cmd.(*redis.IntCmd).Result()
				switch {
				case cerr == nil:
					p.n += int(d)
				case redis.HasErrorPrefix(cerr, "WRONGTYPE"):
					p.foreign = append(p.foreign, keys[i])
				case err == nil || isWrongType(err):
					err = cerr
				}
			}
			if isWrongType(err) {
				err = nil // each is in p.foreign
			}
			return p, err
		})
		if err != nil || len(p.foreign) == 0 {
			return p.n, err
		}
		_, err = h.deleteForeign(ctx, c, p.foreign)
		return p.n, err
	})
	if err != nil {
		return n, fmt.Errorf("redisstore: prune history: %w", err)
	}
	return n, nil
}

// isWrongType reports whether err is Redis's WRONGTYPE reply.
func isWrongType(err error) bool { return err != nil && redis.HasErrorPrefix(err, "WRONGTYPE") }

// deleteForeign deletes each of keys on c that is neither a sorted set
// nor gone, counts them in HistoryStats.Foreign and returns how many it
// deleted. The type check and the delete are one step on Redis, so a
// series another instance has just created in place of the foreign key
// stays.
func (h *History) deleteForeign(ctx context.Context, c redis.Cmdable, keys []string) (int, error) {
	n, err := call(ctx, &h.g, func(ctx context.Context) (int, error) {
		// Load, then one pipeline: EVALSHA cannot fall back to EVAL
		// inside a pipeline, and one script over all the keys would fail
		// on a cluster when they are in different slots.
		if err := deleteUnlessZset.Load(ctx, c).Err(); err != nil {
			return 0, err
		}
		cmds, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range keys {
				deleteUnlessZset.EvalSha(ctx, p, []string{k})
			}
			return nil
		})
		n := 0
		for _, cmd := range cmds {
			if d, cerr := cmd.(*redis.Cmd).Int(); cerr == nil {
				n += d
			}
		}
		return n, err
	})
	h.foreign.Add(uint64(n))
	return n, err
}

// deleteUnlessZset deletes KEYS[1] if it exists and is not a sorted set,
// and returns 1 if it did.
var deleteUnlessZset = redis.NewScript(`
local t = redis.call("TYPE", KEYS[1]).ok
if t == "none" or t == "zset" then
	return 0
end
return redis.call("UNLINK", KEYS[1])
`)

// Keys returns the keys that have a series, in no particular order.
func (h *History) Keys(ctx context.Context) ([]string, error) {
	var mu sync.Mutex
	var keys []string
	_, err := scanNodes(ctx, h.client, &h.g, h.ns+"*", func(_ context.Context, _ redis.Cmdable, page []string) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		for _, k := range page {
			if key, ok := strings.CutPrefix(k, h.ns); ok {
				keys = append(keys, key)
			}
		}
		return 0, nil
	})
	if err != nil {
		return keys, fmt.Errorf("redisstore: history keys: %w", err)
	}
	return keys, nil
}

// HistoryStats counts what a History did since NewHistory.
type HistoryStats struct {
	// Appends counts observations recorded; Duplicates those AppendOnce
	// did not record because their period had one; Expired those older
	// than the retention, not recorded.
	Appends, Duplicates, Expired uint64
	// Ahead counts observations dated more than a minute ahead of Redis's
	// clock (their writer's clock runs ahead), not recorded.
	Ahead uint64
	// Corrupt counts members Observations skipped because they did not
	// decode.
	Corrupt uint64
	// Foreign counts keys of the namespace found holding another Redis
	// type than a sorted set (another program's), and deleted.
	Foreign uint64
	// Failures counts calls that could not reach Redis in time; each
	// starts a cooldown.
	Failures uint64
}

// Stats returns the counts so far.
func (h *History) Stats() HistoryStats {
	return HistoryStats{
		Appends:    h.appends.Load(),
		Duplicates: h.duplicates.Load(),
		Expired:    h.expired.Load(),
		Ahead:      h.ahead.Load(),
		Corrupt:    h.corrupt.Load(),
		Foreign:    h.foreign.Load(),
		Failures:   h.g.failures.Load(),
	}
}

// Close makes every later call fail with ErrClosed and waits for the
// calls in flight. It does not close the client. Close is idempotent.
func (h *History) Close() error {
	h.g.close()
	return nil
}

// An observation, format 1, little-endian:
//
//	offset size
//	0      1    format (1)
//	1      8    At, Unix seconds (int64)
//	9      4    At, nanoseconds within the second (uint32)
//	13     8    Value (IEEE 754 bits)
//	21     4    CRC-32C (Castagnoli) of everything before it
const obsSize = 25

// checkObservation reports why obs must not be recorded, or nil.
func checkObservation(o stats.Observation) error {
	if math.IsNaN(o.Value) || math.IsInf(o.Value, 0) {
		return fmt.Errorf("%w: value %v is not finite", stats.ErrInvalidObservation, o.Value)
	}
	if o.At.IsZero() || o.At.Year() < 1 || o.At.Year() > 9999 {
		return fmt.Errorf("%w: time %v outside the years 1 to 9999", stats.ErrInvalidObservation, o.At)
	}
	return nil
}

func appendObservation(b []byte, o stats.Observation) []byte {
	start := len(b)
	b = append(b, format1)
	b = appendTime(b, o.At)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(o.Value))
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

// decodeObservation decodes b, refusing anything appendObservation could
// not have produced from an observation checkObservation accepts.
func decodeObservation(b []byte) (stats.Observation, bool) {
	if len(b) != obsSize || b[0] != format1 {
		return stats.Observation{}, false
	}
	if crc32.Checksum(b[:obsSize-4], castagnoli) != binary.LittleEndian.Uint32(b[obsSize-4:]) {
		return stats.Observation{}, false
	}
	at, ok := decodeTime(b[1:])
	if !ok {
		return stats.Observation{}, false
	}
	o := stats.Observation{At: at, Value: math.Float64frombits(binary.LittleEndian.Uint64(b[13:]))}
	if checkObservation(o) != nil {
		return stats.Observation{}, false
	}
	return o, true
}
