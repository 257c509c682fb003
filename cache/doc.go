// Package cache keeps strata's answers: a read-through tier on ristretto
// for the hot path, and a last-known-good store that never silently drops
// what it was given, scored for freshness by the data type's half-life.
//
// The resolver in package fallback uses it twice per key. Before calling
// any provider it asks Fresh: an entry younger than the data type's TTL is
// served as is (read-through caching). After every provider failed it asks
// LastGood and serves the entry as layer 3 when Accept passes for its
// confidence and freshness (stale-if-error).
//
// Two stores, because ristretto's admission policy (TinyLFU) may refuse a
// write: fine for a hot tier, wrong for the value of last resort. The
// last-known-good store is a plain LRU with an explicit capacity; an entry
// leaves it only when a newer key pushes it out, when it is deleted, or
// when it is replaced.
//
// Package cache imports nothing else from strata but internal helpers.
package cache
