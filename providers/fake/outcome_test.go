package fake_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fake"
)

func TestOutcomeString(t *testing.T) {
	cases := []struct {
		o    fake.Outcome
		want string
	}{
		{fake.Outcome{}, "pass"},
		{fake.Succeed(), "succeed"},
		{fake.Fail(providers.RateLimit), "fail(rate_limit)"},
		{fake.Return(fake.NegInf), "return(-inf)"},
		{fake.Panic(), "panic"},
		{fake.Hang(), "hang"},
		{fake.Slow(2.5), "slow(×2.5)"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, tc.o.String())
	}
	assert.Equal(t, "garbage(9)", fake.Garbage(9).String())
}

func TestOutcomeConstructorsPanicOnMisuse(t *testing.T) {
	cases := map[string]func(){
		"Fail(unknown class)": func() { fake.Fail(providers.Class(99)) },
		"Return(0)":           func() { fake.Return(0) },
		"Return(99)":          func() { fake.Return(99) },
		"Slow(0)":             func() { fake.Slow(0) },
		"Slow(-1)":            func() { fake.Slow(-1) },
		"Slow(NaN)":           func() { fake.Slow(math.NaN()) },
		"Slow(+Inf)":          func() { fake.Slow(math.Inf(1)) },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			assert.Panics(t, f)
		})
	}
}
