package httpjson

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/strata-go/strata/providers"
)

// snippetLen bounds how much of a body or a value an error quotes; a
// parser's error is kept without its own quote of the input (parseReason).
const snippetLen = 200

// Provider fetches one number from a JSON API. It implements
// providers.Provider, is safe for concurrent use, and holds no goroutines
// or connections of its own (the host's client does).
type Provider struct {
	client         *http.Client
	method         string
	url            *urlTemplate
	body           *bodyTemplate
	headers        http.Header
	cred           Credential
	value          path
	parseValue     func(string) (float64, error)
	timestamp      *path
	parseTimestamp func(string) (time.Time, error)
	rules          []rule
	maxBody        int64
	redirectHosts  []string
	signer         *signer
	// where names the request in errors: the method and the URL template
	// without its query, never the values a request fills in.
	where string
}

var _ providers.Provider = (*Provider)(nil)

// New validates cfg and returns a Provider for it. An invalid Config gives
// a *ConfigError naming the field ("httpjson: invalid config: URL: ..."),
// which matches ErrInvalidConfig.
func New(cfg Config) (*Provider, error) {
	p := &Provider{
		method:         cfg.Method,
		cred:           cfg.Credential,
		parseValue:     cfg.ParseValue,
		parseTimestamp: cfg.ParseTimestamp,
		maxBody:        cfg.MaxBodyBytes,
	}
	if cfg.Client == nil {
		return nil, configError("Client", nil, "required: pass the host's *http.Client (strata never picks one)")
	}
	switch p.method {
	case "":
		p.method = http.MethodGet
	case http.MethodGet, http.MethodPost:
	default:
		return nil, configError("Method", nil, "%q: want GET or POST", cfg.Method)
	}
	var err error
	if p.url, err = parseURLTemplate(cfg.URL); err != nil {
		return nil, configError("URL", err, "%v", err)
	}
	p.where = p.method + " " + p.url.pattern
	if cfg.Body != "" {
		if p.method != http.MethodPost {
			return nil, configError("Body", nil, "only a POST has a body")
		}
		if p.body, err = parseBodyTemplate(cfg.Body); err != nil {
			return nil, configError("Body", err, "%v", err)
		}
	}

	reserved := map[string]string{} // canonical header name -> what uses it
	switch p.cred.In {
	case CredentialNone:
		if p.cred.Name != "" || p.cred.Prefix != "" {
			return nil, configError("Credential", nil, "Name and Prefix need a placement (In)")
		}
	case CredentialQuery:
		if p.cred.Name == "" {
			return nil, configError("Credential.Name", nil, "required for CredentialQuery")
		}
		if p.cred.Prefix != "" {
			return nil, configError("Credential.Prefix", nil, "only for CredentialHeader")
		}
		if p.url.hasQueryKey(p.cred.Name) {
			return nil, configError("Credential.Name", nil, "the URL already sets query param %q", p.cred.Name)
		}
	case CredentialHeader:
		if !validHeaderName(p.cred.Name) {
			return nil, configError("Credential.Name", nil, "%q is not a valid header name", p.cred.Name)
		}
		if !validHeaderValue(p.cred.Prefix) {
			return nil, configError("Credential.Prefix", nil, "control characters are not allowed")
		}
		reserved[http.CanonicalHeaderKey(p.cred.Name)] = "Credential.Name"
	case CredentialBearer:
		if p.cred.Name != "" || p.cred.Prefix != "" {
			return nil, configError("Credential", nil, "Name and Prefix are fixed for CredentialBearer")
		}
		reserved["Authorization"] = "Credential"
	default:
		return nil, configError("Credential.In", nil, "unknown placement %d", p.cred.In)
	}

	if s := cfg.Signing; s != nil {
		p.signer = &signer{
			key:             s.Key,
			header:          s.Header,
			timestampHeader: s.TimestampHeader,
			rfc3339:         s.RFC3339Timestamp,
			base64:          s.Base64,
		}
		if p.signer.header == "" {
			p.signer.header = "X-Signature"
		}
		if p.signer.timestampHeader == "" {
			p.signer.timestampHeader = "X-Timestamp"
		}
		for _, fh := range [...]struct{ field, h string }{
			{"Signing.Header", p.signer.header},
			{"Signing.TimestampHeader", p.signer.timestampHeader},
		} {
			field, h := fh.field, fh.h
			if !validHeaderName(h) {
				return nil, configError(field, nil, "%q is not a valid header name", h)
			}
			ch := http.CanonicalHeaderKey(h)
			if other, ok := reserved[ch]; ok {
				return nil, configError(field, nil, "%q is already used by %s", h, other)
			}
			reserved[ch] = field
		}
	}

	p.headers = http.Header{}
	for _, name := range slices.Sorted(maps.Keys(cfg.Headers)) { // sorted: the first bad one reported is stable
		v := cfg.Headers[name]
		field := "Headers[" + name + "]"
		if !validHeaderName(name) {
			return nil, configError(field, nil, "not a valid header name")
		}
		if !validHeaderValue(v) {
			return nil, configError(field, nil, "control characters are not allowed in the value")
		}
		ch := http.CanonicalHeaderKey(name)
		switch ch {
		case "Host", "Content-Length":
			return nil, configError(field, nil, "set by the client, not configurable")
		case "Content-Type":
			if p.body != nil {
				return nil, configError(field, nil, "the body is JSON; Content-Type is application/json")
			}
		}
		if other, ok := reserved[ch]; ok {
			return nil, configError(field, nil, "already used by %s", other)
		}
		p.headers.Set(ch, v)
	}
	if p.headers.Get("Accept") == "" {
		p.headers.Set("Accept", "application/json")
	}
	if p.body != nil {
		p.headers.Set("Content-Type", "application/json")
	}

	if cfg.Value == "" {
		return nil, configError("Value", nil, "required: the path to the value in the response")
	}
	if p.value, err = parsePath(cfg.Value); err != nil {
		return nil, configError("Value", err, "%q: %v", cfg.Value, err)
	}
	if p.parseValue == nil {
		p.parseValue = ParseNumber
	}
	if cfg.Timestamp != "" {
		tp, err := parsePath(cfg.Timestamp)
		if err != nil {
			return nil, configError("Timestamp", err, "%q: %v", cfg.Timestamp, err)
		}
		p.timestamp = &tp
	} else if cfg.ParseTimestamp != nil {
		return nil, configError("ParseTimestamp", nil, "set without a Timestamp path")
	}
	if p.parseTimestamp == nil {
		p.parseTimestamp = TimeLayout(time.RFC3339)
	}

	for i, r := range cfg.ErrorRules {
		field := fmt.Sprintf("ErrorRules[%d]", i)
		pr, err := parsePath(r.Path)
		if err != nil {
			return nil, configError(field+".Path", err, "%q: %v", r.Path, err)
		}
		if r.Class == providers.Canceled || !slices.Contains(providers.Classes[:], r.Class) {
			return nil, configError(field+".Class", nil, "%v cannot be reported by a response", r.Class)
		}
		if r.RetryAfter < 0 {
			return nil, configError(field+".RetryAfter", nil, "negative")
		}
		if r.Status != 0 && (r.Status < 100 || r.Status > 599) {
			return nil, configError(field+".Status", nil, "%d is not an HTTP status", r.Status)
		}
		cr := rule{path: pr, status: r.Status, contains: strings.ToLower(r.Contains), empty: r.Empty,
			class: r.Class, desc: r.Description, retryAfter: r.RetryAfter}
		if r.Message != "" {
			mp, err := parsePath(r.Message)
			if err != nil {
				return nil, configError(field+".Message", err, "%q: %v", r.Message, err)
			}
			cr.message = &mp
		}
		p.rules = append(p.rules, cr)
	}

	switch {
	case p.maxBody == 0:
		p.maxBody = DefaultMaxBodyBytes
	case p.maxBody < 0:
		return nil, configError("MaxBodyBytes", nil, "negative")
	}
	for i, h := range cfg.AllowRedirectHosts {
		if !validRedirectHost(h) {
			return nil, configError(fmt.Sprintf("AllowRedirectHosts[%d]", i), nil, "%q: want host or host:port", h)
		}
	}
	p.redirectHosts = slices.Clone(cfg.AllowRedirectHosts)

	client := *cfg.Client // a shallow copy: the host's client is not modified
	orig := cfg.Client.CheckRedirect
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := p.checkRedirect(req, via); err != nil {
			return err
		}
		p.withholdCredential(req)
		if orig != nil {
			return orig(req, via)
		}
		if len(via) >= 10 { // net/http's default policy
			return errTooManyRedirects
		}
		return nil
	}
	p.client = &client
	return p, nil
}

