package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/router"
)

// The dashboard's settings: one sample a second, two minutes of history,
// a page that reloads itself every two seconds.
const (
	sampleEvery     = time.Second
	historySamples  = 120
	refreshSeconds  = 2
	serveTTL        = 3 * time.Second // answers go stale fast, so providers keep being asked
	generationPause = 500 * time.Millisecond
	phaseLength     = 20 * time.Second
)

// dashboard serves a resolver's snapshot live: as an HTML page with inline
// SVG charts at /, and as JSON at /snapshot.json. strata only provides the
// snapshot; the host owns the server, the sampling and the history.
//
// A goroutine of the host (sampleLoop) samples the snapshot every second
// into a ring of historySamples; the page draws the ring. A dashboard is
// safe for concurrent use.
type dashboard struct {
	snapshot func() fallback.Snapshot
	metrics  http.Handler // /metrics; nil: none
	started  time.Time

	mu          sync.Mutex
	ring        []sample // requires mu held; a ring of cap historySamples
	next        int      // requires mu held: where the next sample goes
	last        *generation
	lastErr     error
	generations int
	phase       string
}

func newDashboard(snapshot func() fallback.Snapshot, now time.Time) *dashboard {
	return &dashboard{snapshot: snapshot, started: now, ring: make([]sample, 0, historySamples)}
}

// record adds a sample, dropping the oldest when the ring is full.
func (d *dashboard) record(s sample) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.ring) < cap(d.ring) {
		d.ring = append(d.ring, s)
		return
	}
	d.ring[d.next] = s
	d.next = (d.next + 1) % len(d.ring)
}

// history returns the samples, oldest first.
func (d *dashboard) history() []sample {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append(slices.Clone(d.ring[d.next:]), d.ring[:d.next]...)
}

// sampleLoop samples the snapshot every interval until ctx is done.
func (d *dashboard) sampleLoop(ctx context.Context, every time.Duration) {
	d.record(sampleOf(d.snapshot()))
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			d.record(sampleOf(d.snapshot()))
		}
	}
}

// generated records a generation's outcome.
func (d *dashboard) generated(g *generation, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil {
		d.lastErr = err
		return
	}
	d.last, d.lastErr = g, nil
	d.generations++
}

func (d *dashboard) setPhase(p string) {
	d.mu.Lock()
	d.phase = p
	d.mu.Unlock()
}

// handler serves /, /snapshot.json and, when the dashboard has them,
// /metrics; everything else is 404.
func (d *dashboard) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", d.servePage)
	mux.HandleFunc("GET /snapshot.json", d.serveJSON)
	if d.metrics != nil {
		mux.Handle("GET /metrics", d.metrics)
	}
	return mux
}

func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	// The page needs nothing but itself: no scripts, no fetches.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
}

func (d *dashboard) serveJSON(w http.ResponseWriter, _ *http.Request) {
	b, err := d.snapshot().JSON()
	if err != nil {
		http.Error(w, "snapshot: "+err.Error(), http.StatusInternalServerError)
		return
	}
	securityHeaders(w)
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(b, '\n'))
}

type dashboardLast struct {
	Note      string
	Plan      planView
	CostChart chart
}

type dashboardView struct {
	Refresh       int
	Uptime        string
	Generations   int
	Phase         string
	Cards         []card
	Alerts        []string // the alerts firing, one line each
	LayerChart    chart
	MixChart      chart
	DataTypeChart chart
	StatusChart   chart
	LatencyChart  chart
	Providers     []providerView
	Last          *dashboardLast
}

