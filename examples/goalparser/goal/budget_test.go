package goal

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBudgets(t *testing.T) {
	for _, tc := range []struct {
		text     string
		budget   float64
		currency string
	}{
		{"increase leads by 20% with a $50k budget", 50000, "USD"},
		{"increase leads by 20% on a $1.2M monthly ad budget", 1.2e6, "USD"},
		{"increase leads by 20%, budget: 50,000 USD", 50000, "USD"},
		{"increase leads by 20% with a budget of €20k per month", 20000, "EUR"},
		{"increase leads by 20% with a marketing budget capped at £5k", 5000, "GBP"},
		{"with €20k, increase leads by 20%", 20000, "EUR"},
		{"spending $5k, increase leads by 20%", 5000, "USD"},
		{"increase leads by 20% with a 50k budget", 50000, ""},
	} {
		g, err := Parse(tc.text, testNow)
		if !assert.NoError(t, err, "Parse(%q)", tc.text) {
			continue
		}
		assert.Equal(t, tc.budget, g.Budget, "Parse(%q) budget", tc.text)
		assert.Equal(t, tc.currency, g.BudgetCurrency, "Parse(%q) budget currency", tc.text)
		assert.Equal(t, 20.0, g.Amount, "Parse(%q) amount", tc.text)
	}
}

func TestBudgetErrors(t *testing.T) {
	for text, part := range map[string]string{
		"increase leads by 20% with a budget":          "with a budget",
		"increase leads by 20% with a budget of lots":  "with a budget of lots",
		"increase leads by 20% with a $0 budget":       "$0",
		"increase leads by 20% with a -$5k budget":     "-$5k",
		"increase leads by 20% with a 3x budget":       "3x",
		"increase leads by 20% budget of $lots please": "budget of $lots",
	} {
		_, err := Parse(text, testNow)
		assertParseError(t, err, ErrBadBudget, part, "Parse(%q)", text)
	}
}
