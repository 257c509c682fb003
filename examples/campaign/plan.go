package main

import (
	"fmt"
	"math"
)

// plan is the campaign: the monthly budget split across (channel,
// keyword) lines, with what each line is expected to bring.
//
// The rule, kept simple on purpose so a reader can check it by hand:
//
//   - Every line has an efficiency for the goal — conversions per dollar
//     (conversion rate / CPC), clicks per dollar (1 / CPC), or impressions
//     per dollar (1 / (CPC × CTR)) — and gets a share of the budget
//     proportional to it. Proportional, not all-on-the-best: spending on
//     one line has diminishing returns that the figures do not describe,
//     so the money is spread, leaning to the efficient lines.
//   - Amounts are rounded down to cents, and the cents left over go to the
//     largest line, so the lines add up to the budget exactly.
//   - Expected clicks = amount / CPC; impressions = clicks / CTR;
//     conversions = clicks × conversion rate × demand, where demand =
//     seasonality index × (1 + market growth): the month's demand against
//     the yearly mean the conversion rate is measured on, grown by the
//     market's trend.
//   - Ranges carry each figure's span (see span): the low end of clicks
//     uses the high end of CPC, and so on. Multiplying bounds gives a
//     deliberately pessimistic envelope, not a statistical interval.
type plan struct {
	Goal  string
	Lines []line
	Total line
	// Demand is the demand multiplier and its range.
	Demand, DemandLo, DemandHi float64
	// ShareOfVoice is the budget's share of the market's ad spend:
	// budget / (budget + competitor spend).
	ShareOfVoice float64
}

// line is one (channel, keyword) allocation.
type line struct {
	Channel, Keyword string
	Cents            int64
	Share            float64
	CPC, CTR, CR     float64
	// CPA is the expected cost per conversion.
	CPA                         float64
	Clicks, ClicksLo, ClicksHi  float64
	Impressions                 float64
	Conversions, ConvLo, ConvHi float64
	efficiency                  float64
}

// Amount is the line's budget in money.
func (l line) Amount() float64 { return float64(l.Cents) / 100 }

// makePlan plans b's campaign from its resolved figures.
func makePlan(b brief, fs *figures) (plan, error) {
	val := func(i int) float64 { return fs.All[i].Result.Value }
	season, growth := fs.All[fs.season], fs.All[fs.growth]
	sLo, sHi, _ := span(season)
	gLo, gHi, _ := span(growth)
	p := plan{
		Goal:     b.Goal,
		Demand:   season.Result.Value * (1 + growth.Result.Value),
		DemandLo: math.Max(sLo, 0) * math.Max(1+gLo, 0),
		DemandHi: sHi * (1 + gHi),
	}
	if spend := val(fs.spend); spend >= 0 {
		p.ShareOfVoice = b.Budget / (b.Budget + spend)
	}

	var sum float64
	for _, ch := range fs.channels {
		for _, kw := range fs.keywords {
			l := line{
				Channel: ch, Keyword: kw,
				CPC: val(fs.cpc[ch][kw]), CTR: val(fs.ctr[ch][kw]), CR: val(fs.convRate[ch]),
			}
			if !(l.CPC > 0) || !(l.CTR > 0) || !(l.CR > 0) {
				return plan{}, fmt.Errorf("plan: %s/%s: CPC %v, CTR %v and conversion rate %v must be positive", ch, kw, l.CPC, l.CTR, l.CR)
			}
			l.CPA = l.CPC / (l.CR * p.Demand)
			switch b.Goal {
			case goalClicks:
				l.efficiency = 1 / l.CPC
			case goalImpressions:
				l.efficiency = 1 / (l.CPC * l.CTR)
			default:
				l.efficiency = l.CR / l.CPC
			}
			sum += l.efficiency
			p.Lines = append(p.Lines, l)
		}
	}

	// Split the budget in cents, largest line taking the remainder.
	budget := int64(math.Round(b.Budget * 100))
	var given int64
	largest := 0
	for i := range p.Lines {
		l := &p.Lines[i]
		l.Cents = int64(math.Floor(float64(budget) * l.efficiency / sum))
		given += l.Cents
		if l.Cents > p.Lines[largest].Cents {
			largest = i
		}
	}
	p.Lines[largest].Cents += budget - given

	for i := range p.Lines {
		l := &p.Lines[i]
		cpcLo, cpcHi, _ := span(fs.All[fs.cpc[l.Channel][l.Keyword]])
		crLo, crHi, _ := span(fs.All[fs.convRate[l.Channel]])
		// A forecast's interval may reach below zero; no CPC is free.
		cpcLo = math.Max(cpcLo, l.CPC/10)
		crLo = math.Max(crLo, 0)
		amount := l.Amount()
		l.Share = float64(l.Cents) / float64(budget)
		l.Clicks, l.ClicksLo, l.ClicksHi = amount/l.CPC, amount/cpcHi, amount/cpcLo
		l.Impressions = l.Clicks / l.CTR
		l.Conversions = l.Clicks * l.CR * p.Demand
		l.ConvLo = l.ClicksLo * crLo * p.DemandLo
		l.ConvHi = l.ClicksHi * crHi * p.DemandHi

		t := &p.Total
		t.Cents += l.Cents
		t.Clicks += l.Clicks
		t.ClicksLo += l.ClicksLo
		t.ClicksHi += l.ClicksHi
		t.Impressions += l.Impressions
		t.Conversions += l.Conversions
		t.ConvLo += l.ConvLo
		t.ConvHi += l.ConvHi
	}
	p.Total.Share = 1
	if p.Total.Conversions > 0 {
		p.Total.CPA = p.Total.Amount() / p.Total.Conversions
	}
	if p.Total.Clicks > 0 {
		p.Total.CPC = p.Total.Amount() / p.Total.Clicks
	}
	return p, nil
}
