package providertest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/strata-go/strata/providers"
)

// result is what one Fetch did.
type result struct {
	resp     providers.Response
	err      error
	panicked bool
	panicVal any
	took     time.Duration
}

// call runs one Fetch, turning a panic into a result.
func call(ctx context.Context, p providers.Provider, req providers.Request) (res result) {
	start := time.Now()
	defer func() {
		res.took = time.Since(start)
		if v := recover(); v != nil {
			res.panicked, res.panicVal = true, v
		}
	}()
	res.resp, res.err = p.Fetch(ctx, req)
	return res
}

// callWithin runs call in a goroutine and waits for it at most limit; ok
// is false when it had not returned by then (the goroutine is left to
// finish on its own).
func callWithin(ctx context.Context, p providers.Provider, req providers.Request, limit time.Duration) (result, bool) {
	return returnsWithin(limit, func() result { return call(ctx, p, req) })
}

// returnsWithin runs f in a goroutine and waits for it at most limit; ok
// is false when it had not returned by then (the goroutine is left to
// finish on its own).
func returnsWithin[T any](limit time.Duration, f func() T) (res T, ok bool) {
	done := make(chan T, 1)
	go func() { done <- f() }()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case res = <-done:
		return res, true
	case <-timer.C:
		return res, false
	}
}

// callBounded runs call with a context that expires after s.Timeout and
// waits for it at most s.Grace longer: a provider that ignores its context
// fails the check instead of holding the suite for as long as it takes.
// ok is false when the call had not returned then.
func callBounded(s *Subject, req providers.Request) (res result, ok bool) {
	ctx, cancel := context.WithTimeout(context.Background(), s.Timeout)
	defer cancel()
	return callWithin(ctx, s.Provider, req, within(s.Timeout, 1, s.Grace))
}

// within returns d×n + grace, at most the longest duration: a Timeout or
// Grace meant as "no limit" (math.MaxInt64) must not wrap a wait of the
// suite negative, which would give up on a call at once.
func within(d time.Duration, n int, grace time.Duration) time.Duration {
	if n > 0 && d > (math.MaxInt64-grace)/time.Duration(n) {
		return math.MaxInt64
	}
	return d*time.Duration(n) + grace
}

// stuck says that Fetch(d) did not return by the deadline callBounded
// gave it.
func stuck(s *Subject, d string) string {
	return fmt.Sprintf("Fetch(%s) had not returned %v after its context's deadline (Subject.Timeout, %v) passed (Subject.Grace); want it to return promptly: select on ctx.Done() wherever Fetch waits", d, s.Grace, s.Timeout)
}

// describe renders a request as cpc{keyword=shoes market=us}.
func describe(req providers.Request) string {
	var b strings.Builder
	b.WriteString(req.DataType)
	b.WriteByte('{')
	for i, k := range slices.Sorted(maps.Keys(req.Params)) {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%s", k, req.Params[k])
	}
	b.WriteByte('}')
	return b.String()
}

var classConst = [...]string{"Transient", "Auth", "RateLimit", "DataQuality", "Unavailable", "Permanent", "Canceled"}

// failureRequests returns the requests of s.Failures.
func failureRequests(s *Subject) []providers.Request {
	reqs := make([]providers.Request, len(s.Failures))
	for i, f := range s.Failures {
		reqs[i] = f.Request
	}
	return reqs
}

// successProblem says what is wrong with res as the answer to a request
// that should succeed, or "".
func successProblem(s *Subject, req providers.Request, res result) string {
	d := describe(req)
	v := res.resp.Value
	switch {
	case res.panicked:
		return fmt.Sprintf("Fetch(%s) panicked: %v; want a value, or an error (a provider must never panic)", d, res.panicVal)
	case res.err != nil:
		msg := fmt.Sprintf("Fetch(%s) failed: %v (class %s); want a value: Subject.Request must be a request the provider answers", d, res.err, providers.Classify(res.err))
		if errors.Is(res.err, context.DeadlineExceeded) && res.took >= s.Timeout {
			msg += fmt.Sprintf(" (the suite's Subject.Timeout of %v expired: does Fetch block?)", s.Timeout)
		} else if !s.Flaky {
			msg += " (set Subject.Flaky if it fails now and then)"
		}
		return msg
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Sprintf("Fetch(%s) = %v with a nil error; want a finite value: a provider must never return NaN or an infinity as a success, but a *providers.Error of class data_quality", d, v)
	case res.resp.Quota != nil:
		q := res.resp.Quota
		if q.Limit < 0 || q.Remaining < 0 || (q.Limit > 0 && q.Remaining > q.Limit) {
			return fmt.Sprintf("Fetch(%s) reported Quota{Limit: %d, Remaining: %d}; want 0 ≤ Remaining ≤ Limit (Limit 0 means unknown)", d, q.Limit, q.Remaining)
		}
	}
	return ""
}

