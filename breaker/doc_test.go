package breaker

import (
	"go/build"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestImportsOnlyStandardLibrary holds the package doc's promise that the
// breaker is strata's own: the package (its tests aside) imports nothing
// outside the standard library, failsafe-go included.
func TestImportsOnlyStandardLibrary(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	require.NoError(t, err)
	require.NotEmpty(t, pkg.Imports, "no imports read")
	for _, path := range pkg.Imports {
		first, _, _ := strings.Cut(path, "/")
		assert.NotContains(t, first, ".", "breaker imports %s, outside the standard library", path)
	}
}
