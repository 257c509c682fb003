package httpjson

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
)

const fuzzTemplate = "https://api.example.com:8443/v1/{a}/x/{b}?k={c}&lit=1&opt={d?}"

// FuzzExpandURL checks that, whatever the params hold, the URL built from
// the template parses, keeps the template's scheme, host and path prefix,
// has exactly the template's path segments and query keys, and carries
// each param back unchanged.
func FuzzExpandURL(f *testing.F) {
	f.Add("IBM", "5min", "x", "")
	f.Add("../../admin", "a/b?c#d", "v&k=evil", "o=1&p")
	f.Add("%2e%2e", "..", "\x00\r\n", "é")
	f.Add("@evil.example.net", "\\", "+ %20", " ")
	f.Add(".", "//", "#", "?")
	tm, err := parseURLTemplate(fuzzTemplate)
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, a, b, c, d string) {
		params := map[string]string{"a": a, "b": b, "c": c, "d": d}
		raw, err := tm.expand(params)
		if err != nil {
			bad := func(s string) bool { return s == "" || s == "." || s == ".." }
			require.ErrorIs(t, err, ErrInvalidParam, "expand(%q)", params)
			require.True(t, bad(a) || bad(b), "expand(%q): %v", params, err)
			return
		}
		u, err := url.Parse(raw)
		require.NoError(t, err, "%q does not parse", raw)
		require.Equal(t, "https", u.Scheme, "%q left the configured origin", raw)
		require.Equal(t, "api.example.com:8443", u.Host, "%q left the configured origin", raw)
		require.Nil(t, u.User, "%q left the configured origin", raw)
		require.Empty(t, u.Fragment, "%q left the configured origin", raw)
		require.True(t, strings.HasPrefix(u.EscapedPath(), tm.prefix+"/"), "%q left the path prefix %q", raw, tm.prefix)
		segs := strings.Split(u.EscapedPath(), "/")
		require.Len(t, segs, 5, "%q: path segments %q, want [\"\" v1 {a} x {b}]", raw, segs)
		require.Equal(t, "v1", segs[1], raw)
		require.Equal(t, "x", segs[3], raw)
		for i, want := range map[int]string{2: a, 4: b} {
			got, err := url.PathUnescape(segs[i])
			require.NoError(t, err, "%q: segment %d", raw, i)
			require.Equal(t, want, got, "%q: segment %d", raw, i)
		}
		q, err := url.ParseQuery(u.RawQuery)
		require.NoError(t, err, "%q: query does not parse", raw)
		wantKeys := 2
		if d != "" {
			wantKeys = 3
			require.Equal(t, []string{d}, q["opt"], "%q: opt", raw)
		}
		require.Len(t, q, wantKeys, "%q: query %v", raw, q)
		require.Equal(t, []string{c}, q["k"], "%q: k", raw)
		require.Equal(t, "1", q.Get("lit"), "%q: lit", raw)
		// The client accepts it as is.
		req, err := http.NewRequest(http.MethodGet, raw, nil)
		require.NoError(t, err, "http.NewRequest(%q)", raw)
		require.Equal(t, "api.example.com:8443", req.URL.Host, "http.NewRequest(%q)", raw)
	})
}

// FuzzExtract feeds arbitrary bodies through Fetch: it must never panic,
// and every failure must be a DataQuality *providers.Error with one of the
// extraction sentinels; every success must be finite.
func FuzzExtract(f *testing.F) {
	f.Add([]byte(`{"series":{"2024-03-01":{"close":"188.2"}},"obs":[{"date":"2024-03-01","value":"4.2"}]}`))
	f.Add([]byte(`{"series":{},"obs":[{"date":"2024-03-01","value":"."}]}`))
	f.Add([]byte(`{"series":{"x":{"close":"NaN"}}}`))
	f.Add([]byte(`[{"message":[{"id":"120"}]}]`))
	f.Add([]byte(`{"series":{"2024":{"close":1e400}}}`))
	f.Add([]byte(`{"obs":[{"date":null,"value":7}],"series":{"9":{"close":[[[[]]]]}}}`))
	f.Add([]byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, cfg := range []Config{
			{Value: `series[-1].close`, Timestamp: `series[-1]~`, ParseTimestamp: TimeLayout("2006-01-02")},
			{Value: `obs[?value!="."][-1].value`, Timestamp: `obs[?value!="."][-1].date`, ParseTimestamp: TimeLayout("2006-01-02")},
			{Value: `[1][?value][0].value`},
		} {
			cfg.Client = memClient(reply(200, string(body)))
			cfg.URL = "https://api.example.com/v1"
			p, err := New(cfg)
			require.NoError(t, err)
			res, err := p.Fetch(context.Background(), providers.Request{})
			if err == nil {
				require.False(t, math.IsNaN(res.Value) || math.IsInf(res.Value, 0), "body %q: non-finite value %v", body, res.Value)
				continue
			}
			var pe *providers.Error
			require.ErrorAs(t, err, &pe, "body %q", body)
			require.Equal(t, providers.DataQuality, pe.Class, "body %q: %v", body, err)
			require.True(t, errors.Is(err, ErrBadBody) || errors.Is(err, ErrNoValue) || errors.Is(err, ErrBadValue) ||
				errors.Is(err, ErrBadTimestamp) || errors.Is(err, ErrBodyTooLarge), "body %q: %v wraps no extraction sentinel", body, err)
		}
	})
}

// FuzzPath compiles arbitrary paths and evaluates the ones that compile:
// no panic, and an error rather than a result for a filter left unindexed.
func FuzzPath(f *testing.F) {
	for _, s := range []string{`a.b[0]`, `["x y"][-1]~`, `o[?v!="."][0].v`, `[?a==1.5e3][0]`, `a[?"q"==null][1]`, `x]`, `[`} {
		f.Add(s)
	}
	doc, err := decodeJSON([]byte(pathDoc))
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parsePath(s)
		if err != nil {
			return
		}
		n, err := p.eval(doc)
		if len(p.steps) > 0 && p.steps[len(p.steps)-1].kind == stepFilter {
			require.Error(t, err, "%q: a path ending in a filter selected %v", s, n.v)
		}
	})
}

// FuzzRateLimitHeaders checks that arbitrary Retry-After and rate-limit
// headers never panic and never produce a negative wait or count.
func FuzzRateLimitHeaders(f *testing.F) {
	f.Add("120", "5000", "4999", "1709298000", `"default";r=50;t=30`, `"default";q=100;w=60`)
	f.Add("Fri, 01 Mar 2024 12:01:30 GMT", "", "", "", `limit=1, remaining=0, reset=9`, "")
	f.Add("-1", "x", "-5", "99999999999999999999", `;;;=,,`, `"a;b";q=-1`)
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, retryAfter, limit, remaining, reset, rl, policy string) {
		h := http.Header{}
		h.Set("Retry-After", retryAfter)
		h.Set("X-RateLimit-Limit", limit)
		h.Set("RateLimit-Remaining", remaining)
		h.Set("RateLimit-Reset", reset)
		h.Set("RateLimit", rl)
		h.Set("RateLimit-Policy", policy)
		require.GreaterOrEqual(t, parseRetryAfter(h, now), time.Duration(0), "Retry-After %q", retryAfter)
		if q := parseQuota(h, now); q != nil {
			require.GreaterOrEqual(t, q.Limit, int64(0), "negative quota %+v", q)
			require.GreaterOrEqual(t, q.Remaining, int64(0), "negative quota %+v", q)
		}
	})
}
