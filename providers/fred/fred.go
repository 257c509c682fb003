package fred

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
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
type Provider struct {
	dataType string
	hp       *httpjson.Provider
}

var _ providers.Provider = (*Provider)(nil)

var errorRules = []httpjson.ErrorRule{
	{Path: "error_message", Contains: "api_key", Class: providers.Auth},
	{Path: "observations", Empty: true, Class: providers.Permanent, Description: "no observations"},
}

// New validates cfg and returns a Provider.
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
	p := &Provider{dataType: cfg.DataType}
	if p.dataType == "" {
		p.dataType = DefaultDataType
	}
	p.hp, err = httpjson.New(httpjson.Config{
		Client: cfg.Client,
		URL: base + "/fred/series/observations?series_id={series_id}&units={units?}&file_type=json" +
			"&sort_order=desc&limit=" + strconv.Itoa(n),
		Credential:     httpjson.Credential{In: httpjson.CredentialQuery, Name: "api_key"},
		Value:          `observations[?value!="."][0].value`,
		Timestamp:      `observations[?value!="."][0].date`,
		ParseTimestamp: httpjson.TimeLayout(time.DateOnly),
		ErrorRules:     errorRules,
		MaxBodyBytes:   cfg.MaxBodyBytes,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidConfig, strings.TrimPrefix(err.Error(), "httpjson: invalid config: "))
	}
	return p, nil
}

// Fetch answers the latest observation of req.Params["series_id"]. See
// the package documentation for the params and the error classes.
func (p *Provider) Fetch(ctx context.Context, req providers.Request) (providers.Response, error) {
	if err := ctx.Err(); err != nil {
		return providers.Response{}, providers.NewError(providers.Classify(err), err)
	}
	if req.DataType != p.dataType {
		return providers.Response{}, providers.NewError(providers.Permanent, fmt.Errorf("%w %q", ErrUnknownDataType, req.DataType))
	}
	return p.hp.Fetch(ctx, req)
}

// DataTypes lists the one data type the provider serves.
func (p *Provider) DataTypes() []string { return []string{p.dataType} }

// Params lists the params the provider reads for dataType — series_id and
// units — or nil for a data type it does not serve.
func (p *Provider) Params(dataType string) []string {
	if dataType != p.dataType {
		return nil
	}
	return p.hp.Params()
}
