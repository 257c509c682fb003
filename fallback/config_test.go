package fallback

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/strata-go/strata/breaker"
	"github.com/strata-go/strata/defaults"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/stats"
)

const validYAML = `
providers:
  - name: ads
    tier: primary
    confidence: 0.95
    cost: 0.02
    expected_latency: 250ms
    timeout: 1s
    data_types: [cpc]
  - name: backup
    tier: secondary
    data_types: [cpc]
data_types:
  - name: cpc
    params:
      - {name: keyword, required: true, max_length: 64}
      - {name: market, allowed: [us, uk]}
    bounds: {min: 0, max: 100}
    ttl: 5m
    half_life: 2h
    period: weekly
    default:
      base: 1.2
      segments:
        - match: {market: uk}
          base: 0.9
resolve:
  deadline: 1500ms
cache:
  acceptance: {confidence_weight: 0.5, freshness_weight: 0.5, threshold: 0.7}
retry:
  max_attempts: 4
  jitter: full
`

func TestParseConfigValid(t *testing.T) {
	cfg, err := ParseConfig([]byte(validYAML))
	require.NoError(t, err)
	require.Len(t, cfg.Providers, 2)
	assert.Equal(t, "ads", cfg.Providers[0].Name)
	assert.Equal(t, Primary, cfg.Providers[0].Tier)
	assert.Equal(t, 250*time.Millisecond, cfg.Providers[0].ExpectedLatency)
	assert.Equal(t, 0.02, cfg.Providers[0].Cost)
	dt := cfg.DataTypes[0]
	assert.Equal(t, 5*time.Minute, dt.TTL)
	assert.Equal(t, 2*time.Hour, dt.HalfLife)
	assert.Equal(t, stats.Weekly, dt.Period)
	assert.Equal(t, Bounds{Min: 0, Max: 100}, dt.Bounds)
	require.NotNil(t, dt.Default)
	assert.Equal(t, 1.2, dt.Default.Base)
	assert.Equal(t, 0.9, dt.Default.Segments[0].Base)
	assert.Equal(t, 1500*time.Millisecond, cfg.Resolve.Deadline)
	assert.Equal(t, 4, cfg.Retry.MaxAttempts)
	assert.Equal(t, JitterFull, cfg.Retry.Jitter)
	// ParseConfig returns what the document says; defaults come at New.
	assert.Zero(t, cfg.Providers[1].Confidence)
}

func TestWithDefaultsDoesNotModifyCaller(t *testing.T) {
	cfg, err := ParseConfig([]byte(validYAML))
	require.NoError(t, err)
	before := cfg.Providers[1]
	out, p := cfg.withDefaults()
	require.Empty(t, p)
	assert.Equal(t, before, cfg.Providers[1])
	assert.Equal(t, DefaultConfidence, out.Providers[1].Confidence)
	assert.Equal(t, DefaultTimeout, out.Providers[1].Timeout)
	assert.Equal(t, 4, out.Providers[1].Retry.MaxAttempts, "inherits the resolver-wide retry")
	assert.Equal(t, stats.Weekly.SeasonLength(), out.DataTypes[0].Season)
}

