package httpjson

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/strata-go/strata/providers"
)

// Signing configures HMAC-SHA256 request signing. Each request gets two
// headers: TimestampHeader, the host's clock at signing, and Header, the
// signature of the canonical string
//
//	METHOD "\n" PATH "\n" QUERY "\n" TIMESTAMP "\n" hex(sha256(BODY))
//
// where METHOD is upper case ("GET"); PATH is the request's escaped path as
// sent ("/v1/quote/IBM", "/" when empty); QUERY is every query pair of the
// request — the credential's too when it travels in the query — decoded,
// sorted by key and then value, each key and value re-encoded by RFC 3986
// (every byte but A–Z a–z 0–9 '-' '.' '_' '~' as %XX, upper-case hex) and
// joined as k=v with '&' (empty when there is no query); TIMESTAMP is the
// value of TimestampHeader; and BODY is the request body (empty for GET).
//
// Clock skew: the timestamp is the host's time.Now. The verifying server
// must accept a timestamp within a tolerance of its own clock — five
// minutes either way is the usual choice, and what this package assumes
// when it says a host clock is "in sync". A host whose clock is off by
// more than the server's tolerance gets its requests refused, typically
// with 401, which Fetch reports as an Auth failure; keep the host's clock
// synchronised (NTP) rather than widening the server's window, since the
// window is also how long a captured request can be replayed.
type Signing struct {
	// Key is the HMAC key. The zero Secret means the request's own
	// Credential is the key (and a request without one fails as Auth).
	Key providers.Secret
	// Header receives the signature. Default "X-Signature".
	Header string
	// TimestampHeader receives the timestamp. Default "X-Timestamp".
	TimestampHeader string
	// RFC3339Timestamp writes the timestamp as RFC 3339 in UTC
	// ("2006-01-02T15:04:05Z") instead of the default decimal Unix
	// seconds.
	RFC3339Timestamp bool
	// Base64 writes the signature in standard base64 instead of the
	// default lower-case hex.
	Base64 bool
}

// signer is a validated Signing with its defaults applied.
type signer struct {
	key             providers.Secret
	header          string
	timestampHeader string
	rfc3339         bool
	base64          bool
}

// timestamp formats t as the signing timestamp.
func (s *signer) timestamp(t time.Time) string {
	if s.rfc3339 {
		return t.UTC().Format(time.RFC3339)
	}
	return strconv.FormatInt(t.Unix(), 10)
}

// sign returns the signature of the canonical string under key.
func (s *signer) sign(key []byte, canonical string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(canonical))
	sum := m.Sum(nil)
	if s.base64 {
		return base64.StdEncoding.EncodeToString(sum)
	}
	return hex.EncodeToString(sum)
}

// canonicalString builds the string that Signing documents.
func canonicalString(method, escapedPath, rawQuery, timestamp string, body []byte) string {
	if escapedPath == "" {
		escapedPath = "/"
	}
	sum := sha256.Sum256(body)
	return strings.ToUpper(method) + "\n" + escapedPath + "\n" + canonicalQuery(rawQuery) + "\n" +
		timestamp + "\n" + hex.EncodeToString(sum[:])
}

// canonicalQuery decodes rawQuery, sorts its pairs and re-encodes them
// with RFC 3986 escaping. Pairs that do not decode are kept as written, so
// the server, which sees the same bytes, can do the same.
func canonicalQuery(rawQuery string) string {
	if rawQuery == "" {
		return ""
	}
	type kv struct{ k, v string }
	var pairs []kv
	for p := range strings.SplitSeq(rawQuery, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			v = uv
		}
		pairs = append(pairs, kv{rfc3986(k), rfc3986(v)})
	}
	slices.SortFunc(pairs, func(a, b kv) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// rfc3986 percent-encodes every byte of s except the unreserved characters.
func rfc3986(s string) string {
	const hexdig = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexdig[c>>4])
		b.WriteByte(hexdig[c&15])
	}
	return b.String()
}
