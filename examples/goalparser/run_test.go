package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// today is the fixed -now of the tests: Wednesday, November 25, 2026.
const today = "2026-11-25"

// runIn runs the program with args inside a synctest bubble: the fake
// providers' latencies pass in virtual time, so the run is exact and
// instant, and the bubble fails the test if a goroutine outlives the
// resolver's Close.
func runIn(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	var err error
	synctest.Test(t, func(t *testing.T) {
		err = run(t.Context(), args, &out)
	})
	return out.String(), err
}

// line is one -json output line.
type line struct {
	Goal   string `json:"goal"`
	Parsed *struct {
		Metric    string   `json:"metric"`
		Direction string   `json:"direction"`
		Amount    float64  `json:"amount"`
		Unit      string   `json:"unit"`
		Deadline  *string  `json:"deadline"`
		Budget    *float64 `json:"budget"`
	} `json:"parsed"`
	Verdict          *string  `json:"verdict"`
	Confidence       *float64 `json:"confidence"`
	Error            *string  `json:"error"`
	ErrorField       string   `json:"error_field"`
	Months           float64  `json:"months"`
	MonthsFrom       string   `json:"months_from"`
	Current          float64  `json:"current"`
	CurrentFrom      string   `json:"current_from"`
	Target           float64  `json:"target"`
	RequiredMonthly  *float64 `json:"required_monthly"`
	BenchmarkMonthly float64  `json:"benchmark_monthly"`
	StretchMonthly   float64  `json:"stretch_monthly"`
	BudgetNeeded     *float64 `json:"budget_needed"`
	WrongWay         bool     `json:"wrong_way"`
	Degraded         []string `json:"degraded"`
	Notes            []string `json:"notes"`
	Benchmarks       []bench  `json:"benchmarks"`
	raw              string   // the line as printed
	keys             []string // its top-level keys
}

// bench is one benchmark of a line.
type bench struct {
	DataType   string            `json:"data_type"`
	Params     map[string]string `json:"params"`
	Value      float64           `json:"value"`
	Layer      string            `json:"layer"`
	Source     string            `json:"source"`
	Confidence float64           `json:"confidence"`
	Lower      *float64          `json:"lower"`
	Upper      *float64          `json:"upper"`
	Cost       float64           `json:"cost"`
}

// runJSON runs the program with -json and -now today, then the extra
// args, on goals, and decodes one line per goal.
func runJSON(t *testing.T, extra []string, goals ...string) ([]line, error) {
	t.Helper()
	args := append([]string{"-json", "-now", today}, extra...)
	out, err := runIn(t, append(args, goals...)...)
	var lines []line
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var l line
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l), "line %q", sc.Text())
		var m map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m))
		for k := range m {
			l.keys = append(l.keys, k)
		}
		l.raw = sc.Text()
		lines = append(lines, l)
	}
	require.Len(t, lines, len(goals), "one line per goal:\n%s", out)
	for i, l := range lines {
		require.Equal(t, goals[i], l.Goal, "lines in the order of the goals")
		for _, k := range []string{"goal", "parsed", "verdict", "confidence", "error"} {
			assert.Contains(t, l.keys, k, "line %d has %q: %s", i, k, l.raw)
		}
	}
	return lines, err
}

// goalCase is one phrasing of the end-to-end table and what the program
// must make of it: a metric and verdict, or an error naming a field and
// quoting a part.
type goalCase struct {
	text     string
	metric   string
	verdict  string
	wrongWay bool
	note     string // a note that must be present
	field    string // for a malformed goal: the part it could not read
	part     string // ... quoted in the message
}

