package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/fallback"
)

// generated is a valid scenario whose keys are generated; the error cases
// edit it. Its lines: keys 9, generate 10, the two data types 12 and 13,
// the params 15 and 16, the provider's data types 20.
const generated = `
name: g
seed: 1
requests: 10
concurrency: 2
time_scale: 0.1
deadline: 2s
history: {points: 30}
keys:
  generate: 400
  data_types:
    - {data_type: cpc, weight: 3, truth: {level: [0.5, 2], trend: [-0.001, 0.002], season_period: 7, season_amplitude: [0.05, 0.1], noise: 0.03}, default_ratio: [0.8, 1.2]}
    - {data_type: ctr, truth: {level: 0.04}}
  params:
    keyword: {words: 2}
    market: {values: [us, uk, de]}
providers:
  - name: p
    tier: primary
    data_types: [cpc, ctr]
    latency: {median: 100ms, p99: 400ms}
`

// editGenerated returns generated with each old (once) replaced by its new.
func editGenerated(t *testing.T, oldNew ...string) []byte {
	t.Helper()
	doc := generated
	for i := 0; i+1 < len(oldNew); i += 2 {
		require.Contains(t, doc, oldNew[i])
		doc = strings.Replace(doc, oldNew[i], oldNew[i+1], 1)
	}
	return []byte(doc)
}

func TestGenerateKeys(t *testing.T) {
	sc, err := parseScenario([]byte(generated))
	require.NoError(t, err)
	require.Len(t, sc.Keys, 400)
	word := `([bdfgklmnprstvz][aeiou]){2,3}`
	seen := map[string]bool{}
	types := map[string]int{}
	for i, k := range sc.Keys {
		ck := canonicalKey(k.DataType, k.Params)
		require.False(t, seen[ck], "keys[%d] %s repeats an earlier key", i, ck)
		seen[ck] = true
		types[k.DataType]++
		require.Len(t, k.Params, 2, "keys[%d] params", i)
		assert.Regexp(t, `^`+word+` `+word+`$`, k.Params["keyword"], "keys[%d] keyword", i)
		assert.Contains(t, []string{"us", "uk", "de"}, k.Params["market"], "keys[%d] market", i)
		tr := k.Truth
		switch k.DataType {
		case "cpc":
			assert.True(t, tr.Level >= 0.5 && tr.Level <= 2, "keys[%d] level %v outside [0.5, 2]", i, tr.Level)
			assert.True(t, tr.Trend >= -0.001 && tr.Trend <= 0.002, "keys[%d] trend %v", i, tr.Trend)
			assert.True(t, tr.SeasonAmplitude >= 0.05 && tr.SeasonAmplitude <= 0.1, "keys[%d] season amplitude %v", i, tr.SeasonAmplitude)
			assert.Equal(t, truthSpec{Level: tr.Level, Trend: tr.Trend, SeasonPeriod: 7, SeasonAmplitude: tr.SeasonAmplitude, Noise: 0.03}, tr, "keys[%d] truth", i)
			assert.True(t, k.Default >= 0.8*tr.Level && k.Default <= 1.2*tr.Level, "keys[%d] default %v, level %v: want a ratio in [0.8, 1.2]", i, k.Default, tr.Level)
		case "ctr":
			assert.Equal(t, truthSpec{Level: 0.04}, tr, "keys[%d] truth: the fixed values and the zero defaults", i)
			assert.Equal(t, 0.04, k.Default, "keys[%d] default: default_ratio 1 when unset", i)
		default:
			t.Fatalf("keys[%d] data type %q", i, k.DataType)
		}
	}
	// Drawn by weight, 3 to 1.
	assert.InDelta(t, 0.75, float64(types["cpc"])/400, 0.06, "cpc share, drawn with weight 3 against 1")

	again, err := parseScenario([]byte(generated))
	require.NoError(t, err)
	assert.Equal(t, sc.Keys, again.Keys, "the same scenario generated other keys")
	other, err := parseScenario(editGenerated(t, "seed: 1", "seed: 2"))
	require.NoError(t, err)
	assert.NotEqual(t, sc.Keys[0].Params, other.Keys[0].Params, "another seed generated the same first key")

	// The generated keys compile, and derive a config fallback accepts.
	keys := compileKeys(sc)
	require.Len(t, keys, 400)
	assert.Equal(t, canonicalKey(sc.Keys[9].DataType, sc.Keys[9].Params), keys[9].canon)
	assert.Len(t, keys[9].history, 30, "history points")
	cfg, err := mergeResolver(deriveConfig(sc), &sc.Resolver)
	require.NoError(t, err)
	require.Len(t, cfg.DataTypes, 2)
	assert.Len(t, cfg.DataTypes[0].Default.Segments, types[cfg.DataTypes[0].Name], "a default segment per key")
	w, err := newWorld(sc, keys)
	require.NoError(t, err)
	r, err := fallback.New(cfg, fallback.WithProvider("p", w.provs[0]))
	require.NoError(t, err)
	require.NoError(t, r.Close())
}

