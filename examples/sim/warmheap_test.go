//go:build !race

// The race detector maps shadow memory for the heap and faults it in on
// its own schedule, so page faults say nothing about warmHeap under it.

package main

import (
	"os"
	"runtime/debug"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// minorFaults is how many minor page faults the process has taken.
func minorFaults(t *testing.T) int64 {
	t.Helper()
	var ru syscall.Rusage
	require.NoError(t, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return ru.Minflt
}

// touch allocates n bytes in 1 MB chunks and writes a byte of every page.
func touch(n int) [][]byte {
	var chunks [][]byte
	for range n >> 20 {
		b := make([]byte, 1<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		chunks = append(chunks, b)
	}
	return chunks
}

// After warmHeap, a run that grows its heap by most of what was warmed
// takes few page faults: the pages are the process's already. From a
// cold heap (what earlier tests left free handed back to the OS) the same
// growth faults in about every page.
func TestWarmHeapLeavesTheHeapMapped(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no Linux rusage to count page faults with")
	}
	defer func(n int) { warmHeapBytes = n }(warmHeapBytes)
	warmHeapBytes = 32 << 20
	run := warmHeapBytes * 3 / 4
	pages := int64(run / 4096)

	debug.FreeOSMemory()
	before := minorFaults(t)
	cold := touch(run)
	coldFaults := minorFaults(t) - before
	cold = nil
	_ = cold

	debug.FreeOSMemory()
	warmHeap()
	// The background scavenger hands free pages back to the OS at its own
	// pace, faster on a loaded machine: with the collector off the heap has
	// no goal to scavenge down to while the warmed pages are counted.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	before = minorFaults(t)
	warm := touch(run)
	warmFaults := minorFaults(t) - before
	_ = warm

	assert.Greater(t, coldFaults, pages/2, "a cold heap faults the pages in")
	assert.Less(t, warmFaults, pages/4, "a warmed one does not (cold: %d faults)", coldFaults)
}
