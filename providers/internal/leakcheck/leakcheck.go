package leakcheck

import (
	"errors"
	"fmt"
	"html"
	"html/template"
	"net/url"
	"slices"
	"strings"

	"github.com/stretchr/testify/assert"
)

// Forms returns the forms of each value that must not show: as is,
// query-escaped and path-escaped, once and twice over (a page quoting an
// escaped URL escapes it again), each also upper- and lower-cased (so
// "%2B" and "%2b" both count). Empty values are skipped.
func Forms(values ...string) []string {
	var out []string
	for _, v := range values {
		if v == "" {
			continue
		}
		q, p := url.QueryEscape(v), url.PathEscape(v)
		for _, f := range []string{v, q, p, url.QueryEscape(q), url.QueryEscape(p), url.PathEscape(q), url.PathEscape(p)} {
			for _, c := range []string{f, strings.ToUpper(f), strings.ToLower(f)} {
				if !slices.Contains(out, c) {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// Texts returns everything err exposes: its text under the verbs a log
// line uses, and, for every error reachable from it through Unwrap (both
// forms), its Error, its %+v and its %#v (which print its fields), and the
// URL of a *url.Error.
func Texts(err error) []string {
	var out []string
	for _, verb := range []string{"%v", "%+v", "%s", "%q", "%#v"} {
		out = append(out, fmt.Sprintf(verb, err))
	}
	var walk func(e error)
	walk = func(e error) {
		if e == nil {
			return
		}
		out = append(out, e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e))
		var ue *url.Error
		if errors.As(e, &ue) {
			out = append(out, ue.URL)
		}
		switch x := e.(type) {
		case interface{ Unwrap() error }:
			walk(x.Unwrap())
		case interface{ Unwrap() []error }:
			for _, c := range x.Unwrap() {
				walk(c)
			}
		}
	}
	walk(err)
	return out
}

// Absent asserts that no form of any of values (see Forms) occurs in any
// of texts, reporting each one found with msgAndArgs, and returns whether
// none did.
func Absent(t assert.TestingT, values, texts []string, msgAndArgs ...any) bool {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
	ok := true
	forms := append(Forms(values...), escapedForms(values...)...)
	for _, f := range forms {
		for _, s := range texts {
			if strings.Contains(s, f) {
				ok = assert.Fail(t, fmt.Sprintf("a secret leaked: %q shows in %q", f, s), msgAndArgs...)
			}
		}
	}
	return ok
}

// NoPieces asserts that no run of FragmentLen characters of any of
// secrets occurs in any of texts, in any letter case — for a random
// credential, whose pieces cannot show by chance (a person's e-mail
// shares "example." with a URL's host), a quote cut short or a parser's
// quote of a value's tail — and returns whether none did.
func NoPieces(t assert.TestingT, secrets, texts []string, msgAndArgs ...any) bool {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
	ok := true
	for _, v := range secrets {
		for _, s := range texts {
			if frag := fragment(strings.ToLower(s), strings.ToLower(v)); frag != "" {
				ok = assert.Fail(t, fmt.Sprintf("a piece of a secret leaked: %q shows in %q", frag, s), msgAndArgs...)
			}
		}
	}
	return ok
}

// FragmentLen is the shortest piece of a secret NoPieces looks for; a
// shorter secret is not looked for.
const FragmentLen = 8

// fragment returns the first run of FragmentLen characters of v found in
// s, or "".
func fragment(s, v string) string {
	if len(v) < FragmentLen {
		return ""
	}
	for i := 0; i+FragmentLen <= len(v); i++ {
		if strings.Contains(s, v[i:i+FragmentLen]) {
			return v[i : i+FragmentLen]
		}
	}
	return ""
}

// escapedForms returns the forms of each value an API's error page or
// JSON encoder may quote it in: JSON with "/" escaped (PHP's json_encode),
// every character \u-escaped, HTML-escaped (html and html/template).
func escapedForms(values ...string) []string {
	var out []string
	for _, v := range values {
		if v == "" {
			continue
		}
		var u strings.Builder
		for _, r := range v {
			fmt.Fprintf(&u, `\u%04x`, r)
		}
		for _, f := range []string{strings.ReplaceAll(v, "/", `\/`), u.String(), html.EscapeString(v), template.HTMLEscapeString(v)} {
			if f != v && !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}
