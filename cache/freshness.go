package cache

import (
	"math"
	"time"
)

// Freshness scores an answer of the given age in [0, 1] by exponential
// decay with the data type's half-life:
//
//	freshness = 2^(−age / halfLife)
//
// 1 at age zero (or a negative age, from clock skew), 0.5 at one
// half-life, 0.25 at two. A non-positive half-life means the data never
// ages: freshness is 1.
func Freshness(age, halfLife time.Duration) float64 {
	return DecayOf(halfLife).Freshness(age)
}

// Decay is Freshness for one half-life with its rate worked out once: ln 2
// divided by the half-life, per nanosecond of age (0 when the data never
// ages). Its Freshness equals the package's to the last bit.
type Decay float64

// DecayOf returns the Decay of halfLife.
func DecayOf(halfLife time.Duration) Decay {
	if halfLife <= 0 {
		return 0
	}
	return Decay(math.Ln2 / float64(halfLife))
}

// Freshness returns the freshness of an answer of the given age.
func (d Decay) Freshness(age time.Duration) float64 {
	if age <= 0 || d == 0 {
		return 1
	}
	// e^(−age·ln 2/halfLife) rather than 2^(−age/halfLife): the same value
	// to a few ulps, and math.Exp has an assembly implementation that is
	// about a third faster on the hot path.
	return math.Exp(-float64(age) * float64(d))
}

// Acceptance is the rule deciding whether a stale entry may answer:
//
//	ConfidenceWeight × confidence + FreshnessWeight × freshness ≥ Threshold
//
// The seed's values are 0.6, 0.4 and 0.65.
type Acceptance struct {
	ConfidenceWeight float64
	FreshnessWeight  float64
	Threshold        float64
}

// Score returns the weighted score of an entry's confidence and freshness.
func (a Acceptance) Score(confidence, freshness float64) float64 {
	return a.ConfidenceWeight*confidence + a.FreshnessWeight*freshness
}

// Accept reports whether the score reaches the threshold, and the score.
func (a Acceptance) Accept(confidence, freshness float64) (float64, bool) {
	s := a.Score(confidence, freshness)
	return s, s >= a.Threshold
}
