package router

import (
	"math"
	"time"
)

// View is what the tracker believes of one provider (or provider × data
// type) at one instant: what Router.Score needs, and the p95 the resolver
// uses as its hedging delay. Its rates are the tracker's estimates — the
// window's observations blended with the provider's profile (see the
// package doc, "Cold start") — so a provider with no history has a
// meaningful View.
type View struct {
	// Score is the health score in [0, 1] (see the package doc, "Health
	// score").
	Score float64
	// Status grades Score against Config.Thresholds.
	Status Status
	// SuccessRate is the estimated share of attempts that succeed.
	SuccessRate float64
	// Quality is the estimated share of responses that pass validation.
	Quality float64
	// Uptime is the share of the window's time the provider was not in an
	// outage; 1 when nothing has been observed.
	Uptime float64
	// Latency is the estimated latency of a response: the EWMA of observed
	// response latencies (and counted lower bounds, see Outcome.Lost)
	// blended with ExpectedLatency.
	Latency time.Duration
	// ExpectedLatency is the profile's expected latency.
	ExpectedLatency time.Duration
	// P95 is the 95th percentile of the latency samples in the window
	// (responses' and counted lower bounds; cached, see
	// Config.PercentileEvery). For a data type with no samples of its own
	// it is the provider's; zero when the provider has none either.
	P95 time.Duration
	// Quota is the provider's last reported quota; meaningful until
	// QuotaUntil.
	Quota Quota
	// QuotaUntil is when Quota stops being believed: its Reset, or
	// Config.QuotaStaleAfter after it was reported when it has no Reset,
	// and at most Config.QuotaMaxAge after it was reported.
	// The zero time means no quota was reported.
	QuotaUntil time.Time
	// Samples is the number of outcomes in the window the view was computed
	// from (the data type's window when one was asked for).
	Samples int
	// Requests is the number of outcomes ever recorded for that window.
	Requests int64
	// Cost is the profile's configured cost of one call.
	Cost float64
}

// QuotaRatio returns the share of its quota the provider reported left, in
// [0, 1], as of now: Remaining/Limit; 0 when Remaining is not positive; 1
// when the provider reported no quota, reported no Limit, or when the
// report is no longer believed (now is at or after QuotaUntil). The zero
// now is time.Now().
func (v View) QuotaRatio(now time.Time) float64 { return v.quotaRatio(orNow(now)) }

// quotaRatio is QuotaRatio without copying the View: scoring a pool's
// member reads it in place.
func (v *View) quotaRatio(now time.Time) float64 {
	if v.QuotaUntil.IsZero() || !now.Before(v.QuotaUntil) {
		return 1
	}
	if v.Quota.Remaining <= 0 {
		return 0
	}
	if v.Quota.Limit <= 0 {
		return 1
	}
	return clamp01(float64(v.Quota.Remaining) / float64(v.Quota.Limit))
}

// View returns the provider's view as of now. With a non-empty dataType it
// is the view of the provider × data type window, whose prior is the
// profile blended with the provider's outcomes for other data types, so a
// data type the provider has not yet served starts from what is known of
// the provider (see the package doc, "Cold start"); with "" it is the
// provider's. A provider the tracker does not know gets the view of a new
// provider with the default profile.
//
// View takes the tracker's mutex and does not allocate; the package doc,
// "Cost", says what it works out on each call.
func (t *Tracker) View(provider, dataType string, now time.Time) View {
	now = orNow(now)
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entries[provider]
	if e == nil {
		return t.fresh
	}
	var ts *series
	if dataType != "" {
		ts = e.types[dataType]
	}
	vp, _ := e.view(ts, now, &t.s)
	v := *vp
	// P95 is not kept with the rest: of the views, only this one reports
	// it, so only View pays for refreshing the percentiles.
	e.all.percentiles(false, t.s.pctEvery)
	if e.all.c.timed() > 0 {
		v.P95 = time.Duration(e.all.p95)
	}
	if ts != nil {
		ts.percentiles(false, t.s.pctEvery)
		if ts.c.timed() > 0 {
			v.P95 = time.Duration(ts.p95)
		}
	} else if dataType != "" {
		// A data type the provider has not served: the provider's view,
		// with no samples of its own.
		v.Samples, v.Requests = 0, 0
	}
	return v
}

// derived is the part of a series' view that does not depend on now,
// worked out again only when the provider changed or an outcome aged out.
type derived struct {
	gen   uint64  // the entry's generation it was worked out at; 0: never
	until int64   // it holds while now (unix nanoseconds) is at or before this
	v     View    // all but P95; Uptime, Score and Status as of the last view
	base  float64 // the health score's success, latency and quality terms
	// static reports that nothing in v depends on now (no quota report,
	// no outage to measure): its Uptime, Score and Status are set once.
	static bool
}