// goalCases are judged with the default flags (primary answers, seed 7,
// saas, us). The verdicts were chosen with a margin: the pace each needs
// is well inside its band (see TestRunVerdictsFollowTheRule).
var goalCases = []goalCase{
	// The examples.
	{text: "increase qualified leads by 20% in Q3 with a $50k budget", metric: "qualified_leads", verdict: "realistic"},
	{text: "cut CPA to $35 by March", metric: "cpa", verdict: "unrealistic"},
	{text: "double organic traffic this year", metric: "organic_traffic", verdict: "unrealistic"},

	// Realistic.
	{text: "grow leads by 10% by June", metric: "leads", verdict: "realistic"},
	{text: "increase signups by 5% by next quarter", metric: "signups", verdict: "realistic"},
	{text: "boost sessions 10% within 6 months", metric: "sessions", verdict: "realistic"},
	{text: "reduce churn by 5% by Q2", metric: "churn_rate", verdict: "realistic"},
	{text: "improve conversion rate by 0.2 points by H2 2027", metric: "conversion_rate", verdict: "realistic"},
	{text: "We want 15% more demo requests from paid search by the end of next year", metric: "demos", verdict: "realistic"},
	{text: "Lower cost per click by 5 percent over the next 2 quarters", metric: "cpc", verdict: "realistic"},
	{text: "hit 500 signups by June", metric: "signups", verdict: "realistic", note: "already better than the target"},
	{text: "keep CPA under $80", metric: "cpa", verdict: "realistic", note: "already better than the target"},
	{text: "grow revenue by 10% by next year with €20k", metric: "revenue", verdict: "realistic", note: "amounts in EUR"},

	// Stretch.
	{text: "grow revenue 15% QoQ", metric: "revenue", verdict: "stretch"},
	{text: "increase leads by 80% by Q3", metric: "leads", verdict: "stretch"},
	{text: "Increase MQLs by 35% by Q2 2027", metric: "qualified_leads", verdict: "stretch"},

	// Unrealistic.
	{text: "triple demo requests by H2", metric: "demos", verdict: "unrealistic"},
	{text: "10x installs by next month", metric: "installs", verdict: "unrealistic"},
	{text: "halve CPC by end of year", metric: "cpc", verdict: "unrealistic"},
	{text: "increase retention rate by 30% by Q3", metric: "retention_rate", verdict: "unrealistic", note: "above 100%"},
	{text: "cut bounce rate by 60 points", metric: "bounce_rate", verdict: "unrealistic", note: "not above zero"},

	// The wrong way: flagged, judged by size.
	{text: "increase CPA by 10% by Q3", metric: "cpa", verdict: "realistic", wrongWay: true, note: "worse direction"},

	// A budget too small for the goal.
	{text: "increase signups by 50% by Q4 2027 with a $500 budget", metric: "signups", verdict: "stretch", note: "downgraded to stretch"},
	{text: "increase signups by 50% by Q4 2027 with a $50k budget", metric: "signups", verdict: "realistic"},
	{text: "increase signups by 50% by Q4 2027 spending $500", metric: "signups", verdict: "stretch", note: "downgraded to stretch"},
	{text: "increase signups by 50% by Q4 2027 with 50k spend", metric: "signups", verdict: "realistic"},
	{text: "hit 10k monthly active users by December with 25k spend", metric: "users", verdict: "realistic", note: "already better than the target"},

	// Malformed.
	{text: "increase blorps by 20%", field: "metric", part: "blorps"},
	{text: "increase leads by lots", field: "amount", part: "by lots"},
	{text: "cut CPA to $35 by Smarch", field: "deadline", part: "by Smarch"},
	{text: "increase leads", field: "change", part: "increase leads"},
	{text: "", field: "goal", part: "empty"},
	{text: "increase leads by 20% with a $lots budget", field: "budget", part: "with a $lots budget"},
	{text: "increase leads by 20% by 6/30", field: "deadline", part: "6/30"},
	{text: "grow revenue by 50000%", field: "amount", part: "by 50000%"},
	{text: "increase CPA from $40 to $35", field: "direction", part: "from $40 to $35"},
	{text: "increase leads by 20% in Q5", field: "deadline", part: "Q5"},
	{text: "CTR to 150%", field: "amount", part: "to 150%"},
	{text: "increase leads and signups by 20%", field: "metric", part: "signups"},
}

func goalTexts(cases []goalCase) []string {
	out := make([]string, len(cases))
	for i, c := range cases {
		out[i] = c.text
	}
	return out
}

