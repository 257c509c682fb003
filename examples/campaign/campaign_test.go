package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) {
	// A key in the developer's environment must never send a test to
	// the network.
	getenv = func(string) string { return "" }
	os.Exit(m.Run())
}

// runText runs the program in a synctest bubble — the fakes' latencies,
// the timeouts and the breakers on virtual time — and returns its output.
func runText(t *testing.T, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	synctest.Test(t, func(t *testing.T) {
		require.NoError(t, run(t.Context(), args, &out))
	})
	return out.String()
}

// report is the part of the -json output the tests read.
type report struct {
	Budget     float64 `json:"budget"`
	DataCost   float64 `json:"data_cost"`
	DataBudget float64 `json:"data_budget"`
	Plan       []struct {
		Channel             string     `json:"channel"`
		Keyword             string     `json:"keyword"`
		Amount              float64    `json:"amount"`
		CPC                 float64    `json:"cpc"`
		ConversionRate      float64    `json:"conversion_rate"`
		ExpectedClicks      float64    `json:"expected_clicks"`
		ClicksRange         [2]float64 `json:"expected_clicks_range"`
		ExpectedConversions float64    `json:"expected_conversions"`
		ConversionsRange    [2]float64 `json:"expected_conversions_range"`
	} `json:"plan"`
	Figures []struct {
		DataType   string            `json:"data_type"`
		Params     map[string]string `json:"params"`
		Value      float64           `json:"value"`
		Range      [2]float64        `json:"range"`
		RangeFrom  string            `json:"range_from"`
		Layer      string            `json:"layer"`
		Source     string            `json:"source"`
		Confidence float64           `json:"confidence"`
		Cost       float64           `json:"cost"`
	} `json:"figures"`
	Layers map[string]int `json:"layers"`
}

func runJSON(t *testing.T, args ...string) report {
	t.Helper()
	out := runText(t, append([]string{"-json"}, args...)...)
	var r report
	require.NoError(t, json.Unmarshal([]byte(out), &r), out)
	return r
}

// checkPlan asserts what every plan promises: one line per (channel,
// keyword), amounts in whole cents adding up to the budget exactly, and
// expectations inside their ranges.
func checkPlan(t *testing.T, r report, lines int) {
	t.Helper()
	require.Len(t, r.Plan, lines)
	var cents int64
	for _, l := range r.Plan {
		c := math.Round(l.Amount * 100)
		assert.InDelta(t, c, l.Amount*100, 1e-6, "whole cents: %v", l.Amount)
		cents += int64(c)
		assert.Positive(t, l.Amount)
		assert.InDelta(t, l.Amount/l.CPC, l.ExpectedClicks, 0.01)
		assert.LessOrEqual(t, l.ClicksRange[0], l.ExpectedClicks+1e-9)
		assert.GreaterOrEqual(t, l.ClicksRange[1], l.ExpectedClicks-1e-9)
		assert.LessOrEqual(t, l.ConversionsRange[0], l.ExpectedConversions+1e-9)
		assert.GreaterOrEqual(t, l.ConversionsRange[1], l.ExpectedConversions-1e-9)
	}
	assert.Equal(t, int64(math.Round(r.Budget*100)), cents, "the plan adds up to the budget")
	assert.LessOrEqual(t, r.DataCost, r.DataBudget+1e-9, "the data budget is never overspent")
}

func layersOf(r report) map[string]int {
	m := map[string]int{}
	for _, f := range r.Figures {
		m[f.Layer]++
	}
	return m
}

func TestRunDefaultReport(t *testing.T) {
	text := runText(t)
	for _, want := range []string{
		"Campaign plan: retail in US, month 11, goal: conversions",
		"Budget $10,000.00 a month over 2 channels × 4 keywords.",
		"CHANNEL  KEYWORD",
		"total                   $10,000.00  100.0%",
		"Data: 21 figures for $0.316 of a $1.00 data budget; answered by primary 19, secondary 2.",
		"FIGURE             FOR",
		"cpc (social, trail shoes, us): ads_api failed (permanent) → benchmarks (secondary)",
	} {
		assert.Contains(t, text, want)
	}
	// 4 head lines, 1 + 8 + 1 plan rows, a blank, the data line, a blank,
	// 1 + 21 figure rows, a blank, 3 fallback lines.
	assert.Len(t, strings.Split(strings.TrimSpace(text), "\n"), 4+10+2+1+22+1+3)
	// Seeded fakes and request-decided faults: the same report every run,
	// whatever order the parallel resolves take.
	assert.Equal(t, text, runText(t), "the default report is deterministic")
}

