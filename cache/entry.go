package cache

import "time"

// Entry is one cached answer: a plain value, copied in and out of the
// cache. Its methods mean the same for every entry, stored or not.
type Entry struct {
	// Value is the answer.
	Value float64
	// ObservedAt is when the source measured it; freshness counts from
	// here.
	ObservedAt time.Time
	// StoredAt is when the cache got it; the TTL counts from here.
	StoredAt time.Time
	// Source names the provider that produced it.
	Source string
	// Confidence is the source's confidence in it, in [0, 1].
	Confidence float64
	// Layer is the layer that produced it (1 primary, 2 secondary).
	Layer uint8
}

// Freshness returns the entry's freshness at now for the data type's
// half-life: Freshness(now − ObservedAt, halfLife).
func (e Entry) Freshness(halfLife time.Duration, now time.Time) float64 {
	return Freshness(now.Sub(e.ObservedAt), halfLife)
}
