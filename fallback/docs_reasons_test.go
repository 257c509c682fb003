package fallback

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// docs/state.md's table of what Import skips names each ImportReason by
// its value, and every reason the package declares is in it.
func TestStateDocsListEveryImportReason(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "state.go", nil, 0)
	require.NoError(t, err)
	var declared []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "ImportReason" {
				continue
			}
			for _, v := range vs.Values {
				s, err := strconv.Unquote(v.(*ast.BasicLit).Value)
				require.NoError(t, err)
				declared = append(declared, s)
			}
		}
	}
	require.NotEmpty(t, declared)

	page, err := os.ReadFile("../docs/state.md")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(page), "| reason | when |")
	require.True(t, ok, "docs/state.md has the table of skip reasons")
	section, _, _ = strings.Cut(section, "\n\n")
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+)` \\|").FindAllStringSubmatch(section, -1) {
		documented = append(documented, m[1])
	}
	slices.Sort(declared)
	slices.Sort(documented)
	assert.Equal(t, declared, documented)
}
