package fallback

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/breaker"
	"github.com/strata-go/strata/providers"
)

// auditEvery is testConfig with every accepted answer audited.
func auditEvery() Config {
	cfg := testConfig()
	cfg.Plausibility.AuditRate = 1
	return cfg
}

// audits lists, in order, the providers of the attempts marked Audit.
func audits(attempts []Attempt) []string {
	var names []string
	for _, a := range attempts {
		if a.Audit {
			names = append(names, a.Provider)
		}
	}
	return names
}

// A provider drifting off the truth by ×1.5, each step within the check,
// is caught by an audit the two others settle: its answer is not served,
// the third's is, its fresh cached answers are expired, and from then on
// its answers are asked about.
func TestAnAuditCatchesADriftingProvider(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, p2, s1 := newStub(1.2), newStub(1.2), newStub(1.2)
		r := moverFirstWith(t, auditEvery(), p1, p2, s1)
		// p1's fresh answer for "boots", confirmed by its audit.
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "boots"})
		require.NoError(t, err)
		require.Equal(t, "p1", res.Source)
		boots := resolverKey(t, r, Params{"keyword": "boots"})
		_, fresh := r.cache.Fresh(boots, time.Minute, time.Now())
		require.True(t, fresh)

		p1.answer(1.8)  // ×1.5: plausible, and off the truth
		s1.answer(1.22) // the truth, as p2 has it
		res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, 1.22, res.Value, "the third's answer, which agrees with the second's")
		assert.Equal(t, "s1", res.Source)
		assert.Equal(t, 0.85, res.Confidence, "settled: not lowered")
		assert.Equal(t, []string{"p1", "p2", "s1"}, providerOrder(res.Attempts))
		assert.Equal(t, []string{"p2", "s1"}, audits(res.Attempts), "the second and third opinions are the audit's")
		got := attemptsByProvider(res.Attempts)
		var held, dispute *ImplausibleError
		require.ErrorAs(t, got["p1"].Err, &held)
		assert.True(t, held.Audit)
		assert.Equal(t, 1.8, held.Value)
		assert.Contains(t, held.Error(), "audited")
		require.ErrorAs(t, got["p2"].Err, &dispute)
		assert.True(t, dispute.Audit)
		assert.Equal(t, 1.8, dispute.Contradicts)
		assert.Contains(t, dispute.Error(), "1.2 disputes the audited answer 1.8")
		assert.Contains(t, got["p2"].String(), ", audit")
		dt := r.types["cpc"]
		assert.True(t, r.plaus.isCaught(dt, "p1", time.Now()), "refuted by two: caught")
		assert.False(t, r.plaus.isCaught(dt, "p2", time.Now()))
		e, ok := r.cache.LastGood(resolverKey(t, r, Params{"keyword": "shoes"}))
		require.True(t, ok)
		assert.Equal(t, 1.22, e.Value, "the walk caches what it served")
		_, fresh = r.cache.Fresh(boots, time.Minute, time.Now())
		assert.False(t, fresh, "p1's fresh answer for boots is expired")

		// Caught, p1 is asked about for every key: its drift is not served.
		s1.answer(1.21)
		for _, keyword := range []string{"shoes", "boots"} {
			time.Sleep(2 * time.Minute)
			res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": keyword})
			require.NoError(t, err)
			assert.Equal(t, 1.2, res.Value, keyword)
			assert.Equal(t, "p2", res.Source, keyword)
			var ie *ImplausibleError
			require.ErrorAs(t, attemptsByProvider(res.Attempts)["p1"].Err, &ie, keyword)
			assert.True(t, ie.Caught, keyword)
		}
	})
}

// An answer held for an audit passed the check: its provider's health
// counts it as an answer, as it would have without the audit, so that
// the router does not shun the providers it samples.
func TestAnAuditedAnswerCountsForItsProvidersHealth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(1.2), newStub(1.2)
		r := newTestResolver(t, auditEvery(), p1, s1)
		for i := range 5 {
			res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i)})
			require.NoError(t, err)
			require.Equal(t, []string{"s1"}, audits(res.Attempts))
		}
		snap := r.Snapshot()
		require.Equal(t, "p1", snap.Providers[0].Name)
		assert.EqualValues(t, 5, snap.Providers[0].Requests, "the five audited answers are its requests")
		assert.Equal(t, 1.0, snap.Providers[0].SuccessRate)
	})
}

