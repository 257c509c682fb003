package stats

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"time"
)

// Period is the spacing of a regular series: the bucket into which a key's
// observations are averaged before a model sees them. It is a fixed
// duration (hourly, daily, weekly, or any time.Duration) or the calendar
// month. The zero Period is invalid; use one of the named periods or
// PeriodOf.
type Period struct {
	d       time.Duration
	monthly bool
}

// The named periods.
var (
	Hourly  = Period{d: time.Hour}
	Daily   = Period{d: 24 * time.Hour}
	Weekly  = Period{d: 7 * 24 * time.Hour}
	Monthly = Period{monthly: true}
)

// PeriodOf returns the fixed period d. d must be positive.
func PeriodOf(d time.Duration) Period { return Period{d: d} }

// ParsePeriod reads "hourly", "daily", "weekly", "monthly", or a positive
// Go duration ("6h").
func ParsePeriod(s string) (Period, error) {
	switch s {
	case "hourly":
		return Hourly, nil
	case "daily":
		return Daily, nil
	case "weekly":
		return Weekly, nil
	case "monthly":
		return Monthly, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return Period{}, fmt.Errorf("stats: invalid period %q: want hourly, daily, weekly, monthly or a positive duration", s)
	}
	return Period{d: d}, nil
}

// IsZero reports whether p is the zero (unset) Period.
func (p Period) IsZero() bool { return p.d <= 0 && !p.monthly }

// String returns the period's name, or its duration.
func (p Period) String() string {
	switch {
	case p.monthly:
		return "monthly"
	case p == Hourly:
		return "hourly"
	case p == Daily:
		return "daily"
	case p == Weekly:
		return "weekly"
	case p.d <= 0:
		return ""
	}
	return p.d.String()
}

