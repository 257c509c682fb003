package redisstore

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/stats"
)

// The History is what the resolver calls a OnceAppender.
var _ fallback.OnceAppender = (*History)(nil)

// newHistory returns a History on the shared test server in a namespace
// of its own (prefix, when given, else a new one), and the raw client.
func newHistory(t *testing.T, cfg HistoryConfig) (*History, *redis.Client) {
	t.Helper()
	c := newClient(t, redisAddr(t))
	if cfg.Prefix == "" {
		cfg.Prefix = testPrefix(t, c)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = testTimeout // as newStore: a loaded machine is not Redis failing
	}
	h, err := NewHistory(c, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	return h, c
}

// day is a fixed day to write observations at, in the past.
var day = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

func TestHistoryRoundTrip(t *testing.T) {
	h, _ := newHistory(t, HistoryConfig{})
	ctx := context.Background()
	// Out of order, two within one millisecond, a negative value and the
	// largest finite one: they come back sorted and exact.
	in := []stats.Observation{
		{At: day.Add(2 * time.Hour), Value: 3},
		{At: day.Add(time.Hour + 700*time.Microsecond), Value: -2.5},
		{At: day.Add(time.Hour + 300*time.Microsecond), Value: math.MaxFloat64},
		{At: day.In(time.FixedZone("X", 3600)), Value: 1.25},
	}
	for _, o := range in {
		require.NoError(t, h.Append(ctx, "cpc?keyword=shoes", o))
	}
	got, err := h.Observations(ctx, "cpc?keyword=shoes")
	require.NoError(t, err)
	want := []stats.Observation{in[3], in[2], in[1], in[0]}
	require.Len(t, got, len(want))
	for i := range want {
		assert.True(t, want[i].At.Equal(got[i].At), "observation %d at %v, want %v", i, got[i].At, want[i].At)
		assert.Equal(t, want[i].Value, got[i].Value, "observation %d", i)
	}
	none, err := h.Observations(ctx, "cpc?keyword=boots")
	require.NoError(t, err)
	assert.Nil(t, none, "a key without a series")
	assert.Equal(t, HistoryStats{Appends: 4}, h.Stats())
}

func TestHistoryRefusesInvalidObservations(t *testing.T) {
	h, c := newHistory(t, HistoryConfig{})
	ctx := context.Background()
	for _, o := range []stats.Observation{
		{At: day, Value: math.NaN()},
		{At: day, Value: math.Inf(-1)},
		{Value: 1},
		{At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), Value: 1},
	} {
		err := h.Append(ctx, "k", o)
		assert.ErrorIs(t, err, stats.ErrInvalidObservation, "%+v", o)
	}
	n, err := c.Exists(ctx, h.Key("k")).Result()
	require.NoError(t, err)
	assert.Zero(t, n, "nothing was written")
}

func TestHistoryBoundedPerKey(t *testing.T) {
	h, c := newHistory(t, HistoryConfig{MaxPoints: 4})
	ctx := context.Background()
	for i := range 10 {
		require.NoError(t, h.Append(ctx, "k", stats.Observation{At: day.Add(time.Duration(i) * time.Hour), Value: float64(i)}))
	}
	got, err := h.Observations(ctx, "k")
	require.NoError(t, err)
	var vals []float64
	for _, o := range got {
		vals = append(vals, o.Value)
	}
	assert.Equal(t, []float64{6, 7, 8, 9}, vals, "the newest MaxPoints are kept")
	n, err := c.ZCard(ctx, h.Key("k")).Result()
	require.NoError(t, err)
	assert.EqualValues(t, 4, n, "and only those are stored")
	// An observation older than all of them is dropped at once.
	require.NoError(t, h.Append(ctx, "k", stats.Observation{At: day.Add(-time.Hour), Value: -1}))
	got, err = h.Observations(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, 6.0, got[0].Value)
}

