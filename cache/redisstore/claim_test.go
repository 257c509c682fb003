package redisstore

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/cache"
)

// One claim per key among every caller of the namespace until its hold
// runs out; the claim lives in the reserved part of the namespace, where
// DeleteMatching neither sees nor deletes it.
func TestClaim(t *testing.T) {
	s, c := newStore(t, Config{})
	other, err := New(c, Config{Prefix: s.ns[:len(s.ns)-len(":v1:")], Timeout: testTimeout}) // a second instance, same namespace
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx := context.Background()

	// Many callers at once, half of them through the other instance: one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 20 {
		st := s
		if i%2 == 1 {
			st = other
		}
		wg.Go(func() {
			won, err := st.Claim(ctx, "cpc?keyword=shoes", 300*time.Millisecond)
			if err != nil {
				t.Error(err)
			}
			if won {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d callers won the claim, want 1", wins)
	}
	st, ot := s.Stats(), other.Stats()
	if st.Claims+ot.Claims != 1 || st.ClaimsLost+ot.ClaimsLost != 19 {
		t.Errorf("Stats: claims %d+%d, lost %d+%d; want 1 and 19", st.Claims, ot.Claims, st.ClaimsLost, ot.ClaimsLost)
	}
	// Another key is claimed on its own.
	if won, err := s.Claim(ctx, "cpc?keyword=boots", time.Second); !won || err != nil {
		t.Errorf("Claim of another key = %v, %v; want true", won, err)
	}
	// The claim's expiry is its hold, rounded up to the millisecond.
	key := s.ns + reserved + "c:cpc?keyword=shoes"
	if pttl := c.PTTL(ctx, key).Val(); pttl <= 0 || pttl > 300*time.Millisecond {
		t.Errorf("claim's PTTL = %v, want in (0, 300ms]", pttl)
	}
	// A hold between milliseconds is rounded up: Redis reports whole
	// milliseconds left, so a hold of 1500.5ms shows at most 1501ms, and
	// more than 1500ms only if it was rounded up and read within 1ms.
	if won, _ := s.Claim(ctx, "k", 1500*time.Millisecond+500*time.Microsecond); !won {
		t.Fatal("claim of k not won")
	}
	if pttl := c.PTTL(ctx, s.ns+reserved+"c:k").Val(); pttl <= time.Second || pttl > 1501*time.Millisecond {
		t.Errorf("a 1500.5ms hold's PTTL = %v, want in (1s, 1501ms]", pttl)
	}

	// DeleteMatching neither offers nor deletes claims.
	if err := s.Set(ctx, "cpc?keyword=shoes", cache.Entry{Value: 1, Confidence: 1}, time.Minute); err != nil {
		t.Fatal(err)
	}
	var seen []string
	n, err := s.DeleteMatching(ctx, func(k string) bool { seen = append(seen, k); return true })
	if err != nil || n != 1 || len(seen) != 1 || seen[0] != "cpc?keyword=shoes" {
		t.Errorf("DeleteMatching = %d, %v, saw %q; want only the entry", n, err, seen)
	}
	if c.Exists(ctx, key).Val() != 1 {
		t.Error("DeleteMatching deleted a claim")
	}

	// When the hold has run out the key can be claimed again.
	time.Sleep(time.Until(time.Now().Add(c.PTTL(ctx, key).Val() + 5*time.Millisecond)))
	if won, err := other.Claim(ctx, "cpc?keyword=shoes", time.Second); !won || err != nil {
		t.Errorf("Claim after the hold = %v, %v; want true", won, err)
	}
}

// A claim key without an expiry (written by another program, or by hand)
// is lost to, and given the hold as its expiry, so it ends: it does not
// make every miss of the key wait out its hold for ever. A claim with an
// expiry keeps it.
func TestClaimWithoutExpiryEnds(t *testing.T) {
	s, c := newStore(t, Config{})
	ctx := context.Background()
	key := s.ns + reserved + "c:k"
	if err := c.Set(ctx, key, "", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if won, err := s.Claim(ctx, "k", 100*time.Millisecond); won || err != nil {
		t.Fatalf("Claim over a key without expiry = %v, %v; want lost", won, err)
	}
	if pttl := c.PTTL(ctx, key).Val(); pttl <= 0 || pttl > 100*time.Millisecond {
		t.Fatalf("the lost claim's PTTL = %v, want in (0, 100ms]", pttl)
	}
	time.Sleep(c.PTTL(ctx, key).Val() + 5*time.Millisecond)
	if won, err := s.Claim(ctx, "k", time.Minute); !won || err != nil {
		t.Fatalf("Claim after the hold = %v, %v; want won", won, err)
	}
	// A live claim's expiry is not touched by a loser with another hold.
	if won, _ := s.Claim(ctx, "k", time.Millisecond); won {
		t.Fatal("a live claim was lost")
	}
	if pttl := c.PTTL(ctx, key).Val(); pttl <= 59*time.Second {
		t.Errorf("the live claim's PTTL = %v, want its own minute", pttl)
	}
}

func TestClaimRefusesAndFails(t *testing.T) {
	s, _ := newStore(t, Config{})
	ctx := context.Background()
	for _, hold := range []time.Duration{0, -time.Second} {
		if won, err := s.Claim(ctx, "k", hold); won || err == nil {
			t.Errorf("Claim with hold %v = %v, %v; want an error", hold, won, err)
		}
	}
	dead, err := New(redis.NewClient(&redis.Options{Addr: deadAddr(t), MaxRetries: -1}), Config{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	if won, err := dead.Claim(ctx, "k", time.Second); won || err == nil {
		t.Errorf("Claim on a dead Redis = %v, %v; want an error", won, err)
	}
	s.Close()
	if _, err := s.Claim(ctx, "k", time.Second); !errors.Is(err, ErrClosed) {
		t.Errorf("Claim after Close = %v, want ErrClosed", err)
	}
}

// A claim key with a longer expiry than a claim of its own records —
// set by hand, by another program, or a crashed instance's claim whose
// expiry was edited — made every miss of the key wait out its hold until
// the key expired. It is trusted no longer than the loser's hold; a
// claim taken by Claim keeps its own expiry however short the loser's.
func TestClaimLongerThanItsHoldIsCut(t *testing.T) {
	s, c := newStore(t, Config{})
	ctx := context.Background()
	key := s.ns + reserved + "c:k"
	for name, set := range map[string]func() error{
		"by hand":         func() error { return c.Set(ctx, key, "", time.Hour).Err() },
		"edited expiry":   func() error { return c.Set(ctx, key, "200", time.Hour).Err() },
		"another program": func() error { return c.RPush(ctx, key, "x").Err() },
	} {
		c.Del(ctx, key)
		require.NoError(t, set(), name)
		if name == "another program" {
			require.NoError(t, c.Expire(ctx, key, time.Hour).Err())
		}
		won, err := s.Claim(ctx, "k", 50*time.Millisecond)
		require.NoError(t, err, name)
		require.False(t, won, name)
		pttl := c.PTTL(ctx, key).Val()
		require.True(t, pttl > 0 && pttl <= 50*time.Millisecond, "%s: the lost claim's PTTL = %v, want in (0, 50ms]", name, pttl)
		time.Sleep(pttl + 5*time.Millisecond)
		won, err = s.Claim(ctx, "k", 50*time.Millisecond)
		require.NoError(t, err, name)
		require.True(t, won, "%s: the claim is taken after the loser's hold", name)
	}
}

// A claim records its hold as a string of digits; anything else records
// none, also what Lua's tonumber reads as a number ("nan", "inf", "1e30"):
// such a claim key, set by hand with a long expiry, is cut to the loser's
// hold like any that records none.
func TestClaimRecordsItsHoldInDigitsOnly(t *testing.T) {
	s, c := newStore(t, Config{})
	ctx := context.Background()
	key := s.ns + reserved + "c:k"
	for _, v := range []string{"nan", "inf", "1e30", "0x7fffffff", " 3600000"} {
		c.Del(ctx, key)
		require.NoError(t, c.Set(ctx, key, v, time.Hour).Err(), v)
		won, err := s.Claim(ctx, "k", 50*time.Millisecond)
		require.NoError(t, err, v)
		require.False(t, won, v)
		pttl := c.PTTL(ctx, key).Val()
		require.True(t, pttl > 0 && pttl <= 50*time.Millisecond, "%q: the lost claim's PTTL = %v, want in (0, 50ms]", v, pttl)
	}
}
