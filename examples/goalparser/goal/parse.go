package goal

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Limits on what Parse accepts.
const (
	// MaxTextLen is the longest goal text Parse reads, in bytes.
	MaxTextLen = 1000
	// MaxPercent is the largest relative change a goal may ask for, in
	// percent; "increase leads by 50000%" is an error.
	MaxPercent = 10000
	// MaxMultiple is the largest multiple a goal may ask for ("by 100x").
	MaxMultiple = 100
	// MaxAmount bounds every number in a goal, so that no amount, budget or
	// level is infinite or absurd.
	MaxAmount = 1e15
)

// Parse reads one goal written as a person writes it ("increase qualified
// leads by 20% in Q3 with a $50k budget", "cut CPA to $35 by March",
// "double organic traffic this year"). Deadlines resolve relative to now,
// in now's location; pass time.Now() outside tests.
//
// Parse returns either a Goal whose Metric is known and whose Amount is
// positive and finite, or the zero Goal and a *ParseError that names the
// part it could not read and wraps one of the sentinel errors (ErrEmpty,
// ErrTooLong, ErrNoMetric, ErrNoChange, ErrBadAmount, ErrBadDeadline,
// ErrBadBudget, ErrConflict). It never panics, and it is safe for
// concurrent use.
func Parse(text string, now time.Time) (Goal, error) {
	p := &parser{text: text, today: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())}
	if strings.TrimSpace(text) == "" {
		return Goal{}, &ParseError{Text: text, Field: "goal", Reason: "the text is empty", Err: ErrEmpty}
	}
	if len(text) > MaxTextLen {
		return Goal{}, &ParseError{Text: text, Field: "goal", Reason: fmt.Sprintf("the text is %d bytes, more than the %d a goal may have", len(text), MaxTextLen), Err: ErrTooLong}
	}
	p.toks = tokenize(text)
	p.used = make([]bool, len(p.toks))
	if err := p.budgets(); err != nil {
		return Goal{}, err
	}
	if err := p.scan(); err != nil {
		return Goal{}, err
	}
	return p.resolve()
}

// hit is the run of tokens [first, next) where a part of the goal was read.
type hit struct{ first, next int }

// amountHit is an amount read from the goal with the role its marker gives.
type amountHit struct {
	q      quantity
	role   role
	intent Direction // the way a bound such as "under" points
	first  int       // the marker's first token, or the amount's
}

// verbHit is a direction word read from the goal.
type verbHit struct {
	verb
	at int
}

// parser holds one Parse call: the tokens, and the parts read so far.
type parser struct {
	text  string
	toks  []token
	today time.Time
	// used marks the tokens of the budget clauses, read before the rest.
	used []bool
	// haveAmount is set once an amount or a multiplying verb is read; it
	// decides whether "by 2030" is a year or an amount.
	haveAmount bool

	metric         int
	metricAt       hit
	hasMetric      bool
	verbs          []verbHit
	amounts        []amountHit
	deadlineDate   time.Time
	deadlineAt     hit
	hasDeadline    bool
	basis          string
	basisAt        hit
	budget         float64
	budgetCurrency string
	budgetAt       hit
	// dangling are the "by"s followed by nothing readable.
	dangling []int
	// unknown are the words that were not part of anything.
	unknown []int
}

// tok returns token j, or nil when j is out of range or already used.
func (p *parser) tok(j int) *token {
	if j < 0 || j >= len(p.toks) || p.used[j] {
		return nil
	}
	return &p.toks[j]
}

// word returns the text of token j if it is an unused word, else "".
func (p *parser) word(j int) string {
	if t := p.tok(j); t != nil && t.kind == tWord {
		return t.text
	}
	return ""
}

func (p *parser) isKind(j int, k tokKind) bool {
	t := p.tok(j)
	return t != nil && t.kind == k
}

func (p *parser) isSym(j int, s string) bool {
	t := p.tok(j)
	return t != nil && t.kind == tSymbol && t.text == s
}

