package fallback

import (
	"encoding/json"
	"errors"
	"maps"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
)

// docs/stability.md promises that, in every v0 release, the Result fields
// it lists keep their names and JSON names, the Attempt fields likewise,
// and the layers their names as text and JSON. The field lists are read
// from the page, so that a field added to Result is added to the promise
// too; the JSON names are pinned here.
func TestResultFieldsAndJSONNamesAreStable(t *testing.T) {
	page, err := os.ReadFile("../docs/stability.md")
	require.NoError(t, err)
	_, after, ok := strings.Cut(string(page), "**The `Result` fields**:")
	require.True(t, ok, "docs/stability.md lists the Result fields")
	list, _, ok := strings.Cut(after, "— their names")
	require.True(t, ok)
	var documented []string
	for _, m := range regexp.MustCompile("`([A-Z][A-Za-z]*)`").FindAllStringSubmatch(list, -1) {
		documented = append(documented, m[1])
	}
	assert.Equal(t, exportedFields(reflect.TypeFor[Result]()), documented, "Result's fields are the ones docs/stability.md lists, in order")

	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	res := Result{
		Value:       1.25,
		Intervals:   []Interval{{Level: 0.95, Lower: 1, Upper: 1.5}},
		Layer:       LayerStatistical,
		Source:      "p1",
		Confidence:  0.9,
		Freshness:   0.5,
		ObservedAt:  at,
		Cost:        0.02,
		Attempts:    []Attempt{{Provider: "p1", Tier: Primary, Outcome: Failed, Class: providers.RateLimit, Err: errors.New("x"), Latency: time.Millisecond, Cost: 0.01, Retry: 1, Hedge: true, Audit: true}, {Provider: "s1", Tier: Secondary, Outcome: Skipped, Skip: SkipBreakerOpen}},
		Shared:      true,
		Implausible: true,
		Market:      &MarketDetail{Factor: 1.1, Peers: 1.05, Host: 1.05, Sources: []string{"cpc?keyword=a"}},
		Default:     &DefaultDetail{From: "base", Base: 1.5, Segment: "retail", Adjustments: []Adjustment{{Name: "trend", Factor: 1.1, Guessed: true}}},
	}
	b, err := json.Marshal(res)
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(b, &got))
	assert.Equal(t, []string{"attempts", "confidence", "cost", "default", "freshness", "implausible", "intervals", "layer", "market", "observed_at", "shared", "source", "value"},
		slices.Sorted(maps.Keys(got)), "Result's JSON names")
	assert.Equal(t, "statistical", got["layer"])
	attempts := got["attempts"].([]any)
	require.Len(t, attempts, 2)
	failed := attempts[0].(map[string]any)
	assert.Equal(t, []string{"audit", "class", "cost", "hedge", "latency", "outcome", "provider", "retry", "tier"}, slices.Sorted(maps.Keys(failed)), "a failed Attempt's JSON names")
	assert.Equal(t, map[string]any{"provider": "p1", "tier": "primary", "outcome": "failed", "class": "rate_limit", "latency": 1e6, "cost": 0.01, "retry": 1.0, "hedge": true, "audit": true}, failed)
	skipped := attempts[1].(map[string]any)
	assert.Equal(t, "breaker_open", skipped["skip"], "a skipped Attempt's skip")
	assert.Equal(t, exportedFields(reflect.TypeFor[Attempt]()), []string{"Provider", "Tier", "Outcome", "Class", "Skip", "Err", "Latency", "Cost", "Retry", "Hedge", "Audit"}, "Attempt's fields")

	names := []string{"primary", "secondary", "cache", "statistical", "default"}
	for i, l := range Layers {
		text, err := l.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, names[i], string(text), "layer %d as text", i)
		j, err := json.Marshal(l)
		require.NoError(t, err)
		assert.Equal(t, `"`+names[i]+`"`, string(j), "layer %d as JSON", i)
		var back Layer
		require.NoError(t, back.UnmarshalText(text))
		assert.Equal(t, l, back)
	}
}

func exportedFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() {
			out = append(out, f.Name)
		}
	}
	return out
}
