package fallback

import (
	"context"
	"time"
)

// refreshAhead starts a background refresh of key for a resolve of ctx,
// unless one is running or every refresh slot is taken. The refresh walks
// the providers as a resolve would, with the resolver's default deadline
// and the budget ctx carries (see WithBudget): a caller that cannot pay
// causes no paid call, in the background either. It caches what it gets;
// Close waits for it.
func (r *Resolver) refreshAhead(ctx context.Context, dt *dataType, key string, params Params) {
	if _, running := r.refreshing.LoadOrStore(key, struct{}{}); running {
		return
	}
	select {
	case r.refreshSlots <- struct{}{}:
	default:
		r.refreshing.Delete(key)
		return
	}
	if !r.tasks.add(dt.refreshTask) {
		<-r.refreshSlots
		r.refreshing.Delete(key)
		return
	}
	owned := make(Params, len(params)) // the caller may reuse its map
	for k, v := range params {
		owned[k] = v
	}
	budget := BudgetFrom(ctx)
	// The hit that asked for the refresh has returned when the refresh
	// walks: a Forget after it must find the refresh keeping nothing.
	seq := r.forgets.begin()
	go func() {
		defer r.tasks.done(dt.refreshTask)
		defer r.forgets.end(seq)
		defer func() { <-r.refreshSlots; r.refreshing.Delete(key) }()
		deadline := time.Now().Add(r.cfg.Resolve.Deadline)
		ctx := withTask(r.life, TaskRefresh)
		if budget != nil {
			ctx = WithBudgetOf(ctx, budget)
		}
		ctx, cancel := context.WithDeadline(ctx, deadline)
		defer cancel()
		w := r.newWalk(ctx, dt, key, owned, deadline.Add(-min(r.cfg.Resolve.Reserve, r.cfg.Resolve.Deadline/4)))
		w.forgetSeq, w.forgetHeld = seq, true
		r.walk(ctx, w)
	}()
}