// part returns the text of tokens [first, next) as written, with any
// invalid UTF-8 replaced by U+FFFD so that it survives JSON.
func (p *parser) part(first, next int) string {
	first, next = max(first, 0), min(next, len(p.toks))
	if first >= next {
		return ""
	}
	return strings.ToValidUTF8(p.text[p.toks[first].start:p.toks[next-1].end], "\uFFFD")
}

// fail returns a *ParseError for the tokens [first, next).
func (p *parser) fail(sentinel error, field string, first, next int, reason string) error {
	return &ParseError{Text: p.text, Field: field, Part: p.part(first, next), Reason: reason, Err: sentinel}
}

// scan reads the goal left to right, trying at each token a comparison
// basis, a deadline, a metric, a marked amount, a direction word and a bare
// amount, in that order.
func (p *parser) scan() error {
	for i := 0; i < len(p.toks); {
		if p.used[i] {
			i++
			continue
		}
		if next, ok, err := p.readBasis(i); err != nil {
			return err
		} else if ok {
			i = next
			continue
		}
		date, next, ok, err := p.deadline(i)
		if err != nil {
			return err
		}
		if ok {
			if p.hasDeadline {
				return p.fail(ErrConflict, "deadline", i, next, fmt.Sprintf("is a second deadline after %q (a goal has one)", p.part(p.deadlineAt.first, p.deadlineAt.next)))
			}
			p.deadlineDate, p.deadlineAt, p.hasDeadline = date, hit{i, next}, true
			i = next
			continue
		}
		if m, next, ok := p.readMetric(i); ok {
			if p.hasMetric && m != p.metric {
				return p.fail(ErrConflict, "metric", i, next, fmt.Sprintf("is a second metric after %q (a goal has one)", p.part(p.metricAt.first, p.metricAt.next)))
			}
			if !p.hasMetric {
				p.metric, p.metricAt, p.hasMetric = m, hit{i, next}, true
			}
			i = next
			continue
		}
		if p.word(i) == "in" && p.word(i+1) == "half" {
			p.addAmount(amountHit{q: quantity{value: 0.5, kind: qMultiple, first: i, next: i + 2}, role: roleChange, first: i})
			i += 2
			continue
		}
		if mk, n := p.readMarker(i); n > 0 {
			q, ok, err := p.quantity(i + n)
			if err != nil {
				return err
			}
			if ok {
				p.addAmount(amountHit{q: q, role: mk.role, intent: mk.intent, first: i})
				i = q.next
				continue
			}
			if mk.role == roleChange {
				p.dangling = append(p.dangling, i)
				i++
				continue
			}
		}
		if v, ok := lookupVerb(p.word(i)); ok {
			p.verbs = append(p.verbs, verbHit{verb: v, at: i})
			if v.mult != 0 {
				p.haveAmount = true
			}
			i++
			continue
		}
		q, ok, err := p.quantity(i)
		if err != nil {
			return err
		}
		if ok {
			p.addAmount(amountHit{q: q, role: roleBare, first: i})
			i = q.next
			continue
		}
		if w := p.word(i); w != "" && !fillers[w] {
			p.unknown = append(p.unknown, i)
		}
		i++
	}
	return nil
}

func (p *parser) addAmount(a amountHit) {
	p.amounts = append(p.amounts, a)
	p.haveAmount = true
}

// matchWords reports whether the unused words from i spell words exactly.
func (p *parser) matchWords(i int, words []string) bool {
	for k, w := range words {
		if p.word(i+k) != w {
			return false
		}
	}
	return true
}

// readBasis reads "YoY", "quarter over quarter" and the like at i.
func (p *parser) readBasis(i int) (int, bool, error) {
	for _, b := range basisPhrases {
		if !p.matchWords(i, b.words) {
			continue
		}
		next := i + len(b.words)
		if p.basis != "" && p.basis != b.basis {
			return 0, false, p.fail(ErrConflict, "deadline", i, next, fmt.Sprintf("is a second comparison period after %q", p.part(p.basisAt.first, p.basisAt.next)))
		}
		p.basis, p.basisAt = b.basis, hit{i, next}
		return next, true, nil
	}
	return 0, false, nil
}

