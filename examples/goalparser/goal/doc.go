// Package goal reads marketing goals written as a person writes them —
// "increase qualified leads by 20% in Q3 with a $50k budget", "cut CPA to
// $35 by March", "double organic traffic this year" — into a structured
// Goal: metric, direction, amount and unit, deadline and budget.
//
// It is the parsing half of the goalparser example: the program resolves
// benchmarks for Goal.Metric through a strata resolver and judges whether
// the goal is feasible. Metrics lists the metrics the parser knows with
// their Kind and whether lower is better, so that the verdict knows which
// data types to resolve and which way is good; Goal.Target turns a current
// level into the level the goal asks for. The package depends on nothing
// but the standard library and uses no models: a tokenizer and a small
// grammar.
//
// # What a goal may say
//
// Case and punctuation do not matter, and words that are not part of the
// grammar ("we want to", "our", "from paid search") are skipped. A goal
// has exactly one metric and one change or target, and at most one
// deadline and one budget, in any order:
//
//   - a metric, by name or alias: "qualified leads", "CPA", "cost per
//     acquisition", "sign-ups", "ROAS", "organic traffic" (see Metrics);
//   - a direction: "increase", "grow", "boost", "raise", "lift", "more",
//     "up", "+20%"; "decrease", "cut", "reduce", "lower", "drop", "fewer",
//     "down", "-10%"; "improve" and "optimize", which mean down for a metric
//     where lower is better and up otherwise; or a level without a direction:
//     "reach", "hit", "get", "achieve", "keep";
//   - a change: "by 20%", "by a third", "by half", "by 500", "by $10k", "by
//     0.5 points", "by 3x", "3 times", "in half", "double", "triple",
//     "halve", or an amount with no marker after a direction ("grow revenue
//     15%", "20% more leads");
//   - a target level: "to $35", "to 3%", "of 4x", "under $35", "at least
//     500", or an amount with no marker and no direction ("get 500 signups",
//     "$1M revenue", "5% conversion rate", "4x ROAS");
//   - a starting level: "from 2% to 3%", "from $40";
//   - a deadline (below) or a comparison basis, "YoY", "QoQ", "MoM", "WoW"
//     or "quarter over quarter", which without a deadline ends the goal with
//     the current year, quarter, month or week;
//   - a budget: "with a $50k budget", "on a 10k budget", "budget of 50,000
//     USD", "$1.2M monthly ad budget", "with €20k", "for $3,000", "spending
//     $5k", "spend 20k to", "with 25k spend", "on $10k of ad spend", "with
//     a spend of €30k", "$5k a month". The word "spend" there is the money
//     spent, not the metric spend, which a goal names with a direction or a
//     level ("cut ad spend by 20%", "keep spending under $10k"). Money that
//     prices one unit ("for $50 a lead", "for $50 each") is no budget.
//
// Amounts are "500", "1,200", "1.5", "50k", "$1.2M", "2bn", "1.2 million",
// "a dozen", "20%", "20 percent", "3x", "2 points", "0.5pp", "50 basis
// points", "10 cents", "€20k", "£5k", "50,000 USD", "20k euros", and the
// fractions "half", "a third", "two thirds", "a quarter". A bare "$" is
// US dollars; "€", "£" and "¥" are EUR, GBP and JPY.
//
// # How amounts are stored
//
// Goal.Unit says what Goal.Amount measures; see the Unit constants. A
// relative change is UnitPercent ("by 20%" on any metric, a CTR included:
// 20% of the current CTR) or UnitMultiple ("double" is 2, "halve" 0.5,
// "cut 3x" 1/3). A "from X to Y" pair is the multiple Y/X with Baseline X
// ("improve CTR from 2% to 3%" is Increase 1.5x from 2). Everything else is
// in the metric's own units, which its Kind fixes: counts for a count, percent
// for a rate (a target of 3 is 3%; a change of 0.5 is half a point), the
// ratio for a ratio ("400%" and "4x" ROAS are both 4), and money for money
// (UnitCurrency, with Goal.Currency when one was written).
//
// A target sets Direction Reach whatever the verb; the verb's direction is
// kept in Goal.Intent ("cut CPA to $35" is Reach 35 USD with Intent
// Decrease), as is the direction of a bound ("keep CPA under $35").
//
// # Deadlines
//
// A deadline resolves to a day relative to Parse's now, in now's location,
// and always to the last day of the period it names, so that "in Q3", "by
// Q3" and "by the end of Q3" are all September 30:
//
//   - "Q3", "H1", "the third quarter": the end of that quarter or half of
//     the current year, or of next year once it has ended; "Q3 2027", "Q3
//     '27" and "Q3 next year" name the year;
//   - "March", "next March": the end of the next March that has not ended
//     (the current month counts); "March 2027"; "June 30", "30th of June",
//     "June 30, 2027": that day, this year or next;
//   - "2027", "in 2027": December 31 of that year; "by 2030" reads as a year
//     only when the goal already has its amount, else "increase signups by
//     2030" asks for 2030 more;
//   - "this year", "end of year", "year end", "EOY": December 31; "this
//     quarter", "EOQ", "this month", "EOM", "this week" (weeks end on
//     Sunday); "next year", "next quarter", "next month", "next week": the
//     end of the next one;
//   - "in 6 months", "within 90 days", "over the next 2 quarters", "a year
//     from now": that long after today, on the same day of the month where
//     it exists (January 31 + 1 month is the end of February);
//   - "2027-06-30"; "today", "tomorrow", a weekday ("by Friday": the next
//     one, today included), "Christmas", "Thanksgiving", "Black Friday" and
//     "Cyber Monday";
//   - "the start of X" is X's first day, "mid X" its middle day, and
//     "before X" the day before X begins ("before Black Friday" is
//     Thanksgiving).
//
// A deadline before today, further than MaxHorizon years away, or not a
// calendar date ("June 31", "2027-02-30") is an error; so are "Q5", a
// misspelt month ("by Smarch", "in Febuary") and slashed dates such as
// "6/30", which are ambiguous between the US and the rest of the world.
//
// # Errors
//
// Parse returns a *ParseError naming the part it could not read, wrapping
// one sentinel: ErrEmpty, ErrTooLong, ErrNoMetric, ErrNoChange,
// ErrBadAmount, ErrBadDeadline, ErrBadBudget or ErrConflict. Absurd amounts
// are errors: a change beyond MaxPercent or MaxMultiple, a decrease of 100%
// or more, a rate above 100%, a target of zero, money on a count metric or
// a percentage target on a count, a negative or zero budget.
//
// A contradiction is an error only when the text itself shows it: a verb
// against a from-to pair ("increase CPA from $40 to $35"), a sign or a
// bound ("increase leads by -20%"), two directions, two metrics, two
// deadlines, two budgets, or a change next to a target. A goal that moves
// a metric the wrong way ("increase CPA by 10%") is a valid goal — there
// are reasons to buy more expensive traffic — and Goal.Improves reports
// it; "increase CPA to $35" cannot be checked at all without the current
// CPA, which is the verdict's business.
package goal
