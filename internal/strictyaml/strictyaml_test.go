package strictyaml

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

type inner struct {
	Cost  float64           `yaml:"cost"`
	Delay time.Duration     `yaml:"delay"`
	Tags  map[string]string `yaml:"tags"`
}

type outer struct {
	Name  string    `yaml:"name"`
	Items []inner   `yaml:"items"`
	Free  yaml.Node `yaml:"free"`
	Skip  string    `yaml:"-"`
}

func parse(t *testing.T, doc string) *yaml.Node {
	t.Helper()
	var n yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(doc), &n))
	return n.Content[0]
}

func TestCheckReportsUnknownFieldsWithPathLineAndSuggestion(t *testing.T) {
	doc := "name: a\nitems:\n  - cost: 1\n    costt: 2\n  - delay: 1s\n    tags: {x: y}\nfree: {anything: goes}\nskip: 1\n"
	lines, probs := Check(parse(t, doc), reflect.TypeFor[outer](), reflect.TypeFor[yaml.Node]())
	require.Len(t, probs, 2)
	assert.Equal(t, Problem{Path: "items[0].costt", Line: 4, Msg: `unknown field (did you mean "cost"?)`}, probs[0])
	assert.Equal(t, "skip", probs[1].Path, "a yaml:\"-\" field is not a key")
	assert.Equal(t, 5, lines["items[1].delay"])
	assert.Equal(t, 6, LineOf(lines, "items[1].tags.x"))
	assert.Equal(t, 5, LineOf(lines, "items[1].nothere"), "falls back to the nearest ancestor")
}

func TestCheckDoesNotFollowAliases(t *testing.T) {
	big := "[" + strings.Repeat("*a, ", 999) + "*a]"
	doc := "name: &n x\nitems: &a [{cost: 1}]\nfree: " + big + "\n"
	_, probs := Check(parse(t, doc), reflect.TypeFor[outer]())
	assert.Empty(t, probs)
}
