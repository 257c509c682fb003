package fallback

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"slices"
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

// stateConfig is securityConfig (a sensitive "email" param) with an
// adaptive TTL.
func stateConfig() Config {
	cfg := securityConfig()
	cfg.DataTypes[0].AdaptiveTTL = AdaptiveTTLConfig{Enabled: true}
	return cfg
}

var stateKey = []byte("state test key")

// exported runs a resolver that learns — three keys answered twice, one
// changing, and a key with history only — and returns what it exported.
func exported(t *testing.T) (string, ExportReport, *Resolver) {
	t.Helper()
	h, err := stats.NewMemoryHistory(stats.MemoryConfig{})
	require.NoError(t, err)
	p1 := newStub(1.25)
	a := newTestResolver(t, stateConfig(), p1, newStub(1), WithHistory(h), WithHashKey(stateKey))
	ctx := context.Background()
	for _, kw := range []string{"shoes", "boots", "sandals"} {
		_, err := a.Resolve(ctx, "cpc", Params{"keyword": kw, "email": "alice@example.org"})
		require.NoError(t, err)
	}
	time.Sleep(2 * time.Minute) // past the TTL: asked again, the value moved
	p1.answer(1.30)
	_, err = a.Resolve(ctx, "cpc", Params{"keyword": "shoes", "email": "alice@example.org"})
	require.NoError(t, err)
	key, err := a.Key("cpc", Params{"keyword": "hats"})
	require.NoError(t, err)
	preloadShared(t, h, key, 40)
	var buf bytes.Buffer
	rep, err := a.Export(ctx, &buf)
	require.NoError(t, err)
	return buf.String(), rep, a
}

// A second process, during a total outage, answers from the first one's
// state: its last good answers, its histories and its learned TTL.
func TestExportImportRoundTrip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		state, erep, a := exported(t)
		assert.Equal(t, ExportReport{Answers: 3, Series: 4, Observations: 3 + 40, Rates: 1}, erep, "one observation per key and day")
		assert.NotContains(t, state, "alice", "sensitive values stay hashed")
		learned := a.types["cpc"].currentTTL()
		require.NotEqual(t, time.Minute, learned, "the TTL was learned")
		require.NoError(t, a.Close())

		time.Sleep(time.Minute)
		p1, s1 := newStub(9), newStub(9)
		down(p1, s1)
		b := newTestResolver(t, stateConfig(), p1, s1, WithHashKey(stateKey))
		irep, err := b.Import(context.Background(), strings.NewReader(state))
		require.NoError(t, err)
		assert.Equal(t, ImportReport{Version: 1, Answers: 3, Series: 4, Observations: 43, Rates: 1, Reasons: map[ImportReason]int{}, Complete: true}, irep)
		assert.Equal(t, learned, b.types["cpc"].currentTTL(), "the learned TTL")

		res, err := b.Resolve(context.Background(), "cpc", Params{"keyword": "shoes", "email": "alice@example.org"})
		require.NoError(t, err)
		assert.Equal(t, LayerCache, res.Layer, "a last good answer, never a fresh hit: the providers were asked first")
		assert.Equal(t, 1.30, res.Value)
		assert.Positive(t, p1.calls.Load())
		res, err = b.Resolve(context.Background(), "cpc", Params{"keyword": "hats"})
		require.NoError(t, err)
		assert.Equal(t, LayerStatistical, res.Layer)

		// Export again: the same state, but for the time of writing.
		var again bytes.Buffer
		_, err = b.Export(context.Background(), &again)
		require.NoError(t, err)
		assert.Equal(t, withoutHeader(state), withoutHeader(again.String()))
	})
}

// After Close, Export writes nothing and Import takes nothing: both say
// ErrClosed.
func TestStateAfterClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		state, _, a := exported(t)
		require.NoError(t, a.Close())
		var out bytes.Buffer
		_, err := a.Export(context.Background(), &out)
		assert.ErrorIs(t, err, ErrClosed)
		assert.Zero(t, out.Len())

		b := newTestResolver(t, stateConfig(), newStub(9), newStub(9), WithHashKey(stateKey))
		require.NoError(t, b.Close())
		rep, err := b.Import(context.Background(), strings.NewReader(state))
		assert.ErrorIs(t, err, ErrClosed)
		assert.Zero(t, rep.Answers)
		assert.Zero(t, rep.Series)
	})
}

func withoutHeader(s string) string {
	_, rest, _ := strings.Cut(s, "\n")
	return rest
}

// The format, line by line.
func TestExportFormat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		state, _, a := exported(t)
		lines := strings.Split(strings.TrimSuffix(state, "\n"), "\n")
		var header map[string]any
		require.NoError(t, json.Unmarshal([]byte(lines[0]), &header))
		assert.Equal(t, StateFormat, header["format"])
		assert.EqualValues(t, StateVersion, header["version"])
		assert.Equal(t, keyFingerprint(stateKey), header["key_fingerprint"])
		assert.Len(t, header["key_fingerprint"], 32)
		assert.NotContains(t, lines[0], string(stateKey))
		kinds := map[string]int{}
		for _, l := range lines[1:] {
			var rec map[string]any
			require.NoError(t, json.Unmarshal([]byte(l), &rec), l)
			kinds[rec["kind"].(string)]++
		}
		assert.Equal(t, map[string]int{"answer": 3, "history": 4, "rate": 1, "end": 1}, kinds)
		shoes, err := a.Key("cpc", Params{"keyword": "shoes", "email": "alice@example.org"})
		require.NoError(t, err)
		// Answers sorted by key: boots, sandals, shoes.
		var rec stateRecord
		require.NoError(t, json.Unmarshal([]byte(lines[3]), &rec))
		assert.Equal(t, fmt.Sprintf(`{"kind":"answer","key":%q,"value":1.3,"observed_at":%q,"stored_at":%q,"source":"p1","confidence":0.95,"layer":1}`,
			shoes, rec.ObservedAt.Format(time.RFC3339Nano), rec.StoredAt.Format(time.RFC3339Nano)), lines[3])
		assert.Equal(t, 2*time.Minute, rec.ObservedAt.Sub(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)), "times in UTC, to the nanosecond")
		assert.Equal(t, `{"kind":"end","answers":3,"series":4,"rates":1}`, lines[len(lines)-1])
	})
}

// Every record Import cannot trust is skipped, for its reason.
func TestImportRefuses(t *testing.T) {
	now := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) // the bubble's clock
	ts := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339Nano) }
	r := func(t *testing.T, cfg Config, opts ...Option) *Resolver {
		return newTestResolver(t, cfg, newStub(1), newStub(1), append([]Option{WithHashKey(stateKey)}, opts...)...)
	}
	other := hashValue([]byte("another key"), "alice@example.org")
	answer := func(key, extra string) string {
		return fmt.Sprintf(`{"kind":"answer","key":%q,"value":1.5,"observed_at":%q,"stored_at":%q,"source":"p1","confidence":0.9,"layer":1%s}`, key, ts(-time.Minute), ts(-time.Minute), extra)
	}
	for _, tc := range []struct {
		name   string
		line   string
		fp     string // the header's fingerprint: "own" or another
		reason ImportReason
	}{
		{"not json", `{"kind":`, "own", ImportMalformed},
		{"unknown kind", `{"kind":"wish"}`, "own", ImportUnknownKind},
		{"unknown data type", answer("ctr?keyword=shoes", ""), "own", ImportUnknownDataType},
		{"not a key", answer("?", ""), "own", ImportBadKey},
		{"undeclared param", answer("cpc?color=red&keyword=shoes", ""), "own", ImportBadKey},
		{"value not allowed", answer("cpc?keyword=shoes&market=fr", ""), "own", ImportBadKey},
		{"required param missing", answer("cpc?market=us", ""), "own", ImportBadKey},
		{"params out of order", answer("cpc?market=us&keyword=shoes", ""), "own", ImportBadKey},
		{"not escaped as the resolver escapes", answer("cpc?keyword=a%2Fb", ""), "own", ImportBadKey},
		{"sensitive value in clear", answer("cpc?email=alice@example.org&keyword=shoes", ""), "own", ImportBadKey},
		{"hashed under another key", answer("cpc?email="+other+"&keyword=shoes", ""), "another", ImportOtherHashKey},
		{"out of bounds", strings.Replace(answer("cpc?keyword=shoes", ""), `"value":1.5`, `"value":1000`, 1), "own", ImportRefused},
		{"confidence above 1", strings.Replace(answer("cpc?keyword=shoes", ""), `"confidence":0.9`, `"confidence":1.5`, 1), "own", ImportRefused},
		{"no source", strings.Replace(answer("cpc?keyword=shoes", ""), `"source":"p1",`, ``, 1), "own", ImportRefused},
		{"a source no provider is named", strings.Replace(answer("cpc?keyword=shoes", ""), `"source":"p1"`, `"source":"p1\u0000\u202e`+strings.Repeat("x", 1<<20)+`"`, 1), "own", ImportRefused},
		{"no value", strings.Replace(answer("cpc?keyword=shoes", ""), `"value":1.5,`, ``, 1), "own", ImportMalformed},
		{"from the future", fmt.Sprintf(`{"kind":"answer","key":"cpc?keyword=shoes","value":1.5,"observed_at":%q,"stored_at":%q,"source":"p1","confidence":0.9,"layer":1}`, ts(time.Hour), ts(time.Hour)), "own", ImportRefused},
		{"not a provider's layer", strings.Replace(answer("cpc?keyword=shoes", ""), `"layer":1`, `"layer":3`, 1), "own", ImportRefused},
		{"history before the year 1", `{"kind":"history","key":"cpc?keyword=shoes","observations":[{"at":"0000-06-01T00:00:00Z","value":1}]}`, "own", ImportRefused},
		{"history of nothing usable", fmt.Sprintf(`{"kind":"history","key":"cpc?keyword=shoes","observations":[{"at":%q,"value":1000}]}`, ts(-time.Hour)), "own", ImportRefused},
		{"rate of an unknown data type", `{"kind":"rate","data_type":"ctr","rate":0.001}`, "own", ImportUnknownDataType},
		{"negative rate", `{"kind":"rate","data_type":"cpc","rate":-1}`, "own", ImportRefused},
		{"too long", `{"kind":"answer","key":"` + strings.Repeat("x", MaxStateLine) + `"}`, "own", ImportTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := r(t, stateConfig())
				fp := keyFingerprint(stateKey)
				if tc.fp != "own" {
					fp = keyFingerprint([]byte("another key"))
				}
				in := fmt.Sprintf(`{"format":"strata-state","version":1,"key_fingerprint":%q}`+"\n%s\n", fp, tc.line)
				rep, err := b.Import(context.Background(), strings.NewReader(in))
				require.NoError(t, err)
				assert.Zero(t, rep.Answers+rep.Series+rep.Rates, "nothing taken")
				assert.Equal(t, 1, rep.Skipped)
				assert.Equal(t, map[ImportReason]int{tc.reason: 1}, rep.Reasons)
				require.Len(t, rep.Skips, 1)
				assert.Equal(t, 2, rep.Skips[0].Line)
				assert.Equal(t, tc.reason, rep.Skips[0].Reason, rep.Skips[0].Detail)
				assert.False(t, rep.Complete, "no end record")
			})
		})
	}

	t.Run("rate without adaptive TTL", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			b := r(t, securityConfig())
			in := `{"format":"strata-state","version":1}` + "\n" + `{"kind":"rate","data_type":"cpc","rate":0.001}` + "\n"
			rep, err := b.Import(context.Background(), strings.NewReader(in))
			require.NoError(t, err)
			assert.Equal(t, map[ImportReason]int{ImportNotAdaptive: 1}, rep.Reasons)
		})
	})
	t.Run("expired and stale", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			cfg := stateConfig()
			cfg.Retention = 30 * time.Second
			cfg.DataTypes[0].TTL = 20 * time.Second
			b := r(t, cfg)
			_, err := b.Resolve(context.Background(), "cpc", Params{"keyword": "boots"})
			require.NoError(t, err)
			in := strings.Join([]string{
				`{"format":"strata-state","version":1}`,
				answer("cpc?keyword=shoes", ""), // observed a minute ago
				fmt.Sprintf(`{"kind":"answer","key":"cpc?keyword=boots","value":1.5,"observed_at":%q,"stored_at":%q,"source":"p1","confidence":0.9,"layer":1}`, ts(-time.Second), ts(-time.Second)),
				fmt.Sprintf(`{"kind":"history","key":"cpc?keyword=hats","observations":[{"at":%q,"value":1},{"at":%q,"value":2},{"at":%q,"value":1000}]}`, ts(-time.Hour), ts(-time.Second), ts(-2*time.Second)),
				`{"kind":"end"}`,
			}, "\n")
			rep, err := b.Import(context.Background(), strings.NewReader(in))
			require.NoError(t, err)
			assert.Equal(t, map[ImportReason]int{ImportExpired: 2, ImportStale: 1, ImportRefused: 1}, rep.Reasons)
			assert.Equal(t, 2, rep.Skipped, "two answers")
			assert.Equal(t, 2, rep.Dropped, "two observations of the series")
			assert.Equal(t, 1, rep.Series)
			assert.Equal(t, 1, rep.Observations)
			assert.True(t, rep.Complete)
		})
	})
}

