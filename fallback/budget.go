package fallback

import (
	"context"
	"math"
	"sync/atomic"
)

// Budget is a money budget shared by every resolve made with a context
// carrying it (see WithBudget): typically one campaign generation. Every
// provider attempt debits its cost before it is made, retries and hedges
// included, atomically and exactly once; an attempt the budget cannot pay
// for is skipped and the walk goes on to cheaper sources and the free
// layers. Amounts are kept in nano-units, so sums are exact and 32
// goroutines sharing a budget never overspend it by a cent.
//
// A Budget is safe for concurrent use.
type Budget struct {
	limit     int64
	remaining atomic.Int64
}

// nano is the number of budget units per money unit.
const nano = 1e9

func toNano(amount float64) int64 {
	if amount <= 0 || math.IsNaN(amount) {
		return 0
	}
	if amount >= math.MaxInt64/nano {
		return math.MaxInt64
	}
	return int64(math.Round(amount * nano))
}

// NewBudget returns a budget of amount. A negative or NaN amount is zero.
func NewBudget(amount float64) *Budget {
	b := &Budget{limit: toNano(amount)}
	b.remaining.Store(b.limit)
	return b
}

// Limit returns the budget's total.
func (b *Budget) Limit() float64 { return float64(b.limit) / nano }

// Remaining returns what is left.
func (b *Budget) Remaining() float64 { return float64(b.remaining.Load()) / nano }

// Spent returns what has been debited.
func (b *Budget) Spent() float64 { return float64(b.limit-b.remaining.Load()) / nano }

// CanAfford reports whether cost fits what is left, without debiting.
func (b *Budget) CanAfford(cost float64) bool { return toNano(cost) <= b.remaining.Load() }

// TryDebit debits cost if what is left covers it and reports whether it
// did. A zero cost always succeeds.
func (b *Budget) TryDebit(cost float64) bool {
	c := toNano(cost)
	if c == 0 {
		return true
	}
	for {
		r := b.remaining.Load()
		if r < c {
			return false
		}
		if b.remaining.CompareAndSwap(r, r-c) {
			return true
		}
	}
}

type budgetKey struct{}

// WithBudget returns a context carrying a new Budget of amount. Every
// resolve made with the context (or one derived from it) debits the same
// budget.
func WithBudget(ctx context.Context, amount float64) context.Context {
	return context.WithValue(ctx, budgetKey{}, NewBudget(amount))
}

// WithBudgetOf returns a context carrying b, to share one Budget across
// contexts that do not derive from each other.
func WithBudgetOf(ctx context.Context, b *Budget) context.Context {
	return context.WithValue(ctx, budgetKey{}, b)
}

// BudgetFrom returns the budget ctx carries, or nil.
func BudgetFrom(ctx context.Context) *Budget {
	b, _ := ctx.Value(budgetKey{}).(*Budget)
	return b
}

// Refund gives back a debit that bought nothing (an attempt refused after
// it was paid for).
func (b *Budget) Refund(cost float64) {
	if c := toNano(cost); c > 0 {
		b.remaining.Add(c)
	}
}
