package fallback

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// WarmKey names one key to warm.
type WarmKey struct {
	DataType string
	Params   Params
}

// WarmReport says how a Warm went.
type WarmReport struct {
	// Keys is how many keys were asked for; Answered how many got a value,
	// Failed how many did not (bad input included), Skipped how many were
	// not started before ctx ended.
	Keys, Answered, Failed, Skipped int
	// Layers counts the answers by layer.
	Layers map[Layer]int
	// Cost is what the warming spent: the sum of its resolves' costs,
	// taken as a budget sums them (in whole nano-units, see Budget), so
	// that a Warm with a budget of its own reports what the budget's
	// Spent says.
	Cost float64
}

// Warm resolves the host's keys ahead of need — at start-up, say — so the
// answers sit in the cache. It runs Config.Cache.WarmConcurrency resolves
// at a time inside ctx's deadline and budget (WithBudget), and reports
// progress to the observer: an EventWarm after each key, with Done and
// Total set, and Outcome Succeeded or Failed; when keys were not
// started, one more with Outcome Skipped, Err saying why and Done equal
// to Total accounts for them all (with their data type when they share
// one), so that Done reaches Total. Its resolves, their events and its
// EventWarm events carry
// TaskWarm on ctx's values (see TaskFrom). When ctx ends first the keys
// not yet started are skipped and Warm returns ctx's error with the
// report so far, also when every key had been started and ctx ended
// resolves under way; after Close, or when Close ends it, likewise with
// ErrClosed.
func (r *Resolver) Warm(ctx context.Context, keys []WarmKey) (WarmReport, error) {
	rep := WarmReport{Keys: len(keys), Layers: map[Layer]int{}}
	if r.closed.Load() {
		rep.Skipped = len(keys)
		return rep, ErrClosed
	}
	ctx = withTask(ctx, TaskWarm)
	events := context.WithoutCancel(ctx)
	var mu sync.Mutex
	done, closed, ended := 0, false, false
	var cost int64 // nano-units (see money)
	next := make(chan WarmKey)
	var wg sync.WaitGroup
	for range min(r.cfg.Cache.WarmConcurrency, max(len(keys), 1)) {
		wg.Go(func() {
			for k := range next {
				res, err := r.Resolve(ctx, k.DataType, k.Params)
				mu.Lock()
				done++
				closed = closed || errors.Is(err, ErrClosed)
				ended = ended || err != nil && ctx.Err() != nil
				if err != nil {
					rep.Failed++
				} else {
					rep.Answered++
					rep.Layers[res.Layer]++
				}
				cost += toNano(res.Cost)
				n := done
				mu.Unlock()
				outcome := Succeeded
				if err != nil {
					outcome = Failed
				}
				r.observeWarm(events, k, Event{Outcome: outcome, Layer: res.Layer, Source: res.Source,
					Cost: res.Cost, Err: err, Done: n, Total: len(keys)})
			}
		})
	}
	var err error
	sent := 0
feed:
	for _, k := range keys {
		if err = ctx.Err(); err != nil {
			break
		}
		if r.closed.Load() {
			err = ErrClosed
			break
		}
		select {
		case next <- k:
			sent++
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		case <-r.life.Done():
			err = ErrClosed
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err == nil && closed {
		err = ErrClosed // Close ended resolves of the Warm
	}
	if err == nil && ended {
		err = ctx.Err() // ctx ended resolves of the Warm
	}
	rep.Skipped = len(keys) - sent
	rep.Cost = money(cost)
	// The keys not started are accounted for too, so that an observer's
	// Done reaches Total: in one event, not one each — a burst of them
	// would overflow the observer's queue, the last one with it.
	if skipped := keys[sent:]; len(skipped) > 0 {
		k := skipped[0]
		if slices.ContainsFunc(skipped, func(o WarmKey) bool { return o.DataType != k.DataType }) {
			k.DataType = ""
		}
		r.observeWarm(events, k, Event{Outcome: Skipped, Err: err, Done: len(keys), Total: len(keys)})
	}
	return rep, err
}

// observeWarm reports Warm's end of key k: e with its kind, time and data
// type set.
func (r *Resolver) observeWarm(ctx context.Context, k WarmKey, e Event) {
	if r.obs == nil {
		return
	}
	e.Kind, e.Time, e.DataType = EventWarm, time.Now(), k.DataType
	if _, ok := r.types[k.DataType]; !ok {
		e.DataType = "" // the host's string, of any length: Err names it, cut short
	}
	r.observeCtx(ctx, e)
}
