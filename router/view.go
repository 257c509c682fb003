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
func (v View) QuotaRatio(now time.Time) float64 { return v.quotaRatio(now) }

// quotaRatio is QuotaRatio without copying the View.
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
// provider's.
// A provider the tracker does not know gets the view of a new provider
// with the default profile.
//
// View is cheap and takes no lock in the steady state: it keeps, per
// provider and per provider × data type, a snapshot of everything in the
// view that does not depend on now, and derives uptime, the quota ratio,
// the health score and the status from it and now in O(1). The snapshot is
// rebuilt, under that provider's lock, by the first View after anything it
// depends on changed — a Record or Register of the provider, a Health
// report that refreshed its percentiles — or once now passes the instant
// the window's oldest outcome ages out (Config.WindowDuration). The result
// is exactly what computing the view afresh would give. View allocates
// only to rebuild a snapshot.
func (t *Tracker) View(provider, dataType string, now time.Time) View {
	var scratch View
	return *t.viewRef(provider, dataType, now, &scratch)
}

// viewRef returns the view: the snapshot's own, which must not be
// modified, when it is complete, or else scratch set to it. View is this
// much so that it inlines, and the caller copies the common case straight
// from the snapshot.
func (t *Tracker) viewRef(provider, dataType string, now time.Time, scratch *View) *View {
	c := t.current(provider, dataType, now)
	switch {
	case c == nil:
		*scratch = t.unknown(provider, now)
		return scratch
	case c.complete(dataType):
		return &c.v // the common case: the snapshot is the view
	}
	*scratch = c.v
	c.derive(scratch, dataType, now, &t.s)
	return scratch
}

// FillViews sets cands[i].View to View(cands[i].Name, dataType, now) for
// every candidate, leaving their other fields alone. It is the batch form
// of View for a caller about to Rank: it writes each view in place instead
// of returning a copy. Like View it takes no lock in the steady state and
// allocates only to rebuild a snapshot.
func (t *Tracker) FillViews(cands []Candidate, dataType string, now time.Time) {
	for i := range cands {
		c := &cands[i]
		s := t.current(c.Name, dataType, now)
		if s == nil {
			c.View = t.unknown(c.Name, now)
			continue
		}
		c.View = s.v
		if !s.complete(dataType) {
			s.derive(&c.View, dataType, now, &t.s)
		}
	}
}

// current returns the up-to-date snapshot the view of provider × dataType
// as of now derives from — the provider's when the provider has not served
// dataType — or nil when the tracker does not know the provider.
func (t *Tracker) current(provider, dataType string, now time.Time) *viewCache {
	e := t.lookup(provider)
	if e == nil {
		return nil
	}
	return t.currentOf(e, dataType, now)
}

// currentOf is current for the provider's entry.
func (t *Tracker) currentOf(e *entry, dataType string, now time.Time) *viewCache {
	nowN := now.UnixNano()
	gen := e.gen.Load() // before the snapshot: it must be at least as new
	s := e.all
	if dataType != "" {
		// Most views of a provider are of the same data type: try the
		// last one before the index.
		ts := e.lastType.Load()
		if ts == nil || ts.dataType != dataType {
			if ts = (*e.typeIndex.Load())[dataType]; ts != nil {
				e.lastType.Store(ts)
			}
		}
		if ts != nil {
			s = ts
		}
	}
	c := s.cache.Load()
	if c == nil || c.gen != gen || nowN > c.until {
		e.mu.Lock()
		c = e.refresh(dataType, nowN, &t.s)
		e.mu.Unlock()
	}
	return c
}

// unknown returns the view of a provider the tracker does not know: that
// of a new provider with the default profile.
func (t *Tracker) unknown(provider string, now time.Time) View {
	p := t.s.defaultProfile(provider)
	est := estimate{success: p.Confidence, quality: p.Confidence, latency: float64(p.ExpectedLatency), uptime: 1}
	v := View{ExpectedLatency: p.ExpectedLatency}
	t.s.fill(&v, est, now)
	return v
}

// viewLocked returns the view of dataType as of now. It requires e.mu
// held.
func (e *entry) viewLocked(dataType string, now time.Time, st *settings) View {
	c := e.refresh(dataType, now.UnixNano(), st)
	v := c.v
	c.derive(&v, dataType, now, st)
	return v
}

// viewCache is an immutable snapshot of a view: everything in it that does
// not depend on now, and what the rest is derived from.
type viewCache struct {
	gen    uint64  // the entry's generation it was built at
	until  int64   // it holds while now (unix nanoseconds) is at or before this
	series *series // the window it is the view of
	typed  bool    // series is a data type's, not the provider's
	v      View    // all but Uptime, Score and Status
	base   float64 // the health score's success, latency and quality terms
	// up holds the uptime states to try in turn, the first that knows
	// wins (the data type's window, then the provider's); 1 when none does.
	up  [2]uptimeState
	nup int
	// static reports that the view does not depend on now (no outage to
	// measure, no quota reported): v is complete.
	static bool
}

