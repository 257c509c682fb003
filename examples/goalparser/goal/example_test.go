package goal_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/strata-go/strata/examples/goalparser/goal"
)

// now is the fixed "now" of the examples: November 25, 2026.
var now = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

func ExampleParse() {
	g, err := goal.Parse("increase qualified leads by 20% in Q3 with a $50k budget", now)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(g.Metric, g.Direction, g.Amount, g.Unit)
	fmt.Println(g.Deadline.Format(time.DateOnly), "from", g.DeadlineText)
	fmt.Println(g.Budget, g.BudgetCurrency)
	fmt.Println(g)
	// Output:
	// qualified_leads increase 20 percent
	// 2027-09-30 from in Q3
	// 50000 USD
	// increase qualified_leads by 20% by 2027-09-30 on a budget of 50000 USD
}

func ExampleParse_error() {
	_, err := goal.Parse("cut CPA to $35 by Smarch", now)
	fmt.Println(err)
	fmt.Println(errors.Is(err, goal.ErrBadDeadline))
	var pe *goal.ParseError
	if errors.As(err, &pe) {
		fmt.Printf("%s: %q\n", pe.Field, pe.Part)
	}
	// Output:
	// goal: cannot read the deadline in "cut CPA to $35 by Smarch": "by Smarch" is not a date (write a month, a quarter such as Q3, or a date such as 2027-06-30)
	// true
	// deadline: "by Smarch"
}

func ExampleGoal_Target() {
	g, err := goal.Parse("cut cost per acquisition by 20% by March", now)
	if err != nil {
		fmt.Println(err)
		return
	}
	m, _ := goal.LookupMetric(g.Metric)
	fmt.Println(m.Name, m.Kind, "lower is better:", m.LowerIsBetter)
	fmt.Println("from $45 the goal is", g.Target(45))
	better, _ := g.Improves()
	fmt.Println("improves:", better)
	// Output:
	// cpa money lower is better: true
	// from $45 the goal is 36
	// improves: true
}

func ExampleGoal_MarshalJSON() {
	for _, text := range []string{
		"cut CPA to $35 by March",
		"double organic traffic this year",
		"improve CTR from 2% to 3%",
	} {
		g, err := goal.Parse(text, now)
		if err != nil {
			fmt.Println(err)
			continue
		}
		b, _ := json.Marshal(g)
		fmt.Println(string(b))
	}
	// Output:
	// {"metric":"cpa","direction":"reach","amount":35,"unit":"currency","deadline":"2027-03-31","budget":null,"metric_label":"CPA","intent":"decrease","currency":"USD","deadline_text":"by March"}
	// {"metric":"organic_traffic","direction":"increase","amount":2,"unit":"multiple","deadline":"2026-12-31","budget":null,"metric_label":"organic traffic","intent":"increase","deadline_text":"this year"}
	// {"metric":"ctr","direction":"increase","amount":1.5,"unit":"multiple","deadline":null,"budget":null,"metric_label":"CTR","intent":"increase","baseline":2}
}
