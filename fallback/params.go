package fallback

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Params qualify a data type: {"keyword": "shoes", "market": "us"}. The
// resolver never modifies a caller's Params.
type Params map[string]string

// paramSpec is one compiled ParamConfig.
type paramSpec struct {
	name      string
	required  bool
	sensitive bool
	maxLen    int
	allowed   []string // sorted
	pattern   *regexp.Regexp
	// notAllowed and noMatch are the ParamError details of a value not
	// allowed and of one not matching the pattern, made once: they do not
	// grow with the list or the pattern (see maxReportedRule).
	notAllowed, noMatch string
}

// maxReportedRule bounds how much of a param's allowed values or pattern
// an error repeats, in bytes: a config's list of 100 000 values would
// otherwise make every refused value a megabyte message.
const maxReportedRule = 256

// ruleDetails returns sp's notAllowed and noMatch details.
func (sp *paramSpec) ruleDetails() (notAllowed, noMatch string) {
	if sp.allowed != nil {
		var b strings.Builder
		b.WriteString("allowed: ")
		for i, v := range sp.allowed {
			if i > 0 {
				b.WriteString(", ")
			}
			if b.Len()+len(v) > maxReportedRule {
				if i == 0 { // a part of the one value, rather than none
					v, _ = cutAt(v, maxReportedRule-b.Len())
					b.WriteString(v)
				}
				b.WriteString("… (" + strconv.Itoa(len(sp.allowed)) + " values)")
				break
			}
			b.WriteString(v)
		}
		notAllowed = b.String()
	}
	if sp.pattern != nil {
		re := sp.pattern.String()
		if cut, ok := cutAt(re, maxReportedRule); ok {
			re = cut + "…"
		}
		noMatch = "does not match " + re
	}
	return notAllowed, noMatch
}

// schema is a data type's compiled param schema.
type schema struct {
	dataType     string
	specs        []paramSpec // sorted by name: the canonical key order
	lookups      []int       // specs in lookup order: required, then optional as configured
	index        map[string]int
	hasSensitive bool
	hashKey      []byte
}

// sensitive reports whether the param name is marked sensitive.
func (s *schema) sensitive(name string) bool {
	if !s.hasSensitive {
		return false
	}
	i, ok := s.index[name]
	return ok && s.specs[i].sensitive
}

func compileSchema(dt DataTypeConfig, hashKey []byte) *schema {
	s := &schema{dataType: dt.Name, index: make(map[string]int, len(dt.Params)), hashKey: hashKey}
	for _, pc := range dt.Params {
		sp := paramSpec{name: pc.Name, required: pc.Required, sensitive: pc.Sensitive, maxLen: pc.MaxLength}
		s.hasSensitive = s.hasSensitive || pc.Sensitive
		if len(pc.Allowed) > 0 {
			sp.allowed = slices.Clone(pc.Allowed)
			slices.Sort(sp.allowed)
		}
		if pc.Pattern != "" {
			sp.pattern = regexp.MustCompile(`^(?:` + pc.Pattern + `)$`) // checked by withDefaults
		}
		sp.notAllowed, sp.noMatch = sp.ruleDetails()
		s.specs = append(s.specs, sp)
	}
	slices.SortFunc(s.specs, func(a, b paramSpec) int { return strings.Compare(a.name, b.name) })
	for i, sp := range s.specs {
		s.index[sp.name] = i
	}
	// collect looks the most likely params up first, so it can stop as
	// soon as every param is accounted for.
	for _, pc := range dt.Params {
		if pc.Required {
			s.lookups = append(s.lookups, s.index[pc.Name])
		}
	}
	for _, pc := range dt.Params {
		if !pc.Required {
			s.lookups = append(s.lookups, s.index[pc.Name])
		}
	}
	return s
}

// keyBuffer is room on the stack for what building a key needs: the
// params' values in spec order and the key's bytes. A resolve builds its
// key once, before its params are validated: a key is only ever stored
// for valid params, so a lookup needs no validation, and validation needs
// no second pass over the params.
type keyBuffer struct {
	vals  [8]string
	bytes [128]byte
}

// build collects params (see collect) and builds their key, in kb when
// they fit.
func (kb *keyBuffer) build(s *schema, params Params) (vals []string, key []byte, complete bool) {
	if n := len(s.specs); n > len(kb.vals) {
		vals = make([]string, n)
	} else {
		vals = kb.vals[:n]
	}
	complete = s.collect(params, vals)
	return vals, s.appendKey(kb.bytes[:0], vals), complete
}

// collect stores each spec's value in vals ("" when absent) without
// checking the values, and reports whether params name only the schema's
// params, none of them empty. It looks the required params up first, then
// the optional ones in config order, and stops once every param is
// accounted for.
func (s *schema) collect(params Params, vals []string) bool {
	found, ok := 0, true
	for n, i := range s.lookups {
		v, present := params[s.specs[i].name]
		vals[i] = v
		if !present {
			continue
		}
		if v == "" {
			ok = false
		}
		if found++; found == len(params) {
			// The specs left are absent: a lookup each would only
			// confirm it.
			for _, j := range s.lookups[n+1:] {
				vals[j] = ""
			}
			return ok
		}
	}
	return ok && found == len(params)
}

