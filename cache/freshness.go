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
	if age <= 0 || halfLife <= 0 {
		return 1
	}
	// e^(−age·ln 2/halfLife) rather than 2^(−age/halfLife): the same to a
	// few ulps, and math.Exp has an assembly implementation, twice as
	// fast on a cache hit.
	return math.Exp(-float64(age) * math.Ln2 / float64(halfLife))
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
