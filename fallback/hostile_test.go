package fallback

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/breaker"
	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/defaults"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/stats"
)

// The hostile-world suite: faults a provider, a store or a host callback
// can throw at the resolver, each under every configuration, each checked
// for the promises strata exists for. docs/hostile.md holds the table.

const (
	hostileDeadline = 2 * time.Second
	hostileSecret   = "sk-Live/9f8e+7d6c"
	hostileEmail    = "alice.probe+42@example.org"
)

// hostileForms are the encodings a leak may take: as is, URL query- and
// path-escaped, JSON-escaped (Go's, PHP's \/, every character \u-escaped),
// HTML-escaped (html/template's numeric references), upper-cased, and cut
// short (the first 12 characters, as a truncated quote leaves them).
func hostileForms(v string) []string {
	js, _ := json.Marshal(v)
	var u strings.Builder
	for _, r := range v {
		fmt.Fprintf(&u, `\u%04x`, r)
	}
	return []string{v, url.QueryEscape(v), url.PathEscape(v), strings.Trim(string(js), `"`),
		strings.ReplaceAll(v, "/", `\/`), u.String(), template.HTMLEscapeString(v), strings.ToUpper(v), v[:12]}
}

type hostileConfig struct {
	name              string
	coalescing, hedge bool
}

var hostileConfigs = []hostileConfig{
	{"coalescing+hedging", true, true},
	{"coalescing", true, false},
	{"hedging", false, true},
	{"plain", false, false},
}

// hostileFault is one fault. primary replaces p1's behaviour (nil: p1
// answers 1.0 after 10ms); s1 always answers 1.1 after 10ms unless down.
type hostileFault struct {
	name      string
	primary   func(ctx context.Context, req providers.Request) (providers.Response, error)
	secondary bool // s1 is down too
	store     cache.Store
	creds     providers.Credentials
	history   stats.History
	observer  Observer
	market    defaults.Factor
	onChange  func(breaker.StateChange) // the host's breaker callback; p1's first failure trips its breaker
	want      Layer
}

func unavailable(context.Context, providers.Request) (providers.Response, error) {
	return providers.Response{}, providers.Errorf(providers.Unavailable, "down")
}

func hang(ctx context.Context, _ providers.Request) (providers.Response, error) {
	<-ctx.Done()
	return providers.Response{}, ctx.Err()
}

func ignore(context.Context, providers.Request) (providers.Response, error) {
	time.Sleep(30 * time.Second)
	return providers.Response{Value: 1}, nil
}

func answer(v float64) func(context.Context, providers.Request) (providers.Response, error) {
	return func(ctx context.Context, _ providers.Request) (providers.Response, error) {
		time.Sleep(10 * time.Millisecond)
		return providers.Response{Value: v}, nil
	}
}

// echo fails with an error quoting the request's sensitive value and
// credential in every encoding.
func echo(_ context.Context, req providers.Request) (providers.Response, error) {
	var parts []string
	for _, v := range []string{req.Params["email"], req.Credential.Reveal()} {
		parts = append(parts, hostileForms(v)...)
	}
	return providers.Response{}, providers.Errorf(providers.Transient, "upstream said: %s", strings.Join(parts, " | "))
}