func TestRunDefaultJSON(t *testing.T) {
	r := runJSON(t)
	assert.Equal(t, 10000.0, r.Budget)
	assert.Equal(t, 1.0, r.DataBudget)
	assert.Less(t, r.DataCost, 1.00, "the default brief costs under $1.00 of data")
	assert.InDelta(t, 0.316, r.DataCost, 1e-9)
	checkPlan(t, r, 8)
	require.Len(t, r.Figures, 21)
	assert.Equal(t, map[string]int{"primary": 19, "secondary": 2}, layersOf(r))
	assert.Equal(t, map[string]int{"primary": 19, "secondary": 2, "cache": 0, "statistical": 0, "default": 0}, r.Layers)
	var sum float64
	for _, f := range r.Figures {
		assert.NotEmpty(t, f.DataType)
		assert.NotEmpty(t, f.Params)
		assert.NotEmpty(t, f.Source)
		assert.Positive(t, f.Confidence)
		assert.LessOrEqual(t, f.Range[0], f.Value)
		assert.GreaterOrEqual(t, f.Range[1], f.Value)
		sum += f.Cost
	}
	assert.InDelta(t, r.DataCost, sum, 1e-9, "the figures' costs add up to the data cost")

	// The efficient lines get more: social running shoes has the lowest
	// CPA and the largest amount.
	best := r.Plan[0]
	for _, l := range r.Plan {
		if l.Amount > best.Amount {
			best = l
		}
	}
	assert.Equal(t, "social/running shoes", best.Channel+"/"+best.Keyword)
}

func TestRunOutage(t *testing.T) {
	r := runJSON(t, "-outage", "ads_api")
	checkPlan(t, r, 8)
	for _, f := range r.Figures {
		switch f.DataType {
		case "cpc", "ctr":
			assert.Equal(t, "secondary", f.Layer, "%s %v", f.DataType, f.Params)
			assert.Equal(t, "benchmarks", f.Source)
		default:
			assert.Equal(t, "primary", f.Layer, "%s %v", f.DataType, f.Params)
		}
	}
	assert.Less(t, r.DataCost, 1.00)
}

func TestRunSlowProvider(t *testing.T) {
	// market_data 20× slower: its 60ms median becomes 1.2s, past its
	// 800ms timeout. The market figures time out and fall back within
	// each resolve's 2s deadline; the ad figures are untouched.
	r := runJSON(t, "-slow", "market_data")
	checkPlan(t, r, 8)
	for _, f := range r.Figures {
		switch f.DataType {
		case "market_growth", "competitor_spend", "seasonality_index":
			assert.Contains(t, []string{"primary", "secondary", "default"}, f.Layer)
		case "conversion_rate":
			assert.Equal(t, "primary", f.Layer)
		}
	}
	text := runText(t, "-slow", "market_data")
	assert.Contains(t, text, "Injected faults: market_data slow ×20.")
}

func TestRunBudgetSqueeze(t *testing.T) {
	r := runJSON(t, "-data-budget", "0.05")
	checkPlan(t, r, 8)
	assert.Equal(t, 0.05, r.DataBudget)
	assert.LessOrEqual(t, r.DataCost, 0.05+1e-9)
	l := layersOf(r)
	assert.Positive(t, l["default"], "figures the budget could not pay for come from the defaults")
	// The free provider (analytics) still answers.
	for _, f := range r.Figures {
		if f.DataType == "conversion_rate" {
			assert.Equal(t, "analytics", f.Source)
		}
	}

	r = runJSON(t, "-data-budget", "0")
	checkPlan(t, r, 8)
	assert.Zero(t, r.DataCost)
}