// Input that is not a state file, or of another version, is refused as a
// whole, naming the line.
func TestImportHeader(t *testing.T) {
	for _, in := range []string{"", "\n", "hello\n", `{"format":"other","version":1}`, `{"format":"strata-state","version":2}` + "\n" + `{"kind":"end"}`} {
		synctest.Test(t, func(t *testing.T) {
			r := newTestResolver(t, testConfig(), newStub(1), newStub(1))
			_, err := r.Import(context.Background(), strings.NewReader(in))
			var se *StateError
			require.ErrorAs(t, err, &se, "%q", in)
			assert.ErrorIs(t, err, ErrStateFormat)
			assert.Equal(t, 1, se.Line)
		})
	}
}

// A file cut short is taken as far as it goes; blank lines count as lines.
func TestImportTruncated(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		state, _, _ := exported(t)
		cut := state[:strings.Index(state, `{"kind":"history"`)+20]
		b := newTestResolver(t, stateConfig(), newStub(1), newStub(1), WithHashKey(stateKey))
		rep, err := b.Import(context.Background(), strings.NewReader(strings.Replace(cut, "\n", "\n\n", 1)))
		require.NoError(t, err)
		assert.False(t, rep.Complete)
		assert.Equal(t, 3, rep.Answers)
		assert.Equal(t, map[ImportReason]int{ImportMalformed: 1}, rep.Reasons, "the cut line")
		assert.Equal(t, 6, rep.Skips[0].Line, "header, blank, three answers, then the cut one")
	})
}

// Import and Export stop at their context's end and at their reader's or
// writer's first error.
func TestStateErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		state, _, a := exported(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := a.Import(ctx, strings.NewReader(state))
		assert.ErrorIs(t, err, context.Canceled)
		_, err = a.Export(ctx, &bytes.Buffer{})
		assert.ErrorIs(t, err, context.Canceled)
		boom := errors.New("disk full")
		_, err = a.Export(context.Background(), failingWriter{boom})
		assert.ErrorIs(t, err, boom)
		_, err = a.Import(context.Background(), failingReader{boom})
		assert.ErrorIs(t, err, boom)
	})
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

// With a shared history, Export writes the resolver's own, and Import
// feeds its own.
func TestStateOwnHistoryOnly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		shared := newMemShared()
		preloadShared(t, shared, shoesKey(t), 10)
		r := newTestResolver(t, testConfig(), newStub(1), newStub(1), WithSharedHistory(shared))
		var buf bytes.Buffer
		rep, err := r.Export(context.Background(), &buf)
		require.NoError(t, err)
		assert.Zero(t, rep.Series, "nothing of the fleet's")
		in := fmt.Sprintf(`{"format":"strata-state","version":1}`+"\n"+`{"kind":"history","key":%q,"observations":[{"at":%q,"value":2}]}`+"\n", "cpc?keyword=boots", time.Now().Add(-time.Hour).Format(time.RFC3339Nano))
		irep, err := r.Import(context.Background(), strings.NewReader(in))
		require.NoError(t, err)
		assert.Equal(t, 1, irep.Series)
		synctest.Wait()
		keys, err := shared.Keys(context.Background())
		require.NoError(t, err)
		assert.Len(t, keys, 1, "the shared history got nothing")
	})
}

// Whatever Import is given, it does not panic, takes only what passes its
// checks, and says why it skipped the rest.
func FuzzImport(f *testing.F) {
	f.Add([]byte(`{"format":"strata-state","version":1}` + "\n" + `{"kind":"answer","key":"cpc?keyword=shoes","value":1.5,"observed_at":"2026-01-01T00:00:00Z","stored_at":"2026-01-01T00:00:00Z","source":"p1","confidence":0.9,"layer":1}` + "\n" + `{"kind":"end"}`))
	f.Add([]byte(`{"format":"strata-state","version":1}` + "\n" + `{"kind":"history","key":"cpc?keyword=a%25b","observations":[{"at":"2026-01-01T00:00:00Z","value":2}]}` + "\n\r\n" + `{"kind":"rate","data_type":"cpc","rate":1e-300}`))
	f.Add([]byte("{\"format\":\"strata-state\",\"version\":1}\n{\"kind\":\"answer\",\"key\":\"cpc?keyword=\\u0000\"}\n"))
	r, err := New(stateConfig(), WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)), WithHashKey(stateKey))
	require.NoError(f, err)
	defer r.Close()
	f.Fuzz(func(t *testing.T, in []byte) {
		rep, err := r.Import(context.Background(), bytes.NewReader(in))
		if err != nil {
			assert.ErrorIs(t, err, ErrStateFormat)
			return
		}
		n := 0
		for _, c := range rep.Reasons {
			n += c
		}
		assert.Equal(t, rep.Skipped+rep.Dropped, n, "every skip has its reason")
		r.cache.DeleteFunc(func(key string, e cache.Entry, ok bool) bool {
			if ok {
				name, _, _ := strings.Cut(key, "?")
				assert.NoError(t, checkEntry(r.types[name], e, time.Now()), key)
			}
			return true // start afresh
		})
	})
}

// Export runs while the resolver serves; a history that hangs is
// abandoned when Export's context ends.
func TestExportWhileServing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, err := stats.NewMemoryHistory(stats.MemoryConfig{})
		require.NoError(t, err)
		r := newTestResolver(t, stateConfig(), newStub(1.25), newStub(1), WithHistory(h), WithHashKey(stateKey))
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := range 50 {
					_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprintf("w%d-%d", w, i)})
					assert.NoError(t, err)
				}
			})
		}
		for range 5 {
			var buf bytes.Buffer
			rep, err := r.Export(context.Background(), &buf)
			require.NoError(t, err)
			// Each record is whole, and the end record counts them.
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			assert.Len(t, lines, 2+rep.Answers+rep.Series+rep.Rates)
			for _, l := range lines {
				assert.True(t, json.Valid([]byte(l)), l)
			}
		}
		wg.Wait()

		hung := newTestResolver(t, testConfig(), newStub(1), newStub(1), WithHistory(listingHangingHistory{}))
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		_, err = hung.Export(ctx, &bytes.Buffer{})
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, time.Second, time.Since(start), "abandoned when the context ended")
		require.Error(t, hung.Close())
		time.Sleep(time.Minute) // let it end, inside the bubble
	})
}

// listingHangingHistory can list its keys, slowly.
type listingHangingHistory struct{ hangingHistory }

func (listingHangingHistory) Keys(context.Context) ([]string, error) {
	time.Sleep(30 * time.Second)
	return nil, nil
}

