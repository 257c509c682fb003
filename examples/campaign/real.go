package main

import (
	"context"
	"net/http"
	"time"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/alphavantage"
	"github.com/strata-go/strata/providers/fred"
	"github.com/strata-go/strata/providers/worldbank"
)

// realOptions says which real APIs to use. The host, not strata, reads the
// keys: from flags, or from STRATA_FRED_KEY and STRATA_ALPHAVANTAGE_KEY.
type realOptions struct {
	FREDKey, AlphaVantageKey providers.Secret
	// WorldBank adds the World Bank (no key needed); it is implied by
	// either key.
	WorldBank bool
	// Base URLs, for tests and proxies; empty means the public API.
	FREDURL, WorldBankURL, AlphaVantageURL string
	Client                                 *http.Client
}

func (o realOptions) any() bool {
	return !o.FREDKey.IsZero() || !o.AlphaVantageKey.IsZero() || o.WorldBank
}

// fredSeries maps an industry to a FRED monthly sales series whose
// year-over-year change (units=pc1) stands for the market's growth.
var fredSeries = map[string]string{
	"retail":      "RSXFS",  // Advance Retail Sales: Retail Trade
	"ecommerce":   "ECOMSA", // E-Commerce Retail Sales
	"restaurants": "RSFSDP", // Advance Retail Sales: Food Services and Drinking Places
}

// sectorSymbol maps an industry to a sector ETF whose price Alpha Vantage
// quotes as market context; SPY stands in for the others.
var sectorSymbol = map[string]string{
	"retail":     "XRT",
	"ecommerce":  "IBUY",
	"technology": "XLK",
	"finance":    "XLF",
}

// worldBankCountry maps a market code to the World Bank's ISO code where
// they differ.
var worldBankCountry = map[string]string{"uk": "gb"}

// addReal declares the real providers in cfg (a copy the caller owns) and
// returns their implementations. Each is wrapped by a small adapter of
// the host's: the campaign asks for "market_growth of retail in us", the
// APIs for "series RSXFS" or "indicator NY.GDP.MKTP.KD.ZG of country us",
// in percent.
//
//	FRED           primary for market_growth (US only): YoY change of the industry's sales series
//	World Bank     secondary for market_growth: the country's real GDP growth, a coarse stand-in
//	Alpha Vantage  sector_price, market context only: the industry's sector ETF
//
// Each joins its tier beside the fakes serving the same data type; the
// router ranks a tier's providers by its source score (health, quality,
// latency, capacity, cost), so the free, confident FRED leads the
// primaries, while the World Bank, less confident than the benchmarks
// fake, answers when the benchmarks do not.
func addReal(cfg *fallback.Config, o realOptions) (map[string]providers.Provider, error) {
	out := map[string]providers.Provider{}
	client := o.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	if !o.FREDKey.IsZero() {
		p, err := fred.New(fred.Config{Client: client, BaseURL: o.FREDURL})
		if err != nil {
			return nil, err
		}
		out["fred"] = fredGrowth(p)
		cfg.Providers = append(cfg.Providers, fallback.ProviderConfig{
			Name: "fred", Tier: fallback.Primary, Confidence: 0.95, Cost: 0,
			ExpectedLatency: 400 * time.Millisecond, Timeout: 1500 * time.Millisecond,
			DataTypes: []string{"market_growth"},
			RateLimit: fallback.RateLimitConfig{PerSecond: 2, Burst: 4},
		})
	}
	if o.any() {
		p, err := worldbank.New(worldbank.Config{Client: client, BaseURL: o.WorldBankURL})
		if err != nil {
			return nil, err
		}
		out["worldbank"] = worldBankGrowth(p)
		cfg.Providers = append(cfg.Providers, fallback.ProviderConfig{
			Name: "worldbank", Tier: fallback.Secondary, Confidence: 0.6, Cost: 0,
			ExpectedLatency: 500 * time.Millisecond, Timeout: 1500 * time.Millisecond,
			DataTypes: []string{"market_growth"},
			RateLimit: fallback.RateLimitConfig{PerSecond: 2, Burst: 4},
		})
	}
	if !o.AlphaVantageKey.IsZero() {
		p, err := alphavantage.New(alphavantage.Config{Client: client, BaseURL: o.AlphaVantageURL})
		if err != nil {
			return nil, err
		}
		out["alphavantage"] = sectorPrice(p)
		cfg.Providers = append(cfg.Providers, fallback.ProviderConfig{
			Name: "alphavantage", Tier: fallback.Primary, Confidence: 0.95, Cost: 0,
			ExpectedLatency: 500 * time.Millisecond, Timeout: 1500 * time.Millisecond,
			DataTypes: []string{"sector_price"},
			// The free tier allows about one request a second.
			RateLimit: fallback.RateLimitConfig{PerSecond: 1, Burst: 1},
		})
		cfg.DataTypes = append(cfg.DataTypes, fallback.DataTypeConfig{
			Name:     "sector_price",
			Params:   []fallback.ParamConfig{{Name: "industry", Required: true, Pattern: "[a-z_]+"}},
			Bounds:   fallback.Bounds{Min: 0.01, Max: 1e6},
			TTL:      15 * time.Minute,
			HalfLife: 24 * time.Hour,
		})
	}
	return out, nil
}

