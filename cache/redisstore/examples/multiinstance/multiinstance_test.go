package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"testing"
	"time"
)

// The example end to end, on the Redis that .ci/redis.sh starts
// (STRATA_REDIS_ADDR, default 127.0.0.1:6399).
func TestRun(t *testing.T) {
	addr := os.Getenv("STRATA_REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6399"
	}
	if c, err := net.DialTimeout("tcp", addr, 2*time.Second); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no Redis at %s (CI is set, so this is a failure): %v", addr, err)
		}
		t.Skipf("no Redis at %s (start one with: bash .ci/redis.sh start): %v", addr, err)
	} else {
		c.Close()
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-redis", addr}, &out); err != nil {
		t.Fatal(err)
	}
	const want = `shared tier:
  instance A: cpc 1.32 from ads (primary layer), cost $0.02, provider calls 1
  instance B: cpc 1.32 from ads (cache layer), cost $0.00, provider calls 0
  store A wrote 1 entry; store B read 1 hit
shared quota (burst 3 for the fleet):
  instance A: trail shoes  1.32 (primary layer)
  instance B: hiking boots 1.32 (primary layer)
  instance A: sandals      1.50 (default layer)
  instance B: sneakers     1.50 (default layer)
  instance A: slippers     1.50 (default layer)
  instance B: loafers      1.50 (default layer)
  provider calls: A 2, B 1; quota admitted 3, refused 4
`
	if got := out.String(); got != want {
		t.Fatalf("output:\n%s\nwant:\n%s", got, want)
	}
}

func TestRunWithoutRedis(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	if err := run(context.Background(), []string{"-redis", addr}, &bytes.Buffer{}); err == nil {
		t.Fatal("run succeeded without Redis")
	}
}

func TestRunBadFlag(t *testing.T) {
	if err := run(context.Background(), []string{"-nope"}, &bytes.Buffer{}); err == nil {
		t.Fatal("run accepted an unknown flag")
	}
}