// An imported series' newest period counts as recorded: a resolve in it
// adds no second observation.
func TestImportedPeriodIsRecorded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, err := stats.NewMemoryHistory(stats.MemoryConfig{})
		require.NoError(t, err)
		r := newTestResolver(t, testConfig(), newStub(1.25), newStub(1), WithHistory(h))
		key := shoesKey(t)
		time.Sleep(time.Hour) // the bubble starts at midnight: a minute ago is the same day
		in := fmt.Sprintf(`{"format":"strata-state","version":1}`+"\n"+`{"kind":"history","key":%q,"observations":[{"at":%q,"value":1.2}]}`+"\n",
			key, time.Now().Add(-time.Minute).Format(time.RFC3339Nano))
		_, err = r.Import(context.Background(), strings.NewReader(in))
		require.NoError(t, err)
		_, err = r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		obs, err := h.Observations(context.Background(), key)
		require.NoError(t, err)
		assert.Len(t, obs, 1, "the day's observation was imported")
	})
}

// Skips lists the first MaxImportSkips; the counts cover them all.
func TestImportSkipsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newTestResolver(t, testConfig(), newStub(1), newStub(1))
		in := `{"format":"strata-state","version":1}` + "\n" + strings.Repeat(`{"kind":"wish"}`+"\n", MaxImportSkips+50)
		rep, err := r.Import(context.Background(), strings.NewReader(in))
		require.NoError(t, err)
		assert.Equal(t, MaxImportSkips+50, rep.Skipped)
		assert.Equal(t, map[ImportReason]int{ImportUnknownKind: MaxImportSkips + 50}, rep.Reasons)
		assert.Len(t, rep.Skips, MaxImportSkips)
		assert.Equal(t, MaxImportSkips+1, rep.Skips[MaxImportSkips-1].Line)
	})
}

// A skip repeats at most 256 bytes of what the file says, cut between
// runes, and quotes what holds control characters or invalid UTF-8: a
// report a host prints carries neither a megabyte nor a terminal's escapes.
func TestImportSkipsRepeatLittleOfTheFile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newTestResolver(t, testConfig(), newStub(1), newStub(1))
		in := `{"format":"strata-state","version":1}` + "\n" +
			`{"kind":"` + strings.Repeat("w", 1<<20) + `"}` + "\n" +
			`{"kind":"answer","key":"evil\u001b[2J\u001b[31m","value":1,"confidence":1,"source":"p1","layer":1}` + "\n" +
			`{"kind":"rate","data_type":"` + strings.Repeat("é", 200) + `","rate":1}` + "\n"
		rep, err := r.Import(context.Background(), strings.NewReader(in))
		require.NoError(t, err)
		require.Len(t, rep.Skips, 3)
		assert.Equal(t, strings.Repeat("w", 256), rep.Skips[0].Kind)
		assert.Equal(t, ImportUnknownKind, rep.Skips[0].Reason)
		assert.Equal(t, `"evil\x1b[2J\x1b[31m"`, rep.Skips[1].Key)
		assert.Equal(t, strings.Repeat("é", 128), rep.Skips[2].Key, "cut between runes")
		for _, s := range rep.Skips {
			assert.True(t, utf8.ValidString(s.Kind) && utf8.ValidString(s.Key), "%+v", s)
		}
	})
}

// closingReader calls close once it has handed out its first line.
type closingReader struct {
	lines []string
	close func()
}

func (c *closingReader) Read(p []byte) (int, error) {
	if len(c.lines) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.lines[0])
	c.lines = c.lines[1:]
	if c.close != nil {
		c.close()
		c.close = nil
	}
	return n, nil
}

// Close ends an Import under way with ErrClosed, and a Warm after Close
// starts nothing and says so: neither reports success from a closed
// resolver.
func TestImportAndWarmEndAtClose(t *testing.T) {
	r := newTestResolver(t, testConfig(), newStub(1.25), newStub(1))
	key := shoesKey(t)
	lines := []string{
		`{"format":"strata-state","version":1}` + "\n",
		fmt.Sprintf(`{"kind":"answer","key":%q,"value":1.2,"observed_at":%q,"stored_at":%q,"source":"p1","confidence":0.9,"layer":1}`+"\n",
			key, time.Now().Format(time.RFC3339Nano), time.Now().Format(time.RFC3339Nano)),
	}
	// Without Close the answer is taken.
	open := newTestResolver(t, testConfig(), newStub(1.25), newStub(1))
	rep, err := open.Import(context.Background(), &closingReader{lines: slices.Clone(lines)})
	require.NoError(t, err)
	require.Equal(t, 1, rep.Answers)

	rd := &closingReader{lines: lines, close: func() { _ = r.Close() }}
	rep, err = r.Import(context.Background(), rd)
	assert.ErrorIs(t, err, ErrClosed)
	assert.Zero(t, rep.Answers, "nothing taken into a closed resolver")

	wrep, err := r.Warm(context.Background(), []WarmKey{{DataType: "cpc", Params: shoes}, {DataType: "cpc", Params: Params{"keyword": "boots"}}})
	assert.ErrorIs(t, err, ErrClosed)
	assert.Equal(t, WarmReport{Keys: 2, Skipped: 2, Layers: map[Layer]int{}}, wrep)
}

// An imported answer is a last good answer, never a fresh hit, even
// within its TTL: after a restart the providers are asked first, and
// the answer stands in only when they fail.
func TestAnImportedAnswerIsNeverAFreshHit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		state, _, a := exported(t)
		require.NoError(t, a.Close())
		p1, s1 := newStub(9), newStub(9)
		down(p1, s1)
		b := newTestResolver(t, stateConfig(), p1, s1, WithHashKey(stateKey))
		_, err := b.Import(context.Background(), strings.NewReader(state))
		require.NoError(t, err)
		res, err := b.Resolve(context.Background(), "cpc", Params{"keyword": "shoes", "email": "alice@example.org"})
		require.NoError(t, err)
		assert.Positive(t, p1.calls.Load(), "the providers were asked first")
		assert.Equal(t, LayerCache, res.Layer, "then the imported answer stood in")
	})
}

// The history keeps one observation per key and period: a file imported
// twice adds nothing the second time, and says so.
func TestImportTwiceAddsNoObservation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		state, _, a := exported(t)
		require.NoError(t, a.Close())
		h, err := stats.NewMemoryHistory(stats.MemoryConfig{})
		require.NoError(t, err)
		b := newTestResolver(t, stateConfig(), newStub(9), newStub(9), WithHistory(h), WithHashKey(stateKey))
		r1, err := b.Import(context.Background(), strings.NewReader(state))
		require.NoError(t, err)
		r2, err := b.Import(context.Background(), strings.NewReader(state))
		require.NoError(t, err)
		key, err := b.Key("cpc", Params{"keyword": "hats"})
		require.NoError(t, err)
		obs, err := h.Observations(context.Background(), key)
		require.NoError(t, err)
		assert.Len(t, obs, 40, "the same 40 daily observations, one per period, imported twice")
		assert.Equal(t, 4, r1.Series)
		assert.Equal(t, 0, r2.Series)
		assert.Equal(t, 0, r2.Observations)
		assert.Equal(t, r1.Series, r2.Reasons[ImportHeld], "every series skipped: its periods are held")
		assert.Equal(t, r1.Answers, r2.Reasons[ImportStale])
	})
}

// An Import of an older series after the process recorded the current
// period's observation does not move the append gate back: the next answer
// in the same period adds no second observation for it.
func TestImportDoesNotMoveTheAppendGateBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, err := stats.NewMemoryHistory(stats.MemoryConfig{})
		require.NoError(t, err)
		p1 := newStub(1.25)
		r := newTestResolver(t, testConfig(), p1, newStub(1), WithHistory(h))
		key := shoesKey(t)
		time.Sleep(time.Hour) // 01:00 of the bubble's day
		_, err = r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		// A state file from another instance: yesterday's observation.
		in := `{"format":"strata-state","version":1}` + "\n" +
			`{"kind":"history","key":"` + key + `","observations":[{"at":"` + time.Now().Add(-24*time.Hour).UTC().Format(time.RFC3339Nano) + `","value":1.2}]}` + "\n"
		_, err = r.Import(context.Background(), strings.NewReader(in))
		require.NoError(t, err)
		time.Sleep(2 * time.Minute) // past the TTL, same day
		p1.answer(1.26)
		_, err = r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		obs, err := h.Observations(context.Background(), key)
		require.NoError(t, err)
		today := 0
		for _, o := range obs {
			if stats.Daily.Index(o.At) == stats.Daily.Index(time.Now()) {
				today++
			}
		}
		assert.Equal(t, 1, today, "one observation per key and period")
	})
}

// Of several observations for one period in a record, the newest is taken.
func TestImportTakesTheNewestObservationOfAPeriod(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, err := stats.NewMemoryHistory(stats.MemoryConfig{})
		require.NoError(t, err)
		r := newTestResolver(t, testConfig(), newStub(1.25), newStub(1), WithHistory(h))
		key := shoesKey(t)
		time.Sleep(12 * time.Hour)
		at := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339Nano) }
		in := `{"format":"strata-state","version":1}` + "\n" +
			`{"kind":"history","key":"` + key + `","observations":[{"at":"` + at(-25*time.Hour) + `","value":1.1},{"at":"` + at(-2*time.Hour) + `","value":1.2},{"at":"` + at(-time.Hour) + `","value":1.3}]}` + "\n"
		rep, err := r.Import(context.Background(), strings.NewReader(in))
		require.NoError(t, err)
		assert.Equal(t, 2, rep.Observations)
		assert.Equal(t, 1, rep.Dropped)
		assert.Equal(t, 1, rep.Reasons[ImportHeld])
		obs, err := h.Observations(context.Background(), key)
		require.NoError(t, err)
		require.Len(t, obs, 2)
		assert.Equal(t, []float64{1.1, 1.3}, []float64{obs[0].Value, obs[1].Value})
	})
}

