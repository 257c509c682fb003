package stats

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
)

// Selection tunes the automatic method. Zero fields take the defaults, and
// the defaults are the rule chosen on the M3 development subset (see
// docs/forecasting.md): the median of the optimised theta, damped, ets
// and a robust drift, unless ARIMA clearly beats all four on a hold-out of the
// series' last points, averaged with their median at the temporal
// aggregation levels (monthly series).
type Selection struct {
	// Candidates are the models auto combines, each fitted to the
	// seasonally adjusted series: any of naive2, drift, robust_drift, ses,
	// theta, theta_opt, holt, damped, ets, arima. Default theta_opt,
	// damped, ets, robust_drift. robust_drift is the random walk with a
	// drift half the mean step and half the median step (see
	// RobustDriftMedian; by growth rates for a season above
	// GrowthDriftSeason); drift is R's rwf(drift = TRUE), the mean step
	// alone, which robust_drift replaced by default because it was better
	// on every M3 group of the development subset and on both its halves.
	// theta_opt is the Theta method with θ in [1, MaxTheta] chosen
	// by its in-sample mean absolute error (the linear, additive model of
	// 4Theta, Spiliotis, Assimakopoulos and Makridakis 2020); theta keeps
	// the classical θ = 2, which theta_opt replaced by default because it
	// was better on every M3 group of the development subset and on both
	// its halves (docs/forecasting.md has the evidence).
	Candidates []string `yaml:"candidates"`
	// Combine is how many of the best-scoring candidates are combined.
	// Default (0): all of them. With fewer, each candidate is scored by
	// Accuracy × its accuracy on a hold-out of the series' last points
	// (relative to the best candidate's), Availability × how well the data
	// support its parameters (n / (n + 5k) for k fitted values) and
	// Simplicity × its simplicity (fewest fitted values / its own), and
	// the best Combine are kept.
	Combine int `yaml:"combine"`
	// Accuracy, Availability and Simplicity weigh the score. Default 0.5,
	// 0.3 and 0.2 when all three are zero; none may be negative.
	Accuracy     float64 `yaml:"accuracy"`
	Availability float64 `yaml:"availability"`
	Simplicity   float64 `yaml:"simplicity"`
	// Mean combines the point forecasts by their mean instead of their
	// median (the default).
	Mean bool `yaml:"mean"`
	// Challengers are models that replace the combination where they
	// clearly win: each is fitted, as the candidates are, to the adjusted
	// series without its last min(h, n/4) points, and the first whose mean
	// absolute error on those points is below Clear times every
	// candidate's is fitted to the whole series and used alone, its
	// intervals widened to the envelope of the candidates'. A series too
	// short to hold points out (fewer than 8 left) is not challenged. Any
	// of the candidates' names; default arima; "none" alone disables them.
	Challengers []string `yaml:"challengers"`
	// Clear is how clearly a challenger must win: its hold-out error below
	// Clear times the best candidate's. In (0, 1]; default 0.7
	// (DefaultClear).
	Clear float64 `yaml:"clear"`
	// ClassicalSeasonality finds and adjusts a season as the M3
	// benchmarks do: by the lag-m autocorrelation test, with the classical
	// decomposition's indices as they are. By default a series is also
	// seasonal when its STL seasonal strength is above 0.64 (auto.arima's
	// rule for a seasonal difference; the lag-m test misses a smooth
	// season in fewer than four cycles), and the indices are first shrunk
	// toward none by how noisy they are (James–Stein, Miller and Williams
	// 2003): an index the series' own noise could have made moves most, a
	// clear one hardly at all. docs/forecasting.md has the evidence.
	ClassicalSeasonality bool `yaml:"classical_seasonality"`
	// SeasonalDecays are the weightings auto chooses among for its
	// seasonal indices, so that a season that changes is followed: with
	// decay d, a position's detrended value from k cycles before its
	// newest weighs d^k in its index (and in the noise that shrinks it);
	// 1 is the classical mean of the cycles. The decay chosen is the one
	// whose weighted means best predict each position's next value over
	// the series (from each position's third value on), a decay below 1
	// having to win by AIC's penalty for a parameter, so that a season
	// that stays put keeps the classical mean. Each in (0, 1], none
	// twice; one decay is used as it is, on a series of fewer than three
	// cycles the largest. Default 1, 0.9 and 0.8
	// (DefaultSeasonalDecays); [1] alone weighs every cycle alike (the
	// classical indices with SeasonalMeans; medians without it).
	// ClassicalSeasonality ignores the list: its indices are the
	// classical means. docs/forecasting.md has the evidence.
	SeasonalDecays []float64 `yaml:"seasonal_decays"`
	// SeasonalMeans takes each seasonal index as the (weighted) mean of
	// its detrended values, as the classical decomposition does. By
	// default auto takes their weighted median, which the odd value far
	// off its season (a strike, a moved holiday) moves less, and shrinks
	// it by its own sampling variance (π/2 times the mean's for normal
	// noise): better on M3's monthly and quarterly series of the
	// development subset and on both its halves. ClassicalSeasonality
	// implies it. docs/forecasting.md has the evidence.
	SeasonalMeans bool `yaml:"seasonal_means"`
	// KeepOutliers fits the series as it is. By default auto first
	// replaces its outliers — points further from the median of their
	// neighbours (plus their season's median) than 20 times the series'
	// median step — by interpolation, as R's tsoutliers/tsclean do with
	// their own rule: two points in 100 at five times the level made
	// auto's forecasts of a random walk 2.4 times worse than the naive
	// forecast's. A series with a season but fewer than three cycles of
	// it is not cleaned. docs/forecasting.md has the evidence.
	KeepOutliers bool `yaml:"keep_outliers"`
	// OutlierSteps is how many median steps from its neighbours' median
	// a point must lie to be replaced as an outlier (DefaultOutlierSteps,
	// 20); larger replaces fewer. Above 0.
	OutlierSteps float64 `yaml:"outlier_steps"`
	// OutlierNewLevel is how many of the newest points, beyond the outlier
	// limit together (a run that ends the series, all on one side of the
	// fit before it, with ordinary steps between them), are taken for a
	// new level and kept rather than replaced: replacing a series' last
	// two points where it had moved from 100 to 200 forecast it at 100.
	// At least 1; default 2 (DefaultOutlierNewLevel); a number above the
	// outliers' window (half a cycle, two points without a season, plus
	// one) replaces them all as before.
	OutlierNewLevel int `yaml:"outlier_new_level"`
	// KeepLevelShifts fits a series with its level shifts (for a seasonal
	// one of three cycles or more, see LevelShiftNewestCycles; for one
	// without a season, see KeepNonSeasonalLevelShifts). By default auto first takes out a level shift
	// its seasonal differences show (see LevelShiftRatio): the points
	// before it are moved to the level after it. With fewer than three
	// cycles each seasonal index rests on one or two detrended values,
	// and the moving average spreads a shift over the cycle around it:
	// the indices took the shift in, the adjusted series became a steady
	// rise or fall, and auto forecast it on: more than four times the
	// series' largest value a cycle ahead, where the level had moved ×10.
	// A series with a value at or below zero is searched in its units:
	// y(t) − y(t−m), the shift at least LevelShiftRatio − 1 times the
	// range of the points before it (a level about zero has no ratio),
	// the points before it moved by the shift. docs/forecasting.md has
	// the evidence.
	KeepLevelShifts bool `yaml:"keep_level_shifts"`
	// LevelShiftRatio is the least factor a level shift moves the level by
	// to be taken out (or its inverse, down): above 1; default 2
	// (DefaultLevelShiftRatio). LevelShiftSigmas is how many standard
	// errors the shift's log factor must be from none, the seasonal
	// differences' residuals about a level before and after taken as
	// independent: above 0; default 5 (DefaultLevelShiftSigmas). A shift
	// must also be abrupt: at each edge of it that the seasonal
	// differences show, they jump by at least half its log factor (a
	// level that wandered there drifted).
	LevelShiftRatio  float64 `yaml:"level_shift_ratio"`
	LevelShiftSigmas float64 `yaml:"level_shift_sigmas"`
	// LevelShiftNewestCycles extends the level shift's removal (see
	// KeepLevelShifts) to a seasonal series of three cycles or more when
	// at most this many cycles of points follow the shift: a level moved
	// that recently still weighs on the indices and on the members'
	// trends and levels, fitted mostly to the points before it. At least
	// 1; default 2 (DefaultLevelShiftNewestCycles). KeepNewestLevelShifts
	// restores the earlier rule (fewer than three cycles only).
	// docs/forecasting.md has the evidence.
	LevelShiftNewestCycles int  `yaml:"level_shift_newest_cycles"`
	KeepNewestLevelShifts  bool `yaml:"keep_newest_level_shifts"`
	// KeepNonSeasonalLevelShifts fits a series without a season (m = 1)
	// with its level shifts, as before. By default auto takes a level
	// shift out of such a series too, wherever it is: its log steps play
	// the seasonal differences' part (see LevelShiftRatio), so a shift is
	// one step at least ×2 (or ÷2) and LevelShiftSigmas standard errors
	// of the other steps from none, with at least two points on each
	// side, and no other step moves back by half of it or more (a spike,
	// a dip and recovery, a level that returned is no shift). Such a step
	// weighs on every member's trend — the mean step, the theta line, the
	// smoothed trends all take it in as growth — though the level has
	// moved once. Positive series only. docs/forecasting.md has the
	// evidence.
	KeepNonSeasonalLevelShifts bool `yaml:"keep_non_seasonal_level_shifts"`
	// AllowNegative keeps every member of the combination, and the point
	// forecast as it comes, on a series never below zero. By default, on
	// such a series (zeros allowed: counts, intermittent demand), a
	// candidate whose forecast goes below zero is left out while another
	// stays at or above it, a challenger whose forecast does replaces
	// nothing (a decay to 0.03 was forecast at −7.3), and a point
	// forecast still below zero is raised to zero (a demand of 50 then
	// seven zeros was forecast at −4.3); set it for a series that may
	// cross zero though it has not yet (a growth rate).
	AllowNegative bool `yaml:"allow_negative"`
	// TemporalLevels are the temporal aggregation levels auto also
	// forecasts at (MAPA, Kourentzes, Petropoulos and Trapero 2014;
	// temporal hierarchies, Athanasopoulos et al. 2017): at level k the
	// adjusted series' means over blocks of k points (the last block
	// ending at its last point) are forecast by the combined candidates
	// and combined as at the base level; each block's forecast moves
	// auto's base-level forecast (the combination, or a challenger that
	// answers alone) so that its mean over the block's k steps is the
	// level's, its shape within the block kept, as temporal hierarchies
	// reconcile; and auto's point forecast is the mean of its base-level
	// forecast and the median of the levels'. A level that leaves fewer
	// than 8 blocks is skipped, and on a series never below zero (unless
	// AllowNegative) so is one where every candidate's forecast goes
	// below zero; the intervals stay the envelope of the
	// base level's, widened to hold the forecast. Each
	// level at least 1; 1 is the series itself, always used, so [1] alone
	// turns aggregation off. Default: for a season m above 4, every k
	// with 1 < k < m that divides m (monthly: 2, 3, 4 and 6); none for a
	// season of 4 or less, where it made M3's quarterly and yearly series
	// worse. An explicit list is used whatever the season.
	// docs/forecasting.md has the evidence.
	TemporalLevels []int `yaml:"temporal_levels"`
	// TemporalRepeat restores the earlier rule for the temporal levels:
	// each block's forecast repeated over its k steps instead of moving
	// auto's forecast, and no levels where a challenger answers alone.
	// The default (false) was as good or better on every M3 group and on
	// both halves of the development subset; docs/forecasting.md has the
	// evidence.
	TemporalRepeat bool `yaml:"temporal_repeat"`
	// TemporalCandidates are models fitted at the temporal aggregation
	// levels besides the combined candidates (not at the series' own
	// frequency): a level's block means average the noise out, so a
	// trend fitted to them is steadier than one fitted to the series.
	// Any of the candidates' names; default holt (DefaultTemporalCandidates),
	// Holt's linear trend, whose undamped trend was worse at the base
	// level; "none" alone adds none. docs/forecasting.md has the
	// evidence.
	TemporalCandidates []string `yaml:"temporal_candidates"`
	// MaxTheta is the largest θ the theta_opt candidate chooses (its
	// smallest is 1, simple exponential smoothing; 2 is the classical
	// Theta method). At least 1 and at most 1e8 (MaxThetaLimit);
	// default 3 (DefaultMaxTheta), 4Theta's range.
	MaxTheta float64 `yaml:"max_theta"`
	// RobustDriftMedian is the median step's weight in the robust_drift
	// candidate's drift, the mean step's being 1 − RobustDriftMedian: the
	// median step (the drift of M3's Robust-Trend method, Grambsch and
	// Stahel) is not moved by a crash, a level shift or an odd first value,
	// which the mean step, (last − first)/(n − 1), takes whole. Where the
	// steps are negatively autocorrelated beyond chance at lag 1 (below
	// −1.96/√(n − 1), 95 %: noise about a trend, not a random walk), the
	// mean step, whose noise telescopes to the two end points', is kept
	// alone. In (0, 1]; default 0.5 (DefaultRobustDriftMedian); the drift
	// candidate is the mean step alone. docs/forecasting.md has the
	// evidence.
	RobustDriftMedian float64 `yaml:"robust_drift_median"`
	// RecentWindow is the share of a series without a season (m = 1),
	// its newest points, that each combined candidate is also fitted to:
	// the candidate's point forecast is then the mean of its forecasts
	// from the whole series and from the window, before the median — a
	// combination across estimation windows (Pesaran and Timmermann
	// 2007), which follows a trend that changed within a long history.
	// Only where the window holds at least RecentWindowPoints points; a
	// window forecast below zero is not used for a series above zero
	// (unless AllowNegative); the intervals stay the whole series'
	// candidates' envelope, widened to hold the forecast. In (0, 1];
	// default 0.5 (DefaultRecentWindow); 1, the whole series, turns it
	// off. Not for a series with a season, nor for M3's short yearly
	// series, where it made the forecasts worse. docs/forecasting.md has
	// the evidence.
	RecentWindow float64 `yaml:"recent_window"`
	// RecentWindowPoints is the fewest points RecentWindow's window must
	// hold for the candidates to be fitted to it. At least 1; default 30
	// (DefaultRecentWindowPoints).
	RecentWindowPoints int `yaml:"recent_window_points"`
	// LevelMedian combines the candidates' point forecasts by their
	// median at every step, whatever the season. By default, for a season
	// of StepMedianSeason or less, the combination's first step is the
	// candidates' median and each later step moves from the one before by
	// the median of the candidates' moves there: the path keeps the middle
	// opinion's slope where the median of the levels would switch from one
	// candidate's line to another's. Better on M3's quarterly and yearly
	// series of the development subset and on both its halves; with a
	// season above 4 (monthly, where the temporal levels are used) it
	// made the forecasts worse. Mean ignores both (the mean of the moves
	// is the mean's). docs/forecasting.md has the evidence.
	LevelMedian bool `yaml:"level_median"`
	// StepMedianSeason is the largest season whose combination takes the
	// median of the candidates' moves (see LevelMedian). At least 1;
	// default 4 (DefaultStepMedianSeason).
	StepMedianSeason int `yaml:"step_median_season"`
	// AdditiveMoves takes the median of the candidates' moves (see
	// LevelMedian) in the series' units for every series. By default, on a
	// series above zero throughout (unless AllowNegative) whose candidates
	// all forecast above zero, the moves are taken on the logarithms: the
	// first step is the geometric median of the candidates' first steps
	// and each later step the one before times the median of their growth
	// ratios there, since a positive series' changes scale with its level.
	// Better on M3's yearly and "other" series of the development subset
	// and on both its halves; docs/forecasting.md has the evidence.
	AdditiveMoves bool `yaml:"additive_moves"`
	// GrowthDriftSeason is the largest season whose robust_drift candidate
	// steps in the series' units (and whose theta_opt candidate is fitted
	// to them; see AdditiveTheta). For a season above it, on a series above
	// zero throughout (unless AllowNegative or AdditiveDrift), the
	// candidate steps by growth rates: RobustDriftMedian's step rule on the
	// logarithms, its forecast the exponentials of theirs (its intervals
	// the units' ones, moved with it), so that the drift compounds as the
	// season's indices multiply. Better
	// on M3's monthly series of the development subset and on both its
	// halves; for the yearly and other series (no season), whose trends it
	// compounds over few points, worse. At least 1; default 4
	// (DefaultGrowthDriftSeason). docs/forecasting.md has the evidence.
	GrowthDriftSeason int `yaml:"growth_drift_season"`
	// AdditiveDrift keeps the robust_drift candidate's steps in the series'
	// units whatever the season (see GrowthDriftSeason).
	AdditiveDrift bool `yaml:"additive_drift"`
	// DriftCycleSeason is the largest season whose robust_drift candidate
	// starts from its last cycle's level. For a season m from 2 to it, on
	// a seasonally adjusted series of at least 2m points, the candidate's
	// path (and its intervals) starts not from the adjusted series' last
	// value but from the mean of its last m values, each moved on to the
	// last period by the drift: each adjusted value carries its own
	// index's error and noise, which a whole cycle's mean averages out,
	// where the last value takes them whole (the other candidates smooth
	// their level already). Not where robust_drift steps by growth rates
	// (see GrowthDriftSeason). Better on M3's quarterly series of the
	// development subset and on both its halves; on the monthly series
	// worse, and on the yearly ones (no season) the mean of the last
	// points was worse too. At least 1, which turns it off; default 4
	// (DefaultDriftCycleSeason). docs/forecasting.md has the evidence.
	DriftCycleSeason int `yaml:"drift_cycle_season"`
	// AdditiveTheta fits the theta_opt candidate to the series' units
	// whatever the season. By default, for a season above
	// GrowthDriftSeason (unless AllowNegative), the candidate is fitted
	// to the logarithms of the adjusted series where it is above zero
	// throughout, and of a temporal level's block means where they are,
	// its forecast the exponentials of theirs (its intervals the units'
	// ones, moved with it): its trend line is a growth rate and its
	// smoothing follows relative changes, as the robust_drift
	// candidate's growth rates do. Better on M3's monthly series of the
	// development subset and on both its halves. docs/forecasting.md has
	// the evidence.
	AdditiveTheta bool `yaml:"additive_theta"`
	// ExplosiveGrowth is the growth factor per period above which auto
	// fits every member to the logarithms: on a series above zero whose
	// step ratios y(t)/y(t−1) are at least ExplosiveGrowth at their lower
	// quartile, each candidate and challenger is fitted to the logarithms
	// of the adjusted series, its forecast their exponentials (its
	// intervals the units' ones, moved with it), and a forecast k steps
	// ahead may reach the plausible range (see Forecaster.Forecast) times
	// g^k, g the series' mean growth factor per period. The members fitted
	// to the units step by the last steps and fell far behind: a series
	// doubling every period was forecast at 1.02 times its last value a
	// step ahead. Its outliers are judged on the logarithms too: in the
	// units, a series ×10 a period had its last point replaced, its
	// steps many times the others'. Above 1; default 1.3 (DefaultExplosiveGrowth), above
	// every M3 series (the largest lower quartile there is 1.19); a large
	// value turns it off.
	ExplosiveGrowth float64 `yaml:"explosive_growth"`
}

