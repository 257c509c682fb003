package httpjson

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/strata-go/strata/providers"
)

// epochThreshold separates a reset given as Unix seconds from one given as
// seconds from now: no window is longer than a few years, and no epoch
// timestamp in use is below 2001-09-09.
const epochThreshold = 1_000_000_000

// maxSeconds is the largest whole number of seconds a time.Duration holds.
const maxSeconds = math.MaxInt64 / int64(time.Second)

// seconds converts a non-negative count of seconds to a Duration, clamped
// so that it cannot overflow.
func seconds(n int64) time.Duration {
	if n > maxSeconds {
		n = maxSeconds
	}
	return time.Duration(n) * time.Second
}

// parseRetryAfter reads Retry-After in either of its forms: delay-seconds
// ("120") or an HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT"), the latter
// relative to now. A date in the past, a negative or a malformed value is
// zero ("not said").
func parseRetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return seconds(n)
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// parseQuota reads the provider's own view of its quota from the response
// headers, trying in order:
//
//   - X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset (the de
//     facto convention of GitHub, Twitter and many others);
//   - RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset (IETF
//     draft-ietf-httpapi-ratelimit-headers up to -06);
//   - RateLimit: "policy";r=<remaining>;t=<reset> with RateLimit-Policy:
//     "policy";q=<quota>;w=<window> (the draft from -07 on), and the
//     short-lived RateLimit: limit=100, remaining=50, reset=30.
//
// A reset of 1e9 or more is Unix seconds, a smaller one seconds from now.
// A list value ("100, 100;w=60") is read from its first item. The result
// is nil unless the remaining count is known; a limit below the remaining
// count is dropped (reported as 0, unknown).
func parseQuota(h http.Header, now time.Time) *providers.Quota {
	q := parseQuotaHeaders(h, now)
	if q != nil && q.Limit > 0 && q.Remaining > q.Limit {
		q.Limit = 0 // inconsistent headers: the limit is not to be trusted
	}
	return q
}

func parseQuotaHeaders(h http.Header, now time.Time) *providers.Quota {
	for _, prefix := range [...]string{"X-RateLimit-", "RateLimit-"} {
		rem, ok := firstInt(h.Get(prefix + "Remaining"))
		if !ok {
			continue
		}
		q := &providers.Quota{Remaining: rem}
		if l, ok := firstInt(h.Get(prefix + "Limit")); ok {
			q.Limit = l
		}
		if r, ok := firstInt(h.Get(prefix + "Reset")); ok {
			q.Reset = resetTime(r, now)
		}
		return q
	}
	if v := h.Get("RateLimit"); v != "" {
		params := fieldParams(v)
		rem, ok := nonNegInt(first(params, "r", "remaining"))
		if !ok {
			return nil
		}
		q := &providers.Quota{Remaining: rem}
		if t, ok := nonNegInt(first(params, "t", "reset")); ok {
			q.Reset = now.Add(seconds(t))
		}
		if l, ok := nonNegInt(params["limit"]); ok {
			q.Limit = l
		} else if pol := fieldParams(h.Get("RateLimit-Policy")); pol != nil {
			// q= since draft -08; l= in -07.
			if l, ok := nonNegInt(first(pol, "q", "l")); ok {
				q.Limit = l
			}
		}
		return q
	}
	return nil
}

func first(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v, ok := m[k]; ok {
			return v
		}
	}
	return ""
}

func resetTime(r int64, now time.Time) time.Time {
	if r >= epochThreshold {
		if r >= epochThreshold*1000 { // milliseconds
			return time.UnixMilli(r)
		}
		return time.Unix(r, 0)
	}
	return now.Add(seconds(r))
}

// firstInt reads the leading non-negative integer of a header value's
// first list item: "100", "100, 100;w=60", "100;w=60".
func firstInt(v string) (int64, bool) {
	item, _, _ := strings.Cut(v, ",")
	item, _, _ = strings.Cut(item, ";")
	return nonNegInt(strings.TrimSpace(item))
}

func nonNegInt(s string) (int64, bool) {
	if s == "" { // the common case, absent headers: no error to allocate
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// fieldParams collects the key=value parameters of a rate-limit field,
// the first occurrence of each key winning: `"default";r=50;t=30` gives
// {r: 50, t: 30}, and the older `limit=100, remaining=50, reset=30` gives
// its three keys. Items and quoted policy names are not validated, only
// skipped. Nil when v is empty.
func fieldParams(v string) map[string]string {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	out := map[string]string{}
	for item := range strings.SplitSeq(v, ",") {
		for p := range strings.SplitSeq(item, ";") {
			k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
			if !ok {
				continue
			}
			k = strings.ToLower(strings.TrimSpace(k))
			if _, dup := out[k]; !dup {
				out[k] = strings.TrimSpace(val)
			}
		}
	}
	return out
}
