package fallback

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/strata-go/strata/router"
)

// Snapshot is the resolver's dashboard at one instant: provider health,
// request and cost figures with projections, and where the answers came
// from. It marshals to JSON with stable snake_case names; String renders a
// compact text table.
type Snapshot struct {
	// At is when the snapshot was taken; Since when the resolver started.
	At    time.Time `json:"at"`
	Since time.Time `json:"since"`
	// Providers holds one entry per declared provider, in config order.
	Providers []ProviderSnapshot `json:"providers"`
	// Overall sums the figures over every resolve.
	Overall OverallSnapshot `json:"overall"`
	// Layers are the shares of answers by layer, over every data type.
	Layers LayerShares `json:"layers"`
	// DataTypes are the shares of answers by layer, per data type.
	DataTypes map[string]LayerShares `json:"data_types"`
	// Alerts are the alerts firing, by kind then subject (see Alert; the
	// rules are judged as the snapshot is taken). Budget alerts are
	// events only.
	Alerts []Alert `json:"alerts"`
}

// ProviderSnapshot is one provider's row of the dashboard.
type ProviderSnapshot struct {
	Name    string        `json:"name"`
	Tier    Tier          `json:"tier"`
	Status  router.Status `json:"status"`
	Health  float64       `json:"health"`
	Breaker string        `json:"breaker"`
	// Requests are the attempts made that counted for health (caller
	// cancellations and the caller's own bad requests excluded).
	Requests    int64              `json:"requests"`
	SuccessRate float64            `json:"success_rate"`
	ErrorRates  map[string]float64 `json:"error_rates"`
	Quality     float64            `json:"quality"`
	Uptime      float64            `json:"uptime"`
	P50Ms       float64            `json:"p50_ms"`
	P95Ms       float64            `json:"p95_ms"`
	P99Ms       float64            `json:"p99_ms"`
	// Cost is what the provider's attempts cost, in total and by data
	// type: every call made, also those that did not count for health (a
	// hedge that lost, a Permanent failure, a call its caller left), so
	// the providers' costs add up to Overall.Cost.
	Cost           float64            `json:"cost"`
	CostByDataType map[string]float64 `json:"cost_by_data_type"`
	// BreakerTrips counts the breaker's trips since start.
	BreakerTrips uint64 `json:"breaker_trips"`
	// FleetHoldUntil is, while fleet health holds the provider (another
	// instance's breaker opened, or the fleet's run of failures reached
	// the threshold; see FleetHealthConfig), when the hold ends: the
	// provider is skipped as an open breaker would skip it though Breaker
	// says closed. Zero when not held.
	FleetHoldUntil time.Time `json:"fleet_hold_until,omitzero"`
}

// OverallSnapshot sums the resolver's figures.
type OverallSnapshot struct {
	// Resolves counts resolves that got past validation; Answered those
	// that returned a value.
	Resolves int64 `json:"resolves"`
	Answered int64 `json:"answered"`
	// SuccessRate is Answered / Resolves.
	SuccessRate float64 `json:"success_rate"`
	// LastMinute and LastHour are what happened over the trailing minute
	// (counted by the second) and the trailing hour (by the minute).
	LastMinute TrailingSnapshot `json:"last_minute"`
	LastHour   TrailingSnapshot `json:"last_hour"`
	// RequestsPerMinute is the resolve rate over the trailing minute,
	// RequestsPerHour over the trailing hour: a spike in the last hour
	// moves it fully, a quiet hour takes it to zero. Every rate here is
	// taken over at least one period of its window (a second of the
	// minute's, a minute of the hour's), so the first moments after start
	// do not project one answer into thousands.
	RequestsPerMinute float64 `json:"requests_per_minute"`
	RequestsPerHour   float64 `json:"requests_per_hour"`
	// ProvidersByStatus counts the providers in each health status.
	ProvidersByStatus map[string]int `json:"providers_by_status"`
	// AvgLatencyMs, P95LatencyMs and P99LatencyMs describe the latency of
	// the resolves that a fresh cache hit did not answer, since start.
	// The percentiles come from log-linear buckets (32 per power of two)
	// and are within 1.6 % of the exact nearest-rank percentile. Fresh
	// cache hits are not timed: they take well under a microsecond;
	// Layers counts them.
	AvgLatencyMs float64 `json:"avg_latency_ms"`
	P95LatencyMs float64 `json:"p95_latency_ms"`
	P99LatencyMs float64 `json:"p99_latency_ms"`
	// Cost is the money spent since start. CostPerMinute is the rate over
	// the trailing minute; CostPerHour the rate over the trailing hour,
	// which is the hourly projection, and DailyProjection and
	// MonthlyProjection the same rate over a day and a 30-day month.
	Cost              float64 `json:"cost"`
	CostPerMinute     float64 `json:"cost_per_minute"`
	CostPerHour       float64 `json:"cost_per_hour"`
	DailyProjection   float64 `json:"daily_projection"`
	MonthlyProjection float64 `json:"monthly_projection"`
	// CostPerSuccess is Cost / Answered, since start.
	CostPerSuccess float64 `json:"cost_per_success"`
	// CallbackFailures counts the host callbacks' failures the resolver
	// contained (see EventCallback): panics, calls abandoned at their
	// deadline, shared-tier entries refused.
	CallbackFailures int64 `json:"callback_failures"`
	// ForecastFits counts the forecasts fitted (not taken from the memo),
	// ForecastQuickFits those of them fitted quick, without auto's
	// challengers, for lack of time (see ForecastConfig.DisableQuickFit).
	ForecastFits      int64 `json:"forecast_fits"`
	ForecastQuickFits int64 `json:"forecast_quick_fits"`
	// ClaimsWon counts the walks that took their key's fill claim
	// (Config.Cache.Claim), ClaimsLost those that found it taken, and
	// ClaimWaitsServed those of them that served the claimant's answer;
	// the others called their providers when their wait ended, or were
	// ended by Close or their deadline. A claim that failed counts in
	// neither, but in CallbackFailures.
	ClaimsWon        int64 `json:"claims_won"`
	ClaimsLost       int64 `json:"claims_lost"`
	ClaimWaitsServed int64 `json:"claim_waits_served"`
	// EventsDropped counts the events the observer did not get because
	// it fell behind by more than its queue holds, and the breaker
	// transitions a host's OnStateChange did not get for the same reason.
	EventsDropped int64 `json:"events_dropped"`
}