// An audit the third opinion settles the other way catches the second
// opinion's provider, and the audited answer is served as it would have
// been.
func TestAnAuditCatchesTheDisputerTheThirdRefutes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, p2, s1 := newStub(1.2), newStub(1.2), newStub(1.2)
		r := moverFirstWith(t, auditEvery(), p1, p2, s1)
		p2.answer(1.8) // p2 drifted
		s1.answer(1.21)
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, 1.2, res.Value)
		assert.Equal(t, "p1", res.Source)
		assert.Equal(t, 0.95, res.Confidence)
		assert.Equal(t, Succeeded, attemptsByProvider(res.Attempts)["p1"].Outcome, "served: its attempt says it answered")
		dt := r.types["cpc"]
		assert.True(t, r.plaus.isCaught(dt, "p2", time.Now()))
		assert.False(t, r.plaus.isCaught(dt, "p1", time.Now()))
	})
}

// Two honest providers whose answers differ by less than the audit's
// tolerance (noise, a small bias) never catch each other: the audited
// answer is served, with its confidence, and no third is paid for.
func TestAnHonestPairWithinTheToleranceIsNeverCaught(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, p2, s1 := newStub(1.2), newStub(1.2), newStub(1.2)
		r := moverFirstWith(t, auditEvery(), p1, p2, s1)
		dt := r.types["cpc"]
		for i := range 20 {
			v := 1.2 * (1 + 0.02*float64(i%5))
			p1.answer(v)
			p2.answer(v * 1.2) // 17 % apart: within 0.25
			time.Sleep(2 * time.Minute)
			res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
			require.NoError(t, err)
			// The router may ask either first: the first is audited by
			// the other, and its answer served.
			first, other := "p1", "p2"
			if res.Attempts[0].Provider == "p2" {
				first, other = "p2", "p1"
			}
			assert.Equal(t, map[string]float64{"p1": v, "p2": v * 1.2}[first], res.Value)
			assert.Equal(t, first, res.Source)
			assert.Equal(t, 0.95, res.Confidence)
			assert.Equal(t, []string{other}, audits(res.Attempts))
			assert.Equal(t, Succeeded, attemptsByProvider(res.Attempts)[first].Outcome)
		}
		assert.Zero(t, s1.calls.Load(), "no third opinion")
		assert.False(t, r.plaus.isCaught(dt, "p1", time.Now()))
		assert.False(t, r.plaus.isCaught(dt, "p2", time.Now()))
	})
}

// One provider's word against another's catches nobody: with no third
// opinion, or one that agrees with neither, the audited answer is served
// as it would have been, its confidence lowered by the penalty.
func TestAnAuditOneAgainstOneCatchesNobody(t *testing.T) {
	for _, tc := range []struct {
		name  string
		third func(*stub)
		calls int64
	}{
		{"no third", func(s *stub) { s.fail(providers.Unavailable) }, 1},
		{"third agrees with neither", func(s *stub) { s.answer(3) }, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p1, p2, s1 := newStub(1.2), newStub(1.2), newStub(1.2)
				r := moverFirstWith(t, auditEvery(), p1, p2, s1)
				p1.answer(1.8)
				tc.third(s1)
				calls := s1.calls.Load()
				res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
				require.NoError(t, err)
				assert.Equal(t, 1.8, res.Value)
				assert.Equal(t, "p1", res.Source)
				assert.InDelta(t, 0.95*DefaultImplausiblePenalty, res.Confidence, 1e-9, "disputed: its confidence lowered")
				assert.False(t, res.Implausible)
				assert.Equal(t, calls+tc.calls, s1.calls.Load())
				assert.Equal(t, Succeeded, attemptsByProvider(res.Attempts)["p1"].Outcome)
				dt := r.types["cpc"]
				assert.False(t, r.plaus.isCaught(dt, "p1", time.Now()))
				assert.False(t, r.plaus.isCaught(dt, "p2", time.Now()))
				e, ok := r.cache.LastGood(resolverKey(t, r, Params{"keyword": "shoes"}))
				require.True(t, ok)
				assert.Equal(t, 1.8, e.Value, "cached as it would have been")
			})
		})
	}
	t.Run("two providers", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p1, s1 := newStub(1.2), newStub(1.2)
			r := newTestResolver(t, auditEvery(), p1, s1)
			_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
			require.NoError(t, err)
			time.Sleep(2 * time.Minute)
			p1.answer(1.8)
			res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
			require.NoError(t, err)
			assert.Equal(t, 1.8, res.Value)
			assert.InDelta(t, 0.95*DefaultImplausiblePenalty, res.Confidence, 1e-9)
			assert.Equal(t, []string{"s1"}, audits(res.Attempts))
			assert.False(t, r.plaus.isCaught(r.types["cpc"], "p1", time.Now()))
		})
	})
}