// TestGenerateFromValuesOnly: without a words param the keys are the
// combinations of the values, drawn until enough distinct ones are found;
// asking for every combination gets every one.
func TestGenerateFromValuesOnly(t *testing.T) {
	sc, err := parseScenario(editGenerated(t, "generate: 400", "generate: 6", "keyword: {words: 2}", "keyword: {values: [shoes]}"))
	require.NoError(t, err)
	var got []string
	for _, k := range sc.Keys {
		got = append(got, canonicalKey(k.DataType, k.Params))
	}
	assert.ElementsMatch(t, []string{
		"cpc?keyword=shoes&market=us", "cpc?keyword=shoes&market=uk", "cpc?keyword=shoes&market=de",
		"ctr?keyword=shoes&market=us", "ctr?keyword=shoes&market=uk", "ctr?keyword=shoes&market=de",
	}, got)
}

func TestGenerateErrorsNameTheField(t *testing.T) {
	cpc := "{data_type: cpc, weight: 3, truth: {level: [0.5, 2], trend: [-0.001, 0.002], season_period: 7, season_amplitude: [0.05, 0.1], noise: 0.03}, default_ratio: [0.8, 1.2]}"
	cases := []struct {
		name    string
		oldNew  []string
		want    string
		wantAll []string // when the edit gives more than one problem
	}{
		{"no keys", []string{"generate: 400", "generate: 0"}, "keys.generate: must be a number of keys in [1, 10000], got 0 (line 10)", nil},
		{"too many keys", []string{"generate: 400", "generate: 10001"}, "keys.generate: must be a number of keys in [1, 10000], got 10001 (line 10)", nil},
		{"too much history", []string{"points: 30", "points: 5000", "generate: 400", "generate: 1001"}, "keys.generate: 1001 keys × 5000 history points is over 5000000 observations (line 10)", nil},
		{"too few combinations", []string{"keyword: {words: 2}", "keyword: {values: [shoes, boots]}"}, "keys.generate: 400 keys, but the data types and param values make only 12 distinct keys (line 10)", nil},
		{"misspelt generate", []string{"generate: 400", "generat: 400"}, `keys.generat: unknown field (did you mean "generate"?) (line 10)`, []string{
			`scenario: keys.generat: unknown field (did you mean "generate"?) (line 10)`,
			"scenario: keys.generate: must be a number of keys in [1, 10000], got 0 (line 10)",
		}},
		{"misspelt weight", []string{"weight: 3", "wieght: 3"}, `keys.data_types[0].wieght: unknown field (did you mean "weight"?) (line 12)`, nil},
		{"misspelt words", []string{"{words: 2}", "{word: 2}"}, `keys.params.keyword.word: unknown field (did you mean "words"?) (line 15)`, []string{
			`scenario: keys.params.keyword.word: unknown field (did you mean "words"?) (line 15)`,
			"scenario: keys.params.keyword: needs values (a list to draw from) or words (a made-up phrase of that many words) (line 15)",
		}},

		{"no data types", []string{"    - " + cpc + "\n    - {data_type: ctr, truth: {level: 0.04}}\n", "", "  data_types:\n", "  data_types: []\n"}, "keys.data_types: at least one data type is required (line 11)", []string{
			"scenario: keys.data_types: at least one data type is required (line 11)",
			`scenario: providers[0].data_types[0]: "cpc" is not the data type of any key (line 18)`,
			`scenario: providers[0].data_types[1]: "ctr" is not the data type of any key (line 18)`,
		}},
		{"bad data type", []string{"data_type: ctr", "data_type: CTR"}, `keys.data_types[1].data_type: must be a lower-case name ([a-z][a-z0-9_]*), got "CTR" (line 13)`, []string{
			`scenario: keys.data_types[1].data_type: must be a lower-case name ([a-z][a-z0-9_]*), got "CTR" (line 13)`,
			`scenario: providers[0].data_types[1]: "ctr" is not the data type of any key (line 20)`,
		}},
		{"repeated data type", []string{"data_type: ctr", "data_type: cpc"}, `keys.data_types[1].data_type: "cpc" is also keys.data_types[0] (line 13)`, []string{
			`scenario: keys.data_types[1].data_type: "cpc" is also keys.data_types[0] (line 13)`,
			`scenario: providers[0].data_types[1]: "ctr" is not the data type of any key (line 20)`,
		}},
		{"negative weight", []string{"weight: 3", "weight: -3"}, "keys.data_types[0].weight: must be positive and finite, got -3 (line 12)", nil},
		{"level missing", []string{"truth: {level: 0.04}", "truth: {noise: 0.01}"}, "keys.data_types[1].truth.level: required: a number or a [min, max] range (line 13)", nil},
		{"level not positive", []string{"level: [0.5, 2]", "level: [0, 2]"}, "keys.data_types[0].truth.level: must be positive and finite, got [0, 2] (line 12)", nil},
		{"range reversed", []string{"level: [0.5, 2]", "level: [2, 0.5]"}, "keys.data_types[0].truth.level: a range must be [min, max] with min ≤ max, got [2, 0.5] (line 12)", nil},
		{"level a word", []string{"level: 0.04", "level: high"}, "keys.data_types[1].truth.level: cannot unmarshal !!str `high` into float64 (line 13)", nil},
		{"range of three", []string{"level: [0.5, 2]", "level: [0.5, 1, 2]"}, "keys.data_types[0].truth.level: cannot unmarshal !!seq `[0.5, 1, 2]` into a [min, max] range: it has 3 values (line 12)", nil},
		{"range a mapping", []string{"level: 0.04", "level: {min: 1}"}, "keys.data_types[1].truth.level: cannot unmarshal !!map into a number or a [min, max] range (line 13)", nil},
		{"trend", []string{"trend: [-0.001, 0.002]", "trend: [-0.001, 0.6]"}, "keys.data_types[0].truth.trend: must be in (-0.5, 0.5) per period, got [-0.001, 0.6] (line 12)", nil},
		{"trend too steep for the history", []string{"points: 30", "points: 5000", "trend: [-0.001, 0.002]", "trend: [-0.001, 0.01]", "generate: 400", "generate: 100"}, "keys.data_types[0].truth.trend: grows the series past 1e12 over 5000 periods (line 12)", nil},
		{"season without period", []string{"truth: {level: 0.04}", "truth: {level: 0.04, season_amplitude: 0.1}"}, "keys.data_types[1].truth.season_period: required (at least 2) when season_amplitude is set (line 13)", nil},
		{"season period 1", []string{"season_period: 7", "season_period: 1"}, "keys.data_types[0].truth.season_period: must be 0 (no season) or at least 2, got 1 (line 12)", nil},
		{"noise", []string{"noise: 0.03", "noise: 0.5"}, "keys.data_types[0].truth.noise: must be in [0, 0.3), got 0.5 (line 12)", nil},
		{"default ratio", []string{"default_ratio: [0.8, 1.2]", "default_ratio: -1"}, "keys.data_types[0].default_ratio: must be finite and not negative, got -1 (line 12)", nil},
		{"no params", []string{"  params:\n    keyword: {words: 2}\n    market: {values: [us, uk, de]}\n", "  params: {}\n"}, "keys.params: at least one param is required (a key is a data type and its params) (line 14)", nil},
		{"values and words", []string{"{words: 2}", "{words: 2, values: [a]}"}, "keys.params.keyword.words: values and words exclude each other (line 15)", nil},
		{"too many words", []string{"{words: 2}", "{words: 9}"}, "keys.params.keyword.words: must be in [1, 8], got 9 (line 15)", nil},
		{"repeated value", []string{"[us, uk, de]", "[us, uk, us]"}, `keys.params.market.values[2]: "us" is also values[0] (line 16)`, nil},
		{"unprintable value", []string{"[us, uk, de]", `[us, "u\u0001k", de]`}, "keys.params.market.values[1]: must be a non-empty printable value of at most 128 bytes (line 16)", nil},
		{"bad param name", []string{"market: {", "Market: {"}, "keys.params.Market: param names must match [a-z][a-z0-9_]* (line 16)", nil},
		{"provider data type", []string{"data_types: [cpc, ctr]", "data_types: [cpc, cpm]"}, `providers[0].data_types[1]: "cpm" is not the data type of any key (line 20)`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := parseScenario(editGenerated(t, tc.oldNew...))
			require.Error(t, err, "parse succeeded: %+v", sc)
			if tc.wantAll != nil {
				assert.EqualError(t, err, strings.Join(tc.wantAll, "\n"))
				return
			}
			assert.EqualError(t, err, "scenario: "+tc.want)
		})
	}
}