// Params lists the params the provider reads from a request, in template
// order: what the resolver must pass it, and all it needs to see.
func (p *Provider) Params() []string {
	names := p.url.params()
	if p.body != nil {
		names = append(names, p.body.params...)
	}
	var out []string
	for _, n := range names {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// checkRedirect refuses a redirect to a host not allowed, or from https
// to http.
func (p *Provider) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > 0 && via[len(via)-1].URL.Scheme == "https" && req.URL.Scheme != "https" {
		return &redirectError{detail: "from https to " + strconv.Quote(req.URL.Scheme)}
	}
	if strings.EqualFold(req.URL.Host, p.url.host) {
		return nil
	}
	for _, h := range p.redirectHosts {
		if strings.EqualFold(req.URL.Host, h) || (!strings.Contains(h, ":") && strings.EqualFold(req.URL.Hostname(), h)) {
			return nil
		}
	}
	return &redirectError{detail: "to host " + strconv.Quote(req.URL.Host)}
}

// withholdCredential strips from a redirect to another host than the
// URL's own (one AllowRedirectHosts lets through) what would carry the
// credential there: the header it travels in (net/http copies custom
// headers on a redirect, Authorization too to a subdomain), the query
// param, the Referer net/http sets from the previous URL — which, with
// CredentialQuery, holds the credential — and, with Signing, the
// signature and timestamp headers, which the origin accepts for the
// original request for as long as it tolerates clock skew: another host
// holding them could replay it.
func (p *Provider) withholdCredential(req *http.Request) {
	if strings.EqualFold(req.URL.Host, p.url.host) {
		return
	}
	req.Header.Del("Referer")
	if p.signer != nil {
		req.Header.Del(p.signer.header)
		req.Header.Del(p.signer.timestampHeader)
	}
	switch p.cred.In {
	case CredentialHeader:
		req.Header.Del(p.cred.Name)
	case CredentialBearer:
		req.Header.Del("Authorization")
	case CredentialQuery:
		if q := req.URL.Query(); q.Has(p.cred.Name) {
			q.Del(p.cred.Name)
			req.URL.RawQuery = q.Encode()
		}
	}
}

// Fetch sends the request described by the Config with req's params and
// credential, and returns the value the Value path selects.
//
// Every failure is a *providers.Error:
//
//   - a missing or unusable param: Permanent, nothing sent;
//   - no credential where one is attached or signs: Auth, nothing sent;
//   - ctx done: Canceled or, for a deadline, Transient, wrapping ctx.Err();
//   - a transport error (no connection, a reset or dropped connection, a
//     timeout, a body cut short): classified by providers.Classify,
//     wrapping ErrTransport;
//   - a refused redirect: Unavailable;
//   - a response matching an ErrorRule: the rule's class;
//   - any other status outside 2xx: providers.ClassForStatus, with
//     Retry-After (both forms) in RetryAfter;
//   - a body over MaxBodyBytes, not decodable as its Content-Encoding
//     says (corrupt gzip: not gzip, a bad checksum or bad data), not JSON,
//     without the value or with an unparsable value or timestamp, or a
//     timestamp that parses to the zero time (0001-01-01T00:00:00Z, which
//     as ObservedAt would read as now): DataQuality.
//
// The request itself never goes into an error: errors name it by its
// method and URL template ("GET https://api.example.com/v1/{symbol}/quote"),
// never by the params' values, the query, the headers or the body. Of a
// transport's error — net/http's *url.Error quotes the whole URL — only
// what cannot quote the request is kept: the context's errors, syscall
// errnos (a refused or reset connection), *net.OpError and *net.DNSError
// rebuilt from their addresses and reasons, EOF, certificate errors and a
// refused redirect's host; anything else is named by its type, its text
// withheld. errors.Is and errors.As still find context.Canceled,
// context.DeadlineExceeded, and a timeout (a net.Error whose Timeout is
// true). Text quoted from the response (a body snippet, an API's
// message) is redacted of the credential, in any of its escapings, nested
// up to three deep (a page quoting the query-escaped request URI), which
// read providers.Redacted.
//
// The call is bound to ctx: a server that trickles its body is cut off at
// ctx's deadline, and a transport that ignores ctx — while it waits for
// the headers, or behind a body whose Close cannot unblock a read — is
// abandoned then: Fetch returns at ctx's end whatever transport the
// client uses, and the abandoned call ends on its own.
func (p *Provider) Fetch(ctx context.Context, req providers.Request) (providers.Response, error) {
	red := newRedactor(req.Credential)
	if p.signer != nil {
		red = newRedactor(req.Credential, p.signer.key)
	}
	resp, perr := p.fetch(ctx, req, red)
	if perr != nil {
		// Every cause was built from redacted parts; this is the last
		// guard, for text that came from elsewhere (the host's transport,
		// its CheckRedirect).
		perr.Err = red.scrub(perr.Err) // as it is when it holds no secret
		return providers.Response{}, perr
	}
	return resp, nil
}

func (p *Provider) fetch(ctx context.Context, req providers.Request, red redactor) (providers.Response, *providers.Error) {
	if err := ctx.Err(); err != nil {
		return providers.Response{}, providers.NewError(providers.Classify(err), err)
	}
	rawURL, err := p.url.expand(req.Params)
	if err != nil {
		return providers.Response{}, providers.NewError(providers.Permanent, err)
	}
	var body []byte
	if p.body != nil {
		if body, err = p.body.expand(req.Params); err != nil {
			return providers.Response{}, providers.NewError(providers.Permanent, err)
		}
	}
	cred := req.Credential.Reveal()
	if p.cred.In != CredentialNone && cred == "" {
		return providers.Response{}, providers.NewError(providers.Auth,
			fmt.Errorf("%w: the request carries no credential", ErrNoCredential))
	}
	if (p.cred.In == CredentialHeader || p.cred.In == CredentialBearer) && !validHeaderValue(cred) {
		return providers.Response{}, providers.NewError(providers.Auth,
			fmt.Errorf("%w: the credential holds characters a header cannot carry", ErrNoCredential))
	}

	var bodyReader io.Reader
	if body != nil {
		bodyReader = bytes.NewReader(body)
	}
	hreq, err := http.NewRequestWithContext(ctx, p.method, rawURL, bodyReader)
	if err != nil {
		// Not the parse error: it quotes the URL, values and all.
		return providers.Response{}, providers.NewError(providers.Permanent,
			fmt.Errorf("%w: %s: the URL built from the params does not parse", ErrInvalidParam, p.where))
	}
	where := p.where
	for k, v := range p.headers {
		hreq.Header[k] = slices.Clone(v)
	}
	switch p.cred.In {
	case CredentialQuery:
		q := p.cred.Name + "=" + url.QueryEscape(cred)
		if hreq.URL.RawQuery == "" {
			hreq.URL.RawQuery = q
		} else {
			hreq.URL.RawQuery += "&" + q
		}
	case CredentialHeader:
		hreq.Header.Set(p.cred.Name, p.cred.Prefix+cred)
	case CredentialBearer:
		hreq.Header.Set("Authorization", "Bearer "+cred)
	}
	if p.signer != nil {
		key := p.signer.key.Reveal()
		if key == "" {
			key = cred
		}
		if key == "" {
			return providers.Response{}, providers.NewError(providers.Auth,
				fmt.Errorf("%w: signing needs a key and the request carries no credential", ErrNoCredential))
		}
		ts := p.signer.timestamp(time.Now())
		hreq.Header.Set(p.signer.timestampHeader, ts)
		canon := canonicalString(p.method, hreq.URL.EscapedPath(), hreq.URL.RawQuery, ts, body)
		hreq.Header.Set(p.signer.header, p.signer.sign([]byte(key), canon))
	}

	ex, waited := p.exchange(ctx, hreq)
	if !waited {
		// The transport did not give up at ctx's end: its call is
		// abandoned, and ends (its body closed) on its own.
		return providers.Response{}, providers.NewError(providers.Classify(ctx.Err()), newTransportError(ctx, where, ex.during, ctx.Err()))
	}
	resp, err := ex.resp, ex.err
	if err != nil {
		class := providers.Classify(err)
		if errors.Is(err, ErrRedirectRefused) {
			class = providers.Unavailable
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			class = providers.Classify(ctxErr)
		}
		return providers.Response{}, providers.NewError(class, newTransportError(ctx, where, "", err))
	}

	now := time.Now()
	status := resp.StatusCode
	retryAfter := parseRetryAfter(resp.Header, now)
	data, readErr := ex.data, ex.readErr
	garbled := readErr != nil && undecodable(readErr) // arrived whole, does not decode
	if readErr != nil && !errors.Is(readErr, ErrBodyTooLarge) && !garbled {
		class := providers.Transient
		if ctxErr := ctx.Err(); ctxErr != nil {
			class = providers.Classify(ctxErr)
		}
		return providers.Response{}, &providers.Error{Class: class, StatusCode: status, RetryAfter: retryAfter,
			Err: newTransportError(ctx, where, "reading the body", readErr)}
	}
	success := status >= 200 && status <= 299

	var (
		doc    any
		docErr = readErr
	)
	if docErr == nil {
		doc, docErr = decodeJSON(data)
	}
	if docErr == nil {
		for i := range p.rules {
			r := &p.rules[i]
			if r.status == 0 && overloaded(status) {
				continue // the status says it: see ErrorRule
			}
			msg, ok := r.match(status, doc)
			if !ok {
				continue
			}
			ra := retryAfter
			if ra == 0 {
				ra = r.retryAfter
			}
			return providers.Response{}, &providers.Error{Class: r.class, StatusCode: status, RetryAfter: ra,
				Err: fmt.Errorf("%w: %s: %s", ErrAPI, where, snippet(red, msg))}
		}
	}
	if !success {
		detail := ""
		if readErr == nil && len(data) > 0 {
			detail = ": " + snippet(red, string(data))
		}
		return providers.Response{}, providers.StatusError(status, retryAfter,
			fmt.Errorf("%w: %s: %d %s%s", ErrStatus, where, status, http.StatusText(status), detail))
	}
	if garbled {
		return providers.Response{}, &providers.Error{Class: providers.DataQuality, StatusCode: status,
			Err: fmt.Errorf("%w: %s: the body does not decode as its Content-Encoding says: %s",
				ErrBadBody, where, red.string(readErr.Error()))}
	}
	if readErr != nil {
		return providers.Response{}, &providers.Error{Class: providers.DataQuality, StatusCode: status,
			Err: fmt.Errorf("%w: %s: over %d bytes", ErrBodyTooLarge, where, p.maxBody)}
	}
	if docErr != nil {
		return providers.Response{}, &providers.Error{Class: providers.DataQuality, StatusCode: status,
			Err: fmt.Errorf("%w: %s: %s", ErrBadBody, where, red.string(docErr.Error()))}
	}

	out := providers.Response{Quota: parseQuota(resp.Header, now)}
	if out.Value, err = p.extractValue(doc, red); err != nil {
		return providers.Response{}, &providers.Error{Class: providers.DataQuality, StatusCode: status,
			Err: fmt.Errorf("%s: %w", where, err)}
	}
	if p.timestamp != nil {
		if out.ObservedAt, err = p.extractTimestamp(doc, red); err != nil {
			return providers.Response{}, &providers.Error{Class: providers.DataQuality, StatusCode: status,
				Err: fmt.Errorf("%s: %w", where, err)}
		}
	}
	return out, nil
}

// extractValue selects and parses the value. Its errors wrap ErrNoValue or
// ErrBadValue. It never panics, whatever doc holds.
func (p *Provider) extractValue(doc any, red redactor) (float64, error) {
	n, err := p.value.eval(doc)
	if err != nil {
		return 0, fmt.Errorf("%w %q: %s", ErrNoValue, p.value.src, red.string(err.Error()))
	}
	text, err := scalarText(n.v)
	if err != nil {
		return 0, fmt.Errorf("%w %q: %v", ErrNoValue, p.value.src, err)
	}
	v, err := p.parseValue(text)
	if err != nil {
		return 0, fmt.Errorf("%w: %s at %q: %s", ErrBadValue, quoteInput(red, text), p.value.src, parseReason(red, err))
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%w: %s at %q parsed to %v", ErrBadValue, quoteInput(red, text), p.value.src, v)
	}
	return v, nil
}

// extractTimestamp selects and parses the timestamp; its errors wrap
// ErrNoValue or ErrBadTimestamp. A timestamp that parses to the zero time
// is ErrBadTimestamp: Response.ObservedAt's zero means now.
func (p *Provider) extractTimestamp(doc any, red redactor) (time.Time, error) {
	n, err := p.timestamp.eval(doc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w %q: %s", ErrNoValue, p.timestamp.src, red.string(err.Error()))
	}
	text, err := scalarText(n.v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w %q: %v", ErrNoValue, p.timestamp.src, err)
	}
	t, err := p.parseTimestamp(text)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %s at %q: %s", ErrBadTimestamp, quoteInput(red, text), p.timestamp.src, parseReason(red, err))
	}
	if t.IsZero() {
		// The zero date an API writes for "unknown" (.NET's
		// DateTime.MinValue, Go's time.Time{}): as ObservedAt it would
		// read as now, and an answer of unknown age be served as fresh.
		return time.Time{}, fmt.Errorf("%w: %s at %q is the zero time (0001-01-01T00:00:00Z), a placeholder, not an observation time",
			ErrBadTimestamp, quoteInput(red, text), p.timestamp.src)
	}
	return t, nil
}

