package goal

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTokenize(t *testing.T) {
	type tk struct {
		kind   tokKind
		text   string
		suffix string
		raw    string
	}
	cases := []struct {
		in   string
		want []tk
	}{
		{"Cut CPA to $35.", []tk{{tWord, "cut", "", "Cut"}, {tWord, "cpa", "", "CPA"}, {tWord, "to", "", "to"}, {tSymbol, "$", "", "$"}, {tNumber, "35", "", "35"}}},
		{"$1.2M, 50,000 USD; 1,5", []tk{{tSymbol, "$", "", "$"}, {tNumber, "1.2", "m", "1.2M"}, {tNumber, "50000", "", "50,000"}, {tWord, "usd", "", "USD"}, {tNumber, "1", "", "1"}, {tNumber, "5", "", "5"}}},
		{"+20% −5 - 3x", []tk{{tSymbol, "+", "", "+"}, {tNumber, "20", "", "20"}, {tSymbol, "%", "", "%"}, {tSymbol, "-", "", "−"}, {tNumber, "5", "", "5"}, {tNumber, "3", "x", "3x"}}},
		{"by 2027-06-30 or 6/30/2027", []tk{{tWord, "by", "", "by"}, {tNumber, "2027-06-30", "", "2027-06-30"}, {tWord, "or", "", "or"}, {tNumber, "6/30/2027", "", "6/30/2027"}}},
		{"sign-ups, this year's Q3 (€20k)", []tk{{tWord, "sign", "", "sign"}, {tWord, "ups", "", "ups"}, {tWord, "this", "", "this"}, {tWord, "year", "", "year"}, {tWord, "q3", "", "Q3"}, {tSymbol, "€", "", "€"}, {tNumber, "20", "k", "20k"}}},
		{".5pp June 30th", []tk{{tNumber, ".5", "pp", ".5pp"}, {tWord, "june", "", "June"}, {tNumber, "30", "th", "30th"}}},
		{"\xff leads\x00", []tk{{tWord, "leads", "", "leads"}}},
	}
	for _, tc := range cases {
		var got []tk
		for _, tok := range tokenize(tc.in) {
			got = append(got, tk{tok.kind, tok.text, tok.suffix, tc.in[tok.start:tok.end]})
		}
		assert.Equal(t, tc.want, got, "tokenize(%q)", tc.in)
	}
}

func TestTokenizeMarksDates(t *testing.T) {
	toks := tokenize("2027-6-3 6/30 2027")
	if !assert.Len(t, toks, 3) {
		return
	}
	type marks struct{ date, slash bool }
	got := []marks{{toks[0].date, toks[0].slash}, {toks[1].date, toks[1].slash}, {toks[2].date, toks[2].slash}}
	assert.Equal(t, []marks{{true, false}, {false, true}, {false, false}}, got, "date and slash marks")
}

// A percent or currency sign in its full-width or small form (a CJK or
// Arabic keyboard's) reads as the ASCII sign: dropped as punctuation, "by
// 20％" read as "by 20", an absolute change of 20 leads.
func TestTokenizeReadsSignsInEveryWidth(t *testing.T) {
	for _, pair := range [][2]string{
		{"increase leads by 20％", "increase leads by 20%"},
		{"increase leads by 20﹪", "increase leads by 20%"},
		{"increase leads by 20٪", "increase leads by 20%"},
		{"cut CPA to ＄35", "cut CPA to $35"},
		{"cut CPA to ﹩35", "cut CPA to $35"},
		{"cut CPA to ￡35", "cut CPA to £35"},
		{"cut CPA to ￥3500", "cut CPA to ¥3500"},
		{"grow leads by ＋20%", "grow leads by +20%"},
		{"grow leads ﹢20%", "grow leads +20%"},
		{"cut CPA by －10%", "cut CPA by -10%"},
		{"cut CPA by ﹣10%", "cut CPA by -10%"},
	} {
		odd, ascii := tokenize(pair[0]), tokenize(pair[1])
		if assert.Len(t, odd, len(ascii), "tokenize(%q)", pair[0]) {
			for i := range odd {
				assert.Equal(t, ascii[i].kind, odd[i].kind, "tokenize(%q)[%d]", pair[0], i)
				assert.Equal(t, ascii[i].text, odd[i].text, "tokenize(%q)[%d]", pair[0], i)
			}
		}
		want, err := Parse(pair[1], testNow)
		if assert.NoError(t, err, pair[1]) {
			got, err := Parse(pair[0], testNow)
			if assert.NoError(t, err, pair[0]) {
				assert.Equal(t, want.Amount, got.Amount, "Parse(%q)", pair[0])
				assert.Equal(t, want.Unit, got.Unit, "Parse(%q)", pair[0])
				assert.Equal(t, want.Currency, got.Currency, "Parse(%q)", pair[0])
			}
		}
	}
}

// A full-width minus is a minus: read as one, it contradicts "increase"
// as the ASCII one does; dropped, "increase revenue 5%" would be read.
func TestTokenizeReadsAFullWidthMinusAsAMinus(t *testing.T) {
	for _, s := range []string{"increase revenue -5%", "increase revenue －5%", "increase revenue ﹣5%"} {
		_, err := Parse(s, testNow)
		assert.ErrorContains(t, err, "has a minus sign", "Parse(%q)", s)
	}
}
