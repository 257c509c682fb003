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

// spendQualifiers may stand before the noun "spend" in a budget clause
// ("with 25k of paid media spend").
var spendQualifiers = map[string]bool{
	"monthly": true, "weekly": true, "daily": true, "quarterly": true,
	"annual": true, "yearly": true, "total": true, "overall": true, "ad": true,
	"ads": true, "advertising": true, "marketing": true, "media": true,
	"paid": true, "campaign": true, "extra": true, "additional": true,
	"search": true, "social": true, "display": true, "video": true, "digital": true,
}

// articles may stand between an introduction and the money ("with a $50k
// budget", "with our 25k spend").
var articles = map[string]bool{"a": true, "an": true, "the": true, "our": true, "my": true}

// budgetPeriods may follow "a" or "per" after a budget ("$5k a month");
// any other word there prices one unit ("$50 a lead"), which is no budget.
var budgetPeriods = map[string]bool{
	"day": true, "week": true, "month": true, "mo": true, "quarter": true,
	"year": true, "yr": true,
}

// capPhrases may stand between "spending" and the money ("spending no more
// than $5k").
var capPhrases = [][]string{
	{"no", "more", "than"}, {"not", "more", "than"}, {"at", "most"},
	{"less", "than"}, {"a", "total", "of"}, {"a", "maximum", "of"},
	{"up", "to"}, {"under"}, {"about"}, {"around"}, {"roughly"},
	{"approximately"}, {"only"}, {"just"}, {"max"},
}

// budgets finds every budget clause, records it and marks its tokens used,
// before the rest of the goal is read. A clause is
//
//   - money followed by the word "budget", or "budget" followed by money
//     ("a $50k budget", "on a 10k budget", "budget of 50,000 USD");
//   - "with", "using", "on" or "for" before an amount and the noun "spend"
//     ("with 25k spend", "on $10k of ad spend", "with a spend of $25k");
//   - "spending", "spend", "investing" or "invest" before an amount, unless
//     a direction word or "ad", "media"... before it makes it the metric
//     spend ("spending $5k", "spend 20k to get 300 leads"; but "cut
//     spending to $5k", "reduce ad spend 5k");
//   - "with", "using", "on" or "for" before money with a currency, unless
//     it prices one unit ("with $20k", "for $3,000", "on $10k a month";
//     but "for $50 a lead", "for $50 each").
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
		var q quantity
		var next int
		var ok bool
		switch t.text {
		case "with", "using", "on", "for":
			if q, next, ok = p.spendClause(j); !ok {
				q, next, ok = p.moneyAfter(j)
			}
		case "spending", "spend", "investing", "invest":
			q, next, ok = p.spendingClause(j)
		}
		if !ok {
			continue
		}
		if err := p.recordBudget(j, next, q); err != nil {
			return err
		}
	}
	return nil
}

// budgetAmount reads the amount at k when it may be a budget: money, or a
// plain number ("25k").
func (p *parser) budgetAmount(k int) (quantity, bool) {
	q, ok, err := p.quantity(k)
	if err != nil || !ok || (q.kind != qPlain && q.kind != qMoney) {
		return quantity{}, false
	}
	return q, true
}

// spendNoun reads "spend" or "spending" at k after any spend qualifiers
// ("paid media spend") and returns the token after it.
func (p *parser) spendNoun(k int) (int, bool) {
	for spendQualifiers[p.word(k)] {
		k++
	}
	if w := p.word(k); w == "spend" || w == "spending" {
		return k + 1, true
	}
	return 0, false
}

