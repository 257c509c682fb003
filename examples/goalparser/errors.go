package main

import "errors"

// The errors run returns after it has written every goal, so that main
// exits non-zero.
var (
	// errUnreadable: at least one goal could not be parsed; its output
	// names the part that could not be read.
	errUnreadable = errors.New("goals could not be read")
	// errUnresolved: at least one goal's benchmarks could not be
	// resolved, so it has no verdict.
	errUnresolved = errors.New("goals could not be judged")
	// errNoGoals: no goal was given.
	errNoGoals = errors.New(`no goal given: write each goal as an argument, such as goalparser 'cut CPA to $35 by March' (goalparser -help lists the flags)`)
)
