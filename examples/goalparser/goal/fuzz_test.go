package goal

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"
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
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %T %v is not a *ParseError", text, err, err)
			}
			known := false
			for _, s := range sentinels {
				known = known || errors.Is(err, s)
			}
			if !known || pe.Text != text || pe.Reason == "" || pe.Field == "" {
				t.Fatalf("Parse(%q) error %#v is malformed", text, pe)
			}
			if g != (Goal{}) {
				t.Fatalf("Parse(%q) returned %+v with its error", text, g)
			}
			return
		}
		m, ok := LookupMetric(g.Metric)
		if !ok || m.Name != g.Metric {
			t.Fatalf("Parse(%q) metric %q is not canonical", text, g.Metric)
		}
		if math.IsNaN(g.Amount) || math.IsInf(g.Amount, 0) || g.Amount <= 0 {
			t.Fatalf("Parse(%q) amount %v is not positive and finite", text, g.Amount)
		}
		switch g.Direction {
		case Increase, Decrease:
			if g.Intent != g.Direction {
				t.Fatalf("Parse(%q) intent %q differs from direction %q", text, g.Intent, g.Direction)
			}
		case Reach:
		default:
			t.Fatalf("Parse(%q) direction %q", text, g.Direction)
		}
		switch g.Unit {
		case UnitPercent, UnitMultiple, UnitAbsolute, UnitCurrency:
		default:
			t.Fatalf("Parse(%q) unit %q", text, g.Unit)
		}
		if g.Unit == UnitMultiple && (g.Amount > 1) != (g.Direction == Increase) && g.Direction != Reach {
			t.Fatalf("Parse(%q) multiple %v with direction %q", text, g.Amount, g.Direction)
		}
		if g.Direction == Decrease && g.Unit == UnitPercent && g.Amount >= 100 {
			t.Fatalf("Parse(%q) decreases by %v%%", text, g.Amount)
		}
		if !g.Deadline.IsZero() && g.Deadline.Before(today) {
			t.Fatalf("Parse(%q) deadline %v is before today", text, g.Deadline)
		}
		if g.Budget < 0 || math.IsInf(g.Budget, 0) || math.IsNaN(g.Budget) {
			t.Fatalf("Parse(%q) budget %v", text, g.Budget)
		}
		b, err := json.Marshal(g)
		if err != nil {
			t.Fatalf("Marshal(%+v): %v", g, err)
		}
		var back Goal
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		want := g
		want.Text = ""
		if back != want {
			t.Fatalf("JSON round trip of %q:\n got %#v\nwant %#v", text, back, want)
		}
	})
}