// quoteInput quotes a value or timestamp that did not parse as a snippet
// does (at most snippetLen bytes, redacted, cut before a word), with its
// length when it was cut.
func quoteInput(red redactor, text string) string {
	q := strconv.Quote(snippet(red, text))
	if len(text) > snippetLen {
		q += fmt.Sprintf(" (%d bytes)", len(text))
	}
	return q
}

// parseReason says why a parser refused a value or timestamp without
// quoting it again: strconv's and time's errors quote their whole input
// (a 900 KiB value made a 0.9 MB error), which quoteInput has quoted, cut.
// Of a *strconv.NumError it keeps the reason ("invalid syntax"), of a
// *time.ParseError the element that failed, cut; any other parser's text
// is cut like a snippet.
func parseReason(red redactor, err error) string {
	var ne *strconv.NumError
	if errors.As(err, &ne) && ne.Err != nil {
		return ne.Err.Error()
	}
	var te *time.ParseError
	if errors.As(err, &te) {
		if te.Message != "" {
			return snippet(red, strings.TrimPrefix(te.Message, ": "))
		}
		return fmt.Sprintf("cannot parse %q as %q", snippet(red, te.ValueElem), truncate(te.LayoutElem, 40))
	}
	return snippet(red, err.Error())
}

// overloaded reports whether status says the server is busy or down (429,
// 5xx): a class the status gives whatever the body says, unless a rule
// names that status.
func overloaded(status int) bool { return status == http.StatusTooManyRequests || status >= 500 }

