package httpjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// A path selects one node of a decoded JSON document. The syntax is
// described in the package documentation; in short:
//
//	Global Quote.price             members by bare name (spaces allowed)
//	["Global Quote"]["05. price"]  members by quoted name (any characters)
//	points[0]  points[-1]          array elements, negative from the end
//	series[-1]                     on an object: members in key order
//	obs[?value]                    filter: elements whose member is not null
//	obs[?value!="."]               filter: member present and != literal
//	obs[?kind=="close"]            filter: member present and == literal
//	series[-1]~                    the key (or index) of the node reached
type path struct {
	src   string
	steps []step
	key   bool // ends with "~"
}

type stepKind uint8

const (
	stepMember stepKind = iota
	stepIndex
	stepFilter
)

type filterOp uint8

const (
	opPresent  filterOp = iota // [?name]
	opEqual                    // [?name==lit]
	opNotEqual                 // [?name!=lit]
)

type step struct {
	kind  stepKind
	name  string // member name, or the filter's member
	index int
	op    filterOp
	lit   any // filter literal: string, json.Number, bool or nil
}

// parsePath compiles s. An error names the offset and what was expected.
func parsePath(s string) (path, error) {
	p := path{src: s}
	if s == "" {
		return p, errors.New("empty path")
	}
	i := 0
	first := true
	for i < len(s) {
		switch c := s[i]; {
		case c == '~':
			if i != len(s)-1 {
				return p, fmt.Errorf("offset %d: \"~\" must end the path", i)
			}
			if len(p.steps) == 0 {
				return p, fmt.Errorf("offset %d: \"~\" needs a step before it", i)
			}
			p.key = true
			i++
		case c == '[':
			st, n, err := parseBracket(s, i)
			if err != nil {
				return p, err
			}
			p.steps = append(p.steps, st)
			i = n
		case c == '.' && !first:
			name, n := scanBare(s, i+1)
			if name == "" {
				return p, fmt.Errorf("offset %d: expected a member name after \".\"", i+1)
			}
			p.steps = append(p.steps, step{kind: stepMember, name: name})
			i = n
		case first:
			name, n := scanBare(s, i)
			if name == "" {
				return p, fmt.Errorf("offset %d: unexpected %q", i, c)
			}
			p.steps = append(p.steps, step{kind: stepMember, name: name})
			i = n
		default:
			return p, fmt.Errorf("offset %d: unexpected %q (want \".\", \"[\" or a final \"~\")", i, c)
		}
		first = false
	}
	return p, nil
}

// scanBare reads a bare member name from s[i:]: everything up to the next
// '.', '[', ']', '~' or '"'.
func scanBare(s string, i int) (string, int) {
	j := i
	for j < len(s) && !strings.ContainsRune(".[]~\"", rune(s[j])) {
		j++
	}
	return s[i:j], j
}

// scanString reads a JSON string literal starting at s[i] == '"' and
// returns its decoded value and the offset after the closing quote.
func scanString(s string, i int) (string, int, error) {
	j := i + 1
	for j < len(s) {
		switch s[j] {
		case '\\':
			j += 2
			continue
		case '"':
			var v string
			if err := json.Unmarshal([]byte(s[i:j+1]), &v); err != nil {
				return "", 0, fmt.Errorf("offset %d: bad quoted name: %v", i, err)
			}
			return v, j + 1, nil
		}
		j++
	}
	return "", 0, fmt.Errorf("offset %d: unterminated quoted name", i)
}

// parseBracket parses the bracketed step starting at s[i] == '['.
func parseBracket(s string, i int) (step, int, error) {
	j := i + 1
	if j >= len(s) {
		return step{}, 0, fmt.Errorf("offset %d: unterminated \"[\"", i)
	}
	var st step
	switch c := s[j]; {
	case c == '"':
		name, n, err := scanString(s, j)
		if err != nil {
			return st, 0, err
		}
		st, j = step{kind: stepMember, name: name}, n
	case c == '?':
		var err error
		st, j, err = parseFilter(s, j+1)
		if err != nil {
			return st, 0, err
		}
	case c == '-' || (c >= '0' && c <= '9'):
		k := j + 1
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		n, err := strconv.Atoi(s[j:k])
		if err != nil {
			return st, 0, fmt.Errorf("offset %d: bad index %q", j, s[j:k])
		}
		st, j = step{kind: stepIndex, index: n}, k
	default:
		return st, 0, fmt.Errorf("offset %d: expected a quoted name, an index or a ?filter after \"[\"", j)
	}
	if j >= len(s) || s[j] != ']' {
		return st, 0, fmt.Errorf("offset %d: expected \"]\"", j)
	}
	return st, j + 1, nil
}

