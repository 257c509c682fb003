package fred_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fred"
)

func Example() {
	// A stand-in for https://api.stlouisfed.org: the newest observation is
	// missing ("."), so the answer is the one before it.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"sort_order":"desc","observations":[
			{"date":"2024-02-19","value":"."},
			{"date":"2024-02-16","value":"4.30"}]}`)
	}))
	defer srv.Close()

	p, err := fred.New(fred.Config{Client: srv.Client(), BaseURL: srv.URL})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := p.Fetch(context.Background(), providers.Request{
		DataType:   "economic_series",
		Params:     map[string]string{"series_id": "DGS10"},
		Credential: providers.NewSecret("abcdefghijklmnopqrstuvwxyz123456"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Params("economic_series"))
	fmt.Println(res.Value, res.ObservedAt.Format(time.DateOnly))
	// Output:
	// [series_id units]
	// 4.3 2024-02-16
}
