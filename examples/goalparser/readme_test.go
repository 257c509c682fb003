package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The README shows a run of the goal parser, command and output: the
// command is the one run here, and every line it shows (but the "..."
// that stands for the rest of a block) is a line of the output.
func TestReadmeSampleIsTheOutput(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, after, ok := strings.Cut(string(readme), "```text\n$ go run ./examples/goalparser ")
	require.True(t, ok, "README shows a run of the goal parser")
	sample, _, ok := strings.Cut(after, "```")
	require.True(t, ok)
	command, shown, _ := strings.Cut(sample, "\n")
	assert.Equal(t, `-now 2026-11-25 "increase qualified leads by 20% in Q3 with a \$50k budget" "grow revenue by lots"`, command)

	out, err := runIn(t, "-now", "2026-11-25", "increase qualified leads by 20% in Q3 with a $50k budget", "grow revenue by lots")
	require.ErrorIs(t, err, errUnreadable)
	lines := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		lines[l] = true
	}
	checked := 0
	for _, l := range strings.Split(strings.TrimRight(shown, "\n"), "\n") {
		if l == "" || strings.TrimSpace(l) == "..." {
			continue
		}
		checked++
		assert.True(t, lines[l], "README line %q is not a line of the output", l)
	}
	assert.Greater(t, checked, 8)
}
