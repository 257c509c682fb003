package httpjson

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestURLTemplateExpand(t *testing.T) {
	tests := []struct {
		tmpl   string
		params map[string]string
		want   string
	}{
		{"https://api.example.com/v1/{symbol}/quote?interval={interval}",
			map[string]string{"symbol": "IBM", "interval": "5min"},
			"https://api.example.com/v1/IBM/quote?interval=5min"},
		// A slash, a query and a fragment stay inside the segment.
		{"https://api.example.com/v1/{symbol}/quote",
			map[string]string{"symbol": "../../admin?x=1#y"},
			"https://api.example.com/v1/..%2F..%2Fadmin%3Fx=1%23y/quote"},
		// An ampersand or '=' cannot add a query pair.
		{"https://api.example.com/q?s={s}&f=json",
			map[string]string{"s": "a&admin=1 b"},
			"https://api.example.com/q?s=a%26admin%3D1+b&f=json"},
		// Optional values drop their pair when absent or empty.
		{"https://api.example.com/q?s={s}&units={units?}&limit=5",
			map[string]string{"s": "GDP"},
			"https://api.example.com/q?s=GDP&limit=5"},
		{"https://api.example.com/q?s={s}&units={units?}",
			map[string]string{"s": "GDP", "units": ""},
			"https://api.example.com/q?s=GDP"},
		{"https://api.example.com/q?s={s}&units={units?}",
			map[string]string{"s": "GDP", "units": "pc1"},
			"https://api.example.com/q?s=GDP&units=pc1"},
		// Unused params are ignored; a literal-only template is kept.
		{"http://127.0.0.1:8080", map[string]string{"x": "y"}, "http://127.0.0.1:8080/"},
		{"https://h/a/", nil, "https://h/a/"},
		{"https://h/a%20b/{x}", map[string]string{"x": "é"}, "https://h/a%20b/%C3%A9"},
		// An empty query value is fine; only path segments refuse it.
		{"https://h/?q={q}", map[string]string{"q": ""}, "https://h/?q="},
	}
	for _, tt := range tests {
		tm, err := parseURLTemplate(tt.tmpl)
		if !assert.NoError(t, err, "parseURLTemplate(%q)", tt.tmpl) {
			continue
		}
		got, err := tm.expand(tt.params)
		if assert.NoError(t, err, "expand(%q, %v)", tt.tmpl, tt.params) {
			assert.Equal(t, tt.want, got, "expand(%q, %v)", tt.tmpl, tt.params)
		}
	}
}

func TestURLTemplateExpandErrors(t *testing.T) {
	tm, err := parseURLTemplate("https://h/v1/{a}?b={b}")
	require.NoError(t, err)
	tests := []struct {
		params map[string]string
		want   error
	}{
		{map[string]string{"b": "1"}, ErrMissingParam},
		{map[string]string{"a": "1"}, ErrMissingParam},
		{map[string]string{"a": "", "b": "1"}, ErrInvalidParam},
		{map[string]string{"a": ".", "b": "1"}, ErrInvalidParam},
		{map[string]string{"a": "..", "b": "1"}, ErrInvalidParam},
	}
	for _, tt := range tests {
		_, err := tm.expand(tt.params)
		assert.ErrorIs(t, err, tt.want, "expand(%v)", tt.params)
	}
}

func TestParseURLTemplateErrors(t *testing.T) {
	bad := []string{
		"",
		"ftp://h/x",
		"//h/x",
		"https:///x",
		"https://{host}/x",
		"https://h{x}/x",
		"https://user:pw@h/x",
		"https://h/v1/x{a}",
		"https://h/v1/{a}x",
		"https://h/v1/{a b}",
		"https://h/v1/{}",
		"https://h/v1/{a?}",
		"https://h/v1/{a}}",
		"https://h/x?{k}=v",
		"https://h/x?k=a{v}",
		"https://h/x?=v",
		"https://h/x?k=1&k=2",
		"https://h/x#frag",
		"https://h/x y",
		"https://h/x%zz",
		"https://h:port/x",
	}
	for _, s := range bad {
		_, err := parseURLTemplate(s)
		assert.Error(t, err, "parseURLTemplate(%q)", s)
	}
}

func TestURLTemplateParamsAndPrefix(t *testing.T) {
	tm, err := parseURLTemplate("https://h/v2/country/{country}/indicator/{indicator}?format=json&date={date?}")
	require.NoError(t, err)
	assert.Equal(t, []string{"country", "indicator", "date"}, tm.params())
	assert.Equal(t, "/v2/country", tm.prefix)
	assert.Equal(t, "https://h/v2/country/{country}/indicator/{indicator}", tm.pattern)
	assert.True(t, tm.hasQueryKey("format"))
	assert.False(t, tm.hasQueryKey("apikey"))
}

func TestBodyTemplate(t *testing.T) {
	bt, err := parseBodyTemplate(`{"symbol": "{symbol}", "n": 1, "tags": ["{tag}", "lit {x}"], "{key}": true}`)
	require.NoError(t, err)
	require.Equal(t, []string{"symbol", "tag", "key"}, bt.params)
	got, err := bt.expand(map[string]string{"symbol": `IB"M`, "tag": `"},"admin":true,"x":{"`, "key": "k"})
	require.NoError(t, err)
	var v map[string]any
	require.NoError(t, json.Unmarshal(got, &v), "expanded body %s is not JSON", got)
	want := map[string]any{
		"symbol": `IB"M`, "n": float64(1), "k": true,
		"tags": []any{`"},"admin":true,"x":{"`, "lit {x}"},
	}
	assert.Equal(t, want, v)
	_, err = bt.expand(map[string]string{"symbol": "x"})
	assert.ErrorIs(t, err, ErrMissingParam)
	_, err = parseBodyTemplate(`{"a": `)
	assert.Error(t, err, "invalid JSON body template")
}

func TestExpandedURLParses(t *testing.T) {
	tm, _ := parseURLTemplate("https://h/v1/{a}?b={b}")
	got, err := tm.expand(map[string]string{"a": "x/y z", "b": "p q&r"})
	require.NoError(t, err)
	u, err := url.Parse(got)
	require.NoError(t, err)
	assert.Equal(t, "/v1/x/y z", u.Path)
	assert.Equal(t, "/v1/x%2Fy%20z", u.EscapedPath())
	assert.Equal(t, "p q&r", u.Query().Get("b"))
}

func TestBaseURL(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"", "https://def.example/api", true},
		{"https://x.example/v1/", "https://x.example/v1", true},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", true},
		{"ftp://x.example", "", false},
		{"https://user:pw@x.example", "", false},
		{"https://x.example/?q=1", "", false},
		{"https://x.example/{a}", "", false},
		{"/relative", "", false},
	} {
		got, err := BaseURL(tc.in, "https://def.example/api")
		if tc.ok {
			assert.NoError(t, err, "BaseURL(%q)", tc.in)
		} else {
			assert.Error(t, err, "BaseURL(%q)", tc.in)
		}
		assert.Equal(t, tc.want, got, "BaseURL(%q)", tc.in)
	}
}
