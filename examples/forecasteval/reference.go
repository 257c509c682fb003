package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/strata-go/strata/stats"
)

// refKey names one reference forecast: a series and a method.
type refKey struct{ id, method string }

// refForecast is a reference point forecast and the model that made it.
type refForecast struct {
	model string
	mean  []float64
}

// readReferenceFile reads reference forecasts in the layout -out writes
// (id,method,model,mean,lo80,hi80,lo95,hi95, with a header; only id,
// method, model and mean are used).
func readReferenceFile(path string) (map[refKey]refForecast, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	refs, err := readReference(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return refs, nil
}

func readReference(r io.Reader) (map[refKey]refForecast, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	hdr, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading header: %w", err)
	}
	col := map[string]int{}
	for i, h := range hdr {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{"id", "method", "mean"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("header has no %q column", need)
		}
	}
	out := map[refKey]refForecast{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		get := func(k string) string {
			if i, ok := col[k]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		mean, err := parseNums(get("mean"))
		if err != nil {
			return nil, fmt.Errorf("line %d: mean: %w", line, err)
		}
		out[refKey{get("id"), get("method")}] = refForecast{model: get("model"), mean: mean}
	}
}

// Comparison is a method's forecasts against the reference forecasts of
// one reference method, over the series both have.
type Comparison struct {
	// Method is the reference method compared with.
	Method string `json:"method"`
	// Series is the number of series compared (those the reference has,
	// with as many values as the horizon).
	Series int `json:"series"`
	// Within1 counts the series whose forecasts are within 1 % of the
	// reference's: the mean over the horizon of |f − r| / |r| (a zero
	// reference value counts as |f − r|) is at most 0.01.
	Within1 int `json:"within_1pct"`
	// SameModel counts the series whose model names are equal, case
	// aside ("arima(0,1,1) with drift" and R's "ARIMA(0,1,1) with drift").
	SameModel int `json:"same_model"`
	// SMAPE and RefSMAPE are the mean sMAPEs of the method and of the
	// reference on the compared series.
	SMAPE    float64 `json:"smape"`
	RefSMAPE float64 `json:"ref_smape"`
}

// compareReference compares fcs, the forecasts of series, with method's
// reference forecasts.
func compareReference(series []Series, fcs []stats.Forecast, refs map[refKey]refForecast, method string) *Comparison {
	c := &Comparison{Method: method}
	for i, s := range series {
		r, ok := refs[refKey{s.ID, method}]
		f := fcs[i]
		if !ok || len(r.mean) != len(s.Test) || len(f.Mean) != len(s.Test) {
			continue
		}
		h := float64(len(s.Test))
		d := 0.0
		for k, rv := range r.mean {
			diff := math.Abs(f.Mean[k] - rv)
			if rv != 0 {
				diff /= math.Abs(rv)
			}
			d += diff / h
			c.SMAPE += smape(s.Test[k], f.Mean[k]) / h
			c.RefSMAPE += smape(s.Test[k], rv) / h
		}
		c.Series++
		if d <= 0.01 {
			c.Within1++
		}
		if strings.EqualFold(f.Model, r.model) {
			c.SameModel++
		}
	}
	if c.Series > 0 {
		c.SMAPE /= float64(c.Series)
		c.RefSMAPE /= float64(c.Series)
	}
	return c
}

// smape is the M3 symmetric absolute percentage error of f against y, in
// percent; 0 when both are 0.
func smape(y, f float64) float64 {
	d := math.Abs(y) + math.Abs(f)
	if d == 0 {
		return 0
	}
	return 200 * math.Abs(y-f) / d
}
