package fallback

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Every documented default, pinned to the number its doc comment (and
// README or docs/) gives: a test that compares a field with the named
// constant proves nothing about the number a user reads.
func TestDocumentedDefaults(t *testing.T) {
	for _, tc := range documentedDefaults {
		assert.Equal(t, fmt.Sprint(tc.want), fmt.Sprint(tc.got), tc.name)
	}
}

// documentedDefaults pairs each Default constant (got) with the number its
// docs give (want).
var documentedDefaults = []struct {
	name      string
	got, want any
}{
	{"resolve.deadline", DefaultDeadline, 2 * time.Second},
	{"resolve.reserve", DefaultReserve, 50 * time.Millisecond},
	{"resolve.reserve_half_life", DefaultReserveHalfLife, time.Minute},
	{"resolve.plan_margin", DefaultPlanMargin, 0.1},
	{"resolve.close_timeout", DefaultCloseTimeout, time.Second},
	{"resolve.observer_queue", DefaultObserverQueue, 4096},
	{"providers[].confidence", DefaultConfidence, 0.8},
	{"providers[].expected_latency", DefaultExpectedLatency, 250 * time.Millisecond},
	{"providers[].timeout", DefaultTimeout, time.Second},
	{"data_types[].ttl", DefaultTTL, 10 * time.Minute},
	{"data_types[].half_life", DefaultHalfLife, time.Hour},
	{"params[].max_length", DefaultMaxParamLength, 128},
	{"cache.store_timeout", DefaultStoreTimeout, 50 * time.Millisecond},
	{"retention_interval", DefaultRetentionInterval, time.Hour},
	{"cache.refresh_concurrency", DefaultRefreshConc, 4},
	{"cache.warm_concurrency", DefaultWarmConcurrency, 4},
	{"data_types[].negative_ttl", DefaultNegativeTTL, 30 * time.Second},
	{"adaptive_ttl.smoothing", DefaultTTLSmoothing, 0.2},
	{"batch.window", DefaultBatchWindow, 10 * time.Millisecond},
	{"throttle.k", DefaultThrottleK, 2.0},
	{"throttle.min_requests", DefaultThrottleMin, 10},
	{"throttle.max_reject", DefaultThrottleMaxReject, 0.9},
	{"acceptance.confidence_weight", DefaultConfidenceWeight, 0.6},
	{"acceptance.freshness_weight", DefaultFreshnessWeight, 0.4},
	{"acceptance.threshold", DefaultAcceptance, 0.65},
	{"retry.max_attempts", DefaultMaxAttempts, 3},
	{"retry.base_delay", DefaultBaseDelay, 100 * time.Millisecond},
	{"retry.max_delay", DefaultMaxDelay, 2 * time.Second},
	{"retry.budget_ratio", DefaultBudgetRatio, 0.2},
	{"retry.budget_min_concurrency", DefaultBudgetMinConc, 3},
	{"forecast.min_confidence", DefaultMinForecastConf, 0.5},
	{"forecast.max_points", DefaultForecastPoints, 256},
	{"forecast.max_horizon", DefaultMaxHorizon, 366},
	{"forecast.memo_capacity", DefaultMemoCapacity, 10000},
	{"forecast.fit_time", DefaultFitTime, 10 * time.Millisecond},
	{"cache.stale_window", DefaultStaleWindow, 24 * time.Hour},
	{"cache.write_queue", DefaultWriteQueue, 1024},
	{"fleet_health.queue", DefaultHealthQueue, 64},
	{"cache.claim max hold", DefaultMaxHold, 10 * time.Minute},
	{"plausibility.max_ratio", DefaultPlausibleRatio, 3.0},
	{"plausibility.sigmas", DefaultPlausibleSigmas, 6.0},
	{"plausibility.agreement", DefaultPlausibleAgreement, 0.1},
	{"plausibility.reference_points", DefaultReferencePoints, 5},
	{"plausibility.penalty", DefaultImplausiblePenalty, 0.5},
	{"plausibility.smoothing", DefaultPlausibleSmoothing, 0.05},
	{"plausibility.confirm_after", DefaultConfirmAfter, time.Hour},
	{"plausibility.confirm_answers", DefaultConfirmAnswers, 3},
	{"plausibility.frozen_periods", DefaultFrozenPeriods, 3.0},
	{"plausibility.frozen_repeats", DefaultFrozenRepeats, 1},
	{"plausibility.frozen_repeat_rate", DefaultFrozenRepeatRate, 0.05},
	{"plausibility.keys", DefaultPlausibleKeys, 10000},
	{"plausibility.audit_rate", DefaultAuditRate, 0.02},
	{"plausibility.audit_tolerance", DefaultAuditTolerance, 0.25},
	{"plausibility.audit_wait", DefaultAuditWait, 0.5},
	{"forecast.market.max_factor", DefaultMarketMaxFactor, 3.0},
	{"forecast.market.min_freshness", DefaultMarketMinFreshness, 0.5},
	{"forecast.market.groups", DefaultMarketGroups, 10000},
	{"forecast.market.significance", DefaultMarketSignificance, 2.0},
	{"forecast.market.max_peers", DefaultMarketPeers, 8},
	{"forecast.market.shrink", DefaultMarketShrink, 1.0},
	{"adaptive_ttl.tolerance", DefaultTTLTolerance, 0.02},
	{"throttle.window", DefaultThrottleWindow, time.Minute},
	{"retry.multiplier", DefaultMultiplier, 2.0},
	{"retry.jitter_fraction", DefaultJitterFraction, 0.1},
	{"retry.timeout_factor", DefaultTimeoutFactor, 0.5},
	{"retry.rate_limit_factor", DefaultRateLimitFactor, 2.0},
	{"cache.claim_polls", DefaultClaimPolls, 8},
	{"cache.clock_skew", DefaultClockSkew, time.Second},
	{"fleet_health.run_window", DefaultRunWindow, time.Minute},
	{"alerts.interval", DefaultAlertInterval, 10 * time.Second},
	{"alerts.health_margin", DefaultHealthMargin, 0.05},
	{"alerts.fallback_share.above", DefaultFallbackShare, 0.25},
	{"alerts.fallback_share.window", DefaultShareWindow, 5 * time.Minute},
	{"alerts.fallback_share.min_answers", DefaultShareMinAnswers, 20},
	{"alerts.cost_per_hour.min_span", DefaultCostMinSpan, 5 * time.Minute},
	{"SlogConfig.MaxLines", DefaultSlogMaxLines, 3},
}

// Every exported Default constant of the package is in documentedDefaults,
// so that a default added later is pinned too.
func TestEveryDefaultIsPinned(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi os.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("defaults_pin_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range pkgs["fallback"].Files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				for _, n := range spec.(*ast.ValueSpec).Names {
					if !strings.HasPrefix(n.Name, "Default") {
						continue
					}
					if !regexp.MustCompile(`, ` + n.Name + `, `).Match(src) {
						t.Errorf("%s is not pinned in documentedDefaults", n.Name)
					}
				}
			}
		}
	}
}

// The limits docs/ quotes as numbers.
func TestDocumentedLimits(t *testing.T) {
	assert.Equal(t, 4<<20, MaxStateLine, "docs/state.md: MaxStateLine (4 MiB)")
	assert.Equal(t, 64, MarketPeersLimit, "docs/degraded.md: max_peers at most 64")
	assert.Equal(t, 10000, WindowLimit, "WindowLimit's doc: 10000")
	assert.Equal(t, 100000, QueueLimit, "QueueLimit's doc: 100000")
}
