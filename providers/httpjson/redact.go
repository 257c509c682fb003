package httpjson

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/strata-go/strata/providers"
)

// redactor replaces every form in which a secret can appear in text — as
// is, query-escaped, path-escaped — by providers.Redacted. The zero
// redactor changes nothing.
type redactor struct{ forms []string }

func newRedactor(secrets ...providers.Secret) redactor {
	var r redactor
	for _, s := range secrets {
		v := s.Reveal()
		if v == "" {
			continue
		}
		for _, f := range [...]string{v, url.QueryEscape(v), url.PathEscape(v)} {
			if !slices.Contains(r.forms, f) {
				r.forms = append(r.forms, f)
			}
		}
	}
	// Longest first, so that a form containing another is replaced whole.
	for i := 1; i < len(r.forms); i++ {
		for j := i; j > 0 && len(r.forms[j]) > len(r.forms[j-1]); j-- {
			r.forms[j], r.forms[j-1] = r.forms[j-1], r.forms[j]
		}
	}
	return r
}

func (r redactor) contains(s string) bool {
	for _, f := range r.forms {
		if strings.Contains(s, f) {
			return true
		}
	}
	return false
}

func (r redactor) string(s string) string {
	for _, f := range r.forms {
		s = strings.ReplaceAll(s, f, providers.Redacted)
	}
	return s
}

// redactedError stands in for an error whose text held a secret: it keeps
// the text, redacted, and of the chain only the context error (so that
// errors.Is(err, context.DeadlineExceeded) still holds), never the
// original, whose fields could still hold the secret.
type redactedError struct {
	msg   string
	cause error // context.Canceled, context.DeadlineExceeded or nil
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }

// scrub returns err unchanged when its text is free of the secret, and a
// redactedError in its place otherwise.
func (r redactor) scrub(err error) error {
	if err == nil || !r.contains(err.Error()) {
		return err
	}
	var cause error
	switch {
	case errors.Is(err, context.Canceled):
		cause = context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		cause = context.DeadlineExceeded
	}
	return &redactedError{msg: r.string(err.Error()), cause: cause}
}
