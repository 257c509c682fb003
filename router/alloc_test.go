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

// Tracker.View's and Router.Score's docs: neither allocates — also for a
// provider in an outage, one with a quota report and one the tracker does
// not know (TestRankDoesNotAllocate and TestPoolDoesNotAllocate pin Rank,
// Pick and a Pool's Pick and Rank).
func TestViewAndScoreDoNotAllocate(t *testing.T) {
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
	var sink float64
	view := testing.AllocsPerRun(100, func() {
		now = now.Add(time.Millisecond)
		for _, n := range names {
			sink += tr.View(n, "cpc", now).Score + tr.View(n, "", now).Score
		}
	})
	assert.Zero(t, view, "Tracker.View")
	c := Candidate{Name: "quota", View: tr.View("quota", "cpc", now), Cost: 0.02, Capacity: 0.5, Serves: true}
	score := testing.AllocsPerRun(100, func() { sink += rtr.Score(c, 1, now) })
	assert.Zero(t, score, "Router.Score")
	assert.NotZero(t, sink)
}
