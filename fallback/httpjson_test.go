package fallback_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/httpjson"
)

// resolveThroughHTTPJSON resolves data type "cpc" (param name, sensitive
// or not) once through an httpjson provider for the API h serves, with a
// default of 9 behind it.
func resolveThroughHTTPJSON(t *testing.T, h http.HandlerFunc, cfg httpjson.Config, param string, sensitive bool, value string) fallback.Result {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg.Client = srv.Client()
	cfg.URL = srv.URL + cfg.URL
	p, err := httpjson.New(cfg)
	require.NoError(t, err)
	r, err := fallback.New(fallback.Config{
		Providers: []fallback.ProviderConfig{{Name: "api", Tier: fallback.Primary, DataTypes: []string{"cpc"}}},
		DataTypes: []fallback.DataTypeConfig{{
			Name:    "cpc",
			Params:  []fallback.ParamConfig{{Name: param, Required: true, Sensitive: sensitive}},
			Bounds:  fallback.Bounds{Min: 0, Max: 100},
			Default: &fallback.DefaultConfig{Base: 9},
		}},
	}, fallback.WithProvider("api", p), fallback.WithHashKey([]byte("0123456789abcdef0123456789abcdef")))
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := r.Resolve(ctx, "cpc", fallback.Params{param: value})
	require.NoError(t, err)
	return res
}

// An API that dates its answer with the zero date (0001-01-01T00:00:00Z,
// what .NET's DateTime.MinValue and Go's time.Time{} serialise as) has
// it refused by httpjson as a bad timestamp: the resolver neither serves
// nor caches it as observed now (a zero Response.ObservedAt means now).
func TestResolveRefusesAnAPIsZeroDate(t *testing.T) {
	res := resolveThroughHTTPJSON(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"value": 1.25, "at": "0001-01-01T00:00:00Z"}`))
	}, httpjson.Config{URL: "/cpc/{keyword}", Value: "value", Timestamp: "at"}, "keyword", false, "shoes")
	assert.Equal(t, fallback.LayerDefault, res.Layer, "served %v from %s, observed %v, freshness %.2f", res.Value, res.Source, res.ObservedAt, res.Freshness)
	assert.Equal(t, 9.0, res.Value)
	require.NotEmpty(t, res.Attempts)
	assert.Equal(t, providers.DataQuality, res.Attempts[0].Class)
	assert.ErrorContains(t, res.Attempts[0].Err, "is the zero time")
}

// httpjson cuts a quoted error body at 200 bytes, and the resolver redacts
// a sensitive param's value afterwards only in runs of 8 characters: a
// body that echoes a sensitive phone number across the cut must not leave
// a shorter piece of it. The cut drops the word it falls in, and is marked.
func TestResolveReportsNoPieceOfASensitiveValueTheQuoteCut(t *testing.T) {
	const phone = "5551234567"
	for _, at := range []int{193, 195, 197, 199} { // where the phone starts in the quote: 7, 5, 3, 1 of its digits before byte 200
		res := resolveThroughHTTPJSON(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			msg := "no account for phone "
			_, _ = w.Write([]byte(strings.Repeat("-", at-len(msg)-1) + " " + msg + r.URL.Query().Get("phone") + " (check the number)"))
		}, httpjson.Config{URL: "/cpc?phone={phone}", Value: "value"}, "phone", true, phone)
		require.NotEmpty(t, res.Attempts, "at %d", at)
		for _, a := range res.Attempts {
			require.Error(t, a.Err, "at %d", at)
			msg := a.Err.Error()
			assert.True(t, strings.HasSuffix(msg, "no account for phone…"), "at %d: the cut is marked after the last whole word: %s", at, msg)
			for i := 0; i+5 <= len(phone); i++ {
				assert.NotContains(t, msg, phone[i:i+5], "at %d: a piece of the sensitive phone survives: %s", at, msg)
			}
		}
	}
}
