package goal

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// FuzzParse checks that Parse never panics and always returns either a
// well-formed Goal or a *ParseError wrapping a sentinel, and that every Goal
// survives a JSON round trip.
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.text)
	}
	for _, s := range []string{
		"$$$", "-$-5k", "by by by", "Q0 Q9 H3", "1e400", "9/9/9999",
		"increase leads by 99999999999999999999999999%", "in 99999999999 years",
		"\xff\xfe leads +20%", "2027-99-99", "reach ½ ROAS", "İncrease leads by 20%",
	} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 25, 15, 4, 5, 0, time.UTC)
	today := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	sentinels := []error{ErrEmpty, ErrTooLong, ErrNoMetric, ErrNoChange, ErrBadAmount, ErrBadDeadline, ErrBadBudget, ErrConflict}
	f.Fuzz(func(t *testing.T, text string) {
		g, err := Parse(text, now)
		if err != nil {
			var pe *ParseError
			require.ErrorAs(t, err, &pe, "Parse(%q)", text)
			known := false
			for _, s := range sentinels {
				known = known || errors.Is(err, s)
			}
			require.True(t, known, "Parse(%q) error %v wraps no sentinel", text, err)
			require.Equal(t, text, pe.Text, "Parse(%q) error text", text)
			require.NotEmpty(t, pe.Reason, "Parse(%q) error reason", text)
			require.NotEmpty(t, pe.Field, "Parse(%q) error field", text)
			require.Zero(t, g, "Parse(%q) returned a goal with its error", text)
			return
		}
		m, ok := LookupMetric(g.Metric)
		require.True(t, ok, "Parse(%q) metric %q is not known", text, g.Metric)
		require.Equal(t, g.Metric, m.Name, "Parse(%q) metric is not canonical", text)
		require.False(t, math.IsInf(g.Amount, 0), "Parse(%q) amount %v is not finite", text, g.Amount)
		require.Greater(t, g.Amount, 0.0, "Parse(%q) amount", text)
		switch g.Direction {
		case Increase, Decrease:
			require.Equal(t, g.Direction, g.Intent, "Parse(%q) intent differs from direction", text)
		case Reach:
		default:
			require.Failf(t, "bad direction", "Parse(%q) direction %q", text, g.Direction)
		}
		require.Contains(t, []Unit{UnitPercent, UnitMultiple, UnitAbsolute, UnitCurrency}, g.Unit, "Parse(%q) unit", text)
		if g.Unit == UnitMultiple && g.Direction != Reach {
			require.Equal(t, g.Direction == Increase, g.Amount > 1, "Parse(%q) multiple %v with direction %q", text, g.Amount, g.Direction)
		}
		if g.Direction == Decrease && g.Unit == UnitPercent {
			require.Less(t, g.Amount, 100.0, "Parse(%q) decreases by a percentage", text)
		}
		if !g.Deadline.IsZero() {
			require.False(t, g.Deadline.Before(today), "Parse(%q) deadline %v is before today", text, g.Deadline)
		}
		require.False(t, math.IsInf(g.Budget, 0), "Parse(%q) budget %v is not finite", text, g.Budget)
		require.GreaterOrEqual(t, g.Budget, 0.0, "Parse(%q) budget", text)
		b, err := json.Marshal(g)
		require.NoError(t, err, "Marshal(%+v)", g)
		var back Goal
		require.NoError(t, json.Unmarshal(b, &back), "Unmarshal(%s)", b)
		want := g
		want.Text = ""
		require.Equal(t, want, back, "JSON round trip of %q", text)
	})
}