// readMetric reads the longest metric name at i.
func (p *parser) readMetric(i int) (metric, next int, ok bool) {
	w := p.word(i)
	if w == "" {
		return 0, 0, false
	}
	best := 0
	for _, stem := range singulars(w) {
		if stem == "" {
			continue
		}
	candidates:
		for _, a := range aliasesByFirst[stem] {
			n := len(a.words)
			if n <= best {
				break // the rest are shorter
			}
			for k, aw := range a.words {
				if !wordMatches(aw, p.word(i+k)) {
					continue candidates
				}
			}
			metric, best, ok = a.metric, n, true
			break
		}
	}
	return metric, i + best, ok
}

// readMarker reads the longest marker at i and returns its length in tokens.
func (p *parser) readMarker(i int) (marker, int) {
	for _, m := range markers {
		if p.matchWords(i, m.words) {
			return m, len(m.words)
		}
	}
	return marker{}, 0
}

// label is the metric as written.
func (p *parser) label() string { return p.part(p.metricAt.first, p.metricAt.next) }

// resolve turns the parts read into a Goal, or reports what is missing or
// contradictory.
func (p *parser) resolve() (Goal, error) {
	if !p.hasMetric {
		return Goal{}, p.noMetric()
	}
	m := metrics[p.metric]
	if len(p.dangling) > 0 {
		return Goal{}, p.danglingBy(p.dangling[0])
	}

	// The direction the words say, and the multiple a verb carries.
	var dir Direction
	dirAt, multAt, firstVerb := -1, -1, -1
	mult := 0.0
	for _, v := range p.verbs {
		if firstVerb < 0 {
			firstVerb = v.at
		}
		d := v.dir
		if d == better {
			d = Increase
			if m.LowerIsBetter {
				d = Decrease
			}
		}
		if v.mult != 0 {
			if mult != 0 {
				return Goal{}, p.fail(ErrConflict, "change", v.at, v.at+1, fmt.Sprintf("is a second change after %q (a goal has one)", p.part(multAt, multAt+1)))
			}
			mult, multAt = v.mult, v.at
		}
		if d == Reach {
			continue
		}
		if dir != "" && d != dir {
			return Goal{}, p.fail(ErrConflict, "direction", v.at, v.at+1, fmt.Sprintf("says %s but %q says %s", d, p.part(dirAt, dirAt+1), dir))
		}
		if dir == "" {
			dir, dirAt = d, v.at
		}
	}

	// The role of each amount.
	var change, target, from *amountHit
	for k := range p.amounts {
		a := &p.amounts[k]
		r := a.role
		if r == roleBare {
			r = bareRole(a.q, dir, m)
		}
		if r == roleTarget && a.q.kind == qMultiple && m.Kind != KindRatio {
			r = roleChange // "increase leads to 3x" triples them
		}
		slot, what := &change, "change"
		switch r {
		case roleTarget:
			slot, what = &target, "target"
		case roleFrom:
			slot, what = &from, "starting level"
		}
		if *slot != nil {
			return Goal{}, p.fail(ErrConflict, "amount", a.first, a.q.next, fmt.Sprintf("is a second %s after %q (a goal has one)", what, p.part((*slot).first, (*slot).q.next)))
		}
		*slot = a
	}

	g := Goal{Text: p.text, Metric: m.Name, MetricLabel: p.label()}
	switch {
	case from != nil && target != nil:
		if err := p.fromTo(&g, m, from, target, change, dir, dirAt, mult); err != nil {
			return Goal{}, err
		}
	case target != nil:
		if change != nil {
			return Goal{}, p.fail(ErrConflict, "amount", change.first, change.q.next, fmt.Sprintf("is a change besides the target %q (write one of them)", p.part(target.first, target.q.next)))
		}
		level, cur, err := p.level(target, m)
		if err != nil {
			return Goal{}, err
		}
		intent := target.intent
		if intent != "" && dir != "" && intent != dir {
			return Goal{}, p.fail(ErrConflict, "direction", target.first, target.q.next, fmt.Sprintf("is a %s but %q says %s", boundWord(intent), p.part(dirAt, dirAt+1), dir))
		}
		if intent == "" {
			intent = dir
		}
		g.Direction, g.Intent, g.Amount, g.Unit, g.Currency = Reach, intent, level, unitOf(m), cur
		if mult != 0 {
			// "double revenue to $2M" states the current level.
			g.Baseline = level / mult
		}
		if level == 0 {
			return Goal{}, p.fail(ErrBadAmount, "amount", target.first, target.q.next, "is zero, which no goal can reach")
		}
	case change != nil:
		if mult != 0 {
			return Goal{}, p.fail(ErrConflict, "change", change.first, change.q.next, fmt.Sprintf("is a second change after %q (a goal has one)", p.part(multAt, multAt+1)))
		}
		if err := p.change(&g, m, change, dir, dirAt); err != nil {
			return Goal{}, err
		}
	case mult != 0:
		g.Direction, g.Unit, g.Amount = Increase, UnitMultiple, mult
		if mult < 1 {
			g.Direction = Decrease
		}
		g.Intent = g.Direction
	case from != nil:
		return Goal{}, p.fail(ErrNoChange, "change", from.first, from.q.next, "is a starting level with no change or target after it")
	case firstVerb >= 0:
		first, next := firstVerb, firstVerb+1
		if p.metricAt.first > first {
			next = p.metricAt.next
		}
		return Goal{}, p.fail(ErrNoChange, "change", first, next, "does not say by how much or to what level (add, for example, \"by 20%\" or \"to 500\")")
	default:
		return Goal{}, p.fail(ErrNoChange, "change", 0, 0, "says no change or target (for example \"increase leads by 20%\")")
	}
	if from != nil && target == nil {
		level, _, err := p.level(from, m)
		if err != nil {
			return Goal{}, err
		}
		g.Baseline = level
	}
	if p.hasDeadline {
		g.Deadline, g.DeadlineText = p.deadlineDate, p.part(p.deadlineAt.first, p.deadlineAt.next)
	}
	if p.basis != "" {
		g.Basis = p.basis
		if !p.hasDeadline {
			g.Deadline = p.periodSpan(basisPeriods[p.basis], 0).last
			g.DeadlineText = p.part(p.basisAt.first, p.basisAt.next)
		}
	}
	g.Budget, g.BudgetCurrency = p.budget, p.budgetCurrency
	return g, nil
}

