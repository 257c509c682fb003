// Package stats forecasts a key's value from its history: strata's fourth
// layer, used when every provider is down and the cache is too stale.
//
// # Forecasting
//
// A Forecaster fits a model to a regular series (oldest first) and
// forecasts h steps ahead with prediction intervals:
//
//	f, err := stats.New(stats.Config{})          // method "auto", 80 % and 95 % intervals
//	fc, err := f.Forecast(y, 12, 3)              // monthly series, 3 months ahead
//	fc.Mean[2], fc.Intervals[1].Lower[2], fc.Confidence()
//
// The methods are those of the M3 competition and of R's forecast package,
// each reproducing its R counterpart's fit (the same initial states,
// bounds and Nelder–Mead variant as R, the variant run as a gonum
// optimize.Method by optimize.Minimize; gonum for the linear algebra): naive,
// snaive, naive2, drift, ses, holt, damped, theta, hw, hw_mult, lm, the
// M3 benchmarks on seasonally adjusted data (ses_sa, holt_sa, damped_sa,
// comb_sa), ets (exponential-smoothing model chosen by AICc on the
// seasonally adjusted series), arima and auto.
//
// arima is the automatic seasonal ARIMA of R's auto.arima (Hyndman and
// Khandakar 2008): seasonal differencing when the seasonal strength of an
// STL decomposition exceeds 0.64, first differences by KPSS tests, then a
// stepwise search over ARIMA(p,d,q)(P,D,Q)[m] models with or without a
// mean or drift by AICc. Each model is fitted as R's arima(method =
// "CSS-ML") fits it: R's BFGS on the conditional sum of squares for the
// starting values, then the exact Gaussian likelihood of the differenced
// series through a Kalman filter started from the stationary state
// distribution (Chandrasekhar recursions, O(r) per observation),
// maximised by Levenberg–Marquardt on the likelihood written as a sum of
// squares. The forecasts and their variances come from the state-space
// form with the differencing, as R's KalmanForecast. On the 700-series M3
// development subset its forecasts are within 1 % of R's for 692 series
// and its sMAPE is R's to 0.05 %, at several hundred times R's speed.
//
// auto, the default, seasonally adjusts the series when the M3
// autocorrelation test or its STL seasonal strength finds seasonality
// (classical multiplicative decomposition, each index the weighted
// median of its detrended values, weighted toward the newest cycles
// where that predicts them better — Selection.SeasonalDecays — and
// shrunk toward none by how noisy they are),
// fits the Theta method with its θ chosen by the fit (theta_opt), damped
// trend, the AICc-chosen exponential
// smoothing model and the random walk with a robust drift (half the mean
// step, half the median step), and takes the median of
// their forecasts — for a season of 4 or less the median of their first
// steps and then of their moves, as growth ratios on a series above
// zero (Selection.StepMedianSeason, Selection.AdditiveMoves); its
// intervals are the envelope of theirs. For a season above 4, on a
// series above zero, theta_opt and the drift follow growth rates (fitted
// to the logarithms: Selection.GrowthDriftSeason); for a season of 2 to
// 4 the drift starts from its last cycle's level
// (Selection.DriftCycleSeason); a long series without a season is also
// fitted on its newest half (Selection.RecentWindow). ARIMA
// challenges the combination: fitted with the four to the series without
// its last points, where its error on them is under 0.7 times the best
// candidate's it replaces the median (with the envelope of all five
// intervals) — on series with autoregressive cycles, where it is far
// better than exponential smoothing. Outliers are replaced first (points
// far off their neighbours' median, by interpolation, but for the newest
// points at a new level; Selection.KeepOutliers keeps them,
// Selection.OutlierSteps sets how far); for a series never
// below zero, members whose forecast goes below zero are left out
// while one stays above it, and the forecast stops at zero
// (Selection.AllowNegative keeps them and lets it go below). The
// median, or ARIMA's forecast, is averaged with the median of itself
// moved to the same members' forecasts of the series' means over blocks
// of k periods, for each k that divides a season above 4 (monthly: 2, 3,
// 4 and 6; temporal aggregation as in MAPA and temporal hierarchies;
// Selection.TemporalLevels), where Holt's linear trend joins the members
// (Selection.TemporalCandidates). On the 3003 M3 series auto reaches a
// mean sMAPE of 12.110 and MASE of 1.2952,
// ahead of the competition's winner (Theta, 12.76 and 1.395);
// docs/forecasting.md has the numbers and how the rule was chosen.
// Selection tunes it.
//
// Input that arrives at run time never panics: a series that is too
// short, holds NaN or infinite values, or a bad horizon or season is
// refused with a *SeriesError (ErrTooShort, ErrInvalidSeries,
// ErrInvalidArgument); a constant series, a series too short for the
// configured model, or non-positive values for a multiplicative model fall
// back to a simpler model, named in Forecast.Model. Every forecast value
// is finite.
//
// # History
//
// History stores each key's observations (MemoryHistory is the bounded
// in-memory default; its View reads a series without copying it);
// Regularize buckets them by Period into the regular
// series a Forecaster needs, and Period.SeasonLength gives the usual
// season. The fallback resolver appends every good answer to the History
// and, at layer 4, regularizes the key's history, forecasts it to the
// current period and accepts the forecast when its Confidence passes the
// threshold. The defaults package uses stats for trend.
//
// Forecasters and MemoryHistory are safe for concurrent use.
package stats