// DefaultExplosiveGrowth is Selection.ExplosiveGrowth's default: three
// steps in four grow by 30 % or more.
const DefaultExplosiveGrowth = 1.3

// DefaultLevelShiftNewestCycles is Selection.LevelShiftNewestCycles'
// default: a shift followed by at most two cycles of points is taken
// out of a series of any length.
const DefaultLevelShiftNewestCycles = 2

// DefaultDriftCycleSeason is Selection.DriftCycleSeason's default: the
// robust_drift candidate starts from its last cycle's level for a season
// from 2 to 4 (quarterly; docs/forecasting.md has the evidence against
// monthly and yearly series).
const DefaultDriftCycleSeason = 4

// DefaultRecentWindow is Selection.RecentWindow's default: a series
// without a season is also fitted on its newest half (docs/forecasting.md
// has the evidence against two thirds, a fifth and two windows).
const DefaultRecentWindow = 0.5

// DefaultRecentWindowPoints is Selection.RecentWindowPoints' default: the
// window must hold 30 points (on M3, 20 made the yearly series worse).
const DefaultRecentWindowPoints = 30

// DefaultGrowthDriftSeason is Selection.GrowthDriftSeason's default: the
// robust_drift candidate steps by growth rates for a season above 4
// (monthly; docs/forecasting.md has the evidence against yearly series).
const DefaultGrowthDriftSeason = 4

