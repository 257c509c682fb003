package fallback

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReadmeQuickStartMatchesExample keeps the README's quick start and
// Example in example_test.go in step: every line of the README's
// snippet must appear, in order, in Example's body — its comment of what
// the snippet prints too, which must be a line of Example's Output.
func TestReadmeQuickStartMatchesExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	example, err := os.ReadFile("example_test.go")
	require.NoError(t, err)

	_, after, ok := strings.Cut(string(readme), "## Quick start")
	require.True(t, ok, "README has a Quick start section")
	_, after, ok = strings.Cut(after, "```go\n")
	require.True(t, ok)
	snippet, _, ok := strings.Cut(after, "```")
	require.True(t, ok)

	body := string(example)
	start := strings.Index(body, "func Example() {")
	require.GreaterOrEqual(t, start, 0)
	body = body[start:]
	pos := 0
	for _, line := range strings.Split(snippet, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		i := strings.Index(body[pos:], line)
		require.GreaterOrEqual(t, i, 0, "README line %q is not in Example (in order)", line)
		pos += i + len(line)
	}
}
