package fallback

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResolveRejectsBadInputBeforeAnyProvider(t *testing.T) {
	tests := []struct {
		name     string
		dataType string
		params   Params
		problem  ParamProblem
		param    string
	}{
		{"missing required", "cpc", Params{"market": "us"}, ParamMissing, "keyword"},
		{"unknown param", "cpc", Params{"keyword": "a", "colour": "red"}, ParamUnknown, "colour"},
		{"too long", "cpc", Params{"keyword": strings.Repeat("k", 33)}, ParamTooLong, "keyword"},
		{"not allowed", "cpc", Params{"keyword": "a", "market": "fr"}, ParamNotAllowed, "market"},
		{"pattern", "cpc", Params{"keyword": "a", "industry": "Retail!"}, ParamNotAllowed, "industry"},
		{"control char", "cpc", Params{"keyword": "a\nb"}, ParamControlChars, "keyword"},
		{"nul", "cpc", Params{"keyword": "a\x00"}, ParamControlChars, "keyword"},
		{"invalid utf-8", "cpc", Params{"keyword": "a\xffb"}, ParamControlChars, "keyword"},
		{"unicode line separator", "cpc", Params{"keyword": "a\u2028b"}, ParamControlChars, "keyword"},
		{"empty", "cpc", Params{"keyword": ""}, ParamEmpty, "keyword"},
	}
	p1, s1 := newStub(1), newStub(1)
	r := newTestResolver(t, testConfig(), p1, s1)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.Resolve(context.Background(), tc.dataType, tc.params)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidParams)
			var pe *ParamError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.problem, pe.Problem)
			assert.Equal(t, tc.param, pe.Param)
			assert.Equal(t, "cpc", pe.DataType)
			assert.Contains(t, err.Error(), tc.problem.String())
		})
	}
	t.Run("unknown data type", func(t *testing.T) {
		_, err := r.Resolve(context.Background(), "cpm", Params{"keyword": "a"})
		assert.ErrorIs(t, err, ErrUnknownDataType)
		var de *DataTypeError
		require.ErrorAs(t, err, &de)
		assert.Equal(t, "cpm", de.DataType)
	})
	assert.EqualValues(t, 0, p1.calls.Load()+s1.calls.Load(), "no provider was called")
}

func TestKeyIsCanonicalAndParseable(t *testing.T) {
	s := compileSchema(mustDefaults(testConfig()).DataTypes[0], nil)
	k1 := mustKey(t, s, Params{"keyword": "a&b=c%d?", "market": "us"})
	k2 := mustKey(t, s, Params{"market": "us", "keyword": "a&b=c%d?"})
	assert.Equal(t, k1, k2)
	assert.Equal(t, "cpc?keyword=a%26b%3Dc%25d%3F&market=us", k1)
	dt, params, ok := ParseKey(k1)
	require.True(t, ok)
	assert.Equal(t, "cpc", dt)
	assert.Equal(t, Params{"keyword": "a&b=c%d?", "market": "us"}, params)
	assert.NotEqual(t, mustKey(t, s, Params{"keyword": "a", "market": "us"}), mustKey(t, s, Params{"keyword": "a&market=us"}))
}

func mustKey(t *testing.T, s *schema, params Params) string {
	t.Helper()
	k, err := s.key(params)
	require.NoError(t, err)
	return k
}

// FuzzParamsAndKey checks the one key builder from both sides: the key a
// resolve looks the read-through tier up with, built before validation,
// is the key it stores valid params under; every valid key parses back to
// its params; and params that fail validation are refused with a
// *ParamError.
func FuzzParamsAndKey(f *testing.F) {
	f.Add("shoes", "us", "retail", "", "")
	f.Add("a&b=c", "uk", "x_y", "extra", "")
	f.Add("\x00", "", "Ω", "k", "")
	f.Add(strings.Repeat("z", 200), "de", "%%", "", "")
	f.Add("shoes", "", "", "", "alice+probe@example.org")
	s := compileSchema(mustDefaults(securityConfig()).DataTypes[0], []byte("fuzz-key"))
	f.Fuzz(func(t *testing.T, keyword, market, industry, extra, email string) {
		params := Params{"keyword": keyword}
		for name, v := range map[string]string{"market": market, "industry": industry, "email": email} {
			if v != "" {
				params[name] = v
			}
		}
		if extra != "" {
			params[extra] = "v"
		}
		var kb keyBuffer
		_, hotKey, complete := kb.build(s, params)
		key, err := s.key(params)
		if err != nil {
			var pe *ParamError
			require.ErrorAs(t, err, &pe)
			require.ErrorIs(t, err, ErrInvalidParams)
			return
		}
		require.True(t, complete, "valid params must take the hot path")
		require.Equal(t, key, string(hotKey), "the hot-path key is the stored key")
		dt, back, ok := ParseKey(key)
		require.True(t, ok, "key %q does not parse", key)
		require.Equal(t, "cpc", dt)
		require.Len(t, back, len(params))
		for k, v := range params {
			if k == "email" {
				require.Equal(t, hashValue([]byte("fuzz-key"), v), back[k], "a sensitive value is keyed by its hash")
				require.NotContains(t, key, v)
				continue
			}
			require.Equal(t, v, back[k], "key %q: param %q", key, k)
		}
	})
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(validYAML))
	f.Add([]byte("providers: [{name: a, tier: primary}]\ndata_types: [{name: x, primary: [a]}]"))
	f.Add([]byte("data_types: {name: 3}"))
	f.Add([]byte("&a [*a]"))
	f.Add([]byte("resolve: {deadline: -1s}\ndata_types: [{name: x, ttl: 1h, bounds: {min: .nan}}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("error does not match ErrInvalidConfig: %v", err)
			}
			return
		}
		// A config that parses must also pass New's checks (providers
		// aside, which need implementations).
		cfg.Providers = nil
		for i := range cfg.DataTypes {
			cfg.DataTypes[i].Primary, cfg.DataTypes[i].Secondary = nil, nil
		}
		if _, p := cfg.withDefaults(); len(p) > 0 {
			t.Fatalf("parsed config fails validation: %v", p.err())
		}
	})
}

