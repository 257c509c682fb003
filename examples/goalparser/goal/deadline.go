package goal

import (
	"strconv"
	"strings"
	"time"

	"github.com/strata-go/strata/internal/fuzzy"
)

// MaxHorizon is how far ahead of now a deadline may lie.
const MaxHorizon = 100 // years

// span is a run of whole days, first and last inclusive, each at midnight
// in the location of Parse's now.
type span struct{ first, last time.Time }

// exact returns the one-day span of t.
func exact(t time.Time) span { return span{t, t} }

// deadlinePreps are the words that introduce a deadline. The value says
// whether a bare duration may follow ("in 6 months", but not "by 6 months").
var deadlinePreps = map[string]bool{
	"by": false, "in": true, "within": true, "before": false, "until": false,
	"till": false, "til": false, "during": false, "over": true, "on": false,
	"due": false, "for": true, "at": false,
}

var monthNames = map[string]time.Month{
	"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3,
	"april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7,
	"august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9, "october": 10,
	"oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}

var weekdayNames = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday,
	"wednesday": time.Wednesday, "thursday": time.Thursday,
	"friday": time.Friday, "saturday": time.Saturday,
}

func isWeekday(w string) bool {
	_, ok := weekdayNames[w]
	return ok
}

var ordinalWords = map[string]int{"first": 1, "second": 2, "third": 3, "fourth": 4}

// durationUnits maps a unit word to its length in months (negative: in days).
var durationUnits = map[string]int{
	"day": -1, "days": -1, "week": -7, "weeks": -7, "month": 1, "months": 1,
	"quarter": 3, "quarters": 3, "year": 12, "years": 12,
}

// periodWords name the calendar periods "this", "next" and "end of" apply to.
var periodWords = map[string]string{
	"year": "year", "quarter": "quarter", "month": "month", "week": "week",
	"eoy": "year", "eoq": "quarter", "eom": "month", "eow": "week",
	"yearend": "year",
}

// deadline reads the deadline clause starting at token i: an optional
// preposition ("by", "in", "within", "before", "no later than", ...), an
// optional position ("the end of", "the start of", "mid"), and a date
// expression. ok is false when there is no deadline at i; err is set when
// there is one that cannot be read or lies in the past.
func (p *parser) deadline(i int) (date time.Time, next int, ok bool, err error) {
	j := i
	prep := ""
	switch w := p.word(j); {
	case w == "no" && p.word(j+1) == "later" && p.word(j+2) == "than":
		prep, j = "by", j+3
	case w == "due":
		prep, j = "by", j+1
		if _, isPrep := deadlinePreps[p.word(j)]; isPrep {
			j++
		}
	default:
		if _, isPrep := deadlinePreps[w]; isPrep {
			prep, j = w, j+1
		}
	}
	if p.word(j) == "the" {
		j++
	}
	position, positioned := "end", false
	switch w := p.word(j); {
	case (w == "end" || w == "close" || w == "start" || w == "beginning" || w == "middle") && p.word(j+1) == "of":
		position, positioned, j = w, true, j+2
		if p.word(j) == "the" {
			j++
		}
	case w == "mid":
		position, positioned, j = "middle", true, j+1
	}
	if position == "close" {
		position = "end"
	}
	if position == "beginning" {
		position = "start"
	}
	c := exprContext{
		introduced: prep != "" || j > i,
		positioned: positioned,
		durationOK: deadlinePreps[prep],
	}
	s, k, isYear, matched, err := p.dateExpr(j, c)
	if err != nil {
		return time.Time{}, 0, false, err
	}
	if !matched {
		if prep != "" && looksLikeMonth(p.word(j)) {
			return time.Time{}, 0, false, p.fail(ErrBadDeadline, "deadline", i, j+1, "is not a date (write a month, a quarter such as Q3, or a date such as 2027-06-30)")
		}
		return time.Time{}, 0, false, nil
	}
	// "by 2030" right after a verb is an amount ("increase signups by
	// 2030"); it is a year only once the goal already has its amount.
	if isYear && prep == "by" && position == "end" && !p.haveAmount {
		return time.Time{}, 0, false, nil
	}
	switch {
	case prep == "before":
		// "before Q3" means before Q3 begins; "before June 30", June 29.
		date = s.first.AddDate(0, 0, -1)
	case position == "start":
		date = s.first
	case position == "middle":
		days := int(s.last.Sub(s.first).Hours()/24+0.5) / 2
		date = s.first.AddDate(0, 0, days)
	default:
		date = s.last
	}
	if date.Before(p.today) {
		return time.Time{}, 0, false, p.fail(ErrBadDeadline, "deadline", i, k, "is in the past (today is "+p.today.Format(time.DateOnly)+")")
	}
	if date.After(p.today.AddDate(MaxHorizon, 0, 0)) {
		return time.Time{}, 0, false, p.fail(ErrBadDeadline, "deadline", i, k, "is more than "+strconv.Itoa(MaxHorizon)+" years away")
	}
	return date, k, true, nil
}