func TestParseConfigErrorsNameFieldAndLine(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(string) string
		field string
		at    string // a piece of the line the error must point at
		msg   string
	}{
		{"unknown field", func(s string) string {
			return strings.Replace(s, "    cost: 0.02\n", "    cost: 0.02\n    costt: 3\n", 1)
		}, "providers[0].costt", "costt: 3", "unknown field (did you mean \"cost\"?)"},
		{"wrong type", func(s string) string {
			return strings.Replace(s, "cost: 0.02", "cost: cheap", 1)
		}, "providers[0].cost", "cost: cheap", "cannot unmarshal"},
		{"bad duration", func(s string) string {
			return strings.Replace(s, "ttl: 5m", "ttl: soon", 1)
		}, "data_types[0].ttl", "ttl: soon", "cannot unmarshal"},
		{"wrong type in a flow mapping", func(s string) string {
			return strings.Replace(s, "bounds: {min: 0, max: 100}", "bounds: {min: 0, max: lots}", 1)
		}, "data_types[0].bounds.max", "bounds: {min: 0, max: lots}", "cannot unmarshal !!str `lots` into float64"},
		{"a fraction where a count belongs", func(s string) string {
			return strings.Replace(s, "max_length: 64}", "max_length: 64.5}", 1)
		}, "data_types[0].params[0].max_length", "max_length: 64.5}", "cannot unmarshal !!float `64.5` into int: not a whole number"},
		{"bad period", func(s string) string {
			return strings.Replace(s, "period: weekly", "period: fortnightly", 1)
		}, "data_types[0].period", "period: fortnightly", `invalid period "fortnightly"`},
		{"undeclared provider", func(s string) string {
			return strings.Replace(s, "    ttl: 5m\n", "    ttl: 5m\n    primary: [ads, ghost]\n", 1)
		}, "data_types[0].primary[1]", "primary: [ads, ghost]", `provider "ghost" is not declared`},
		{"negative ttl", func(s string) string {
			return strings.Replace(s, "ttl: 5m", "ttl: -5m", 1)
		}, "data_types[0].ttl", "ttl: -5m", "must not be negative"},
		{"confidence above 1", func(s string) string {
			return strings.Replace(s, "confidence: 0.95", "confidence: 1.5", 1)
		}, "providers[0].confidence", "confidence: 1.5", "must be in [0, 1]"},
		{"duplicate provider", func(s string) string {
			return strings.Replace(s, "name: backup", "name: ads", 1)
		}, "providers[1].name", "  - name: ads\n    tier: secondary", `duplicate provider "ads"`},
		{"duplicate data type", func(s string) string {
			return s + "  - name: cpc\n"
		}, "", "", "data_types"}, // the appended item lands under cache's siblings: a YAML error
		{"bad tier", func(s string) string {
			return strings.Replace(s, "tier: secondary", "tier: tertiary", 1)
		}, "providers[1].tier", "tier: tertiary", "must be primary or secondary"},
		{"bad pattern", func(s string) string {
			return strings.Replace(s, "max_length: 64}", "max_length: 64, pattern: \"[a-\"}", 1)
		}, "data_types[0].params[0].pattern", "pattern:", "not a valid regular expression: error parsing regexp: missing closing ]: `[a-`"},
		{"bounds inverted", func(s string) string {
			return strings.Replace(s, "bounds: {min: 0, max: 100}", "bounds: {min: 10, max: 1}", 1)
		}, "data_types[0].bounds", "bounds:", "min must not exceed max"},
		{"default outside bounds", func(s string) string {
			return strings.Replace(s, "base: 1.2", "base: 120", 1)
		}, "data_types[0].default.base", "base: 120", "outside the data type's bounds"},
		{"segment on unknown param", func(s string) string {
			return strings.Replace(s, "match: {market: uk}", "match: {country: uk}", 1)
		}, "data_types[0].default.segments[0].match", "match: {country: uk}", `param "country" is not declared`},
		{"burst without a rate", func(s string) string {
			return strings.Replace(s, "    timeout: 1s\n", "    timeout: 1s\n    rate_limit: {burst: 5}\n", 1)
		}, "providers[0].rate_limit.burst", "rate_limit: {burst: 5}", "needs per_second"},
		{"empty allowed value", func(s string) string {
			return strings.Replace(s, "allowed: [us, uk]", `allowed: [us, ""]`, 1)
		}, "data_types[0].params[1].allowed", `allowed: [us, ""]`, "must not list the empty value"},
		{"segment that can never match", func(s string) string {
			return strings.Replace(s, "match: {market: uk}", "match: {market: fr}", 1)
		}, "data_types[0].default.segments[0].match", "match: {market: fr}", `market="fr" can never match`},
		{"segment on the empty value", func(s string) string {
			return strings.Replace(s, "match: {market: uk}", `match: {keyword: ""}`, 1)
		}, "data_types[0].default.segments[0].match", `match: {keyword: ""}`, "keyword has the empty value"},
		{"segment on a value too long", func(s string) string {
			return strings.Replace(s, "match: {market: uk}", "match: {keyword: "+strings.Repeat("k", 65)+"}", 1)
		}, "data_types[0].default.segments[0].match", "match: {keyword: kkk", "the param allows at most 64 bytes"},
		{"segment on a value its pattern refuses", func(s string) string {
			s = strings.Replace(s, "{name: market, allowed: [us, uk]}", "{name: market, allowed: [us, uk]}\n      - {name: industry, pattern: '[a-z_]+'}", 1)
			return strings.Replace(s, "match: {market: uk}", "match: {industry: Retail}", 1)
		}, "data_types[0].default.segments[0].match", "match: {industry: Retail}", `industry="Retail" can never match: the param's pattern is "[a-z_]+"`},
		{"segment on a sensitive param", func(s string) string {
			s = strings.Replace(s, "{name: market, allowed: [us, uk]}", "{name: market, allowed: [us, uk]}\n      - {name: email, sensitive: true}", 1)
			return strings.Replace(s, "match: {market: uk}", "match: {email: vip@example.com}", 1)
		}, "data_types[0].default.segments[0].match", "match: {email: vip@example.com}", `param "email" is sensitive`},
		{"provider serves undeclared data type", func(s string) string {
			return strings.Replace(s, "    data_types: [cpc]\n  - name: backup", "    data_types: [cpc, ctr]\n  - name: backup", 1)
		}, "providers[0].data_types[1]", "data_types: [cpc, ctr]", `data type "ctr" is not declared`},
		{"hedge across tiers, hedging off", func(s string) string {
			return strings.Replace(s, "    ttl: 5m\n", "    ttl: 5m\n    hedge: {across_tiers: true}\n", 1)
		}, "data_types[0].hedge.across_tiers", "hedge: {across_tiers: true}", "needs hedge.enabled: true"},
		{"threshold above 1", func(s string) string {
			return strings.Replace(s, "threshold: 0.7", "threshold: 7", 1)
		}, "cache.acceptance.threshold", "threshold: 7", "must be in [0, 1]"},
		{"bad jitter", func(s string) string {
			return strings.Replace(s, "jitter: full", "jitter: lots", 1)
		}, "retry.jitter", "jitter: lots", "must be proportional, full or none"},
		{"syntax", func(s string) string {
			return strings.Replace(s, "  - name: backup", "  - name: [backup", 1)
		}, "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := tc.edit(validYAML)
			_, err := ParseConfig([]byte(doc))
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidConfig)
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			if tc.field != "" {
				assert.Equal(t, tc.field, ce.Field)
				i := strings.Index(doc, tc.at)
				require.GreaterOrEqual(t, i, 0, "marker %q", tc.at)
				wantLine := strings.Count(doc[:i], "\n") + 1
				assert.Equal(t, wantLine, ce.Line, "line of %s", tc.field)
				assert.Contains(t, ce.Msg, tc.msg)
				assert.Contains(t, err.Error(), tc.field)
			} else {
				assert.NotEmpty(t, ce.Msg)
			}
		})
	}
}

