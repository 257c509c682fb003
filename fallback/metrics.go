package fallback

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
	"unsafe"
)

// metrics are the resolver's own counters for the snapshot. The overall
// counts are sums over the data types, so a cache hit touches one counter.
type metrics struct {
	cost    atomic.Int64 // nano-units
	latency histogram
}

// typeMetrics count one data type's resolves by layer; slot 0 (no layer)
// counts those that failed. Hits of the read-through tier, the one count
// every core bumps at full speed, are spread over stripes of their own
// cache lines: one shared counter made two cores hitting one key take
// twice as long as one.
type typeMetrics struct {
	layers [len(layerNames)]atomic.Int64
	_      [64]byte // keep layers off the stripes' lines
	hits   [hitStripes]hitStripe
}

// hitStripes is the number of hit counters.
const (
	hitStripeBits = 3
	hitStripes    = 1 << hitStripeBits
)

type hitStripe struct {
	n atomic.Int64
	_ [56]byte // a cache line each
}

// hit counts a read-through hit and returns the count of the stripe it
// went to. The stripe is picked, for free (a random draw would cost a
// cache hit 3% of its time), by a Fibonacci hash of the address of the
// calling goroutine's stack at 2 KiB grain, a goroutine's smallest
// stack: stable for a goroutine while its stack stays put, and spread
// across goroutines running at once. Two sharing a stripe cost only
// contention.
func (m *typeMetrics) hit() int64 {
	var here byte
	x := uint64(uintptr(unsafe.Pointer(&here)) >> 11)
	return m.hits[(x*0x9E3779B97F4A7C15)>>(64-hitStripeBits)].n.Add(1)
}

// count returns the resolves answered from layer (0: failed).
func (m *typeMetrics) count(layer Layer) int64 {
	n := m.layers[layer].Load()
	if layer == LayerCache {
		for i := range m.hits {
			n += m.hits[i].n.Load()
		}
	}
	return n
}

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

// latencySample is how often a cache hit is timed (one in latencySample):
// reading the clock a second time would cost a cache hit a tenth of its
// time. Each timed hit is recorded as latencySample observations, so hits
// keep their weight against misses, which are always timed, and the mean
// and percentiles stay unbiased.
const latencySample = 32

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
