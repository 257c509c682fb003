package cache

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// BenchmarkBytesPerEntry measures the memory one cached answer costs in
// both tiers (read-through and last-known-good), with a key of 40 bytes
// and a source name of 8, as heap bytes per entry after a forced GC.
func BenchmarkBytesPerEntry(b *testing.B) {
	const n = 50000
	for b.Loop() {
		b.StopTimer()
		c, err := New(Config{MaxCost: 1 << 30, LastGoodCapacity: n})
		if err != nil {
			b.Fatal(err)
		}
		empty := heap()
		now := time.Now()
		b.StartTimer()
		for i := range n {
			c.Put(fmt.Sprintf("cpc?keyword=keyword-%012d&market=us", i), Entry{Value: float64(i), ObservedAt: now, StoredAt: now, Source: "provider", Confidence: 0.9, Layer: 1}, time.Hour)
		}
		b.StopTimer()
		b.ReportMetric(float64(heap()-empty)/n, "bytes/entry")
		c.Close()
		b.StartTimer()
	}
}

func heap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
