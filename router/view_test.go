package router

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// perfect is a View at which every health metric is 1.
func perfect() View {
	return View{SuccessRate: 1, Quality: 1, Uptime: 1, Latency: 100 * time.Millisecond, ExpectedLatency: 100 * time.Millisecond}
}

func TestHealthScore(t *testing.T) {
	s, err := Config{}.resolve()
	require.NoError(t, err)
	quota := func(rem, limit int64) func(*View) {
		return func(v *View) {
			v.Quota = Quota{Limit: limit, Remaining: rem}
			v.QuotaUntil = t0.Add(time.Minute)
		}
	}
	tests := []struct {
		name   string
		set    func(*View)
		score  float64
		status Status
	}{
		{"perfect", func(*View) {}, 1, Healthy},
		{"success 0.8", func(v *View) { v.SuccessRate = 0.8 }, 1 - 0.40*0.2, Healthy},
		{"success 0.7", func(v *View) { v.SuccessRate = 0.7 }, 1 - 0.40*0.3, Degraded},
		{"success 0", func(v *View) { v.SuccessRate = 0 }, 0.60, Unhealthy},
		{"faster than expected", func(v *View) { v.Latency = 10 * time.Millisecond }, 1, Healthy},
		{"latency 2x expected", func(v *View) { v.Latency = 200 * time.Millisecond }, 1 - 0.15*0.5, Healthy},
		{"latency 4x expected", func(v *View) { v.Latency = 400 * time.Millisecond }, 1 - 0.15*0.75, Degraded},
		{"quality 0.6", func(v *View) { v.Quality = 0.6 }, 1 - 0.20*0.4, Healthy},
		{"quality 0", func(v *View) { v.Quality = 0 }, 0.80, Degraded},
		{"uptime 0.5", func(v *View) { v.Uptime = 0.5 }, 1 - 0.15*0.5, Healthy},
		{"uptime 0", func(v *View) { v.Uptime = 0 }, 0.85, Degraded},
		{"quota 20%", quota(20, 100), 1 - 0.10*0.8, Healthy},
		{"quota exhausted", quota(0, 100), 0.90, Healthy},
		{"quota stale", func(v *View) { quota(0, 100)(v); v.QuotaUntil = t0 }, 1, Healthy},
		{"down: no success, no uptime", func(v *View) { v.SuccessRate, v.Uptime = 0, 0 }, 0.45, Critical},
		{"success 0.5, quality 0.4", func(v *View) { v.SuccessRate, v.Quality = 0.5, 0.4 }, 1 - 0.40*0.5 - 0.20*0.6, Unhealthy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := perfect()
			tt.set(&v)
			got := s.healthScore(&v, t0)
			assert.InDelta(t, tt.score, got, 1e-9)
			assert.Equal(t, tt.status, s.thresholds.Status(got))
		})
	}
}

func TestHealthScoreCustomWeights(t *testing.T) {
	s, err := Config{HealthWeights: HealthWeights{Success: 1}}.resolve()
	require.NoError(t, err)
	v := perfect()
	v.SuccessRate, v.Quality, v.Uptime = 0.65, 0, 0
	assert.InDelta(t, 0.65, s.healthScore(&v, t0), 1e-12, "only the success rate counts")

	s, err = Config{HealthWeights: HealthWeights{Quality: 1, Uptime: 1}}.resolve()
	require.NoError(t, err)
	v = perfect()
	v.Quality, v.Uptime = 0.2, 0.6
	assert.InDelta(t, 0.4, s.healthScore(&v, t0), 1e-12)
}

func TestQuotaRatio(t *testing.T) {
	until := t0.Add(time.Minute)
	tests := []struct {
		name string
		q    Quota
		u    time.Time
		now  time.Time
		want float64
	}{
		{"none reported", Quota{}, time.Time{}, t0, 1},
		{"ratio", Quota{Limit: 200, Remaining: 50}, until, t0, 0.25},
		{"exhausted", Quota{Limit: 200, Remaining: 0}, until, t0, 0},
		{"negative remaining", Quota{Limit: 200, Remaining: -3}, until, t0, 0},
		{"no limit, some left", Quota{Remaining: 7}, until, t0, 1},
		{"no limit, none left", Quota{Remaining: 0}, until, t0, 0},
		{"more than limit", Quota{Limit: 10, Remaining: 20}, until, t0, 1},
		{"at until", Quota{Limit: 200, Remaining: 0}, until, until, 1},
		{"after until", Quota{Limit: 200, Remaining: 0}, until, until.Add(time.Second), 1},
	}
	for _, tt := range tests {
		v := View{Quota: tt.q, QuotaUntil: tt.u}
		assert.Equal(t, tt.want, v.QuotaRatio(tt.now), tt.name)
	}
}

// A latency at Duration's limit — a profile that expects a provider to
// take forever, an attempt timed from a zero start (time.Since saturates)
// — stays at the limit in View and Health: converted from its float64
// (2^63) it wrapped to the most negative Duration, and the router scored
// the slowest provider as an instant one.
func TestLatencyAtTheDurationLimitStaysThere(t *testing.T) {
	tr := newTracker(t, Config{PriorWeight: 1e-9}, Profile{Name: "forever", ExpectedLatency: math.MaxInt64}, Profile{Name: "fast", ExpectedLatency: time.Millisecond})
	tr.Record("timed-from-zero", "cpc", Outcome{At: t0, Latency: math.MaxInt64, OK: true, Valid: true})
	for _, p := range []string{"forever", "timed-from-zero"} {
		v, h := tr.View(p, "", t0), tr.Health(p, t0)
		assert.Greater(t, v.Latency, 290*365*24*time.Hour, p)
		assert.Greater(t, h.Latency, 290*365*24*time.Hour, p)
		for dt, th := range h.DataTypes {
			assert.Greater(t, th.Latency, 290*365*24*time.Hour, p+" "+dt)
		}
	}
	r := newRouter(t, Config{})
	cands := []Candidate{
		{Name: "a", View: tr.View("forever", "", t0), Capacity: 1, Serves: true},
		{Name: "b", View: tr.View("fast", "", t0), Capacity: 1, Serves: true},
	}
	i, ok := r.Pick(cands, Unlimited, t0)
	require.True(t, ok)
	assert.Equal(t, "b", cands[i].Name, "the fast provider is picked")
}
