package redisstore

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"time"

	"github.com/strata-go/strata/cache"
)

// The value stored for an entry, format 1, little-endian:
//
//	offset size
//	0      1    format (1)
//	1      1    Layer
//	2      8    Value (IEEE 754 bits)
//	10     8    Confidence (IEEE 754 bits)
//	18     8    ObservedAt, Unix seconds (int64)
//	26     4    ObservedAt, nanoseconds within the second (uint32)
//	30     8    StoredAt, Unix seconds
//	38     4    StoredAt, nanoseconds
//	42     n    Source (the rest but the checksum)
//	42+n   4    CRC-32C (Castagnoli) of everything before it
//
// Times keep their instant to the nanosecond (the zero time included) but
// not their location nor monotonic reading: they decode in UTC, equal
// (time.Time.Equal) to what was stored.
const (
	format1    = 1
	headerSize = 42
	sumSize    = 4
	minSize    = headerSize + sumSize
)

// MaxEntrySize bounds the encoding of an entry, in bytes: Set refuses a
// longer one, and Get deletes a longer value without reading it. An entry
// is 46 bytes and its Source (a provider's name); 64 KiB leaves room for
// any Source while keeping a read far below what Config.Timeout allows
// (a value of megabytes takes longer than 50ms to transfer, and would be
// taken for Redis not answering).
const MaxEntrySize = 64 << 10

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// checkEntry reports why e must not be stored, or nil.
func checkEntry(e cache.Entry) error {
	if math.IsNaN(e.Value) || math.IsInf(e.Value, 0) {
		return fmt.Errorf("%w: value %v is not finite", ErrInvalidEntry, e.Value)
	}
	if !(e.Confidence >= 0 && e.Confidence <= 1) {
		return fmt.Errorf("%w: confidence %v is outside [0, 1]", ErrInvalidEntry, e.Confidence)
	}
	if n := minSize + len(e.Source); n > MaxEntrySize {
		return fmt.Errorf("%w: %d bytes encoded, more than MaxEntrySize (%d)", ErrInvalidEntry, n, MaxEntrySize)
	}
	return nil
}

// appendEntry appends e's encoding to b.
func appendEntry(b []byte, e cache.Entry) []byte {
	start := len(b)
	b = append(b, format1, e.Layer)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(e.Value))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(e.Confidence))
	b = appendTime(b, e.ObservedAt)
	b = appendTime(b, e.StoredAt)
	b = append(b, e.Source...)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

// appendSum appends the checksum of b to b.
func appendSum(b []byte) []byte {
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

func appendTime(b []byte, t time.Time) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(t.Unix()))
	return binary.LittleEndian.AppendUint32(b, uint32(t.Nanosecond()))
}

// laterFormat reports whether b is, by its first byte, an entry of a
// format later than this version writes (2 to 31: a newer strata writing
// the same namespace). A printable first byte is no format (another
// program's text or JSON).
func laterFormat(b []byte) bool { return len(b) > 0 && b[0] > format1 && b[0] < 0x20 }

// decodeEntry decodes b, refusing anything appendEntry could not have
// produced from an entry checkEntry accepts. The reason is for
// CorruptError.
func decodeEntry(b []byte) (cache.Entry, string) {
	if len(b) < minSize {
		return cache.Entry{}, fmt.Sprintf("%d bytes, want at least %d", len(b), minSize)
	}
	if b[0] != format1 {
		return cache.Entry{}, fmt.Sprintf("unknown format %d", b[0])
	}
	body, sum := b[:len(b)-sumSize], binary.LittleEndian.Uint32(b[len(b)-sumSize:])
	if crc32.Checksum(body, castagnoli) != sum {
		return cache.Entry{}, "checksum mismatch"
	}
	e := cache.Entry{
		Layer:      b[1],
		Value:      math.Float64frombits(binary.LittleEndian.Uint64(b[2:])),
		Confidence: math.Float64frombits(binary.LittleEndian.Uint64(b[10:])),
		Source:     string(body[headerSize:]),
	}
	var ok1, ok2 bool
	e.ObservedAt, ok1 = decodeTime(b[18:])
	e.StoredAt, ok2 = decodeTime(b[30:])
	if !ok1 || !ok2 {
		return cache.Entry{}, "nanoseconds out of range"
	}
	if err := checkEntry(e); err != nil {
		return cache.Entry{}, err.Error()
	}
	return e, ""
}

func decodeTime(b []byte) (time.Time, bool) {
	sec := int64(binary.LittleEndian.Uint64(b))
	nsec := binary.LittleEndian.Uint32(b[8:])
	if nsec >= 1e9 {
		return time.Time{}, false
	}
	if sec == zeroUnix && nsec == 0 {
		return time.Time{}, true // keep IsZero true
	}
	return time.Unix(sec, int64(nsec)).UTC(), true
}

// zeroUnix is time.Time{}.Unix().
var zeroUnix = time.Time{}.Unix()
