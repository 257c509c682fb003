package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/router"
)

func newTestStack(t *testing.T, ttl time.Duration) *stack {
	t.Helper()
	st, err := newStack(stackOptions{Seed: 7, TTL: ttl})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

func testGen() genOptions {
	return genOptions{DataBudget: 1, Deadline: 5 * time.Second, PerFigure: 2 * time.Second, Parallel: 8}
}

func get(t *testing.T, h http.Handler, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

// TestDashboardLive runs the dashboard's two goroutines — the sampler and
// the generation loop with the demo's phases — for 45 virtual seconds,
// then reads the page and the JSON through the handler.
func TestDashboardLive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newTestStack(t, serveTTL)
		d := newDashboard(st.r.Snapshot, time.Now())
		// Half a sample past 45s: at 45s itself the ticker and the
		// deadline would fire at the same instant, and the sampler's
		// select would take either.
		ctx, cancel := context.WithTimeout(t.Context(), 45*time.Second+sampleEvery/2)
		defer cancel()
		o := serveOptions{Brief: defaultBrief(), Gen: testGen(), Chaos: true}
		var wg sync.WaitGroup
		wg.Go(func() { d.sampleLoop(ctx, sampleEvery) })
		wg.Go(func() { generateLoop(ctx, st, d, o) })
		wg.Wait() // both stop when ctx is done

		hist := d.history()
		assert.Len(t, hist, 46, "a sample at start and one a second")
		d.mu.Lock()
		gens, phase := d.generations, d.phase
		d.mu.Unlock()
		assert.Greater(t, gens, 20, "campaigns generated in a loop")
		// Past 40s the third phase runs: market_data slowed down.
		assert.Equal(t, "market_data slow ×20", phase)
		// During the second phase the ads API was down: its status fell.
		var sawDown bool
		for _, s := range hist {
			for _, p := range s.Providers {
				if p.Name == "ads_api" && (p.Status != router.Healthy || p.Breaker != "closed") {
					sawDown = true
				}
			}
		}
		assert.True(t, sawDown, "ads_api's status over time shows its outage")
		last := hist[len(hist)-1].Layers
		assert.Positive(t, last[fallback.LayerPrimary])
		assert.Positive(t, last[fallback.LayerCache], "short TTLs: answers served from cache between refreshes")
		assert.Positive(t, last[fallback.LayerSecondary], "the ads API's outage sent figures to the secondary")

		h := d.handler()
		rec := get(t, h, http.MethodGet, "/")
		require.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
		assert.Contains(t, rec.Header().Get("Content-Security-Policy"), "default-src 'none'")
		page := parseHTML(t, rec.Body.Bytes())
		checkSelfContained(t, page)
		metas := page.all("meta", func(n *html.Node) bool { return attr(n, "http-equiv") == "refresh" })
		require.Len(t, metas, 1)
		assert.Equal(t, "2", attr(metas[0], "content"))
		status := page.svgNamed(t, "Provider status over time")
		assert.GreaterOrEqual(t, countIn(status, "rect"), 4*len(hist), "a cell per provider per second")
		latency := page.svgNamed(t, "Provider p95 latency over time (ms)")
		assert.Equal(t, 4, countIn(latency, "polyline"), "a line per provider")
		mix := page.svgNamed(t, "Answers by layer, per second")
		assert.Greater(t, countIn(mix, "rect"), 20)
		page.svgNamed(t, "Answers by layer since start")
		page.svgNamed(t, "Answers by data type and layer since start")
		page.svgNamed(t, "Cost of the data against its budget")
		assert.Len(t, page.all("table", hasClass("providers")), 1)
		assert.Len(t, page.all("table", hasClass("plan")), 1)
		assert.Contains(t, text(page.root), "Faults now: market_data slow ×20")
		assert.Len(t, page.all("a", func(n *html.Node) bool { return attr(n, "href") == "/snapshot.json" }), 1)

		rec = get(t, h, http.MethodGet, "/snapshot.json")
		require.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
		var snap fallback.Snapshot
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &snap))
		require.Len(t, snap.Providers, 4)
		assert.Equal(t, "ads_api", snap.Providers[0].Name)
		assert.Positive(t, snap.Overall.Resolves)
		assert.Positive(t, snap.Overall.Cost)
	})
}

func TestDashboardRoutes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newTestStack(t, 0)
		d := newDashboard(st.r.Snapshot, time.Now())
		h := d.handler()
		// Before any sample or generation the page still renders.
		rec := get(t, h, http.MethodGet, "/")
		require.Equal(t, http.StatusOK, rec.Code)
		assert.Contains(t, rec.Body.String(), "0 campaigns generated")
		assert.NotContains(t, rec.Body.String(), "Latest plan")
		assert.Equal(t, http.StatusOK, get(t, h, http.MethodHead, "/").Code)
		assert.Equal(t, http.StatusNotFound, get(t, h, http.MethodGet, "/nope").Code)
		assert.Equal(t, http.StatusMethodNotAllowed, get(t, h, http.MethodPost, "/").Code)
		assert.Equal(t, http.StatusMethodNotAllowed, get(t, h, http.MethodDelete, "/snapshot.json").Code)

		// A generation shows as the latest plan.
		g, err := generate(t.Context(), st.r, defaultBrief(), testGen())
		require.NoError(t, err)
		d.generated(g, nil)
		rec = get(t, h, http.MethodGet, "/")
		assert.Contains(t, rec.Body.String(), "Latest plan")
		assert.Contains(t, rec.Body.String(), "$10,000.00")
	})
}

