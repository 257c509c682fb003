package httpjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// urlTemplate is a compiled Config.URL. Its scheme and host are fixed; a
// placeholder is a whole path segment or a whole query value, so a param
// can never change the host, add a path segment or add a query key.
type urlTemplate struct {
	scheme string
	host   string // host[:port], as written
	// segments are the path segments after the leading "/".
	segments []urlPart
	query    []queryPart
	// prefix is the literal path before the first placeholder segment,
	// starting with "/".
	prefix string
	// pattern is the scheme, host and path as written, placeholders and
	// all, without the query: "https://h/v1/{symbol}". It names the
	// request in errors, so it holds no value a request fills in.
	pattern string
}

type urlPart struct {
	lit   string // escaped literal; used when param is ""
	param string
}

type queryPart struct {
	key      string // escaped, as written
	lit      string // escaped literal value; used when param is ""
	param    string
	optional bool // {name?}: the pair is left out when the param is absent or empty
}

// parseURLTemplate compiles a URL template. The error says what is wrong
// without the field name; New adds it.
func parseURLTemplate(s string) (*urlTemplate, error) {
	if strings.ContainsAny(s, "#") {
		return nil, errors.New("a fragment (#) is not allowed")
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return nil, errors.New("spaces and control characters are not allowed; escape them")
	}
	t := &urlTemplate{}
	rest, ok := strings.CutPrefix(s, "https://")
	t.scheme = "https"
	if !ok {
		if rest, ok = strings.CutPrefix(s, "http://"); !ok {
			return nil, errors.New("must start with https:// or http://")
		}
		t.scheme = "http"
	}
	authority, pathAndQuery := rest, ""
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		authority, pathAndQuery = rest[:i], rest[i:]
	}
	if authority == "" {
		return nil, errors.New("no host")
	}
	if strings.ContainsAny(authority, "{}@") {
		return nil, errors.New("the host is fixed: no placeholders or user info in it")
	}
	u, err := url.Parse(t.scheme + "://" + authority)
	if err != nil || u.Host != authority || u.Hostname() == "" {
		return nil, fmt.Errorf("bad host %q", authority)
	}
	t.host = authority

	rawPath, rawQuery, _ := strings.Cut(pathAndQuery, "?")
	if rawPath == "" {
		rawPath = "/"
	}
	t.pattern = t.scheme + "://" + t.host + rawPath
	prefixDone := false
	var prefix strings.Builder
	prefix.WriteByte('/')
	for i, seg := range strings.Split(rawPath[1:], "/") {
		part, err := parsePart(seg)
		if err != nil {
			return nil, fmt.Errorf("path segment %d: %w", i+1, err)
		}
		if part.param == "" {
			if _, err := url.PathUnescape(seg); err != nil {
				return nil, fmt.Errorf("path segment %d: bad escape in %q", i+1, seg)
			}
		}
		t.segments = append(t.segments, part)
		if part.param != "" {
			prefixDone = true
		}
		if !prefixDone {
			if i > 0 {
				prefix.WriteByte('/')
			}
			prefix.WriteString(seg)
		}
	}
	t.prefix = prefix.String()

	if rawQuery != "" {
		seen := map[string]bool{}
		for pair := range strings.SplitSeq(rawQuery, "&") {
			k, v, _ := strings.Cut(pair, "=")
			if k == "" {
				return nil, fmt.Errorf("query pair %q: empty key", pair)
			}
			if strings.ContainsAny(k, "{}") {
				return nil, fmt.Errorf("query key %q: placeholders may only be whole query values", k)
			}
			uk, err := url.QueryUnescape(k)
			if err != nil {
				return nil, fmt.Errorf("query key %q: bad escape", k)
			}
			if seen[uk] {
				return nil, fmt.Errorf("query key %q: appears twice", uk)
			}
			seen[uk] = true
			part, err := parsePart(v)
			if err != nil {
				return nil, fmt.Errorf("query value of %q: %w", uk, err)
			}
			if part.param == "" {
				if _, err := url.QueryUnescape(v); err != nil {
					return nil, fmt.Errorf("query value of %q: bad escape", uk)
				}
			}
			q := queryPart{key: k, lit: part.lit, param: part.param}
			if name, ok := strings.CutSuffix(part.param, "?"); ok {
				q.param, q.optional = name, true
			}
			t.query = append(t.query, q)
		}
	}
	return t, nil
}

// parsePart reads a path segment or query value: a literal without braces,
// or exactly "{name}" (or "{name?}", checked by the caller for queries).
func parsePart(s string) (urlPart, error) {
	if !strings.ContainsAny(s, "{}") {
		return urlPart{lit: s}, nil
	}
	name, ok := strings.CutPrefix(s, "{")
	if ok {
		name, ok = strings.CutSuffix(name, "}")
	}
	bare := strings.TrimSuffix(name, "?")
	if !ok || !validParamName(bare) {
		return urlPart{}, fmt.Errorf("%q: a placeholder must be the whole segment or value, {name} with name of letters, digits, '_' and '-'", s)
	}
	return urlPart{param: name}, nil
}