// An audit nobody can afford is not started: not when the resolve's
// budget cannot pay for a second opinion, not when the deadline or the
// audit's wait (AuditWait) leaves no other provider its expected latency,
// not when the others' breakers
// are open. The answer is served as it would have been, and nothing is
// recorded for the audit.
func TestAnAuditThatCannotBeAffordedIsSkipped(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(*Config)
		ctx   func(r *Resolver) (context.Context, context.CancelFunc)
	}{
		{"budget", nil, func(*Resolver) (context.Context, context.CancelFunc) {
			return WithBudget(context.Background(), 0.02), func() {} // p1's price, not s1's too
		}},
		{"deadline", func(cfg *Config) { cfg.Providers[1].ExpectedLatency = 2 * time.Second }, func(*Resolver) (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), time.Second)
		}},
		{"audit's wait", func(cfg *Config) { cfg.Providers[1].ExpectedLatency = 1200 * time.Millisecond }, func(*Resolver) (context.Context, context.CancelFunc) {
			return context.Background(), func() {} // 2s: half of the 1.95s left is 975ms
		}},
		{"breaker", nil, func(r *Resolver) (context.Context, context.CancelFunc) {
			r.byName["s1"].breaker.hold("test", time.Now().Add(time.Hour)) // open
			return context.Background(), func() {}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := auditEvery()
				if tc.setup != nil {
					tc.setup(&cfg)
				}
				p1, s1 := newStub(1.2), newStub(1.2)
				r := newTestResolver(t, cfg, p1, s1)
				ctx, cancel := tc.ctx(r)
				defer cancel()
				res, err := r.Resolve(ctx, "cpc", Params{"keyword": "shoes"})
				require.NoError(t, err)
				assert.Equal(t, 1.2, res.Value)
				assert.Equal(t, "p1", res.Source)
				assert.Equal(t, 0.95, res.Confidence)
				assert.Zero(t, s1.calls.Load())
				assert.Equal(t, []string{"p1"}, providerOrder(res.Attempts), "nothing recorded for the audit")
				assert.Empty(t, audits(res.Attempts))
			})
		})
	}
}

// Nobody can give a data type served by one provider a second opinion,
// and a data type whose values may be negative is checked against its
// bounds only: neither is audited.
func TestAuditLeavesLoneProvidersAndSignedDataTypesAlone(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*Config)
	}{
		{"one provider", func(cfg *Config) { cfg.Providers[1].DataTypes = []string{"ctr"} }},
		{"signed", func(cfg *Config) { cfg.DataTypes[0].Bounds = Bounds{Min: -100, Max: 100} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := auditEvery()
				cfg.DataTypes = append(cfg.DataTypes, DataTypeConfig{Name: "ctr", Params: []ParamConfig{{Name: "keyword", Required: true}}, Bounds: Bounds{Min: 0, Max: 1}})
				tc.set(&cfg)
				p1, s1 := newStub(1.2), newStub(1.2)
				r := newTestResolver(t, cfg, p1, s1)
				for i := range 5 {
					res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
					require.NoError(t, err)
					assert.Equal(t, "p1", res.Source)
					assert.Empty(t, audits(res.Attempts), i)
					time.Sleep(2 * time.Minute)
				}
				assert.Zero(t, s1.calls.Load())
			})
		})
	}
}