// fredGrowth answers market_growth{industry, market} from FRED.
func fredGrowth(p *fred.Provider) providers.Provider {
	return providers.Func(func(ctx context.Context, req providers.Request) (providers.Response, error) {
		if req.Params["market"] != "us" {
			return providers.Response{}, providers.Errorf(providers.Permanent, "fred: US data only, not market %q", req.Params["market"])
		}
		series, ok := fredSeries[req.Params["industry"]]
		if !ok {
			return providers.Response{}, providers.Errorf(providers.Permanent, "fred: no sales series for industry %q", req.Params["industry"])
		}
		resp, err := p.Fetch(ctx, providers.Request{
			DataType:   fred.DefaultDataType,
			Params:     map[string]string{"series_id": series, "units": "pc1"},
			Credential: req.Credential,
		})
		resp.Value /= 100 // percent → fraction
		return resp, err
	})
}

// worldBankGrowth answers market_growth{industry, market} with the
// country's real GDP growth, whatever the industry.
func worldBankGrowth(p *worldbank.Provider) providers.Provider {
	return providers.Func(func(ctx context.Context, req providers.Request) (providers.Response, error) {
		country := req.Params["market"]
		if c, ok := worldBankCountry[country]; ok {
			country = c
		}
		resp, err := p.Fetch(ctx, providers.Request{
			DataType: worldbank.DefaultDataType,
			Params:   map[string]string{"country": country, "indicator": "NY.GDP.MKTP.KD.ZG"},
		})
		resp.Value /= 100
		return resp, err
	})
}

// sectorPrice answers sector_price{industry} with the sector ETF's quote.
func sectorPrice(p *alphavantage.Provider) providers.Provider {
	return providers.Func(func(ctx context.Context, req providers.Request) (providers.Response, error) {
		symbol, ok := sectorSymbol[req.Params["industry"]]
		if !ok {
			symbol = "SPY"
		}
		return p.Fetch(ctx, providers.Request{
			DataType:   alphavantage.DefaultQuoteDataType,
			Params:     map[string]string{"symbol": symbol},
			Credential: req.Credential,
		})
	})
}

// credentials hands each real provider its key at call time.
func credentials(o realOptions) providers.Credentials {
	return providers.CredentialsFunc(func(_ context.Context, provider string) (providers.Secret, error) {
		switch provider {
		case "fred":
			return o.FREDKey, nil
		case "alphavantage":
			return o.AlphaVantageKey, nil
		}
		return providers.Secret{}, nil
	})
}

// sectorOf names the symbol quoted for an industry, for the report.
func sectorOf(industry string) string {
	if s, ok := sectorSymbol[industry]; ok {
		return s
	}
	return "SPY"
}
