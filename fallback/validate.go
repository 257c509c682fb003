package fallback

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/strata-go/strata/breaker"
	"github.com/strata-go/strata/router"
	"github.com/strata-go/strata/stats"
)

// problems collects ConfigErrors while a config is checked.
type problems []*ConfigError

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, &ConfigError{Field: field, Msg: fmt.Sprintf(format, args...)})
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

// withDefaults returns a deep copy of c with every zero field set to its
// documented default, and every problem found. It never modifies c.
func (c Config) withDefaults() (Config, problems) {
	var p problems
	out := c
	out.Providers = slices.Clone(c.Providers)
	out.DataTypes = slices.Clone(c.DataTypes)

	if len(out.DataTypes) == 0 {
		p.add("data_types", "at least one data type is required")
	}

	nonNegDur(&p, "retention", out.Retention)
	nonNegDur(&p, "retention_interval", out.RetentionInterval)
	setDur(&out.RetentionInterval, DefaultRetentionInterval)
	r := &out.Resolve
	nonNegDur(&p, "resolve.deadline", r.Deadline)
	nonNegDur(&p, "resolve.reserve", r.Reserve)
	setDur(&r.Deadline, DefaultDeadline)
	setDur(&r.Reserve, DefaultReserve)

	cc := &out.Cache
	if cc.MaxCost < 0 {
		p.add("cache.max_cost", "must not be negative, got %d", cc.MaxCost)
	}
	if cc.MaxCost == 0 {
		cc.MaxCost = DefaultCacheMaxCost
	}
	if cc.LastGoodCapacity < 0 {
		p.add("cache.last_good_capacity", "must not be negative, got %d", cc.LastGoodCapacity)
	}
	if cc.LastGoodCapacity == 0 {
		cc.LastGoodCapacity = DefaultLastGoodCapacity
	}
	nonNegDur(&p, "cache.store_timeout", cc.StoreTimeout)
	setDur(&cc.StoreTimeout, DefaultStoreTimeout)
	if cc.RefreshConcurrency < 0 {
		p.add("cache.refresh_concurrency", "must not be negative, got %d", cc.RefreshConcurrency)
	}
	if cc.RefreshConcurrency == 0 {
		cc.RefreshConcurrency = DefaultRefreshConc
	}
	if cc.WarmConcurrency < 0 {
		p.add("cache.warm_concurrency", "must not be negative, got %d", cc.WarmConcurrency)
	}
	if cc.WarmConcurrency == 0 {
		cc.WarmConcurrency = DefaultWarmConcurrency
	}
	if cc.NegativeCapacity < 0 {
		p.add("cache.negative_capacity", "must not be negative, got %d", cc.NegativeCapacity)
	}
	if cc.NegativeCapacity == 0 {
		cc.NegativeCapacity = DefaultNegativeCapacity
	}
	a := &cc.Acceptance
	unit(&p, "cache.acceptance.confidence_weight", a.ConfidenceWeight)
	unit(&p, "cache.acceptance.freshness_weight", a.FreshnessWeight)
	unit(&p, "cache.acceptance.threshold", a.Threshold)
	if a.ConfidenceWeight == 0 && a.FreshnessWeight == 0 {
		a.ConfidenceWeight, a.FreshnessWeight = DefaultConfidenceWeight, DefaultFreshnessWeight
	}
	if a.Threshold == 0 {
		a.Threshold = DefaultAcceptance
	}

	checkBreaker(&p, "breaker", out.Breaker)
	if err := out.Router.Validate(); err != nil {
		var fe *router.FieldError
		if errors.As(err, &fe) {
			p.add("router."+fe.Field, "%s", fe.Reason)
		} else {
			p.add("router", "%v", err)
		}
	}
	out.Retry.check(&p, "retry")
	out.Retry = out.Retry.merge(retryDefaults)

	f := &out.Forecast
	unit(&p, "forecast.min_confidence", f.MinConfidence)
	if f.MinConfidence == 0 {
		f.MinConfidence = DefaultMinForecastConf
	}
	if f.MaxPoints < 0 {
		p.add("forecast.max_points", "must not be negative, got %d", f.MaxPoints)
	}
	if f.MaxPoints == 0 {
		f.MaxPoints = DefaultForecastPoints
	}
	if f.MemoCapacity < 0 {
		p.add("forecast.memo_capacity", "must not be negative, got %d", f.MemoCapacity)
	}
	if f.MemoCapacity == 0 {
		f.MemoCapacity = DefaultMemoCapacity
	}

	d := &out.Defaults
	unit(&p, "defaults.base_confidence", d.BaseConfidence)
	unit(&p, "defaults.segment_confidence", d.SegmentConfidence)
	if d.BaseConfidence == 0 {
		d.BaseConfidence = DefaultBaseConfidence
	}
	if d.SegmentConfidence == 0 {
		d.SegmentConfidence = DefaultSegmentConfidence
	}

	providers := make(map[string]int, len(out.Providers))
	for i := range out.Providers {
		pc := &out.Providers[i]
		path := fmt.Sprintf("providers[%d]", i)
		pc.DataTypes = slices.Clone(pc.DataTypes)
		if pc.Name == "" {
			p.add(path+".name", "is required")
		} else if j, dup := providers[pc.Name]; dup {
			p.add(path+".name", "duplicate provider %q (also providers[%d])", pc.Name, j)
		} else {
			providers[pc.Name] = i
		}
		if pc.Tier != Primary && pc.Tier != Secondary {
			p.add(path+".tier", "must be primary or secondary, got %q", pc.Tier)
		}
		if pc.Confidence < 0 || pc.Confidence > 1 || math.IsNaN(pc.Confidence) {
			p.add(path+".confidence", "must be in [0, 1], got %v", pc.Confidence)
		}
		if pc.Confidence == 0 {
			pc.Confidence = DefaultConfidence
		}
		if pc.Cost < 0 || math.IsNaN(pc.Cost) || math.IsInf(pc.Cost, 0) {
			p.add(path+".cost", "must be a non-negative amount, got %v", pc.Cost)
		}
		nonNegDur(&p, path+".expected_latency", pc.ExpectedLatency)
		nonNegDur(&p, path+".timeout", pc.Timeout)
		setDur(&pc.ExpectedLatency, DefaultExpectedLatency)
		setDur(&pc.Timeout, DefaultTimeout)
		rl := pc.RateLimit
		if rl.PerSecond < 0 || math.IsNaN(rl.PerSecond) || math.IsInf(rl.PerSecond, 0) {
			p.add(path+".rate_limit.per_second", "must be a non-negative rate, got %v", rl.PerSecond)
		}
		if rl.Burst < 0 {
			p.add(path+".rate_limit.burst", "must not be negative, got %d", rl.Burst)
		}
		if rl.PerSecond > 0 && rl.Burst == 0 {
			pc.RateLimit.Burst = max(1, int(math.Ceil(rl.PerSecond)))
		}
		if b := &pc.Batch; b.MaxSize > 1 {
			nonNegDur(&p, path+".batch.window", b.Window)
			setDur(&b.Window, DefaultBatchWindow)
			if b.ItemCost < 0 || math.IsNaN(b.ItemCost) || math.IsInf(b.ItemCost, 0) {
				p.add(path+".batch.item_cost", "must be a non-negative amount, got %v", b.ItemCost)
			}
		} else if b.MaxSize < 0 {
			p.add(path+".batch.max_size", "must not be negative, got %d", b.MaxSize)
		}
		if th := &pc.Throttle; th.Enabled {
			if th.K != 0 && (th.K < 1 || math.IsNaN(th.K) || math.IsInf(th.K, 0)) {
				p.add(path+".throttle.k", "must be at least 1, got %v", th.K)
			}
			if th.K == 0 {
				th.K = DefaultThrottleK
			}
			nonNegDur(&p, path+".throttle.window", th.Window)
			setDur(&th.Window, DefaultThrottleWindow)
			if th.MinRequests < 0 {
				p.add(path+".throttle.min_requests", "must not be negative, got %d", th.MinRequests)
			}
			if th.MinRequests == 0 {
				th.MinRequests = DefaultThrottleMin
			}
			unit(&p, path+".throttle.max_rejection", th.MaxRejection)
			if th.MaxRejection == 0 {
				th.MaxRejection = DefaultThrottleMaxReject
			}
		}
		if pc.MaxConcurrent < 0 {
			p.add(path+".max_concurrent", "must not be negative, got %d", pc.MaxConcurrent)
		}
		if pc.Breaker != nil {
			checkBreaker(&p, path+".breaker", *pc.Breaker)
		}
		rc := out.Retry
		if pc.Retry != nil {
			pc.Retry.check(&p, path+".retry")
			rc = pc.Retry.merge(out.Retry)
		}
		pc.Retry = &rc
	}

	types := make(map[string]int, len(out.DataTypes))
	for i := range out.DataTypes {
		dt := &out.DataTypes[i]
		path := fmt.Sprintf("data_types[%d]", i)
		if dt.Name == "" {
			p.add(path+".name", "is required")
		} else if j, dup := types[dt.Name]; dup {
			p.add(path+".name", "duplicate data type %q (also data_types[%d])", dt.Name, j)
		} else {
			types[dt.Name] = i
		}
		nonNegDur(&p, path+".ttl", dt.TTL)
		nonNegDur(&p, path+".half_life", dt.HalfLife)
		setDur(&dt.TTL, DefaultTTL)
		setDur(&dt.HalfLife, DefaultHalfLife)
		if dt.Period.IsZero() {
			dt.Period = stats.Daily
		}
		if dt.Season < 0 {
			p.add(path+".season", "must not be negative, got %d", dt.Season)
		}
		if dt.Season == 0 {
			dt.Season = dt.Period.SeasonLength()
		}
		nonNegDur(&p, path+".refresh_ahead", dt.RefreshAhead)
		if dt.RefreshAhead > 0 && dt.RefreshAhead >= dt.TTL {
			p.add(path+".refresh_ahead", "must be less than the ttl (%v), got %v", dt.TTL, dt.RefreshAhead)
		}
		if dt.NegativeTTL == 0 {
			dt.NegativeTTL = DefaultNegativeTTL
		}
		if at := &dt.AdaptiveTTL; at.Enabled {
			nonNegDur(&p, path+".adaptive_ttl.min", at.Min)
			nonNegDur(&p, path+".adaptive_ttl.max", at.Max)
			setDur(&at.Min, dt.TTL/10)
			setDur(&at.Max, dt.TTL*10)
			if at.Min > at.Max {
				p.add(path+".adaptive_ttl.min", "must not exceed max (%v), got %v", at.Max, at.Min)
			}
			if at.Tolerance < 0 || math.IsNaN(at.Tolerance) || math.IsInf(at.Tolerance, 0) {
				p.add(path+".adaptive_ttl.tolerance", "must be a non-negative fraction, got %v", at.Tolerance)
			}
			if at.Tolerance == 0 {
				at.Tolerance = DefaultTTLTolerance
			}
			unit(&p, path+".adaptive_ttl.smoothing", at.Smoothing)
			if at.Smoothing == 0 {
				at.Smoothing = DefaultTTLSmoothing
			}
		}
		if dt.Hedge.MaxHedges < 0 {
			p.add(path+".hedge.max_hedges", "must not be negative, got %d", dt.Hedge.MaxHedges)
		}
		nonNegDur(&p, path+".hedge.delay", dt.Hedge.Delay)
		if dt.Hedge.AcrossTiers && !dt.Hedge.Enabled {
			p.add(path+".hedge.across_tiers", "needs hedge.enabled: true")
		}
		if dt.Hedge.MaxHedges == 0 {
			dt.Hedge.MaxHedges = 1
		}
		b := dt.Bounds
		if math.IsNaN(b.Min) || math.IsNaN(b.Max) || b.Min > b.Max {
			p.add(path+".bounds", "min must not exceed max, got [%v, %v]", b.Min, b.Max)
		}

		dt.Params = slices.Clone(dt.Params)
		params := make(map[string]bool, len(dt.Params))
		for j := range dt.Params {
			pp := &dt.Params[j]
			ppath := fmt.Sprintf("%s.params[%d]", path, j)
			if pp.Name == "" {
				p.add(ppath+".name", "is required")
			} else if params[pp.Name] {
				p.add(ppath+".name", "duplicate param %q", pp.Name)
			} else if !validName(pp.Name) {
				p.add(ppath+".name", "must be letters, digits, '_', '-' or '.', got %q", pp.Name)
			}
			params[pp.Name] = true
			if pp.MaxLength < 0 {
				p.add(ppath+".max_length", "must not be negative, got %d", pp.MaxLength)
			}
			if pp.MaxLength == 0 {
				pp.MaxLength = DefaultMaxParamLength
			}
			if pp.Pattern != "" {
				if _, err := regexp.Compile(`^(?:` + pp.Pattern + `)$`); err != nil {
					p.add(ppath+".pattern", "not a valid regular expression: %v", err)
				}
			}
		}

		dt.Primary = slices.Clone(dt.Primary)
		dt.Secondary = slices.Clone(dt.Secondary)
		checkTier := func(list []string, tier Tier, field string) {
			seen := map[string]bool{}
			for k, name := range list {
				fpath := fmt.Sprintf("%s.%s[%d]", path, field, k)
				j, ok := providers[name]
				switch {
				case !ok:
					p.add(fpath, "provider %q is not declared in providers", name)
				case seen[name]:
					p.add(fpath, "provider %q listed twice", name)
				case out.Providers[j].Tier != tier:
					p.add(fpath, "provider %q is tier %s, not %s", name, out.Providers[j].Tier, tier)
				}
				seen[name] = true
			}
		}
		checkTier(dt.Primary, Primary, "primary")
		checkTier(dt.Secondary, Secondary, "secondary")

		if dt.Default != nil {
			dc := *dt.Default
			dc.Segments = slices.Clone(dc.Segments)
			if math.IsNaN(dc.Base) || math.IsInf(dc.Base, 0) {
				p.add(path+".default.base", "must be finite, got %v", dc.Base)
			} else if !dt.Bounds.Contains(dc.Base) {
				p.add(path+".default.base", "%v is outside the data type's bounds [%v, %v]", dc.Base, b.Min, b.Max)
			}
			for k, s := range dc.Segments {
				spath := fmt.Sprintf("%s.default.segments[%d]", path, k)
				if len(s.Match) == 0 {
					p.add(spath+".match", "must name at least one param")
				}
				for name := range s.Match {
					if !params[name] {
						p.add(spath+".match", "param %q is not declared in the data type's params", name)
					}
				}
				if !dt.Bounds.Contains(s.Base) {
					p.add(spath+".base", "%v is not finite or outside the data type's bounds", s.Base)
				}
			}
			dt.Default = &dc
		}
	}

	for i := range out.Providers {
		for k, name := range out.Providers[i].Params {
			if !validName(name) {
				p.add(fmt.Sprintf("providers[%d].params[%d]", i, k), "not a valid param name: %q", name)
			}
		}
		for k, name := range out.Providers[i].DataTypes {
			if _, ok := types[name]; !ok {
				p.add(fmt.Sprintf("providers[%d].data_types[%d]", i, k), "data type %q is not declared in data_types", name)
			}
		}
	}
	return out, p
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

// check reports the problems of r's set fields.
func (r RetryConfig) check(p *problems, path string) {
	if r.MaxAttempts < 0 {
		p.add(path+".max_attempts", "must not be negative, got %d", r.MaxAttempts)
	}
	nonNegDur(p, path+".base_delay", r.BaseDelay)
	nonNegDur(p, path+".max_delay", r.MaxDelay)
	if r.BaseDelay > 0 && r.MaxDelay > 0 && r.MaxDelay < r.BaseDelay {
		p.add(path+".max_delay", "must not be less than base_delay (%v), got %v", r.BaseDelay, r.MaxDelay)
	}
	if r.Multiplier != 0 && (r.Multiplier < 1 || math.IsNaN(r.Multiplier) || math.IsInf(r.Multiplier, 0)) {
		p.add(path+".multiplier", "must be at least 1, got %v", r.Multiplier)
	}
	switch r.Jitter {
	case "", JitterProportional, JitterFull, JitterNone:
	default:
		p.add(path+".jitter", "must be proportional, full or none, got %q", r.Jitter)
	}
	unit(p, path+".jitter_fraction", r.JitterFraction)
	if r.TimeoutFactor < 0 || math.IsNaN(r.TimeoutFactor) || math.IsInf(r.TimeoutFactor, 0) {
		p.add(path+".timeout_factor", "must be a non-negative factor, got %v", r.TimeoutFactor)
	}
	if r.RateLimitFactor < 0 || math.IsNaN(r.RateLimitFactor) || math.IsInf(r.RateLimitFactor, 0) {
		p.add(path+".rate_limit_factor", "must be a non-negative factor, got %v", r.RateLimitFactor)
	}
	unit(p, path+".budget_ratio", r.BudgetRatio)
	if r.BudgetMinConcurrency < 0 {
		p.add(path+".budget_min_concurrency", "must not be negative, got %d", r.BudgetMinConcurrency)
	}
}

func nonNegDur(p *problems, field string, d time.Duration) {
	if d < 0 {
		p.add(field, "must not be negative, got %v", d)
	}
}

func setDur(d *time.Duration, def time.Duration) {
	if *d == 0 {
		*d = def
	}
}

func unit(p *problems, field string, v float64) {
	if math.IsNaN(v) || v < 0 || v > 1 {
		p.add(field, "must be in [0, 1], got %v", v)
	}
}

// checkBreaker reports the problems breaker.New finds in c, naming the
// field as the YAML does.
func checkBreaker(p *problems, path string, c breaker.Config) {
	_, err := breaker.New(c)
	if err == nil {
		return
	}
	var ce *breaker.ConfigError
	if errors.As(err, &ce) {
		p.add(path+"."+snake(ce.Field), "%s", ce.Reason)
		return
	}
	p.add(path, "%v", err)
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

// validName reports whether s is usable as a param name: ASCII letters,
// digits, '_', '-' and '.'.
func validName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return s != ""
}