// view returns the view of ts as of now — of the provider when ts is nil
// — but for P95 (zero), and the last instant (unix nanoseconds) up to
// which it is the view at every now while the provider does not change:
// math.MinInt64 when it follows now. It is ts's derived view (e.all's
// when ts is nil), with Uptime, Score and Status set for now: valid until
// the mutex is released, not to be modified. It requires the Tracker's
// mutex held.
func (e *entry) view(ts *series, now time.Time, st *settings) (*View, int64) {
	nowN := now.UnixNano()
	w := e.all
	if ts != nil {
		w = ts
	}
	d := &w.derived
	if d.gen != e.gen || nowN > d.until {
		// Both windows: a data type's prior is the provider's window.
		expired := e.all.expire(nowN, st)
		if ts != nil && ts.expire(nowN, st) {
			expired = true
		}
		if expired {
			e.gen++
		}
		if d.gen != e.gen {
			e.derive(ts, st)
		}
	}
	if !d.static {
		d.fill(ts, e.all, now, st)
		return &d.v, math.MinInt64
	}
	return &d.v, d.until
}

// fill sets d's Uptime, Score and Status as of now, ts and all being the
// windows it is the view of.
func (d *derived) fill(ts, all *series, now time.Time, st *settings) {
	d.v.Uptime = uptime(ts, all, now.UnixNano())
	d.v.Score = st.healthScoreFrom(d.base, &d.v, now)
	d.v.Status = st.thresholds.Status(d.v.Score)
}

// uptime is the uptime of a view of ts (nil for the provider's) as of now:
// the data type's window's, else the provider's, else 1 when neither knows.
func uptime(ts, all *series, now int64) float64 {
	if ts != nil {
		if u, ok := ts.uptime(now); ok {
			return clamp01(u)
		}
	}
	if u, ok := all.uptime(now); ok {
		return clamp01(u)
	}
	return 1
}

// fixedUptime reports whether uptime(ts, all, now) is the same at every
// now: the window that decides it is in no outage and had none, or has
// nothing in it.
func fixedUptime(ts, all *series) bool {
	for _, s := range [2]*series{ts, all} {
		switch {
		case s == nil || s.c.n == 0 && !s.down:
			continue // knows nothing: the next one decides
		case s.c.n == 0:
			return true // 0
		default:
			return !s.down && s.downSum == 0 // 1
		}
	}
	return true // 1
}

// derive works out the derived view of ts (of the provider when ts is nil)
// from the windows as they are. It requires the Tracker's mutex held.
func (e *entry) derive(ts *series, st *settings) {
	s, w := e.all, e.all
	if ts != nil {
		w = ts
	}
	prior := estimate{success: e.profile.Confidence, quality: e.profile.Confidence, latency: float64(e.profile.ExpectedLatency)}
	var est estimate
	until := s.expiresAt(st)
	if ts == nil {
		est = blend(prior, st.prior, s.c, s.ewma)
	} else {
		// The data type's prior is the profile blended with the
		// provider's other outcomes, so its own are not counted twice.
		est = blend(blend(prior, st.prior, s.c.minus(ts.inParent), s.ewma), st.prior, ts.c, ts.ewma)
		until = min(until, ts.expiresAt(st))
	}
	// Field by field, in place: a View is too large to build and copy
	// on every Record of the provider.
	d := &w.derived
	v := &d.v
	v.SuccessRate = clamp01(est.success)
	v.Quality = clamp01(est.quality)
	v.Latency = duration(math.Round(est.latency))
	v.ExpectedLatency, v.Cost = e.profile.ExpectedLatency, e.profile.Cost
	v.Samples, v.Requests = w.c.n, w.requests
	v.Quota, v.QuotaUntil = Quota{}, time.Time{}
	if e.hasQuota {
		v.Quota = e.quota
		v.QuotaUntil = e.quota.Reset
		if v.QuotaUntil.IsZero() {
			v.QuotaUntil = e.quotaAt.Add(st.quotaStale)
		}
		if most := e.quotaAt.Add(st.quotaMaxAge); v.QuotaUntil.After(most) {
			v.QuotaUntil = most
		}
	}
	d.gen, d.until, d.base = e.gen, until, st.healthBase(v)
	d.static = v.QuotaUntil.IsZero() && fixedUptime(ts, s)
	if d.static {
		d.fill(ts, s, time.Time{}, st)
	}
}

// healthScore is the weighted sum of the health metrics (see the package
// doc, "Health score").
func (s *settings) healthScore(v *View, now time.Time) float64 {
	return s.healthScoreFrom(s.healthBase(v), v, now)
}

// healthBase is the part of the health score that does not depend on now:
// the success, latency and quality terms.
func (s *settings) healthBase(v *View) float64 {
	w := &s.health
	// The conversion rounds the sum, so that no platform fuses it with the
	// terms healthScoreFrom adds: a derived view's score is the score.
	return float64(w.Success*v.SuccessRate + w.Latency*latencyFactor(v.ExpectedLatency, v.Latency) + w.Quality*v.Quality)
}

// healthScoreFrom adds the uptime and quota terms to base, the result of
// healthBase.
func (s *settings) healthScoreFrom(base float64, v *View, now time.Time) float64 {
	w := &s.health
	return clamp01(base + w.Uptime*v.Uptime + w.Quota*v.quotaRatio(now))
}

// latencyFactor is expected over observed latency, clipped to [0, 1]: 1
// while the provider is at least as fast as expected.
func latencyFactor(expected, observed time.Duration) float64 {
	if observed <= expected {
		return 1
	}
	return clamp01(float64(expected) / float64(observed))
}
