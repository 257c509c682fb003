package fred

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/httpjson"
)

// Defaults of Config.
const (
	DefaultDataType     = "economic_series"
	DefaultBaseURL      = "https://api.stlouisfed.org"
	DefaultObservations = 10
	// MaxObservations is FRED's own limit on one request.
	MaxObservations = 100000
)

// Config configures a Provider. Zero fields mean the documented defaults;
// New never modifies the Config.
type Config struct {
	// Client is the host's HTTP client. Required.
	Client *http.Client
	// BaseURL is the API's scheme and host, without a query. Default
	// DefaultBaseURL; tests point it at an httptest server.
	BaseURL string
	// DataType names the data type the provider serves. Default
	// DefaultDataType.
	DataType string
	// Observations is how many of the latest observations to ask for; the
	// answer is the newest with a value among them. Default
	// DefaultObservations, at most MaxObservations.
	Observations int
	// MaxBodyBytes bounds a response body. Default
	// httpjson.DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// Provider fetches the latest observation of a FRED series. It implements
// providers.Provider and is safe for concurrent use.
type Provider struct{ mux *httpjson.Mux }

var _ providers.Provider = (*Provider)(nil)

var errorRules = []httpjson.ErrorRule{
	{Path: "error_message", Contains: "api_key", Class: providers.Auth},
	{Path: "observations", Empty: true, Class: providers.Permanent, Description: "no observations"},
}

// New validates cfg and returns a Provider. An invalid Config gives an
// error matching ErrInvalidConfig that names the field ("fred: invalid
// config: Observations: ..."); one that httpjson rejects (Client,
// MaxBodyBytes) also matches httpjson.ErrInvalidConfig and is a
// *httpjson.ConfigError.
func New(cfg Config) (*Provider, error) {
	base, err := httpjson.BaseURL(cfg.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, fmt.Errorf("%w: BaseURL: %v", ErrInvalidConfig, err)
	}
	n := cfg.Observations
	switch {
	case n == 0:
		n = DefaultObservations
	case n < 0 || n > MaxObservations:
		return nil, fmt.Errorf("%w: Observations: %d is not in [1, %d]", ErrInvalidConfig, n, MaxObservations)
	}
	route := httpjson.Route{DataType: cmp.Or(cfg.DataType, DefaultDataType), Config: httpjson.Config{
		Client: cfg.Client,
		URL: base + "/fred/series/observations?series_id={series_id}&units={units?}&file_type=json" +
			"&sort_order=desc&limit=" + strconv.Itoa(n),
		Credential:     httpjson.Credential{In: httpjson.CredentialQuery, Name: "api_key"},
		Value:          `observations[?value!="."][0].value`,
		Timestamp:      `observations[?value!="."][0].date`,
		ParseTimestamp: httpjson.TimeLayout(time.DateOnly),
		ErrorRules:     errorRules,
		MaxBodyBytes:   cfg.MaxBodyBytes,
	}}
	mux, err := httpjson.NewMux(httpjson.MuxConfig{
		Routes:           []httpjson.Route{route},
		ErrInvalidConfig: ErrInvalidConfig, ErrUnknownDataType: ErrUnknownDataType,
	})
	if err != nil {
		return nil, err
	}
	return &Provider{mux: mux}, nil
}

// Fetch answers the latest observation of req.Params["series_id"]. See
// the package documentation for the params and the error classes.
func (p *Provider) Fetch(ctx context.Context, req providers.Request) (providers.Response, error) {
	return p.mux.Fetch(ctx, req)
}

// DataTypes lists the one data type the provider serves.
func (p *Provider) DataTypes() []string { return p.mux.DataTypes() }

// Params lists the params the provider reads for dataType — series_id and
// units — or nil for a data type it does not serve.
func (p *Provider) Params(dataType string) []string { return p.mux.Params(dataType) }
