package cache

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// close reports whether the anchored freshness got matches the exact want
// for an exponent y = age·ln 2/half-life. The exact value is itself only
// as good as y's rounding: an error of an ulp in y moves e^−y by y ulps,
// so two correct computations may differ by about (1 + y) ulps.
func close(got, want float64, age time.Duration, d Decay) bool {
	y := float64(age) * float64(d)
	return math.Abs(got-want) <= 4*0x1p-52*(1+y)*want
}

func TestDecayMatchesFreshness(t *testing.T) {
	for _, h := range []time.Duration{time.Second, time.Minute, time.Hour, 90 * 24 * time.Hour} {
		d := DecayOf(h)
		for _, age := range []time.Duration{-time.Second, 0, 1, h / 3, h, 7 * h} {
			assert.Equal(t, Freshness(age, h), d.Freshness(age), "half-life %v age %v", h, age)
		}
	}
	assert.Equal(t, Decay(0), DecayOf(0))
	assert.Equal(t, Decay(0), DecayOf(-time.Hour))
	assert.Equal(t, 1.0, DecayOf(0).Freshness(1000*time.Hour), "no half-life: never ages")
}

// stored returns an entry as Put leaves it, keeping a freshness anchor.
func stored() *Entry { return &Entry{fresh: new(anchorCell)} }

// The anchored freshness of a hot entry equals the exact one to rounding,
// whether the ages come close together (answered from the anchor), far
// apart (re-anchored), out of order, or after the half-life changes.
func TestEntryFreshnessMatchesExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, h := range []time.Duration{time.Second, time.Minute, time.Hour, 30 * 24 * time.Hour} {
		e := stored()
		d := DecayOf(h)
		age := time.Duration(0)
		for range 20000 {
			switch rng.IntN(10) {
			case 0: // far ahead: beyond any anchor's span
				age += time.Duration(rng.Int64N(int64(h)))
			case 1: // back in time
				age -= time.Duration(rng.Int64N(int64(h) / 1000))
			default: // the next hit, microseconds later
				age += time.Duration(rng.Int64N(int64(10 * time.Microsecond)))
			}
			got, want := e.Freshness(d, age), d.Freshness(age)
			require.True(t, close(got, want, age, d), "half-life %v age %v: got %v want %v", h, age, got, want)
		}
	}
	// One entry asked under two half-lives answers each exactly.
	e := stored()
	assert.Equal(t, Freshness(time.Hour, time.Hour), e.Freshness(DecayOf(time.Hour), time.Hour))
	assert.Equal(t, Freshness(time.Hour, time.Minute), e.Freshness(DecayOf(time.Minute), time.Hour))
	assert.Equal(t, 1.0, e.Freshness(DecayOf(time.Minute), -time.Hour), "clock skew counts as now")
	assert.Equal(t, 1.0, e.Freshness(0, time.Hour), "no half-life")
}

// Many goroutines answering one hot entry see consistent values (run
// under -race: the anchor is swapped atomically).
func TestEntryFreshnessConcurrent(t *testing.T) {
	e := stored()
	d := DecayOf(time.Minute)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 5000 {
				age := time.Duration(g*5000+i) * 37 * time.Microsecond
				if !close(e.Freshness(d, age), d.Freshness(age), age, d) {
					t.Errorf("age %v: got %v want %v", age, e.Freshness(d, age), d.Freshness(age))
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestObservedAge(t *testing.T) {
	c, err := New(Config{})
	require.NoError(t, err)
	defer c.Close()
	stored := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

	c.Put("a", Entry{Value: 1, ObservedAt: stored.Add(-10 * time.Minute), StoredAt: stored}, time.Hour)
	e, ok := c.LastGood("a")
	require.True(t, ok)
	assert.Equal(t, 15*time.Minute, e.ObservedAge(5*time.Minute), "observed ten minutes before it was stored")

	// Observed "in the future" (a source's clock ahead of ours).
	c.Put("b", Entry{Value: 1, ObservedAt: stored.Add(time.Minute), StoredAt: stored}, time.Hour)
	e, _ = c.LastGood("b")
	assert.Equal(t, 4*time.Minute, e.ObservedAge(5*time.Minute))

	// Never observed: as old as can be, not an overflow to the past.
	c.Put("c", Entry{Value: 1, StoredAt: stored}, time.Hour)
	e, _ = c.LastGood("c")
	assert.Equal(t, time.Duration(math.MaxInt64), e.ObservedAge(time.Hour))
	assert.Equal(t, 0.0, e.Freshness(DecayOf(time.Hour), e.ObservedAge(time.Hour)))

	// An entry never stored has no lag.
	assert.Equal(t, time.Minute, (&Entry{}).ObservedAge(time.Minute))
}

func TestHotChecksTheKeyBytes(t *testing.T) {
	c, err := New(Config{})
	require.NoError(t, err)
	defer c.Close()
	now := time.Now()
	c.Put("cpc?keyword=shoes", Entry{Value: 2, ObservedAt: now, StoredAt: now}, time.Hour)
	c.Put("cpc?keyword=boots", Entry{Value: 3, ObservedAt: now, StoredAt: now}, 0) // no read-through copy

	e, ok := c.Hot([]byte("cpc?keyword=shoes"))
	require.True(t, ok)
	assert.Equal(t, 2.0, e.Value)
	assert.Equal(t, "cpc?keyword=shoes", e.Key())
	_, ok = c.Hot([]byte("cpc?keyword=shoe"))
	assert.False(t, ok)
	_, ok = c.Hot([]byte("cpc?keyword=boots"))
	assert.False(t, ok, "a TTL of zero keeps the entry out of the read-through tier")
	_, ok = c.LastGood("cpc?keyword=boots")
	assert.True(t, ok)

	assert.True(t, c.Delete("cpc?keyword=shoes"))
	_, ok = c.Hot([]byte("cpc?keyword=shoes"))
	assert.False(t, ok, "deleted from both tiers")
}

// Copying a stored entry while hits move its anchor is no data race (run
// under -race): the anchor lives in a cell the copy only points to.
func TestEntryCopyWhileHit(t *testing.T) {
	c, err := New(Config{})
	require.NoError(t, err)
	defer c.Close()
	now := time.Now()
	c.Put("k", Entry{Value: 1, ObservedAt: now, StoredAt: now}, time.Hour)
	e, ok := c.LastGood("k")
	require.True(t, ok)
	d := DecayOf(time.Millisecond) // every hit re-anchors
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 2000 {
			e.Freshness(d, time.Duration(i)*time.Millisecond)
		}
	})
	for range 2000 {
		cp := *e
		assert.Equal(t, 1.0, cp.Value)
	}
	wg.Wait()
	assert.Equal(t, Freshness(3*time.Millisecond, time.Millisecond), e.Freshness(d, 3*time.Millisecond))
}