// DefaultStepMedianSeason is Selection.StepMedianSeason's default: the
// median of the candidates' moves for a season of 4 or less (quarterly,
// yearly; docs/forecasting.md has the evidence against monthly series).
const DefaultStepMedianSeason = 4

// DefaultClear is Selection.Clear's default: a challenger replaces the
// combination when its hold-out error is under 0.7 times the best
// candidate's (docs/forecasting.md has the evidence for 0.7 against 0.5
// and 0.9).
const DefaultClear = 0.7

// DefaultRobustDriftMedian is Selection.RobustDriftMedian's default: the
// robust_drift candidate's step is half the median step and half the mean
// step (docs/forecasting.md has the evidence against 0.25, 0.75 and the
// median step alone).
const DefaultRobustDriftMedian = 0.5

// DefaultSeasonalDecays returns Selection.SeasonalDecays' default: the
// classical mean of the cycles, or each cycle back weighing 0.9 or 0.8
// times the next, chosen per series (docs/forecasting.md has the evidence
// against fixed decays and other lists).
func DefaultSeasonalDecays() []float64 { return []float64{1, 0.9, 0.8} }

var autoTol = 1e-5

// DefaultCandidates are the models auto combines by default.
var DefaultCandidates = []string{"theta_opt", "damped", "ets", "robust_drift"}

// DefaultChallengers are the models that replace auto's combination by
// default where they clearly win (see Selection.Challengers).
var DefaultChallengers = []string{"arima"}

// DefaultTemporalCandidates are the models auto fits at the temporal
// aggregation levels besides its candidates by default (see
// Selection.TemporalCandidates): Holt's linear trend, better on every
// M3 group of the development subset and on both its halves.
var DefaultTemporalCandidates = []string{"holt"}