// exchanged is what one request got: the response (its body read and
// closed: data, readErr) or the transport's error; during says which step
// a call abandoned was in.
type exchanged struct {
	resp    *http.Response
	err     error
	data    []byte
	readErr error
	during  string
	panicV  any // what the host's transport or CheckRedirect panicked with
}

// exchange sends hreq and reads its response's body, in a goroutine of its
// own, and waits for it until ctx is done; waited is false when ctx ended
// first. The transport should give up at ctx's end, and the body is closed
// then to unblock a read in progress (a trickling server); a transport
// that does neither holds only that goroutine, never the caller.
func (p *Provider) exchange(ctx context.Context, hreq *http.Request) (ex exchanged, waited bool) {
	done := make(chan exchanged, 1)
	var reading atomic.Bool // the headers came: the body is being read
	go func() {
		var ex exchanged
		defer func() {
			// A panic in the host's transport is the caller's to see (the
			// resolver contains a provider's panic), not this goroutine's
			// to crash the process with.
			if v := recover(); v != nil {
				ex = exchanged{panicV: v}
			}
			done <- ex
		}()
		ex.resp, ex.err = p.client.Do(hreq)
		if ex.err != nil {
			return
		}
		defer ex.resp.Body.Close()
		reading.Store(true)
		stop := context.AfterFunc(ctx, func() { ex.resp.Body.Close() })
		defer stop()
		ex.data, ex.readErr = readBody(ex.resp, p.maxBody)
	}()
	select {
	case ex := <-done:
		return repanic(ex), true
	case <-ctx.Done():
	}
	select {
	case ex := <-done: // it ended with ctx: its own account is better
		return repanic(ex), true
	default:
		var ex exchanged
		if reading.Load() {
			ex.during = "reading the body"
		}
		return ex, false
	}
}

