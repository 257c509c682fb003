package stats_test

import (
	"errors"
	"fmt"
	"math"

	"github.com/strata-go/strata/stats"
)

// A monthly series with a trend and a yearly season, forecast a quarter
// ahead with the default automatic method.
func Example() {
	y := make([]float64, 48)
	for i := range y {
		season := 1 + 0.2*math.Sin(2*math.Pi*float64(i%12)/12)
		y[i] = (100 + float64(i)) * season * (1 + 0.02*math.Sin(1.7*float64(i)))
	}
	f, err := stats.New(stats.Config{})
	if err != nil {
		panic(err)
	}
	fc, err := f.Forecast(y, 12, 3)
	if err != nil {
		panic(err)
	}
	fmt.Println(fc.Model)
	for k, v := range fc.Mean {
		iv := fc.Intervals[1] // 95 %
		fmt.Printf("t+%d: %.0f [%.0f, %.0f]\n", k+1, v, iv.Lower[k], iv.Upper[k])
	}
	fmt.Printf("confidence %.2f\n", fc.Confidence())
	// Output:
	// auto(theta_opt,damped,ets(M,A,N),robust_drift)
	// t+1: 147 [139, 153]
	// t+2: 162 [151, 170]
	// t+3: 176 [161, 187]
	// confidence 0.90
}

// Bad input is refused with a typed error, before any model sees it.
func ExampleForecaster_Forecast_errors() {
	f, _ := stats.New(stats.Config{})
	_, err := f.Forecast([]float64{1, 2, math.NaN(), 4, 5, 6}, 1, 1)
	fmt.Println(errors.Is(err, stats.ErrInvalidSeries))
	var se *stats.SeriesError
	if errors.As(err, &se) {
		fmt.Println("bad value at index", se.Index)
	}
	_, err = f.Forecast([]float64{1, 2}, 1, 1)
	fmt.Println(errors.Is(err, stats.ErrTooShort))
	// Output:
	// true
	// bad value at index 2
	// true
}

// A named method; the interval levels are configurable.
func ExampleNew() {
	f, err := stats.New(stats.Config{Method: "naive", Levels: []float64{0.5}})
	if err != nil {
		panic(err)
	}
	fc, _ := f.Forecast([]float64{10, 12, 11, 13, 12, 14}, 1, 2)
	fmt.Println(fc.Model, fc.Mean)
	fmt.Printf("50%%: [%.2f, %.2f]\n", fc.Intervals[0].Lower[0], fc.Intervals[0].Upper[0])

	_, err = stats.New(stats.Config{Method: "prophet"})
	fmt.Println(err != nil)
	// Output:
	// naive [14 14]
	// 50%: [12.87, 15.13]
	// true
}

// Confidence falls as the interval widens relative to the forecast.
func ExampleForecast_Confidence() {
	for _, sd := range []float64{0, 10, 25, 50} {
		z := 1.959963984540054 // 95 %
		fc := stats.Forecast{
			Mean:      []float64{100},
			Intervals: []stats.Interval{{Level: 0.95, Lower: []float64{100 - z*sd}, Upper: []float64{100 + z*sd}}},
		}
		fmt.Printf("sd %2.0f%%: %.2f\n", sd, fc.Confidence())
	}
	// Output:
	// sd  0%: 1.00
	// sd 10%: 0.76
	// sd 25%: 0.50
	// sd 50%: 0.25
}
