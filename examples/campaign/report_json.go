package main

import (
	"encoding/json"
	"io"
	"math"
	"time"

	"github.com/strata-go/strata/fallback"
)

// jsonReport is the -json output: one object.
type jsonReport struct {
	Brief      brief   `json:"brief"`
	Budget     float64 `json:"budget"`
	DataCost   float64 `json:"data_cost"`
	DataBudget float64 `json:"data_budget"`
	Faults     string  `json:"faults,omitempty"`
	Demand     struct {
		Multiplier   float64    `json:"multiplier"`
		Range        [2]float64 `json:"range"`
		ShareOfVoice float64    `json:"share_of_voice"`
	} `json:"demand"`
	Goal      string            `json:"goal"`
	Plan      []jsonLine        `json:"plan"`
	Total     jsonLine          `json:"total"`
	Layers    map[string]int    `json:"layers"`
	Figures   []jsonFigure      `json:"figures"`
	Snapshot  fallback.Snapshot `json:"snapshot"`
	ElapsedMs float64           `json:"elapsed_ms"`
}

type jsonLine struct {
	Channel             string     `json:"channel,omitempty"`
	Keyword             string     `json:"keyword,omitempty"`
	Amount              float64    `json:"amount"`
	Share               float64    `json:"share"`
	CPC                 float64    `json:"cpc"`
	CTR                 float64    `json:"ctr,omitempty"`
	ConversionRate      float64    `json:"conversion_rate,omitempty"`
	CPA                 float64    `json:"cpa"`
	ExpectedClicks      float64    `json:"expected_clicks"`
	ClicksRange         [2]float64 `json:"expected_clicks_range"`
	ExpectedImpressions float64    `json:"expected_impressions"`
	ExpectedConversions float64    `json:"expected_conversions"`
	ConversionsRange    [2]float64 `json:"expected_conversions_range"`
}

type jsonFigure struct {
	DataType   string              `json:"data_type"`
	Params     fallback.Params     `json:"params"`
	Value      float64             `json:"value"`
	Range      [2]float64          `json:"range"`
	RangeFrom  string              `json:"range_from"`
	Intervals  []fallback.Interval `json:"intervals,omitempty"`
	Layer      string              `json:"layer"`
	Source     string              `json:"source"`
	Confidence float64             `json:"confidence"`
	Freshness  float64             `json:"freshness"`
	ObservedAt time.Time           `json:"observed_at"`
	AgeSeconds float64             `json:"age_seconds"`
	Cost       float64             `json:"cost"`
	Trail      string              `json:"trail"`
	Attempts   []fallback.Attempt  `json:"attempts,omitempty"`
	Error      string              `json:"error,omitempty"`
}

func jsonOf(l line) jsonLine {
	return jsonLine{
		Channel: l.Channel, Keyword: l.Keyword,
		Amount: l.Amount(), Share: round(l.Share, 6),
		CPC: l.CPC, CTR: l.CTR, ConversionRate: l.CR, CPA: l.CPA,
		ExpectedClicks: round(l.Clicks, 2), ClicksRange: [2]float64{round(l.ClicksLo, 2), round(l.ClicksHi, 2)},
		ExpectedImpressions: round(l.Impressions, 0),
		ExpectedConversions: round(l.Conversions, 3), ConversionsRange: [2]float64{round(l.ConvLo, 3), round(l.ConvHi, 3)},
	}
}

func round(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(v*p) / p
}

// writeJSON writes the generation as one indented JSON object.
func writeJSON(w io.Writer, g *generation) error {
	r := jsonReport{
		Brief: g.Brief, Budget: g.Brief.Budget, DataCost: round(g.DataCost, 9), DataBudget: g.DataBudget,
		Faults: g.Faults, Goal: g.Plan.Goal, Snapshot: g.Snapshot,
		ElapsedMs: float64(g.Elapsed.Microseconds()) / 1000,
		Layers:    map[string]int{},
	}
	r.Demand.Multiplier = round(g.Plan.Demand, 6)
	r.Demand.Range = [2]float64{round(g.Plan.DemandLo, 6), round(g.Plan.DemandHi, 6)}
	r.Demand.ShareOfVoice = round(g.Plan.ShareOfVoice, 6)
	r.Plan = make([]jsonLine, 0, len(g.Plan.Lines))
	for _, l := range g.Plan.Lines {
		r.Plan = append(r.Plan, jsonOf(l))
	}
	r.Total = jsonOf(g.Plan.Total)
	c := g.layerCounts()
	for _, l := range fallback.Layers {
		r.Layers[l.String()] = c[l]
	}
	for _, f := range g.Figures.All {
		jf := jsonFigure{DataType: f.DataType, Params: f.Params, Trail: trail(f), Cost: f.Result.Cost, Attempts: f.Result.Attempts}
		if f.Err != nil {
			jf.Error = f.Err.Error()
		} else {
			res := f.Result
			lo, hi, how := span(f)
			jf.Value, jf.Range, jf.RangeFrom, jf.Intervals = res.Value, [2]float64{lo, hi}, how, res.Intervals
			jf.Layer, jf.Source, jf.Confidence, jf.Freshness = res.Layer.String(), res.Source, res.Confidence, res.Freshness
			jf.ObservedAt, jf.AgeSeconds = res.ObservedAt, g.age(f).Seconds()
		}
		r.Figures = append(r.Figures, jf)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
