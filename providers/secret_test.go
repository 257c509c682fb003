package providers

import (
	"encoding/gob"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers/internal/leakcheck"
)

// secretValue escapes differently in a query and a path, and has cases
// to fold, so that every form it could print in is checked.
const secretValue = "sk-live+Key/42@example.org"

// assertNoSecretForm fails if secretValue, in any form or as hex, or a
// recognisable fragment of it, shows in out.
func assertNoSecretForm(t *testing.T, out string, msgAndArgs ...any) {
	t.Helper()
	leakcheck.Absent(t, []string{secretValue, "sk-live", fmt.Sprintf("%x", secretValue)}, []string{out}, msgAndArgs...)
}

func TestSecretRedactsUnderEveryVerb(t *testing.T) {
	s := NewSecret(secretValue)
	// %p and %T are handled by fmt before any method: they cannot print
	// the marker, and must not print the value.
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%p", "%T", "%10.3s", "%-8q", "%#x", "% x", "%t", "%e", "%c", "%U", "%b"} {
		out := fmt.Sprintf(verb, s)
		assertNoSecretForm(t, out, "verb %s printed %q", verb, out)
		if verb != "%p" && verb != "%T" {
			assert.Equal(t, Redacted, out, "verb %s", verb)
		}
		assertNoSecretForm(t, fmt.Sprintf(verb, &s), "verb %s on a *Secret", verb)
	}
	assert.Equal(t, Redacted, s.String())
	assert.Equal(t, Redacted, s.GoString())
	assert.Equal(t, Redacted, fmt.Sprint(s))
	assert.Equal(t, Redacted, fmt.Sprintln(s)[:len(Redacted)])
}

func TestSecretRedactsInsideOtherValues(t *testing.T) {
	s := NewSecret(secretValue)
	// A Secret in an unexported field is printed by reflection, without
	// its methods; so is every field under %p's bad-verb fallback.
	type holder struct {
		name string
		cred Secret
	}
	req := Request{DataType: "cpc", Params: map[string]string{"keyword": "shoes"}, Credential: s}
	for _, v := range []any{req, &req, holder{"x", s}, &holder{"x", s}, []Secret{s}, map[string]Secret{"k": s}, [1]Secret{s}, struct{ Cred Secret }{s}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%p"} {
			out := fmt.Sprintf(verb, v)
			assertNoSecretForm(t, out, "%s of %T printed %q", verb, v, out)
		}
	}
	assert.Contains(t, fmt.Sprintf("%+v", req), "Credential:"+Redacted)
}

func TestSecretEncodingsRedact(t *testing.T) {
	s := NewSecret(secretValue)
	req := Request{DataType: "cpc", Credential: s}

	b, err := json.Marshal(req)
	require.NoError(t, err)
	assertNoSecretForm(t, string(b))
	assert.Contains(t, string(b), `"Credential":"`+Redacted+`"`)

	b, err = json.Marshal(map[Secret]int{s: 1}) // a map key encodes through MarshalText
	require.NoError(t, err)
	assert.JSONEq(t, `{"`+Redacted+`":1}`, string(b))

	b, err = s.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, Redacted, string(b))

	b, err = xml.Marshal(struct {
		XMLName xml.Name `xml:"r"`
		Cred    Secret   `xml:"cred,attr"`
		Elem    Secret   `xml:"elem"`
	}{Cred: s, Elem: s})
	require.NoError(t, err)
	assert.Equal(t, `<r cred="`+Redacted+`"><elem>`+Redacted+`</elem></r>`, string(b))

	var text, js strings.Builder
	slog.New(slog.NewTextHandler(&text, nil)).Info("call", "cred", s, "req", req)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("call", "cred", s, "req", req)
	for _, out := range []string{text.String(), js.String()} {
		assertNoSecretForm(t, out)
		assert.Contains(t, out, Redacted)
	}

	// gob cannot encode a Secret at all: an error, and no value.
	var sink strings.Builder
	err = gob.NewEncoder(&sink).Encode(req)
	require.Error(t, err)
	assertNoSecretForm(t, err.Error()+sink.String())
	assertNoSecretForm(t, fmt.Sprint(gob.NewEncoder(io.Discard).Encode(s)))
}

func TestSecretValueAndEquality(t *testing.T) {
	s := NewSecret(secretValue)
	assert.Equal(t, secretValue, s.Reveal())
	assert.False(t, s.IsZero())
	assert.True(t, Secret{}.IsZero())
	assert.True(t, NewSecret("").IsZero())
	assert.Empty(t, Secret{}.Reveal())

	// Secrets compare with ==, by value.
	assert.True(t, s == NewSecret(strings.Clone(secretValue)))
	assert.False(t, s == NewSecret(secretValue+"x"))
	assert.True(t, Secret{} == NewSecret(""))
}

// A dump that follows pointers — testify's diff (spew, methods off) —
// finds only the masked value.
func TestSecretIsMaskedBehindItsHandle(t *testing.T) {
	const v = "sk-live-TOPSECRET"
	s := NewSecret(v)
	assert.Equal(t, v, s.Reveal())
	assert.Equal(t, NewSecret(v), s, "== still compares values")
	assert.NotEqual(t, NewSecret("other"), s)
	var diff recordT
	assert.Equal(&diff, struct{ Key Secret }{s}, struct{ Key Secret }{NewSecret("other")})
	require.NotEmpty(t, diff.msg, "the values differ: testify printed its diff")
	assert.NotContains(t, diff.msg, v)
	assert.NotContains(t, diff.msg, "TOPSECRET")
}

// recordT is a testify TestingT that keeps what a failed assertion says.
type recordT struct{ msg string }

func (r *recordT) Errorf(format string, args ...any) { r.msg += fmt.Sprintf(format, args...) }
