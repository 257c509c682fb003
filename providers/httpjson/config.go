package httpjson

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/strata-go/strata/providers"
)

// DefaultMaxBodyBytes is the response body limit when Config.MaxBodyBytes
// is zero: 1 MiB.
const DefaultMaxBodyBytes = 1 << 20

// Config describes one JSON-over-HTTP source. The zero value of each
// optional field means the documented default. New validates the Config
// and copies what it keeps; it never modifies the caller's Config.
type Config struct {
	// Client sends the requests. Required: strata owns no I/O, so the host
	// passes its own client, with its transport, TLS settings, proxies and
	// timeouts (pass http.DefaultClient to use the process-wide default
	// deliberately). The Provider uses a shallow copy whose CheckRedirect
	// enforces AllowRedirectHosts before calling the original's; the
	// host's client itself is never modified.
	Client *http.Client
	// Method is GET (the default) or POST.
	Method string
	// URL is the request's URL template, absolute, http or https:
	// "https://api.example.com/v1/{symbol}/quote?interval={interval}".
	// A placeholder {name} is replaced by the request's param of that name
	// and must be a whole path segment (escaped as one, so a "/" in the
	// value stays inside the segment) or a whole query value (query-
	// escaped). {name?} as a query value is optional: the pair is left out
	// when the param is absent or empty. The scheme, host, port, query
	// keys and literal segments are fixed. A missing param fails the
	// request as Permanent before anything is sent. Required.
	URL string
	// Body, for POST only, is a JSON document sent as the request body
	// with Content-Type application/json. A JSON string that reads
	// exactly "{name}" is a placeholder, replaced by the param encoded as
	// a JSON string. Empty means no body.
	Body string
	// Headers are sent with every request. Names must be valid header
	// names; Host and Content-Length are refused, and so are the names the
	// credential and signing use. Accept defaults to application/json.
	Headers map[string]string
	// Credential says how the request's credential is attached. The zero
	// Credential sends none.
	Credential Credential
	// Value is the path to the value in the response body (see the package
	// documentation for the path syntax). Required.
	Value string
	// ParseValue turns the selected value's text — a JSON number's literal
	// or a JSON string's content — into the number. Default ParseNumber,
	// which accepts both ("123.45" and 123.45). A result that is NaN or
	// an infinity is refused whatever the parser.
	ParseValue func(text string) (float64, error)
	// Timestamp is the path to when the value was observed. Empty means
	// the response carries none and ObservedAt is left zero ("now").
	Timestamp string
	// ParseTimestamp turns the selected timestamp's text into a time.
	// Default TimeLayout(time.RFC3339). See also UnixTime. A timestamp
	// that parses to the zero time — the placeholder date an API writes
	// for "unknown" ("0001-01-01T00:00:00Z", UnixTime -62135596800) — is
	// ErrBadTimestamp, never ObservedAt: a zero ObservedAt means now.
	ParseTimestamp func(text string) (time.Time, error)
	// ErrorRules recognise the API's own error bodies, such as a 200 with
	// {"Note": "...call frequency..."}. They are tried in order on every
	// response whose body is JSON, before the status is looked at; the
	// first match decides the class.
	ErrorRules []ErrorRule
	// MaxBodyBytes bounds the response body; a longer one fails the
	// request (DataQuality on a 2xx). Default DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// AllowRedirectHosts lists the hosts ("host" or "host:port") a
	// redirect may lead to besides the URL's own. A redirect elsewhere, or
	// from https to http, fails the request as Unavailable. The credential
	// is not sent to a listed host: its header, its query param, the
	// Referer (which holds the previous URL) and, with Signing, the
	// signature and timestamp headers (a replayable token for the original
	// request) are removed from a request redirected there. Default none.
	AllowRedirectHosts []string
	// Signing, when set, signs every request with HMAC-SHA256.
	Signing *Signing
}

// CredentialPlacement says where a request's credential travels.
type CredentialPlacement uint8

// The credential placements.
const (
	// CredentialNone sends no credential (the default).
	CredentialNone CredentialPlacement = iota
	// CredentialQuery appends the credential as the query param Name.
	CredentialQuery
	// CredentialHeader sends the credential in the header Name, after
	// Prefix.
	CredentialHeader
	// CredentialBearer sends "Authorization: Bearer <credential>".
	CredentialBearer
)

// Credential says how the request's credential (Request.Credential, which
// the host's providers.Credentials supplies at call time) is attached.
// When it is attached and a request carries none, Fetch fails it as Auth
// before anything is sent.
type Credential struct {
	// In is where the credential goes. Default CredentialNone.
	In CredentialPlacement
	// Name is the query param (CredentialQuery) or the header
	// (CredentialHeader). Required for those two.
	Name string
	// Prefix is written before the credential in the header
	// (CredentialHeader only), e.g. "Token ".
	Prefix string
}

