package goal

import "strings"

// budgetQualifiers may stand between the money and the word "budget" ("a
// $50k monthly ad budget") or around it.
var budgetQualifiers = map[string]bool{
	"monthly": true, "weekly": true, "daily": true, "quarterly": true,
	"annual": true, "yearly": true, "total": true, "ad": true, "ads": true,
	"advertising": true, "marketing": true, "media": true, "paid": true,
	"campaign": true, "overall": true, "spend": true, "max": true,
	"maximum": true, "a": true, "an": true, "the": true, "our": true,
}

// budgetLinks may stand between "budget" and the money after it ("budget of
// $50k", "budget: $50k", "budget capped at $50k").
var budgetLinks = map[string]bool{
	"of": true, "is": true, "at": true, "around": true, "about": true,
	"approximately": true, "approx": true, "roughly": true, "totaling": true,
	"totalling": true, "capped": true, "up": true, "to": true, "under": true,
	"max": true, "maximum": true, "only": true, "just": true, "be": true,
}

// budgetIntros introduce a budget ("with a $50k budget", "spending $20k").
var budgetIntros = map[string]bool{
	"with": true, "on": true, "using": true, "given": true, "spending": true,
	"spend": true, "investing": true, "invest": true, "for": true, "and": true,
}

// budgets finds every budget clause, records it and marks its tokens used,
// before the rest of the goal is read. A clause is money followed by the
// word "budget", "budget" followed by money, or "with", "using",
// "spending" or "investing" followed by money with a currency.
func (p *parser) budgets() error {
	for j, t := range p.toks {
		if t.kind != tWord || (t.text != "budget" && t.text != "budgets") || p.used[j] {
			continue
		}
		if err := p.budgetWord(j); err != nil {
			return err
		}
	}
	for j, t := range p.toks {
		if t.kind != tWord || p.used[j] {
			continue
		}
		switch t.text {
		case "with", "using", "spending", "spend", "investing", "invest":
			q, ok, err := p.quantity(j + 1)
			if err != nil || !ok || q.kind != qMoney {
				continue
			}
			if err := p.recordBudget(j, q.next, q); err != nil {
				return err
			}
		}
	}
	return nil
}

// budgetWord reads the budget around the word "budget" at j.
func (p *parser) budgetWord(j int) error {
	// Money before: "$50k budget", "a $50k monthly ad budget".
	k := j - 1
	for k >= 0 && budgetQualifiers[p.word(k)] && p.word(k) != "a" && p.word(k) != "an" {
		k--
	}
	for first := max(0, k-3); first <= k; first++ {
		q, ok, err := p.quantity(first)
		if err != nil || !ok || q.next != k+1 {
			continue
		}
		// "by 20% budget" and "20%, budget: $5k" are not budgets of 20%.
		if _, isMarker := p.readMarker(first - 1); isMarker > 0 || !p.joined(k, j) {
			break
		}
		return p.recordBudget(p.budgetStart(first), j+1, q)
	}
	// Money after: "budget of $50k", "budget: 50,000 USD".
	k = j + 1
	for budgetLinks[p.word(k)] {
		k++
	}
	if q, ok, err := p.quantity(k); err == nil && ok {
		return p.recordBudget(p.budgetStart(j), q.next, q)
	}
	// "budget" with no readable money next to it: quote it with what stands
	// where the money should be ("with a $lots budget", "budget of lots").
	first := j
	for first > 0 && j-first < 4 && !budgetIntros[p.word(first)] && p.junk(first-1) {
		first--
	}
	first = p.budgetStart(first)
	next := j + 1
	if budgetLinks[p.word(next)] {
		for budgetLinks[p.word(next)] {
			next++
		}
		if p.junk(next) {
			next++
			if p.isKind(next-1, tSymbol) && p.junk(next) {
				next++
			}
		}
	}
	return p.fail(ErrBadBudget, "budget", first, next, "is not an amount of money (write, for example, \"with a $50k budget\")")
}

// junk reports whether token j may be quoted as a failed budget amount: an
// unused currency symbol or sign, or a word that is no verb or marker.
func (p *parser) junk(j int) bool {
	t := p.tok(j)
	switch {
	case t == nil:
		return false
	case t.kind == tSymbol:
		return t.text != "%"
	case t.kind == tWord:
		_, isVerb := lookupVerb(t.text)
		_, isMarker := p.readMarker(j)
		return !isVerb && isMarker == 0
	}
	return false
}

// joined reports whether tokens a and b (a before b) stand in one clause:
// no comma, semicolon, colon or end of sentence between them.
func (p *parser) joined(a, b int) bool {
	return !strings.ContainsAny(p.text[p.toks[a].end:p.toks[b].start], ",;:!?")
}

// budgetStart extends a budget clause starting at j back over its
// introduction ("with a", "on our").
func (p *parser) budgetStart(j int) int {
	for j > 0 && p.tok(j-1) != nil && (budgetQualifiers[p.word(j-1)] || budgetIntros[p.word(j-1)]) {
		j--
		if budgetIntros[p.word(j)] {
			break
		}
	}
	return j
}

// recordBudget stores the budget q, whose clause runs from token first to
// before token next, and marks the clause used.
func (p *parser) recordBudget(first, next int, q quantity) error {
	switch {
	case q.kind != qPlain && q.kind != qMoney:
		return p.fail(ErrBadBudget, "budget", q.first, q.next, "is not an amount of money")
	case q.value < 0:
		return p.fail(ErrBadBudget, "budget", q.first, q.next, "is negative")
	case q.value == 0:
		return p.fail(ErrBadBudget, "budget", q.first, q.next, "is zero")
	case p.budget != 0:
		return p.fail(ErrConflict, "budget", first, next, "is a second budget (a goal has one)")
	}
	p.budget, p.budgetCurrency = q.value, q.currency
	for k := first; k < next; k++ {
		p.used[k] = true
	}
	return nil
}
