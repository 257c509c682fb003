package goal

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustParse(t *testing.T, text string) Goal {
	t.Helper()
	g, err := Parse(text, testNow)
	require.NoError(t, err, "Parse(%q)", text)
	return g
}

func TestTarget(t *testing.T) {
	for _, tc := range []struct {
		text    string
		current float64
		want    float64
	}{
		{"increase leads by 20%", 1000, 1200},
		{"reduce CPA by 25%", 40, 30},
		{"double organic traffic", 5000, 10000},
		{"halve CPC", 2, 1},
		{"cut CPA 4x", 40, 10},
		{"increase leads by 500", 1000, 1500},
		{"cut CPC by 10 cents", 1.5, 1.4},
		{"increase conversion rate by 0.5 points", 2, 2.5},
		{"cut CPA to $35", 50, 35},
		{"improve CTR from 2% to 3%", 2, 3},
	} {
		g := mustParse(t, tc.text)
		assertClose(t, tc.want, g.Target(tc.current), "%q: Target(%v)", tc.text, tc.current)
	}
}

func TestImproves(t *testing.T) {
	for _, tc := range []struct {
		text          string
		better, known bool
	}{
		{"increase leads by 20%", true, true},
		{"increase CPA by 20%", false, true},
		{"cut CPA to $35", true, true},
		{"raise bounce rate to 60%", false, true},
		{"improve CPA by 10%", true, true},
		{"hit 500 signups", false, false},
		{"halve churn", true, true},
	} {
		better, known := mustParse(t, tc.text).Improves()
		assert.Equal(t, tc.better, better, "%q: Improves() better", tc.text)
		assert.Equal(t, tc.known, known, "%q: Improves() known", tc.text)
	}
	_, known := (Goal{Metric: "blorps", Intent: Increase}).Improves()
	assert.False(t, known, "Improves knows an unknown metric")
}

func TestString(t *testing.T) {
	for text, want := range map[string]string{
		"increase qualified leads by 20% in Q3 with a $50k budget": "increase qualified_leads by 20% by 2027-09-30 on a budget of 50000 USD",
		"cut CPA to $35 by March":                                  "reach cpa to 35 USD by 2027-03-31",
		"double organic traffic this year":                         "increase organic_traffic 2x by 2026-12-31",
		"reduce cost per acquisition by a third":                   "decrease cpa by 33.3333%",
		"improve CTR from 2% to 3%":                                "increase ctr 1.5x from 2%",
		"grow revenue 15% QoQ":                                     "increase revenue by 15% QoQ by 2026-12-31",
		"ROAS of 4x":                                               "reach roas to 4x",
		"improve ROAS by 1":                                        "increase roas by 1",
		"increase CTR by 0.5 points":                               "increase ctr by 0.5 points",
		"increase leads by 500 with a 10k budget":                  "increase leads by 500 on a budget of 10000",
	} {
		assert.Equal(t, want, mustParse(t, text).String(), "%q: String()", text)
	}
}

func TestMarshalJSON(t *testing.T) {
	for text, want := range map[string]string{
		"increase qualified leads by 20% in Q3 with a $50k budget": `{"metric":"qualified_leads","direction":"increase","amount":20,"unit":"percent","deadline":"2027-09-30","budget":50000,"metric_label":"qualified leads","intent":"increase","deadline_text":"in Q3","budget_currency":"USD"}`,
		"get 500 signups":           `{"metric":"signups","direction":"reach","amount":500,"unit":"absolute","deadline":null,"budget":null,"metric_label":"signups"}`,
		"improve CTR from 2% to 3%": `{"metric":"ctr","direction":"increase","amount":1.5,"unit":"multiple","deadline":null,"budget":null,"metric_label":"CTR","intent":"increase","baseline":2}`,
	} {
		b, err := json.Marshal(mustParse(t, text))
		if assert.NoError(t, err, "%q: Marshal", text) {
			assert.Equal(t, want, string(b), "%q: Marshal", text)
		}
	}
}

func TestUnmarshalJSON(t *testing.T) {
	g := mustParse(t, "cut CPA to €35 by March with a budget of 50,000 USD")
	b, err := json.Marshal(g)
	require.NoError(t, err)
	var back Goal
	require.NoError(t, json.Unmarshal(b, &back))
	g.Text = ""
	assert.Equal(t, g, back, "round trip")
	err = json.Unmarshal([]byte(`{"metric":"cpa","deadline":"March"}`), &back)
	if assert.Error(t, err, "Unmarshal of a bad deadline") {
		assert.Regexp(t, `^goal: deadline:`, err.Error(), "Unmarshal of a bad deadline")
	}
	assert.Equal(t, g, back, "a failed Unmarshal changed the goal")
}
