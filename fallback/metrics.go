package fallback

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// metrics are the resolver's own counters for the snapshot. The overall
// counts are sums over the data types, so a cache hit touches one counter.
// latency times the resolves not answered by a fresh cache hit.
type metrics struct {
	cost atomic.Int64 // nano-units
	// callbackFailures counts host callbacks' contained failures: panics,
	// calls abandoned at their deadline, shared entries refused.
	callbackFailures atomic.Int64
	fits             atomic.Int64 // forecast fits made
	latency          histogram
}

// typeMetrics count one data type's resolves by layer; slot 0 (no layer)
// counts those that failed.
type typeMetrics struct {
	layers [len(layerNames)]atomic.Int64
}

// count returns the resolves answered from layer (0: failed).
func (m *typeMetrics) count(layer Layer) int64 { return m.layers[layer].Load() }

// histogram is a lock-free latency histogram with power-of-two buckets of
// microseconds: bucket i holds latencies in [2^(i-1), 2^i) µs.
type histogram struct {
	count   atomic.Int64
	sum     atomic.Int64 // nanoseconds
	buckets [40]atomic.Int64
}

func (h *histogram) observe(d time.Duration) { h.observeN(d, 1) }

// observeN records d as n observations: a sample standing for n.
func (h *histogram) observeN(d time.Duration, n int64) {
	if d < 0 {
		d = 0
	}
	h.count.Add(n)
	h.sum.Add(int64(d) * n)
	us := uint64(d / time.Microsecond)
	i := bits.Len64(us)
	if i >= len(h.buckets) {
		i = len(h.buckets) - 1
	}
	h.buckets[i].Add(n)
}

// mean returns the mean latency, or 0.
func (h *histogram) mean() time.Duration {
	n := h.count.Load()
	if n == 0 {
		return 0
	}
	return time.Duration(h.sum.Load() / n)
}

// quantile returns the upper bound of the bucket holding quantile q: an
// overestimate by at most a factor of two.
func (h *histogram) quantile(q float64) time.Duration {
	n := h.count.Load()
	if n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(n)))
	var seen int64
	for i := range h.buckets {
		seen += h.buckets[i].Load()
		if seen >= rank {
			if i == 0 {
				return time.Microsecond
			}
			return time.Duration(uint64(1)<<uint(i)) * time.Microsecond
		}
	}
	return time.Duration(uint64(1)<<uint(len(h.buckets)-1)) * time.Microsecond
}

// count records a finished resolve and returns the running count of its
// data type's answers from that layer. Money is counted as each attempt
// is paid (walk.record), so that walks no resolve waits for to the end —
// background refreshes, a coalesced walk its callers gave up on — count.
func (r *Resolver) count(dt *dataType, layer Layer, failed bool) int64 {
	if failed {
		layer = 0
	}
	return dt.metrics.layers[layer].Add(1)
}