// A sorted set far longer than MaxPoints (another program's, or written
// by an instance with a larger MaxPoints) is read only as far as its
// MaxPoints newest members: a read of the whole set would outlast the
// Timeout and start the History's cooldown.
func TestHistoryReadsAtMostMaxPoints(t *testing.T) {
	h, c := newHistory(t, HistoryConfig{MaxPoints: 10})
	ctx := context.Background()
	var zs []redis.Z
	for i := range 1000 {
		o := stats.Observation{At: day.Add(time.Duration(i) * time.Minute), Value: float64(i)}
		zs = append(zs, redis.Z{Score: float64(o.At.UnixMilli()), Member: appendObservation(nil, o)})
	}
	require.NoError(t, c.ZAdd(ctx, h.Key("k"), zs...).Err())
	got, err := h.Observations(ctx, "k")
	require.NoError(t, err)
	var vals []float64
	for _, o := range got {
		vals = append(vals, o.Value)
	}
	assert.Equal(t, []float64{990, 991, 992, 993, 994, 995, 996, 997, 998, 999}, vals, "the MaxPoints newest, oldest first")
}

// A key of another type among the series (another program's hash) does
// not stop Prune's walk: it is deleted and counted, and every series
// after it is pruned.
func TestHistoryPrunePastAForeignKey(t *testing.T) {
	h, c := newHistory(t, HistoryConfig{Timeout: testTimeout})
	ctx := context.Background()
	const keys = 1200 // several SCAN pages
	for i := range keys {
		for d := range 2 {
			require.NoError(t, h.Append(ctx, fmt.Sprintf("cpc?keyword=kw%d", i), stats.Observation{At: day.Add(time.Duration(d) * 24 * time.Hour), Value: 1}))
		}
	}
	require.NoError(t, c.HSet(ctx, h.Key("cpc?keyword=a-hash"), "f", "v").Err())
	require.NoError(t, c.RPush(ctx, h.Key("cpc?keyword=a-list"), "x").Err())
	pruned, err := h.Prune(ctx, day.Add(12*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, keys, pruned, "the older day of every series")
	assert.EqualValues(t, 0, c.Exists(ctx, h.Key("cpc?keyword=a-hash"), h.Key("cpc?keyword=a-list")).Val(), "the foreign keys are deleted")
	assert.EqualValues(t, 2, h.Stats().Foreign)
	assert.EqualValues(t, 0, h.Stats().Failures)
}

// A key of another Redis type where a series belongs (another program's
// hash) is deleted by the first call that meets it, which then goes on as
// on a missing series; it does not make every call on the key fail.
func TestHistoryForeignTypeIsDeleted(t *testing.T) {
	h, c := newHistory(t, HistoryConfig{})
	ctx := context.Background()
	obs := stats.Observation{At: time.Now(), Value: 1}
	for _, tt := range []struct {
		name string
		do   func(key string) error
		want int // observations afterwards
	}{
		{"Append", func(key string) error { return h.Append(ctx, key, obs) }, 1},
		{"AppendOnce", func(key string) error {
			ok, err := h.AppendOnce(ctx, key, obs, obs.At.Add(-time.Hour), obs.At.Add(time.Hour))
			if err == nil && !ok {
				err = fmt.Errorf("not recorded")
			}
			return err
		}, 1},
		{"Observations", func(key string) error {
			got, err := h.Observations(ctx, key)
			if err == nil && got != nil {
				err = fmt.Errorf("got %v, want none", got)
			}
			return err
		}, 0},
	} {
		key := "cpc?keyword=" + tt.name
		require.NoError(t, c.HSet(ctx, h.Key(key), "f", "v").Err())
		require.NoError(t, tt.do(key), tt.name)
		typ := c.Type(ctx, h.Key(key)).Val()
		assert.Contains(t, []string{"zset", "none"}, typ, "%s left a %s", tt.name, typ)
		got, err := h.Observations(ctx, key)
		require.NoError(t, err)
		assert.Len(t, got, tt.want, tt.name)
	}
	st := h.Stats()
	assert.EqualValues(t, 3, st.Foreign)
	assert.EqualValues(t, 0, st.Failures)
}

func TestHistoryConfig(t *testing.T) {
	c := newClient(t, "127.0.0.1:1")
	for _, cfg := range []HistoryConfig{{MaxPoints: -1}, {MaxPoints: MaxPointsLimit + 1}, {Retention: -time.Second}, {Timeout: -1}, {Prefix: "a b"}} {
		_, err := NewHistory(c, cfg)
		assert.Error(t, err, "%+v", cfg)
	}
	_, err := NewHistory(nil, HistoryConfig{})
	assert.Error(t, err)
}

func TestHistoryRetention(t *testing.T) {
	const retention = time.Hour
	h, c := newHistory(t, HistoryConfig{Retention: retention})
	// A History without retention in the same namespace writes what the
	// retention forbids, as another instance's older config might.
	old, err := NewHistory(c, HistoryConfig{Prefix: prefixOf(h), Timeout: testTimeout})
	require.NoError(t, err)
	defer old.Close()
	ctx := context.Background()
	now := time.Now()

	require.NoError(t, h.Append(ctx, "k", stats.Observation{At: now.Add(-2 * retention), Value: 1}))
	assert.Equal(t, uint64(1), h.Stats().Expired, "an observation older than the retention is not recorded")
	require.NoError(t, old.Append(ctx, "k", stats.Observation{At: now.Add(-2 * retention), Value: 2}))
	require.NoError(t, h.Append(ctx, "k", stats.Observation{At: now.Add(-time.Minute), Value: 3}))

	got, err := h.Observations(ctx, "k")
	require.NoError(t, err)
	require.Len(t, got, 1, "an observation older than the retention is not returned")
	assert.Equal(t, 3.0, got[0].Value)
	n, err := c.ZCard(ctx, h.Key("k")).Result()
	require.NoError(t, err)
	assert.EqualValues(t, 1, n, "and an append deletes it")
	ttl, err := c.PTTL(ctx, h.Key("k")).Result()
	require.NoError(t, err)
	assert.InDelta(t, retention.Seconds(), ttl.Seconds(), 5, "the series expires a retention after its last append")
}

// prefixOf returns the Prefix h was made with.
func prefixOf(h *History) string {
	ns := h.ns[:len(h.ns)-len(":v1:#h:")]
	return ns
}

func TestHistoryAppendOnceAcrossInstances(t *testing.T) {
	h, c := newHistory(t, HistoryConfig{})
	ctx := context.Background()
	// Eight instances, each with its own client, append for the same
	// period at once: one is recorded.
	const instances = 8
	var fleet []*History
	for range instances {
		f, err := NewHistory(newClient(t, redisAddr(t)), HistoryConfig{Prefix: prefixOf(h), Timeout: testTimeout})
		require.NoError(t, err)
		t.Cleanup(func() { f.Close() })
		fleet = append(fleet, f)
	}
	from, to := day, day.Add(24*time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	recorded := 0
	for i, f := range fleet {
		wg.Go(func() {
			ok, err := f.AppendOnce(ctx, "k", stats.Observation{At: day.Add(time.Duration(i+1) * time.Minute), Value: float64(i)}, from, to)
			assert.NoError(t, err)
			if ok {
				mu.Lock()
				recorded++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 1, recorded, "one observation per key and period for the fleet")
	n, err := c.ZCard(ctx, h.Key("k")).Result()
	require.NoError(t, err)
	assert.EqualValues(t, 1, n)

	// The next period takes one too; the period's bounds are [from, to).
	ok, err := h.AppendOnce(ctx, "k", stats.Observation{At: to, Value: 9}, to, to.Add(24*time.Hour))
	require.NoError(t, err)
	assert.True(t, ok, "the first observation of the next period")
	ok, err = h.AppendOnce(ctx, "k", stats.Observation{At: to.Add(-time.Millisecond), Value: 9}, from, to)
	require.NoError(t, err)
	assert.False(t, ok, "the last millisecond of the first period")
	var dups uint64
	for _, f := range append(fleet, h) {
		dups += f.Stats().Duplicates
	}
	assert.EqualValues(t, instances, dups, "seven refused in the race, one after")
	_, err = h.AppendOnce(ctx, "k", stats.Observation{At: to, Value: 1}, to, to)
	assert.Error(t, err, "an empty period")
}

func TestHistoryPruneKeysDelete(t *testing.T) {
	h, c := newHistory(t, HistoryConfig{})
	ctx := context.Background()
	// Enough keys for SCAN to take several pages.
	const keys = 1200
	for i := range keys {
		for d := range 3 {
			require.NoError(t, h.Append(ctx, fmt.Sprintf("cpc?keyword=kw%d", i), stats.Observation{At: day.Add(time.Duration(d) * 24 * time.Hour), Value: float64(d)}))
		}
	}
	// A Store entry in the same namespace is not the history's, and the
	// history's series are not the Store's.
	s, err := New(c, Config{Prefix: prefixOf(h), Timeout: testTimeout})
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.Set(ctx, "cpc?keyword=kw0", cache.Entry{Value: 1, Confidence: 1, Source: "ads"}, time.Minute))

	got, err := h.Keys(ctx)
	require.NoError(t, err)
	assert.Len(t, got, keys, "every key with a series, and no Store key")
	sort.Strings(got)
	assert.Equal(t, "cpc?keyword=kw0", got[0], "keys as given, without the namespace")

	var seen int
	n, err := s.DeleteMatching(ctx, func(string) bool { seen++; return true })
	require.NoError(t, err)
	assert.Equal(t, 1, n, "DeleteMatching deletes its own entry only")
	assert.Equal(t, 1, seen, "and never sees a series")

	pruned, err := h.Prune(ctx, day.Add(36*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 2*keys, pruned, "the two older days of every key")
	obs, err := h.Observations(ctx, "cpc?keyword=kw7")
	require.NoError(t, err)
	require.Len(t, obs, 1)
	assert.Equal(t, 2.0, obs[0].Value)
	pruned, err = h.Prune(ctx, day.Add(100*24*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, keys, pruned)
	got, err = h.Keys(ctx)
	require.NoError(t, err)
	assert.Empty(t, got, "an emptied series is gone")

	require.NoError(t, h.Append(ctx, "k", stats.Observation{At: day, Value: 1}))
	removed, err := h.Delete(ctx, "k")
	require.NoError(t, err)
	assert.True(t, removed)
	removed, err = h.Delete(ctx, "k")
	require.NoError(t, err)
	assert.False(t, removed)
}

func TestHistorySkipsCorruptMembers(t *testing.T) {
	h, c := newHistory(t, HistoryConfig{})
	ctx := context.Background()
	require.NoError(t, h.Append(ctx, "k", stats.Observation{At: day, Value: 1}))
	good := appendObservation(nil, stats.Observation{At: day.Add(time.Hour), Value: 2})
	flipped := append([]byte(nil), good...)
	flipped[14] ^= 1
	// A NaN with a good checksum: not what Append writes.
	nan := appendSum(appendTime([]byte{format1}, day.Add(2*time.Hour)))[:13]
	nan = binary.LittleEndian.AppendUint64(nan, math.Float64bits(math.NaN()))
	nan = appendSum(nan)
	for i, m := range []string{"garbage", string(flipped), string(good[:obsSize-1]), string(nan)} {
		require.NoError(t, c.ZAdd(ctx, h.Key("k"), redis.Z{Score: float64(day.Add(time.Duration(i+1) * time.Minute).UnixMilli()), Member: m}).Err())
	}
	got, err := h.Observations(ctx, "k")
	require.NoError(t, err)
	require.Len(t, got, 1, "only the good member")
	assert.Equal(t, 1.0, got[0].Value)
	assert.EqualValues(t, 4, h.Stats().Corrupt)
}

// Redis down: every call fails within the timeout, then at once during
// the cooldown; nothing is recorded, nothing blocks.
func TestHistoryRedisDown(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: deadAddr(t), MaxRetries: -1})
	defer c.Close()
	h, err := NewHistory(c, HistoryConfig{Timeout: 100 * time.Millisecond, Cooldown: time.Minute})
	require.NoError(t, err)
	defer h.Close()
	ctx := context.Background()
	err = h.Append(ctx, "k", stats.Observation{At: day, Value: 1})
	require.Error(t, err)
	_, err = h.Observations(ctx, "k")
	assert.ErrorIs(t, err, ErrUnavailable, "in the cooldown")
	_, err = h.AppendOnce(ctx, "k", stats.Observation{At: day, Value: 1}, day, day.Add(time.Hour))
	assert.ErrorIs(t, err, ErrUnavailable)
	_, err = h.Keys(ctx)
	assert.ErrorIs(t, err, ErrUnavailable)
	assert.EqualValues(t, 1, h.Stats().Failures)
	require.NoError(t, h.Close())
	assert.ErrorIs(t, h.Append(ctx, "k", stats.Observation{At: day, Value: 1}), ErrClosed)
}

// An instance whose clock runs a year ahead: its observations are not
// recorded, and those it left before (kept by an older version) are
// neither read nor kept. Recorded, they had the highest scores, so they
// took the MaxPoints newest for good — every right observation appended
// after them was the lowest and dropped at once (AppendOnce reporting it
// recorded), and every read returned only them, which the resolver
// refuses as dated in the future: the fleet's series was dead.
func TestHistoryRefusesObservationsAheadOfRedis(t *testing.T) {
	h, c := newHistory(t, HistoryConfig{MaxPoints: 4})
	ctx := context.Background()
	now := time.Now()
	ahead := now.Add(365 * 24 * time.Hour)
	require.NoError(t, h.Append(ctx, "k", stats.Observation{At: ahead, Value: 9}))
	ok, err := h.AppendOnce(ctx, "k", stats.Observation{At: ahead.Add(time.Hour), Value: 9}, ahead.Add(time.Hour), ahead.Add(2*time.Hour))
	require.NoError(t, err)
	assert.False(t, ok, "an observation a year ahead is not recorded")
	assert.Zero(t, c.ZCard(ctx, h.Key("k")).Val())
	// What a clock ahead left before: MaxPoints members a year ahead.
	for i := range 4 {
		o := stats.Observation{At: ahead.Add(time.Duration(i) * time.Hour), Value: 9}
		require.NoError(t, c.ZAdd(ctx, h.Key("k"), redis.Z{Score: float64(o.At.UnixMilli()), Member: string(appendObservation(nil, o))}).Err())
	}
	got, err := h.Observations(ctx, "k")
	require.NoError(t, err)
	assert.Empty(t, got, "members dated ahead are not read")
	for i := range 3 {
		at := now.Add(-time.Duration(i) * time.Hour)
		ok, err := h.AppendOnce(ctx, "k", stats.Observation{At: at, Value: 2}, at.Add(-time.Minute), at.Add(time.Minute))
		require.NoError(t, err)
		assert.True(t, ok)
	}
	got, err = h.Observations(ctx, "k")
	require.NoError(t, err)
	require.Len(t, got, 3, "the right observations are kept")
	for _, o := range got {
		assert.Equal(t, 2.0, o.Value)
	}
	assert.EqualValues(t, 3, c.ZCard(ctx, h.Key("k")).Val(), "the members dated ahead are gone")
	assert.EqualValues(t, 2, h.Stats().Ahead)
}

// An instance whose clock runs ahead of Redis's by more than the
// retention pruned the shared history by its clock: its cut was after
// every instance's newest observation, and Prune deleted them all. Prune
// moves the cut back by as much as the caller's clock runs ahead of
// Redis's.
func TestHistoryPruneByAClockAhead(t *testing.T) {
	h, _ := newHistory(t, HistoryConfig{})
	ctx := context.Background()
	now := time.Now()
	require.NoError(t, h.Append(ctx, "k", stats.Observation{At: now.Add(-10 * time.Minute), Value: 1}))
	require.NoError(t, h.Append(ctx, "k", stats.Observation{At: now.Add(-3 * time.Hour), Value: 2}))
	h.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	pruned, err := h.Prune(ctx, h.now().Add(-time.Hour)) // a retention of an hour
	require.NoError(t, err)
	assert.Equal(t, 1, pruned, "the observation older than the retention, by Redis's clock")
	obs, err := h.Observations(ctx, "k")
	require.NoError(t, err)
	require.Len(t, obs, 1, "the others' good observation is kept")
	assert.Equal(t, 1.0, obs[0].Value)
}

// An instance whose clock runs ahead of Redis's by more than the
// retention (but by less than the minute an observation may be dated
// ahead): its append cut the series at its clock's retention and deleted
// every instance's observations, and its reads found none. The retention
// is counted on Redis's clock.
func TestHistoryRetentionByAClockAhead(t *testing.T) {
	const retention = 30 * time.Second
	h, c := newHistory(t, HistoryConfig{Retention: retention})
	ahead, err := NewHistory(c, HistoryConfig{Prefix: prefixOf(h), Retention: retention, Timeout: testTimeout})
	require.NoError(t, err)
	defer ahead.Close()
	ahead.now = func() time.Time { return time.Now().Add(45 * time.Second) }
	ctx := context.Background()
	require.NoError(t, h.Append(ctx, "k", stats.Observation{At: time.Now().Add(-10 * time.Second), Value: 1}))
	require.NoError(t, ahead.Append(ctx, "k", stats.Observation{At: ahead.now(), Value: 2}))
	for _, hh := range []*History{h, ahead} {
		got, err := hh.Observations(ctx, "k")
		require.NoError(t, err)
		require.Len(t, got, 2, "the good observation is kept, and read by either")
		assert.Equal(t, 1.0, got[0].Value)
	}
	// And an observation older than the retention by Redis's clock is
	// not recorded, whatever the appending instance's clock says.
	behind, err := NewHistory(c, HistoryConfig{Prefix: prefixOf(h), Retention: retention, Timeout: testTimeout})
	require.NoError(t, err)
	defer behind.Close()
	behind.now = func() time.Time { return time.Now().Add(-time.Hour) }
	require.NoError(t, behind.Append(ctx, "k", stats.Observation{At: behind.now(), Value: 3}))
	assert.EqualValues(t, 1, behind.Stats().Expired)
	got, err := h.Observations(ctx, "k")
	require.NoError(t, err)
	assert.Len(t, got, 2)
}

// largestReply is a client hook that records the longest string any reply
// carried.
type largestReply struct{ n atomic.Int64 }

func (l *largestReply) DialHook(next redis.DialHook) redis.DialHook { return next }
func (l *largestReply) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (l *largestReply) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if c, ok := cmd.(*redis.Cmd); ok {
			var walk func(v any)
			walk = func(v any) {
				switch v := v.(type) {
				case string:
					if n := int64(len(v)); n > l.n.Load() {
						l.n.Store(n)
					}
				case []any:
					for _, e := range v {
						walk(e)
					}
				}
			}
			walk(c.Val())
		}
		return err
	}
}

// Another program's member of megabytes in a series is not transferred:
// read, it outlasted the Timeout on every read of its key, and each read
// put the History into its cooldown for every key, for good (the member
// stays). The good observations are read, the member counted corrupt.
func TestHistoryDoesNotTransferAMemberOfAnotherLength(t *testing.T) {
	c := newClient(t, redisAddr(t))
	hook := &largestReply{}
	c.AddHook(hook)
	h, err := NewHistory(c, HistoryConfig{Prefix: testPrefix(t, c), Timeout: testTimeout})
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	ctx := context.Background()
	require.NoError(t, h.Append(ctx, "k", stats.Observation{At: day, Value: 1}))
	big := strings.Repeat("z", 8<<20)
	require.NoError(t, c.ZAdd(ctx, h.Key("k"), redis.Z{Score: float64(day.Add(time.Hour).UnixMilli()), Member: big}).Err())
	hook.n.Store(0)
	got, err := h.Observations(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, []stats.Observation{{At: day, Value: 1}}, got)
	assert.LessOrEqual(t, hook.n.Load(), int64(obsSize), "the longest string Redis sent")
	assert.Equal(t, HistoryStats{Appends: 1, Corrupt: 1}, h.Stats())
}
