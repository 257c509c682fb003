package fake

import "github.com/strata-go/strata/providers"

// Force makes every call get o, ahead of every other rule, until the next
// Force or SetUp. Force(Outcome{}) lifts it. It is safe to call while calls
// are in flight; calls already past their decision are not affected.
func (p *Provider) Force(o Outcome) {
	p.mu.Lock()
	p.forced = o
	p.mu.Unlock()
}

// SetDown makes every call fail with class c until SetUp: it is
// Force(Fail(c)).
func (p *Provider) SetDown(c providers.Class) { p.Force(Fail(c)) }

// SetGarbage makes every call answer garbage of kind g until SetUp: it is
// Force(Return(g)).
func (p *Provider) SetGarbage(g Garbage) { p.Force(Return(g)) }

// SetSlow multiplies the latency of every call by factor, on top of any
// Slow outcome, until SetUp or SetSlow(1). It panics unless factor is
// finite and positive.
func (p *Provider) SetSlow(factor float64) {
	Slow(factor) // validates
	p.mu.Lock()
	p.slow = factor
	p.mu.Unlock()
}

// SetUp lifts Force, SetDown, SetGarbage and SetSlow: calls follow the
// configured rules again.
func (p *Provider) SetUp() {
	p.mu.Lock()
	p.forced, p.slow = Outcome{}, 1
	p.mu.Unlock()
}
