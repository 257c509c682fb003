package providertest

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
)

// cpc returns a request for the keyword, with a Params map of its own.
func cpc(keyword string) providers.Request {
	return providers.Request{DataType: "cpc", Params: map[string]string{"keyword": keyword}}
}

// good is a conforming provider: 1.5 for any keyword but "hang", on which
// it blocks until ctx is done, and "nosuch", which is Permanent.
func good(ctx context.Context, req providers.Request) (providers.Response, error) {
	if err := ctx.Err(); err != nil {
		return providers.Response{}, providers.NewError(providers.Classify(err), err)
	}
	switch req.Params["keyword"] {
	case "hang":
		<-ctx.Done()
		return providers.Response{}, providers.NewError(providers.Classify(ctx.Err()), ctx.Err())
	case "nosuch":
		return providers.Response{}, providers.Errorf(providers.Permanent, "no data for %q", req.Params["keyword"])
	}
	return providers.Response{Value: 1.5}, nil
}

func subject(p providers.Provider) Subject {
	h := cpc("hang")
	return Subject{
		Provider: p,
		Request:  cpc("shoes"),
		Hang:     &h,
		Failures: []Failure{{Name: "nosuch", Request: cpc("nosuch"), Class: providers.Permanent}},
		Grace:    100 * time.Millisecond,
	}
}

// batch adds a FetchBatch that calls Fetch per request.
type batch struct{ providers.Func }

func (b batch) FetchBatch(ctx context.Context, reqs []providers.Request) ([]providers.Response, []error) {
	resps, errs := make([]providers.Response, len(reqs)), make([]error, len(reqs))
	for i, r := range reqs {
		resps[i], errs[i] = b.Fetch(ctx, r)
	}
	return resps, errs
}

// shortBatch answers one response fewer than asked.
type shortBatch struct{ batch }

func (b shortBatch) FetchBatch(ctx context.Context, reqs []providers.Request) ([]providers.Response, []error) {
	resps, errs := b.batch.FetchBatch(ctx, reqs)
	return resps[1:], errs[1:]
}

// reversedBatch answers its requests in reverse order.
type reversedBatch struct{ batch }

func (b reversedBatch) FetchBatch(ctx context.Context, reqs []providers.Request) ([]providers.Response, []error) {
	resps, errs := b.batch.FetchBatch(ctx, reqs)
	slices.Reverse(resps)
	slices.Reverse(errs)
	return resps, errs
}

// wrongValueBatch answers every success of a batch with 42.
type wrongValueBatch struct{ batch }

func (b wrongValueBatch) FetchBatch(ctx context.Context, reqs []providers.Request) ([]providers.Response, []error) {
	resps, errs := b.batch.FetchBatch(ctx, reqs)
	for i := range resps {
		if errs[i] == nil {
			resps[i].Value = 42
		}
	}
	return resps, errs
}

// override returns good with the answers of f where f says ok.
func override(f func(ctx context.Context, req providers.Request) (resp providers.Response, err error, ok bool)) providers.Func {
	return func(ctx context.Context, req providers.Request) (providers.Response, error) {
		if resp, err, ok := f(ctx, req); ok {
			return resp, err
		}
		return good(ctx, req)
	}
}

func value(v float64) (providers.Response, error, bool) {
	return providers.Response{Value: v}, nil, true
}

