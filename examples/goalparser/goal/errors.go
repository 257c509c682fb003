package goal

import (
	"errors"
	"fmt"
)

// Sentinel errors of Parse. Every error Parse returns is a *ParseError that
// wraps exactly one of these; match them with errors.Is.
var (
	// ErrEmpty: the goal text is empty or only blanks.
	ErrEmpty = errors.New("goal: empty goal")
	// ErrTooLong: the goal text is longer than MaxTextLen bytes.
	ErrTooLong = errors.New("goal: goal too long")
	// ErrNoMetric: no known metric is named ("increase blorps by 20%").
	ErrNoMetric = errors.New("goal: no metric")
	// ErrNoChange: the goal names a metric but no change or target for it
	// ("increase leads", "leads by Q3", "grow revenue by 0%").
	ErrNoChange = errors.New("goal: no change")
	// ErrBadAmount: an amount is written but cannot be read or is absurd
	// ("by lots", "by 50000%", "CTR to 150%", "leads to $500").
	ErrBadAmount = errors.New("goal: bad amount")
	// ErrBadDeadline: a deadline is written but cannot be read or is in the
	// past ("by Smarch", "in Q5", "by June 31", "by 6/30", "by 2020").
	ErrBadDeadline = errors.New("goal: bad deadline")
	// ErrBadBudget: a budget is written but is not a positive amount of
	// money ("with a $lots budget", "with a -$5k budget", "budget of 0").
	ErrBadBudget = errors.New("goal: bad budget")
	// ErrConflict: two parts of the goal contradict each other or repeat a
	// part that can appear once ("increase CPA from $40 to $35", "increase
	// leads by -20%", two metrics, two deadlines).
	ErrConflict = errors.New("goal: conflicting goal")
)

// ParseError is the error Parse returns: which part of which goal could not
// be read, and why. Its Unwrap returns one of the sentinel errors above, so
// callers match the class with errors.Is and the detail with errors.As.
type ParseError struct {
	// Text is the whole goal as given to Parse.
	Text string
	// Field is the part of the goal that could not be read: "goal" (the
	// text as a whole), "metric", "change", "amount", "direction",
	// "deadline" or "budget".
	Field string
	// Part is the fragment of Text that could not be read, exactly as
	// written ("by lots", "by Smarch"); empty when the problem is that
	// something is missing rather than unreadable.
	Part string
	// Reason says what is wrong with Part, or what is missing.
	Reason string
	// Err is the sentinel this error belongs to (ErrBadAmount, ...).
	Err error
}

// Error returns a message that quotes the goal and the unreadable part, such as
//
//	goal: cannot read the amount in "increase leads by lots": "by lots" is not a number or ratio
func (e *ParseError) Error() string {
	if e.Field == "goal" {
		return fmt.Sprintf("goal: cannot read %q: %s", e.Text, e.Reason)
	}
	if e.Part == "" {
		return fmt.Sprintf("goal: cannot read the %s in %q: %s", e.Field, e.Text, e.Reason)
	}
	return fmt.Sprintf("goal: cannot read the %s in %q: %q %s", e.Field, e.Text, e.Part, e.Reason)
}

// Unwrap returns the sentinel error, for errors.Is.
func (e *ParseError) Unwrap() error { return e.Err }
