//go:build !race

package router

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tracker's doc: each provider and each provider × data type holds a
// window "of about 8 KB at the default Window". Measured as the bytes
// allocated per window when 200 providers each record a full window of
// one data type and are viewed (which fills the percentile scratch).
func TestTrackerWindowIsAboutEightKB(t *testing.T) {
	tr, err := NewTracker(Config{})
	require.NoError(t, err)
	const providers = 200
	names := make([]string, providers)
	for i := range names {
		names[i] = fmt.Sprintf("p%03d", i)
	}
	start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	now := start.Add(time.Hour)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, name := range names {
		for i := range DefaultWindow {
			tr.Record(name, "cpc", Outcome{At: start.Add(time.Duration(i) * time.Second),
				Latency: time.Duration(40+i) * time.Millisecond, OK: true, Valid: true})
		}
		tr.View(name, "cpc", now)
	}
	runtime.ReadMemStats(&after)

	perWindow := float64(after.TotalAlloc-before.TotalAlloc) / (2 * providers)
	t.Logf("%.0f bytes per window", perWindow)
	assert.Greater(t, perWindow, 5_000.0, "the doc's 8 KB overstates a window")
	assert.Less(t, perWindow, 11_000.0, "a window costs more than the doc's 8 KB")
}
