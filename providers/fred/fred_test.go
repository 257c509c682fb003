package fred_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fred"
	"github.com/strata-go/strata/providers/providertest"
)

// testKey is 32 lower-case alphanumerics, as FRED's keys are.
const testKey = "abcdefghijklmnopqrstuvwxyz123456"

// replay serves FRED's documented bodies from testdata by series_id, with
// FRED's statuses, and keeps the last query it saw.
type replay struct {
	t    testing.TB
	mu   sync.Mutex
	last url.Values
}

func (rp *replay) query() url.Values {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return rp.last
}

func (rp *replay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	send := func(status int, name string) {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			rp.t.Error(err)
		}
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.WriteHeader(status)
		_, _ = w.Write(b)
	}
	if r.URL.Path != "/fred/series/observations" {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	rp.mu.Lock()
	rp.last = q
	rp.mu.Unlock()
	switch key := q.Get("api_key"); {
	case key == "":
		send(400, "error_api_key_not_set.json")
		return
	case key != testKey:
		send(400, "error_api_key_not_registered.json")
		return
	}
	if u := q.Get("units"); u != "" && u != "lin" && u != "pc1" {
		send(400, "error_invalid_units.json")
		return
	}
	switch q.Get("series_id") {
	case "DGS10":
		send(200, "series_observations.json")
	case "CPIAUCSL":
		if q.Get("units") == "pc1" {
			send(200, "series_observations_pc1.json")
			return
		}
		send(200, "series_observations.json")
	case "GAPPY":
		send(200, "series_observations_all_missing.json")
	case "FUTURE":
		send(200, "series_observations_empty.json")
	case "THROTTLED":
		w.Header().Set("Retry-After", "20")
		send(429, "error_rate_limit.json")
	case "hang":
		<-r.Context().Done()
	default:
		send(400, "error_series_does_not_exist.json")
	}
}

func newProvider(t testing.TB, cfg fred.Config) (*fred.Provider, *replay) {
	rp := &replay{t: t}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	cfg.Client, cfg.BaseURL = srv.Client(), srv.URL
	p, err := fred.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p, rp
}

func request(params ...string) providers.Request {
	m := map[string]string{}
	for i := 0; i < len(params); i += 2 {
		m[params[i]] = params[i+1]
	}
	return providers.Request{DataType: "economic_series", Params: m, Credential: providers.NewSecret(testKey)}
}

func TestLatestObservation(t *testing.T) {
	p, rp := newProvider(t, fred.Config{})
	res, err := p.Fetch(context.Background(), request("series_id", "DGS10"))
	if err != nil {
		t.Fatal(err)
	}
	// The newest observation (2024-02-19, a holiday) is "."; the answer is
	// the one before.
	if res.Value != 4.30 || !res.ObservedAt.Equal(time.Date(2024, 2, 16, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Fetch = %+v, want 4.30 on 2024-02-16", res)
	}
	q := rp.query()
	want := url.Values{"series_id": {"DGS10"}, "file_type": {"json"}, "sort_order": {"desc"}, "limit": {"10"}, "api_key": {testKey}}
	if !reflect.DeepEqual(q, want) {
		t.Errorf("query = %v, want %v", q, want)
	}

	res, err = p.Fetch(context.Background(), request("series_id", "CPIAUCSL", "units", "pc1"))
	if err != nil || res.Value != 3.10596 || !res.ObservedAt.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("pc1: %+v, %v", res, err)
	}
	if got := rp.query().Get("units"); got != "pc1" {
		t.Errorf("units = %q", got)
	}
	if got := p.Params("economic_series"); !reflect.DeepEqual(got, []string{"series_id", "units"}) {
		t.Errorf("Params = %v", got)
	}
	if p.Params("cpc") != nil || !reflect.DeepEqual(p.DataTypes(), []string{"economic_series"}) {
		t.Error("DataTypes/Params of another data type")
	}
}

