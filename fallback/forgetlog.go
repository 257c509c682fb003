package fallback

import (
	"math"
	"sync"
	"sync/atomic"
)

// forgetLog lets a walk that was under way when Forget ran keep nothing
// of a key Forget matched: the walk's answer may come after Forget has
// deleted the key (an attempt in flight a cancelled caller left to the
// walk, a refresh-ahead started by a cache hit that returned), and kept
// then it would put back what Forget removed — after the person's
// resolves had all returned. A walk notes where the log stood when it
// started (begin) and, before keeping an answer, asks whether a Forget
// since then matched its key (forgotten). Only the Forgets a walk under
// way started before are kept: the log is as long as the Forgets made
// during the longest walk.
//
// A forgetLog is safe for concurrent use.
type forgetLog struct {
	mu      sync.Mutex
	seq     atomic.Uint64  // Forgets so far; written with mu held, read without: a walk's check costs no lock when no Forget came
	active  map[uint64]int // walks under way, by the seq they began at; requires mu
	entries []forgotten    // the Forgets a walk under way began before, in order; requires mu
}

// forgotten is one Forget: its seq and what it matched.
type forgotten struct {
	seq   uint64
	match func(key string) bool
}

// begin notes a walk starting and returns the seq it starts at, for
// forgotten and end.
func (f *forgetLog) begin() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.active == nil {
		f.active = make(map[uint64]int)
	}
	seq := f.seq.Load()
	f.active[seq]++
	return seq
}

// end notes the end of a walk that began at seq, and lets go of the
// Forgets no walk under way began before.
func (f *forgetLog) end(seq uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.active[seq]--; f.active[seq] > 0 {
		return
	}
	delete(f.active, seq)
	if len(f.entries) == 0 {
		return // the common case: no Forget to let go of
	}
	// A walk that began at s looks only at the Forgets after s.
	drop := len(f.entries)
	if len(f.active) > 0 {
		oldest := uint64(math.MaxUint64)
		for s := range f.active {
			oldest = min(oldest, s)
		}
		drop = 0
		for drop < len(f.entries) && f.entries[drop].seq <= oldest {
			drop++
		}
	}
	f.entries = append(f.entries[:0], f.entries[drop:]...)
}

// add records a Forget matching match, before it deletes anything: a
// walk that checks forgotten after this keeps nothing it matches, and
// what one kept before is what the Forget deletes.
func (f *forgetLog) add(match func(key string) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	seq := f.seq.Add(1)
	if len(f.active) > 0 {
		f.entries = append(f.entries, forgotten{seq: seq, match: match})
	}
}

// forgotten reports whether a Forget since seq (see begin) matched key.
func (f *forgetLog) forgotten(seq uint64, key string) bool {
	if f.seq.Load() == seq {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range f.entries {
		if e.seq > seq && e.match(key) {
			return true
		}
	}
	return false
}

// since returns what the Forgets since seq (see begin) matched.
func (f *forgetLog) since(seq uint64) []func(key string) bool {
	if f.seq.Load() == seq {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []func(key string) bool
	for _, e := range f.entries {
		if e.seq > seq {
			out = append(out, e.match)
		}
	}
	return out
}
