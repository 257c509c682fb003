package main

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// cpuWait returns how long the process's threads have spent ready to run
// but waiting for a CPU, since each started: the run delay Linux reports
// in the second field of /proc/self/task/*/schedstat, summed over the
// threads. On a machine other processes load, it is the time they took
// from the simulation, which no resolver setting can give back. ok is
// false where the kernel does not report it.
func cpuWait() (wait time.Duration, ok bool) {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return 0, false
	}
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + t.Name() + "/schedstat")
		if err != nil {
			continue // the thread has exited
		}
		f := strings.Fields(string(b))
		if len(f) < 2 {
			continue
		}
		ns, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || ns < 0 {
			continue
		}
		wait += time.Duration(ns)
		ok = true
	}
	return wait, ok
}
