package worldbank_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/internal/adaptertest"
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
	send := func(name string) { adaptertest.Send(rp.t, w, http.StatusOK, "application/json;charset=utf-8", name) }
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
	srv := adaptertest.Serve(t, rp)
	p, err := worldbank.New(worldbank.Config{Client: srv.Client(), BaseURL: srv.URL})
	require.NoError(t, err)
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
		require.NoError(t, err, "%s %s", tt.country, tt.indicator)
		assert.Equal(t, tt.value, res.Value, "%s %s", tt.country, tt.indicator)
		assert.Equal(t, tt.at, res.ObservedAt, "%s %s", tt.country, tt.indicator)
	}
	r := rp.request()
	assert.Equal(t, "/v2/country/CHL/indicator/DP.DOD.DECD.CR.BC.CD", r.URL.Path)
	assert.Equal(t, "format=json&mrnev=1", r.URL.RawQuery)
	assert.Equal(t, []string{"country", "indicator"}, p.Params("development_indicator"))
	assert.Nil(t, p.Params("x"))
	assert.Equal(t, []string{"development_indicator"}, p.DataTypes())
}

func TestErrors(t *testing.T) {
	p, _ := newProvider(t)
	gdp := func(country string) providers.Request { return request(country, "NY.GDP.MKTP.CD") }
	adaptertest.CheckFailures(t, p, nil,
		adaptertest.Failure{Name: "unknown country", Request: gdp("XXX"), Class: providers.Permanent, Status: 200, Text: "The provided parameter value is not valid"},
		adaptertest.Failure{Name: "unknown indicator", Request: request("US", "NOT.AN.INDICATOR"), Class: providers.Permanent, Status: 200, Text: "The indicator was not found"},
		adaptertest.Failure{Name: "no data", Request: gdp("SSD"), Class: providers.Permanent, Status: 200, Text: "no data for this country and indicator"},
		adaptertest.Failure{Name: "service unavailable", Request: gdp("DOWN"), Class: providers.Unavailable, Status: 200, Text: "service currently unavailable"},
		adaptertest.Failure{Name: "rate limited", Request: gdp("OVERLOAD"), Class: providers.RateLimit, Status: 429, RetryAfter: 30 * time.Second, Text: "429"},
		adaptertest.Failure{Name: "path traversal in a param", Request: gdp(".."), Class: providers.Permanent, Text: "invalid param"},
		adaptertest.Failure{Name: "missing indicator", Request: providers.Request{DataType: "development_indicator", Params: map[string]string{"country": "US"}},
			Class: providers.Permanent, Text: "missing param"},
		adaptertest.Failure{Name: "unknown data type", Request: providers.Request{DataType: "cpc"}, Class: providers.Permanent, Text: "unknown data type"},
	)
	// A slash in a param stays inside its path segment.
	_, err := p.Fetch(context.Background(), gdp("US/../../admin"))
	assert.Equal(t, providers.Permanent, providers.Classify(err), "slash in country: %v", err)
	_, err = p.Fetch(context.Background(), providers.Request{DataType: "cpc"})
	assert.ErrorIs(t, err, worldbank.ErrUnknownDataType)
}

func TestNewValidation(t *testing.T) {
	adaptertest.CheckCommonConfig(t, worldbank.ErrInvalidConfig, func(client *http.Client, baseURL string, maxBodyBytes int64) error {
		_, err := worldbank.New(worldbank.Config{Client: client, BaseURL: baseURL, MaxBodyBytes: maxBodyBytes})
		return err
	})
}

func TestConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) providertest.Subject {
		p, _ := newProvider(t)
		gdp := func(country string) providers.Request { return request(country, "NY.GDP.MKTP.CD") }
		hang := gdp("hang")
		fail := func(name, country string, class providers.Class) providertest.Failure {
			return providertest.Failure{Name: name, Request: gdp(country), Class: class}
		}
		return providertest.Subject{Provider: p, Request: gdp("US"), Hang: &hang, Failures: []providertest.Failure{
			fail("unknown country", "XXX", providers.Permanent),
			fail("no data", "SSD", providers.Permanent),
			fail("service unavailable", "DOWN", providers.Unavailable),
			fail("rate limited", "OVERLOAD", providers.RateLimit),
		}}
	})
}