// exprContext is what came before a date expression.
type exprContext struct {
	// introduced: a preposition or position came before, which allows the
	// forms that would be ambiguous alone (a bare year, "May").
	introduced bool
	// positioned: "end of", "start of" or "mid" came right before, which
	// allows a bare period ("end of year").
	positioned bool
	// durationOK: the preposition allows a duration ("in 6 months").
	durationOK bool
}

// dateExpr reads a date expression at j.
func (p *parser) dateExpr(j int, c exprContext) (s span, next int, isYear, ok bool, err error) {
	introduced, durationOK := c.introduced, c.durationOK
	today := p.today
	y := today.Year()
	loc := today.Location()
	// nextOccurrence picks this year's span, or next year's if this year's
	// has already ended.
	nextOccurrence := func(f func(year int) span) span {
		if s := f(y); !s.last.Before(today) {
			return s
		}
		return f(y + 1)
	}
	w := p.word(j)
	switch {
	case p.isKind(j, tNumber) && p.toks[j].slash:
		return s, 0, false, false, p.fail(ErrBadDeadline, "deadline", j, j+1, "is ambiguous (write dates as 2027-06-30 or June 30, 2027)")

	case p.isKind(j, tNumber) && p.toks[j].date:
		parts := strings.Split(p.toks[j].text, "-")
		yy, _ := strconv.Atoi(parts[0])
		mm, _ := strconv.Atoi(parts[1])
		dd, _ := strconv.Atoi(parts[2])
		t, valid := validDate(yy, mm, dd, loc)
		if !valid {
			return s, 0, false, false, p.fail(ErrBadDeadline, "deadline", j, j+1, "is not a calendar date")
		}
		return exact(t), j + 1, false, true, nil

	case len(w) == 2 && (w[0] == 'q' || w[0] == 'h') && isDigit(rune(w[1])),
		len(w) > 2 && (w[0] == 'q' || w[0] == 'h') && isDigit(rune(w[1])) && countDigits(w[1:]) == len(w)-1:
		n, _ := strconv.Atoi(w[1:])
		size := 3
		if w[0] == 'h' {
			size = 6
		}
		if n < 1 || n*size > 12 {
			return s, 0, false, false, p.fail(ErrBadDeadline, "deadline", j, j+1, "is not a quarter or half of a year")
		}
		return p.withYear(j+1, func(year int) span { return monthsSpan(year, (n-1)*size+1, size, loc) }, nextOccurrence)

	case ordinalWords[w] != 0 && (p.word(j+1) == "quarter" || (p.word(j+1) == "half" && ordinalWords[w] <= 2)):
		n, size := ordinalWords[w], 3
		if p.word(j+1) == "half" {
			size = 6
		}
		return p.withYear(j+2, func(year int) span { return monthsSpan(year, (n-1)*size+1, size, loc) }, nextOccurrence)

	case monthNames[w] != 0 && (w != "may" || introduced || p.isKind(j+1, tNumber)):
		m := monthNames[w]
		k := j + 1
		if d, ok := p.dayAt(k); ok {
			return p.dayOfMonth(j, k+1, m, d, nextOccurrence)
		}
		return p.withYear(k, func(year int) span { return monthsSpan(year, int(m), 1, loc) }, nextOccurrence)

	case p.isKind(j, tNumber):
		if d, ok := p.dayAt(j); ok {
			k := j + 1
			if p.word(k) == "of" {
				k++
			}
			if m := monthNames[p.word(k)]; m != 0 {
				return p.dayOfMonth(j, k+1, m, d, nextOccurrence)
			}
		}
		if year, k, ok := p.yearAt(j); ok && introduced {
			return yearSpan(year, loc), k, true, true, nil
		}
		if durationOK || p.fromNow(j) {
			return p.duration(j)
		}

	case w == "this" || w == "current":
		if per, ok := periodWords[p.word(j+1)]; ok {
			return p.periodSpan(per, 0), j + 2, false, true, nil
		}
		if m := monthNames[p.word(j+1)]; m != 0 {
			return p.dateExpr(j+1, exprContext{introduced: true})
		}

	case w == "next" || w == "coming" || w == "following":
		if per, ok := periodWords[p.word(j+1)]; ok {
			return p.periodSpan(per, 1), j + 2, false, true, nil
		}
		if m := monthNames[p.word(j+1)]; m != 0 {
			// "next March": the first March after this month.
			s := monthsSpan(y, int(m), 1, loc)
			if m <= today.Month() {
				s = monthsSpan(y+1, int(m), 1, loc)
			}
			return s, j + 2, false, true, nil
		}
		return p.duration(j + 1)

	case periodWords[w] != "" && p.word(j+1) == "end":
		// "year end", "quarter-end"
		return p.periodSpan(periodWords[w], 0), j + 2, false, true, nil

	case periodWords[w] != "" && (c.positioned || periodWords[w] != w):
		// "end of year", "end of the quarter", "EOY"
		return p.periodSpan(periodWords[w], 0), j + 1, false, true, nil

	case w == "today" || w == "tonight":
		return exact(today), j + 1, false, true, nil
	case w == "tomorrow":
		return exact(today.AddDate(0, 0, 1)), j + 1, false, true, nil

	case isWeekday(w):
		ahead := (int(weekdayNames[w]) - int(today.Weekday()) + 7) % 7
		return exact(today.AddDate(0, 0, ahead)), j + 1, false, true, nil

	case w == "christmas" || w == "xmas":
		return nextOccurrence(func(year int) span { return exact(time.Date(year, 12, 25, 0, 0, 0, 0, loc)) }), j + 1, false, true, nil
	case w == "thanksgiving":
		return nextOccurrence(func(year int) span { return exact(thanksgiving(year, loc)) }), j + 1, false, true, nil
	case (w == "black" && p.word(j+1) == "friday") || (w == "cyber" && p.word(j+1) == "monday"):
		days := 1
		if w == "cyber" {
			days = 4
		}
		return nextOccurrence(func(year int) span { return exact(thanksgiving(year, loc).AddDate(0, 0, days)) }), j + 2, false, true, nil

	case w == "a" || w == "an" || numberWords[w] != 0:
		if durationOK || p.fromNow(j) {
			return p.duration(j)
		}
	}
	return s, 0, false, false, nil
}