func TestRunAllFromDegradedLayers(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		r := runJSON(t, "-outage", "all")
		checkPlan(t, r, 8)
		assert.Equal(t, map[string]int{"default": 21}, layersOf(r))
		for _, f := range r.Figures {
			assert.True(t, strings.HasPrefix(f.Source, "default:"), f.Source)
			assert.Contains(t, f.RangeFrom, "from confidence")
		}
	})
	t.Run("forecasts from history", func(t *testing.T) {
		r := runJSON(t, "-outage", "all", "-history", "60")
		checkPlan(t, r, 8)
		assert.Equal(t, map[string]int{"statistical": 21}, layersOf(r))
		for _, f := range r.Figures {
			assert.True(t, strings.HasPrefix(f.Source, "stats:"), f.Source)
			assert.Equal(t, "80% prediction interval", f.RangeFrom)
			assert.Less(t, f.Range[0], f.Range[1])
		}
	})
	t.Run("text", func(t *testing.T) {
		text := runText(t, "-outage", "all")
		assert.Contains(t, text, "Injected faults: ads_api, analytics, market_data, benchmarks down.")
		assert.Contains(t, text, "answered by default 21.")
		assert.Contains(t, text, "→ default:base (default)")
	})
}

func TestRunBriefFile(t *testing.T) {
	dir := t.TempDir()
	yamlBrief := filepath.Join(dir, "brief.yaml")
	require.NoError(t, os.WriteFile(yamlBrief, []byte(`
industry: travel
market: uk
month: "07"
budget: 2500
channels: [search, display]
keywords: [city breaks, beach holidays, ski trips]
goal: clicks
`), 0o600))
	r := runJSON(t, "-brief", yamlBrief)
	assert.Equal(t, 2500.0, r.Budget)
	checkPlan(t, r, 6)
	assert.Equal(t, "display", r.Plan[3].Channel)
	assert.Equal(t, "city breaks", r.Plan[3].Keyword)
	assert.Len(t, r.Figures, 3+2*(1+2*3))

	// Flags given override the file; JSON is YAML.
	jsonBrief := filepath.Join(dir, "brief.json")
	require.NoError(t, os.WriteFile(jsonBrief, []byte(`{"industry": "travel", "budget": 900, "keywords": ["a", "b"]}`), 0o600))
	r = runJSON(t, "-brief", jsonBrief, "-budget", "1234.56", "-channels", "social")
	assert.Equal(t, 1234.56, r.Budget)
	checkPlan(t, r, 2)

	// A goal of clicks puts the money where clicks are cheapest.
	r = runJSON(t, "-goal", "clicks", "-channels", "search,social")
	checkPlan(t, r, 8)
	var cheapest, largest int
	for i, l := range r.Plan {
		if l.CPC < r.Plan[cheapest].CPC {
			cheapest = i
		}
		if l.Amount > r.Plan[largest].Amount {
			largest = i
		}
	}
	assert.Equal(t, cheapest, largest)
}

