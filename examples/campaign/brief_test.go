package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseBrief(t *testing.T) {
	b, err := parseBrief([]byte("budget: 500\nchannels: [display]\n"), defaultBrief())
	require.NoError(t, err)
	assert.Equal(t, 500.0, b.Budget)
	assert.Equal(t, []string{"display"}, b.Channels)
	assert.Equal(t, defaultBrief().Keywords, b.Keywords, "fields the file leaves alone keep the base's")
	require.NoError(t, b.check())

	b, err = parseBrief(nil, defaultBrief())
	require.NoError(t, err, "an empty file is the base brief")
	assert.Equal(t, defaultBrief(), b)

	_, err = parseBrief([]byte("chanels: [search]\n"), defaultBrief())
	assert.ErrorContains(t, err, "chanels")
	_, err = parseBrief([]byte("budget: lots\n"), defaultBrief())
	assert.ErrorContains(t, err, "brief:")
	_, err = parseBrief([]byte(`{"budget": 5, "goal": "clicks"}`), defaultBrief())
	assert.NoError(t, err, "JSON is YAML")
}

func TestBriefCheck(t *testing.T) {
	many := make([]string, maxKeywords+1)
	for i := range many {
		many[i] = string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	for name, mod := range map[string]func(*brief){
		"budget NaN":     func(b *brief) { b.Budget = nan() },
		"budget too big": func(b *brief) { b.Budget = 2e9 },
		"four channels":  func(b *brief) { b.Channels = []string{"search", "social", "display", "radio"} },
		"many keywords":  func(b *brief) { b.Keywords = many },
		"no keywords":    func(b *brief) { b.Keywords = nil },
		"twice":          func(b *brief) { b.Channels = []string{"search", "search"} },
		"goal":           func(b *brief) { b.Goal = "" },
	} {
		b := defaultBrief()
		mod(&b)
		assert.Error(t, b.check(), name)
	}
}

func nan() float64 {
	zero := 0.0
	return zero / zero
}

func FuzzParseBrief(f *testing.F) {
	f.Add([]byte("industry: retail\nbudget: 10\nkeywords: [a, b]\n"))
	f.Add([]byte(`{"channels": ["search"], "month": "07"}`))
	f.Add([]byte("budget: .nan\n"))
	f.Add([]byte("keywords: !!binary aGVsbG8=\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := parseBrief(data, defaultBrief())
		if err != nil {
			return
		}
		if b.check() == nil {
			// A brief that passes its check can be planned for.
			assert.NotEmpty(t, b.Channels)
			assert.NotEmpty(t, b.Keywords)
			assert.True(t, b.Budget >= 0.01 && b.Budget <= maxBudget)
		}
	})
}