// withYear finishes a quarter, half or month at k: with an explicit year
// ("Q3 2027", "March of next year") that year's span, otherwise the next
// span that has not ended.
func (p *parser) withYear(k int, f func(year int) span, nextOccurrence func(func(int) span) span) (span, int, bool, bool, error) {
	kk := k
	if p.word(kk) == "of" {
		kk++
	}
	if year, end, ok := p.yearAt(kk); ok {
		return f(year), end, false, true, nil
	}
	return nextOccurrence(f), k, false, true, nil
}

// dayOfMonth finishes "June 30[, 2027]" or "30 June [2027]"; k is the token
// after the month and day.
func (p *parser) dayOfMonth(first, k int, m time.Month, d int, nextOccurrence func(func(int) span) span) (span, int, bool, bool, error) {
	loc := p.today.Location()
	if year, end, ok := p.yearAt(k); ok {
		t, valid := validDate(year, int(m), d, loc)
		if !valid {
			return span{}, 0, false, false, p.fail(ErrBadDeadline, "deadline", first, end, "is not a calendar date")
		}
		return exact(t), end, false, true, nil
	}
	// Without a year the date must exist in a leap year at least.
	if _, valid := validDate(2028, int(m), d, loc); !valid {
		return span{}, 0, false, false, p.fail(ErrBadDeadline, "deadline", first, k, "is not a calendar date")
	}
	s := nextOccurrence(func(year int) span {
		t, valid := validDate(year, int(m), d, loc)
		for !valid { // February 29: the next leap year
			year++
			t, valid = validDate(year, int(m), d, loc)
		}
		return exact(t)
	})
	return s, k, false, true, nil
}

