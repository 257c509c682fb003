package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The tests run against a real redis-server: the one .ci/redis.sh starts
// (STRATA_REDIS_ADDR, default 127.0.0.1:6399), or one a test starts for
// itself when it must pause or kill it. Without Redis they skip, except
// under CI (CI set), where they fail.

const defaultRedisAddr = "127.0.0.1:6399"

// unreachable skips the test, or fails it under CI.
func unreachable(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf(format+" (CI is set, so this is a failure; .ci/redis.sh start runs one)", args...)
	}
	t.Skipf(format+" (start one with: bash .ci/redis.sh start)", args...)
}

// redisAddr returns the address of the shared test server.
func redisAddr(t testing.TB) string {
	t.Helper()
	addr := os.Getenv("STRATA_REDIS_ADDR")
	if addr == "" {
		addr = defaultRedisAddr
	}
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		unreachable(t, "redisstore: no Redis at %s (STRATA_REDIS_ADDR): %v", addr, err)
	}
	return addr
}

// newClient returns a client of addr closed at the end of the test.
func newClient(t testing.TB, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { c.Close() })
	return c
}

// testPrefix returns a Prefix no other test run uses, and deletes its keys
// at the end of the test.
func testPrefix(t testing.TB, c *redis.Client) string {
	t.Helper()
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, t.Name())
	prefix := "strata-test:" + name + ":" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx := context.Background()
		for _, pattern := range []string{prefix + ":*", "rate:" + prefix + ":*"} {
			iter := c.Scan(ctx, 0, pattern, 512).Iterator()
			for iter.Next(ctx) {
				c.Del(ctx, iter.Val())
			}
		}
	})
	return prefix
}

// redisServer is a redis-server a test owns.
type redisServer struct {
	Addr string
	cmd  *exec.Cmd
	args []string // the command line
	log  string   // path of its log file
}

// startRedis starts a private redis-server on a free loopback port, to be
// paused or killed by the test without disturbing the others; it is
// killed at the end of the test.
func startRedis(t testing.TB) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		unreachable(t, "redisstore: no redis-server on PATH to start a private one")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	s := &redisServer{Addr: "127.0.0.1:" + strconv.Itoa(port), log: filepath.Join(dir, "redis.log")}
	s.args = []string{bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port),
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir, "--logfile", s.log}
	t.Cleanup(s.Kill)
	s.start(t)
	return s
}

// start runs the server and waits for it to answer.
func (s *redisServer) start(t testing.TB) {
	t.Helper()
	s.cmd = exec.Command(s.args[0], s.args[1:]...)
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer c.Close()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c.Ping(context.Background()).Err() == nil {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(s.log)
			t.Fatalf("private redis-server on %s did not answer; its log:\n%s", s.Addr, log)
		}
	}
}

// Restart starts a killed server again on the same address, empty.
func (s *redisServer) Restart(t testing.TB) {
	t.Helper()
	s.Kill()
	s.start(t)
}

// Kill kills the server and waits for it to exit; it is idempotent.
func (s *redisServer) Kill() {
	if s.cmd == nil || s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// deadAddr returns a loopback address where nothing listens.
func deadAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// stallProxy forwards loopback connections to a Redis until Stall is
// called; from then on it swallows what clients send, so Redis never
// answers them, like a server that hangs or a network that drops
// packets. Its connections close at the end of the test.
type stallProxy struct {
	Addr    string
	l       net.Listener
	stalled atomic.Bool
	delay   atomic.Int64 // nanoseconds each request waits before it is forwarded
	mu      sync.Mutex
	conns   []net.Conn // requires mu held
	wg      sync.WaitGroup
}

func newStallProxy(t testing.TB, upstream string) *stallProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{Addr: l.Addr().String(), l: l}
	p.wg.Go(func() {
		for {
			down, err := l.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", upstream)
			if err != nil {
				down.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, down, up)
			p.mu.Unlock()
			p.wg.Go(func() { p.pipe(up, down, true) })
			p.wg.Go(func() { p.pipe(down, up, false) })
		}
	})
	t.Cleanup(p.Close)
	return p
}

// pipe copies from src to dst; requests (from the client) are dropped
// once the proxy is stalled.
func (p *stallProxy) pipe(dst, src net.Conn, request bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if d := time.Duration(p.delay.Load()); n > 0 && request && d > 0 {
			time.Sleep(d)
		}
		if n > 0 && !(request && p.stalled.Load()) {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Stall makes Redis stop answering through the proxy; Unstall lets the
// requests sent from then on through again.
func (p *stallProxy) Stall()   { p.stalled.Store(true) }
func (p *stallProxy) Unstall() { p.stalled.Store(false) }

// Slow delays every request by d (0: none), like a congested network.
func (p *stallProxy) Slow(d time.Duration) { p.delay.Store(int64(d)) }

// Close closes every connection and waits for the proxy's goroutines.
func (p *stallProxy) Close() {
	p.l.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