// bareRole settles an amount written without a marker: a change when the
// words give a direction or the amount a sign ("grow revenue 15%", "leads
// +20%"), otherwise a level ("get 500 signups", "5% conversion rate", "4x
// ROAS"), except that a relative amount on a count or money metric is a
// change ("2x leads").
func bareRole(q quantity, dir Direction, m Metric) role {
	if q.signed || dir == Increase || dir == Decrease {
		return roleChange
	}
	switch q.kind {
	case qPercent:
		if m.Kind == KindRate || m.Kind == KindRatio {
			return roleTarget
		}
		return roleChange
	case qMultiple:
		if m.Kind == KindRatio {
			return roleTarget
		}
		return roleChange
	}
	return roleTarget
}

// fromTo fills g from a "from X to Y" pair: a multiple Y/X with Baseline X.
func (p *parser) fromTo(g *Goal, m Metric, from, target, change *amountHit, dir Direction, dirAt int, mult float64) error {
	first, next := min(from.first, target.first), max(from.q.next, target.q.next)
	if change != nil {
		return p.fail(ErrConflict, "amount", change.first, change.q.next, fmt.Sprintf("is a change besides %q (write one of them)", p.part(first, next)))
	}
	fv, fcur, err := p.level(from, m)
	if err != nil {
		return err
	}
	tv, tcur, err := p.level(target, m)
	if err != nil {
		return err
	}
	if fcur != "" && tcur != "" && fcur != tcur {
		return p.fail(ErrConflict, "amount", first, next, "changes currency")
	}
	cur := tcur
	if cur == "" {
		cur = fcur
	}
	g.Currency = cur
	if tv == 0 {
		return p.fail(ErrBadAmount, "amount", target.first, target.q.next, "is zero, which no goal can reach")
	}
	if fv == 0 {
		// A ratio from zero is infinite: read "from 0 to 500" as reaching 500.
		if dir == Decrease {
			return p.fail(ErrConflict, "direction", first, next, fmt.Sprintf("goes up but %q says %s", p.part(dirAt, dirAt+1), dir))
		}
		g.Direction, g.Intent, g.Amount, g.Unit = Reach, Increase, tv, unitOf(m)
		return nil
	}
	if tv == fv {
		return p.fail(ErrNoChange, "change", first, next, "is no change")
	}
	ratio := tv / fv
	d := Increase
	if ratio < 1 {
		d = Decrease
	}
	if dir != "" && d != dir {
		return p.fail(ErrConflict, "direction", first, next, fmt.Sprintf("goes %s but %q says %s", upDown(d), p.part(dirAt, dirAt+1), dir))
	}
	if mult != 0 && math.Abs(ratio-mult) > 1e-9*mult {
		return p.fail(ErrConflict, "change", first, next, fmt.Sprintf("is a %sx change, not %sx", formatNumber(ratio), formatNumber(mult)))
	}
	if ratio > MaxMultiple {
		return p.fail(ErrBadAmount, "amount", first, next, fmt.Sprintf("is more than a %dx change", MaxMultiple))
	}
	g.Direction, g.Intent, g.Unit, g.Amount, g.Baseline = d, d, UnitMultiple, ratio, fv
	return nil
}

