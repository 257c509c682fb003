package fallback

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/breaker"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/router"
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
	assert.Equal(t, []float64{0.5, 0.8, 1}, c.Alerts.BudgetThresholds)
	// The default is the caller's to change: neither the config filled
	// before nor one filled after sees the change.
	def := DefaultBudgetThresholds()
	def[0] = 5
	c.Alerts.BudgetThresholds[1] = 7
	assert.Equal(t, []float64{0.5, 0.8, 1}, DefaultBudgetThresholds())
	c, p = testConfig().withDefaults()
	require.NoError(t, p.err())
	assert.Equal(t, []float64{0.5, 0.8, 1}, c.Alerts.BudgetThresholds)
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
		{"alerts: {budget_thresholds: [" + strings.Repeat("0.5, ", BudgetThresholdsLimit) + "1]}", "alerts.budget_thresholds",
			fmt.Sprintf("must be at most %d thresholds, got %d", BudgetThresholdsLimit, BudgetThresholdsLimit+1)},
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

// alertsOf returns the alert events recorded, in order.
func alertsOf(o *recorder) []Alert {
	evs, _ := o.of(EventAlert)
	out := make([]Alert, len(evs))
	for i, e := range evs {
		out[i] = *e.Alert
	}
	return out
}

func TestHealthSeverityHysteresis(t *testing.T) {
	th := router.StatusThresholds{Healthy: 0.9, Degraded: 0.7, Unhealthy: 0.5}
	tests := []struct {
		score     float64
		active    Severity
		want      Severity
		threshold float64
	}{
		{0.95, 0, 0, 0.9},
		{0.89, 0, SeverityWarning, 0.9},
		{0.6, 0, SeverityWarning, 0.9},
		{0.49, 0, SeverityCritical, 0.5},
		{0.49, SeverityWarning, SeverityCritical, 0.5},
		{0.52, SeverityCritical, SeverityCritical, 0.5}, // within the margin: held
		{0.56, SeverityCritical, SeverityWarning, 0.9},  // lowered
		{0.92, SeverityWarning, SeverityWarning, 0.9},   // within the margin: held
		{0.92, SeverityCritical, SeverityWarning, 0.9},
		{0.96, SeverityWarning, 0, 0.9}, // resolved
		{0.92, 0, 0, 0.9},               // not raised above the threshold
	}
	for _, tc := range tests {
		got, threshold := healthSeverity(tc.score, tc.active, th, 0.05)
		assert.Equal(t, tc.want, got, "score %v from %v", tc.score, tc.active)
		assert.Equal(t, tc.threshold, threshold, "score %v from %v", tc.score, tc.active)
	}
}