// dayAt reads a day of the month at j: "30", "30th".
func (p *parser) dayAt(j int) (int, bool) {
	if !p.isKind(j, tNumber) {
		return 0, false
	}
	t := p.toks[j]
	if t.date || t.slash || countDigits(t.text) != len(t.text) || len(t.text) > 2 {
		return 0, false
	}
	switch t.suffix {
	case "", "st", "nd", "rd", "th":
	default:
		return 0, false
	}
	d, _ := strconv.Atoi(t.text)
	if d < 1 || d > 31 {
		return 0, false
	}
	// A day is followed by something other than a unit of an amount:
	// "June 30", not "June 30%".
	if p.isSym(j+1, "%") {
		return 0, false
	}
	return d, true
}

// yearAt reads a year at j: "2027", "'27" (after an apostrophe), "this
// year", "next year".
func (p *parser) yearAt(j int) (year, next int, ok bool) {
	switch p.word(j) {
	case "this", "current":
		if p.word(j+1) == "year" {
			return p.today.Year(), j + 2, true
		}
		return 0, 0, false
	case "next":
		if p.word(j+1) == "year" {
			return p.today.Year() + 1, j + 2, true
		}
		return 0, 0, false
	}
	if !p.isKind(j, tNumber) {
		return 0, 0, false
	}
	t := p.toks[j]
	if t.date || t.slash || t.suffix != "" || countDigits(t.text) != len(t.text) {
		return 0, 0, false
	}
	n, _ := strconv.Atoi(t.text)
	switch {
	case len(t.text) == 4 && n >= p.today.Year()-50 && n <= p.today.Year()+MaxHorizon:
		return n, j + 1, true
	case len(t.text) == 2 && t.start > 0 && (p.text[t.start-1] == '\'' || strings.HasSuffix(p.text[:t.start], "’")):
		return 2000 + n, j + 1, true
	}
	return 0, 0, false
}

// fromNow reports whether the duration at j ends in "from now" ("6 months
// from now").
func (p *parser) fromNow(j int) bool {
	for k := j; k < j+3; k++ {
		if durationUnits[p.word(k)] != 0 {
			return p.word(k+1) == "from" && p.word(k+2) == "now"
		}
	}
	return false
}