// The audit's draws come from the resolver's seed: the same seed audits
// the same answers, and about AuditRate of them; a negative AuditRate
// audits none.
func TestAuditRateIsSeededAndNegativeTurnsItOff(t *testing.T) {
	auditedIn := func(rate float64, seed uint64, reversed bool) []int {
		var out []int
		synctest.Test(t, func(t *testing.T) {
			cfg := testConfig()
			cfg.Plausibility.AuditRate = rate
			p1, s1 := newStub(1.2), newStub(1.2)
			r := newTestResolver(t, cfg, p1, s1, WithSeed(seed))
			for j := range 400 {
				i := j
				if reversed {
					i = 399 - j
				}
				res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i)})
				require.NoError(t, err)
				if len(audits(res.Attempts)) > 0 {
					out = append(out, i)
				}
			}
		})
		slices.Sort(out)
		return out
	}
	audited := func(rate float64, seed uint64) []int { return auditedIn(rate, seed, false) }
	a, b := audited(0.25, 7), audited(0.25, 7)
	assert.Equal(t, a, b, "the same seed, the same audits")
	// The draw is the key's and the answer's, not a shared stream's
	// next: resolves in another order (as concurrent ones come) audit
	// the same keys.
	assert.Equal(t, a, auditedIn(0.25, 7, true), "the same audits in the reverse order")
	assert.InDelta(t, 100, len(a), 30, "about a quarter of 400")
	assert.NotEqual(t, a, audited(0.25, 8), "another seed, other audits")
	assert.Empty(t, audited(-1, 7), "negative: off")
	assert.NotEmpty(t, audited(0, 7), "zero: the default rate")
}

func TestAuditConfigRefusesBadSettings(t *testing.T) {
	for _, tc := range []struct {
		cfg   PlausibilityConfig
		field string
	}{
		{PlausibilityConfig{AuditRate: 1.5}, "plausibility.audit_rate"},
		{PlausibilityConfig{AuditRate: math.NaN()}, "plausibility.audit_rate"},
		{PlausibilityConfig{AuditRate: math.Inf(1)}, "plausibility.audit_rate"},
		{PlausibilityConfig{AuditTolerance: -0.1}, "plausibility.audit_tolerance"},
		{PlausibilityConfig{AuditTolerance: 2}, "plausibility.audit_tolerance"},
		{PlausibilityConfig{AuditTolerance: math.NaN()}, "plausibility.audit_tolerance"},
	} {
		var p problems
		tc.cfg.fill(&p)
		require.Len(t, p, 1, "%+v", tc.cfg)
		assert.Contains(t, p[0].Error(), tc.field)
	}
	var p problems
	c := PlausibilityConfig{}
	c.fill(&p)
	require.Empty(t, p)
	assert.Equal(t, DefaultAuditRate, c.AuditRate)
	assert.Equal(t, DefaultAuditTolerance, c.AuditTolerance)
	c = PlausibilityConfig{AuditRate: -1}
	c.fill(&p)
	require.Empty(t, p)
	assert.Equal(t, -1.0, c.AuditRate, "negative stays: off")
}

// The audited answer is what a walk serves when its audit's second
// opinion does not come in time: a resolve that leaves its coalesced walk
// at its deadline serves it too, rather than a lower layer after paying
// for it.
func TestAnAuditedAnswerServesWhenTheAuditHangs(t *testing.T) {
	for _, coalescing := range []bool{true, false} {
		t.Run(fmt.Sprintf("coalescing=%v", coalescing), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := auditEvery()
				cfg.Resolve.DisableCoalescing = !coalescing
				p1, s1 := newStub(1.2), newStub(1.2)
				r := newTestResolver(t, cfg, p1, s1)
				s1.hang() // the audit's second opinion never answers
				ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
				defer cancel()
				res, err := r.Resolve(ctx, "cpc", Params{"keyword": "shoes"})
				require.NoError(t, err)
				assert.Equal(t, 1.2, res.Value)
				assert.Equal(t, "p1", res.Source)
				assert.Equal(t, LayerPrimary, res.Layer)
				assert.Equal(t, 0.95, res.Confidence, "not disputed: nobody answered")
				assert.Equal(t, Succeeded, attemptsByProvider(res.Attempts)["p1"].Outcome)
				// s1's attempt, and any retry of it recorded skipped,
				// are the audit's; p1's is not.
				assert.Contains(t, audits(res.Attempts), "s1")
				assert.NotContains(t, audits(res.Attempts), "p1")
				synctest.Wait()
				e, ok := r.cache.LastGood(resolverKey(t, r, Params{"keyword": "shoes"}))
				require.True(t, ok)
				assert.Equal(t, "p1", e.Source, "the walk caches what it served")
			})
		})
	}
}

