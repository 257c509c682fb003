// Package defaults is strata's layer of last resort: the default engine.
// It always has an answer for a data type that has a configured base.
//
// The default for a key is, in order of preference:
//
//  1. with history (at least MinHistory points of the key's regular
//     series): the historical average of the last Window points, times a
//     trend factor projecting that average from the middle of the window to
//     the next period, times the host's market-condition factor, times the
//     host's per-user behaviour factor;
//  2. without history: the most specific matching segment's base value
//     (the segment matching the most params; ties go to the first
//     declared), or else the data type's base value, times the same two
//     host factors.
//
// Each factor is clamped to its configured bounds, so a wild trend or a
// host bug cannot move the default far. An absent factor is 1.0 and counts
// as guessed; so is a host factor that is not a positive finite number (0,
// negative, NaN, ±Inf), which no bounds could make sense of.
//
// Engine.Default calls the host's factors on the caller's goroutine, as
// they are: a factor that panics or blocks does so in Default. Package
// fallback runs them guarded (a panic, or no answer before the resolve's
// deadline, counts as absent); a host using the Engine directly guards its
// own.
//
// Confidence. A default states how far to trust it:
//
//	history:  HistoryConfidence × fit × (1 − GuessPenalty × guessed)
//	segment:  SegmentConfidence × (1 − GuessPenalty × guessed)
//	base:     BaseConfidence × (1 − GuessPenalty × guessed)
//
// where fit = 1 / (1 + cv) with cv the coefficient of variation of the
// window around its trend line (a series that follows its trend closely
// has fit near 1; one averaging zero, with values not all zero, has 0),
// and guessed counts the host factors that were absent (0, 1 or 2). The
// result is clamped to [0, 1].
//
// Config's zero fields take documented defaults, sizes have a documented
// maximum (WindowLimit), and New refuses an invalid field with a
// *ConfigError matching ErrInvalidConfig. Package fallback embeds Config
// whole as its "defaults" section and fills Rules, Market and User from
// its data types and options.
//
// Package defaults imports no other public strata package.
package defaults
