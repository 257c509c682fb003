package router

import (
	"math"
	"time"
)

// View is the cheap snapshot of one provider (or provider × data type) that
// the hot path reads: what Router.Score needs, and the p95 the resolver
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
	// response latencies blended with ExpectedLatency.
	Latency time.Duration
	// ExpectedLatency is the profile's expected latency.
	ExpectedLatency time.Duration
	// P95 is the 95th percentile of the response latencies in the window
	// (cached; see Config.PercentileEvery). For a data type with no
	// responses of its own it is the provider's; zero when the provider has
	// none either.
	P95 time.Duration
	// Quota is the provider's last reported quota; meaningful until
	// QuotaUntil.
	Quota Quota
	// QuotaUntil is when Quota stops being believed: its Reset, or
	// Config.QuotaStaleAfter after it was reported when it has no Reset.
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
// report is no longer believed (now is at or after QuotaUntil).
func (v View) QuotaRatio(now time.Time) float64 {
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
// provider's.
// A provider the tracker does not know gets the view of a new provider
// with the default profile. View does not allocate; it takes only that
// provider's lock.
func (t *Tracker) View(provider, dataType string, now time.Time) View {
	e := t.lookup(provider)
	if e == nil {
		p := t.s.defaultProfile(provider)
		est := estimate{success: p.Confidence, quality: p.Confidence, latency: float64(p.ExpectedLatency), uptime: 1}
		v := View{ExpectedLatency: p.ExpectedLatency}
		t.s.fill(&v, est, now)
		return v
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.view(dataType, now, &t.s)
}

// view computes the view. It requires e.mu held.
func (e *entry) view(dataType string, now time.Time, st *settings) View {
	nowN := now.UnixNano()
	s := e.all
	s.expire(nowN, st)
	s.percentiles(false, st.pctEvery)
	est := s.estimate(e.prior(), st.prior, nowN)
	v := View{ExpectedLatency: e.profile.ExpectedLatency, Samples: s.c.n, Requests: s.requests, Cost: e.profile.Cost}
	if dataType != "" {
		v.Samples, v.Requests = 0, 0
		if ts := e.types[dataType]; ts != nil {
			ts.expire(nowN, st)
			ts.percentiles(false, st.pctEvery)
			// The data type's prior is the profile blended with the
			// provider's other outcomes, so its own are not counted twice.
			prior := blend(e.prior(), st.prior, s.c.minus(ts.inParent), s.ewma)
			prior.uptime, prior.p95 = est.uptime, est.p95
			est = ts.estimate(prior, st.prior, nowN)
			v.Samples, v.Requests = ts.c.n, ts.requests
		}
	}
	e.fillQuota(&v, st)
	st.fill(&v, est, now)
	return v
}

// prior is the estimate of the provider before any observation. It
// requires e.mu held.
func (e *entry) prior() estimate {
	return estimate{success: e.profile.Confidence, quality: e.profile.Confidence, latency: float64(e.profile.ExpectedLatency), uptime: 1}
}

// fillQuota sets v's quota fields. It requires e.mu held.
func (e *entry) fillQuota(v *View, st *settings) {
	if !e.hasQuota {
		return
	}
	v.Quota = e.quota
	v.QuotaUntil = e.quota.Reset
	if v.QuotaUntil.IsZero() {
		v.QuotaUntil = e.quotaAt.Add(st.quotaStale)
	}
}

// fill sets v's estimates, health score and status from est. v's
// ExpectedLatency and quota fields must be set.
func (s *settings) fill(v *View, est estimate, now time.Time) {
	v.SuccessRate = clamp01(est.success)
	v.Quality = clamp01(est.quality)
	v.Uptime = clamp01(est.uptime)
	v.Latency = time.Duration(math.Round(est.latency))
	v.P95 = time.Duration(est.p95)
	v.Score = s.healthScore(v, now)
	v.Status = s.thresholds.Status(v.Score)
}

// healthScore is the weighted sum of the health metrics (see the package
// doc, "Health score").
func (s *settings) healthScore(v *View, now time.Time) float64 {
	w := &s.health
	score := w.Success*v.SuccessRate +
		w.Latency*latencyFactor(v.ExpectedLatency, v.Latency) +
		w.Quality*v.Quality +
		w.Uptime*v.Uptime +
		w.Quota*v.QuotaRatio(now)
	return clamp01(score)
}

// latencyFactor is expected over observed latency, clipped to [0, 1]: 1
// while the provider is at least as fast as expected.
func latencyFactor(expected, observed time.Duration) float64 {
	if observed <= expected {
		return 1
	}
	return clamp01(float64(expected) / float64(observed))
}
