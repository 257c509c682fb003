package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// redisAddr returns the Redis that .ci/redis.sh starts (STRATA_REDIS_ADDR,
// default 127.0.0.1:6399), or skips the test without one (fails it under
// CI).
func redisAddr(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("STRATA_REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6399"
	}
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no Redis at %s (CI is set, so this is a failure): %v", addr, err)
		}
		t.Skipf("no Redis at %s (start one with: bash .ci/redis.sh start): %v", addr, err)
	}
	c.Close()
	return addr
}

// The example end to end: -json prints exactly the object, with
// the figures the README states.
func TestRunJSON(t *testing.T) {
	addr := redisAddr(t)
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-redis", addr, "-json"}, &out))

	var shape map[string]map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &shape))
	keys := func(m map[string]any) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		return ks
	}
	require.Len(t, shape, 3)
	assert.ElementsMatch(t, []string{"resolves", "layers"}, keys(shape["restart"]))
	assert.ElementsMatch(t, []string{"primary", "secondary", "cache", "statistical", "default"}, keys(shape["restart"]["layers"].(map[string]any)))
	assert.ElementsMatch(t, []string{"instances", "failed_calls", "single_instance_failed_calls"}, keys(shape["fleet"]))
	assert.ElementsMatch(t, []string{"calls_per_resolve", "single_instance_calls_per_resolve"}, keys(shape["shared"]))

	var rep report
	require.NoError(t, json.Unmarshal(out.Bytes(), &rep))
	t.Logf("%s", out.Bytes())
	r := rep.Restart
	assert.Equal(t, restartKeys*outageRounds, r.Resolves)
	assert.GreaterOrEqual(t, float64(r.Layers.Cache+r.Layers.Statistical), 0.95*float64(r.Resolves),
		"after a restart during a total outage, ≥ 95%% of resolves from the cache or statistical layers")
	assert.Zero(t, r.Layers.Primary+r.Layers.Secondary, "the provider was down")
	assert.Equal(t, fleetSize, rep.Fleet.Instances)
	assert.Positive(t, rep.Fleet.SingleInstanceFailedCalls)
	assert.LessOrEqual(t, float64(rep.Fleet.FailedCalls), 1.5*float64(rep.Fleet.SingleInstanceFailedCalls),
		"five instances: failed provider calls ≤ 1.5 × one instance's")
	assert.Positive(t, rep.Shared.SingleInstanceCallsPerResolve)
	assert.LessOrEqual(t, rep.Shared.CallsPerResolve, 1.2*rep.Shared.SingleInstanceCallsPerResolve,
		"three instances sharing the tier: calls per resolve ≤ 1.2 × one instance's")
}

// The quota scene's story, word for word: the answer A paid for serves
// B, and the fleet's burst of 3 holds for both.
func TestQuotaScene(t *testing.T) {
	addr := redisAddr(t)
	var out bytes.Buffer
	prefix := "strata-example-test-" + time.Now().Format("150405.000000000")
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	defer deleteNamespace(context.Background(), rdb, prefix)
	require.NoError(t, quotaScene(context.Background(), &out, addr, prefix))
	const want = `quota: one paid provider allowing 0.1 calls per second in bursts of 3, for the fleet
  instance A: cpc 1.32 from ads (primary layer), cost $0.02, provider calls 1
  instance B: cpc 1.32 from ads (cache layer), cost $0.00, provider calls 0
  instance A: trail shoes  1.32 (primary layer)
  instance B: hiking boots 1.32 (primary layer)
  instance A: sandals      1.50 (default layer)
  instance B: sneakers     1.50 (default layer)
  instance A: slippers     1.50 (default layer)
  instance B: loafers      1.50 (default layer)
  provider calls: A 2, B 1; quota admitted 3, refused 4
`
	assert.Equal(t, want, out.String())
}

func TestRunWithoutRedis(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	err = run(context.Background(), []string{"-redis", addr}, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "redis at "+addr)
}

func TestRunBadFlag(t *testing.T) {
	assert.Error(t, run(context.Background(), []string{"-nope"}, &bytes.Buffer{}))
}

// -help prints the usage and every flag to stdout and succeeds, as the
// other examples' -help does; no Redis is needed for it.
func TestHelpPrintsTheFlags(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-help"}, &out))
	assert.Contains(t, out.String(), "-redis")
	assert.Contains(t, out.String(), "-json")
}
