package fallback

import (
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// docs/degraded.md's tables of settings give each default as a number;
// each is the value New gives the setting when the config leaves it zero
// (TestDocumentedDefaults pins the constants, not what the page says).
func TestDegradedDocsDefaultsAreTheConfigsDefaults(t *testing.T) {
	page, err := os.ReadFile("../docs/degraded.md")
	require.NoError(t, err)
	out, p := testConfig().withDefaults()
	require.Empty(t, p)
	tables := []struct {
		after string
		into  reflect.Value
	}{
		{"## Plausibility checks", reflect.ValueOf(out.Plausibility)},
		{"## Market-adjusted forecasts", reflect.ValueOf(out.Forecast.Market)},
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\| ([^|]+) \\|")
	for _, tb := range tables {
		_, section, ok := strings.Cut(string(page), tb.after)
		require.True(t, ok, "docs/degraded.md has %q", tb.after)
		_, section, ok = strings.Cut(section, "| setting | default | meaning |")
		require.True(t, ok, "%s has a table of settings", tb.after)
		section, _, _ = strings.Cut(section, "\n\n")
		rows := row.FindAllStringSubmatch(section, -1)
		require.NotEmpty(t, rows)
		for _, m := range rows {
			key, doc := m[1], strings.TrimSpace(m[2])
			field, ok := yamlFieldValue(tb.into, key)
			if !assert.True(t, ok, "%s: `%s` is not a key of the config", tb.after, key) {
				continue
			}
			assert.Equal(t, parseAs(t, doc, field.Type()), field.Interface(), "%s: `%s`, documented as %s", tb.after, key, doc)
		}
	}
}

// yamlFieldValue returns v's field whose YAML key is key.
func yamlFieldValue(v reflect.Value, key string) (reflect.Value, bool) {
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",")
		if name == key {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// parseAs reads a documented default as a value of type typ.
func parseAs(t *testing.T, doc string, typ reflect.Type) any {
	t.Helper()
	var v any
	var err error
	switch {
	case typ == reflect.TypeFor[time.Duration]():
		v, err = time.ParseDuration(doc)
	case typ.Kind() == reflect.Bool:
		v, err = strconv.ParseBool(doc)
	case typ.Kind() == reflect.Int:
		v, err = strconv.Atoi(doc)
	case typ.Kind() == reflect.Float64:
		v, err = strconv.ParseFloat(doc, 64)
	default:
		t.Fatalf("a default of type %s", typ)
	}
	require.NoError(t, err, "documented default %q", doc)
	return reflect.ValueOf(v).Convert(typ).Interface()
}

// The defaults README.md and docs/ quote beside a key's path in the text —
// "`cache.stale_window` (24h)", "`resolve.reserve`, 50ms" — are the
// values New gives those keys.
func TestInlineDocsDefaultsAreTheConfigsDefaults(t *testing.T) {
	out, p := testConfig().withDefaults()
	require.Empty(t, p)
	quoted := regexp.MustCompile("`([a-z_]+(?:\\.[a-z_]+)+)`,?\\s+\\(?([0-9][0-9.]*(?:ms|s|m|h)?)\\b")
	checked := 0
	for _, page := range docPages {
		src, err := os.ReadFile(page)
		require.NoError(t, err)
		for _, m := range quoted.FindAllStringSubmatch(string(src), -1) {
			field, ok := yamlPathValue(reflect.ValueOf(out), strings.Split(m[1], "."))
			if !assert.True(t, ok, "%s: `%s` is not a key of the config", page, m[1]) {
				continue
			}
			checked++
			assert.Equal(t, parseAs(t, m[2], field.Type()), field.Interface(), "%s: `%s`, documented as %s", page, m[1], m[2])
		}
	}
	assert.GreaterOrEqual(t, checked, 8, "the pattern still finds the docs' defaults")
}

// yamlPathValue returns the value under v at path, by YAML keys, looking
// into inlined fields.
func yamlPathValue(v reflect.Value, path []string) (reflect.Value, bool) {
	for _, key := range path {
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct {
			return reflect.Value{}, false
		}
		next, ok := yamlFieldValue(v, key)
		if !ok {
			for i := range v.NumField() {
				if strings.Contains(v.Type().Field(i).Tag.Get("yaml"), "inline") {
					if next, ok = yamlFieldValue(v.Field(i), key); ok {
						break
					}
				}
			}
		}
		if !ok {
			return reflect.Value{}, false
		}
		v = next
	}
	return v, true
}
