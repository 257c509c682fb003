package main

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

var (
	typeOfScenario = reflect.TypeFor[scenario]()
	typeOfNode     = reflect.TypeFor[yaml.Node]()
	typeOfDuration = reflect.TypeFor[time.Duration]()
)

// checkFields checks the YAML node n against the Go type t: every mapping
// key must be a field of the struct, by its yaml tag. It records the line
// of every path it visits, so later errors can name their line, and
// reports each unknown field with its path ("providers[0].latncy"). A
// yaml.Node field (the free-form resolver block) is not descended into.
func checkFields(n *yaml.Node, t reflect.Type, path string, lines map[string]int, errs *[]error) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if path != "" {
		lines[path] = n.Line
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == typeOfNode || t == typeOfDuration {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return // the decoder reports the mismatch, with its line
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			kpath := joinPath(path, key)
			ft, ok := fields[key]
			if !ok {
				*errs = append(*errs, &fieldError{Field: kpath, Line: n.Content[i].Line, Msg: "unknown field" + suggestion(key, fields)})
				continue
			}
			checkFields(n.Content[i+1], ft, kpath, lines, errs)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return
		}
		for i, c := range n.Content {
			checkFields(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), lines, errs)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			checkFields(n.Content[i+1], t.Elem(), joinPath(path, n.Content[i].Value), lines, errs)
		}
	}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// yamlFields maps a struct's yaml keys to their types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
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

// suggestion returns ` (did you mean "x"?)` for the known key nearest to
// key, when one is within two edits.
func suggestion(key string, fields map[string]reflect.Type) string {
	best, bestD := "", 3
	for _, n := range sortedKeys(fields) {
		if d := editDistance(key, n); d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64 // not worth the quadratic work; nothing is that close
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