// duration reads "6 months", "90 days", "a year", "two weeks" at j, with an
// optional "from now", as that long after today.
func (p *parser) duration(j int) (span, int, bool, bool, error) {
	n, k := 0.0, j
	switch w := p.word(j); {
	case w == "a" || w == "an":
		n, k = 1, j+1
	case numberWords[w] != 0:
		n, k = numberWords[w], j+1
	case p.isKind(j, tNumber):
		t := p.toks[j]
		if t.date || t.slash || t.suffix != "" || countDigits(t.text) != len(t.text) {
			return span{}, 0, false, false, nil
		}
		v, err := strconv.Atoi(t.text)
		if err != nil || len(t.text) > 6 {
			v = 1e6
		}
		n, k = float64(v), j+1
	default:
		return span{}, 0, false, false, nil
	}
	unit := durationUnits[p.word(k)]
	if unit == 0 {
		return span{}, 0, false, false, nil
	}
	end := k + 1
	if p.word(end) == "from" && p.word(end+1) == "now" {
		end += 2
	}
	days := n * float64(-unit)
	if unit > 0 {
		days = n * float64(unit) * 31
	}
	if n < 1 || days > float64(MaxHorizon)*366 {
		return span{}, 0, false, false, p.fail(ErrBadDeadline, "deadline", j, end, "is not a time from now of at least a day and at most "+strconv.Itoa(MaxHorizon)+" years")
	}
	if unit < 0 {
		return exact(p.today.AddDate(0, 0, int(n)*-unit)), end, false, true, nil
	}
	return exact(addMonths(p.today, int(n)*unit)), end, false, true, nil
}

// periodSpan returns the current calendar period (ahead 0) or the one after
// it (ahead 1). Weeks run Monday to Sunday.
func (p *parser) periodSpan(period string, ahead int) span {
	t := p.today
	loc := t.Location()
	switch period {
	case "year":
		return yearSpan(t.Year()+ahead, loc)
	case "quarter":
		q := (int(t.Month())-1)/3 + ahead
		return monthsSpan(t.Year(), q*3+1, 3, loc)
	case "month":
		return monthsSpan(t.Year(), int(t.Month())+ahead, 1, loc)
	default: // week
		back := (int(t.Weekday()) + 6) % 7
		monday := t.AddDate(0, 0, 7*ahead-back)
		return span{monday, monday.AddDate(0, 0, 6)}
	}
}

// monthsSpan returns the n months starting with month m of year (m may
// overflow into the next year).
func monthsSpan(year, m, n int, loc *time.Location) span {
	first := time.Date(year, time.Month(m), 1, 0, 0, 0, 0, loc)
	return span{first, first.AddDate(0, n, -1)}
}

func yearSpan(year int, loc *time.Location) span { return monthsSpan(year, 1, 12, loc) }

// addMonths adds n months to t, keeping the day of the month where it
// exists and using the month's last day where it does not (Jan 31 + 1 month
// is the end of February).
func addMonths(t time.Time, n int) time.Time {
	first := time.Date(t.Year(), t.Month()+time.Month(n), 1, 0, 0, 0, 0, t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(t.Day(), last)-1)
}

// validDate returns the date y-m-d and whether it exists.
func validDate(y, m, d int, loc *time.Location) (time.Time, bool) {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc)
	return t, t.Day() == d && int(t.Month()) == m
}

// thanksgiving returns the fourth Thursday of November in year.
func thanksgiving(year int, loc *time.Location) time.Time {
	first := time.Date(year, 11, 1, 0, 0, 0, 0, loc)
	ahead := (int(time.Thursday) - int(first.Weekday()) + 7) % 7
	return first.AddDate(0, 0, ahead+21)
}

// looksLikeMonth reports whether an unknown word after a deadline
// preposition is probably a misspelt month ("Smarch", "Febuary", "Junee").
func looksLikeMonth(w string) bool {
	if len(w) < 5 || monthNames[w] != 0 {
		return false
	}
	limit := 1
	if len(w) >= 7 {
		limit = 2
	}
	for name := range monthNames {
		if len(name) >= 4 && fuzzy.EditDistance(w, name) <= limit {
			return true
		}
	}
	return false
}