// spendClause reads a budget clause with the noun "spend" after the
// introduction at j: "with 25k spend", "on $10k in ad spend", "with a
// 25k monthly spend", or (not after "on", where "return on ad spend of 4"
// is ROAS) "with a spend of $25k", "for a total spend of 10k". It returns
// the amount and the token after the clause.
func (p *parser) spendClause(j int) (quantity, int, bool) {
	k := j + 1
	for articles[p.word(k)] {
		k++
	}
	// The amount, then the noun: "with 25k (in|of) (ad) spend".
	if q, ok := p.budgetAmount(k); ok {
		m := p.skipPeriod(q.next)
		if w := p.word(m); w == "in" || w == "of" {
			m++
		}
		if next, ok := p.spendNoun(m); ok {
			return q, next, true
		}
		return quantity{}, 0, false
	}
	// The noun, then the amount: "with a (monthly ad) spend of $25k".
	if p.word(j) == "on" {
		return quantity{}, 0, false
	}
	m, ok := p.spendNoun(k)
	if !ok {
		return quantity{}, 0, false
	}
	for budgetLinks[p.word(m)] {
		m++
	}
	if q, ok := p.budgetAmount(m); ok && !p.perUnit(q.next) {
		return q, p.skipPeriod(q.next), true
	}
	return quantity{}, 0, false
}

// moneyAfter reads money with a currency after the introduction at j
// ("with $20k", "for up to $3,000", "on $10k a month"), unless it prices
// one unit ("for $50 a lead").
func (p *parser) moneyAfter(j int) (quantity, int, bool) {
	k := j + 1
	for budgetLinks[p.word(k)] {
		k++
	}
	q, ok, err := p.quantity(k)
	if err != nil || !ok || q.kind != qMoney || p.perUnit(q.next) {
		return quantity{}, 0, false
	}
	return q, p.skipPeriod(q.next), true
}

// spendingClause reads "spending $5k", "spend 20k", "investing no more
// than $10k" at j — unless the word before j makes "spend" the metric: a
// direction word ("cut spending to $5k", "keep spend under $5k"), a
// qualifier ("reduce ad spend $5k") or an article ("our spend").
func (p *parser) spendingClause(j int) (quantity, int, bool) {
	if prev := p.word(j - 1); prev != "" {
		if _, isVerb := lookupVerb(prev); isVerb || spendQualifiers[prev] || articles[prev] {
			return quantity{}, 0, false
		}
	}
	k := j + 1
	for _, c := range capPhrases {
		if p.matchWords(k, c) {
			k += len(c)
			break
		}
	}
	q, ok := p.budgetAmount(k)
	if !ok || p.perUnit(q.next) {
		return quantity{}, 0, false
	}
	return q, p.skipPeriod(q.next), true
}

// skipPeriod returns the token after a budget's period at k ("a month",
// "per week", "/month", whose slash the tokenizer drops), or k when there
// is none.
func (p *parser) skipPeriod(k int) int {
	switch w := p.word(k); {
	case (w == "a" || w == "per") && budgetPeriods[p.word(k+1)]:
		return k + 2
	case budgetPeriods[w] && k > 0 && strings.Contains(p.text[p.toks[k-1].end:p.toks[k].start], "/"):
		return k + 1
	}
	return k
}

// perUnit reports whether the words at k price one unit of something ("a
// lead", "per click", "each"), so that the money before them is no
// budget; "a month" and "per week" are budgets' periods.
func (p *parser) perUnit(k int) bool {
	switch w := p.word(k); w {
	case "each", "apiece":
		return true
	case "a", "an", "per":
		next := p.word(k + 1)
		return next != "" && !budgetPeriods[next]
	}
	return false
}

// budgetWord reads the budget around the word "budget" at j.
func (p *parser) budgetWord(j int) error {
	// Money before: "$50k budget", "a $50k monthly ad budget".
	k := j - 1
	for k >= 0 && p.word(k) != "a" && p.word(k) != "an" && (budgetQualifiers[p.word(k)] || budgetPeriods[p.word(k)] || p.word(k) == "per") {
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
		// The second budget is the later one in the text, whichever of
		// the two was read first.
		second := hit{first, next}
		if first < p.budgetAt.first {
			second = p.budgetAt
		}
		return p.fail(ErrConflict, "budget", second.first, second.next, "is a second budget (a goal has one)")
	}
	p.budget, p.budgetCurrency, p.budgetAt = q.value, q.currency, hit{first, next}
	for k := first; k < next; k++ {
		p.used[k] = true
	}
	return nil
}