func TestCheck(t *testing.T) {
	cases := []struct {
		name    string
		subject func() Subject
		want    []string // substrings, each of a different reported problem
	}{
		{"good", func() Subject { return subject(providers.Func(good)) }, nil},
		{"good batch", func() Subject { return subject(batch{good}) }, nil},
		{"minimal subject", func() Subject { return Subject{Provider: providers.Func(good), Request: cpc("shoes")} }, nil},
		{"NaN", func() Subject {
			return subject(override(func(ctx context.Context, req providers.Request) (providers.Response, error, bool) {
				if req.Params["keyword"] == "shoes" && ctx.Err() == nil {
					return value(math.NaN())
				}
				return providers.Response{}, nil, false
			}))
		}, []string{
			"providertest: Success: Fetch(cpc{keyword=shoes}) = NaN with a nil error; want a finite value",
			"providertest: Concurrent: ",
		}},
		{"infinity", func() Subject {
			return subject(override(func(ctx context.Context, req providers.Request) (providers.Response, error, bool) {
				return value(math.Inf(-1))
			}))
		}, []string{"Success: Fetch(cpc{keyword=shoes}) = -Inf with a nil error", "CanceledContext: ", "ExpiredDeadline: ", "CancelWhileBlocked: ", "DeadlineWhileBlocked: ", "Failures/nosuch: ", "Concurrent: "}},
		{"ignores a cancelled context", func() Subject {
			return subject(override(func(ctx context.Context, req providers.Request) (providers.Response, error, bool) {
				if req.Params["keyword"] == "shoes" {
					return value(1)
				}
				return providers.Response{}, nil, false
			}))
		}, []string{
			"CanceledContext: Fetch(cpc{keyword=shoes}) with an already-cancelled context succeeded (value 1); want an error wrapping context canceled",
			"ExpiredDeadline: Fetch(cpc{keyword=shoes}) with a deadline already past succeeded",
			"Concurrent: ",
		}},
		{"does not wrap the context's error", func() Subject {
			return subject(override(func(ctx context.Context, req providers.Request) (providers.Response, error, bool) {
				if ctx.Err() != nil {
					return providers.Response{}, errors.New("gave up"), true
				}
				return providers.Response{}, nil, false
			}))
		}, []string{
			`CanceledContext: Fetch(cpc{keyword=shoes}) with an already-cancelled context failed with "gave up", which does not wrap context canceled`,
			"ExpiredDeadline: ", "Concurrent: ",
		}},
		{"classifies cancellation as transient", func() Subject {
			return subject(override(func(ctx context.Context, req providers.Request) (providers.Response, error, bool) {
				if err := ctx.Err(); err != nil {
					return providers.Response{}, providers.NewError(providers.Transient, err), true
				}
				return providers.Response{}, nil, false
			}))
		}, []string{
			"CanceledContext: Fetch(cpc{keyword=shoes}) with an already-cancelled context: providers.Classify(err) = transient, want canceled",
			"Concurrent: ",
		}},
		{"negative retry after", func() Subject {
			return subject(override(func(ctx context.Context, req providers.Request) (providers.Response, error, bool) {
				if req.Params["keyword"] == "nosuch" && ctx.Err() == nil {
					return providers.Response{}, &providers.Error{Class: providers.Permanent, RetryAfter: -time.Second}, true
				}
				return providers.Response{}, nil, false
			}))
		}, []string{"Failures/nosuch: Fetch(cpc{keyword=nosuch}) failed with RetryAfter -1s; want it zero (unknown) or positive", "Concurrent: "}},
		{"hang ignores cancellation", func() Subject {
			return subject(override(func(ctx context.Context, req providers.Request) (providers.Response, error, bool) {
				if req.Params["keyword"] == "hang" && ctx.Err() == nil {
					time.Sleep(time.Hour)
					return providers.Response{}, ctx.Err(), true
				}
				return providers.Response{}, nil, false
			}))
		}, []string{
			"CancelWhileBlocked: Fetch(cpc{keyword=hang}) had not returned 100ms after its context was cancelled",
			"DeadlineWhileBlocked: Fetch(cpc{keyword=hang}) had not returned 100ms after its deadline passed",
			"Concurrent: 32 goroutines × 16 calls had not all returned after 2m40.1s",
		}},
		{"hang does not block", func() Subject {
			return subject(override(func(ctx context.Context, req providers.Request) (providers.Response, error, bool) {
				if req.Params["keyword"] == "hang" && ctx.Err() == nil {
					return value(2)
				}
				return providers.Response{}, nil, false
			}))
		}, []string{
			"CancelWhileBlocked: Fetch(cpc{keyword=hang}) returned (value 2) before its context was done; Subject.Hang must be a request on which the provider blocks",
			"DeadlineWhileBlocked: Fetch(cpc{keyword=hang}) returned (value 2) before its context was done",
			"Concurrent: ",
		}},
		{"mutates params", func() Subject {
			var once atomic.Bool
			return subject(override(func(ctx context.Context, req providers.Request) (providers.Response, error, bool) {
				// Only once: a concurrent write would be a data race, which
				// the race detector, not the suite, reports.
				if req.Params["keyword"] == "nosuch" && once.CompareAndSwap(false, true) {
					req.Params["seen"] = "yes"
				}
				return providers.Response{}, nil, false
			}))
		}, []string{"ParamsUnchanged: Fetch(cpc{keyword=nosuch}) changed Request.Params to map[keyword:nosuch seen:yes]; a provider must treat Params as read-only"}},
		{"panics", func() Subject {
			return subject(override(func(ctx context.Context, req providers.Request) (providers.Response, error, bool) {
				if req.Params["keyword"] == "shoes" && ctx.Err() == nil {
					panic("boom")
				}
				return providers.Response{}, nil, false
			}))
		}, []string{
			"Success: Fetch(cpc{keyword=shoes}) panicked: boom; want a value, or an error (a provider must never panic)",
			"ParamsUnchanged: Fetch(cpc{keyword=shoes}) panicked: boom",
			"Concurrent: ",
		}},
		{"unclassified failure", func() Subject {
			return subject(override(func(ctx context.Context, req providers.Request) (providers.Response, error, bool) {
				if req.Params["keyword"] == "nosuch" && ctx.Err() == nil {
					return providers.Response{}, errors.New("404 not found"), true
				}
				return providers.Response{}, nil, false
			}))
		}, []string{
			`Failures/nosuch: Fetch(cpc{keyword=nosuch}) failed with "404 not found", which providers.Classify maps to transient; want permanent: return a *providers.Error of that class, e.g. providers.NewError(providers.Permanent, err)`,
			"Concurrent: ",
		}},
		{"expected failure succeeds", func() Subject {
			return subject(override(func(ctx context.Context, req providers.Request) (providers.Response, error, bool) {
				if req.Params["keyword"] == "nosuch" && ctx.Err() == nil {
					return value(3)
				}
				return providers.Response{}, nil, false
			}))
		}, []string{"Failures/nosuch: Fetch(cpc{keyword=nosuch}) = 3 with a nil error; want a failure of class permanent", "Concurrent: "}},
		{"NaN under load only", func() Subject {
			var n atomic.Int64
			return subject(override(func(ctx context.Context, req providers.Request) (providers.Response, error, bool) {
				if req.Params["keyword"] == "shoes" && ctx.Err() == nil && n.Add(1) > 5 {
					return value(math.NaN())
				}
				return providers.Response{}, nil, false
			}))
		}, []string{"Concurrent: "}},
		{"bad quota", func() Subject {
			return subject(override(func(ctx context.Context, req providers.Request) (providers.Response, error, bool) {
				if req.Params["keyword"] == "shoes" && ctx.Err() == nil {
					return providers.Response{Value: 1, Quota: &providers.Quota{Limit: 10, Remaining: 11}}, nil, true
				}
				return providers.Response{}, nil, false
			}))
		}, []string{"Success: Fetch(cpc{keyword=shoes}) reported Quota{Limit: 10, Remaining: 11}; want 0 ≤ Remaining ≤ Limit", "Concurrent: "}},
		{"fails, not flaky", func() Subject {
			return subject(override(func(ctx context.Context, req providers.Request) (providers.Response, error, bool) {
				if req.Params["keyword"] == "shoes" && ctx.Err() == nil {
					return providers.Response{}, providers.Errorf(providers.Unavailable, "down"), true
				}
				return providers.Response{}, nil, false
			}))
		}, []string{
			"Success: Fetch(cpc{keyword=shoes}) failed: providers: unavailable: down (class unavailable); want a value: Subject.Request must be a request the provider answers (set Subject.Flaky if it fails now and then)",
			"Concurrent: ",
		}},
		{"flaky", func() Subject {
			var n atomic.Int64
			s := subject(override(func(ctx context.Context, req providers.Request) (providers.Response, error, bool) {
				if req.Params["keyword"] == "shoes" && ctx.Err() == nil && n.Add(1)%2 == 1 {
					return providers.Response{}, providers.Errorf(providers.Transient, "try again"), true
				}
				return providers.Response{}, nil, false
			}))
			s.Flaky = true
			return s
		}, nil},
		{"flaky, never succeeds", func() Subject {
			s := subject(override(func(ctx context.Context, req providers.Request) (providers.Response, error, bool) {
				if req.Params["keyword"] == "shoes" && ctx.Err() == nil {
					return providers.Response{}, providers.Errorf(providers.Transient, "try again"), true
				}
				return providers.Response{}, nil, false
			}))
			s.Flaky = true
			return s
		}, []string{"Success: Fetch(cpc{keyword=shoes}) failed: providers: transient: try again (class transient); want a value: Subject.Request must be a request the provider answers; all 20 attempts failed", "Concurrent: none of the concurrent calls"}},
		{"short batch", func() Subject { return subject(shortBatch{batch{good}}) }, []string{
			"Batch: FetchBatch of 4 requests returned 3 responses and 3 errors; want 4 of each",
		}},
		{"reversed batch", func() Subject { return subject(reversedBatch{batch{good}}) }, []string{
			"Batch: FetchBatch, request 1: ",
			"Batch: FetchBatch, request 2: ",
		}},
		{"batch answers other values", func() Subject {
			s := subject(wrongValueBatch{batch{good}})
			s.Deterministic = true
			return s
		}, []string{
			"Batch: FetchBatch, request 0: FetchBatch answered 42 for cpc{keyword=shoes}, Fetch 1.5",
			"Batch: FetchBatch, request 2: FetchBatch answered 42",
			"Batch: FetchBatch, request 3: FetchBatch answered 42",
		}},
		{"batch ignores cancellation", func() Subject {
			return subject(batch{override(func(ctx context.Context, req providers.Request) (providers.Response, error, bool) {
				if req.Params["keyword"] == "shoes" {
					return value(1)
				}
				return providers.Response{}, nil, false
			})})
		}, []string{"CanceledContext: ", "ExpiredDeadline: ", "Concurrent: ", "Batch: FetchBatch, request 0: Fetch(cpc{keyword=shoes}) with an already-cancelled context succeeded", "Batch: FetchBatch, request 2: ", "Batch: FetchBatch, request 3: "}},
		// The longest Timeout and Grace ("no limit") wrap no wait of the
		// suite negative: a conforming provider passes.
		{"longest timeout and grace", func() Subject {
			s := subject(providers.Func(good))
			s.Timeout, s.Grace = math.MaxInt64, math.MaxInt64
			return s
		}, nil},
		{"a timeout too long to multiply", func() Subject {
			s := subject(providers.Func(good))
			s.Timeout = math.MaxInt64 / 4
			return s
		}, nil},
		// A provider that ignores its context must fail the suite within
		// Subject.Timeout plus Grace, not hold each check for as long as
		// it takes (a minute here; forever for one that never returns).
		{"ignores its context", func() Subject { return subject(slowShoes()) }, []string{
			"Success: Fetch(cpc{keyword=shoes}) had not returned 100ms after its context's deadline (Subject.Timeout, 10s)",
			"ParamsUnchanged: Fetch(cpc{keyword=shoes}) had not returned 100ms after its context's deadline",
			"Concurrent: ",
		}},
		{"batch ignores its context", func() Subject { return subject(batch{slowShoes()}) }, []string{
			"Success: ", "ParamsUnchanged: ", "Concurrent: ",
			"Batch: FetchBatch of 4 requests had not returned 100ms after its context's deadline (Subject.Timeout, 10s)",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// In a bubble: the suite's timers run in virtual time, so a
			// provider that sleeps an hour costs nothing.
			synctest.Test(t, func(t *testing.T) {
				err := Check(tc.subject())
				// Let calls the suite gave up on finish before the bubble ends.
				time.Sleep(2 * time.Hour)
				var got []string
				if err != nil {
					got = splitProblems(err)
				}
				if !assert.Len(t, got, len(tc.want), "Check reported:\n%s", strings.Join(got, "\n---\n")) {
					return
				}
				for i, w := range tc.want {
					assert.Contains(t, got[i], w, "problem %d", i)
				}
			})
		})
	}
}

