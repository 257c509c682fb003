package main

import "runtime"

// warmHeapBytes is how much heap warmHeap maps before each system's run:
// above the largest heap a shipped scenario reaches (blackout-herd's heap
// goal peaks at about 55 MB). The package's tests, which run many small
// scenarios under synctest and measure no time, set it to 0.
var warmHeapBytes = 64 << 20

// warmHeap has the Go runtime map and touch warmHeapBytes of heap, then
// frees it: the pages stay with the process (the scavenger hands them
// back to the OS slowly), so the run that follows grows its heap into
// memory the kernel has already given it, as a process that has served
// for a while does. Without it a run's first heap growth takes page
// faults in the middle of its first burst: in blackout-herd, where 200
// goroutines start at once against a 20 ms deadline, that alone made
// 36–106 resolves of 20000 late, every one in the first 200 ms, and
// none with the heap warmed (docs/sim.md). Each system gets its own, so
// the baseline, which runs second, no longer inherits the heap strata's
// run left it.
func warmHeap() {
	chunks := make([][]byte, 0, warmHeapBytes>>20)
	for range warmHeapBytes >> 20 {
		b := make([]byte, 1<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		chunks = append(chunks, b)
	}
	runtime.KeepAlive(chunks)
	chunks = nil
	runtime.GC()
}
