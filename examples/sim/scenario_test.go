package main

import (
	"io/fs"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
)

// minimal is a valid scenario the error cases edit.
const minimal = `
name: t
seed: 1
requests: 10
concurrency: 2
time_scale: 0.1
deadline: 2s
keys:
  - data_type: cpc
    params: {keyword: shoes}
    truth: {level: 1.2}
    default: 1
providers:
  - name: p
    tier: primary
    data_types: [cpc]
    latency: {median: 100ms, p99: 400ms}
`

func TestShippedScenariosParse(t *testing.T) {
	entries, err := fs.ReadDir(shipped, "scenarios")
	require.NoError(t, err)
	assert.Len(t, entries, len(shippedOrder), "shipped files, against shippedOrder")
	for _, name := range shippedOrder {
		sc, err := shippedScenario(name)
		if !assert.NoError(t, err, name) {
			continue
		}
		assert.Equal(t, name, sc.Name, "%s.yaml's name", name)
		want := 4000
		if name == "blackout-herd" {
			want = 20000
		}
		assert.Equal(t, want, sc.Requests, "%s: requests, want the %d the targets are stated for", name, want)
	}
	for _, e := range entries {
		assert.Equal(t, ".yaml", path.Ext(e.Name()), "unexpected file %s", path.Join("scenarios", e.Name()))
	}
}

// TestProbeScenariosParse keeps the probe scenarios in testdata/probe
// (hostile scenarios not shipped, run one at a time with -scenario) valid
// as the format changes, and their resolver: blocks accepted.
func TestProbeScenariosParse(t *testing.T) {
	files, err := filepath.Glob("testdata/probe/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		sc, err := loadScenario(f)
		if !assert.NoError(t, err, f) {
			continue
		}
		assert.Equal(t, strings.TrimSuffix(filepath.Base(f), ".yaml"), sc.Name, "%s: name", f)
		_, err = mergeResolver(deriveConfig(sc), &sc.Resolver)
		assert.NoError(t, err, f)
	}
}

func TestParseAppliesDefaults(t *testing.T) {
	sc, err := parseScenario([]byte(minimal + `
    rate_limit: {per_second: 2.5}
    events:
      - {from: 0.1, to: 0.2, kind: down}
      - {from: 0.1, to: 0.2, kind: flapping, period: 3}
`))
	require.NoError(t, err)
	p := sc.Providers[0]
	assert.Equal(t, "zipf", sc.Workload)
	assert.Equal(t, 24*time.Hour, sc.History.Period, "history.period")
	assert.Equal(t, 0.8, p.Confidence)
	assert.Equal(t, providers.Transient, p.errClass, "error class")
	assert.Equal(t, 3, p.RateLimit.Burst, "burst, want ⌈per_second⌉")
	assert.Equal(t, providers.Unavailable, p.Events[0].class, "down's class")
	assert.Equal(t, providers.Unavailable, p.Events[1].class, "flapping's class")
	assert.Equal(t, 200*time.Millisecond, sc.scale(2*time.Second), "scale at time scale 0.1")
	assert.Equal(t, 200*time.Millisecond, sc.virtual(20*time.Millisecond), "virtual at time scale 0.1")
}

// TestParseInBoundsGarbageAndShifts: the in-bounds garbage kinds, key
// matches and truth events parse, with their defaults: a unit error is
// ×10 unless given, a truth event lasts to the end of the run unless
// given, a match takes a value or a list.
func TestParseInBoundsGarbageAndShifts(t *testing.T) {
	sc, err := parseScenario([]byte(minimal + `    events:
      - {from: 0.1, to: 0.2, kind: unit}
      - {from: 0.2, to: 0.3, kind: unit, factor: 0.1, match: {keyword: shoes}}
      - {from: 0.3, to: 0.4, kind: zero, match: {keyword: [shoes, boots]}}
      - {from: 0.4, to: 0.5, kind: frozen}
truth_events:
  - {from: 0.5, kind: shift, factor: 1.6}
  - {from: 0.2, to: 0.6, kind: shift, factor: 0.5, data_type: cpc, match: {keyword: shoes}}
`))
	require.NoError(t, err)
	ev := sc.Providers[0].Events
	require.Len(t, ev, 4)
	assert.Equal(t, 10.0, ev[0].Factor, "unit's default factor")
	assert.Equal(t, 0.1, ev[1].Factor, "unit's factor")
	assert.Equal(t, keyMatch{"keyword": {"shoes"}}, ev[1].Match, "a single value")
	assert.Equal(t, keyMatch{"keyword": {"shoes", "boots"}}, ev[2].Match, "a list")
	require.Len(t, sc.TruthEvents, 2)
	assert.Equal(t, truthEventSpec{From: 0.5, To: 1, Kind: "shift", Factor: 1.6}, sc.TruthEvents[0], "to defaults to the end of the run")
	assert.Equal(t, 0.6, sc.TruthEvents[1].To)
}

