package router

import (
	"errors"
	"fmt"
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

// Pool ranks a fixed list of providers serving one data type: each Pick or
// Rank holds the Tracker's mutex once and scores every member by
// Router.Score of its Tracker.View as of now, giving what Router.Pick and
// Router.Rank give for Candidates with those views. A Pool is safe for
// concurrent use; Pick and Rank do not allocate (Rank when dst has room).
// The zero Pool is not usable: build one with NewPool.
type Pool struct {
	tr       *Tracker
	rtr      *Router
	dataType string
	members  []member // guarded by tr.mu
}

// member is a Pool's member and what the pool keeps of it between picks.
type member struct {
	Member
	// Its entry and its data type's window, found once, so that a pick
	// looks no name up; nil until the tracker has them (it never drops
	// either).
	e  *entry
	ts *series
	// Router.viewTerms and View.QuotaRatio of its view, worked out at e's
	// generation gen and holding at every now up to until (unix
	// nanoseconds; see entry.view): a pick works them out again only for
	// a member whose provider changed since, whose view follows now, or
	// that the tracker does not know (it has no generation yet).
	gen          uint64
	until        int64
	terms, quota float64
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
	p := &Pool{tr: tr, rtr: rtr, dataType: dataType, members: make([]member, len(members))}
	seen := make(map[string]bool, len(members))
	for i, m := range members {
		switch {
		case m.Name == "":
			return nil, fmt.Errorf("router: pool member %d: name must not be empty", i)
		case seen[m.Name]:
			return nil, fmt.Errorf("router: pool member %d: duplicate name %q", i, m.Name)
		}
		seen[m.Name] = true
		p.members[i].Member = m
	}
	return p, nil
}

// Len returns the number of members.
func (p *Pool) Len() int { return len(p.members) }

// Member returns member i.
func (p *Pool) Member(i int) Member { return p.members[i].Member }

// Pick returns the index of the eligible member Rank would put first and
// its score, and false when none is eligible. states[i] is member i's
// State; Pick panics when len(states) is not Len().
func (p *Pool) Pick(states []State, budget float64, now time.Time) (int, float64, bool) {
	p.check(states)
	now = orNow(now)
	p.tr.mu.Lock()
	defer p.tr.mu.Unlock()
	p.update(now)
	best := Ranked{Index: -1}
	for i := range p.members {
		s, ok := p.members[i].score(p.rtr, states[i], budget)
		if x := (Ranked{Index: i, Score: s}); ok && (best.Index < 0 || compareRanked(x, best, p.key) < 0) {
			best = x
		}
	}
	return best.Index, best.Score, best.Index >= 0
}

// Rank appends the eligible members, best first, to dst and returns the
// extended slice, as Router.Rank does for candidates; Ranked.Index is the
// member's index. states[i] is member i's State; Rank panics when
// len(states) is not Len().
func (p *Pool) Rank(states []State, budget float64, now time.Time, dst []Ranked) []Ranked {
	p.check(states)
	now = orNow(now)
	p.tr.mu.Lock()
	defer p.tr.mu.Unlock()
	p.update(now)
	score := func(i int) (float64, bool) { return p.members[i].score(p.rtr, states[i], budget) }
	return rank(dst, len(p.members), score, p.key)
}

// Eligibility returns whether member i may be called, or the first reason
// it may not, as Router.Eligibility does.
func (p *Pool) Eligibility(i int, st State, budget float64, now time.Time) Eligibility {
	now = orNow(now)
	p.tr.mu.Lock()
	defer p.tr.mu.Unlock()
	p.update(now)
	m := &p.members[i]
	return eligibility(true, st, m.quota, m.Cost, budget)
}

func (p *Pool) check(states []State) {
	if len(states) != len(p.members) {
		panic(fmt.Sprintf("router: Pool of %d members given %d states", len(p.members), len(states)))
	}
}

func (p *Pool) key(i int) (int, string) { return p.members[i].Order, p.members[i].Name }

// update brings what the pool keeps of its members up to now. It
// requires p.tr.mu held.
func (p *Pool) update(now time.Time) {
	at := now.UnixNano()
	for i := range p.members {
		if m := &p.members[i]; m.e == nil || m.gen != m.e.gen || at > m.until {
			p.refresh(m, now)
		}
	}
}

// refresh works out again what the pool keeps of m, as of now. It
// requires p.tr.mu held.
func (p *Pool) refresh(m *member, now time.Time) {
	v := &p.tr.fresh
	if m.e == nil {
		m.e = p.tr.entries[m.Name]
	}
	if m.e != nil {
		if m.ts == nil && p.dataType != "" {
			m.ts = m.e.types[p.dataType]
		}
		v, m.until = m.e.view(m.ts, now, &p.tr.s)
		m.gen = m.e.gen
	}
	m.terms, m.quota = p.rtr.viewTerms(v), v.quotaRatio(now)
}

// score returns m's score, from what the pool keeps of it (see update),
// and whether it is eligible. It is small enough to be inlined into the
// loop of Pick (BenchmarkRouterPickAfterRecord).
func (m *member) score(r *Router, st State, budget float64) (float64, bool) {
	return r.score(m.terms, m.quota, true, st, m.Cost, budget)
}
