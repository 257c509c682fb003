package httpjson

import (
	"errors"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/strata-go/strata/providers"
)

func TestNewValidation(t *testing.T) {
	valid := func() Config {
		return Config{Client: http.DefaultClient, URL: "https://api.example.com/v1/{x}", Value: "v"}
	}
	tests := []struct {
		field  string
		mutate func(*Config)
	}{
		{"Client", func(c *Config) { c.Client = nil }},
		{"Method", func(c *Config) { c.Method = "DELETE" }},
		{"URL", func(c *Config) { c.URL = "" }},
		{"URL", func(c *Config) { c.URL = "https://{host}/x" }},
		{"URL", func(c *Config) { c.URL = "https://h/x{y}" }},
		{"Body", func(c *Config) { c.Body = `{"a":1}` }}, // GET has no body
		{"Body", func(c *Config) { c.Method = "POST"; c.Body = `{"a":` }},
		{"Credential", func(c *Config) { c.Credential = Credential{Name: "apikey"} }},
		{"Credential.Name", func(c *Config) { c.Credential = Credential{In: CredentialQuery} }},
		{"Credential.Name", func(c *Config) {
			c.URL = "https://h/x?apikey=demo"
			c.Credential = Credential{In: CredentialQuery, Name: "apikey"}
		}},
		{"Credential.Prefix", func(c *Config) { c.Credential = Credential{In: CredentialQuery, Name: "k", Prefix: "x"} }},
		{"Credential.Name", func(c *Config) { c.Credential = Credential{In: CredentialHeader, Name: "Bad Header"} }},
		{"Credential.Prefix", func(c *Config) { c.Credential = Credential{In: CredentialHeader, Name: "X-Key", Prefix: "a\nb"} }},
		{"Credential", func(c *Config) { c.Credential = Credential{In: CredentialBearer, Name: "X"} }},
		{"Credential.In", func(c *Config) { c.Credential = Credential{In: 9} }},
		{"Headers[Bad Name]", func(c *Config) { c.Headers = map[string]string{"Bad Name": "x"} }},
		{"Headers[X-A]", func(c *Config) { c.Headers = map[string]string{"X-A": "a\r\nb"} }},
		{"Headers[host]", func(c *Config) { c.Headers = map[string]string{"host": "evil"} }},
		{"Headers[Content-Length]", func(c *Config) { c.Headers = map[string]string{"Content-Length": "1"} }},
		{"Headers[authorization]", func(c *Config) {
			c.Credential = Credential{In: CredentialBearer}
			c.Headers = map[string]string{"authorization": "x"}
		}},
		{"Headers[Content-Type]", func(c *Config) {
			c.Method, c.Body = "POST", `{}`
			c.Headers = map[string]string{"Content-Type": "text/plain"}
		}},
		{"Signing.Header", func(c *Config) {
			c.Credential = Credential{In: CredentialHeader, Name: "X-Signature"}
			c.Signing = &Signing{}
		}},
		{"Signing.TimestampHeader", func(c *Config) { c.Signing = &Signing{TimestampHeader: "bad header"} }},
		{"Headers[X-Timestamp]", func(c *Config) {
			c.Signing = &Signing{}
			c.Headers = map[string]string{"X-Timestamp": "1"}
		}},
		{"Value", func(c *Config) { c.Value = "" }},
		{"Value", func(c *Config) { c.Value = "a[" }},
		{"Timestamp", func(c *Config) { c.Timestamp = "a]" }},
		{"ParseTimestamp", func(c *Config) { c.ParseTimestamp = UnixTime }},
		{"ErrorRules[0].Path", func(c *Config) { c.ErrorRules = []ErrorRule{{Path: ""}} }},
		{"ErrorRules[1].Class", func(c *Config) {
			c.ErrorRules = []ErrorRule{{Path: "a"}, {Path: "b", Class: providers.Canceled}}
		}},
		{"ErrorRules[0].Class", func(c *Config) { c.ErrorRules = []ErrorRule{{Path: "a", Class: 42}} }},
		{"ErrorRules[0].RetryAfter", func(c *Config) { c.ErrorRules = []ErrorRule{{Path: "a", RetryAfter: -time.Second}} }},
		{"ErrorRules[0].Status", func(c *Config) { c.ErrorRules = []ErrorRule{{Path: "a", Status: 1000}} }},
		{"ErrorRules[0].Message", func(c *Config) { c.ErrorRules = []ErrorRule{{Path: "a", Message: "["}} }},
		{"MaxBodyBytes", func(c *Config) { c.MaxBodyBytes = -1 }},
		{"AllowRedirectHosts[1]", func(c *Config) { c.AllowRedirectHosts = []string{"ok.example.com", "https://x/y"} }},
	}
	for _, tt := range tests {
		cfg := valid()
		tt.mutate(&cfg)
		_, err := New(cfg)
		if !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: error %v, want ErrInvalidConfig", tt.field, err)
			continue
		}
		if prefix := "httpjson: invalid config: " + tt.field + ": "; !strings.HasPrefix(err.Error(), prefix) {
			t.Errorf("error %q, want prefix %q", err, prefix)
		}
	}
	if _, err := New(valid()); err != nil {
		t.Errorf("valid config: %v", err)
	}
}

