package fake_test

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fake"
)

func TestRuntimeControls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, fake.Config{Value: 2, Latency: fake.Latency{Median: 10 * time.Millisecond}})
		timed := func() (string, time.Duration) {
			start := time.Now()
			o := outcome(p, req)
			return o, time.Since(start)
		}
		check := func(step, want string, wantTook time.Duration) {
			t.Helper()
			got, took := timed()
			assert.Equal(t, want, got, "after %s", step)
			assert.Equal(t, wantTook, took, "after %s", step)
		}
		check("New", "ok 2", 10*time.Millisecond)
		p.SetDown(providers.Unavailable)
		check("SetDown", "unavailable", 10*time.Millisecond)
		p.SetSlow(3)
		check("SetSlow(3)", "unavailable", 30*time.Millisecond)
		p.SetGarbage(fake.OutOfBounds)
		check("SetGarbage", "ok 2000", 30*time.Millisecond)
		p.Force(fake.Slow(2))
		check("Force(Slow(2))", "ok 2", 60*time.Millisecond)
		p.SetUp()
		check("SetUp", "ok 2", 10*time.Millisecond)
	})
}

func TestControlsWhileInFlight(t *testing.T) {
	// Run under -race: controls and calls from many goroutines at once.
	p := mustNew(t, fake.Config{Value: 1, Errors: map[providers.Class]float64{providers.Transient: 0.1}})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				switch (g + i) % 50 {
				case 0:
					p.SetDown(providers.Unavailable)
				case 1:
					p.SetSlow(1.5)
				case 2:
					p.SetUp()
				case 3:
					p.Stats()
				}
				outcome(p, req)
			}
		})
	}
	wg.Wait()
	s := p.Stats()
	assert.EqualValues(t, 4000, s.Calls)
	assert.EqualValues(t, 4000, s.Successes+s.Failed(), "every call accounted for")
	assert.Zero(t, s.InFlight)
}
