package goal

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseErrorMessages(t *testing.T) {
	for text, want := range map[string]string{
		"increase leads by lots":                `goal: cannot read the amount in "increase leads by lots": "by lots" is not a number or ratio`,
		"cut CPA to $35 by Smarch":              `goal: cannot read the deadline in "cut CPA to $35 by Smarch": "by Smarch" is not a date (write a month, a quarter such as Q3, or a date such as 2027-06-30)`,
		"":                                      `goal: cannot read "": the text is empty`,
		"by Q3":                                 `goal: cannot read the metric in "by Q3": names no metric I know (for example leads, qualified leads, signups, CPA, CTR, ROAS, revenue or organic traffic)`,
		"increase CPA from $40 to $35":          `goal: cannot read the direction in "increase CPA from $40 to $35": "from $40 to $35" goes down but "increase" says increase`,
		"keep CPA under $35 with a -$5k budget": `goal: cannot read the budget in "keep CPA under $35 with a -$5k budget": "-$5k" is negative`,
	} {
		_, err := Parse(text, testNow)
		assert.EqualError(t, err, want, "Parse(%q)", text)
	}
}

func TestParseErrorUnwrap(t *testing.T) {
	_, err := Parse("increase leads by 20% by Smarch", testNow)
	require.ErrorIs(t, err, ErrBadDeadline)
	require.NotErrorIs(t, err, ErrBadAmount)
	var pe *ParseError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, ErrBadDeadline, pe.Unwrap())
}