// TestRunGoalTable runs every phrasing through the program in one run and
// checks each line: the verdict of a goal that parsed, the message naming
// the unreadable part of one that did not, and the non-zero return after
// every goal was written.
func TestRunGoalTable(t *testing.T) {
	require.GreaterOrEqual(t, len(goalCases), 30)
	malformed := 0
	for _, c := range goalCases {
		if c.field != "" {
			malformed++
		}
	}
	require.GreaterOrEqual(t, malformed, 8)

	lines, err := runJSON(t, nil, goalTexts(goalCases)...)
	require.ErrorIs(t, err, errUnreadable)
	assert.Contains(t, err.Error(), fmt.Sprintf("%d of %d", malformed, len(goalCases)))
	assert.NotErrorIs(t, err, errUnresolved)

	for i, c := range goalCases {
		l := lines[i]
		t.Run(c.text, func(t *testing.T) {
			if c.field != "" {
				assert.Nil(t, l.Parsed, l.raw)
				assert.Nil(t, l.Verdict, l.raw)
				assert.Nil(t, l.Confidence, l.raw)
				require.NotNil(t, l.Error, l.raw)
				assert.Equal(t, c.field, l.ErrorField, l.raw)
				assert.Contains(t, *l.Error, c.part, "the message names the part")
				assert.Empty(t, l.Benchmarks)
				assert.Contains(t, l.raw, `"parsed":null`)
				return
			}
			require.Nil(t, l.Error, l.raw)
			require.NotNil(t, l.Parsed, l.raw)
			require.NotNil(t, l.Verdict, l.raw)
			assert.Equal(t, c.metric, l.Parsed.Metric)
			assert.Equal(t, c.verdict, *l.Verdict, l.raw)
			assert.Equal(t, c.wrongWay, l.WrongWay, l.raw)
			if c.note != "" {
				assert.True(t, anyContains(l.Notes, c.note), "notes %q lack %q", l.Notes, c.note)
			}
			// Every figure from the primary: confidence 0.9, no degraded.
			require.NotNil(t, l.Confidence)
			assert.Equal(t, 0.9, *l.Confidence)
			assert.Empty(t, l.Degraded)
			for _, b := range l.Benchmarks {
				assert.Contains(t, []string{"primary", "cache"}, b.Layer, l.raw)
				assert.Equal(t, "benchmarks_api", b.Source)
				assert.Equal(t, map[string]string{"metric": c.metric, "industry": "saas", "market": "us"}, b.Params)
			}
		})
	}
}