// TestGenerateReportsEveryProblem: the generator's problems come with
// the rest of the file's, each with its field and line, in line order.
func TestGenerateReportsEveryProblem(t *testing.T) {
	_, err := parseScenario(editGenerated(t,
		"concurrency: 2", "concurrency: two",
		"generate: 400", "generate: -1",
		"level: [0.5, 2]", "level: [2, 0.5]",
		"truth: {level: 0.04}", "truth: {levle: 0.04}",
		"{words: 2}", "{words: 0}",
		"tier: primary", "tier: best"))
	assert.EqualError(t, err, strings.Join([]string{
		"scenario: concurrency: cannot unmarshal !!str `two` into int (line 5)",
		"scenario: keys.generate: must be a number of keys in [1, 10000], got -1 (line 10)",
		"scenario: keys.data_types[0].truth.level: a range must be [min, max] with min ≤ max, got [2, 0.5] (line 12)",
		`scenario: keys.data_types[1].truth.levle: unknown field (did you mean "level"?) (line 13)`,
		"scenario: keys.data_types[1].truth.level: required: a number or a [min, max] range (line 13)",
		"scenario: keys.params.keyword: needs values (a list to draw from) or words (a made-up phrase of that many words) (line 15)",
		`scenario: providers[0].tier: must be primary or secondary, got "best" (line 19)`,
	}, "\n"))
}

