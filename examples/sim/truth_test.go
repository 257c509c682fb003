package main

import (
	"math"
	"testing"

	"github.com/strata-go/strata/fallback"
)

func TestTruthSeriesFollowsTheFormula(t *testing.T) {
	spec := truthSpec{Level: 1.2, Trend: 0.002, SeasonPeriod: 7, SeasonAmplitude: 0.1}
	got := truthSeries(spec, 7, 0, 14)
	if len(got) != 15 {
		t.Fatalf("len = %d, want points+1 = 15", len(got))
	}
	for i, v := range got {
		want := 1.2 * math.Pow(1.002, float64(i)) * (1 + 0.1*math.Sin(2*math.Pi*float64(i)/7))
		if math.Abs(v-want) > 1e-12 {
			t.Errorf("t=%d: %v, want %v (no noise)", i, v, want)
		}
	}
	spec.Noise = 0.03
	a, b := truthSeries(spec, 7, 3, 200), truthSeries(spec, 7, 3, 200)
	c := truthSeries(spec, 8, 3, 200)
	var dev float64
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("t=%d: the same seed gave %v and %v", i, a[i], b[i])
		}
		if a[i] <= 0 {
			t.Fatalf("t=%d: value %v not positive", i, a[i])
		}
		base := 1.2 * math.Pow(1.002, float64(i)) * (1 + 0.1*math.Sin(2*math.Pi*float64(i)/7))
		dev += (a[i]/base - 1) * (a[i]/base - 1)
	}
	if a[5] == c[5] {
		t.Error("another seed gave the same noise")
	}
	if sd := math.Sqrt(dev / float64(len(a))); sd < 0.02 || sd > 0.04 {
		t.Errorf("relative noise sd = %.4f, want about 0.03", sd)
	}
}

func TestCanonicalKeyMatchesTheResolver(t *testing.T) {
	params := map[string]string{"market": "us", "keyword": "a&b=c?d%e"}
	key := canonicalKey("cpc", params)
	if key != "cpc?keyword=a%26b%3Dc%3Fd%25e&market=us" {
		t.Errorf("key = %q", key)
	}
	dt, got, ok := fallback.ParseKey(key)
	if !ok || dt != "cpc" || len(got) != 2 || got["keyword"] != params["keyword"] || got["market"] != "us" {
		t.Errorf("ParseKey(%q) = %q, %v, %v", key, dt, got, ok)
	}
	if k := canonicalKey("cpc", nil); k != "cpc" {
		t.Errorf("key without params = %q, want cpc", k)
	}
}

func TestHashNormal(t *testing.T) {
	if hashNormal(1, 2, 3) != hashNormal(1, 2, 3) {
		t.Fatal("not a function of its inputs")
	}
	if hashNormal(1, 2, 3) == hashNormal(1, 2, 4) || hashNormal(1, 2, 3) == hashNormal(2, 2, 3) {
		t.Error("different inputs gave the same draw")
	}
	const n = 20000
	var sum, sq float64
	for i := range uint64(n) {
		x := hashNormal(7, 1, i)
		if x < -3 || x > 3 {
			t.Fatalf("draw %v outside ±3", x)
		}
		sum += x
		sq += x * x
	}
	mean := sum / n
	sd := math.Sqrt(sq/n - mean*mean)
	if math.Abs(mean) > 0.03 || math.Abs(sd-1) > 0.03 {
		t.Errorf("mean %.4f, sd %.4f; want about 0 and 1", mean, sd)
	}
}