// flake reports whether res is a failure a Flaky subject may have on a
// request that should succeed: an error, not a panic, and not a
// cancellation (the suite did not cancel).
func flake(res result) bool {
	return !res.panicked && res.err != nil && providers.Classify(res.err) != providers.Canceled
}

// failureProblem says what is wrong with res as the answer to f, or "".
func failureProblem(f Failure, res result) string {
	d := describe(f.Request)
	switch {
	case res.panicked:
		return fmt.Sprintf("Fetch(%s) panicked: %v; want an error of class %s (a provider must never panic)", d, res.panicVal, f.Class)
	case res.err == nil:
		return fmt.Sprintf("Fetch(%s) = %v with a nil error; want a failure of class %s", d, res.resp.Value, f.Class)
	}
	if got := providers.Classify(res.err); got != f.Class {
		return fmt.Sprintf("Fetch(%s) failed with %q, which providers.Classify maps to %s; want %s: return a *providers.Error of that class, e.g. providers.NewError(providers.%s, err)",
			d, res.err, got, f.Class, classConst[f.Class])
	}
	// The field, not providers.RetryAfter, which reads a negative one as
	// zero.
	if pe := (*providers.Error)(nil); errors.As(res.err, &pe) && pe != nil && pe.RetryAfter < 0 {
		return fmt.Sprintf("Fetch(%s) failed with RetryAfter %v; want it zero (unknown) or positive", d, pe.RetryAfter)
	}
	return ""
}

// ctxProblem says what is wrong with res as the answer to a call whose
// context ended with want (context.Canceled or DeadlineExceeded), or "".
// how says how the context ended; classes are those accepted.
func ctxProblem(d, how string, res result, want error, classes ...providers.Class) string {
	switch {
	case res.panicked:
		return fmt.Sprintf("Fetch(%s) with %s panicked: %v; want an error wrapping %v", d, how, res.panicVal, want)
	case res.err == nil:
		return fmt.Sprintf("Fetch(%s) with %s succeeded (value %v); want an error wrapping %v: check ctx.Err() before starting work, and select on ctx.Done() wherever Fetch waits", d, how, res.resp.Value, want)
	case !errors.Is(res.err, want):
		return fmt.Sprintf("Fetch(%s) with %s failed with %q, which does not wrap %v; want ctx.Err() wrapped, e.g. providers.NewError(providers.Classify(err), err), so the caller can tell it gave up", d, how, res.err, want)
	}
	if got := providers.Classify(res.err); !slices.Contains(classes, got) {
		names := make([]string, len(classes))
		for i, c := range classes {
			names[i] = c.String()
		}
		return fmt.Sprintf("Fetch(%s) with %s: providers.Classify(err) = %s, want %s: the caller gave up, which must not count as the provider's failure; classify the context's error with providers.Classify rather than wrapping it in an *Error of another class",
			d, how, got, strings.Join(names, " or "))
	}
	return ""
}

func checkSuccess(r reporter, s *Subject) {
	r.Helper()
	attempts := 1
	if s.Flaky {
		attempts = flakyAttempts
	}
	var last string
	for range attempts {
		res, ok := callBounded(s, s.Request)
		if !ok {
			r.Errorf("%s", stuck(s, describe(s.Request)))
			return
		}
		p := successProblem(s, s.Request, res)
		if p == "" {
			return
		}
		if !s.Flaky || !flake(res) {
			r.Errorf("%s", p)
			return
		}
		last = p
	}
	r.Errorf("%s; all %d attempts failed (Subject.Flaky tolerates failures, but some call must succeed)", last, attempts)
}

