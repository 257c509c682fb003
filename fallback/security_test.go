package fallback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/stats"
)

const (
	leakySecret = "sk-LIVE-9f8e7d6c5b4a"
	leakyEmail  = "jane.doe@example.org"
)

// securityConfig adds a sensitive email param and a provider that may
// receive only the keyword.
func securityConfig() Config {
	cfg := testConfig()
	cfg.DataTypes[0].Params = append(cfg.DataTypes[0].Params, ParamConfig{Name: "email", Sensitive: true})
	cfg.Providers[1].Params = []string{"keyword"}
	return cfg
}

// echoing is a provider that echoes everything it got — its credential
// and params — in its errors and panics, as careless providers do.
type echoing struct {
	mu   sync.Mutex
	seen []providers.Request
	mode string
}

func (e *echoing) Fetch(_ context.Context, req providers.Request) (providers.Response, error) {
	e.mu.Lock()
	e.seen = append(e.seen, req)
	mode := e.mode
	e.mu.Unlock()
	dump := fmt.Sprintf("key=%s params=%v", req.Credential.Reveal(), req.Params)
	switch mode {
	case "panic":
		panic(dump)
	case "ok":
		return providers.Response{Value: 1.5}, nil
	default:
		return providers.Response{}, providers.Errorf(providers.Auth, "rejected: %s", dump)
	}
}

type captured struct {
	mu     sync.Mutex
	events []Event
}

func (c *captured) Observe(_ context.Context, e Event) {
	c.mu.Lock()
	c.events = append(c.events, e)
	c.mu.Unlock()
}

// dump renders everything strata reported or stored that a leak could
// hide in.
func dump(t *testing.T, r *Resolver, obs *captured, errs []error, results []Result) string {
	flushEvents(r)
	var b strings.Builder
	obs.mu.Lock()
	for _, e := range obs.events {
		fmt.Fprintf(&b, "%+v %#v %v\n", e, e.Params, e.Err)
		if e.Err != nil {
			fmt.Fprintf(&b, "%s\n", e.Err.Error())
		}
	}
	obs.mu.Unlock()
	for _, err := range errs {
		fmt.Fprintf(&b, "%v %+v\n", err, err)
	}
	for _, res := range results {
		j, err := json.Marshal(res)
		require.NoError(t, err)
		b.Write(j)
		for _, a := range res.Attempts {
			if a.Err != nil {
				b.WriteString(a.Err.Error())
			}
		}
	}
	snap, err := json.Marshal(r.Snapshot())
	require.NoError(t, err)
	b.Write(snap)
	b.WriteString(r.Snapshot().String())
	dumpState(r, &b)
	return b.String()
}

func TestNoSecretOrSensitiveValueLeaks(t *testing.T) {
	obs := &captured{}
	creds := providers.CredentialsFunc(func(context.Context, string) (providers.Secret, error) {
		return providers.NewSecret(leakySecret), nil
	})
	p1, s1 := &echoing{}, &echoing{mode: "panic"}
	r := newTestResolver(t, securityConfig(), p1, s1, WithCredentials(creds), WithObserver(obs), WithHashKey([]byte("host-key")))
	params := Params{"keyword": "shoes", "email": leakyEmail}
	var errs []error
	var results []Result
	for _, mode := range []string{"", "ok"} {
		p1.mu.Lock()
		p1.mode = mode
		p1.mu.Unlock()
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "k" + mode, "email": leakyEmail})
		results = append(results, res)
		if err != nil {
			errs = append(errs, err)
		}
	}
	// Invalid input naming the sensitive param must not echo its value.
	_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "a", "email": leakyEmail + "\n"})
	require.Error(t, err)
	errs = append(errs, err)
	res, err := r.Resolve(context.Background(), "cpc", params)
	results = append(results, res)
	if err != nil {
		errs = append(errs, err)
	}

	all := dump(t, r, obs, errs, results)
	assert.NotContains(t, all, leakySecret, "the credential leaked")
	assert.NotContains(t, all, leakyEmail, "the sensitive param leaked")
	assert.Contains(t, all, providers.Redacted, "the redaction marker shows where they were")
	assert.Contains(t, all, "shoes", "non-sensitive params are reported as they are")

	// The provider itself got the credential, and the sensitive param.
	p1.mu.Lock()
	require.NotEmpty(t, p1.seen)
	assert.Equal(t, leakySecret, p1.seen[0].Credential.Reveal())
	assert.Equal(t, leakyEmail, p1.seen[0].Params["email"])
	p1.mu.Unlock()
}

