package main

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/strata-go/strata/fallback"
)

// answer is what a system returned for one resolve.
type answer struct {
	value float64
	layer string // primary, secondary, cache, statistical, default
	err   error
	// What strata's plausibility check did (the baseline has none):
	// flagged is Result.Implausible; rejected holds the values of the
	// attempts failed as implausible that the answer did not confirm;
	// confirmed counts those it did (a second provider agreed);
	flagged   bool
	rejected  []float64
	confirmed int
	// caught names the providers whose answers the resolve held back
	// because they were caught serving garbage (ImplausibleError.Caught).
	caught []string
}

// system is one of the two systems compared.
type system interface {
	resolve(ctx context.Context, k *simKey) answer
	close() error
}

// record is one resolve's outcome.
type record struct {
	index   int64         // the request index, by which the truth and the faults are scheduled
	latency time.Duration // virtual
	key     *simKey
	answer  answer
	late    bool
}

// workload returns each goroutine's sequence of keys: requests split as
// evenly as they go, each goroutine drawing from its own generator seeded
// by the scenario's seed and its number, so both systems get the same
// sequences.
func workload(sc *scenario, keys []*simKey) [][]*simKey {
	c := min(sc.Concurrency, sc.Requests)
	seqs := make([][]*simKey, c)
	for g := range c {
		n := sc.Requests / c
		if g < sc.Requests%c {
			n++
		}
		rng := rand.New(rand.NewPCG(sc.Seed, 0x3c6ef372fe94f82b+uint64(g)))
		var zipf *rand.Zipf
		if sc.Workload == "zipf" && len(keys) > 1 {
			zipf = rand.NewZipf(rng, 1.1, 1, uint64(len(keys)-1))
		}
		seq := make([]*simKey, n)
		for i := range seq {
			switch {
			case zipf != nil:
				seq[i] = keys[zipf.Uint64()]
			default:
				seq[i] = keys[rng.IntN(len(keys))]
			}
		}
		seqs[g] = seq
	}
	return seqs
}

// runResult is one system's raw outcome.
type runResult struct {
	records   []record
	campaigns []*campaign
	calls     int64
	spent     int64 // nano-units
	wall      time.Duration
	world     *world // the world the system ran against
}

