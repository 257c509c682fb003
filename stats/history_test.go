package stats

import (
	"context"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestMemoryHistoryBoundsAndOrder(t *testing.T) {
	h, err := NewMemoryHistory(MemoryConfig{MaxKeys: 2, MaxPoints: 3})
	require.NoError(t, err)
	ctx := context.Background()
	for i, v := range []float64{1, 2, 3, 4} {
		require.NoError(t, h.Append(ctx, "a", Observation{At: t0.Add(time.Duration(i) * time.Hour), Value: v}))
	}
	obs, err := h.Observations(ctx, "a")
	require.NoError(t, err)
	require.Len(t, obs, 3, "the oldest is dropped")
	assert.Equal(t, []float64{2, 3, 4}, values(obs))

	// Out of order (2h30, between 3 at 2h and 4 at 3h): kept sorted, and
	// the oldest goes.
	require.NoError(t, h.Append(ctx, "a", Observation{At: t0.Add(150 * time.Minute), Value: 2.5}))
	obs, _ = h.Observations(ctx, "a")
	assert.Equal(t, []float64{3, 2.5, 4}, values(obs))

	// Key capacity: the least recently appended key goes.
	require.NoError(t, h.Append(ctx, "b", Observation{At: t0, Value: 1}))
	require.NoError(t, h.Append(ctx, "c", Observation{At: t0, Value: 1}))
	obs, _ = h.Observations(ctx, "a")
	assert.Nil(t, obs)
	assert.Equal(t, 2, h.Len())

	// The returned slice is a copy.
	obs, _ = h.Observations(ctx, "b")
	obs[0].Value = 99
	again, _ := h.Observations(ctx, "b")
	assert.Equal(t, 1.0, again[0].Value)
}

// Reading a key does not keep it: the key evicted is the least recently
// appended, and Keys lists the most recently appended first, however the
// keys were read since.
func TestMemoryHistoryReadsDoNotCountAsAppends(t *testing.T) {
	h, err := NewMemoryHistory(MemoryConfig{MaxKeys: 2})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, h.Append(ctx, "a", Observation{At: t0, Value: 1}))
	require.NoError(t, h.Append(ctx, "b", Observation{At: t0, Value: 2}))
	obs, err := h.Observations(ctx, "a")
	require.NoError(t, err)
	require.Len(t, obs, 1)
	require.Len(t, h.View("a"), 1)
	keys, err := h.Keys(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"b", "a"}, keys, "most recently appended first")

	require.NoError(t, h.Append(ctx, "c", Observation{At: t0, Value: 3}))
	assert.Nil(t, h.View("a"), "a, read but appended to least recently, goes")
	assert.Len(t, h.View("b"), 1)
	keys, _ = h.Keys(ctx)
	assert.Equal(t, []string{"c", "b"}, keys)
}

func TestMemoryHistoryRefusesBadObservations(t *testing.T) {
	h, _ := NewMemoryHistory(MemoryConfig{})
	ctx := context.Background()
	for _, o := range []Observation{{At: t0, Value: math.NaN()}, {At: t0, Value: math.Inf(-1)}, {Value: 1}} {
		assert.ErrorIs(t, h.Append(ctx, "k", o), ErrInvalidObservation)
	}
	var ce *ConfigError
	_, err := NewMemoryHistory(MemoryConfig{MaxKeys: -1})
	assert.ErrorIs(t, err, ErrInvalidConfig)
	if assert.ErrorAs(t, err, &ce) {
		assert.Equal(t, "max_keys", ce.Field)
	}
	_, err = NewMemoryHistory(MemoryConfig{MaxPoints: -1})
	assert.ErrorIs(t, err, ErrInvalidConfig)
	if assert.ErrorAs(t, err, &ce) {
		assert.Equal(t, "max_points", ce.Field)
	}
}