func (d *dashboard) view() dashboardView {
	s := d.snapshot()
	hist := d.history()
	if len(hist) == 0 {
		hist = []sample{sampleOf(s)}
	}
	d.mu.Lock()
	last, lastErr, gens, phase := d.last, d.lastErr, d.generations, d.phase
	d.mu.Unlock()

	o := s.Overall
	var counts [len(fallback.Layers) + 1]int
	for l, n := range sampleOf(s).Layers {
		counts[l] = int(n)
	}
	v := dashboardView{
		Refresh:     refreshSeconds,
		Uptime:      s.At.Sub(d.started).Round(time.Second).String(),
		Generations: gens,
		Phase:       phase,
		Cards: []card{
			{thousands(o.Resolves), "resolves"},
			{pct(o.SuccessRate, 1), "answered"},
			{fmt.Sprintf("%.0fms", o.P95LatencyMs), "p95 resolve latency"},
			{money(o.Cost), "data cost so far"},
			{money(o.DailyProjection), "projected per day"},
			{fmt.Sprintf("$%.4f", o.CostPerSuccess), "cost per answer"},
		},
		LayerChart:    layerSharesChart("Answers by layer since start", fullWidth, counts),
		MixChart:      layerMixChart(hist),
		DataTypeChart: dataTypeLayersChart("Answers by data type and layer since start", s.DataTypes, dataTypeOrder(s.DataTypes)),
		StatusChart:   statusChart(hist),
		LatencyChart:  latencyChart(hist),
		Providers:     viewOfProviders(s.Providers),
		Alerts:        alertLines(s.Alerts),
	}
	if last != nil {
		note := fmt.Sprintf("%s in %s, month %s: %s of data for %d figures (%s), in %s.",
			last.Brief.Industry, strings.ToUpper(last.Brief.Market), last.Brief.Month, dollars3(last.DataCost),
			len(last.Figures.All), layerSummary(last.layerCounts()), last.Elapsed.Round(time.Millisecond))
		if lastErr != nil {
			note += " The latest attempt failed: " + lastErr.Error()
		}
		v.Last = &dashboardLast{Note: note, Plan: viewOfPlan(last.Plan), CostChart: costChart(last.DataCost, last.DataBudget)}
	}
	return v
}

// alertLines renders the alerts firing: "critical: health of ads_api
// 0.42 (threshold 0.5) since 12:00:05".
func alertLines(alerts []fallback.Alert) []string {
	out := make([]string, len(alerts))
	for i, a := range alerts {
		what := strings.ReplaceAll(a.Kind.String(), "_", " ")
		if a.Subject != "" {
			what += " of " + a.Subject
		}
		out[i] = fmt.Sprintf("%s: %s %.3g (threshold %.3g) since %s", a.Severity, what, a.Value, a.Threshold, a.Since.Format(time.TimeOnly))
	}
	return out
}

func (d *dashboard) servePage(w http.ResponseWriter, _ *http.Request) {
	var b strings.Builder
	if err := templates.ExecuteTemplate(&b, "dashboard", d.view()); err != nil {
		http.Error(w, "dashboard: "+err.Error(), http.StatusInternalServerError)
		return
	}
	securityHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, b.String())
}

// sample is one second of the dashboard's history.
type sample struct {
	// Layers are the answers by layer since the resolver started,
	// indexed by fallback.Layer.
	Layers [len(fallback.Layers) + 1]int64
	// Providers are in config order.
	Providers []providerSample
}

type providerSample struct {
	Name    string
	Status  router.Status
	Breaker string
	P95Ms   float64
}

func sampleOf(s fallback.Snapshot) sample {
	var out sample
	l := s.Layers
	n := float64(l.Answered)
	for i, share := range [...]float64{0, l.Primary, l.Secondary, l.Cache, l.Statistical, l.Default} {
		out.Layers[i] = int64(math.Round(share * n))
	}
	for _, p := range s.Providers {
		out.Providers = append(out.Providers, providerSample{Name: p.Name, Status: p.Status, Breaker: p.Breaker, P95Ms: p.P95Ms})
	}
	return out
}

// phase is a stretch of the dashboard's demo: faults injected on top of
// the flags', and optionally a squeezed data budget.
type phase struct {
	Name       string
	Faults     faults
	DataBudget float64 // zero: the flag's
}

// chaosPhases cycle with -chaos, phaseLength each.
var chaosPhases = []phase{
	{Name: "calm"},
	{Name: "ads_api down", Faults: faults{Down: []string{"ads_api"}}},
	{Name: "market_data slow ×20", Faults: faults{Slow: []string{"market_data"}, SlowFactor: 20}},
	{Name: "data budget squeezed to $0.02", DataBudget: 0.02},
	{Name: "every provider down", Faults: faults{Down: fakeNames}},
}

