package stats

import "testing"

// TestSTLMatchesR compares the decomposition with R's stl(ts(n1173,
// frequency = 4), s.window = 11) (R 4.2.2): seasonal and trend components.
func TestSTLMatchesR(t *testing.T) {
	seasonal, trend := stlDecompose(n1173, 4, 11)
	near(t, "seasonal", seasonal, []float64{
		-21.4912353205614, 27.0440682807038, -243.416584020532, 237.591645962212,
		-17.8511236682971, 22.3802846649744, -244.509899854726, 240.002571945826,
		-14.3044011442669, 17.6645591369343, -245.60022857398, 242.469506648645,
		-11.5573014061045, 14.0677760883912, -247.026268714601, 244.709738637162,
	}, 1e-10)
	near(t, "trend", trend, []float64{
		4280.35156559745, 4310.9596523773, 4340.67099470335, 4360.61950937246,
		4344.91200629236, 4362.57184172463, 4391.70784671332, 4434.65222451404,
		4487.69613879341, 4519.8054391107, 4555.44341424252, 4583.85823173682,
		4606.28719716267, 4628.56495901879, 4647.11396370699, 4665.70116348101,
	}, 1e-12)
}

func TestLoessSmoothInterpolatesBetweenJumps(t *testing.T) {
	// A straight line is reproduced exactly by a local linear fit, at the
	// evaluated points and in between.
	y := make([]float64, 23)
	for i := range y {
		y[i] = 3 + 2*float64(i)
	}
	ys := make([]float64, len(y))
	loessSmooth(y, 7, 1, 3, ys, make([]float64, len(y)))
	near(t, "line", ys, y, 1e-12)
}