// TrailingSnapshot is what happened over a trailing window: the
// resolves that ended in it, the answers' shares by layer, and the money
// its attempts spent.
type TrailingSnapshot struct {
	// SpanSeconds is the time the window covers: its length, less the
	// part of its oldest period gone by (so between 59 and 60 periods),
	// or the time since start when that is shorter. Rates are over it.
	SpanSeconds float64 `json:"span_seconds"`
	Resolves    int64   `json:"resolves"`
	// Layers are the answers' shares by layer; Layers.Answered their
	// count.
	Layers LayerShares `json:"layers"`
	Cost   float64     `json:"cost"`
}

func trailing(w window) TrailingSnapshot {
	return TrailingSnapshot{SpanSeconds: w.span.Seconds(), Resolves: w.resolves(), Layers: shares(&w.layers), Cost: float64(w.cost) / nano}
}

// LayerShares are the shares of answers by layer, each in [0, 1], with the
// count they are shares of.
type LayerShares struct {
	Answered    int64   `json:"answered"`
	Primary     float64 `json:"primary"`
	Secondary   float64 `json:"secondary"`
	Cache       float64 `json:"cache"`
	Statistical float64 `json:"statistical"`
	Default     float64 `json:"default"`
}

func shares(counts *[len(layerNames)]int64) LayerShares {
	var total int64
	for _, l := range Layers {
		total += counts[l]
	}
	s := LayerShares{Answered: total}
	if total == 0 {
		return s
	}
	f := func(l Layer) float64 { return float64(counts[l]) / float64(total) }
	s.Primary, s.Secondary, s.Cache, s.Statistical, s.Default = f(LayerPrimary), f(LayerSecondary), f(LayerCache), f(LayerStatistical), f(LayerDefault)
	return s
}

