package main

import (
	"os"
	"testing"
)

// TestMain turns the heap warm-up off for the tests: they run many small
// scenarios under synctest, where no time is measured.
// TestWarmHeapLeavesTheHeapMapped turns it on for itself.
func TestMain(m *testing.M) {
	warmHeapBytes = 0
	os.Exit(m.Run())
}