func TestBreakerAndHealthAlertsFireOnceAndResolve(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := &recorder{}
		p1, s1 := newStub(0), newStub(2)
		p1.fail(providers.Unavailable)
		cfg := testConfig()
		cfg.Retry.MaxAttempts = 1
		r := newTestResolver(t, cfg, p1, s1, WithObserver(obs))
		for i := range 8 {
			_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i)})
			require.NoError(t, err)
		}
		synctest.Wait()
		flushEvents(r)
		got := alertsOf(obs)
		require.NotEmpty(t, got)
		breakerAlerts := filterAlerts(got, AlertBreaker)
		require.Len(t, breakerAlerts, 1, "raised once, at the opening: %+v", got)
		assert.Equal(t, Alert{Kind: AlertBreaker, Subject: "p1", Severity: SeverityWarning, Firing: true, Value: 1, Since: breakerAlerts[0].Since}, breakerAlerts[0])
		_, ctxs := obs.of(EventAlert)
		task, _ := TaskFrom(ctxs[0])
		assert.Equal(t, TaskAlert, task)

		snap := r.Snapshot()
		kinds := map[AlertKind]Alert{}
		for _, a := range snap.Alerts {
			assert.Equal(t, "p1", a.Subject)
			kinds[a.Kind] = a
		}
		require.Contains(t, kinds, AlertHealth, "p1's failures cost its health: %+v", snap.Alerts)
		require.Contains(t, kinds, AlertBreaker)
		assert.Less(t, kinds[AlertHealth].Value, 0.9)
		assert.Equal(t, snap.Providers[0].Health, kinds[AlertHealth].Value)
		assert.Equal(t, snap.Providers[0].Status >= router.Degraded, true)
		assert.Len(t, snap.Alerts, 2, "nothing about s1")

		// Snapshots and resolves judge again; nothing new fires.
		flushEvents(r)
		before := len(alertsOf(obs))
		for range 3 {
			r.Snapshot()
		}
		flushEvents(r)
		assert.Len(t, alertsOf(obs), before, "de-duplicated")

		// p1 recovers: the breaker closes after its probes, and the
		// health alert resolves once the score is back above 0.95.
		time.Sleep(61 * time.Second)
		p1.answer(1)
		for i := range 200 {
			_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("ok", i)})
			require.NoError(t, err)
			time.Sleep(time.Second)
		}
		snap = r.Snapshot()
		synctest.Wait()
		flushEvents(r)
		assert.Empty(t, snap.Alerts, "health %v", snap.Providers[0].Health)
		for _, kind := range []AlertKind{AlertHealth, AlertBreaker} {
			evs := filterAlerts(alertsOf(obs), kind)
			require.NotEmpty(t, evs, kind.String())
			last := evs[len(evs)-1]
			assert.False(t, last.Firing, "%s resolved", kind)
			for i, a := range evs[:len(evs)-1] {
				assert.True(t, a.Firing, "%s: only the last event resolves", kind)
				if i > 0 {
					assert.NotEqual(t, evs[i-1].Severity, a.Severity, "%s: an event in between is a change of severity", kind)
				}
			}
			t.Logf("%s: %+v", kind, evs)
		}
	})
}

func filterAlerts(as []Alert, k AlertKind) []Alert {
	var out []Alert
	for _, a := range as {
		if a.Kind == k {
			out = append(out, a)
		}
	}
	return out
}

func TestBudgetAlertsAtEachThresholdOncePerBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := &recorder{}
		cfg := testConfig()
		cfg.Plausibility.AuditRate = -1                                         // no sampled second opinion: the spend is exact
		r := newTestResolver(t, cfg, newStub(1), newStub(1), WithObserver(obs)) // p1 costs 0.02
		ctx := WithBudget(context.WithValue(context.Background(), callerKey{}, "campaign-9"), 0.1)
		var spentAt []float64 // the budget's share spent after each resolve
		for i := range 7 {
			_, err := r.Resolve(ctx, "cpc", Params{"keyword": fmt.Sprint("k", i)})
			require.NoError(t, err)
			spentAt = append(spentAt, BudgetFrom(ctx).Spent()/0.1)
		}
		flushEvents(r)
		assert.InDeltaSlice(t, []float64{0.2, 0.4, 0.6, 0.8, 1, 1, 1}, spentAt, 1e-9)
		got := alertsOf(obs)
		require.Len(t, got, 3, "0.5, 0.8 and 1, once each: %+v", got)
		for i, want := range []struct {
			threshold, value float64
			sev              Severity
		}{{0.5, 0.6, SeverityWarning}, {0.8, 0.8, SeverityWarning}, {1, 1, SeverityCritical}} {
			assert.Equal(t, AlertBudget, got[i].Kind)
			assert.True(t, got[i].Firing)
			assert.Equal(t, want.threshold, got[i].Threshold)
			assert.InDelta(t, want.value, got[i].Value, 1e-9)
			assert.Equal(t, want.sev, got[i].Severity)
		}
		_, ctxs := obs.of(EventAlert)
		for _, c := range ctxs {
			assert.Equal(t, "campaign-9", caller(c), "the context of the resolve that spent")
		}
		assert.Empty(t, r.Snapshot().Alerts, "budget alerts are events only")

		// A budget the router refuses (0.01 left, p1 costs 0.02) is
		// exhausted: every threshold not yet raised, each, in order.
		obs2 := &recorder{}
		r2 := newTestResolver(t, testConfig(), newStub(1), newStub(1), WithObserver(obs2))
		b := NewBudget(0.03)
		_, err := r2.Resolve(WithBudgetOf(context.Background(), b), "cpc", Params{"keyword": "a"})
		require.NoError(t, err)
		flushEvents(r2)
		got = alertsOf(obs2)
		require.Len(t, got, 1, "0.02 of 0.03: the 0.5 threshold")
		assert.Equal(t, 0.5, got[0].Threshold)
		p1Price := 0.02
		require.False(t, b.CanAfford(p1Price))
		res, err := r2.Resolve(WithBudgetOf(context.Background(), b), "cpc", Params{"keyword": "b"})
		require.NoError(t, err)
		assert.Equal(t, "s1", res.Source, "s1 costs 0.01")
		flushEvents(r2)
		got = alertsOf(obs2)
		require.Len(t, got, 3, "%+v", got)
		assert.Equal(t, Alert{Kind: AlertBudget, Severity: SeverityWarning, Firing: true, Value: 2.0 / 3, Threshold: 0.8, Since: got[1].Since}, got[1])
		assert.Equal(t, Alert{Kind: AlertBudget, Severity: SeverityCritical, Firing: true, Value: 2.0 / 3, Threshold: 1, Since: got[2].Since}, got[2])
	})
}