func TestKeyMatch(t *testing.T) {
	us := map[string]string{"keyword": "shoes", "market": "us"}
	uk := map[string]string{"keyword": "boots", "market": "uk"}
	for _, tc := range []struct {
		m      keyMatch
		us, uk bool
	}{
		{nil, true, true},
		{keyMatch{"market": {"us"}}, true, false},
		{keyMatch{"market": {"us", "uk"}}, true, true},
		{keyMatch{"market": {"us", "uk"}, "keyword": {"boots"}}, false, true},
		{keyMatch{"channel": {"web"}}, false, false},
	} {
		assert.Equal(t, tc.us, tc.m.selects(us), "%v selects %v", tc.m, us)
		assert.Equal(t, tc.uk, tc.m.selects(uk), "%v selects %v", tc.m, uk)
	}
}

func TestParseErrorsNameTheField(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want string
	}{
		{"unknown top field", minimal + "requets: 5\n", `scenario: requets: unknown field (did you mean "requests"?)`},
		{"unknown nested field", strings.Replace(minimal, "latency:", "latncy:", 1), `providers[0].latncy: unknown field (did you mean "latency"?)`},
		{"p99 below median", strings.Replace(minimal, "p99: 400ms", "p99: 50ms", 1), "providers[0].latency.p99: must be ≥ median (100ms), got 50ms"},
		{"duration without unit", strings.Replace(minimal, "deadline: 2s", "deadline: 2", 1), "deadline: cannot unmarshal !!int `2` into time.Duration"},
		{"bad duration", strings.Replace(minimal, "deadline: 2s", "deadline: soon", 1), "deadline: cannot unmarshal !!str `soon` into time.Duration"},
		{"negative count", strings.Replace(minimal, "requests: 10", "requests: -1", 1), "requests: must be positive, got -1"},
		{"wrong type", strings.Replace(minimal, "requests: 10", "requests: many", 1), "requests: cannot unmarshal !!str `many` into int"},
		{"zero time scale", strings.Replace(minimal, "time_scale: 0.1", "time_scale: 0", 1), "time_scale: must be in (0, 10]"},
		{"workload", minimal + "workload: pareto\n", `workload: must be zipf or uniform, got "pareto"`},
		{"tier", strings.Replace(minimal, "tier: primary", "tier: tertiary", 1), `providers[0].tier: must be primary or secondary, got "tertiary"`},
		{"unknown data type", strings.Replace(minimal, "data_types: [cpc]", "data_types: [cpc, ctr]", 1), `providers[0].data_types[1]: "ctr" is not the data type of any key`},
		{"error class", minimal + "    error_class: canceled\n", "providers[0].error_class: must be one of transient"},
		{"error rate", minimal + "    error_rate: 1.5\n", "providers[0].error_rate: must be a probability in [0, 1], got 1.5"},
		{"no keys", strings.Replace(minimal, "keys:\n  - data_type: cpc\n    params: {keyword: shoes}\n    truth: {level: 1.2}\n    default: 1\n", "keys: []\n", 1), "keys: at least one key is required"},
		{"level", strings.Replace(minimal, "level: 1.2", "level: 0", 1), "keys[0].truth.level: must be positive and finite, got 0"},
		{"season without period", strings.Replace(minimal, "level: 1.2", "level: 1.2, season_amplitude: 0.1", 1), "keys[0].truth.season_period: required"},
		{"duplicate key", strings.Replace(minimal, "providers:", "  - {data_type: cpc, params: {keyword: shoes}, truth: {level: 2}}\nproviders:", 1), "keys[1]: duplicates keys[0]"},
		{"bad param value", strings.Replace(minimal, "keyword: shoes", `keyword: "a\u0001b"`, 1), "keys[0].params.keyword: must be a non-empty printable value"},
		{"event kind", minimal + "    events: [{from: 0.1, to: 0.2, kind: melt}]\n", `providers[0].events[0].kind: must be down, slow, garbage, flapping, unit, zero, frozen or drift, got "melt"`},
		{"event window", minimal + "    events: [{from: 0.5, to: 0.2, kind: down}]\n", "providers[0].events[0].to: must be after from (0.5), got 0.2"},
		{"event fraction", minimal + "    events: [{from: 0.5, to: 2, kind: down}]\n", "providers[0].events[0].to: must be a fraction of the run in [0, 1], got 2"},
		{"factor on down", minimal + "    events: [{from: 0.1, to: 0.2, kind: down, factor: 3}]\n", "providers[0].events[0].factor: applies only to kind slow, unit or drift, not down"},
		{"factor on zero", minimal + "    events: [{from: 0.1, to: 0.2, kind: zero, factor: 3}]\n", "providers[0].events[0].factor: applies only to kind slow, unit or drift, not zero"},
		{"unit factor 1", minimal + "    events: [{from: 0.1, to: 0.2, kind: unit, factor: 1}]\n", "providers[0].events[0].factor: for unit: the multiplier of the provider's value (10 for ×10, 0.1 for ÷10), positive, finite and not 1, got 1"},
		{"unit factor negative", minimal + "    events: [{from: 0.1, to: 0.2, kind: unit, factor: -10}]\n", "providers[0].events[0].factor: for unit: the multiplier of the provider's value (10 for ×10, 0.1 for ÷10), positive, finite and not 1, got -10"},
		{"class on frozen", minimal + "    events: [{from: 0.1, to: 0.2, kind: frozen, class: auth}]\n", "providers[0].events[0].class: applies only to kind down or flapping, not frozen"},
		{"period on unit", minimal + "    events: [{from: 0.1, to: 0.2, kind: unit, period: 3}]\n", "providers[0].events[0].period: applies only to kind flapping, not unit"},
		{"match unknown param", minimal + "    events: [{from: 0.1, to: 0.2, kind: down, match: {market: us}}]\n", `providers[0].events[0].match.market: "market" is not a param of any key`},
		{"match selects nothing", minimal + "    events: [{from: 0.1, to: 0.2, kind: down, match: {keyword: [boots, heels]}}]\n", "providers[0].events[0].match: selects no key: no params of any key of cpc match"},
		{"match empty value", minimal + "    events: [{from: 0.1, to: 0.2, kind: down, match: {keyword: []}}]\n", "providers[0].events[0].match.keyword: want a param value or a list of them, none empty"},
		{"match of the wrong type", minimal + "    events: [{from: 0.1, to: 0.2, kind: down, match: {keyword: {a: b}}}]\n", "providers[0].events[0].match.keyword: cannot unmarshal !!map into a param value or a list of param values"},
		{"zero out of bounds", minimal + "    events: [{from: 0.1, to: 0.2, kind: zero}]\nresolver: {data_types: [{name: cpc, bounds: {min: 0.01, max: 100}}]}\n", `providers[0].events[0].kind: zero: 0 is outside the bounds of data type "cpc", [0.01, 100], so the bounds check rejects it: not in-bounds garbage (kind garbage answers out-of-bounds values)`},
		{"truth event kind", minimal + "truth_events: [{from: 0.5, kind: jump, factor: 2}]\n", `truth_events[0].kind: must be shift, got "jump"`},
		{"truth event factor", minimal + "truth_events: [{from: 0.5, kind: shift}]\n", "truth_events[0].factor: required for shift: the multiplier of the truth, positive and finite, got 0"},
		{"truth event window", minimal + "truth_events: [{from: 0.5, to: 0.4, kind: shift, factor: 2}]\n", "truth_events[0].to: must be after from (0.5), got 0.4"},
		{"truth event from", minimal + "truth_events: [{from: 1.5, kind: shift, factor: 2}]\n", "truth_events[0].from: must be a fraction of the run in [0, 1], got 1.5"},
		{"truth event data type", minimal + "truth_events: [{from: 0.5, kind: shift, factor: 2, data_type: ctr}]\n", `truth_events[0].data_type: "ctr" is not the data type of any key`},
		{"truth event match", minimal + "truth_events: [{from: 0.5, kind: shift, factor: 2, match: {keyword: boots}}]\n", "truth_events[0].match: selects no key: no params of any key match"},
		{"truth event field", minimal + "truth_events: [{from: 0.5, kind: shift, factr: 2}]\n", `truth_events[0].factr: unknown field (did you mean "factor"?)`},
		{"slow without factor", minimal + "    events: [{from: 0.1, to: 0.2, kind: slow}]\n", "providers[0].events[0].factor: required for slow"},
		{"flapping without period", minimal + "    events: [{from: 0.1, to: 0.2, kind: flapping}]\n", "providers[0].events[0].period: required for flapping"},
		{"class on garbage", minimal + "    events: [{from: 0.1, to: 0.2, kind: garbage, class: auth}]\n", "providers[0].events[0].class: applies only to kind down or flapping, not garbage"},
		{"rate limit", minimal + "    rate_limit: {per_second: 0}\n", "providers[0].rate_limit.per_second: must be positive and finite, got 0"},
		{"campaign", minimal + "campaign: {size: 0, budget: 1}\n", "campaign.size: must be positive, got 0"},
		{"duplicate provider", minimal + "  - {name: p, tier: secondary, data_types: [cpc]}\n", `providers[1].name: "p" is also providers[0]`},
		{"resolver alias cycle", minimal + "resolver: &x {a: *x}\n", "resolver: an alias refers to itself"},
		{"resolver alias bomb", minimal + "resolver:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n", "expand past 100000 nodes"},
		{"not a mapping", "- a\n- b\n", "cannot unmarshal !!seq into main.scenario"},
		{"syntax", "name: [unclosed\n", "scenario: "},
		{"empty", "", "scenario: empty document"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := parseScenario([]byte(tc.doc))
			require.Error(t, err, "parse succeeded: %+v", sc)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestParseErrorsCarryTheLine(t *testing.T) {
	_, err := parseScenario([]byte(strings.Replace(minimal, "p99: 400ms", "p99: 50ms", 1)))
	require.Error(t, err)
	assert.Regexp(t, `\(line 17\)$`, err.Error(), "want the line of providers[0].latency.p99")
}

// edit returns minimal with each old (once) replaced by its new, then more
// appended.
func edit(t *testing.T, more string, oldNew ...string) []byte {
	t.Helper()
	doc := minimal
	for i := 0; i+1 < len(oldNew); i += 2 {
		require.Contains(t, doc, oldNew[i])
		doc = strings.Replace(doc, oldNew[i], oldNew[i+1], 1)
	}
	return []byte(doc + more)
}

// TestParseReportsEveryProblem: unknown fields in different places (the
// resolver block's included), a value of the wrong type and a bad value
// are all reported in one error, each with its field and line, in the
// order of the lines.
func TestParseReportsEveryProblem(t *testing.T) {
	doc := edit(t, "requets: 5\nresolver: {resolve: {deadlin: 1s}}\n",
		"deadline: 2s", "deadline: soon",
		"tier: primary", "tier: tertiary",
		"latency:", "latncy:")
	_, err := parseScenario(doc)
	assert.EqualError(t, err, strings.Join([]string{
		"scenario: deadline: cannot unmarshal !!str `soon` into time.Duration (line 7)",
		`scenario: providers[0].tier: must be primary or secondary, got "tertiary" (line 15)`,
		`scenario: providers[0].latncy: unknown field (did you mean "latency"?) (line 17)`,
		`scenario: requets: unknown field (did you mean "requests"?) (line 18)`,
		`scenario: resolver.resolve.deadlin: unknown field (did you mean "deadline"?) (line 19)`,
	}, "\n"))

	// Two bad values, each with its line.
	_, err = parseScenario(edit(t, "", "requests: 10", "requests: 0", "tier: primary", "tier: x"))
	assert.EqualError(t, err, strings.Join([]string{
		"scenario: requests: must be positive, got 0 (line 4)",
		`scenario: providers[0].tier: must be primary or secondary, got "x" (line 15)`,
	}, "\n"))
}

// TestParseReportsAnUnreadFieldOnce: a value of the wrong type, or a
// mapping with a repeated key, is reported by the decoder and not again by
// validation (which would see a zero), here or in the fields it holds.
func TestParseReportsAnUnreadFieldOnce(t *testing.T) {
	_, err := parseScenario(edit(t, "", "requests: 10", "requests: many"))
	assert.EqualError(t, err, "scenario: requests: cannot unmarshal !!str `many` into int (line 4)")
	_, err = parseScenario(edit(t, "", "latency: {median: 100ms, p99: 400ms}", "latency: {median: 100ms, p99: verylongvalue}"))
	assert.EqualError(t, err, "scenario: providers[0].latency.p99: cannot unmarshal !!str `verylon...` into time.Duration (line 17)")
	_, err = parseScenario(edit(t, "campaign: 5\n"))
	assert.EqualError(t, err, "scenario: campaign: cannot unmarshal !!int `5` into main.campaignSpec (line 18)")
	// A repeated key leaves its mapping unread: the document, or a provider.
	_, err = parseScenario(edit(t, "seed: 2\n"))
	assert.EqualError(t, err, `scenario: seed: mapping key "seed" already defined at line 3 (line 18)`)
	_, err = parseScenario(edit(t, "    tier: secondary\n"))
	assert.EqualError(t, err, `scenario: providers[0].tier: mapping key "tier" already defined at line 15 (line 18)`)
}

// TestParseMissingFieldHasNoLine: a required field that is absent is
// reported without a line, after the problems that have one.
func TestParseMissingFieldHasNoLine(t *testing.T) {
	_, err := parseScenario(edit(t, "", "requests: 10\n", "", "tier: primary", "tier: x"))
	assert.EqualError(t, err, strings.Join([]string{
		`scenario: providers[0].tier: must be primary or secondary, got "x" (line 14)`,
		"scenario: requests: must be positive, got 0",
	}, "\n"))
}

// TestParseChecksTheResolverBlock: the resolver block's values are checked
// at parse time, merged over the derived config, when nothing else is
// wrong; with another problem, only its unknown fields are.
func TestParseChecksTheResolverBlock(t *testing.T) {
	block := "resolver:\n  resolve: {deadline: -1s}\n"
	_, err := parseScenario(edit(t, block))
	require.Error(t, err)
	assert.Regexp(t, `^scenario: resolver\.resolve\.deadline: must not be negative.* \(line 19\)$`, err.Error())

	_, err = parseScenario(edit(t, block, "tier: primary", "tier: x"))
	assert.EqualError(t, err, `scenario: providers[0].tier: must be primary or secondary, got "x" (line 15)`)
}

// TestParseReportsAloneWhatStopsTheRest: a syntax error, an empty document
// and a document that is not a mapping are the only problem reported.
func TestParseReportsAloneWhatStopsTheRest(t *testing.T) {
	for doc, want := range map[string]string{
		"name: [unclosed\nrequests: x\n": "scenario: did not find expected ',' or ']' (line 1)",
		"":                               "scenario: empty document",
		"- a\n- b\n":                     "scenario: cannot unmarshal !!seq into main.scenario (line 1)",
	} {
		_, err := parseScenario([]byte(doc))
		assert.EqualError(t, err, want, "document %q", doc)
	}
}
