package fallback

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAlertsConfigDefaults(t *testing.T) {
	cfg := testConfig()
	thresholds := []float64{0.9}
	cfg.Alerts.BudgetThresholds = thresholds
	c, p := cfg.withDefaults()
	require.NoError(t, p.err())
	a := c.Alerts
	assert.Equal(t, DefaultAlertInterval, a.Interval)
	assert.Equal(t, DefaultHealthMargin, a.HealthMargin)
	assert.Equal(t, []float64{0.9}, a.BudgetThresholds)
	a.BudgetThresholds[0] = 0.1
	assert.Equal(t, 0.9, thresholds[0], "the caller's slice is never written")
	assert.Equal(t, ShareRule{Above: 0.25, Below: 0.2, Window: 5 * time.Minute, MinAnswers: 20}, a.FallbackShare)
	assert.Equal(t, CostRule{MinSpan: 5 * time.Minute}, a.CostPerHour, "the cost rule is off by default")

	c, p = testConfig().withDefaults()
	require.NoError(t, p.err())
	assert.Equal(t, DefaultBudgetThresholds, c.Alerts.BudgetThresholds)
	cfg = testConfig()
	cfg.Alerts.CostPerHour.Above = 5
	c, p = cfg.withDefaults()
	require.NoError(t, p.err())
	assert.Equal(t, 4.0, c.Alerts.CostPerHour.Below)
}

func TestAlertsConfigFromYAMLAndItsErrors(t *testing.T) {
	doc := validYAML + `alerts:
  interval: 30s
  budget_thresholds: [0.25, 0.75, 1]
  fallback_share: {above: 0.4, below: 0.3, window: 10m, min_answers: 50}
  cost_per_hour: {above: 12, min_span: 15m}
`
	cfg, err := ParseConfig([]byte(doc))
	require.NoError(t, err)
	assert.Equal(t, AlertsConfig{
		Interval:         30 * time.Second,
		BudgetThresholds: []float64{0.25, 0.75, 1},
		FallbackShare:    ShareRule{Above: 0.4, Below: 0.3, Window: 10 * time.Minute, MinAnswers: 50},
		CostPerHour:      CostRule{Above: 12, MinSpan: 15 * time.Minute},
	}, cfg.Alerts)

	bad := []struct{ yaml, field, msg string }{
		{"alerts: {interval: -1s}", "alerts.interval", "negative"},
		{"alerts: {health_margin: 2}", "alerts.health_margin", "1"},
		{"alerts: {budget_thresholds: [0.5, 0.5]}", "alerts.budget_thresholds[1]", "must be above the one before (0.5), got 0.5"},
		{"alerts: {budget_thresholds: [1.5]}", "alerts.budget_thresholds[0]", "must be in (0, 1], got 1.5"},
		{"alerts: {fallback_share: {above: 0.2, below: 0.3}}", "alerts.fallback_share.below", "must be at most alerts.fallback_share.above (0.2), got 0.3"},
		{"alerts: {fallback_share: {window: 90s}}", "alerts.fallback_share.window", "must be whole minutes from 1m to 1h, got 1m30s"},
		{"alerts: {fallback_share: {window: 2h}}", "alerts.fallback_share.window", "must be whole minutes"},
		{"alerts: {cost_per_hour: {above: 1, below: 2}}", "alerts.cost_per_hour.below", "must be at most alerts.cost_per_hour.above (1), got 2"},
		{"alerts: {cost_per_hour: {min_span: 2h}}", "alerts.cost_per_hour.min_span", "must be at most 1h, got 2h0m0s"},
		{"alerts: {cost_per_hour: {above: -3}}", "alerts.cost_per_hour.above", "negative"},
	}
	for _, tc := range bad {
		t.Run(tc.field, func(t *testing.T) {
			doc := validYAML + tc.yaml + "\n"
			_, err := ParseConfig([]byte(doc))
			require.ErrorIs(t, err, ErrInvalidConfig)
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.field, ce.Field)
			assert.Contains(t, ce.Msg, tc.msg)
			assert.Equal(t, strings.Count(validYAML, "\n")+1, ce.Line, "the line of alerts")
		})
	}
}
