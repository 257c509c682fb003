package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testFREDKey = "abcdefghijklmnopqrstuvwxyz123456"
	testAVKey   = "AVTESTKEY1234567"
)

// apis stands in for FRED, the World Bank and Alpha Vantage on loopback,
// checking that each request carries what the real API needs.
type apis struct {
	fred, worldbank, alphavantage *httptest.Server
	calls                         atomic.Int64
}

func newAPIs(t *testing.T) *apis {
	a := &apis{}
	a.fred = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.calls.Add(1)
		q := r.URL.Query()
		if r.URL.Path != "/fred/series/observations" || q.Get("api_key") != testFREDKey || q.Get("units") != "pc1" || q.Get("series_id") != "RSXFS" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error_code":400,"error_message":"Bad Request.  The series does not exist."}`)
			return
		}
		fmt.Fprint(w, `{"sort_order":"desc","observations":[{"date":"2025-09-01","value":"."},{"date":"2025-08-01","value":"4.10"}]}`)
	}))
	a.worldbank = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.calls.Add(1)
		if r.URL.Path != "/v2/country/gb/indicator/NY.GDP.MKTP.KD.ZG" {
			fmt.Fprint(w, `[{"message":[{"id":"120","key":"Invalid value","value":"The provided parameter value is not valid"}]}]`)
			return
		}
		fmt.Fprint(w, `[{"page":1,"pages":1,"per_page":50,"total":1},[{"country":{"id":"GB","value":"United Kingdom"},"date":"2024","value":1.1}]]`)
	}))
	a.alphavantage = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.calls.Add(1)
		q := r.URL.Query()
		if q.Get("apikey") != testAVKey || q.Get("function") != "GLOBAL_QUOTE" || q.Get("symbol") != "XRT" {
			fmt.Fprint(w, `{"Error Message": "Invalid API call."}`)
			return
		}
		fmt.Fprint(w, `{"Global Quote": {"01. symbol": "XRT", "05. price": "81.2000", "07. latest trading day": "2025-11-21"}}`)
	}))
	t.Cleanup(func() { a.fred.Close(); a.worldbank.Close(); a.alphavantage.Close() })
	return a
}

func (a *apis) flags(extra ...string) []string {
	return append([]string{"-json",
		"-fred-key", testFREDKey, "-alphavantage-key", testAVKey,
		"-fred-url", a.fred.URL, "-worldbank-url", a.worldbank.URL, "-alphavantage-url", a.alphavantage.URL,
	}, extra...)
}

type realReport struct {
	Figures []struct {
		DataType string  `json:"data_type"`
		Value    float64 `json:"value"`
		Layer    string  `json:"layer"`
		Source   string  `json:"source"`
		Error    string  `json:"error"`
	} `json:"figures"`
	Snapshot struct {
		Providers []struct {
			Name string `json:"name"`
		} `json:"providers"`
	} `json:"snapshot"`
}

func runReal(t *testing.T, args []string) (realReport, string) {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), args, &out))
	var r realReport
	require.NoError(t, json.Unmarshal(out.Bytes(), &r), out.String())
	return r, out.String()
}

func (r realReport) figure(t *testing.T, dataType string) (v float64, layer, source string) {
	t.Helper()
	for _, f := range r.Figures {
		if f.DataType == dataType {
			return f.Value, f.Layer, f.Source
		}
	}
	require.Failf(t, "no figure", "no %s figure", dataType)
	return 0, "", ""
}

// The real adapters run against loopback stand-ins: never the network.
func TestRunRealAdapters(t *testing.T) {
	a := newAPIs(t)

	r, out := runReal(t, a.flags())
	v, layer, source := r.figure(t, "market_growth")
	assert.Equal(t, "fred", source, "FRED is the primary for US growth")
	assert.Equal(t, "primary", layer)
	assert.InDelta(t, 0.041, v, 1e-12, "percent → fraction")
	v, layer, source = r.figure(t, "sector_price")
	assert.Equal(t, "alphavantage", source)
	assert.Equal(t, "primary", layer)
	assert.InDelta(t, 81.2, v, 1e-12)
	var names []string
	for _, p := range r.Snapshot.Providers {
		names = append(names, p.Name)
	}
	assert.Equal(t, []string{"ads_api", "analytics", "market_data", "benchmarks", "fred", "worldbank", "alphavantage"}, names)
	assert.NotContains(t, out, testFREDKey, "keys never reach the output")
	assert.NotContains(t, out, testAVKey)

	// FRED has US data only; with the fake market source and benchmarks
	// down, the World Bank answers the UK's growth as a secondary.
	r, _ = runReal(t, a.flags("-market", "uk", "-outage", "market_data,benchmarks"))
	v, layer, source = r.figure(t, "market_growth")
	assert.Equal(t, "worldbank", source)
	assert.Equal(t, "secondary", layer)
	assert.InDelta(t, 0.011, v, 1e-12)

	// The text report shows the market context.
	var text bytes.Buffer
	require.NoError(t, run(t.Context(), a.flags()[1:], &text))
	assert.Contains(t, text.String(), "Market context: XRT at $81.20 (alphavantage,")
	assert.NotContains(t, text.String(), testFREDKey)
}

func TestRunRealAdapterFailureIsContained(t *testing.T) {
	a := newAPIs(t)
	// A wrong Alpha Vantage key: the sector price is optional, so the
	// plan is still made and the figure shows as unanswered.
	args := a.flags()
	for i := range args {
		if args[i] == testAVKey {
			args[i] = "WRONGKEY"
		}
	}
	r, _ := runReal(t, args)
	for _, f := range r.Figures {
		if f.DataType == "sector_price" {
			assert.NotEmpty(t, f.Error)
			assert.NotContains(t, f.Error, "WRONGKEY")
		}
	}
}

func TestRunWithoutKeysStaysOffline(t *testing.T) {
	a := newAPIs(t)
	// Base URLs alone do not turn the real providers on.
	r, _ := runReal(t, []string{"-json", "-fred-url", a.fred.URL, "-worldbank-url", a.worldbank.URL, "-alphavantage-url", a.alphavantage.URL})
	assert.Len(t, r.Snapshot.Providers, 4)
	assert.Zero(t, a.calls.Load())
}
