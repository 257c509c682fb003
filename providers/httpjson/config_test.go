package httpjson

import (
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
)

func TestNewValidation(t *testing.T) {
	valid := func() Config {
		return Config{Client: http.DefaultClient, URL: "https://api.example.com/v1/{x}", Value: "v"}
	}
	// cause: the reason comes from a template or a path that does not
	// parse, and the error unwraps to that error.
	tests := []struct {
		field  string
		mutate func(*Config)
		cause  bool
	}{
		{"Client", func(c *Config) { c.Client = nil }, false},
		{"Method", func(c *Config) { c.Method = "DELETE" }, false},
		{"URL", func(c *Config) { c.URL = "" }, true},
		{"URL", func(c *Config) { c.URL = "https://{host}/x" }, true},
		{"URL", func(c *Config) { c.URL = "https://h/x{y}" }, true},
		{"Body", func(c *Config) { c.Body = `{"a":1}` }, false}, // GET has no body
		{"Body", func(c *Config) { c.Method = "POST"; c.Body = `{"a":` }, true},
		{"Credential", func(c *Config) { c.Credential = Credential{Name: "apikey"} }, false},
		{"Credential.Name", func(c *Config) { c.Credential = Credential{In: CredentialQuery} }, false},
		{"Credential.Name", func(c *Config) {
			c.URL = "https://h/x?apikey=demo"
			c.Credential = Credential{In: CredentialQuery, Name: "apikey"}
		}, false},
		{"Credential.Prefix", func(c *Config) { c.Credential = Credential{In: CredentialQuery, Name: "k", Prefix: "x"} }, false},
		{"Credential.Name", func(c *Config) { c.Credential = Credential{In: CredentialHeader, Name: "Bad Header"} }, false},
		{"Credential.Prefix", func(c *Config) { c.Credential = Credential{In: CredentialHeader, Name: "X-Key", Prefix: "a\nb"} }, false},
		{"Credential", func(c *Config) { c.Credential = Credential{In: CredentialBearer, Name: "X"} }, false},
		{"Credential.In", func(c *Config) { c.Credential = Credential{In: 9} }, false},
		{"Headers[Bad Name]", func(c *Config) { c.Headers = map[string]string{"Bad Name": "x"} }, false},
		{"Headers[X-A]", func(c *Config) { c.Headers = map[string]string{"X-A": "a\r\nb"} }, false},
		{"Headers[host]", func(c *Config) { c.Headers = map[string]string{"host": "evil"} }, false},
		{"Headers[Content-Length]", func(c *Config) { c.Headers = map[string]string{"Content-Length": "1"} }, false},
		{"Headers[authorization]", func(c *Config) {
			c.Credential = Credential{In: CredentialBearer}
			c.Headers = map[string]string{"authorization": "x"}
		}, false},
		{"Headers[Content-Type]", func(c *Config) {
			c.Method, c.Body = "POST", `{}`
			c.Headers = map[string]string{"Content-Type": "text/plain"}
		}, false},
		{"Signing.Header", func(c *Config) {
			c.Credential = Credential{In: CredentialHeader, Name: "X-Signature"}
			c.Signing = &Signing{}
		}, false},
		{"Signing.TimestampHeader", func(c *Config) { c.Signing = &Signing{TimestampHeader: "bad header"} }, false},
		{"Headers[X-Timestamp]", func(c *Config) {
			c.Signing = &Signing{}
			c.Headers = map[string]string{"X-Timestamp": "1"}
		}, false},
		{"Value", func(c *Config) { c.Value = "" }, false},
		{"Value", func(c *Config) { c.Value = "a[" }, true},
		{"Timestamp", func(c *Config) { c.Timestamp = "a]" }, true},
		{"ParseTimestamp", func(c *Config) { c.ParseTimestamp = UnixTime }, false},
		{"ErrorRules[0].Path", func(c *Config) { c.ErrorRules = []ErrorRule{{Path: ""}} }, true},
		{"ErrorRules[1].Class", func(c *Config) {
			c.ErrorRules = []ErrorRule{{Path: "a"}, {Path: "b", Class: providers.Canceled}}
		}, false},
		{"ErrorRules[0].Class", func(c *Config) { c.ErrorRules = []ErrorRule{{Path: "a", Class: 42}} }, false},
		{"ErrorRules[0].RetryAfter", func(c *Config) { c.ErrorRules = []ErrorRule{{Path: "a", RetryAfter: -time.Second}} }, false},
		{"ErrorRules[0].Status", func(c *Config) { c.ErrorRules = []ErrorRule{{Path: "a", Status: 1000}} }, false},
		{"ErrorRules[0].Message", func(c *Config) { c.ErrorRules = []ErrorRule{{Path: "a", Message: "["}} }, true},
		{"MaxBodyBytes", func(c *Config) { c.MaxBodyBytes = -1 }, false},
		{"AllowRedirectHosts[1]", func(c *Config) { c.AllowRedirectHosts = []string{"ok.example.com", "https://x/y"} }, false},
	}
	for _, tt := range tests {
		cfg := valid()
		tt.mutate(&cfg)
		_, err := New(cfg)
		require.ErrorIs(t, err, ErrInvalidConfig, tt.field)
		var ce *ConfigError
		require.ErrorAs(t, err, &ce, tt.field)
		assert.Equal(t, tt.field, ce.Field)
		assert.NotEmpty(t, ce.Reason, tt.field)
		assert.Equal(t, "httpjson: invalid config: "+tt.field+": "+ce.Reason, err.Error())
		if !tt.cause {
			assert.NoError(t, ce.Unwrap(), tt.field)
			continue
		}
		require.Error(t, ce.Err, "%s: the cause", tt.field)
		assert.ErrorIs(t, err, ce.Err, tt.field)
		assert.Contains(t, ce.Reason, ce.Err.Error(), "%s: the reason quotes the cause", tt.field)
	}
	_, err := New(valid())
	assert.NoError(t, err, "valid config")
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
	_, err := New(cfg)
	require.NoError(t, err)
	assert.Equal(t, before.Method, cfg.Method)
	assert.Zero(t, cfg.MaxBodyBytes)
	assert.Nil(t, cfg.ParseValue)
	assert.Nil(t, cfg.ParseTimestamp)
	assert.Equal(t, beforeHeaders, cfg.Headers)
	assert.Equal(t, beforeSigning, *cfg.Signing)
	assert.Equal(t, before.ErrorRules, cfg.ErrorRules)
	assert.Equal(t, before.AllowRedirectHosts, cfg.AllowRedirectHosts)
	assert.Nil(t, client.CheckRedirect, "New modified the host's client")
	assert.Nil(t, client.Transport, "New modified the host's client")
}