func TestDataMinimisation(t *testing.T) {
	p1, s1 := &echoing{mode: "ok"}, &echoing{mode: "ok"}
	cfg := securityConfig()
	cfg.Providers[0].Confidence = 0.1 // the router prefers s1 on quality
	r := newTestResolver(t, cfg, p1, s1, WithHashKey([]byte("k")))
	// p1 fails permanently so s1 is asked too.
	p1.mode = ""
	_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes", "market": "us", "email": leakyEmail})
	require.NoError(t, err)
	s1.mu.Lock()
	defer s1.mu.Unlock()
	require.Len(t, s1.seen, 1)
	assert.Equal(t, map[string]string{"keyword": "shoes"}, s1.seen[0].Params, "s1 may receive only the keyword")
	p1.mu.Lock()
	defer p1.mu.Unlock()
	assert.Len(t, p1.seen[0].Params, 3, "p1 lists no params: it gets them all")
}

func TestSensitiveParamNeedsHashKey(t *testing.T) {
	_, err := New(securityConfig(), WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "data_types[0].params[3].sensitive", ce.Field)
}

func TestCacheKeyHashesSensitiveValues(t *testing.T) {
	r := newTestResolver(t, securityConfig(), newStub(1), newStub(1), WithHashKey([]byte("k1")))
	key, err := r.Key("cpc", Params{"keyword": "a", "email": leakyEmail})
	require.NoError(t, err)
	assert.NotContains(t, key, leakyEmail)
	assert.Regexp(t, `^cpc\?email=h:[0-9a-f]{32}&keyword=a$`, key)
	r2 := newTestResolver(t, securityConfig(), newStub(1), newStub(1), WithHashKey([]byte("k2")))
	key2, err := r2.Key("cpc", Params{"keyword": "a", "email": leakyEmail})
	require.NoError(t, err)
	assert.NotEqual(t, key, key2, "the hash is keyed")
}

func TestForgetRemovesEveryEntryOfAPerson(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, err := stats.NewMemoryHistory(stats.MemoryConfig{})
		require.NoError(t, err)
		r := newTestResolver(t, securityConfig(), newStub(1), newStub(1), WithHashKey([]byte("k")), WithHistory(h))
		for _, p := range []Params{
			{"keyword": "a", "email": leakyEmail},
			{"keyword": "b", "email": leakyEmail},
			{"keyword": "a", "email": "someone@else.org"},
			{"keyword": "c"},
		} {
			_, err := r.Resolve(context.Background(), "cpc", p)
			require.NoError(t, err)
		}
		rep, err := r.Forget(context.Background(), "email", leakyEmail)
		require.NoError(t, err)
		assert.Equal(t, ForgetReport{Cache: 2, History: 2}, rep)
		assert.Equal(t, 2, cachedKeys(r))
		keys, _ := h.Keys(context.Background())
		assert.Len(t, keys, 2)
		// A forgotten key must be asked for anew.
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "a", "email": leakyEmail})
		require.NoError(t, err)
		assert.Equal(t, LayerPrimary, res.Layer)

		// By a plain param too.
		rep, err = r.Forget(context.Background(), "keyword", "c")
		require.NoError(t, err)
		assert.Equal(t, 1, rep.Cache)
		_, err = r.Forget(context.Background(), "", "x")
		assert.Error(t, err)

		// An empty value matches nothing — not every key without the
		// param (a host forgetting a user with no email wiped
		// everything): it is refused, naming the param.
		before := cachedKeys(r)
		rep, err = r.Forget(context.Background(), "email", "")
		var pe *ParamError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, ParamEmpty, pe.Problem)
		assert.Equal(t, "email", pe.Param)
		assert.EqualError(t, err, `fallback: invalid params: param "email": empty (Forget matches no key by an empty value)`)
		assert.Zero(t, rep.Total())
		assert.Equal(t, before, cachedKeys(r))
		// A param no key holds removes nothing.
		rep, err = r.Forget(context.Background(), "no_such_param", "x")
		require.NoError(t, err)
		assert.Zero(t, rep.Total())
		assert.Equal(t, before, cachedKeys(r))
	})
}

