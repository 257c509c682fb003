package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/strata-go/strata/breaker"
	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/internal/strictyaml"
	"github.com/strata-go/strata/router"
	"github.com/strata-go/strata/stats"
)

// The virtual-time settings deriveConfig gives every data type. See
// docs/sim.md for why these values.
const (
	// derivedTTL is how long an answer is served from cache without
	// asking a provider. The shipped scenarios' strata runs last about a
	// virtual minute (250 resolves per goroutine, 200 ms apart), so a TTL
	// of minutes would make the whole run one provider request per key;
	// at 2 s a hot key is refetched some thirty times, and about one
	// resolve in twelve reaches a provider.
	derivedTTL = 2 * time.Second
	// derivedHalfLife is the age at which a cached answer's freshness has
	// halved: with the default acceptance rule a stale answer of a 0.95
	// confidence provider stays acceptable as layer 3 up to about 2.3
	// half-lives (70 s), one of a 0.8 confidence provider up to 1.2.
	derivedHalfLife = 30 * time.Second
	// reserveFloor is the least real time kept back from the providers for
	// the local layers. The resolver's own CPU time is not scaled: a
	// forecast that takes 6 ms real is 600 ms virtual at time scale 0.01,
	// and a timer fires tens of microseconds late on a loaded machine, so
	// a reserve of 50 ms virtual (0.5 ms real at 0.01) would be eaten by
	// the simulation's own noise.
	reserveFloor = 3 * time.Millisecond
)

// providerTimeout is the per-attempt timeout both systems give a provider,
// in virtual time: 1.5 × its p99 latency (its median when it has no p99),
// at most the deadline. It is what an engineer reading the provider's
// latency figures would set.
func providerTimeout(sc *scenario, p *providerSpec) time.Duration {
	p99 := max(p.Latency.P99, p.Latency.Median)
	if p99 == 0 {
		return sc.Deadline
	}
	return min(sc.Deadline, p99*3/2)
}

// ============================================================================
// deriveConfig — the resolver configuration the simulator derives from a
// scenario. Extend it here as fallback.Config grows (per-provider rate
// limits, per-data-type hedging, breaker settings): every duration goes
// through sc.scale (virtual → real). The scenario's resolver: block is
// merged over the result by mergeResolver.
// ============================================================================
func deriveConfig(sc *scenario) fallback.Config {
	s := sc.scale
	atLeast := func(d time.Duration) time.Duration { return max(d, time.Microsecond) }
	cfg := fallback.Config{
		Resolve: fallback.ResolveConfig{
			Deadline: atLeast(s(sc.Deadline)),
			// Capped at a quarter of the deadline by the resolver.
			Reserve: max(s(fallback.DefaultReserve), reserveFloor),
		},
		Retry: fallback.RetryConfig{
			MaxAttempts: fallback.DefaultMaxAttempts,
			BaseDelay:   atLeast(s(fallback.DefaultBaseDelay)),
			MaxDelay:    atLeast(s(fallback.DefaultMaxDelay)),
		},
		// The breaker's and the router's defaults are durations too. The
		// adaptive breaker's longest open duration is a multiple of
		// OpenDuration, so it scales with it.
		Breaker: breaker.Config{OpenDuration: atLeast(s(breaker.DefaultOpenDuration))},
		Router: router.Config{
			QuotaStaleAfter:  atLeast(s(router.DefaultQuotaStaleAfter)),
			QuotaMaxAge:      atLeast(s(router.DefaultQuotaMaxAge)),
			ReferenceLatency: atLeast(s(router.DefaultReferenceLatency)),
		},
		Plausibility: fallback.PlausibilityConfig{ConfirmAfter: atLeast(s(fallback.DefaultConfirmAfter))},
	}
	for i := range sc.Providers {
		p := &sc.Providers[i]
		pc := fallback.ProviderConfig{
			Name:            p.Name,
			Tier:            fallback.Tier(p.Tier),
			Confidence:      p.Confidence,
			Cost:            p.Cost,
			ExpectedLatency: atLeast(s(p.Latency.Median)),
			Timeout:         atLeast(s(providerTimeout(sc, p))),
			DataTypes:       slices.Clone(p.DataTypes),
		}
		if r := p.RateLimit; r != nil {
			// The provider's documented limit, which its operator would
			// configure: strata then skips the provider instead of
			// collecting 429s. The rate is per real second.
			pc.RateLimit = fallback.RateLimitConfig{PerSecond: r.PerSecond / sc.TimeScale, Burst: r.Burst}
		}
		cfg.Providers = append(cfg.Providers, pc)
	}
	for _, name := range sc.dataTypes() {
		cfg.DataTypes = append(cfg.DataTypes, deriveDataType(sc, name))
	}
	return cfg
}