// slowShoes answers cpc{keyword=shoes} after a minute, whatever its
// context says.
func slowShoes() providers.Func {
	return override(func(ctx context.Context, req providers.Request) (providers.Response, error, bool) {
		if req.Params["keyword"] == "shoes" && ctx.Err() == nil {
			time.Sleep(time.Minute)
			return value(1)
		}
		return providers.Response{}, nil, false
	})
}

// splitProblems splits the errors.Join of Check back into its errors.
func splitProblems(err error) []string {
	var out []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		out = append(out, e.Error())
	}
	return out
}

func TestConcurrentReportsCounts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := subject(override(func(ctx context.Context, req providers.Request) (providers.Response, error, bool) {
			if req.Params["keyword"] == "shoes" && ctx.Err() == nil {
				return value(math.Inf(1))
			}
			return providers.Response{}, nil, false
		}))
		s.Goroutines, s.CallsPerGoroutine = 4, 8
		var rec recorder
		ns, _ := normalise(s)
		checkConcurrent(&rec, &ns)
		// Of 32 calls, (g+i)%8 == 0, 1, 2 pick the cancelled, failing and
		// hanging calls: 4 each. The other 20 answer +Inf.
		want := "20 of 32 concurrent calls (4 goroutines × 8) misbehaved, though each must behave as it does alone:\n\t20× Fetch(cpc{keyword=shoes}) = +Inf with a nil error"
		require.Len(t, rec.msgs, 1, "reported %q", rec.msgs)
		assert.True(t, strings.HasPrefix(rec.msgs[0], want), "reported %q, want it to start %q", rec.msgs[0], want)
	})
}

func TestDescribe(t *testing.T) {
	r := providers.Request{DataType: "cpc", Params: map[string]string{"market": "us", "keyword": "shoes"}, Credential: providers.NewSecret("k")}
	assert.Equal(t, "cpc{keyword=shoes market=us}", describe(r))
	assert.Equal(t, "growth{}", describe(providers.Request{DataType: "growth"}))
}
