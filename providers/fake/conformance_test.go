package fake_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fake"
	"github.com/strata-go/strata/providers/providertest"
)

// byKeyword hangs on keyword "hang", and fails "nosuch" (Permanent) and
// "private" (Auth): the requests the conformance subjects use.
func byKeyword(r providers.Request) fake.Outcome {
	switch r.Params["keyword"] {
	case "hang":
		return fake.Hang()
	case "nosuch":
		return fake.Fail(providers.Permanent)
	case "private":
		return fake.Fail(providers.Auth)
	}
	return fake.Outcome{}
}

func cpc(keyword string) providers.Request {
	return providers.Request{DataType: "cpc", Params: map[string]string{"keyword": keyword, "market": "us"}}
}

func conformanceSubject(p providers.Provider, flaky bool) providertest.Subject {
	hang := cpc("hang")
	return providertest.Subject{
		Provider: p,
		Request:  cpc("shoes"),
		Hang:     &hang,
		Failures: []providertest.Failure{
			{Name: "unknown keyword", Request: cpc("nosuch"), Class: providers.Permanent},
			{Name: "forbidden", Request: cpc("private"), Class: providers.Auth},
		},
		Flaky: flaky,
	}
}

func TestConformance(t *testing.T) {
	configs := []struct {
		name  string
		cfg   fake.Config
		flaky bool
		batch bool
	}{
		{"Constant", fake.Config{Value: 1.25}, false, false},
		{"FixedLatency", fake.Config{Value: 1.25, Latency: fake.Latency{Median: time.Millisecond}}, false, false},
		{"LognormalLatency", fake.Config{Value: 1.25, Latency: fake.Latency{Median: time.Millisecond, P99: 5 * time.Millisecond, Max: 20 * time.Millisecond}, Seed: 1}, false, false},
		{"ValueFunc", fake.Config{ValueFunc: func(r providers.Request) float64 { return float64(len(r.Params["keyword"])) }}, false, false},
		{"ErrorRates", fake.Config{Value: 1, Errors: map[providers.Class]float64{providers.Transient: 0.2, providers.RateLimit: 0.05, providers.Unavailable: 0.05}, RetryAfter: time.Second, Seed: 2}, true, false},
		{"ScriptAndOutages", fake.Config{Value: 1,
			Script:       []fake.Step{{Times: 2, Do: fake.Fail(providers.Transient)}, {Times: 5}},
			RepeatScript: true,
			Outages:      []fake.Outage{{FromCall: 10, ToCall: 30, Do: fake.Slow(3)}, {FromCall: 40, ToCall: 60}},
			Latency:      fake.Latency{Median: 100 * time.Microsecond},
		}, true, false},
		{"QuotaAndAge", fake.Config{Value: 1, Quota: fake.Quota{Limit: 1 << 20, Window: time.Hour}, Age: time.Minute}, false, false},
		{"Batch", fake.Config{Value: 1, Latency: fake.Latency{Median: time.Millisecond}}, false, true},
		{"FlakyBatch", fake.Config{Value: 1, Errors: map[providers.Class]float64{providers.Transient: 0.3}, Seed: 3}, true, true},
	}
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			providertest.Run(t, func(t *testing.T) providertest.Subject {
				cfg := c.cfg
				cfg.ByRequest = byKeyword
				var p providers.Provider
				var err error
				if c.batch {
					p, err = fake.NewBatch(cfg)
				} else {
					p, err = fake.New(cfg)
				}
				require.NoError(t, err)
				return conformanceSubject(p, c.flaky)
			})
		})
	}
}

// A fake told to misbehave fails the suite, as it should: that is what it
// is for.
func TestMisbehavingFakesFailConformance(t *testing.T) {
	cases := []struct {
		name string
		do   fake.Outcome
		want string
	}{
		{"NaN", fake.Return(fake.NaN), "Success: Fetch(cpc{keyword=shoes market=us}) = NaN with a nil error"},
		{"OutOfBoundsIsNotDetectable", fake.Return(fake.OutOfBounds), ""},
		{"Panic", fake.Panic(), "Success: Fetch(cpc{keyword=shoes market=us}) panicked: fake: injected panic"},
		{"Hang", fake.Hang(), "Success: Fetch(cpc{keyword=shoes market=us}) failed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := mustNew(t, fake.Config{Value: 1, ByRequest: func(r providers.Request) fake.Outcome {
				if r.Params["keyword"] == "shoes" {
					return tc.do
				}
				return byKeyword(r)
			}})
			s := conformanceSubject(p, false)
			s.Goroutines, s.CallsPerGoroutine, s.Timeout = 2, 2, 50*time.Millisecond
			err := providertest.Check(s)
			if tc.want == "" {
				// The suite knows no bounds: a value a thousand times too
				// large is the resolver's validation to catch.
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tc.want)
		})
	}
}