// validate checks params against the schema, given what collect stored in
// vals and reported. It allocates only to build an error.
func (s *schema) validate(params Params, vals []string, complete bool) error {
	for i := range s.specs {
		sp := &s.specs[i]
		v := vals[i]
		if v == "" {
			if _, present := params[sp.name]; present {
				return &ParamError{DataType: s.dataType, Param: sp.name, Problem: ParamEmpty}
			}
			if sp.required {
				return &ParamError{DataType: s.dataType, Param: sp.name, Problem: ParamMissing}
			}
			continue
		}
		if err := s.check(sp, v); err != nil {
			return err
		}
	}
	if complete {
		return nil
	}
	for name := range params {
		if _, ok := s.index[name]; !ok {
			detail := ""
			if !printable(name) {
				name, detail = strconv.QuoteToASCII(name), "name has control characters"
			}
			if cut, ok := cutAt(name, maxReportedName); ok {
				// An error must not carry whatever a caller sent.
				name, detail = cut, "name truncated"
			}
			return &ParamError{DataType: s.dataType, Param: name, Problem: ParamUnknown, Detail: detail}
		}
	}
	return nil
}

// key validates params and returns their canonical key.
func (s *schema) key(params Params) (string, error) {
	var kb keyBuffer
	vals, key, complete := kb.build(s, params)
	if err := s.validate(params, vals, complete); err != nil {
		return "", err
	}
	return string(key), nil
}

// check validates one present value.
func (s *schema) check(sp *paramSpec, v string) error {
	switch {
	case v == "":
		return &ParamError{DataType: s.dataType, Param: sp.name, Problem: ParamEmpty}
	case len(v) > sp.maxLen:
		return &ParamError{DataType: s.dataType, Param: sp.name, Problem: ParamTooLong,
			Detail: "max " + strconv.Itoa(sp.maxLen) + " bytes, got " + strconv.Itoa(len(v))}
	case !printable(v):
		return &ParamError{DataType: s.dataType, Param: sp.name, Problem: ParamControlChars}
	case sp.allowed != nil:
		if _, found := slices.BinarySearch(sp.allowed, v); !found {
			return &ParamError{DataType: s.dataType, Param: sp.name, Problem: ParamNotAllowed, Detail: sp.notAllowed}
		}
	}
	if sp.pattern != nil && !sp.pattern.MatchString(v) {
		return &ParamError{DataType: s.dataType, Param: sp.name, Problem: ParamNotAllowed, Detail: sp.noMatch}
	}
	return nil
}

// maxReportedName bounds how much of an unknown param's name an error
// repeats.
const maxReportedName = 64

// printable reports whether s is valid UTF-8 without control characters.
func printable(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return false
		}
		i += size
	}
	return true
}

// appendKey appends the canonical key of the specs' values ("" for
// absent) to dst:
//
//	data_type?name=value&name=value
//
// with params in name order and '%', '&', '=' and '?' in values
// percent-escaped, so keys are unique and parseable. A sensitive param's
// value is replaced by its keyed hash ("h:" and 32 hex digits), so no key
// holds it. It is the one place keys are built.
func (s *schema) appendKey(dst []byte, vals []string) []byte {
	dst = append(dst, s.dataType...)
	sep := byte('?')
	for i, v := range vals {
		if v == "" {
			continue
		}
		dst = append(dst, sep)
		sep = '&'
		dst = append(dst, s.specs[i].name...)
		dst = append(dst, '=')
		if s.specs[i].sensitive {
			dst = append(dst, hashValue(s.hashKey, v)...)
			continue
		}
		start := 0
		for j := 0; j < len(v); j++ {
			if c := v[j]; keyEscaped[c] {
				dst = append(dst, v[start:j]...)
				dst = append(dst, '%', hexDigits[c>>4], hexDigits[c&15])
				start = j + 1
			}
		}
		dst = append(dst, v[start:]...)
	}
	return dst
}

// keyEscaped marks the bytes a key escapes in values: its own syntax.
var keyEscaped = [256]bool{'%': true, '&': true, '=': true, '?': true}

const hexDigits = "0123456789ABCDEF"

// keyDataType is the data type a canonical key is of: what comes before
// its '?' (see ParseKey).
func keyDataType(key string) string {
	name, _, _ := strings.Cut(key, "?")
	return name
}

// ParseKey splits a canonical key built by the resolver back into its data
// type and params. It reports false for a string that is not such a key.
func ParseKey(key string) (dataType string, params Params, ok bool) {
	dataType, rest, has := strings.Cut(key, "?")
	if dataType == "" {
		return "", nil, false
	}
	params = Params{}
	if !has {
		return dataType, params, true
	}
	for part := range strings.SplitSeq(rest, "&") {
		name, val, found := strings.Cut(part, "=")
		if !found || name == "" {
			return "", nil, false
		}
		v, err := unescape(val)
		if err != nil {
			return "", nil, false
		}
		params[name] = v
	}
	return dataType, params, true
}

func unescape(v string) (string, error) {
	if !strings.Contains(v, "%") {
		return v, nil
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '%' {
			b.WriteByte(v[i])
			continue
		}
		if i+2 >= len(v) {
			return "", strconv.ErrSyntax
		}
		n, err := strconv.ParseUint(v[i+1:i+3], 16, 8)
		if err != nil {
			return "", err
		}
		b.WriteByte(byte(n))
		i += 2
	}
	return b.String(), nil
}
