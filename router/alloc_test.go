//go:build !race

// The race detector's instrumentation allocates where the code does not,
// so the allocation promises are checked without it.

package router

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The package doc's promise: "View, Rank, Pick and a Pool's Pick and Rank
// do not allocate" (Score too, Router.Score's doc; Rank when dst has
// room) — also for a provider in an outage, one with a quota report, one
// the tracker does not know, and with a Record between picks.
func TestViewRankAndPickDoNotAllocate(t *testing.T) {
	tr, err := NewTracker(Config{})
	require.NoError(t, err)
	rtr, err := NewRouter(Config{})
	require.NoError(t, err)
	for _, p := range []Profile{
		{Name: "ok", Confidence: 0.95, ExpectedLatency: 100 * time.Millisecond, Cost: 0.01},
		{Name: "down", Confidence: 0.9, ExpectedLatency: 200 * time.Millisecond},
		{Name: "quota", Confidence: 0.8, ExpectedLatency: 300 * time.Millisecond, Cost: 0.02},
	} {
		require.NoError(t, tr.Register(p))
	}
	start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for i := range 30 {
		at := start.Add(time.Duration(i) * time.Second)
		tr.Record("ok", "cpc", Outcome{At: at, Latency: time.Duration(50+i) * time.Millisecond, OK: true, Valid: true, Cost: 0.01})
		tr.Record("down", "cpc", Outcome{At: at, Latency: time.Second, Class: "unavailable"})
		tr.Record("quota", "cpc", Outcome{At: at, Latency: 250 * time.Millisecond, OK: true, Valid: true,
			Quota: &Quota{Limit: 100, Remaining: 40, Reset: start.Add(time.Hour)}})
	}
	now := start.Add(time.Minute)
	require.Less(t, tr.View("down", "cpc", now).Uptime, 1.0, "down is in an outage")

	names := []string{"ok", "down", "quota", "unknown"}
	cands := make([]Candidate, len(names))
	for i, n := range names {
		cands[i] = Candidate{Name: n, Order: i, View: tr.View(n, "cpc", now), Cost: 0.01, Capacity: 1, Serves: true}
	}
	dst := make([]Ranked, 0, len(cands))
	members := make([]Member, len(names))
	states := make([]State, len(names))
	for i, n := range names {
		members[i] = Member{Name: n, Order: i, Cost: 0.01}
		states[i] = State{Capacity: 1}
	}
	pool, err := NewPool(tr, rtr, "cpc", members)
	require.NoError(t, err)

	var sink float64
	for name, f := range map[string]func(){
		"Tracker.View": func() {
			for _, n := range names {
				sink += tr.View(n, "cpc", now).Score
			}
		},
		"Router.Score": func() { sink += rtr.Score(cands[0], 1, now) },
		"Router.Rank": func() {
			dst = rtr.Rank(cands, 1, now, dst[:0])
			sink += dst[0].Score
		},
		"Router.Pick": func() {
			i, ok := rtr.Pick(cands, 1, now)
			if !ok {
				t.Fatal("no pick")
			}
			sink += float64(i)
		},
		"Pool.Pick": func() {
			_, s, ok := pool.Pick(states, 1, now)
			if !ok {
				t.Fatal("no pick")
			}
			sink += s
		},
		"Pool.Rank": func() {
			dst = pool.Rank(states, 1, now, dst[:0])
			sink += dst[0].Score
		},
		"Record, then Pool.Pick": func() {
			tr.Record("ok", "cpc", Outcome{At: now, Latency: 60 * time.Millisecond, OK: true, Valid: true})
			_, s, ok := pool.Pick(states, 1, now)
			if !ok {
				t.Fatal("no pick")
			}
			sink += s
		},
	} {
		f() // the first call may fill what later calls reuse
		assert.Zero(t, testing.AllocsPerRun(100, f), name)
	}
	assert.NotZero(t, sink)
	assert.Len(t, dst, len(names), "every candidate is eligible: Rank filled dst")
}
