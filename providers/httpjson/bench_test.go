package httpjson

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
)

const benchBody = `{"Meta Data":{"2. Symbol":"IBM"},"Time Series (Daily)":{` +
	`"2024-02-27":{"4. close":"184.8700"},"2024-02-28":{"4. close":"185.3000"},` +
	`"2024-02-29":{"4. close":"185.0300"},"2024-03-01":{"4. close":"188.2000"}}}`

// BenchmarkFetch measures a whole Fetch against an in-memory server, and
// the same request done by hand (client.Do, a typed json.Unmarshal, a map
// scan for the latest key) as the baseline: the ratio is httpjson's
// overhead for its generality. Run with -bench Fetch and compare the two.
func BenchmarkFetch(b *testing.B) {
	client := memClient(reply(200, benchBody))
	b.Run("httpjson", func(b *testing.B) {
		p := mustNew(b, Config{
			Client:         client,
			URL:            "https://api.example.com/query?function=TIME_SERIES_DAILY&symbol={symbol}",
			Credential:     Credential{In: CredentialQuery, Name: "apikey"},
			Value:          `["Time Series (Daily)"][-1]["4. close"]`,
			Timestamp:      `["Time Series (Daily)"][-1]~`,
			ParseTimestamp: TimeLayout("2006-01-02"),
		})
		req := providers.Request{Params: map[string]string{"symbol": "IBM"}, Credential: providers.NewSecret("k3y")}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if res, err := p.Fetch(context.Background(), req); err != nil || res.Value != 188.2 {
					b.Fatal(res, err)
				}
			}
		})
	})
	b.Run("baseline", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet,
					"https://api.example.com/query?function=TIME_SERIES_DAILY&symbol=IBM&apikey=k3y", nil)
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				data, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				var doc struct {
					Series map[string]struct {
						Close string `json:"4. close"`
					} `json:"Time Series (Daily)"`
				}
				if err := json.Unmarshal(data, &doc); err != nil {
					b.Fatal(err)
				}
				latest := ""
				for k := range doc.Series {
					latest = max(latest, k)
				}
				if v, err := strconv.ParseFloat(doc.Series[latest].Close, 64); err != nil || v != 188.2 {
					b.Fatal(v, err)
				}
			}
		})
	})
}

func BenchmarkPathEval(b *testing.B) {
	doc, err := decodeJSON([]byte(benchBody))
	require.NoError(b, err)
	p, err := parsePath(`["Time Series (Daily)"][-1]["4. close"]`)
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.eval(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExpandURL(b *testing.B) {
	tm, err := parseURLTemplate("https://api.example.com/v2/country/{country}/indicator/{indicator}?format=json&mrnev=1")
	require.NoError(b, err)
	params := map[string]string{"country": "DEU", "indicator": "FP.CPI.TOTL.ZG"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tm.expand(params); err != nil {
			b.Fatal(err)
		}
	}
}
