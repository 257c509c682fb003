// Package strictyaml checks a YAML document against the Go struct it is
// to be decoded into, before decoding: every mapping key must be a field
// (by its yaml tag), and every path's line is recorded so later errors can
// name it. It backs fallback.ParseConfig and the simulator's scenario
// files.
package strictyaml

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/strata-go/strata/internal/fuzzy"
)

// Problem is an unknown field: its path ("providers[0].costt"), line and
// message (with a suggestion when a known field is close); or, from
// Document, a second document (with no path).
type Problem struct {
	Path string
	Line int
	Msg  string
}

// Error returns "path (line N): msg", leaving out what is unknown.
func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.Path)
	if p.Line > 0 {
		if p.Path != "" {
			b.WriteByte(' ')
		}
		b.WriteString("(line " + strconv.Itoa(p.Line) + ")")
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Document parses data as a single YAML document and returns its root
// node, or nil when data holds no document (it is empty or only
// comments). A syntax error in the document is the decoder's error. A
// second document — anything after a "---" that ends the first, even an
// empty or malformed one — is refused with a Problem at its line: the
// decoder would read the first and silently drop the rest, so a config
// split in two would be read half.
func Document(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		line, msg := SplitLine(err.Error())
		return nil, Problem{Line: line, Msg: "a second YAML document is not allowed (and it does not parse: " + msg + ")"}
	default:
		return nil, Problem{Line: next.Line, Msg: "a second YAML document (after ---) is not allowed: one document per file"}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

var yamlLine = regexp.MustCompile(`line (\d+): `)

// SplitLine splits a decoder's error message ("yaml: line 3: did not
// find ...") into the line it names (0 if none) and the message without
// the line and the "yaml: " prefix.
func SplitLine(err string) (line int, msg string) {
	msg = strings.TrimPrefix(err, "yaml: ")
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = strings.Replace(msg, m[0], "", 1)
	}
	return line, msg
}

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	yamlUnmarshaler = reflect.TypeFor[yaml.Unmarshaler]()
	durationType    = reflect.TypeFor[time.Duration]()
)

// Check walks n against t. It returns the line of every path it visited
// and the unknown fields. Types that decode themselves (time.Duration,
// encoding.TextUnmarshaler, yaml.Unmarshaler) and the leaves given are not
// descended into. An alias is checked against the type of the place it
// is used (an anchored breaker reused as a retry has a retry's fields),
// once per anchored node and type, so that a cycle or an alias bomb
// cannot make the walk hang (the decoder limits aliasing on its own). A
// merge key ("<<: *base") is checked as the fields it merges, in the
// mapping it is merged into, as the decoder reads it. A
// null entry in a list of mappings is a problem: the decoder would drop it
// silently and shift every later index.
func Check(n *yaml.Node, t reflect.Type, leaves ...reflect.Type) (lines map[string]int, problems []Problem) {
	c := checker{lines: map[string]int{}, leaves: leaves, aliased: map[aliasUse]bool{}}
	c.walk(n, t, "")
	return c.lines, c.problems
}

// CheckTypes is Check that also decodes every value the walk does not
// descend into (a scalar, a type that decodes itself, a mapping or list
// where the type wants something else) into a fresh value of its field's
// type, and reports each that does not decode as a Problem at its own
// path and line: the decoder's own error names only a line, and on a line
// holding a flow mapping ({min: 1, max: x}) it cannot say which field,
// and a TextUnmarshaler's error reaches the caller with no line at all.
func CheckTypes(n *yaml.Node, t reflect.Type, leaves ...reflect.Type) (lines map[string]int, problems []Problem) {
	c := checker{lines: map[string]int{}, leaves: leaves, aliased: map[aliasUse]bool{}, types: true}
	c.walk(n, t, "")
	return c.lines, c.problems
}

type checker struct {
	lines    map[string]int
	leaves   []reflect.Type
	problems []Problem
	aliased  map[aliasUse]bool // the anchored nodes checked, by type
	types    bool              // decode the leaves (CheckTypes)
}

// decodes reports, when the checker checks types, a value at path that
// does not decode into t.
func (c *checker) decodes(n *yaml.Node, t reflect.Type, path string) {
	if !c.types {
		return
	}
	err := n.Decode(reflect.New(t).Interface())
	if err == nil {
		c.whole(n, t, path)
		return
	}
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		c.problems = append(c.problems, Problem{Path: path, Line: n.Line, Msg: strings.TrimPrefix(err.Error(), "yaml: ")})
		return
	}
	for _, msg := range te.Errors {
		line, msg := SplitLine(msg)
		if line == 0 {
			line = n.Line
		}
		c.problems = append(c.problems, Problem{Path: path, Line: line, Msg: msg})
	}
}