func TestFallbackShareAlertWithHysteresis(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := &recorder{}
		p1, s1 := newStub(0), newStub(0)
		p1.fail(providers.Permanent) // not found: not the providers' fault, no breaker
		s1.fail(providers.Permanent)
		r := newTestResolver(t, testConfig(), p1, s1, WithObserver(obs), WithHistory(noHistory{}))
		resolveN := func(prefix string, n int) {
			for i := range n {
				_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint(prefix, i)})
				require.NoError(t, err)
			}
		}
		resolveN("d", 19)
		// The first resolve started an evaluation in a goroutine of its
		// own (alertsDue): let it end now, or it may judge the answers of
		// any later batch.
		synctest.Wait()
		assert.Empty(t, r.Snapshot().Alerts, "19 answers: fewer than min_answers")
		resolveN("e", 11) // 30 defaults
		snap := r.Snapshot()
		require.Len(t, snap.Alerts, 1)
		assert.Equal(t, Alert{Kind: AlertFallbackShare, Severity: SeverityWarning, Firing: true, Value: 1, Threshold: 0.25, Since: snap.Alerts[0].Since}, snap.Alerts[0])

		p1.answer(1)
		resolveN("p", 100) // 30 of 130: 0.23, below 0.25 but above 0.2
		snap = r.Snapshot()
		require.Len(t, snap.Alerts, 1, "held above alerts.fallback_share.below")
		assert.InDelta(t, 30.0/130, snap.Alerts[0].Value, 1e-9)
		resolveN("q", 50) // 30 of 180: 0.17
		assert.Empty(t, r.Snapshot().Alerts, "resolved below 0.2")
		flushEvents(r)
		got := alertsOf(obs)
		require.Len(t, got, 2)
		assert.True(t, got[0].Firing)
		assert.False(t, got[1].Firing)
		assert.InDelta(t, 30.0/180, got[1].Value, 1e-9)

		// 0.23 does not raise it again: only above 0.25 does. Driven by
		// the resolves alone (no Snapshot), every Interval.
		p1.fail(providers.Permanent)
		resolveN("f", 9) // 39 of 189: 0.206
		time.Sleep(DefaultAlertInterval)
		resolveN("g", 6) // 45 of 195: 0.23
		synctest.Wait()
		flushEvents(r)
		assert.Len(t, alertsOf(obs), 2)
		resolveN("h", 10) // 55 of 205: 0.27, not yet judged
		synctest.Wait()
		flushEvents(r)
		assert.Len(t, alertsOf(obs), 2)
		time.Sleep(DefaultAlertInterval)
		resolveN("i", 1) // judged as this resolve ends: 56 of 206
		synctest.Wait()
		flushEvents(r)
		got = alertsOf(obs)
		require.Len(t, got, 3, "raised by a resolve's evaluation")
		assert.True(t, got[2].Firing)
		assert.InDelta(t, 56.0/206, got[2].Value, 1e-9)

		// Five minutes later the window is empty: too few answers to hold it.
		time.Sleep(5 * time.Minute)
		assert.Empty(t, r.Snapshot().Alerts)
	})
}

