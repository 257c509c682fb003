package fallback

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"

	"github.com/strata-go/strata/internal/sat"
)

// metrics are the resolver's own counters for the snapshot. The overall
// counts are sums over the data types, so a cache hit touches one counter
// and one slot of the trailing windows (its second's). latency times the
// resolves not answered by a fresh cache hit.
type metrics struct {
	cost atomic.Int64 // nano-units
	// callbackFailures counts host callbacks' contained failures: panics,
	// calls abandoned at their deadline, shared entries refused.
	callbackFailures atomic.Int64
	fits             atomic.Int64 // forecast fits made
	quickFits        atomic.Int64 // of those, quick fits (see ForecastConfig.DisableQuickFit)
	// The fill claims (claim.go): taken, found taken, and waits served
	// the claimant's answer.
	claimsWon, claimsLost, claimWaitsServed atomic.Int64
	latency                                 histogram
	windows                                 windows // the trailing minute and hour
}

// typeMetrics count one data type's resolves by layer; slot 0 (no layer)
// counts those that failed.
type typeMetrics struct {
	layers [len(layerNames)]atomic.Int64
}

// count returns the resolves answered from layer (0: failed).
func (m *typeMetrics) count(layer Layer) int64 { return m.layers[layer].Load() }

// spend counts c nano-units spent at now.
func (m *metrics) spend(now time.Time, c int64) {
	addSaturating(&m.cost, c)
	m.windows.spent(now, c)
}

// addSaturating adds c ≥ 0 to v as sat.Add does: a total that would
// overflow stays at the largest amount instead of turning negative.
func addSaturating(v *atomic.Int64, c int64) {
	for {
		old := v.Load()
		if v.CompareAndSwap(old, sat.Add(old, c)) {
			return
		}
	}
}

// histogram is a lock-free latency histogram with log-linear buckets
// (HDR-style): below 2·histSub nanoseconds one bucket per nanosecond,
// above it histSub buckets per power of two, so that a bucket's midpoint
// is within 1/(2·histSub) — 1.6 % — of every value in it. It covers up to
// 2^histMaxBits ns (about 73 minutes); longer latencies count in the
// last bucket.
type histogram struct {
	count   atomic.Int64
	sum     atomic.Int64 // nanoseconds
	buckets [histBuckets]atomic.Int64
}

const (
	histSubBits = 5
	histSub     = 1 << histSubBits // buckets per power of two
	histMaxBits = 42
	histBuckets = (histMaxBits - histSubBits + 1) * histSub
)

// bucketOf is the bucket holding v nanoseconds.
func bucketOf(v uint64) int {
	if v < 2*histSub {
		return int(v)
	}
	e := bits.Len64(v) - histSubBits - 1 // v>>e is in [histSub, 2·histSub)
	return min(e*histSub+int(v>>uint(e)), histBuckets-1)
}

// bucketMid is the middle of bucket i, in nanoseconds.
func bucketMid(i int) float64 {
	if i < 2*histSub {
		return float64(i)
	}
	e := i/histSub - 1
	lower := uint64(i%histSub+histSub) << uint(e)
	return float64(lower) + float64(uint64(1)<<uint(e))/2
}

func (h *histogram) observe(d time.Duration) {
	d = max(d, 0)
	h.count.Add(1)
	h.sum.Add(int64(d))
	h.buckets[bucketOf(uint64(d))].Add(1)
}

// mean returns the mean latency, or 0.
func (h *histogram) mean() time.Duration {
	n := h.count.Load()
	if n == 0 {
		return 0
	}
	return time.Duration(h.sum.Load() / n)
}

// quantile returns the middle of the bucket holding quantile q (the
// nearest-rank value, ⌈q·n⌉-th smallest): within 1.6 % of it.
func (h *histogram) quantile(q float64) time.Duration {
	n := h.count.Load()
	if n == 0 {
		return 0
	}
	rank := max(int64(math.Ceil(q*float64(n))), 1)
	var seen int64
	for i := range h.buckets {
		seen += h.buckets[i].Load()
		if seen >= rank {
			return time.Duration(math.Round(bucketMid(i)))
		}
	}
	return time.Duration(math.Round(bucketMid(histBuckets - 1)))
}

// count records a resolve that ended at now, in its data type's counts
// and the trailing windows, and returns the running count of its data
// type's answers from that layer. Money is counted as each attempt is
// paid (walk.record), so that walks no resolve waits for to the end —
// background refreshes, a coalesced walk its callers gave up on — count.
func (r *Resolver) count(dt *dataType, layer Layer, failed bool, now time.Time) int64 {
	if failed {
		layer = 0
	}
	r.metrics.windows.resolved(now, layer)
	r.alertsDue(now)
	return dt.metrics.layers[layer].Add(1)
}
