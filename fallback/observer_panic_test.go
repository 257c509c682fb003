package fallback

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Observer's doc: an observer that panics "loses that event (counted in
// CallbackFailures)" — the process and the resolve go on, and the
// observer gets the events after it.
func TestAnObserverThatPanicsLosesOnlyThatEvent(t *testing.T) {
	var mu sync.Mutex
	var got []EventKind
	panicked := false
	obs := ObserverFunc(func(_ context.Context, e Event) {
		mu.Lock()
		defer mu.Unlock()
		if !panicked && e.Kind == EventAttemptStart {
			panicked = true
			panic("observer exploded")
		}
		got = append(got, e.Kind)
	})
	r := newTestResolver(t, testConfig(), newStub(1.25), newStub(1), WithObserver(obs))
	res, err := r.Resolve(context.Background(), "cpc", shoes)
	require.NoError(t, err)
	assert.Equal(t, 1.25, res.Value)
	require.NoError(t, r.Close()) // hands the observer every event
	assert.EqualValues(t, 1, r.Snapshot().Overall.CallbackFailures)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []EventKind{EventAttempt, EventResolve}, got, "the events after the one lost")
}
