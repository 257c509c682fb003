package main

import (
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// On Linux the run delay is read and never goes back; elsewhere it is
// reported absent, not zero.
func TestCPUWait(t *testing.T) {
	w0, ok := cpuWait()
	if _, err := os.Stat("/proc/self/task"); err != nil {
		assert.False(t, ok)
		assert.Zero(t, w0)
		return
	}
	require.True(t, ok, "schedstat is readable on this kernel")
	assert.GreaterOrEqual(t, w0, time.Duration(0))
	// Keep more threads runnable than there are Ps for a while.
	done := make(chan struct{})
	for range runtime.GOMAXPROCS(0) + 1 {
		go func() {
			x := 0
			for {
				select {
				case <-done:
					return
				default:
					x++
				}
			}
		}()
	}
	for range 1000 {
		runtime.Gosched()
	}
	close(done)
	w1, ok := cpuWait()
	require.True(t, ok)
	assert.GreaterOrEqual(t, w1, w0, "a run delay only grows")
}
