package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The README shows what `go run ./examples/campaign` prints: every line
// of its sample (but the placeholder of the figure rows) is a line of the
// default report.
func TestReadmeSampleIsTheDefaultReport(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, after, ok := strings.Cut(string(readme), "```text\nCampaign plan")
	require.True(t, ok, "README shows the campaign report")
	sample, _, ok := strings.Cut("Campaign plan"+after, "```")
	require.True(t, ok)
	lines := map[string]bool{}
	for _, l := range strings.Split(runText(t), "\n") {
		lines[l] = true
	}
	checked := 0
	for _, l := range strings.Split(strings.TrimRight(sample, "\n"), "\n") {
		if l == "" || strings.HasPrefix(l, "[...") {
			continue
		}
		checked++
		assert.True(t, lines[l], "README line %q is not a line of the report", l)
	}
	assert.Greater(t, checked, 15)
}