// candidates maps each candidate name to its model on an adjusted series
// and the number of values it fits (smoothing parameters and initial
// states; for ets, that of the model AICc picks).
var candidates = map[string]func(c *fitCache, ya []float64, h int, lv []float64) (result, int, bool){
	"naive2": func(c *fitCache, ya []float64, h int, lv []float64) (result, int, bool) {
		r := naiveModel(ya, h, lv)
		r.model = "naive2"
		return r, 1, true
	},
	"drift": func(c *fitCache, ya []float64, h int, lv []float64) (result, int, bool) {
		r, ok := driftModel(ya, h, lv)
		return r, 1, ok
	},
	"robust_drift": func(c *fitCache, ya []float64, h int, lv []float64) (result, int, bool) {
		w := c.robustDriftMedian
		if w == 0 {
			w = DefaultRobustDriftMedian
		}
		if c.growthDrift && positiveSeries(ya) {
			r, ok := growthDriftModel(ya, h, lv, w)
			return r, 1, ok
		}
		r, ok := robustDriftModel(ya, h, lv, w)
		if ok && c.driftCycle > 1 {
			fromCycleLevel(&r, ya, c.driftCycle)
		}
		return r, 1, ok
	},
	"arima": func(c *fitCache, ya []float64, h int, lv []float64) (result, int, bool) {
		// The series is seasonally adjusted already: a non-seasonal search.
		return arimaCandidate(ya, h, lv)
	},
	"ses": func(c *fitCache, ya []float64, h int, lv []float64) (result, int, bool) {
		r, _, ok := etsModel(c, ya, specSES, critMSE, h, lv, "ses")
		return r, 2, ok
	},
	"theta": func(c *fitCache, ya []float64, h int, lv []float64) (result, int, bool) {
		r, ok := thetaModel(c, ya, h, lv)
		return r, 3, ok
	},
	"theta_opt": func(c *fitCache, ya []float64, h int, lv []float64) (result, int, bool) {
		mt := c.maxTheta
		if mt == 0 {
			mt = DefaultMaxTheta
		}
		if c.growthTheta && positiveSeries(ya) {
			r, ok := growthThetaOptModel(ya, h, lv, mt)
			return r, 4, ok
		}
		r, ok := thetaOptModel(ya, h, lv, mt)
		return r, 4, ok
	},
	"holt": func(c *fitCache, ya []float64, h int, lv []float64) (result, int, bool) {
		r, _, ok := etsModel(c, ya, specHolt, critMSE, h, lv, "holt")
		return r, 4, ok
	},
	"damped": func(c *fitCache, ya []float64, h int, lv []float64) (result, int, bool) {
		r, _, ok := etsModel(c, ya, specDamped, critMSE, h, lv, "damped")
		return r, 5, ok
	},
	"ets": func(c *fitCache, ya []float64, h int, lv []float64) (result, int, bool) {
		r, fit, ok := etsAICc(c, ya, h, lv)
		return r, fit.np - 1, ok
	},
}

// fractionOr sets *v to def when it is zero and reports, as the field's
// config error, a value outside (0, 1].
func fractionOr(field string, v *float64, def float64) error {
	switch {
	case *v == 0:
		*v = def
	case !(*v > 0 && *v <= 1):
		return configError(field, "must be in (0, 1], got %v", *v)
	}
	return nil
}

// positiveOr sets *v to def when it is zero and reports, as the field's
// config error, a value that is not a positive finite number.
func positiveOr(field string, v *float64, def float64) error {
	switch {
	case *v == 0:
		*v = def
	case !(*v > 0) || math.IsInf(*v, 0):
		return configError(field, "must be a positive number, got %v", *v)
	}
	return nil
}

// countOr sets *v to def when it is zero and reports, as the field's
// config error, a value below 1.
func countOr(field string, v *int, def int) error {
	switch {
	case *v == 0:
		*v = def
	case *v < 1:
		return configError(field, "must be at least 1, got %d", *v)
	}
	return nil
}

// withDefaults returns s with its zero fields set to their defaults and
// its lists cloned (never the caller's), or the config error naming the
// first field that is wrong.
func (s Selection) withDefaults() (Selection, error) {
	if len(s.Candidates) == 0 {
		s.Candidates = slices.Clone(DefaultCandidates)
	} else {
		s.Candidates = slices.Clone(s.Candidates)
	}
	if err := checkModelNames("selection.candidates", s.Candidates); err != nil {
		return s, err
	}
	var err error
	if s.Challengers, err = modelList("selection.challengers", s.Challengers, DefaultChallengers); err != nil {
		return s, err
	}
	if s.TemporalCandidates, err = modelList("selection.temporal_candidates", s.TemporalCandidates, DefaultTemporalCandidates); err != nil {
		return s, err
	}
	if err := fractionOr("selection.clear", &s.Clear, DefaultClear); err != nil {
		return s, err
	}
	for i, d := range s.SeasonalDecays {
		field := fmt.Sprintf("selection.seasonal_decays[%d]", i)
		if !(d > 0 && d <= 1) {
			return s, configError(field, "must be in (0, 1], got %v", d)
		}
		if slices.Contains(s.SeasonalDecays[:i], d) {
			return s, configError(field, "%v listed twice", d)
		}
	}
	if len(s.SeasonalDecays) == 0 {
		s.SeasonalDecays = DefaultSeasonalDecays()
	} else {
		s.SeasonalDecays = slices.Clone(s.SeasonalDecays)
	}
	if err := positiveOr("selection.outlier_steps", &s.OutlierSteps, DefaultOutlierSteps); err != nil {
		return s, err
	}
	if err := countOr("selection.outlier_new_level", &s.OutlierNewLevel, DefaultOutlierNewLevel); err != nil {
		return s, err
	}
	switch {
	case s.LevelShiftRatio == 0:
		s.LevelShiftRatio = DefaultLevelShiftRatio
	case !(s.LevelShiftRatio > 1) || math.IsInf(s.LevelShiftRatio, 0):
		return s, configError("selection.level_shift_ratio", "must be a number above 1, got %v", s.LevelShiftRatio)
	}
	switch {
	case s.ExplosiveGrowth == 0:
		s.ExplosiveGrowth = DefaultExplosiveGrowth
	case !(s.ExplosiveGrowth > 1) || math.IsInf(s.ExplosiveGrowth, 0):
		return s, configError("selection.explosive_growth", "must be a number above 1, got %v", s.ExplosiveGrowth)
	}
	if err := positiveOr("selection.level_shift_sigmas", &s.LevelShiftSigmas, DefaultLevelShiftSigmas); err != nil {
		return s, err
	}
	if err := fractionOr("selection.robust_drift_median", &s.RobustDriftMedian, DefaultRobustDriftMedian); err != nil {
		return s, err
	}
	if err := fractionOr("selection.recent_window", &s.RecentWindow, DefaultRecentWindow); err != nil {
		return s, err
	}
	if err := countOr("selection.recent_window_points", &s.RecentWindowPoints, DefaultRecentWindowPoints); err != nil {
		return s, err
	}
	if err := countOr("selection.growth_drift_season", &s.GrowthDriftSeason, DefaultGrowthDriftSeason); err != nil {
		return s, err
	}
	if err := countOr("selection.level_shift_newest_cycles", &s.LevelShiftNewestCycles, DefaultLevelShiftNewestCycles); err != nil {
		return s, err
	}
	if err := countOr("selection.drift_cycle_season", &s.DriftCycleSeason, DefaultDriftCycleSeason); err != nil {
		return s, err
	}
	if err := countOr("selection.step_median_season", &s.StepMedianSeason, DefaultStepMedianSeason); err != nil {
		return s, err
	}
	switch {
	case s.MaxTheta == 0:
		s.MaxTheta = DefaultMaxTheta
	case !(s.MaxTheta >= 1 && s.MaxTheta <= MaxThetaLimit):
		return s, configError("selection.max_theta", "must be in [1, %g], got %v", MaxThetaLimit, s.MaxTheta)
	}
	if err := checkTemporalLevels(s.TemporalLevels); err != nil {
		return s, err
	}
	if len(s.TemporalLevels) == 0 {
		s.TemporalLevels = nil
	} else {
		s.TemporalLevels = slices.Clone(s.TemporalLevels)
	}
	if s.Combine < 0 {
		return s, configError("selection.combine", "must not be negative, got %d", s.Combine)
	}
	if s.Combine == 0 || s.Combine > len(s.Candidates) {
		s.Combine = len(s.Candidates)
	}
	for _, w := range []struct {
		name string
		v    float64
	}{{"accuracy", s.Accuracy}, {"availability", s.Availability}, {"simplicity", s.Simplicity}} {
		if !(w.v >= 0) || math.IsInf(w.v, 0) {
			return s, configError("selection."+w.name, "must be a non-negative number, got %v", w.v)
		}
	}
	if s.Accuracy == 0 && s.Availability == 0 && s.Simplicity == 0 {
		s.Accuracy, s.Availability, s.Simplicity = 0.5, 0.3, 0.2
	}
	return s, nil
}