func mustDefaults(c Config) Config {
	out, p := c.withDefaults()
	if len(p) > 0 {
		panic(p.err())
	}
	return out
}

func TestResolverKey(t *testing.T) {
	r := newTestResolver(t, testConfig(), newStub(1), newStub(1))
	k, err := r.Key("cpc", Params{"market": "uk", "keyword": "a b"})
	require.NoError(t, err)
	assert.Equal(t, "cpc?keyword=a b&market=uk", k)
	_, err = r.Key("cpc", Params{"market": "uk"})
	assert.ErrorIs(t, err, ErrInvalidParams)
	_, err = r.Key("nope", nil)
	assert.ErrorIs(t, err, ErrUnknownDataType)
}

func TestUnknownParamNameIsBoundedInErrors(t *testing.T) {
	s := compileSchema(mustDefaults(testConfig()).DataTypes[0], nil)
	_, err := s.key(Params{"keyword": "a", strings.Repeat("x", 10000): "v"})
	var pe *ParamError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, ParamUnknown, pe.Problem)
	assert.Less(t, len(err.Error()), 300)
	assert.Contains(t, pe.Detail, "truncated")
}

// A refused value's error names a few of the allowed values and how many
// there are, and cuts a long pattern: it does not grow with the config, so
// a caller's bad value costs no more to report under a list of 100 000
// values (which made every refusal a 1 MB message) than under three.
func TestNotAllowedDetailIsBounded(t *testing.T) {
	cfg := testConfig()
	allowed := make([]string, 100_000)
	for i := range allowed {
		allowed[i] = fmt.Sprintf("market%06d", i)
	}
	cfg.DataTypes[0].Params[1].Allowed = allowed
	cfg.DataTypes[0].Params[2].Pattern = strings.Repeat("[a-z_]", 20_000)
	cfg.DataTypes[0].Default.Segments = nil
	s := compileSchema(mustDefaults(cfg).DataTypes[0], nil)

	_, err := s.key(Params{"keyword": "a", "market": "nope"})
	var pe *ParamError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, ParamNotAllowed, pe.Problem)
	assert.Less(t, len(err.Error()), 1024, err.Error())
	assert.Contains(t, pe.Detail, "market000000, market000001")
	assert.Contains(t, pe.Detail, "100000 values")

	_, err = s.key(Params{"keyword": "a", "industry": "NOPE"})
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, ParamNotAllowed, pe.Problem)
	assert.Less(t, len(err.Error()), 1024)
	assert.Contains(t, pe.Detail, "does not match ^(?:[a-z_][a-z_]")

	// A short list is still given whole.
	s = compileSchema(mustDefaults(testConfig()).DataTypes[0], nil)
	_, err = s.key(Params{"keyword": "a", "market": "fr"})
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "allowed: de, uk, us", pe.Detail)
}

// collect fills every spec's slot (clearing what a reused buffer held)
// and refuses what cannot have a stored key, without checking values.
func TestSchemaCollect(t *testing.T) {
	s := compileSchema(testConfig().DataTypes[0], nil) // specs sorted: industry, keyword, market
	dirty := func() []string { return []string{"x", "y", "z"} }
	for _, tc := range []struct {
		params Params
		ok     bool
		want   []string
	}{
		{Params{"keyword": "shoes"}, true, []string{"", "shoes", ""}},
		{Params{"keyword": "shoes", "market": "us"}, true, []string{"", "shoes", "us"}},
		{Params{"market": "us"}, true, []string{"", "", "us"}}, // a missing required param is validation's to report
		{Params{"keyword": "shoes", "industry": "retail"}, true, []string{"retail", "shoes", ""}},
		{Params{"keyword": "shoes", "market": "us", "industry": "retail"}, true, []string{"retail", "shoes", "us"}},
		{Params{}, true, []string{"", "", ""}},
		{Params{"keyword": "shoes", "colour": "red"}, false, nil},
		{Params{"keyword": ""}, false, nil},
	} {
		vals := dirty()
		ok := s.collect(tc.params, vals)
		assert.Equal(t, tc.ok, ok, "%v", tc.params)
		if tc.ok {
			assert.Equal(t, tc.want, vals, "%v", tc.params)
		}
	}
}
