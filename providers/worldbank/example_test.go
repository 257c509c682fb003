package worldbank_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/worldbank"
)

func Example() {
	// A stand-in for https://api.worldbank.org: [paging, rows], newest
	// first, the newest year still empty.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `[{"page":1,"pages":1,"per_page":50,"total":2},[
			{"country":{"id":"DE","value":"Germany"},"date":"2024","value":null},
			{"country":{"id":"DE","value":"Germany"},"date":"2023","value":5.94575230296299}]]`)
	}))
	defer srv.Close()

	p, err := worldbank.New(worldbank.Config{Client: srv.Client(), BaseURL: srv.URL})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := p.Fetch(context.Background(), providers.Request{
		DataType: "development_indicator",
		Params:   map[string]string{"country": "DEU", "indicator": "FP.CPI.TOTL.ZG"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Params("development_indicator"))
	fmt.Printf("%.2f%% in %s\n", res.Value, res.ObservedAt.Format(time.DateOnly))
	// Output:
	// [country indicator]
	// 5.95% in 2023-01-01
}
