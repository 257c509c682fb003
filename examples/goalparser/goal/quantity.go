package goal

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// qKind is how an amount was written.
type qKind uint8

const (
	qPlain    qKind = iota // a bare number: "500", "50k", "1.2 million"
	qPercent               // "20%", "20 percent", "a third" (as 33.3)
	qMultiple              // "3x", "3 times", "3-fold", "in half" (as 0.5)
	qPoints                // "2 points", "0.5pp", "50 basis points" (as 0.5)
	qMoney                 // "$50k", "50,000 USD", "€20k"
)

// quantity is one amount read from the goal.
type quantity struct {
	value    float64 // signed
	kind     qKind
	currency string // ISO code, set only on qMoney
	signed   bool   // written with an explicit + or -
	first    int    // index of its first token
	next     int    // index of the token after it
}

// scaleSuffixes are the multipliers glued to a number ("50k") or written
// after it ("50 thousand").
var scaleSuffixes = map[string]float64{
	"k": 1e3, "thousand": 1e3,
	"m": 1e6, "mm": 1e6, "mn": 1e6, "mil": 1e6, "million": 1e6,
	"b": 1e9, "bn": 1e9, "billion": 1e9,
}

// numberWords are the numbers the parser reads when spelled out.
var numberWords = map[string]float64{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
	"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100,
	"thousand": 1e3, "million": 1e6, "billion": 1e9, "dozen": 12,
}

// bigNumberWords multiply the number word before them: "a hundred", "two
// million", "a dozen".
var bigNumberWords = map[string]float64{
	"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9, "dozen": 12,
}

// fractionWords are the fractions the parser reads ("by a third").
var fractionWords = map[string]float64{
	"half": 1.0 / 2, "halves": 1.0 / 2, "third": 1.0 / 3, "thirds": 1.0 / 3,
	"quarter": 1.0 / 4, "quarters": 1.0 / 4, "fifth": 1.0 / 5, "fifths": 1.0 / 5,
	"tenth": 1.0 / 10, "tenths": 1.0 / 10,
}

// quantity reads the amount starting at token i. ok is false when the
// tokens there do not start an amount; err is set when they do but it
// cannot be read ("$lots", "20abc").
func (p *parser) quantity(i int) (q quantity, ok bool, err error) {
	j := i
	sign := 0.0
	readSign := func() {
		if sign == 0 && p.isSym(j, "+") {
			sign, j = 1, j+1
		} else if sign == 0 && p.isSym(j, "-") {
			sign, j = -1, j+1
		}
	}
	readSign()
	cur := ""
	if c := p.currencySymbolAt(j); c != "" {
		cur, j = c, j+1
		readSign()
	}
	q = quantity{first: i, kind: qPlain}
	switch {
	case p.isKind(j, tNumber) && !p.toks[j].date:
		t := p.toks[j]
		if t.slash {
			return q, false, p.fail(ErrBadAmount, "amount", i, j+1, "is not a number (write dates as 2027-06-30)")
		}
		v, perr := strconv.ParseFloat(t.text, 64)
		if perr != nil && !math.IsInf(v, 0) {
			return q, false, p.fail(ErrBadAmount, "amount", i, j+1, "is not a number")
		}
		q.value = v
		scaled := false
		switch s := t.suffix; {
		case s == "":
		case scaleSuffixes[s] != 0:
			q.value *= scaleSuffixes[s]
			scaled = true
		case s == "x":
			q.kind = qMultiple
		case s == "pp" || s == "pt" || s == "pts":
			q.kind = qPoints
		case s == "bp" || s == "bps":
			q.kind, q.value = qPoints, q.value/100
		case s == "st" || s == "nd" || s == "rd" || s == "th":
			// An ordinal is a day of a month, never an amount.
			return q, false, nil
		case currencyWords[s] != "" && cur == "":
			cur = currencyWords[s]
		default:
			return q, false, p.fail(ErrBadAmount, "amount", i, j+1, "is not a number")
		}
		j++
		if f, isScale := scaleSuffixes[p.word(j)]; isScale && !scaled && q.kind == qPlain {
			q.value *= f
			j++
		}
		if j, err = p.unitWords(&q, j, &cur); err != nil {
			return q, false, err
		}
	case cur == "" && sign == 0:
		var matched bool
		if j, matched = p.wordAmount(&q, j); !matched {
			return q, false, nil
		}
		if j, err = p.unitWords(&q, j, &cur); err != nil {
			return q, false, err
		}
	default:
		// A currency symbol or sign that is not followed by a number.
		end := min(j+1, len(p.toks))
		return q, false, p.fail(ErrBadAmount, "amount", i, end, "is not an amount")
	}
	if sign != 0 {
		q.value *= sign
		q.signed = true
	}
	if cur != "" {
		if q.kind != qPlain {
			return q, false, p.fail(ErrBadAmount, "amount", i, j, "mixes money with a percentage or multiple")
		}
		q.kind, q.currency = qMoney, cur
	}
	if math.IsNaN(q.value) || math.Abs(q.value) > MaxAmount {
		return q, false, p.fail(ErrBadAmount, "amount", i, j, "is too large to be a goal")
	}
	q.next = j
	return q, true, nil
}

