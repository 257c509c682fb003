package main

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMain turns the heap warm-up off for the other tests: they run many
// small scenarios under synctest, where no time is measured.
func TestMain(m *testing.M) {
	warmHeapBytes = 32 << 20
	os.Exit(m.Run())
}

// warmHeap leaves the heap it touched mapped and free for the run: the
// runtime's free heap bytes (mapped, not handed back to the OS) are then
// at least about what it touched.
func TestWarmHeapLeavesTheHeapMapped(t *testing.T) {
	defer func(n int) { warmHeapBytes = n }(warmHeapBytes)
	warmHeapBytes = 32 << 20
	sample := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}}
	debug.FreeOSMemory() // what earlier tests left free goes back to the OS
	metrics.Read(sample)
	require.Less(t, sample[0].Value.Uint64(), uint64(warmHeapBytes)/4)
	warmHeap()
	metrics.Read(sample)
	assert.GreaterOrEqual(t, sample[0].Value.Uint64(), uint64(warmHeapBytes)*3/4)
}
