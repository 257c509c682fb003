// Package alphavantage is a provider for the Alpha Vantage stock API
// (https://www.alphavantage.co/documentation/), built on providers/httpjson.
//
// # Data types and params
//
// One Provider serves two data types, under names the Config may change:
//
//	data type                 Alpha Vantage function          params    value, observed at
//	"stock_price"             GLOBAL_QUOTE                    symbol    "05. price", "07. latest trading day"
//	"stock_close"             TIME_SERIES_DAILY (compact)     symbol    latest day's "4. close", that day
//
// Both need only the param "symbol" (e.g. "IBM"); configure the resolver to
// pass it and nothing else. Provider.DataTypes and Provider.Params say the
// same at run time. Dates are trading days, read as midnight UTC.
//
// # Credentials
//
// The API key is Request.Credential, asked of the host's
// providers.Credentials at call time and sent as the apikey query param;
// strata never reads it from the environment. A request without one fails
// as Auth before anything is sent, and the key never appears in an error —
// not even when Alpha Vantage echoes it ("We have detected your API key as
// ...").
//
// # Errors
//
// Alpha Vantage answers most errors with status 200 and a JSON body; they
// are classified as follows:
//
//	{"Information": "...more sparingly (1 request per second)..."}   RateLimit, retry after 1s
//	{"Information": "...rate limit is 25 requests per day..."}       RateLimit
//	{"Note": "...API call frequency is 5 calls per minute..."}       RateLimit, retry after 1m
//	{"Information": "...This is a premium endpoint..."}              Permanent
//	{"Information": "The **demo** API key is for demo purposes..."}  Auth
//	{"Error Message": "the parameter apikey is invalid or missing"}  Auth
//	{"Error Message": "Invalid API call..."} (e.g. unknown symbol)    Permanent
//	{"Global Quote": {}} (unknown symbol)                            Permanent
//
// Other statuses follow providers.ClassForStatus; see package httpjson for
// transport failures, body limits and redirects.
package alphavantage