// whole reports a float with a fraction at path where t, an integer,
// belongs: the decoder drops the fraction without a word ("2.9" reads 2,
// "0.5" reads 0, which a Config takes for its default).
func (c *checker) whole(n *yaml.Node, t reflect.Type, path string) {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
	default:
		return
	}
	var f float64
	if t == durationType || reflect.PointerTo(t).Implements(textUnmarshaler) || reflect.PointerTo(t).Implements(yamlUnmarshaler) ||
		n.Kind != yaml.ScalarNode || n.ShortTag() != "!!float" || n.Decode(&f) != nil || f == math.Trunc(f) {
		return
	}
	c.problems = append(c.problems, Problem{Path: path, Line: n.Line,
		Msg: fmt.Sprintf("cannot unmarshal !!float `%s` into %s: not a whole number", n.Value, t)})
}

// aliasUse is an anchored node checked as one type.
type aliasUse struct {
	n *yaml.Node
	t reflect.Type
}

func (c *checker) walk(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil || c.aliased[aliasUse{n.Alias, t}] {
			return
		}
		c.aliased[aliasUse{n.Alias, t}] = true
		c.walk(n.Alias, t, path)
		return
	}
	if path != "" {
		c.lines[path] = n.Line
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == durationType || slices.Contains(c.leaves, t) ||
		reflect.PointerTo(t).Implements(textUnmarshaler) || reflect.PointerTo(t).Implements(yamlUnmarshaler) {
		c.decodes(n, t, path)
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			c.decodes(n, t, path)
			return
		}
		fields := Fields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i].Value, n.Content[i+1]
			if n.Content[i].ShortTag() == "!!merge" {
				c.merge(val, t, path)
				continue
			}
			kpath := Join(path, key)
			ft, ok := fields[key]
			if !ok {
				msg := "unknown field"
				if s := fuzzy.Suggest(key, keys(fields)); s != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", s)
				}
				c.problems = append(c.problems, Problem{Path: kpath, Line: n.Content[i].Line, Msg: msg})
				continue
			}
			c.walk(val, ft, kpath)
		}
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			c.decodes(n, t, path)
			return
		}
		et := t.Elem()
		for et.Kind() == reflect.Pointer {
			et = et.Elem()
		}
		for i, e := range n.Content {
			epath := fmt.Sprintf("%s[%d]", path, i)
			if et.Kind() == reflect.Struct && e.Kind == yaml.ScalarNode && e.Tag == "!!null" {
				c.problems = append(c.problems, Problem{Path: epath, Line: e.Line, Msg: "a null entry (an empty list item?)"})
				continue
			}
			c.walk(e, t.Elem(), epath)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			c.decodes(n, t, path)
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].ShortTag() == "!!merge" {
				c.merge(n.Content[i+1], t, path)
				continue
			}
			c.decodes(n.Content[i], t.Key(), Join(path, n.Content[i].Value))
			c.walk(n.Content[i+1], t.Elem(), Join(path, n.Content[i].Value))
		}
	default:
		c.decodes(n, t, path)
	}
}

// merge checks the value of a merge key ("<<: *base" or "<<: [*a, *b]")
// in a mapping of type t at path: the mappings it merges are the
// mapping's own fields, as the decoder reads them.
func (c *checker) merge(n *yaml.Node, t reflect.Type, path string) {
	// The mapping's own line stays where the mapping is written.
	if line, ok := c.lines[path]; ok {
		defer func() { c.lines[path] = line }()
	}
	if n.Kind == yaml.SequenceNode {
		for _, e := range n.Content {
			c.walk(e, t, path)
		}
		return
	}
	c.walk(n, t, path)
}

// Join appends key to a dotted path.
func Join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Fields maps a struct's yaml keys to their field types. The keys of a
// struct field tagged ",inline" are the struct's own, as the decoder reads
// them.
func Fields(t reflect.Type) map[string]reflect.Type {
	m := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if slices.Contains(strings.Split(opts, ","), "inline") && f.Type.Kind() == reflect.Struct {
			maps.Copy(m, Fields(f.Type))
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		m[name] = f.Type
	}
	return m
}

func keys(m map[string]reflect.Type) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// LineOf returns the line of path, or of its nearest ancestor in lines.
func LineOf(lines map[string]int, path string) int {
	for path != "" {
		if l, ok := lines[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}