// deriveDataType declares one data type from its keys: the union of their
// params (required when every key has it); bounds [0, 100 × the largest
// default] (any non-negative value when every default is 0), which is
// what an engineer who knows the order of magnitude of the fact writes;
// the history's period and the keys' season; the first key's default as
// the base and a segment per key for its own default.
func deriveDataType(sc *scenario, name string) fallback.DataTypeConfig {
	dt := fallback.DataTypeConfig{
		Name:        name,
		TTL:         sc.scale(derivedTTL),
		HalfLife:    sc.scale(derivedHalfLife),
		NegativeTTL: max(sc.scale(fallback.DefaultNegativeTTL), time.Microsecond),
		Period:      stats.PeriodOf(sc.History.Period),
		// Hedging is opt-in per data type; the simulator turns it on, at
		// the default delay (the provider's observed p95 latency, so no
		// duration to scale), and across tiers, so that a data type with
		// a single primary is covered too: that is how strata is meant
		// to be run against a tail.
		Hedge: fallback.HedgeConfig{Enabled: true, AcrossTiers: true},
	}
	count := map[string]int{}
	var keys []keySpec
	maxDefault := 0.0
	for _, k := range sc.Keys {
		if k.DataType != name {
			continue
		}
		keys = append(keys, k)
		for p := range k.Params {
			count[p]++
		}
		maxDefault = max(maxDefault, k.Default)
	}
	for _, p := range sortedKeys(count) {
		dt.Params = append(dt.Params, fallback.ParamConfig{Name: p, Required: count[p] == len(keys)})
	}
	dt.Bounds = fallback.Bounds{Min: 0, Max: 100 * maxDefault}
	if maxDefault == 0 {
		dt.Bounds.Max = math.Inf(1)
	}
	season := keys[0].Truth.SeasonPeriod
	for _, k := range keys[1:] {
		if k.Truth.SeasonPeriod != season {
			season = 0 // keys disagree: the period's default
		}
	}
	if season >= 2 {
		dt.Season = season
	}
	def := &fallback.DefaultConfig{Base: keys[0].Default}
	for _, k := range keys {
		if len(k.Params) > 0 {
			m := make(map[string]string, len(k.Params))
			for n, v := range k.Params {
				m[n] = v
			}
			def.Segments = append(def.Segments, fallback.SegmentConfig{Match: m, Base: k.Default})
		}
	}
	dt.Default = def
	return dt
}

