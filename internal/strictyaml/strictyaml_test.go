package strictyaml

import (
	"fmt"
	"reflect"
	"strconv"
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

type withInline struct {
	Name  string `yaml:"name"`
	inner `yaml:",inline"`
}

func TestCheckReadsInlineFieldsAtTheirParentsLevel(t *testing.T) {
	lines, probs := Check(parse(t, "name: a\ncost: 1\ndelay: 2s\ninner: {}\n"), reflect.TypeFor[withInline]())
	require.Len(t, probs, 1)
	assert.Equal(t, "inner", probs[0].Path, "the inline struct has no key of its own")
	assert.Equal(t, 3, lines["delay"])
}

func TestDocumentRefusesASecondDocument(t *testing.T) {
	tests := []struct {
		doc  string
		line int
		msg  string
	}{
		{"a: 1\n---\nb: 2\n", 2, "a second YAML document (after ---) is not allowed"},
		{"a: 1\n---\n", 2, "a second YAML document (after ---) is not allowed"},
		{"a: 1\n---\nb: [\n", 3, "a second YAML document is not allowed (and it does not parse: did not find expected node content)"},
	}
	for _, tc := range tests {
		n, err := Document([]byte(tc.doc))
		assert.Nil(t, n, tc.doc)
		var p Problem
		require.ErrorAs(t, err, &p, tc.doc)
		assert.Equal(t, tc.line, p.Line, tc.doc)
		assert.Contains(t, p.Msg, tc.msg, tc.doc)
		assert.Contains(t, err.Error(), "(line "+strconv.Itoa(tc.line)+"): ")
	}
}

func TestDocumentReadsOneDocument(t *testing.T) {
	for _, doc := range []string{"a: 1\n", "---\na: 1\n", "a: 1\n...\n"} {
		n, err := Document([]byte(doc))
		require.NoError(t, err, doc)
		require.NotNil(t, n, doc)
		assert.Equal(t, yaml.MappingNode, n.Kind, doc)
		assert.Equal(t, "a", n.Content[0].Value, doc)
	}
	for _, doc := range []string{"", "# only a comment\n"} {
		n, err := Document([]byte(doc))
		assert.NoError(t, err, doc)
		assert.Nil(t, n, doc)
	}
	_, err := Document([]byte("a: [\n"))
	line, msg := SplitLine(err.Error())
	assert.Equal(t, 1, line)
	assert.Equal(t, "did not find expected node content", msg)
}

func TestProblemError(t *testing.T) {
	assert.Equal(t, "a.b (line 3): unknown field", Problem{Path: "a.b", Line: 3, Msg: "unknown field"}.Error())
	assert.Equal(t, "(line 2): m", Problem{Line: 2, Msg: "m"}.Error())
	assert.Equal(t, "a: m", Problem{Path: "a", Msg: "m"}.Error())
	assert.Equal(t, "m", Problem{Msg: "m"}.Error())
}

type period struct{ v string }

func (p *period) UnmarshalText(b []byte) error {
	if string(b) != "daily" {
		return fmt.Errorf("bad period %q", b)
	}
	p.v = string(b)
	return nil
}

type typed struct {
	Items  []inner `yaml:"items"`
	Period period  `yaml:"period"`
	Flags  []bool  `yaml:"flags"`
}

// CheckTypes names the field of a value that does not decode, also on a
// line holding a flow mapping (where a line alone names several fields)
// and for a TextUnmarshaler's error (which the decoder reports with no
// line); Check leaves types to the decoder.
func TestCheckTypesNamesTheFieldOfEachBadValue(t *testing.T) {
	doc := "items:\n  - {cost: 1, delay: soon}\n  - {cost: x, tags: {a: b}}\nperiod: fortnightly\nflags: [true, maybe]\n"
	_, probs := CheckTypes(parse(t, doc), reflect.TypeFor[typed]())
	require.Len(t, probs, 4, "%v", probs)
	assert.Equal(t, Problem{Path: "items[0].delay", Line: 2, Msg: "cannot unmarshal !!str `soon` into time.Duration"}, probs[0])
	assert.Equal(t, Problem{Path: "items[1].cost", Line: 3, Msg: "cannot unmarshal !!str `x` into float64"}, probs[1])
	assert.Equal(t, Problem{Path: "period", Line: 4, Msg: `bad period "fortnightly"`}, probs[2])
	assert.Equal(t, Problem{Path: "flags[1]", Line: 5, Msg: "cannot unmarshal !!str `maybe` into bool"}, probs[3])

	_, probs = CheckTypes(parse(t, "items: {cost: 1}\nperiod: daily\n"), reflect.TypeFor[typed]())
	require.Len(t, probs, 1)
	assert.Equal(t, "items", probs[0].Path, "a mapping where a list belongs")
	assert.Contains(t, probs[0].Msg, "cannot unmarshal !!map into []strictyaml.inner")

	_, probs = Check(parse(t, doc), reflect.TypeFor[typed]())
	assert.Empty(t, probs)
}

type counts struct {
	Attempts int     `yaml:"attempts"`
	Size     uint16  `yaml:"size"`
	Ratio    float64 `yaml:"ratio"`
}

// The decoder drops a number's fraction where an integer belongs
// ("attempts: 2.9" reads 2, "-0.5" reads 0, a zero that means the
// default): CheckTypes refuses it. A whole number written as a float
// (1e3) is still a whole number.
func TestCheckTypesRefusesAFractionWhereAnIntegerBelongs(t *testing.T) {
	_, probs := CheckTypes(parse(t, "attempts: 2.9\nsize: -0.5\nratio: 0.5\n"), reflect.TypeFor[counts]())
	require.Len(t, probs, 2, "%v", probs)
	assert.Equal(t, Problem{Path: "attempts", Line: 1, Msg: "cannot unmarshal !!float `2.9` into int: not a whole number"}, probs[0])
	assert.Equal(t, Problem{Path: "size", Line: 2, Msg: "cannot unmarshal !!float `-0.5` into uint16: not a whole number"}, probs[1])

	_, probs = CheckTypes(parse(t, "attempts: 1e3\nsize: 2.0\n"), reflect.TypeFor[counts]())
	assert.Empty(t, probs)
}

// A merge key ("<<: *base", YAML's way to share fields between entries)
// is checked as the fields it merges, where it is used: it is no unknown
// field, and a misspelt field in the merged mapping is.
func TestCheckReadsMergeKeys(t *testing.T) {
	doc := "items:\n  - &base {cost: 1, delay: 2s}\n  - <<: *base\n    cost: 3\n  - <<: [*base, {tags: {a: b}}]\n  - <<: {costt: 4}\n"
	lines, probs := CheckTypes(parse(t, doc), reflect.TypeFor[outer]())
	require.Len(t, probs, 1, "%v", probs)
	assert.Equal(t, Problem{Path: "items[3].costt", Line: 6, Msg: `unknown field (did you mean "cost"?)`}, probs[0])
	assert.Equal(t, 2, lines["items[1].delay"], "a merged field's line is where it is written")
	assert.Equal(t, 3, lines["items[1]"], "the entry's line is its own")

	var got outer
	require.NoError(t, parse(t, doc).Decode(&got))
	assert.Equal(t, 3.0, got.Items[1].Cost, "the decoder reads the merge as checked")
	assert.Equal(t, 2*time.Second, got.Items[2].Delay)

	// Into a map too.
	_, probs = CheckTypes(parse(t, "items:\n  - tags: &t {a: b}\n  - tags: {<<: *t, c: d}\n"), reflect.TypeFor[outer]())
	assert.Empty(t, probs)
}
