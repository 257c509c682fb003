package worldbank

import (
	"cmp"
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
	DefaultDataType = "development_indicator"
	DefaultBaseURL  = "https://api.worldbank.org"
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
	// MaxBodyBytes bounds a response body. Default
	// httpjson.DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// Provider fetches the latest value of a World Bank indicator for a
// country. It implements providers.Provider and is safe for concurrent
// use.
type Provider struct{ mux *httpjson.Mux }

var _ providers.Provider = (*Provider)(nil)

const messageText = `[0].message[0].value`

var errorRules = []httpjson.ErrorRule{
	{Path: `[0].message[?id=="105"][0]`, Class: providers.Unavailable, Description: "service currently unavailable", Message: messageText},
	{Path: `[0].message[?id=="160"][0]`, Class: providers.Transient, Description: "unexpected error", Message: messageText},
	{Path: `[0].message[?id=="199"][0]`, Class: providers.Transient, Description: "unexpected error", Message: messageText},
	{Path: `[0].message[0]`, Class: providers.Permanent, Description: "request refused", Message: messageText},
	{Path: `[1]`, Empty: true, Class: providers.Permanent, Description: "no data for this country and indicator"},
}

// New validates cfg and returns a Provider. An invalid Config gives an
// error matching ErrInvalidConfig that names the field ("worldbank:
// invalid config: BaseURL: ..."); one that httpjson rejects (Client,
// MaxBodyBytes) also matches httpjson.ErrInvalidConfig and is a
// *httpjson.ConfigError.
func New(cfg Config) (*Provider, error) {
	base, err := httpjson.BaseURL(cfg.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, fmt.Errorf("%w: BaseURL: %v", ErrInvalidConfig, err)
	}
	route := httpjson.Route{DataType: cmp.Or(cfg.DataType, DefaultDataType), Config: httpjson.Config{
		Client:         cfg.Client,
		URL:            base + "/v2/country/{country}/indicator/{indicator}?format=json&mrnev=1",
		Value:          `[1][?value][0].value`,
		Timestamp:      `[1][?value][0].date`,
		ParseTimestamp: parseDate,
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

// Fetch answers the latest non-empty value of req.Params["indicator"] for
// req.Params["country"]. See the package documentation for the error
// classes. The API needs no key: req.Credential is not sent.
func (p *Provider) Fetch(ctx context.Context, req providers.Request) (providers.Response, error) {
	return p.mux.Fetch(ctx, req)
}

// DataTypes lists the one data type the provider serves.
func (p *Provider) DataTypes() []string { return p.mux.DataTypes() }

// Params lists the params the provider reads for dataType — country and
// indicator — or nil for a data type it does not serve.
func (p *Provider) Params(dataType string) []string { return p.mux.Params(dataType) }

// parseDate reads a World Bank period — "2023", "2024M03", "2023Q4" — as
// the start of the period, in UTC.
func parseDate(s string) (time.Time, error) {
	bad := func() (time.Time, error) { return time.Time{}, fmt.Errorf("%q is not a year, 2006M01 or 2006Q1", s) }
	if len(s) < 4 {
		return bad()
	}
	year, err := strconv.Atoi(s[:4])
	if err != nil || year < 0 || strings.ContainsAny(s[:4], "+-") {
		return bad()
	}
	month := 1
	switch rest := s[4:]; {
	case rest == "":
	case len(rest) == 3 && rest[0] == 'M':
		m, err := strconv.Atoi(rest[1:])
		if err != nil || m < 1 || m > 12 || strings.ContainsAny(rest, "+-") {
			return bad()
		}
		month = m
	case len(rest) == 2 && rest[0] == 'Q' && rest[1] >= '1' && rest[1] <= '4':
		month = 3*int(rest[1]-'1') + 1
	default:
		return bad()
	}
	return time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC), nil
}