// checkModelNames refuses an unknown or repeated model name in the list
// at field.
// modelList returns a copy of the list of models names (field names it
// in errors): defaults when it is empty, none for "none" alone.
func modelList(field string, names, defaults []string) ([]string, error) {
	switch {
	case len(names) == 0:
		return slices.Clone(defaults), nil
	case len(names) == 1 && names[0] == "none":
		return nil, nil
	}
	names = slices.Clone(names)
	return names, checkModelNames(field, names)
}

func checkModelNames(field string, names []string) error {
	seen := map[string]bool{}
	for i, c := range names {
		if _, ok := candidates[c]; !ok {
			if c == "none" && field == "selection.challengers" {
				return configError(fmt.Sprintf("%s[%d]", field, i), `"none" turns the challengers off only alone in the list`)
			}
			if c == "none" && field == "selection.temporal_candidates" {
				return configError(fmt.Sprintf("%s[%d]", field, i), `"none" adds no model only alone in the list`)
			}
			return configError(fmt.Sprintf("%s[%d]", field, i), "unknown model %q (want naive2, drift, robust_drift, ses, theta, theta_opt, holt, damped, ets or arima)", c)
		}
		if seen[c] {
			return configError(fmt.Sprintf("%s[%d]", field, i), "%q listed twice", c)
		}
		seen[c] = true
	}
	return nil
}

// candidateFit is one candidate's forecast on the adjusted series.
type candidateFit struct {
	name string
	r    result
	k    int       // fitted values
	long []float64 // r's forecast run on past h (see fitCandidate); nil when it is not
}

// auto is the automatic method: the candidates are fitted to the
// seasonally adjusted series, the best Combine of them by score are kept
// (all, by default), and their point forecasts are combined by the median
// (for a season of Selection.StepMedianSeason or less, the median of
// their first steps and then of their moves, on the logarithms for a
// positive series; see Selection.LevelMedian and Selection.AdditiveMoves)
// or the mean; each interval is the envelope of the kept candidates'
// intervals at that level. For a long series without a season, each
// candidate's point forecast is first averaged with its forecast from the
// series' newest part (see Selection.RecentWindow). A challenger that clearly beats every
// candidate on a hold-out replaces the combination (see
// Selection.Challengers). For a series never below zero, a candidate
// whose forecast goes below zero is left out while another candidate
// stays at or above it, a challenger whose forecast goes below zero
// replaces nothing, and a point forecast still below zero at the end is
// raised to zero (unless Selection.AllowNegative). Before the season is
// estimated, outliers are replaced and a level shift in a short season or
// in a long one's newest cycles is taken out (Selection.KeepOutliers,
// KeepLevelShifts, KeepNewestLevelShifts); for a season above
// Selection.GrowthDriftSeason, on a series above zero, robust_drift and
// theta_opt follow growth rates, and for a season of 2 to
// Selection.DriftCycleSeason robust_drift starts from its last cycle's
// level. The combination, or the challenger, is then averaged with the median of
// its forecasts moved to the candidates' at the temporal aggregation
// levels (see Selection.TemporalLevels), and the seasonal indices are
// put back.
func (f *Forecaster) auto(y []float64, m, h int) (result, bool) {
	sel := f.cfg.Selection
	lv := f.cfg.Levels
	// Judged on the series as given: its cleaned or adjusted values can
	// dip below zero where it does not.
	pos := !sel.AllowNegative && nonNegativeSeries(y)
	// This forecast's settings for its members: robust_drift and theta_opt
	// following growth rates, robust_drift starting from its last cycle's
	// level.
	g := *f
	growth := m > sel.GrowthDriftSeason && !sel.AllowNegative
	g.growthDrift = growth && !sel.AdditiveDrift
	g.growthTheta = growth && !sel.AdditiveTheta
	if m > 1 && m <= sel.DriftCycleSeason {
		g.driftCycle = m
	}
	g.growth = explosiveGrowth(y, sel.ExplosiveGrowth)
	f = &g
	switch {
	case sel.KeepOutliers:
	case g.growth > 0:
		// Its steps grow by orders of magnitude: the newest ones, many
		// times the others, are judged on the logarithms, whose steps
		// are the growth rates.
		ly := make([]float64, len(y))
		for t, v := range y {
			ly[t] = math.Log(v)
		}
		if c, n := cleanOutliers(ly, m, sel.OutlierSteps, sel.OutlierNewLevel); n > 0 {
			y = make([]float64, len(c))
			for t, v := range c {
				y[t] = math.Exp(v)
			}
		}
	default:
		y, _ = cleanOutliers(y, m, sel.OutlierSteps, sel.OutlierNewLevel)
	}
	if !sel.KeepLevelShifts && m > 1 && (len(y) < 3*m || !sel.KeepNewestLevelShifts) {
		recent := func(s int) bool { return len(y) < 3*m || len(y)-s <= sel.LevelShiftNewestCycles*m }
		if s, r, ok := levelShift(y, m, sel.LevelShiftRatio, sel.LevelShiftSigmas); ok && recent(s) {
			y = withoutLevelShift(y, s, r)
		} else if s, c, ok := additiveLevelShift(y, m, sel.LevelShiftRatio, sel.LevelShiftSigmas); ok && recent(s) {
			y = withoutAdditiveShift(y, s, c)
		}
	}
	if !sel.KeepLevelShifts && m == 1 && !sel.KeepNonSeasonalLevelShifts {
		if s, r, ok := levelShift(y, 1, sel.LevelShiftRatio, sel.LevelShiftSigmas); ok {
			y = withoutLevelShift(y, s, r)
		}
	}
	rule := indexRule{decays: sel.SeasonalDecays, medians: !sel.SeasonalMeans}
	if sel.ClassicalSeasonality {
		rule = indexRule{}
	}
	ya, sa := adjustSeasonally(y, m, !sel.ClassicalSeasonality, rule)
	ks := sel.TemporalLevels
	if len(ks) == 0 {
		ks = defaultTemporalLevels(m)
	}
	// The forecasts moved to the levels' block forecasts run to the end
	// of each level's last block (see levelForecast.steps).
	hx := h
	if !sel.TemporalRepeat {
		hx = temporalHorizon(h, len(ya), ks)
	}
	fits := fitCandidatesTo(f.fitCache(autoTol), sel.Candidates, ya, h, hx, lv)
	if len(fits) == 0 {
		return result{}, false
	}
	if pos {
		fits = dropNegative(fits)
	}
	if ch, ok := f.challenge(fits, ya, h, hx); ok && (!pos || nonNegative(ch.r)) {
		rs := make([]result, 0, len(fits)+1)
		rs = append(rs, ch.r)
		for _, c := range fits {
			rs = append(rs, c.r)
		}
		out := ch.r
		out.model = "auto(" + ch.r.model + ")"
		envelope(&out, rs)
		if !sel.TemporalRepeat {
			f.withTemporalLevels(&out, ch.long, fits, ya, ks, h, pos)
		}
		sa.reseasonalize(&out, len(y))
		if pos {
			floorAtZero(&out)
		}
		return out, true
	}
	if sel.Combine < len(fits) {
		fits = f.rank(fits, ya, y, m, h)[:sel.Combine]
	}
	fits = f.withRecentWindow(fits, ya, m, h, hx, pos)
	names := make([]string, len(fits))
	rs := make([]result, len(fits))
	for i, c := range fits {
		names[i], rs[i] = c.r.model, c.r
	}
	name := "auto(" + strings.Join(names, ",") + ")"
	out := combine(name, rs, !sel.Mean)
	steps := !sel.Mean && !sel.LevelMedian && m <= sel.StepMedianSeason
	logs := !sel.AllowNegative && !sel.AdditiveMoves && positiveSeries(ya)
	if steps {
		out.mean = movePath(rs, logs)
	}
	envelope(&out, rs)
	holdMean(&out)
	var long []float64 // the combination to hx steps, when every member runs there
	if hx > h && !slices.ContainsFunc(fits, func(c candidateFit) bool { return c.long == nil }) {
		ls := make([]result, len(fits))
		for i, c := range fits {
			ls[i] = result{mean: c.long}
		}
		long = combine("", ls, !sel.Mean).mean
		if steps {
			long = movePath(ls, logs)
		}
	}
	f.withTemporalLevels(&out, long, fits, ya, ks, h, pos)
	sa.reseasonalize(&out, len(y))
	if pos {
		floorAtZero(&out)
	}
	return out, true
}

