package fallback

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/strata-go/strata/breaker"
	"github.com/strata-go/strata/router"
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
	// raises an alert, each once per budget, in (0, 1] and increasing;
	// a spending that crosses several raises each, in order. 1 (and every
	// threshold below it not yet raised) is raised when the budget is
	// spent or refuses an attempt it cannot pay for. At most
	// BudgetThresholdsLimit of them. Default 0.5, 0.8, 1.
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

// DefaultBudgetThresholds returns AlertsConfig.BudgetThresholds's
// default: 0.5, 0.8, 1. Each call returns a new slice, which the caller
// may change: no resolver's thresholds, and no later call's, change with
// it.
func DefaultBudgetThresholds() []float64 { return []float64{0.5, 0.8, 1} }

// fill sets the zero fields of a to their defaults and reports what is
// wrong, naming fields as the YAML does.
func (a *AlertsConfig) fill(p *problems) {
	orDefault(p, "alerts.interval", &a.Interval, DefaultAlertInterval)
	fraction(p, "alerts.health_margin", &a.HealthMargin, DefaultHealthMargin)
	switch {
	case len(a.BudgetThresholds) == 0:
		a.BudgetThresholds = DefaultBudgetThresholds()
	case len(a.BudgetThresholds) > BudgetThresholdsLimit:
		p.add("alerts.budget_thresholds", "must be at most %d thresholds, got %d", BudgetThresholdsLimit, len(a.BudgetThresholds))
	default:
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

// AlertKind says what an Alert is about.
type AlertKind uint8

// The alert kinds.
const (
	// AlertHealth: a provider's health status (see Snapshot's
	// providers). Warning while it is DEGRADED or UNHEALTHY (its score
	// below the router's healthy threshold), critical while CRITICAL
	// (below the unhealthy threshold); lowered or resolved with
	// AlertsConfig.HealthMargin of hysteresis. Value is the score,
	// Threshold the status threshold crossed. A provider with no outcome
	// in the router's window is not judged (its score is only its
	// configured confidence): no alert is raised, and one firing stays.
	AlertHealth AlertKind = iota + 1
	// AlertBreaker: a provider's breaker is not closed (open, or
	// half-open and probing). Warning; resolved when the breaker closes.
	// Value is the breaker's trips since start.
	AlertBreaker
	// AlertBudget: a Budget's spending crossed one of
	// AlertsConfig.BudgetThresholds (Threshold): warning, critical at 1.
	// Value is the share of its limit spent. Each threshold is raised once
	// per budget and never resolved (a budget only burns), and since a
	// budget belongs to its context, not to the resolver, budget alerts
	// are events only: Snapshot.Alerts does not list them. The event
	// carries the context of the resolve whose attempt crossed it.
	AlertBudget
	// AlertFallbackShare: the share of the answers over the trailing
	// window that came from the statistical and default layers (Value)
	// is above AlertsConfig.FallbackShare.Above (Threshold). Warning.
	AlertFallbackShare
	// AlertCostPerHour: the cost per hour projected from the trailing
	// hour (Value) is above AlertsConfig.CostPerHour.Above (Threshold).
	// Warning.
	AlertCostPerHour
)

var alertKindNames = [...]string{"", "health", "breaker", "budget", "fallback_share", "cost_per_hour"}

// String returns the kind's name.
func (k AlertKind) String() string {
	if int(k) < len(alertKindNames) && k > 0 {
		return alertKindNames[k]
	}
	return "alert"
}

// MarshalText encodes the kind as its name.
func (k AlertKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText decodes a kind's name; another name is an error.
func (k *AlertKind) UnmarshalText(b []byte) error {
	if i := slices.Index(alertKindNames[1:], string(b)); i >= 0 {
		*k = AlertKind(i + 1)
		return nil
	}
	return fmt.Errorf("fallback: unknown alert kind %s", quote(string(b)))
}

// Severity is how bad an alert is.
type Severity uint8

// The severities.
const (
	SeverityWarning Severity = iota + 1
	SeverityCritical
)

// String returns "warning" or "critical".
func (s Severity) String() string {
	switch s {
	case SeverityWarning:
		return "warning"
	case SeverityCritical:
		return "critical"
	}
	return "none"
}

// MarshalText encodes the severity as its name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a severity's name; another name is an error.
func (s *Severity) UnmarshalText(b []byte) error {
	switch string(b) {
	case "warning":
		*s = SeverityWarning
	case "critical":
		*s = SeverityCritical
	default:
		return fmt.Errorf("fallback: unknown severity %s", quote(string(b)))
	}
	return nil
}

// Alert is an alert raised, changed or resolved: an EventAlert carries one
// each time that happens, and Snapshot.Alerts lists those firing. An
// alert is raised once and resolved once (de-duplicated); in between, an
// event reports only a change of its severity. The alerts are the
// resolver's own view; strata sends no notification anywhere.
type Alert struct {
	Kind AlertKind `json:"kind"`
	// Subject is the provider a health or breaker alert is about; empty
	// for the others.
	Subject  string   `json:"subject,omitempty"`
	Severity Severity `json:"severity"`
	// Firing is true while the alert holds, false in the event that
	// resolves it.
	Firing bool `json:"firing"`
	// Value is the measure the kind names, when the alert was last
	// judged; Threshold the limit it was raised at.
	Value     float64 `json:"value"`
	Threshold float64 `json:"threshold"`
	// Since is when it was raised.
	Since time.Time `json:"since"`
}

// alertKey names an alert that can fire and resolve.
type alertKey struct {
	kind    AlertKind
	subject string
}

// alerting is the resolver's alert state. Its zero value is ready.
type alerting struct {
	next atomic.Int64 // Unix ns the rules are next due at
	once sync.Once    // names task
	task taskKind     // an evaluation, for Close's report

	// evaluating runs one evaluation at a time, so that a later one's
	// readings are never older than an earlier one's (see
	// evaluateAlerts). It is taken before mu, never under it.
	evaluating sync.Mutex

	mu     sync.Mutex
	active map[alertKey]Alert // requires mu held: the alerts firing
	judged map[string]uint64  // requires mu held: by provider, the breaker transitions breakerChanged judged
}

// alertsDue starts an evaluation of the rules in a goroutine of its own
// when AlertsConfig.Interval has passed since the last one started: a
// resolve that ended at now calls it, and pays one atomic load when
// nothing is due.
func (r *Resolver) alertsDue(now time.Time) {
	if r.cfg.Alerts.Disabled {
		return
	}
	next, n := r.alerts.next.Load(), now.UnixNano()
	if n < next || !r.alerts.next.CompareAndSwap(next, n+int64(r.cfg.Alerts.Interval)) {
		return
	}
	r.alerts.once.Do(func() { r.alerts.task.name = "alerts" })
	if !r.tasks.add(&r.alerts.task) {
		return
	}
	go func() {
		defer r.tasks.done(&r.alerts.task)
		r.evaluateAlerts(time.Now(), false)
	}()
}

// providerReading is what the rules read of one provider before the
// lock (see evaluateAlerts).
type providerReading struct {
	p       *provider
	score   float64
	samples int // outcomes in the router's window: none, and the score is only the prior
	breaker breaker.Snapshot
	judged  uint64 // alerting.judged for p before its breaker was read
}

// evaluateAlerts judges the health, breaker, answer-mix and cost rules at
// now, raising and resolving alerts. The readings are taken before the
// lock. Reading a breaker may turn it half-open and deliver the
// transition, which breakerChanged judges under the lock (read under it,
// the breaker deadlocked the two). A breaker reading is judged only when
// breakerChanged judged no transition of its provider since the reading
// began, and evaluations run one at a time: a transition reported after
// a reading must not be undone by the older reading. Without wait, it
// does nothing while another evaluation runs (one that is due need not
// queue behind it).
func (r *Resolver) evaluateAlerts(now time.Time, wait bool) {
	a := &r.cfg.Alerts
	if a.Disabled {
		return
	}
	if wait {
		r.alerts.evaluating.Lock()
	} else if !r.alerts.evaluating.TryLock() {
		return
	}
	defer r.alerts.evaluating.Unlock()
	readings := make([]providerReading, len(r.providers))
	r.alerts.mu.Lock()
	for i, p := range r.providers {
		readings[i] = providerReading{p: p, judged: r.alerts.judged[p.name]}
	}
	r.alerts.mu.Unlock()
	for i, p := range r.providers {
		h := r.tracker.Health(p.name, now)
		readings[i].score, readings[i].samples = h.Score, h.Samples
		readings[i].breaker = p.breaker.Breaker.Snapshot() // this instance's own, as its events are
	}
	var share struct {
		judged bool
		value  float64
	}
	if s := a.FallbackShare; !s.Disabled {
		w := r.metrics.windows.lastMinutes(now, r.started, int(s.Window/time.Minute))
		answered := w.resolves() - w.layers[0]
		share.judged = true
		if answered >= int64(s.MinAnswers) && answered > 0 {
			share.value = float64(w.layers[LayerStatistical]+w.layers[LayerDefault]) / float64(answered)
		}
	}
	var cost struct {
		judged bool
		value  float64
	}
	if c := a.CostPerHour; c.Above > 0 && now.Sub(r.started) >= c.MinSpan {
		w := r.metrics.windows.lastMinutes(now, r.started, ringSlots)
		cost.judged, cost.value = true, w.per(float64(w.cost)/nano, time.Hour)
	}

	th := r.cfg.Router.Thresholds
	if th.Healthy == 0 {
		th.Healthy = router.DefaultHealthyThreshold
	}
	if th.Unhealthy == 0 {
		th.Unhealthy = router.DefaultUnhealthyThreshold
	}
	r.alerts.mu.Lock()
	defer r.alerts.mu.Unlock()
	for _, rd := range readings {
		name := rd.p.name
		key := alertKey{AlertHealth, name}
		cur := r.alerts.active[key]
		sev, threshold := healthSeverity(rd.score, cur.Severity, th, a.HealthMargin)
		if rd.samples == 0 {
			// No outcome to judge by (none yet, or all aged out of the
			// router's window): the score is only the configured
			// confidence. Nothing is raised, and nothing resolved.
			sev, threshold = cur.Severity, cur.Threshold
		}
		r.setAlertLocked(key, sev, rd.score, threshold, now)
		if bs := rd.breaker; r.alerts.judged[name] == rd.judged {
			r.setAlertLocked(alertKey{AlertBreaker, name}, breakerSeverity(bs.State != breaker.Closed), float64(bs.Trips), 0, now)
		}
	}
	if share.judged {
		s := a.FallbackShare
		r.setAlertLocked(alertKey{AlertFallbackShare, ""}, r.hysteresisLocked(AlertFallbackShare, share.value, s.Above, s.Below), share.value, s.Above, now)
	}
	if cost.judged {
		c := a.CostPerHour
		r.setAlertLocked(alertKey{AlertCostPerHour, ""}, r.hysteresisLocked(AlertCostPerHour, cost.value, c.Above, c.Below), cost.value, c.Above, now)
	}
}

// hysteresisLocked is a rule's severity for value: raised above above,
// held until below below. It requires r.alerts.mu held.
func (r *Resolver) hysteresisLocked(kind AlertKind, value, above, below float64) Severity {
	_, firing := r.alerts.active[alertKey{kind, ""}]
	if value > above || firing && value >= below {
		return SeverityWarning
	}
	return 0
}

// healthSeverity is a provider's health alert severity for score, given
// the one in force (0: none), with margin of hysteresis, and the status
// threshold it is judged against.
func healthSeverity(score float64, active Severity, th router.StatusThresholds, margin float64) (Severity, float64) {
	switch {
	case score < th.Unhealthy || active == SeverityCritical && score < th.Unhealthy+margin:
		return SeverityCritical, th.Unhealthy
	case score < th.Healthy || active != 0 && score < th.Healthy+margin:
		return SeverityWarning, th.Healthy
	}
	return 0, th.Healthy
}

func breakerSeverity(broken bool) Severity {
	if broken {
		return SeverityWarning
	}
	return 0
}

// breakerChanged judges a provider's breaker alert on its transition,
// at once rather than at the next evaluation.
func (r *Resolver) breakerChanged(ev Event) {
	if r.cfg.Alerts.Disabled {
		return
	}
	var trips uint64
	if p, ok := r.byName[ev.Provider]; ok {
		trips = p.breaker.Breaker.Snapshot().Trips
	}
	r.alerts.mu.Lock()
	defer r.alerts.mu.Unlock()
	if r.alerts.judged == nil {
		r.alerts.judged = make(map[string]uint64, len(r.providers))
	}
	r.alerts.judged[ev.Provider]++
	r.setAlertLocked(alertKey{AlertBreaker, ev.Provider}, breakerSeverity(ev.To != breaker.Closed.String()), float64(trips), 0, ev.Time)
}

// setAlertLocked raises, changes or resolves the alert key to severity
// sev (0: not firing), reporting each change to the observer. It requires
// r.alerts.mu held (so that the events of an alert are in order); it
// only queues events.
func (r *Resolver) setAlertLocked(key alertKey, sev Severity, value, threshold float64, now time.Time) {
	cur, firing := r.alerts.active[key]
	switch {
	case sev == 0 && !firing:
		return
	case sev == 0:
		delete(r.alerts.active, key)
		cur.Firing, cur.Value = false, value
	case !firing:
		if r.alerts.active == nil {
			r.alerts.active = map[alertKey]Alert{}
		}
		cur = Alert{Kind: key.kind, Subject: key.subject, Severity: sev, Firing: true, Value: value, Threshold: threshold, Since: now}
		r.alerts.active[key] = cur
	case cur.Severity != sev:
		cur.Severity, cur.Value, cur.Threshold = sev, value, threshold
		r.alerts.active[key] = cur
	default:
		cur.Value = value // no news: no event
		r.alerts.active[key] = cur
		return
	}
	r.observeCtx(taskContexts[EventAlert], Event{Kind: EventAlert, Time: now, Provider: key.subject, Alert: &cur})
}

// activeAlerts returns the alerts firing, by kind, then subject.
func (r *Resolver) activeAlerts() []Alert {
	r.alerts.mu.Lock()
	out := make([]Alert, 0, len(r.alerts.active))
	for _, a := range r.alerts.active {
		out = append(out, a)
	}
	r.alerts.mu.Unlock()
	slices.SortFunc(out, func(a, b Alert) int {
		if a.Kind != b.Kind {
			return int(a.Kind) - int(b.Kind)
		}
		return strings.Compare(a.Subject, b.Subject)
	})
	return out
}

// budgetAlert raises the alerts of the thresholds b's spending has
// crossed since the last one raised, an event for each, in order; an
// exhausted budget (it refused an attempt) crosses them all. ctx is the
// events' context of the resolve that spent. Only an observer sees budget
// alerts, so without one nothing is done.
func (r *Resolver) budgetAlert(ctx context.Context, b *Budget, exhausted bool, now time.Time) {
	if r.obs == nil || b == nil || r.cfg.Alerts.Disabled {
		return
	}
	levels := r.cfg.Alerts.BudgetThresholds
	spent := 1.0
	if b.limit > 0 {
		spent = float64(b.limit-b.remaining.Load()) / float64(b.limit)
	}
	n := len(levels)
	if !exhausted && spent < 1 {
		n = 0
		for n < len(levels) && levels[n] <= spent {
			n++
		}
	}
	var prev int32
	for {
		prev = b.alerted.Load()
		if int32(n) <= prev {
			return
		}
		if b.alerted.CompareAndSwap(prev, int32(n)) {
			break
		}
	}
	if now.IsZero() {
		now = time.Now()
	}
	// Every threshold crossed, in order: one spending may cross several.
	for _, level := range levels[prev:n] {
		sev := SeverityWarning
		if level >= 1 {
			sev = SeverityCritical
		}
		r.observeCtx(ctx, Event{Kind: EventAlert, Time: now, Alert: &Alert{Kind: AlertBudget, Severity: sev, Firing: true, Value: spent, Threshold: level, Since: now}})
	}
}
