package router

import (
	"maps"
	"slices"
	"time"
)

// Health is the full report of one provider's health, for dashboards. It
// marshals to JSON with stable snake_case names; durations are integer
// nanoseconds (the _ns suffix says so).
//
// Score and Status are those of the provider's View. The rates (success,
// error, quality) and Latency are what the window observed; while the
// window is empty they are the tracker's estimates instead (the profile's
// prior), and ErrorRates is empty.
type Health struct {
	// Provider is the provider's name.
	Provider string `json:"provider"`
	// DataType is the data type of a per-data-type report; empty for the
	// provider's own.
	DataType string `json:"data_type,omitempty"`
	// Status grades Score.
	Status Status `json:"status"`
	// Score is the health score in [0, 1].
	Score float64 `json:"score"`
	// Requests is the number of outcomes ever recorded.
	Requests int64 `json:"requests"`
	// Successes is how many of them were OK.
	Successes int64 `json:"successes"`
	// Samples is the number of outcomes in the window.
	Samples int `json:"samples"`
	// SuccessRate is the share of the window's outcomes that were OK.
	SuccessRate float64 `json:"success_rate"`
	// ErrorRate is 1 − SuccessRate.
	ErrorRate float64 `json:"error_rate"`
	// ErrorRates is the share of the window's outcomes that failed, by
	// error class ("unknown" for a failure recorded without a class).
	// Never nil.
	ErrorRates map[string]float64 `json:"error_rates"`
	// Quality is the share of the window's responses that passed
	// validation.
	Quality float64 `json:"quality"`
	// Latency is the EWMA of response latencies (and of the lower bounds
	// of lost attempts that counted: see Outcome.Lost).
	Latency time.Duration `json:"latency_ewma_ns"`
	// P50, P95 and P99 are percentiles (nearest rank) of the window's
	// latency samples — responses' and counted lower bounds; zero when it
	// has none.
	P50 time.Duration `json:"p50_ns"`
	P95 time.Duration `json:"p95_ns"`
	P99 time.Duration `json:"p99_ns"`
	// Uptime is the share of the window's time the provider was not in an
	// outage (see the package doc, "Uptime").
	Uptime float64 `json:"uptime"`
	// TotalCost is the money spent on the provider (or on this data type),
	// the sum of the recorded outcomes' Cost and of what Charge added.
	TotalCost float64 `json:"total_cost"`
	// CostByDataType splits the provider's TotalCost by data type; it
	// leaves out outcomes recorded without a data type.
	CostByDataType map[string]float64 `json:"cost_by_data_type,omitempty"`
	// Quota is the provider's last reported quota while it is believed
	// (see View.QuotaUntil); nil otherwise. A Reset JSON cannot write (a
	// year past 9999, from a misread header) is left zero, unknown, so
	// that the report still marshals; View.Quota keeps it.
	Quota *Quota `json:"quota,omitempty"`
	// QuotaRatio is View.QuotaRatio at the time of the report.
	QuotaRatio float64 `json:"quota_ratio"`
	// DataTypes holds the per-data-type reports of a provider's report.
	DataTypes map[string]Health `json:"data_types,omitempty"`
}

// Health returns the full health report of provider as of now, with one
// report per data type it has served. It recomputes the latency
// percentiles exactly. A provider the tracker does not know gets the report
// of a new provider with the default profile.
func (t *Tracker) Health(provider string, now time.Time) Health {
	now = orNow(now)
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.health(provider, now)
}

// Snapshot returns the health report of every provider the tracker knows,
// sorted by name, all as of now.
func (t *Tracker) Snapshot(now time.Time) []Health {
	now = orNow(now)
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Health, 0, len(t.entries))
	for _, n := range slices.Sorted(maps.Keys(t.entries)) {
		out = append(out, t.health(n, now))
	}
	return out
}

// health builds the report. It requires t.mu held.
func (t *Tracker) health(provider string, now time.Time) Health {
	h := Health{Provider: provider}
	e := t.entries[provider]
	if e == nil {
		h.ErrorRates = map[string]float64{}
		h.fromView(&t.fresh, now)
		h.ErrorRate = 1 - h.SuccessRate
		return h
	}
	st := &t.s
	e.exact(e.all, now, st)
	v, _ := e.view(nil, now, st)
	h.fromView(v, now)
	e.all.observe(&h)
	if len(e.types) > 0 {
		h.DataTypes = make(map[string]Health, len(e.types))
		h.CostByDataType = make(map[string]float64, len(e.types))
		for dt, ts := range e.types {
			e.exact(ts, now, st)
			th := Health{Provider: e.name, DataType: dt}
			v, _ := e.view(ts, now, st)
			th.fromView(v, now)
			ts.observe(&th)
			h.DataTypes[dt] = th
			h.CostByDataType[dt] = ts.cost
		}
	}
	return h
}

// exact brings s up to now and recomputes its percentiles exactly. It
// requires the Tracker's mutex held.
func (e *entry) exact(s *series, now time.Time, st *settings) {
	if s.expire(now.UnixNano(), st) {
		e.gen++
	}
	s.percentiles(true, st.pctEvery)
}

// fromView copies the view's score, status, uptime and quota into h, and
// its estimates, which observe replaces with what the window observed.
func (h *Health) fromView(v *View, now time.Time) {
	h.Score, h.Status = v.Score, v.Status
	h.Uptime = v.Uptime
	h.QuotaRatio = v.QuotaRatio(now)
	if !v.QuotaUntil.IsZero() && now.Before(v.QuotaUntil) {
		q := v.Quota
		if y := q.Reset.Year(); y < 0 || y > 9999 {
			q.Reset = time.Time{} // time.Time's MarshalJSON refuses it
		}
		h.Quota = &q
	}
	h.SuccessRate, h.Quality, h.Latency = v.SuccessRate, v.Quality, v.Latency
}

// observe fills h's window observations, keeping the view's estimates
// while the window is empty. Percentiles must be fresh.
func (s *series) observe(h *Health) {
	h.Requests, h.Successes, h.Samples = s.requests, s.successes, s.c.n
	h.TotalCost = s.cost
	h.P50, h.P95, h.P99 = time.Duration(s.p50), time.Duration(s.p95), time.Duration(s.p99)
	h.ErrorRates = map[string]float64{}
	if s.c.timed() > 0 {
		h.Latency = duration(s.ewma)
	}
	if s.c.n > 0 {
		n := float64(s.c.n)
		h.SuccessRate = float64(s.c.ok) / n
		s.each(func(sl *slot) {
			if !sl.ok && !sl.lost {
				h.ErrorRates[sl.class]++
			}
		})
		for c, k := range h.ErrorRates {
			h.ErrorRates[c] = k / n
		}
	}
	if s.c.answered > 0 {
		h.Quality = float64(s.c.valid) / float64(s.c.answered)
	}
	h.ErrorRate = 1 - h.SuccessRate
}