// TestRunRejectsBadInput: every flag's bad value is refused before any
// figure is resolved, in words that name the flag, quote the value and say
// what is wanted (the valid months, channels, providers...), never a
// regexp or the flag package's "parse error"; and nothing is written to
// stdout.
func TestRunRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	unknownField := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(unknownField, []byte("industry: retail\nbudgett: 5\n"), 0o600))
	missing := filepath.Join(dir, "missing.yaml")
	const (
		channels  = "(the channels are search, social and display)"
		providers = "(the providers are ads_api, analytics, market_data and benchmarks, or all)"
	)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-nope"}, "unknown flag -nope (campaign -help lists the flags)"},
		{[]string{"-budget"}, "-budget needs a value"},
		{[]string{"-json=maybe"}, `-json "maybe": want true or false (or the flag alone for true)`},
		{[]string{"---x"}, `cannot read "---x" as a flag: write -name or -name=value`},
		{[]string{"extra"}, `unexpected argument "extra": campaign takes flags only (campaign -help lists them)`},
		{[]string{"-industry", "Retail!"}, `-industry "Retail!": want an industry in letters and _, such as retail, ecommerce or home_goods`},
		{[]string{"-market", "USA"}, `-market "USA": want a two-letter market code, such as us, gb or de`},
		{[]string{"-month", "13"}, `-month "13": not a month (the months are 01 to 12, or jan to dec)`},
		{[]string{"-month", "Smarch"}, `-month "Smarch": not a month (the months are 01 to 12, or jan to dec)`},
		{[]string{"-budget", "0"}, `-budget "0": want an amount between 0.01 and 1000000000`},
		{[]string{"-budget", "10k"}, `-budget "10k": want an amount between 0.01 and 1000000000`},
		{[]string{"-budget", "NaN"}, `-budget "NaN": want an amount between 0.01 and 1000000000`},
		{[]string{"-channels", "radio"}, `-channels "radio": unknown channel "radio" ` + channels},
		{[]string{"-channels", "search,tv"}, `-channels "search,tv": unknown channel "tv" ` + channels},
		{[]string{"-channels", ""}, `-channels "": no channel given ` + channels},
		{[]string{"-channels", "search,Search"}, `-channels "search,Search": "search" is given twice`},
		{[]string{"-keywords", strings.Repeat("k", 81)}, `-keywords "` + strings.Repeat("k", 81) + `": a keyword of 81 bytes, at most 80 ("kkkkkkkkkkkkkkkkkkkkk"...)`},
		{[]string{"-keywords", "a,a"}, `-keywords "a,a": "a" is given twice`},
		{[]string{"-keywords", ","}, `-keywords ",": no keyword given`},
		{[]string{"-keywords", "a\x00b"}, `-keywords "a\x00b": "a\x00b" has a control character or is not UTF-8`},
		{[]string{"-goal", "fame"}, `-goal "fame": want conversions, clicks or impressions`},
		{[]string{"-data-budget", "-1"}, `-data-budget "-1": want an amount of money, 0 or more, such as 1 or 0.05`},
		{[]string{"-deadline", "5"}, `-deadline "5": want a duration above zero with its unit, such as 5s, 1500ms or 1m`},
		{[]string{"-deadline", "0s"}, `-deadline "0s": want a duration above zero with its unit, such as 5s, 1500ms or 1m`},
		{[]string{"-parallel", "-1"}, `-parallel "-1": want a whole number, 0 or more (0: every figure at once)`},
		{[]string{"-parallel", "two"}, `-parallel "two": want a whole number, 0 or more (0: every figure at once)`},
		{[]string{"-seed", "-1"}, `-seed "-1": want a whole number, 0 or more`},
		{[]string{"-history", "-1"}, `-history "-1": want a whole number of periods, 0 to 1000`},
		{[]string{"-history", "1001"}, `-history "1001": want a whole number of periods, 0 to 1000`},
		{[]string{"-outage", "ads"}, `-outage "ads": unknown provider "ads" ` + providers},
		{[]string{"-slow", "ads_api,fast"}, `-slow "ads_api,fast": unknown provider "fast" ` + providers},
		{[]string{"-slow", "all", "-slow-factor", "0.5"}, `-slow-factor "0.5": want a multiplier between 1 and 1000`},
		{[]string{"-brief", missing}, "-brief: cannot read " + missing + ": no such file or directory"},
		{[]string{"-brief", unknownField}, "-brief " + unknownField + `: line 2: unknown field "budgett" (did you mean "budget"?); the fields are industry, market, month, budget, channels, keywords, goal`},
		{[]string{"-serve", "0.0.0.0:8080"}, `-serve "0.0.0.0:8080": not a loopback address; the dashboard shows your data to whoever reaches it — pass -serve-public to serve beyond this machine`},
		{[]string{"-serve", "nope"}, `-serve "nope": want host:port, such as 127.0.0.1:8080 or localhost:8080`},
		{[]string{"-serve", "127.0.0.1:99999"}, `-serve "127.0.0.1:99999": want host:port, such as 127.0.0.1:8080 or localhost:8080`},
		{[]string{"-fred-url", "::bad"}, `-fred-url "::bad": want an http or https URL, such as https://api.example.com`},
		{[]string{"-worldbank-url", "ftp://x"}, `-worldbank-url "ftp://x": want an http or https URL, such as https://api.example.com`},
		{[]string{"-alphavantage-url", "example.com"}, `-alphavantage-url "example.com": want an http or https URL, such as https://api.example.com`},
		{[]string{"-html", filepath.Join(missing, "r.html")}, "-html: cannot write " + filepath.Join(missing, "r.html") + ": no such file or directory"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var out bytes.Buffer
				err := run(t.Context(), tc.args, &out)
				require.EqualError(t, err, tc.want)
				assert.NotContains(t, err.Error(), "^", "no regexp")
				if tc.args[0] != "-html" {
					assert.Empty(t, out.String(), "nothing on stdout")
				}
			})
		})
	}
}