// MarshalText encodes the period as String does: the zero Period as "".
func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText decodes what ParsePeriod reads, and "" as the zero Period
// (unset: a configuration's default applies), so that what MarshalText
// wrote reads back.
func (p *Period) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*p = Period{}
		return nil
	}
	v, err := ParsePeriod(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Approx returns the period's length, with a month counted as 30.44 days.
func (p Period) Approx() time.Duration {
	if p.monthly {
		return time.Duration(30.436875 * 24 * float64(time.Hour))
	}
	return p.d
}

// SeasonLength returns the usual seasonal cycle of a series with this
// spacing, in periods: 24 for hourly, 7 for daily, 52 for weekly, 12 for
// monthly, and 1 (no seasonality) otherwise.
func (p Period) SeasonLength() int {
	switch p {
	case Hourly:
		return 24
	case Daily:
		return 7
	case Weekly:
		return 52
	case Monthly:
		return 12
	}
	return 1
}

// Index returns the number of the bucket holding t: months since year 0
// for Monthly, whole periods since the Unix epoch otherwise (in UTC). A
// number beyond the int64 range (a period of nanoseconds, a date centuries
// away) stops at its limit.
func (p Period) Index(t time.Time) int64 {
	if p.monthly {
		u := t.UTC()
		return int64(u.Year())*12 + int64(u.Month()) - 1
	}
	if p.d <= 0 {
		return 0
	}
	if sec := t.Unix(); sec <= -nanoRange || sec >= nanoRange {
		// t.UnixNano is undefined beyond the years 1678 to 2262: a row
		// dated 2610 would land in a bucket of 2026.
		n := new(big.Int).Mul(big.NewInt(sec), big.NewInt(1e9))
		n.Add(n, big.NewInt(int64(t.Nanosecond())))
		return saturate(n.Div(n, big.NewInt(int64(p.d)))) // Euclidean: the floor
	}
	ns := t.UnixNano()
	idx := ns / int64(p.d)
	if ns < 0 && ns%int64(p.d) != 0 {
		idx--
	}
	return idx
}

// nanoRange is the seconds from the Unix epoch beyond which (either way)
// an instant's Unix nanoseconds may not fit an int64.
const nanoRange = math.MaxInt64/1_000_000_000 - 1

// saturate returns n, or the int64 limit it is beyond.
func saturate(n *big.Int) int64 {
	switch {
	case n.IsInt64():
		return n.Int64()
	case n.Sign() < 0:
		return math.MinInt64
	default:
		return math.MaxInt64
	}
}

// Start returns the first instant of bucket idx.
func (p Period) Start(idx int64) time.Time {
	if p.monthly {
		return time.Date(int(idx/12), time.Month(idx%12+1), 1, 0, 0, 0, 0, time.UTC)
	}
	ns, overflow := bits.Mul64(uint64(max(idx, -idx)), uint64(p.d))
	if overflow != 0 || ns > math.MaxInt64 {
		// Beyond the int64 nanoseconds time.Unix(0, ns) takes.
		n := new(big.Int).Mul(big.NewInt(idx), big.NewInt(int64(p.d)))
		sec, nsec := new(big.Int).DivMod(n, big.NewInt(1e9), new(big.Int))
		return time.Unix(saturate(sec), nsec.Int64()).UTC()
	}
	return time.Unix(0, idx*int64(p.d)).UTC()
}

// Regularize turns irregular observations into a regular series with
// spacing p: the observations in each bucket are averaged, and a bucket
// with none between two that have some is filled by linear interpolation.
// It keeps at most the last maxLen buckets (all when maxLen <= 0) and
// returns them oldest first with the index of the last bucket. Observations
// must be sorted by time, as History returns them; NaN and infinite values
// are skipped. With no usable observation it returns nil and 0.
//
// So that the work is bounded whatever the timestamps (a host's row dated
// year 1, say), observations span buckets or more before the last are
// ignored, span being 4·maxLen+64 or 2^20, whichever is smaller (2^20
// when maxLen <= 0): a gap longer than that is not bridged, and the series
// starts after it.
func Regularize(obs []Observation, p Period, maxLen int) (y []float64, last int64) {
	const maxRegularSpan = 1 << 20
	if p.IsZero() {
		return nil, 0
	}
	first := int64(0)
	found := false
	for _, o := range obs {
		if !finite(o.Value) {
			continue
		}
		i := p.Index(o.At)
		if !found || i < first {
			first = i
		}
		if !found || i > last {
			last = i
		}
		found = true
	}
	if !found {
		return nil, 0
	}
	// Bound the work whatever the timestamps: older buckets than this are
	// dropped, and a gap before them is not bridged (see the doc).
	span := int64(maxRegularSpan)
	if maxLen > 0 && int64(maxLen) < span {
		span = min(span, 4*int64(maxLen)+64)
	}
	// Unsigned, the difference of two indices cannot overflow (with a
	// period of a nanosecond, two dates centuries apart would).
	if uint64(last)-uint64(first) >= uint64(span) {
		first = last - span + 1
	}
	n := int(last - first + 1)
	if y, ok := oneABucket(obs, p, first, n); ok {
		if maxLen > 0 && len(y) > maxLen {
			y = y[len(y)-maxLen:]
		}
		return y, last
	}
	sum := make([]float64, n)
	cnt := make([]int, n)
	for _, o := range obs {
		if !finite(o.Value) {
			continue
		}
		idx := p.Index(o.At)
		if idx < first {
			continue
		}
		i := idx - first
		// A running mean: a sum of finite values near the float64 limit
		// would overflow, and so does the difference of two of opposite
		// signs, which is then divided first.
		cnt[i]++
		c := float64(cnt[i])
		if d := o.Value - sum[i]; !math.IsInf(d, 0) {
			sum[i] += d / c
		} else {
			sum[i] += o.Value/c - sum[i]/c
		}
	}
	// Start at the first bucket with a value: the span cut may have left
	// empty buckets before it, with nothing to interpolate from.
	lead := 0
	for cnt[lead] == 0 {
		lead++
	}
	sum, cnt, n = sum[lead:], cnt[lead:], n-lead
	y = sum
	prev := -1
	for i := range n {
		if cnt[i] == 0 {
			continue
		}
		y[i] = sum[i]
		if prev >= 0 && i-prev > 1 {
			for j := prev + 1; j < i; j++ {
				w := float64(j-prev) / float64(i-prev)
				y[j] = y[prev]*(1-w) + y[i]*w
			}
		}
		prev = i
	}
	// Interpolate first, then keep the tail, so the kept head is
	// interpolated from the points before it.
	if maxLen > 0 && len(y) > maxLen {
		y = y[len(y)-maxLen:]
	}
	return y, last
}

// oneABucket returns the series of obs when its finite observations are
// one a bucket, in order, from bucket first on for n buckets — the usual
// case, which needs no averaging nor interpolation — and false otherwise.
func oneABucket(obs []Observation, p Period, first int64, n int) ([]float64, bool) {
	k := 0
	for _, o := range obs {
		if !finite(o.Value) {
			continue
		}
		if k == n || p.Index(o.At) != first+int64(k) {
			return nil, false
		}
		k++
	}
	if k != n {
		return nil, false
	}
	y := make([]float64, 0, n)
	for _, o := range obs {
		if finite(o.Value) {
			y = append(y, o.Value)
		}
	}
	return y, true
}
