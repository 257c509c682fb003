package stats

import (
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
)

func TestNewValidatesConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg   Config
		field string
	}{
		{Config{Method: "arima"}, "method"},
		{Config{Levels: []float64{0.8, 1}}, "levels[1]"},
		{Config{Levels: []float64{math.NaN()}}, "levels[0]"},
		{Config{MinPoints: -1}, "min_points"},
		{Config{MinPoints: 2}, "min_points"},
		{Config{ConfidenceScale: -1}, "confidence_scale"},
		{Config{ConfidenceScale: math.Inf(1)}, "confidence_scale"},
		{Config{Selection: Selection{Candidates: []string{"theta", "arima"}}}, "selection.candidates[1]"},
		{Config{Selection: Selection{Candidates: []string{"theta", "theta"}}}, "selection.candidates[1]"},
		{Config{Selection: Selection{Combine: -1}}, "selection.combine"},
		{Config{Selection: Selection{Accuracy: -0.5}}, "selection.accuracy"},
	} {
		_, err := New(tc.cfg)
		if err == nil || !strings.HasPrefix(err.Error(), "stats: invalid config: "+tc.field+":") {
			t.Errorf("New(%+v) = %v, want invalid config of %s", tc.cfg, err, tc.field)
		}
	}
}

func TestNewAppliesDefaultsWithoutWritingCallerConfig(t *testing.T) {
	levels := []float64{0.5}
	cfg := Config{Levels: levels}
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	levels[0] = 0.9
	if f.cfg.Levels[0] != 0.5 || cfg.Method != "" || f.cfg.Method != MethodAuto || f.cfg.MinPoints != 6 {
		t.Errorf("cfg %+v", f.cfg)
	}
	s := f.cfg.Selection
	if s.Combine != 4 || s.Accuracy != 0.5 || s.Availability != 0.3 || s.Simplicity != 0.2 || strings.Join(s.Candidates, ",") != "theta,damped,ets,drift" {
		t.Errorf("selection defaults %+v", s)
	}
}

func TestMethodsListsEveryMethod(t *testing.T) {
	got := strings.Join(Methods(), ",")
	want := "auto,comb_sa,damped,damped_sa,drift,ets,holt,holt_sa,hw,hw_mult,lm,naive,naive2,ses,ses_sa,snaive,theta"
	if got != want {
		t.Errorf("Methods() = %s, want %s", got, want)
	}
}

func TestForecastRefusesBadInput(t *testing.T) {
	f, _ := New(Config{})
	good := []float64{1, 2, 3, 4, 5, 6, 7}
	for _, tc := range []struct {
		name      string
		y         []float64
		season, h int
		want      error
		index     int
	}{
		{"empty", nil, 1, 1, ErrTooShort, -1},
		{"short", []float64{1, 2, 3}, 1, 1, ErrTooShort, -1},
		{"NaN", []float64{1, 2, math.NaN(), 4, 5, 6}, 1, 1, ErrInvalidSeries, 2},
		{"+Inf", []float64{1, 2, 3, 4, 5, math.Inf(1)}, 1, 1, ErrInvalidSeries, 5},
		{"-Inf", []float64{math.Inf(-1), 2, 3, 4, 5, 6}, 1, 1, ErrInvalidSeries, 0},
		{"horizon", good, 1, 0, ErrInvalidArgument, -1},
		{"season", good, 0, 1, ErrInvalidArgument, -1},
	} {
		_, err := f.Forecast(tc.y, tc.season, tc.h)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
			continue
		}
		var se *SeriesError
		if !errors.As(err, &se) || se.Index != tc.index {
			t.Errorf("%s: %#v, want a *SeriesError at index %d", tc.name, err, tc.index)
		}
	}
}

func TestForecastConstantSeries(t *testing.T) {
	for _, method := range Methods() {
		f, _ := New(Config{Method: method})
		fc, err := f.Forecast(constant(42, 30), 4, 3)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range fc.Mean {
			if v != 42 || fc.Intervals[1].Lower[k] != 42 || fc.Intervals[1].Upper[k] != 42 {
				t.Errorf("%s: step %d: %v [%v, %v], want 42 exactly", method, k, v, fc.Intervals[1].Lower[k], fc.Intervals[1].Upper[k])
			}
		}
		if fc.Model != "naive" || fc.Confidence() != 1 {
			t.Errorf("%s: model %q confidence %v, want naive 1", method, fc.Model, fc.Confidence())
		}
	}
}

