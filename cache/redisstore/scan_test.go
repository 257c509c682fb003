package redisstore

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/strata-go/strata/cache"
)

func TestDeleteMatching(t *testing.T) {
	s, c := newStore(t, Config{})
	ctx := context.Background()
	// Enough keys for SCAN to take several pages; the keys look like the
	// resolver's, with a hashed sensitive param.
	const users, perUser = 40, 50
	e := cache.Entry{Value: 1, Source: "ads", Confidence: 0.9}
	pipe := c.Pipeline()
	for u := range users {
		for k := range perUser {
			pipe.Set(ctx, s.Key(fmt.Sprintf("cpc|keyword=kw%d|user=h:%04x", k, u)), appendEntry(nil, e), time.Minute)
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	// A key of another version must survive whatever matches.
	other, err := New(c, Config{Prefix: strings.TrimSuffix(strings.TrimSuffix(s.Key(""), ":"), ":v1"), Version: "v0", Timeout: testTimeout})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Set(ctx, "cpc|keyword=kw0|user=h:0007", e, time.Minute); err != nil {
		t.Fatal(err)
	}

	var seen []string
	n, err := s.DeleteMatching(ctx, func(key string) bool {
		seen = append(seen, key)
		return strings.HasSuffix(key, "|user=h:0007")
	})
	if err != nil || n != perUser {
		t.Fatalf("DeleteMatching = %d, %v; want %d deleted", n, err, perUser)
	}
	if len(seen) != users*perUser {
		t.Errorf("match saw %d keys, want %d (each key of the namespace once)", len(seen), users*perUser)
	}
	sort.Strings(seen)
	if seen[0] != "cpc|keyword=kw0|user=h:0000" {
		t.Errorf("match got %q, want keys without the namespace", seen[0])
	}
	for k := range perUser {
		if _, ok, _ := s.Get(ctx, fmt.Sprintf("cpc|keyword=kw%d|user=h:0007", k)); ok {
			t.Fatalf("key %d of the user survived", k)
		}
	}
	if _, ok, err := s.Get(ctx, "cpc|keyword=kw3|user=h:0008"); !ok || err != nil {
		t.Errorf("another user's key is gone: %v, %v", ok, err)
	}
	if _, ok, err := other.Get(ctx, "cpc|keyword=kw0|user=h:0007"); !ok || err != nil {
		t.Errorf("the other version's key is gone: %v, %v", ok, err)
	}
	if got := s.Stats().Deletes; got != perUser {
		t.Errorf("Stats.Deletes = %d, want %d", got, perUser)
	}
	// Nothing left to match.
	if n, err := s.DeleteMatching(ctx, func(key string) bool { return strings.HasSuffix(key, "|user=h:0007") }); n != 0 || err != nil {
		t.Errorf("second DeleteMatching = %d, %v; want 0", n, err)
	}
	if _, err := s.DeleteMatching(ctx, nil); err == nil {
		t.Error("DeleteMatching(nil) succeeded")
	}
}

// The walk stops with the caller's context and reports what it deleted.
func TestDeleteMatchingCancelled(t *testing.T) {
	s, _ := newStore(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	for i := range 10 {
		s.Set(ctx, fmt.Sprint(i), cache.Entry{Value: 1, Confidence: 1}, time.Minute)
	}
	n, err := s.DeleteMatching(ctx, func(string) bool { cancel(); return true })
	if err == nil || n != 0 {
		t.Fatalf("DeleteMatching cancelled in match = %d, %v; want 0 and an error", n, err)
	}
}
