package breaker

import (
	"context"
	"errors"
)

// Execute runs fn under the breaker and returns fn's error, or ErrOpen /
// ErrTooManyProbes without calling fn when the breaker refuses, or ctx's
// error without calling fn when ctx is already done. It does the two-step
// bookkeeping itself:
//
//   - fn returned nil: Success.
//   - the caller cancelled ctx (ctx.Err() is context.Canceled): Neutral,
//     whatever fn returned, since the provider is not to blame.
//   - otherwise classify(err) decides; a nil classify counts an error that
//     matches context.Canceled as Neutral and any other error as Failure.
//     A deadline that expires is the provider's failure unless classify
//     says otherwise.
//   - fn (or classify) panicked: Failure, and the panic goes on up the
//     stack unchanged. Execute does not turn panics into errors: that is a
//     choice for the caller (package fallback makes a provider's panic a
//     data-quality failure).
//
// Execute allocates nothing of its own.
func (b *Breaker) Execute(ctx context.Context, fn func(context.Context) error, classify func(error) Outcome) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := b.Acquire()
	if err != nil {
		return err
	}
	reported := false
	defer func() {
		if !reported {
			// fn or classify panicked (or called runtime.Goexit).
			p.Done(Failure)
		}
	}()
	err = fn(ctx)
	o := outcomeOf(ctx, err, classify)
	reported = true
	p.Done(o)
	return err
}

func outcomeOf(ctx context.Context, err error, classify func(error) Outcome) Outcome {
	switch {
	case err == nil:
		return Success
	case errors.Is(ctx.Err(), context.Canceled):
		return Neutral
	case classify != nil:
		return classify(err)
	case errors.Is(err, context.Canceled):
		return Neutral
	}
	return Failure
}
