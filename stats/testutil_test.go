package stats

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// n0001 and n1173 are M3 series (yearly and quarterly training parts);
// the expected values in the tests that use them are R forecast 8.20's,
// from the data set's reference_forecasts.csv.
var (
	n0001 = []float64{940.66, 1084.86, 1244.98, 1445.02, 1683.17, 2038.15, 2342.52, 2602.45, 2927.87, 3103.96, 3360.27, 3807.63, 4387.88, 4936.99}
	n1173 = []float64{4174, 4438, 4148, 4514, 4412, 4318, 4112, 4724, 4450, 4574, 4274, 4836, 4638, 4594, 4422, 4908}
)

// near fails t unless got has want's length and is within rel (relative)
// of want, element-wise.
func near(t *testing.T, what string, got, want []float64, rel float64) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		assert.InDelta(t, want[i], got[i], rel*math.Max(math.Abs(want[i]), 1e-12), "%s[%d]", what, i)
	}
}

// assertNearly asserts that got and want agree within 1e-9, absolute or
// relative to the larger of the two.
func assertNearly(t *testing.T, want, got float64, msgAndArgs ...any) bool {
	t.Helper()
	return assert.InDelta(t, want, got, 1e-9*math.Max(1, math.Max(math.Abs(want), math.Abs(got))), msgAndArgs...)
}

// seasonalSeries returns n points of a positive series with a linear
// trend, a multiplicative season of period m and a deterministic wiggle.
func seasonalSeries(n, m int) []float64 {
	y := make([]float64, n)
	for i := range y {
		s := 1 + 0.2*math.Sin(2*math.Pi*float64(i%m)/float64(m))
		y[i] = (100 + 0.8*float64(i)) * s * (1 + 0.03*math.Sin(1.7*float64(i)))
	}
	return y
}

// smape is the symmetric mean absolute percentage error (M3's, in %) of
// forecast against actual, over actual's length.
func smape(actual, forecast []float64) float64 {
	s := 0.0
	for k, v := range actual {
		s += 200 * math.Abs(v-forecast[k]) / (math.Abs(v) + math.Abs(forecast[k]))
	}
	return s / float64(len(actual))
}
