package goal

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestQuantity(t *testing.T) {
	for _, tc := range []struct {
		in       string
		value    float64
		kind     qKind
		currency string
		next     int
	}{
		{"500", 500, qPlain, "", 1},
		{"1,200.5", 1200.5, qPlain, "", 1},
		{"50k", 50000, qPlain, "", 1},
		{"1.2 million", 1.2e6, qPlain, "", 2},
		{"2bn", 2e9, qPlain, "", 1},
		{"a dozen", 12, qPlain, "", 2},
		{"ten", 10, qPlain, "", 1},
		{"$1.2M", 1.2e6, qMoney, "USD", 2},
		{"$50k USD", 50000, qMoney, "USD", 3},
		{"50,000 USD", 50000, qMoney, "USD", 2},
		{"20k euros", 20000, qMoney, "EUR", 2},
		{"50€", 50, qMoney, "EUR", 2},
		{"£5k", 5000, qMoney, "GBP", 2},
		{"-$5k", -5000, qMoney, "USD", 3},
		{"$-5k", -5000, qMoney, "USD", 3},
		{"10 cents", 0.1, qPlain, "", 2},
		{"20%", 20, qPercent, "", 2},
		{"20 per cent", 20, qPercent, "", 3},
		{"+20 percent", 20, qPercent, "", 3},
		{"a third", 100.0 / 3, qPercent, "", 2},
		{"two thirds", 200.0 / 3, qPercent, "", 2},
		{"half", 50, qPercent, "", 1},
		{"3x", 3, qMultiple, "", 1},
		{"3 times", 3, qMultiple, "", 2},
		{"3-fold", 3, qMultiple, "", 2},
		{"0.5pp", 0.5, qPoints, "", 1},
		{"2 percentage points", 2, qPoints, "", 3},
		{"50 basis points", 0.5, qPoints, "", 3},
		{"25bps", 0.25, qPoints, "", 1},
	} {
		p := newTestParser(tc.in)
		q, ok, err := p.quantity(0)
		if !assert.NoError(t, err, "quantity(%q)", tc.in) || !assert.True(t, ok, "quantity(%q) found none", tc.in) {
			continue
		}
		assertClose(t, tc.value, q.value, "quantity(%q) value", tc.in)
		assert.Equal(t, tc.kind, q.kind, "quantity(%q) kind", tc.in)
		assert.Equal(t, tc.currency, q.currency, "quantity(%q) currency", tc.in)
		assert.Equal(t, tc.next, q.next, "quantity(%q) next", tc.in)
	}
}

func TestQuantityNone(t *testing.T) {
	for _, in := range []string{"leads", "a", "30th", "2027-06-30", "by"} {
		p := newTestParser(in)
		q, ok, err := p.quantity(0)
		assert.NoError(t, err, "quantity(%q)", in)
		assert.False(t, ok, "quantity(%q) = %+v; want no amount", in, q)
	}
}

func TestQuantityErrors(t *testing.T) {
	for in, part := range map[string]string{
		"$lots":     "$lots",
		"20abc":     "20abc",
		"$5k EUR":   "$5k EUR",
		"6/30":      "6/30",
		"$20%":      "$20%",
		"1" + zeros: "1" + zeros,
	} {
		p := newTestParser(in)
		_, _, err := p.quantity(0)
		assertParseError(t, err, ErrBadAmount, part, "quantity(%q)", in)
	}
}

// zeros makes a number too large for any goal.
const zeros = "0000000000000000000000"

func newTestParser(text string) *parser {
	p := &parser{text: text, toks: tokenize(text), today: testNow}
	p.used = make([]bool, len(p.toks))
	return p
}
