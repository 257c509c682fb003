package fallback

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	goodNames = []string{"a", "cpc", "market_growth", "cpc.v2", "cpc-eu", "x9", strings.Repeat("a", 64)}
	badNames  = []string{"cpc?keyword=a", "CPC", "Keyword", "1cpc", "_cpc", "cp c", "cpc\n", "cpç", "a&b", "a=b", "a/b", strings.Repeat("a", 65)}
)

func TestNamesFollowNamePattern(t *testing.T) {
	for _, name := range goodNames {
		assert.Regexp(t, NamePattern, name)
	}
	for _, name := range badNames {
		assert.NotRegexp(t, NamePattern, name)
	}
}

// nameFields sets each kind of name a Config holds.
var nameFields = []struct {
	field string
	set   func(*Config, string)
}{
	{"data_types[0].name", func(c *Config, n string) {
		c.DataTypes[0].Name = n
		c.Providers[0].DataTypes = []string{n}
		c.Providers[1].DataTypes = []string{n}
	}},
	{"providers[0].name", func(c *Config, n string) { c.Providers[0].Name = n }},
	{"data_types[0].params[2].name", func(c *Config, n string) { c.DataTypes[0].Params[2].Name = n }},
	{"providers[1].params[0]", func(c *Config, n string) {
		c.Providers[1].Params = []string{n}
		c.DataTypes[0].Params[2].Name = n // declared, as a provider's params must be
	}},
}

func TestNewRefusesNamesOutsideNamePattern(t *testing.T) {
	for _, f := range nameFields {
		for _, name := range badNames {
			t.Run(fmt.Sprintf("%s=%q", f.field, name), func(t *testing.T) {
				cfg := testConfig()
				cfg.DataTypes[0].Default.Segments = nil // they name the params
				f.set(&cfg, name)
				_, err := New(cfg, WithProvider(cfg.Providers[0].Name, newStub(1)), WithProvider("s1", newStub(1)))
				require.ErrorIs(t, err, ErrInvalidConfig)
				var ce *ConfigError
				require.ErrorAs(t, unjoin(err)[0], &ce)
				assert.Equal(t, f.field, ce.Field)
				assert.Equal(t, "must match "+NamePattern+", got "+quote(name), ce.Msg)
			})
		}
	}
}

func TestNewAcceptsNamesOfNamePattern(t *testing.T) {
	for _, f := range nameFields {
		for _, name := range goodNames {
			cfg := testConfig()
			cfg.DataTypes[0].Default.Segments = nil
			f.set(&cfg, name)
			r, err := New(cfg, WithProvider(cfg.Providers[0].Name, newStub(1)), WithProvider("s1", newStub(1)))
			require.NoError(t, err, "%s=%q", f.field, name)
			require.NoError(t, r.Close())
		}
	}
}

// A provider's params must be declared by one of its data types: a
// misspelt one would strip the param it meant from every request.
func TestNewRefusesAProviderParamNoDataTypeDeclares(t *testing.T) {
	cfg := testConfig()
	cfg.Providers[1].Params = []string{"keyword", "keywrd"}
	_, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
	require.ErrorIs(t, err, ErrInvalidConfig)
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "providers[1].params[1]", ce.Field)
	assert.Contains(t, ce.Msg, `"keywrd" is not declared`)

	cfg.RetentionInterval = time.Nanosecond
	cfg.Providers[1].Params = nil
	_, err = New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
	assert.ErrorContains(t, err, "retention_interval: at least 1s")
}

// ParseConfig refuses a document over MaxConfigBytes before reading it.
func TestParseConfigRefusesAHugeDocument(t *testing.T) {
	_, err := ParseConfig(make([]byte, MaxConfigBytes+1))
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.ErrorContains(t, err, "MaxConfigBytes")
}

// The data type "cpc?keyword=a" would be spelled like the key of cpc with
// keyword=a: it is refused in YAML too, naming the field and line.
func TestParseConfigRefusesAKeyLikeName(t *testing.T) {
	doc := strings.Replace(validYAML, "  - name: cpc\n", "  - name: \"cpc?keyword=a\"\n", 1)
	_, err := ParseConfig([]byte(doc))
	require.ErrorIs(t, err, ErrInvalidConfig)
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "data_types[0].name", ce.Field)
	assert.Equal(t, strings.Count(doc[:strings.Index(doc, "cpc?")], "\n")+1, ce.Line)
	assert.Contains(t, ce.Msg, "must match ^[a-z][a-z0-9_.-]{0,63}$")
}
