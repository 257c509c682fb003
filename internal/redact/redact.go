// Package redact removes secrets from text — an error's message, a quote
// of a response body — in every form a server, a library or an escaping
// layer may have put them in: as is, percent-escaped, JSON-escaped
// (\u0041, \/), as HTML character references (&#65;, &#x41;, &amp;), in
// any letter case, escaped again up to MaxEscapes levels deep, in any mix
// of those escapings (a login link that quotes the query-escaped request
// URI: %253D), and in pieces: any run of at least MinRun consecutive
// characters of a secret (a quote cut short, the tail a parser quotes
// after the point it failed at). strata's resolver and its HTTP adapter
// both scrub through it, so what one removes the other does too.
package redact

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MinRun is the shortest piece of a secret that is removed wherever it
// appears; a secret shorter than MinRun is removed only whole.
const MinRun = 8

// MaxEscapes is how many levels of escaping are undone: a secret escaped
// up to MaxEscapes times over (a percent-escape of a percent-escape, an
// HTML reference to a percent-escape) is found. Each level is one linear
// pass over the text, and a level that changes nothing ends the search.
const MaxEscapes = 3

// Text returns s with every occurrence of each secret, in any of the
// forms the package names, replaced by mark; a run of removed text
// becomes one mark. Empty secrets are ignored.
func Text(s, mark string, secrets []string) string {
	cut := find(s, secrets)
	if cut == nil {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if !cut[i] {
			b.WriteByte(s[i])
			continue
		}
		b.WriteString(mark)
		for i+1 < len(s) && cut[i+1] {
			i++
		}
	}
	return b.String()
}

// Contains reports whether s holds any of the secrets in any of the forms
// Text removes.
func Contains(s string, secrets []string) bool { return find(s, secrets) != nil }

// find marks the bytes of s that belong to a secret's occurrence, widened
// to whole characters; nil when there is none. It looks for the pieces of
// each secret — as is, query- and path-escaped, and with '+' for each
// space (the escape decode does not undo) — in s letter-folded, then in s
// decoded once, twice, up to MaxEscapes times, stopping at a level that
// decodes to itself; a match's bytes map back through every level to
// those of s.
func find(s string, secrets []string) []bool {
	if s == "" || !slices.ContainsFunc(secrets, func(v string) bool { return v != "" }) {
		return nil
	}
	var cut []bool
	mark := func(from, to int) {
		if cut == nil {
			cut = make([]bool, len(s))
		}
		for k := from; k < to; k++ {
			cut[k] = true
		}
	}
	var targets []string
	seen := map[string]bool{}
	for _, v := range secrets {
		if v == "" {
			continue
		}
		// The plus form is the secret with '+' for each space and the rest as
		// is: what a query escape over another escaping (\u00e9, \/, &#64;)
		// leaves once decode has undone both, as decode never reads '+' as
		// a space.
		plus := strings.ReplaceAll(fold(v), " ", "+")
		for _, form := range [...]string{fold(v), lowerASCII(url.QueryEscape(v)), lowerASCII(url.PathEscape(v)), plus} {
			for _, piece := range pieces(form) {
				if !seen[piece] {
					seen[piece] = true
					targets = append(targets, piece)
				}
			}
		}
	}
	text, spans := decode(s, false) // level 0: letters folded, nothing undone
	for level := 0; ; level++ {
		for _, piece := range targets {
			each(text, piece, func(from, to int) { mark(spans[from].from, spans[to-1].to) })
		}
		if level == MaxEscapes {
			break
		}
		next, nextSpans := decode(text, true)
		if next == text {
			break // nothing left to undo
		}
		for j, sp := range nextSpans { // through this level, to s
			nextSpans[j] = span{spans[sp.from].from, spans[sp.to-1].to}
		}
		text, spans = next, nextSpans
	}
	if cut != nil {
		wholeRunes(s, cut)
	}
	return cut
}

// pieces returns every window of MinRun characters of v — v itself when
// it is shorter: their occurrences together cover every run of at least
// MinRun characters of it.
func pieces(v string) []string {
	var starts []int
	for i := range v {
		starts = append(starts, i)
	}
	k := min(len(starts), MinRun)
	out := make([]string, 0, len(starts)-k+1)
	for w := 0; w+k <= len(starts); w++ {
		end := len(v)
		if w+k < len(starts) {
			end = starts[w+k]
		}
		out = append(out, v[starts[w]:end])
	}
	return out
}

// wholeRunes widens the marks in cut to whole characters of s, so that the
// text left is valid where s was.
func wholeRunes(s string, cut []bool) {
	for i := 0; i < len(s); {
		_, n := utf8.DecodeRuneInString(s[i:])
		if slices.Contains(cut[i:i+n], true) {
			for k := i; k < i+n; k++ {
				cut[k] = true
			}
		}
		i += n
	}
}

// fold lower-cases every letter of s, as decode does; a byte that is not
// UTF-8 stays as it is.
func fold(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, s[i])
		} else {
			b = utf8.AppendRune(b, unicode.ToLower(r))
		}
		i += n
	}
	return string(b)
}