// A param made sensitive between two versions of the config: the old file
// holds its raw value. Import refuses the record, and its skip's Key —
// "the record's key (sensitive values hashed)" — masks the value.
func TestImportSkipsMaskAValueMadeSensitive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const email = "alice@example.org"
		plain := testConfig()
		plain.DataTypes[0].Params = append(plain.DataTypes[0].Params, ParamConfig{Name: "email"})
		h, err := stats.NewMemoryHistory(stats.MemoryConfig{})
		require.NoError(t, err)
		a := newTestResolver(t, plain, newStub(1.25), newStub(1), WithHistory(h), WithHashKey(stateKey))
		_, err = a.Resolve(context.Background(), "cpc", Params{"keyword": "shoes", "email": email})
		require.NoError(t, err)
		var buf bytes.Buffer
		_, err = a.Export(context.Background(), &buf)
		require.NoError(t, err)
		require.NoError(t, a.Close())

		b := newTestResolver(t, securityConfig(), newStub(9), newStub(9), WithHashKey(stateKey))
		rep, err := b.Import(context.Background(), &buf)
		require.NoError(t, err)
		assert.Zero(t, rep.Answers, "the raw value is not taken back")
		require.NotEmpty(t, rep.Skips)
		assert.Contains(t, rep.Skips[0].Key, "email=[redacted]")
		assert.Contains(t, rep.Skips[0].Key, "keyword=shoes", "the rest is shown")
		for _, s := range rep.Skips {
			for _, form := range []string{email, url.QueryEscape(email), url.PathEscape(email)} {
				assert.NotContains(t, s.Key, form, "skip %+v: a sensitive value in the report", s)
				assert.NotContains(t, s.Detail, form)
			}
		}
	})
}

// Forget does not reach a state file written before it: imported, the old
// file brings the person back; one written after Forget does not.
func TestAStateFileWrittenBeforeForgetBringsThePersonBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		before, _, a := exported(t) // alice's answers, hashed
		_, err := a.Forget(context.Background(), "email", "alice@example.org")
		require.NoError(t, err)
		var after bytes.Buffer
		_, err = a.Export(context.Background(), &after)
		require.NoError(t, err)
		require.NoError(t, a.Close())
		for _, tc := range []struct {
			file string
			back bool
		}{{before, true}, {after.String(), false}} {
			b := newTestResolver(t, stateConfig(), newStub(9), newStub(9), WithHashKey(stateKey))
			_, err := b.Import(context.Background(), strings.NewReader(tc.file))
			require.NoError(t, err)
			key, err := b.Key("cpc", Params{"keyword": "shoes", "email": "alice@example.org"})
			require.NoError(t, err)
			_, back := b.cache.LastGood(key)
			assert.Equal(t, tc.back, back)
		}
	})
}

// endlessLine is a reader of one line that never ends: it never blocks,
// and it calls at once after `after` reads.
type endlessLine struct {
	reads, after int
	at           func()
}

func (e *endlessLine) Read(p []byte) (int, error) {
	e.reads++
	if e.reads == e.after {
		e.at()
	}
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// A line that never ends (a reader that never sends a newline) does not
// hold Import past its context's end or Close: it read 19 GB of one line
// and kept a core busy after both.
func TestImportOfALineThatNeverEndsStopsWithItsContextAndClose(t *testing.T) {
	r := newTestResolver(t, stateConfig(), newStub(1), newStub(1), WithHashKey(stateKey))
	ctx, cancel := context.WithCancel(context.Background())
	in := &endlessLine{after: 100, at: cancel}
	_, err := r.Import(ctx, in)
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, in.reads, 110, "it stops within a buffer fill or two")

	var header bytes.Buffer
	_, err = r.Export(context.Background(), &header)
	require.NoError(t, err)
	first, _, _ := strings.Cut(header.String(), "\n")
	closed := make(chan error, 1)
	in = &endlessLine{after: 100, at: func() { go func() { closed <- r.Close() }() }}
	_, err = r.Import(context.Background(), io.MultiReader(strings.NewReader(first+"\n"), in))
	require.ErrorIs(t, err, ErrClosed, "a record's line that never ends")
	require.NoError(t, <-closed)
}

// blockingWriter blocks every Write until release is closed.
type blockingWriter struct{ release chan struct{} }

func (w blockingWriter) Write(p []byte) (int, error) { <-w.release; return len(p), nil }

type panickingWriter struct{}

func (panickingWriter) Write([]byte) (int, error) { panic("the host's writer") }

// The writer is the caller's, as any io.Writer is (the doc says so): a
// Write that blocks holds Export past ctx's end until it returns, and a
// Write that panics panics Export.
func TestExportsWriterIsTheCallers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newTestResolver(t, stateConfig(), newStub(1), newStub(1), WithHashKey(stateKey))
		for i := range 2000 { // more than the 4 KiB buffer holds
			_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i)})
			require.NoError(t, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		w := blockingWriter{release: make(chan struct{})}
		done := make(chan error, 1)
		go func() {
			_, err := r.Export(ctx, w)
			done <- err
		}()
		time.Sleep(2 * time.Second)
		synctest.Wait()
		select {
		case <-done:
			t.Fatal("Export returned while its Write was blocked")
		default:
		}
		close(w.release)
		assert.ErrorIs(t, <-done, context.DeadlineExceeded, "it stops at the next record")
		assert.PanicsWithValue(t, "the host's writer", func() { _, _ = r.Export(context.Background(), panickingWriter{}) })
	})
}

// A host's history may hold more observations of a key than Import keeps
// (WindowLimit, the newest): Export writes only those, so that a long
// series still fits in a line Import reads. It wrote them all, and a
// series of 120 000 was a line over MaxStateLine that Import skipped
// whole (ImportTooLong): the key's history was lost across a restart.
func TestExportWritesNoMoreOfASeriesThanImportKeeps(t *testing.T) {
	const n = 120_000
	h, err := stats.NewMemoryHistory(stats.MemoryConfig{MaxPoints: n})
	require.NoError(t, err)
	start := time.Now().AddDate(0, 0, -n)
	for i := range n {
		require.NoError(t, h.Append(context.Background(), "cpc?keyword=shoes", stats.Observation{At: start.AddDate(0, 0, i), Value: 2 + float64(i%2)/10}))
	}
	a := newTestResolver(t, testConfig(), newStub(1), newStub(1), WithHistory(h))
	var state bytes.Buffer
	erep, err := a.Export(context.Background(), &state)
	require.NoError(t, err)
	assert.Equal(t, 1, erep.Series)
	assert.Equal(t, WindowLimit, erep.Observations)

	b := newTestResolver(t, testConfig(), newStub(1), newStub(1))
	rep, err := b.Import(context.Background(), &state)
	require.NoError(t, err)
	assert.Zero(t, rep.Skipped, "%+v", rep.Skips)
	assert.Equal(t, 1, rep.Series)
	assert.Equal(t, WindowLimit, rep.Observations)
	obs, err := b.ownHistory().Observations(context.Background(), "cpc?keyword=shoes")
	require.NoError(t, err)
	require.NotEmpty(t, obs)
	assert.True(t, obs[len(obs)-1].At.Equal(start.AddDate(0, 0, n-1)), "the newest kept")
}

// noListHistory is a history that cannot list its keys (no stats.Lister):
// Export writes no series, and nothing else of Export's calls fails at
// Close.
type noListHistory struct{ stats.History }

// Close during Export's copy of the answers makes Export return ErrClosed,
// never a file sealed by an end record with part of the answers (the copy
// goes a chunk at a time, and Close empties the cache between two).
func TestExportRacingCloseIsWholeOrErrClosed(t *testing.T) {
	const n = 30000
	for round := range 8 {
		h, err := stats.NewMemoryHistory(stats.MemoryConfig{})
		require.NoError(t, err)
		cfg := stateConfig()
		cfg.Cache.LastGoodCapacity = n
		r, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)), WithHistory(noListHistory{h}), WithHashKey(stateKey))
		require.NoError(t, err)
		now := time.Now()
		for i := range n {
			r.cache.Put(fmt.Sprint("cpc?keyword=k", i), cache.Entry{Value: 1, ObservedAt: now, StoredAt: now, Source: "p1", Confidence: 0.9, Layer: 1}, 0)
		}
		var rep ExportReport
		done := make(chan error, 1)
		go func() {
			var err error
			rep, err = r.Export(context.Background(), io.Discard)
			done <- err
		}()
		time.Sleep(time.Duration(round) * 300 * time.Microsecond)
		_ = r.Close()
		if err := <-done; err == nil {
			assert.Equal(t, n, rep.Answers, "round %d: a whole file, or ErrClosed", round)
		} else {
			assert.ErrorIs(t, err, ErrClosed, "round %d", round)
		}
	}
}

// A provider's answer observed before the year 1 is a data-quality
// failure: served and cached, it was a Result json.Marshal refuses and an
// answer that made every Export fail ("year outside of range").
func TestAnAnswerObservedBeforeTheYear1IsRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1 := newStub(1.25)
		p1.set(func(context.Context, providers.Request) (providers.Response, error) {
			return providers.Response{Value: 1.25, ObservedAt: time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)}, nil
		})
		r := newTestResolver(t, stateConfig(), p1, newStub(1), WithHashKey(stateKey))
		ctx := context.Background()
		res, err := r.Resolve(ctx, "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, LayerSecondary, res.Layer, "attempts: %v", res.Attempts)
		assert.Equal(t, providers.DataQuality, res.Attempts[0].Class)
		_, err = json.Marshal(res)
		require.NoError(t, err)
		var buf bytes.Buffer
		rep, err := r.Export(ctx, &buf)
		require.NoError(t, err)
		assert.Equal(t, 1, rep.Answers)
	})
}

// fixedHistory is a host's history that lists one series, whatever it
// holds.
type fixedHistory struct {
	key string
	obs []stats.Observation
}

func (h fixedHistory) Append(context.Context, string, stats.Observation) error { return nil }
func (h fixedHistory) Observations(_ context.Context, key string) ([]stats.Observation, error) {
	if key != h.key {
		return nil, nil
	}
	return h.obs, nil
}
func (h fixedHistory) Keys(context.Context) ([]string, error) { return []string{h.key}, nil }