// change fills g from a change: "by 20%", "by 3x", "by $10k", "+500".
func (p *parser) change(g *Goal, m Metric, a *amountHit, dir Direction, dirAt int) error {
	q := a.q
	first, next := a.first, q.next
	v := q.value
	d := dir
	if q.signed {
		sd := Increase
		if v < 0 {
			sd = Decrease
		}
		if d != "" && d != sd {
			return p.fail(ErrConflict, "direction", first, next, fmt.Sprintf("has a %s sign but %q says %s", map[Direction]string{Increase: "plus", Decrease: "minus"}[sd], p.part(dirAt, dirAt+1), d))
		}
		d, v = sd, math.Abs(v)
	}
	bad := func(reason string) error { return p.fail(ErrBadAmount, "amount", first, next, reason) }
	noWay := func() error {
		return p.fail(ErrNoChange, "change", first, next, "does not say up or down (write, for example, \"increase\" or \"cut\")")
	}
	if v == 0 {
		return p.fail(ErrNoChange, "change", first, next, "is no change")
	}
	if v < 0 {
		return bad("is negative")
	}
	switch q.kind {
	case qMultiple:
		if v == 1 {
			return p.fail(ErrNoChange, "change", first, next, "is no change")
		}
		if v > MaxMultiple || v < 1.0/MaxMultiple {
			return bad(fmt.Sprintf("is more than a %dx change", MaxMultiple))
		}
		if d == Decrease && v > 1 {
			v = 1 / v // "cut CPA 2x" halves it
		}
		md := Increase
		if v < 1 {
			md = Decrease
		}
		if d != "" && d != md {
			return p.fail(ErrConflict, "direction", first, next, fmt.Sprintf("shrinks %s but %q says %s", p.label(), p.part(dirAt, dirAt+1), d))
		}
		g.Direction, g.Intent, g.Unit, g.Amount = md, md, UnitMultiple, v
		return nil
	case qPercent:
		if d == "" {
			return noWay()
		}
		if v > MaxPercent {
			return bad(fmt.Sprintf("is more than %d%%", MaxPercent))
		}
		if d == Decrease && v >= 100 {
			return bad(fmt.Sprintf("would take %s to zero or below", p.label()))
		}
		g.Direction, g.Intent, g.Unit, g.Amount = d, d, UnitPercent, v
		return nil
	}
	if d == "" {
		return noWay()
	}
	g.Direction, g.Intent, g.Amount, g.Unit = d, d, v, unitOf(m)
	switch {
	case q.kind == qMoney && m.Kind != KindMoney:
		return bad(fmt.Sprintf("is money, but %s is a %s", p.label(), m.Kind))
	case q.kind == qPoints && m.Kind != KindRate && m.Kind != KindRatio:
		return bad(fmt.Sprintf("is in percentage points, but %s is not a rate", p.label()))
	case m.Kind == KindRate && v > 100:
		return bad("is more than 100 percentage points")
	}
	g.Currency = q.currency
	return nil
}