// TestRunReadsFlagsAsWritten: the values a person may write for a month,
// a market, an industry, a channel and a goal are read as meant.
func TestRunReadsFlagsAsWritten(t *testing.T) {
	briefOf := func(args ...string) brief {
		t.Helper()
		var r struct {
			Brief brief `json:"brief"`
		}
		out := runText(t, append([]string{"-json", "-keywords", "running shoes"}, args...)...)
		require.NoError(t, json.Unmarshal([]byte(out), &r))
		return r.Brief
	}
	for _, month := range []string{"7", "07", "jul", "July", " JUL "} {
		assert.Equal(t, "07", briefOf("-month", month, "-channels", "search").Month, "-month %q", month)
	}
	b := briefOf("-market", "US", "-industry", "Retail", "-channels", "Search, SOCIAL", "-goal", "Clicks")
	assert.Equal(t, "us", b.Market)
	assert.Equal(t, "retail", b.Industry)
	assert.Equal(t, []string{"search", "social"}, b.Channels)
	assert.Equal(t, "clicks", b.Goal)
}

// TestRunHelp: -help (or -h) prints the usage and every flag to stdout,
// and is not an error, so the program exits 0.
func TestRunHelp(t *testing.T) {
	flags := []string{
		"brief", "industry", "market", "month", "budget", "channels", "keywords", "goal",
		"data-budget", "deadline", "parallel", "seed", "outage", "slow", "slow-factor", "history",
		"json", "html", "serve", "serve-public", "chaos",
		"fred-key", "alphavantage-key", "worldbank", "fred-url", "worldbank-url", "alphavantage-url",
	}
	for _, arg := range []string{"-help", "-h"} {
		var out bytes.Buffer
		require.NoError(t, run(t.Context(), []string{arg}, &out), "%s is not an error", arg)
		assert.Contains(t, out.String(), "usage: campaign")
		for _, name := range flags {
			assert.Regexp(t, `(?m)^  -`+name+`( |$)`, out.String(), "%s documents -%s", arg, name)
		}
	}
}

func TestRunShippedBrief(t *testing.T) {
	r := runJSON(t, "-brief", "brief.yaml")
	assert.Equal(t, 25000.0, r.Budget)
	checkPlan(t, r, 3*5)
	require.Len(t, r.Figures, 3+3*(1+2*5))
	assert.Less(t, r.DataCost, 1.00, "a 3 × 5 brief still costs under $1.00 of data")
}

func TestRunOverallDeadline(t *testing.T) {
	// Every provider 20× slower and 300ms for the whole generation: the
	// resolves answer from the layers that need no provider before the
	// deadline, and the plan is still made.
	r := runJSON(t, "-slow", "all", "-deadline", "300ms")
	checkPlan(t, r, 8)
	l := layersOf(r)
	assert.Equal(t, 21, l["default"]+l["primary"]+l["secondary"])
	assert.Positive(t, l["default"])
}

func TestRunCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		var out bytes.Buffer
		err := run(ctx, nil, &out)
		require.Error(t, err)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Empty(t, out.String())
	})
}