func checkParamsUnchanged(r reporter, s *Subject) {
	r.Helper()
	for _, req := range append([]providers.Request{s.Request}, failureRequests(s)...) {
		before := maps.Clone(req.Params)
		res, ok := callBounded(s, req)
		if !ok {
			// The call may still be using Params: they are not compared.
			r.Errorf("%s", stuck(s, describe(providers.Request{DataType: req.DataType, Params: before})))
			continue
		}
		if res.panicked {
			r.Errorf("Fetch(%s) panicked: %v (a provider must never panic)", describe(providers.Request{DataType: req.DataType, Params: before}), res.panicVal)
		}
		if !maps.Equal(before, req.Params) {
			r.Errorf("Fetch(%s) changed Request.Params to %v; a provider must treat Params as read-only (copy the map before changing it)",
				describe(providers.Request{DataType: req.DataType, Params: before}), req.Params)
		}
	}
}

func checkCanceledContext(r reporter, s *Subject) {
	r.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d := describe(s.Request)
	res, ok := callWithin(ctx, s.Provider, s.Request, s.Grace)
	if !ok {
		r.Errorf("Fetch(%s) with an already-cancelled context had not returned after %v (Subject.Grace); want it to return at once with an error wrapping ctx.Err()", d, s.Grace)
		return
	}
	if p := ctxProblem(d, "an already-cancelled context", res, context.Canceled, providers.Canceled); p != "" {
		r.Errorf("%s", p)
	}
}

func checkExpiredDeadline(r reporter, s *Subject) {
	r.Helper()
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	d := describe(s.Request)
	res, ok := callWithin(ctx, s.Provider, s.Request, s.Grace)
	if !ok {
		r.Errorf("Fetch(%s) with a deadline already past had not returned after %v (Subject.Grace); want it to return at once with an error wrapping ctx.Err()", d, s.Grace)
		return
	}
	if p := ctxProblem(d, "a deadline already past", res, context.DeadlineExceeded, providers.Transient, providers.Canceled); p != "" {
		r.Errorf("%s", p)
	}
}

// blocked starts Fetch(Hang) and returns its result channel, or reports
// and returns nil if the call returned before settle.
func blocked(r reporter, s *Subject, ctx context.Context) <-chan result {
	r.Helper()
	done := make(chan result, 1)
	go func() { done <- call(ctx, s.Provider, *s.Hang) }()
	timer := time.NewTimer(settle)
	defer timer.Stop()
	select {
	case res := <-done:
		if ctx.Err() == nil {
			outcome := fmt.Sprintf("value %v", res.resp.Value)
			if res.err != nil {
				outcome = fmt.Sprintf("error %q", res.err)
			} else if res.panicked {
				outcome = fmt.Sprintf("panic %v", res.panicVal)
			}
			r.Errorf("Fetch(%s) returned (%s) before its context was done; Subject.Hang must be a request on which the provider blocks until the context is done", describe(*s.Hang), outcome)
			return nil
		}
		done <- res
	case <-timer.C:
	}
	return done
}

func checkCancelWhileBlocked(r reporter, s *Subject) {
	r.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := blocked(r, s, ctx)
	if done == nil {
		return
	}
	cancel()
	timer := time.NewTimer(s.Grace)
	defer timer.Stop()
	d := describe(*s.Hang)
	select {
	case res := <-done:
		if p := ctxProblem(d, "its context cancelled mid-call", res, context.Canceled, providers.Canceled); p != "" {
			r.Errorf("%s", p)
		}
	case <-timer.C:
		r.Errorf("Fetch(%s) had not returned %v after its context was cancelled (Subject.Grace); want it to return promptly: select on ctx.Done() wherever Fetch waits", d, s.Grace)
	}
}

func checkDeadlineWhileBlocked(r reporter, s *Subject) {
	r.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*settle)
	defer cancel()
	done := blocked(r, s, ctx)
	if done == nil {
		return
	}
	timer := time.NewTimer(within(settle, 2, s.Grace))
	defer timer.Stop()
	d := describe(*s.Hang)
	select {
	case res := <-done:
		if p := ctxProblem(d, "its deadline passing mid-call", res, context.DeadlineExceeded, providers.Transient, providers.Canceled); p != "" {
			r.Errorf("%s", p)
		}
	case <-timer.C:
		r.Errorf("Fetch(%s) had not returned %v after its deadline passed (Subject.Grace); want it to return promptly: select on ctx.Done() wherever Fetch waits", d, s.Grace)
	}
}

