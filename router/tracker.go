package router

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"time"
)

// Profile is the static configuration of a provider: what is believed about
// it before anything has been observed. The Tracker starts a new provider
// from it (see the package doc, "Cold start").
type Profile struct {
	// Name identifies the provider; it must not be empty.
	Name string `yaml:"name"`
	// Confidence, in (0, 1], is the prior for the provider's success rate
	// and data quality. Zero means Config.DefaultConfidence.
	Confidence float64 `yaml:"confidence"`
	// ExpectedLatency is the prior for the provider's latency and the
	// reference of the latency metric of its health score. Zero means
	// Config.ReferenceLatency.
	ExpectedLatency time.Duration `yaml:"expected_latency"`
	// Cost is the configured money cost of one call; the Tracker reports
	// it in View.Cost. It must be finite and not negative.
	Cost float64 `yaml:"cost"`
}

// Outcome is the result of one attempt against a provider, as the resolver
// saw it. Record only outcomes that are the provider's doing: a success, or
// a failure that counts against the provider (not a caller's cancellation,
// not the caller's bad request).
type Outcome struct {
	// At is when the attempt ended, which is not after Record is called.
	// The zero time, and a time after the call (a clock ahead of this
	// process's), mean time.Now().
	At time.Time
	// Latency is how long the attempt took.
	Latency time.Duration
	// OK reports that the attempt succeeded: the resolver accepted the
	// value.
	OK bool
	// Class names the error class of a failed attempt ("transient",
	// "data_quality", ...; see DataQualityClass); "" when OK. A failure
	// with no class is counted as "unknown".
	Class string
	// Valid reports that the provider answered and the answer passed
	// validation. An outcome is a response — it counts for data quality and
	// its latency counts for the latency metrics — when it is OK, Valid,
	// or of class DataQualityClass; a response that is not Valid is
	// garbage and lowers data quality.
	Valid bool
	// Cost is the money the attempt cost; it adds to the provider's total.
	Cost float64
	// Quota is the provider's own report of its remaining quota, taken from
	// the response (rate-limit headers); nil when it did not say.
	Quota *Quota
	// Lost reports an attempt cut before the provider answered — a hedge
	// that another attempt beat, a call its caller left: Latency is then a
	// lower bound of the provider's latency, not a measurement, and OK,
	// Valid, Class and Quota are ignored. A lost attempt is no outcome of
	// the provider's: it counts for neither success, quality, uptime nor
	// the request count, and its Cost adds to the total as Charge's does.
	// Its lower bound counts for the latency metrics (EWMA, percentiles,
	// the health score's latency) as a sample when it is above what they
	// hold — the window's EWMA, or while there is none the profile's
	// ExpectedLatency — for then it shows the provider slower than
	// believed: without it a slow provider that always loses its hedges
	// would keep the latency it was configured with, and keep being
	// picked first.
	Lost bool
}

