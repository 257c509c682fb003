package httpjson

import (
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"testing"
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
		if err != nil {
			t.Errorf("parseURLTemplate(%q): %v", tt.tmpl, err)
			continue
		}
		got, err := tm.expand(tt.params)
		if err != nil || got != tt.want {
			t.Errorf("expand(%q, %v) = %q, %v; want %q", tt.tmpl, tt.params, got, err, tt.want)
		}
	}
}

func TestURLTemplateExpandErrors(t *testing.T) {
	tm, err := parseURLTemplate("https://h/v1/{a}?b={b}")
	if err != nil {
		t.Fatal(err)
	}
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
		if _, err := tm.expand(tt.params); !errors.Is(err, tt.want) {
			t.Errorf("expand(%v) error = %v, want %v", tt.params, err, tt.want)
		}
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
		if _, err := parseURLTemplate(s); err == nil {
			t.Errorf("parseURLTemplate(%q): want an error", s)
		}
	}
}

func TestURLTemplateParamsAndPrefix(t *testing.T) {
	tm, err := parseURLTemplate("https://h/v2/country/{country}/indicator/{indicator}?format=json&date={date?}")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tm.params(), []string{"country", "indicator", "date"}; !reflect.DeepEqual(got, want) {
		t.Errorf("params = %v, want %v", got, want)
	}
	if tm.prefix != "/v2/country" {
		t.Errorf("prefix = %q", tm.prefix)
	}
	if !tm.hasQueryKey("format") || tm.hasQueryKey("apikey") {
		t.Error("hasQueryKey")
	}
}

func TestBodyTemplate(t *testing.T) {
	bt, err := parseBodyTemplate(`{"symbol": "{symbol}", "n": 1, "tags": ["{tag}", "lit {x}"], "{key}": true}`)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"symbol", "tag", "key"}; !reflect.DeepEqual(bt.params, want) {
		t.Fatalf("params = %v, want %v", bt.params, want)
	}
	got, err := bt.expand(map[string]string{"symbol": `IB"M`, "tag": `"},"admin":true,"x":{"`, "key": "k"})
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(got, &v); err != nil {
		t.Fatalf("expanded body %s is not JSON: %v", got, err)
	}
	want := map[string]any{
		"symbol": `IB"M`, "n": float64(1), "k": true,
		"tags": []any{`"},"admin":true,"x":{"`, "lit {x}"},
	}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("expanded body = %v, want %v", v, want)
	}
	if _, err := bt.expand(map[string]string{"symbol": "x"}); !errors.Is(err, ErrMissingParam) {
		t.Errorf("missing param: %v", err)
	}
	if _, err := parseBodyTemplate(`{"a": `); err == nil {
		t.Error("invalid JSON body template: want an error")
	}
}

func TestExpandedURLParses(t *testing.T) {
	tm, _ := parseURLTemplate("https://h/v1/{a}?b={b}")
	got, err := tm.expand(map[string]string{"a": "x/y z", "b": "p q&r"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != "/v1/x/y z" || u.EscapedPath() != "/v1/x%2Fy%20z" || u.Query().Get("b") != "p q&r" {
		t.Errorf("parsed %q: path %q escaped %q query %v", got, u.Path, u.EscapedPath(), u.Query())
	}
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
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("BaseURL(%q) = %q, %v; want %q, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
