package alphavantage_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/alphavantage"
)

func Example() {
	// A stand-in for https://www.alphavantage.co answering GLOBAL_QUOTE.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"Global Quote": {"01. symbol": "IBM", "05. price": "188.2000", "07. latest trading day": "2024-03-01"}}`)
	}))
	defer srv.Close()

	p, err := alphavantage.New(alphavantage.Config{
		Client:  srv.Client(), // the host's own client
		BaseURL: srv.URL,      // omit to use https://www.alphavantage.co
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.DataTypes(), p.Params("stock_price"))

	res, err := p.Fetch(context.Background(), providers.Request{
		DataType: "stock_price",
		Params:   map[string]string{"symbol": "IBM"},
		// In production the host's providers.Credentials supplies the key.
		Credential: providers.NewSecret("demo-key"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Value, res.ObservedAt.Format(time.DateOnly))
	// Output:
	// [stock_price stock_close] [symbol]
	// 188.2 2024-03-01
}