func TestParseConfigReportsEveryProblem(t *testing.T) {
	doc := strings.Replace(validYAML, "confidence: 0.95", "confidence: -1", 1)
	doc = strings.Replace(doc, "ttl: 5m", "ttl: -1s", 1)
	_, err := ParseConfig([]byte(doc))
	require.Error(t, err)
	var fields []string
	for _, e := range unjoin(err) {
		var ce *ConfigError
		if errors.As(e, &ce) {
			fields = append(fields, ce.Field)
		}
	}
	assert.ElementsMatch(t, []string{"providers[0].confidence", "data_types[0].ttl"}, fields)
}

func TestParseConfigEmpty(t *testing.T) {
	_, err := ParseConfig(nil)
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "data_types", ce.Field)
}

func TestNewChecksRegistrations(t *testing.T) {
	cfg := testConfig()
	_, err := New(cfg, WithProvider("p1", newStub(1)))
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Contains(t, err.Error(), `provider "s1" is declared but has no implementation`)

	_, err = New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)), WithProvider("ghost", newStub(1)))
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Contains(t, err.Error(), `provider "ghost" is registered with WithProvider but not declared`)

	_, err = New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)), WithProvider("s1", newStub(2)))
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Contains(t, err.Error(), `provider "s1" registered twice`)
}