func checkFailure(r reporter, s *Subject, f Failure) {
	r.Helper()
	res, ok := callBounded(s, f.Request)
	if !ok {
		r.Errorf("%s", stuck(s, describe(f.Request)))
		return
	}
	if p := failureProblem(f, res); p != "" {
		r.Errorf("%s", p)
	}
}

// checkConcurrent runs many calls at once. Every eighth call of each
// goroutine uses a cancelled context, the next one of the Failures, the
// next the Hang request with a short deadline; the rest Subject.Request.
func checkConcurrent(r reporter, s *Subject) {
	r.Helper()
	var (
		mu        sync.Mutex
		problems  = map[string]int{}
		successes int
	)
	note := func(p string, ok bool) {
		mu.Lock()
		defer mu.Unlock()
		if p != "" {
			problems[p]++
		}
		if ok {
			successes++
		}
	}
	type snapshot struct {
		req    providers.Request
		params map[string]string
	}
	var before []snapshot
	for _, req := range append([]providers.Request{s.Request}, failureRequests(s)...) {
		before = append(before, snapshot{req, maps.Clone(req.Params)})
	}
	var wg sync.WaitGroup
	for g := range s.Goroutines {
		wg.Go(func() {
			for i := range s.CallsPerGoroutine {
				n := g + i
				switch {
				case n%8 == 0:
					ctx, cancel := context.WithCancel(context.Background())
					cancel()
					res := call(ctx, s.Provider, s.Request)
					note(ctxProblem(describe(s.Request), "an already-cancelled context", res, context.Canceled, providers.Canceled), false)
				case n%8 == 1 && len(s.Failures) > 0:
					f := s.Failures[(n/8)%len(s.Failures)]
					ctx, cancel := context.WithTimeout(context.Background(), s.Timeout)
					res := call(ctx, s.Provider, f.Request)
					cancel()
					note(failureProblem(f, res), false)
				case n%8 == 2 && s.Hang != nil:
					ctx, cancel := context.WithTimeout(context.Background(), settle)
					res := call(ctx, s.Provider, *s.Hang)
					cancel()
					note(ctxProblem(describe(*s.Hang), "its deadline passing mid-call", res, context.DeadlineExceeded, providers.Transient, providers.Canceled), false)
				default:
					ctx, cancel := context.WithTimeout(context.Background(), s.Timeout)
					res := call(ctx, s.Provider, s.Request)
					cancel()
					p := successProblem(s, s.Request, res)
					if s.Flaky && flake(res) {
						p = ""
					}
					note(p, p == "" && res.err == nil)
				}
			}
		})
	}
	allDone := make(chan struct{})
	go func() { wg.Wait(); close(allDone) }()
	limit := within(s.Timeout, s.CallsPerGoroutine, s.Grace)
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case <-allDone:
	case <-timer.C:
		r.Errorf("%d goroutines × %d calls had not all returned after %v; some call blocks despite its context's deadline", s.Goroutines, s.CallsPerGoroutine, limit)
		return
	}

	for _, b := range before {
		if !maps.Equal(b.params, b.req.Params) {
			r.Errorf("concurrent calls of Fetch(%s) changed its Params to %v; a provider must treat Params as read-only (run with -race to find where)",
				describe(providers.Request{DataType: b.req.DataType, Params: b.params}), b.req.Params)
		}
	}
	total := s.Goroutines * s.CallsPerGoroutine
	if len(problems) > 0 {
		bad := 0
		msgs := make([]string, 0, len(problems))
		for p, n := range problems {
			bad += n
			msgs = append(msgs, fmt.Sprintf("%d× %s", n, p))
		}
		slices.Sort(msgs)
		r.Errorf("%d of %d concurrent calls (%d goroutines × %d) misbehaved, though each must behave as it does alone:\n\t%s",
			bad, total, s.Goroutines, s.CallsPerGoroutine, strings.Join(msgs, "\n\t"))
	}
	if s.Flaky && successes == 0 {
		r.Errorf("none of the concurrent calls of Fetch(%s) succeeded (Subject.Flaky tolerates failures, but some call must succeed)", describe(s.Request))
	}
}

