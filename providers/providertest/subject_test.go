package providertest

import (
	"errors"
	"strings"
	"testing"
	"time"

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
		if err := Check(tc.s); !errors.Is(err, ErrInvalidSubject) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check(%+v) = %v, want ErrInvalidSubject, containing %q", tc.s, err, tc.want)
		}
	}
}

func TestNormaliseDoesNotWriteIntoTheCaller(t *testing.T) {
	fs := []Failure{{Request: cpc("nosuch"), Class: providers.Permanent}}
	s := Subject{Provider: providers.Func(good), Request: cpc("shoes"), Failures: fs}
	ns, err := normalise(s)
	if err != nil {
		t.Fatal(err)
	}
	if fs[0].Name != "" || s.Goroutines != 0 {
		t.Errorf("normalise wrote into the caller's Subject: %+v", s)
	}
	if ns.Failures[0].Name != "0_permanent" || ns.Goroutines != 32 || ns.CallsPerGoroutine != 16 || ns.Timeout != 10*time.Second || ns.Grace != time.Second {
		t.Errorf("defaults = %+v", ns)
	}
}
