package fallback

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Aliases must not hang the strict walk: neither a cycle nor an alias
// bomb (a billion visits from a few hundred bytes).
func TestParseConfigAliasCycleAndBomb(t *testing.T) {
	s := "[" + strings.Repeat("*S, ", 999) + "*S]"
	p := "[" + strings.Repeat("*P, ", 999) + "*P]"
	d := "[" + strings.Repeat("*D, ", 999) + "*D]"
	bomb := "providers:\n  - {name: s, tier: primary, data_types: &S [x]}\n" +
		"  - {name: p, tier: primary, data_types: [y]}\n" +
		"data_types:\n  - &D {name: a, params: &PP [&P {name: q, allowed: " + s + "}]}\n" +
		"  - {name: b, params: " + p + "}\n" +
		"resolve: {}\n" +
		"cache: {}\n" +
		"retry: {}\n" +
		"forecast: {}\n" +
		"defaults: {}\n" +
		"breaker: {}\n" +
		"router: {}\n" +
		"_: " + d + "\n"
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, err := ParseConfig([]byte("data_types: &a [*a]"))
		assert.Error(t, err)
		_, err = ParseConfig([]byte(bomb))
		assert.Error(t, err)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("ParseConfig hangs on aliases")
	}
}
