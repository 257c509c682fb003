package router

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync/atomic"
	"time"
)

// Member is one provider of a Pool.
type Member struct {
	// Name is the provider's name in the Tracker; it breaks ties after
	// Order.
	Name string
	// Order is the provider's configured position; a lower Order wins a
	// tie of scores.
	Order int
	// Cost is what one call costs, in the budget's money unit.
	Cost float64
}

// State is what the resolver knows of a member at a pick beside its
// health: its breaker and its rate limiter (see Candidate).
type State struct {
	// BreakerOpen reports that the provider's circuit breaker is open.
	BreakerOpen bool
	// Capacity is the share of the resolver's rate limit for the provider
	// still available, in [0, 1]; 0 means none is left.
	Capacity float64
}

// Pool ranks a fixed list of providers serving one data type, prepared so
// that ranking on every resolve costs little. Router.Rank over Candidates
// filled by Tracker.FillViews pays, per provider, a name lookup, a copy of
// its View and the whole score. A Pool keeps the part of each score the
// views alone decide (the health, quality and performance terms), and
// works it out again only after the tracker changed (a Record, a
// Register, a window expiring); a pick in between weighs each member's
// State, cost and the budget against it: a few loads and multiplications
// per member. Pick goes further: it visits the members from the highest
// score each could reach (its kept part with full capacity and no budget)
// down, and stops at the first that could not beat the best found, so a
// clear favourite is picked in a handful of steps whatever the pool's
// size. A member whose view depends on the time (an outage being
// measured, a reported quota) is scored afresh at every pick.
//
// Pick and Rank give exactly what Router.Pick and Router.Rank give for
// Candidates of the same providers with the views of the same Tracker at
// the same now, scores equal to the bit. A Pool is safe for concurrent use;
// Pick and Rank do not allocate while the tracker stands still.
type Pool struct {
	tr       *Tracker
	rtr      *Router
	dataType string
	members  []Member
	price    []float64               // per member: Router.priceFactor of its cost
	entries  []atomic.Pointer[entry] // per member: its entry, once the tracker has one
	memo     atomic.Pointer[poolMemo]
}

// poolMemo is what a Pool derived from its members' views: immutable.
type poolMemo struct {
	changes uint64       // Tracker.changes it was built at
	until   int64        // it holds while now (unix nanoseconds) is at or before this
	members []memberMemo // per member
	order   []int        // the members by bound descending

	// Room for the slices of a small pool, so that working the memo out
	// again after a change costs one allocation.
	membersBuf [8]memberMemo
	orderBuf   [8]int
}

type memberMemo struct {
	partial float64 // Router.partial of its view, when static
	bound   float64 // the most its score can be
	static  bool    // its view does not depend on now
}

// NewPool returns a Pool of members for dataType ("" for the providers'
// own views), scored by rtr from tr's views. Members need not be known to
// tr yet (they get the view of a new provider until they are). It returns
// an error when tr or rtr is nil, or a member has no name or the name of
// another.
func NewPool(tr *Tracker, rtr *Router, dataType string, members []Member) (*Pool, error) {
	if tr == nil || rtr == nil {
		return nil, errors.New("router: NewPool needs a Tracker and a Router")
	}
	seen := make(map[string]bool, len(members))
	price := make([]float64, len(members))
	for i, m := range members {
		switch {
		case m.Name == "":
			return nil, fmt.Errorf("router: pool member %d: name must not be empty", i)
		case seen[m.Name]:
			return nil, fmt.Errorf("router: pool member %d: duplicate name %q", i, m.Name)
		}
		seen[m.Name] = true
		price[i] = rtr.priceFactor(m.Cost)
	}
	return &Pool{tr: tr, rtr: rtr, dataType: dataType, members: append([]Member(nil), members...), price: price,
		entries: make([]atomic.Pointer[entry], len(members))}, nil
}

// Len returns the number of members.
func (p *Pool) Len() int { return len(p.members) }

// Member returns member i.
func (p *Pool) Member(i int) Member { return p.members[i] }

// Pick returns the index of the eligible member Rank would put first and
// its score, and false when none is eligible. states[i] is member i's
// State; Pick panics when len(states) is not Len().
func (p *Pool) Pick(states []State, budget float64, now time.Time) (int, float64, bool) {
	p.check(states)
	m := p.current(now)
	b := sanitiseBudget(budget)
	best := Ranked{Index: -1}
	keep := func(i int, score float64) {
		x := Ranked{Index: i, Score: score}
		if best.Index < 0 || score > best.Score || score == best.Score && compareRanked(x, best, memberKeys(p.members)) < 0 {
			best = x
		}
	}
	for _, i := range m.order {
		if best.Index >= 0 && m.members[i].bound < best.Score {
			break // neither this member nor any after it can reach the best
		}
		if score, ok := p.score(m, i, &states[i], b, now); ok {
			keep(i, score)
		}
	}
	return best.Index, best.Score, best.Index >= 0
}

