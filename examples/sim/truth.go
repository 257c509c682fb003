package main

import (
	"math"
	"math/rand/v2"
	"strings"
)

// simKey is one key of the workload, compiled: its params, its true value
// during the run and its history.
type simKey struct {
	index    int
	dataType string
	params   map[string]string
	canon    string    // the resolver's canonical key (see canonicalKey)
	history  []float64 // true values for t = 0 … points−1
	truth    float64   // the true value during the run (t = points), before any shift
	def      float64   // the configured default
	shifts   []shift   // the truth events that select the key, in order
}

// shift multiplies a key's truth by factor over the request indexes
// [from, to).
type shift struct {
	from, to int64
	factor   float64
}

// truthAt returns the key's true value at request index idx: its truth
// times the factor of every shift holding idx.
func (k *simKey) truthAt(idx int64) float64 {
	v := k.truth
	for _, s := range k.shifts {
		if idx >= s.from && idx < s.to {
			v *= s.factor
		}
	}
	return v
}

// compileKeys computes every key's true series from the scenario's seed,
// and the shifts of its truth during the run from the truth events (by
// request index, as provider events are).
func compileKeys(sc *scenario) []*simKey {
	keys := make([]*simKey, len(sc.Keys))
	for i, ks := range sc.Keys {
		series := truthSeries(ks.Truth, sc.Seed, i, sc.History.Points)
		params := make(map[string]string, len(ks.Params))
		for k, v := range ks.Params {
			params[k] = v
		}
		keys[i] = &simKey{
			index:    i,
			dataType: ks.DataType,
			params:   params,
			canon:    canonicalKey(ks.DataType, ks.Params),
			history:  series[:len(series)-1],
			truth:    series[len(series)-1],
			def:      ks.Default,
		}
		for _, e := range sc.TruthEvents {
			if (e.DataType == "" || e.DataType == ks.DataType) && e.Match.selects(ks.Params) {
				keys[i].shifts = append(keys[i].shifts, shift{from: eventIndex(e.From, sc.Requests), to: eventIndex(e.To, sc.Requests), factor: e.Factor})
			}
		}
	}
	return keys
}

// eventIndex is the request index at fraction f of a run of requests.
func eventIndex(f float64, requests int) int64 {
	return int64(math.Floor(f * float64(requests)))
}

// truthSeries returns the key's true values for t = 0 … points:
//
//	level × (1+trend)^t × (1 + season_amplitude × sin(2πt/season_period)) × (1 + noise × ε_t)
//
// with ε_t standard normal from a generator seeded by the scenario's seed
// and the key's index, truncated at ±3 so that every value stays positive.
func truthSeries(t truthSpec, seed uint64, key, points int) []float64 {
	rng := rand.New(rand.NewPCG(seed, 0x5157a7a0+uint64(key)))
	out := make([]float64, points+1)
	for i := range out {
		eps := clamp3(rng.NormFloat64())
		v := t.Level * math.Pow(1+t.Trend, float64(i))
		if t.SeasonPeriod >= 2 {
			v *= 1 + t.SeasonAmplitude*math.Sin(2*math.Pi*float64(i)/float64(t.SeasonPeriod))
		}
		out[i] = v * (1 + t.Noise*eps)
	}
	return out
}

func clamp3(x float64) float64 { return max(-3, min(3, x)) }

// canonicalKey builds the resolver's canonical cache key, as documented on
// fallback's schema: data_type?name=value&name=value, params sorted by
// name, with '%', '&', '=' and '?' in values percent-escaped. The
// simulator loads each key's history under it (TestCanonicalKey checks it
// against fallback.ParseKey; the blackout scenario's forecasts check that
// the resolver finds the history under it).
func canonicalKey(dataType string, params map[string]string) string {
	var b strings.Builder
	b.WriteString(dataType)
	sep := byte('?')
	for _, name := range sortedKeys(params) {
		b.WriteByte(sep)
		sep = '&'
		b.WriteString(name)
		b.WriteByte('=')
		for i := 0; i < len(params[name]); i++ {
			switch c := params[name][i]; c {
			case '%', '&', '=', '?':
				const hex = "0123456789ABCDEF"
				b.WriteByte('%')
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&15])
			default:
				b.WriteByte(c)
			}
		}
	}
	return b.String()
}

// hashNormal returns a standard normal draw, truncated at ±3, that is a
// pure function of its inputs: the same provider answers the same request
// index for the same key with the same noise in both systems, whatever the
// order in which goroutines reach it.
func hashNormal(seed uint64, parts ...uint64) float64 {
	h := seed ^ 0x243f6a8885a308d3
	for _, p := range parts {
		h = splitmix(h ^ p)
	}
	u1 := (float64(splitmix(h)>>11) + 0.5) / (1 << 53)
	u2 := (float64(splitmix(h+1)>>11) + 0.5) / (1 << 53)
	return clamp3(math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2))
}

// splitmix is SplitMix64's finaliser.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