func TestForecastFallsBack(t *testing.T) {
	// hw on 10 monthly points: not enough for a season, falls back.
	f, _ := New(Config{Method: "hw"})
	y := []float64{5, 6, 7, 6, 8, 9, 8, 10, 11, 10}
	fc, err := f.Forecast(y, 12, 2)
	if err != nil || fc.Model == "hw" {
		t.Errorf("model %q err %v, want a fallback", fc.Model, err)
	}
	// hw_mult on a series with a negative value: additive hw instead.
	f, _ = New(Config{Method: "hw_mult"})
	z := seasonalSeries(48, 4)
	z[3] = -1
	fc, err = f.Forecast(z, 4, 4)
	if err != nil || fc.Model != "hw" {
		t.Errorf("model %q err %v, want hw", fc.Model, err)
	}
	// damped on 6 points (needs 7) falls back to holt.
	f, _ = New(Config{Method: "damped"})
	fc, _ = f.Forecast([]float64{1, 3, 2, 4, 3, 5}, 1, 2)
	if fc.Model != "holt" {
		t.Errorf("model %q, want holt", fc.Model)
	}
}

func TestForecastShapeAndIntervals(t *testing.T) {
	y := seasonalSeries(60, 12)
	for _, method := range Methods() {
		f, err := New(Config{Method: method, Levels: []float64{0.95, 0.5}})
		if err != nil {
			t.Fatal(err)
		}
		fc, err := f.Forecast(y, 12, 18)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		if len(fc.Mean) != 18 || len(fc.Intervals) != 2 || fc.Intervals[0].Level != 0.95 || fc.Intervals[1].Level != 0.5 {
			t.Fatalf("%s: shape %d %d", method, len(fc.Mean), len(fc.Intervals))
		}
		for k, mu := range fc.Mean {
			wide, narrow := fc.Intervals[0], fc.Intervals[1]
			if !(wide.Lower[k] <= narrow.Lower[k] && narrow.Lower[k] <= mu && mu <= narrow.Upper[k] && narrow.Upper[k] <= wide.Upper[k]) {
				t.Errorf("%s step %d: 95 %% [%v, %v] 50 %% [%v, %v] mean %v not nested", method, k, wide.Lower[k], wide.Upper[k], narrow.Lower[k], narrow.Upper[k], mu)
			}
			// Every method keeps the forecast in the series. range (holt on the
			// raw seasonal series chases the season, as in R).
			if mu < 0 || mu > 500 {
				t.Errorf("%s step %d: mean %v far off", method, k, mu)
			}
		}
		if c := fc.Confidence(); !(c > 0 && c <= 1) {
			t.Errorf("%s: confidence %v", method, c)
		}
	}
}

func TestForecastExtremeValuesStayFinite(t *testing.T) {
	f, _ := New(Config{})
	for _, y := range [][]float64{
		{1e300, 1.5e300, 1e300, 1.7e300, 1.2e300, 1.6e300, 1.1e300},
		{-1e308, 1e308, -1e308, 1e308, -1e308, 1e308, -1e308},
		{1e-300, 2e-300, 3e-300, 2e-300, 5e-300, 1e-300, 4e-300},
		{0, 0, 0, 0, 0, 0, 1e-320},
		{1, -1, 1, -1, 1, -1, 1, -1},
	} {
		fc, err := f.Forecast(y, 2, 5)
		if err != nil {
			t.Fatal(err)
		}
		checkFinite(t, fc)
	}
}

// checkFinite fails t when fc has a non-finite mean, a NaN bound or an
// interval that misses its mean.
func checkFinite(t *testing.T, fc Forecast) {
	t.Helper()
	for k, v := range fc.Mean {
		if !finite(v) {
			t.Fatalf("%s: mean[%d] = %v", fc.Model, k, v)
		}
		for _, iv := range fc.Intervals {
			if math.IsNaN(iv.Lower[k]) || math.IsNaN(iv.Upper[k]) || iv.Lower[k] > v || iv.Upper[k] < v {
				t.Fatalf("%s: step %d interval [%v, %v] around %v", fc.Model, k, iv.Lower[k], iv.Upper[k], v)
			}
		}
	}
	if c := fc.Confidence(); math.IsNaN(c) || c < 0 || c > 1 {
		t.Fatalf("confidence %v", c)
	}
}

