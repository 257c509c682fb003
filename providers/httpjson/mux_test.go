package httpjson

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
)

// errAdapterConfig and errAdapterDataType stand for an adapter's own
// sentinels, as fred.ErrInvalidConfig does.
var (
	errAdapterConfig   = errors.New("adapter: invalid config")
	errAdapterDataType = errors.New("adapter: unknown data type")
)

// twoRoutes serves "price" and "volume", each from its own path of one
// in-memory API, recording what it is sent.
func twoRoutes(rc *recorder) []Route {
	route := func(dataType, path string) Route {
		return Route{DataType: dataType, Config: Config{
			Client: memClient(rc),
			URL:    "https://api.example.com/v1/" + path + "/{symbol}",
			Value:  "v",
		}}
	}
	return []Route{route("price", "price"), route("volume", "volume")}
}

func TestMuxRoutesByDataType(t *testing.T) {
	rc := &recorder{h: func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/price/IBM" {
			_, _ = w.Write([]byte(`{"v": 188.2}`))
			return
		}
		_, _ = w.Write([]byte(`{"v": 5000, "extra": 1}`))
	}}
	m, err := NewMux(MuxConfig{Routes: twoRoutes(rc)})
	require.NoError(t, err)
	params := map[string]string{"symbol": "IBM"}

	res, err := m.Fetch(context.Background(), providers.Request{DataType: "price", Params: params})
	require.NoError(t, err)
	assert.Equal(t, 188.2, res.Value)
	res, err = m.Fetch(context.Background(), providers.Request{DataType: "volume", Params: params})
	require.NoError(t, err)
	assert.Equal(t, 5000.0, res.Value)
	r, _ := rc.last()
	assert.Equal(t, "/v1/volume/IBM", r.URL.Path)

	assert.Equal(t, []string{"price", "volume"}, m.DataTypes())
	m.DataTypes()[0] = "changed"
	assert.Equal(t, []string{"price", "volume"}, m.DataTypes(), "DataTypes returns the caller's copy")
	assert.Equal(t, []string{"symbol"}, m.Params("price"))
	assert.Nil(t, m.Params("cpc"))
}

func TestMuxRefusesBeforeSending(t *testing.T) {
	rc := &recorder{h: reply(200, `{"v": 1}`)}
	params := map[string]string{"symbol": "IBM"}
	plain, err := NewMux(MuxConfig{Routes: twoRoutes(rc)})
	require.NoError(t, err)
	adapter, err := NewMux(MuxConfig{Routes: twoRoutes(rc), ErrUnknownDataType: errAdapterDataType})
	require.NoError(t, err)

	_, err = plain.Fetch(context.Background(), providers.Request{DataType: "cpc", Params: params})
	assert.Equal(t, providers.Permanent, asProviderError(t, err).Class)
	assert.ErrorIs(t, err, ErrUnknownDataType)
	assert.EqualError(t, err, `providers: permanent: httpjson: unknown data type "cpc"`)

	_, err = adapter.Fetch(context.Background(), providers.Request{DataType: "cpc", Params: params})
	assert.Equal(t, providers.Permanent, asProviderError(t, err).Class)
	assert.ErrorIs(t, err, errAdapterDataType)
	assert.NotErrorIs(t, err, ErrUnknownDataType)

	// A context already done wins over the data type: the caller gave up.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, dt := range []string{"price", "cpc"} {
		_, err = adapter.Fetch(ctx, providers.Request{DataType: dt, Params: params})
		assert.Equal(t, providers.Canceled, asProviderError(t, err).Class, dt)
		assert.ErrorIs(t, err, context.Canceled, dt)
	}
	expired, cancelExpired := context.WithTimeout(context.Background(), 0)
	defer cancelExpired()
	_, err = adapter.Fetch(expired, providers.Request{DataType: "cpc", Params: params})
	assert.Equal(t, providers.Transient, asProviderError(t, err).Class)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	assert.Zero(t, rc.count(), "requests sent")
}

func TestNewMuxValidation(t *testing.T) {
	rc := &recorder{h: reply(200, `{}`)}
	dup := twoRoutes(rc)
	dup[1].DataType = "price"
	noName := twoRoutes(rc)
	noName[1].DataType = ""
	badRoute := twoRoutes(rc)
	badRoute[1].Config.MaxBodyBytes = -1
	tests := []struct {
		routes []Route
		field  string
		reason string
	}{
		{nil, "Routes", "at least one route is required"},
		{noName, "Routes[1].DataType", "required"},
		{dup, "Routes[1].DataType", `"price" is also Routes[0].DataType`},
		// A Route's Config field is named as New names it.
		{badRoute, "MaxBodyBytes", "negative"},
	}
	for _, tt := range tests {
		_, err := NewMux(MuxConfig{Routes: tt.routes})
		var ce *ConfigError
		require.ErrorAs(t, err, &ce, tt.field)
		assert.Equal(t, &ConfigError{Field: tt.field, Reason: tt.reason}, ce)
		assert.ErrorIs(t, err, ErrInvalidConfig)
		assert.EqualError(t, err, "httpjson: invalid config: "+tt.field+": "+tt.reason)

		// Under an adapter's sentinel: its text, and every match kept.
		_, err = NewMux(MuxConfig{Routes: tt.routes, ErrInvalidConfig: errAdapterConfig})
		assert.EqualError(t, err, "adapter: invalid config: "+tt.field+": "+tt.reason)
		assert.ErrorIs(t, err, errAdapterConfig)
		assert.ErrorIs(t, err, ErrInvalidConfig)
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, tt.field, ce.Field)
	}

	// The cause of a Route's bad template survives the adapter's label.
	bad := twoRoutes(rc)
	bad[0].Config.URL = "ftp://api.example.com/x"
	_, err := NewMux(MuxConfig{Routes: bad, ErrInvalidConfig: errAdapterConfig})
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	require.Error(t, ce.Err)
	assert.ErrorIs(t, err, ce.Err)
	assert.EqualError(t, err, "adapter: invalid config: URL: must start with https:// or http://")
}

func TestNewMuxDoesNotModifyConfig(t *testing.T) {
	rc := &recorder{h: reply(200, `{}`)}
	cfg := MuxConfig{Routes: twoRoutes(rc), ErrInvalidConfig: errAdapterConfig}
	before := MuxConfig{Routes: twoRoutes(rc), ErrInvalidConfig: errAdapterConfig}
	_, err := NewMux(cfg)
	require.NoError(t, err)
	assert.Equal(t, before, cfg)
}

// A Mux is safe for concurrent use (run under -race): concurrent fetches
// of both data types each get their own route's answer.
func TestMuxIsSafeForConcurrentUse(t *testing.T) {
	rc := &recorder{h: func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/price/IBM" {
			_, _ = w.Write([]byte(`{"v": 188.2}`))
			return
		}
		_, _ = w.Write([]byte(`{"v": 5000}`))
	}}
	m, err := NewMux(MuxConfig{Routes: twoRoutes(rc)})
	require.NoError(t, err)
	want := map[string]float64{"price": 188.2, "volume": 5000}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 20 {
				dt := []string{"price", "volume"}[(g+i)%2]
				res, err := m.Fetch(context.Background(), providers.Request{DataType: dt, Params: map[string]string{"symbol": "IBM"}})
				if assert.NoError(t, err) {
					assert.Equal(t, want[dt], res.Value, dt)
				}
				assert.Equal(t, []string{"symbol"}, m.Params(dt))
				assert.Equal(t, []string{"price", "volume"}, m.DataTypes())
			}
		})
	}
	wg.Wait()
}