func TestMemoryHistoryDeletePruneKeys(t *testing.T) {
	h, _ := NewMemoryHistory(MemoryConfig{})
	ctx := context.Background()
	for i := range 10 {
		_ = h.Append(ctx, "old", Observation{At: t0.Add(time.Duration(i) * time.Hour), Value: 1})
		_ = h.Append(ctx, "mixed", Observation{At: t0.Add(time.Duration(i+5) * time.Hour), Value: 1})
	}
	n, err := h.Prune(ctx, t0.Add(10*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 15, n, "10 of old, 5 of mixed")
	keys, _ := h.Keys(ctx)
	assert.Equal(t, []string{"mixed"}, keys, "a key left empty is gone")
	ok, _ := h.Delete(ctx, "mixed")
	assert.True(t, ok)
	ok, _ = h.Delete(ctx, "mixed")
	assert.False(t, ok)
}

// TestMemoryHistoryConcurrent appends from several goroutines, out of
// order, while they read copies and views (the race detector checks that
// no append writes what a view holds).
func TestMemoryHistoryConcurrent(t *testing.T) {
	h, _ := NewMemoryHistory(MemoryConfig{MaxPoints: 1000})
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				_ = h.Append(ctx, "k", Observation{At: t0.Add(time.Duration(g*100+i) * time.Second), Value: float64(i)})
				_, _ = h.Observations(ctx, "k")
				v := h.View("k")
				for j := 1; j < len(v); j++ {
					if v[j].At.Before(v[j-1].At) || v[j].Value < 0 {
						t.Errorf("view out of order at %d", j)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	obs, _ := h.Observations(ctx, "k")
	assert.Len(t, obs, 800)
	for i := 1; i < len(obs); i++ {
		assert.False(t, obs[i].At.Before(obs[i-1].At))
	}
}

func TestPeriods(t *testing.T) {
	for _, s := range []string{"hourly", "daily", "weekly", "monthly", "6h"} {
		p, err := ParsePeriod(s)
		require.NoError(t, err, s)
		b, _ := p.MarshalText()
		var back Period
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, p, back, s)
	}
	// The zero Period writes "" and reads back as unset; ParsePeriod itself
	// refuses "".
	b, _ := Period{}.MarshalText()
	assert.Empty(t, b)
	back := Daily
	require.NoError(t, back.UnmarshalText(b))
	assert.True(t, back.IsZero())
	_, err := ParsePeriod("")
	assert.Error(t, err)
	_, err = ParsePeriod("fortnightly")
	assert.Error(t, err)
	_, err = ParsePeriod("-1h")
	assert.Error(t, err)
	assert.Equal(t, 24, Hourly.SeasonLength())
	assert.Equal(t, 7, Daily.SeasonLength())
	assert.Equal(t, 52, Weekly.SeasonLength())
	assert.Equal(t, 12, Monthly.SeasonLength())
	assert.Equal(t, 1, PeriodOf(6*time.Hour).SeasonLength())
	assert.True(t, Period{}.IsZero())

	// Monthly buckets follow the calendar.
	jan31 := time.Date(2026, 1, 31, 23, 0, 0, 0, time.UTC)
	feb1 := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, Monthly.Index(jan31)+1, Monthly.Index(feb1))
	assert.Equal(t, feb1, Monthly.Start(Monthly.Index(feb1)))
	// Fixed periods count from the epoch, before it too.
	assert.Equal(t, int64(-1), Daily.Index(time.Unix(-1, 0)))
	assert.Equal(t, Daily.Start(Daily.Index(jan31)), time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC))
}

func TestRegularize(t *testing.T) {
	day := func(d int, h int) time.Time {
		return t0.Add(time.Duration(d)*24*time.Hour + time.Duration(h)*time.Hour)
	}
	obs := []Observation{
		{At: day(0, 1), Value: 10}, {At: day(0, 20), Value: 20}, // averaged: 15
		{At: day(1, 5), Value: 17},
		// day 2 and 3 missing: interpolated between 17 and 23
		{At: day(4, 0), Value: 23},
		{At: day(5, 0), Value: math.NaN()}, // skipped
	}
	y, last := Regularize(obs, Daily, 0)
	assert.Equal(t, Daily.Index(day(4, 0)), last)
	assert.InDeltaSlice(t, []float64{15, 17, 19, 21, 23}, y, 1e-12)

	y, _ = Regularize(obs, Daily, 3)
	assert.InDeltaSlice(t, []float64{19, 21, 23}, y, 1e-12, "the last 3 buckets, interpolation kept")

	y, _ = Regularize(obs[3:4], Daily, 0)
	assert.Equal(t, []float64{23}, y)

	// A maxLen near the int limit keeps everything (4×maxLen overflowed).
	for _, maxLen := range []int{math.MaxInt, 1 << 61} {
		y, _ = Regularize(obs, Daily, maxLen)
		assert.InDeltaSlice(t, []float64{15, 17, 19, 21, 23}, y, 1e-12, "maxLen %d", maxLen)
	}
	// Values near the float64 limit in one bucket average without
	// overflowing.
	huge := []Observation{{At: day(0, 1), Value: math.MaxFloat64}, {At: day(0, 2), Value: math.MaxFloat64}}
	y, _ = Regularize(huge, Daily, 0)
	assert.Equal(t, []float64{math.MaxFloat64}, y)
	// Of opposite signs too: their difference overflows (the bucket was
	// −Inf, and Forecast refused the series).
	huge = []Observation{{At: day(0, 1), Value: math.MaxFloat64}, {At: day(0, 2), Value: -math.MaxFloat64}, {At: day(0, 3), Value: 3e307}}
	y, _ = Regularize(huge, Daily, 0)
	assert.Equal(t, []float64{1e307}, y)
	y, last = Regularize(nil, Daily, 0)
	assert.Nil(t, y)
	assert.Zero(t, last)
}

