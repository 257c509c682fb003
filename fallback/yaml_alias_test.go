package fallback

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Aliases must not hang the strict walk: neither a cycle nor an alias
// bomb (a billion visits from a few hundred bytes).
func TestParseConfigAliasCycleAndBomb(t *testing.T) {
	s := "[" + strings.Repeat("*S, ", 999) + "*S]"
	p := "[" + strings.Repeat("*P, ", 999) + "*P]"
	d := "[" + strings.Repeat("*D, ", 999) + "*D]"
	bomb := "providers:\n  - {name: s, tier: primary, data_types: &S [x]}\n" +
		"  - {name: p, tier: primary, data_types: [y]}\n" +
		"data_types:\n  - &D {name: a, params: &PP [&P {name: q, allowed: " + s + "}]}\n" +
		"  - {name: b, params: " + p + "}\n" +
		"resolve: {}\n" +
		"cache: {}\n" +
		"retry: {}\n" +
		"forecast: {}\n" +
		"defaults: {}\n" +
		"breaker: {}\n" +
		"router: {}\n" +
		"_: " + d + "\n"
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, err := ParseConfig([]byte("data_types: &a [*a]"))
		assert.Error(t, err)
		_, err = ParseConfig([]byte(bomb))
		assert.Error(t, err)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("ParseConfig hangs on aliases")
	}
}

// An alias is checked as what it stands for where it is used: a breaker's
// fields reused as a retry are unknown fields of the retry, not dropped.
func TestParseConfigChecksAnAliasWhereItIsUsed(t *testing.T) {
	doc := strings.Replace(validYAML, "    data_types: [cpc]\n  - name: backup", "    data_types: [cpc]\n    breaker: &b {consecutive_failures: 3}\n    retry: *b\n  - name: backup", 1)
	require.NotEqual(t, validYAML, doc)
	_, err := ParseConfig([]byte(doc))
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.ErrorContains(t, err, "providers[0].retry.consecutive_failures")
	assert.ErrorContains(t, err, "unknown field")
}

// A null list entry is refused, naming its index: the decoder would drop
// it and shift every later entry's index in the errors.
func TestParseConfigRefusesANullListEntry(t *testing.T) {
	doc := strings.Replace(validYAML, "providers:\n  - name: ads", "providers:\n  - ~\n  - name: ads", 1)
	require.NotEqual(t, validYAML, doc)
	_, err := ParseConfig([]byte(doc))
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.ErrorContains(t, err, "providers[0] (line 3): a null entry")
}

// A merge key shares fields between entries, as YAML allows: the
// providers below read as if each wrote them, and a misspelt field in a
// merged mapping is an unknown field of the entry it is merged into.
func TestParseConfigReadsMergeKeys(t *testing.T) {
	doc := strings.Replace(validYAML, "  - name: backup\n    tier: secondary\n    data_types: [cpc]\n",
		"  - &backup {name: backup, tier: secondary, data_types: [cpc], timeout: 2s}\n  - <<: *backup\n    name: backup2\n", 1)
	require.NotEqual(t, validYAML, doc)
	cfg, err := ParseConfig([]byte(doc))
	require.NoError(t, err)
	require.Len(t, cfg.Providers, 3)
	assert.Equal(t, "backup2", cfg.Providers[2].Name)
	assert.Equal(t, Secondary, cfg.Providers[2].Tier)
	assert.Equal(t, 2*time.Second, cfg.Providers[2].Timeout)

	bad := strings.Replace(doc, "timeout: 2s}", "timeout: 2s}\n  - <<: {timout: 1s}\n    name: backup3\n    tier: secondary", 1)
	_, err = ParseConfig([]byte(bad))
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "providers[2].timout", ce.Field)
	assert.Contains(t, ce.Msg, `did you mean "timeout"?`)
}
