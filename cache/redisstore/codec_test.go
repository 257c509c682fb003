package redisstore

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/strata-go/strata/cache"
)

func TestCodecRoundTrip(t *testing.T) {
	e := cache.Entry{
		Value:      1.32,
		ObservedAt: time.Date(2026, 11, 25, 10, 30, 0, 123456789, time.FixedZone("X", -5*3600)),
		StoredAt:   time.Now(),
		Source:     "ads",
		Confidence: 0.95,
		Layer:      2,
	}
	b := appendEntry(nil, e)
	if len(b) != minSize+len(e.Source) {
		t.Fatalf("encoded %d bytes, want %d", len(b), minSize+len(e.Source))
	}
	got, reason := decodeEntry(b)
	if reason != "" {
		t.Fatal(reason)
	}
	want := e
	want.ObservedAt = e.ObservedAt.UTC()
	want.StoredAt = e.StoredAt.UTC().Round(0)
	if got != want {
		t.Fatalf("decoded %#v\nwant    %#v", got, want)
	}
	// Appending keeps what was there.
	b2 := appendEntry([]byte("head"), e)
	if !bytes.Equal(b2[4:], b) {
		t.Fatal("appendEntry after a prefix differs")
	}
}

func TestCheckEntry(t *testing.T) {
	for _, e := range []cache.Entry{
		{Value: math.NaN()}, {Value: math.Inf(1)}, {Value: 1, Confidence: 2}, {Value: 1, Confidence: math.NaN()},
	} {
		if checkEntry(e) == nil {
			t.Errorf("checkEntry(%+v) accepted it", e)
		}
	}
	if err := checkEntry(cache.Entry{Value: -1e300, Confidence: 1}); err != nil {
		t.Error(err)
	}
}

// FuzzDecodeEntry: any bytes either decode to an entry that encodes back
// to the same bytes, or are refused with a reason; nothing panics.
func FuzzDecodeEntry(f *testing.F) {
	f.Add(appendEntry(nil, cache.Entry{Value: 1, Source: "ads", Confidence: 0.5, StoredAt: time.Unix(1, 2)}))
	f.Add(appendEntry(nil, cache.Entry{}))
	f.Add([]byte("garbage"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, reason := decodeEntry(b)
		if reason != "" {
			if e != (cache.Entry{}) {
				t.Fatalf("refused (%s) but returned %+v", reason, e)
			}
			return
		}
		if checkEntry(e) != nil {
			t.Fatalf("decoded an entry Set would refuse: %+v", e)
		}
		if again := appendEntry(nil, e); !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs:\n%x\n%x", again, b)
		}
	})
}

// FuzzEncodeEntry: every entry Set accepts decodes to itself (in UTC).
func FuzzEncodeEntry(f *testing.F) {
	f.Add(1.5, 0.9, int64(1e9), int64(5), int64(-1e9), int64(0), "ads", uint8(1))
	f.Fuzz(func(t *testing.T, v, conf float64, os, on, ss, sn int64, src string, layer uint8) {
		e := cache.Entry{Value: v, Confidence: conf, ObservedAt: time.Unix(os, on), StoredAt: time.Unix(ss, sn), Source: src, Layer: layer}
		if checkEntry(e) != nil {
			return
		}
		got, reason := decodeEntry(appendEntry(nil, e))
		if reason != "" {
			t.Fatalf("%+v: %s", e, reason)
		}
		if math.Float64bits(got.Value) != math.Float64bits(v) || got.Confidence != conf || got.Source != src || got.Layer != layer ||
			!got.ObservedAt.Equal(e.ObservedAt) || !got.StoredAt.Equal(e.StoredAt) {
			t.Fatalf("decoded %+v, want %+v", got, e)
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	e := cache.Entry{Value: 1.32, ObservedAt: time.Now(), StoredAt: time.Now(), Source: "ads", Confidence: 0.95, Layer: 1}
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendEntry(buf[:0], e)
	}
}

func BenchmarkDecode(b *testing.B) {
	raw := appendEntry(nil, cache.Entry{Value: 1.32, ObservedAt: time.Now(), StoredAt: time.Now(), Source: "ads", Confidence: 0.95, Layer: 1})
	b.ReportAllocs()
	for b.Loop() {
		if _, reason := decodeEntry(raw); reason != "" {
			b.Fatal(reason)
		}
	}
}