// refresh returns the snapshot of the view of dataType (of the provider's
// when the provider has not served it) up to date as of now: the cached
// one when another View rebuilt it meanwhile, or a new one, stored in the
// window's cache, after bringing the windows it depends on up to now. It
// requires e.mu held.
func (e *entry) refresh(dataType string, nowN int64, st *settings) *viewCache {
	s := e.all
	var ts *series
	if dataType != "" {
		ts = e.types[dataType]
	}
	w := s
	if ts != nil {
		w = ts
	}
	if c := w.cache.Load(); c != nil && c.gen == e.gen.Load() && nowN <= c.until {
		return c
	}
	changed := s.expire(nowN, st)
	if s.percentiles(false, st.pctEvery) {
		changed = true
	}
	if ts != nil {
		if ts.expire(nowN, st) {
			changed = true
		}
		if ts.percentiles(false, st.pctEvery) {
			changed = true
		}
	}
	if changed {
		// Other snapshots of the entry may depend on what changed.
		e.changed()
	}
	c := e.snapshot(ts, st)
	c.series.cache.Store(c)
	return c
}

// snapshot builds the snapshot of the view of ts, or of the provider's when
// ts is nil, from the windows as they are. It requires e.mu held.
func (e *entry) snapshot(ts *series, st *settings) *viewCache {
	s := e.all
	c := &viewCache{gen: e.gen.Load(), until: s.expiresAt(st), series: s, nup: 1}
	c.up[0] = s.uptimeState()
	est := blend(e.prior(), st.prior, s.c, s.ewma)
	if s.c.answered > 0 {
		est.p95 = s.p95
	}
	c.v = View{ExpectedLatency: e.profile.ExpectedLatency, Samples: s.c.n, Requests: s.requests, Cost: e.profile.Cost}
	if ts != nil {
		// The data type's prior is the profile blended with the
		// provider's other outcomes, so its own are not counted twice.
		prior := blend(e.prior(), st.prior, s.c.minus(ts.inParent), s.ewma)
		prior.p95 = est.p95
		est = blend(prior, st.prior, ts.c, ts.ewma)
		if ts.c.answered > 0 {
			est.p95 = ts.p95
		}
		c.series, c.typed, c.until, c.nup = ts, true, min(c.until, ts.expiresAt(st)), 2
		c.up[0], c.up[1] = ts.uptimeState(), c.up[0]
		c.v.Samples, c.v.Requests = ts.c.n, ts.requests
	}
	e.fillQuota(&c.v, st)
	st.fillEstimates(&c.v, est)
	c.base = st.healthBase(&c.v)
	if c.v.QuotaUntil.IsZero() && c.staticUptime() {
		c.static = true
		c.fill(&c.v, time.Time{}, 0, st)
	}
	return c
}

// staticUptime reports whether the uptime the snapshot gives is the same
// at every now.
func (c *viewCache) staticUptime() bool {
	for i := range c.nup {
		u := &c.up[i]
		switch {
		case u.n == 0 && !u.down:
			continue // knows nothing: the next one decides
		case u.n == 0:
			return true // 0
		default:
			return !u.down && u.downSum == 0 // 1
		}
	}
	return true // 1
}

// complete reports whether c.v is the view of dataType at every now: the
// snapshot is static, and of dataType's own window.
func (c *viewCache) complete(dataType string) bool {
	return c.static && (c.typed || dataType == "")
}

// derive completes v, a copy of c.v, as the view of dataType as of now,
// c being the snapshot current returned for it.
func (c *viewCache) derive(v *View, dataType string, now time.Time, st *settings) {
	if !c.static {
		c.fill(v, now, now.UnixNano(), st)
	}
	if dataType != "" && !c.typed {
		// A data type the provider has not served: the provider's view,
		// with no samples of its own.
		v.Samples, v.Requests = 0, 0
	}
}

// fill sets v's uptime, health score and status as of now.
func (c *viewCache) fill(v *View, now time.Time, nowN int64, st *settings) {
	uptime := 1.0
	for i := range c.nup {
		if u, ok := c.up[i].at(nowN); ok {
			uptime = u
			break
		}
	}
	v.Uptime = clamp01(uptime)
	v.Score = st.healthScoreFrom(c.base, v, now)
	v.Status = st.thresholds.Status(v.Score)
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
	s.fillEstimates(v, est)
	v.Uptime = clamp01(est.uptime)
	v.Score = s.healthScore(v, now)
	v.Status = s.thresholds.Status(v.Score)
}

// fillEstimates sets v's estimates but uptime from est.
func (s *settings) fillEstimates(v *View, est estimate) {
	v.SuccessRate = clamp01(est.success)
	v.Quality = clamp01(est.quality)
	v.Latency = time.Duration(math.Round(est.latency))
	v.P95 = time.Duration(est.p95)
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
	return float64(w.Success*v.SuccessRate + w.Latency*latencyFactor(v.ExpectedLatency, v.Latency) + w.Quality*v.Quality)
}

// healthScoreFrom adds the uptime and quota terms to base, the result of
// healthBase, in the order healthScore sums the terms.
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
