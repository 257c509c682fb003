package breaker

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
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
				if tc.wantErr == nil {
					require.NoError(t, err, "Execute")
				} else {
					require.ErrorIs(t, err, tc.wantErr, "Execute")
				}
				tot := b.Snapshot().Totals
				got := map[Outcome]uint64{Success: tot.Successes, Failure: tot.Failures, Neutral: tot.Neutral}
				want := map[Outcome]uint64{Success: 0, Failure: 0, Neutral: 0}
				want[tc.want] = 1
				require.Equal(t, want, got, "totals by outcome")
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
	require.ErrorIs(t, b.Execute(ctx, fn, nil), context.Canceled, "Execute on a cancelled context")
	require.False(t, called, "Execute on a cancelled context called fn")
	require.Equal(t, uint64(0), b.Snapshot().Totals.Admitted, "a cancelled caller took a permit")
	_ = b.Execute(context.Background(), func(context.Context) error { return errors.New("x") }, nil)
	require.ErrorIs(t, b.Execute(context.Background(), fn, nil), ErrOpen, "Execute on an open breaker")
	require.False(t, called, "Execute on an open breaker called fn")
}

func TestExecutePanicInClassify(t *testing.T) {
	b := mustNew(t, Config{Adaptive: AdaptiveConfig{Disabled: true}})
	func() {
		defer func() { _ = recover() }()
		_ = b.Execute(context.Background(), func(context.Context) error { return errBadParams },
			func(error) Outcome { panic("classifier bug") })
	}()
	s := b.Snapshot()
	require.Equal(t, uint64(1), s.Totals.Failures, "the panic counted as one failure")
	require.Equal(t, uint64(1), s.Totals.Admitted)
}