func anyContains(ss []string, sub string) bool {
	for _, s := range ss {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// TestRunVerdictsFollowTheRule checks every judged line of the table
// against the documented rule, from the numbers the line itself reports,
// with the margin the table's verdicts rely on.
func TestRunVerdictsFollowTheRule(t *testing.T) {
	lines, _ := runJSON(t, nil, goalTexts(goalCases)...)
	for _, l := range lines {
		if l.Verdict == nil {
			continue
		}
		if l.RequiredMonthly == nil {
			assert.Equal(t, "unrealistic", *l.Verdict, "an impossible target: %s", l.raw)
			continue
		}
		req, g, ceil := *l.RequiredMonthly, l.BenchmarkMonthly, l.StretchMonthly
		assert.InDelta(t, 2*g, ceil, 1e-5, "the stretch ceiling is twice the benchmark without an interval")
		want := "unrealistic"
		switch {
		case req <= g:
			want = "realistic"
		case req <= ceil:
			want = "stretch"
		}
		if l.BudgetNeeded != nil && *l.Parsed.Budget < *l.BudgetNeeded {
			want = map[string]string{"realistic": "stretch", "stretch": "unrealistic", "unrealistic": "unrealistic"}[want]
		}
		assert.Equal(t, want, *l.Verdict, l.raw)
		// The margin: no pace within 5% of a band's edge.
		if req > 0 {
			for _, edge := range []float64{g, ceil} {
				assert.Greater(t, math.Abs(req-edge)/edge, 0.05, "%q needs %v, too close to %v", l.Goal, req, edge)
			}
		}
	}
}

// TestRunTextOutput checks the text blocks and the summary line.
func TestRunTextOutput(t *testing.T) {
	out, err := runIn(t, "-now", today,
		"increase qualified leads by 20% in Q3 with a $50k budget",
		"double organic traffic this year",
		"increase leads by lots")
	require.ErrorIs(t, err, errUnreadable)
	blocks := strings.Split(strings.TrimSpace(out), "\n\n")
	require.Len(t, blocks, 4, out)

	first := blocks[0]
	for _, want := range []string{
		"increase qualified leads by 20% in Q3 with a $50k budget\n",
		"  parsed     increase qualified_leads by 20% by 2027-09-30 on a budget of 50000 USD\n",
		"  verdict    realistic, confidence 0.90\n",
		"  needs      +1.8% a month for 10.19 months (deadline)\n",
		"  budget     $50,000 against $",
		"  figures    metric_growth ",
		"cost_per_result",
		"primary  benchmarks_api  0.90",
	} {
		assert.Contains(t, first, want)
	}
	assert.NotContains(t, first, "degraded")
	assert.Contains(t, blocks[1], "  verdict    unrealistic, confidence 0.90\n")
	assert.Contains(t, blocks[2], `  error      goal: cannot read the amount in "increase leads by lots": "by lots" is not a number or ratio`)
	assert.Equal(t, "3 goals: 1 realistic, 0 stretch, 1 unrealistic, 1 failed; benchmarks by layer: primary 5; data cost $0.100", blocks[3])
}

// TestRunOutagePrimary takes the benchmark API down: the industry reports
// answer every figure, with their lower confidence, and every goal still
// gets its verdict.
func TestRunOutagePrimary(t *testing.T) {
	goals := []string{
		"increase qualified leads by 20% in Q3 with a $50k budget",
		"grow leads by 10% by June",
		"double organic traffic this year",
		"improve CTR from 2% to 3%",
	}
	lines, err := runJSON(t, []string{"-outage", "primary"}, goals...)
	require.NoError(t, err)
	want := []string{"realistic", "realistic", "unrealistic", "stretch"}
	for i, l := range lines {
		require.NotNil(t, l.Verdict, l.raw)
		assert.Equal(t, want[i], *l.Verdict, l.raw)
		assert.Equal(t, 0.7, *l.Confidence, "the secondary's confidence: %s", l.raw)
		assert.Empty(t, l.Degraded, "a secondary answer is not degraded")
		for _, b := range l.Benchmarks {
			assert.Equal(t, "secondary", b.Layer)
			assert.Equal(t, "industry_reports", b.Source)
		}
	}
	// The CTR goal states its level: only metric_growth is resolved.
	assert.Len(t, lines[3].Benchmarks, 1)
	assert.Equal(t, "goal", lines[3].CurrentFrom)
}

// TestRunOutageAll takes both providers down with no history: every
// figure is a default, the confidence falls to mean × 0.8 per degraded
// figure, the text names them, and every goal still gets its verdict.
func TestRunOutageAll(t *testing.T) {
	goals := []string{
		"increase qualified leads by 20% in Q3 with a $50k budget",
		"grow leads by 10% by June",
		"double organic traffic this year",
		"improve CTR from 2% to 3%",
	}
	lines, err := runJSON(t, []string{"-outage", "all", "-history", "0"}, goals...)
	require.NoError(t, err)
	want := []string{"realistic", "realistic", "unrealistic", "stretch"}
	// Defaults have confidence 0.32 (segment 0.4, less 10% for each of
	// the two host factors it had to guess).
	wantConf := []float64{0.16, 0.2, 0.2, 0.26}
	for i, l := range lines {
		require.NotNil(t, l.Verdict, l.raw)
		assert.Equal(t, want[i], *l.Verdict, l.raw)
		assert.Equal(t, wantConf[i], *l.Confidence, l.raw)
		require.Len(t, l.Degraded, len(l.Benchmarks))
		for j, b := range l.Benchmarks {
			assert.Equal(t, "default", b.Layer)
			assert.Equal(t, "default:segment", b.Source)
			assert.Equal(t, 0.32, b.Confidence)
			assert.Equal(t, b.DataType+" from default", l.Degraded[j])
		}
	}
	// A default is the configured average: 200 qualified leads, growth 4%.
	assert.Equal(t, 200.0, lines[0].Current)
	assert.Equal(t, 0.04, lines[0].BenchmarkMonthly)

	out, err := runIn(t, "-now", today, "-outage", "all", "-history", "0", goals[0])
	require.NoError(t, err)
	assert.Contains(t, out, "  verdict    realistic, confidence 0.16\n")
	assert.Contains(t, out, "  degraded   metric_growth from default, metric_level from default, cost_per_result from default\n")
	assert.Contains(t, out, "benchmarks by layer: default 3;")
}

// TestRunOutageAllForecast takes both providers down with the preloaded
// history: metric_growth is forecast (with its interval), the rest are
// defaults, and the confidence is below the primary's.
func TestRunOutageAllForecast(t *testing.T) {
	lines, err := runJSON(t, []string{"-outage", "all"},
		"increase qualified leads by 20% in Q3 with a $50k budget",
		"double organic traffic this year")
	require.NoError(t, err)
	for _, l := range lines {
		require.NotNil(t, l.Verdict, l.raw)
		g := l.Benchmarks[0]
		assert.Equal(t, "metric_growth", g.DataType)
		assert.Equal(t, "statistical", g.Layer, l.raw)
		assert.True(t, strings.HasPrefix(g.Source, "stats:"), g.Source)
		require.NotNil(t, g.Lower, "a forecast has an interval")
		require.NotNil(t, g.Upper)
		assert.Less(t, *g.Lower, g.Value)
		assert.Greater(t, *g.Upper, g.Value)
		for _, b := range l.Benchmarks[1:] {
			assert.Equal(t, "default", b.Layer)
		}
		assert.Len(t, l.Degraded, len(l.Benchmarks))
		assert.Less(t, *l.Confidence, 0.5)
	}
	assert.Equal(t, "realistic", *lines[0].Verdict)
	assert.Equal(t, "unrealistic", *lines[1].Verdict)
}

// TestRunBudgetSqueeze: the same goal with a tiny budget is downgraded one
// step, and the line says what the goal needs.
func TestRunBudgetSqueeze(t *testing.T) {
	lines, err := runJSON(t, nil,
		"increase signups by 50% by Q4 2027",
		"increase signups by 50% by Q4 2027 with a $500 budget",
		"increase signups by 50% by Q4 2027 with a $50k budget",
		"double organic traffic this year with a $100 budget",
	)
	require.NoError(t, err)
	assert.Equal(t, "realistic", *lines[0].Verdict)
	assert.Nil(t, lines[0].BudgetNeeded, "no budget, no check")
	assert.Len(t, lines[0].Benchmarks, 2)

	squeezed := lines[1]
	assert.Equal(t, "stretch", *squeezed.Verdict)
	require.NotNil(t, squeezed.BudgetNeeded)
	assert.Greater(t, *squeezed.BudgetNeeded, 500.0)
	assert.Equal(t, 500.0, *squeezed.Parsed.Budget)
	assert.True(t, anyContains(squeezed.Notes, "realistic downgraded to stretch"), "%q", squeezed.Notes)
	require.Len(t, squeezed.Benchmarks, 3)
	cost := squeezed.Benchmarks[2]
	assert.Equal(t, "cost_per_result", cost.DataType)
	// One month of the extra signups at the target, at the cost of one.
	assert.InDelta(t, (squeezed.Target-squeezed.Current)*cost.Value, *squeezed.BudgetNeeded, 0.5)

	assert.Equal(t, "realistic", *lines[2].Verdict, "the same goal with enough budget")
	assert.Equal(t, *squeezed.BudgetNeeded, *lines[2].BudgetNeeded)
	assert.Equal(t, "unrealistic", *lines[3].Verdict, "unrealistic stays unrealistic")
}

// TestRunExitStatus: all goals are written whatever fails, and the error
// comes after them.
func TestRunExitStatus(t *testing.T) {
	_, err := runJSON(t, nil, "grow leads by 10% by June", "cut CPA to $35 by March")
	assert.NoError(t, err, "every goal judged")

	lines, err := runJSON(t, nil, "grow leads by 10% by June", "grow leads by lots", "cut CPA to $35 by March")
	require.ErrorIs(t, err, errUnreadable)
	assert.Equal(t, "goals could not be read: 1 of 3", err.Error())
	assert.NotNil(t, lines[2].Verdict, "goals after the unreadable one are judged")
}

// TestRunFlags: every flag's bad value is refused before any goal, in
// words that name the flag, quote the value and say what is wanted —
// never a regexp or the flag package's "parse error" — and nothing is
// written to stdout.
func TestRunFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-outage", "half", "x"}, `-outage "half": want none, primary (the benchmark API is down) or all (every provider is down)`},
		{[]string{"-now", "25/11/2026", "x"}, `-now "25/11/2026": want a date written YYYY-MM-DD, such as 2026-11-25`},
		{[]string{"-now", "2026-02-30", "x"}, `-now "2026-02-30": want a date written YYYY-MM-DD, such as 2026-11-25`},
		{[]string{"-industry", "Retail!", "x"}, `-industry "Retail!": want 2 to 32 letters and _, such as saas, ecommerce or b2b_software`},
		{[]string{"-industry", "x", "x"}, `-industry "x": want 2 to 32 letters and _, such as saas, ecommerce or b2b_software`},
		{[]string{"-market", "usa", "x"}, `-market "usa": want a two-letter market code, such as us, gb or de`},
		{[]string{"-horizon", "0", "x"}, `-horizon "0": want months above 0, at most 120`},
		{[]string{"-horizon", "NaN", "x"}, `-horizon "NaN": want months above 0, at most 120`},
		{[]string{"-horizon", "a year", "x"}, `-horizon "a year": want months above 0, at most 120`},
		{[]string{"-history", "-1", "x"}, `-history "-1": want a whole number of months, 0 to 1200`},
		{[]string{"-history", "1e9", "x"}, `-history "1e9": want a whole number of months, 0 to 1200`},
		{[]string{"-seed", "-1", "x"}, `-seed "-1": want a whole number, 0 or more`},
		{[]string{"-json=maybe", "x"}, `-json "maybe": want true or false (or the flag alone for true)`},
		{[]string{"-now"}, "-now needs a value"},
		{[]string{"-nope", "x"}, "unknown flag -nope (goalparser -help lists the flags)"},
		{nil, `no goal given: write each goal as an argument, such as goalparser 'cut CPA to $35 by March' (goalparser -help lists the flags)`},
		{[]string{"-json"}, `no goal given: write each goal as an argument, such as goalparser 'cut CPA to $35 by March' (goalparser -help lists the flags)`},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			out, err := runIn(t, c.args...)
			require.EqualError(t, err, c.want)
			assert.Empty(t, out, "nothing on stdout")
		})
	}
	_, err := runIn(t)
	assert.ErrorIs(t, err, errNoGoals)
}

