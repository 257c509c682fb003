package httpjson

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/strata-go/strata/providers"
)

var quotaNow = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  time.Duration
	}{
		{"absent", "", 0},
		{"delta-seconds", "120", 120 * time.Second},
		{"delta-seconds with spaces", " 7 ", 7 * time.Second},
		{"zero", "0", 0},
		{"negative", "-5", 0},
		{"huge delta clamps, no overflow", "99999999999999999", seconds(maxSeconds)},
		{"HTTP-date (IMF-fixdate)", "Fri, 01 Mar 2024 12:01:30 GMT", 90 * time.Second},
		{"HTTP-date (RFC 850)", "Friday, 01-Mar-24 12:00:10 GMT", 10 * time.Second},
		{"HTTP-date (asctime)", "Fri Mar  1 12:00:05 2024", 5 * time.Second},
		{"HTTP-date in the past", "Fri, 01 Mar 2024 11:00:00 GMT", 0},
		{"garbage", "soon", 0},
		{"fractional", "1.5", 0},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.value != "" {
			h.Set("Retry-After", tt.value)
		}
		assert.Equal(t, tt.want, parseRetryAfter(h, quotaNow), "%s: parseRetryAfter(%q)", tt.name, tt.value)
	}
}

func TestParseQuota(t *testing.T) {
	tests := []struct {
		name string
		h    http.Header
		want *providers.Quota
	}{
		{"none", header(), nil},
		{"X-RateLimit with epoch reset",
			header("X-RateLimit-Limit", "5000", "X-RateLimit-Remaining", "4987", "X-RateLimit-Reset", "1709298000"),
			&providers.Quota{Limit: 5000, Remaining: 4987, Reset: time.Unix(1709298000, 0)}},
		{"X-RateLimit with delta reset",
			header("X-RateLimit-Limit", "60", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "30"),
			&providers.Quota{Limit: 60, Remaining: 0, Reset: quotaNow.Add(30 * time.Second)}},
		{"X-RateLimit with millisecond epoch reset",
			header("X-RateLimit-Remaining", "3", "X-RateLimit-Reset", "1709298000123"),
			&providers.Quota{Remaining: 3, Reset: time.UnixMilli(1709298000123)}},
		{"X-RateLimit without remaining is unknown",
			header("X-RateLimit-Limit", "60"), nil},
		{"IETF draft -06 trio",
			header("RateLimit-Limit", "100", "RateLimit-Remaining", "50", "RateLimit-Reset", "50"),
			&providers.Quota{Limit: 100, Remaining: 50, Reset: quotaNow.Add(50 * time.Second)}},
		{"IETF draft trio with a quota-policy list",
			header("RateLimit-Limit", "100, 100;w=60, 1000;w=3600", "RateLimit-Remaining", "9", "RateLimit-Reset", "1"),
			&providers.Quota{Limit: 100, Remaining: 9, Reset: quotaNow.Add(time.Second)}},
		{"IETF draft -08 RateLimit + RateLimit-Policy",
			header("RateLimit", `"default";r=50;t=30`, "RateLimit-Policy", `"default";q=100;w=60`),
			&providers.Quota{Limit: 100, Remaining: 50, Reset: quotaNow.Add(30 * time.Second)}},
		{"IETF draft -07 policy with l=",
			header("RateLimit", `default;r=5;t=2`, "RateLimit-Policy", `default;l=10;w=1`),
			&providers.Quota{Limit: 10, Remaining: 5, Reset: quotaNow.Add(2 * time.Second)}},
		{"IETF RateLimit without policy",
			header("RateLimit", `"day";r=0;t=3600`),
			&providers.Quota{Remaining: 0, Reset: quotaNow.Add(time.Hour)}},
		{"short-lived combined form",
			header("RateLimit", `limit=100, remaining=42, reset=10`),
			&providers.Quota{Limit: 100, Remaining: 42, Reset: quotaNow.Add(10 * time.Second)}},
		{"X- form wins over the IETF form",
			header("X-RateLimit-Remaining", "1", "RateLimit-Remaining", "2"),
			&providers.Quota{Remaining: 1}},
		{"garbage remaining",
			header("X-RateLimit-Remaining", "lots"), nil},
		{"negative remaining",
			header("RateLimit-Remaining", "-1"), nil},
		{"RateLimit without r",
			header("RateLimit", `"default";t=30`), nil},
		{"a limit below the remaining count is dropped",
			header("X-RateLimit-Limit", "10", "X-RateLimit-Remaining", "11"),
			&providers.Quota{Remaining: 11}},
		{"garbage reset is left unknown",
			header("X-RateLimit-Remaining", "7", "X-RateLimit-Reset", "tomorrow"),
			&providers.Quota{Remaining: 7}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, parseQuota(tt.h, quotaNow), tt.name)
	}
}