// mergeResolver merges the scenario's resolver block, YAML of
// fallback.Config fields, over the derived config: mappings merge field by
// field, lists of named items (providers, data_types, params) merge item
// by item by name (an unknown name is appended), anything else is
// replaced. The result is read back through fallback.ParseConfig, so an
// unknown field or a bad value is an error naming it under "resolver.".
func mergeResolver(derived fallback.Config, block *yaml.Node) (fallback.Config, error) {
	if block == nil || block.Kind == 0 || (block.Kind == yaml.ScalarNode && block.Tag == "!!null") {
		return derived, nil
	}
	if block.Kind != yaml.MappingNode {
		return fallback.Config{}, &fieldError{Field: "resolver", Line: block.Line, Msg: "must be a mapping of fallback.Config fields"}
	}
	data, err := yaml.Marshal(derived)
	if err != nil {
		return fallback.Config{}, fmt.Errorf("resolver: encode the derived config: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
		return fallback.Config{}, fmt.Errorf("resolver: decode the derived config: %v", err)
	}
	over, err := cloneNode(block) // merging shares nodes: keep the scenario's own intact
	if err != nil {
		return fallback.Config{}, &fieldError{Field: "resolver", Line: block.Line, Msg: err.Error()}
	}
	base := doc.Content[0]
	pruneEmpty(base)
	mergeNode(base, over)
	merged, err := yaml.Marshal(base)
	if err != nil {
		return fallback.Config{}, fmt.Errorf("resolver: encode the merged config: %w", err)
	}
	cfg, err := fallback.ParseConfig(merged)
	if err != nil {
		lines := map[string]int{}
		walkNodes(block, "", func(path string, n *yaml.Node) {
			if path != "" {
				lines[path] = n.Line
			}
		})
		return fallback.Config{}, resolverError(err, lines)
	}
	return cfg, nil
}

// pruneEmpty removes the empty-string scalars of the encoded derived
// config: a zero field encoded as "" (a zero stats.Period, say) means the
// same as an absent one, and some types refuse to decode "".
func pruneEmpty(n *yaml.Node) {
	switch n.Kind {
	case yaml.MappingNode:
		out := n.Content[:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			v := n.Content[i+1]
			if v.Kind == yaml.ScalarNode && v.Value == "" && v.Tag == "!!str" {
				continue
			}
			pruneEmpty(v)
			out = append(out, n.Content[i], v)
		}
		n.Content = out
	case yaml.SequenceNode:
		for _, c := range n.Content {
			pruneEmpty(c)
		}
	}
}

// maxBlockNodes bounds the nodes of the resolver block once its aliases
// are expanded (a "billion laughs" block is refused, not expanded).
const maxBlockNodes = 100000

var errBlockAliases = errors.New("an alias refers to itself or the aliases expand past 100000 nodes")

// cloneNode returns a deep copy of n with its aliases expanded, or
// errBlockAliases for an alias cycle or an expansion past maxBlockNodes.
func cloneNode(n *yaml.Node) (*yaml.Node, error) {
	budget := maxBlockNodes
	return cloneWithin(n, map[*yaml.Node]bool{}, &budget)
}

func cloneWithin(n *yaml.Node, open map[*yaml.Node]bool, budget *int) (*yaml.Node, error) {
	if *budget--; *budget < 0 || open[n] {
		return nil, errBlockAliases
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		open[n] = true
		defer delete(open, n)
		return cloneWithin(n.Alias, open, budget)
	}
	open[n] = true
	defer delete(open, n)
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, ch := range n.Content {
		cc, err := cloneWithin(ch, open, budget)
		if err != nil {
			return nil, err
		}
		c.Content[i] = cc
	}
	return &c, nil
}

// mergeNode merges over into base, in place.
func mergeNode(base, over *yaml.Node) {
	if over.Kind == yaml.AliasNode && over.Alias != nil {
		over = over.Alias
	}
	switch {
	case base.Kind == yaml.MappingNode && over.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(over.Content); i += 2 {
			k, v := over.Content[i], over.Content[i+1]
			if j := mapIndex(base, k.Value); j >= 0 {
				mergeNode(base.Content[j+1], v)
			} else {
				base.Content = append(base.Content, k, v)
			}
		}
	case base.Kind == yaml.SequenceNode && over.Kind == yaml.SequenceNode && named(base) && named(over):
		for _, item := range over.Content {
			if item.Kind == yaml.AliasNode {
				item = item.Alias
			}
			matched := false
			for _, b := range base.Content {
				if nameOf(b) == nameOf(item) {
					mergeNode(b, item)
					matched = true
					break
				}
			}
			if !matched {
				base.Content = append(base.Content, item)
			}
		}
	default:
		*base = *over
	}
}

func mapIndex(m *yaml.Node, key string) int {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return i
		}
	}
	return -1
}

// named reports whether every item of the sequence is a mapping with a
// scalar name.
func named(seq *yaml.Node) bool {
	for _, c := range seq.Content {
		if c.Kind == yaml.AliasNode && c.Alias != nil {
			c = c.Alias
		}
		if c.Kind != yaml.MappingNode || nameOf(c) == "" {
			return false
		}
	}
	return true
}

func nameOf(m *yaml.Node) string {
	if j := mapIndex(m, "name"); j >= 0 && m.Content[j+1].Kind == yaml.ScalarNode {
		return m.Content[j+1].Value
	}
	return ""
}