func TestConfidenceHandComputed(t *testing.T) {
	iv := func(level, mean, sd float64) Interval {
		z := normalQuantile(0.5 + level/2)
		return Interval{Level: level, Lower: []float64{mean - z*sd}, Upper: []float64{mean + z*sd}}
	}
	for _, tc := range []struct {
		fc   Forecast
		want float64
	}{
		{Forecast{Mean: []float64{100}, Intervals: []Interval{iv(0.95, 100, 25)}}, 0.5},
		{Forecast{Mean: []float64{100}, Intervals: []Interval{iv(0.8, 100, 25)}}, 0.5},
		{Forecast{Mean: []float64{100}, Intervals: []Interval{iv(0.8, 100, 1), iv(0.95, 100, 50)}}, 0.25},
		{Forecast{Mean: []float64{-100}, Intervals: []Interval{iv(0.95, -100, 10)}}, math.Exp2(-0.4)},
		{Forecast{Mean: []float64{100}, Intervals: []Interval{iv(0.95, 100, 25)}, scale: 0.5}, math.Exp2(-0.5)},
		{Forecast{Mean: []float64{100}, Intervals: []Interval{iv(0.95, 100, 0)}}, 1},
		{Forecast{Mean: []float64{0}, Intervals: []Interval{iv(0.95, 0, 1)}}, 0},
		{Forecast{Mean: []float64{100}}, 0},
		{Forecast{}, 0},
		{Forecast{Mean: []float64{100}, Intervals: []Interval{{Level: 0.95, Lower: []float64{-math.MaxFloat64}, Upper: []float64{math.MaxFloat64}}}}, 0},
	} {
		if got := tc.fc.Confidence(); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Confidence(%+v) = %v, want %v", tc.fc, got, tc.want)
		}
	}
}

func TestForecastConcurrentUse(t *testing.T) {
	f, _ := New(Config{})
	y := seasonalSeries(72, 12)
	want, _ := f.Forecast(y, 12, 6)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := f.Forecast(y, 12, 6)
			if err != nil || got.Model != want.Model {
				t.Error(err, got.Model)
				return
			}
			for k := range got.Mean {
				if got.Mean[k] != want.Mean[k] {
					t.Errorf("step %d: %v vs %v", k, got.Mean[k], want.Mean[k])
				}
			}
		}()
	}
	wg.Wait()
}

func TestForecastDoesNotModifyInput(t *testing.T) {
	y := seasonalSeries(40, 4)
	c := append([]float64(nil), y...)
	for _, m := range Methods() {
		f, _ := New(Config{Method: m})
		if _, err := f.Forecast(y, 4, 4); err != nil {
			t.Fatal(err)
		}
	}
	near(t, "input", y, c, 0)
}

// benchMonthly is a 144-point monthly series (trend, multiplicative
// season, noise-like wiggle), the size of the classic airline data.
var benchMonthly = seasonalSeries(144, 12)

func BenchmarkForecastAuto(b *testing.B) {
	f, _ := New(Config{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Forecast(benchMonthly, 12, 18); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkForecastNaive is the baseline for BenchmarkForecastAuto's ratio.
func BenchmarkForecastNaive(b *testing.B) {
	f, _ := New(Config{Method: "naive"})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Forecast(benchMonthly, 12, 18); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkForecastAutoDaily is the resolver's typical call: 120 daily
// points with a weekly season, one step ahead.
func BenchmarkForecastAutoDaily(b *testing.B) {
	f, _ := New(Config{})
	y := seasonalSeries(120, 7)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := f.Forecast(y, 7, 1); err != nil {
				b.Error(err)
			}
		}
	})
}

func FuzzForecastAuto(f *testing.F) {
	enc := func(v ...float64) []byte {
		b := make([]byte, 0, 8*len(v))
		for _, x := range v {
			u := math.Float64bits(x)
			for i := range 8 {
				b = append(b, byte(u>>(8*i)))
			}
		}
		return b
	}
	f.Add(enc(1, 2, 3, 4, 5, 6, 7, 8), uint8(1), uint8(3))
	f.Add(enc(5, 5, 5, 5, 5, 5), uint8(4), uint8(2))
	f.Add(enc(1e308, -1e308, 1e308, -1e308, 1e308, -1e308, 1e308), uint8(2), uint8(5))
	f.Add(enc(1e-310, 2e-310, 0, 1e-310, 3e-310, 0, 1e-310), uint8(3), uint8(4))
	f.Add(enc(math.NaN(), 1, 2, 3, 4, 5), uint8(1), uint8(1))
	f.Add(enc(math.Inf(1), 1, 2, 3, 4, 5), uint8(1), uint8(1))
	f.Add(enc(seasonalSeries(40, 12)...), uint8(12), uint8(18))
	f.Add(enc(-3, -1, -4, -1, -5, -9, -2, -6, -5, -3), uint8(4), uint8(8))
	fc, _ := New(Config{})
	f.Fuzz(func(t *testing.T, data []byte, season, h uint8) {
		y := make([]float64, len(data)/8)
		for i := range y {
			var u uint64
			for j := range 8 {
				u |= uint64(data[8*i+j]) << (8 * j)
			}
			y[i] = math.Float64frombits(u)
		}
		got, err := fc.Forecast(y, int(season), int(h))
		if err != nil {
			var se *SeriesError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *SeriesError", err)
			}
			return
		}
		if len(got.Mean) != int(h) {
			t.Fatalf("%d steps, want %d", len(got.Mean), h)
		}
		checkFinite(t, got)
	})
}