var hostileFaults = []hostileFault{
	{name: "primary hangs, honouring its context", primary: hang, want: LayerSecondary},
	{name: "primary hangs, ignoring its context", primary: ignore, want: LayerSecondary},
	{name: "primary slow (3 s)", primary: func(ctx context.Context, _ providers.Request) (providers.Response, error) {
		select {
		case <-time.After(3 * time.Second):
			return providers.Response{Value: 1}, nil
		case <-ctx.Done():
			return providers.Response{}, ctx.Err()
		}
	}, want: LayerSecondary},
	{name: "primary panics", primary: func(context.Context, providers.Request) (providers.Response, error) {
		panic("boom " + hostileEmail)
	}, want: LayerSecondary},
	{name: "primary fails with a typed nil *providers.Error", primary: func(context.Context, providers.Request) (providers.Response, error) {
		var e *providers.Error
		return providers.Response{}, e
	}, want: LayerSecondary},
	{name: "primary answers NaN", primary: answer(math.NaN()), want: LayerSecondary},
	{name: "primary answers +Inf", primary: answer(math.Inf(1)), want: LayerSecondary},
	{name: "primary answers out of bounds", primary: answer(1e9), want: LayerSecondary},
	{name: "primary answers an observation before the year 1", primary: func(context.Context, providers.Request) (providers.Response, error) {
		return providers.Response{Value: 1, ObservedAt: time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)}, nil
	}, want: LayerSecondary},
	{name: "primary echoes secrets in every encoding", primary: echo, want: LayerSecondary},
	{name: "store hangs, ignoring its context", store: hangingStore{}, want: LayerPrimary},
	{name: "store serves garbage", store: garbageStore{}, want: LayerPrimary},
	{name: "store panics", store: panickingStore{}, want: LayerPrimary},
	{name: "credentials panic", creds: providers.CredentialsFunc(func(context.Context, string) (providers.Secret, error) {
		panic("no vault")
	}), want: LayerDefault},
	{name: "credentials hang", creds: providers.CredentialsFunc(func(context.Context, string) (providers.Secret, error) {
		time.Sleep(30 * time.Second)
		return providers.NewSecret(hostileSecret), nil
	}), want: LayerDefault},
	{name: "observer panics", observer: ObserverFunc(func(context.Context, Event) { panic("observer") }), want: LayerPrimary},
	{name: "history panics, providers down", primary: hang, secondary: true, history: panickingHistory{}, want: LayerDefault},
	{name: "history hangs, providers down", primary: hang, secondary: true, history: hangingHistory{}, want: LayerDefault},
	{name: "market factor panics, providers down", primary: hang, secondary: true, market: defaults.FactorFunc(func(context.Context, string, map[string]string) (float64, bool) {
		panic("market")
	}), want: LayerDefault},
	{name: "market factor hangs, providers down", primary: hang, secondary: true, market: defaults.FactorFunc(func(context.Context, string, map[string]string) (float64, bool) {
		time.Sleep(30 * time.Second)
		return 1.2, true
	}), want: LayerDefault},
	{name: "breaker callback panics", primary: unavailable, onChange: func(breaker.StateChange) { panic("on change") }, want: LayerSecondary},
	{name: "breaker callback hangs", primary: unavailable, onChange: func(breaker.StateChange) { time.Sleep(30 * time.Second) }, want: LayerSecondary},
}

func TestHostileWorld(t *testing.T) {
	for _, f := range hostileFaults {
		for _, hc := range hostileConfigs {
			t.Run(f.name+"/"+hc.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) { runHostile(t, f, hc) })
			})
		}
	}
}

func runHostile(t *testing.T, f hostileFault, hc hostileConfig) {
	cfg := securityConfig()
	cfg.Providers[1].Params = nil
	cfg.Resolve.DisableCoalescing = !hc.coalescing
	cfg.DataTypes[0].Hedge = HedgeConfig{Enabled: hc.hedge}
	p1, s1 := newStub(1), newStub(1.1)
	p1.set(answer(1))
	if f.primary != nil {
		p1.set(f.primary)
	}
	s1.set(answer(1.1))
	if f.secondary {
		s1.set(hang)
	}
	obs := &captured{}
	opts := []Option{WithHashKey([]byte("hostile")), WithObserver(obs)}
	if f.observer != nil {
		opts = append(opts, WithObserver(ObserverFunc(func(ctx context.Context, e Event) { obs.Observe(ctx, e); f.observer.Observe(ctx, e) })))
	}
	creds := f.creds
	if creds == nil {
		creds = providers.CredentialsFunc(func(context.Context, string) (providers.Secret, error) {
			return providers.NewSecret(hostileSecret), nil
		})
	}
	opts = append(opts, WithCredentials(creds))
	if f.store != nil {
		opts = append(opts, WithStore(f.store))
		cfg.Cache.Claim = 500 * time.Millisecond // the faulty stores are cache.Claimers
	}
	if f.history != nil {
		opts = append(opts, WithHistory(f.history))
	}
	if f.market != nil {
		opts = append(opts, WithMarketFactor(f.market))
	}
	if f.onChange != nil {
		cfg.Breaker = breaker.Config{ConsecutiveFailures: 1, OnStateChange: f.onChange}
	}
	r := newTestResolver(t, cfg, p1, s1, opts...)

	ctx, cancel := context.WithTimeout(context.Background(), hostileDeadline)
	defer cancel()
	start := time.Now()
	res, err := r.Resolve(ctx, "cpc", Params{"keyword": "shoes", "email": hostileEmail})
	took := time.Since(start)

	// Answered before the deadline, from the layer the fault leaves.
	require.NoError(t, err)
	assert.Less(t, took, hostileDeadline, "answered before the deadline")
	assert.Equal(t, f.want, res.Layer, "attempts: %+v", res.Attempts)
	if f.want == LayerSecondary {
		assert.Equal(t, 1.1, res.Value, "the healthy secondary answers")
	}
	assert.False(t, math.IsNaN(res.Value) || math.IsInf(res.Value, 0))

	// Nothing secret in any output or reachable error.
	var b strings.Builder
	fmt.Fprintf(&b, "%+v %v\n", res, err)
	for _, a := range res.Attempts {
		if a.Err != nil {
			for e := a.Err; e != nil; e = unwrapOne(e) {
				fmt.Fprintf(&b, "%v %+v %#v\n", e, e, e)
			}
		}
	}
	b.WriteString(dump(t, r, obs, nil, []Result{res}))
	out := b.String()
	for _, v := range append(hostileForms(hostileSecret), hostileForms(hostileEmail)...) {
		assert.NotContains(t, out, v)
	}

	// Close: nothing starts after it, nothing is left running.
	calls := p1.calls.Load() + s1.calls.Load()
	closeErr := r.Close()
	if closeErr != nil {
		assert.ErrorIs(t, closeErr, ErrClosed)
	}
	_, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "boots"})
	assert.ErrorIs(t, err, ErrClosed)
	time.Sleep(time.Minute) // let abandoned host code end, inside the bubble
	assert.Equal(t, calls, p1.calls.Load()+s1.calls.Load(), "no provider call after Close")
}