// withTemporalLevels averages out, auto's forecast of the adjusted series
// ya (long: the same to the end of each level's last block, or nil), with
// the median of the forecasts of fits' candidates and of
// Selection.TemporalCandidates at the temporal aggregation levels ks (see
// Selection.TemporalLevels).
func (f *Forecaster) withTemporalLevels(out *result, long []float64, fits []candidateFit, ya []float64, ks []int, h int, pos bool) {
	kept := make([]string, 0, len(fits)+len(f.cfg.Selection.TemporalCandidates))
	for _, c := range fits {
		kept = append(kept, c.name)
	}
	for _, name := range f.cfg.Selection.TemporalCandidates {
		if !slices.Contains(kept, name) {
			kept = append(kept, name)
		}
	}
	withTemporal(out, long, f.temporalForecasts(kept, ya, ks, h, pos), f.cfg.Selection.TemporalRepeat)
}

// challenge holds the last min(h, n/4) points of the adjusted series out,
// refits the candidates and the challengers without them, and returns
// the first challenger whose mean absolute error on them is below Clear
// times every candidate's, fitted to the whole series. ok is false when
// none wins, when no challenger is configured, or when the series is too
// short to hold points out (fewer than 8 would be left). A challenger is
// fitted to the whole series only once it has won.
func (f *Forecaster) challenge(fits []candidateFit, ya []float64, h, hx int) (candidateFit, bool) {
	sel := f.cfg.Selection
	n := len(ya)
	hv := min(h, n/4)
	if len(sel.Challengers) == 0 || hv < 1 || n-hv < 8 {
		return candidateFit{}, false
	}
	holdOutError := func(c *fitCache, name string) float64 {
		r, _, ok := c.candidate(name, ya[:n-hv], hv, nil)
		if !ok || !r.valid() || !r.plausibleAt(ya[:n-hv], c.growth) {
			return math.Inf(1)
		}
		e := 0.0
		for j := range hv {
			e += math.Abs(ya[n-hv+j] - r.mean[j])
		}
		return e / float64(hv)
	}
	vc := f.fitCache(autoTol)
	best := math.Inf(1)
	for _, c := range fits {
		best = min(best, holdOutError(vc, c.name))
	}
	if math.IsInf(best, 1) {
		return candidateFit{}, false
	}
	for _, name := range sel.Challengers {
		if holdOutError(vc, name) >= sel.Clear*best {
			continue
		}
		if c, ok := fitCandidate(f.fitCache(autoTol), name, ya, h, hx, f.cfg.Levels); ok {
			return c, true
		}
	}
	return candidateFit{}, false
}

// yield lets the goroutines waiting for the thread a forecast runs on go
// first; it is called before each model a forecast fits (an ETS model,
// an ARIMA order), about every millisecond of its CPU. Go preempts a
// running goroutine only after 10 ms, and a thread's timers fire when it
// schedules: without the yield, a goroutine whose timer fired during a
// fit on its thread — a resolve waiting for that fit until its own
// deadline — could wait for the rest of the fit, when the process's other
// threads are busy too. fallback's herd scenario at time scale 0.01
// (docs/sim.md) had fewer late answers with it.
func yield() { runtime.Gosched() }

// fitCandidates fits the named candidates to ya, skipping those that
// cannot be fitted or forecast finite values.
func fitCandidates(c *fitCache, names []string, ya []float64, h int, lv []float64) []candidateFit {
	return fitCandidatesTo(c, names, ya, h, h, lv)
}

// fitCandidatesTo is fitCandidates with each forecast run on to hx >= h
// steps too (see fitCandidate).
func fitCandidatesTo(c *fitCache, names []string, ya []float64, h, hx int, lv []float64) []candidateFit {
	var fits []candidateFit
	for _, name := range names {
		if f, ok := fitCandidate(c, name, ya, h, hx, lv); ok {
			fits = append(fits, f)
		}
	}
	return fits
}

// fitCandidate fits the named model to ya and forecasts it hx >= h steps
// ahead: r holds the first h steps, judged as a forecast of h steps, and
// long all hx when hx > h and they are finite (a model's first h steps do
// not depend on how far it is run).
func fitCandidate(c *fitCache, name string, ya []float64, h, hx int, lv []float64) (candidateFit, bool) {
	r, k, ok := c.candidate(name, ya, hx, lv)
	if !ok {
		return candidateFit{}, false
	}
	var long []float64
	if hx > h {
		if r.valid() {
			long = slices.Clone(r.mean)
		}
		r = r.head(h)
	}
	if !r.valid() || !r.plausibleAt(ya, c.growth) {
		return candidateFit{}, false
	}
	return candidateFit{name: name, r: r, k: max(k, 1), long: long}, true
}

// rank orders the candidates by score, best first (see Selection). The
// accuracy is the mean absolute error, on the last min(h, n/4) points of
// the adjusted series, of each candidate refitted without them; a
// candidate that cannot be refitted scores 0 for accuracy; when the series
// is too short to hold points out, every candidate scores 1.
func (f *Forecaster) rank(fits []candidateFit, ya, y []float64, m, h int) []candidateFit {
	sel := f.cfg.Selection
	n := len(ya)
	hv := min(h, n/4)
	errs := make([]float64, len(fits))
	validated := hv >= 1 && n-hv >= 8
	best := math.Inf(1)
	if validated {
		vc := f.fitCache(autoTol)
		for i, c := range fits {
			errs[i] = math.Inf(1)
			r, _, ok := vc.candidate(c.name, ya[:n-hv], hv, nil)
			if !ok || !r.valid() || !r.plausibleAt(ya[:n-hv], vc.growth) {
				continue
			}
			e := 0.0
			for j := range hv {
				e += math.Abs(ya[n-hv+j] - r.mean[j])
			}
			errs[i] = e
			best = min(best, e)
		}
	}
	kmin := fits[0].k
	for _, c := range fits {
		kmin = min(kmin, c.k)
	}
	score := make([]float64, len(fits))
	for i, c := range fits {
		acc := 1.0
		if validated {
			switch {
			case math.IsInf(errs[i], 1):
				acc = 0
			case errs[i] > 0:
				acc = best / errs[i]
			}
		}
		avail := float64(n) / float64(n+5*c.k)
		simp := float64(kmin) / float64(c.k)
		score[i] = sel.Accuracy*acc + sel.Availability*avail + sel.Simplicity*simp
	}
	idx := make([]int, len(fits))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return score[idx[a]] > score[idx[b]] })
	out := make([]candidateFit, len(fits))
	for i, j := range idx {
		out[i] = fits[j]
	}
	return out
}

