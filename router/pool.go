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
type Pool struct {
	tr       *Tracker
	rtr      *Router
	dataType string
	members  []Member

	// Per member, guarded by tr.mu: its entry and its data type's window,
	// found once, so that a pick looks no name up; nil until the tracker
	// has them (it never drops either).
	entries []*entry
	series  []*series
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
	for i, m := range members {
		switch {
		case m.Name == "":
			return nil, fmt.Errorf("router: pool member %d: name must not be empty", i)
		case seen[m.Name]:
			return nil, fmt.Errorf("router: pool member %d: duplicate name %q", i, m.Name)
		}
		seen[m.Name] = true
	}
	return &Pool{tr: tr, rtr: rtr, dataType: dataType, members: append([]Member(nil), members...),
		entries: make([]*entry, len(members)), series: make([]*series, len(members))}, nil
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
	p.tr.mu.Lock()
	defer p.tr.mu.Unlock()
	best := Ranked{Index: -1}
	for i := range p.members {
		s, ok := p.score(i, states[i], budget, now)
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
	p.tr.mu.Lock()
	defer p.tr.mu.Unlock()
	score := func(i int) (float64, bool) { return p.score(i, states[i], budget, now) }
	return rank(dst, len(p.members), score, p.key)
}

// Eligibility returns whether member i may be called, or the first reason
// it may not, as Router.Eligibility does.
func (p *Pool) Eligibility(i int, st State, budget float64, now time.Time) Eligibility {
	p.tr.mu.Lock()
	defer p.tr.mu.Unlock()
	return eligibility(true, st, p.view(i, now).quotaRatio(now), p.members[i].Cost, budget)
}

func (p *Pool) check(states []State) {
	if len(states) != len(p.members) {
		panic(fmt.Sprintf("router: Pool of %d members given %d states", len(p.members), len(states)))
	}
}

func (p *Pool) key(i int) (int, string) { return p.members[i].Order, p.members[i].Name }

// score returns member i's score and true when it is eligible, false when
// it is not. It requires p.tr.mu held.
func (p *Pool) score(i int, st State, budget float64, now time.Time) (float64, bool) {
	return p.rtr.eligibleScore(p.view(i, now), true, st, p.members[i].Cost, budget, now)
}

// view returns member i's view as of now, but for P95 (see entry.view).
// It requires p.tr.mu held.
func (p *Pool) view(i int, now time.Time) *View {
	e := p.entries[i]
	if e == nil {
		if e = p.tr.entries[p.members[i].Name]; e == nil {
			return &p.tr.fresh
		}
		p.entries[i] = e
	}
	ts := p.series[i]
	if ts == nil && p.dataType != "" {
		ts = e.types[p.dataType]
		p.series[i] = ts
	}
	return e.view(ts, now, &p.tr.s)
}
