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
	snippetInExample(t, "../README.md", "## Quick start", "example_test.go", "Example")
}

// TestStateDocSnippetMatchesExample keeps docs/state.md's Export and
// Import snippet compiling and running, as ExampleResolver_Import.
func TestStateDocSnippetMatchesExample(t *testing.T) {
	snippetInExample(t, "../docs/state.md", "## One process: `Export` and `Import`", "state_example_test.go", "ExampleResolver_Import")
}

// snippetInExample checks that every line of the first Go snippet after
// section in page appears, in order, in the body of the example function
// in file.
func snippetInExample(t *testing.T, page, section, file, function string) {
	t.Helper()
	doc, err := os.ReadFile(page)
	require.NoError(t, err)
	example, err := os.ReadFile(file)
	require.NoError(t, err)
	_, after, ok := strings.Cut(string(doc), section)
	require.True(t, ok, "%s has %q", page, section)
	_, after, ok = strings.Cut(after, "```go\n")
	require.True(t, ok, "%s has a Go snippet after %q", page, section)
	snippet, _, ok := strings.Cut(after, "```")
	require.True(t, ok)

	body := string(example)
	start := strings.Index(body, "func "+function+"() {")
	require.GreaterOrEqual(t, start, 0, "%s has %s", file, function)
	body = body[start:]
	pos := 0
	for _, line := range strings.Split(snippet, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		i := strings.Index(body[pos:], line)
		require.GreaterOrEqual(t, i, 0, "%s line %q is not in %s (in order)", page, line, function)
		pos += i + len(line)
	}
}

// TestHTTPProvidersDocSnippetMatchesExample keeps docs/http-providers.md's
// wiring sketch compiling, as ExampleWithCredentials.
func TestHTTPProvidersDocSnippetMatchesExample(t *testing.T) {
	snippetInExample(t, "../docs/http-providers.md", "Wiring one into a resolver", "example_adapters_test.go", "ExampleWithCredentials")
}
