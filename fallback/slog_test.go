package fallback

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
)

func TestSlogObserverLevelsGroupsAndRedacts(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p1, s1 := newStub(0), newStub(1.1)
	p1.fail(providers.Unavailable)
	cfg := securityConfig()
	cfg.Retry.MaxAttempts = 1
	r := newTestResolver(t, cfg, p1, s1, WithObserver(SlogObserver(logger, SlogConfig{})), WithHashKey([]byte("k")))
	params := Params{"keyword": "shoes", "email": "jane@example.org"}
	_, err := r.Resolve(context.Background(), "cpc", params)
	require.NoError(t, err)
	flushEvents(r)
	out := buf.String()
	assert.Contains(t, out, `level=WARN msg="strata attempt" attempt.data_type=cpc`)
	assert.Contains(t, out, "attempt.provider=p1 attempt.outcome=failed")
	assert.Contains(t, out, "attempt.class=unavailable")
	assert.Contains(t, out, `level=DEBUG msg="strata attempt"`)
	assert.Contains(t, out, "attempt.provider=s1 attempt.outcome=succeeded")
	assert.Contains(t, out, `level=INFO msg="strata resolve" resolve.data_type=cpc`)
	assert.Contains(t, out, "resolve.layer=secondary resolve.source=s1 resolve.value=1.1")
	assert.Contains(t, out, "resolve.params.email="+providers.Redacted)
	assert.Contains(t, out, "resolve.params.keyword=shoes")
	assert.NotContains(t, out, "jane@example.org")

	// A fresh cache hit is logged at Debug.
	buf.Reset()
	_, err = r.Resolve(context.Background(), "cpc", params)
	require.NoError(t, err)
	flushEvents(r)
	assert.Contains(t, buf.String(), `level=DEBUG msg="strata resolve"`)
	assert.Contains(t, buf.String(), "resolve.layer=cache")

	// Below the handler's level nothing is written.
	buf.Reset()
	quiet := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelError}))
	r2 := newTestResolver(t, testConfig(), p1, newStub(1), WithObserver(SlogObserver(quiet, SlogConfig{})))
	_, err = r2.Resolve(context.Background(), "cpc", shoes)
	require.NoError(t, err)
	flushEvents(r2)
	assert.Empty(t, buf.String())
}

// ctxHandler keeps the context each record was handled with.
type ctxHandler struct {
	mu   sync.Mutex
	ctxs []context.Context
}

func (h *ctxHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *ctxHandler) Handle(ctx context.Context, _ slog.Record) error {
	h.mu.Lock()
	h.ctxs = append(h.ctxs, ctx)
	h.mu.Unlock()
	return nil
}
func (h *ctxHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *ctxHandler) WithGroup(string) slog.Handler      { return h }

func TestSlogObserverPassesTheEventsContext(t *testing.T) {
	h := &ctxHandler{}
	r := newTestResolver(t, testConfig(), newStub(1), newStub(1), WithObserver(SlogObserver(slog.New(h), SlogConfig{})))
	ctx := context.WithValue(context.Background(), callerKey{}, "trace-7")
	_, err := r.Resolve(ctx, "cpc", shoes)
	require.NoError(t, err)
	flushEvents(r)
	h.mu.Lock()
	defer h.mu.Unlock()
	require.Len(t, h.ctxs, 2, "the attempt and the resolve")
	for _, c := range h.ctxs {
		assert.Equal(t, "trace-7", caller(c))
	}
}

func TestSlogObserverLimitsWarnLinesPerSubject(t *testing.T) {
	var buf bytes.Buffer
	obs := SlogObserver(slog.New(slog.NewTextHandler(&buf, nil)), SlogConfig{MaxLines: 2, Window: time.Minute})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fail := func(provider string, at time.Duration) {
		obs.Observe(context.Background(), Event{Kind: EventAttempt, Time: t0.Add(at), Provider: provider, Outcome: Failed, Class: providers.Unavailable})
	}
	for i := range 10 {
		fail("p1", time.Duration(i)*time.Second)
	}
	fail("s1", 0)
	assert.Equal(t, 2, bytes.Count(buf.Bytes(), []byte("attempt.provider=p1")), "two lines of p1 in the first minute")
	assert.Equal(t, 1, bytes.Count(buf.Bytes(), []byte("attempt.provider=s1")), "s1 has its own allowance")
	assert.NotContains(t, buf.String(), "suppressed")

	buf.Reset()
	fail("p1", 61*time.Second)
	assert.Contains(t, buf.String(), `level=WARN msg="strata attempt" attempt.suppressed=8 attempt.data_type=`)
	buf.Reset()
	fail("p1", 62*time.Second)
	assert.NotContains(t, buf.String(), "suppressed", "the count is reported once")
	assert.Contains(t, buf.String(), "attempt.provider=p1")

	// Forecast and default answers and failures are limited per data type;
	// cache answers are Debug, provider answers Info and never limited.
	buf.Reset()
	for i := range 5 {
		for _, l := range []Layer{LayerDefault, LayerPrimary} {
			obs.Observe(context.Background(), Event{Kind: EventResolve, Time: t0.Add(time.Duration(i) * time.Second), DataType: "cpc", Layer: l})
		}
	}
	assert.Equal(t, 2, bytes.Count(buf.Bytes(), []byte("resolve.layer=default")))
	assert.Equal(t, 5, bytes.Count(buf.Bytes(), []byte("resolve.layer=primary")))

	// A negative MaxLines writes every line.
	buf.Reset()
	all := SlogObserver(slog.New(slog.NewTextHandler(&buf, nil)), SlogConfig{MaxLines: -1})
	for range 10 {
		all.Observe(context.Background(), Event{Kind: EventAttempt, Time: t0, Provider: "p1", Outcome: Failed})
	}
	assert.Equal(t, 10, bytes.Count(buf.Bytes(), []byte("attempt.provider=p1")))
}

