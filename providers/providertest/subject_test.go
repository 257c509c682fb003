package providertest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
)

func TestInvalidSubject(t *testing.T) {
	cases := []struct {
		s    Subject
		want string
	}{
		{Subject{}, "providertest: invalid Subject: Provider is nil"},
		{Subject{Provider: providers.Func(good), Goroutines: -1}, "Goroutines: must not be negative"},
		{Subject{Provider: providers.Func(good), CallsPerGoroutine: -1}, "CallsPerGoroutine: must not be negative"},
		{Subject{Provider: providers.Func(good), Timeout: -1}, "Timeout: must not be negative"},
		{Subject{Provider: providers.Func(good), Grace: -1}, "Grace: must not be negative"},
		{Subject{Provider: providers.Func(good), Failures: []Failure{{Class: 42}}}, "Failures[0].Class: unknown class"},
	}
	for _, tc := range cases {
		err := Check(tc.s)
		assert.ErrorIs(t, err, ErrInvalidSubject, "Check(%+v)", tc.s)
		assert.ErrorContains(t, err, tc.want, "Check(%+v)", tc.s)
	}
}

func TestNormaliseDoesNotWriteIntoTheCaller(t *testing.T) {
	fs := []Failure{{Request: cpc("nosuch"), Class: providers.Permanent}}
	s := Subject{Provider: providers.Func(good), Request: cpc("shoes"), Failures: fs}
	ns, err := normalise(s)
	require.NoError(t, err)
	assert.Empty(t, fs[0].Name, "normalise wrote into the caller's Subject")
	assert.Zero(t, s.Goroutines, "normalise wrote into the caller's Subject")
	assert.Equal(t, "0_permanent", ns.Failures[0].Name)
	assert.Equal(t, 32, ns.Goroutines)
	assert.Equal(t, 16, ns.CallsPerGoroutine)
	assert.Equal(t, 10*time.Second, ns.Timeout)
	assert.Equal(t, time.Second, ns.Grace)
}
