package goal

import (
	"slices"
	"strings"
	"testing"
)

func TestMetricsTable(t *testing.T) {
	ms := Metrics()
	if !slices.IsSortedFunc(ms, func(a, b Metric) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("Metrics is not sorted by name")
	}
	for _, m := range ms {
		switch m.Kind {
		case KindCount, KindRate, KindRatio, KindMoney:
		default:
			t.Errorf("%s: kind %q", m.Name, m.Kind)
		}
		if len(m.Aliases) == 0 {
			t.Errorf("%s has no alias", m.Name)
		}
	}
	// The canonical names the goalparser's verdict relies on.
	for _, name := range []string{"leads", "qualified_leads", "cpa", "cpc", "ctr", "conversion_rate", "conversions", "revenue", "roas", "traffic", "organic_traffic", "sessions", "impressions", "clicks", "followers", "signups"} {
		if !slices.ContainsFunc(ms, func(m Metric) bool { return m.Name == name }) {
			t.Errorf("no metric %q", name)
		}
	}
	lower := map[string]bool{}
	for _, m := range ms {
		if m.LowerIsBetter {
			lower[m.Name] = true
		}
	}
	want := map[string]bool{"bounce_rate": true, "cac": true, "churn_rate": true, "cpa": true, "cpc": true, "cpl": true, "cpm": true, "spend": true}
	if !sameSet(lower, want) {
		t.Errorf("lower is better for %v; want %v", lower, want)
	}
}

func sameSet(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func TestMetricsReturnsCopies(t *testing.T) {
	ms := Metrics()
	ms[0].Name = "changed"
	ms[0].Aliases[0] = "changed"
	if again := Metrics(); again[0].Name == "changed" || again[0].Aliases[0] == "changed" {
		t.Error("Metrics shares its table with the caller")
	}
}

// Every alias names its metric in a goal, alone and in the plural.
func TestEveryAliasParses(t *testing.T) {
	for _, m := range Metrics() {
		for _, a := range m.Aliases {
			for _, text := range []string{"increase " + a + " by 10%", "increase " + a + "s by 10%"} {
				g, err := Parse(text, testNow)
				if err != nil {
					t.Errorf("Parse(%q): %v", text, err)
					continue
				}
				if g.Metric != m.Name {
					t.Errorf("Parse(%q) metric %q; want %q", text, g.Metric, m.Name)
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
		if !ok || m.Name != want {
			t.Errorf("LookupMetric(%q) = %q, %v; want %q", in, m.Name, ok, want)
		}
	}
	for _, in := range []string{"", "blorps", "cost per", "leads leads"} {
		if m, ok := LookupMetric(in); ok {
			t.Errorf("LookupMetric(%q) = %q; want none", in, m.Name)
		}
	}
}