func TestRetentionDeletesOldData(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, err := stats.NewMemoryHistory(stats.MemoryConfig{})
		require.NoError(t, err)
		cfg := testConfig()
		cfg.Retention = 24 * time.Hour
		cfg.RetentionInterval = time.Hour
		r := newTestResolver(t, cfg, newStub(1), newStub(1), WithHistory(h))
		_, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "old"})
		require.NoError(t, err)
		time.Sleep(20 * time.Hour)
		_, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "new"})
		require.NoError(t, err)
		time.Sleep(5*time.Hour + time.Minute) // the janitor runs hourly
		synctest.Wait()
		assert.Equal(t, 1, cachedKeys(r), "the 25-hour-old answer is deleted")
		oldKey, err := r.Key("cpc", Params{"keyword": "old"})
		require.NoError(t, err)
		_, ok := lastGood(r, oldKey)
		assert.False(t, ok)
		keys, _ := h.Keys(context.Background())
		assert.Len(t, keys, 1, "and its history too")
		rep, err := r.Prune(context.Background())
		require.NoError(t, err)
		assert.Equal(t, PruneReport{}, rep, "nothing more to delete")
	})
}

// recordingStore is a cache.Store that remembers the TTLs it was given.
type recordingStore struct {
	mu   sync.Mutex
	ttls []time.Duration
}

func (s *recordingStore) Get(context.Context, string) (cache.Entry, bool, error) {
	return cache.Entry{}, false, nil
}
func (s *recordingStore) Set(_ context.Context, _ string, _ cache.Entry, ttl time.Duration) error {
	s.mu.Lock()
	s.ttls = append(s.ttls, ttl)
	s.mu.Unlock()
	return nil
}
func (s *recordingStore) Delete(context.Context, string) (bool, error) { return false, nil }

func TestRetentionBoundsTheSharedTierTTL(t *testing.T) {
	cfg := testConfig()
	cfg.DataTypes[0].TTL = 5 * time.Minute // and a stale window of 24h
	cfg.Retention = 10 * time.Minute
	st := &recordingStore{}
	r := newTestResolver(t, cfg, newStub(1), newStub(1), WithStore(st))
	_, err := r.Resolve(context.Background(), "cpc", shoes)
	require.NoError(t, err)
	// The writer writes off the caller's path.
	require.Eventually(t, func() bool {
		st.mu.Lock()
		defer st.mu.Unlock()
		return len(st.ttls) > 0
	}, 5*time.Second, time.Millisecond)
	st.mu.Lock()
	defer st.mu.Unlock()
	assert.Equal(t, []time.Duration{10 * time.Minute}, st.ttls, "the store deletes what the retention forbids")
}

// A provider's answer observed longer ago than the retention is served
// but kept nowhere: not cached, shared or added to the history.
func TestAnAnswerOlderThanTheRetentionIsNotKept(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, err := stats.NewMemoryHistory(stats.MemoryConfig{})
		require.NoError(t, err)
		cfg := testConfig()
		cfg.Retention = time.Hour
		st := &recordingStore{}
		p1 := newStub(1)
		p1.set(func(context.Context, providers.Request) (providers.Response, error) {
			return providers.Response{Value: 1.4, ObservedAt: time.Now().Add(-3 * time.Hour)}, nil
		})
		r := newTestResolver(t, cfg, p1, newStub(1), WithHistory(h), WithStore(st))
		res, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerPrimary, res.Layer)
		assert.Equal(t, 1.4, res.Value)
		synctest.Wait()
		assert.Zero(t, cachedKeys(r))
		keys, _ := h.Keys(context.Background())
		assert.Empty(t, keys)
		st.mu.Lock()
		assert.Empty(t, st.ttls, "nothing written to the shared tier")
		st.mu.Unlock()
	})
}

// The caller owns its Params map: once Resolve returns it may reuse it,
// though the walk goes on for another caller of the same key (coalesced)
// and a provider still reads the params it was given; and a provider that
// changes the map it was given changes nobody else's. Under -race the
// first part failed (the walk handed its first caller's map to the next
// provider): without -race, a fatal concurrent map access.
func TestTheCallerOwnsItsParams(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Retry.MaxAttempts = 1
		slowFail := providers.Func(func(ctx context.Context, req providers.Request) (providers.Response, error) {
			select {
			case <-time.After(100 * time.Millisecond):
			case <-ctx.Done():
			}
			return providers.Response{}, providers.Errorf(providers.Unavailable, "down")
		})
		var seen []string
		reader := providers.Func(func(ctx context.Context, req providers.Request) (providers.Response, error) {
			for range 50 { // reads its params while the first caller reuses its map
				seen = append(seen, req.Params["keyword"]+"/"+req.Params["market"])
				time.Sleep(200 * time.Microsecond)
			}
			req.Params["keyword"] = "changed by the provider"
			return providers.Response{Value: 1.2}, nil
		})
		r := newTestResolver(t, cfg, slowFail, reader)

		leaderParams := Params{"keyword": "shoes"}
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { // cancelled after 30ms, then reuses its map
			defer wg.Done()
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(30*time.Millisecond, cancel)
			_, err := r.Resolve(ctx, "cpc", leaderParams)
			assert.ErrorIs(t, err, context.Canceled)
			for i := range 400 {
				leaderParams["market"] = fmt.Sprint(i)
				delete(leaderParams, "market")
				time.Sleep(250 * time.Microsecond)
			}
		}()
		go func() { // waits for the shared walk
			defer wg.Done()
			time.Sleep(5 * time.Millisecond)
			res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
			assert.NoError(t, err)
			assert.Equal(t, 1.2, res.Value)
			assert.True(t, res.Shared)
		}()
		wg.Wait()
		require.Len(t, seen, 50)
		for _, s := range seen {
			require.Equal(t, "shoes/", s, "the walk's params are its own")
		}
		assert.Equal(t, Params{"keyword": "shoes"}, leaderParams)
	})
}

