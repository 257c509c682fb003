package redact

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"html/template"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

const mark = "[REDACTED]"

// Every form a server or a library may quote a secret in is removed, and
// nothing else is.
func TestTextRemovesEveryForm(t *testing.T) {
	secret := "tok/Zm9vYmFy+cXV4=="
	var tmpl strings.Builder
	_ = template.Must(template.New("").Parse(`{{.}}`)).Execute(&tmpl, secret)
	js, _ := json.Marshal(secret)
	var unicode strings.Builder
	for _, r := range secret {
		unicode.WriteString(`\u00`)
		unicode.WriteString(strings.ToLower(strings.TrimLeft(string([]byte{"0123456789abcdef"[r>>4], "0123456789abcdef"[r&15]}), "")))
	}
	forms := map[string]string{
		"raw":           secret,
		"query-escaped": url.QueryEscape(secret),
		"path-escaped":  url.PathEscape(secret),
		"json":          string(js),
		"php json":      strings.ReplaceAll(secret, "/", `\/`),
		"\\u escapes":   unicode.String(),
		"html escape":   html.EscapeString(secret),
		"html/template": tmpl.String(),
		"numeric refs":  "&#116;&#x6F;k/Zm9vYmFy&#43;cXV4&#61;=",
		"upper case":    strings.ToUpper(secret),
		"lower case":    strings.ToLower(secret),
		"cut short":     secret[:12] + "…",
		"tail":          secret[5:],
	}
	for name, form := range forms {
		t.Run(name, func(t *testing.T) {
			msg := `401: {"error":"invalid key ` + form + `"} at /v1/x`
			got := Text(msg, mark, []string{secret})
			assert.True(t, Contains(msg, []string{secret}))
			assert.Contains(t, got, mark)
			assert.NotContains(t, strings.ToLower(got), "zm9vymfy", "no run of the secret survives: %s", got)
			assert.True(t, strings.HasPrefix(got, `401: {"error":"invalid key `), got)
			assert.True(t, strings.HasSuffix(got, `} at /v1/x`) || strings.HasSuffix(got, `"} at /v1/x`), got)
		})
	}
}

// A run shorter than MinRun is left, as is text that holds no secret; a
// secret shorter than MinRun is removed only whole.
func TestTextLeavesTheRest(t *testing.T) {
	assert.Equal(t, "nothing here", Text("nothing here", mark, []string{"s3cr3t-k3y-0123"}))
	assert.False(t, Contains("nothing here", []string{"s3cr3t-k3y-0123"}))
	assert.Equal(t, "key s3cr3t- is short", Text("key s3cr3t- is short", mark, []string{"s3cr3t-k3y-0123"}), "7 characters: left")
	assert.Equal(t, "hunter is fine, "+mark+" is not", Text("hunter is fine, hunter2 is not", mark, []string{"hunter2"}))
	assert.Equal(t, "a "+mark+" b", Text("a SECRETSECRET b", mark, []string{"secretsecret", "", "cretse"}), "one mark for overlapping finds")
	assert.Equal(t, "x", Text("x", mark, nil))
}

// Letters outside ASCII match in any case too; a piece that ends inside
// a character takes the whole character (the text left is valid UTF-8);
// a query-escaped form is matched in pieces too; a long run of '&' is
// read in linear time.
func TestTextBeyondASCII(t *testing.T) {
	got := Text("user ÉMILE.ZOË@EXÄMPLE.DE not found", mark, []string{"Émile.Zoë@exämple.de"})
	assert.Equal(t, "user "+mark+" not found", got)

	got = Text("x abcdefgぬ y", mark, []string{"abcdefgの"})
	assert.Equal(t, "x abcdefgぬ y", got, "7 characters in common: fewer than MinRun")
	got = Text("x abcdefghぬ y ゆの", mark, []string{"abcdefghの", "ゆのゆのゆのゆのゆ"})
	assert.True(t, utf8.ValidString(got), "%q", got)
	assert.Equal(t, "x "+mark+"ぬ y ゆの", got)

	got = Text("GET /?name=Jane+Doe+Smi", mark, []string{"Jane Doe Smithson"})
	assert.NotContains(t, got, "Jane+Doe")

	amps := strings.Repeat("&", 1<<18)
	assert.Equal(t, amps, Text(amps, mark, []string{"s3cr3t-k3y-0123"}))
	assert.Equal(t, "nothing", Text("nothing", mark, []string{"", ""}), "no secret: nothing to do")
}

// A base64 or otherwise re-encoded secret is not recognised: the package
// does not claim it.
func TestTextDoesNotDecodeBase64(t *testing.T) {
	secret := "s3cr3t-k3y-0123"
	b64 := base64.StdEncoding.EncodeToString([]byte(secret))
	assert.Equal(t, b64, Text(b64, mark, []string{secret}))
}

func FuzzText(f *testing.F) {
	f.Add("err: %74ok\\u002f &#43; x", "tok/+")
	f.Add("\\uD83D\\uDE00 &#x1F600; &#999999999;", "😀😀")
	f.Fuzz(func(t *testing.T, s, secret string) {
		got := Text(s, mark, []string{secret})
		if secret != "" && strings.Contains(s, secret) && !strings.Contains(strings.ToLower(mark), strings.ToLower(secret)) {
			assert.NotContains(t, got, secret)
		}
		if !Contains(s, []string{secret}) {
			assert.Equal(t, s, got)
		}
	})
}