// A provider that flaps between the truth and a drift for a key — two
// backends behind it, one off — gets a fresh draw for each answer: each
// drifted answer is audited at the audit rate, and the provider is
// caught. The draw hashed the answer with how many times in a row it was
// given, always 1 for a flapping one: the drift of a key whose draw
// failed was never audited (at 0.02, of 5 keys most seeds audit none).
func TestAFlappingProviderIsAuditedAtTheRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, p2, s1 := newStub(1.2), newStub(1.2), newStub(1.2)
		var calls atomic.Int64
		p1.set(func(context.Context, providers.Request) (providers.Response, error) {
			if calls.Add(1)%2 == 0 {
				return providers.Response{Value: 1.8}, nil // ×1.5: plausible, and off
			}
			return providers.Response{Value: 1.2}, nil
		})
		cfg := testConfig()
		cfg.Plausibility.AuditRate = 0.02
		r := moverFirstWith(t, cfg, p1, p2, s1)
		audited, drifted := 0, 0
		for i := range 1000 {
			res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i%5)})
			require.NoError(t, err)
			if len(audits(res.Attempts)) > 0 {
				audited++
			}
			if res.Value == 1.8 {
				drifted++
			}
			time.Sleep(2 * time.Minute)
		}
		assert.Positive(t, audited, "drifted answers served: %d", drifted)
		assert.Less(t, drifted, 250, "caught, it is asked about")
	})
}

// auditSlow is auditEvery with providers' timeouts of 2s, the default
// deadline: a slow second opinion is slow, not timed out.
func auditSlow() Config {
	cfg := auditEvery()
	for i := range cfg.Providers {
		cfg.Providers[i].Timeout = 2 * time.Second
	}
	return cfg
}

// slow makes s answer v after d, or give up when its context ends first.
func slow(s *stub, v float64, d time.Duration) {
	s.set(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
		select {
		case <-time.After(d):
			return providers.Response{Value: v}, nil
		case <-ctx.Done():
			return providers.Response{}, ctx.Err()
		}
	})
}