// A nil Option (one left unset by a conditional) is refused, naming its
// place, not called.
func TestNewRefusesANilOption(t *testing.T) {
	var store Option
	_, err := New(testConfig(), WithProvider("p1", newStub(1)), store, WithProvider("s1", newStub(1)))
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "options[1]", ce.Field)
	assert.Equal(t, "is a nil Option", ce.Msg)
}

func TestNewRejectsTierMismatch(t *testing.T) {
	cfg := testConfig()
	cfg.DataTypes[0].Primary = []string{"s1"}
	_, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "data_types[0].primary[0]", ce.Field)
	assert.Contains(t, ce.Msg, "is tier secondary, not primary")
}

// A data type's tier list may name only a provider that lists the data
// type: p1 would otherwise be called for ctr, and, its params list checked
// against cpc alone, handed every ctr param.
func TestNewRejectsATierProviderNotServingTheDataType(t *testing.T) {
	cfg := testConfig()
	cfg.DataTypes = append(cfg.DataTypes, DataTypeConfig{Name: "ctr", Primary: []string{"p1"}, Secondary: []string{"s1"}})
	cfg.Providers[1].DataTypes = []string{"cpc", "ctr"}
	_, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "data_types[1].primary[0]", ce.Field)
	assert.Equal(t, `provider "p1" does not list data type "ctr" in its data_types`, ce.Msg)
	require.Len(t, unjoin(err), 1, "s1 lists ctr: %v", err)

	cfg.Providers[0].DataTypes = []string{"cpc", "ctr"}
	r, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
	require.NoError(t, err)
	require.NoError(t, r.Close())
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// The default engine's settings in Config reach the engine New builds,
// with the factors given as options.
func TestDefaultsSettingsReachTheEngine(t *testing.T) {
	cfg := testConfig()
	cfg.Defaults.BaseConfidence = 0.5
	cfg.Defaults.GuessPenalty = 0.2
	cfg.Defaults.MarketBounds = defaults.Bounds{Min: 0.9, Max: 1.1}
	market := defaults.FactorFunc(func(context.Context, string, map[string]string) (float64, bool) { return 3, true })
	r := newTestResolver(t, cfg, newStub(1), newStub(1), WithHistory(noHistory{}), WithMarketFactor(market))
	ctx := WithBudget(context.Background(), 0) // no provider is paid for
	res, err := r.Resolve(ctx, "cpc", shoes)
	require.NoError(t, err)
	assert.Equal(t, LayerDefault, res.Layer)
	assert.InDelta(t, 1.1, res.Value, 1e-12, "base 1 × market 3 clamped to market_bounds.max")
	assert.InDelta(t, 0.5*(1-0.2), res.Confidence, 1e-12, "base_confidence × (1 − guess_penalty × one guessed factor)")
}

// A second document is refused, however it looks: the decoder would read
// the first and drop the rest.
func TestParseConfigRefusesASecondDocument(t *testing.T) {
	end := strings.Count(validYAML, "\n") + 1 // the line of the "---"
	tests := []struct {
		name, tail string
		line       int
		msg        string
	}{
		{"a config", "---\nresolve: {deadline: 1s}\n", end, "a second YAML document (after ---) is not allowed"},
		{"an empty one", "---\n", end, "a second YAML document (after ---) is not allowed"},
		{"a malformed one", "---\nresolve: {deadline: [\n", end + 1, "a second YAML document is not allowed (and it does not parse: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(validYAML + tc.tail))
			require.ErrorIs(t, err, ErrInvalidConfig)
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.line, ce.Line)
			assert.Contains(t, ce.Msg, tc.msg)
			assert.Empty(t, ce.Field)
		})
	}
	_, err := ParseConfig([]byte("---\n" + validYAML + "...\n"))
	assert.NoError(t, err, "a marked start and end of the one document are fine")
}

