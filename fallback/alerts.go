package fallback

import (
	"fmt"
	"slices"
	"time"
)

// AlertsConfig configures the alerts (see Alert). The zero value means
// the defaults: every rule on but the cost rule, which has no default
// threshold.
type AlertsConfig struct {
	// Disabled turns every alert off.
	Disabled bool `yaml:"disabled"`
	// Interval is how often the rules that are not driven by an event
	// (health status, breaker state when there is no observer, answer
	// mix, cost) are evaluated: by a goroutine a resolve starts once the
	// interval has passed, and by every Snapshot. Default 10s.
	Interval time.Duration `yaml:"interval"`
	// HealthMargin is the health alerts' hysteresis: an alert raised when
	// a provider's score fell below a status threshold (router
	// thresholds: DEGRADED below healthy, CRITICAL below unhealthy) is
	// resolved, or lowered from critical, only once the score is back
	// above that threshold by this much. Default 0.05.
	HealthMargin float64 `yaml:"health_margin"`
	// BudgetThresholds are the shares of a Budget's limit whose spending
	// raises an alert, each once per budget, in (0, 1] and increasing.
	// 1 is raised when the budget is spent or refuses an attempt it
	// cannot pay for. Default 0.5, 0.8, 1.
	BudgetThresholds []float64 `yaml:"budget_thresholds"`
	// FallbackShare is the rule on the share of answers from the
	// statistical and default layers.
	FallbackShare ShareRule `yaml:"fallback_share"`
	// CostPerHour is the rule on the projected cost per hour.
	CostPerHour CostRule `yaml:"cost_per_hour"`
}

// ShareRule raises an alert when the share of the answers over a trailing
// window that came from the statistical and default layers is above
// Above, and resolves it when the share is back below Below.
type ShareRule struct {
	// Disabled turns the rule off.
	Disabled bool `yaml:"disabled"`
	// Above is the share that raises the alert, in [0, 1]. Default 0.25.
	Above float64 `yaml:"above"`
	// Below is the share under which it is resolved, at most Above.
	// Default 0.8 × Above.
	Below float64 `yaml:"below"`
	// Window is the trailing window, in whole minutes from 1m to 1h.
	// Default 5m.
	Window time.Duration `yaml:"window"`
	// MinAnswers is the fewest answers in the window for the rule to
	// judge: with fewer it neither raises the alert nor holds it.
	// Default 20.
	MinAnswers int `yaml:"min_answers"`
}

// CostRule raises an alert when the cost per hour projected from the
// trailing hour (Snapshot.Overall.CostPerHour) is above Above, and
// resolves it when the projection is back below Below.
type CostRule struct {
	// Above is the cost per hour that raises the alert. Zero: the rule is
	// off.
	Above float64 `yaml:"above"`
	// Below is the cost per hour under which it is resolved, at most
	// Above. Default 0.8 × Above.
	Below float64 `yaml:"below"`
	// MinSpan is how long the resolver must have been up for the rule to
	// judge: a projection from a few seconds is noise. At most 1h.
	// Default 5m.
	MinSpan time.Duration `yaml:"min_span"`
}

// The alert defaults.
const (
	DefaultAlertInterval     = 10 * time.Second
	DefaultHealthMargin      = 0.05
	DefaultFallbackShare     = 0.25
	DefaultShareWindow       = 5 * time.Minute
	DefaultShareMinAnswers   = 20
	DefaultCostMinSpan       = 5 * time.Minute
	defaultResolveAtFraction = 0.8 // Below, of Above
)

// DefaultBudgetThresholds is AlertsConfig.BudgetThresholds's default.
var DefaultBudgetThresholds = []float64{0.5, 0.8, 1}

// fill sets the zero fields of a to their defaults and reports what is
// wrong, naming fields as the YAML does.
func (a *AlertsConfig) fill(p *problems) {
	orDefault(p, "alerts.interval", &a.Interval, DefaultAlertInterval)
	fraction(p, "alerts.health_margin", &a.HealthMargin, DefaultHealthMargin)
	if len(a.BudgetThresholds) == 0 {
		a.BudgetThresholds = slices.Clone(DefaultBudgetThresholds)
	} else {
		a.BudgetThresholds = slices.Clone(a.BudgetThresholds) // never the caller's
		for i, t := range a.BudgetThresholds {
			field := fmt.Sprintf("alerts.budget_thresholds[%d]", i)
			switch {
			case !(t > 0 && t <= 1):
				p.add(field, "must be in (0, 1], got %v", t)
			case i > 0 && t <= a.BudgetThresholds[i-1]:
				p.add(field, "must be above the one before (%v), got %v", a.BudgetThresholds[i-1], t)
			}
		}
	}

	s := &a.FallbackShare
	if fraction(p, "alerts.fallback_share.above", &s.Above, DefaultFallbackShare) &&
		fraction(p, "alerts.fallback_share.below", &s.Below, defaultResolveAtFraction*s.Above) && s.Below > s.Above {
		p.add("alerts.fallback_share.below", "must be at most alerts.fallback_share.above (%v), got %v", s.Above, s.Below)
	}
	if orDefault(p, "alerts.fallback_share.window", &s.Window, DefaultShareWindow) &&
		(s.Window%time.Minute != 0 || s.Window > time.Hour) {
		p.add("alerts.fallback_share.window", "must be whole minutes from 1m to 1h, got %v", s.Window)
	}
	atMost(p, "alerts.fallback_share.min_answers", &s.MinAnswers, DefaultShareMinAnswers, CapacityLimit)

	c := &a.CostPerHour
	if orDefault(p, "alerts.cost_per_hour.above", &c.Above, 0) &&
		orDefault(p, "alerts.cost_per_hour.below", &c.Below, defaultResolveAtFraction*c.Above) && c.Below > c.Above {
		p.add("alerts.cost_per_hour.below", "must be at most alerts.cost_per_hour.above (%v), got %v", c.Above, c.Below)
	}
	if orDefault(p, "alerts.cost_per_hour.min_span", &c.MinSpan, DefaultCostMinSpan) && c.MinSpan > time.Hour {
		p.add("alerts.cost_per_hour.min_span", "must be at most 1h, got %v", c.MinSpan)
	}
}
