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

	b, err = parseBrief([]byte(`{"budget": 5, "goal": "clicks"}`), defaultBrief())
	require.NoError(t, err, "JSON is YAML")
	assert.Equal(t, 5.0, b.Budget)
	assert.Equal(t, "clicks", b.Goal)

	b, err = parseBrief([]byte("month: 7\nmarket: GB\nchannels: search, display\nkeywords: a, b\n"), defaultBrief())
	require.NoError(t, err)
	assert.Equal(t, "07", b.Month, "an unquoted month")
	assert.Equal(t, "gb", b.Market)
	assert.Equal(t, []string{"search", "display"}, b.Channels, "a comma-separated list")
	assert.Equal(t, []string{"a", "b"}, b.Keywords)
}

// TestParseBriefErrors: a bad brief file is refused with the line, the
// field and what is wanted, in words — never the YAML decoder's Go types.
func TestParseBriefErrors(t *testing.T) {
	for data, want := range map[string]string{
		"chanels: [search]\n":               `line 1: unknown field "chanels" (did you mean "channels"?); the fields are industry, market, month, budget, channels, keywords, goal`,
		"colour: red\n":                     `line 1: unknown field "colour"; the fields are industry, market, month, budget, channels, keywords, goal`,
		"budget: lots\n":                    `line 1: budget "lots": not a number: want an amount between 0.01 and 1000000000`,
		"budget: .nan\n":                    `line 1: budget ".nan": not a number: want an amount between 0.01 and 1000000000`,
		"budget: 0\n":                       `line 1: budget "0": want an amount between 0.01 and 1000000000`,
		"industry: retail\nmonth: 13\n":     `line 2: month "13": not a month (the months are 01 to 12, or jan to dec)`,
		"market: usa\n":                     `line 1: market "usa": want a two-letter market code, such as us, gb or de`,
		"industry: [a]\n":                   `line 1: industry: want one value, not a list or a mapping`,
		"channels: [search, radio]\n":       `line 1: channels: unknown channel "radio" (the channels are search, social and display)`,
		"channels: {search: 1}\n":           `line 1: channels: want a list, such as [search, social], or a comma-separated string`,
		"keywords: [[a]]\n":                 `line 1: keywords: want plain values in the list, not lists or mappings`,
		"goal: fame\n":                      `line 1: goal "fame": want conversions, clicks or impressions`,
		"goal: clicks\ngoal: conversions\n": `line 2: goal is given twice`,
		"- a\n- b\n":                        `line 1: want the brief's fields (industry, market, month, budget, channels, keywords, goal), one per line`,
		"{{{":                               `line 1: not YAML or JSON (did not find expected node content)`,
		"goal: clicks\n---\ngoal: x\n":      `line 2: a second YAML document (after ---) is not allowed: one document per file`,
	} {
		_, err := parseBrief([]byte(data), defaultBrief())
		assert.EqualError(t, err, want, "parseBrief(%q)", data)
	}
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
		// parseBrief checks every field it reads: what it returns can be
		// planned for.
		require.NoError(t, b.check())
		assert.NotEmpty(t, b.Channels)
		assert.NotEmpty(t, b.Keywords)
		assert.True(t, b.Budget >= 0.01 && b.Budget <= maxBudget)
	})
}
