package goal

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDeadlines(t *testing.T) {
	inQ3 := time.Date(2026, 8, 10, 9, 0, 0, 0, time.UTC) // a Monday
	afterXmas := time.Date(2026, 12, 26, 9, 0, 0, 0, time.UTC)
	endOfJan := time.Date(2027, 1, 31, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		now    time.Time
		phrase string
		want   string
	}{
		// Periods resolve to their last day; the current one counts.
		{testNow, "in Q3", "2027-09-30"},
		{inQ3, "in Q3", "2026-09-30"},
		{testNow, "by Q4", "2026-12-31"},
		{testNow, "by Q3 '27", "2027-09-30"},
		{testNow, "in Q3 of next year", "2027-09-30"},
		{testNow, "by end of Q3 2028", "2028-09-30"},
		{testNow, "during H1", "2027-06-30"},
		{testNow, "in the first half of 2027", "2027-06-30"},
		{testNow, "by March", "2027-03-31"},
		{testNow, "until November", "2026-11-30"},
		{inQ3, "by August", "2026-08-31"},
		{inQ3, "by July", "2027-07-31"},
		{testNow, "by the end of March 2027", "2027-03-31"},
		{testNow, "in 2027", "2027-12-31"},
		{testNow, "this year", "2026-12-31"},
		{testNow, "by year-end", "2026-12-31"},
		{testNow, "by quarter end", "2026-12-31"},
		{testNow, "by EOM", "2026-11-30"},
		{testNow, "next year", "2027-12-31"},
		{testNow, "this week", "2026-11-29"},
		{testNow, "by next week", "2026-12-06"},
		{inQ3, "this week", "2026-08-16"},
		// Days.
		{inQ3, "by August 10", "2026-08-10"},
		{inQ3, "by August 5", "2027-08-05"},
		{testNow, "by Feb 29", "2028-02-29"},
		{testNow, "due June 1", "2027-06-01"},
		{testNow, "no later than 2027-01-15", "2027-01-15"},
		{testNow, "by tomorrow", "2026-11-26"},
		{testNow, "by Wednesday", "2026-11-25"},
		{inQ3, "by Wednesday", "2026-08-12"},
		{testNow, "by Thanksgiving", "2026-11-26"},
		{testNow, "by Cyber Monday", "2026-11-30"},
		{afterXmas, "by Christmas", "2027-12-25"},
		// Durations.
		{testNow, "in 2 weeks", "2026-12-09"},
		{testNow, "a year from now", "2027-11-25"},
		{testNow, "within two months", "2027-01-25"},
		{endOfJan, "in 1 month", "2027-02-28"},
		// Positions.
		{testNow, "before Q3", "2027-06-30"},
		{testNow, "by the start of next year", "2027-01-01"},
		{testNow, "by mid Q1", "2027-02-14"},
	}
	for _, tc := range cases {
		text := "increase leads by 20% " + tc.phrase
		now := tc.now.Format(time.DateOnly)
		g, err := Parse(text, tc.now)
		if !assert.NoError(t, err, "now %s: Parse(%q)", now, text) {
			continue
		}
		assert.Equal(t, tc.want, g.Deadline.Format(time.DateOnly), "now %s: Parse(%q) deadline", now, text)
		assert.Equal(t, tc.phrase, g.DeadlineText, "now %s: Parse(%q) deadline text", now, text)
	}
}

func TestDeadlineUsesNowsLocation(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	// 03:00 UTC on the 26th is still the evening of the 25th in New York.
	now := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC).In(est)
	g, err := Parse("get 500 signups by tomorrow", now)
	require.NoError(t, err)
	assert.WithinDuration(t, time.Date(2026, 11, 26, 0, 0, 0, 0, est), g.Deadline, 0, "deadline")
	assert.Same(t, est, g.Deadline.Location(), "deadline's location")
}

func TestDeadlineErrors(t *testing.T) {
	for _, tc := range []struct{ phrase, part string }{
		{"by 2025", "by 2025"},
		{"in Q3 2026", "in Q3 2026"},
		{"before today", "before today"},
		{"in H3", "H3"},
		{"in 200 years", "200 years"},
		{"by 2/30", "2/30"},
		{"in Junee", "in Junee"},
		{"by Feb 30", "Feb 30"},
	} {
		text := "increase leads by 20% " + tc.phrase
		_, err := Parse(text, testNow)
		assertParseError(t, err, ErrBadDeadline, tc.part, "Parse(%q)", text)
	}
}