// An audit holds its resolve at most AuditWait of the time its walk has
// left: a second or third opinion slower than that is cut, and the
// audited answer is served as it would have been had nobody answered —
// with its confidence when nobody disputed it, lowered when the second
// did and the third was cut. The cut is the audit's, not the provider's:
// its attempt is lost, as a hedge that lost is, and neither its breaker
// nor its success, error rates or uptime count it, however often it
// comes (how long it ran is a lower bound of its latency).
func TestAnAuditsWaitIsBounded(t *testing.T) {
	for _, tc := range []struct {
		name       string
		audited    float64       // p1's answer
		second     func(*stub)   // p2
		cut        string        // the provider whose attempt is cut
		confidence float64       // the served answer's
		calls      int64         // s1's calls in the resolve
		elapsed    time.Duration // the resolve's
	}{
		// The walk has 2s less the 50ms reserve left when p1's answer is
		// held (at once): the audit may hold it half of that.
		{"second opinion cut", 1.2, func(s *stub) { slow(s, 1.2, 1500*time.Millisecond) }, "p2", 0.95, 0, 975 * time.Millisecond},
		{"third opinion cut", 1.8, func(s *stub) { s.answer(1.2) }, "s1", 0.95 * DefaultImplausiblePenalty, 1, 975 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p1, p2, s1 := newStub(1.2), newStub(1.2), newStub(1.2)
				r := moverFirstWith(t, auditSlow(), p1, p2, s1)
				p1.answer(tc.audited)
				tc.second(p2)
				slow(s1, 1.21, 1500*time.Millisecond)
				calls := s1.calls.Load()
				start := time.Now()
				res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
				require.NoError(t, err)
				assert.Equal(t, tc.elapsed, time.Since(start), "the audit's wait, not the opinion's latency")
				assert.Equal(t, tc.audited, res.Value)
				assert.Equal(t, "p1", res.Source)
				assert.Equal(t, LayerPrimary, res.Layer)
				assert.InDelta(t, tc.confidence, res.Confidence, 1e-9)
				assert.Equal(t, calls+tc.calls, s1.calls.Load())
				got := attemptsByProvider(res.Attempts)
				assert.Equal(t, Succeeded, got["p1"].Outcome)
				cut := got[tc.cut]
				assert.True(t, cut.Audit)
				assert.Equal(t, Lost, cut.Outcome)
				assert.Equal(t, providers.Canceled, cut.Class)
				require.Error(t, cut.Err)
				assert.Contains(t, cut.Err.Error(), "the audit's wait is over")
				dt := r.types["cpc"]
				assert.False(t, r.plaus.isCaught(dt, "p1", time.Now()), "nobody settled the audit")
				synctest.Wait()
				e, ok := r.cache.LastGood(resolverKey(t, r, Params{"keyword": "shoes"}))
				require.True(t, ok)
				assert.Equal(t, tc.audited, e.Value, "cached as it would have been")
			})
		})
	}
	t.Run("not the provider's failure", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p1, s1 := newStub(1.2), newStub(1.2)
			r := newTestResolver(t, auditSlow(), p1, s1)
			slow(s1, 1.2, 1500*time.Millisecond)
			for i := range 20 {
				res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i)})
				require.NoError(t, err)
				require.Equal(t, "p1", res.Source)
				require.Equal(t, 0.95, res.Confidence)
				require.Equal(t, Lost, attemptsByProvider(res.Attempts)["s1"].Outcome, i)
			}
			assert.EqualValues(t, 20, s1.calls.Load(), "its breaker let every audit through")
			assert.Equal(t, breaker.Closed, r.byName["s1"].breaker.State())
			var s1s ProviderSnapshot
			for _, ps := range r.Snapshot().Providers {
				if ps.Name == "s1" {
					s1s = ps
				}
			}
			assert.Zero(t, s1s.Requests, "a cut attempt is no outcome of s1's")
			assert.Empty(t, s1s.ErrorRates)
			assert.Equal(t, 1.0, s1s.Uptime, "no outage either")
		})
	})
}

// With AuditWait 1 the audit may run to the walk's deadline: a second
// opinion slower than half of it is waited for.
func TestAnAuditWaitOfOneWaitsForTheOpinion(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := auditSlow()
		cfg.Plausibility.AuditWait = 1
		p1, s1 := newStub(1.2), newStub(1.2)
		r := newTestResolver(t, cfg, p1, s1)
		slow(s1, 1.2, 1500*time.Millisecond)
		start := time.Now()
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, 1500*time.Millisecond, time.Since(start))
		assert.Equal(t, "p1", res.Source)
		assert.Equal(t, Succeeded, attemptsByProvider(res.Attempts)["s1"].Outcome)
	})
}

// Close during an audit's wait ends it at once, as it ends any resolve
// in flight (ErrClosed), without waiting for the audit's bound or the
// deadline; nothing the audit started — its timer, its attempt's
// goroutines — outlives Close (the bubble fails on a goroutine left).
func TestCloseEndsAnAuditsWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(1.2), newStub(1.2)
		r := newTestResolver(t, auditSlow(), p1, s1)
		s1.hang()
		done := make(chan error, 1)
		go func() {
			_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
			done <- err
		}()
		time.Sleep(100 * time.Millisecond) // p1 answered, held; s1 asked
		synctest.Wait()
		require.EqualValues(t, 1, s1.calls.Load())
		start := time.Now()
		require.NoError(t, r.Close())
		err := <-done
		assert.Zero(t, time.Since(start), "no wait for the audit's bound or the deadline")
		assert.ErrorIs(t, err, ErrClosed, "as any resolve in flight when Close comes")
		synctest.Wait()
	})
}