// Rank appends the eligible members, best first, to dst and returns the
// extended slice, as Router.Rank does for candidates; Ranked.Index is the
// member's index. states[i] is member i's State; Rank panics when
// len(states) is not Len(). It does not allocate when dst has room.
func (p *Pool) Rank(states []State, budget float64, now time.Time, dst []Ranked) []Ranked {
	p.check(states)
	m := p.current(now)
	b := sanitiseBudget(budget)
	base := len(dst)
	for i := range p.members {
		if score, ok := p.score(m, i, &states[i], b, now); ok {
			dst = append(dst, Ranked{Index: i, Score: score})
		}
	}
	sortRanked(dst[base:], memberKeys(p.members))
	return dst
}

// Eligibility returns whether member i may be called, or the first reason
// it may not, as Router.Eligibility does.
func (p *Pool) Eligibility(i int, st State, budget float64, now time.Time) Eligibility {
	c := Candidate{Name: p.members[i].Name, Cost: p.members[i].Cost, BreakerOpen: st.BreakerOpen, Capacity: st.Capacity, Serves: true}
	if m := p.current(now); !m.members[i].static {
		c.View = p.tr.View(c.Name, p.dataType, now) // a quota may be spent
	}
	return eligibility(&c, budget, now)
}

func (p *Pool) check(states []State) {
	if len(states) != len(p.members) {
		panic(fmt.Sprintf("router: Pool of %d members given %d states", len(p.members), len(states)))
	}
}

type memberKeys []Member

func (m memberKeys) keys(i int) (int, string) { return m[i].Order, m[i].Name }

// score is rankState.score for member i, b the sanitised budget.
func (p *Pool) score(m *poolMemo, i int, st *State, b float64, now time.Time) (float64, bool) {
	cost := p.members[i].Cost
	if st.BreakerOpen || !(st.Capacity > 0) || !(cost <= b) {
		return 0, false
	}
	cf := budgetFactor(p.price[i], cost, b)
	if mm := &m.members[i]; mm.static {
		// No quota reported: its ratio is 1.
		return p.rtr.total(mm.partial, clamp01(st.Capacity), cf), true
	}
	var v View
	if c := p.snapshot(i, now); c == nil {
		v = p.tr.unknown(p.members[i].Name, now)
	} else {
		v = c.v
		c.derive(&v, p.dataType, now, &p.tr.s)
	}
	q := v.quotaRatio(now)
	if q <= 0 {
		return 0, false
	}
	return p.rtr.total(p.rtr.partial(&v), min(clamp01(st.Capacity), q), cf), true
}

// snapshot returns Tracker.current for member i, without looking its
// name up once the tracker knows it (entries are never removed).
func (p *Pool) snapshot(i int, now time.Time) *viewCache {
	e := p.entries[i].Load()
	if e == nil {
		if e = p.tr.lookup(p.members[i].Name); e == nil {
			return nil
		}
		p.entries[i].Store(e)
	}
	return p.tr.currentOf(e, p.dataType, now)
}

// current returns the memo holding at now, building it when the tracker
// changed or a window's oldest outcome aged out since the last one.
func (p *Pool) current(now time.Time) *poolMemo {
	nowN := now.UnixNano()
	m := p.memo.Load()
	if m != nil && m.changes == p.tr.changes.Load() && nowN <= m.until {
		return m
	}
	n := len(p.members)
	// Read the count first: a change made while the memo is built makes
	// it stale at once, never wrong.
	m = &poolMemo{changes: p.tr.changes.Load(), until: math.MaxInt64}
	if n <= len(m.membersBuf) {
		m.members, m.order = m.membersBuf[:n], m.orderBuf[:n]
	} else {
		m.members, m.order = make([]memberMemo, n), make([]int, n)
	}
	for i := range p.members {
		m.order[i] = i
		mm := &m.members[i]
		var v *View
		if c := p.snapshot(i, now); c == nil {
			// Unknown to the tracker: the view of a new provider, the
			// same at every now until a Record adds it (a change).
			u := p.tr.unknown(p.members[i].Name, now)
			v = &u
		} else {
			m.until = min(m.until, c.until)
			if !c.static {
				// Its health score moves with now, through its uptime
				// and quota terms, but no higher than with both at 1;
				// its quality and latency do not move.
				top := c.v
				top.Uptime, top.QuotaUntil = 1, time.Time{}
				top.Score = p.tr.s.healthScoreFrom(c.base, &top, time.Time{})
				mm.bound = p.rtr.total(p.rtr.partial(&top), 1, p.price[i])
				continue
			}
			v = &c.v
		}
		mm.partial = p.rtr.partial(v)
		// total with full capacity and the price factor: rounding is
		// monotonic, so no State or budget can score higher.
		mm.bound = p.rtr.total(mm.partial, 1, p.price[i])
		mm.static = true
	}
	slices.SortStableFunc(m.order, func(a, b int) int { return cmp.Compare(m.members[b].bound, m.members[a].bound) })
	p.memo.Store(m)
	return m
}