// repanic raises, in the caller's goroutine, a panic the exchange's
// goroutine recovered; otherwise it returns ex. (A call abandoned at ctx's
// end that panics later panics into nobody: it is dropped.)
func repanic(ex exchanged) exchanged {
	if ex.panicV != nil {
		panic(ex.panicV)
	}
	return ex
}

// undecodable reports whether err, reading a body, says that the body
// arrived but does not decode as its Content-Encoding says (net/http
// decompresses gzip itself): not gzip, a bad checksum, corrupt deflate
// data — the server's answer, garbage every time it is asked. A body cut
// short (io.ErrUnexpectedEOF), a reset or a timeout is the transport's.
func undecodable(err error) bool {
	var corrupt flate.CorruptInputError
	return errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) || errors.As(err, &corrupt)
}

// readBody reads at most max bytes of the body; more is ErrBodyTooLarge.
func readBody(resp *http.Response, max int64) ([]byte, error) {
	if resp.ContentLength > max {
		return nil, ErrBodyTooLarge
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, ErrBodyTooLarge
	}
	return data, nil
}

// snippet quotes at most snippetLen bytes of s for an error message:
// redacted first (so a secret cut in two by the truncation cannot
// survive), valid UTF-8, control characters as spaces, and, when s is
// longer, cut before the word the cut would fall in and marked "…". The
// resolver redacts a sensitive param's value afterwards only in runs of
// redact.MinRun characters: a cut inside the value (a body that echoes a
// phone number across byte 200) would leave it a shorter piece.
func snippet(red redactor, s string) string {
	cut := false
	// An escaped form of a secret is longer than the secret (eight times
	// for &commat;, more escaped again); the room kept past snippetLen
	// lets most stay whole, and a word cut here is dropped whole, before
	// redaction, so no form is left in a piece redaction would miss.
	if keep := snippetLen + 8*red.longest(); len(s) > keep {
		s, cut = cutWord(s, keep), true
	}
	s = red.string(s)
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	s = strings.TrimSpace(s)
	if len(s) > snippetLen {
		s, cut = cutWord(s, snippetLen), true
	}
	if cut {
		s = strings.TrimRightFunc(s, unicode.IsSpace) + "…"
	}
	return s
}

