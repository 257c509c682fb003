package leakcheck

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/stretchr/testify/assert"
)

// Forms returns the forms of each value that must not show: as is,
// query-escaped and path-escaped, each also upper- and lower-cased (so
// "%2B" and "%2b" both count). Empty values are skipped.
func Forms(values ...string) []string {
	var out []string
	for _, v := range values {
		if v == "" {
			continue
		}
		for _, f := range []string{v, url.QueryEscape(v), url.PathEscape(v)} {
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
	for _, f := range Forms(values...) {
		for _, s := range texts {
			if strings.Contains(s, f) {
				ok = assert.Fail(t, fmt.Sprintf("a secret leaked: %q shows in %q", f, s), msgAndArgs...)
			}
		}
	}
	return ok
}