func TestParseNumber(t *testing.T) {
	good := map[string]float64{
		"167.1700": 167.17, "0": 0, "-1.5": -1.5, "+2": 2, "1e3": 1000, "27360935000000": 27360935000000, "4.2E-1": 0.42,
	}
	for s, want := range good {
		got, err := ParseNumber(s)
		if assert.NoError(t, err, s) {
			assert.Equal(t, want, got, s)
		}
	}
	for _, s := range []string{"", ".", "NaN", "nan", "Inf", "-Infinity", "0x1p3", "1_000", " 1", "1 ", "12%", "1e999", "-1e999", "1,5", "--1"} {
		got, err := ParseNumber(s)
		assert.Error(t, err, "ParseNumber(%q) = %v", s, got)
	}
	v, _ := ParseNumber("1e-400")
	assert.Zero(t, v, "underflow")
	assert.False(t, math.Signbit(v), "underflow gives -0")
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
		{UnixTime, "-0.5", time.Unix(0, -5e8)},
		{UnixTime, "-0", time.Unix(0, 0)},
	}
	for _, tt := range tests {
		got, err := tt.parse(tt.in)
		if assert.NoError(t, err, tt.in) {
			assert.True(t, got.Equal(tt.want), "parse(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	for _, s := range []string{"", "x", "1.", "1.1234567890", "1.-5", "1e9"} {
		_, err := UnixTime(s)
		assert.Error(t, err, "UnixTime(%q)", s)
	}
}

// The documented body limit: 1 MiB.
func TestDefaultMaxBodyBytesIsOneMiB(t *testing.T) {
	assert.Equal(t, int64(1<<20), int64(DefaultMaxBodyBytes))
}