func TestCostPerHourAlert(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := &recorder{}
		cfg := testConfig()
		cfg.Alerts.CostPerHour.Above = 1                                        // $1 an hour
		cfg.Plausibility.AuditRate = -1                                         // no sampled second opinion: the spend is exact
		r := newTestResolver(t, cfg, newStub(1), newStub(1), WithObserver(obs)) // p1 costs 0.02
		for i := range 100 {                                                    // $2 at once
			_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i)})
			require.NoError(t, err)
		}
		assert.Empty(t, r.Snapshot().Alerts, "up less than min_span: not judged")
		time.Sleep(5 * time.Minute)
		snap := r.Snapshot()
		require.Len(t, snap.Alerts, 1)
		assert.Equal(t, AlertCostPerHour, snap.Alerts[0].Kind)
		assert.InDelta(t, snap.Overall.CostPerHour, snap.Alerts[0].Value, 1e-9, "the snapshot's projection")
		assert.InDelta(t, 24, snap.Alerts[0].Value, 1e-9, "$2 in 5 minutes")
		time.Sleep(50 * time.Minute)
		require.Len(t, r.Snapshot().Alerts, 1, "$2 in 55 minutes: still above")
		time.Sleep(10 * time.Minute)
		assert.Empty(t, r.Snapshot().Alerts, "the spend left the trailing hour")
		flushEvents(r)
		got := alertsOf(obs)
		require.Len(t, got, 2)
		assert.Equal(t, []bool{true, false}, []bool{got[0].Firing, got[1].Firing})
		assert.Equal(t, 1.0, got[0].Threshold)
	})
}

func TestAlertsDisabled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := &recorder{}
		cfg := testConfig()
		cfg.Alerts.Disabled = true
		p1, s1 := newStub(0), newStub(0)
		p1.fail(providers.Unavailable)
		s1.fail(providers.Unavailable)
		r := newTestResolver(t, cfg, p1, s1, WithObserver(obs), WithHistory(noHistory{}))
		for i := range 40 {
			ctx := context.Background()
			if i >= 30 {
				ctx = WithBudget(ctx, 0.01)
			}
			_, err := r.Resolve(ctx, "cpc", Params{"keyword": fmt.Sprint("k", i)})
			require.NoError(t, err)
		}
		snap := r.Snapshot()
		assert.Equal(t, "open", snap.Providers[0].Breaker)
		assert.Empty(t, snap.Alerts)
		flushEvents(r)
		assert.Empty(t, alertsOf(obs))
	})
}

func TestAlertJSONRoundTrip(t *testing.T) {
	a := Alert{Kind: AlertFallbackShare, Severity: SeverityCritical, Firing: true, Value: 0.3, Threshold: 0.25, Since: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	b, err := json.Marshal(a)
	require.NoError(t, err)
	assert.JSONEq(t, `{"kind":"fallback_share","severity":"critical","firing":true,"value":0.3,"threshold":0.25,"since":"2026-01-01T00:00:00Z"}`, string(b))
	var back Alert
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, a, back)
	for k := AlertHealth; k <= AlertCostPerHour; k++ {
		var got AlertKind
		require.NoError(t, got.UnmarshalText([]byte(k.String())))
		assert.Equal(t, k, got)
	}
	var k AlertKind
	assert.ErrorContains(t, k.UnmarshalText([]byte("nope")), `unknown alert kind "nope"`)
	var s Severity
	assert.ErrorContains(t, s.UnmarshalText([]byte("none")), `unknown severity "none"`)
}

func TestSnapshotStringListsTheAlerts(t *testing.T) {
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := Snapshot{At: since, Since: since, Alerts: []Alert{{Kind: AlertBreaker, Subject: "p1", Severity: SeverityWarning, Firing: true, Value: 2, Since: since}}}
	assert.Contains(t, s.String(), "alert warning: breaker p1 2 (threshold 0) since 2026-01-01T00:00:00Z\n")
}