// parseFilter parses "name]", "name==lit]" or "name!=lit]" from s[i:],
// leaving the offset at the closing bracket.
func parseFilter(s string, i int) (step, int, error) {
	st := step{kind: stepFilter}
	var (
		name string
		j    int
	)
	if i < len(s) && s[i] == '"' {
		var err error
		if name, j, err = scanString(s, i); err != nil {
			return st, 0, err
		}
	} else {
		j = i
		for j < len(s) && !strings.ContainsRune("=!]\"[.~", rune(s[j])) {
			j++
		}
		name = s[i:j]
	}
	if name == "" {
		return st, 0, fmt.Errorf("offset %d: expected a member name after \"?\"", i)
	}
	st.name = name
	switch {
	case strings.HasPrefix(s[j:], "]"):
		st.op = opPresent
		return st, j, nil
	case strings.HasPrefix(s[j:], "=="):
		st.op = opEqual
	case strings.HasPrefix(s[j:], "!="):
		st.op = opNotEqual
	default:
		return st, 0, fmt.Errorf("offset %d: expected \"]\", \"==\" or \"!=\"", j)
	}
	j += 2
	if j < len(s) && s[j] == '"' {
		v, n, err := scanString(s, j)
		if err != nil {
			return st, 0, err
		}
		st.lit = v
		return st, n, nil
	}
	k := j
	for k < len(s) && s[k] != ']' {
		k++
	}
	lit := s[j:k]
	switch lit {
	case "true":
		st.lit = true
	case "false":
		st.lit = false
	case "null":
		st.lit = nil
	default:
		if _, err := strconv.ParseFloat(lit, 64); err != nil || !json.Valid([]byte(lit)) {
			return st, 0, fmt.Errorf("offset %d: bad literal %q (want a JSON string, number, true, false or null)", j, lit)
		}
		st.lit = json.Number(lit)
	}
	return st, k, nil
}

// String returns the path as written.
func (p path) String() string { return p.src }

// node is a JSON value with the key (member name or array index) that
// reached it.
type node struct {
	v      any
	key    string
	hasKey bool
}

// eval walks doc (as decoded with UseNumber) and returns the selected
// node. The error says which step failed; it never panics, whatever doc is.
func (p path) eval(doc any) (node, error) {
	cur := node{v: doc}
	var (
		list   []node
		inList bool // the last step was a filter; list holds its result
	)
	for i, st := range p.steps {
		switch st.kind {
		case stepMember:
			if inList {
				return node{}, fmt.Errorf("step %d: a filter's result must be indexed before a member", i+1)
			}
			m, ok := cur.v.(map[string]any)
			if !ok {
				return node{}, fmt.Errorf("step %d: member %q of %s", i+1, st.name, kindOf(cur.v))
			}
			v, ok := m[st.name]
			if !ok {
				return node{}, fmt.Errorf("step %d: no member %q", i+1, st.name)
			}
			cur = node{v: v, key: st.name, hasKey: true}
		case stepIndex:
			var elems []node
			if inList {
				elems = list
			} else {
				var err error
				if elems, err = children(cur.v); err != nil {
					return node{}, fmt.Errorf("step %d: index %d of %s", i+1, st.index, kindOf(cur.v))
				}
			}
			k := st.index
			if k < 0 {
				k += len(elems)
			}
			if k < 0 || k >= len(elems) {
				return node{}, fmt.Errorf("step %d: index %d out of range (%d elements)", i+1, st.index, len(elems))
			}
			cur, list, inList = elems[k], nil, false
		case stepFilter:
			elems := list
			if !inList {
				var err error
				if elems, err = children(cur.v); err != nil {
					return node{}, fmt.Errorf("step %d: filter on %s", i+1, kindOf(cur.v))
				}
			}
			kept := make([]node, 0, len(elems))
			for _, e := range elems {
				if st.keep(e.v) {
					kept = append(kept, e)
				}
			}
			list, inList = kept, true
		}
	}
	if inList {
		return node{}, errors.New("the path ends at a filter's result; index it, e.g. [0]")
	}
	if p.key {
		if !cur.hasKey {
			return node{}, errors.New("\"~\": the root has no key")
		}
		return node{v: cur.key}, nil
	}
	return cur, nil
}

// children lists an array's elements (keyed by index) or an object's
// members (in byte-wise key order).
func children(v any) ([]node, error) {
	switch x := v.(type) {
	case []any:
		out := make([]node, len(x))
		for i, e := range x {
			out[i] = node{v: e, key: strconv.Itoa(i), hasKey: true}
		}
		return out, nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		out := make([]node, len(keys))
		for i, k := range keys {
			out[i] = node{v: x[k], key: k, hasKey: true}
		}
		return out, nil
	}
	return nil, errors.New("not a container")
}

// keep reports whether an element passes the filter.
func (st step) keep(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	f, ok := m[st.name]
	if !ok {
		return false
	}
	switch st.op {
	case opPresent:
		return f != nil
	case opEqual:
		return jsonEqual(f, st.lit)
	default:
		return !jsonEqual(f, st.lit)
	}
}

// jsonEqual compares a decoded scalar with a filter literal; numbers
// compare by value.
func jsonEqual(a, lit any) bool {
	switch l := lit.(type) {
	case nil:
		return a == nil
	case string:
		s, ok := a.(string)
		return ok && s == l
	case bool:
		b, ok := a.(bool)
		return ok && b == l
	case json.Number:
		n, ok := a.(json.Number)
		if !ok {
			return false
		}
		x, err1 := strconv.ParseFloat(string(n), 64)
		y, err2 := strconv.ParseFloat(string(l), 64)
		return err1 == nil && err2 == nil && x == y
	}
	return false
}

// kindOf names a decoded JSON value's kind for error messages.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

// scalarText returns a number's literal or a string's content; other kinds
// are an error.
func scalarText(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return string(x), nil
	}
	return "", fmt.Errorf("found %s, want a number or a string", kindOf(v))
}

// nodeText renders any node as text for ErrorRule matching and messages:
// scalars as scalarText, null as "null", booleans as "true"/"false",
// containers as compact JSON.
func nodeText(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	case json.Number:
		return string(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return kindOf(v)
	}
	return string(b)
}

// isEmpty reports whether v is null, "", {} or [].
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

// decodeJSON decodes exactly one JSON value, numbers as json.Number.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}
