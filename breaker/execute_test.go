package breaker

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

var errBadParams = errors.New("bad params")

func classifyTest(err error) Outcome {
	if errors.Is(err, errBadParams) {
		return Neutral
	}
	return Failure
}

func TestExecuteOutcomes(t *testing.T) {
	errDown := errors.New("provider down")
	tests := []struct {
		name     string
		fn       func(ctx context.Context, cancel func()) error
		classify func(error) Outcome
		wantErr  error
		want     Outcome
	}{
		{"success", func(context.Context, func()) error { return nil }, nil, nil, Success},
		{"failure", func(context.Context, func()) error { return errDown }, nil, errDown, Failure},
		{"classified neutral", func(context.Context, func()) error { return errBadParams }, classifyTest, errBadParams, Neutral},
		{"classified failure", func(context.Context, func()) error { return errDown }, classifyTest, errDown, Failure},
		{"caller cancels", func(ctx context.Context, cancel func()) error { cancel(); return errDown }, classifyTest, errDown, Neutral},
		{"success despite cancel", func(ctx context.Context, cancel func()) error { cancel(); return nil }, nil, nil, Success},
		{"canceled error, default classify", func(context.Context, func()) error { return context.Canceled }, nil, context.Canceled, Neutral},
		{"deadline is a failure", func(ctx context.Context, _ func()) error {
			ctx, c := context.WithTimeout(ctx, time.Second)
			defer c()
			<-ctx.Done()
			return ctx.Err()
		}, nil, context.DeadlineExceeded, Failure},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := mustNew(t, Config{Adaptive: AdaptiveConfig{Disabled: true}})
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				err := b.Execute(ctx, func(ctx context.Context) error { return tc.fn(ctx, cancel) }, tc.classify)
				if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
					t.Fatalf("Execute: %v, want %v", err, tc.wantErr)
				}
				tot := b.Snapshot().Totals
				got := map[Outcome]uint64{Success: tot.Successes, Failure: tot.Failures, Neutral: tot.Neutral}
				for o, n := range got {
					if want := map[bool]uint64{true: 1}[o == tc.want]; n != want {
						t.Fatalf("totals %+v, want one %v", tot, tc.want)
					}
				}
			})
		})
	}
}

func TestExecuteRefusals(t *testing.T) {
	b := mustNew(t, Config{ConsecutiveFailures: 1, Adaptive: AdaptiveConfig{Disabled: true}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	fn := func(context.Context) error { called = true; return nil }
	if err := b.Execute(ctx, fn, nil); !errors.Is(err, context.Canceled) || called {
		t.Fatalf("Execute on a cancelled context: %v, called=%v", err, called)
	}
	if s := b.Snapshot(); s.Totals.Admitted != 0 {
		t.Fatalf("a cancelled caller took a permit: %+v", s.Totals)
	}
	_ = b.Execute(context.Background(), func(context.Context) error { return errors.New("x") }, nil)
	if err := b.Execute(context.Background(), fn, nil); !errors.Is(err, ErrOpen) || called {
		t.Fatalf("Execute on an open breaker: %v, called=%v", err, called)
	}
}

func TestExecutePanicInClassify(t *testing.T) {
	b := mustNew(t, Config{Adaptive: AdaptiveConfig{Disabled: true}})
	func() {
		defer func() { _ = recover() }()
		_ = b.Execute(context.Background(), func(context.Context) error { return errBadParams },
			func(error) Outcome { panic("classifier bug") })
	}()
	if s := b.Snapshot(); s.Totals.Failures != 1 || s.Totals.Admitted != 1 {
		t.Fatalf("totals %+v, want the panic counted as one failure", s.Totals)
	}
}