// ErrorRule recognises an error the API reports in its body. A rule
// matches when the body is JSON, Path selects a node in it and, when set,
// Status equals the response status, the node's text contains Contains
// (case-insensitively) and the node is empty (null, "", {} or []) if
// Empty is set. Without Contains or Empty, the node must merely exist and
// not be null. A rule without Status does not apply to a 429 or 5xx
// response: a server that is busy or down says so by its status, whose
// class (providers.ClassForStatus) stands whatever its body holds.
//
// The node's text is a string's content, a number's literal, or the
// compact JSON of anything else.
type ErrorRule struct {
	// Path selects the node to test. Required.
	Path string
	// Status, when non-zero, is the only HTTP status the rule applies to.
	Status int
	// Contains, when set, must occur in the node's text, ignoring case.
	Contains string
	// Empty requires the node to be null, "", {} or [].
	Empty bool
	// Class is the failure's class.
	Class providers.Class
	// Description is a fixed text for the error message ("no data for
	// this country"). The message is the Description, then the text at
	// Message when that is set; without a Description it is the text at
	// Message, or else the node's own text.
	Description string
	// Message is the path to a human-readable message in the body to quote
	// in the error.
	Message string
	// RetryAfter is the wait to report when the response carries no
	// Retry-After header; zero means none.
	RetryAfter time.Duration
}

// rule is a compiled ErrorRule.
type rule struct {
	path       path
	status     int
	contains   string // lower-cased
	empty      bool
	class      providers.Class
	desc       string
	message    *path
	retryAfter time.Duration
}

// match reports whether the rule applies to a response, and its message.
func (r *rule) match(status int, doc any) (string, bool) {
	if r.status != 0 && r.status != status {
		return "", false
	}
	n, err := r.path.eval(doc)
	if err != nil {
		return "", false
	}
	switch {
	case r.empty:
		if !isEmpty(n.v) {
			return "", false
		}
	case n.v == nil:
		return "", false
	}
	text := nodeText(n.v)
	if r.contains != "" && !strings.Contains(strings.ToLower(text), r.contains) {
		return "", false
	}
	if r.message != nil {
		text = ""
		if m, err := r.message.eval(doc); err == nil {
			text = nodeText(m.v)
		}
	}
	switch {
	case r.desc == "":
		return text, true
	case r.message == nil || text == "":
		return r.desc, true
	default:
		return r.desc + ": " + text, true
	}
}

// configError returns a *ConfigError for field; cause, when not nil, is
// the error the reason quotes.
func configError(field string, cause error, format string, args ...any) *ConfigError {
	return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...), Err: cause}
}

// ParseNumber parses a decimal number written as a JSON number or inside
// a JSON string ("123.45", "-1e-3"): optional sign, digits, optional
// fraction and exponent. It refuses what strconv.ParseFloat alone would
// take but an API never means: "NaN", "Inf", hex floats, underscores and
// surrounding spaces, and values that overflow to an infinity. Errors wrap
// *strconv.NumError where ParseFloat reports one.
func ParseNumber(text string) (float64, error) {
	if text == "" {
		return 0, errors.New("empty")
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if !(c >= '0' && c <= '9') && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E' {
			return 0, fmt.Errorf("%q is not a decimal number", truncate(text, 40))
		}
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return 0, err
	}
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("%q is out of range", truncate(text, 40))
	}
	return v, nil
}

// TimeLayout returns a ParseTimestamp function that parses with
// time.Parse(layout, text): "2006-01-02" for a date, "2006" for a year.
// Times without a zone are UTC.
func TimeLayout(layout string) func(string) (time.Time, error) {
	return func(text string) (time.Time, error) { return time.Parse(layout, text) }
}

// UnixTime parses a timestamp given as Unix seconds ("1700000000", as a
// number or a string), with an optional fraction ("1700000000.25").
func UnixTime(text string) (time.Time, error) {
	whole, frac, hasFrac := strings.Cut(text, ".")
	sec, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	var nsec int64
	if hasFrac {
		if frac == "" || len(frac) > 9 {
			return time.Time{}, fmt.Errorf("bad fraction in %q", truncate(text, 40))
		}
		n, err := strconv.ParseUint(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
		if err != nil {
			return time.Time{}, err
		}
		nsec = int64(n)
		if strings.HasPrefix(whole, "-") { // "-0.5" too, whose sec is 0
			nsec = -nsec
		}
	}
	return time.Unix(sec, nsec).UTC(), nil
}

// validHeaderName reports whether s is an HTTP token (RFC 9110).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') &&
			!strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// validHeaderValue reports whether s can be sent as a header value: no
// control characters other than horizontal tab.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// validRedirectHost reports whether h is a bare "host" or "host:port".
func validRedirectHost(h string) bool {
	if h == "" || strings.ContainsAny(h, "/?#@ ") {
		return false
	}
	u, err := url.Parse("http://" + h)
	return err == nil && u.Host == h && u.Hostname() != ""
}
