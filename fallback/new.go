package fallback

import (
	"context"
	"fmt"
	"time"

	"github.com/strata-go/strata/breaker"
	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/defaults"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/router"
	"github.com/strata-go/strata/stats"
)

// New validates cfg, registers the providers given by options and returns
// a ready Resolver. Every problem of the config is reported, each as a
// *ConfigError naming its field, joined; so is a provider declared but not
// registered, or registered but not declared, and a nil Option.
func New(cfg Config, opts ...Option) (*Resolver, error) {
	o := options{providers: map[string]providers.Provider{}}
	var nilOpts []int
	for i, opt := range opts {
		if opt == nil {
			nilOpts = append(nilOpts, i)
			continue
		}
		opt(&o)
	}
	c, p := cfg.withDefaults()
	for _, i := range nilOpts {
		p.add(fmt.Sprintf("options[%d]", i), "is a nil Option")
	}
	for _, name := range o.dupProvider {
		p.add("providers", "provider %q registered twice or with a nil implementation", name)
	}
	declared := make(map[string]bool, len(c.Providers))
	for i, pc := range c.Providers {
		declared[pc.Name] = true
		if _, ok := o.providers[pc.Name]; !ok && pc.Name != "" {
			p.add(fmt.Sprintf("providers[%d]", i), "provider %q is declared but has no implementation (use WithProvider)", pc.Name)
		}
	}
	for name := range o.providers {
		if !declared[name] {
			p.add("providers", "provider %q is registered with WithProvider but not declared in the config", name)
		}
	}
	if len(o.hashKey) == 0 {
		for i, dc := range c.DataTypes {
			for j, pp := range dc.Params {
				if pp.Sensitive {
					p.add(fmt.Sprintf("data_types[%d].params[%d].sensitive", i, j), "a sensitive param needs a hash key for cache keys (use WithHashKey)")
				}
			}
		}
	}
	switch {
	case c.FleetHealth.Enabled && o.healthBus == nil:
		p.add("fleet_health.enabled", "needs a HealthBus (use WithHealthBus)")
	case !c.FleetHealth.Enabled && o.healthBus != nil:
		p.add("fleet_health.enabled", "is false, but a HealthBus is set with WithHealthBus")
	}
	if h, ok := o.history.(*stats.MemoryHistory); ok && h == nil {
		// Read unguarded, as the resolver's own (readHistory): it would
		// panic the first resolve to reach the statistical layer.
		p.add("forecast.history", "WithHistory was given a nil *stats.MemoryHistory")
	}
	if o.history == nil {
		// The in-memory history keeps forecast.history.max_points per key:
		// a season needs more than two of itself there too.
		n := c.Forecast.History.MaxPoints
		if n == 0 {
			n = stats.DefaultMaxPoints
		}
		for i, dc := range c.DataTypes {
			checkSeasonPoints(&p, i, dc.Season, "forecast.history.max_points", n)
		}
	}
	claimer, ok := o.store.(cache.Claimer)
	if c.Cache.Claim > 0 && !ok {
		p.add("cache.claim", "needs a Store that is a cache.Claimer (use WithStore)")
	}
	if err := p.err(); err != nil {
		return nil, err
	}

	seed := o.seed
	if !o.seeded {
		seed = uint64(time.Now().UnixNano())
	}
	r := &Resolver{
		cfg:       c,
		closeDone: make(chan struct{}),
		types:     make(map[string]*dataType, len(c.DataTypes)),
		byName:    make(map[string]*provider, len(c.Providers)),
		accept: cache.Acceptance{
			ConfidenceWeight: c.Cache.Acceptance.ConfidenceWeight,
			FreshnessWeight:  c.Cache.Acceptance.FreshnessWeight,
			Threshold:        c.Cache.Acceptance.Threshold,
		},
		obs:       o.observer,
		creds:     o.credentials,
		started:   time.Now(),
		hashKey:   o.hashKey,
		rawErrors: o.rawErrors,
	}
	r.life, r.kill = context.WithCancel(context.Background())
	r.callbacks = newCallbacks()
	r.fitTask = taskKind{name: "forecast fit"}
	r.attemptTask = taskKind{name: "attempt"}
	o.market, o.user = r.guardFactor(&r.callbacks.market, o.market), r.guardFactor(&r.callbacks.user, o.user)
	r.market = o.market
	if rf, ok := o.credentials.(providers.Refresher); ok {
		r.refresher = rf
	}
	r.store, r.limiter = o.store, o.limiter
	if c.Cache.Claim > 0 {
		r.claimer = claimer
	}
	var err error
	if r.tracker, err = router.NewTracker(c.Router); err != nil {
		return nil, configError("router", err)
	}
	if r.rtr, err = router.NewRouter(c.Router); err != nil {
		return nil, configError("router", err)
	}
	for i, pc := range c.Providers {
		bc := c.Breaker
		if pc.Breaker != nil {
			bc = *pc.Breaker
		}
		if bc.OnStateChange != nil {
			r.changes.used = true
		}
		bc.OnStateChange = r.breakerObserver(pc.Name, bc.OnStateChange)
		pr, err := newProvider(pc, i, o.providers[pc.Name], seed, bc, &r.tasks, r.life)
		if err != nil {
			return nil, configError(fmt.Sprintf("providers[%d].breaker", i), err)
		}
		if c.FleetHealth.Enabled {
			pr.called = func(failed bool) { r.called(pr, failed) }
		}
		if pr.batch != nil {
			pr.batch.raw = r.rawErrors
		}
		r.providers = append(r.providers, pr)
		r.byName[pc.Name] = pr
		if err := r.tracker.Register(router.Profile{Name: pc.Name, Confidence: pc.Confidence, ExpectedLatency: pc.ExpectedLatency, Cost: pr.price}); err != nil {
			return nil, configError(fmt.Sprintf("providers[%d]", i), err)
		}
	}

	// The providers serving each data type, in declaration order, found
	// in one pass: looking each data type up in every provider's list
	// took time cubic in a config of many providers and data types.
	servedBy := make(map[string][]*provider, len(c.DataTypes))
	for _, pr := range r.providers {
		for _, name := range pr.cfg.DataTypes {
			if l := servedBy[name]; len(l) == 0 || l[len(l)-1] != pr {
				servedBy[name] = append(l, pr)
			}
		}
	}
	rules := make(map[string]defaults.Rule)
	for di, dc := range c.DataTypes {
		dt := &dataType{cfg: dc, schema: compileSchema(dc, o.hashKey), metrics: new(typeMetrics),
			walkTask: &taskKind{name: "walk " + dc.Name}, refreshTask: &taskKind{name: "refresh " + dc.Name}}
		dt.ttl.Store(int64(dc.TTL))
		if len(dc.Primary) == 0 && len(dc.Secondary) == 0 {
			for _, pr := range servedBy[dc.Name] {
				if pr.cfg.Tier == Primary {
					dt.primary = append(dt.primary, pr)
				} else {
					dt.secondary = append(dt.secondary, pr)
				}
			}
		} else {
			for _, n := range dc.Primary {
				dt.primary = append(dt.primary, r.byName[n])
			}
			for _, n := range dc.Secondary {
				dt.secondary = append(dt.secondary, r.byName[n])
			}
		}
		for i, tier := range [...][]*provider{dt.primary, dt.secondary} {
			members := make([]router.Member, len(tier))
			for j, pr := range tier {
				members[j] = router.Member{Name: pr.name, Order: j, Cost: pr.price}
			}
			pool, err := router.NewPool(r.tracker, r.rtr, dc.Name, members)
			if err != nil {
				return nil, configError(fmt.Sprintf("data_types[%d]", di), err) // unreachable: the config was validated
			}
			dt.pools[i] = pool
		}
		r.types[dc.Name] = dt
		if dc.Default != nil {
			rule := defaults.Rule{Base: dc.Default.Base}
			for _, s := range dc.Default.Segments {
				rule.Segments = append(rule.Segments, defaults.Segment{Match: s.Match, Base: s.Base})
			}
			rules[dc.Name] = rule
		}
	}

	dc := c.Defaults
	dc.Rules, dc.Market, dc.User = rules, o.market, o.user
	if r.defaults, err = defaults.New(dc); err != nil {
		return nil, configError("defaults", err)
	}
	if r.forecaster, r.quick, err = forecasters(c.Forecast); err != nil {
		return nil, err
	}
	signed := c.Forecast
	signed.Model.Selection.AllowNegative = true
	if r.signed, r.signedQuick, err = forecasters(signed); err != nil {
		return nil, err
	}
	r.history = o.history
	if r.history == nil {
		if r.history, err = stats.NewMemoryHistory(c.Forecast.History); err != nil {
			return nil, configError("forecast.history", err)
		}
	}
	r.refreshSlots = make(chan struct{}, c.Cache.RefreshConcurrency)
	r.plaus = newPlausibility(c.Plausibility, c.DataTypes, len(c.Providers), seed)
	r.peers = newPeerIndex(c.Forecast.Market.Groups, c.Forecast.Market.MaxPeers)
	r.memo = newForecastMemo(c.Forecast.MemoCapacity)
	r.fitSlots = make(chan struct{}, c.Forecast.MaxFits)
	r.fitTime.assume(c.Forecast.FitTime)
	r.quickTime.assume(c.Forecast.FitTime)
	r.gate = newAppendGate(c.Forecast.MemoCapacity)
	r.importing = make(chan struct{}, 1)
	if r.cache, err = cache.New(c.Cache.Config); err != nil {
		return nil, configError("cache", err)
	}
	// Last: nothing above may fail once a goroutine is running.
	r.startFleet(&o, seed)
	if c.Retention > 0 {
		if task := (&taskKind{name: "janitor"}); r.tasks.add(task) {
			go r.janitor(task)
		}
	}
	if r.obs != nil {
		r.events.ch = make(chan queued, c.Resolve.ObserverQueue)
		r.events.stop, r.events.stopped = make(chan struct{}), make(chan struct{})
		go r.deliver()
	}
	if r.changes.used {
		r.changes.ch = make(chan func(), c.Resolve.ObserverQueue)
		if r.tasks.add(&r.callbacks.breakerChange) {
			go r.deliverChanges()
		}
	}
	return r, nil
}

// breakerObserver reports a provider's breaker transitions to the fleet
// (when fleet health is on), to the observer, then to the host's own
// callback from the config, if any, through the changes queue (see
// deliverChanges).
func (r *Resolver) breakerObserver(name string, user func(breaker.StateChange)) func(breaker.StateChange) {
	return func(sc breaker.StateChange) {
		r.announce(name, sc)
		if r.obs != nil {
			r.observe(Event{Kind: EventBreaker, Time: sc.At, Provider: name, From: sc.From.String(), To: sc.To.String(), Source: sc.Reason})
		}
		if user != nil {
			if !r.changes.queue(func() { user(sc) }) {
				r.events.dropped.Add(1)
			}
		}
	}
}