// envelope widens each of out's intervals to the union of rs's intervals
// at that level.
func envelope(out *result, rs []result) {
	for i := range out.lower {
		for k := range out.mean {
			lo, hi := out.lower[i][k], out.upper[i][k]
			for _, r := range rs {
				lo = math.Min(lo, r.lower[i][k])
				hi = math.Max(hi, r.upper[i][k])
			}
			out.lower[i][k], out.upper[i][k] = lo, hi
		}
	}
}

// holdMean widens each of out's intervals to hold its point forecast.
func holdMean(out *result) {
	for i := range out.lower {
		for k, x := range out.mean {
			out.lower[i][k] = math.Min(out.lower[i][k], x)
			out.upper[i][k] = math.Max(out.upper[i][k], x)
		}
	}
}

// stepMedian returns the path whose first step is the median of the
// forecasts' first steps (path(r) of each r in rs) and whose each later
// step moves from the one before by the median of the forecasts' moves
// there (see Selection.LevelMedian), held at every step within the
// forecasts' range there: summed moves can otherwise leave it (below
// zero where every forecast of a positive series stays above).
func stepMedian(rs []result, path func(result) []float64) []float64 {
	h := len(path(rs[0]))
	out := make([]float64, h)
	v := make([]float64, len(rs))
	for k := range h {
		lo, hi := math.Inf(1), math.Inf(-1)
		for i, r := range rs {
			p := path(r)
			lo, hi = math.Min(lo, p[k]), math.Max(hi, p[k])
			v[i] = p[k]
			if k > 0 {
				v[i] -= p[k-1]
			}
		}
		out[k] = medianOf(v)
		if k > 0 {
			out[k] += out[k-1]
		}
		out[k] = min(max(out[k], lo), hi)
	}
	return out
}

// movePath returns the stepMedian of rs's point forecasts, taken on their
// logarithms when logs is set and every forecast is above zero: the first
// step is then the geometric median of the first steps (the exponential
// of their logarithms' median) and each later step the one before times
// the median of the forecasts' ratios of a step to the one before (see
// Selection.AdditiveMoves).
func movePath(rs []result, logs bool) []float64 {
	mean := func(r result) []float64 { return r.mean }
	if !logs || slices.ContainsFunc(rs, func(r result) bool {
		return slices.ContainsFunc(r.mean, func(v float64) bool { return !(v > 0) })
	}) {
		return stepMedian(rs, mean)
	}
	ls := make([]result, len(rs))
	for i, r := range rs {
		ls[i].mean = make([]float64, len(r.mean))
		for k, v := range r.mean {
			ls[i].mean[k] = math.Log(v)
		}
	}
	out := stepMedian(ls, mean)
	for k, v := range out {
		out[k] = math.Exp(v)
	}
	return out
}

// withRecentWindow returns fits with each candidate's point forecasts
// (to h, and to hx where it runs there) averaged with its forecasts from
// the newest Selection.RecentWindow of ya, for a series without a season
// (m = 1) whose window holds Selection.RecentWindowPoints points; the
// intervals are the whole series' (see Selection.RecentWindow). A
// candidate that cannot be fitted to the window, or (pos) whose window
// forecast goes below zero, keeps its own.
func (f *Forecaster) withRecentWindow(fits []candidateFit, ya []float64, m, h, hx int, pos bool) []candidateFit {
	sel := f.cfg.Selection
	n := len(ya)
	start := int((1 - sel.RecentWindow) * float64(n))
	if m != 1 || start <= 0 || n-start < sel.RecentWindowPoints {
		return fits
	}
	c := f.fitCache(autoTol)
	out := slices.Clone(fits)
	for i, fit := range fits {
		w, ok := fitCandidate(c, fit.name, ya[start:], h, hx, nil)
		if !ok || (pos && !nonNegative(w.r)) {
			continue
		}
		r := fit.r
		r.mean = make([]float64, h)
		for k := range h {
			r.mean[k] = (fit.r.mean[k] + w.r.mean[k]) / 2
		}
		out[i].r = r
		if fit.long != nil {
			out[i].long = nil
			if w.long != nil {
				out[i].long = make([]float64, len(fit.long))
				for k := range fit.long {
					out[i].long[k] = (fit.long[k] + w.long[k]) / 2
				}
			}
		}
	}
	return out
}

// fitCache returns an empty cache for fits at the optimiser tolerance
// tol, with the Selection's settings the candidates read.
func (f *Forecaster) fitCache(tol float64) *fitCache {
	return &fitCache{tol: tol, maxTheta: f.cfg.Selection.MaxTheta, robustDriftMedian: f.cfg.Selection.RobustDriftMedian, growthDrift: f.growthDrift, growthTheta: f.growthTheta, driftCycle: f.driftCycle, growth: f.growth}
}

// etsSpecs are the exponential-smoothing models etsAICc chooses among:
// errors A or M, trend none, additive or damped (no seasonality: the
// series is seasonally adjusted first).
var etsSpecs = []etsSpec{
	{m: 1},
	{trend: true, m: 1},
	{trend: true, damped: true, m: 1},
	{errMul: true, m: 1},
	{errMul: true, trend: true, m: 1},
	{errMul: true, trend: true, damped: true, m: 1},
}

// etsAICc fits every model of etsSpecs by likelihood (multiplicative-error
// models only to a positive series) and returns the forecast of the one
// with the lowest AICc, named ets(E,T,N).
func etsAICc(c *fitCache, y []float64, h int, lv []float64) (result, etsFit, bool) {
	pos := true
	for _, v := range y {
		if v <= 0 {
			pos = false
			break
		}
	}
	var best etsFit
	found := false
	for _, spec := range etsSpecs {
		if spec.errMul && !pos {
			continue
		}
		fit, ok := c.fit(y, spec, critLik)
		if !ok || math.IsNaN(fit.aicc) || math.IsInf(fit.aicc, 0) {
			continue
		}
		if !found || fit.aicc < best.aicc {
			best, found = fit, true
		}
	}
	if !found {
		return result{}, etsFit{}, false
	}
	mean, sd := best.forecast(h)
	return withNormal("ets("+best.spec.String()+")", mean, sd, lv), best, true
}

// String names the model in the ETS taxonomy: errors, trend, season.
func (spec etsSpec) String() string {
	b := []byte("A,N,N")
	if spec.errMul {
		b[0] = 'M'
	}
	t := "N"
	if spec.trend {
		t = "A"
		if spec.damped {
			t = "Ad"
		}
	}
	s := "N"
	switch spec.season {
	case seasonAdd:
		s = "A"
	case seasonMul:
		s = "M"
	}
	return string(b[0]) + "," + t + "," + s
}

// driftModel is the random walk with drift (R's rwf(drift = TRUE)): the
// last value plus the mean step times the horizon, with intervals that
// include the drift's estimation error.
func driftModel(y []float64, h int, lv []float64) (result, bool) {
	n := len(y)
	if n < 3 {
		return result{}, false
	}
	d := (y[n-1] - y[0]) / float64(n-1)
	ss := 0.0
	for t := 1; t < n; t++ {
		e := y[t] - y[t-1] - d
		ss += e * e
	}
	sigma := math.Sqrt(ss / float64(n-2))
	mean := make([]float64, h)
	sd := make([]float64, h)
	for k := range h {
		kk := float64(k + 1)
		mean[k] = y[n-1] + d*kk
		sd[k] = sigma * math.Sqrt(kk*(1+kk/float64(n-1)))
	}
	return withNormal("drift", mean, sd, lv), true
}