// orNow returns t, or time.Now() for the zero time: every now (and
// Outcome.At) of the package reads the zero time so.
func orNow(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// Quota is a provider's remaining request allowance as the provider itself
// reports it (X-RateLimit-Limit, -Remaining and -Reset).
type Quota struct {
	// Limit is the allowance per window; zero means unknown.
	Limit int64 `json:"limit"`
	// Remaining is what is left of it in the current window.
	Remaining int64 `json:"remaining"`
	// Reset is when the window renews; the zero time means unknown.
	Reset time.Time `json:"reset,omitzero"`
}

// Tracker keeps the health of every provider: a sliding window of recent
// outcomes per provider and per provider × data type, from which it derives
// success and error rates, data quality, latency (EWMA and percentiles),
// uptime, and the provider-reported quota. It is safe for concurrent use:
// one mutex guards all of it, taken once by each method (and by each Pick
// and Rank of a Pool on it). The zero Tracker is not usable: build one
// with NewTracker.
//
// A Tracker keeps every provider and every provider × data type it is
// given, by Register, Record or Charge, for as long as it lives: each
// holds a window of Config.Window outcomes, allocated at its first use
// (about 8 KB at the default Window). Give it names from configuration,
// not from requests.
type Tracker struct {
	s     settings
	fresh View // the view of a provider with no history and the default profile

	mu      sync.Mutex
	entries map[string]*entry
}

// entry is one provider's state, guarded by the Tracker's mutex.
type entry struct {
	name     string
	profile  Profile // defaults applied
	all      *series
	types    map[string]*series
	quota    Quota
	quotaAt  time.Time
	hasQuota bool

	// gen counts the changes to the provider that its views can see: a
	// Record, a Register, an outcome ageing out of a window. A series'
	// derived view holds for the generation it was worked out at. Every
	// view of the provider depends on its own window (a data type's prior
	// is the provider's other outcomes), so one count serves them all.
	gen uint64
}

// NewTracker returns a Tracker configured by cfg. It returns an error
// wrapping ErrInvalidConfig, naming the field, when cfg is invalid.
func NewTracker(cfg Config) (*Tracker, error) {
	s, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	t := &Tracker{s: s, entries: make(map[string]*entry)}
	t.fresh = View{
		SuccessRate:     s.confidence,
		Quality:         s.confidence,
		Uptime:          1,
		Latency:         s.referenceLatency,
		ExpectedLatency: s.referenceLatency,
	}
	t.fresh.Score = s.healthScore(&t.fresh, time.Time{}) // no quota: the same at every now
	t.fresh.Status = s.thresholds.Status(t.fresh.Score)
	return t, nil
}

// Validate reports whether cfg is valid, with the error NewTracker and
// NewRouter would return.
func (cfg Config) Validate() error {
	_, err := cfg.resolve()
	return err
}

// Register adds a provider, or replaces the profile of one already known
// (keeping its history). It returns an error wrapping ErrInvalidProfile,
// naming the field, when p is invalid.
func (t *Tracker) Register(p Profile) error {
	p, err := t.s.profile(p)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.entries[p.Name]; e != nil {
		e.profile = p
		e.gen++
		return nil
	}
	t.add(p)
	return nil
}

// profile validates p and applies the defaults.
func (s *settings) profile(p Profile) (Profile, error) {
	if p.Name == "" {
		return p, profileError("name", "must not be empty")
	}
	if p.Confidence == 0 {
		p.Confidence = s.confidence
	}
	if !(p.Confidence > 0 && p.Confidence <= 1) {
		return p, profileError("confidence", fmt.Sprintf("must be in (0, 1], got %v", p.Confidence))
	}
	switch {
	case p.ExpectedLatency < 0:
		return p, profileError("expected_latency", "must not be negative, got "+p.ExpectedLatency.String())
	case p.ExpectedLatency == 0:
		p.ExpectedLatency = s.referenceLatency
	}
	if !(p.Cost >= 0) || math.IsInf(p.Cost, 0) {
		return p, profileError("cost", fmt.Sprintf("must be finite and not negative, got %v", p.Cost))
	}
	return p, nil
}

// add adds a provider with profile p, which must be valid. It requires
// t.mu held.
func (t *Tracker) add(p Profile) *entry {
	e := &entry{name: p.Name, profile: p, all: newSeries(t.s.window), types: make(map[string]*series), gen: 1}
	t.entries[p.Name] = e
	return e
}

// Record adds the outcome of one attempt against provider for dataType to
// the provider's window and, when dataType is not empty, to the provider ×
// data type window. A provider never registered is added with the default
// profile (Config.DefaultConfidence and Config.ReferenceLatency). Record
// never fails: a negative latency counts as zero, a negative or non-finite
// cost as nothing, and an outcome for the empty name, which no provider
// has (see Profile.Name), is dropped.
func (t *Tracker) Record(provider, dataType string, o Outcome) {
	if provider == "" {
		return
	}
	// An outcome from the future would hold its quota report, and its
	// window slot, past every later one.
	if now := time.Now(); o.At.IsZero() || o.At.After(now) {
		o.At = now
	}
	at := o.At.UnixNano()
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entries[provider]
	if e == nil {
		e = t.add(Profile{Name: provider, Confidence: t.s.confidence, ExpectedLatency: t.s.referenceLatency})
	}
	var ts *series
	if dataType != "" {
		ts = e.types[dataType]
		if ts == nil {
			ts = newSeries(t.s.window)
			e.types[dataType] = ts
		}
	}
	if o.Lost {
		t.recordLost(e, ts, &o, at)
		return
	}
	if ts != nil {
		ts.add(&o, at, nil, &t.s)
	}
	e.all.add(&o, at, ts, &t.s)
	if o.Quota != nil && (!e.hasQuota || !o.At.Before(e.quotaAt)) {
		e.quota, e.quotaAt, e.hasQuota = *o.Quota, o.At, true
	}
	e.gen++
}

// recordLost records a lost attempt (Outcome.Lost). It requires the
// mutex held.
func (t *Tracker) recordLost(e *entry, ts *series, o *Outcome, at int64) {
	lat := max(int64(o.Latency), 0)
	ref := float64(e.profile.ExpectedLatency)
	if e.all.hasEWMA {
		ref = e.all.ewma // a data type new to the provider: its known latency
	}
	var owner *series // the data type's series when it took the sample
	if ts != nil {
		ts.charge(o.Cost)
		if ts.addLost(lat, at, ref, nil, &t.s) {
			owner = ts
		}
	}
	e.all.charge(o.Cost)
	e.all.addLost(lat, at, float64(e.profile.ExpectedLatency), owner, &t.s)
	e.gen++
}

// Charge adds the cost of a request to provider that was made and paid
// for but is no outcome of its own — a hedged attempt cancelled because
// another answered first, a call its caller left — to the provider's
// (and the data type's, unless dataType is "") total cost, leaving the
// request count, health, latency and quality as they are. A charge for
// the empty name is dropped, as Record's outcome is.
func (t *Tracker) Charge(provider, dataType string, cost float64) {
	if provider == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entries[provider]
	if e == nil {
		e = t.add(Profile{Name: provider, Confidence: t.s.confidence, ExpectedLatency: t.s.referenceLatency})
	}
	e.all.charge(cost)
	if dataType != "" {
		ts := e.types[dataType]
		if ts == nil {
			ts = newSeries(t.s.window)
			e.types[dataType] = ts
		}
		ts.charge(cost)
	}
	e.gen++
}

// Providers returns the names of the providers the tracker knows, sorted.
func (t *Tracker) Providers() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Sorted(maps.Keys(t.entries))
}