func TestNewDoesNotModifyConfig(t *testing.T) {
	client := &http.Client{}
	cfg := Config{
		Client:             client,
		URL:                "https://api.example.com/v1/{x}",
		Headers:            map[string]string{"x-custom": "1"},
		Value:              "v",
		ErrorRules:         []ErrorRule{{Path: "Note", Class: providers.RateLimit}},
		AllowRedirectHosts: []string{"b.example.com"},
		Signing:            &Signing{},
	}
	before := cfg
	beforeHeaders := map[string]string{"x-custom": "1"}
	beforeSigning := *cfg.Signing
	if _, err := New(cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Method != before.Method || cfg.MaxBodyBytes != 0 || cfg.ParseValue != nil || cfg.ParseTimestamp != nil ||
		!reflect.DeepEqual(cfg.Headers, beforeHeaders) || *cfg.Signing != beforeSigning ||
		!reflect.DeepEqual(cfg.ErrorRules, before.ErrorRules) || !reflect.DeepEqual(cfg.AllowRedirectHosts, before.AllowRedirectHosts) {
		t.Errorf("New modified the Config: %+v", cfg)
	}
	if client.CheckRedirect != nil || client.Transport != nil {
		t.Error("New modified the host's client")
	}
}

func TestParseNumber(t *testing.T) {
	good := map[string]float64{
		"167.1700": 167.17, "0": 0, "-1.5": -1.5, "+2": 2, "1e3": 1000, "27360935000000": 27360935000000, "4.2E-1": 0.42,
	}
	for s, want := range good {
		if got, err := ParseNumber(s); err != nil || got != want {
			t.Errorf("ParseNumber(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", ".", "NaN", "nan", "Inf", "-Infinity", "0x1p3", "1_000", " 1", "1 ", "12%", "1e999", "-1e999", "1,5", "--1"} {
		if got, err := ParseNumber(s); err == nil {
			t.Errorf("ParseNumber(%q) = %v, want an error", s, got)
		}
	}
	if v, _ := ParseNumber("1e-400"); v != 0 || math.Signbit(v) {
		t.Errorf("underflow gives %v", v)
	}
}

func TestTimestampParsers(t *testing.T) {
	tests := []struct {
		parse func(string) (time.Time, error)
		in    string
		want  time.Time
	}{
		{TimeLayout("2006-01-02"), "2024-03-01", time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},
		{TimeLayout("2006"), "2023", time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)},
		{TimeLayout(time.RFC3339), "2024-03-01T10:00:00.5+02:00", time.Date(2024, 3, 1, 8, 0, 0, 5e8, time.UTC)},
		{UnixTime, "1700000000", time.Unix(1700000000, 0)},
		{UnixTime, "1700000000.25", time.Unix(1700000000, 25e7)},
		{UnixTime, "-1.5", time.Unix(-1, -5e8)},
	}
	for _, tt := range tests {
		got, err := tt.parse(tt.in)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, s := range []string{"", "x", "1.", "1.1234567890", "1.-5", "1e9"} {
		if _, err := UnixTime(s); err == nil {
			t.Errorf("UnixTime(%q): want an error", s)
		}
	}
}