// A host's history holding observations no state file can hold — a value
// not finite, a time beyond the year 9999 or before the year 1 — is
// exported without them: JSON refused each, and the whole Export failed,
// every time, with nothing after it written.
func TestExportLeavesOutWhatTheFormatCannotHold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := time.Now()
		h := fixedHistory{key: "cpc?keyword=hats", obs: []stats.Observation{
			{At: now.Add(-3 * time.Hour), Value: math.NaN()},
			{At: now.Add(-2 * time.Hour), Value: math.Inf(-1)},
			{At: time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC), Value: 1},
			{At: time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC), Value: 1},
			{At: now.Add(-time.Hour), Value: 1.5},
		}}
		r := newTestResolver(t, stateConfig(), newStub(1.25), newStub(1), WithHistory(h), WithHashKey(stateKey))
		var buf bytes.Buffer
		rep, err := r.Export(context.Background(), &buf)
		require.NoError(t, err)
		assert.Equal(t, ExportReport{Series: 1, Observations: 1}, rep)
		b := newTestResolver(t, stateConfig(), newStub(1.25), newStub(1), WithHashKey(stateKey))
		irep, err := b.Import(context.Background(), &buf)
		require.NoError(t, err)
		assert.True(t, irep.Complete)
		assert.Equal(t, 1, irep.Observations)
	})
}

// slowAppendHistory is a MemoryHistory whose Append takes a millisecond,
// as a host's database would.
type slowAppendHistory struct{ *stats.MemoryHistory }

func (h slowAppendHistory) Append(ctx context.Context, key string, o stats.Observation) error {
	time.Sleep(time.Millisecond)
	return h.MemoryHistory.Append(ctx, key, o)
}

// A state file saved by an editor that starts it with a byte-order mark
// imports as the file does.
func TestImportReadsAFileWithAByteOrderMark(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		state, _, a := exported(t)
		require.NoError(t, a.Close())
		b := newTestResolver(t, stateConfig(), newStub(1), newStub(1), WithHashKey(stateKey))
		irep, err := b.Import(context.Background(), strings.NewReader("\ufeff"+state))
		require.NoError(t, err)
		assert.Equal(t, ImportReport{Version: 1, Answers: 3, Series: 4, Observations: 43, Rates: 1, Reasons: map[ImportReason]int{}, Complete: true}, irep)
	})
}

// slowImport returns an exported state, and a resolver to import it into
// whose history (h) takes a millisecond an append.
func slowImport(t *testing.T) (string, *Resolver, *stats.MemoryHistory) {
	t.Helper()
	state, _, a := exported(t)
	require.NoError(t, a.Close())
	h, err := stats.NewMemoryHistory(stats.MemoryConfig{})
	require.NoError(t, err)
	return state, newTestResolver(t, stateConfig(), newStub(1), newStub(1), WithHashKey(stateKey), WithHistory(slowAppendHistory{h})), h
}

// Imports of one file at once add its series once: each checked which
// periods the history held and then appended what it lacked, so four
// Imports at once, each seeing none, quadrupled every series.
func TestImportsAtOnceAddEachObservationOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		state, b, h := slowImport(t)
		var wg sync.WaitGroup
		var mu sync.Mutex
		taken := 0
		for range 4 {
			wg.Go(func() {
				rep, err := b.Import(context.Background(), strings.NewReader(state))
				assert.NoError(t, err)
				mu.Lock()
				taken += rep.Observations
				mu.Unlock()
			})
		}
		wg.Wait()
		assert.Equal(t, 43, taken, "each observation taken by one Import")
		key, err := b.Key("cpc", Params{"keyword": "hats"})
		require.NoError(t, err)
		obs, err := h.Observations(context.Background(), key)
		require.NoError(t, err)
		assert.Equal(t, 40, len(obs), "one observation per period")
	})
}

// An Import abandoned at its context's end holds its turn until its
// appends return: guarded gives up on them at once, but they go on, and
// an Import that took the turn then appended what they were appending.
func TestAnAbandonedImportKeepsItsTurnUntilItsAppendsReturn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		state, b, h := slowImport(t)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
		defer cancel()
		_, err := b.Import(ctx, strings.NewReader(state))
		require.ErrorIs(t, err, context.DeadlineExceeded, "abandoned amid the appends")
		_, err = b.Import(context.Background(), strings.NewReader(state))
		require.NoError(t, err)
		time.Sleep(time.Second) // the abandoned appends end
		key, err := b.Key("cpc", Params{"keyword": "hats"})
		require.NoError(t, err)
		obs, err := h.Observations(context.Background(), key)
		require.NoError(t, err)
		assert.Equal(t, 40, len(obs), "one observation per period")
	})
}

// A file of more answers than the last-good store holds: the ones pushed
// out by the later ones were counted as taken. The report counts what the
// process holds when Import returns, and the answers pushed out apart.
func TestImportCountsTheAnswersKept(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		state, erep, _ := exported(t)
		require.Equal(t, 3, erep.Answers)
		cfg := stateConfig()
		cfg.Cache.LastGoodCapacity = 2
		b := newTestResolver(t, cfg, newStub(9), newStub(9), WithHashKey(stateKey))
		rep, err := b.Import(context.Background(), strings.NewReader(state))
		require.NoError(t, err)
		assert.Equal(t, 2, rep.Answers, "the answers the process holds")
		assert.Equal(t, 1, rep.Evicted, "the one pushed out by capacity")
		var held int
		for _, kw := range []string{"shoes", "boots", "sandals"} {
			key, err := b.Key("cpc", Params{"keyword": kw, "email": "alice@example.org"})
			require.NoError(t, err)
			if _, ok := b.cache.LastGood(key); ok {
				held++
			}
		}
		assert.Equal(t, rep.Answers, held)
	})
}

// An imported answer far from the median of its key's history — the
// reference of a key the process has no answer of its own for — is not
// taken: as the key's last good answer it would be the reference every
// provider answer is judged by, and a wrong one (here ×10) refused the
// right answers (garbage-shaped against it) while the only provider said
// so. An answer near the median is taken as before.
func TestImportSkipsAnAnswerFarFromItsHistory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := time.Now()
		day := func(d int) string { return now.AddDate(0, 0, d).Format(time.RFC3339Nano) }
		var b strings.Builder
		b.WriteString(`{"format":"strata-state","version":1}` + "\n")
		for _, kw := range []string{"shoes", "boots"} {
			v := 20.5 // shoes: a unit error took
			if kw == "boots" {
				v = 2.1
			}
			fmt.Fprintf(&b, `{"kind":"answer","key":"cpc?keyword=%s","value":%v,"observed_at":%q,"stored_at":%q,"source":"p1","confidence":0.95,"layer":1}`+"\n", kw, v, day(-1), day(-1))
			fmt.Fprintf(&b, `{"kind":"history","key":"cpc?keyword=%s","observations":[{"at":%q,"value":2},{"at":%q,"value":2.1},{"at":%q,"value":1.9},{"at":%q,"value":2},{"at":%q,"value":%v}]}`+"\n",
				kw, day(-5), day(-4), day(-3), day(-2), day(-1), v)
		}
		b.WriteString(`{"kind":"end"}` + "\n")
		p1, s1 := newStub(2.05), newStub(0)
		s1.fail(providers.Unavailable)
		r := newTestResolver(t, testConfig(), p1, s1)
		rep, err := r.Import(context.Background(), strings.NewReader(b.String()))
		require.NoError(t, err)
		assert.Equal(t, 1, rep.Answers, "boots' answer")
		assert.Equal(t, 2, rep.Reasons[ImportImplausible], "shoes' answer, and its newest observation")
		assert.Equal(t, 1, rep.Dropped, "shoes' newest observation")
		require.Len(t, rep.Skips, 1)
		assert.Equal(t, ImportSkip{Line: 2, Kind: "answer", Key: "cpc?keyword=shoes", Reason: ImportImplausible,
			Detail: "20.5 is ×10.2 the median of the key's history, 2 (at most ×3 expected)"}, rep.Skips[0])

		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, "p1", res.Source)
		assert.Equal(t, 2.05, res.Value)
		assert.False(t, res.Implausible, "judged against the history's median, 2")
		boots, ok := lastGood(r, "cpc?keyword=boots")
		require.True(t, ok)
		assert.Equal(t, 2.1, boots.Value)
	})
}

// An answer Import skips as far from its key's history takes nothing
// from the process: the answer it held for the key — its own, fresh, or
// an earlier file's, never fresh — is held again as it was, where the
// skipped answer had replaced it and Import deleted both.
func TestAnAnswerImportSkipsLeavesTheProcesssOwn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(2), newStub(0)
		s1.fail(providers.Unavailable)
		cfg := testConfig()
		cfg.Plausibility.AuditRate = -1 // a second call would muddle the count
		r := newTestResolver(t, cfg, p1, s1)
		_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		_, err = r.Import(context.Background(), strings.NewReader(importHistoryFile(time.Now(), "cpc?keyword=boots", 2, 2.1, 1.9)))
		require.NoError(t, err)
		answer := func(key string, v float64) string {
			at := time.Now().Format(time.RFC3339Nano)
			return fmt.Sprintf(`{"kind":"answer","key":%q,"value":%v,"observed_at":%q,"stored_at":%q,"source":"p1","confidence":0.95,"layer":1}`+"\n", key, v, at, at)
		}
		const header = `{"format":"strata-state","version":1}` + "\n"
		rep, err := r.Import(context.Background(), strings.NewReader(header+answer("cpc?keyword=boots", 2.05)))
		require.NoError(t, err)
		require.Equal(t, 1, rep.Answers, "boots' answer, plausible")
		time.Sleep(time.Second)

		// ×10 both: shoes' against the process's own history, boots'
		// against the file's.
		file := header + answer("cpc?keyword=shoes", 20.5) + answer("cpc?keyword=boots", 20.5)
		rep, err = r.Import(context.Background(), strings.NewReader(file))
		require.NoError(t, err)
		assert.Equal(t, 0, rep.Answers)
		assert.Equal(t, 2, rep.Reasons[ImportImplausible])

		shoes, ok := lastGood(r, "cpc?keyword=shoes")
		require.True(t, ok, "the process's own answer is held still")
		assert.Equal(t, 2.0, shoes.Value)
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, LayerCache, res.Layer, "and fresh still")
		assert.Equal(t, 2.0, res.Value)
		assert.EqualValues(t, 1, p1.calls.Load(), "not paid for again")

		boots, ok := lastGood(r, "cpc?keyword=boots")
		require.True(t, ok, "the first file's answer is held still")
		assert.Equal(t, 2.05, boots.Value)
		_, fresh := r.cache.Fresh("cpc?keyword=boots", time.Hour, time.Now())
		assert.False(t, fresh, "and never fresh")

		p1.fail(providers.Unavailable)
		time.Sleep(2 * time.Minute)
		for kw, want := range map[string]float64{"shoes": 2, "boots": 2.05} {
			res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": kw})
			require.NoError(t, err)
			assert.Equal(t, LayerCache, res.Layer, "%s: the last good answer stands in", kw)
			assert.Equal(t, want, res.Value, kw)
		}
	})
}

