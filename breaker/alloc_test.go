//go:build !race

// The race detector's instrumentation allocates where the code does not,
// so the allocation promises are checked without it.

package breaker

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Acquire is the form of Allow that never allocates: a call a closed
// breaker admits, with its Done, and a call an open one refuses.
func TestAcquireDoesNotAllocate(t *testing.T) {
	b, err := New(Config{})
	require.NoError(t, err)
	closed := testing.AllocsPerRun(100, func() {
		p, err := b.Acquire()
		if err != nil {
			t.Fatal(err)
		}
		p.Done(Success)
	})
	assert.Zero(t, closed, "closed")

	open, err := New(Config{ConsecutiveFailures: 1})
	require.NoError(t, err)
	p, err := open.Acquire()
	require.NoError(t, err)
	p.Done(Failure)
	require.Equal(t, Open, open.State())
	refused := testing.AllocsPerRun(100, func() {
		if _, err := open.Acquire(); !errors.Is(err, ErrOpen) {
			t.Fatal(err)
		}
	})
	assert.Zero(t, refused, "open")
}

// Execute allocates nothing of its own (its doc): a success, a failure
// (classified or not), a call the open breaker refuses and one a done ctx
// refuses, with fn and classify that allocate nothing.
func TestExecuteAllocatesNothingOfItsOwn(t *testing.T) {
	ctx := context.Background()
	failed := errors.New("down")
	ok := func(context.Context) error { return nil }
	fail := func(context.Context) error { return failed }
	classify := func(error) Outcome { return Neutral }
	b, err := New(Config{})
	require.NoError(t, err)
	open, err := New(Config{ConsecutiveFailures: 1})
	require.NoError(t, err)
	require.ErrorIs(t, open.Execute(ctx, fail, nil), failed)
	require.Equal(t, Open, open.State())
	done, cancel := context.WithCancel(ctx)
	cancel()
	for name, f := range map[string]func() error{
		"success":           func() error { return b.Execute(ctx, ok, nil) },
		"classified":        func() error { return b.Execute(ctx, fail, classify) },
		"refused, open":     func() error { return open.Execute(ctx, ok, nil) },
		"refused, ctx done": func() error { return b.Execute(done, ok, nil) },
	} {
		var err error
		allocs := testing.AllocsPerRun(100, func() { err = f() })
		assert.Zero(t, allocs, name)
		if name != "success" {
			assert.Error(t, err, name)
		}
	}
	// A failure counted as one: on a breaker that trips on no count, for
	// fewer calls (11) than its rate needs (MinimumCalls, 20).
	rate, err := New(Config{ConsecutiveFailures: -1})
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(10, func() { _ = rate.Execute(ctx, fail, nil) })
	assert.Equal(t, Closed, rate.State())
	assert.Zero(t, allocs, "failure")
}