// countingHandler counts the lines written at Info and above, by subject
// (a provider or a data type) and by minute since start.
type countingHandler struct {
	start time.Time
	mu    sync.Mutex
	total int
	lines map[string]map[int]int // subject → minute → lines
}

func (h *countingHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	subject := "?"
	r.Attrs(func(a slog.Attr) bool {
		for _, g := range a.Value.Group() {
			switch g.Key {
			case "provider":
				subject = "provider " + g.Value.String()
			case "kind": // an alert's
				subject = "alert " + g.Value.String()
			case "subject":
				if g.Value.String() != "" {
					subject = "provider " + g.Value.String()
				}
			case "data_type":
				if subject == "?" {
					subject = "data type " + g.Value.String()
				}
			}
		}
		return true
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	h.total++
	m := int(r.Time.Sub(h.start) / time.Minute)
	if h.lines[subject] == nil {
		h.lines[subject] = map[int]int{}
	}
	h.lines[subject][m]++
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

// The figure: a ten-minute outage of every provider at 100
// resolves a second, over 200 keys of which 100 were answered before it
// (the others get the forecast or the default), writes at most a few lines a minute
// about each provider and each data type through SlogObserver's
// defaults at Info.
func TestSlogObserverOutageWritesAFewLinesAMinute(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &countingHandler{start: time.Now(), lines: map[string]map[int]int{}}
		p1, s1 := newStub(1), newStub(1)
		cfg := testConfig()
		cfg.Plausibility.AuditRate = -1 // no sampled second opinion: the lines are counted exactly
		r := newTestResolver(t, cfg, p1, s1, WithObserver(SlogObserver(slog.New(h), SlogConfig{})))
		const keys = 200
		for i := 0; i < keys; i += 2 { // half the keys were answered before the outage
			_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i)})
			require.NoError(t, err)
		}
		flushEvents(r)
		h.mu.Lock()
		h.total, h.lines = 0, map[string]map[int]int{}
		h.mu.Unlock()

		p1.fail(providers.Unavailable)
		s1.fail(providers.Unavailable)
		var wg sync.WaitGroup
		for i := range 10 * 60 * 100 {
			wg.Go(func() {
				_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i%keys)})
				assert.NoError(t, err)
			})
			time.Sleep(10 * time.Millisecond)
		}
		wg.Wait()
		flushEvents(r)

		h.mu.Lock()
		defer h.mu.Unlock()
		most := map[string]int{}
		for subject, byMinute := range h.lines {
			for _, n := range byMinute {
				most[subject] = max(most[subject], n)
			}
		}
		t.Logf("lines at Info and above in 10 minutes: %d; most in a minute by subject: %v", h.total, most)
		assert.Equal(t, []string{"alert fallback_share", "data type cpc", "provider p1", "provider s1"}, sortedKeys(most), "nothing else is written")
		assert.LessOrEqual(t, most["provider p1"], 6, "failed attempts (3), breaker transitions, health and breaker alerts")
		assert.LessOrEqual(t, most["provider s1"], 6)
		assert.Equal(t, 1, most["alert fallback_share"], "raised once")
		assert.LessOrEqual(t, most["data type cpc"], DefaultSlogMaxLines)
		assert.Positive(t, most["provider p1"])
		// The figure README.md and DefaultSlogMaxLines quote.
		assert.Equal(t, 61, h.total, "lines at Info and above in the ten minutes")
	})
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestSlogObserverLogsAlerts(t *testing.T) {
	var buf bytes.Buffer
	obs := SlogObserver(slog.New(slog.NewTextHandler(&buf, nil)), SlogConfig{})
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := Alert{Kind: AlertHealth, Subject: "p1", Severity: SeverityCritical, Firing: true, Value: 0.4, Threshold: 0.5, Since: since}
	obs.Observe(context.Background(), Event{Kind: EventAlert, Time: since, Alert: &a})
	a.Severity = SeverityWarning
	obs.Observe(context.Background(), Event{Kind: EventAlert, Time: since, Alert: &a})
	a.Firing = false
	obs.Observe(context.Background(), Event{Kind: EventAlert, Time: since, Alert: &a})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 3)
	assert.Contains(t, lines[0], `level=ERROR msg="strata alert" alert.kind=health alert.subject=p1 alert.severity=critical alert.value=0.4 alert.threshold=0.5`)
	assert.Contains(t, lines[1], `level=WARN msg="strata alert" alert.kind=health alert.subject=p1 alert.severity=warning`)
	assert.Contains(t, lines[2], `level=INFO msg="strata alert resolved" alert.kind=health`)
}

// A nil logger means slog.Default(), read when the observer is made: the
// lines go there, and no event is a contained callback failure.
func TestSlogObserverNilLoggerIsTheDefault(t *testing.T) {
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })
	p1 := newStub(0)
	p1.fail(providers.Unavailable)
	r := newTestResolver(t, testConfig(), p1, newStub(1.1), WithObserver(SlogObserver(nil, SlogConfig{})))
	var later bytes.Buffer
	slog.SetDefault(slog.New(slog.NewTextHandler(&later, nil)))
	_, err := r.Resolve(context.Background(), "cpc", shoes)
	require.NoError(t, err)
	flushEvents(r)
	assert.Empty(t, later.String(), "the default when the observer was made")
	assert.Contains(t, buf.String(), `level=WARN msg="strata attempt"`)
	assert.Contains(t, buf.String(), `level=INFO msg="strata resolve"`)
	assert.Zero(t, r.Snapshot().Overall.CallbackFailures)
}