// One spending that crosses two thresholds raises both, in order.
func TestBudgetAlertsForEveryThresholdOneSpendingCrosses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := &recorder{}
		cfg := testConfig()
		cfg.Providers[0].Cost = 0.01
		r := newTestResolver(t, cfg, newStub(1), newStub(1), WithObserver(obs))
		ctx := WithBudget(context.Background(), 0.03)
		for i := range 3 { // 1/3, 2/3 (0.5), 3/3 (0.8 and 1)
			_, err := r.Resolve(ctx, "cpc", Params{"keyword": fmt.Sprint("k", i)})
			require.NoError(t, err)
		}
		flushEvents(r)
		var thresholds []float64
		for _, a := range alertsOf(obs) {
			thresholds = append(thresholds, a.Threshold)
		}
		assert.Equal(t, []float64{0.5, 0.8, 1}, thresholds)
	})
}

// A provider nobody has called yet is not judged: its score is only its
// configured confidence (0.8 by default, below the healthy threshold), so
// no health alert fires before its first outcome.
func TestNoHealthAlertBeforeAProvidersFirstOutcome(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers[0].Confidence = 0 // the default, 0.8
		r := newTestResolver(t, cfg, newStub(1), newStub(1))
		snap := r.Snapshot()
		require.Less(t, snap.Providers[0].Health, 0.9, "the prior alone is below the healthy threshold")
		assert.Empty(t, snap.Alerts)
	})
}

// A firing health alert is not resolved when the provider's outcomes age
// out of the router's window: no outcome says nothing of recovery.
func TestAHealthAlertStaysWhenOutcomesAgeOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Retry.MaxAttempts = 1
		cfg.Router.WindowDuration = time.Minute
		p1 := newStub(0)
		p1.fail(providers.Unavailable)
		r := newTestResolver(t, cfg, p1, newStub(2))
		for i := range 8 {
			_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i)})
			require.NoError(t, err)
		}
		firing := func() bool {
			for _, a := range r.Snapshot().Alerts {
				if a.Kind == AlertHealth && a.Subject == "p1" {
					return true
				}
			}
			return false
		}
		require.True(t, firing())
		time.Sleep(10 * time.Minute) // every outcome aged out; the breaker keeps p1 out
		assert.True(t, firing(), "no outcome says nothing of recovery")
	})
}

// Reading the breakers for the alerts may turn one half-open, and its
// transition is judged as an alert at once: Snapshot (and the resolver's
// own evaluation) did that under the alerts' lock, which the judging
// takes too, and deadlocked — every later breaker transition then held
// its resolve — once an open breaker's open duration had passed with no
// call to it, whenever an observer was set. (Real time: a goroutine
// stuck on a mutex would stop a synctest bubble's clock.)
func TestASnapshotTurningABreakerHalfOpenDoesNotDeadlock(t *testing.T) {
	p1, s1 := newStub(0), newStub(2)
	p1.fail(providers.Unavailable)
	cfg := testConfig()
	cfg.Retry.MaxAttempts = 1
	cfg.Breaker.OpenDuration = 20 * time.Millisecond
	r := newTestResolver(t, cfg, p1, s1, WithObserver(ObserverFunc(func(context.Context, Event) {})))
	for i := range 8 {
		_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i)})
		require.NoError(t, err)
	}
	require.Equal(t, breaker.Open, r.byName["p1"].breaker.Breaker.Snapshot().State, "the test needs p1's breaker open")
	time.Sleep(50 * time.Millisecond) // its open duration passes, no call to it
	done := make(chan Snapshot, 1)
	go func() { done <- r.Snapshot() }()
	select {
	case snap := <-done:
		assert.Equal(t, "half-open", snap.Providers[0].Breaker)
		assert.Len(t, filterAlerts(snap.Alerts, AlertBreaker), 1, "the breaker alert still fires")
	case <-time.After(5 * time.Second):
		t.Fatal("Snapshot deadlocked")
	}
}