// unwrapOne steps once down an error chain, through joins too (their
// first branch).
func unwrapOne(err error) error {
	switch e := err.(type) {
	case interface{ Unwrap() error }:
		return e.Unwrap()
	case interface{ Unwrap() []error }:
		if errs := e.Unwrap(); len(errs) > 0 {
			return errs[0]
		}
	}
	return nil
}

// The faulty stores are cache.Claimers too, so that the suite's claims
// (cache.claim) meet each fault.
var _ = []cache.Claimer{hangingStore{}, garbageStore{}, panickingStore{}}

type hangingStore struct{}

func (hangingStore) Get(context.Context, string) (cache.Entry, bool, error) {
	time.Sleep(30 * time.Second)
	return cache.Entry{}, false, nil
}
func (hangingStore) Set(context.Context, string, cache.Entry, time.Duration) error {
	time.Sleep(30 * time.Second)
	return nil
}
func (hangingStore) Delete(context.Context, string) (bool, error) { return false, nil }
func (hangingStore) Claim(context.Context, string, time.Duration) (bool, error) {
	time.Sleep(30 * time.Second)
	return true, nil
}

// garbageStore serves, for every key, an entry no provider's answer could
// be.
type garbageStore struct{}

var garbageEntries = []cache.Entry{
	{Value: math.NaN(), Source: "x", Confidence: 0.9},
	{Value: math.Inf(1), Source: "x", Confidence: 0.9},
	{Value: 1e9, Source: "x", Confidence: 0.9},
	{Value: 1, Source: "x", Confidence: 5},
	{Value: 1, Source: "x", Confidence: math.NaN()},
	{Value: 1, Confidence: 0.9},
	{Value: 1, Source: "x", Confidence: 0.9, Layer: 9},
	{Value: 1, Source: "x", Confidence: 0.9, ObservedAt: time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)},
}

var garbageNext atomic.Int64

func (garbageStore) Get(context.Context, string) (cache.Entry, bool, error) {
	e := garbageEntries[int(garbageNext.Add(1))%len(garbageEntries)]
	now := time.Now()
	if e.ObservedAt.IsZero() {
		e.ObservedAt = now
	}
	e.StoredAt = now
	return e, true, nil
}
func (garbageStore) Set(context.Context, string, cache.Entry, time.Duration) error { return nil }
func (garbageStore) Delete(context.Context, string) (bool, error)                  { return false, nil }

// Claim says another instance holds every claim: the walk waits, reading
// nothing but garbage, then calls the providers.
func (garbageStore) Claim(context.Context, string, time.Duration) (bool, error) { return false, nil }

type panickingStore struct{}

func (panickingStore) Get(context.Context, string) (cache.Entry, bool, error) { panic("store") }
func (panickingStore) Set(context.Context, string, cache.Entry, time.Duration) error {
	panic("store")
}
func (panickingStore) Delete(context.Context, string) (bool, error) { panic("store") }
func (panickingStore) Claim(context.Context, string, time.Duration) (bool, error) {
	panic("store")
}

