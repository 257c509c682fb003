package goal

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// testNow is the fixed "now" of the tests: Wednesday, November 25, 2026.
var testNow = time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)

// day returns the date s (YYYY-MM-DD) at midnight UTC.
func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// parseCase is one goal phrasing and what Parse must make of it: want when
// it parses (Text is filled in by the test), else the error's sentinel,
// field and part.
type parseCase struct {
	text  string
	want  Goal
	err   error
	field string
	part  string
}

var parseCases = []parseCase{
	// The examples.
	{text: "increase qualified leads by 20% in Q3 with a $50k budget", want: Goal{Metric: "qualified_leads", MetricLabel: "qualified leads", Direction: Increase, Intent: Increase, Amount: 20, Unit: UnitPercent, Deadline: day("2027-09-30"), DeadlineText: "in Q3", Budget: 50000, BudgetCurrency: "USD"}},
	{text: "cut CPA to $35 by March", want: Goal{Metric: "cpa", MetricLabel: "CPA", Direction: Reach, Intent: Decrease, Amount: 35, Unit: UnitCurrency, Currency: "USD", Deadline: day("2027-03-31"), DeadlineText: "by March"}},
	{text: "double organic traffic this year", want: Goal{Metric: "organic_traffic", MetricLabel: "organic traffic", Direction: Increase, Intent: Increase, Amount: 2, Unit: UnitMultiple, Deadline: day("2026-12-31"), DeadlineText: "this year"}},
	{text: "get 500 signups by June", want: Goal{Metric: "signups", MetricLabel: "signups", Direction: Reach, Amount: 500, Unit: UnitAbsolute, Deadline: day("2027-06-30"), DeadlineText: "by June"}},
	{text: "grow revenue 15% QoQ", want: Goal{Metric: "revenue", MetricLabel: "revenue", Direction: Increase, Intent: Increase, Amount: 15, Unit: UnitPercent, Deadline: day("2026-12-31"), DeadlineText: "QoQ", Basis: "qoq"}},
	{text: "ROAS of 4x by Q4", want: Goal{Metric: "roas", MetricLabel: "ROAS", Direction: Reach, Amount: 4, Unit: UnitAbsolute, Deadline: day("2026-12-31"), DeadlineText: "by Q4"}},
	{text: "improve CTR from 2% to 3%", want: Goal{Metric: "ctr", MetricLabel: "CTR", Direction: Increase, Intent: Increase, Amount: 1.5, Unit: UnitMultiple, Baseline: 2}},
	{text: "reduce cost per acquisition by a third", want: Goal{Metric: "cpa", MetricLabel: "cost per acquisition", Direction: Decrease, Intent: Decrease, Amount: 100.0 / 3, Unit: UnitPercent}},

	// Changes.
	{text: "halve CPC by end of year", want: Goal{Metric: "cpc", MetricLabel: "CPC", Direction: Decrease, Intent: Decrease, Amount: 0.5, Unit: UnitMultiple, Deadline: day("2026-12-31"), DeadlineText: "by end of year"}},
	{text: "cut CPA in half within 90 days", want: Goal{Metric: "cpa", MetricLabel: "CPA", Direction: Decrease, Intent: Decrease, Amount: 0.5, Unit: UnitMultiple, Deadline: day("2027-02-23"), DeadlineText: "within 90 days"}},
	{text: "cut CPA 2x", want: Goal{Metric: "cpa", MetricLabel: "CPA", Direction: Decrease, Intent: Decrease, Amount: 0.5, Unit: UnitMultiple}},
	{text: "boost sessions 3x by H1 2027", want: Goal{Metric: "sessions", MetricLabel: "sessions", Direction: Increase, Intent: Increase, Amount: 3, Unit: UnitMultiple, Deadline: day("2027-06-30"), DeadlineText: "by H1 2027"}},
	{text: "triple demo requests by H2", want: Goal{Metric: "demos", MetricLabel: "demo requests", Direction: Increase, Intent: Increase, Amount: 3, Unit: UnitMultiple, Deadline: day("2026-12-31"), DeadlineText: "by H2"}},
	{text: "20% more leads by next month", want: Goal{Metric: "leads", MetricLabel: "leads", Direction: Increase, Intent: Increase, Amount: 20, Unit: UnitPercent, Deadline: day("2026-12-31"), DeadlineText: "by next month"}},
	{text: "leads +20% in Q1", want: Goal{Metric: "leads", MetricLabel: "leads", Direction: Increase, Intent: Increase, Amount: 20, Unit: UnitPercent, Deadline: day("2027-03-31"), DeadlineText: "in Q1"}},
	{text: "a 15% reduction in CPA", want: Goal{Metric: "cpa", MetricLabel: "CPA", Direction: Decrease, Intent: Decrease, Amount: 15, Unit: UnitPercent}},
	{text: "improve CPA by 15%", want: Goal{Metric: "cpa", MetricLabel: "CPA", Direction: Decrease, Intent: Decrease, Amount: 15, Unit: UnitPercent}},
	{text: "increase revenue by two thirds", want: Goal{Metric: "revenue", MetricLabel: "revenue", Direction: Increase, Intent: Increase, Amount: 200.0 / 3, Unit: UnitPercent}},
	{text: "increase signups by 2030", want: Goal{Metric: "signups", MetricLabel: "signups", Direction: Increase, Intent: Increase, Amount: 2030, Unit: UnitAbsolute}},
	{text: "increase conversion rate by 0.5 points by the end of Q2", want: Goal{Metric: "conversion_rate", MetricLabel: "conversion rate", Direction: Increase, Intent: Increase, Amount: 0.5, Unit: UnitAbsolute, Deadline: day("2027-06-30"), DeadlineText: "by the end of Q2"}},
	{text: "reduce bounce rate by 50 basis points", want: Goal{Metric: "bounce_rate", MetricLabel: "bounce rate", Direction: Decrease, Intent: Decrease, Amount: 0.5, Unit: UnitAbsolute}},
	{text: "boost revenue by €20k with a budget of 50,000 USD", want: Goal{Metric: "revenue", MetricLabel: "revenue", Direction: Increase, Intent: Increase, Amount: 20000, Unit: UnitCurrency, Currency: "EUR", Budget: 50000, BudgetCurrency: "USD"}},
	{text: "cut CPC by 10 cents", want: Goal{Metric: "cpc", MetricLabel: "CPC", Direction: Decrease, Intent: Decrease, Amount: 0.1, Unit: UnitCurrency}},
	{text: "grow MRR 10% month over month", want: Goal{Metric: "mrr", MetricLabel: "MRR", Direction: Increase, Intent: Increase, Amount: 10, Unit: UnitPercent, Deadline: day("2026-11-30"), DeadlineText: "month over month", Basis: "mom"}},
	{text: "increase revenue 10% YoY", want: Goal{Metric: "revenue", MetricLabel: "revenue", Direction: Increase, Intent: Increase, Amount: 10, Unit: UnitPercent, Deadline: day("2026-12-31"), DeadlineText: "YoY", Basis: "yoy"}},
	{text: "we want to increase the number of leads from paid search by 30% by end of Q1 2027", want: Goal{Metric: "leads", MetricLabel: "leads", Direction: Increase, Intent: Increase, Amount: 30, Unit: UnitPercent, Deadline: day("2027-03-31"), DeadlineText: "by end of Q1 2027"}},
	{text: "Increase Qualified Leads by 20%, in Q3!", want: Goal{Metric: "qualified_leads", MetricLabel: "Qualified Leads", Direction: Increase, Intent: Increase, Amount: 20, Unit: UnitPercent, Deadline: day("2027-09-30"), DeadlineText: "in Q3"}},
	{text: "increase app installs by 25% by June 30th, 2027", want: Goal{Metric: "installs", MetricLabel: "app installs", Direction: Increase, Intent: Increase, Amount: 25, Unit: UnitPercent, Deadline: day("2027-06-30"), DeadlineText: "by June 30th, 2027"}},

	// From-to pairs.
	{text: "grow followers from 2,000 to 5,000 in 3 months", want: Goal{Metric: "followers", MetricLabel: "followers", Direction: Increase, Intent: Increase, Amount: 2.5, Unit: UnitMultiple, Baseline: 2000, Deadline: day("2027-02-25"), DeadlineText: "in 3 months"}},
	{text: "reduce CPC from $2 to $1.50 by Christmas", want: Goal{Metric: "cpc", MetricLabel: "CPC", Direction: Decrease, Intent: Decrease, Amount: 0.75, Unit: UnitMultiple, Currency: "USD", Baseline: 2, Deadline: day("2026-12-25"), DeadlineText: "by Christmas"}},
	{text: "raise ROAS from 2.5x to 4x before Black Friday", want: Goal{Metric: "roas", MetricLabel: "ROAS", Direction: Increase, Intent: Increase, Amount: 1.6, Unit: UnitMultiple, Baseline: 2.5, Deadline: day("2026-11-26"), DeadlineText: "before Black Friday"}},
	{text: "increase signups from 0 to 100 by Friday", want: Goal{Metric: "signups", MetricLabel: "signups", Direction: Reach, Intent: Increase, Amount: 100, Unit: UnitAbsolute, Deadline: day("2026-11-27"), DeadlineText: "by Friday"}},

	// Targets.
	{text: "hit 10k followers in 6 months", want: Goal{Metric: "followers", MetricLabel: "followers", Direction: Reach, Amount: 10000, Unit: UnitAbsolute, Deadline: day("2027-05-25"), DeadlineText: "in 6 months"}},
	{text: "reach $1.2M in revenue by 2027-06-30", want: Goal{Metric: "revenue", MetricLabel: "revenue", Direction: Reach, Amount: 1.2e6, Unit: UnitCurrency, Currency: "USD", Deadline: day("2027-06-30"), DeadlineText: "by 2027-06-30"}},
	{text: "lower bounce rate to 40% next quarter", want: Goal{Metric: "bounce_rate", MetricLabel: "bounce rate", Direction: Reach, Intent: Decrease, Amount: 40, Unit: UnitAbsolute, Deadline: day("2027-03-31"), DeadlineText: "next quarter"}},
	{text: "keep CPA under $35", want: Goal{Metric: "cpa", MetricLabel: "CPA", Direction: Reach, Intent: Decrease, Amount: 35, Unit: UnitCurrency, Currency: "USD"}},
	{text: "double revenue to $2M by EOY", want: Goal{Metric: "revenue", MetricLabel: "revenue", Direction: Reach, Intent: Increase, Amount: 2e6, Unit: UnitCurrency, Currency: "USD", Baseline: 1e6, Deadline: day("2026-12-31"), DeadlineText: "by EOY"}},
	{text: "increase email subscribers to 10,000 by 30 June", want: Goal{Metric: "subscribers", MetricLabel: "email subscribers", Direction: Reach, Intent: Increase, Amount: 10000, Unit: UnitAbsolute, Deadline: day("2027-06-30"), DeadlineText: "by 30 June"}},
	{text: "$1M revenue by EOY", want: Goal{Metric: "revenue", MetricLabel: "revenue", Direction: Reach, Amount: 1e6, Unit: UnitCurrency, Currency: "USD", Deadline: day("2026-12-31"), DeadlineText: "by EOY"}},
	{text: "5% conversion rate by Q2", want: Goal{Metric: "conversion_rate", MetricLabel: "conversion rate", Direction: Reach, Amount: 5, Unit: UnitAbsolute, Deadline: day("2027-06-30"), DeadlineText: "by Q2"}},
	{text: "3x ROAS", want: Goal{Metric: "roas", MetricLabel: "ROAS", Direction: Reach, Amount: 3, Unit: UnitAbsolute}},
	{text: "achieve a ROAS of 400% by mid 2027", want: Goal{Metric: "roas", MetricLabel: "ROAS", Direction: Reach, Amount: 4, Unit: UnitAbsolute, Deadline: day("2027-07-02"), DeadlineText: "by mid 2027"}},
	{text: "increase ROI to 300%", want: Goal{Metric: "roi", MetricLabel: "ROI", Direction: Reach, Intent: Increase, Amount: 3, Unit: UnitAbsolute}},
	{text: "cut churn rate to 2% by 1st March 2027", want: Goal{Metric: "churn_rate", MetricLabel: "churn rate", Direction: Reach, Intent: Decrease, Amount: 2, Unit: UnitAbsolute, Deadline: day("2027-03-01"), DeadlineText: "by 1st March 2027"}},
	{text: "get CPA below $40 by the end of next quarter", want: Goal{Metric: "cpa", MetricLabel: "CPA", Direction: Reach, Intent: Decrease, Amount: 40, Unit: UnitCurrency, Currency: "USD", Deadline: day("2027-03-31"), DeadlineText: "by the end of next quarter"}},
	{text: "drive down CPA to $30 by next March", want: Goal{Metric: "cpa", MetricLabel: "CPA", Direction: Reach, Intent: Decrease, Amount: 30, Unit: UnitCurrency, Currency: "USD", Deadline: day("2027-03-31"), DeadlineText: "by next March"}},
	{text: "raise average order value to €80 by Q1", want: Goal{Metric: "aov", MetricLabel: "average order value", Direction: Reach, Intent: Increase, Amount: 80, Unit: UnitCurrency, Currency: "EUR", Deadline: day("2027-03-31"), DeadlineText: "by Q1"}},
	{text: "get 1.2 million sessions", want: Goal{Metric: "sessions", MetricLabel: "sessions", Direction: Reach, Amount: 1.2e6, Unit: UnitAbsolute}},
	{text: "reach 10000 subscribers by may", want: Goal{Metric: "subscribers", MetricLabel: "subscribers", Direction: Reach, Amount: 10000, Unit: UnitAbsolute, Deadline: day("2027-05-31"), DeadlineText: "by may"}},

	// Deadlines and budgets in other words.
	{text: "increase signups by 20% by 2030", want: Goal{Metric: "signups", MetricLabel: "signups", Direction: Increase, Intent: Increase, Amount: 20, Unit: UnitPercent, Deadline: day("2030-12-31"), DeadlineText: "by 2030"}},
	{text: "increase leads by 500 by the start of Q2", want: Goal{Metric: "leads", MetricLabel: "leads", Direction: Increase, Intent: Increase, Amount: 500, Unit: UnitAbsolute, Deadline: day("2027-04-01"), DeadlineText: "by the start of Q2"}},
	{text: "increase leads by 20% over the next 2 quarters", want: Goal{Metric: "leads", MetricLabel: "leads", Direction: Increase, Intent: Increase, Amount: 20, Unit: UnitPercent, Deadline: day("2027-05-25"), DeadlineText: "over the next 2 quarters"}},
	{text: "boost sales by 20% in the fourth quarter", want: Goal{Metric: "revenue", MetricLabel: "sales", Direction: Increase, Intent: Increase, Amount: 20, Unit: UnitPercent, Deadline: day("2026-12-31"), DeadlineText: "in the fourth quarter"}},
	{text: "spend $20k to get 300 leads", want: Goal{Metric: "leads", MetricLabel: "leads", Direction: Reach, Amount: 300, Unit: UnitAbsolute, Budget: 20000, BudgetCurrency: "USD"}},
	{text: "generate 300 leads with $20k by Q1", want: Goal{Metric: "leads", MetricLabel: "leads", Direction: Reach, Amount: 300, Unit: UnitAbsolute, Deadline: day("2027-03-31"), DeadlineText: "by Q1", Budget: 20000, BudgetCurrency: "USD"}},
	{text: "grow traffic 25% by Q2 on a $1.2M monthly ad budget", want: Goal{Metric: "traffic", MetricLabel: "traffic", Direction: Increase, Intent: Increase, Amount: 25, Unit: UnitPercent, Deadline: day("2027-06-30"), DeadlineText: "by Q2", Budget: 1.2e6, BudgetCurrency: "USD"}},
	{text: "increase sign-ups by 10% with a 50k budget", want: Goal{Metric: "signups", MetricLabel: "sign-ups", Direction: Increase, Intent: Increase, Amount: 10, Unit: UnitPercent, Budget: 50000}},

	// Budgets phrased as spend, spending, for, on.
	{text: "hit 10k monthly active users by December with 25k spend", want: Goal{Metric: "users", MetricLabel: "monthly active users", Direction: Reach, Amount: 10000, Unit: UnitAbsolute, Deadline: day("2026-12-31"), DeadlineText: "by December", Budget: 25000}},
	{text: "grow leads by 20% spending $5k", want: Goal{Metric: "leads", MetricLabel: "leads", Direction: Increase, Intent: Increase, Amount: 20, Unit: UnitPercent, Budget: 5000, BudgetCurrency: "USD"}},
	{text: "get 300 leads for $3,000", want: Goal{Metric: "leads", MetricLabel: "leads", Direction: Reach, Amount: 300, Unit: UnitAbsolute, Budget: 3000, BudgetCurrency: "USD"}},
	{text: "get 300 leads on a 10k budget", want: Goal{Metric: "leads", MetricLabel: "leads", Direction: Reach, Amount: 300, Unit: UnitAbsolute, Budget: 10000}},
	{text: "increase signups by 10% with $25k spend", want: Goal{Metric: "signups", MetricLabel: "signups", Direction: Increase, Intent: Increase, Amount: 10, Unit: UnitPercent, Budget: 25000, BudgetCurrency: "USD"}},
	{text: "increase demo requests by 25% with 25k in spend", want: Goal{Metric: "demos", MetricLabel: "demo requests", Direction: Increase, Intent: Increase, Amount: 25, Unit: UnitPercent, Budget: 25000}},
	{text: "reach 2,000 MAU by June with a spend of $25k", want: Goal{Metric: "users", MetricLabel: "MAU", Direction: Reach, Amount: 2000, Unit: UnitAbsolute, Deadline: day("2027-06-30"), DeadlineText: "by June", Budget: 25000, BudgetCurrency: "USD"}},
	{text: "increase revenue by 20% with 25k of ad spend", want: Goal{Metric: "revenue", MetricLabel: "revenue", Direction: Increase, Intent: Increase, Amount: 20, Unit: UnitPercent, Budget: 25000}},
	{text: "grow MAU 10% in Q1 on $10k per month", want: Goal{Metric: "users", MetricLabel: "MAU", Direction: Increase, Intent: Increase, Amount: 10, Unit: UnitPercent, Deadline: day("2027-03-31"), DeadlineText: "in Q1", Budget: 10000, BudgetCurrency: "USD"}},
	{text: "spend 15k to book 40 demos", want: Goal{Metric: "demos", MetricLabel: "demos", Direction: Reach, Amount: 40, Unit: UnitAbsolute, Budget: 15000}},
	{text: "investing no more than $10k, double signups by Q2", want: Goal{Metric: "signups", MetricLabel: "signups", Direction: Increase, Intent: Increase, Amount: 2, Unit: UnitMultiple, Deadline: day("2027-06-30"), DeadlineText: "by Q2", Budget: 10000, BudgetCurrency: "USD"}},
	{text: "cut CPA to $30 while spending under $8k a month", want: Goal{Metric: "cpa", MetricLabel: "CPA", Direction: Reach, Intent: Decrease, Amount: 30, Unit: UnitCurrency, Currency: "USD", Budget: 8000, BudgetCurrency: "USD"}},
	{text: "increase leads by 20% with a monthly ad spend of 15k", want: Goal{Metric: "leads", MetricLabel: "leads", Direction: Increase, Intent: Increase, Amount: 20, Unit: UnitPercent, Budget: 15000}},
	{text: "hit 10k followers for up to $2,500", want: Goal{Metric: "followers", MetricLabel: "followers", Direction: Reach, Amount: 10000, Unit: UnitAbsolute, Budget: 2500, BudgetCurrency: "USD"}},
	{text: "grow revenue 15% on 50k of paid media spend", want: Goal{Metric: "revenue", MetricLabel: "revenue", Direction: Increase, Intent: Increase, Amount: 15, Unit: UnitPercent, Budget: 50000}},
	{text: "book 40 demos next quarter for $12,500", want: Goal{Metric: "demos", MetricLabel: "demos", Direction: Reach, Amount: 40, Unit: UnitAbsolute, Deadline: day("2027-03-31"), DeadlineText: "next quarter", Budget: 12500, BudgetCurrency: "USD"}},
	{text: "lift conversion rate to 4% within 60 days spending £2k", want: Goal{Metric: "conversion_rate", MetricLabel: "conversion rate", Direction: Reach, Intent: Increase, Amount: 4, Unit: UnitAbsolute, Deadline: day("2027-01-24"), DeadlineText: "within 60 days", Budget: 2000, BudgetCurrency: "GBP"}},
	{text: "drive 1,000 installs by Black Friday on a €7.5k budget", want: Goal{Metric: "installs", MetricLabel: "installs", Direction: Reach, Amount: 1000, Unit: UnitAbsolute, Deadline: day("2026-11-27"), DeadlineText: "by Black Friday", Budget: 7500, BudgetCurrency: "EUR"}},
	{text: "raise ROAS from 2x to 3x in H1 with $40k/month spend", want: Goal{Metric: "roas", MetricLabel: "ROAS", Direction: Increase, Intent: Increase, Amount: 1.5, Unit: UnitMultiple, Baseline: 2, Deadline: day("2027-06-30"), DeadlineText: "in H1", Budget: 40000, BudgetCurrency: "USD"}},
	{text: "increase qualified leads 30% QoQ with 60k spend", want: Goal{Metric: "qualified_leads", MetricLabel: "qualified leads", Direction: Increase, Intent: Increase, Amount: 30, Unit: UnitPercent, Deadline: day("2026-12-31"), DeadlineText: "QoQ", Basis: "qoq", Budget: 60000}},
	{text: "get 150 signups this month spending 1.5k", want: Goal{Metric: "signups", MetricLabel: "signups", Direction: Reach, Amount: 150, Unit: UnitAbsolute, Deadline: day("2026-11-30"), DeadlineText: "this month", Budget: 1500}},
	{text: "double organic traffic by end of next year for $50,000", want: Goal{Metric: "organic_traffic", MetricLabel: "organic traffic", Direction: Increase, Intent: Increase, Amount: 2, Unit: UnitMultiple, Deadline: day("2027-12-31"), DeadlineText: "by end of next year", Budget: 50000, BudgetCurrency: "USD"}},
	{text: "cut CPC by 15% on $20k of search spend", want: Goal{Metric: "cpc", MetricLabel: "CPC", Direction: Decrease, Intent: Decrease, Amount: 15, Unit: UnitPercent, Budget: 20000, BudgetCurrency: "USD"}},
	{text: "get CTR above 2% with 5k ad spend", want: Goal{Metric: "ctr", MetricLabel: "CTR", Direction: Reach, Intent: Increase, Amount: 2, Unit: UnitAbsolute, Budget: 5000}},
	{text: "reduce churn rate to 3% by Q3 investing $15k", want: Goal{Metric: "churn_rate", MetricLabel: "churn rate", Direction: Reach, Intent: Decrease, Amount: 3, Unit: UnitAbsolute, Deadline: day("2027-09-30"), DeadlineText: "by Q3", Budget: 15000, BudgetCurrency: "USD"}},
	{text: "grow email subscribers to 20,000 by mid 2027 with a $1,200 monthly budget", want: Goal{Metric: "subscribers", MetricLabel: "email subscribers", Direction: Reach, Intent: Increase, Amount: 20000, Unit: UnitAbsolute, Deadline: day("2027-07-02"), DeadlineText: "by mid 2027", Budget: 1200, BudgetCurrency: "USD"}},
	{text: "increase revenue by $250k this year with 1.2M spend", want: Goal{Metric: "revenue", MetricLabel: "revenue", Direction: Increase, Intent: Increase, Amount: 250000, Unit: UnitCurrency, Currency: "USD", Deadline: day("2026-12-31"), DeadlineText: "this year", Budget: 1.2e+06}},
	{text: "increase MRR by 10% MoM spending up to $3k", want: Goal{Metric: "mrr", MetricLabel: "MRR", Direction: Increase, Intent: Increase, Amount: 10, Unit: UnitPercent, Deadline: day("2026-11-30"), DeadlineText: "MoM", Basis: "mom", Budget: 3000, BudgetCurrency: "USD"}},
	{text: "grow sessions 40% in 6 months on 8k spend", want: Goal{Metric: "sessions", MetricLabel: "sessions", Direction: Increase, Intent: Increase, Amount: 40, Unit: UnitPercent, Deadline: day("2027-05-25"), DeadlineText: "in 6 months", Budget: 8000}},
	{text: "achieve 4x ROAS by Cyber Monday with a spend of €30k", want: Goal{Metric: "roas", MetricLabel: "ROAS", Direction: Reach, Amount: 4, Unit: UnitAbsolute, Deadline: day("2026-11-30"), DeadlineText: "by Cyber Monday", Budget: 30000, BudgetCurrency: "EUR"}},
	{text: "get 300 leads for $3,000 a month", want: Goal{Metric: "leads", MetricLabel: "leads", Direction: Reach, Amount: 300, Unit: UnitAbsolute, Budget: 3000, BudgetCurrency: "USD"}},
	{text: "increase leads 20% with a $5k/month budget", want: Goal{Metric: "leads", MetricLabel: "leads", Direction: Increase, Intent: Increase, Amount: 20, Unit: UnitPercent, Budget: 5000, BudgetCurrency: "USD"}},
	{text: "hit 10k MAU in 2 months spending $4,000", want: Goal{Metric: "users", MetricLabel: "MAU", Direction: Reach, Amount: 10000, Unit: UnitAbsolute, Deadline: day("2027-01-25"), DeadlineText: "in 2 months", Budget: 4000, BudgetCurrency: "USD"}},
	{text: "Increase Leads By 15% In Q2, With A $7,500 Budget!", want: Goal{Metric: "leads", MetricLabel: "Leads", Direction: Increase, Intent: Increase, Amount: 15, Unit: UnitPercent, Deadline: day("2027-06-30"), DeadlineText: "In Q2", Budget: 7500, BudgetCurrency: "USD"}},

	// Spend as the metric, and ROAS, next to the budget words.
	{text: "cut spending to $5k", want: Goal{Metric: "spend", MetricLabel: "spending", Direction: Reach, Intent: Decrease, Amount: 5000, Unit: UnitCurrency, Currency: "USD"}},
	{text: "keep ad spend under $10k per month", want: Goal{Metric: "spend", MetricLabel: "ad spend", Direction: Reach, Intent: Decrease, Amount: 10000, Unit: UnitCurrency, Currency: "USD"}},
	{text: "reduce ad spend 5k", want: Goal{Metric: "spend", MetricLabel: "ad spend", Direction: Decrease, Intent: Decrease, Amount: 5000, Unit: UnitCurrency}},
	{text: "reduce marketing spend by 20% by Q2", want: Goal{Metric: "spend", MetricLabel: "marketing spend", Direction: Decrease, Intent: Decrease, Amount: 20, Unit: UnitPercent, Deadline: day("2027-06-30"), DeadlineText: "by Q2"}},
	{text: "achieve a return on ad spend of 4 by March", want: Goal{Metric: "roas", MetricLabel: "return on ad spend", Direction: Reach, Amount: 4, Unit: UnitAbsolute, Deadline: day("2027-03-31"), DeadlineText: "by March"}},

	// Amounts, metrics and relative dates in other words.
	{text: "boost followers by 2.5k in two weeks", want: Goal{Metric: "followers", MetricLabel: "followers", Direction: Increase, Intent: Increase, Amount: 2500, Unit: UnitAbsolute, Deadline: day("2026-12-09"), DeadlineText: "in two weeks"}},
	{text: "grow ARR to $3.5M by the end of 2027", want: Goal{Metric: "arr", MetricLabel: "ARR", Direction: Reach, Intent: Increase, Amount: 3.5e+06, Unit: UnitCurrency, Currency: "USD", Deadline: day("2027-12-31"), DeadlineText: "by the end of 2027"}},
	{text: "lower CPL to $42 within 90 days", want: Goal{Metric: "cpl", MetricLabel: "CPL", Direction: Reach, Intent: Decrease, Amount: 42, Unit: UnitCurrency, Currency: "USD", Deadline: day("2027-02-23"), DeadlineText: "within 90 days"}},
	{text: "triple app installs by Q3 2027", want: Goal{Metric: "installs", MetricLabel: "app installs", Direction: Increase, Intent: Increase, Amount: 3, Unit: UnitMultiple, Deadline: day("2027-09-30"), DeadlineText: "by Q3 2027"}},
	{text: "cut bounce rate from 60% to 45% this quarter", want: Goal{Metric: "bounce_rate", MetricLabel: "bounce rate", Direction: Decrease, Intent: Decrease, Amount: 0.75, Unit: UnitMultiple, Baseline: 60, Deadline: day("2026-12-31"), DeadlineText: "this quarter"}},
	{text: "raise CTR by 0.3 percentage points next month", want: Goal{Metric: "ctr", MetricLabel: "CTR", Direction: Increase, Intent: Increase, Amount: 0.3, Unit: UnitAbsolute, Deadline: day("2026-12-31"), DeadlineText: "next month"}},
	{text: "get 25 percent more leads by end of Q1", want: Goal{Metric: "leads", MetricLabel: "leads", Direction: Increase, Intent: Increase, Amount: 25, Unit: UnitPercent, Deadline: day("2027-03-31"), DeadlineText: "by end of Q1"}},
	{text: "reduce CAC by a quarter in H1", want: Goal{Metric: "cac", MetricLabel: "CAC", Direction: Decrease, Intent: Decrease, Amount: 25, Unit: UnitPercent, Deadline: day("2027-06-30"), DeadlineText: "in H1"}},
	{text: "increase impressions 3-fold by Christmas", want: Goal{Metric: "impressions", MetricLabel: "impressions", Direction: Increase, Intent: Increase, Amount: 3, Unit: UnitMultiple, Deadline: day("2026-12-25"), DeadlineText: "by Christmas"}},
	{text: "grow revenue by 1.2 million euros in 2027", want: Goal{Metric: "revenue", MetricLabel: "revenue", Direction: Increase, Intent: Increase, Amount: 1.2e+06, Unit: UnitCurrency, Currency: "EUR", Deadline: day("2027-12-31"), DeadlineText: "in 2027"}},
	{text: "hit 50,000 sessions a month by mid Q2", want: Goal{Metric: "sessions", MetricLabel: "sessions", Direction: Reach, Amount: 50000, Unit: UnitAbsolute, Deadline: day("2027-05-16"), DeadlineText: "by mid Q2"}},
	{text: "improve conversion rate to 3.5% by the start of next quarter", want: Goal{Metric: "conversion_rate", MetricLabel: "conversion rate", Direction: Reach, Intent: Increase, Amount: 3.5, Unit: UnitAbsolute, Deadline: day("2027-01-01"), DeadlineText: "by the start of next quarter"}},
	{text: "grow clicks 12% week over week", want: Goal{Metric: "clicks", MetricLabel: "clicks", Direction: Increase, Intent: Increase, Amount: 12, Unit: UnitPercent, Deadline: day("2026-11-29"), DeadlineText: "week over week", Basis: "wow"}},
	{text: "reach 1M impressions in 3 weeks", want: Goal{Metric: "impressions", MetricLabel: "impressions", Direction: Reach, Amount: 1e+06, Unit: UnitAbsolute, Deadline: day("2026-12-16"), DeadlineText: "in 3 weeks"}},
	{text: "increase conversions by half by EOQ", want: Goal{Metric: "conversions", MetricLabel: "conversions", Direction: Increase, Intent: Increase, Amount: 50, Unit: UnitPercent, Deadline: day("2026-12-31"), DeadlineText: "by EOQ"}},
	{text: "cut CPA by $8 a year from now", want: Goal{Metric: "cpa", MetricLabel: "CPA", Direction: Decrease, Intent: Decrease, Amount: 8, Unit: UnitCurrency, Currency: "USD", Deadline: day("2027-11-25"), DeadlineText: "a year from now"}},
	{text: "reduce churn by 20 basis points by Cyber Monday", want: Goal{Metric: "churn_rate", MetricLabel: "churn", Direction: Decrease, Intent: Decrease, Amount: 0.2, Unit: UnitAbsolute, Deadline: day("2026-11-30"), DeadlineText: "by Cyber Monday"}},
	{text: "grow followers from 12.5k to 20k by year-end", want: Goal{Metric: "followers", MetricLabel: "followers", Direction: Increase, Intent: Increase, Amount: 1.6, Unit: UnitMultiple, Baseline: 12500, Deadline: day("2026-12-31"), DeadlineText: "by year-end"}},

	// Malformed goals.
	{text: "", err: ErrEmpty, field: "goal"},
	{text: " \t ", err: ErrEmpty, field: "goal"},
	{text: strings.Repeat("leads ", 200), err: ErrTooLong, field: "goal"},
	{text: "increase leads by lots", err: ErrBadAmount, field: "amount", part: "by lots"},
	{text: "increase leads by", err: ErrBadAmount, field: "amount", part: "by"},
	{text: "cut CPA to $35 by Smarch", err: ErrBadDeadline, field: "deadline", part: "by Smarch"},
	{text: "increase leads by 20% by Febuary", err: ErrBadDeadline, field: "deadline", part: "by Febuary"},
	{text: "increase leads by 50000%", err: ErrBadAmount, field: "amount", part: "by 50000%"},
	{text: "increase blorps by 20%", err: ErrNoMetric, field: "metric", part: "blorps"},
	{text: "by Q3", err: ErrNoMetric, field: "metric"},
	{text: "increase leads", err: ErrNoChange, field: "change", part: "increase leads"},
	{text: "leads 20% by Q3", err: ErrNoChange, field: "change", part: "20%"},
	{text: "reduce CPA by 0%", err: ErrNoChange, field: "change", part: "by 0%"},
	{text: "increase CPA from $40 to $35", err: ErrConflict, field: "direction", part: "from $40 to $35"},
	{text: "improve CTR from 3% to 2%", err: ErrConflict, field: "direction", part: "from 3% to 2%"},
	{text: "increase leads by -20%", err: ErrConflict, field: "direction", part: "by -20%"},
	{text: "increase leads 0.5x", err: ErrConflict, field: "direction", part: "0.5x"},
	{text: "increase leads and signups by 20%", err: ErrConflict, field: "metric", part: "signups"},
	{text: "increase leads by 20% in Q3 by March", err: ErrConflict, field: "deadline", part: "by March"},
	{text: "double leads by 20%", err: ErrConflict, field: "change", part: "by 20%"},
	{text: "increase leads by 20% 30%", err: ErrConflict, field: "amount", part: "30%"},
	{text: "increase leads by 10% with a $10k budget and a $20k budget", err: ErrConflict, field: "budget", part: "and a $20k budget"},
	{text: "increase leads by 10% with a -$5k budget", err: ErrBadBudget, field: "budget", part: "-$5k"},
	{text: "increase leads by 10% with a $lots budget", err: ErrBadBudget, field: "budget", part: "with a $lots budget"},
	{text: "increase leads by 20% with a budget of $0", err: ErrBadBudget, field: "budget", part: "$0"},
	{text: "increase CTR to 150%", err: ErrBadAmount, field: "amount", part: "to 150%"},
	{text: "get leads to $500", err: ErrBadAmount, field: "amount", part: "to $500"},
	{text: "increase leads by 5 points", err: ErrBadAmount, field: "amount", part: "by 5 points"},
	{text: "reduce churn by 120%", err: ErrBadAmount, field: "amount", part: "by 120%"},
	{text: "increase revenue by $5k EUR", err: ErrBadAmount, field: "amount", part: "$5k EUR"},
	{text: "increase leads to 0", err: ErrBadAmount, field: "amount", part: "to 0"},
	{text: "increase leads in Q5", err: ErrBadDeadline, field: "deadline", part: "Q5"},
	{text: "increase leads by 20% by June 31", err: ErrBadDeadline, field: "deadline", part: "June 31"},
	{text: "reduce CPA by 20% by 2027-02-30", err: ErrBadDeadline, field: "deadline", part: "2027-02-30"},
	{text: "increase leads by 20% by 6/30", err: ErrBadDeadline, field: "deadline", part: "6/30"},
	{text: "increase leads by 20% by March 2025", err: ErrBadDeadline, field: "deadline", part: "by March 2025"},
	{text: "increase leads by 20% in 0 days", err: ErrBadDeadline, field: "deadline", part: "0 days"},
	// Budgets that are no budgets, or a second one.
	{text: "get 300 leads for $50 a lead", err: ErrConflict, field: "amount", part: "$50"},
	{text: "increase leads by 20% with 25k spend and a $10k budget", err: ErrConflict, field: "budget", part: "and a $10k budget"},
	{text: "increase leads by 20% with -5k spend", err: ErrBadBudget, field: "budget", part: "-5k"},
	{text: "increase leads by 20% with 0 spend", err: ErrBadBudget, field: "budget", part: "0"},
	{text: "get leads for $50 each", err: ErrBadAmount, field: "amount", part: "$50"},
}