// walkNodes calls visit with n at path and with every value below it at
// its own path ("a.b[2].c"). Aliases are not followed.
func walkNodes(n *yaml.Node, path string, visit func(path string, n *yaml.Node)) {
	visit(path, n)
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			walkNodes(n.Content[i+1], strictyaml.Join(path, n.Content[i].Value), visit)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			walkNodes(c, fmt.Sprintf("%s[%d]", path, i), visit)
		}
	}
}

// resolverError renames fallback's config errors into the scenario's
// terms: the field under "resolver.", the line in the scenario file when
// the field is one the block sets.
func resolverError(err error, lines map[string]int) error {
	var all []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		all = j.Unwrap()
	} else {
		all = []error{err}
	}
	out := make([]error, 0, len(all))
	for _, e := range all {
		var ce *fallback.ConfigError
		if !errors.As(e, &ce) {
			out = append(out, &fieldError{Field: "resolver", Msg: e.Error()})
			continue
		}
		out = append(out, &fieldError{Field: strictyaml.Join("resolver", ce.Field), Line: strictyaml.LineOf(lines, ce.Field), Msg: ce.Msg})
	}
	return errors.Join(out...)
}

// strataSystem runs the resolves through a strata Resolver.
type strataSystem struct {
	r *fallback.Resolver
	// agreement is the plausibility check's: how close an answer must be
	// to an implausible one to confirm it.
	agreement float64
}

// newStrata builds a Resolver for cfg over w's providers, with the keys'
// history loaded into a fresh in-memory History bounded as cfg says.
func newStrata(ctx context.Context, sc *scenario, w *world, cfg fallback.Config) (*strataSystem, error) {
	h, err := stats.NewMemoryHistory(cfg.Forecast.History)
	if err != nil {
		return nil, fmt.Errorf("strata history: %w", err)
	}
	if err := w.loadHistory(ctx, h, time.Now()); err != nil {
		return nil, err
	}
	opts := []fallback.Option{fallback.WithSeed(sc.Seed), fallback.WithHistory(h)}
	for _, p := range w.provs {
		opts = append(opts, fallback.WithProvider(p.spec.Name, p))
	}
	r, err := fallback.New(cfg, opts...)
	if err != nil {
		return nil, err
	}
	agreement := cfg.Plausibility.Agreement
	if agreement == 0 {
		agreement = fallback.DefaultPlausibleAgreement
	}
	return &strataSystem{r: r, agreement: agreement}, nil
}

func (s *strataSystem) resolve(ctx context.Context, k *simKey) answer {
	if info := requestFrom(ctx); info != nil && info.campaign != nil {
		ctx = fallback.WithBudgetOf(ctx, info.campaign.budget)
	}
	res, err := s.r.Resolve(ctx, k.dataType, k.params)
	a := answer{value: res.Value, layer: res.Layer.String(), err: err, flagged: res.Implausible}
	if err != nil {
		a.value, a.layer = 0, ""
	}
	// An attempt is recorded as failed implausible whether or not a
	// second provider then confirms its value: it was confirmed when
	// another provider's answer, agreeing with it, was served; it was
	// served itself, flagged, when no provider gave a second opinion.
	fromProvider := err == nil && !res.Implausible && (res.Layer == fallback.LayerPrimary || res.Layer == fallback.LayerSecondary)
	for _, at := range res.Attempts {
		var ie *fallback.ImplausibleError
		if errors.As(at.Err, &ie) && ie.Caught {
			a.caught = append(a.caught, at.Provider)
		}
		switch {
		case !errors.As(at.Err, &ie):
		case res.Implausible && err == nil && ie.Value == res.Value:
			// the flagged answer itself
		case fromProvider && agrees(res.Value, ie.Value, s.agreement):
			a.confirmed++
		default:
			a.rejected = append(a.rejected, ie.Value)
		}
	}
	return a
}

// agrees reports whether a and b are within the relative tolerance tol of
// each other, relative to the larger, as the plausibility check decides
// that a second provider confirms an answer.
func agrees(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*max(math.Abs(a), math.Abs(b))
}

func (s *strataSystem) close() error { return s.r.Close() }