func validParamName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')) {
			return false
		}
	}
	return true
}

// hasQueryKey reports whether the template's query sets the (unescaped)
// key.
func (t *urlTemplate) hasQueryKey(key string) bool {
	for _, q := range t.query {
		if k, _ := url.QueryUnescape(q.key); k == key {
			return true
		}
	}
	return false
}

// params lists the names of the template's placeholders, in order.
func (t *urlTemplate) params() []string {
	var out []string
	for _, s := range t.segments {
		if s.param != "" {
			out = append(out, s.param)
		}
	}
	for _, q := range t.query {
		if q.param != "" {
			out = append(out, q.param)
		}
	}
	return out
}

// expand builds the URL for params. Every error wraps ErrMissingParam or
// ErrInvalidParam.
func (t *urlTemplate) expand(params map[string]string) (string, error) {
	var b strings.Builder
	b.WriteString(t.scheme)
	b.WriteString("://")
	b.WriteString(t.host)
	for _, s := range t.segments {
		b.WriteByte('/')
		if s.param == "" {
			b.WriteString(s.lit)
			continue
		}
		v, ok := params[s.param]
		if !ok {
			return "", fmt.Errorf("%w %q", ErrMissingParam, s.param)
		}
		// An empty segment would merge two segments, and "." or ".." is a
		// dot-segment that normalising clients and proxies resolve: each
		// could move the request out of the template's path.
		if v == "" || v == "." || v == ".." {
			return "", fmt.Errorf(`%w %q: a path segment cannot be empty, "." or ".."`, ErrInvalidParam, s.param)
		}
		b.WriteString(url.PathEscape(v))
	}
	sep := byte('?')
	for _, q := range t.query {
		val := q.lit
		if q.param != "" {
			v, ok := params[q.param]
			if q.optional && v == "" {
				continue
			}
			if !ok {
				return "", fmt.Errorf("%w %q", ErrMissingParam, q.param)
			}
			val = url.QueryEscape(v)
		}
		b.WriteByte(sep)
		sep = '&'
		b.WriteString(q.key)
		b.WriteByte('=')
		b.WriteString(val)
	}
	return b.String(), nil
}

// bodyTemplate is a compiled Config.Body: JSON in which a string token
// that reads "{name}" is a placeholder, replaced by the param encoded as
// a JSON string. Nothing a param holds can change the document's shape.
type bodyTemplate struct {
	chunks []string // literal JSON between placeholders; len(params)+1
	params []string
}

func parseBodyTemplate(s string) (*bodyTemplate, error) {
	if !json.Valid([]byte(s)) {
		return nil, errors.New("not valid JSON")
	}
	t := &bodyTemplate{}
	dec := json.NewDecoder(strings.NewReader(s))
	last := 0 // end of the last chunk taken
	for {
		start := int(dec.InputOffset())
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		str, ok := tok.(string)
		if !ok || !strings.HasPrefix(str, "{") || !strings.HasSuffix(str, "}") {
			continue
		}
		name := str[1 : len(str)-1]
		if !validParamName(name) {
			continue
		}
		end := int(dec.InputOffset())
		// The token's text begins at the first quote after the previous
		// token: only delimiters and spaces, never a quote, come between.
		q := start + strings.IndexByte(s[start:end], '"')
		t.chunks = append(t.chunks, s[last:q])
		t.params = append(t.params, name)
		last = end
	}
	t.chunks = append(t.chunks, s[last:])
	return t, nil
}

// expand renders the body for params.
func (t *bodyTemplate) expand(params map[string]string) ([]byte, error) {
	var b bytes.Buffer
	for i, name := range t.params {
		b.WriteString(t.chunks[i])
		v, ok := params[name]
		if !ok {
			return nil, fmt.Errorf("%w %q", ErrMissingParam, name)
		}
		enc, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("%w %q: %v", ErrInvalidParam, name, err)
		}
		b.Write(enc)
	}
	b.WriteString(t.chunks[len(t.chunks)-1])
	return b.Bytes(), nil
}

// BaseURL validates an API's base URL for an adapter built on httpjson —
// http or https, a host, no user info, query, fragment or braces — and
// returns it without a trailing slash; an empty s means def.
func BaseURL(s, def string) (string, error) {
	if s == "" {
		s = def
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "", err
	case u.Scheme != "https" && u.Scheme != "http":
		return "", fmt.Errorf("%q: want an http or https URL", s)
	case u.Host == "" || u.User != nil:
		return "", fmt.Errorf("%q: want a host and no user info", s)
	case u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(s, "{}?#"):
		return "", fmt.Errorf("%q: want no query, fragment or braces", s)
	}
	return strings.TrimSuffix(s, "/"), nil
}
