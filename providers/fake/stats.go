package fake

import "github.com/strata-go/strata/providers"

// Stats counts what a fake has done. When no call is in flight, and no
// batch panicked, Calls = Successes + Failed() + Panics.
type Stats struct {
	// Calls is the number of requests that reached the fake: one per
	// Fetch, one per request of each FetchBatch.
	Calls int64
	// Successes is the number answered with a nil error, garbage
	// included.
	Successes int64
	// Garbage is the number of successes whose value was garbage.
	Garbage int64
	// Failures counts failed requests by class; classes with no failure
	// are absent. A request ended by its context counts as Canceled or
	// Transient (deadline), as providers.Classify says.
	Failures map[providers.Class]int64
	// Panics is the number of injected panics (a batch that panics
	// counts once).
	Panics int64
	// Hangs is the number of requests that hung until their context was
	// done (they also count among Failures).
	Hangs int64
	// InFlight is the number of Fetch and FetchBatch calls running now.
	InFlight int64
	// MaxInFlight is the most that ever ran at once.
	MaxInFlight int64
	// Batches is the number of FetchBatch calls (a Batch only).
	Batches int64
	// Batched is the number of requests they carried.
	Batched int64
	// LargestBatch is the length of the largest batch.
	LargestBatch int
}

// Failed returns the total number of failures, all classes together.
func (s Stats) Failed() int64 {
	var n int64
	for _, v := range s.Failures {
		n += v
	}
	return n
}

// Calls returns the number of requests that reached the fake so far (see
// Stats.Calls).
func (p *Provider) Calls() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls
}

// Stats returns a snapshot of the fake's counters.
func (p *Provider) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := Stats{
		Calls:        p.calls,
		Successes:    p.successes,
		Garbage:      p.garbage,
		Failures:     make(map[providers.Class]int64),
		Panics:       p.panics,
		Hangs:        p.hangs,
		InFlight:     p.inFlight,
		MaxInFlight:  p.maxInFlight,
		Batches:      p.batches,
		Batched:      p.batched,
		LargestBatch: p.maxBatch,
	}
	for c, n := range p.failures {
		if n > 0 {
			s.Failures[providers.Class(c)] = n
		}
	}
	return s
}

// CallsFor returns the number of requests with req's data type and params
// that reached the fake. It panics unless Config.TrackKeys was set.
func (p *Provider) CallsFor(req providers.Request) int64 {
	if !p.trackKeys {
		panic("fake: CallsFor needs Config.TrackKeys")
	}
	k := requestKey(req)
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.keys[k]
}