// A stale window meant as "keep for ever" saturates instead of
// overflowing: the store was asked to keep the entry for -2562047h.
func TestAHugeStaleWindowSaturates(t *testing.T) {
	cfg := testConfig()
	cfg.Cache.StaleWindow = time.Duration(math.MaxInt64 - int64(time.Second))
	st := &recordingStore{}
	r := newTestResolver(t, cfg, newStub(1), newStub(1), WithStore(st))
	_, err := r.Resolve(context.Background(), "cpc", shoes)
	require.NoError(t, err)
	require.NoError(t, r.Flush(context.Background()))
	st.mu.Lock()
	defer st.mu.Unlock()
	assert.Equal(t, []time.Duration{math.MaxInt64}, st.ttls)
}

// hugeError is a provider's own error type, with a message a hostile or
// broken upstream filled: a megabyte of an HTML page with terminal
// escapes and a carriage return in it.
type hugeError struct{ msg string }

func (e *hugeError) Error() string { return e.msg }

// A provider's error text reaches Result.Attempts, events, logs and
// spans: it is cut to maxErrorText bytes and its control characters
// (but newlines and tabs) and line and paragraph separators are replaced, whatever the provider sent; its
// class and, with WithProviderErrors, the original error stay reachable.
func TestAProvidersErrorTextIsBoundedAndTidied(t *testing.T) {
	for _, raw := range []bool{false, true} {
		t.Run(fmt.Sprintf("raw=%v", raw), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p1, s1 := newStub(1.2), newStub(1.3)
				orig := &hugeError{msg: "upstream said:\n\x1b[31mbad\x1b[0m\r\x00\u2028\u2029\tfake log line " + strings.Repeat("<p>é</p>", 1<<17)}
				p1.set(func(context.Context, providers.Request) (providers.Response, error) {
					return providers.Response{}, providers.NewError(providers.Unavailable, orig)
				})
				var opts []Option
				if raw {
					opts = append(opts, WithProviderErrors())
				}
				r := newTestResolver(t, testConfig(), p1, s1, opts...)
				res, err := r.Resolve(context.Background(), "cpc", shoes)
				require.NoError(t, err)
				got := attemptsByProvider(res.Attempts)["p1"].Err
				require.Error(t, got)
				text := got.Error()
				require.Equal(t, 1024, maxErrorText, "Attempt.Err's doc says 1 KiB")
				assert.LessOrEqual(t, len(text), maxErrorText+64, "cut (the class prefix and the mark besides)")
				assert.True(t, utf8.ValidString(text))
				assert.Contains(t, text, "upstream said:\n")
				assert.Contains(t, text, "\tfake log line <p>é</p>")
				assert.NotContains(t, text, "\x1b")
				assert.NotContains(t, text, "\r")
				assert.NotContains(t, text, "\x00")
				assert.NotContains(t, text, "\u2028", "a line separator ends a line in a JavaScript or JSON log viewer")
				assert.NotContains(t, text, "\u2029")
				assert.True(t, strings.HasSuffix(text, "…"), "the cut is marked")
				assert.ErrorIs(t, got, providers.ErrUnavailable)
				var he *hugeError
				assert.Equal(t, raw, errors.As(got, &he), "the original is reachable only with WithProviderErrors")
			})
		})
	}
}

