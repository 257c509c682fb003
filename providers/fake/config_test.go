package fake_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fake"
)

func TestNewRejectsInvalidConfig(t *testing.T) {
	cases := []struct {
		name string
		cfg  fake.Config
		want string // the field and reason in the error
	}{
		{"NaN value", fake.Config{Value: math.NaN()}, "Value: must be finite"},
		{"infinite value", fake.Config{Value: math.Inf(1)}, "Value: must be finite"},
		{"negative age", fake.Config{Age: -time.Second}, "Age: must not be negative"},
		{"negative median", fake.Config{Latency: fake.Latency{Median: -1}}, "Latency.Median: must not be negative"},
		{"negative p99", fake.Config{Latency: fake.Latency{P99: -1}}, "Latency.P99: must not be negative"},
		{"negative max", fake.Config{Latency: fake.Latency{Max: -1}}, "Latency.Max: must not be negative"},
		{"p99 without median", fake.Config{Latency: fake.Latency{P99: time.Second}}, "Latency.Median: must be positive"},
		{"p99 below median", fake.Config{Latency: fake.Latency{Median: time.Second, P99: time.Millisecond}}, "Latency.P99: 1ms is below Latency.Median 1s"},
		{"max below median", fake.Config{Latency: fake.Latency{Median: time.Second, Max: time.Millisecond}}, "Latency.Max: 1ms is below Latency.Median 1s"},
		{"rate over 1", fake.Config{Errors: map[providers.Class]float64{providers.Auth: 1.5}}, "Errors[auth]: must be a probability"},
		{"negative rate", fake.Config{Garbage: map[fake.Garbage]float64{fake.NaN: -0.1}}, "Garbage[nan]: must be a probability"},
		{"NaN rate", fake.Config{PanicRate: math.NaN()}, "PanicRate: must be a probability"},
		{"hang rate", fake.Config{HangRate: 2}, "HangRate: must be a probability"},
		{"unknown class", fake.Config{Errors: map[providers.Class]float64{providers.Class(42): 0.1}}, "Errors[42]: unknown class"},
		{"unknown garbage", fake.Config{Garbage: map[fake.Garbage]float64{0: 0.1}}, "Garbage[0]: unknown garbage kind"},
		{"rates over 1", fake.Config{
			Errors:  map[providers.Class]float64{providers.Transient: 0.6},
			Garbage: map[fake.Garbage]float64{fake.NaN: 0.3}, PanicRate: 0.2,
		}, "sum to 1.1"},
		{"negative retry after", fake.Config{RetryAfter: -1}, "RetryAfter: must not be negative"},
		{"negative times", fake.Config{Script: []fake.Step{{}, {Times: -2}}}, "Script[1].Times: must not be negative"},
		{"repeat without script", fake.Config{RepeatScript: true}, "RepeatScript: set without a Script"},
		{"outage without window", fake.Config{Outages: []fake.Outage{{}}}, "Outages[0]: no window"},
		{"outage negative from", fake.Config{Outages: []fake.Outage{{FromCall: -1}}}, "Outages[0].FromCall: must not be negative"},
		{"outage empty call window", fake.Config{Outages: []fake.Outage{{FromCall: 5, ToCall: 5}}}, "Outages[0].ToCall: 5 must be above FromCall 5"},
		{"outage end before start", fake.Config{Outages: []fake.Outage{{Start: time.Minute, End: time.Second}}}, "Outages[0].End: 1s must be after Start 1m0s"},
		{"outage negative start", fake.Config{Outages: []fake.Outage{{Start: -time.Second}}}, "Outages[0].Start: must not be negative"},
		{"negative quota", fake.Config{Quota: fake.Quota{Limit: -1}}, "Quota.Limit: must not be negative"},
		{"negative quota window", fake.Config{Quota: fake.Quota{Limit: 1, Window: -1}}, "Quota.Window: must not be negative"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := fake.New(tc.cfg)
			require.Nil(t, p)
			require.Error(t, err)
			assert.ErrorIs(t, err, fake.ErrInvalidConfig)
			assert.Regexp(t, "^fake: invalid config: ", err.Error())
			assert.ErrorContains(t, err, tc.want)
			_, err = fake.NewBatch(tc.cfg)
			assert.ErrorIs(t, err, fake.ErrInvalidConfig, "NewBatch")
		})
	}
}

func TestZeroConfigAnswersZeroAtOnce(t *testing.T) {
	p, err := fake.New(fake.Config{})
	require.NoError(t, err)
	assert.Equal(t, "fake", p.Name(), "the default name")
	for range 100 {
		resp, err := p.Fetch(context.Background(), providers.Request{DataType: "cpc"})
		require.NoError(t, err)
		require.Equal(t, providers.Response{}, resp)
	}
	s := p.Stats()
	assert.EqualValues(t, 100, s.Calls)
	assert.EqualValues(t, 100, s.Successes)
	assert.Zero(t, s.Failed())
	assert.Zero(t, s.InFlight)
	assert.EqualValues(t, 1, s.MaxInFlight)
}

func TestNewDoesNotAliasTheConfig(t *testing.T) {
	cfg := fake.Config{
		Errors:  map[providers.Class]float64{providers.Auth: 0},
		Script:  []fake.Step{{Times: 1, Do: fake.Fail(providers.Permanent)}},
		Outages: []fake.Outage{{FromCall: 5, ToCall: 6}},
	}
	p, err := fake.New(cfg)
	require.NoError(t, err)
	// Changing the caller's config afterwards must not reach the fake.
	cfg.Errors[providers.Auth] = 1
	cfg.Script[0].Do = fake.Succeed()
	cfg.Outages[0].FromCall = 0
	assert.Equal(t, 1, cfg.Script[0].Times, "New wrote into the caller's config")
	assert.Equal(t, fake.Outcome{}, cfg.Outages[0].Do, "New wrote into the caller's config")
	_, err = p.Fetch(context.Background(), providers.Request{})
	assert.Equal(t, providers.Permanent, providers.Classify(err), "first call: the scripted Permanent failure")
	_, err = p.Fetch(context.Background(), providers.Request{})
	assert.NoError(t, err, "second call: the caller's later edits must not apply")
}
