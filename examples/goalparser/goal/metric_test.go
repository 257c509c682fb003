package goal

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMetricsTable(t *testing.T) {
	ms := Metrics()
	assert.True(t, slices.IsSortedFunc(ms, func(a, b Metric) int { return strings.Compare(a.Name, b.Name) }), "Metrics is not sorted by name")
	var names []string
	for _, m := range ms {
		assert.Contains(t, []Kind{KindCount, KindRate, KindRatio, KindMoney}, m.Kind, "%s: kind", m.Name)
		assert.NotEmpty(t, m.Aliases, "%s has no alias", m.Name)
		names = append(names, m.Name)
	}
	// The canonical names the goalparser's verdict relies on.
	assert.Subset(t, names, []string{"leads", "qualified_leads", "cpa", "cpc", "ctr", "conversion_rate", "conversions", "revenue", "roas", "traffic", "organic_traffic", "sessions", "impressions", "clicks", "followers", "signups"})
	lower := map[string]bool{}
	for _, m := range ms {
		if m.LowerIsBetter {
			lower[m.Name] = true
		}
	}
	want := map[string]bool{"bounce_rate": true, "cac": true, "churn_rate": true, "cpa": true, "cpc": true, "cpl": true, "cpm": true, "spend": true}
	assert.Equal(t, want, lower, "lower is better for")
}

func TestMetricsReturnsCopies(t *testing.T) {
	ms := Metrics()
	ms[0].Name = "changed"
	ms[0].Aliases[0] = "changed"
	again := Metrics()
	assert.NotEqual(t, "changed", again[0].Name, "Metrics shares its table with the caller")
	assert.NotEqual(t, "changed", again[0].Aliases[0], "Metrics shares its aliases with the caller")
}

// Every alias names its metric in a goal, alone and in the plural.
func TestEveryAliasParses(t *testing.T) {
	for _, m := range Metrics() {
		for _, a := range m.Aliases {
			for _, text := range []string{"increase " + a + " by 10%", "increase " + a + "s by 10%"} {
				g, err := Parse(text, testNow)
				if assert.NoError(t, err, "Parse(%q)", text) {
					assert.Equal(t, m.Name, g.Metric, "Parse(%q) metric", text)
				}
			}
		}
	}
}

func TestLookupMetric(t *testing.T) {
	for in, want := range map[string]string{
		"CPA": "cpa", "cost-per-click": "cpc", "qualified_leads": "qualified_leads",
		"Sign-ups": "signups", "  Organic   Traffic ": "organic_traffic", "inquiries": "leads",
		"return on ad spend": "roas", "MQLs": "qualified_leads",
	} {
		m, ok := LookupMetric(in)
		if assert.True(t, ok, "LookupMetric(%q) found nothing", in) {
			assert.Equal(t, want, m.Name, "LookupMetric(%q)", in)
		}
	}
	for _, in := range []string{"", "blorps", "cost per", "leads leads"} {
		m, ok := LookupMetric(in)
		assert.False(t, ok, "LookupMetric(%q) = %q; want none", in, m.Name)
	}
}