// While Import runs, an answer it will skip is nobody's reference: the
// file's answers are held aside until they are judged, so a resolve
// meanwhile judges its provider's answer by the process's own, serves
// it, and learns no ×10 move into the data type's volatility — where
// the file's ×10 was the key's last good answer until Import ended,
// refused the provider's right answer as garbage-shaped and was served.
func TestAnAnswerImportWillSkipIsNotTheReferenceWhileItRuns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(2), newStub(0)
		s1.fail(providers.Unavailable)
		cfg := testConfig()
		cfg.Plausibility.AuditRate = -1
		r := newTestResolver(t, cfg, p1, s1)
		_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		time.Sleep(2 * time.Minute) // stale: the next resolve asks p1

		at := time.Now().Format(time.RFC3339Nano)
		pr, pw := io.Pipe()
		var rep ImportReport
		done := make(chan error)
		go func() {
			var err error
			rep, err = r.Import(context.Background(), pr)
			done <- err
		}()
		fmt.Fprintf(pw, `{"format":"strata-state","version":1}`+"\n"+
			`{"kind":"answer","key":"cpc?keyword=shoes","value":20.5,"observed_at":%q,"stored_at":%q,"source":"p1","confidence":0.95,"layer":1}`+"\n", at, at)
		synctest.Wait() // Import has read the answer, and waits for more

		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, 2.0, res.Value, "the provider's answer, judged by the process's own")
		assert.Equal(t, "p1", res.Source)
		assert.Equal(t, LayerPrimary, res.Layer)
		assert.Zero(t, r.plaus.sigma(r.types["cpc"]), "no move learned")

		fmt.Fprintln(pw, `{"kind":"end"}`)
		require.NoError(t, pw.Close())
		require.NoError(t, <-done)
		assert.Equal(t, 0, rep.Answers)
		assert.Equal(t, 1, rep.Reasons[ImportImplausible])
		e, ok := lastGood(r, "cpc?keyword=shoes")
		require.True(t, ok)
		assert.Equal(t, 2.0, e.Value)
	})
}

// An answer the cache expired when its provider was caught serving
// garbage stays the key's last good answer (dropCaught), with its stored
// time: Export writes it, and Import takes it back — where Expire zeroed
// the stored time, Export wrote no stored_at and Import refused its own
// file's record ("a time is not set").
func TestAnAnswerExpiredWhenItsProviderWasCaughtSurvivesARestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, p2, s1 := newStub(1.2), newStub(1.2), newStub(1.2)
		r := moverFirstWith(t, auditEvery(), p1, p2, s1)
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "boots"})
		require.NoError(t, err)
		require.Equal(t, "p1", res.Source)
		observed, stored := res.ObservedAt, time.Now()
		p1.answer(1.8) // drifted: the audit catches p1
		s1.answer(1.22)
		_, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		boots := resolverKey(t, r, Params{"keyword": "boots"})
		_, fresh := r.cache.Fresh(boots, time.Minute, time.Now())
		require.False(t, fresh, "p1's answer for boots is expired")
		_, ok := lastGood(r, boots)
		require.True(t, ok, "and the key's last good answer still")

		var state bytes.Buffer
		erep, err := r.Export(context.Background(), &state)
		require.NoError(t, err)
		b := newTestResolver(t, testConfig(), newStub(9), newStub(9))
		rep, err := b.Import(context.Background(), &state)
		require.NoError(t, err)
		assert.Equal(t, erep.Answers, rep.Answers)
		assert.Zero(t, rep.Skipped, "%+v", rep.Skips)
		e, ok := lastGood(b, boots)
		require.True(t, ok)
		assert.Equal(t, 1.2, e.Value)
		assert.Equal(t, "p1", e.Source)
		assert.True(t, e.ObservedAt.Equal(observed))
		assert.True(t, e.StoredAt.Equal(stored), "with the time it was stored")
		_, fresh = b.cache.Fresh(boots, time.Minute, time.Now())
		assert.False(t, fresh, "a last good answer, never a fresh hit")
	})
}

// An answer Import reads that is older than the process's own is skipped
// (ImportStale) — also when the process's own was expired because its
// provider was caught (dropCaught): Expire zeroed its stored time, and
// any imported answer, however old, looked newer and replaced it.
func TestImportKeepsAnExpiredAnswerNewerThanTheFiles(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, p2, s1 := newStub(1.2), newStub(1.2), newStub(1.2)
		fileStored := time.Now().Add(-time.Hour)
		r := moverFirstWith(t, auditEvery(), p1, p2, s1)
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "boots"})
		require.NoError(t, err)
		require.Equal(t, "p1", res.Source)
		stored := time.Now()
		p1.answer(1.8) // drifted: the audit catches p1
		s1.answer(1.22)
		_, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		boots := resolverKey(t, r, Params{"keyword": "boots"})
		_, fresh := r.cache.Fresh(boots, time.Minute, time.Now())
		require.False(t, fresh, "p1's answer for boots is expired")
		held, ok := lastGood(r, boots)
		require.True(t, ok)
		assert.True(t, held.StoredAt.Equal(stored), "expired, it keeps its stored time")

		at := fileStored.UTC().Format(time.RFC3339Nano)
		file := fmt.Sprintf(`{"format":"strata-state","version":1}`+"\n"+
			`{"kind":"answer","key":%q,"value":1.19,"observed_at":%q,"stored_at":%q,"source":"s1","confidence":0.85,"layer":2}`+"\n"+
			`{"kind":"end"}`+"\n", boots, at, at)
		rep, err := r.Import(context.Background(), strings.NewReader(file))
		require.NoError(t, err)
		assert.Equal(t, 0, rep.Answers)
		assert.Equal(t, 1, rep.Reasons[ImportStale], "%+v", rep.Skips)
		e, ok := lastGood(r, boots)
		require.True(t, ok)
		assert.Equal(t, 1.2, e.Value, "the process's own, newer than the file's")
		assert.Equal(t, "p1", e.Source)
		_, fresh = r.cache.Fresh(boots, time.Minute, time.Now())
		assert.False(t, fresh, "and still expired")
	})
}

// An answer Import reads does not replace one the process holds fresh
// (stored less than its TTL ago), newer or not: taken, it is a last good
// answer only, never a fresh hit, and the next resolve of the key paid a
// provider for what the cache held — Import while serving cost a call per
// key it touched. It is skipped (ImportHeldFresh); once the process's own
// is past its TTL, the file's newer answer is taken.
func TestImportLeavesAFreshAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1 := newStub(2)
		r := newTestResolver(t, testConfig(), p1, newStub(2))
		_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		time.Sleep(10 * time.Second)
		at := time.Now().UTC().Format(time.RFC3339Nano)
		file := `{"format":"strata-state","version":1}` + "\n" +
			fmt.Sprintf(`{"kind":"answer","key":"cpc?keyword=shoes","value":2.05,"observed_at":%q,"stored_at":%q,"source":"p1","confidence":0.95,"layer":1}`, at, at) + "\n" + `{"kind":"end"}` + "\n"
		time.Sleep(5 * time.Second)
		rep, err := r.Import(context.Background(), strings.NewReader(file))
		require.NoError(t, err)
		assert.Zero(t, rep.Answers)
		assert.Equal(t, 1, rep.Reasons[ImportHeldFresh], "%+v", rep.Skips)
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, LayerCache, res.Layer, "a fresh hit")
		assert.Equal(t, 2.0, res.Value)
		assert.Equal(t, int64(1), p1.calls.Load(), "no provider asked again")

		time.Sleep(time.Minute) // the process's own is past its TTL
		rep, err = r.Import(context.Background(), strings.NewReader(file))
		require.NoError(t, err)
		assert.Equal(t, 1, rep.Answers, "%+v", rep.Skips)
		e, ok := lastGood(r, "cpc?keyword=shoes")
		require.True(t, ok)
		assert.Equal(t, 2.05, e.Value)
	})
}