type panickingHistory struct{}

func (panickingHistory) Append(context.Context, string, stats.Observation) error { panic("history") }
func (panickingHistory) Observations(context.Context, string) ([]stats.Observation, error) {
	panic("history")
}

type hangingHistory struct{}

func (hangingHistory) Append(context.Context, string, stats.Observation) error {
	time.Sleep(30 * time.Second)
	return nil
}
func (hangingHistory) Observations(context.Context, string) ([]stats.Observation, error) {
	time.Sleep(30 * time.Second)
	return nil, nil
}

// Every garbage entry the shared tier can hand back is refused, reported
// and never served.
func TestSharedEntriesAreChecked(t *testing.T) {
	for i := range garbageEntries {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				garbageNext.Store(int64(i - 1))
				obs := &captured{}
				p1 := newStub(1)
				r := newTestResolver(t, testConfig(), p1, newStub(1.1), WithStore(garbageStore{}), WithObserver(obs))
				res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
				require.NoError(t, err)
				assert.Equal(t, LayerPrimary, res.Layer)
				assert.Equal(t, 1.0, res.Value)
				assert.EqualValues(t, 1, r.Snapshot().Overall.CallbackFailures)
				flushEvents(r)
				var refused []Event
				for _, e := range obs.events {
					if e.Kind == EventCallback {
						refused = append(refused, e)
					}
				}
				require.Len(t, refused, 1)
				assert.Equal(t, "store.Get", refused[0].Source)
				assert.ErrorContains(t, refused[0].Err, "shared entry refused")
			})
		})
	}
}

// Close in the middle of a walk: it cancels the calls in flight at once,
// the resolve reports ErrClosed, and nothing starts after it.
func TestCloseMidFlight(t *testing.T) {
	for _, hc := range hostileConfigs {
		t.Run(hc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				cfg.Resolve.DisableCoalescing = !hc.coalescing
				cfg.DataTypes[0].Hedge = HedgeConfig{Enabled: hc.hedge}
				p1, s1 := newStub(1), newStub(1.1)
				var cancelled atomic.Bool
				p1.set(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
					<-ctx.Done()
					cancelled.Store(true)
					return providers.Response{}, ctx.Err()
				})
				r := newTestResolver(t, cfg, p1, s1, WithHistory(noHistory{}))
				done := make(chan error, 1)
				go func() {
					_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
					done <- err
				}()
				time.Sleep(100 * time.Millisecond)
				closing := time.Now()
				require.NoError(t, r.Close(), "the provider honours its context: nothing is abandoned")
				assert.Zero(t, time.Since(closing), "Close cancels at once and waits for nothing that ignores it")
				assert.True(t, cancelled.Load(), "the call in flight was cancelled")
				assert.ErrorIs(t, <-done, ErrClosed)
				calls := p1.calls.Load() + s1.calls.Load()
				time.Sleep(10 * time.Second)
				assert.Equal(t, calls, p1.calls.Load()+s1.calls.Load(), "no retry, hedge or secondary after Close")
			})
		})
	}
}

// A herd of resolves of one key in a blackout shares one forecast fit.
func TestForecastHerdFitsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := blackoutWithHistory(t)
		const herd = 50
		layers := make(chan Layer, herd)
		for range herd {
			go func() {
				res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
				assert.NoError(t, err)
				layers <- res.Layer
			}()
		}
		for range herd {
			assert.Equal(t, LayerStatistical, <-layers)
		}
		assert.EqualValues(t, 1, r.Snapshot().Overall.ForecastFits, "one fit for the whole herd")
	})
}

// A fit that cannot finish in the time left is not started: the default
// answers at once.
func TestForecastNotStartedWithoutTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := blackoutWithHistory(t)
		learnFitTime(r, time.Minute) // fits are believed to take a minute
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, LayerDefault, res.Layer)
		assert.Zero(t, r.Snapshot().Overall.ForecastFits)
	})
}