// level reads a target or starting level in the metric's own units (see
// Kind), with its currency for money.
func (p *parser) level(a *amountHit, m Metric) (float64, string, error) {
	q := a.q
	bad := func(reason string) (float64, string, error) {
		return 0, "", p.fail(ErrBadAmount, "amount", a.first, q.next, reason)
	}
	if q.value < 0 {
		return bad("is negative")
	}
	label := p.label()
	switch m.Kind {
	case KindCount:
		switch q.kind {
		case qPlain:
			return q.value, "", nil
		case qMoney:
			return bad(fmt.Sprintf("is money, but %s is a count", label))
		case qPercent:
			return bad(fmt.Sprintf("is a percentage, but %s is a count", label))
		case qMultiple:
			return bad(fmt.Sprintf("is a multiple, but %s is a count", label))
		default:
			return bad(fmt.Sprintf("is in percentage points, but %s is a count", label))
		}
	case KindRate:
		switch q.kind {
		case qMoney:
			return bad(fmt.Sprintf("is money, but %s is a rate", label))
		case qMultiple:
			return bad(fmt.Sprintf("is a multiple, but %s is a rate (write a percentage)", label))
		}
		if q.value > 100 {
			return bad(fmt.Sprintf("is more than 100%%, the most %s can be", label))
		}
		return q.value, "", nil
	case KindRatio:
		switch q.kind {
		case qPlain, qMultiple:
			return q.value, "", nil
		case qPercent:
			return q.value / 100, "", nil
		case qMoney:
			return bad(fmt.Sprintf("is money, but %s is a ratio", label))
		default:
			return bad(fmt.Sprintf("is in percentage points, but %s is a ratio", label))
		}
	default: // KindMoney
		switch q.kind {
		case qPlain, qMoney:
			return q.value, q.currency, nil
		default:
			return bad(fmt.Sprintf("is not an amount of money, but %s is money", label))
		}
	}
}

// unitOf is the unit of an absolute amount of m.
func unitOf(m Metric) Unit {
	if m.Kind == KindMoney {
		return UnitCurrency
	}
	return UnitAbsolute
}

// upDown says a direction as a movement.
func upDown(d Direction) string {
	if d == Decrease {
		return "down"
	}
	return "up"
}

// boundWord names the bound a target marker sets: "under $35" is a
// ceiling, "at least 500" a floor.
func boundWord(intent Direction) string {
	if intent == Decrease {
		return "ceiling"
	}
	return "floor"
}

// noMetric reports the missing metric, naming the unknown words that stood
// where a metric could be.
func (p *parser) noMetric() error {
	const known = "(for example leads, qualified leads, signups, CPA, CTR, ROAS, revenue or organic traffic)"
	if len(p.unknown) == 0 {
		return p.fail(ErrNoMetric, "metric", 0, 0, "names no metric I know "+known)
	}
	first, next := p.unknown[0], p.unknown[0]+1
	for _, u := range p.unknown[1:] {
		if u != next {
			break
		}
		next++
	}
	return p.fail(ErrNoMetric, "metric", first, next, "is not a metric I know "+known)
}

// danglingBy reports a "by" followed by nothing readable: a bad deadline
// when the goal has its amount elsewhere ("cut CPA to $35 by Smarch"), a bad
// amount when it does not ("increase leads by lots").
func (p *parser) danglingBy(i int) error {
	if p.tok(i+1) == nil {
		return p.fail(ErrBadAmount, "amount", i, i+1, "is not followed by an amount")
	}
	next := i + 2
	if w := p.word(i + 1); (w == "a" || w == "an" || w == "the") && p.tok(i+2) != nil {
		next = i + 3
	}
	if p.haveAmount {
		return p.fail(ErrBadDeadline, "deadline", i, next, "is not a date (write a month, a quarter such as Q3, or a date such as 2027-06-30)")
	}
	return p.fail(ErrBadAmount, "amount", i, next, "is not a number or ratio")
}
