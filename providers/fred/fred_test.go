package fred_test

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fred"
	"github.com/strata-go/strata/providers/internal/adaptertest"
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
		adaptertest.Send(rp.t, w, status, "application/json; charset=UTF-8", name)
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
	srv := adaptertest.Serve(t, rp)
	cfg.Client, cfg.BaseURL = srv.Client(), srv.URL
	p, err := fred.New(cfg)
	require.NoError(t, err)
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
	require.NoError(t, err)
	// The newest observation (2024-02-19, a holiday) is "."; the answer is
	// the one before.
	assert.Equal(t, 4.30, res.Value)
	assert.Equal(t, time.Date(2024, 2, 16, 0, 0, 0, 0, time.UTC), res.ObservedAt)
	want := url.Values{"series_id": {"DGS10"}, "file_type": {"json"}, "sort_order": {"desc"}, "limit": {"10"}, "api_key": {testKey}}
	assert.Equal(t, want, rp.query())

	res, err = p.Fetch(context.Background(), request("series_id", "CPIAUCSL", "units", "pc1"))
	require.NoError(t, err, "pc1")
	assert.Equal(t, 3.10596, res.Value, "pc1")
	assert.Equal(t, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), res.ObservedAt, "pc1")
	assert.Equal(t, "pc1", rp.query().Get("units"))
	assert.Equal(t, []string{"series_id", "units"}, p.Params("economic_series"))
	assert.Nil(t, p.Params("cpc"))
	assert.Equal(t, []string{"economic_series"}, p.DataTypes())
}

func TestObservationsLimit(t *testing.T) {
	p, rp := newProvider(t, fred.Config{Observations: 3, DataType: "rates"})
	req := request("series_id", "DGS10")
	req.DataType = "rates"
	_, err := p.Fetch(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, "3", rp.query().Get("limit"))
}

func TestErrors(t *testing.T) {
	p, _ := newProvider(t, fred.Config{})
	noKey := request("series_id", "DGS10")
	noKey.Credential = providers.Secret{}
	badKey := request("series_id", "DGS10")
	badKey.Credential = providers.NewSecret("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz")
	adaptertest.CheckFailures(t, p, []string{testKey},
		adaptertest.Failure{Name: "unknown series", Request: request("series_id", "NOSUCH"), Class: providers.Permanent, Status: 400, Text: "The series does not exist"},
		adaptertest.Failure{Name: "bad units", Request: request("series_id", "DGS10", "units", "furlongs"), Class: providers.Permanent, Status: 400, Text: "Variable units"},
		adaptertest.Failure{Name: "unregistered key", Request: badKey, Class: providers.Auth, Status: 400, Text: "is not registered"},
		adaptertest.Failure{Name: "rate limited", Request: request("series_id", "THROTTLED"), Class: providers.RateLimit, Status: 429, RetryAfter: 20 * time.Second, Text: "Exceeded Rate Limit"},
		adaptertest.Failure{Name: "no observations", Request: request("series_id", "FUTURE"), Class: providers.Permanent, Status: 200, Text: "no observations"},
		adaptertest.Failure{Name: "only missing values", Request: request("series_id", "GAPPY"), Class: providers.DataQuality, Status: 200, Text: "no value"},
		adaptertest.Failure{Name: "no key", Request: noKey, Class: providers.Auth, Text: "no usable credential"},
		adaptertest.Failure{Name: "no series_id", Request: request(), Class: providers.Permanent, Text: "missing param"},
		adaptertest.Failure{Name: "unknown data type", Request: providers.Request{DataType: "cpc"}, Class: providers.Permanent, Text: "unknown data type"},
	)
	_, err := p.Fetch(context.Background(), providers.Request{DataType: "cpc"})
	assert.ErrorIs(t, err, fred.ErrUnknownDataType)
}

func TestNewValidation(t *testing.T) {
	adaptertest.CheckCommonConfig(t, fred.ErrInvalidConfig, func(client *http.Client, baseURL string, maxBodyBytes int64) error {
		_, err := fred.New(fred.Config{Client: client, BaseURL: baseURL, MaxBodyBytes: maxBodyBytes})
		return err
	})
	for _, n := range []int{-1, fred.MaxObservations + 1} {
		_, err := fred.New(fred.Config{Client: http.DefaultClient, Observations: n})
		adaptertest.CheckConfigError(t, err, fred.ErrInvalidConfig, "Observations")
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
