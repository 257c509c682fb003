package goal

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind is the class of a token.
type tokKind uint8

const (
	tWord   tokKind = iota // letters, possibly with digits: "leads", "q3", "b2b"
	tNumber                // digits: "50", "1,200.5", "2027-06-30", "6/30"
	tSymbol                // one of $ € £ ¥ % + -
)

// token is one lexical unit of a goal. Offsets point into the original text
// so that errors can quote exactly what the person wrote.
type token struct {
	kind tokKind
	// text is the lowercase word, the number's digits without grouping
	// commas, or the symbol ("-" also stands for a Unicode minus).
	text string
	// suffix holds the lowercase ASCII letters written right after a
	// number's digits: "k" in "50k", "x" in "3x", "th" in "30th".
	suffix string
	// date is set on a number written as an ISO date, "2027-06-30".
	date bool
	// slash is set on a number with slashes, "6/30" or "6/30/2027".
	slash      bool
	start, end int
}

// tokenize splits text into tokens. Blanks and punctuation other than the
// symbols above (in any of the forms sign reads) separate tokens and are
// dropped; invalid UTF-8 is treated
// as punctuation. A hyphen joins nothing: "sign-up" is two words, and a
// hyphen or plus is a sign only right before a digit or currency symbol.
func tokenize(text string) []token {
	var toks []token
	s := text
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		r = sign(r)
		switch {
		case isDigit(r) || (r == '.' && i+1 < len(s) && isDigit(rune(s[i+1]))):
			t := scanNumber(s, i)
			toks = append(toks, t)
			i = t.end
		case isCurrencySymbol(r) || r == '%':
			toks = append(toks, token{kind: tSymbol, text: string(r), start: i, end: i + size})
			i += size
		case r == '+' || r == '-' || r == '−':
			if startsAmount(s[i+size:]) {
				sym := "-"
				if r == '+' {
					sym = "+"
				}
				toks = append(toks, token{kind: tSymbol, text: sym, start: i, end: i + size})
			}
			i += size
		case unicode.IsLetter(r):
			j := i
			for j < len(s) {
				r2, n := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsLetter(r2) && !isDigit(r2) {
					break
				}
				j += n
			}
			toks = append(toks, token{kind: tWord, text: strings.ToLower(s[i:j]), start: i, end: j})
			i = j
			// A possessive "'s" belongs to the word before it and is dropped:
			// "this year's revenue".
			if a, n := utf8.DecodeRuneInString(s[i:]); (a == '\'' || a == '’') && i+n < len(s) && (s[i+n] == 's' || s[i+n] == 'S') {
				if k := i + n + 1; k == len(s) || !isWordRune(s[k:]) {
					i = k
				}
			}
		default:
			i += size
		}
	}
	return toks
}

// scanNumber reads the number starting at s[i].
func scanNumber(s string, i int) token {
	t := token{kind: tNumber, start: i}
	if end, ok := scanISODate(s, i); ok {
		t.text, t.date, t.end = s[i:end], true, end
		return t
	}
	var b strings.Builder
	j := i
	digits := func() {
		for j < len(s) && isDigit(rune(s[j])) {
			b.WriteByte(s[j])
			j++
		}
	}
	digits()
	dot := false
loop:
	for j < len(s) {
		switch {
		// A comma groups thousands only when exactly three digits follow it;
		// otherwise it is punctuation ("by 20, in Q3").
		case s[j] == ',' && !dot && countDigits(s[j+1:]) == 3:
			j++
			digits()
		case s[j] == '.' && !dot && countDigits(s[j+1:]) > 0:
			dot = true
			b.WriteByte('.')
			j++
			digits()
		case s[j] == '/' && countDigits(s[j+1:]) > 0:
			t.slash = true
			b.WriteByte('/')
			j++
			digits()
		default:
			break loop
		}
	}
	k := j
	for k < len(s) && (s[k] >= 'a' && s[k] <= 'z' || s[k] >= 'A' && s[k] <= 'Z') {
		k++
	}
	// A suffix is only the letters glued to the digits; "20thousand" stays
	// one token with an unknown suffix rather than guessing.
	t.text, t.suffix, t.end = b.String(), strings.ToLower(s[j:k]), k
	return t
}

// scanISODate reports the end of a YYYY-M-D date starting at s[i].
func scanISODate(s string, i int) (int, bool) {
	j := i
	if countDigits(s[j:]) != 4 {
		return 0, false
	}
	j += 4
	for range 2 {
		if j >= len(s) || s[j] != '-' {
			return 0, false
		}
		n := countDigits(s[j+1:])
		if n < 1 || n > 2 {
			return 0, false
		}
		j += 1 + n
	}
	return j, true
}

// countDigits returns the number of ASCII digits at the start of s.
func countDigits(s string) int {
	n := 0
	for n < len(s) && isDigit(rune(s[n])) {
		n++
	}
	return n
}

// startsAmount reports whether s starts with a digit, ".5" or a currency
// symbol: what may follow a sign.
func startsAmount(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isDigit(r) || isCurrencySymbol(sign(r)) || (r == '.' && len(s) > 1 && isDigit(rune(s[1])))
}

// isWordRune reports whether s starts with a letter or digit.
func isWordRune(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r) || isDigit(r)
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// isCurrencySymbol reports whether r is a currency symbol the parser reads.
func isCurrencySymbol(r rune) bool {
	_, ok := currencySymbols[r]
	return ok
}

// sign returns the sign the parser reads for r: r itself, or the ASCII
// (or Latin-1) sign of a full-width or small form, as a CJK or Arabic
// keyboard types it. Dropped as punctuation, "by 20％" would read "by 20",
// a change of 20 units rather than 20 percent.
func sign(r rune) rune {
	if a, ok := signForms[r]; ok {
		return a
	}
	return r
}

var signForms = map[rune]rune{
	'％': '%', '﹪': '%', '٪': '%',
	'＄': '$', '﹩': '$', '￡': '£', '￥': '¥',
	'＋': '+', '﹢': '+', '－': '-', '﹣': '-',
}

// currencySymbols maps the symbols the parser reads to ISO 4217 codes.
var currencySymbols = map[rune]string{'$': "USD", '€': "EUR", '£': "GBP", '¥': "JPY"}

// currencyWords maps currency codes and names written after an amount to
// ISO 4217 codes.
var currencyWords = map[string]string{
	"usd": "USD", "dollar": "USD", "dollars": "USD", "bucks": "USD",
	"eur": "EUR", "euro": "EUR", "euros": "EUR",
	"gbp": "GBP", "pound": "GBP", "pounds": "GBP", "quid": "GBP",
	"jpy": "JPY", "yen": "JPY",
	"cad": "CAD", "aud": "AUD", "chf": "CHF", "inr": "INR", "sek": "SEK", "nzd": "NZD",
}