// importHistoryFile is a state file of one history for key: vals, one a
// day, the last a day before now.
func importHistoryFile(now time.Time, key string, vals ...float64) string {
	var b strings.Builder
	b.WriteString(`{"format":"strata-state","version":1}` + "\n")
	fmt.Fprintf(&b, `{"kind":"history","key":%q,"observations":[`, key)
	for i, v := range vals {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"at":%q,"value":%v}`, now.AddDate(0, 0, i-len(vals)).Format(time.RFC3339Nano), v)
	}
	b.WriteString("]}\n" + `{"kind":"end"}` + "\n")
	return b.String()
}

// Each observation of an imported history is judged as plausibility
// judged it when it was answered: against the observation before it (the
// series' oldest against the median of its first reference_points), the
// allowed factor apart. A ×10 among them — which the default engine
// averaged, 3.6 where the series is 2 — is dropped and reported
// (ImportImplausible); a move the series keeps — the observation after it
// agrees — is taken, and so is the newest within the factor of the one
// before it.
func TestImportDropsAnObservationFarFromItsSeries(t *testing.T) {
	for _, tc := range []struct {
		name    string
		vals    []float64
		dropped int
		base    float64 // the default engine's historical average
	}{
		{"a spike", []float64{2, 2, 2, 2, 20, 2, 2, 2, 2}, 1, 2},
		{"a spike first", []float64{20, 2, 2, 2, 2, 2, 2, 2, 2}, 1, 2},
		{"a move kept", []float64{2, 2, 2, 2, 8, 8, 8, 8, 8}, 0, 48.0 / 9},
		{"within the factor", []float64{2, 2, 2, 2, 5, 2, 2, 2, 2}, 0, 21.0 / 9},
		{"a move in the newest only", []float64{2, 2, 2, 2, 2, 2, 2, 2, 20}, 1, 2},
		{"the newest within the factor", []float64{2, 2, 2, 2, 2, 2, 2, 2, 5}, 0, 21.0 / 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				cfg.Forecast.Disabled = true
				p1, s1 := newStub(0), newStub(0)
				p1.fail(providers.Unavailable)
				s1.fail(providers.Unavailable)
				r := newTestResolver(t, cfg, p1, s1)
				rep, err := r.Import(context.Background(), strings.NewReader(importHistoryFile(time.Now(), "cpc?keyword=shoes", tc.vals...)))
				require.NoError(t, err)
				assert.Equal(t, 1, rep.Series)
				assert.Equal(t, len(tc.vals)-tc.dropped, rep.Observations)
				assert.Equal(t, tc.dropped, rep.Dropped)
				assert.Equal(t, tc.dropped, rep.Reasons[ImportImplausible])

				res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
				require.NoError(t, err)
				require.Equal(t, LayerDefault, res.Layer)
				require.NotNil(t, res.Default)
				assert.Equal(t, "history", res.Default.From)
				assert.InDelta(t, tc.base, res.Default.Base, 1e-9)
			})
		})
	}
}

// An imported observation is judged against the history the process
// holds too: a ×10 after the held series is refused, and a record with
// nothing else to take is skipped as implausible.
func TestImportJudgesAnObservationAgainstTheHistoryHeld(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newTestResolver(t, testConfig(), newStub(1), newStub(1))
		now := time.Now()
		rep, err := r.Import(context.Background(), strings.NewReader(importHistoryFile(now.AddDate(0, 0, -1), "cpc?keyword=shoes", 2, 2.1, 1.9, 2, 2)))
		require.NoError(t, err)
		require.Equal(t, 5, rep.Observations)
		rep, err = r.Import(context.Background(), strings.NewReader(importHistoryFile(now, "cpc?keyword=shoes", 20)))
		require.NoError(t, err)
		assert.Zero(t, rep.Series)
		assert.Zero(t, rep.Observations)
		assert.Equal(t, 1, rep.Reasons[ImportImplausible])
		require.Len(t, rep.Skips, 1)
		assert.Equal(t, ImportSkip{Line: 2, Kind: "history", Key: "cpc?keyword=shoes", Reason: ImportImplausible}, rep.Skips[0])
		obs, err := r.ownHistory().Observations(context.Background(), "cpc?keyword=shoes")
		require.NoError(t, err)
		assert.Len(t, obs, 5)
		assert.Equal(t, 2.0, obs[len(obs)-1].Value)
	})
}

// A history whose values swing with the data type's season (cpc: daily,
// a week's season) imports whole into a process that has learned no
// volatility yet: a Saturday at ×3.5 the week's other days, which the
// observation before and the one after it are both far from, agrees with
// the Saturdays a season before and after it. A ×10 unit error on a
// weekday, which no observation a season away agrees with, is still
// refused, and so is one on a Saturday.
func TestImportKeepsASeasonalHistoryWhole(t *testing.T) {
	week := []float64{2, 2.1, 1.9, 2, 2.2, 7, 2}
	var vals []float64
	for range 4 {
		for _, v := range week {
			vals = append(vals, v*(1+0.02*float64(len(vals)%3)))
		}
	}
	unit := slices.Clone(vals)
	unit[15] *= 10 // a Tuesday
	sat := slices.Clone(vals)
	sat[19] *= 10 // the third Saturday
	for _, tc := range []struct {
		name    string
		vals    []float64
		dropped []int // indices refused
	}{
		{"seasonal", vals, nil},
		{"a unit error on a weekday", unit, []int{15}},
		{"a unit error on a peak", sat, []int{19}},
	} {
		t.Run(tc.name, func(t *testing.T) { importKeepsAllBut(t, tc.vals, tc.dropped) })
	}
}

// A history shorter than the data type's season (cpc: a week) has no
// observation a season away to agree or disagree with a peak: a Saturday
// at ×3.5 the other days of five — or the newest of five, or the oldest —
// is held as possible and kept, where it was dropped as a spike. What has
// the shape of garbage (a unit error: ×10 or ÷10 the observation before
// it) is still refused; and so is a spike in a history of a season or
// more, where a peak a season away would agree with a peak.
func TestImportKeepsAPeakOfAHistoryShorterThanASeason(t *testing.T) {
	for _, tc := range []struct {
		name    string
		vals    []float64
		dropped []int
	}{
		{"a peak", []float64{2, 2.1, 7, 2, 2.2}, nil},
		{"a peak the newest", []float64{2, 2.1, 1.9, 2, 7}, nil},
		{"a peak the oldest", []float64{7, 2.1, 1.9, 2, 2.2}, nil},
		{"a trough", []float64{2, 2.1, 0.5, 2, 2.2}, nil},
		{"a unit error", []float64{2, 2.1, 21, 2, 2.2}, []int{2}},
		{"a unit error the newest", []float64{2, 2.1, 1.9, 2, 20}, []int{4}},
		{"a unit error down", []float64{2, 2.1, 0.21, 2, 2.2}, []int{2}},
		{"a season long", []float64{2, 2.1, 7, 2, 2.2, 1.9, 2}, []int{2}},
	} {
		t.Run(tc.name, func(t *testing.T) { importKeepsAllBut(t, tc.vals, tc.dropped) })
	}
}

// A zero among an imported history of a data type bounded at zero is
// judged as a provider's zero answer is: no value is within a factor of
// it but a zero. It was kept, vouched for by the observation after it
// (distance judges nothing from a zero), where the live check refuses a
// zero answer after a series of 2 as garbage; a move to zero the series
// keeps is still taken.
func TestImportDropsAZeroAmongItsSeries(t *testing.T) {
	for _, tc := range []struct {
		name    string
		vals    []float64
		dropped []int
	}{
		{"a zero", []float64{2, 2, 2, 2, 0, 2, 2, 2, 2}, []int{4}},
		{"a zero first", []float64{0, 2, 2, 2, 2, 2, 2, 2, 2}, []int{0}},
		{"a zero in a history shorter than a season", []float64{2, 2.1, 0, 2, 2.2}, []int{2}},
		{"a move to zero", []float64{2, 2, 2, 2, 0, 0, 0, 0, 0}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) { importKeepsAllBut(t, tc.vals, tc.dropped) })
	}
}

// The oldest observation of an imported history has none before it: it is
// judged against the median of the first reference_points, and when it is
// far from that (a series that rose from 1 to 4 in its first days) it is
// kept if one of those after it agrees with it. A spike just after it (×10
// at the second day) no longer takes it with it; the spike is still
// refused, and so is a spike that is the oldest.
func TestImportKeepsTheOldestObservationPastASpike(t *testing.T) {
	for _, tc := range []struct {
		name    string
		vals    []float64
		dropped []int
	}{
		{"a rise", []float64{1, 1.8, 2.5, 3.5, 4, 4, 4}, nil},
		{"a spike after the oldest", []float64{1, 20, 2.5, 3.5, 4, 4, 4}, []int{1}},
		{"a spike first", []float64{40, 1.8, 2.5, 3.5, 4, 4, 4}, []int{0}},
	} {
		t.Run(tc.name, func(t *testing.T) { importKeepsAllBut(t, tc.vals, tc.dropped) })
	}
}

// A move an imported history ends at, kept only by the observations
// after it, is held to the standard a provider's move is held to before
// it enters the key's history: plausibility.confirm_answers observations
// at the new level over at least confirm_after. Two ×10s ending a series
// vouched for each other and were taken, and the forecast followed them
// as a new level; they are dropped (ImportUnconfirmed), and a move the
// series keeps long enough is still taken whole.
func TestImportHoldsAMoveItEndsAtToTheLivePathsStandard(t *testing.T) {
	for _, tc := range []struct {
		name         string
		confirmAfter time.Duration // 0: the default
		vals         []float64
		dropped      []int // indices dropped as an unconfirmed move
	}{
		{"two ×10s at the end", 0, []float64{1, 1, 1, 10.2, 10.1}, []int{3, 4}},
		{"two ×10s after one", 0, []float64{1.1, 0.9, 1, 1.05, 1, 10.2, 10.1}, []int{5, 6}},
		{"a move of ×4 in two", 0, []float64{2, 2, 2, 2, 2, 2, 2, 8, 8}, []int{7, 8}},
		{"a move back in two", 0, []float64{1, 1, 1, 10, 10, 10, 10, 10, 10, 10, 1, 1}, []int{10, 11}},
		{"three at the new level", 0, []float64{1, 1, 1, 10.2, 10.1, 10.3}, nil},
		{"a move the series keeps", 0, []float64{2, 2, 2, 2, 8, 8, 8, 8, 8}, nil},
		{"three over less than confirm_after", 72 * time.Hour, []float64{1, 1, 1, 10.2, 10.1, 10.3}, []int{3, 4, 5}},
		{"four over confirm_after", 72 * time.Hour, []float64{1, 1, 1, 10.2, 10.1, 10.3, 10}, nil},
		{"a move in the middle", 0, []float64{1, 1, 1, 10.2, 10.1, 1, 1, 1}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				cfg.Forecast.Disabled = true
				cfg.Plausibility.ConfirmAfter = tc.confirmAfter
				r := newTestResolver(t, cfg, newStub(1), newStub(1))
				rep, err := r.Import(context.Background(), strings.NewReader(importHistoryFile(time.Now(), "cpc?keyword=shoes", tc.vals...)))
				require.NoError(t, err)
				assert.Equal(t, 1, rep.Series)
				assert.Equal(t, len(tc.vals)-len(tc.dropped), rep.Observations)
				assert.Equal(t, len(tc.dropped), rep.Dropped)
				assert.Equal(t, len(tc.dropped), rep.Reasons[ImportUnconfirmed])
				assert.Zero(t, rep.Reasons[ImportImplausible])
				obs, err := r.ownHistory().Observations(context.Background(), "cpc?keyword=shoes")
				require.NoError(t, err)
				var want []float64
				for i, v := range tc.vals {
					if !slices.Contains(tc.dropped, i) {
						want = append(want, v)
					}
				}
				got := make([]float64, len(obs))
				for i, o := range obs {
					got[i] = o.Value
				}
				assert.Equal(t, want, got)
			})
		})
	}
}

// The observations a move is confirmed by include those the history
// holds: a file of two ×10s after a held series of 1s is skipped whole as
// an unconfirmed move; one more at the new level held, it is taken.
func TestImportConfirmsAMoveWithTheHistoryHeld(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newTestResolver(t, testConfig(), newStub(1), newStub(1))
		now := time.Now()
		rep, err := r.Import(context.Background(), strings.NewReader(importHistoryFile(now.AddDate(0, 0, -2), "cpc?keyword=shoes", 1, 1.1, 0.9, 1)))
		require.NoError(t, err)
		require.Equal(t, 4, rep.Observations)
		rep, err = r.Import(context.Background(), strings.NewReader(importHistoryFile(now, "cpc?keyword=shoes", 10.2, 10.1)))
		require.NoError(t, err)
		assert.Zero(t, rep.Series)
		assert.Zero(t, rep.Observations)
		assert.Equal(t, map[ImportReason]int{ImportUnconfirmed: 1}, rep.Reasons)
		require.Len(t, rep.Skips, 1)
		assert.Equal(t, ImportSkip{Line: 2, Kind: "history", Key: "cpc?keyword=shoes", Reason: ImportUnconfirmed}, rep.Skips[0])
		obs, err := r.ownHistory().Observations(context.Background(), "cpc?keyword=shoes")
		require.NoError(t, err)
		require.Len(t, obs, 4)
		assert.Equal(t, 1.0, obs[len(obs)-1].Value)
	})
}

// importKeepsAllBut imports vals as a cpc key's history into a process
// that has learned nothing and checks that every observation but those at
// the indices dropped is kept, in order, and that those are refused as
// implausible.
func importKeepsAllBut(t *testing.T, vals []float64, dropped []int) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Forecast.Disabled = true
		r := newTestResolver(t, cfg, newStub(1), newStub(1))
		rep, err := r.Import(context.Background(), strings.NewReader(importHistoryFile(time.Now(), "cpc?keyword=shoes", vals...)))
		require.NoError(t, err)
		assert.Equal(t, len(vals)-len(dropped), rep.Observations)
		assert.Equal(t, len(dropped), rep.Reasons[ImportImplausible])
		obs, err := r.ownHistory().Observations(context.Background(), "cpc?keyword=shoes")
		require.NoError(t, err)
		var want []float64
		for i, v := range vals {
			if !slices.Contains(dropped, i) {
				want = append(want, v)
			}
		}
		got := make([]float64, len(obs))
		for i, o := range obs {
			got[i] = o.Value
		}
		assert.Equal(t, want, got)
	})
}

// A move the exporting process had confirmed (×4: its answer 8) but its
// history does not show yet — or shows only in its newest observation,
// dropped as implausible — is not taken: the answer is skipped, and the
// process confirms the move again from its providers, as any move
// (plausibility.confirm_answers answers over confirm_after, or a second
// provider agreeing at once): until then the one provider's 8 is served
// flagged, neither cached nor the key's reference.
func TestImportSkipsAMoveItsHistoryDoesNotShow(t *testing.T) {
	for _, tc := range []struct {
		name    string
		history []float64
		second  bool // s1 answers 8 too: it confirms the move at once
	}{
		{"not yet", []float64{2, 2, 2, 2, 2}, false},
		{"only the newest", []float64{2, 2, 2, 2, 8}, false},
		{"a second provider agrees", []float64{2, 2, 2, 2, 2}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				now := time.Now()
				file := strings.Replace(importHistoryFile(now, "cpc?keyword=shoes", tc.history...), "\n",
					fmt.Sprintf("\n"+`{"kind":"answer","key":"cpc?keyword=shoes","value":8,"observed_at":%q,"stored_at":%q,"source":"p1","confidence":0.95,"layer":1}`+"\n",
						now.Add(-time.Hour).Format(time.RFC3339Nano), now.Add(-time.Hour).Format(time.RFC3339Nano)), 1)
				cfg := testConfig()
				p1, s1 := newStub(8), newStub(0)
				s1.fail(providers.Unavailable)
				if tc.second {
					s1.answer(8)
				}
				r := newTestResolver(t, cfg, p1, s1)
				rep, err := r.Import(context.Background(), strings.NewReader(file))
				require.NoError(t, err)
				assert.Zero(t, rep.Answers)
				require.NotEmpty(t, rep.Skips)
				assert.Equal(t, ImportSkip{Line: 2, Kind: "answer", Key: "cpc?keyword=shoes", Reason: ImportImplausible,
					Detail: "8 is ×4 the median of the key's history, 2 (at most ×3 expected)"}, rep.Skips[0])
				_, ok := lastGood(r, "cpc?keyword=shoes")
				assert.False(t, ok)

				if tc.second {
					res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
					require.NoError(t, err)
					assert.Equal(t, 8.0, res.Value)
					assert.False(t, res.Implausible, "s1 confirmed it")
					e, ok := lastGood(r, "cpc?keyword=shoes")
					require.True(t, ok)
					assert.Equal(t, 8.0, e.Value)
					return
				}
				for i := range DefaultConfirmAnswers {
					res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
					require.NoError(t, err)
					assert.Equal(t, 8.0, res.Value)
					if i < DefaultConfirmAnswers-1 {
						assert.True(t, res.Implausible, "answer %d: not confirmed yet", i)
						_, ok := lastGood(r, "cpc?keyword=shoes")
						assert.False(t, ok, "answer %d", i)
					} else {
						assert.False(t, res.Implausible, "answer %d: confirmed", i)
						e, ok := lastGood(r, "cpc?keyword=shoes")
						require.True(t, ok)
						assert.Equal(t, 8.0, e.Value)
					}
					time.Sleep(DefaultConfirmAfter / 2)
				}
			})
		})
	}
}

// An observation a state file dates ahead of this process's clock (within
// the minute of skew Import tolerates) is dated now, as a provider's
// answer observed ahead is: 30s before midnight, one dated 40s ahead
// counts for today. Dated tomorrow, it moved the key's record of the
// period there, and today's answers added none (the gate never moves
// back).
func TestImportDatesAnObservationAheadOfTheClockNow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, err := stats.NewMemoryHistory(stats.MemoryConfig{})
		require.NoError(t, err)
		p1 := newStub(1.25)
		r := newTestResolver(t, testConfig(), p1, newStub(1), WithHistory(h))
		key := shoesKey(t)
		time.Sleep(24*time.Hour - 30*time.Second) // 23:59:30
		in := `{"format":"strata-state","version":1}` + "\n" +
			`{"kind":"history","key":"` + key + `","observations":[{"at":"` + time.Now().Add(40*time.Second).UTC().Format(time.RFC3339Nano) + `","value":1.2}]}` + "\n"
		rep, err := r.Import(context.Background(), strings.NewReader(in))
		require.NoError(t, err)
		require.Equal(t, 1, rep.Observations, "%+v", rep.Skips)
		obs, err := h.Observations(context.Background(), key)
		require.NoError(t, err)
		require.Len(t, obs, 1)
		assert.True(t, obs[0].At.Equal(time.Now()), "dated now: %v", obs[0].At)
		assert.Equal(t, stats.Daily.Index(time.Now()), stats.Daily.Index(obs[0].At), "today's record")

		// Past midnight, tomorrow's answer is tomorrow's record.
		time.Sleep(time.Minute)
		_, err = r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		obs, err = h.Observations(context.Background(), key)
		require.NoError(t, err)
		require.Len(t, obs, 2)
		assert.Equal(t, []float64{1.2, 1.25}, []float64{obs[0].Value, obs[1].Value})
		assert.Equal(t, stats.Daily.Index(obs[0].At)+1, stats.Daily.Index(obs[1].At))
	})
}

// A resolve may store a fresh answer for a key while Import takes the
// file's: from the shared tier, that answer keeps the time another
// instance stored it, older than the file's. Checked in one step with the
// put, it is held fresh (ImportHeldFresh) and stays the key's fresh hit;
// a fresh look before the put, then a put unless newer, replaced it with
// the file's — a last good answer only — and the next resolve asked the
// shared tier again.
func TestImportLeavesAFreshAnswerTheSharedTierGaveMeanwhile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newMemStore()
		p1 := newStub(2)
		r := newTestResolver(t, testConfig(), p1, newStub(2), WithStore(st))
		key := shoesKey(t)
		time.Sleep(time.Hour)
		stored := time.Now().Add(-5 * time.Second) // by another instance, TTL 1m
		require.NoError(t, st.Set(context.Background(), key, cache.Entry{Value: 2.1, ObservedAt: stored, StoredAt: stored, Source: "p1", Confidence: 0.95, Layer: 1}, time.Hour))
		at := time.Now().Add(-2 * time.Second).UTC().Format(time.RFC3339Nano) // newer than the shared tier's
		file := `{"format":"strata-state","version":1}` + "\n" +
			fmt.Sprintf(`{"kind":"answer","key":%q,"value":2.05,"observed_at":%q,"stored_at":%q,"source":"p1","confidence":0.95,"layer":1}`, key, at, at) + "\n" + `{"kind":"end"}` + "\n"
		importBeforePut = func(k string) {
			importBeforePut = nil
			res, err := r.Resolve(context.Background(), "cpc", shoes)
			require.NoError(t, err)
			require.Equal(t, LayerCache, res.Layer, "the shared tier's fresh answer")
		}
		t.Cleanup(func() { importBeforePut = nil })
		rep, err := r.Import(context.Background(), strings.NewReader(file))
		require.NoError(t, err)
		assert.Zero(t, rep.Answers, "%+v", rep.Skips)
		assert.Equal(t, 1, rep.Reasons[ImportHeldFresh], "%+v", rep)
		e, ok := lastGood(r, key)
		require.True(t, ok)
		assert.Equal(t, 2.1, e.Value, "the shared tier's")
		gets := st.gets
		res, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerCache, res.Layer)
		assert.Equal(t, 2.1, res.Value)
		assert.Equal(t, gets, st.gets, "a fresh hit in the process: the shared tier not asked again")
		assert.Zero(t, p1.calls.Load())
	})
}