// TestExplicitKeysStillStrict: the list form keeps its own checks, with
// the fields and lines it had.
func TestExplicitKeysStillStrict(t *testing.T) {
	_, err := parseScenario(edit(t, "", "truth: {level: 1.2}", "truht: {level: 1.2}"))
	assert.EqualError(t, err, strings.Join([]string{
		"scenario: keys[0].truth.level: must be positive and finite, got 0 (line 9)",
		`scenario: keys[0].truht: unknown field (did you mean "truth"?) (line 11)`,
	}, "\n"))
	_, err = parseScenario(edit(t, "", "level: 1.2", "level: [1, 2]"))
	assert.EqualError(t, err, "scenario: keys[0].truth.level: cannot unmarshal !!seq into float64 (line 11)")
}

// TestKeysOfTheWrongKind: keys must be a list or a generator; a scalar is
// a type error of keys, and the providers' data types are not checked
// against keys that were not read.
func TestKeysOfTheWrongKind(t *testing.T) {
	doc := generated[:strings.Index(generated, "keys:")] + "keys: 400\n" + generated[strings.Index(generated, "providers:"):]
	_, err := parseScenario([]byte(doc))
	assert.EqualError(t, err, "scenario: keys: cannot unmarshal !!int `400` into a list of keys or a key generator (line 9)")
	_, err = parseScenario(edit(t, "", "keys:\n", "keys: {}\n", "  - data_type: cpc\n    params: {keyword: shoes}\n    truth: {level: 1.2}\n    default: 1\n", ""))
	assert.EqualError(t, err, strings.Join([]string{
		"scenario: keys.generate: must be a number of keys in [1, 10000], got 0 (line 8)",
		"scenario: keys.data_types: at least one data type is required (line 8)",
		"scenario: keys.params: at least one param is required (a key is a data type and its params) (line 8)",
		`scenario: providers[0].data_types[0]: "cpc" is not the data type of any key (line 12)`,
	}, "\n"))
}
