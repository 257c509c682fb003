package main

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSummarizeInBoundsGarbage: the accuracy figures against the truth at
// each request — in-bounds garbage by provenance, whichever layer served
// it; a provider's answer judged against the truth when it answered;
// false rejections (near the truth, not confirmed) as a share of the
// values returned; flagged answers; the statistical layer's own MAPE;
// the answers held back as a caught provider's.
func TestSummarizeInBoundsGarbage(t *testing.T) {
	sc, err := parseScenario([]byte(minimal + "truth_events: [{from: 0.5, kind: shift, factor: 3}]\n"))
	require.NoError(t, err)
	sc.Requests = 100
	keys := compileKeys(sc)
	k := keys[0]
	before, after := k.truthAt(10), k.truthAt(60)
	require.Equal(t, 3*before, after)
	w := &world{}
	w.note(10*before, 10, eventUnit)
	w.note(0, 11, eventZero)
	w.note(before, 12, eventFrozen) // right before the shift…
	w.note(before, 60, eventFrozen) // …and the same again after it: garbage then
	w.note(1.01*before, 13, "")     // a good answer, stale after the shift
	recs := []record{
		{index: 20, key: k, answer: answer{value: 10 * before, layer: "cache"}},        // unit, from the cache
		{index: 21, key: k, answer: answer{value: 0, layer: "primary", flagged: true}}, // zero, flagged
		{index: 22, key: k, answer: answer{value: before, layer: "primary"}},           // frozen, still right
		{index: 60, key: k, answer: answer{value: before, layer: "primary"}},           // frozen, 3× off
		{index: 61, key: k, answer: answer{value: 1.01 * before, layer: "cache"}},      // stale, not garbage
		{index: 62, key: k, answer: answer{value: 1.1 * after, layer: "statistical"}},  // a forecast 10 % off
		{index: 63, key: k, answer: answer{value: 0.3 * after, layer: "default"}},      // a default, garbage
		{index: 64, key: k, answer: answer{value: after, layer: "secondary", rejected: []float64{0.95 * after, 1.2 * after, before}, confirmed: 2, caught: []string{"main"}}},
		{index: 65, key: k, answer: answer{err: errors.New("no"), rejected: []float64{after}, caught: []string{"main", "mirror"}}}, // counted, though the resolve failed
		{index: 66, key: k, answer: answer{value: 0.8 * after, layer: "statistical", flagged: true}},                               // a forecast 20 % off
	}
	s := summarize(sc, runResult{records: recs, world: w})
	a := s.Accuracy
	assert.Equal(t, 3, a.ImplausibleServed, "in-bounds garbage served: the unit error, the zero, the frozen value after the shift")
	assert.Equal(t, map[string]int{eventUnit: 1, eventZero: 1, eventFrozen: 1}, a.ImplausibleKinds)
	assert.Equal(t, 4, a.Garbage, "garbage: the in-bounds garbage and the default")
	assert.Equal(t, 2, a.Flagged)
	assert.Equal(t, 2, a.FalseRejections, "rejected values within 10 % of the truth")
	assert.InDelta(t, 2.0/9, a.FalseRejectionRate, 1e-12, "false rejections over the nine values returned")
	assert.Equal(t, 2, a.ImplausibleConfirmed)
	assert.Equal(t, map[string]int{"main": 2, "mirror": 1}, a.Caught, "answers held back as a caught provider's, by provider")
	assert.InDelta(t, 0.15, a.StatisticalMAPE, 1e-9, "the statistical answers' MAPE: 10 % and 20 %")
	assert.Equal(t, "0.1500", statisticalMAPE(s))
	assert.Equal(t, "-", statisticalMAPE(summarize(sc, runResult{records: recs[:2], world: w})), "no statistical answer")
}
