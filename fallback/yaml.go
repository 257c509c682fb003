package fallback

import (
	"encoding"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// LoadConfig reads a Config from the YAML file at path. See ParseConfig.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("fallback: load config: %w", err)
	}
	return ParseConfig(data)
}

// ParseConfig reads a Config from YAML, strictly: an unknown field, a value
// of the wrong type and every rule New checks are errors, each a
// *ConfigError naming the field and its line, joined. The returned Config
// holds what the document says; the defaults are applied by New.
func ParseConfig(data []byte) (Config, error) {
	var cfg Config
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return Config{}, yamlSyntaxError(err)
	}
	if len(root.Content) == 0 {
		// An empty document: validation reports what is missing.
		_, p := cfg.withDefaults()
		return Config{}, p.err()
	}
	lines := make(map[string]int)
	var p problems
	walkYAML(root.Content[0], reflect.TypeFor[Config](), "", &p, lines)
	if len(p) > 0 {
		return Config{}, p.err()
	}
	if err := root.Decode(&cfg); err != nil {
		return Config{}, yamlDecodeError(err, lines)
	}
	_, p = cfg.withDefaults()
	for _, e := range p {
		e.Line = lineOf(lines, e.Field)
	}
	if err := p.err(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

var yamlLine = regexp.MustCompile(`line (\d+): `)

func yamlSyntaxError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &ConfigError{Msg: msg}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Msg = strings.Replace(msg, m[0], "", 1)
	}
	return e
}

// yamlDecodeError turns the decoder's "line N: cannot unmarshal ..." lines
// into ConfigErrors naming the field on that line.
func yamlDecodeError(err error, lines map[string]int) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return yamlSyntaxError(err)
	}
	byLine := make(map[int]string, len(lines))
	for path, line := range lines {
		// Keep the deepest path on each line: the value, not its parent.
		if cur, ok := byLine[line]; !ok || len(path) > len(cur) {
			byLine[line] = path
		}
	}
	var p problems
	for _, msg := range te.Errors {
		e := &ConfigError{Msg: msg}
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = strings.Replace(msg, m[0], "", 1)
			e.Field = byLine[e.Line]
		}
		p = append(p, e)
	}
	return p.err()
}

// lineOf returns the line of field, or of its nearest ancestor present in
// the document.
func lineOf(lines map[string]int, field string) int {
	for field != "" {
		if l, ok := lines[field]; ok {
			return l
		}
		i := strings.LastIndexAny(field, ".[")
		if i < 0 {
			break
		}
		field = field[:i]
	}
	return 0
}

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	yamlUnmarshaler = reflect.TypeFor[yaml.Unmarshaler]()
	durationType    = reflect.TypeFor[time.Duration]()
)

// walkYAML checks n against the Go type t: every mapping key must be a
// field of the struct (by its yaml tag). It records the line of every path.
func walkYAML(n *yaml.Node, t reflect.Type, path string, p *problems, lines map[string]int) {
	if n.Kind == yaml.AliasNode {
		// Not followed: the anchored node was walked where it is defined,
		// and following aliases would let a cycle or an alias bomb hang
		// the walk (the decoder limits aliasing on its own).
		return
	}
	if path != "" {
		lines[path] = n.Line
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == durationType || reflect.PointerTo(t).Implements(textUnmarshaler) || reflect.PointerTo(t).Implements(yamlUnmarshaler) {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return // the decoder reports the type mismatch with its line
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i].Value, n.Content[i+1]
			kpath := joinPath(path, key)
			f, ok := fields[key]
			if !ok {
				msg := "unknown field"
				if s := suggest(key, fields); s != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", s)
				}
				*p = append(*p, &ConfigError{Field: kpath, Line: n.Content[i].Line, Msg: msg})
				continue
			}
			walkYAML(val, f, kpath, p, lines)
		}
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			return
		}
		for i, c := range n.Content {
			walkYAML(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), p, lines)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			walkYAML(n.Content[i+1], t.Elem(), joinPath(path, n.Content[i].Value), p, lines)
		}
	}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// yamlFields maps a struct's yaml keys to their field types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	m := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, _, _ := strings.Cut(tag, ",")
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

// suggest returns the known key closest to key, when one is close.
func suggest(key string, fields map[string]reflect.Type) string {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	sort.Strings(names)
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(key, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