// merge returns the union of f and g's faults (g's slow factor wins when
// both slow something).
func (f faults) merge(g faults) faults {
	out := faults{SlowFactor: f.SlowFactor}
	for _, n := range append(slices.Clone(f.Down), g.Down...) {
		if !slices.Contains(out.Down, n) {
			out.Down = append(out.Down, n)
		}
	}
	for _, n := range append(slices.Clone(f.Slow), g.Slow...) {
		if !slices.Contains(out.Slow, n) {
			out.Slow = append(out.Slow, n)
		}
	}
	if len(g.Slow) > 0 {
		out.SlowFactor = g.SlowFactor
	}
	return out
}

// serveOptions configure the live dashboard.
type serveOptions struct {
	Addr   string
	Public bool
	Chaos  bool
	Brief  brief
	Gen    genOptions
	Faults faults
	// Metrics serves /metrics (the resolver must observe with its
	// observer); nil: none.
	Metrics *metrics
}

// checkLoopback refuses an address that is not on the loopback interface
// unless public is set.
func checkLoopback(addr string, public bool) error {
	host, port, err := net.SplitHostPort(addr)
	if _, perr := strconv.ParseUint(port, 10, 16); err != nil || perr != nil {
		return fmt.Errorf("-serve %q: want host:port, such as 127.0.0.1:8080 or localhost:8080", addr)
	}
	if public || host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-serve %q: not a loopback address; the dashboard shows your data to whoever reaches it — pass -serve-public to serve beyond this machine", addr)
}

// serve runs the dashboard on o.Addr until ctx is done, generating
// campaigns in a loop so the charts move.
func serve(ctx context.Context, stdout io.Writer, st *stack, o serveOptions) error {
	if err := checkLoopback(o.Addr, o.Public); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return err
	}
	d := newDashboard(st.r.Snapshot, time.Now())
	if o.Metrics != nil {
		if err := o.Metrics.attach(st.r); err != nil {
			return err
		}
		d.metrics = o.Metrics.handler()
	}
	hs := &http.Server{Handler: d.handler(), ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "dashboard on http://%s/ (JSON at /snapshot.json, Prometheus metrics at /metrics); Ctrl-C stops\n", ln.Addr())

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var g errgroup.Group
	g.Go(func() error { d.sampleLoop(ctx, sampleEvery); return nil })
	g.Go(func() error { generateLoop(ctx, st, d, o); return nil })
	g.Go(func() error {
		<-ctx.Done()
		sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer scancel()
		return hs.Shutdown(sctx)
	})
	err = hs.Serve(ln)
	cancel()
	if werr := g.Wait(); werr != nil && err == nil {
		err = werr
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// generateLoop generates o.Brief's campaign over and over until ctx is
// done, with the flags' faults and, with o.Chaos, the demo's phases.
func generateLoop(ctx context.Context, st *stack, d *dashboard, o serveOptions) {
	start := time.Now()
	current := -1
	for ctx.Err() == nil {
		ph := phase{}
		if o.Chaos {
			i := int(time.Since(start)/phaseLength) % len(chaosPhases)
			ph = chaosPhases[i]
			if i != current {
				current = i
				o.Faults.merge(ph.Faults).apply(st.fakes)
			}
		} else if current == -1 {
			current = 0
			o.Faults.apply(st.fakes)
		}
		f := o.Faults.merge(ph.Faults)
		gen := o.Gen
		desc := f.String()
		if ph.DataBudget > 0 {
			gen.DataBudget = ph.DataBudget
			desc = strings.TrimPrefix(desc+"; data budget "+money(ph.DataBudget), "; ")
		}
		d.setPhase(desc)
		g, err := generate(ctx, st.r, o.Brief, gen)
		if g != nil {
			g.Faults = desc
		}
		if ctx.Err() != nil {
			return
		}
		d.generated(g, err)
		t := time.NewTimer(generationPause)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
