// Package strictyaml checks a YAML document against the Go struct it is
// to be decoded into, before decoding: every mapping key must be a field
// (by its yaml tag), and every path's line is recorded so later errors can
// name it. It backs fallback.ParseConfig and the simulator's scenario
// files.
package strictyaml

import (
	"encoding"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/strata-go/strata/internal/fuzzy"
)

// Problem is an unknown field: its path ("providers[0].costt"), line and
// message (with a suggestion when a known field is close).
type Problem struct {
	Path string
	Line int
	Msg  string
}

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	yamlUnmarshaler = reflect.TypeFor[yaml.Unmarshaler]()
	durationType    = reflect.TypeFor[time.Duration]()
)

// Check walks n against t. It returns the line of every path it visited
// and the unknown fields. Types that decode themselves (time.Duration,
// encoding.TextUnmarshaler, yaml.Unmarshaler) and the leaves given are not
// descended into. Aliases are not followed: the anchored node is checked
// where it is defined, and following aliases would let a cycle or an
// alias bomb hang the walk (the decoder limits aliasing on its own).
func Check(n *yaml.Node, t reflect.Type, leaves ...reflect.Type) (lines map[string]int, problems []Problem) {
	c := checker{lines: map[string]int{}, leaves: leaves}
	c.walk(n, t, "")
	return c.lines, c.problems
}

type checker struct {
	lines    map[string]int
	leaves   []reflect.Type
	problems []Problem
}

func (c *checker) walk(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind == yaml.AliasNode {
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
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return // the decoder reports the type mismatch with its line
		}
		fields := Fields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i].Value, n.Content[i+1]
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
			return
		}
		for i, e := range n.Content {
			c.walk(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			c.walk(n.Content[i+1], t.Elem(), Join(path, n.Content[i].Value))
		}
	}
}

// Join appends key to a dotted path.
func Join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Fields maps a struct's yaml keys to their field types.
func Fields(t reflect.Type) map[string]reflect.Type {
	m := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
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
