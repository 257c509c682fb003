package providers

import (
	"context"
	"crypto/rand"
	"fmt"
	"unique"
)

// Redacted is what a Secret prints in place of its value.
const Redacted = "[REDACTED]"

// Secret holds a credential (an API key, a token). It prints as Redacted
// through String, GoString, every fmt verb that consults a value's methods
// (%v, %+v, %#v, %s, %q, %x, %X, %d and the rest), and JSON and text
// encoding, so a secret that ends up in a log line, an error or an event
// shows the marker, never the value. Where fmt prints a Secret without its
// methods — %p, which fmt handles before any method, or a Secret in an
// unexported struct field — it sees only an opaque handle: the value is
// not held in the struct, so it cannot print; and what the handle points
// to is the value masked with a key drawn at start-up, so a dump that
// follows pointers (a test's diff, spew) shows no more. Only Reveal
// returns the value; call it at the one place that attaches the
// credential to a request.
//
// The zero Secret is empty, and equal to NewSecret(""). Secrets compare
// with ==: two Secrets are equal when their values are.
type Secret struct {
	// h is the value masked (see mask) and interned: the struct holds a
	// pointer, never the bytes, so reflection (fmt's %p, an unexported
	// field printed with %v) finds nothing to print, a dump that follows
	// the pointer finds the masked bytes, and == still compares values.
	h unique.Handle[string]
}

// secretKey masks every Secret's value in memory; drawn once per process.
var secretKey = func() (k [32]byte) {
	_, _ = rand.Read(k[:]) // never fails (crypto/rand)
	return k
}()

// mask returns s with each byte XORed with the key's: its own inverse.
func mask(s string) string {
	b := []byte(s)
	for i := range b {
		b[i] ^= secretKey[i%len(secretKey)]
	}
	return string(b)
}

// NewSecret wraps s.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{h: unique.Make(mask(s))}
}

// Reveal returns the secret's value.
func (s Secret) Reveal() string {
	if s.IsZero() {
		return ""
	}
	return mask(s.h.Value())
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s == Secret{} }

// String returns Redacted.
func (s Secret) String() string { return Redacted }

// GoString returns Redacted, for %#v.
func (s Secret) GoString() string { return Redacted }

// Format writes Redacted for every verb fmt hands to it (all but %p and
// %T).
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(Redacted)) }

// MarshalJSON encodes the marker, never the value.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText encodes the marker, never the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// Credentials supplies each provider's secret at call time. The host
// implements it over its own secret store; strata asks it before every
// provider attempt and hands the secret to the provider in
// Request.Credential, so a rotated key takes effect at the next call.
//
// Credential must be safe for concurrent use. An error fails the attempt as
// an Auth failure of the provider.
type Credentials interface {
	Credential(ctx context.Context, provider string) (Secret, error)
}

// CredentialsFunc adapts a function to Credentials.
type CredentialsFunc func(ctx context.Context, provider string) (Secret, error)

// Credential calls f(ctx, provider).
func (f CredentialsFunc) Credential(ctx context.Context, provider string) (Secret, error) {
	return f(ctx, provider)
}

// Refresher is an optional capability of Credentials: after a provider
// fails with an Auth error, the resolver calls Refresh once for that
// provider and retries it once with the credential asked anew.
type Refresher interface {
	Refresh(ctx context.Context, provider string) error
}