// each calls mark with the byte range of every occurrence of sub in s,
// overlapping ones included.
func each(s, sub string, mark func(from, to int)) {
	if sub == "" {
		return
	}
	for i := 0; ; {
		j := strings.Index(s[i:], sub)
		if j < 0 {
			return
		}
		mark(i+j, i+j+len(sub))
		i += j + 1
	}
}

// lowerASCII lower-cases the ASCII letters of s, leaving every other byte
// as it is, so that byte offsets are kept.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// span is the range of the original text one decoded byte came from.
type span struct{ from, to int }

// decode reads s as it would be decoded, one level when undo is set:
// percent-escapes, JSON string escapes and HTML character references are
// undone; every letter is lower-cased (unicode.ToLower, as fold does)
// either way. spans gives, for each byte of the result, the range of s it
// came from.
func decode(s string, undo bool) (string, []span) {
	b := make([]byte, 0, len(s))
	spans := make([]span, 0, len(s))
	emit := func(from, to int, c byte) {
		b = append(b, c)
		spans = append(spans, span{from, to})
	}
	emitRune := func(from, to int, r rune) {
		var buf [utf8.UTFMax]byte
		for _, c := range utf8.AppendRune(buf[:0], unicode.ToLower(r)) {
			emit(from, to, c)
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		if undo && c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			c := byte(v)
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			emit(i, i+3, c)
			i += 3
			continue
		}
		n, r := 0, rune(0)
		switch {
		case undo && c == '\\':
			n, r = jsonEscape(s[i:])
		case undo && c == '&':
			n, r = htmlReference(s[i:])
		}
		if n > 0 {
			emitRune(i, i+n, r)
			i += n
			continue
		}
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			emit(i, i+1, c)
			i++
			continue
		}
		r, n = utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			emit(i, i+1, c) // not UTF-8: the byte as it is
		} else {
			emitRune(i, i+n, r)
		}
		i += n
	}
	return string(b), spans
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// jsonEscape decodes the JSON string escape s starts with (a backslash),
// returning its length in s and the character; n is 0 when it is none.
// A surrogate pair \uD83D\uDE00 is one character.
func jsonEscape(s string) (n int, r rune) {
	if len(s) < 2 {
		return 0, 0
	}
	switch s[1] {
	case '"', '\\', '/':
		return 2, rune(s[1])
	case 'b':
		return 2, '\b'
	case 'f':
		return 2, '\f'
	case 'n':
		return 2, '\n'
	case 'r':
		return 2, '\r'
	case 't':
		return 2, '\t'
	case 'u':
		v, ok := hex4(s[2:])
		if !ok {
			return 0, 0
		}
		if 0xD800 <= v && v < 0xDC00 && len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
			if lo, ok := hex4(s[8:]); ok && 0xDC00 <= lo && lo < 0xE000 {
				return 12, rune((v-0xD800)<<10+(lo-0xDC00)) + 0x10000
			}
		}
		return 6, rune(v)
	}
	return 0, 0
}

func hex4(s string) (int, bool) {
	if len(s) < 4 {
		return 0, false
	}
	v, err := strconv.ParseUint(s[:4], 16, 16)
	return int(v), err == nil
}

// namedReferences are the HTML character references by name that an
// escaper writes for the characters a secret may hold, in lower case
// (&Hat; is looked up as hat).
var namedReferences = map[string]rune{
	"amp": '&', "lt": '<', "gt": '>', "quot": '"', "apos": '\'',
	"plus": '+', "sol": '/', "equals": '=', "colon": ':', "comma": ',',
	"period": '.', "excl": '!', "quest": '?', "num": '#', "percnt": '%',
	"dollar": '$', "lowbar": '_', "hyphen": '-', "commat": '@', "ast": '*',
	"lpar": '(', "rpar": ')', "lsqb": '[', "rsqb": ']', "lcub": '{',
	"rcub": '}', "semi": ';', "bsol": '\\', "grave": '`', "tilde": '~',
	"verbar": '|', "hat": '^',
}

// htmlReference decodes the HTML character reference s starts with (an
// ampersand): &#65; &#x41; &amp; — returning its length in s and the
// character; n is 0 when it is none.
func htmlReference(s string) (n int, r rune) {
	end := strings.IndexByte(s[:min(len(s), 14)], ';') // the longest reference: &#x10FFFF; or a name
	if end < 2 || end > 12 {
		return 0, 0
	}
	body := s[1:end]
	if body[0] == '#' {
		var v uint64
		var err error
		if len(body) > 1 && (body[1] == 'x' || body[1] == 'X') {
			v, err = strconv.ParseUint(body[2:], 16, 32)
		} else {
			v, err = strconv.ParseUint(body[1:], 10, 32)
		}
		if err != nil || v > utf8.MaxRune {
			return 0, 0
		}
		return end + 1, rune(v)
	}
	if r, ok := namedReferences[strings.ToLower(body)]; ok { // a level below was letter-folded
		return end + 1, r
	}
	return 0, 0
}
