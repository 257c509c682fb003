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
// layers.
//
// Money is counted exactly, in whole nano-units (10⁻⁹ of the money unit):
// an amount that is a whole number of nano-units as written (0.0001,
// 0.02, 1.5) is that number exactly, so sums never drift and goroutines
// sharing a budget never overspend it. A cost finer than a nano-unit is
// rounded up to the next one, so no cost is ever free; a budget's amount
// is rounded down, so a budget never holds more than it was given. The
// largest budget is MaxBudget.
//
// A Budget is safe for concurrent use.
type Budget struct {
	limit     int64
	remaining atomic.Int64
	alerted   atomic.Int32 // the alert thresholds crossed and raised (AlertBudget)
}

// nano is the number of budget units per money unit.
const nano = 1e9

// MaxBudget is the largest amount a Budget holds, about 9.2e9: a larger
// amount is held as MaxBudget.
const MaxBudget = math.MaxInt64 / nano

// validAmount reports whether amount is money: finite and not negative.
func validAmount(amount float64) bool { return amount >= 0 && !math.IsInf(amount, 1) }

// toNano returns a valid amount in nano-units, rounded up when it falls
// between two (see Budget), or 0 for an invalid one.
func toNano(amount float64) int64 {
	n, whole := units(amount)
	if !whole && n < math.MaxInt64 {
		n++
	}
	return n
}

// charged returns what a budget debits for cost, a valid amount: cost
// rounded up to a whole nano-unit (see Budget). A provider's price is
// kept so, so that Result.Cost and the snapshot's costs say what the
// budgets paid.
func charged(cost float64) float64 { return money(toNano(cost)) }

// money returns n nano-units as an amount. A sum of costs is taken in
// nano-units (toNano of each, exact for a charged cost) and turned into
// money once, as a budget counts: a sum of the floats drifts (0.1 + 0.2
// is 0.30000000000000004, where a budget charged both says 0.3).
func money(n int64) float64 { return float64(n) / nano }

// units returns a valid amount in whole nano-units, rounded down, and
// whether it was whole: the float64 nearest to that many nano-units is
// the amount itself. An invalid amount is 0; one beyond MaxBudget is
// math.MaxInt64.
func units(amount float64) (n int64, whole bool) {
	if !validAmount(amount) {
		return 0, true
	}
	x := amount * nano
	if x >= math.MaxInt64 {
		return math.MaxInt64, true
	}
	if r := math.Round(x); r/nano == amount {
		return int64(r), true
	}
	return int64(x), false // truncates: x is not negative
}

// NewBudget returns a budget of amount, rounded down to whole nano-units.
// An amount that is not money — negative, NaN or infinite — makes an
// exhausted budget, which pays for nothing but free attempts; an amount
// beyond MaxBudget makes a budget of MaxBudget.
func NewBudget(amount float64) *Budget {
	limit, _ := units(amount)
	b := &Budget{limit: limit}
	b.remaining.Store(limit)
	return b
}

// Limit returns the budget's total.
func (b *Budget) Limit() float64 { return float64(b.limit) / nano }

// Remaining returns what is left.
func (b *Budget) Remaining() float64 { return float64(b.remaining.Load()) / nano }

// Spent returns what has been debited and not refunded.
func (b *Budget) Spent() float64 { return float64(b.limit-b.remaining.Load()) / nano }

// CanAfford reports whether cost fits what is left, without debiting. A
// cost that is not money (negative, NaN or infinite) never fits.
func (b *Budget) CanAfford(cost float64) bool {
	return validAmount(cost) && toNano(cost) <= b.remaining.Load()
}

// TryDebit debits cost if what is left covers it and reports whether it
// did. A zero cost always succeeds; a cost that is not money (negative,
// NaN or infinite) never does and debits nothing.
func (b *Budget) TryDebit(cost float64) bool {
	if !validAmount(cost) {
		return false
	}
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

// Refund gives back a debit that bought nothing (an attempt refused after
// it was paid for). What is left never grows past the limit: a refund of
// more than was spent gives back only what was spent, and one that is not
// money (negative, NaN or infinite) gives back nothing.
func (b *Budget) Refund(cost float64) {
	if !validAmount(cost) {
		return
	}
	c := toNano(cost)
	for {
		r := b.remaining.Load()
		next := b.limit
		if c < b.limit-r {
			next = r + c
		}
		if next == r || b.remaining.CompareAndSwap(r, next) {
			return
		}
	}
}

type budgetKey struct{}

// WithBudget returns a context carrying a new Budget of amount (see
// NewBudget). Every resolve made with the context (or one derived from
// it) debits the same budget.
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