// robustDriftModel is the random walk with a robust drift: the last value
// plus a step times the horizon, the step w times the median step plus
// 1 − w times the mean step, (y[n−1] − y[0])/(n − 1), unless the steps'
// lag-1 autocorrelation is below −1.96/√(n − 1) — noise about a trend
// rather than a random walk, where the mean step, whose noise is only
// the two end points', is far more precise than a median of the steps,
// and is used alone. The intervals are the random walk with drift's,
// from the steps' sample variance (see driftModel).
func robustDriftModel(y []float64, h int, lv []float64, w float64) (result, bool) {
	n := len(y)
	if n < 3 {
		return result{}, false
	}
	steps := make([]float64, n-1)
	for t := 1; t < n; t++ {
		steps[t-1] = y[t] - y[t-1]
	}
	mean := (y[n-1] - y[0]) / float64(n-1)
	var ss, lag float64
	for t, s := range steps {
		ss += (s - mean) * (s - mean)
		if t > 0 {
			lag += (s - mean) * (steps[t-1] - mean)
		}
	}
	d := mean
	if !(ss > 0 && lag/ss <= -robustDriftZ/math.Sqrt(float64(n-1))) {
		d = w*medianOf(slices.Clone(steps)) + (1-w)*mean
	}
	sigma := math.Sqrt(ss / float64(n-2))
	fc := make([]float64, h)
	sd := make([]float64, h)
	for k := range h {
		kk := float64(k + 1)
		fc[k] = y[n-1] + d*kk
		sd[k] = sigma * math.Sqrt(kk*(1+kk/float64(n-1)))
	}
	return withNormal("robust_drift", fc, sd, lv), true
}

// fromCycleLevel moves r, a robust_drift forecast of y, to start from
// the level of y's last m values instead of its last value: the mean of
// y[n−m+j] + (m−1−j)·d over the last cycle, d the forecast's step, so
// that the path keeps its slope. y shorter than 2m points keeps its last
// value (see Selection.DriftCycleSeason).
func fromCycleLevel(r *result, y []float64, m int) {
	n := len(y)
	if m < 2 || n < 2*m {
		return
	}
	d := r.mean[0] - y[n-1]
	level := 0.0
	for j := range m {
		level += y[n-1-j] + float64(j)*d
	}
	shift := level/float64(m) - y[n-1]
	for k := range r.mean {
		r.mean[k] += shift
		for i := range r.lower {
			r.lower[i][k] += shift
			r.upper[i][k] += shift
		}
	}
}

// candidate fits the named candidate to ya, on its logarithms when
// c.growth is set and ya is above zero (see Selection.ExplosiveGrowth):
// the logarithms with a cache of their own (a fitCache holds one
// series' fits), no growth rates on them.
func (c *fitCache) candidate(name string, ya []float64, h int, lv []float64) (result, int, bool) {
	fit := candidates[name]
	if c.growth == 0 || !positiveSeries(ya) {
		return fit(c, ya, h, lv)
	}
	k, logs := 0, true
	r, ok := onLogarithms(ya, h, lv, func(y []float64, h int, lv []float64) (result, bool) {
		cc := c
		if logs { // onLogarithms fits the logarithms first
			cc = &fitCache{tol: c.tol, maxTheta: c.maxTheta, robustDriftMedian: c.robustDriftMedian, driftCycle: c.driftCycle}
			logs = false
		}
		r, kk, ok := fit(cc, y, h, lv)
		k = kk
		return r, ok
	})
	return r, k, ok
}

// explosiveGrowth returns y's mean growth factor per period,
// (y[n−1]/y[0])^(1/(n−1)), when y is above zero and its step ratios
// y(t)/y(t−1) are at least factor at their lower quartile (see
// Selection.ExplosiveGrowth); 0 otherwise.
func explosiveGrowth(y []float64, factor float64) float64 {
	n := len(y)
	if n < 4 || !positiveSeries(y) {
		return 0
	}
	ratios := make([]float64, n-1)
	for t := 1; t < n; t++ {
		ratios[t-1] = y[t] / y[t-1]
	}
	slices.Sort(ratios)
	if !(ratios[(n-1)/4] >= factor) {
		return 0
	}
	return math.Pow(y[n-1]/y[0], 1/float64(n-1))
}

// growthDriftModel is robustDriftModel on the logarithms of y, which must
// be above zero: the robust drift of the growth rates (see onLogarithms).
func growthDriftModel(y []float64, h int, lv []float64, w float64) (result, bool) {
	return onLogarithms(y, h, lv, func(y []float64, h int, lv []float64) (result, bool) {
		return robustDriftModel(y, h, lv, w)
	})
}

// growthThetaOptModel is thetaOptModel on the logarithms of y, which must
// be above zero: its trend line a growth rate (see onLogarithms).
func growthThetaOptModel(y []float64, h int, lv []float64, maxTheta float64) (result, bool) {
	return onLogarithms(y, h, lv, func(y []float64, h int, lv []float64) (result, bool) {
		return thetaOptModel(y, h, lv, maxTheta)
	})
}

// onLogarithms fits model to the logarithms of y, which must be above
// zero, and returns the exponentials of its forecast with the intervals
// model gives in y's units, moved with the forecast (the log-scale ones,
// exponentiated, widen far over long horizons).
func onLogarithms(y []float64, h int, lv []float64, model func(y []float64, h int, lv []float64) (result, bool)) (result, bool) {
	ly := make([]float64, len(y))
	for i, v := range y {
		ly[i] = math.Log(v)
	}
	g, ok := model(ly, h, nil)
	if !ok {
		return g, false
	}
	r, ok := model(y, h, lv)
	if !ok {
		return r, false
	}
	for k, v := range g.mean {
		x := math.Exp(v)
		for i := range r.lower {
			r.lower[i][k] += x - r.mean[k]
			r.upper[i][k] += x - r.mean[k]
		}
		r.mean[k] = x
	}
	return r, true
}

// robustDriftZ is the normal quantile of the 95 % limit below which the
// steps' lag-1 autocorrelation keeps robustDriftModel to the mean step
// (Bartlett's standard error 1/√(n − 1) of an autocorrelation of n − 1
// uncorrelated steps).
const robustDriftZ = 1.96

// positiveSeries reports whether every value of y is above zero.
func positiveSeries(y []float64) bool {
	for _, v := range y {
		if !(v > 0) {
			return false
		}
	}
	return true
}

// nonNegativeSeries reports whether no value of y is below zero.
func nonNegativeSeries(y []float64) bool {
	for _, v := range y {
		if !(v >= 0) {
			return false
		}
	}
	return true
}

// floorAtZero raises r's point forecasts below zero to zero (finish
// widens the intervals to hold them): every member can go below zero — a
// trend down to it, a season's zero troughs put back — and a series that
// never has is not expected to.
func floorAtZero(r *result) {
	for k, v := range r.mean {
		r.mean[k] = max(v, 0)
	}
}

// nonNegative reports whether no point forecast of r is below zero.
func nonNegative(r result) bool {
	for _, v := range r.mean {
		if v < 0 {
			return false
		}
	}
	return true
}

// dropNegative returns the fits whose point forecasts stay at or above
// zero, or all of them when none does.
func dropNegative(fits []candidateFit) []candidateFit {
	var kept []candidateFit
	for _, c := range fits {
		if nonNegative(c.r) {
			kept = append(kept, c)
		}
	}
	if len(kept) == 0 {
		return fits
	}
	return kept
}