func TestObservationsLimit(t *testing.T) {
	p, rp := newProvider(t, fred.Config{Observations: 3, DataType: "rates"})
	req := request("series_id", "DGS10")
	req.DataType = "rates"
	if _, err := p.Fetch(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if got := rp.query().Get("limit"); got != "3" {
		t.Errorf("limit = %q", got)
	}
}

func TestErrors(t *testing.T) {
	p, _ := newProvider(t, fred.Config{})
	noKey := request("series_id", "DGS10")
	noKey.Credential = providers.Secret{}
	badKey := request("series_id", "DGS10")
	badKey.Credential = providers.NewSecret("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz")
	tests := []struct {
		name       string
		req        providers.Request
		class      providers.Class
		status     int
		retryAfter time.Duration
		text       string
	}{
		{"unknown series", request("series_id", "NOSUCH"), providers.Permanent, 400, 0, "The series does not exist"},
		{"bad units", request("series_id", "DGS10", "units", "furlongs"), providers.Permanent, 400, 0, "Variable units"},
		{"unregistered key", badKey, providers.Auth, 400, 0, "is not registered"},
		{"rate limited", request("series_id", "THROTTLED"), providers.RateLimit, 429, 20 * time.Second, "Exceeded Rate Limit"},
		{"no observations", request("series_id", "FUTURE"), providers.Permanent, 200, 0, "no observations"},
		{"only missing values", request("series_id", "GAPPY"), providers.DataQuality, 200, 0, "no value"},
		{"no key", noKey, providers.Auth, 0, 0, "no usable credential"},
		{"no series_id", request(), providers.Permanent, 0, 0, "missing param"},
		{"unknown data type", providers.Request{DataType: "cpc"}, providers.Permanent, 0, 0, "unknown data type"},
	}
	for _, tt := range tests {
		_, err := p.Fetch(context.Background(), tt.req)
		var pe *providers.Error
		if !errors.As(err, &pe) {
			t.Fatalf("%s: %v is not a *providers.Error", tt.name, err)
		}
		if pe.Class != tt.class || pe.StatusCode != tt.status || pe.RetryAfter != tt.retryAfter || !strings.Contains(err.Error(), tt.text) {
			t.Errorf("%s: %v (class %v, status %d, retry after %v); want %v, %d, %v, %q",
				tt.name, err, pe.Class, pe.StatusCode, pe.RetryAfter, tt.class, tt.status, tt.retryAfter, tt.text)
		}
		if s := fmt.Sprintf("%v %+v %#v", err, err, err); strings.Contains(s, testKey) {
			t.Errorf("%s: the key shows in %s", tt.name, s)
		}
	}
	_, err := p.Fetch(context.Background(), providers.Request{DataType: "cpc"})
	if !errors.Is(err, fred.ErrUnknownDataType) {
		t.Errorf("unknown data type: %v", err)
	}
}

func TestNewValidation(t *testing.T) {
	for _, cfg := range []fred.Config{
		{},
		{Client: http.DefaultClient, BaseURL: "api.stlouisfed.org"},
		{Client: http.DefaultClient, BaseURL: "https://api.stlouisfed.org/?x=1"},
		{Client: http.DefaultClient, Observations: -1},
		{Client: http.DefaultClient, Observations: fred.MaxObservations + 1},
		{Client: http.DefaultClient, MaxBodyBytes: -1},
	} {
		_, err := fred.New(cfg)
		if !errors.Is(err, fred.ErrInvalidConfig) || !strings.HasPrefix(err.Error(), "fred: invalid config: ") {
			t.Errorf("New(%+v) = %v, want ErrInvalidConfig", cfg, err)
		}
	}
}

func TestConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) providertest.Subject {
		p, _ := newProvider(t, fred.Config{})
		hang := request("series_id", "hang")
		badKey := request("series_id", "DGS10")
		badKey.Credential = providers.NewSecret("nope")
		return providertest.Subject{
			Provider: p,
			Request:  request("series_id", "DGS10"),
			Hang:     &hang,
			Failures: []providertest.Failure{
				{Name: "unknown series", Request: request("series_id", "NOSUCH"), Class: providers.Permanent},
				{Name: "rate limited", Request: request("series_id", "THROTTLED"), Class: providers.RateLimit},
				{Name: "bad key", Request: badKey, Class: providers.Auth},
				{Name: "only missing values", Request: request("series_id", "GAPPY"), Class: providers.DataQuality},
			},
		}
	})
}