// TestRegularizeOneABucket checks the usual series — one observation a
// bucket, in order, a NaN among them — comes out as its values, cut to
// maxLen, and as the general path makes it once a second observation
// shares a bucket.
func TestRegularizeOneABucket(t *testing.T) {
	var obs []Observation
	for d := range 10 {
		obs = append(obs, Observation{At: t0.Add(time.Duration(d)*24*time.Hour + 3*time.Hour), Value: float64(d + 1)})
	}
	obs = append(obs[:5:5], append([]Observation{{At: t0.Add(4*24*time.Hour + 5*time.Hour), Value: math.NaN()}}, obs[5:]...)...)
	y, last := Regularize(obs, Daily, 0)
	assert.Equal(t, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, y)
	assert.Equal(t, Daily.Index(t0.Add(9*24*time.Hour)), last)
	y, _ = Regularize(obs, Daily, 4)
	assert.Equal(t, []float64{7, 8, 9, 10}, y)

	// A second observation on day 9 (value 20): averaged with 10.
	obs = append(obs, Observation{At: t0.Add(9*24*time.Hour + 20*time.Hour), Value: 20})
	y, _ = Regularize(obs, Daily, 0)
	assert.Equal(t, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 15}, y)
}

func values(obs []Observation) []float64 {
	out := make([]float64, len(obs))
	for i, o := range obs {
		out[i] = o.Value
	}
	return out
}

func TestRegularizeBoundsWildTimestamps(t *testing.T) {
	obs := []Observation{
		{At: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), Value: 1}, // a host's bad row
		{At: t0, Value: 5},
		{At: t0.Add(time.Hour), Value: 6},
	}
	y, last := Regularize(obs, Hourly, 10)
	assert.Equal(t, Hourly.Index(t0.Add(time.Hour)), last)
	assert.Equal(t, []float64{5, 6}, y, "the ancient point is dropped, not turned into millions of buckets")

	// The bound the doc gives: an observation 4·maxLen+63 buckets before
	// the last is kept and the gap bridged, one 4·maxLen+64 before is not.
	gap := func(buckets int) []Observation {
		return []Observation{{At: t0, Value: 0}, {At: t0.Add(time.Duration(buckets) * time.Hour), Value: float64(buckets)}}
	}
	y, _ = Regularize(gap(4*10+63), Hourly, 10)
	assert.Equal(t, []float64{94, 95, 96, 97, 98, 99, 100, 101, 102, 103}, y, "a gap within the bound is interpolated")
	y, _ = Regularize(gap(4*10+64), Hourly, 10)
	assert.Equal(t, []float64{104}, y, "a gap beyond the bound is not bridged")
	y, _ = Regularize(gap(1<<20-1), Hourly, 0)
	assert.Len(t, y, 1<<20, "maxLen 0: within 2^20 buckets, all")
	y, _ = Regularize(gap(1<<20), Hourly, 0)
	assert.Equal(t, []float64{1 << 20}, y, "maxLen 0: beyond 2^20 buckets, not bridged")
}

// Index numbers the bucket holding t, and Start begins it, for any date
// time.Time holds, not only those whose Unix nanoseconds fit an int64
// (1678 to 2262): a row dated 2610 once landed in a bucket of 2026.
func TestPeriodIndexBeyondUnixNanoseconds(t *testing.T) {
	for _, y := range []int{1, 1677, 1678, 2026, 2262, 2263, 2610, 9999} {
		at := time.Date(y, 6, 1, 7, 30, 0, 0, time.UTC)
		for _, p := range []Period{Hourly, Daily, Weekly, Monthly, PeriodOf(90 * time.Minute), PeriodOf(1500 * time.Millisecond)} {
			i := p.Index(at)
			assert.True(t, !p.Start(i).After(at) && at.Before(p.Start(i+1)), "%d %v: bucket %d is [%v, %v)", y, p, i, p.Start(i), p.Start(i+1))
		}
	}
	now, typo := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC), time.Date(2610, 12, 5, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, Daily.Index(now)+213_301, Daily.Index(typo), "584 years (141 leap days) later, not 200 days earlier")
	// Beyond the int64 range, the number stops at its limit.
	assert.Equal(t, int64(math.MaxInt64), PeriodOf(time.Nanosecond).Index(typo))
	assert.Equal(t, int64(math.MinInt64), PeriodOf(time.Nanosecond).Index(time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC)))
}