// TestRunReadsFlagsAsWritten: codes and modes in any case are read as
// meant.
func TestRunReadsFlagsAsWritten(t *testing.T) {
	lines, err := runJSON(t, []string{"-industry", "SaaS", "-market", "US", "-outage", "All"}, "grow leads by 10% by June")
	require.NoError(t, err)
	require.Len(t, lines, 1)
	require.NotNil(t, lines[0].Verdict)
	require.NotEmpty(t, lines[0].Benchmarks)
	for _, b := range lines[0].Benchmarks {
		assert.Equal(t, "saas", b.Params["industry"])
		assert.Equal(t, "us", b.Params["market"])
		assert.Contains(t, []string{"statistical", "default"}, b.Layer, "-outage All takes every provider down")
	}
}

// TestRunHelp: -help (or -h) prints the usage, what the program does and
// every flag, and is not an error, so the program exits 0.
func TestRunHelp(t *testing.T) {
	for _, arg := range []string{"-help", "-h"} {
		out, err := runIn(t, arg)
		require.NoError(t, err, "%s is not an error", arg)
		assert.Contains(t, out, "usage: goalparser")
		assert.Contains(t, out, "says whether each is realistic", "says what the program does")
		for _, name := range []string{"json", "now", "outage", "seed", "industry", "market", "horizon", "history"} {
			assert.Regexp(t, `(?m)^  -`+name+`( |\t|$)`, out, "%s documents -%s", arg, name)
		}
	}
}

