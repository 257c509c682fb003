package leakcheck

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestForms(t *testing.T) {
	assert.Equal(t, []string{
		"a+B@c/d", "A+B@C/D", "a+b@c/d",
		"a%2BB%40c%2Fd", "A%2BB%40C%2FD", "a%2bb%40c%2fd",
		"a+B@c%2Fd", "A+B@C%2FD", "a+b@c%2fd",
		"a%252BB%2540c%252Fd", "A%252BB%2540C%252FD", "a%252bb%2540c%252fd", // twice escaped
		"a%2BB%40c%252Fd", "A%2BB%40C%252FD", "a%2bb%40c%252fd",
		"a+B@c%252Fd", "A+B@C%252FD", "a+b@c%252fd",
	}, Forms("a+B@c/d", ""))
	assert.Empty(t, Forms(""))
}

func TestTextsWalksTheChain(t *testing.T) {
	inner := &url.Error{Op: "Get", URL: "https://h/?k=hidden-in-url", Err: errors.New("hidden-in-leaf")}
	err := fmt.Errorf("outer: %w", errors.Join(context.Canceled, inner))
	texts := Texts(err)
	for _, want := range []string{"hidden-in-url", "hidden-in-leaf", "context canceled", "outer: "} {
		assert.True(t, anyContains(texts, want), "%q not among the texts", want)
	}
}

func TestAbsent(t *testing.T) {
	assert.True(t, Absent(t, []string{"k+y"}, []string{"nothing here", "k y"}))
	var rec recorder
	assert.False(t, Absent(&rec, []string{"k+y"}, []string{"a K%2BY b"}, "case %d", 7))
	if assert.Len(t, rec.msgs, 1) {
		assert.Contains(t, rec.msgs[0], `"K%2BY" shows in "a K%2BY b"`)
		assert.Contains(t, rec.msgs[0], "case 7")
	}
}

type recorder struct{ msgs []string }

func (r *recorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func anyContains(ss []string, sub string) bool {
	for _, s := range ss {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
