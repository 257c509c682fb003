package fallback

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFitsAllowed(t *testing.T) {
	for _, tc := range []struct{ maxFits, procs, want int }{
		{maxFits: 1, procs: 1, want: 1}, // a single P still fits
		{maxFits: 8, procs: 1, want: 1},
		{maxFits: 2, procs: 2, want: 1}, // the default on two CPUs: one P stays free
		{maxFits: 8, procs: 4, want: 3},
		{maxFits: 2, procs: 8, want: 2}, // max_fits below the Ps: max_fits
		{maxFits: 1, procs: 8, want: 1},
	} {
		t.Run(fmt.Sprintf("max%d-procs%d", tc.maxFits, tc.procs), func(t *testing.T) {
			assert.Equal(t, tc.want, fitsAllowed(tc.maxFits, tc.procs))
		})
	}
}

// Fits never hold every P: with GOMAXPROCS−1 fits running, a resolve that
// needs another fit does not start it, though forecast.max_fits allows
// more, and the default answers inside the deadline. When one of the fits
// ends, the next resolve fits.
func TestFitsLeaveAPFree(t *testing.T) {
	prev := runtime.GOMAXPROCS(4)
	t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
	synctest.Test(t, func(t *testing.T) {
		r := blackoutWithHistory(t)
		require.Equal(t, 4, cap(r.fitSlots), "max_fits defaults to GOMAXPROCS")
		for range 3 { // three fits of other keys running
			r.fitSlots <- struct{}{}
		}
		start := time.Now()
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, LayerDefault, res.Layer)
		assert.Less(t, time.Since(start), r.cfg.Resolve.Deadline)
		assert.Zero(t, r.Snapshot().Overall.ForecastFits, "the fourth P is not given to a fit")
		assert.Len(t, r.fitSlots, 3, "the refused fit gave its slot back")

		<-r.fitSlots // one of them ends
		res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, LayerStatistical, res.Layer)
		assert.EqualValues(t, 1, r.Snapshot().Overall.ForecastFits)
		for len(r.fitSlots) > 0 {
			<-r.fitSlots
		}
	})
}

// GOMAXPROCS is read at each fit, not at New: when the runtime lowers it
// (a container's CPU limit changed), fits leave a P free of the new count.
func TestFitsFollowGOMAXPROCS(t *testing.T) {
	prev := runtime.GOMAXPROCS(4)
	t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
	synctest.Test(t, func(t *testing.T) {
		r := blackoutWithHistory(t)
		require.Equal(t, 4, cap(r.fitSlots))
		runtime.GOMAXPROCS(2)
		r.fitSlots <- struct{}{} // one fit running: GOMAXPROCS−1 now
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, LayerDefault, res.Layer)
		assert.Zero(t, r.Snapshot().Overall.ForecastFits)
		<-r.fitSlots
		res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, LayerStatistical, res.Layer)
	})
}
