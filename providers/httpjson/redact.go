package httpjson

import (
	"context"
	"slices"

	"github.com/strata-go/strata/internal/redact"
	"github.com/strata-go/strata/providers"
)

// redactor removes secrets from text in every form internal/redact knows
// — as is, query- or path-escaped, JSON-escaped (\u0041 and \/ too), as
// HTML character references, in any letter case, escaped again up to
// redact.MaxEscapes levels deep, and any run of redact.MinRun or more of
// their characters — replacing them by providers.Redacted. The zero
// redactor changes nothing.
type redactor struct{ secrets []string }

func newRedactor(secrets ...providers.Secret) redactor {
	var r redactor
	for _, s := range secrets {
		if v := s.Reveal(); v != "" && !slices.Contains(r.secrets, v) {
			r.secrets = append(r.secrets, v)
		}
	}
	return r
}

func (r redactor) contains(s string) bool { return redact.Contains(s, r.secrets) }

func (r redactor) string(s string) string { return redact.Text(s, providers.Redacted, r.secrets) }

// longest is the length of the longest secret.
func (r redactor) longest() int {
	n := 0
	for _, s := range r.secrets {
		n = max(n, len(s))
	}
	return n
}

// keptSentinels are the errors a scrubbed error still matches when the
// error it stands for did: the package's sentinels and the context's.
var keptSentinels = []error{
	ErrTransport, ErrRedirectRefused, ErrBodyTooLarge, ErrBadBody, ErrNoValue,
	ErrBadValue, ErrBadTimestamp, ErrAPI, ErrStatus, ErrMissingParam,
	ErrInvalidParam, ErrNoCredential, context.Canceled, context.DeadlineExceeded,
}

// scrub returns err unchanged when its text is free of the secrets, and
// in its place otherwise a redact.Error: the text redacted, matching the
// sentinels err matched (keptSentinels), never unwrapping to err, whose
// fields could still hold the secret.
func (r redactor) scrub(err error) error {
	if err == nil || !r.contains(err.Error()) {
		return err
	}
	return redact.NewError(err, r.string(err.Error()), keptSentinels, false)
}
