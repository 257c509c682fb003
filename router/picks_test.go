package router

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var updatePicks = flag.Bool("update", false, "rewrite testdata/picks.golden from the current code")

// TestPicksPinned pins the picks of a walk's use of the package — a
// Record, then a Pick — on seeded random sequences: outcomes of every
// kind for a tier of six providers (one unknown until recorded), quotas,
// outages, profile changes, time moving on past the window, budgets and
// breaker and limiter states. Each pick's index and score, from Pool.Pick
// and from Router.Pick over the tracker's views, must be those in
// testdata/picks.golden, to the bit: a change to how the router works its
// figures out must not change what it picks (go test -run TestPicksPinned
// -update rewrites the file, for a change that means to).
func TestPicksPinned(t *testing.T) {
	var got strings.Builder
	configs := []struct {
		name string
		cfg  Config
	}{
		{"default", Config{}},
		{"window duration", Config{Window: 12, WindowDuration: 20 * time.Second, OutageStreak: 2, QuotaStaleAfter: 5 * time.Second}},
		{"custom weights", Config{Window: 30, ScoreWeights: ScoreWeights{Health: 1, Quality: 0.5, Performance: 2, Capacity: 0.5, Cost: 3}, HealthWeights: HealthWeights{Success: 1, Latency: 1, Uptime: 2, Quota: 1}, ReferenceCost: 0.02, ReferenceLatency: 200 * time.Millisecond}},
	}
	for _, c := range configs {
		for seed := range uint64(3) {
			fmt.Fprintf(&got, "# %s, seed %d\n", c.name, seed)
			pinnedPicks(t, &got, c.cfg, seed, 400)
		}
	}
	path := filepath.Join("testdata", "picks.golden")
	if *updatePicks {
		require.NoError(t, os.WriteFile(path, []byte(got.String()), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	wantLines, gotLines := strings.Split(string(want), "\n"), strings.Split(got.String(), "\n")
	for i := range min(len(wantLines), len(gotLines)) {
		require.Equal(t, wantLines[i], gotLines[i], "line %d of %s", i+1, path)
	}
	assert.Equal(t, len(wantLines), len(gotLines), "lines in %s", path)
}

// pinnedPicks writes one line per step of a seeded sequence to w: the
// step, then Pool.Pick's index and score bits (or "none"), then
// Router.Pick's index over Candidates with the tracker's views.
func pinnedPicks(t *testing.T, w *strings.Builder, cfg Config, seed uint64, steps int) {
	rng := rand.New(rand.NewPCG(seed, 13))
	tr := newTracker(t, cfg,
		Profile{Name: "a", Confidence: 0.8, ExpectedLatency: 50 * time.Millisecond, Cost: 0.01},
		Profile{Name: "b"},
		Profile{Name: "c", Confidence: 0.6, ExpectedLatency: 300 * time.Millisecond},
		Profile{Name: "d", Confidence: 0.95, ExpectedLatency: 120 * time.Millisecond, Cost: 0.005},
		Profile{Name: "e", Confidence: 0.7})
	rtr := newRouter(t, cfg)
	names := []string{"a", "b", "c", "d", "e", "late"}
	costs := []float64{0.01, 0, 0.02, 0.005, 0, 0.001}
	classes := []string{"", "transient", "unavailable", DataQualityClass}
	members := make([]Member, len(names))
	for i, n := range names {
		members[i] = Member{Name: n, Order: i % 4, Cost: costs[i]}
	}
	pool, err := NewPool(tr, rtr, "cpc", members)
	require.NoError(t, err)
	states := make([]State, len(names))
	cands := make([]Candidate, len(names))
	at := t0
	for step := range steps {
		switch k := rng.IntN(20); {
		case k == 0:
			p := Profile{Name: names[rng.IntN(5)], Confidence: 0.5 + rng.Float64()/2, ExpectedLatency: time.Duration(1+rng.IntN(300)) * time.Millisecond}
			require.NoError(t, tr.Register(p))
		default:
			at = at.Add(time.Duration(rng.IntN(3000)) * time.Millisecond)
			o := Outcome{At: at, Latency: time.Duration(rng.IntN(500)) * time.Millisecond, OK: rng.IntN(4) > 0, Valid: true}
			if !o.OK {
				o.Class, o.Valid = classes[rng.IntN(len(classes))], rng.IntN(4) == 0
			}
			if rng.IntN(10) == 0 {
				o.Quota = &Quota{Limit: 100, Remaining: int64(rng.IntN(60) - 5)}
				if rng.IntN(2) == 0 {
					o.Quota.Reset = at.Add(time.Duration(rng.IntN(30)) * time.Second)
				}
			}
			n := names[rng.IntN(5)]
			if rng.IntN(25) == 0 {
				n = "late"
			}
			tr.Record(n, []string{"cpc", "cpc", "", "other"}[rng.IntN(4)], o)
		}
		now := at.Add(time.Duration(rng.IntN(4000)) * time.Millisecond)
		if rng.IntN(10) == 0 {
			now = now.Add(time.Minute) // past a WindowDuration
		}
		budget := []float64{Unlimited, Unlimited, 1, 0.03, 0.01, 0}[rng.IntN(6)]
		for i := range states {
			states[i] = State{BreakerOpen: rng.IntN(10) == 0, Capacity: []float64{1, 1, 1, 0.5, 0.1, 0}[rng.IntN(6)]}
			cands[i] = Candidate{Name: names[i], Order: members[i].Order, Cost: members[i].Cost, BreakerOpen: states[i].BreakerOpen, Capacity: states[i].Capacity, Serves: true}
		}
		fmt.Fprintf(w, "%d ", step)
		if i, score, ok := pool.Pick(states, budget, now); ok {
			fmt.Fprintf(w, "%d %016x", i, math.Float64bits(score))
		} else {
			w.WriteString("none")
		}
		fillViews(tr, cands, "cpc", now)
		if i, ok := rtr.Pick(cands, budget, now); ok {
			fmt.Fprintf(w, " %d\n", i)
		} else {
			w.WriteString(" none\n")
		}
	}
}
