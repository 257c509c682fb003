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
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, a, b, c, d string) {
		params := map[string]string{"a": a, "b": b, "c": c, "d": d}
		raw, err := tm.expand(params)
		if err != nil {
			bad := func(s string) bool { return s == "" || s == "." || s == ".." }
			if !errors.Is(err, ErrInvalidParam) || !(bad(a) || bad(b)) {
				t.Fatalf("expand(%q): %v", params, err)
			}
			return
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("%q does not parse: %v", raw, err)
		}
		if u.Scheme != "https" || u.Host != "api.example.com:8443" || u.User != nil || u.Fragment != "" {
			t.Fatalf("%q left the configured origin: scheme %q host %q", raw, u.Scheme, u.Host)
		}
		if !strings.HasPrefix(u.EscapedPath(), tm.prefix+"/") {
			t.Fatalf("%q left the path prefix %q", raw, tm.prefix)
		}
		segs := strings.Split(u.EscapedPath(), "/")
		if len(segs) != 5 || segs[1] != "v1" || segs[3] != "x" {
			t.Fatalf("%q: path segments %q, want [\"\" v1 {a} x {b}]", raw, segs)
		}
		for i, want := range map[int]string{2: a, 4: b} {
			if got, err := url.PathUnescape(segs[i]); err != nil || got != want {
				t.Fatalf("%q: segment %d = %q, %v; want %q", raw, i, got, err, want)
			}
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			t.Fatalf("%q: query does not parse: %v", raw, err)
		}
		wantKeys := 2
		if d != "" {
			wantKeys = 3
			if got := q["opt"]; len(got) != 1 || got[0] != d {
				t.Fatalf("%q: opt = %q, want %q", raw, got, d)
			}
		}
		if len(q) != wantKeys || len(q["k"]) != 1 || q.Get("k") != c || q.Get("lit") != "1" {
			t.Fatalf("%q: query %v, want k=%q lit=1 (and opt)", raw, q, c)
		}
		// The client accepts it as is.
		req, err := http.NewRequest(http.MethodGet, raw, nil)
		if err != nil || req.URL.Host != "api.example.com:8443" {
			t.Fatalf("http.NewRequest(%q): %v", raw, err)
		}
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
			if err != nil {
				t.Fatal(err)
			}
			res, err := p.Fetch(context.Background(), providers.Request{})
			if err == nil {
				if math.IsNaN(res.Value) || math.IsInf(res.Value, 0) {
					t.Fatalf("body %q: non-finite value %v", body, res.Value)
				}
				continue
			}
			var pe *providers.Error
			if !errors.As(err, &pe) || pe.Class != providers.DataQuality {
				t.Fatalf("body %q: %v is not a DataQuality *providers.Error", body, err)
			}
			if !errors.Is(err, ErrBadBody) && !errors.Is(err, ErrNoValue) && !errors.Is(err, ErrBadValue) &&
				!errors.Is(err, ErrBadTimestamp) && !errors.Is(err, ErrBodyTooLarge) {
				t.Fatalf("body %q: %v wraps no extraction sentinel", body, err)
			}
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
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parsePath(s)
		if err != nil {
			return
		}
		n, err := p.eval(doc)
		if err == nil && len(p.steps) > 0 && p.steps[len(p.steps)-1].kind == stepFilter {
			t.Fatalf("%q: a path ending in a filter selected %v", s, n.v)
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
		if d := parseRetryAfter(h, now); d < 0 {
			t.Fatalf("Retry-After %q gave %v", retryAfter, d)
		}
		if q := parseQuota(h, now); q != nil && (q.Limit < 0 || q.Remaining < 0) {
			t.Fatalf("negative quota %+v", q)
		}
	})
}