// truncate cuts s to at most n bytes before the word the cut would fall
// in (see cutWord), marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.TrimRightFunc(cutWord(s, n), unicode.IsSpace) + "…"
}

// cutWord returns the longest prefix of s of at most n bytes that ends on
// a character boundary and not inside a word: when the cut falls between
// two characters of one word, the word's start is the cut, even when
// that leaves nothing. A word is a run of characters that are not spaces,
// control characters, quotes, brackets of any kind or commas (see
// inWord): a number, a name, an e-mail address, a token, a URL.
func cutWord(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	if r, _ := utf8.DecodeRuneInString(s[n:]); !inWord(r) {
		return s[:n]
	}
	for n > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:n])
		if !inWord(r) {
			break
		}
		n -= size
	}
	return s[:n]
}

// inWord reports whether r belongs to a word: it is none of the
// separators a response's text puts between values — spaces, control
// characters, quotes, brackets, commas — nor a non-ASCII character other
// than a letter, digit or mark. Anything else, the punctuation of an
// e-mail address, a phone number, a URL or an escape (@ . - + / % & ; \)
// included, is part of the word.
func inWord(r rune) bool {
	switch {
	case r == utf8.RuneError:
		return true // not UTF-8: kept with its neighbours
	case r < utf8.RuneSelf:
		return r > ' ' && r != 0x7f && !strings.ContainsRune("\"'`<>()[]{},", r)
	default:
		return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
	}
}