// runSystem issues the workload through sys from sc.Concurrency
// goroutines, each resolve under the scenario's deadline, and closes sys.
// It warms the heap first (warmHeap), with lag, the probe of the host
// (nil: none), paused meanwhile.
// The request index of each resolve is taken from w's shared counter as it
// starts, so both systems see the same faults at the same index.
func runSystem(ctx context.Context, sc *scenario, w *world, sys system, seqs [][]*simKey, lag *lagProbe) (runResult, error) {
	deadline := sc.scale(sc.Deadline)
	think := sc.scale(sc.ThinkTime)
	recs := make([][]record, len(seqs))
	camps := make([][]*campaign, len(seqs))
	lag.pause()
	warmHeap()
	lag.resume()
	start := time.Now()
	var wg sync.WaitGroup
	for g, seq := range seqs {
		recs[g] = make([]record, 0, len(seq))
		wg.Go(func() {
			var camp *campaign
			for j, k := range seq {
				if ctx.Err() != nil {
					return
				}
				if c := sc.Campaign; c != nil && j%c.Size == 0 {
					camp = &campaign{budget: fallback.NewBudget(c.Budget)}
					camps[g] = append(camps[g], camp)
				}
				info := &reqInfo{index: w.issued.Add(1) - 1, key: k, campaign: camp}
				rctx, cancel := context.WithTimeout(withRequest(ctx, info), deadline)
				t0 := time.Now()
				a := sys.resolve(rctx, k)
				el := time.Since(t0)
				cancel()
				recs[g] = append(recs[g], record{index: info.index, latency: sc.virtual(el), key: k, answer: a, late: el > deadline})
				if think > 0 && j < len(seq)-1 {
					sleep(ctx, think)
				}
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	cerr := sys.close()

	out := runResult{calls: w.calls.Load(), spent: w.spent.Load(), wall: wall, world: w}
	for g := range recs {
		out.records = append(out.records, recs[g]...)
		out.campaigns = append(out.campaigns, camps[g]...)
	}
	return out, errors.Join(cerr, ctx.Err())
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// simulate runs sc through strata, then through the baseline, each with
// its own fresh world, and reports both.
func simulate(ctx context.Context, sc *scenario) (*report, error) {
	cfg, err := mergeResolver(deriveConfig(sc), &sc.Resolver)
	if err != nil {
		return nil, err
	}
	keys := compileKeys(sc)
	seqs := workload(sc, keys)
	start := time.Now()
	lag := startLagProbe()
	sres, err := runStrata(ctx, sc, cfg, keys, seqs, lag)
	if err != nil {
		lag.stop()
		return nil, err
	}
	bres, err := runBaseline(ctx, sc, keys, seqs, lag)
	lags := lag.stop()
	if err != nil {
		return nil, err
	}
	return &report{
		Scenario:    sc.Name,
		WallSeconds: time.Since(start).Seconds(),
		Systems: systemsReport{
			Strata:   summarize(sc, sres),
			Baseline: summarize(sc, bres),
		},
		Host: lags,
	}, nil
}

// runStrata runs the workload through a fresh strata Resolver configured
// with cfg, over a fresh world.
func runStrata(ctx context.Context, sc *scenario, cfg fallback.Config, keys []*simKey, seqs [][]*simKey, lag *lagProbe) (runResult, error) {
	w, err := newWorld(sc, keys)
	if err != nil {
		return runResult{}, err
	}
	st, err := newStrata(ctx, sc, w, cfg)
	if err != nil {
		return runResult{}, err
	}
	return runSystem(ctx, sc, w, st, seqs, lag)
}

// runBaseline runs the workload through a fresh baseline over a fresh
// world.
func runBaseline(ctx context.Context, sc *scenario, keys []*simKey, seqs [][]*simKey, lag *lagProbe) (runResult, error) {
	w, err := newWorld(sc, keys)
	if err != nil {
		return runResult{}, err
	}
	return runSystem(ctx, sc, w, newBaseline(sc, w), seqs, lag)
}

// lagProbe measures how late a 1.5 ms timer fires while a simulation
// runs: the host's timer granularity and scheduling noise, which the time
// scale magnifies into virtual latency (a 0.7 ms lag is 70 ms virtual at
// time scale 0.01, 7 ms at 0.1); and how long the process's threads
// waited for a CPU meanwhile (cpuWait).
type lagProbe struct {
	done chan struct{}
	out  chan hostReport

	mu       sync.Mutex
	paused   bool          // requires mu held: samples are dropped
	pausedAt time.Duration // requires mu held: cpuWait when paused
	excluded time.Duration // requires mu held: cpuWait while paused
}

// pause stops p sampling, and counting the CPU wait, until resume: the
// work between is the harness's, not the run's. Both are no-ops on nil.
func (p *lagProbe) pause() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paused = true
	p.pausedAt, _ = cpuWait()
}

func (p *lagProbe) resume() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if w, ok := cpuWait(); ok {
		p.excluded += max(w-p.pausedAt, 0)
	}
	p.paused = false
}

func (p *lagProbe) isPaused() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paused
}

// hostReport describes the host during the run, in real milliseconds:
// the timer lag, and the time the process's threads waited for a CPU
// (cpuWait; absent where the kernel does not report it).
type hostReport struct {
	TimerLagP50MS float64  `json:"timer_lag_p50_ms"`
	TimerLagP99MS float64  `json:"timer_lag_p99_ms"`
	TimerLagMaxMS float64  `json:"timer_lag_max_ms"`
	CPUWaitMS     *float64 `json:"cpu_wait_ms,omitempty"`
}

func startLagProbe() *lagProbe {
	p := &lagProbe{done: make(chan struct{}), out: make(chan hostReport, 1)}
	wait0, waitOK := cpuWait()
	go func() {
		var lags []float64
		const d = 1500 * time.Microsecond
		t := time.NewTimer(d)
		defer t.Stop()
		for {
			start := time.Now()
			t.Reset(d)
			select {
			case <-p.done:
				slices.Sort(lags)
				h := hostReport{TimerLagP50MS: percentile(lags, 0.5), TimerLagP99MS: percentile(lags, 0.99), TimerLagMaxMS: percentile(lags, 1)}
				if wait1, ok := cpuWait(); ok && waitOK {
					p.mu.Lock()
					excluded := p.excluded
					p.mu.Unlock()
					ms := float64(max(wait1-wait0-excluded, 0)) / float64(time.Millisecond)
					h.CPUWaitMS = &ms
				}
				p.out <- h
				return
			case <-t.C:
				if !p.isPaused() {
					lags = append(lags, float64(time.Since(start)-d)/float64(time.Millisecond))
				}
			}
		}
	}()
	return p
}

// stop ends the probe and returns what it measured.
func (p *lagProbe) stop() hostReport {
	close(p.done)
	return <-p.out
}