// Every setting of the default engine and of the cache reads from YAML
// into the embedded packages' configs.
func TestParseConfigReadsEmbeddedSettings(t *testing.T) {
	doc := validYAML + `defaults:
  base_confidence: 0.25
  segment_confidence: 0.35
  history_confidence: 0.7
  guess_penalty: 0.05
  min_history: 4
  window: 24
  trend_bounds: {min: 0.8, max: 1.25}
  market_bounds: {min: 0.6, max: 1.5}
  user_bounds: {min: 0.9, max: 1.1}
`
	doc = strings.Replace(doc, "cache:\n", "cache:\n  max_cost: 1048576\n  last_good_capacity: 500\n  negative_capacity: 50\n  store_timeout: 20ms\n  refresh_concurrency: 2\n  warm_concurrency: 8\n", 1)
	cfg, err := ParseConfig([]byte(doc))
	require.NoError(t, err)
	assert.Equal(t, defaults.Config{
		BaseConfidence:    0.25,
		SegmentConfidence: 0.35,
		HistoryConfidence: 0.7,
		GuessPenalty:      0.05,
		MinHistory:        4,
		Window:            24,
		TrendBounds:       defaults.Bounds{Min: 0.8, Max: 1.25},
		MarketBounds:      defaults.Bounds{Min: 0.6, Max: 1.5},
		UserBounds:        defaults.Bounds{Min: 0.9, Max: 1.1},
	}, cfg.Defaults)
	assert.EqualValues(t, 1<<20, cfg.Cache.MaxCost)
	assert.Equal(t, 500, cfg.Cache.LastGoodCapacity)
	assert.Equal(t, 50, cfg.Cache.NegativeCapacity)
	assert.Equal(t, 20*time.Millisecond, cfg.Cache.StoreTimeout)
	assert.Equal(t, 2, cfg.Cache.RefreshConcurrency)
	assert.Equal(t, 8, cfg.Cache.WarmConcurrency)
	assert.Equal(t, 0.7, cfg.Cache.Acceptance.Threshold)

	_, err = ParseConfig([]byte(validYAML + "defaults:\n  rules: {cpc: {base: 1}}\n"))
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "defaults.rules", ce.Field, "rules come from data_types[].default")
	assert.Contains(t, ce.Msg, "unknown field")
}

func TestResolveSettingsDefaultsAndBounds(t *testing.T) {
	c := mustDefaults(testConfig())
	assert.Equal(t, DefaultPlanMargin, c.Resolve.PlanMargin)
	assert.Equal(t, DefaultCloseTimeout, c.Resolve.CloseTimeout)
	assert.Equal(t, DefaultReserveHalfLife, c.Resolve.ReserveHalfLife)
	assert.False(t, c.Resolve.FixedReserve)
	assert.Equal(t, DefaultObserverQueue, c.Resolve.ObserverQueue)
	assert.Equal(t, runtime.GOMAXPROCS(0), c.Forecast.MaxFits)
	for _, tc := range []struct {
		field string
		set   func(*ResolveConfig)
	}{
		{"resolve.plan_margin", func(r *ResolveConfig) { r.PlanMargin = 1.5 }},
		{"resolve.plan_margin", func(r *ResolveConfig) { r.PlanMargin = -0.1 }},
		{"resolve.close_timeout", func(r *ResolveConfig) { r.CloseTimeout = -time.Second }},
		{"resolve.reserve_half_life", func(r *ResolveConfig) { r.ReserveHalfLife = -time.Second }},
		{"resolve.observer_queue", func(r *ResolveConfig) { r.ObserverQueue = QueueLimit + 1 }},
		{"resolve.observer_queue", func(r *ResolveConfig) { r.ObserverQueue = -1 }},
	} {
		cfg := testConfig()
		tc.set(&cfg.Resolve)
		checkField(t, cfg, tc.field)
	}
	cfg := testConfig()
	cfg.Forecast.MaxFits = ConcurrencyLimit + 1
	checkField(t, cfg, "forecast.max_fits")
}

// checkField asserts New refuses cfg with a *ConfigError naming field.
func checkField(t *testing.T, cfg Config, field string) {
	t.Helper()
	_, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
	var ce *ConfigError
	require.ErrorAs(t, err, &ce, field)
	assert.Equal(t, field, ce.Field)
}

// Close waits CloseTimeout for a provider that ignores its context, no
// longer.
func TestCloseTimeoutIsConfigured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Resolve.CloseTimeout = 200 * time.Millisecond
		p1 := newStub(1)
		p1.set(func(context.Context, providers.Request) (providers.Response, error) {
			time.Sleep(time.Hour)
			return providers.Response{}, nil
		})
		r := newTestResolver(t, cfg, p1, newStub(1.1))
		_, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		start := time.Now()
		assert.ErrorIs(t, r.Close(), ErrClosed)
		assert.Equal(t, 200*time.Millisecond, time.Since(start))
		time.Sleep(2 * time.Hour)
	})
}