// TestRunDeterministic: two runs with the same seed print the same bytes;
// another seed gives other benchmark values.
func TestRunDeterministic(t *testing.T) {
	goals := goalTexts(goalCases[:6])
	args := append([]string{"-json", "-now", today}, goals...)
	a, _ := runIn(t, args...)
	b, _ := runIn(t, args...)
	assert.Equal(t, a, b)
	c, _ := runIn(t, append([]string{"-seed", "8"}, args...)...)
	assert.NotEqual(t, a, c)
}

// TestRunResolveErrors: a resolve cut short (the context is cancelled)
// leaves the goal without a verdict and makes run fail with
// errUnresolved.
func TestRunResolveErrors(t *testing.T) {
	var out bytes.Buffer
	var err error
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err = run(ctx, []string{"-json", "-now", today, "-history", "0", "grow leads by 10% by June"}, &out)
	})
	require.ErrorIs(t, err, errUnresolved)
	var l line
	require.NoError(t, json.Unmarshal(out.Bytes(), &l))
	require.NotNil(t, l.Error)
	assert.Contains(t, *l.Error, "resolving metric_growth")
	assert.NotNil(t, l.Parsed, "the goal was read")
	assert.Nil(t, l.Verdict)
	assert.False(t, errors.Is(err, errUnreadable))
}