// A provider's error text of control characters or bytes that are not
// UTF-8 is cut to maxErrorText bytes as it is reported, after each of
// them became a three-byte U+FFFD, not before.
func TestAProvidersErrorTextIsBoundedAfterTidying(t *testing.T) {
	for _, fill := range []string{"\x1b", "\xffa", "\r\x00"} {
		t.Run(fmt.Sprintf("%q", fill), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p1, s1 := newStub(1.2), newStub(1.3)
				p1.set(func(context.Context, providers.Request) (providers.Response, error) {
					return providers.Response{}, providers.NewError(providers.Unavailable, &hugeError{msg: strings.Repeat(fill, 2000)})
				})
				r := newTestResolver(t, testConfig(), p1, s1)
				res, err := r.Resolve(context.Background(), "cpc", shoes)
				require.NoError(t, err)
				got := attemptsByProvider(res.Attempts)["p1"].Err
				require.Error(t, got)
				cause := errors.Unwrap(got)
				require.NotNil(t, cause)
				text := cause.Error()
				assert.LessOrEqual(t, len(text), maxErrorText+len("…"), "cut to maxErrorText bytes, the mark besides")
				assert.True(t, utf8.ValidString(text))
				assert.True(t, strings.HasSuffix(text, "…"))
			})
		})
	}
}

// The cut to maxErrorText bytes never leaves a redaction mark in half:
// a log reader counting providers.Redacted would miss "[REDAC…".
func TestTheErrorTextCutKeepsRedactionMarksWhole(t *testing.T) {
	const secret = "s3cret-token-0123456789"
	for pad := maxErrorText - len(providers.Redacted) - 2; pad <= maxErrorText+1; pad++ {
		err := scrub(errors.New(strings.Repeat("x", pad)+secret+" and more after it"), []string{secret}, false)
		text := errors.Unwrap(err).Error()
		require.True(t, strings.HasSuffix(text, "…"), "pad %d: cut", pad)
		body := strings.TrimSuffix(text, "…")
		assert.NotContains(t, text, "s3cret", "pad %d", pad)
		if i := strings.LastIndexByte(body, '['); i >= 0 {
			assert.True(t, strings.HasPrefix(body[i:], providers.Redacted), "pad %d: a mark is whole or gone: %q", pad, body[i:])
		}
	}
}

// A huge error text is cut before it is redacted, to bound the work; a
// short secret the cut splits leaves a head too short to be found, and
// the redaction of a long secret quoted many times before it shrinks the
// text until that head is within the reported 1 KiB. It must not be
// reported, and the text must say it was cut.
func TestTheErrorTextPreCutLeaksNoPieceOfASplitSecret(t *testing.T) {
	long := strings.Repeat("Kq7", 34) // 102 characters
	const short = "914273"            // a sensitive value, removed only whole
	for shift := 1; shift < len(short); shift++ {
		msg := strings.Repeat(long+" ", 39)
		msg += strings.Repeat("x", 4*maxErrorText-len(msg)-shift) + short + " trailing"
		text := errors.Unwrap(scrub(errors.New(msg), []string{long, short}, false)).Error()
		assert.NotContains(t, strings.TrimRight(text, "…"), "x"+short[:shift], "shift %d: the split secret's head", shift)
		assert.True(t, strings.HasSuffix(text, "…"), "shift %d: cut: %q", shift, text[max(0, len(text)-20):])
	}
}

// Forget leaves none of the person's keys in the market's peer index,
// where a key (and in the name of a group, the value a param held)
// stayed, to be listed as another key's peer, after every answer and
// series of it was deleted.
func TestForgetRemovesThePersonFromThePeerIndex(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newTestResolver(t, testConfig(), newStub(1.2), newStub(1.3))
		boots := Params{"keyword": "boots", "market": "us"}
		for _, ps := range []Params{shoes, boots} {
			_, err := r.Resolve(context.Background(), "cpc", ps)
			require.NoError(t, err)
		}
		dt := r.types["cpc"]
		shoesKey, err := r.Key("cpc", shoes)
		require.NoError(t, err)
		bootsKey, err := r.Key("cpc", boots)
		require.NoError(t, err)
		require.Equal(t, []string{shoesKey}, r.peers.peers(dt, bootsKey, boots, 10), "the keys of one market are peers")
		_, err = r.Forget(context.Background(), "keyword", "shoes")
		require.NoError(t, err)
		assert.Empty(t, r.peers.peers(dt, bootsKey, boots, 10), "a forgotten key is still another's peer")
		var groups []string
		r.peers.groups.Range(func(g string, keys []string) bool {
			groups = append(groups, strings.ReplaceAll(g, "\x00", " "))
			for _, k := range keys {
				assert.NotEqual(t, shoesKey, k, "group %q", g)
			}
			return true
		})
		assert.ElementsMatch(t, []string{"cpc keyword boots", "cpc market us"}, groups)
	})
}