func TestDashboardRing(t *testing.T) {
	d := newDashboard(func() fallback.Snapshot { return fallback.Snapshot{} }, time.Time{})
	for i := range historySamples + 10 {
		d.record(sample{Layers: [6]int64{0, int64(i)}})
	}
	hist := d.history()
	require.Len(t, hist, historySamples)
	assert.Equal(t, int64(10), hist[0].Layers[1], "the oldest kept")
	assert.Equal(t, int64(historySamples+9), hist[len(hist)-1].Layers[1], "the newest last")
}

func TestCheckLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:8080": true, "127.0.0.2:0": true, "[::1]:8080": true, "localhost:8080": true,
		"0.0.0.0:8080": false, ":8080": false, "192.168.1.4:80": false, "example.com:80": false, "[::]:80": false,
	} {
		err := checkLoopback(addr, false)
		assert.Equal(t, ok, err == nil, "%s: %v", addr, err)
		assert.NoError(t, checkLoopback(addr, true), "-serve-public allows %s", addr)
	}
	assert.Error(t, checkLoopback("no-port", true))
}

func TestFaultsMerge(t *testing.T) {
	a := faults{Down: []string{"ads_api"}, Slow: []string{"analytics"}, SlowFactor: 5}
	b := faults{Down: []string{"ads_api", "benchmarks"}, Slow: []string{"market_data"}, SlowFactor: 20}
	m := a.merge(b)
	assert.Equal(t, []string{"ads_api", "benchmarks"}, m.Down)
	assert.Equal(t, []string{"analytics", "market_data"}, m.Slow)
	assert.Equal(t, 20.0, m.SlowFactor)
	assert.Equal(t, "ads_api, benchmarks down; analytics, market_data slow ×20", m.String())
	assert.Equal(t, a, a.merge(faults{}))
	assert.Empty(t, faults{}.String())
	assert.True(t, strings.HasPrefix(chaosPhases[0].Name, "calm"))
}

func TestDashboardShowsTheAlertsFiring(t *testing.T) {
	since := time.Date(2026, 3, 1, 12, 0, 5, 0, time.UTC)
	snap := fallback.Snapshot{At: since, Alerts: []fallback.Alert{
		{Kind: fallback.AlertHealth, Subject: "ads_api", Severity: fallback.SeverityCritical, Firing: true, Value: 0.42, Threshold: 0.5, Since: since},
		{Kind: fallback.AlertFallbackShare, Severity: fallback.SeverityWarning, Firing: true, Value: 0.3, Threshold: 0.25, Since: since},
	}}
	d := newDashboard(func() fallback.Snapshot { return snap }, since)
	page := parseHTML(t, get(t, d.handler(), http.MethodGet, "/").Body.Bytes())
	lists := page.all("ul", hasClass("alerts"))
	require.Len(t, lists, 1)
	assert.Equal(t, "critical: health of ads_api 0.42 (threshold 0.5) since 12:00:05warning: fallback share 0.3 (threshold 0.25) since 12:00:05", text(lists[0]))

	snap.Alerts = nil
	rec := get(t, d.handler(), http.MethodGet, "/")
	assert.Contains(t, rec.Body.String(), "None firing.")
}

// TestDashboardServesMetrics: with -serve, /metrics exposes strata's
// Prometheus metrics — the event-driven ones (a generation's resolves by
// layer) and the snapshot's (provider health) — and nothing without it.
func TestDashboardServesMetrics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMetrics()
		st, err := newStack(stackOptions{Seed: 7, Observer: m.observer()})
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		require.NoError(t, m.attach(st.r))
		d := newDashboard(st.r.Snapshot, time.Now())
		d.metrics = m.handler()
		_, err = generate(t.Context(), st.r, defaultBrief(), testGen())
		require.NoError(t, err)
		require.NoError(t, st.r.Close()) // hands the observer every event

		rec := get(t, d.handler(), http.MethodGet, "/metrics")
		require.Equal(t, http.StatusOK, rec.Code)
		body := rec.Body.String()
		assert.Regexp(t, `(?m)^strata_resolves_total\{[^}]*layer="primary"[^}]*\} [1-9]`, body)
		assert.True(t, strings.Contains(body, `strata_provider_health{provider="ads_api",tier="primary"}`), "the snapshot's health gauge")

		plain := newDashboard(st.r.Snapshot, time.Now())
		assert.Equal(t, http.StatusNotFound, get(t, plain.handler(), http.MethodGet, "/metrics").Code)
	})
}