// batchResult is what one FetchBatch did.
type batchResult struct {
	resps    []providers.Response
	errs     []error
	panicked bool
	panicVal any
}

func callBatch(ctx context.Context, b providers.BatchProvider, reqs []providers.Request) (res batchResult) {
	defer func() {
		if v := recover(); v != nil {
			res.panicked, res.panicVal = true, v
		}
	}()
	res.resps, res.errs = b.FetchBatch(ctx, reqs)
	return res
}

// callBatchWithin is callWithin for FetchBatch.
func callBatchWithin(ctx context.Context, b providers.BatchProvider, reqs []providers.Request, limit time.Duration) (batchResult, bool) {
	return returnsWithin(limit, func() batchResult { return callBatch(ctx, b, reqs) })
}

func checkBatch(r reporter, s *Subject) {
	r.Helper()
	b := s.Provider.(providers.BatchProvider)
	// Request first, the failures, then Request twice: an order no
	// reversal or rotation keeps when there is a failure.
	reqs := append([]providers.Request{s.Request}, failureRequests(s)...)
	reqs = append(reqs, s.Request, s.Request)
	var want *float64 // Fetch's value, for a Deterministic subject
	if s.Deterministic && !s.Flaky {
		one, ok := callBounded(s, s.Request)
		if ok && one.err == nil && !one.panicked {
			want = &one.resp.Value
		}
	}
	before := make([]map[string]string, len(reqs))
	for i, req := range reqs {
		before[i] = maps.Clone(req.Params)
	}

	ctx, cancel := context.WithTimeout(context.Background(), s.Timeout)
	res, ok := callBatchWithin(ctx, b, reqs, within(s.Timeout, 1, s.Grace))
	cancel()
	if !ok {
		// The call may still be using the requests: nothing else is checked.
		r.Errorf("FetchBatch of %d requests had not returned %v after its context's deadline (Subject.Timeout, %v) passed (Subject.Grace); want it to return promptly: select on ctx.Done() wherever it waits", len(reqs), s.Grace, s.Timeout)
		return
	}
	if !batchShapeOK(r, res, len(reqs), "") {
		return
	}
	for i, req := range reqs {
		one := result{resp: res.resps[i], err: res.errs[i]}
		var p string
		if i == 0 || i >= len(reqs)-2 {
			if p = successProblem(s, req, one); s.Flaky && flake(one) {
				p = ""
			}
			if p == "" && want != nil && one.err == nil && one.resp.Value != *want {
				p = fmt.Sprintf("FetchBatch answered %v for %s, Fetch %v; want each answer as Fetch gives it, in the order of the requests (Subject.Deterministic)", one.resp.Value, describe(req), *want)
			}
		} else {
			p = failureProblem(s.Failures[i-1], one)
		}
		if p != "" {
			r.Errorf("FetchBatch, request %d: %s", i, p)
		}
		if !maps.Equal(before[i], req.Params) {
			r.Errorf("FetchBatch changed the Params of request %d from %v to %v; a provider must treat Params as read-only", i, before[i], req.Params)
		}
	}

	cancelled, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	if res, ok = callBatchWithin(cancelled, b, reqs, s.Grace); !ok {
		r.Errorf("FetchBatch of %d requests with an already-cancelled context had not returned after %v (Subject.Grace); want it to return at once with an error wrapping ctx.Err() for each request", len(reqs), s.Grace)
		return
	}
	if !batchShapeOK(r, res, len(reqs), " with an already-cancelled context") {
		return
	}
	for i, req := range reqs {
		if p := ctxProblem(describe(req), "an already-cancelled context", result{resp: res.resps[i], err: res.errs[i]}, context.Canceled, providers.Canceled); p != "" {
			r.Errorf("FetchBatch, request %d: %s", i, p)
		}
	}
}

func batchShapeOK(r reporter, res batchResult, n int, how string) bool {
	r.Helper()
	switch {
	case res.panicked:
		r.Errorf("FetchBatch of %d requests%s panicked: %v (a provider must never panic)", n, how, res.panicVal)
		return false
	case len(res.resps) != n || len(res.errs) != n:
		r.Errorf("FetchBatch of %d requests%s returned %d responses and %d errors; want %d of each, in the order of the requests", n, how, len(res.resps), len(res.errs), n)
		return false
	}
	return true
}
