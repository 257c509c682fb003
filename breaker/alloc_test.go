//go:build !race

// The race detector's instrumentation allocates where the code does not,
// so the allocation promises are checked without it.

package breaker

import (
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