// unitWords reads what may follow a number: a percent sign or word, "x",
// "times", "fold", "points", "basis points", "cents", or a currency code,
// name or symbol. It returns the index after them; err is set when the
// currency after the number contradicts the one before ("$5k EUR").
func (p *parser) unitWords(q *quantity, j int, cur *string) (int, error) {
	if c := currencyWords[p.word(j)]; c != "" && *cur != "" {
		if c != *cur {
			return 0, p.fail(ErrBadAmount, "amount", q.first, j+1, "names two currencies")
		}
		return j + 1, nil // "$50k USD"
	}
	if q.kind != qPlain {
		return j, nil
	}
	return p.unitWord(q, j, cur), nil
}

// unitWord reads the unit after a plain number; see unitWords.
func (p *parser) unitWord(q *quantity, j int, cur *string) int {
	switch w := p.word(j); {
	case w == "cent" || w == "cents":
		q.value /= 100
		return j + 1
	case p.isSym(j, "%") || w == "percent" || w == "pct":
		q.kind = qPercent
		return j + 1
	case w == "per" && p.word(j+1) == "cent":
		q.kind = qPercent
		return j + 2
	case w == "x" || w == "times" || w == "fold":
		q.kind = qMultiple
		return j + 1
	case w == "percentage" && (p.word(j+1) == "point" || p.word(j+1) == "points"):
		q.kind = qPoints
		return j + 2
	case w == "basis" && (p.word(j+1) == "point" || p.word(j+1) == "points"):
		q.kind, q.value = qPoints, q.value/100
		return j + 2
	case w == "bps" || w == "bp":
		q.kind, q.value = qPoints, q.value/100
		return j + 1
	case w == "point" || w == "points" || w == "pts" || w == "pt" || w == "pp":
		q.kind = qPoints
		return j + 1
	case currencyWords[w] != "" && *cur == "":
		*cur = currencyWords[w]
		return j + 1
	}
	if c := p.currencySymbolAt(j); c != "" && *cur == "" && p.toks[j].start == p.toks[j-1].end {
		// "50€": a symbol glued after the number.
		*cur = c
		return j + 1
	}
	return j
}

// currencySymbolAt returns the ISO code of the currency symbol at token j,
// or "" when there is none.
func (p *parser) currencySymbolAt(j int) string {
	t := p.tok(j)
	if t == nil || t.kind != tSymbol {
		return ""
	}
	r, _ := utf8.DecodeRuneInString(t.text)
	return currencySymbols[r]
}

// wordAmount reads a spelled-out amount at j: "a third", "half", "two
// thirds", "ten", "a million". Fractions are read as percentages.
func (p *parser) wordAmount(q *quantity, j int) (int, bool) {
	w := p.word(j)
	lead, hasLead := numberWords[w]
	if w == "a" || w == "an" {
		lead, hasLead = 1, true
	}
	if hasLead {
		if f, ok := fractionWords[p.word(j+1)]; ok && lead < 10 {
			q.kind, q.value = qPercent, lead*f*100
			return j + 2, true
		}
		if f, ok := bigNumberWords[p.word(j+1)]; ok {
			q.value = lead * f
			return j + 2, true
		}
		if w == "a" || w == "an" {
			return j, false
		}
		q.value = lead
		return j + 1, true
	}
	if w == "half" {
		q.kind, q.value = qPercent, 50
		return j + 1, true
	}
	return j, false
}