// An observer that blocks holds no resolve; Close gives up on it within
// its bound and names it.
func TestBlockingObserver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		obs := ObserverFunc(func(context.Context, Event) { <-release })
		r := newTestResolver(t, testConfig(), newStub(1), newStub(1.1), WithObserver(obs))
		for i := range 5000 {
			start := time.Now()
			_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i%50)})
			require.NoError(t, err)
			require.Less(t, time.Since(start), hostileDeadline)
		}
		assert.Positive(t, r.Snapshot().Overall.EventsDropped, "a queue full of events waiting: the newest are dropped")
		err := r.Close()
		var ce *CloseError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, []string{"observer"}, ce.Abandoned)
		close(release)
		time.Sleep(time.Second)
	})
}

// blackoutWithHistory is a resolver whose providers are all down, with 60
// days of a gentle trend in the history of cpc?keyword=shoes.
func blackoutWithHistory(t *testing.T) *Resolver {
	t.Helper()
	return blackoutWithHistoryConfig(t, testConfig())
}

// The fit clock does not latch: each fit skipped for lack of time shrinks
// the estimate, so the statistical layer comes back once time allows.
func TestFitClockRecoversFromSkips(t *testing.T) {
	var c fitClock
	c.observe(28 * time.Millisecond) // learned under contention
	assert.Equal(t, 56*time.Millisecond, c.expect())
	skips := 0
	at := time.Now()
	for c.expect() > 10*time.Millisecond {
		at = at.Add(time.Second) // each skip an expected fit time after the last
		c.skippedAt(at, 1)
		skips++
	}
	assert.Equal(t, 17, skips, "a tenth off per skip: 56 ms × 0.9^17 < 10 ms")
}

// Fits across keys are bounded by forecast.max_fits: with no slot free,
// the statistical layer is skipped and the default answers in time.
func TestForecastFitsBoundedAcrossKeys(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := blackoutWithHistory(t)
		r.fitSlots <- struct{}{} // every slot (GOMAXPROCS of them) taken
		for len(r.fitSlots) < cap(r.fitSlots) {
			r.fitSlots <- struct{}{}
		}
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, LayerDefault, res.Layer)
		assert.Zero(t, r.Snapshot().Overall.ForecastFits)
		for len(r.fitSlots) > 0 {
			<-r.fitSlots
		}
		res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, LayerStatistical, res.Layer, "a free slot: the fit runs")
	})
}

// faultyMaintenance is a history and a store whose maintenance calls
// (Keys, Delete, Prune, DeleteMatching) panic or hang.
type faultyMaintenance struct {
	noHistory
	hang bool
}

func (f faultyMaintenance) fault(what string) {
	if f.hang {
		time.Sleep(10 * time.Minute)
		return
	}
	panic(what)
}
func (f faultyMaintenance) Keys(context.Context) ([]string, error) {
	f.fault("keys")
	return []string{"k"}, nil
}
func (f faultyMaintenance) Delete(context.Context, string) (bool, error) {
	f.fault("delete")
	return true, nil
}
func (f faultyMaintenance) Prune(context.Context, time.Time) (int, error) {
	f.fault("prune")
	return 1, nil
}
func (f faultyMaintenance) Get(context.Context, string) (cache.Entry, bool, error) {
	return cache.Entry{}, false, nil
}
func (f faultyMaintenance) Set(context.Context, string, cache.Entry, time.Duration) error {
	return nil
}
func (f faultyMaintenance) DeleteMatching(context.Context, func(string) bool) (int, error) {
	f.fault("delete matching")
	return 1, nil
}

// Forget and Prune call the host's history and store as every callback
// is called: a panic is an error matching ErrCallbackPanic, not a crash;
// a hang is abandoned when the caller's context ends; the resolver's own
// pruning reports either as an EventCallback.
func TestForgetAndPruneContainTheHostsFaults(t *testing.T) {
	for _, hang := range []bool{false, true} {
		t.Run(fmt.Sprint("hang=", hang), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				cfg.Retention = 24 * time.Hour
				cfg.RetentionInterval = time.Minute
				f := faultyMaintenance{hang: hang}
				obs := &recorder{}
				r := newTestResolver(t, cfg, newStub(1), newStub(2), WithHistory(f), WithStore(f), WithObserver(obs))
				ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
				defer cancel()
				start := time.Now()
				_, err := r.Forget(ctx, "keyword", "shoes")
				require.Error(t, err)
				if hang {
					assert.ErrorIs(t, err, context.DeadlineExceeded)
					assert.Equal(t, 200*time.Millisecond, time.Since(start), "abandoned at the caller's deadline")
				} else {
					assert.ErrorIs(t, err, ErrCallbackPanic)
					assert.ErrorContains(t, err, "history.Keys")
					assert.ErrorContains(t, err, "store.DeleteMatching")
				}
				ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
				defer cancel()
				_, err = r.Prune(ctx)
				if hang {
					assert.ErrorIs(t, err, context.DeadlineExceeded)
				} else {
					assert.ErrorIs(t, err, ErrCallbackPanic)
				}
				// The resolver's own pruning runs at a minute; a hung one is
				// given up a RetentionInterval later.
				time.Sleep(2*time.Minute + time.Second)
				flushEvents(r)
				evs, _ := obs.of(EventCallback)
				require.NotEmpty(t, evs)
				assert.Equal(t, "history.Prune", evs[len(evs)-1].Source)
				if hang {
					_ = r.Close()
					time.Sleep(10 * time.Minute) // let the hung calls end, inside the bubble
				}
			})
		})
	}
}

