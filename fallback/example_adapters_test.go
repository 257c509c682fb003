package fallback_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"slices"
	"time"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/alphavantage"
	"github.com/strata-go/strata/providers/fred"
	"github.com/strata-go/strata/providers/worldbank"
)

// hostFlags stands for what a host reads from its flags or environment.
var hostFlags struct{ alphaVantageKey, fredKey string }

// The three API adapters wired into a resolver, as docs/http-providers.md
// shows it: the host owns the client and the keys, and each provider is
// declared with the data types and params its adapter reports, so that it
// is handed those params and nothing else.
func ExampleWithCredentials() {
	client := &http.Client{Timeout: 10 * time.Second}
	av, err := alphavantage.New(alphavantage.Config{Client: client})
	if err != nil {
		log.Fatal(err)
	}
	fr, err := fred.New(fred.Config{Client: client})
	if err != nil {
		log.Fatal(err)
	}
	wb, err := worldbank.New(worldbank.Config{Client: client})
	if err != nil {
		log.Fatal(err)
	}

	creds := providers.CredentialsFunc(func(ctx context.Context, name string) (providers.Secret, error) {
		switch name {
		case "alphavantage":
			return providers.NewSecret(hostFlags.alphaVantageKey), nil // the host's flag or env, read by the host
		case "fred":
			return providers.NewSecret(hostFlags.fredKey), nil
		}
		return providers.Secret{}, nil // the World Bank needs none
	})

	type adapter interface {
		providers.Provider
		DataTypes() []string
		Params(dataType string) []string
	}
	var cfg fallback.Config
	opts := []fallback.Option{fallback.WithCredentials(creds)}
	for _, p := range []struct {
		name string
		adapter
	}{{"alphavantage", av}, {"fred", fr}, {"worldbank", wb}} {
		pc := fallback.ProviderConfig{Name: p.name, Tier: fallback.Primary, DataTypes: p.DataTypes()}
		for _, dt := range p.DataTypes() {
			var params []fallback.ParamConfig
			for _, name := range p.Params(dt) {
				params = append(params, fallback.ParamConfig{Name: name})
				if !slices.Contains(pc.Params, name) {
					pc.Params = append(pc.Params, name)
				}
			}
			cfg.DataTypes = append(cfg.DataTypes, fallback.DataTypeConfig{Name: dt, Params: params})
		}
		cfg.Providers = append(cfg.Providers, pc)
		opts = append(opts, fallback.WithProvider(p.name, p.adapter))
		fmt.Println(p.name, pc.DataTypes, pc.Params)
	}
	r, err := fallback.New(cfg, opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	// Output:
	// alphavantage [stock_price stock_close] [symbol]
	// fred [economic_series] [series_id units]
	// worldbank [development_indicator] [country indicator]
}