// An Error matches the sentinels its original matched, and unwraps to the
// original only when kept.
func TestErrorKeepsSentinelsNotTheOriginal(t *testing.T) {
	sentinel, other := errors.New("sentinel"), errors.New("other")
	orig := fmt.Errorf("call with key s3cr3t-key: %w", sentinel)
	e := NewError(orig, "call with key [REDACTED]", []error{sentinel, other}, false)
	assert.Equal(t, "call with key [REDACTED]", e.Error())
	assert.ErrorIs(t, e, sentinel)
	assert.NotErrorIs(t, e, other)
	assert.True(t, e.Matched())
	assert.Nil(t, errors.Unwrap(e), "the original is not reachable")
	kept := NewError(orig, "x", nil, true)
	assert.Same(t, orig, errors.Unwrap(kept))
	assert.False(t, kept.Matched())
}

// A secret escaped again — a page that quotes an escaped URL escapes it
// once more (a login link with next=<the request URI, query-escaped>) —
// is found up to MaxEscapes levels deep, in any mix of the escapings.
func TestTextUndoesRepeatedEscaping(t *testing.T) {
	secret := "Ab+/Cd=Ef+/Gh=Ij+/Kl=" // base64-style: no run of MinRun characters that escape to themselves
	q := url.QueryEscape(secret)
	forms := map[string]string{
		"query-escaped twice":              url.QueryEscape(q),
		"query-escaped three times":        url.QueryEscape(url.QueryEscape(q)),
		"path-escaped twice":               url.PathEscape(url.PathEscape(secret)),
		"query- then path-escaped":         url.PathEscape(q),
		"query-escaped, then HTML-escaped": strings.ReplaceAll(q, "%", "&#37;"),
		"query-escaped, then &percnt;":     strings.ReplaceAll(q, "%", "&percnt;"),
		"query-escaped, then JSON \\u":     strings.ReplaceAll(q, "%", `\u0025`),
		"HTML-escaped, then query-escaped": url.QueryEscape(html.EscapeString("<" + secret + ">")),
		"escaped twice, upper-case hex":    strings.ToUpper(url.QueryEscape(q)),
		"escaped twice, cut short":         url.QueryEscape(q)[:30] + "…",
	}
	for name, form := range forms {
		t.Run(name, func(t *testing.T) {
			msg := `<a href="/login?next=%2Fv1%3Fk%3D` + form + `">sign in</a>`
			got := Text(msg, mark, []string{secret})
			assert.True(t, Contains(msg, []string{secret}))
			assert.Contains(t, got, mark)
			assert.True(t, strings.HasPrefix(got, `<a href="/login?next=%2Fv1%3Fk%3D`), got)
			// What a reader recovers, unescaping as often as it likes.
			for u := got; ; {
				assert.NotContains(t, strings.ToLower(u), "cd=ef", "unescaped, it reads %q", u)
				next, err := url.QueryUnescape(html.UnescapeString(strings.ReplaceAll(u, `\u0025`, "%")))
				if err != nil || next == u {
					break
				}
				u = next
			}
		})
	}
	// Escaping that changes nothing more ends the search: a long run of
	// escapes is read in linear time, level by level.
	deep := strings.Repeat("%2525", 1<<16)
	assert.Equal(t, deep, Text(deep, mark, []string{secret}))
}

// A secret with a space, escaped another way and then query-escaped — a
// sensitive name PHP's json_encode wrote as Mar\u00eda, quoted in a link
// to the request — keeps '+' for its space once the other escape is
// undone, and is found still: "in any mix of those escapings".
func TestTextFindsASpaceQueryEscapedOverAnotherEscape(t *testing.T) {
	phpJSON := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			if r > 127 {
				fmt.Fprintf(&b, `\u%04x`, r)
				continue
			}
			b.WriteRune(r)
		}
		return b.String()
	}
	for _, secret := range []string{"María José", "José Li", "a/b c", "jo@x.io b"} {
		for name, form := range map[string]string{
			"\\u, then query-escaped":             url.QueryEscape(phpJSON(secret)),
			"\\/, then query-escaped":             url.QueryEscape(strings.ReplaceAll(secret, "/", `\/`)),
			"numeric refs, then query-escaped":    url.QueryEscape(strings.ReplaceAll(secret, "@", "&#64;")),
			"query-escaped, then query-escaped":   url.QueryEscape(url.QueryEscape(secret)),
			"\\u, then query-escaped, upper-case": strings.ToUpper(url.QueryEscape(phpJSON(secret))),
		} {
			msg := `<a href="/login?next=` + form + `">sign in</a>`
			got := Text(msg, mark, []string{secret})
			assert.True(t, Contains(msg, []string{secret}), "%q %s: %s", secret, name, msg)
			assert.Equal(t, `<a href="/login?next=`+mark+`">sign in</a>`, got, "%q %s", secret, name)
		}
	}
}
