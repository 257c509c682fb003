// Package httpjson adapts a JSON API, reached through the host's own
// *http.Client, to providers.Provider.
//
// A Config says how to build the request — a URL template, method,
// headers, how the credential is attached, optional HMAC signing — and
// where the value (and, optionally, its timestamp) sits in the response.
// New validates it once (an invalid Config is a *ConfigError naming the
// field); Fetch then turns each providers.Request into one HTTP request
// and the response into a providers.Response or a classified
// *providers.Error.
//
// A Mux serves a fixed set of data types, each with a Config of its own:
// the context checked first, any other data type refused, DataTypes and
// Params answered for the resolver. The adapters for real APIs
// (providers/alphavantage, providers/fred, providers/worldbank) are a Mux
// each, reporting their failures under their own sentinels.
//
// # Ownership of I/O
//
// strata opens no sockets: the host passes its *http.Client in
// Config.Client (required; nil is a config error rather than a silent
// http.DefaultClient). TLS, proxies, connection pooling and the client's
// own Timeout stay the host's. The package never reads the environment
// and never logs; the credential comes from Request.Credential, which the
// host's providers.Credentials supplies at call time.
//
// # URL templates
//
// A placeholder {name} stands for a whole path segment or a whole query
// value; it is escaped for where it sits, so a param cannot add a path
// segment, a query pair or change the host:
//
//	https://api.example.com/v1/{symbol}/quote?interval={interval}&limit={limit?}
//
// A path-segment param may not be empty, "." or "..". {name?} marks an
// optional query value whose pair is dropped when the param is absent or
// empty. Params the template does not name are ignored; Params lists the
// ones it does.
//
// # Paths
//
// Config.Value, Config.Timestamp and ErrorRule paths select one node of the
// response. A path is a sequence of steps:
//
//	name         an object member by bare name: any characters but . [ ] ~ "
//	             (spaces allowed: Global Quote). It may start the path;
//	             after the first step it is written .name
//	["name"]     an object member by quoted name — a JSON string, for names
//	             with dots or brackets: ["05. price"]
//	[i]          the i-th array element, from 0; negative counts from the
//	             end ([-1] is the last). On an object, the members in
//	             byte-wise key order: [-1] is the member with the greatest
//	             key, e.g. the latest ISO date
//	[?name]      a filter: the elements (of an array, or an object's
//	             members in key order) that are objects whose member name
//	             is present and not null
//	[?name==lit] [?name!=lit]
//	             the same, keeping those whose member is present and equal
//	             (or not equal) to lit, a JSON string, number, true, false
//	             or null; numbers compare by value
//	~            last, alone: the key of the node reached — its member name
//	             or its array index as decimal — instead of its value
//
// A filter's result must be indexed before another member step:
//
//	["Global Quote"]["05. price"]       Alpha Vantage's quote
//	["Time Series (Daily)"][-1]~        the latest day, as its key
//	observations[?value!="."][0].value  FRED's latest real observation
//	[1][?value][0].date                 World Bank's latest non-null year
//
// Evaluation never panics; a path that selects nothing, or selects
// something that is neither a number nor a string, is ErrNoValue, a
// DataQuality failure.
//
// # Classification
//
// Each response is first tested against Config.ErrorRules, which recognise
// API error bodies (a 200 whose body says "rate limit", a 400 whose
// error_message blames the key); the first rule that matches sets the
// class — but a rule without a Status is not tried on a 429 or 5xx, whose
// status stands (see ErrorRule). Otherwise a status outside 2xx is classified by
// providers.ClassForStatus — 429 RateLimit, 401 and 403 Auth, 503
// Unavailable (maintenance), other 5xx and 408 Transient, other 4xx
// Permanent — and Retry-After, as delay-seconds or as an HTTP-date, is
// carried in Error.RetryAfter. The provider's quota as it reports it in
// X-RateLimit-* or the IETF draft RateLimit-* headers is returned in
// Response.Quota for the router.
//
// # Limits and redirects
//
// The body is read up to Config.MaxBodyBytes (1 MiB by default), and the
// read stops when ctx is done, even against a server that trickles bytes.
// A redirect may go to the URL's own host or to one listed in
// Config.AllowRedirectHosts, never from https to http; anything else fails
// as Unavailable. Beyond that, the host client's own CheckRedirect applies.
// Note that a redirect invalidates a request signature (it covers the
// original path), so signed APIs should not redirect. A redirect to a
// listed host carries neither the credential (its header, its query
// param, the Referer) nor Signing's signature and timestamp headers.
//
// # Secrets and sensitive values
//
// The request itself never goes into an error Fetch returns: errors name
// it by its method and URL template, never by the params' values, the
// query (the credential's too), the headers or the body. A transport
// error — net/http's *url.Error quotes the whole URL — is rebuilt from
// what cannot quote the request, and still matches context.Canceled,
// context.DeadlineExceeded and timeouts with errors.Is and errors.As (see
// Provider.Fetch). Text quoted from the response is redacted of the
// credential, in case the API echoes the key: as is, percent-, JSON- or
// HTML-escaped, escaped again up to three levels deep, in any letter case,
// and any run of 8 of its characters. A quote keeps at most 200 bytes of
// the text; a longer one is cut before the word the cut falls in (anything
// between spaces, quotes, brackets and commas) and marked "…", so that the
// cut leaves no piece of a sensitive value too short for the resolver's
// redaction to recognise.
//
// # Signing
//
// With Config.Signing, each request carries an HMAC-SHA256 signature over
// a canonical string of method, path, sorted query, timestamp and body
// hash; see Signing for the exact string and the clock-skew tolerance a
// verifying server should apply.
package httpjson