// Snapshot returns the dashboard as of now. It is safe to call
// concurrently with resolves; its figures are each consistent, not a
// single atomic cut.
func (r *Resolver) Snapshot() Snapshot {
	now := time.Now()
	r.evaluateAlerts(now, true)
	s := Snapshot{At: now, Since: r.started, DataTypes: make(map[string]LayerShares, len(r.types)), Alerts: r.activeAlerts()}
	byStatus := map[string]int{}
	for _, st := range []router.Status{router.Healthy, router.Degraded, router.Unhealthy, router.Critical} {
		byStatus[st.String()] = 0
	}
	for _, p := range r.providers {
		h := r.tracker.Health(p.name, now)
		bs := p.breaker.Snapshot()
		ps := ProviderSnapshot{
			Name:           p.name,
			Tier:           p.cfg.Tier,
			Status:         h.Status,
			Health:         h.Score,
			Breaker:        bs.State.String(),
			Requests:       h.Requests,
			SuccessRate:    h.SuccessRate,
			ErrorRates:     h.ErrorRates,
			Quality:        h.Quality,
			Uptime:         h.Uptime,
			P50Ms:          ms(h.P50),
			P95Ms:          ms(h.P95),
			P99Ms:          ms(h.P99),
			Cost:           h.TotalCost,
			CostByDataType: h.CostByDataType,
			BreakerTrips:   bs.Trips,
		}
		if p.breaker.holding(time.Now) {
			ps.FleetHoldUntil = p.breaker.heldUntil()
		}
		if ps.CostByDataType == nil {
			ps.CostByDataType = map[string]float64{}
		}
		byStatus[h.Status.String()]++
		s.Providers = append(s.Providers, ps)
	}

	var all [len(layerNames)]int64
	var failed int64
	for name, dt := range r.types {
		var c [len(layerNames)]int64
		for _, l := range Layers {
			c[l] = dt.metrics.count(l)
			all[l] += c[l]
		}
		failed += dt.metrics.count(0)
		s.DataTypes[name] = shares(&c)
	}
	s.Layers = shares(&all)

	o := &s.Overall
	o.Answered = s.Layers.Answered
	o.Resolves = o.Answered + failed
	if o.Resolves > 0 {
		o.SuccessRate = float64(o.Answered) / float64(o.Resolves)
	}
	o.ProvidersByStatus = byStatus
	o.AvgLatencyMs = ms(r.metrics.latency.mean())
	o.P95LatencyMs = ms(r.metrics.latency.quantile(0.95))
	o.P99LatencyMs = ms(r.metrics.latency.quantile(0.99))
	o.Cost = float64(r.metrics.cost.Load()) / nano
	o.CallbackFailures = r.metrics.callbackFailures.Load()
	o.ForecastFits = r.metrics.fits.Load()
	o.ForecastQuickFits = r.metrics.quickFits.Load()
	o.ClaimsWon = r.metrics.claimsWon.Load()
	o.ClaimsLost = r.metrics.claimsLost.Load()
	o.ClaimWaitsServed = r.metrics.claimWaitsServed.Load()
	o.EventsDropped = r.events.dropped.Load()
	minute, hour := r.metrics.windows.lastMinute(now, r.started), r.metrics.windows.lastMinutes(now, r.started, ringSlots)
	o.LastMinute, o.LastHour = trailing(minute), trailing(hour)
	o.RequestsPerMinute = minute.per(float64(minute.resolves()), time.Minute)
	o.RequestsPerHour = hour.per(float64(hour.resolves()), time.Hour)
	o.CostPerMinute = minute.per(o.LastMinute.Cost, time.Minute)
	o.CostPerHour = hour.per(o.LastHour.Cost, time.Hour)
	o.DailyProjection = o.CostPerHour * 24
	o.MonthlyProjection = o.DailyProjection * 30
	if o.Answered > 0 {
		o.CostPerSuccess = o.Cost / float64(o.Answered)
	}
	return s
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// JSON returns the snapshot as indented JSON.
func (s Snapshot) JSON() ([]byte, error) { return json.MarshalIndent(s, "", "  ") }

// String renders the snapshot as a compact text table.
func (s Snapshot) String() string {
	var b strings.Builder
	o := s.Overall
	fmt.Fprintf(&b, "strata snapshot at %s (up %s)\n", s.At.Format(time.RFC3339), s.At.Sub(s.Since).Round(time.Second))
	fmt.Fprintf(&b, "resolves %d, answered %.1f%%, %.0f/min %.0f/h (trailing), latency avg %.1fms p95 %.1fms p99 %.1fms\n",
		o.Resolves, 100*o.SuccessRate, o.RequestsPerMinute, o.RequestsPerHour, o.AvgLatencyMs, o.P95LatencyMs, o.P99LatencyMs)
	fmt.Fprintf(&b, "cost $%.4f ($%.4f/h over the last hour: $%.2f/day, $%.2f/month projected; $%.5f per answer)\n",
		o.Cost, o.CostPerHour, o.DailyProjection, o.MonthlyProjection, o.CostPerSuccess)
	l := s.Layers
	fmt.Fprintf(&b, "layers: primary %.1f%%  secondary %.1f%%  cache %.1f%%  statistical %.1f%%  default %.1f%%\n",
		100*l.Primary, 100*l.Secondary, 100*l.Cache, 100*l.Statistical, 100*l.Default)
	for _, a := range s.Alerts {
		what := a.Kind.String()
		if a.Subject != "" {
			what += " " + a.Subject
		}
		fmt.Fprintf(&b, "alert %s: %s %.3g (threshold %.3g) since %s\n", a.Severity, what, a.Value, a.Threshold, a.Since.Format(time.RFC3339))
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROVIDER\tTIER\tSTATUS\tHEALTH\tBREAKER\tREQUESTS\tSUCCESS\tP50\tP95\tP99\tCOST")
	for _, p := range s.Providers {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%s\t%d\t%.1f%%\t%.0fms\t%.0fms\t%.0fms\t$%.4f\n",
			p.Name, p.Tier, p.Status, p.Health, p.Breaker, p.Requests, 100*p.SuccessRate, p.P50Ms, p.P95Ms, p.P99Ms, p.Cost)
	}
	tw.Flush()
	names := make([]string, 0, len(s.DataTypes))
	for n := range s.DataTypes {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		d := s.DataTypes[n]
		if d.Answered == 0 {
			continue
		}
		fmt.Fprintf(&b, "  %s: %d answers: primary %.0f%% secondary %.0f%% cache %.0f%% statistical %.0f%% default %.0f%%\n",
			n, d.Answered, 100*d.Primary, 100*d.Secondary, 100*d.Cache, 100*d.Statistical, 100*d.Default)
	}
	return b.String()
}
