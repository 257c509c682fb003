package worldbank_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/providertest"
	"github.com/strata-go/strata/providers/worldbank"
)

// replay serves the World Bank's documented bodies from testdata: errors
// come, as from the real API, with status 200.
type replay struct {
	t    testing.TB
	mu   sync.Mutex
	last *http.Request
}

func (rp *replay) request() *http.Request {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return rp.last
}

func (rp *replay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rp.mu.Lock()
	rp.last = r
	rp.mu.Unlock()
	send := func(name string) {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			rp.t.Error(err)
		}
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		_, _ = w.Write(b)
	}
	// /v2/country/{country}/indicator/{indicator}
	parts := strings.Split(r.URL.Path, "/")
	if len(parts) != 6 || parts[1] != "v2" || parts[2] != "country" || parts[4] != "indicator" || r.URL.Query().Get("format") != "json" {
		http.NotFound(w, r)
		return
	}
	country, indicator := parts[3], parts[5]
	switch {
	case country == "hang":
		<-r.Context().Done()
	case country == "DOWN":
		send("error_service_unavailable.json")
	case country == "OVERLOAD":
		w.Header().Set("Retry-After", "30")
		http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
	case country == "XXX":
		send("error_invalid_value.json")
	case indicator == "NOT.AN.INDICATOR":
		send("error_indicator_not_found.json")
	case country == "SSD":
		send("no_data.json")
	case indicator == "NY.GDP.MKTP.CD":
		send("indicator_annual.json")
	case indicator == "FP.CPI.TOTL.ZG":
		send("indicator_with_nulls.json")
	case indicator == "DPANUSSPB":
		send("indicator_monthly.json")
	case indicator == "DP.DOD.DECD.CR.BC.CD":
		send("indicator_quarterly.json")
	default:
		send("error_invalid_value.json")
	}
}

func newProvider(t testing.TB) (*worldbank.Provider, *replay) {
	rp := &replay{t: t}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	p, err := worldbank.New(worldbank.Config{Client: srv.Client(), BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return p, rp
}

func request(country, indicator string) providers.Request {
	return providers.Request{DataType: "development_indicator", Params: map[string]string{"country": country, "indicator": indicator}}
}

func TestLatestValue(t *testing.T) {
	p, rp := newProvider(t)
	tests := []struct {
		country, indicator string
		value              float64
		at                 time.Time
	}{
		{"US", "NY.GDP.MKTP.CD", 27360935000000, time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"DEU", "FP.CPI.TOTL.ZG", 5.94575230296299, time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}, // 2024 is null
		{"BR", "DPANUSSPB", 4.91485, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"CHL", "DP.DOD.DECD.CR.BC.CD", 97123456789.1, time.Date(2023, 10, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		res, err := p.Fetch(context.Background(), request(tt.country, tt.indicator))
		if err != nil {
			t.Fatalf("%s %s: %v", tt.country, tt.indicator, err)
		}
		if res.Value != tt.value || !res.ObservedAt.Equal(tt.at) {
			t.Errorf("%s %s: %+v, want %v at %v", tt.country, tt.indicator, res, tt.value, tt.at)
		}
	}
	r := rp.request()
	if r.URL.Path != "/v2/country/CHL/indicator/DP.DOD.DECD.CR.BC.CD" || r.URL.RawQuery != "format=json&mrnev=1" {
		t.Errorf("request = %s", r.URL)
	}
	if got := p.Params("development_indicator"); !reflect.DeepEqual(got, []string{"country", "indicator"}) {
		t.Errorf("Params = %v", got)
	}
	if p.Params("x") != nil || !reflect.DeepEqual(p.DataTypes(), []string{"development_indicator"}) {
		t.Error("DataTypes/Params")
	}
}

func TestErrors(t *testing.T) {
	p, _ := newProvider(t)
	tests := []struct {
		name       string
		req        providers.Request
		class      providers.Class
		retryAfter time.Duration
		text       string
	}{
		{"unknown country", request("XXX", "NY.GDP.MKTP.CD"), providers.Permanent, 0, "The provided parameter value is not valid"},
		{"unknown indicator", request("US", "NOT.AN.INDICATOR"), providers.Permanent, 0, "The indicator was not found"},
		{"no data", request("SSD", "NY.GDP.MKTP.CD"), providers.Permanent, 0, "no data for this country and indicator"},
		{"service unavailable", request("DOWN", "NY.GDP.MKTP.CD"), providers.Unavailable, 0, "service currently unavailable"},
		{"rate limited", request("OVERLOAD", "NY.GDP.MKTP.CD"), providers.RateLimit, 30 * time.Second, "429"},
		{"path traversal in a param", request("..", "NY.GDP.MKTP.CD"), providers.Permanent, 0, "invalid param"},
		{"missing indicator", providers.Request{DataType: "development_indicator", Params: map[string]string{"country": "US"}}, providers.Permanent, 0, "missing param"},
		{"unknown data type", providers.Request{DataType: "cpc"}, providers.Permanent, 0, "unknown data type"},
	}
	for _, tt := range tests {
		_, err := p.Fetch(context.Background(), tt.req)
		var pe *providers.Error
		if !errors.As(err, &pe) {
			t.Fatalf("%s: %v is not a *providers.Error", tt.name, err)
		}
		if pe.Class != tt.class || pe.RetryAfter != tt.retryAfter || !strings.Contains(err.Error(), tt.text) {
			t.Errorf("%s: %v (class %v, retry after %v); want %v, %v, %q", tt.name, err, pe.Class, pe.RetryAfter, tt.class, tt.retryAfter, tt.text)
		}
	}
	// A slash in a param stays inside its path segment.
	_, err := p.Fetch(context.Background(), request("US/../../admin", "NY.GDP.MKTP.CD"))
	if providers.Classify(err) != providers.Permanent {
		t.Errorf("slash in country: %v", err)
	}
}

func TestNewValidation(t *testing.T) {
	for _, cfg := range []worldbank.Config{
		{},
		{Client: http.DefaultClient, BaseURL: "://x"},
		{Client: http.DefaultClient, BaseURL: "https://api.worldbank.org#x"},
		{Client: http.DefaultClient, MaxBodyBytes: -1},
	} {
		_, err := worldbank.New(cfg)
		if !errors.Is(err, worldbank.ErrInvalidConfig) || !strings.HasPrefix(err.Error(), "worldbank: invalid config: ") {
			t.Errorf("New(%+v) = %v, want ErrInvalidConfig", cfg, err)
		}
	}
}

func TestConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) providertest.Subject {
		p, _ := newProvider(t)
		hang := request("hang", "NY.GDP.MKTP.CD")
		return providertest.Subject{
			Provider: p,
			Request:  request("US", "NY.GDP.MKTP.CD"),
			Hang:     &hang,
			Failures: []providertest.Failure{
				{Name: "unknown country", Request: request("XXX", "NY.GDP.MKTP.CD"), Class: providers.Permanent},
				{Name: "no data", Request: request("SSD", "NY.GDP.MKTP.CD"), Class: providers.Permanent},
				{Name: "service unavailable", Request: request("DOWN", "NY.GDP.MKTP.CD"), Class: providers.Unavailable},
				{Name: "rate limited", Request: request("OVERLOAD", "NY.GDP.MKTP.CD"), Class: providers.RateLimit},
			},
		}
	})
}