// Run-time data never panics: two observations centuries apart, with a
// period of a nanosecond, are more buckets apart than an int64 holds.
func TestRegularizeTimestampsCenturiesApart(t *testing.T) {
	obs := []Observation{{At: time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC), Value: 1}, {At: time.Date(2250, 1, 1, 0, 0, 0, 0, time.UTC), Value: 2}}
	for _, p := range []Period{PeriodOf(time.Nanosecond), PeriodOf(2 * time.Nanosecond), PeriodOf(time.Second)} {
		y, last := Regularize(obs, p, 0)
		assert.Equal(t, []float64{2}, y, "%v: the older is beyond the bound", p)
		assert.Equal(t, p.Index(obs[1].At), last, "%v", p)
	}
}

// TestMemoryHistoryViewNeverChanges holds a view across every way the
// history changes a series — appends in order past a full array, out of
// order, trimming, pruning — and checks the view still holds what it held,
// and that a series' array stays within MaxPoints plus its slack.
func TestMemoryHistoryViewNeverChanges(t *testing.T) {
	h, err := NewMemoryHistory(MemoryConfig{MaxPoints: 16})
	require.NoError(t, err)
	ctx := context.Background()
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Hour) }
	type held struct {
		view []Observation
		want []float64
	}
	var views []held
	hold := func() {
		v := h.View("k")
		views = append(views, held{v, values(v)})
	}
	for i := range 40 {
		require.NoError(t, h.Append(ctx, "k", Observation{At: at(2 * i), Value: float64(2 * i)}))
		hold()
		if i%7 == 3 { // out of order, between the last two
			require.NoError(t, h.Append(ctx, "k", Observation{At: at(2*i - 1), Value: float64(2*i - 1)}))
			hold()
		}
	}
	n, err := h.Prune(ctx, at(70))
	require.NoError(t, err)
	require.Positive(t, n)
	hold()
	require.NoError(t, h.Append(ctx, "k", Observation{At: at(100), Value: 100}))
	hold()
	for i, v := range views {
		assert.Equal(t, v.want, values(v.view), "view %d", i)
		assert.Equal(t, len(v.view), cap(v.view), "view %d: an append to it must not reach the history's array", i)
	}
	last := views[len(views)-1].view
	assert.Equal(t, []float64{70, 72, 74, 75, 76, 78, 100}, values(last))

	s, _ := h.keys.Peek("k")
	for i := range 200 {
		require.NoError(t, h.Append(ctx, "k", Observation{At: at(200 + i), Value: 1}))
		s, _ = h.keys.Peek("k")
		require.LessOrEqual(t, cap(s.obs), 16+h.slack)
	}
	assert.Len(t, s.obs, 16)
	obs, _ := h.Observations(ctx, "k")
	assert.Equal(t, values(h.View("k")), values(obs))
	assert.Nil(t, h.View("absent"))
}

// FuzzRegularize feeds Regularize arbitrary times, values, periods and
// lengths: it never panics, and returns at most maxLen (and 2^20) finite
// values.
func FuzzRegularize(f *testing.F) {
	f.Add(int64(0), int64(3600), int64(7200), 1.0, 2.0, 3.0, int64(time.Hour), 10, false)
	f.Add(int64(-8e9), int64(0), int64(8e9), 1.0, math.NaN(), 1e308, int64(1), 0, false)
	f.Add(int64(-62135596800), int64(1700000000), int64(1700003600), 5.0, 6.0, 7.0, int64(time.Hour), 3, true)
	f.Fuzz(func(t *testing.T, s1, s2, s3 int64, v1, v2, v3 float64, d int64, maxLen int, monthly bool) {
		p := Monthly
		if !monthly {
			if d <= 0 {
				return
			}
			p = PeriodOf(time.Duration(d))
		}
		ts := []int64{s1, s2, s3}
		slices.Sort(ts)
		obs := []Observation{{At: time.Unix(ts[0], 0), Value: v1}, {At: time.Unix(ts[1], 0), Value: v2}, {At: time.Unix(ts[2], 0), Value: v3}}
		y, _ := Regularize(obs, p, maxLen)
		if maxLen > 0 && len(y) > maxLen || len(y) > 1<<20 {
			t.Fatalf("%d values for maxLen %d", len(y), maxLen)
		}
		for _, v := range y {
			if !finite(v) {
				t.Fatalf("non-finite value in %v", y)
			}
		}
	})
}