// hugeHistory is a host's series of n hourly observations of about 2,
// the last an hour before now, oldest first but for its first: 9, dated a
// minute ago (out of order).
func hugeHistory(n int) []stats.Observation {
	now := time.Now()
	obs := make([]stats.Observation, n)
	for i := range obs {
		obs[i] = stats.Observation{At: now.Add(-time.Duration(n-i) * time.Hour), Value: 2 + 0.01*math.Sin(float64(i))}
	}
	obs[0] = stats.Observation{At: now.Add(-time.Minute), Value: 9}
	return obs
}

// A resolve reads only the last WindowLimit observations of a host's
// history, its own (WithHistory) or the fleet's (WithSharedHistory): what
// it keeps, sorts and forecasts from is the series' newest WindowLimit,
// whatever the series' length. Sorting three times that — or millions —
// in the resolve's goroutine made it miss its deadline. The out-of-order
// first observation, beyond them, is not read: a History returns a series
// oldest first.
func TestAResolveReadsTheNewestWindowLimitObservationsOfAHostsHistory(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				time.Sleep(5 * 365 * 24 * time.Hour)
				key := shoesKey(t)
				obs := hugeHistory(3 * WindowLimit)
				tail := obs[len(obs)-WindowLimit:]
				var results []Result
				for _, series := range [][]stats.Observation{obs, tail} {
					opt := WithHistory(fixedHistory{key: key, obs: series})
					if shared {
						opt = WithSharedHistory(fixedHistory{key: key, obs: series})
					}
					p1, s1 := newStub(2), newStub(2)
					down(p1, s1)
					r := newTestResolver(t, testConfig(), p1, s1, opt)
					dt := r.types["cpc"]
					var read []stats.Observation
					if shared {
						read, _ = r.sharedObservations(context.Background(), dt, key, time.Now())
					} else {
						read, _, _ = r.readHistory(context.Background(), dt, key, true)
					}
					require.Equal(t, WindowLimit, len(read), "the newest WindowLimit read")
					assert.Equal(t, tail[0].At, read[0].At)
					assert.Equal(t, tail[len(tail)-1], read[len(read)-1], "not the out-of-order first")
					res, err := r.Resolve(context.Background(), "cpc", shoes)
					require.NoError(t, err)
					results = append(results, res)
				}
				assert.Equal(t, results[1].Layer, results[0].Layer)
				assert.Equal(t, results[1].Value, results[0].Value, "the answer of the series' newest WindowLimit")
				assert.Less(t, results[0].Value, 3.0, "9, beyond them, not read: %+v", results[0])
			})
		})
	}
}

// A MemoryHistory the host configured to hold more than WindowLimit
// observations a key is read as a host's History is: its newest
// WindowLimit.
func TestAResolveReadsTheNewestWindowLimitObservationsOfAMemoryHistory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		time.Sleep(5 * 365 * 24 * time.Hour)
		key := shoesKey(t)
		h, err := stats.NewMemoryHistory(stats.MemoryConfig{MaxPoints: 3 * WindowLimit})
		require.NoError(t, err)
		obs := hugeHistory(3 * WindowLimit)[1:]
		for _, o := range obs {
			require.NoError(t, h.Append(context.Background(), key, o))
		}
		r := newTestResolver(t, testConfig(), newStub(2), newStub(2), WithHistory(h))
		read, _, err := r.readHistory(context.Background(), r.types["cpc"], key, true)
		require.NoError(t, err)
		require.Equal(t, WindowLimit, len(read))
		assert.Equal(t, obs[len(obs)-WindowLimit:], read)
	})
}