// A parsed Config written back as YAML reads back the same: the unset
// period included (it writes as "").
func TestParsedConfigSurvivesAYAMLRoundTrip(t *testing.T) {
	for _, doc := range []string{validYAML, strings.Replace(validYAML, "    period: weekly\n", "", 1)} {
		cfg, err := ParseConfig([]byte(doc))
		require.NoError(t, err)
		out, err := yaml.Marshal(cfg)
		require.NoError(t, err)
		back, err := ParseConfig(out)
		require.NoError(t, err, "%s", out)
		// An unset list writes as [] and reads back empty, not nil (the
		// same to New), so the configs are compared as written.
		again, err := yaml.Marshal(back)
		require.NoError(t, err)
		assert.Equal(t, string(out), string(again))
		assert.Equal(t, cfg.DataTypes[0].Period, back.DataTypes[0].Period)
	}
}

// The queues New allocates whole stay small at their documented maxima:
// an observer queue of CapacityLimit events took 2.5 GiB before any
// event was queued.
func TestQueuesAtTheirMaximaAreAffordable(t *testing.T) {
	cfg := testConfig()
	cfg.Resolve.ObserverQueue = QueueLimit
	cfg.Cache.WriteQueue = QueueLimit
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)),
		WithObserver(ObserverFunc(func(context.Context, Event) {})), WithStore(newMemStore()))
	require.NoError(t, err)
	runtime.ReadMemStats(&after)
	require.NoError(t, r.Close())
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "bytes New allocated")
}

// RetryConfig's doc: a provider's own retry overrides the resolver-wide
// one field by field, its zero fields inheriting; ProviderConfig.Breaker's:
// a provider's own breaker replaces the resolver-wide one whole, its zero
// fields taking the breaker's defaults, not the resolver-wide values.
func TestAProvidersRetryMergesAndItsBreakerReplaces(t *testing.T) {
	cfg := testConfig()
	cfg.Retry = RetryConfig{MaxAttempts: 1, Jitter: JitterFull, RateLimitFactor: 3}
	cfg.Providers[0].Retry = &RetryConfig{BaseDelay: 5 * time.Millisecond}
	out, p := cfg.withDefaults()
	require.Empty(t, p)
	assert.Equal(t, RetryConfig{
		MaxAttempts: 1, BaseDelay: 5 * time.Millisecond, MaxDelay: DefaultMaxDelay, Multiplier: DefaultMultiplier,
		Jitter: JitterFull, JitterFraction: DefaultJitterFraction, TimeoutFactor: DefaultTimeoutFactor, RateLimitFactor: 3,
		BudgetRatio: DefaultBudgetRatio, BudgetMinConcurrency: DefaultBudgetMinConc,
	}, *out.Providers[0].Retry, "p1's own base_delay, the rest resolver-wide or default")
	assert.Equal(t, out.Retry, *out.Providers[1].Retry, "s1 has none of its own")

	// The resolver-wide breaker trips at one failure; p1's own sets only
	// open_duration, so it trips at the breaker's default, five.
	cfg.Breaker = breaker.Config{ConsecutiveFailures: 1}
	cfg.Providers[0].Breaker = &breaker.Config{OpenDuration: 5 * time.Minute}
	p1, s1 := newStub(0), newStub(0)
	p1.fail(providers.Unavailable)
	s1.fail(providers.Unavailable)
	r := newTestResolver(t, cfg, p1, s1)
	breakers := func() map[string]string {
		m := map[string]string{}
		for _, ps := range r.Snapshot().Providers {
			m[ps.Name] = ps.Breaker
		}
		return m
	}
	for i := range 4 {
		_, _ = r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i)})
	}
	assert.Equal(t, map[string]string{"p1": "closed", "s1": "open"}, breakers(), "after four failures of p1, one of s1")
	_, _ = r.Resolve(context.Background(), "cpc", Params{"keyword": "k4"})
	assert.Equal(t, "open", breakers()["p1"], "the fifth")
	assert.EqualValues(t, 5, p1.calls.Load())
}
