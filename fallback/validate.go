package fallback

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/strata-go/strata/breaker"
	"github.com/strata-go/strata/defaults"
	"github.com/strata-go/strata/internal/setting"
	"github.com/strata-go/strata/router"
	"github.com/strata-go/strata/stats"
)

// problems collects ConfigErrors while a config is checked.
type problems []*ConfigError

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, &ConfigError{Field: field, Msg: fmt.Sprintf(format, args...)})
}

// check adds why, a refusal from package setting, under field, and
// reports whether there was none.
func (p *problems) check(field, why string) bool {
	if why == "" {
		return true
	}
	p.add(field, "%s", why)
	return false
}

// wrap adds err, a package's refusal of its own config found at path.
func (p *problems) wrap(path string, err error) { *p = append(*p, configError(path, err)) }

// configError reports err, a package's refusal of its own config found at
// path, naming the field as the YAML does. The ConfigError unwraps to err.
func configError(path string, err error) *ConfigError {
	field, why := path, err.Error()
	var (
		be *breaker.ConfigError
		re *router.FieldError
		se *stats.ConfigError
		ce *setting.Error // cache's and defaults'
	)
	switch {
	case errors.As(err, &be):
		field, why = path+"."+snake(be.Field), be.Reason
	case errors.As(err, &re):
		field, why = path+"."+re.Field, re.Reason
	case errors.As(err, &se):
		field, why = path+"."+se.Field, se.Reason
	case errors.As(err, &ce):
		field, why = path+"."+ce.Field, ce.Reason
	}
	return &ConfigError{Field: field, Msg: why, Err: err}
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	errs := make([]error, len(p))
	for i, e := range p {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// orDefault sets the field at *v to def when it is zero; a negative, NaN
// or infinite value is reported. It reports whether the value was
// accepted. Every "zero means the default" setting goes through it,
// atMost or fraction.
func orDefault[T setting.Number](p *problems, field string, v *T, def T) bool {
	return p.check(field, setting.Default(v, def))
}

// atMost is orDefault for a size with a documented maximum.
func atMost[T setting.Number](p *problems, field string, v *T, def, limit T) bool {
	return p.check(field, setting.AtMost(v, def, limit))
}

// fraction is orDefault for a setting in [0, 1].
func fraction(p *problems, field string, v *float64, def float64) bool {
	return p.check(field, setting.Fraction(v, def))
}

// withDefaults returns a deep copy of c with every zero field of the
// resolver's own settings set to its documented default, and every problem
// found. The settings of the packages the resolver is built from
// (breaker, router, cache, stats, defaults) are checked here by their own
// validation and filled by their constructors in New. It never modifies c.
func (c Config) withDefaults() (Config, problems) {
	var p problems
	out := c
	if len(out.DataTypes) == 0 {
		p.add("data_types", "at least one data type is required")
	}
	orDefault(&p, "retention", &out.Retention, 0)
	if orDefault(&p, "retention_interval", &out.RetentionInterval, DefaultRetentionInterval) && out.RetentionInterval < MinRetentionInterval {
		p.add("retention_interval", "at least %v, got %v", MinRetentionInterval, out.RetentionInterval)
	}
	out.Resolve.fill(&p)
	out.Cache.fill(&p)
	checkBreaker(&p, "breaker", out.Breaker)
	checkRouter(&p, out.Router)
	out.Retry.check(&p, "retry")
	out.Retry = out.Retry.merge(retryDefaults)
	out.Forecast.fill(&p)
	out.Plausibility.fill(&p)
	out.FleetHealth.fill(&p)
	out.Alerts.fill(&p)
	checkDefaults(&p, out.Defaults)

	out.Providers = slices.Clone(c.Providers)
	names := make(map[string]string, len(out.Providers))
	tiers := make(map[string]Tier, len(out.Providers))
	for i := range out.Providers {
		pc := &out.Providers[i]
		if pc.fill(&p, fmt.Sprintf("providers[%d]", i), names, out.Retry) {
			tiers[pc.Name] = pc.Tier
		}
	}
	out.DataTypes = slices.Clone(c.DataTypes)
	types := make(map[string]string, len(out.DataTypes))
	for i := range out.DataTypes {
		out.DataTypes[i].fill(&p, fmt.Sprintf("data_types[%d]", i), types, tiers)
		out.DataTypes[i].checkRetention(&p, fmt.Sprintf("data_types[%d]", i), out.Retention, c.DataTypes[i].AdaptiveTTL.Max == 0)
		checkSeasonPoints(&p, i, out.DataTypes[i].Season, "forecast.max_points", out.Forecast.MaxPoints)
	}
	declaring := paramDeclarers(out.DataTypes)
	for i, pc := range out.Providers {
		for k, name := range pc.DataTypes {
			if _, ok := types[name]; !ok {
				p.add(fmt.Sprintf("providers[%d].data_types[%d]", i, k), "data type %s is not declared in data_types", quote(name))
			}
		}
		checkProviderParams(&p, i, pc, declaring)
	}
	checkTierServes(&p, out.Providers, out.DataTypes)
	return out, p
}

// checkTierServes reports a provider a data type's primary or secondary
// list names that does not list the data type in its data_types: it would
// be called for a fact it does not declare, its params list checked
// against other data types (an empty one handing it every param,
// sensitive ones too).
func checkTierServes(p *problems, provs []ProviderConfig, types []DataTypeConfig) {
	// The sets make the check linear in the config's size: a data type
	// listing every provider, each listing every data type, is checked in
	// one lookup per listing.
	serves := make(map[string]map[string]bool, len(provs))
	for _, pc := range provs {
		set := make(map[string]bool, len(pc.DataTypes))
		for _, name := range pc.DataTypes {
			set[name] = true
		}
		serves[pc.Name] = set
	}
	for i, dt := range types {
		for _, tl := range []struct {
			field string
			names []string
		}{{"primary", dt.Primary}, {"secondary", dt.Secondary}} {
			for k, name := range tl.names {
				if dts, ok := serves[name]; ok && !dts[dt.Name] {
					p.add(fmt.Sprintf("data_types[%d].%s[%d]", i, tl.field, k), "provider %s does not list data type %s in its data_types", quote(name), quote(dt.Name))
				}
			}
		}
	}
}

// paramDeclarers maps each param name to the data types declaring it.
func paramDeclarers(types []DataTypeConfig) map[string][]string {
	declaring := make(map[string][]string)
	for _, dt := range types {
		for _, pp := range dt.Params {
			declaring[pp.Name] = append(declaring[pp.Name], dt.Name)
		}
	}
	return declaring
}

// checkProviderParams reports a param a provider's params list names that
// none of its data types declares: a misspelt name would otherwise strip
// the param it meant from every request. declaring is paramDeclarers' map:
// each name is looked up, not searched for in every data type's params.
func checkProviderParams(p *problems, i int, pc ProviderConfig, declaring map[string][]string) {
	if len(pc.Params) == 0 {
		return
	}
	serves := make(map[string]bool, len(pc.DataTypes))
	for _, name := range pc.DataTypes {
		serves[name] = true
	}
	known := make(map[string]bool, len(pc.Params))
	for k, name := range pc.Params {
		declared, seen := known[name]
		if !seen {
			declared = slices.ContainsFunc(declaring[name], func(dt string) bool { return serves[dt] })
			known[name] = declared
		}
		if !declared {
			p.add(fmt.Sprintf("providers[%d].params[%d]", i, k), "param %s is not declared by any of the provider's data types", quote(name))
		}
	}
}

// checkName reports a name that is missing, does not match NamePattern, or
// was declared before (seen maps each name to where it was first
// declared), and records it in seen. It reports whether it recorded it.
func checkName(p *problems, path, kind, name string, seen map[string]string) bool {
	first, dup := seen[name]
	switch {
	case name == "":
		p.add(path+".name", "is required")
	case !namePattern.MatchString(name):
		p.add(path+".name", "must match %s, got %s", NamePattern, quote(name))
	case dup:
		p.add(path+".name", "duplicate %s %q (also %s)", kind, name, first)
	default:
		seen[name] = path
		return true
	}
	return false
}

func (r *ResolveConfig) fill(p *problems) {
	orDefault(p, "resolve.deadline", &r.Deadline, DefaultDeadline)
	orDefault(p, "resolve.reserve", &r.Reserve, DefaultReserve)
	orDefault(p, "resolve.reserve_half_life", &r.ReserveHalfLife, DefaultReserveHalfLife)
	fraction(p, "resolve.plan_margin", &r.PlanMargin, DefaultPlanMargin)
	orDefault(p, "resolve.close_timeout", &r.CloseTimeout, DefaultCloseTimeout)
	atMost(p, "resolve.observer_queue", &r.ObserverQueue, DefaultObserverQueue, QueueLimit)
}

// fill checks the cache's sizes (package cache fills them) and fills the
// resolver's own cache settings.
func (cc *CacheConfig) fill(p *problems) {
	if err := cc.Config.Validate(); err != nil {
		p.wrap("cache", err)
	}
	a := &cc.Acceptance
	fraction(p, "cache.acceptance.confidence_weight", &a.ConfidenceWeight, 0)
	fraction(p, "cache.acceptance.freshness_weight", &a.FreshnessWeight, 0)
	fraction(p, "cache.acceptance.threshold", &a.Threshold, DefaultAcceptance)
	if a.ConfidenceWeight == 0 && a.FreshnessWeight == 0 {
		a.ConfidenceWeight, a.FreshnessWeight = DefaultConfidenceWeight, DefaultFreshnessWeight
	}
	orDefault(p, "cache.store_timeout", &cc.StoreTimeout, DefaultStoreTimeout)
	atMost(p, "cache.refresh_concurrency", &cc.RefreshConcurrency, DefaultRefreshConc, ConcurrencyLimit)
	atMost(p, "cache.warm_concurrency", &cc.WarmConcurrency, DefaultWarmConcurrency, ConcurrencyLimit)
	if cc.StaleWindow >= 0 { // negative turns it off
		orDefault(p, "cache.stale_window", &cc.StaleWindow, DefaultStaleWindow)
	}
	fraction(p, "cache.shared_jitter", &cc.SharedJitter, 0)
	if orDefault(p, "cache.clock_skew", &cc.ClockSkew, DefaultClockSkew) && cc.ClockSkew > maxClockSkew {
		p.add("cache.clock_skew", "at most %v, got %v", maxClockSkew, cc.ClockSkew)
	}
	orDefault(p, "cache.claim", &cc.Claim, 0)
	atMost(p, "cache.claim_polls", &cc.ClaimPolls, DefaultClaimPolls, ClaimPollLimit)
	atMost(p, "cache.write_queue", &cc.WriteQueue, DefaultWriteQueue, QueueLimit)
}

func (f *FleetHealthConfig) fill(p *problems) {
	orDefault(p, "fleet_health.max_hold", &f.MaxHold, DefaultMaxHold)
	orDefault(p, "fleet_health.run_window", &f.RunWindow, DefaultRunWindow)
	atMost(p, "fleet_health.queue", &f.Queue, DefaultHealthQueue, ConcurrencyLimit)
}

// checkBreaker reports the sizes of c beyond WindowLimit, then what
// breaker.New refuses in c, naming each field as the YAML does. A breaker
// allocates its windows whole, so a size is checked before breaker.New
// sees it.
func checkBreaker(p *problems, path string, c breaker.Config) {
	ok := true
	for _, s := range []struct {
		field string
		v     int
	}{{"window_size", c.WindowSize}, {"window_buckets", c.WindowBuckets}, {"adaptive.history", c.Adaptive.History}} {
		ok = atMost(p, path+"."+s.field, &s.v, 0, WindowLimit) && ok
	}
	if !ok {
		return
	}
	if _, err := breaker.New(c); err != nil {
		p.wrap(path, err)
	}
}

// checkRouter reports a window beyond WindowLimit, then what the router
// refuses in c.
func checkRouter(p *problems, c router.Config) {
	w := c.Window
	if !atMost(p, "router.window", &w, 0, WindowLimit) {
		return
	}
	if err := c.Validate(); err != nil {
		p.wrap("router", err)
	}
}

// fill checks the forecaster's and the in-memory history's configs (their
// packages fill them) and fills the statistical layer's own settings.
func (f *ForecastConfig) fill(p *problems) {
	if _, err := stats.New(f.Model); err != nil {
		p.wrap("forecast.model", err)
	}
	h := f.History
	keys := atMost(p, "forecast.history.max_keys", &h.MaxKeys, 0, CapacityLimit)
	if atMost(p, "forecast.history.max_points", &h.MaxPoints, 0, WindowLimit) && keys {
		if _, err := stats.NewMemoryHistory(f.History); err != nil {
			p.wrap("forecast.history", err)
		}
	}
	fraction(p, "forecast.min_confidence", &f.MinConfidence, DefaultMinForecastConf)
	atMost(p, "forecast.max_points", &f.MaxPoints, DefaultForecastPoints, WindowLimit)
	atMost(p, "forecast.max_horizon", &f.MaxHorizon, DefaultMaxHorizon, stats.MaxHorizon)
	atMost(p, "forecast.memo_capacity", &f.MemoCapacity, DefaultMemoCapacity, CapacityLimit)
	atMost(p, "forecast.max_fits", &f.MaxFits, runtime.GOMAXPROCS(0), ConcurrencyLimit)
	atMost(p, "forecast.fit_time", &f.FitTime, DefaultFitTime, FitTimeLimit)
	f.Market.fill(p)
}

// checkDefaults checks the default engine's config (package defaults
// fills it). Its rules and factors come from the data types and options
// only: one way to set each.
func checkDefaults(p *problems, d defaults.Config) {
	if len(d.Rules) > 0 {
		p.add("defaults.rules", "is filled from data_types[].default: leave it empty")
	}
	if d.Market != nil {
		p.add("defaults.market", "is set with WithMarketFactor: leave it nil")
	}
	if d.User != nil {
		p.add("defaults.user", "is set with WithUserFactor: leave it nil")
	}
	d.Rules = nil
	if err := d.Validate(); err != nil {
		p.wrap("defaults", err)
	}
}

// fill checks and fills one provider, recording its name in names. It
// reports whether the name was recorded (valid and new).
func (pc *ProviderConfig) fill(p *problems, path string, names map[string]string, retry RetryConfig) bool {
	named := checkName(p, path, "provider", pc.Name, names)
	pc.DataTypes = slices.Clone(pc.DataTypes)
	if pc.Tier != Primary && pc.Tier != Secondary {
		p.add(path+".tier", "must be primary or secondary, got %s", quote(string(pc.Tier)))
	}
	fraction(p, path+".confidence", &pc.Confidence, DefaultConfidence)
	if orDefault(p, path+".cost", &pc.Cost, 0) && pc.Cost > MaxBudget {
		p.add(path+".cost", "at most %g (MaxBudget), got %g", MaxBudget, pc.Cost)
	}
	orDefault(p, path+".expected_latency", &pc.ExpectedLatency, DefaultExpectedLatency)
	orDefault(p, path+".timeout", &pc.Timeout, DefaultTimeout)
	pc.RateLimit.fill(p, path+".rate_limit")
	pc.Batch.fill(p, path+".batch")
	pc.Throttle.fill(p, path+".throttle")
	atMost(p, path+".max_concurrent", &pc.MaxConcurrent, 0, ConcurrencyLimit)
	if pc.Breaker != nil {
		checkBreaker(p, path+".breaker", *pc.Breaker)
	}
	rc := retry
	if pc.Retry != nil {
		pc.Retry.check(p, path+".retry")
		rc = pc.Retry.merge(retry)
	}
	pc.Retry = &rc
	for k, name := range pc.Params {
		if !namePattern.MatchString(name) {
			p.add(fmt.Sprintf("%s.params[%d]", path, k), "must match %s, got %s", NamePattern, quote(name))
		}
	}
	// (checkProviderParams checks each against the data types.)
	return named
}

// fill checks the bucket; Burst defaults to PerSecond rounded up (at
// least 1).
func (rl *RateLimitConfig) fill(p *problems, path string) {
	ok := orDefault(p, path+".per_second", &rl.PerSecond, 0)
	orDefault(p, path+".burst", &rl.Burst, 0)
	if ok && rl.PerSecond == 0 && rl.Burst > 0 {
		p.add(path+".burst", "needs per_second: a burst alone limits nothing")
	}
	if ok && rl.PerSecond > 0 && rl.Burst == 0 {
		rl.Burst = int(min(math.Ceil(rl.PerSecond), math.MaxInt32))
	}
}

func (b *BatchConfig) fill(p *problems, path string) {
	atMost(p, path+".max_size", &b.MaxSize, 0, ConcurrencyLimit)
	orDefault(p, path+".window", &b.Window, DefaultBatchWindow)
	orDefault(p, path+".item_cost", &b.ItemCost, 0)
}

func (th *ThrottleConfig) fill(p *problems, path string) {
	if orDefault(p, path+".k", &th.K, DefaultThrottleK) && th.K < 1 {
		p.add(path+".k", "must be at least 1, got %v", th.K)
	}
	// failsafe-go counts the window in 20 buckets and divides the clock by
	// a bucket's length: a window under 20ns panicked at the first call.
	if orDefault(p, path+".window", &th.Window, DefaultThrottleWindow) && th.Window < MinThrottleWindow {
		p.add(path+".window", "at least %v, got %v", MinThrottleWindow, th.Window)
	}
	orDefault(p, path+".min_requests", &th.MinRequests, DefaultThrottleMin)
	fraction(p, path+".max_rejection", &th.MaxRejection, DefaultThrottleMaxReject)
}

// fill checks and fills one data type, recording its name in types;
// tiers holds each declared provider's tier.
func (dt *DataTypeConfig) fill(p *problems, path string, types map[string]string, tiers map[string]Tier) {
	checkName(p, path, "data type", dt.Name, types)
	orDefault(p, path+".ttl", &dt.TTL, DefaultTTL)
	orDefault(p, path+".half_life", &dt.HalfLife, DefaultHalfLife)
	if dt.Period.IsZero() {
		dt.Period = stats.Daily
	}
	atMost(p, path+".season", &dt.Season, dt.Period.SeasonLength(), SeasonLimit)
	orDefault(p, path+".refresh_ahead", &dt.RefreshAhead, 0)
	if dt.RefreshAhead > 0 && dt.RefreshAhead >= dt.TTL {
		p.add(path+".refresh_ahead", "must be less than the ttl (%v), got %v", dt.TTL, dt.RefreshAhead)
	}
	if dt.NegativeTTL == 0 { // negative turns it off
		dt.NegativeTTL = DefaultNegativeTTL
	}
	if dt.AdaptiveTTL.Enabled {
		dt.AdaptiveTTL.fill(p, path+".adaptive_ttl", dt.TTL)
	}
	dt.Hedge.fill(p, path+".hedge")
	if b := dt.Bounds; math.IsNaN(b.Min) || math.IsNaN(b.Max) || b.Min > b.Max {
		p.add(path+".bounds", "min must not exceed max, got [%v, %v]", b.Min, b.Max)
	}
	params := dt.fillParams(p, path)
	dt.checkCorrelateBy(p, path, params)
	dt.Primary = slices.Clone(dt.Primary)
	dt.Secondary = slices.Clone(dt.Secondary)
	checkTier(p, path+".primary", dt.Primary, Primary, tiers)
	checkTier(p, path+".secondary", dt.Secondary, Secondary, tiers)
	dt.fillDefault(p, path, params)
}

// checkSeasonPoints refuses data type i's season when a series of n
// points (field's) cannot use it: the model uses a season only on a
// series longer than two of them, and would forecast every key of the
// type without it. n zero: no bound.
func checkSeasonPoints(p *problems, i, season int, field string, n int) {
	if season > 1 && season <= SeasonLimit && n > 0 && n <= 2*season {
		p.add(fmt.Sprintf("data_types[%d].season", i), "a season of %d needs %s above %d (a season is used only on a series longer than two of them), got %d", season, field, 2*season, n)
	}
}

// checkRetention refuses a TTL longer than the retention: an answer is
// deleted at the retention, so it could never stay fresh that long. A
// learned TTL's maximum left to its default (ten times the ttl) is cut to
// the retention instead.
func (dt *DataTypeConfig) checkRetention(p *problems, path string, retention time.Duration, defaultMax bool) {
	if retention <= 0 {
		return
	}
	if dt.TTL > retention {
		p.add(path+".ttl", "must not exceed retention (%v): an answer is deleted at the retention, got %v", retention, dt.TTL)
	}
	if at := &dt.AdaptiveTTL; at.Enabled && at.Min > retention {
		p.add(path+".adaptive_ttl.min", "must not exceed retention (%v), got %v", retention, at.Min)
	}
	if at := &dt.AdaptiveTTL; at.Enabled && at.Max > retention {
		if defaultMax {
			at.Max = max(retention, at.Min)
		} else {
			p.add(path+".adaptive_ttl.max", "must not exceed retention (%v), got %v", retention, at.Max)
		}
	}
}

// fill checks and fills the learned TTL's settings; its bounds default to
// a tenth and ten times the data type's ttl.
func (at *AdaptiveTTLConfig) fill(p *problems, path string, ttl time.Duration) {
	longest := ttl * 10
	if longest/10 != ttl {
		longest = math.MaxInt64
	}
	orDefault(p, path+".min", &at.Min, ttl/10)
	orDefault(p, path+".max", &at.Max, longest)
	if at.Min > at.Max {
		p.add(path+".min", "must not exceed max (%v), got %v", at.Max, at.Min)
	}
	orDefault(p, path+".tolerance", &at.Tolerance, DefaultTTLTolerance)
	fraction(p, path+".smoothing", &at.Smoothing, DefaultTTLSmoothing)
}

func (h *HedgeConfig) fill(p *problems, path string) {
	orDefault(p, path+".max_hedges", &h.MaxHedges, 1)
	orDefault(p, path+".delay", &h.Delay, 0)
	if h.AcrossTiers && !h.Enabled {
		p.add(path+".across_tiers", "needs hedge.enabled: true")
	}
}

// fillParams checks and fills the data type's params and returns their
// names, each mapped to its index in dt.Params (the first, for a name
// declared twice).
func (dt *DataTypeConfig) fillParams(p *problems, path string) map[string]int {
	dt.Params = slices.Clone(dt.Params)
	names := make(map[string]string, len(dt.Params))
	index := make(map[string]int, len(dt.Params))
	for j := range dt.Params {
		pp := &dt.Params[j]
		ppath := fmt.Sprintf("%s.params[%d]", path, j)
		if checkName(p, ppath, "param", pp.Name, names) {
			index[pp.Name] = j
		}
		atMost(p, ppath+".max_length", &pp.MaxLength, DefaultMaxParamLength, ParamLengthLimit)
		if pp.Pattern != "" {
			// The pattern alone first, so the error quotes what was written;
			// then as it is used, anchored ("a)|(b" compiles only so).
			if _, err := regexp.Compile(pp.Pattern); err != nil {
				p.add(ppath+".pattern", "not a valid regular expression: %v", err)
			} else if _, err := regexp.Compile(`^(?:` + pp.Pattern + `)$`); err != nil {
				p.add(ppath+".pattern", "not a valid regular expression once anchored: %v", err)
			}
		}
		if slices.Contains(pp.Allowed, "") {
			p.add(ppath+".allowed", "must not list the empty value: an empty param is refused (ParamEmpty)")
		}
	}
	return index
}

// checkTier reports a provider in list that is not declared, is listed
// twice, or is of another tier.
func checkTier(p *problems, path string, list []string, tier Tier, tiers map[string]Tier) {
	seen := make(map[string]bool, len(list))
	for k, name := range list {
		field := fmt.Sprintf("%s[%d]", path, k)
		t, ok := tiers[name]
		switch {
		case !ok:
			p.add(field, "provider %s is not declared in providers", quote(name))
		case seen[name]:
			p.add(field, "provider %q listed twice", name)
		case t != tier:
			p.add(field, "provider %q is tier %s, not %s", name, t, tier)
		}
		seen[name] = true
	}
}

// fillDefault checks the data type's default (layer 5) against its
// bounds and params, and copies it.
func (dt *DataTypeConfig) fillDefault(p *problems, path string, params map[string]int) {
	if dt.Default == nil {
		return
	}
	dc := *dt.Default
	dc.Segments = slices.Clone(dc.Segments)
	b := dt.Bounds
	if math.IsNaN(dc.Base) || math.IsInf(dc.Base, 0) {
		p.add(path+".default.base", "must be finite, got %v", dc.Base)
	} else if !b.Contains(dc.Base) {
		p.add(path+".default.base", "%v is outside the data type's bounds [%v, %v]", dc.Base, b.Min, b.Max)
	}
	for k, s := range dc.Segments {
		spath := fmt.Sprintf("%s.default.segments[%d]", path, k)
		if len(s.Match) == 0 {
			p.add(spath+".match", "must name at least one param")
		}
		for _, name := range slices.Sorted(maps.Keys(s.Match)) {
			j, ok := params[name]
			if !ok {
				p.add(spath+".match", "param %s is not declared in the data type's params", quote(name))
				continue
			}
			v := s.Match[name]
			switch pc := dt.Params[j]; {
			case pc.Sensitive:
				// A match names the value, and Result.Default.Segment
				// repeats it.
				p.add(spath+".match", "param %q is sensitive: a segment cannot name its values", name)
			case v == "":
				// The engine compares with the absent param's "": the
				// segment would match every resolve without the param.
				p.add(spath+".match", "%s has the empty value: an empty param is refused (ParamEmpty)", name)
			case len(pc.Allowed) > 0 && !slices.Contains(pc.Allowed, v):
				p.add(spath+".match", "%s=%s can never match: the param allows only %v", name, quote(v), pc.Allowed)
			case len(v) > pc.MaxLength:
				p.add(spath+".match", "%s=%s can never match: the param allows at most %d bytes", name, quote(v), pc.MaxLength)
			case pc.Pattern != "" && !matchesPattern(pc.Pattern, v):
				p.add(spath+".match", "%s=%s can never match: the param's pattern is %s", name, quote(v), quote(pc.Pattern))
			}
		}
		if !b.Contains(s.Base) {
			p.add(spath+".base", "%v is not finite or outside the data type's bounds", s.Base)
		}
	}
	dt.Default = &dc
}

// matchesPattern reports whether v matches pattern as a param's value
// must (anchored); a pattern that does not compile, reported by
// fillParams, matches.
func matchesPattern(pattern, v string) bool {
	re, err := regexp.Compile(`^(?:` + pattern + `)$`)
	return err != nil || re.MatchString(v)
}

// merge returns r with its zero fields taken from base.
func (r RetryConfig) merge(base RetryConfig) RetryConfig {
	if r.MaxAttempts == 0 {
		r.MaxAttempts = base.MaxAttempts
	}
	if r.BaseDelay == 0 {
		r.BaseDelay = base.BaseDelay
	}
	if r.MaxDelay == 0 {
		r.MaxDelay = base.MaxDelay
	}
	if r.Multiplier == 0 {
		r.Multiplier = base.Multiplier
	}
	if r.Jitter == "" {
		r.Jitter = base.Jitter
	}
	if r.JitterFraction == 0 {
		r.JitterFraction = base.JitterFraction
	}
	if r.TimeoutFactor == 0 {
		r.TimeoutFactor = base.TimeoutFactor
	}
	if r.RateLimitFactor == 0 {
		r.RateLimitFactor = base.RateLimitFactor
	}
	if r.BudgetRatio == 0 {
		r.BudgetRatio = base.BudgetRatio
	}
	if r.BudgetMinConcurrency == 0 {
		r.BudgetMinConcurrency = base.BudgetMinConcurrency
	}
	return r
}

var retryDefaults = RetryConfig{
	MaxAttempts:          DefaultMaxAttempts,
	BaseDelay:            DefaultBaseDelay,
	MaxDelay:             DefaultMaxDelay,
	Multiplier:           DefaultMultiplier,
	Jitter:               JitterProportional,
	JitterFraction:       DefaultJitterFraction,
	TimeoutFactor:        DefaultTimeoutFactor,
	RateLimitFactor:      DefaultRateLimitFactor,
	BudgetRatio:          DefaultBudgetRatio,
	BudgetMinConcurrency: DefaultBudgetMinConc,
}

// check reports the problems of r's set fields; its zero fields inherit
// (see merge), so none is filled here (r is a copy).
func (r RetryConfig) check(p *problems, path string) {
	orDefault(p, path+".max_attempts", &r.MaxAttempts, 0)
	okBase := orDefault(p, path+".base_delay", &r.BaseDelay, 0)
	if orDefault(p, path+".max_delay", &r.MaxDelay, 0) && okBase && r.MaxDelay > 0 && r.MaxDelay < r.BaseDelay {
		p.add(path+".max_delay", "must not be less than base_delay (%v), got %v", r.BaseDelay, r.MaxDelay)
	}
	if orDefault(p, path+".multiplier", &r.Multiplier, 0) && r.Multiplier != 0 && r.Multiplier < 1 {
		p.add(path+".multiplier", "must be at least 1, got %v", r.Multiplier)
	}
	switch r.Jitter {
	case "", JitterProportional, JitterFull, JitterNone:
	default:
		p.add(path+".jitter", "must be proportional, full or none, got %s", quote(string(r.Jitter)))
	}
	fraction(p, path+".jitter_fraction", &r.JitterFraction, 0)
	orDefault(p, path+".timeout_factor", &r.TimeoutFactor, 0)
	orDefault(p, path+".rate_limit_factor", &r.RateLimitFactor, 0)
	fraction(p, path+".budget_ratio", &r.BudgetRatio, 0)
	orDefault(p, path+".budget_min_concurrency", &r.BudgetMinConcurrency, 0)
}

// snake turns a Go field path ("Adaptive.MaxOpenDuration") into its YAML
// form ("adaptive.max_open_duration").
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if 'A' <= r && r <= 'Z' {
			if i > 0 && s[i-1] != '.' {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
