package providertest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/strata-go/strata/providers"
)

// Run runs the conformance suite on the provider newSubject returns, one
// subtest per property so a failure names what is wrong:
//
//   - Success: Subject.Request is answered with a finite value and a nil
//     error, and a reported Quota is consistent;
//   - ParamsUnchanged: Fetch does not modify Request.Params;
//   - CanceledContext: with a context already cancelled, Fetch returns
//     within Subject.Grace an error wrapping context.Canceled that
//     providers.Classify maps to Canceled;
//   - ExpiredDeadline: with a deadline already past, an error wrapping
//     context.DeadlineExceeded of class Transient (or Canceled);
//   - CancelWhileBlocked, DeadlineWhileBlocked: the same when the context
//     ends in the middle of a call blocked on Subject.Hang (skipped
//     without a Hang);
//   - Failures/<name>: each Subject.Failures request fails with its class;
//   - Concurrent: Subject.Goroutines goroutines make
//     Subject.CallsPerGoroutine calls each, mixing the requests above and
//     sharing one Params map; every call must behave as it does alone, so
//     run the suite with -race;
//   - Batch: when the provider implements providers.BatchProvider,
//     FetchBatch answers in order, one response and one error per
//     request, each as Fetch would (the classes of Request and the
//     Failures in an order no reversal keeps; the values too for a
//     Deterministic subject), and honours a cancelled context.
//
// newSubject is called once per subtest, with the subtest's t, so each
// check gets a fresh provider (register clean-up with t.Cleanup). An
// invalid Subject (a nil Provider, negative settings) fails the subtest.
//
// Errors are checked with providers.Classify, as the resolver sees them:
// a provider may return a *providers.Error or any error Classify
// understands. Where the class matters — the expected failures, and
// cancellation, which must never be classified as the provider's fault —
// the suite requires the class, not a particular error type.
//
// The contract is strict on cancellation: once ctx is done, Fetch returns
// an error wrapping ctx.Err(), even a provider that answers from memory
// (check ctx.Err() first).
//
// The cancellation checks measure wall-clock time (Subject.Grace) because
// they run the user's real provider, which may do real I/O; nothing else
// in the suite depends on timing.
func Run(t *testing.T, newSubject func(t *testing.T) Subject) {
	t.Helper()
	subject := func(t *testing.T) *Subject {
		t.Helper()
		s, err := normalise(newSubject(t))
		if err != nil {
			t.Fatal(err)
		}
		return &s
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			s := subject(t)
			if c.skip != nil {
				if why := c.skip(s); why != "" {
					t.Skip(why)
				}
			}
			if c.name == failuresCheck {
				for _, f := range s.Failures {
					t.Run(f.Name, func(t *testing.T) { checkFailure(t, s, f) })
				}
				return
			}
			c.run(t, s)
		})
	}
}

// Check runs the checks of Run on one Subject, outside a test, and returns
// what failed, one error per problem joined with errors.Join, or nil. Each
// error reads "providertest: <check>: <what happened, what was expected>".
// Unlike Run, every check uses the same Subject.
func Check(s Subject) error {
	ns, err := normalise(s)
	if err != nil {
		return err
	}
	var errs []error
	collect := func(name string, run func(reporter)) {
		var rec recorder
		run(&rec)
		for _, m := range rec.msgs {
			errs = append(errs, fmt.Errorf("providertest: %s: %s", name, m))
		}
	}
	for _, c := range checks {
		if c.skip != nil && c.skip(&ns) != "" {
			continue
		}
		if c.name == failuresCheck {
			for _, f := range ns.Failures {
				collect(c.name+"/"+f.Name, func(r reporter) { checkFailure(r, &ns, f) })
			}
			continue
		}
		collect(c.name, func(r reporter) { c.run(r, &ns) })
	}
	return errors.Join(errs...)
}

// reporter is the part of *testing.T the checks use, so that Check can
// collect what they report.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
}

type recorder struct{ msgs []string }

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

type check struct {
	name string
	skip func(*Subject) string // the reason to skip, or ""
	run  func(reporter, *Subject)
}

const failuresCheck = "Failures"

var checks = []check{
	{"Success", nil, checkSuccess},
	{"ParamsUnchanged", nil, checkParamsUnchanged},
	{"CanceledContext", nil, checkCanceledContext},
	{"ExpiredDeadline", nil, checkExpiredDeadline},
	{"CancelWhileBlocked", needHang, checkCancelWhileBlocked},
	{"DeadlineWhileBlocked", needHang, checkDeadlineWhileBlocked},
	{failuresCheck, needFailures, nil},
	{"Concurrent", nil, checkConcurrent},
	{"Batch", needBatch, checkBatch},
}

func needHang(s *Subject) string {
	if s.Hang == nil {
		return "Subject.Hang is nil: set it to a request the provider blocks on to check cancellation mid-call"
	}
	return ""
}

func needFailures(s *Subject) string {
	if len(s.Failures) == 0 {
		return "Subject.Failures is empty: add requests the provider must fail, with their classes"
	}
	return ""
}

func needBatch(s *Subject) string {
	if _, ok := s.Provider.(providers.BatchProvider); !ok {
		return "the provider does not implement providers.BatchProvider"
	}
	return ""
}