func TestParse(t *testing.T) {
	var good, bad int
	for _, tc := range parseCases {
		got, err := Parse(tc.text, testNow)
		if tc.err != nil {
			bad++
			if pe := assertParseError(t, err, tc.err, tc.part, "Parse(%q)", tc.text); pe != nil {
				assert.Equal(t, tc.field, pe.Field, "Parse(%q) error field", tc.text)
				assert.Equal(t, tc.text, pe.Text, "Parse(%q) error text", tc.text)
			}
			assert.Zero(t, got, "Parse(%q) returned a goal with its error", tc.text)
			continue
		}
		good++
		if !assert.NoError(t, err, "Parse(%q)", tc.text) {
			continue
		}
		want := tc.want
		want.Text = tc.text
		// Compare amounts to rounding; everything else exactly.
		assertClose(t, want.Amount, got.Amount, "Parse(%q) amount", tc.text)
		assertClose(t, want.Baseline, got.Baseline, "Parse(%q) baseline", tc.text)
		got.Amount, got.Baseline, want.Amount, want.Baseline = 0, 0, 0, 0
		assert.Equal(t, want, got, "Parse(%q)", tc.text)
	}
	assert.GreaterOrEqual(t, good, 114, "goals in the table")
	assert.GreaterOrEqual(t, bad, 42, "malformed goals in the table")
}

// assertClose asserts that got is want to rounding: within 1e-9, relative
// to want when want is over 1.
func assertClose(t *testing.T, want, got float64, msgAndArgs ...any) bool {
	t.Helper()
	return assert.InDelta(t, want, got, 1e-9*math.Max(1, math.Abs(want)), msgAndArgs...)
}

// assertParseError asserts that err is a *ParseError wrapping sentinel and
// naming part, and returns the *ParseError (nil when err is none).
func assertParseError(t *testing.T, err, sentinel error, part string, msgAndArgs ...any) *ParseError {
	t.Helper()
	var pe *ParseError
	if !assert.ErrorIs(t, err, sentinel, msgAndArgs...) || !assert.ErrorAs(t, err, &pe, msgAndArgs...) {
		return nil
	}
	assert.Equal(t, part, pe.Part, msgAndArgs...)
	return pe
}
